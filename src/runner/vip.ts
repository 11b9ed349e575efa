// Who holds each VIP and whether HTTP through it answers: a probe appended to the facts script
// (so a no-op run stays one round trip per host) and its parser.
import { urlHost } from '../core/ipv6.js';
import type { PairModel } from '../model/derive.js';
import { shellQuote } from '../core/quote.js';
import { DRAIN_PROBE } from '../render/drain.js';

import { clientProblem, type ClientProbe } from './client-probe.js';
import { bind } from '../protocol/script.js';
import { parseUpstreams, UPSTREAMS, upstreamValues, type UpstreamResult } from '../protocol/upstreams.js';

export const VIP_MARK = '@@haops-vip-probe@@';

export interface VipProbe {
  /** IPv4 addresses on the node's interfaces, without prefix. */
  addresses: string[];
  /** Per VIP: the node name that answered /haops-health through it, or null. */
  http: Record<string, string | null>;
  /** The node is drained (haops drain): it should hold no VIP. */
  drained?: boolean;
  /** The upstream servers as this node reaches them (when asked for). */
  upstreams?: UpstreamResult[];
}

/** `upstreams`: also check the pair's upstream servers from the node (deploy's VIP check). */
export function vipProbeScript(pair: PairModel, opts: { upstreams?: boolean } = {}): string {
  const port = pair.spec.nginx.listen;
  const lines = [`echo ${VIP_MARK}`, 'ip -o -4 addr show | awk \'{print "addr " $4}\'', DRAIN_PROBE];
  // An IPv6 VIP counts once usable: a tentative (DAD) or dadfailed address does not answer yet.
  if (pair.instances.some((i) => i.family === 6))
    lines.splice(2, 0, 'ip -o -6 addr show | awk \'!/ tentative| dadfailed/ {print "addr " $4}\'');
  for (const i of pair.instances) {
    const vip = i.vip;
    const url = shellQuote(`http://${urlHost(vip)}:${port}/haops-health`);
    lines.push(`printf 'http ${vip} %s\\n' "$(curl -g -s -m 2 ${url} 2>/dev/null || wget -q -T 2 -O - ${url} 2>/dev/null)"`);
  }
  return lines.join('\n') + '\n' + (opts.upstreams ? bind(UPSTREAMS, upstreamValues(pair.upstreams, pair.health.path)) : '');
}

export function splitVipProbe(stdout: string): { before: string; probe: VipProbe | null } {
  const at = stdout.indexOf(`${VIP_MARK}\n`);
  if (at < 0) return { before: stdout, probe: null };
  return { before: stdout.slice(0, at), probe: parseVipProbe(stdout.slice(at + VIP_MARK.length + 1)) };
}

export function parseVipProbe(text: string): VipProbe {
  const probe: VipProbe = { addresses: [], http: {} };
  for (const line of text.split('\n')) {
    const [kind, a, b] = line.trim().split(/\s+/);
    if (kind === 'addr' && a) probe.addresses.push(a.split('/')[0]!);
    if (kind === 'http' && a) probe.http[a] = b && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(b) ? b : null;
    if (kind === 'drained' && a === 'yes') probe.drained = true;
  }
  const upstreams = parseUpstreams(text);
  if (upstreams.length) probe.upstreams = upstreams;
  return probe;
}

export interface VipVerdict {
  pair: string;
  instance: string;
  /** The primary VIP (the instance's first): HTTP is asked through it. */
  vip: string;
  /** Every VIP of the instance, the primary first. */
  vips: string[];
  expected: string | null;
  holders: string[];
  servedBy: string | null;
  /** The user's path (health_path through the VIP) asked from this machine. */
  client?: ClientProbe;
  ok: boolean;
  problem?: string;
  /** Not failing: some upstream servers down, the nodes unable to ask their own VIP. */
  warnings?: string[];
}

/** What the nodes that answered say about one VIP: who holds it, who served HTTP through it. */
export interface VipSight {
  holders: string[];
  servedBy: string | null;
  /** Nodes that did not answer: the VIP may be there. */
  unseen: string[];
}

export function sightOf(
  nodes: readonly string[],
  vip: string,
  probes: Record<string, Pick<VipProbe, 'addresses' | 'http'> | null>,
): VipSight {
  return {
    holders: nodes.filter((n) => probes[n]?.addresses.includes(vip)),
    servedBy: nodes.map((n) => probes[n]?.http[vip] ?? null).find((x) => x) ?? null,
    unseen: nodes.filter((n) => !probes[n]),
  };
}

/** Holder trouble, said the same way by deploy and status: split brain, outage, or not seen. */
export function holderProblem(
  vip: string,
  nodes: readonly string[],
  sight: VipSight,
): { verdict: 'split brain' | 'outage' | 'unknown'; problem: string } | null {
  if (sight.holders.length > 1)
    return { verdict: 'split brain', problem: `SPLIT BRAIN: ${sight.holders.join(' and ')} both hold VIP ${vip}` };
  if (sight.holders.length > 0) return null;
  if (sight.unseen.length === nodes.length) return { verdict: 'unknown', problem: `cannot tell who holds VIP ${vip}: no node answered` };
  if (sight.unseen.length)
    return {
      verdict: 'unknown',
      problem: `VIP ${vip} is not on ${nodes.filter((n) => !sight.unseen.includes(n)).join(', ')}; ${sight.unseen.join(', ')} did not answer`,
    };
  return { verdict: 'outage', problem: `OUTAGE: nobody holds VIP ${vip}` };
}

/** One instance's VIPs as the nodes see them: each on its own, and the nodes that hold every one. */
export interface InstanceSight extends VipSight {
  each: { vip: string; holders: string[] }[];
}

/** `holders`: the nodes holding all the instance's VIPs (they move together); `servedBy` through the primary. */
export function instanceSightOf(
  nodes: readonly string[],
  vips: readonly string[],
  probes: Record<string, Pick<VipProbe, 'addresses' | 'http'> | null>,
): InstanceSight {
  const each = vips.map((vip) => ({ vip, ...sightOf(nodes, vip, probes) }));
  return {
    holders: nodes.filter((n) => each.every((e) => e.holders.includes(n))),
    servedBy: each[0]?.servedBy ?? null,
    unseen: nodes.filter((n) => !probes[n]),
    each: each.map((e) => ({ vip: e.vip, holders: e.holders })),
  };
}

/**
 * Holder trouble of an instance with all its VIPs: as holderProblem for one VIP; with several, one
 * held twice is split brain, none held an outage, and any other spread (one node holds some, the
 * other the rest, or one is missing) names where each VIP is.
 */
export function instanceHolderProblem(
  instance: string,
  nodes: readonly string[],
  sight: InstanceSight,
): { verdict: 'split brain' | 'outage' | 'unknown' | 'vips split'; problem: string } | null {
  if (sight.each.length <= 1) {
    const only = sight.each[0];
    return only ? holderProblem(only.vip, nodes, sight) : null;
  }
  const twice = sight.each.find((e) => e.holders.length > 1);
  if (twice) return holderProblem(twice.vip, nodes, { ...sight, holders: twice.holders });
  if (sight.holders.length === 1) return null;
  const all = sight.each.map((e) => e.vip).join(', ');
  if (sight.unseen.length === nodes.length) return { verdict: 'unknown', problem: `cannot tell who holds VIPs ${all}: no node answered` };
  const where = sight.each.map((e) => `${e.vip} on ${e.holders[0] ?? 'nobody'}`).join(', ');
  if (sight.unseen.length) return { verdict: 'unknown', problem: `${instance}: ${where}; ${sight.unseen.join(', ')} did not answer` };
  if (sight.each.every((e) => e.holders.length === 0)) return { verdict: 'outage', problem: `OUTAGE: nobody holds VIPs ${all}` };
  return { verdict: 'vips split', problem: `VIPS SPLIT: ${instance}: ${where} (they move together; one node should hold them all)` };
}

/** Upstream trouble as the nodes see it: all down everywhere is a problem, some down a warning. */
export function upstreamTrouble(probes: Record<string, Pick<VipProbe, 'upstreams'> | null>): { problem?: string; warnings: string[] } {
  const seen = Object.entries(probes).filter(([, p]) => p?.upstreams?.length) as [string, { upstreams: UpstreamResult[] }][];
  if (seen.length && seen.every(([, p]) => p.upstreams.every((u) => !u.up))) {
    return {
      problem: `DEGRADED: upstreams down: ${seen[0]![1].upstreams.map((u) => `${u.upstream} ${u.server} (${u.error ?? 'down'})`).join(', ')}, seen from ${seen.map(([n]) => n).join(' and ')}`,
      warnings: [],
    };
  }
  return {
    warnings: seen.flatMap(([n, p]) =>
      p.upstreams.filter((u) => !u.up).map((u) => `upstream ${u.upstream} ${u.server} is down from ${n} (${u.error ?? 'down'})`),
    ),
  };
}

/**
 * Compares probes from a pair's nodes with who should hold each VIP; with `clients` (per VIP, the
 * user's request from this machine) the user's path decides whether HTTP works.
 */
export function judgeVips(
  pair: PairModel,
  probes: Record<string, VipProbe | null>,
  expected: (instanceMaster: string) => string | null,
  clients: Record<string, ClientProbe> = {},
): VipVerdict[] {
  const upstream = upstreamTrouble(probes);
  return pair.instances.map((i) => {
    const vip = i.vip;
    const want = expected(i.master);
    const sight = instanceSightOf(
      pair.nodes,
      i.vips.map((v) => v.address),
      probes,
    );
    const { holders, servedBy } = sight;
    const client = clients[vip];
    const warnings = [...upstream.warnings];
    let problem = instanceHolderProblem(i.spec.name, pair.nodes, sight)?.problem;
    if (!problem && want && holders[0] !== want)
      problem = `${i.vips.length > 1 ? `VIPs ${i.vips.map((v) => v.address).join(', ')} are` : `VIP ${vip} is`} on ${holders[0]}, expected ${want}`;
    else if (!problem && client) {
      problem = clientProblem(vip, pair.health, client, servedBy) ?? undefined;
      if (!problem && !servedBy) warnings.push(`clients reach ${vip}, but the nodes cannot ask their own VIP`);
    } else if (!problem && !servedBy) problem = `HTTP through VIP ${vip}:${pair.spec.nginx.listen} does not answer`;
    if (!problem && upstream.problem) problem = upstream.problem;
    else if (problem && upstream.problem) problem = `${problem}; ${upstream.problem}`;
    return {
      pair: pair.name,
      instance: i.spec.name,
      vip,
      vips: i.vips.map((v) => v.address),
      expected: want,
      holders,
      servedBy,
      ...(client ? { client } : {}),
      ok: !problem,
      problem,
      ...(warnings.length ? { warnings } : {}),
    };
  });
}

// Who holds each VIP and whether HTTP through it answers: the VIP probe (protocol/vip.ts), appended
// to the facts script so a no-op run stays one round trip per host, bound to a pair and judged.
import type { PairModel } from '../model/derive.js';
import { DRAIN_FLAG } from '../protocol/drain-flag.js';
import { VIP_PROBE, type VipProbe } from '../protocol/vip.js';

import { clientProblem, type ClientProbe } from './client-probe.js';
import { bind } from '../protocol/script.js';
import { UPSTREAMS, upstreamValues, type UpstreamResult } from '../protocol/upstreams.js';

export { parseVipProbe, splitVipProbe, VIP_MARK, type VipProbe } from '../protocol/vip.js';

/** The VIP probe for a pair (protocol/vip.ts); `upstreams`: also check its upstream servers from the node (deploy's VIP check). */
export function vipProbeScript(pair: PairModel, opts: { upstreams?: boolean } = {}): string {
  const probe = bind(VIP_PROBE, {
    VIPS: pair.instances.map((i) => i.vip),
    PORT: pair.spec.nginx.listen,
    IPV6: pair.instances.some((i) => i.family === 6),
    DRAIN_FLAG,
  });
  return probe + (opts.upstreams ? bind(UPSTREAMS, upstreamValues(pair.upstreams, pair.health.path)) : '');
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

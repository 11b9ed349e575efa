// Who holds each VIP and whether HTTP through it answers: a probe appended to the facts script
// (so a no-op run stays one round trip per host) and its parser.
import type { PairModel } from '../model/derive.js';
import { vipAddress } from '../model/derive.js';
import { shellQuote } from '../core/quote.js';
import { DRAIN_PROBE } from '../render/drain.js';

export const VIP_MARK = '@@haops-vip-probe@@';

export interface VipProbe {
  /** IPv4 addresses on the node's interfaces, without prefix. */
  addresses: string[];
  /** Per VIP: the node name that answered /haops-health through it, or null. */
  http: Record<string, string | null>;
  /** The node is drained (haops drain): it should hold no VIP. */
  drained?: boolean;
}

export function vipProbeScript(pair: PairModel): string {
  const port = pair.spec.nginx.listen;
  const lines = [`echo ${VIP_MARK}`, 'ip -o -4 addr show | awk \'{print "addr " $4}\'', DRAIN_PROBE];
  for (const i of pair.instances) {
    const vip = vipAddress(i.spec.vip);
    const url = shellQuote(`http://${vip}:${port}/haops-health`);
    lines.push(`printf 'http ${vip} %s\\n' "$(curl -s -m 2 ${url} 2>/dev/null || wget -q -T 2 -O - ${url} 2>/dev/null)"`);
  }
  return lines.join('\n') + '\n';
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
  return probe;
}

export interface VipVerdict {
  pair: string;
  instance: string;
  vip: string;
  expected: string | null;
  holders: string[];
  servedBy: string | null;
  ok: boolean;
  problem?: string;
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

/** Compares probes from a pair's nodes with who should hold each VIP. */
export function judgeVips(
  pair: PairModel,
  probes: Record<string, VipProbe | null>,
  expected: (instanceMaster: string) => string | null,
): VipVerdict[] {
  return pair.instances.map((i) => {
    const vip = vipAddress(i.spec.vip);
    const want = expected(i.master);
    const sight = sightOf(pair.nodes, vip, probes);
    const { holders, servedBy } = sight;
    let problem = holderProblem(vip, pair.nodes, sight)?.problem;
    if (!problem && want && holders[0] !== want) problem = `VIP ${vip} is on ${holders[0]}, expected ${want}`;
    else if (!problem && !servedBy) problem = `HTTP through VIP ${vip}:${pair.spec.nginx.listen} does not answer`;
    return { pair: pair.name, instance: i.spec.name, vip, expected: want, holders, servedBy, ok: !problem, problem };
  });
}

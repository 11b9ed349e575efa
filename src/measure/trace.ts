// What happened during one drill round, event by event, on this machine's clock: the raw material
// of the HTML report (`failover-drill --report`) and of `--json`'s `trace`. Types and small helpers.
import type { ProbeFailure } from '../runner/client-probe.js';

export type { ProbeFailure } from '../runner/client-probe.js';

export interface ProbeMark {
  vip: string;
  /** Sent and answered (or failed), ms since the epoch. */
  sentAt: number;
  at: number;
  ok: boolean;
  /** The node that answered (X-Haops-Node header), when one did. */
  node: string | null;
  status?: number;
  failure?: ProbeFailure;
}

export interface RoundTrace {
  /** The window drawn: from the first probe to the end of the round. */
  startedAt: number;
  endedAt: number;
  faultAt: number;
  restoreAt: number | null;
  /** Holder of each VIP and each node's keepalived state per instance when the round began. */
  holdersAtStart: Record<string, string | null>;
  statesAtStart: Record<string, Record<string, string | null>>;
  /** The VIP appearing on (add) or leaving (del) a node's interface. */
  vipEvents: { node: string; vip: string; kind: 'add' | 'del'; at: number }[];
  /** keepalived state changes, from the notify log each node writes (instance, new state). */
  states: { node: string; instance: string; state: string; at: number }[];
  /** This machine's neighbour entry for the VIP flipping to a node's MAC unasked. */
  garp: { vip: string; node: string; at: number }[];
  probes: ProbeMark[];
  /** Instance name per VIP, for labels. */
  instances: Record<string, string>;
}

/** Failed requests per kind: "3 refused, 1 timeout". */
export function failuresByKind(probes: readonly ProbeMark[]): Partial<Record<ProbeFailure, number>> {
  const out: Partial<Record<ProbeFailure, number>> = {};
  for (const p of probes) if (!p.ok) out[p.failure ?? 'other'] = (out[p.failure ?? 'other'] ?? 0) + 1;
  return out;
}

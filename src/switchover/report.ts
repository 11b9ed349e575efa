// A switchover: its rounds on one pair and their report, built here (figures, stats, the handoff
// per node over all rounds, problems and the verdict); the CLI only picks flags and prints it.
import { stats } from '../measure/clock.js';
import type { DrainMethod } from '../protocol/drain-flag.js';
import { SwitchoverRefused } from './pair.js';
import type { Drains } from './drain.js';
import type { Handoff } from './handoff.js';
import { KEPT_ALIVE_CONNECTIONS } from './probe.js';
import { Rounds, type SwitchoverRound } from './round.js';

export interface SwitchoverReport {
  ok: boolean;
  pair: string;
  target: string;
  method: DrainMethod | null;
  /** How the gap is closed: the drained node answers on lo until the peer holds the VIP. */
  bridge: boolean;
  /** Per node taking VIPs, whether it handed off the old holder's connections (see Handoff). */
  handoff: Handoff[];
  probe: {
    intervalMs: number;
    timeoutSeconds: number;
    newConnectionEach: boolean;
    keptAliveConnections: number;
    scheme?: 'http' | 'https';
  };
  /** Where the HTTP probe ran: 'this machine' or the inventory's probe host (as the drill's). */
  probedFrom: string;
  rounds: SwitchoverRound[];
  stats?: Record<'switchoverSeconds' | 'switchbackSeconds' | 'worstLatencySeconds', { min: number; median: number; max: number } | null>;
  problems: string[];
}

export interface SwitchoverPlan {
  rounds: number;
  /** Drain this whole node (every VIP it holds); else the holder of `instance` (default: the first). */
  node?: string;
  instance?: string;
  leaseSeconds: number;
  /** Keep each round's trace (for the HTML page). */
  trace: boolean;
  /** Each round as it ends (the CLI prints a line for it). */
  onRound?: (round: SwitchoverRound) => void;
}

export function summarise(rounds: SwitchoverRound[]): SwitchoverReport['stats'] {
  return {
    switchoverSeconds: stats(rounds.map((r) => r.switchoverSeconds)),
    switchbackSeconds: stats(rounds.map((r) => r.switchbackSeconds)),
    worstLatencySeconds: stats(rounds.map((r) => r.worstLatencySeconds)),
  };
}

/** Runs the rounds (a refusal ends them, as a problem of the report) and judges: ok when every
 * round ran and none had a problem. */
export async function runSwitchover(drains: Drains, plan: SwitchoverPlan): Promise<SwitchoverReport> {
  const { nodes } = drains;
  const { pair } = nodes;
  const instance = plan.instance ? pair.instances.find((i) => i.spec.name === plan.instance) : undefined;
  const report: SwitchoverReport = {
    ok: false,
    pair: pair.name,
    target: plan.node ? `node ${plan.node} (every VIP it holds)` : `instance ${(instance ?? pair.instances[0]!).spec.name}`,
    method: null,
    bridge: true,
    handoff: [],
    probe: {
      intervalMs: 20,
      timeoutSeconds: 2,
      newConnectionEach: true,
      keptAliveConnections: nodes.opts.connections ?? KEPT_ALIVE_CONNECTIONS,
      // A TLS site is probed over HTTPS, from this machine or the probe host.
      scheme: pair.health.tls ? 'https' : 'http',
    },
    probedFrom: pair.probeFrom.kind === 'host' ? pair.probeFrom.host : 'this machine',
    rounds: [],
    problems: [],
  };
  report.method = (await nodes.facts(pair.nodes[0])).method;
  const rounds = new Rounds(nodes, drains);
  try {
    for (let r = 1; r <= plan.rounds; r++) {
      const round = await rounds.round(r, { node: plan.node, instance, leaseSeconds: plan.leaseSeconds, trace: plan.trace });
      report.rounds.push(round);
      plan.onRound?.(round);
    }
  } catch (e) {
    if (!(e instanceof SwitchoverRefused)) throw e;
    report.problems.push(`refused: ${e.message}${e.hint ? ` (fix: ${e.hint})` : ''}`);
  }
  if (plan.rounds > 1 && report.rounds.length) report.stats = summarise(report.rounds);
  // One line per node that took VIPs: whether it handed off, and how many packets over all rounds.
  for (const h of report.rounds.flatMap((r) => r.handoff)) {
    const seen = report.handoff.find((x) => x.node === h.node && x.on === h.on);
    if (!seen) report.handoff.push({ ...h });
    else if (h.packets !== undefined) seen.packets = (seen.packets ?? 0) + h.packets;
  }
  report.problems.push(...report.rounds.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`)));
  report.ok = report.problems.length === 0 && report.rounds.length === plan.rounds;
  return report;
}

// One failover drill from start to end: connect the pair, run the rounds, always restore the
// fault and close, and turn the rounds into one report with its verdict.
import type { NodeModel, PairInstance, PairModel } from '../model/derive.js';
import type { Host } from '../ssh/host.js';
import { Drill, DrillRefused, stats, type DrillReport, type FaultKind } from './drill.js';
import { formatRound } from './format.js';

export interface DrillRun {
  pair: PairModel;
  instance: PairInstance;
  /** Fail this whole node instead of the holder of `instance`. */
  node?: string;
  fault: FaultKind;
  rounds: number;
  maxFailover?: number;
  /** The pair's nodes (their notification channels are watched). */
  nodes: NodeModel[];
  log: (s: string) => void;
  /** Called once the drill exists, so a signal handler can restore its fault. */
  started?: (drill: Drill) => void;
}

export async function runDrill(run: DrillRun, connect: (host: string) => Promise<Host>): Promise<DrillReport> {
  const { pair, instance, node, fault, rounds, log } = run;
  const report: DrillReport = {
    ok: false,
    pair: pair.name,
    instance: node ? `node ${node} (every VIP it holds)` : instance.spec.name,
    vip: node ? pair.instances.map((i) => i.spec.vip.split('/')[0]).join(', ') : instance.spec.vip.split('/')[0]!,
    fault,
    rounds: [],
    problems: [],
  };
  const hosts: Record<string, Host> = {};
  let drill: Drill | null = null;
  try {
    for (const n of pair.nodes) hosts[n] = await connect(n);
    drill = new Drill(pair, instance, hosts, { fault, rounds, maxFailover: run.maxFailover, log, node, nodes: run.nodes });
    run.started?.(drill);
    for (let r = 1; r <= rounds; r++) {
      const round = await drill.round(r, pair.spec.interface, pair.spec.nginx.listen);
      report.rounds.push(round);
      log(formatRound(round));
    }
    if (rounds > 1) {
      report.stats = {
        failoverSeconds: stats(report.rounds.map((x) => x.failoverSeconds)),
        httpRecoverySeconds: stats(report.rounds.map((x) => x.httpRecoverySeconds)),
        failbackSeconds: stats(report.rounds.map((x) => x.failbackSeconds)),
      };
    }
  } catch (e) {
    if (!(e instanceof DrillRefused)) throw e;
    report.problems.push(`refused: ${e.message}`);
  } finally {
    await drill?.restore();
    await drill?.close();
  }
  report.problems.push(...report.rounds.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`)));
  report.ok = report.problems.length === 0 && report.rounds.length === rounds;
  return report;
}

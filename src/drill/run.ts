// One failover drill from start to end: connect the pair, run the rounds, always restore the
// fault and close, and turn the rounds into one report with its verdict.
import { siteProbeUrl } from '../runner/client-target.js';
import type { NodeModel, PairInstance, PairModel } from '../model/derive.js';
import type { Host } from '../ssh/host.js';
import { Drill, DrillRefused, type DrillReport } from './drill.js';
import type { FaultKind } from '../protocol/drill-fault.js';
import { stats } from '../measure/clock.js';
import { formatRound } from './format.js';
import { parseContainer, parseKeepalivedVersion } from '../facts/parse.js';
import { agrees, expectedFailover, timingOf } from '../model/expected.js';
import { describeVersion } from '../model/keepalived-versions.js';
import { fitFailover, targetOf } from '../model/profile.js';
import { bind } from '../protocol/script.js';
import { KEEPALIVED_TARGET, splitKeepalivedTarget } from '../protocol/watch.js';

export interface DrillRun {
  pair: PairModel;
  instance: PairInstance;
  /** Fail this whole node instead of the holder of `instance`. */
  node?: string;
  fault: FaultKind;
  rounds: number;
  maxFailover?: number;
  /** Milliseconds between HTTP probes (default 20). */
  probeMs?: number;
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
    vip: (node ? pair.instances : [instance]).flatMap((i) => i.vips.map((v) => v.address)).join(', '),
    fault,
    rounds: [],
    probedFrom: pair.probeFrom.kind === 'host' ? pair.probeFrom.host : 'this machine',
    probeUrl: siteProbeUrl((node ? pair.instances[0]! : instance).vip, pair.health),
    problems: [],
  };
  const hosts: Record<string, Host> = {};
  let drill: Drill | null = null;
  try {
    for (const n of pair.nodes) hosts[n] = await connect(n);
    // The probe host (inventory probe: { from: HOST }): status and the HTTP probe ask from there.
    if (pair.probeFrom.kind === 'host') {
      hosts[pair.probeFrom.host] = await connect(pair.probeFrom.host);
      log(`HTTP through the VIP is probed from probe host ${pair.probeFrom.host}`);
    }
    const expected = await expectedFor(run, hosts[instance.backup]!).catch(() => undefined);
    if (expected) report.expected = { ...expected, measured: null, agrees: null };
    drill = new Drill(pair, instance, hosts, {
      fault,
      rounds,
      maxFailover: run.maxFailover,
      log,
      node,
      nodes: run.nodes,
      probeMs: run.probeMs,
    });
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
  if (report.expected) {
    // The median over rounds (or the one round) against the timers' range, within AGREEMENT_SECONDS.
    const measured = report.stats?.failoverSeconds?.median ?? report.rounds[0]?.failoverSeconds ?? null;
    report.expected.measured = measured;
    report.expected.agrees = measured === null ? null : agrees(report.expected, measured);
  }
  report.problems.push(...report.rounds.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`)));
  report.ok = report.problems.length === 0 && report.rounds.length === rounds;
  return report;
}

/**
 * The failover the timers predict for this fault: the pair's profile fitted to the keepalived on
 * the node that takes over (its version, and whether it runs in a container), as `haops plan` does.
 */
async function expectedFor(run: DrillRun, taker: Host) {
  const r = await taker.exec(bind(KEEPALIVED_TARGET, {}));
  const { version: v, container: c } = splitKeepalivedTarget(r.stdout);
  const version = parseKeepalivedVersion(v);
  const container = parseContainer({ kind: 'container', arg: '', body: c, code: 0 });
  const { pair, instance } = run;
  const fitted = fitFailover(
    pair.failover,
    pair.spec.check,
    targetOf(version, container),
    pair.spec.instances.map((i) => i.advert_int),
  );
  const e = expectedFailover(timingOf(fitted, fitted.advertInt(instance.spec.advert_int), instance.priorities[instance.backup]!)).find(
    (x) => x.fault === run.fault,
  )!;
  return { ...e, keepalived: `${version ? describeVersion(version) : 'unknown'}${container ? ` in ${container}` : ''}` };
}

// `haops failover-drill`: pick the pair and instance, run the rounds, always restore, report.
import { Drill, DrillRefused, FAULTS, stats, type DrillReport, type FaultKind, type RoundReport } from '../drill/drill.js';
import { UsageError } from '../core/errors.js';
import { connector, type NodeFlags } from './deploy.js';
import { loadModel } from './offline.js';
import { masked } from './mask.js';
import type { Host } from '../ssh/host.js';
import { formatTimeline } from '../notify/timeline.js';

export interface DrillFlags extends NodeFlags {
  pair?: string;
  instance?: string;
  node?: string;
  fault?: string;
  rounds?: string;
  maxFailover?: string;
  json?: boolean;
}

export async function drillCommand(file: string, flags: DrillFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { inventory, model } = loadModel(file);
  const pair = flags.pair ? model.pairs.find((p) => p.name === flags.pair) : model.pairs[0];
  if (!pair) throw new UsageError(`--pair ${flags.pair}: no such pair`, `use one of: ${model.pairs.map((p) => p.name).join(', ')}`);
  const instance = flags.instance ? pair.instances.find((i) => i.spec.name === flags.instance) : pair.instances[0];
  if (!instance) throw new UsageError(`--instance ${flags.instance}: no such instance in pair ${pair.name}`, `use one of: ${pair.instances.map((i) => i.spec.name).join(', ')}`);
  if (flags.node && !pair.nodes.includes(flags.node)) throw new UsageError(`--node ${flags.node}: not a node of pair ${pair.name}`, `use one of: ${pair.nodes.join(', ')}`);
  if (flags.node && flags.instance) throw new UsageError('--node and --instance exclude each other', '--node fails a whole node (every VIP it holds); --instance the holder of one VIP');
  const fault = (flags.fault ?? (flags.node ? 'keepalived-stop' : 'nginx-stop')) as FaultKind;
  if (!FAULTS.includes(fault)) throw new UsageError(`--fault ${flags.fault}: unknown fault`, `use one of: ${FAULTS.join(', ')}`);
  const rounds = Number(flags.rounds ?? 1);
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError(`--rounds ${flags.rounds}: expected a whole number of at least 1`);
  const maxFailover = flags.maxFailover === undefined ? undefined : Number(flags.maxFailover);
  if (maxFailover !== undefined && !(maxFailover > 0)) throw new UsageError(`--max-failover ${flags.maxFailover}: expected seconds, e.g. 5`);

  const conn = connector(inventory, file, flags, model.secrets, model.sudo);
  const restoreOutput = masked(model.secrets);
  const log = flags.json ? () => {} : err;
  const hosts: Record<string, Host> = {};
  let drill: Drill | null = null;
  // Ctrl-C or a kill mid-fault: undo the fault before leaving.
  const onSignal = (sig: NodeJS.Signals) => {
    err(`\n${sig}: restoring the fault before exit...`);
    void (drill?.restore() ?? Promise.resolve()).finally(async () => {
      await drill?.close();
      await conn.closeAll();
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const report: DrillReport = {
    ok: false,
    pair: pair.name,
    instance: flags.node ? `node ${flags.node} (every VIP it holds)` : instance.spec.name,
    vip: flags.node ? pair.instances.map((i) => i.spec.vip.split('/')[0]).join(', ') : instance.spec.vip.split('/')[0]!,
    fault,
    rounds: [],
    problems: [],
  };
  try {
    for (const n of pair.nodes) hosts[n] = await conn.get(n);
    drill = new Drill(pair, instance, hosts, { fault, rounds, maxFailover, log, node: flags.node, nodes: model.nodes.filter((n) => n.pair === pair.name) });
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
    await conn.closeAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    restoreOutput();
  }
  report.problems.push(...report.rounds.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`)));
  report.ok = report.problems.length === 0 && report.rounds.length === rounds;
  out(flags.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 1;
}

function formatRound(r: RoundReport): string {
  const s = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)} s`);
  return r.vips
    .map((v) => `round ${r.round}: ${v.vip} ${v.from} -> ${v.to ?? 'nobody'}: VIP gone ${s(v.vipGoneSeconds)}, on new holder ${s(v.failoverSeconds)}, HTTP back ${s(v.httpRecoverySeconds)}, ${v.failedRequests} failed requests, GARP ${v.gratuitousArp === null ? 'not observed' : v.gratuitousArp ? 'yes' : 'no'}, ${v.stayed !== null ? (v.stayed ? 'stayed (nopreempt)' : 'moved back') : `failback ${s(v.failbackSeconds)}`}`)
    .join('\n');
}

export function formatReport(r: DrillReport): string {
  const s = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(2));
  const rows = [
    ['round', 'VIP', 'from', 'to', 'VIP gone s', 'failover s', 'HTTP back s', 'failed req', 'GARP', 'failback s', 'ended as began'],
    ...r.rounds.flatMap((x) =>
      x.vips.map((v) => [String(x.round), v.vip, v.from, v.to ?? '-', s(v.vipGoneSeconds), s(v.failoverSeconds), s(v.httpRecoverySeconds), String(v.failedRequests), v.gratuitousArp === null ? '?' : v.gratuitousArp ? 'yes' : 'no', v.stayed !== null ? (v.stayed ? 'stayed' : 'moved') : s(v.failbackSeconds), x.endedAsBegan ? 'yes' : 'NO']),
    ),
  ];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = [`failover drill: pair ${r.pair}, instance ${r.instance}, VIP ${r.vip}, fault ${r.fault}`, ...rows.map((row) => '  ' + row.map((c, i) => c.padEnd(w[i]!)).join('  '))];
  for (const x of r.rounds) {
    if (x.notifications) lines.push(`  notifications, round ${x.round} (delay after the VIP moved):`, ...formatTimeline(x.notifications).split('\n').map((l) => `    ${l}`));
  }
  if (r.stats) for (const [k, v] of Object.entries(r.stats)) if (v) lines.push(`  ${k}: min ${v.min.toFixed(2)}  median ${v.median.toFixed(2)}  max ${v.max.toFixed(2)}`);
  for (const p of r.problems) lines.push(`  PROBLEM: ${p}`);
  lines.push(r.ok ? 'drill passed: the pair failed over and ended as it began' : 'drill FAILED');
  return lines.join('\n');
}

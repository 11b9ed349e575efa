// `haops drain`, `haops undrain`, `haops switchover`: pick the pair and node, connect, run, always
// undo an unfinished drain (Ctrl-C, lost connection, error), report. Exit 0 ok, 1 refused/failed.
import { nodeOptions } from './options.js';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { Model, PairModel } from '../model/derive.js';
import type { NodeFlags } from '../nodes/connector.js';
import type { Host } from '../ssh/host.js';
import { HOLD_LIMIT_SECONDS, PairNodes, SwitchoverRefused } from '../switchover/pair.js';
import { DRAIN_LEASE_SECONDS, Drains, allReturned } from '../switchover/drain.js';
import type { HoldResult } from '../switchover/bridge.js';
import { SELF_UNDRAIN_SECONDS, type SwitchoverRound } from '../switchover/round.js';
import { runSwitchover, type SwitchoverReport } from '../switchover/report.js';
import { withNodes } from './nodes.js';
import { limitOption, onePair, withSite } from './limit.js';
import { writeReport } from './drill.js';
import { checkOutputFile, numberFlag } from './options.js';
import { renderSwitchoverHtml } from '../switchover/report-html.js';
import { KEPT_ALIVE_CONNECTIONS } from '../switchover/probe.js';

export interface SwitchoverFlags extends NodeFlags {
  pair?: string;
  site?: string;
  instance?: string;
  node?: string;
  rounds?: string;
  lease?: string;
  hold?: string;
  handoff?: boolean;
  connections?: string;
  json?: boolean;
  report?: string;
  limit?: string[];
}

type Out = (s: string) => void;

function pairOfNode(model: Model, node: string): PairModel {
  const pair = model.pairs.find((p) => p.nodes.includes(node));
  if (!pair) throw new UsageError(`${node}: not a node of any pair`, `use one of: ${model.pairs.flatMap((p) => p.nodes).join(', ')}`);
  return pair;
}

/** Connects the pair's nodes, runs `work` with Ctrl-C undoing an unfinished drain, closes. */
async function withPair<T>(
  file: string,
  flags: NodeFlags & { hold?: string; handoff?: boolean; connections?: string },
  pick: (model: Model) => PairModel,
  err: Out,
  work: (drains: Drains) => Promise<T>,
  /** Also connect the pair's probe host (probe: { from: HOST }): switchover probes from there. */
  withProbeHost = false,
): Promise<T> {
  const holdSeconds = holdOf(flags.hold);
  return withNodes(file, flags, async ({ model, connect, closeAll }) => {
    const pair = pick(model);
    let drains: Drains | null = null;
    const onSignal = (sig: NodeJS.Signals) => {
      err(`\n${sig}: undoing the drain in progress before exit...`);
      void (drains?.undo() ?? Promise.resolve()).finally(async () => {
        await closeAll();
        process.exit(130);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const hosts: Record<string, Host> = {};
      for (const n of pair.nodes) hosts[n] = await connect(n);
      if (withProbeHost && pair.probeFrom.kind === 'host') {
        hosts[pair.probeFrom.host] = await connect(pair.probeFrom.host);
        err(`HTTP through the VIPs is probed from probe host ${pair.probeFrom.host}`);
      }
      drains = new Drains(
        new PairNodes(pair, model, hosts, {
          log: err,
          inventory: file,
          bridgeHoldMs: Math.round(holdSeconds * 1000),
          handoff: flags.handoff !== false,
          connections: connectionsOf(flags.connections),
        }),
      );
      return await work(drains);
    } finally {
      await drains?.undo();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}

/** `VIP a`, or `VIPs a, b` for an instance whose addresses moved together. */
const vipWord = (m: { vip: string; vips?: string[] }) => (m.vips && m.vips.length > 1 ? `VIPs ${m.vips.join(', ')}` : `VIP ${m.vip}`);
const isAre = (m: { vips?: string[] }) => (m.vips && m.vips.length > 1 ? 'are' : 'is');

const refusedLine = (e: SwitchoverRefused) => `haops: refused: ${e.message}${e.hint ? `\n    fix: ${e.hint}` : ''}`;

export interface DrainFlags extends NodeFlags {
  json?: boolean;
  force?: boolean;
  lease?: string;
  hold?: string;
  handoff?: boolean;
}

/** The most the drained node keeps serving what is already on it after the peer holds the VIPs
 * (it stops as soon as no connection is left there). */
export const HOLD_SECONDS = HOLD_LIMIT_SECONDS;

function holdOf(flag: string | undefined): number {
  const n = Number(flag ?? HOLD_SECONDS);
  if (!Number.isFinite(n) || n < 0.2 || n > 600)
    throw new UsageError(
      `--hold ${flag}: expected seconds from 0.2 to 600`,
      `as long as the longest request you want to finish on the drained node (the hold ends as soon as no connection is left there); ${HOLD_SECONDS} is the default`,
    );
  return n;
}

function connectionsOf(flag: string | undefined): number {
  const n = Number(flag ?? KEPT_ALIVE_CONNECTIONS);
  if (!Number.isInteger(n) || n < 0 || n > 64)
    throw new UsageError(
      `--connections ${flag}: expected a whole number from 0 to 64`,
      `kept-alive connections the probe keeps busy through each VIP; ${KEPT_ALIVE_CONNECTIONS} is the default, 0 measures new connections only`,
    );
  return n;
}

function leaseOf(flag: string | undefined, fallback: number): number {
  const n = Number(flag ?? fallback);
  if (!Number.isInteger(n) || n < 5 || n > 3600)
    throw new UsageError(
      `--lease ${flag}: expected whole seconds from 5 to 3600`,
      `a drain's move takes a few seconds; ${fallback} is the default`,
    );
  return n;
}

export async function drainCommand(file: string, node: string, flags: DrainFlags, out: Out, err: Out): Promise<number> {
  const leaseSeconds = leaseOf(flags.lease, DRAIN_LEASE_SECONDS);
  return pairCommand(file, node, flags, out, err, async (drains) => {
    const r = await drains.drain(node, { keep: true, force: flags.force, leaseSeconds });
    const nobody = r.moved.filter((m) => m.to === null);
    if (flags.json) out(JSON.stringify({ ok: true, ...r }, null, 2));
    else if (r.alreadyDrained) out(`${node} was already drained (method ${r.method}); nothing moved`);
    else {
      if (r.finished) out(`${node}: an earlier drain was raised but never confirmed; confirmed now`);
      for (const m of r.moved)
        out(
          m.to === null
            ? `${m.instance}: ${vipWord(m)} ${isAre(m)} held by NOBODY now${flags.force ? ' (--force: the peer is drained too)' : ''}`
            : `${m.instance}: ${vipWord(m)} ${m.seconds === null ? `${isAre(m)} on` : 'moved to'} ${m.to}${m.seconds === null ? '' : ` in ${m.seconds.toFixed(2)} s`}`,
        );
      if (r.handoff && r.moved.length)
        out(
          r.handoff.on
            ? `handoff: ${r.handoff.node} sent ${r.handoff.packets ?? '?'} packets of connections opened on ${node} on to it while they finished${r.handoff.note ? ` (${r.handoff.note})` : ''}`
            : `no handoff: ${r.handoff.why}`,
        );
      if (r.hold) out(holdLine(r.hold));
      out(
        `${node} is drained (method ${r.method}): it holds no VIP, keepalived and nginx keep running; the drain survives restarts, reboots and deploys. Undo with \`haops undrain ${file} ${node}\`.`,
      );
      if (nobody.length)
        err(`warning: ${nobody.flatMap((m) => m.vips ?? [m.vip]).join(', ')} out of service until a node of the pair is undrained`);
    }
    return 0;
  });
}

export async function undrainCommand(file: string, node: string, flags: DrainFlags, out: Out, err: Out): Promise<number> {
  return pairCommand(file, node, flags, out, err, async (drains) => {
    const r = await drains.undrain(node);
    const ok = allReturned(r);
    if (flags.json) out(JSON.stringify({ ok, ...r }, null, 2));
    else {
      if (!r.wasDrained) out(`${node} was not drained; the flag is gone either way`);
      for (const m of r.returned)
        out(
          `${m.instance}: ${vipWord(m)} ${m.seconds === null ? `did NOT come back to ${node}` : `back on ${node} in ${m.seconds.toFixed(2)} s`}`,
        );
      for (const s of r.stayed) out(`${s}: nopreempt, the VIP stays on its current holder`);
      if (r.hold) out(holdLine(r.hold));
      out(`${node} is in service again`);
    }
    return ok ? 0 : 1;
  });
}

export function holdLine(h: HoldResult): string {
  return h.emptied
    ? `hold: ${h.node} served its connections until none was left (${h.seconds.toFixed(1)} s; each told Connection: close)`
    : `hold: ${h.node} still had ${h.connectionsLeft ?? '?'} connection(s) on the VIPs when the hold limit (${h.seconds.toFixed(1)} s, --hold) ran out: cut then`;
}

/** drain and undrain: the node's pair, connected; a refusal is exit 1 with its fix. */
async function pairCommand(
  file: string,
  node: string,
  flags: DrainFlags,
  out: Out,
  err: Out,
  work: (drains: Drains) => Promise<number>,
): Promise<number> {
  try {
    return await withPair(file, flags, (m) => pairOfNode(m, node), err, work);
  } catch (e) {
    if (!(e instanceof SwitchoverRefused)) throw e;
    if (flags.json) out(JSON.stringify({ ok: false, node, problem: e.message, hint: e.hint }, null, 2));
    err(refusedLine(e));
    return 1;
  }
}

export async function switchoverCommand(file: string, flags: SwitchoverFlags, out: Out, err: Out): Promise<number> {
  const rounds = numberFlag('--rounds', flags.rounds, 1, { min: 1, max: 1000, integer: true, unit: 'rounds' });
  checkOutputFile('--report', flags.report);
  const leaseSeconds = leaseOf(flags.lease, SELF_UNDRAIN_SECONDS);
  if (flags.node && flags.instance)
    throw new UsageError(
      '--node and --instance exclude each other',
      '--node drains a whole node (every VIP it holds); --instance the holder of one VIP',
    );
  const pick = (model: Model): PairModel => withSite(pickPair(model), flags.site);
  const pickPair = (model: Model): PairModel => {
    if (flags.node && !flags.pair && !flags.limit?.length) return pairOfNode(model, flags.node);
    const pair = onePair(model, flags.pair, flags.limit);
    if (flags.node && !pair.nodes.includes(flags.node))
      throw new UsageError(`--node ${flags.node}: not a node of pair ${pair.name}`, `use one of: ${pair.nodes.join(', ')}`);
    if (flags.instance && !pair.instances.some((i) => i.spec.name === flags.instance))
      throw new UsageError(
        `--instance ${flags.instance}: no such instance in pair ${pair.name}`,
        `use one of: ${pair.instances.map((i) => i.spec.name).join(', ')}`,
      );
    return pair;
  };
  connectionsOf(flags.connections); // a bad --connections is told before anything connects
  const log = flags.json ? () => {} : err;
  const report = await withPair(
    file,
    flags,
    pick,
    log,
    (drains) =>
      runSwitchover(drains, {
        rounds,
        node: flags.node,
        instance: flags.instance,
        leaseSeconds,
        trace: Boolean(flags.report),
        onRound: (round) => log(formatRound(round)),
      }),
    true,
  );
  let failed: UsageError | undefined;
  if (flags.report) {
    const nodes = [...new Set(report.rounds.flatMap((r) => [r.from, r.to ?? '']).filter(Boolean))];
    failed = writeReport(flags.report, renderSwitchoverHtml(report, nodes), err);
    // The page holds the traces; --json stays the figures.
    for (const r of report.rounds) delete r.trace;
  }
  out(flags.json ? JSON.stringify(report, null, 2) : formatSwitchoverReport(report));
  if (failed) throw failed;
  return report.ok ? 0 : 1;
}

const s2 = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(2));

function formatRound(r: SwitchoverRound): string {
  const kept = r.keptAlive
    ? `kept-alive: ${r.keptAlive.failedRequests} failed of ${r.keptAlive.requests}, ${r.keptAlive.reconnects} clean reconnects`
    : 'kept-alive not measured (probe host)';
  const holds = r.holds
    .map((h) => `${h.node} held ${h.seconds.toFixed(1)} s${h.emptied ? '' : ` (${h.connectionsLeft ?? '?'} cut)`}`)
    .join(', ');
  return `round ${r.round}: ${r.from} -> ${r.to ?? 'nobody'} in ${s2(r.switchoverSeconds)} s, back in ${s2(r.switchbackSeconds)} s; ${r.failedRequests} failed of ${r.requests} requests, worst ${s2(r.worstLatencySeconds)} s; ${kept}${holds ? `; ${holds}` : ''}`;
}

export function formatSwitchoverReport(r: SwitchoverReport): string {
  const rows = [
    ['round', 'from', 'to', 'switchover s', 'failed req', 'of', 'worst latency s', 'switchback s', 'kept-alive failed', 'ended as began'],
    ...r.rounds.map((x) => [
      String(x.round),
      x.from,
      x.to ?? '-',
      s2(x.switchoverSeconds),
      String(x.failedRequests),
      String(x.requests),
      s2(x.worstLatencySeconds),
      s2(x.switchbackSeconds),
      x.keptAlive === null ? 'not measured' : `${x.keptAlive.failedRequests} of ${x.keptAlive.requests}`,
      x.endedAsBegan ? 'yes' : 'NO',
    ]),
  ];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = [
    `switchover: pair ${r.pair}, ${r.target}, method ${r.method ?? '?'}${r.bridge ? ' (drained node answers on lo until the peer holds the VIP)' : ''}; ${r.probe.scheme === 'https' ? 'HTTPS' : 'HTTP'} probe from ${r.probedFrom === 'this machine' ? 'this machine' : `probe host ${r.probedFrom}`}: a new connection every ${r.probe.intervalMs} ms${r.probedFrom === 'this machine' && r.probe.keptAliveConnections ? ` and ${r.probe.keptAliveConnections} kept-alive connections per VIP` : ''}, failed = error, reset, non-2xx or no answer in ${r.probe.timeoutSeconds} s`,
    ...r.handoff.map((h) =>
      h.on
        ? `  handoff on ${h.node}: packets of connections opened on the old holder are sent on to it until the bridge ends (${h.packets ?? '?'} packets handed on)${h.note ? `; ${h.note}` : ''}`
        : `  no handoff on ${h.node}: ${h.why}`,
    ),
    ...rows.map((row) => '  ' + row.map((c, i) => c.padEnd(w[i]!)).join('  ')),
  ];
  if (r.stats)
    for (const [k, v] of Object.entries(r.stats))
      if (v) lines.push(`  ${k}: min ${v.min.toFixed(2)}  median ${v.median.toFixed(2)}  max ${v.max.toFixed(2)}`);
  for (const p of r.problems) lines.push(`  PROBLEM: ${p}`);
  lines.push(
    r.ok
      ? `switchover passed: no client saw an error (${r.probedFrom === 'this machine' && r.probe.keptAliveConnections ? 'new and kept-alive connections' : 'new connections; kept-alive not measured'}), the pair ended as it began`
      : 'switchover FAILED',
  );
  return lines.join('\n');
}

const NO_HANDOFF = "do not hand the old holder's connections on (no nftables rules on the nodes): for a comparison";

export function registerSwitchoverCommands(program: Command, io: { out: Out; err: Out; setCode: (c: number) => void }): void {
  const nodeCommand = (name: string, description: string, run: typeof drainCommand, more: (c: Command) => Command = (c) => c) =>
    more(nodeOptions(program.command(name)).description(description).argument('<inventory>').argument('<node>'))
      .option('--json', 'machine-readable output')
      .action(async (file: string, node: string, flags: DrainFlags) => io.setCode(await run(file, node, flags, io.out, io.err)));
  nodeCommand(
    'drain',
    'move every VIP the node holds to its peer, with no failed request; the node stays up and holds no VIP until undrained',
    drainCommand,
    (c) =>
      c
        .option('--force', 'drain even when the peer is drained too: nobody holds the VIPs until one node is undrained')
        .option(
          '--lease <seconds>',
          'if haops vanishes before the VIPs are on the peer, the node lifts the drain by itself after this long',
          String(DRAIN_LEASE_SECONDS),
        )
        .option(
          '--hold <seconds>',
          'after the peer holds the VIPs, the drained node still serves the connections already on it (each told Connection: close) until none is left, at most this long',
          String(HOLD_SECONDS),
        )
        .option('--no-handoff', NO_HANDOFF),
  );
  nodeCommand('undrain', 'let the node hold VIPs again; its VIPs come back when the pair preempts', undrainCommand, (c) =>
    c
      .option(
        '--hold <seconds>',
        'after the VIPs are back, the peer still serves the connections already on it until none is left, at most this long',
        String(HOLD_SECONDS),
      )
      .option('--no-handoff', NO_HANDOFF),
  );
  limitOption(nodeOptions(program.command('switchover')))
    .description(
      'measured drain + undrain of a VIP holder: HTTP through the VIP on a new connection every 20 ms, failed requests and latency per round',
    )
    .argument('<inventory>')
    .option('--pair <name>', 'the pair (default: the first, or the pair of --node)')
    .option('--site <name>', 'probe this site of nginx.sites (default: the default site)')
    .option('--instance <name>', 'move the holder of this instance (default: the first)')
    .option('--node <host>', 'drain this whole node: every VIP it holds moves to its peer and back')
    .option('--rounds <n>', 'repeat and report min/median/max', '1')
    .option(
      '--lease <seconds>',
      'if haops vanishes mid-round, the node lifts its drain by itself after this long',
      String(SELF_UNDRAIN_SECONDS),
    )
    .option(
      '--hold <seconds>',
      'after each move, the node that gave up the VIPs still serves the connections already on it until none is left, at most this long',
      String(HOLD_SECONDS),
    )
    .option('--no-handoff', NO_HANDOFF)
    .option(
      '--connections <n>',
      'kept-alive connections per VIP, each sending its next request as soon as the last is answered; their errors are failed requests',
      String(KEPT_ALIVE_CONNECTIONS),
    )
    .option('--json', 'machine-readable report')
    .option('--report <file.html>', 'also write a self-contained HTML page: each round on a time axis (drain, VIP move, probes, undrain)')
    .action(async (file: string, flags: SwitchoverFlags) => io.setCode(await switchoverCommand(file, flags, io.out, io.err)));
}

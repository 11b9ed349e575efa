// `haops notify-test INVENTORY`: fire each node's notify script once with a synthetic MASTER
// change (marked as a test), read what the node logged, and see which channels reached us.
import { randomBytes } from 'node:crypto';
import type { Model, NodeModel } from '../model/derive.js';
import { notifyJobs } from '../render/notify.js';
import { notifyWrapperPath } from '../render/notify-wrappers.js';
import type { Host } from '../ssh/host.js';
import { NOTIFY_TEST, parseTestOutput } from '../protocol/notify-test.js';
import { bind } from '../protocol/script.js';
import type { ChannelName, Collector, NotificationEvent, RefusedSender } from './collector.js';
import { listenForNodes, listenKey, localAddresses, newRunToken, nodeAddresses, type Listener } from './listen.js';
import { watchableChannels } from './channels.js';

export type ChannelStatus =
  | 'arrived' // seen here (webhook/email/sms we listen for), or the log line is in the file
  | 'sent' // the node says it went out; its endpoint is not ours to watch
  | 'failed' // the node logged a failure for this channel
  | 'missing' // watched here, nothing arrived; or the log line is not in the file
  | 'unknown'; // the node logged no outcome in time

export interface ChannelResult {
  channel: ChannelName;
  target: string;
  status: ChannelStatus;
  /** haops listened for this channel itself. */
  observable: boolean;
  /** From the exec's start to the arrival here (observable channels). */
  delayMs?: number;
  detail: string;
}

export interface NodeNotifyResult {
  host: string;
  pair: string;
  /** The instance name used in the synthetic call. */
  instance: string;
  script: string;
  /** On keepalived 1.x nodes: the per-state wrapper the test ran, as keepalived would. */
  via?: string;
  testId: string;
  exitCode: number | null;
  /** How long the script took to return on the node (keepalived waits this long at most). */
  scriptMs: number | null;
  channels: ChannelResult[];
  problems: string[];
  /** The node's log lines for this test (or the file's last lines when none was written). */
  logLines: string[];
}

export interface NotifyTestReport {
  ok: boolean;
  testId: string;
  nodes: NodeNotifyResult[];
  /** Where haops listened, or why it could not. */
  listeners: Listener[];
  /** Notifications haops refused: from an address that is not a tested node, or without this run's token. */
  refused: RefusedSender[];
}

export interface NotifyTestOptions {
  /** How long the node waits for every channel's outcome line (curl: two 2-s tries). Default 8000. */
  waitMs?: number;
  /** Extra wait here for a watched channel after the node has reported. Default 2000. */
  graceMs?: number;
  /** This machine's addresses as the nodes reach it; default: every non-internal interface address. */
  localAddresses?: string[];
  testId?: string;
  /** Only these hosts. */
  limit?: string[];
  /** The run's token (default: a fresh random one). */
  token?: string;
  /** Sender addresses heard (default: each tested node's ip). */
  allowFrom?: string[];
  log?: (s: string) => void;
}

/** A script slower than this holds keepalived's STOP notification (killed after 1 s) at risk. */
export const SLOW_SCRIPT_MS = 500;

/** The one remote command per node: run the script as keepalived would, then wait for its channels' outcomes. */
export function notifyTestCommand(node: NodeModel, testId: string, waitMs: number): string {
  const instance = node.instances[0]?.name ?? 'HAOPS_TEST';
  return bind(NOTIFY_TEST, {
    SCRIPT: node.notify.script,
    LOG: node.notify.log,
    WRAPPER: notifyWrapperPath(instance, 'MASTER'),
    INSTANCE: instance,
    TEST_ID: testId,
    EXPECTED: notifyJobs(node, { test: true }).length,
    TRIES: Math.max(1, Math.ceil(waitMs / 200)),
  });
}

export { parseTestOutput, type ParsedOutput } from '../protocol/notify-test.js';

export interface Outcome {
  channel: string;
  target: string;
  ok: boolean;
  error?: string;
}

/** `... channel=C target=T result=ok|failed: WHY` lines, as the notify script writes them. */
export function parseOutcome(line: string): Outcome | null {
  const m = / channel=(\S+) target=(\S+) result=(ok|failed:? ?(.*))$/.exec(line);
  if (!m) return null;
  return { channel: m[1]!, target: m[2]!, ok: m[3] === 'ok', error: m[3] === 'ok' ? undefined : (m[4] ?? '').trim() };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function describeOutcome(o: Outcome | undefined): string {
  if (!o) return 'the node logged no outcome';
  return o.ok ? 'the node logged it sent' : `the node logged: ${o.error}`;
}

export async function notifyTest(
  model: Pick<Model, 'nodes'>,
  connect: (host: string) => Promise<Host>,
  opts: NotifyTestOptions = {},
): Promise<NotifyTestReport> {
  const waitMs = opts.waitMs ?? 8000;
  const graceMs = opts.graceMs ?? 2000;
  const local = opts.localAddresses ?? localAddresses();
  const testId = opts.testId ?? randomBytes(4).toString('hex');
  const log = opts.log ?? (() => undefined);
  const nodes = model.nodes.filter((n) => !opts.limit || opts.limit.includes(n.host));

  // One listener per distinct address of ours that some node sends to.
  // Only the tested nodes, carrying this run's token, count: a LAN neighbour cannot forge a pass.
  const token = opts.token ?? newRunToken();
  const trust = { allowFrom: opts.allowFrom ?? nodeAddresses(nodes), token };
  const { collectors, listeners, refused, stop } = await listenForNodes(nodes, local, log, trust);
  const listenErrors = new Map(listeners.flatMap((l) => (l.error ? [[`${l.kind} ${l.endpoint}`, l.error] as const] : [])));

  try {
    const results = await Promise.all(
      nodes.map((n) => testNode(n, `${testId}-${n.host}`, token, connect, collectors, listenErrors, local, waitMs, graceMs, log)),
    );
    const ok = results.every((r) => r.problems.length === 0 && r.channels.every((c) => c.status === 'arrived' || c.status === 'sent'));
    return { ok, testId, nodes: results, listeners, refused: refused() };
  } finally {
    await stop();
  }
}

async function testNode(
  node: NodeModel,
  testId: string,
  token: string,
  connect: (host: string) => Promise<Host>,
  collectors: Map<string, Collector>,
  listenErrors: Map<string, string>,
  local: string[],
  waitMs: number,
  graceMs: number,
  log: (s: string) => void,
): Promise<NodeNotifyResult> {
  const instance = node.instances[0]?.name ?? 'HAOPS_TEST';
  const r: NodeNotifyResult = {
    host: node.host,
    pair: node.pair,
    instance,
    script: node.notify.script,
    testId,
    exitCode: null,
    scriptMs: null,
    channels: [],
    problems: [],
    logLines: [],
  };
  const watchable = watchableChannels(node, local);
  const jobs = notifyJobs(node, { test: true });
  const unknownAll = (why: string) => {
    r.channels = [
      { channel: 'log', target: node.notify.log, status: 'unknown', observable: false, detail: why },
      ...jobs.map((j) => ({ channel: j.channel, target: j.target, status: 'unknown' as const, observable: false, detail: why })),
    ];
  };

  let stdout: string;
  const startedAt = Date.now();
  try {
    const host = await connect(node.host);
    log(`${node.host}: running ${node.notify.script} notify INSTANCE ${instance} MASTER 0 (test ${testId})`);
    const res = await host.exec(notifyTestCommand(node, testId, waitMs), { timeoutMs: waitMs + 20_000, stdin: `${token}\n` });
    stdout = res.stdout;
    if (res.code !== 0) r.problems.push(`the test command exited ${res.code}: ${res.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  } catch (err) {
    r.problems.push(`cannot run the test on ${node.host}: ${(err as Error).message}`);
    unknownAll('not run');
    return r;
  }

  const out = parseTestOutput(stdout);
  if (out.noScript) {
    r.problems.push(`${node.notify.script} is missing or not executable on ${node.host}: deploy first`);
    unknownAll('no notify script');
    return r;
  }
  if (out.via) r.via = out.via;
  r.exitCode = out.exitCode;
  r.scriptMs = out.scriptMs;
  r.logLines = out.lines.length > 0 ? out.lines : out.tail;
  if (out.exitCode !== 0) r.problems.push(`the notify script exited ${out.exitCode}`);
  if (out.scriptMs !== null && out.scriptMs > SLOW_SCRIPT_MS)
    r.problems.push(
      `the notify script took ${out.scriptMs} ms to return (keepalived kills a STOP notify after 1 s): a channel is not detached`,
    );

  const logged = out.lines.some((l) => !l.includes(' channel=') && l.includes(`state=MASTER`));
  r.channels.push({
    channel: 'log',
    target: node.notify.log,
    status: logged ? 'arrived' : 'missing',
    observable: true,
    detail: logged
      ? 'the line is in the file'
      : `no line for this test in the file${out.tail.length ? `; its last line: ${out.tail[out.tail.length - 1]}` : ' (empty or unreadable)'}`,
  });

  const outcomes = out.lines.map(parseOutcome).filter((o): o is Outcome => o !== null);
  const usedOutcomes = new Set<Outcome>();
  const outcomeFor = (channel: string, target: string | null) => {
    const o = outcomes.find((x) => !usedOutcomes.has(x) && x.channel === channel && (target === null || x.target === target));
    if (o) usedOutcomes.add(o);
    return o;
  };

  for (const job of jobs) {
    const outcome = outcomeFor(job.channel, job.channel === 'email' ? null : job.target);
    const w = watchable.find(
      (x) => x.channel === job.channel && (job.channel === 'email' || job.target === x.target || job.target.endsWith(`,${x.target}`)),
    );
    const key = w?.listen ? listenKey(w) : null;
    const collector = key ? collectors.get(key) : undefined;
    if (!collector) {
      const why = key && listenErrors.has(key) ? `not observable from here (${listenErrors.get(key)})` : 'not observable from here';
      if (!outcome)
        r.channels.push({
          channel: job.channel,
          target: job.target,
          status: 'unknown',
          observable: false,
          detail: `no outcome logged within ${secs(waitMs)}; ${why}`,
        });
      else if (outcome.ok)
        r.channels.push({ channel: job.channel, target: job.target, status: 'sent', observable: false, detail: `sent, ${why}` });
      else
        r.channels.push({
          channel: job.channel,
          target: job.target,
          status: 'failed',
          observable: false,
          detail: `the node logged: ${outcome.error}`,
        });
      continue;
    }
    const to = job.channel === 'sms' ? job.target.split(',')[0] : undefined;
    const pred = (e: NotificationEvent) => {
      if (e.testId !== testId || e.channel !== job.channel) return false;
      if (e.channel === 'webhook') return e.host === node.host && e.path === w!.path;
      if (e.channel === 'sms') return e.to === to && e.path === w!.path;
      return true;
    };
    // The node has reported (or waited its fill): a failure it logged needs no long wait here.
    const ev = await collector.waitFor(pred, outcome && !outcome.ok ? 200 : graceMs);
    if (ev) {
      const delayMs = Math.max(0, ev.receivedAt - startedAt);
      r.channels.push({
        channel: job.channel,
        target: job.target,
        status: 'arrived',
        observable: true,
        delayMs,
        detail: `arrived here ${secs(delayMs)} after the test started`,
      });
    } else {
      r.channels.push({
        channel: job.channel,
        target: job.target,
        status: 'missing',
        observable: true,
        detail: `nothing arrived here; ${describeOutcome(outcome)}`,
      });
    }
  }
  return r;
}

const MARK: Record<ChannelStatus, string> = { arrived: 'ok  ', sent: 'sent', failed: 'FAIL', missing: 'MISS', unknown: '??  ' };

export function formatNotifyTest(report: NotifyTestReport): string {
  const out: string[] = [];
  for (const l of report.listeners) {
    if (l.error) out.push(`could not listen on ${l.endpoint} (${l.kind}): ${l.error}${l.hint ? ` — ${l.hint}` : ''}`);
  }
  for (const n of report.nodes) {
    const took = n.scriptMs === null ? '' : `, returned in ${n.scriptMs} ms`;
    const exit = n.exitCode === null ? '' : `, exit ${n.exitCode}`;
    const ran = n.via
      ? `${n.via} (keepalived 1.x's MASTER wrapper of ${n.instance})`
      : `${n.script} notify INSTANCE ${n.instance} MASTER 0`;
    out.push(`${n.host} (pair ${n.pair}): ${ran}${exit}${took}`);
    const w = Math.max(...n.channels.map((c) => c.channel.length), 3);
    for (const c of n.channels) out.push(`  ${MARK[c.status]} ${c.channel.padEnd(w)}  ${c.target}  ${c.detail}`);
    for (const p of n.problems) out.push(`  problem: ${p}`);
  }
  const refused = report.refused ?? [];
  if (refused.length > 0) {
    const senders = [...new Set(refused.map((x) => `${x.from} (${x.reason})`))].slice(0, 5).join(', ');
    out.push(`refused ${refused.length} notification(s), not counted: ${senders}`);
  }
  out.push(
    report.ok
      ? `notify-test ${report.testId}: every channel arrived or was sent`
      : `notify-test ${report.testId}: some channels did not get through (see above)`,
  );
  return out.join('\n');
}

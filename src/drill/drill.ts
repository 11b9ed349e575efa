// `haops failover-drill`: break the VIP's holder on purpose, watch the VIP move as it happens
// (a streaming `ip monitor address` per node, stamped on the node; HTTP through the VIP every
// 20 ms), restore, and report the figures. Every exit path restores the fault first.
import { poll, pollFor, sleep } from '../core/poll.js';
import type { PairModel, PairInstance } from '../model/derive.js';
import type { Host, StreamHandle } from '../ssh/host.js';
import { pairStatus } from '../status/status.js';
import { HttpProbe, type ProbeMarks } from '../measure/http-probe.js';
import { RemoteHttpProbe } from '../measure/remote-probe.js';
import { NeighbourWatch } from '../measure/neighbour.js';
import { NotifyWatch } from '../measure/notify-watch.js';
import { clockFrom, eventTime, monitorTime, notifyLogStates, parseMonitorLine } from '../measure/clock.js';
import type { NodeModel } from '../model/derive.js';
import type { NotifyTimeline, VipMove } from '../notify/timeline.js';
import type { ExpectedFailover } from '../model/expected.js';
import type { PairStatus } from '../status/status.js';
import { failuresByKind, type ProbeFailure, type RoundTrace } from '../measure/trace.js';
import { bind } from '../protocol/script.js';
import { DRILL_FAULT, DRILL_RESTORE, ISOLATE_ARM_SECONDS, faultStamp, type FaultKind } from '../protocol/drill-fault.js';
import { NODE_CLOCK, NODE_MAC, NOTIFY_LOG_TAIL, STAMPED_ADDRESS_MONITOR, parseMac, parseNodeClock } from '../protocol/watch.js';

export interface DrillOptions {
  fault: FaultKind;
  rounds: number;
  /** Seconds a failover may take at most (exit-code gate). */
  maxFailover?: number;
  /** How long to wait for each movement before calling it failed. */
  timeoutSeconds?: number;
  log: (s: string) => void;
  /** Seconds the isolated node stays cut off before its own timer heals it. */
  isolateSeconds?: number;
  /** The pair's nodes: their notification channels are watched during each round. */
  nodes?: NodeModel[];
  /** Fail this node and every VIP it holds, instead of the holder of one instance. */
  node?: string;
  /** Milliseconds between HTTP probes through the VIP (default 20: a sub-second failover needs that resolution). */
  probeMs?: number;
}

/** One VIP's movement in a round. */
export interface VipRound {
  instance: string;
  /** The instance's primary VIP: HTTP is asked through it. */
  vip: string;
  /** Every VIP of the instance (the primary first): the move is over when the last has arrived. */
  vips: string[];
  from: string;
  to: string | null;
  vipGoneSeconds: number | null;
  failoverSeconds: number | null;
  httpRecoverySeconds: number | null;
  failedRequests: number;
  /** The failed requests by kind (refused, reset, timeout, 5xx…), as a client saw them. */
  failures?: Partial<Record<ProbeFailure, number>>;
  /** The host's neighbour entry for the VIP moved to the new holder's MAC within 1 s, unasked. */
  gratuitousArp: boolean | null;
  failbackSeconds: number | null;
  /** With nopreempt the VIP stays on the new holder: true when it did. */
  stayed: boolean | null;
  vipArrivedAt: string | null;
}

/** A round: the fault on one node, and every VIP it held (one, or all of them for --node). */
export interface RoundReport extends Omit<VipRound, 'instance' | 'vip' | 'vips'> {
  round: number;
  fault: FaultKind;
  vips: VipRound[];
  endedAsBegan: boolean;
  faultAt: string;
  /** Per node, the notifications sent during the round and their delay after the VIP moved. */
  notifications?: NotifyTimeline;
  /** With --node: who held each of the pair's VIPs while the node was down. */
  duringFault?: Record<string, string[]>;
  /** Everything seen during the round, event by event: what `--report` draws. */
  trace?: RoundTrace;
  problems: string[];
}

export interface DrillReport {
  ok: boolean;
  pair: string;
  instance: string;
  vip: string;
  fault: FaultKind;
  rounds: RoundReport[];
  stats?: Record<'failoverSeconds' | 'httpRecoverySeconds' | 'failbackSeconds', { min: number; median: number; max: number } | null>;
  /** What keepalived's timers predict for this fault with the pair's settings on the installed keepalived (haops plan's figure). */
  expected?: ExpectedFailover & { keepalived: string; measured: number | null; agrees: boolean | null };
  /** Where the HTTP probe ran: 'this machine' or the inventory's probe host. */
  probedFrom?: string;
  /** What it asked: HTTPS with the site's name for a TLS site probed from this machine. */
  probeUrl?: string;
  problems: string[];
}

interface VipEvent {
  node: string;
  vip: string;
  kind: 'add' | 'del';
  at: number;
}

/** What one round works with, from set-up to verdict. */
interface RoundRun {
  n: number;
  /** The node broken, and its peer that should take over. */
  from: string;
  other: string;
  targets: PairInstance[];
  macs: Record<string, string>;
  notify: NotifyWatch | null;
  probes: ProbeMarks[];
  neighs: (NeighbourWatch | null)[];
  rows: VipRound[];
  problems: string[];
  /** For the trace: when the probes started, the restore, and the pair as it was before the fault. */
  startedAt: number;
  restoreAt: number | null;
  before: PairStatus;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

export class Drill {
  private events: VipEvent[] = [];
  private streams: StreamHandle[] = [];
  /** The fault in place: its restore script, and the command a user runs by hand when haops cannot. */
  private pending: { host: Host; restore: string; byHand: string } | null = null;
  /** Per node: its clock minus ours, and half a round trip (measured as each round starts). */
  private clocks: Record<string, { offsetMs: number; oneWayMs: number } | null> = {};

  constructor(
    private readonly pair: PairModel,
    /** The instance whose holder is broken (ignored with opts.node). */
    private readonly instance: PairInstance,
    private readonly hosts: Record<string, Host>,
    private readonly opts: DrillOptions,
  ) {}

  /** Undoes whatever fault is in place: called on every exit path, Ctrl-C included. */
  async restore(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    // A node just healed from isolation may need a few seconds before it answers.
    const restored = await poll(
      async () => {
        await p.host.exec(p.restore, { timeoutMs: 10_000 });
        return true;
      },
      (ok) => ok === true,
      { until: Date.now() + 20_000, everyMs: 1000 },
    );
    if (!restored) this.opts.log(`could not restore ${p.host.name}: run on it: ${p.byHand}`);
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.stop();
    this.streams = [];
  }

  private async measureClock(name: string): Promise<void> {
    const samples = [];
    for (let i = 0; i < 3; i++) {
      const sentAt = Date.now();
      const r = await this.hosts[name]!.exec(bind(NODE_CLOCK, {})).catch(() => null);
      samples.push({ sentAt, receivedAt: Date.now(), nodeMs: (r && r.code === 0 && parseNodeClock(r.stdout)) || NaN });
    }
    this.clocks[name] = clockFrom(samples);
  }

  private async watch(vips: string[]): Promise<void> {
    for (const name of this.pair.nodes) {
      await this.measureClock(name);
      const offset = this.clocks[name]?.offsetMs;
      // -ts stamps each line on the node (older iproute has no -ts: plain lines then).
      let tz: string | undefined;
      const handle = await this.hosts[name]!.stream(bind(STAMPED_ADDRESS_MONITOR, {}), (line, receivedAt) => {
        if (line.startsWith('tz ')) tz = line.slice(3).trim();
        for (const vip of vips) {
          const kind = parseMonitorLine(line, vip);
          if (kind) this.events.push({ node: name, vip, kind, at: eventTime(receivedAt, monitorTime(line, tz), offset) });
        }
      });
      this.streams.push(handle);
    }
    await sleep(300); // the monitors subscribe before anything is broken
  }

  private async waitFor(pred: (e: VipEvent) => boolean, since: number): Promise<VipEvent | null> {
    return pollFor(() => this.events.find(pred), { until: since + (this.opts.timeoutSeconds ?? 30) * 1000, everyMs: 20 });
  }

  /**
   * Every one of `vips` seen `kind` on `node` since `after`: the last of them (the moment the
   * instance has moved whole), or null when one never came within the timeout.
   */
  private async waitForAll(vips: string[], node: string, kind: VipEvent['kind'], after: number, since: number): Promise<VipEvent | null> {
    const seen = await Promise.all(
      vips.map((vip) => this.waitFor((e) => e.vip === vip && e.node === node && e.kind === kind && e.at >= after, since)),
    );
    if (seen.some((e) => e === null)) return null;
    return (seen as VipEvent[]).reduce((a, b) => (b.at > a.at ? b : a));
  }

  /** The first of `vips` seen `kind` on `node` since `after` (the instance is no longer whole there), if any yet. */
  private firstOf(vips: string[], node: string, kind: VipEvent['kind'], after: number): VipEvent | undefined {
    return this.events
      .filter((e) => vips.includes(e.vip) && e.node === node && e.kind === kind && e.at >= after)
      .sort((a, b) => a.at - b.at)[0];
  }

  /**
   * Every instance of the pair has exactly one healthy holder serving the user's path, and no
   * check already fails (it could not move the VIP); else why not.
   */
  async precheck(): Promise<{ holders: Record<string, string>; status: PairStatus } | { refused: string }> {
    const status = await pairStatus(this.pair, async (n) => this.hosts[n]!);
    const drained = status.nodes.filter((n) => n.drained).map((n) => n.host);
    if (drained.length)
      return {
        refused: `${drained.join(' and ')} ${drained.length === 1 ? 'is' : 'are'} drained (haops drain): a fault now would leave no standby; run \`haops undrain INVENTORY ${drained[0]}\` first`,
      };
    const sick = status.nodes.filter((n) => !n.reachable || !n.keepalived || !n.nginx).map((n) => n.host);
    if (sick.length) return { refused: `not every node is healthy (${sick.join(', ')}): a fault now could leave no healthy node` };
    if (status.problems.length) return { refused: status.problems.join('; ') };
    const holders: Record<string, string> = {};
    for (const inst of status.instances) {
      if (inst.holders.length !== 1) return { refused: inst.problem ?? `VIP ${inst.vip} has ${inst.holders.length} holders` };
      if (inst.client ? !inst.client.ok : !inst.servedBy)
        return { refused: inst.problem ?? `HTTP through VIP ${inst.vip} does not answer` };
      holders[inst.instance] = inst.holders[0]!;
    }
    return { holders, status };
  }

  /** One round: break the holder, measure the failover, restore, measure the failback, judge. */
  async round(n: number, iface: string, port: number): Promise<RoundReport> {
    const r = await this.setUp(n, iface, port);
    try {
      const t0 = await this.breakHolder(r, iface);
      const moves: VipMove[] = [];
      await this.measureFailover(r, t0, moves);
      const duringFault = this.opts.node ? await this.survivorHoldsAll(r) : undefined;
      await this.measureFailback(r, t0, moves);
      const { endedAsBegan, timeline } = await this.judge(r, t0, moves);
      const trace = await this.trace(r, t0);
      const { rows, problems } = r;
      return {
        round: n,
        fault: this.opts.fault,
        ...summarise(rows),
        vips: rows,
        endedAsBegan,
        faultAt: new Date(t0).toISOString(),
        ...(timeline ? { notifications: timeline } : {}),
        ...(duringFault ? { duringFault } : {}),
        trace,
        problems,
      };
    } finally {
      for (const p of r.probes) p.stop();
      for (const w of r.neighs) w?.stop();
      await r.notify?.stop();
      await this.restore();
      await this.close();
    }
  }

  /** Refuses an unhealthy pair, then starts every watcher before anything is broken. */
  private async setUp(n: number, iface: string, port: number): Promise<RoundRun> {
    const pre = await this.precheck();
    if ('refused' in pre) throw new DrillRefused(pre.refused);
    const from = this.opts.node ?? pre.holders[this.instance.spec.name]!;
    const other = this.pair.nodes.find((x) => x !== from)!;
    const targets = this.opts.node ? this.pair.instances.filter((i) => pre.holders[i.spec.name] === from) : [this.instance];
    if (!targets.length) throw new DrillRefused(`${from} holds no VIP: nothing would move`);
    const vips = targets.map((t) => t.vip);
    const macs = await this.macs(iface);
    this.events = [];
    await this.watch(targets.flatMap((t) => t.vips.map((v) => v.address)));
    const notify = this.opts.nodes ? await NotifyWatch.start(this.opts.nodes, this.hosts) : null;
    const probes = await this.startProbes(vips, port);
    const startedAt = Date.now();
    const neighs = vips.map((vip) => NeighbourWatch.start(vip));
    await sleep(300);
    const rows: VipRound[] = targets.map((t, i) => ({
      instance: t.spec.name,
      vip: vips[i]!,
      vips: t.vips.map((v) => v.address),
      from,
      to: null,
      vipGoneSeconds: null,
      failoverSeconds: null,
      httpRecoverySeconds: null,
      failedRequests: 0,
      gratuitousArp: null,
      failbackSeconds: null,
      stayed: null,
      vipArrivedAt: null,
    }));
    return { n, from, other, targets, macs, notify, probes, neighs, rows, problems: [], startedAt, restoreAt: null, before: pre.status };
  }

  /**
   * The user's path, asked every probeMs from where the inventory says clients are: this machine,
   * or the probe host (one streamed loop per VIP there, its marks moved onto our clock).
   * `probe: none` still probes from here: a drill without the user's path proves nothing.
   */
  private async startProbes(vips: string[], port: number): Promise<ProbeMarks[]> {
    const health = { ...this.pair.health, port };
    const every = this.opts.probeMs ?? 20;
    const from = this.pair.probeFrom;
    const host = from.kind === 'host' ? this.hosts[from.host] : undefined;
    if (from.kind !== 'host' || !host) {
      const probes = vips.map((vip) => new HttpProbe(vip, health, every));
      for (const p of probes) p.start();
      return probes;
    }
    await this.measureClock(host.name);
    const clock = this.clocks[host.name];
    if (!clock) throw new DrillRefused(`cannot read the clock of probe host ${host.name} (date +%s%N): its probe marks could not be timed`);
    const probes = vips.map((vip) => new RemoteHttpProbe(host, vip, health, clock.offsetMs, every));
    await Promise.all(probes.map((p) => p.start()));
    const problem = probes.find((p) => p.problem)?.problem;
    if (problem) {
      for (const p of probes) p.stop();
      throw new DrillRefused(problem);
    }
    return probes;
  }

  /** Puts the fault in place (its restore armed first); returns when it was put. */
  private async breakHolder(r: RoundRun, iface: string): Promise<number> {
    const fault = this.opts.fault;
    const cmd = {
      fault: bind(DRILL_FAULT, { FAULT: fault, IFACE: iface, ISOLATE_SECONDS: this.opts.isolateSeconds ?? 8 }),
      restore: bind(DRILL_RESTORE, { FAULT: fault, IFACE: iface }),
    };
    const service = fault === 'keepalived-stop' ? 'keepalived' : 'nginx';
    const byHand = fault === 'node-isolate' ? `ip link set ${iface} up` : `systemctl start ${service} (SysV: service ${service} start)`;
    this.opts.log(`round ${r.n}: ${this.opts.fault} on ${r.from} (holder of ${r.rows.flatMap((x) => x.vips).join(', ')})`);
    const sentAt = Date.now();
    const clock = this.clocks[r.from];
    this.pending = { host: this.hosts[r.from]!, restore: cmd.restore, byHand };
    const faultRun = this.hosts[r.from]!.exec(cmd.fault, { timeoutMs: 15_000 }).catch(() => null);
    // An isolated node cannot answer: its fault command's end is never awaited; the cut comes
    // one way-delay plus its arming pause after we sent it.
    if (this.opts.fault === 'node-isolate') return sentAt + (clock?.oneWayMs ?? 0) + ISOLATE_ARM_SECONDS * 1000;
    const done = await faultRun;
    if (done && done.code !== 0)
      throw new DrillRefused(`the fault command failed on ${r.from}: ${done.stderr.trim() || done.stdout.trim()}`);
    const stamp = done ? faultStamp(done.stdout) : null;
    return stamp !== null && clock ? stamp - clock.offsetMs : sentAt;
  }

  /** Per VIP: when it left, when it arrived on the peer, GARP, and when HTTP answered again. */
  private async measureFailover(r: RoundRun, t0: number, moves: VipMove[]): Promise<void> {
    const { from, other, rows, problems } = r;
    const timeoutMs = (this.opts.timeoutSeconds ?? 30) * 1000;
    await Promise.all(
      rows.map(async (row, i) => {
        // An isolated node's t0 is an estimate (sent + one way + its arming pause): its own stamp of
        // the VIP leaving may fall a few ms before it, and counts from when the fault was sent.
        const goneSince = this.opts.fault === 'node-isolate' ? t0 - ISOLATE_ARM_SECONDS * 1000 : t0;
        // Gone when the first of its VIPs left the holder; arrived when the last reached the peer.
        const lastGone = await this.waitForAll(row.vips, from, 'del', goneSince, t0);
        const gone = lastGone && this.firstOf(row.vips, from, 'del', goneSince);
        const arrived = await this.waitForAll(row.vips, other, 'add', t0, t0);
        if (gone) row.vipGoneSeconds = seconds(Math.max(0, gone.at - t0));
        if (arrived) {
          row.to = other;
          row.failoverSeconds = seconds(arrived.at - t0);
          row.vipArrivedAt = new Date(arrived.at).toISOString();
          moves.push({ vip: row.vip, from, to: other, arrivedAt: arrived.at, ...(gone ? { goneAt: gone.at } : {}) });
          if (r.macs[other] && r.neighs[i]) row.gratuitousArp = r.neighs[i]!.movedTo(r.macs[other]!, arrived.at, 1000);
        } else
          problems.push(
            row.vips.length > 1
              ? `VIPs ${row.vips.filter((v) => !this.firstOf([v], other, 'add', t0)).join(', ')} of ${row.instance} did not arrive on ${other} within ${this.opts.timeoutSeconds ?? 30} s`
              : `VIP ${row.vip} did not arrive on ${other} within ${this.opts.timeoutSeconds ?? 30} s`,
          );
        const served = await r.probes[i]!.firstSuccessAfter(t0, other, timeoutMs);
        row.httpRecoverySeconds = served === null ? null : seconds(served - t0);
        row.failedRequests = r.probes[i]!.failuresSince(t0);
        row.failures = failuresByKind(r.probes[i]!.marks().filter((m) => m.sentAt >= t0));
        if (served === null) problems.push(`HTTP through ${row.vip} was not answered by ${other}`);
      }),
    );
  }

  /** With --node: every VIP of the pair should now sit on the survivor, the ones it already had included. */
  private async survivorHoldsAll(r: RoundRun): Promise<Record<string, string[]>> {
    const st = await pairStatus(this.pair, async (x) => this.hosts[x]!);
    const duringFault = Object.fromEntries(st.instances.flatMap((i) => i.vips.map((v) => [v.vip, v.holders])));
    for (const [vip, holders] of Object.entries(duringFault)) {
      if (holders.join() !== r.other)
        r.problems.push(`while ${r.from} was down, VIP ${vip} was on ${holders.join(' and ') || 'nobody'}, not ${r.other}`);
    }
    return duringFault;
  }

  /** Restores the fault, then per VIP: failback (preemption) or stay (nopreempt). */
  private async measureFailback(r: RoundRun, t0: number, moves: VipMove[]): Promise<void> {
    const { from, other, rows, problems } = r;
    // An isolated node heals by its own timer: when the failover took longer than that timer (a
    // busy machine), the link was already back, and the VIP may have returned, before this point.
    const healedAt = t0 + ((this.opts.isolateSeconds ?? 8) - ISOLATE_ARM_SECONDS) * 1000;
    const tr = this.opts.fault === 'node-isolate' ? Math.min(Date.now(), healedAt) : Date.now();
    r.restoreAt = tr;
    if (this.opts.fault === 'node-isolate') await this.awaitReachable(from);
    await this.restore();
    await Promise.all(
      rows.map(async (row, i) => {
        if (r.targets[i]!.math.nopreempt) {
          await sleep(5000);
          row.stayed = !this.firstOf(row.vips, other, 'del', tr);
          return;
        }
        const back = await this.waitForAll(row.vips, from, 'add', tr, tr);
        row.failbackSeconds = back ? seconds(back.at - tr) : null;
        if (!back)
          problems.push(
            `${row.vips.length > 1 ? `VIPs ${row.vips.join(', ')} did` : `VIP ${row.vip} did`} not come back to ${from} after the restore`,
          );
        else {
          const left = this.firstOf(row.vips, other, 'del', tr);
          moves.push({ vip: row.vip, from: other, to: from, arrivedAt: back.at, ...(left ? { goneAt: left.at } : {}) });
        }
      }),
    );
  }

  /** After the round: the notifications sent, whether the pair ended as it began, the --max-failover gate. */
  private async judge(r: RoundRun, t0: number, moves: VipMove[]): Promise<{ endedAsBegan: boolean; timeline?: NotifyTimeline }> {
    const { from, other, targets, rows, problems, notify } = r;
    await this.settle();
    let timeline: NotifyTimeline | undefined;
    if (notify?.watching) {
      await sleep(1500); // the last transition's mail and webhook are still on their way
      timeline = notify.timeline(moves, t0 - 1000, Date.now());
      const refused = notify.refused;
      if (refused.length > 0) timeline.refused = refused;
      for (const node of timeline.nodes)
        if (node.silent.length) problems.push(`${node.host} sent nothing on ${node.silent.join(', ')} during the drill`);
    }
    if (notify) problems.push(...notify.problems);
    const post = await this.precheck();
    const expected = Object.fromEntries(targets.map((t) => [t.spec.name, t.math.nopreempt ? other : from]));
    const endedAsBegan = 'holders' in post && targets.every((t) => post.holders[t.spec.name] === expected[t.spec.name]);
    if (!endedAsBegan) {
      problems.push(
        `after the drill: ${'refused' in post ? post.refused : targets.map((t) => `${t.vips.map((v) => v.address).join(', ')} on ${post.holders[t.spec.name]}, expected ${expected[t.spec.name]}`).join('; ')}`,
      );
    }
    const worst = rows.some((x) => x.failoverSeconds === null) ? null : Math.max(...rows.map((x) => x.failoverSeconds!));
    if (this.opts.maxFailover !== undefined && (worst ?? Infinity) > this.opts.maxFailover) {
      problems.push(`failover took ${worst ?? 'forever'} s, more than --max-failover ${this.opts.maxFailover} s`);
    }
    return { endedAsBegan, ...(timeline ? { timeline } : {}) };
  }

  /**
   * The round event by event for the report: VIP moves and probes as seen here, GARP flips of
   * this machine's neighbour entry, and keepalived's state changes from each node's notify log
   * (one read per node after the round; the log's times are the node's clock).
   */
  private async trace(r: RoundRun, t0: number): Promise<RoundTrace> {
    const endedAt = Date.now();
    const vips = r.rows.map((x) => x.vip);
    const states: RoundTrace['states'] = [];
    const log = this.pair.spec.notify.log;
    await Promise.all(
      this.pair.nodes.map(async (node) => {
        try {
          const out = await this.hosts[node]!.exec(bind(NOTIFY_LOG_TAIL, { LOG: log }), { timeoutMs: 10_000 });
          states.push(...notifyLogStates(node, out.stdout, r.startedAt - 1000, endedAt));
        } catch {
          /* the report draws what it has */
        }
      }),
    );
    const garp: RoundTrace['garp'] = [];
    const statesAtStart = Object.fromEntries(
      r.before.nodes.map((n) => [n.host, Object.fromEntries(Object.entries(n.instances).map(([k, v]) => [k, v.state]))]),
    );
    const allVips = r.rows.flatMap((x) => x.vips);
    const holdersAtStart = Object.fromEntries(
      allVips.map((vip) => [vip, r.before.instances.flatMap((i) => i.vips).find((v) => v.vip === vip)?.holders[0] ?? null]),
    );
    vips.forEach((vip, i) => {
      const before = r.macs[holdersAtStart[vip] ?? ''] ?? null;
      for (const [node, mac] of Object.entries(r.macs))
        for (const at of r.neighs[i]?.flipsTo(mac, before) ?? []) if (at >= r.startedAt && at <= endedAt) garp.push({ vip, node, at });
    });
    return {
      startedAt: r.startedAt,
      endedAt,
      faultAt: t0,
      restoreAt: r.restoreAt,
      holdersAtStart,
      statesAtStart,
      vipEvents: this.events.filter((e) => allVips.includes(e.vip) && e.at >= r.startedAt).map((e) => ({ ...e })),
      states: states.sort((a, b) => a.at - b.at),
      garp: garp.sort((a, b) => a.at - b.at),
      probes: r.probes.flatMap((p) => p.marks()).filter((m) => m.sentAt <= endedAt),
      instances: Object.fromEntries(r.rows.flatMap((x) => x.vips.map((v) => [v, x.instance]))),
    };
  }

  /** Waits until the node answers again (isolation heals by the node's own timer). */
  private async awaitReachable(name: string): Promise<void> {
    const until = Date.now() + ((this.opts.isolateSeconds ?? 8) + 30) * 1000;
    await poll(
      async () => (await this.hosts[name]!.exec('true', { timeoutMs: 3000 })).code === 0,
      (up) => up === true,
      { until, everyMs: 500 },
    );
  }

  /** Waits until every VIP has one healthy holder again (HTTP and services back). */
  private async settle(): Promise<void> {
    await poll(
      () => this.precheck(),
      (pre) => pre !== undefined && 'holders' in pre,
      { until: Date.now() + 20_000, everyMs: 500 },
    );
  }

  private async macs(iface: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const n of this.pair.nodes) {
      const mac = parseMac((await this.hosts[n]!.exec(bind(NODE_MAC, { IFACE: iface }))).stdout);
      if (mac) out[n] = mac;
    }
    return out;
  }
}

/** A round's headline figures: the slowest VIP (a node fault is over when its last VIP moved). */
function summarise(rows: VipRound[]): Omit<VipRound, 'instance' | 'vip' | 'vips'> {
  const worst = (pick: (r: VipRound) => number | null) =>
    rows.some((r) => pick(r) === null) ? null : Math.max(...rows.map((r) => pick(r)!));
  const first = rows[0]!;
  return {
    from: first.from,
    to: rows.every((r) => r.to === first.to) ? first.to : null,
    vipGoneSeconds: worst((r) => r.vipGoneSeconds),
    failoverSeconds: worst((r) => r.failoverSeconds),
    httpRecoverySeconds: worst((r) => r.httpRecoverySeconds),
    failedRequests: rows.reduce((n, r) => n + r.failedRequests, 0),
    gratuitousArp: rows.every((r) => r.gratuitousArp === null) ? null : rows.every((r) => r.gratuitousArp === true),
    failbackSeconds: rows.some((r) => r.stayed !== null) ? null : worst((r) => r.failbackSeconds),
    stayed: rows.every((r) => r.stayed === null) ? null : rows.every((r) => r.stayed === true),
    vipArrivedAt:
      rows
        .map((r) => r.vipArrivedAt)
        .filter((x): x is string => x !== null)
        .sort()
        .at(-1) ?? null,
  };
}

export class DrillRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillRefused';
  }
}

// `haops failover-drill`: break the VIP's holder on purpose, watch the VIP move as it happens
// (a streaming `ip monitor address` per node, HTTP through the VIP every 100 ms), restore, and
// report the figures. Every exit path restores the fault first.
import type { PairModel, PairInstance } from '../model/derive.js';
import { vipAddress } from '../model/derive.js';
import type { Host, StreamHandle } from '../ssh/host.js';
import { pairStatus } from './status.js';
import { HttpProbe } from './http-probe.js';
import { NeighbourWatch } from './neighbour.js';
import { NotifyWatch } from './notify-watch.js';
import type { NodeModel } from '../model/derive.js';
import type { NotifyTimeline } from '../notify/timeline.js';

export const FAULTS = ['nginx-stop', 'nginx-kill', 'keepalived-stop', 'node-isolate'] as const;
export type FaultKind = (typeof FAULTS)[number];

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
}

export interface RoundReport {
  round: number;
  fault: FaultKind;
  from: string;
  to: string | null;
  vipGoneSeconds: number | null;
  failoverSeconds: number | null;
  httpRecoverySeconds: number | null;
  failedRequests: number;
  /** The host's neighbour entry for the VIP moved to the new holder's MAC within 1 s, unasked. */
  gratuitousArp: boolean | null;
  failbackSeconds: number | null;
  /** With nopreempt the VIP stays on the new holder: true when it did. */
  stayed: boolean | null;
  endedAsBegan: boolean;
  faultAt: string;
  vipArrivedAt: string | null;
  /** Per node, the notifications sent during the round and their delay after the VIP moved. */
  notifications?: NotifyTimeline;
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
  problems: string[];
}

interface VipEvent {
  node: string;
  kind: 'add' | 'del';
  at: number;
}

const svc = (action: string, name: string) => `if [ -d /run/systemd/system ]; then systemctl reset-failed ${name} 2>/dev/null; systemctl ${action} ${name}; else service ${name} ${action}; fi`;

export function faultCommand(kind: FaultKind, iface: string, isolateSeconds: number): { fault: string; restore: string } {
  switch (kind) {
    case 'nginx-stop':
      return { fault: svc('stop', 'nginx'), restore: svc('start', 'nginx') };
    case 'nginx-kill':
      return { fault: 'pkill -9 -x nginx || killall -9 nginx', restore: svc('start', 'nginx') };
    case 'keepalived-stop':
      return { fault: svc('stop', 'keepalived'), restore: svc('start', 'keepalived') };
    case 'node-isolate':
      // The node heals itself even if haops vanishes: the restore is armed before the cut.
      return {
        fault: `nohup sh -c 'sleep ${isolateSeconds}; ip link set ${iface} up' >/dev/null 2>&1 </dev/null & sleep 0.2; ip link set ${iface} down`,
        restore: `ip link set ${iface} up`,
      };
  }
}

/** `ip -o monitor address` lines: "3: eth0    inet 198.18.0.100/24 ..." and "Deleted 3: eth0 ...". */
export function parseMonitorLine(line: string, vip: string): 'add' | 'del' | null {
  const m = /^(Deleted\s+)?\d+:\s+\S+\s+inet\s+(\d+\.\d+\.\d+\.\d+)\//.exec(line.trim());
  if (!m || m[2] !== vip) return null;
  return m[1] ? 'del' : 'add';
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

export class Drill {
  private events: VipEvent[] = [];
  private streams: StreamHandle[] = [];
  private pending: { host: Host; restore: string } | null = null;

  constructor(
    private readonly pair: PairModel,
    private readonly instance: PairInstance,
    private readonly hosts: Record<string, Host>,
    private readonly opts: DrillOptions,
  ) {}

  get vip(): string {
    return vipAddress(this.instance.spec.vip);
  }

  /** Undoes whatever fault is in place: called on every exit path, Ctrl-C included. */
  async restore(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await p.host.exec(p.restore, { timeoutMs: 10_000 });
        return;
      } catch {
        await sleep(1000);
      }
    }
    this.opts.log(`could not restore ${p.host.name}: run on it: ${p.restore}`);
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.stop();
    this.streams = [];
  }

  private async watch(): Promise<void> {
    for (const name of this.pair.nodes) {
      const handle = await this.hosts[name]!.stream('exec ip -o monitor address', (line, at) => {
        const kind = parseMonitorLine(line, this.vip);
        if (kind) this.events.push({ node: name, kind, at });
      });
      this.streams.push(handle);
    }
    await sleep(300); // the monitors subscribe before anything is broken
  }

  private async waitFor(pred: () => VipEvent | undefined, since: number): Promise<VipEvent | null> {
    const deadline = since + (this.opts.timeoutSeconds ?? 30) * 1000;
    while (Date.now() < deadline) {
      const e = pred();
      if (e) return e;
      await sleep(20);
    }
    return null;
  }

  async precheck(): Promise<{ holder: string } | { refused: string }> {
    const status = await pairStatus(this.pair, async (n) => this.hosts[n]!);
    const inst = status.instances.find((i) => i.instance === this.instance.spec.name)!;
    const sick = status.nodes.filter((n) => !n.reachable || !n.keepalived || !n.nginx).map((n) => n.host);
    if (sick.length) return { refused: `not every node is healthy (${sick.join(', ')}): a fault now could leave no healthy node` };
    if (inst.holders.length !== 1) return { refused: inst.problem ?? `VIP ${this.vip} has ${inst.holders.length} holders` };
    if (!inst.servedBy) return { refused: `HTTP through VIP ${this.vip} does not answer before the drill` };
    return { holder: inst.holders[0]! };
  }

  async round(n: number, iface: string, port: number): Promise<RoundReport> {
    const pre = await this.precheck();
    if ('refused' in pre) throw new DrillRefused(pre.refused);
    const from = pre.holder;
    const other = this.pair.nodes.find((x) => x !== from)!;
    const macs = await this.macs(iface);
    this.events = [];
    await this.watch();
    const notify = this.opts.nodes ? await NotifyWatch.start(this.opts.nodes) : null;
    const http = new HttpProbe(this.vip, port);
    const neigh = NeighbourWatch.start(this.vip);
    http.start();
    await sleep(300);
    const report: RoundReport = {
      round: n, fault: this.opts.fault, from, to: null, vipGoneSeconds: null, failoverSeconds: null, httpRecoverySeconds: null,
      failedRequests: 0, gratuitousArp: null, failbackSeconds: null, stayed: null, endedAsBegan: false, faultAt: '', vipArrivedAt: null, problems: [],
    };
    try {
      const cmd = faultCommand(this.opts.fault, iface, this.opts.isolateSeconds ?? 8);
      this.opts.log(`round ${n}: ${this.opts.fault} on ${from} (holder of ${this.vip})`);
      const t0 = Date.now();
      report.faultAt = new Date(t0).toISOString();
      this.pending = { host: this.hosts[from]!, restore: cmd.restore };
      const faultRun = this.hosts[from]!.exec(cmd.fault, { timeoutMs: 15_000 }).catch(() => null);
      if (this.opts.fault !== 'node-isolate') {
        const r = await faultRun;
        if (r && r.code !== 0) throw new DrillRefused(`the fault command failed on ${from}: ${r.stderr.trim() || r.stdout.trim()}`);
      }
      const gone = await this.waitFor(() => this.events.find((e) => e.node === from && e.kind === 'del' && e.at >= t0), t0);
      const arrived = await this.waitFor(() => this.events.find((e) => e.node === other && e.kind === 'add' && e.at >= t0), t0);
      if (gone) report.vipGoneSeconds = seconds(gone.at - t0);
      if (arrived) {
        report.to = other;
        report.failoverSeconds = seconds(arrived.at - t0);
        report.vipArrivedAt = new Date(arrived.at).toISOString();
      } else report.problems.push(`VIP ${this.vip} did not arrive on ${other} within ${this.opts.timeoutSeconds ?? 30} s`);
      const served = await http.firstSuccessAfter(t0, other, (this.opts.timeoutSeconds ?? 30) * 1000);
      report.httpRecoverySeconds = served === null ? null : seconds(served - t0);
      report.failedRequests = http.failuresSince(t0);
      if (served === null) report.problems.push(`HTTP through ${this.vip} was not answered by ${other}`);
      if (arrived && macs[other]) report.gratuitousArp = neigh ? neigh.movedTo(macs[other]!, arrived.at, 1000) : null;

      // Restore, then failback (preemption) or stay (nopreempt).
      const tr = Date.now();
      const moves = arrived ? [{ vip: this.vip, from, to: other, arrivedAt: arrived.at }] : [];
      if (this.opts.fault === 'node-isolate') await this.awaitReachable(from);
      await this.restore();
      if (this.instance.math.nopreempt) {
        await sleep(5000);
        report.stayed = !this.events.some((e) => e.node === other && e.kind === 'del' && e.at >= tr);
      } else {
        const back = await this.waitFor(() => this.events.find((e) => e.node === from && e.kind === 'add' && e.at >= tr), tr);
        report.failbackSeconds = back ? seconds(back.at - tr) : null;
        if (!back) report.problems.push(`VIP did not come back to ${from} after the restore`);
        else moves.push({ vip: this.vip, from: other, to: from, arrivedAt: back.at });
      }
      await this.settle();
      if (notify?.watching) {
        await sleep(1500); // the last transition's mail and webhook are still on their way
        report.notifications = notify.timeline(moves, t0 - 1000, Date.now());
        for (const n of report.notifications.nodes) if (n.silent.length) report.problems.push(`${n.host} sent nothing on ${n.silent.join(', ')} during the drill`);
      }
      if (notify) report.problems.push(...notify.problems);
      const post = await this.precheck();
      const expected = this.instance.math.nopreempt ? other : from;
      report.endedAsBegan = 'holder' in post && post.holder === expected;
      if (!report.endedAsBegan) report.problems.push(`after the drill: ${'refused' in post ? post.refused : `VIP on ${post.holder}, expected ${expected}`}`);
      if (this.opts.maxFailover !== undefined && (report.failoverSeconds ?? Infinity) > this.opts.maxFailover) {
        report.problems.push(`failover took ${report.failoverSeconds ?? 'forever'} s, more than --max-failover ${this.opts.maxFailover} s`);
      }
      return report;
    } finally {
      http.stop();
      neigh?.stop();
      await notify?.stop();
      await this.restore();
      await this.close();
    }
  }

  /** Waits until the node answers again (isolation heals by the node's own timer). */
  private async awaitReachable(name: string): Promise<void> {
    const deadline = Date.now() + ((this.opts.isolateSeconds ?? 8) + 30) * 1000;
    while (Date.now() < deadline) {
      try {
        const r = await this.hosts[name]!.exec('true', { timeoutMs: 3000 });
        if (r.code === 0) return;
      } catch {
        /* still cut off */
      }
      await sleep(500);
    }
  }

  /** Waits until the pair has one healthy holder again (HTTP and services back). */
  private async settle(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const pre = await this.precheck().catch(() => null);
      if (pre && 'holder' in pre) return;
      await sleep(500);
    }
  }

  private async macs(iface: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const n of this.pair.nodes) {
      // sysfs shows the host's interfaces inside nspawn nodes: read the MAC with ip (field notes).
      const r = await this.hosts[n]!.exec(`ip -o link show dev ${iface}`);
      const m = /link\/ether ([0-9a-f:]{17})/.exec(r.stdout);
      if (m) out[n] = m[1]!;
    }
    return out;
  }
}

export class DrillRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillRefused';
  }
}

export function stats(values: (number | null)[]): { min: number; median: number; max: number } | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : Math.round(((v[mid - 1]! + v[mid]!) / 2) * 1000) / 1000;
  return { min: v[0]!, median, max: v[v.length - 1]! };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

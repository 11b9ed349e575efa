// One measured switchover round: the user's path probed every 20 ms (from here or the probe host),
// the holder drained and undrained (drain.ts), the pair awaited until it is as it began, the
// figures per VIP, and on request the round's trace (VIP moves, GARP, notify states) for the page.
import { bind } from '../protocol/script.js';
import { ADDRESS_MONITOR, NODE_MAC, NOTIFY_LOG_TAIL, parseMac } from '../protocol/watch.js';
import type { PairInstance } from '../model/derive.js';
import type { Host } from '../ssh/host.js';
import type { PairStatus } from '../status/status.js';
import { notifyLogStates, parseMonitorLine } from '../measure/clock.js';
import { NeighbourWatch } from '../measure/neighbour.js';
import type { RoundTrace } from '../measure/trace.js';
import { KEPT_ALIVE_CONNECTIONS, probeHostOffset, RemoteSwitchoverProbe, SwitchoverProbe, type RoundProbe } from './probe.js';
import type { KeptAliveFigures } from './kept-alive.js';
import { SwitchoverRefused, addressesOf, secs, sleep, type PairNodes } from './pair.js';
import type { Drains } from './drain.js';
import type { Handoff } from './handoff.js';
import type { HoldResult } from './bridge.js';

/** How long a switchover's drain lasts at most if haops is gone (killed, connection lost). */
export const SELF_UNDRAIN_SECONDS = 30;

export interface SwitchoverVip {
  instance: string;
  vip: string;
  from: string;
  to: string | null;
  switchoverSeconds: number | null;
  switchbackSeconds: number | null;
  failedRequests: number;
  worstLatencySeconds: number | null;
  /** When the slowest request was sent, seconds after the drain began. */
  worstAtSeconds: number | null;
  /** null: not measured (probed from a probe host: no kept-alive connection there). */
  resetsOnReusedConnections: number | null;
  /** The kept-alive load through this VIP (its failures are in failedRequests); null: not measured. */
  keptAlive: KeptAliveFigures | null;
  requests: number;
  failures: { atSeconds: number; error: string }[];
}

export interface SwitchoverRound {
  round: number;
  from: string;
  to: string | null;
  switchoverSeconds: number | null;
  failedRequests: number;
  worstLatencySeconds: number | null;
  switchbackSeconds: number | null;
  /** null: not measured (probed from a probe host). */
  resetsOnReusedConnections: number | null;
  requests: number;
  vips: SwitchoverVip[];
  endedAsBegan: boolean;
  /** Per move (out, then back), whether the node taking the VIPs handed off the old holder's connections. */
  handoff: Handoff[];
  /** Per move (out, then back), how long the old holder went on serving its connections. */
  holds: HoldResult[];
  /** Kept-alive requests and how many failed (in failedRequests too); null: not measured. */
  keptAlive: { requests: number; failedRequests: number; reconnects: number } | null;
  /** When the drain flag went up (ISO), and the round event by event (only for --report). */
  drainAt?: string;
  trace?: RoundTrace;
  problems: string[];
}

/** What a round moves: a whole node (every VIP it holds) or the holder of one instance. */
export interface RoundTarget {
  node?: string;
  instance?: PairInstance;
  leaseSeconds?: number;
  trace?: boolean;
}

/** Measured rounds on one pair: each drains the holder and undrains it through `drains`. */
export class Rounds {
  constructor(
    readonly nodes: PairNodes,
    private readonly drains: Drains,
  ) {}

  /** What a round's trace is drawn from: VIP add/del on each node as seen here (ip monitor), this
   * machine's neighbour entry per VIP, and the nodes' MACs. */
  private async traceStart(vips: string[]) {
    const events: RoundTrace['vipEvents'] = [];
    const macs: Record<string, string> = {};
    const streams = await Promise.all(
      this.nodes.pair.nodes.map(async (node) => {
        const r = await this.nodes.host(node).exec(bind(NODE_MAC, { IFACE: this.nodes.pair.spec.interface }), { timeoutMs: 5000 });
        const mac = parseMac(r.stdout);
        if (mac) macs[node] = mac;
        return this.nodes.host(node).stream(bind(ADDRESS_MONITOR, {}), (line, at) => {
          for (const vip of vips) {
            const kind = parseMonitorLine(line, vip);
            // The bridge on lo is not holding the VIP: only the pair's interface counts.
            if (kind && line.includes(` ${this.nodes.pair.spec.interface} `)) events.push({ node, vip, kind, at });
          }
        });
      }),
    );
    const neighs = vips.map((v) => NeighbourWatch.start(v));
    return { events, macs, streams, neighs };
  }

  private async traceEnd(
    w: Awaited<ReturnType<Rounds['traceStart']>>,
    before: PairStatus,
    vips: { vip: string; instance: string }[],
    startedAt: number,
    drainAt: number,
    undrainAt: number | null,
  ): Promise<RoundTrace> {
    const endedAt = Date.now();
    for (const s of w.streams) s.stop();
    for (const n of w.neighs) n?.stop();
    const states: RoundTrace['states'] = [];
    await Promise.all(
      this.nodes.pair.nodes.map(async (node) => {
        const out = await this.nodes
          .host(node)
          .exec(bind(NOTIFY_LOG_TAIL, { LOG: this.nodes.pair.spec.notify.log }), {
            timeoutMs: 10_000,
          })
          .catch(() => null);
        if (out) states.push(...notifyLogStates(node, out.stdout, startedAt - 1000, endedAt));
      }),
    );
    const holdersAtStart = Object.fromEntries(
      vips.map(({ vip }) => [vip, before.instances.flatMap((i) => i.vips).find((v) => v.vip === vip)?.holders[0] ?? null]),
    );
    const garp: RoundTrace['garp'] = [];
    vips.forEach(({ vip }, i) => {
      const was = w.macs[holdersAtStart[vip] ?? ''] ?? null;
      for (const [node, mac] of Object.entries(w.macs))
        for (const at of w.neighs[i]?.flipsTo(mac, was) ?? []) if (at >= startedAt && at <= endedAt) garp.push({ vip, node, at });
    });
    return {
      startedAt,
      endedAt,
      faultAt: drainAt,
      restoreAt: undrainAt,
      holdersAtStart,
      statesAtStart: Object.fromEntries(
        before.nodes.map((n) => [n.host, Object.fromEntries(Object.entries(n.instances).map(([k, v]) => [k, v.state]))]),
      ),
      vipEvents: w.events.filter((e) => e.at >= startedAt),
      states: states.sort((a, b) => a.at - b.at),
      garp: garp.sort((a, b) => a.at - b.at),
      probes: [],
      instances: Object.fromEntries(vips.map((v) => [v.vip, v.instance])),
    };
  }

  /** The inventory's probe host, when the pair names one (`probe: { from: HOST }`) and it is connected. */
  private probeHost(): Host | undefined {
    const from = this.nodes.pair.probeFrom;
    return from.kind === 'host' ? this.nodes.hosts[from.host] : undefined;
  }

  /**
   * The user's path, asked every 20 ms from where the inventory says clients are: this machine,
   * or the probe host (one streamed loop per VIP there, its marks moved onto our clock).
   * `probe: none` still probes from here, as the drill does: a switchover unmeasured proves nothing.
   */
  private async startProbes(vips: string[]): Promise<RoundProbe[]> {
    const port = this.nodes.pair.spec.nginx.listen;
    const host = this.probeHost();
    if (!host) {
      const probes = vips.map(
        (vip) =>
          new SwitchoverProbe(vip, port, this.nodes.opts.connections ?? KEPT_ALIVE_CONNECTIONS, 20, 2000, this.nodes.pair.health.tls),
      );
      for (const p of probes) p.start();
      return probes;
    }
    const { offset, why } = await probeHostOffset(host);
    if (offset === null)
      throw new SwitchoverRefused(
        `cannot read the clock of probe host ${host.name} (date +%s%N${why ? `: ${why}` : ''}): its probe marks could not be timed`,
      );
    const probes = vips.map((vip) => new RemoteSwitchoverProbe(host, vip, port, offset, 20, 2000, this.nodes.pair.health.tls));
    await Promise.all(probes.map((p) => p.start()));
    const problem = probes.find((p) => p.problem)?.problem;
    if (problem) {
      await Promise.all(probes.map((p) => p.stop()));
      throw new SwitchoverRefused(problem);
    }
    return probes;
  }

  /** Round n: drain the holder (or `target`), undrain it, the user's path probed throughout; the
   * drain is undone on any exit before the undrain. */
  async round(n: number, target: RoundTarget): Promise<SwitchoverRound> {
    const before = await this.nodes.status();
    const sick = before.nodes
      .filter((x) => !x.reachable || !x.keepalived || !x.nginx || x.drained)
      .map((x) => `${x.host}${x.drained ? ' (drained)' : ''}`);
    if (sick.length)
      throw new SwitchoverRefused(`not every node of pair ${this.nodes.pair.name} is healthy and in service: ${sick.join(', ')}`);
    const bad = before.instances.find((i) => i.verdict !== 'ok');
    if (bad) throw new SwitchoverRefused(bad.problem ?? `${bad.vip}: ${bad.verdict}`);
    const holderOf = (i: PairInstance) => before.instances.find((s) => s.instance === i.spec.name)!.holders[0]!;
    const from = target.node ?? holderOf(target.instance ?? this.nodes.pair.instances[0]!);
    const to = this.nodes.peerOf(from);
    const moving = this.nodes.held(before, from);
    if (!moving.length) throw new SwitchoverRefused(`${from} holds no VIP: nothing would move`);
    const port = this.nodes.pair.spec.nginx.listen;
    const watch = target.trace ? await this.traceStart(addressesOf(moving)) : null;
    const probes = await this.startProbes(moving.map((i) => i.vip)).catch((e: unknown) => {
      for (const s of watch?.streams ?? []) s.stop();
      for (const nw of watch?.neighs ?? []) nw?.stop();
      throw e;
    });
    const startedAt = Date.now();
    const problems: string[] = [];
    let undrained = false;
    try {
      // A probe host's first marks come back over SSH after its curl: up to 3 s for the first answer.
      const warm = Date.now();
      const answering = () => moving.every((_, k) => probes[k]!.answeredBy(from, warm));
      await sleep(400);
      for (const until = warm + 3000; !answering() && Date.now() < until; ) await sleep(50);
      const mute = moving.filter((_, k) => !probes[k]!.answeredBy(from, warm));
      const here = this.probeHost() ? `probe host ${this.probeHost()!.name}` : 'this machine';
      if (mute.length)
        throw new SwitchoverRefused(
          `HTTP through ${mute.map((i) => i.vip).join(', ')}:${port} does not answer from ${here}; the switchover is measured from there`,
          this.probeHost()
            ? undefined
            : 'from a machine off the clients\' LAN, name a probe host on it: probe: { from: HOST } (docs/monitoring.md, "Where the user\'s path is asked from")',
        );
      this.nodes.opts.log(`round ${n}: draining ${from} (holder of ${addressesOf(moving).join(', ')})`);
      const t0 = Date.now();
      // If haops vanishes mid-round, the node undrains itself: a round takes a few seconds.
      const drained = await this.drains.drain(from, { leaseSeconds: target.leaseSeconds ?? SELF_UNDRAIN_SECONDS });
      // From the flag going up, not from the checks before it.
      const flagAt = drained.flagAt ?? t0;
      const answered = await Promise.all(probes.map((p) => firstAnswer(p, to, flagAt, this.nodes.timeoutMs())));
      await sleep(500);
      this.nodes.opts.log(`round ${n}: undraining ${from}`);
      const back1 = await this.drains.undrain(from);
      const t1 = back1.flagAt;
      undrained = true;
      const back = await Promise.all(
        moving.map((i, k) => (i.math.nopreempt ? Promise.resolve(null) : firstAnswer(probes[k]!, from, t1, this.nodes.timeoutMs()))),
      );
      await sleep(1000); // the probe sees the pair settled after the switchback too
      await Promise.all(probes.map((p) => p.stop()));
      const vips = moving.map((i, k): SwitchoverVip => {
        const f = probes[k]!.figures(t0);
        const vip = i.vip;
        const arrived = drained.moved.find((m) => m.instance === i.spec.name);
        if (!arrived || arrived.seconds === null) problems.push(`${addressesOf([i]).join(', ')} did not arrive on ${to}`);
        if (answered[k] === null) problems.push(`HTTP through ${vip} was never answered by ${to}`);
        if (!i.math.nopreempt && back[k] === null) problems.push(`HTTP through ${vip} was not answered by ${from} again after the undrain`);
        if (f.failedRequests)
          problems.push(
            `${vip}: ${f.failedRequests} failed requests (${f.failures.map((x) => `${x.atSeconds.toFixed(2)} s ${x.error}`).join('; ')})`,
          );
        return {
          instance: i.spec.name,
          vip,
          from,
          to: answered[k] === null ? null : to,
          switchoverSeconds: secs(answered[k] ?? null),
          switchbackSeconds: secs(back[k] ?? null),
          failedRequests: f.failedRequests,
          worstLatencySeconds: f.worstLatencySeconds,
          worstAtSeconds: f.worstAtSeconds,
          resetsOnReusedConnections: f.resetsOnReusedConnections,
          keptAlive: f.keptAlive,
          requests: f.requests,
          failures: f.failures,
        };
      });
      const after = await this.settled(before);
      if (!after.ok) problems.push(`after the round: ${after.why}`);
      let trace: RoundTrace | undefined;
      if (watch) {
        trace = await this.traceEnd(
          watch,
          before,
          moving.flatMap((i) => addressesOf([i]).map((vip) => ({ vip, instance: i.spec.name }))),
          startedAt,
          flagAt,
          t1,
        );
        trace.probes = probes.flatMap((p) => p.marks()).filter((m) => m.sentAt <= trace!.endedAt);
      }
      const worst = (pick: (v: SwitchoverVip) => number | null) =>
        vips.some((v) => pick(v) === null) ? null : Math.max(...vips.map((v) => pick(v)!));
      return {
        round: n,
        from,
        to,
        switchoverSeconds: worst((v) => v.switchoverSeconds),
        failedRequests: vips.reduce((s, v) => s + v.failedRequests, 0),
        worstLatencySeconds: worst((v) => v.worstLatencySeconds),
        switchbackSeconds: worst((v) => v.switchbackSeconds),
        resetsOnReusedConnections: vips.some((v) => v.resetsOnReusedConnections === null)
          ? null
          : vips.reduce((s, v) => s + v.resetsOnReusedConnections!, 0),
        requests: vips.reduce((s, v) => s + v.requests, 0),
        vips,
        endedAsBegan: after.ok,
        handoff: [drained.handoff, back1.handoff].filter((h): h is Handoff => h !== undefined),
        holds: [drained.hold, back1.hold].filter((h): h is HoldResult => h !== undefined),
        keptAlive: vips.some((v) => v.keptAlive === null)
          ? null
          : {
              requests: vips.reduce((s, v) => s + v.keptAlive!.requests, 0),
              failedRequests: vips.reduce((s, v) => s + v.keptAlive!.failedRequests, 0),
              reconnects: vips.reduce((s, v) => s + v.keptAlive!.reconnects, 0),
            },
        drainAt: new Date(flagAt).toISOString(),
        ...(trace ? { trace } : {}),
        problems,
      };
    } finally {
      await Promise.all(probes.map((p) => p.stop()));
      for (const s of watch?.streams ?? []) s.stop();
      for (const nw of watch?.neighs ?? []) nw?.stop();
      if (!undrained) await this.drains.undo();
    }
  }

  /** Waits (up to 20 s) until every VIP is back on its holder from before, served, and nothing is drained. */
  private async settled(before: PairStatus): Promise<{ ok: true } | { ok: false; why: string }> {
    const deadline = Date.now() + 20_000;
    let why = '';
    for (;;) {
      const now = await this.nodes.status().catch(() => null);
      if (now) {
        const wrong = now.instances.filter((i) => {
          const was = before.instances.find((b) => b.instance === i.instance)!;
          const inst = this.nodes.pair.instances.find((x) => x.spec.name === i.instance)!;
          // nopreempt: the VIP rightly stays on the peer after the undrain.
          return i.verdict !== 'ok' || (!inst.math.nopreempt && i.holders.join() !== was.holders.join());
        });
        const drained = now.nodes.filter((x) => x.drained).map((x) => x.host);
        if (!wrong.length && !drained.length) return { ok: true };
        why = [
          ...wrong.map(
            (i) => `${i.vips.map((v) => v.vip).join(', ')} on ${i.holders.join(' and ') || 'nobody'}${i.problem ? ` (${i.problem})` : ''}`,
          ),
          ...drained.map((d) => `${d} still drained`),
        ].join('; ');
      }
      if (Date.now() > deadline) return { ok: false, why };
      await sleep(500);
    }
  }
}

async function firstAnswer(probe: RoundProbe, node: string, since: number, timeoutMs: number): Promise<number | null> {
  // Asked at least once: a drain whose hold outlasted the timeout still finds an answer it saw in time.
  for (;;) {
    const t = probe.firstAnswerAt(node, since);
    if (t !== null) return t - since <= timeoutMs ? t - since : null;
    if (Date.now() >= since + timeoutMs) return null;
    await sleep(20);
  }
}

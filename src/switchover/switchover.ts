// Drain, undrain and measured switchover rounds for one pair. A drain moves every VIP a node
// holds to its healthy peer with no window without a holder (the drained node answers on lo until
// the peer holds the VIP); every exit path undoes a drain this run started and did not finish.
import { randomBytes } from 'node:crypto';
import { hostIp6 } from '../inventory/cross-checks.js';
import { hostIp, type Model, type PairInstance, type PairModel } from '../model/derive.js';
import type { Host } from '../ssh/host.js';
import { pairStatus, type PairStatus } from '../status/status.js';
import { notifyLogStates, parseMonitorLine, stats } from '../measure/clock.js';
import { NeighbourWatch } from '../measure/neighbour.js';
import type { RoundTrace } from '../measure/trace.js';
import { shellQuote } from '../core/quote.js';
import { DRAIN_FLAG, type DrainMethod } from '../render/drain.js';
import {
  DRAINED_MARK,
  DRAINED_PROBE,
  KEPT_MARK,
  LOCK,
  LOCKED_MARK,
  UNDRAINED_MARK,
  addressesScript,
  keepScript,
  lockScript,
  unlockScript,
  bridgeScript,
  drainScript,
  factsScript,
  parseAddresses,
  parseFacts,
  unbridgeScript,
  undrainScript,
  handoffScript,
  unhandoffScript,
  parseHanded,
  closingScript,
  connectionsScript,
  parseConnections,
  HANDOFF_MARK,
  BRIDGE_SELF_REMOVE_SECONDS,
  type DrainFacts,
} from './node.js';
import { KEPT_ALIVE_CONNECTIONS, probeHostOffset, RemoteSwitchoverProbe, SwitchoverProbe, type RoundProbe } from './probe.js';
import type { KeptAliveFigures } from './kept-alive.js';

export class SwitchoverRefused extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SwitchoverRefused';
  }
}

export interface VipMoveResult {
  instance: string;
  /** The instance's primary VIP. */
  vip: string;
  /** Every VIP of the instance, when it has several: they move together, `seconds` is the last's. */
  vips?: string[];
  /** null: nobody holds it (a forced drain while the peer is drained too). */
  to: string | null;
  /** From the flag to the VIP on the new holder, as polled on the nodes. */
  seconds: number | null;
}

export interface DrainResult {
  node: string;
  peer: string;
  method: DrainMethod;
  alreadyDrained: boolean;
  /** A drain an earlier run left unconfirmed (its lease still running) that this run confirmed. */
  finished?: boolean;
  moved: VipMoveResult[];
  /** When the flag went up (ms since the epoch, this machine's clock): switchovers count from here. */
  flagAt?: number;
  /** How connections opened on the drained node were kept: see Handoff. */
  handoff?: Handoff;
  /** How long the drained node went on serving its own connections after the move. */
  hold?: HoldResult;
}

/** The hold after a move: the node that gave up the VIPs serves the connections already on it
 * (each next response says Connection: close) until none is left, or the limit (--hold). */
export interface HoldResult {
  node: string;
  seconds: number;
  /** Connections still on the VIPs there when the hold ended (0: every client moved on cleanly). */
  connectionsLeft: number | null;
  /** Whether it ended early because no connection was left. */
  emptied: boolean;
}

/** Whether the node taking the VIPs sent on the packets of connections opened on the old holder
 * (an nftables dup to the old holder, which still answers on lo), or why not. */
export interface Handoff {
  on: boolean;
  node: string;
  /** Why there was none: the fix the user can apply. */
  why?: string;
  /** Packets of the old holder's connections it sent on (read when the handoff ended). */
  packets?: number;
  /** On, but not for every VIP that moved: the IPv6 ones had none (NO_HANDOFF6). */
  note?: string;
}

/** What a move of IPv6 VIPs does without a handoff (the old holder has no ip6 in the inventory), said where a handoff would be reported. */
export const NO_HANDOFF6 =
  'no handoff for IPv6 (the old holder has no ip6 to send the packets on to): a connection to an IPv6 VIP caught by the move between its handshake and its request is reset';

function handoffWhy(node: string, f: DrainFacts['handoff']): string | undefined {
  if (f === 'yes') return undefined;
  return f === 'no-nft'
    ? `${node} has no nft: install nftables there (apt-get or dnf install nftables; CentOS 6/7 kernels lack its socket match); without it a connection caught by the move between its handshake and its request is reset`
    : `the kernel of ${node} has no nftables socket match (nft_socket): a connection caught by the move between its handshake and its request is reset`;
}

export interface UndrainResult {
  node: string;
  wasDrained: boolean;
  /** VIPs that came back to this node (its MASTER instances, with preemption). */
  returned: VipMoveResult[];
  /** nopreempt instances stay on the peer: keepalived never takes a VIP from a live MASTER. */
  stayed: string[];
  /** When the flag went (ms since the epoch): switchbacks count from here. */
  flagAt: number;
  handoff?: Handoff;
  hold?: HoldResult;
}

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

/** The default limit of a hold (--hold): long enough for a 10 s download to finish on the old
 * holder; a hold ends as soon as no connection is left there. */
export const HOLD_LIMIT_SECONDS = 30;
/** The shortest hold: a client whose ARP entry missed the gratuitous ARP still reaches the old holder. */
export const HOLD_MIN_MS = 1000;

/** How long a switchover's drain lasts at most if haops is gone (killed, connection lost). */
export const SELF_UNDRAIN_SECONDS = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

export interface PairOpsOptions {
  log: (s: string) => void;
  /** The most a hold lasts: after the peer holds the VIPs, the old holder answers on lo (and
   * the peer hands its connections' packets on) until no connection is left there, or this long. */
  bridgeHoldMs?: number;
  /** The inventory's path, for the commands a message tells the user to run. */
  inventory?: string;
  /** false: no handoff (--no-handoff), for a comparison or where nodes must not get nft rules. */
  handoff?: boolean;
  /** Kept-alive connections a switchover's probe keeps busy per VIP (--connections). */
  connections?: number;
}

/** A plain `haops drain` raises the flag with this lease and lifts the lease once the VIPs are on
 * the peer: a drain whose haops vanished half-way undoes itself instead of staying unconfirmed. */
export const DRAIN_LEASE_SECONDS = 30;

export interface DrainOptions {
  /** The node lifts the drain by itself after this long unless confirmed (keep: true confirms it). */
  leaseSeconds?: number;
  /** Confirm the drain once the VIPs moved: the wanted end state of `haops drain`. */
  keep?: boolean;
  /** Drain even when the peer is drained too (nobody will hold the VIPs). */
  force?: boolean;
}

/** Drain and undrain on one pair's nodes, with the undo of a drain in progress. */
export class PairOps {
  private pending: { node: string; vips: string[]; leaseUntil?: number } | null = null;
  private bridges: { node: string; vips: string[] } | null = null;
  /** A node running a handoff this run started (removed with the bridge, or on undo). */
  private handing: Handoff | null = null;
  /** The running handoff covers IPv6 VIPs too (the peer has an ip6). */
  private handing6 = false;

  constructor(
    readonly pair: PairModel,
    private readonly model: Pick<Model, 'hosts'>,
    private readonly hosts: Record<string, Host>,
    private readonly opts: PairOpsOptions,
  ) {}

  peerOf(node: string): string {
    return this.pair.nodes.find((n) => n !== node)!;
  }

  private ip(node: string): string {
    return hostIp(this.model.hosts[node]!)!;
  }

  /** The most a hold lasts after the peer holds the VIPs. */
  private holdMs(): number {
    return this.opts.bridgeHoldMs ?? HOLD_LIMIT_SECONDS * 1000;
  }

  /**
   * After a move: the old holder `node` still serves the connections on it (its responses say
   * Connection: close, so kept-alive clients reconnect to the new holder after their request),
   * for at least HOLD_MIN_MS (ARP caches that missed the gratuitous ARP) and until no connection
   * to the VIPs is left there, or the limit.
   */
  private async hold(node: string, vips: string[]): Promise<HoldResult> {
    const t0 = Date.now();
    const limit = this.holdMs();
    await sleep(Math.min(HOLD_MIN_MS, limit));
    let left: number | null = null;
    // Without a handoff for IPv6, a connection to an IPv6 VIP left here can never finish: the
    // client's next packet reaches the new holder (after its neighbour advertisement), which resets
    // it. Waiting for it only stretches the hold to its limit (lab: 15-30 s instead of 1 s).
    const awaited = this.handing?.on && this.handing6 ? vips : vips.filter((v) => !v.includes(':'));
    for (;;) {
      const r = awaited.length
        ? await this.hosts[node]!.exec(connectionsScript(awaited, this.pair.spec.nginx.listen), { timeoutMs: 5000 }).catch(() => null)
        : { stdout: 'conns 0\n' };
      left = r ? parseConnections(r.stdout) : null;
      if (left === 0 || Date.now() - t0 >= limit) break;
      await sleep(Math.min(250, Math.max(0, t0 + limit - Date.now())));
    }
    const result = { node, seconds: secs(Date.now() - t0)!, connectionsLeft: left, emptied: left === 0 };
    if (left)
      this.opts.log(
        `${node}: ${left} connection(s) still on ${vips.join(', ')} after the ${limit / 1000} s hold (--hold): they are cut now`,
      );
    return result;
  }

  /** How long a bridge or handoff lives by itself if haops vanishes: longer than any hold. */
  private selfRemoveSeconds(): number {
    return BRIDGE_SELF_REMOVE_SECONDS + Math.ceil(this.holdMs() / 1000);
  }

  /** Starts a handoff on `node` towards its peer (the old holder) when the node can; says how it went. */
  private async handOff(node: string, moving: string[], can: DrainFacts['handoff']): Promise<Handoff> {
    const why = this.opts.handoff === false ? 'off (--no-handoff)' : handoffWhy(node, can);
    if (why || !moving.length) return { on: false, node, ...(why ? { why } : {}) };
    // IPv4 VIPs in `table ip`; IPv6 ones in `table ip6`, sent on to the peer's ip6 (without one: none).
    const vips = moving.filter((v) => !v.includes(':'));
    const peer6 = hostIp6(this.model.hosts[this.peerOf(node)]!);
    const vips6 = peer6 ? moving.filter((v) => v.includes(':')) : [];
    const uncovered = moving.length - vips.length - vips6.length;
    if (!vips.length && !vips6.length) return { on: false, node, why: NO_HANDOFF6 };
    const seconds = this.selfRemoveSeconds();
    const handoff: Handoff = { on: true, node, ...(uncovered ? { note: `IPv4 VIPs only: ${NO_HANDOFF6}` } : {}) };
    this.handing = handoff;
    this.handing6 = vips6.length > 0;
    const r = await this.hosts[node]!.exec(
      handoffScript(
        vips,
        this.ip(this.peerOf(node)),
        this.pair.spec.interface,
        randomBytes(6).toString('hex'),
        seconds,
        vips6.length ? { vips: vips6, oldHolder: peer6! } : undefined,
      ),
      { timeoutMs: 10_000 },
    );
    if (r.stdout.includes(HANDOFF_MARK)) return handoff;
    this.handing = null;
    this.handing6 = false;
    return { on: false, node, why: `nft on ${node} refused the handoff rules: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}` };
  }

  private async endHandoff(): Promise<void> {
    const h = this.handing;
    if (!h) return;
    this.handing = null;
    this.handing6 = false;
    const r = await this.hosts[h.node]!.exec(unhandoffScript(), { timeoutMs: 10_000 }).catch(() => null);
    const n = r ? parseHanded(r.stdout) : null;
    if (n !== null) h.packets = n;
  }

  async facts(node: string): Promise<DrainFacts> {
    const r = await this.hosts[node]!.exec(factsScript(this.ip(this.peerOf(node)), this.pair.spec.nginx.listen), { timeoutMs: 15_000 });
    return parseFacts(r.stdout);
  }

  async status(): Promise<PairStatus> {
    return pairStatus(this.pair, async (n) => this.hosts[n]!);
  }

  /** The instances whose VIP sits on `node`'s interface. */
  held(status: PairStatus, node: string): PairInstance[] {
    return this.pair.instances.filter((i) => status.instances.find((s) => s.instance === i.spec.name)?.holders.includes(node));
  }

  /** Why the peer cannot take the node's VIPs now, or null: keepalived BACKUP, nginx up, HTTP through its own address. */
  async refusal(
    node: string,
    status: PairStatus,
    mine: DrainFacts,
    held: PairInstance[],
    force: boolean | undefined,
    /** The peer's facts, asked beside the node's; null when that failed (asked again here, to surface why). */
    peerFacts: DrainFacts | null,
  ): Promise<{ why: string; hint?: string } | null> {
    const peer = this.peerOf(node);
    const ps = status.nodes.find((n) => n.host === peer)!;
    const ns = status.nodes.find((n) => n.host === node)!;
    if (!ns.reachable) return { why: `${node} does not answer: ${ns.error ?? 'unreachable'}` };
    if (!ps.reachable) return { why: `the peer ${peer} does not answer (${ps.error ?? 'unreachable'}): nobody could take the VIPs` };
    const theirs = peerFacts ?? (await this.facts(peer));
    if (!mine.hook || !theirs.hook) {
      const missing = [!mine.hook ? node : '', !theirs.hook ? peer : ''].filter(Boolean).join(' and ');
      return {
        why: `keepalived.conf on ${missing} has no drain hook (${'haops_drain'})`,
        hint: 'run `haops deploy INVENTORY` first: it adds the hook without moving any VIP',
      };
    }
    if (theirs.drained || ps.drained) {
      if (force) return null; // the operator takes the whole pair out of service
      return {
        why: `the peer ${peer} is drained itself: draining ${node} too would leave nobody to hold the VIPs`,
        hint: `haops undrain INVENTORY ${peer} (or --force to take every VIP of the pair out of service)`,
      };
    }
    if (!ps.keepalived) return { why: `keepalived is not running on the peer ${peer}` };
    if (!ps.nginx) return { why: `nginx is not running on the peer ${peer}` };
    for (const i of held) {
      const state = ps.instances[i.spec.name]?.state ?? null;
      if (state !== 'BACKUP')
        return {
          why: `the peer ${peer} is ${state ?? 'in an unknown state'} for ${i.spec.name}, not BACKUP: it could not take ${addressesOf([i]).join(', ')} cleanly`,
        };
    }
    if (mine.peerHttp !== peer)
      return {
        why: `HTTP through the peer's own address (${this.ip(peer)}:${this.pair.spec.nginx.listen}) does not answer as ${peer}${mine.peerHttp ? ` (answered: ${mine.peerHttp})` : ''}`,
      };
    return null;
  }

  /** Polls until `node` holds every VIP on the pair's interface (true) or the time is up. */
  private async until(
    node: string,
    vips: string[],
    holds: boolean,
    since: number,
    timeoutMs: number,
  ): Promise<Record<string, number | null>> {
    const seen: Record<string, number | null> = Object.fromEntries(vips.map((v) => [v, null]));
    while (Date.now() < since + timeoutMs && Object.values(seen).some((x) => x === null)) {
      const r = await this.hosts[node]!.exec(addressesScript(this.pair.spec.interface), { timeoutMs: 5000 }).catch(() => null);
      const on = r ? parseAddresses(r.stdout) : [];
      for (const v of vips) if (seen[v] === null && r && on.includes(v) === holds) seen[v] = Date.now() - since;
      await sleep(50);
    }
    return seen;
  }

  private timeoutMs(): number {
    // The peer's master-down timer is the slowest path: 3 adverts and the skew, then some slack.
    // An instance without advert_int takes the pair's profile's (classic 1 s, fast 0.2 s).
    return Math.max(...this.pair.instances.map((i) => i.spec.advert_int ?? this.pair.failover.advertInt)) * 4000 + 6000;
  }

  /** Holds the pair's drain lock (on its first node) while `work` runs: two haops processes never
   * decide on the same pair at once, so they cannot drain both nodes. Waits up to 25 s. */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    const lockHost = this.hosts[this.pair.nodes[0]]!;
    const token = randomBytes(6).toString('hex');
    // A lock is held for a few round trips; one older than 20 s belongs to a haops that vanished.
    const until = Date.now() + 25_000;
    for (;;) {
      const r = await lockHost.exec(lockScript(token, 20), { timeoutMs: 10_000 });
      if (r.stdout.includes(LOCKED_MARK)) break;
      if (Date.now() > until)
        throw new SwitchoverRefused(
          `another haops is draining or undraining a node of pair ${this.pair.name} (lock ${LOCK} on ${this.pair.nodes[0]}, ${r.stdout.trim() || 'held'})`,
          'wait for it to finish, then run this again; a lock older than 20 s is taken over',
        );
      await sleep(300);
    }
    try {
      return await work();
    } finally {
      await lockHost.exec(unlockScript(token), { timeoutMs: 10_000 }).catch(() => undefined);
    }
  }

  /** Moves every VIP `node` holds to its peer. A switchover passes a lease (the round lifts it); a
   * plain drain passes keep, and its lease only covers the move. */
  async drain(node: string, opts: DrainOptions = {}): Promise<DrainResult> {
    const peer = this.peerOf(node);
    const [status, mine, theirs] = await Promise.all([this.status(), this.facts(node), this.facts(peer).catch(() => null)]);
    if (mine.drained && !(mine.leased && opts.keep)) return { node, peer, method: mine.method, alreadyDrained: true, moved: [] };
    if (mine.drained) return this.finish(node, mine.method);
    const held = this.held(status, node);
    const no = await this.refusal(node, status, mine, held, opts.force, theirs);
    if (no) throw new SwitchoverRefused(no.why, no.hint);
    // Every address of every held instance: the drain, bridge and handoff cover them all.
    const vips = addressesOf(held);
    // A lease never runs out during the hold: the node would take its VIPs back mid-hold.
    const asked = opts.leaseSeconds ?? (opts.keep ? DRAIN_LEASE_SECONDS : undefined);
    const leaseSeconds = asked === undefined ? undefined : Math.max(asked, Math.ceil(this.holdMs() / 1000 + this.timeoutMs() / 1000) + 5);
    let peerDrained = false;
    // None when the peer is drained too (--force): nobody takes the VIPs.
    let handoff: Handoff | undefined;
    const t0 = await this.locked(async () => {
      // Checked again under the lock: another haops may have drained the peer since the facts.
      peerDrained = (await this.hosts[peer]!.exec(DRAINED_PROBE, { timeoutMs: 10_000 })).stdout.includes('drained yes');
      if (peerDrained && !opts.force)
        throw new SwitchoverRefused(
          `the peer ${peer} is drained itself: draining ${node} too would leave nobody to hold the VIPs`,
          `haops undrain INVENTORY ${peer} (or --force to take every VIP of the pair out of service)`,
        );
      this.pending = { node, vips, ...(leaseSeconds ? { leaseUntil: Date.now() + leaseSeconds * 1000 } : {}) };
      this.bridges = peerDrained ? null : { node, vips };
      // The peer is ready for the old holder's connections before the VIPs move.
      if (!peerDrained) handoff = await this.handOff(peer, vips, theirs?.handoff ?? 'no-nft');
      const at = Date.now();
      const lease = leaseSeconds ? { token: randomBytes(6).toString('hex'), seconds: leaseSeconds } : undefined;
      const r = await this.hosts[node]!.exec(
        drainScript(peerDrained ? [] : vips, this.pair.spec.interface, lease, this.selfRemoveSeconds()),
        {
          timeoutMs: 15_000,
        },
      );
      // An exec whose exit status went missing has been seen on the lab: ask the node itself.
      if (
        !r.stdout.includes(DRAINED_MARK) &&
        !(await this.facts(node).then(
          (f) => f.drained,
          () => false,
        ))
      ) {
        await this.undo();
        throw new SwitchoverRefused(
          `could not raise the drain flag on ${node} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim() || 'no output'}`,
        );
      }
      return at;
    });
    this.opts.log(
      `${node}: drain flag up${leaseSeconds ? ` (lease ${leaseSeconds} s: the node lifts it by itself if haops vanishes first)` : ''}; waiting for the VIPs on ${peer}`,
    );
    // Where each VIP went (to null: nobody took it) and how long after the flag it arrived.
    const drained = (to: (i: PairInstance) => { to: string | null; seconds: number | null }) => ({
      node,
      peer,
      method: mine.method,
      alreadyDrained: false,
      flagAt: t0,
      ...(handoff ? { handoff } : {}),
      moved: held.map((i) => ({ instance: i.spec.name, vip: i.vip, ...(i.vips.length > 1 ? { vips: addressesOf([i]) } : {}), ...to(i) })),
    });
    if (peerDrained) {
      // --force with the peer drained: nobody takes the VIPs; say so instead of waiting for them.
      if (opts.keep) await this.keepDrain(node);
      return drained(() => ({ to: null, seconds: null }));
    }
    const arrived = await this.until(peer, vips, true, t0, this.timeoutMs());
    const late = vips.filter((v) => arrived[v] === null);
    if (late.length) {
      await this.undo();
      throw new SwitchoverRefused(
        `${late.join(', ')} did not arrive on ${peer} within ${this.timeoutMs() / 1000} s; ${node} was undrained again`,
        `look at keepalived's log on both nodes (journalctl -u keepalived)`,
      );
    }
    // The peer holds the VIPs and has sent its gratuitous ARPs: requests still reaching this
    // node (directly, or handed off by the peer) finish here, then the bridge and handoff go.
    // `haops drain` is confirmed now (the VIPs are on the peer), before a hold as long as it likes.
    if (opts.keep) await this.keepDrain(node);
    const hold = await this.hold(node, vips);
    await Promise.all([this.unbridge(), this.endHandoff()]);
    // Still pending for a switchover round: it undoes the drain on any exit.
    // An instance has moved when its last VIP has arrived.
    return { ...drained((i) => ({ to: peer, seconds: secs(Math.max(...addressesOf([i]).map((v) => arrived[v]!))) })), hold };
  }

  /** The drain is the wanted end state (haops drain): the lease goes, no undo on exit. */
  private async keepDrain(node: string): Promise<void> {
    const r = await this.hosts[node]!.exec(keepScript(), { timeoutMs: 10_000 });
    if (!r.stdout.includes(KEPT_MARK))
      throw new SwitchoverRefused(
        `${node}: the drain flag is gone before haops could confirm it (its lease ran out, or someone undrained it)`,
        `haops drain INVENTORY ${node} again`,
      );
    this.pending = null;
  }

  /** A drain an earlier `haops drain` raised but never confirmed (it vanished): confirm it, wait
   * for every VIP of the pair on the peer, end any bridge left on the node. */
  private async finish(node: string, method: DrainMethod): Promise<DrainResult> {
    const peer = this.peerOf(node);
    await this.keepDrain(node);
    const vips = addressesOf(this.pair.instances);
    const on = await this.until(peer, vips, true, Date.now(), this.timeoutMs());
    await this.hosts[node]!.exec(unbridgeScript(vips, this.pair.spec.interface), { timeoutMs: 10_000 });
    const moved = this.pair.instances.map((i) => ({
      instance: i.spec.name,
      vip: i.vip,
      ...(i.vips.length > 1 ? { vips: addressesOf([i]) } : {}),
      to: addressesOf([i]).some((v) => on[v] === null) ? null : peer,
      seconds: null,
    }));
    return { node, peer, method, alreadyDrained: false, finished: true, moved };
  }

  async undrain(node: string, wait = true): Promise<UndrainResult> {
    const mine = await this.facts(node);
    const iface = this.pair.spec.interface;
    const comeBack = this.pair.instances.filter((i) => i.master === node && !i.math.nopreempt);
    const stayed = this.pair.instances.filter((i) => i.master === node && i.math.nopreempt).map((i) => i.spec.name);
    const vips = addressesOf(comeBack);
    // The preempting node sends its advert a moment before its gratuitous ARP: the peer keeps
    // answering on lo meanwhile, as the drained node did on the way out (lab: 1 s SYN retries without it).
    const peer = this.peerOf(node);
    const peerHeld = mine.drained ? vips : [];
    if (peerHeld.length)
      await this.hosts[peer]!.exec(
        unhandoffScript() + bridgeScript(peerHeld, iface, randomBytes(6).toString('hex'), this.selfRemoveSeconds()) + closingScript(),
        { timeoutMs: 10_000 },
      );
    // And this node sends the peer's connections on to it, as the peer did on the way out.
    const handoff = wait && peerHeld.length ? await this.handOff(node, peerHeld, mine.handoff) : undefined;
    const t0 = Date.now();
    const script = undrainScript(addressesOf(this.pair.instances), iface);
    let r = await this.hosts[node]!.exec(script, { timeoutMs: 15_000 });
    // Idempotent: once more when the node's answer went missing (seen on the lab), then give up.
    for (let attempt = 0; attempt < 2 && !r.stdout.includes(UNDRAINED_MARK); attempt++)
      r = await this.hosts[node]!.exec(script, { timeoutMs: 15_000 });
    if (!r.stdout.includes(UNDRAINED_MARK))
      throw new SwitchoverRefused(
        `could not remove the drain flag on ${node} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim() || 'no output'}`,
        `run on ${node}: rm -f ${DRAIN_FLAG}`,
      );
    this.pending = null;
    this.bridges = null;
    if (!wait || !mine.drained) return { node, wasDrained: mine.drained, returned: [], stayed, flagAt: t0 };
    const back = await this.until(node, vips, true, t0, this.timeoutMs());
    let hold: HoldResult | undefined;
    if (peerHeld.length) {
      hold = await this.hold(peer, peerHeld);
      await Promise.all([
        this.hosts[peer]!.exec(unbridgeScript(peerHeld, iface), { timeoutMs: 10_000 }).catch(() => undefined),
        this.endHandoff(),
      ]);
    }
    return {
      node,
      wasDrained: true,
      ...(handoff ? { handoff } : {}),
      ...(hold ? { hold } : {}),
      returned: comeBack.map((i) => ({
        instance: i.spec.name,
        vip: i.vip,
        ...(i.vips.length > 1 ? { vips: addressesOf([i]) } : {}),
        to: node,
        seconds: secs(Math.max(...addressesOf([i]).map((v) => back[v]!))),
      })),
      stayed,
      flagAt: t0,
    };
  }

  private async unbridge(): Promise<void> {
    const b = this.bridges;
    if (!b) return;
    await this.hosts[b.node]!.exec(unbridgeScript(b.vips, this.pair.spec.interface), { timeoutMs: 10_000 });
    this.bridges = null;
  }

  /** Undoes a drain this run started and did not finish (error, Ctrl-C, lost connection). When
   * the node cannot be reached, says what state it may be in and how to undo it. */
  async undo(): Promise<void> {
    await this.endHandoff();
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.bridges = null;
    // A lost connection does not come back (no reconnect): a few tries, then the honest message.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const r = await this.hosts[p.node]!.exec(undrainScript(p.vips, this.pair.spec.interface), { timeoutMs: 10_000 });
        if (r.stdout.includes(UNDRAINED_MARK)) return;
      } catch {
        /* connection lost: try again */
      }
      await sleep(1000);
    }
    const inv = this.opts.inventory ?? 'INVENTORY';
    const lifts = p.leaseUntil
      ? ` It was raised with a lease: ${p.node} lifts it by itself at ${new Date(p.leaseUntil).toISOString().slice(11, 19)} UTC if nobody confirms it.`
      : '';
    this.opts.log(
      `could not reach ${p.node} to undo its drain: its drain flag may still be up (it then holds no VIP).${lifts} Run \`haops undrain ${inv} ${p.node}\` to put it back in service, or \`haops drain ${inv} ${p.node}\` to finish the drain; either converges.`,
    );
  }

  /** A round measured from this machine: drain the holder, undrain it, probe HTTP throughout. */
  /** What a round's trace is drawn from: VIP add/del on each node as seen here (ip monitor), this
   * machine's neighbour entry per VIP, and the nodes' MACs. */
  private async traceStart(vips: string[]) {
    const events: RoundTrace['vipEvents'] = [];
    const macs: Record<string, string> = {};
    const streams = await Promise.all(
      this.pair.nodes.map(async (node) => {
        const r = await this.hosts[node]!.exec(`ip -o link show dev ${shellQuote(this.pair.spec.interface)}`, { timeoutMs: 5000 });
        const m = /link\/ether ([0-9a-f:]{17})/.exec(r.stdout);
        if (m) macs[node] = m[1]!;
        return this.hosts[node]!.stream('exec ip -o monitor address', (line, at) => {
          for (const vip of vips) {
            const kind = parseMonitorLine(line, vip);
            // The bridge on lo is not holding the VIP: only the pair's interface counts.
            if (kind && line.includes(` ${this.pair.spec.interface} `)) events.push({ node, vip, kind, at });
          }
        });
      }),
    );
    const neighs = vips.map((v) => NeighbourWatch.start(v));
    return { events, macs, streams, neighs };
  }

  private async traceEnd(
    w: Awaited<ReturnType<PairOps['traceStart']>>,
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
      this.pair.nodes.map(async (node) => {
        const out = await this.hosts[node]!.exec(`tail -n 400 ${shellQuote(this.pair.spec.notify.log)} 2>/dev/null`, {
          timeoutMs: 10_000,
        }).catch(() => null);
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
    const from = this.pair.probeFrom;
    return from.kind === 'host' ? this.hosts[from.host] : undefined;
  }

  /**
   * The user's path, asked every 20 ms from where the inventory says clients are: this machine,
   * or the probe host (one streamed loop per VIP there, its marks moved onto our clock).
   * `probe: none` still probes from here, as the drill does: a switchover unmeasured proves nothing.
   */
  private async startProbes(vips: string[]): Promise<RoundProbe[]> {
    const port = this.pair.spec.nginx.listen;
    const host = this.probeHost();
    if (!host) {
      const probes = vips.map(
        (vip) => new SwitchoverProbe(vip, port, this.opts.connections ?? KEPT_ALIVE_CONNECTIONS, 20, 2000, this.pair.health.tls),
      );
      for (const p of probes) p.start();
      return probes;
    }
    const offset = await probeHostOffset(host);
    if (offset === null)
      throw new SwitchoverRefused(`cannot read the clock of probe host ${host.name} (date +%s%N): its probe marks could not be timed`);
    const probes = vips.map((vip) => new RemoteSwitchoverProbe(host, vip, port, offset, 20, 2000, this.pair.health.tls));
    await Promise.all(probes.map((p) => p.start()));
    const problem = probes.find((p) => p.problem)?.problem;
    if (problem) {
      await Promise.all(probes.map((p) => p.stop()));
      throw new SwitchoverRefused(problem);
    }
    return probes;
  }

  async round(
    n: number,
    target: { node?: string; instance?: PairInstance; leaseSeconds?: number; trace?: boolean },
  ): Promise<SwitchoverRound> {
    const before = await this.status();
    const sick = before.nodes
      .filter((x) => !x.reachable || !x.keepalived || !x.nginx || x.drained)
      .map((x) => `${x.host}${x.drained ? ' (drained)' : ''}`);
    if (sick.length) throw new SwitchoverRefused(`not every node of pair ${this.pair.name} is healthy and in service: ${sick.join(', ')}`);
    const bad = before.instances.find((i) => i.verdict !== 'ok');
    if (bad) throw new SwitchoverRefused(bad.problem ?? `${bad.vip}: ${bad.verdict}`);
    const holderOf = (i: PairInstance) => before.instances.find((s) => s.instance === i.spec.name)!.holders[0]!;
    const from = target.node ?? holderOf(target.instance ?? this.pair.instances[0]!);
    const to = this.peerOf(from);
    const moving = this.held(before, from);
    if (!moving.length) throw new SwitchoverRefused(`${from} holds no VIP: nothing would move`);
    const port = this.pair.spec.nginx.listen;
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
            : 'from a machine off the clients\' LAN, name a probe host on it: probe: { from: HOST } (README, "Where the user\'s path is asked from")',
        );
      this.opts.log(`round ${n}: draining ${from} (holder of ${addressesOf(moving).join(', ')})`);
      const t0 = Date.now();
      // If haops vanishes mid-round, the node undrains itself: a round takes a few seconds.
      const drained = await this.drain(from, { leaseSeconds: target.leaseSeconds ?? SELF_UNDRAIN_SECONDS });
      // From the flag going up, not from the checks before it.
      const flagAt = drained.flagAt ?? t0;
      const answered = await Promise.all(probes.map((p) => firstAnswer(p, to, flagAt, this.timeoutMs())));
      await sleep(500);
      this.opts.log(`round ${n}: undraining ${from}`);
      const back1 = await this.undrain(from);
      const t1 = back1.flagAt;
      undrained = true;
      const back = await Promise.all(
        moving.map((i, k) => (i.math.nopreempt ? Promise.resolve(null) : firstAnswer(probes[k]!, from, t1, this.timeoutMs()))),
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
      if (!undrained) await this.undo();
    }
  }

  /** Waits (up to 20 s) until every VIP is back on its holder from before, served, and nothing is drained. */
  private async settled(before: PairStatus): Promise<{ ok: true } | { ok: false; why: string }> {
    const deadline = Date.now() + 20_000;
    let why = '';
    for (;;) {
      const now = await this.status().catch(() => null);
      if (now) {
        const wrong = now.instances.filter((i) => {
          const was = before.instances.find((b) => b.instance === i.instance)!;
          const inst = this.pair.instances.find((x) => x.spec.name === i.instance)!;
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

/** Every address of these instances, in order: what the node scripts and watches cover. */
export function addressesOf(instances: readonly PairInstance[]): string[] {
  return instances.flatMap((i) => i.vips.map((v) => v.address));
}

export function summarise(rounds: SwitchoverRound[]): SwitchoverReport['stats'] {
  return {
    switchoverSeconds: stats(rounds.map((r) => r.switchoverSeconds)),
    switchbackSeconds: stats(rounds.map((r) => r.switchbackSeconds)),
    worstLatencySeconds: stats(rounds.map((r) => r.worstLatencySeconds)),
  };
}

// Drain and undrain of one pair's nodes, as a state machine whose every state has an undo: a drain
// moves every VIP a node holds to its healthy peer with no window without a holder (the drained
// node answers on lo until the peer holds the VIP); every exit path undoes what this run started.
import { randomBytes } from 'node:crypto';
import type { PairInstance } from '../model/derive.js';
import type { PairStatus } from '../status/status.js';
import { bind } from '../protocol/script.js';
import { DRAIN_FLAG, DRAINED, parseDrained, type DrainMethod } from '../protocol/drain-flag.js';
import { BRIDGE_BACK, DRAIN, DRAINED_MARK, KEEP, KEPT_MARK, UNDRAIN, UNDRAINED_MARK } from '../protocol/drain.js';
import { UNBRIDGE } from '../protocol/bridge.js';
import { SwitchoverRefused, addressesOf, secs, sleep, type DrainFacts, type PairNodes } from './pair.js';
import { endHandoff, isRunning, loadHandoff, planHandoff, type Handoff, type RunningHandoff } from './handoff.js';
import { hold, unbridge, type HoldResult } from './bridge.js';
import { withPairLock } from './lock.js';

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

/**
 * Where what this run started on the pair stands, each state with its undo (Drains.undo):
 * - in service: nothing of this run is on the nodes (or its drain is confirmed, the wanted end). Undo: nothing.
 * - handing off: a handoff runs (on the peer before a drain's flag, on a node being undrained, or
 *   during a confirmed drain's hold). Undo: end it.
 * - moving: this run's drain flag is up, with its bridge or a handoff still in place. Undo: end the
 *   handoff, then lower the flag and the bridges.
 * - drained: this run's drain flag is up, the move done (a switchover round before its undrain).
 *   Undo: lower the flag.
 */
export type DrainState = 'in service' | 'handing off' | 'moving' | 'drained';

const UNDO: Record<DrainState, (d: Drains) => Promise<void>> = {
  'in service': async () => {},
  'handing off': (d) => d.endHandoff(),
  moving: async (d) => {
    await d.endHandoff();
    await d.lowerFlag();
  },
  drained: (d) => d.lowerFlag(),
};

/** Drain and undrain on one pair's nodes, with the undo of what this run started. */
export class Drains {
  /** A drain flag this run raised and has neither confirmed nor lowered. */
  private flag: { node: string; vips: string[]; leaseUntil?: number } | null = null;
  /** This run's bridge on the drained node, until its hold ends. */
  private bridged: { node: string; vips: string[] } | null = null;
  /** A handoff this run started (on the peer taking the VIPs). */
  private handing: RunningHandoff | null = null;

  constructor(readonly nodes: PairNodes) {}

  get state(): DrainState {
    if (this.flag) return this.bridged || this.handing ? 'moving' : 'drained';
    return this.handing ? 'handing off' : 'in service';
  }

  /** Undoes what this run started and did not finish (error, Ctrl-C, lost connection). */
  async undo(): Promise<void> {
    await UNDO[this.state](this);
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
    const { nodes } = this;
    const peer = nodes.peerOf(node);
    const ps = status.nodes.find((n) => n.host === peer)!;
    const ns = status.nodes.find((n) => n.host === node)!;
    if (!ns.reachable) return { why: `${node} does not answer: ${ns.error ?? 'unreachable'}` };
    if (!ps.reachable) return { why: `the peer ${peer} does not answer (${ps.error ?? 'unreachable'}): nobody could take the VIPs` };
    const theirs = peerFacts ?? (await nodes.facts(peer));
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
        why: `HTTP through the peer's own address (${nodes.ip(peer)}:${nodes.pair.spec.nginx.listen}) does not answer as ${peer}${mine.peerHttp ? ` (answered: ${mine.peerHttp})` : ''}`,
      };
    return null;
  }

  /** Starts a handoff on `node` for `moving` when it can (state: handing off); says how it went. */
  private async handOff(node: string, moving: string[], can: DrainFacts['handoff']): Promise<Handoff> {
    const plan = planHandoff(this.nodes, node, moving, can);
    if (!isRunning(plan)) return plan;
    this.handing = plan;
    const loaded = await loadHandoff(this.nodes, plan);
    if (!loaded.on) this.handing = null;
    return loaded;
  }

  /** Ends this run's handoff (the undo of handing off), noting the packets it handed on. */
  async endHandoff(): Promise<void> {
    const h = this.handing;
    if (!h) return;
    this.handing = null;
    await endHandoff(this.nodes, h);
  }

  /** Ends this run's bridge after its hold. */
  private async endBridge(): Promise<void> {
    const b = this.bridged;
    if (!b) return;
    await unbridge(this.nodes, b.node, b.vips);
    this.bridged = null;
  }

  /** Lowers this run's drain flag and bridges (the undo of a drain). When the node cannot be
   * reached, says what state it may be in and how to undo it. */
  async lowerFlag(): Promise<void> {
    const p = this.flag;
    if (!p) return;
    this.flag = null;
    this.bridged = null;
    // A lost connection does not come back (no reconnect): a few tries, then the honest message.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const r = await this.nodes.host(p.node).exec(bind(UNDRAIN, { VIPS: p.vips, IFACE: this.nodes.pair.spec.interface }), {
          timeoutMs: 10_000,
        });
        if (r.stdout.includes(UNDRAINED_MARK)) return;
      } catch {
        /* connection lost: try again */
      }
      await sleep(1000);
    }
    const inv = this.nodes.opts.inventory ?? 'INVENTORY';
    const lifts = p.leaseUntil
      ? ` It was raised with a lease: ${p.node} lifts it by itself at ${new Date(p.leaseUntil).toISOString().slice(11, 19)} UTC if nobody confirms it.`
      : '';
    this.nodes.opts.log(
      `could not reach ${p.node} to undo its drain: its drain flag may still be up (it then holds no VIP).${lifts} Run \`haops undrain ${inv} ${p.node}\` to put it back in service, or \`haops drain ${inv} ${p.node}\` to finish the drain; either converges.`,
    );
  }

  /** Moves every VIP `node` holds to its peer. A switchover passes a lease (the round lifts it); a
   * plain drain passes keep, and its lease only covers the move. */
  async drain(node: string, opts: DrainOptions = {}): Promise<DrainResult> {
    const { nodes } = this;
    const peer = nodes.peerOf(node);
    const [status, mine, theirs] = await Promise.all([nodes.status(), nodes.facts(node), nodes.facts(peer).catch(() => null)]);
    if (mine.drained && !(mine.leased && opts.keep)) return { node, peer, method: mine.method, alreadyDrained: true, moved: [] };
    if (mine.drained) return this.finish(node, mine.method);
    const held = nodes.held(status, node);
    const no = await this.refusal(node, status, mine, held, opts.force, theirs);
    if (no) throw new SwitchoverRefused(no.why, no.hint);
    // Every address of every held instance: the drain, bridge and handoff cover them all.
    const vips = addressesOf(held);
    // A lease never runs out during the hold: the node would take its VIPs back mid-hold.
    const asked = opts.leaseSeconds ?? (opts.keep ? DRAIN_LEASE_SECONDS : undefined);
    const leaseSeconds = asked === undefined ? undefined : Math.max(asked, Math.ceil(nodes.holdMs() / 1000 + nodes.timeoutMs() / 1000) + 5);
    let peerDrained = false;
    // None when the peer is drained too (--force): nobody takes the VIPs.
    let handoff: Handoff | undefined;
    const t0 = await withPairLock(nodes, async () => {
      // Checked again under the lock: another haops may have drained the peer since the facts.
      peerDrained = parseDrained((await nodes.host(peer).exec(bind(DRAINED, {}), { timeoutMs: 10_000 })).stdout);
      if (peerDrained && !opts.force)
        throw new SwitchoverRefused(
          `the peer ${peer} is drained itself: draining ${node} too would leave nobody to hold the VIPs`,
          `haops undrain INVENTORY ${peer} (or --force to take every VIP of the pair out of service)`,
        );
      this.flag = { node, vips, ...(leaseSeconds ? { leaseUntil: Date.now() + leaseSeconds * 1000 } : {}) };
      this.bridged = peerDrained ? null : { node, vips };
      // The peer is ready for the old holder's connections before the VIPs move.
      if (!peerDrained) handoff = await this.handOff(peer, vips, theirs?.handoff ?? 'no-nft');
      const at = Date.now();
      // One token for the lease and the bridge: a bridge's timer and the lease's are the same run's.
      const token = randomBytes(6).toString('hex');
      const r = await nodes.host(node).exec(
        bind(DRAIN, {
          VIPS: peerDrained ? [] : vips,
          IFACE: nodes.pair.spec.interface,
          TOKEN: token,
          BRIDGE_SECONDS: nodes.selfRemoveSeconds(),
          LEASE_TOKEN: leaseSeconds ? token : '',
          LEASE_SECONDS: leaseSeconds ?? 0,
        }),
        { timeoutMs: 15_000 },
      );
      // An exec whose exit status went missing has been seen on the lab: ask the node itself.
      if (
        !r.stdout.includes(DRAINED_MARK) &&
        !(await nodes.facts(node).then(
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
    nodes.opts.log(
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
      if (opts.keep) await this.keep(node);
      return drained(() => ({ to: null, seconds: null }));
    }
    const arrived = await nodes.until(peer, vips, true, t0, nodes.timeoutMs());
    const late = vips.filter((v) => arrived[v] === null);
    if (late.length) {
      await this.undo();
      throw new SwitchoverRefused(
        `${late.join(', ')} did not arrive on ${peer} within ${nodes.timeoutMs() / 1000} s; ${node} was undrained again`,
        `look at keepalived's log on both nodes (journalctl -u keepalived)`,
      );
    }
    // The peer holds the VIPs and has sent its gratuitous ARPs: requests still reaching this
    // node (directly, or handed off by the peer) finish here, then the bridge and handoff go.
    // `haops drain` is confirmed now (the VIPs are on the peer), before a hold as long as it likes.
    if (opts.keep) await this.keep(node);
    const holdResult = await hold(nodes, node, vips, Boolean(this.handing?.covers6));
    await Promise.all([this.endBridge(), this.endHandoff()]);
    // Still this run's flag for a switchover round (state drained): it undoes the drain on any exit.
    // An instance has moved when its last VIP has arrived.
    return { ...drained((i) => ({ to: peer, seconds: secs(Math.max(...addressesOf([i]).map((v) => arrived[v]!))) })), hold: holdResult };
  }

  /** The drain is the wanted end state (haops drain): the lease goes, no undo on exit. */
  private async keep(node: string): Promise<void> {
    const r = await this.nodes.host(node).exec(bind(KEEP, {}), { timeoutMs: 10_000 });
    if (!r.stdout.includes(KEPT_MARK))
      throw new SwitchoverRefused(
        `${node}: the drain flag is gone before haops could confirm it (its lease ran out, or someone undrained it)`,
        `haops drain INVENTORY ${node} again`,
      );
    this.flag = null;
  }

  /** A drain an earlier `haops drain` raised but never confirmed (it vanished): confirm it, wait
   * for every VIP of the pair on the peer, end any bridge left on the node. */
  private async finish(node: string, method: DrainMethod): Promise<DrainResult> {
    const { nodes } = this;
    const peer = nodes.peerOf(node);
    await this.keep(node);
    const vips = addressesOf(nodes.pair.instances);
    const on = await nodes.until(peer, vips, true, Date.now(), nodes.timeoutMs());
    await unbridge(nodes, node, vips);
    const moved = nodes.pair.instances.map((i) => ({
      instance: i.spec.name,
      vip: i.vip,
      ...(i.vips.length > 1 ? { vips: addressesOf([i]) } : {}),
      to: addressesOf([i]).some((v) => on[v] === null) ? null : peer,
      seconds: null,
    }));
    return { node, peer, method, alreadyDrained: false, finished: true, moved };
  }

  async undrain(node: string, wait = true): Promise<UndrainResult> {
    const { nodes } = this;
    const mine = await nodes.facts(node);
    const iface = nodes.pair.spec.interface;
    const comeBack = nodes.pair.instances.filter((i) => i.master === node && !i.math.nopreempt);
    const stayed = nodes.pair.instances.filter((i) => i.master === node && i.math.nopreempt).map((i) => i.spec.name);
    const vips = addressesOf(comeBack);
    // The preempting node sends its advert a moment before its gratuitous ARP: the peer keeps
    // answering on lo meanwhile, as the drained node did on the way out (lab: 1 s SYN retries without it).
    const peer = nodes.peerOf(node);
    const peerHeld = mine.drained ? vips : [];
    if (peerHeld.length)
      await nodes.host(peer).exec(
        bind(BRIDGE_BACK, {
          VIPS: peerHeld,
          IFACE: iface,
          TOKEN: randomBytes(6).toString('hex'),
          BRIDGE_SECONDS: nodes.selfRemoveSeconds(),
        }),
        {
          timeoutMs: 10_000,
        },
      );
    // And this node sends the peer's connections on to it, as the peer did on the way out.
    const handoff = wait && peerHeld.length ? await this.handOff(node, peerHeld, mine.handoff) : undefined;
    const t0 = Date.now();
    const script = bind(UNDRAIN, { VIPS: addressesOf(nodes.pair.instances), IFACE: iface });
    let r = await nodes.host(node).exec(script, { timeoutMs: 15_000 });
    // Idempotent: once more when the node's answer went missing (seen on the lab), then give up.
    for (let attempt = 0; attempt < 2 && !r.stdout.includes(UNDRAINED_MARK); attempt++)
      r = await nodes.host(node).exec(script, { timeoutMs: 15_000 });
    if (!r.stdout.includes(UNDRAINED_MARK))
      throw new SwitchoverRefused(
        `could not remove the drain flag on ${node} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim() || 'no output'}`,
        `run on ${node}: rm -f ${DRAIN_FLAG}`,
      );
    this.flag = null;
    this.bridged = null;
    if (!wait || !mine.drained) return { node, wasDrained: mine.drained, returned: [], stayed, flagAt: t0 };
    const back = await nodes.until(node, vips, true, t0, nodes.timeoutMs());
    let held: HoldResult | undefined;
    if (peerHeld.length) {
      held = await hold(nodes, peer, peerHeld, Boolean(this.handing?.covers6));
      await Promise.all([
        nodes
          .host(peer)
          .exec(bind(UNBRIDGE, { VIPS: peerHeld, IFACE: iface }), { timeoutMs: 10_000 })
          .catch(() => undefined),
        this.endHandoff(),
      ]);
    }
    return {
      node,
      wasDrained: true,
      ...(handoff ? { handoff } : {}),
      ...(held ? { hold: held } : {}),
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
}

/** An undrain did what it should: every VIP that was to come back is back. */
export const allReturned = (r: UndrainResult): boolean => r.returned.every((x) => x.seconds !== null);

// One pair's nodes as drain, undrain and switchover see them: who is whose peer, what each says
// (drain facts, status), where the VIPs are, and the times every step waits by. Holds no state of
// a drain: that is drain.ts's state machine.
import { drainMethod } from '../render/drain.js';
import { PATHS } from '../render/index.js';
import { hostIp, type Model, type PairInstance, type PairModel } from '../model/derive.js';
import type { Host } from '../ssh/host.js';
import { pairStatus, type PairStatus } from '../status/status.js';
import { bind } from '../protocol/script.js';
import type { DrainMethod } from '../protocol/drain-flag.js';
import { ADDRESSES, DRAIN_FACTS, parseAddresses, parseDrainFacts, type DrainFacts as NodeDrainFacts } from '../protocol/drain.js';
import { BRIDGE_SELF_REMOVE_SECONDS } from '../protocol/bridge.js';

export class SwitchoverRefused extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SwitchoverRefused';
  }
}

/** The default limit of a hold (--hold): long enough for a 10 s download to finish on the old
 * holder; a hold ends as soon as no connection is left there. */
export const HOLD_LIMIT_SECONDS = 30;

export interface PairOptions {
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

/** A node's drain facts, with the method its drain runs by: the hook deployed, else what its version allows. */
export type DrainFacts = NodeDrainFacts & { method: DrainMethod };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const secs = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

/** Every address of these instances, in order: what the node scripts and watches cover. */
export function addressesOf(instances: readonly PairInstance[]): string[] {
  return instances.flatMap((i) => i.vips.map((v) => v.address));
}

export class PairNodes {
  constructor(
    readonly pair: PairModel,
    readonly model: Pick<Model, 'hosts'>,
    readonly hosts: Record<string, Host>,
    readonly opts: PairOptions,
  ) {}

  host(node: string): Host {
    return this.hosts[node]!;
  }

  peerOf(node: string): string {
    return this.pair.nodes.find((n) => n !== node)!;
  }

  ip(node: string): string {
    return hostIp(this.model.hosts[node]!)!;
  }

  /** The most a hold lasts after the peer holds the VIPs. */
  holdMs(): number {
    return this.opts.bridgeHoldMs ?? HOLD_LIMIT_SECONDS * 1000;
  }

  /** How long a bridge or handoff lives by itself if haops vanishes: longer than any hold. */
  selfRemoveSeconds(): number {
    return BRIDGE_SELF_REMOVE_SECONDS + Math.ceil(this.holdMs() / 1000);
  }

  timeoutMs(): number {
    // The peer's master-down timer is the slowest path: 3 adverts and the skew, then some slack.
    // An instance without advert_int takes the pair's profile's (classic 1 s, fast 0.2 s).
    return Math.max(...this.pair.instances.map((i) => i.spec.advert_int ?? this.pair.failover.advertInt)) * 4000 + 6000;
  }

  async facts(node: string): Promise<DrainFacts> {
    const r = await this.host(node).exec(
      bind(DRAIN_FACTS, {
        KEEPALIVED_CONF: PATHS.keepalived,
        PEER_URL: `http://${this.ip(this.peerOf(node))}:${this.pair.spec.nginx.listen}/haops-health`,
      }),
      { timeoutMs: 15_000 },
    );
    const f = parseDrainFacts(r.stdout);
    return { ...f, method: f.hook ?? drainMethod(f.keepalivedVersion) };
  }

  async status(): Promise<PairStatus> {
    return pairStatus(this.pair, async (n) => this.host(n));
  }

  /** The instances whose VIP sits on `node`'s interface. */
  held(status: PairStatus, node: string): PairInstance[] {
    return this.pair.instances.filter((i) => status.instances.find((s) => s.instance === i.spec.name)?.holders.includes(node));
  }

  /** Polls until `node` holds every VIP on the pair's interface (true) or the time is up. */
  async until(node: string, vips: string[], holds: boolean, since: number, timeoutMs: number): Promise<Record<string, number | null>> {
    const seen: Record<string, number | null> = Object.fromEntries(vips.map((v) => [v, null]));
    while (Date.now() < since + timeoutMs && Object.values(seen).some((x) => x === null)) {
      const r = await this.host(node)
        .exec(bind(ADDRESSES, { IFACE: this.pair.spec.interface }), { timeoutMs: 5000 })
        .catch(() => null);
      const on = r ? parseAddresses(r.stdout) : [];
      for (const v of vips) if (seen[v] === null && r && on.includes(v) === holds) seen[v] = Date.now() - since;
      await sleep(50);
    }
    return seen;
  }
}

// The bridge's end of a move: the old holder keeps serving the connections already on it (on lo,
// each next response saying Connection: close) for a hold, then its bridge goes.
import { bind } from '../protocol/script.js';
import { CONNECTIONS, UNBRIDGE, parseConnections } from '../protocol/bridge.js';
import { secs, sleep, type PairNodes } from './pair.js';

/** The shortest hold: a client whose ARP entry missed the gratuitous ARP still reaches the old holder. */
export const HOLD_MIN_MS = 1000;

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

/**
 * After a move: the old holder `node` still serves the connections on it (its responses say
 * Connection: close, so kept-alive clients reconnect to the new holder after their request),
 * for at least HOLD_MIN_MS (ARP caches that missed the gratuitous ARP) and until no connection
 * to the VIPs is left there, or the limit. `handedOn6`: the running handoff covers IPv6 VIPs.
 */
export async function hold(nodes: PairNodes, node: string, vips: string[], handedOn6: boolean): Promise<HoldResult> {
  const t0 = Date.now();
  const limit = nodes.holdMs();
  await sleep(Math.min(HOLD_MIN_MS, limit));
  let left: number | null = null;
  // Without a handoff for IPv6, a connection to an IPv6 VIP left here can never finish: the
  // client's next packet reaches the new holder (after its neighbour advertisement), which resets
  // it. Waiting for it only stretches the hold to its limit (lab: 15-30 s instead of 1 s).
  const awaited = handedOn6 ? vips : vips.filter((v) => !v.includes(':'));
  for (;;) {
    const r = awaited.length
      ? await nodes
          .host(node)
          .exec(bind(CONNECTIONS, { VIPS: awaited, PORT: nodes.pair.spec.nginx.listen }), { timeoutMs: 5000 })
          .catch(() => null)
      : { stdout: 'conns 0\n' };
    left = r ? parseConnections(r.stdout) : null;
    if (left === 0 || Date.now() - t0 >= limit) break;
    await sleep(Math.min(250, Math.max(0, t0 + limit - Date.now())));
  }
  const result = { node, seconds: secs(Date.now() - t0)!, connectionsLeft: left, emptied: left === 0 };
  if (left)
    nodes.opts.log(
      `${node}: ${left} connection(s) still on ${vips.join(', ')} after the ${limit / 1000} s hold (--hold): they are cut now`,
    );
  return result;
}

/** Ends the bridges on `node`: the peer holds the VIPs and has announced them. */
export async function unbridge(nodes: PairNodes, node: string, vips: string[]): Promise<void> {
  await nodes.host(node).exec(bind(UNBRIDGE, { VIPS: vips, IFACE: nodes.pair.spec.interface }), { timeoutMs: 10_000 });
}

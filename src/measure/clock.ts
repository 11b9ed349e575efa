// The measuring room's clock and readings, shared by the drill, the switchover and the soak: the
// VIP monitor's lines, each node's clock against ours, the notify log's transitions, and the
// min/median/max of a run's rounds.
import type { RoundTrace } from './trace.js';

/**
 * `ip [-ts] -o monitor address` lines: "[TS] 3: eth0    inet 198.18.0.100/24 ..." and "Deleted 3: eth0 ...";
 * an IPv6 VIP as "inet6 2001:2::100/64 scope global nodad ..." (`vip` in canonical form, as ip prints it).
 * A tentative IPv6 address (duplicate address detection running) does not answer yet: not an add.
 */
export function parseMonitorLine(line: string, vip: string): 'add' | 'del' | null {
  const m = /^(?:\[[^\]]+\]\s*)?(Deleted\s+)?\d+:\s+\S+\s+inet(6?)\s+([0-9A-Fa-f.:]+)\/\d+(.*)$/.exec(line.trim());
  if (!m || m[3] !== vip) return null;
  if (m[1]) return 'del';
  return m[2] && /\b(tentative|dadfailed)\b/.test(m[4]!) ? null : 'add';
}

/** The node's own time of an `ip -ts` line (its local time, with its `date +%z` offset), or null. */
export function monitorTime(line: string, tz: string | undefined): number | null {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?\]/.exec(line.trim());
  const z = tz && /^([+-])(\d\d)(\d\d)$/.exec(tz);
  if (!m || !z) return null;
  const t = Date.parse(`${m[1]}.${(m[2] ?? '0').padEnd(3, '0').slice(0, 3)}${z[1]}${z[2]}:${z[3]}`);
  return Number.isNaN(t) ? null : t;
}

/**
 * When a line reached haops: normally the receive time; but when the node's own stamp is more
 * than a second older (the link was down, as in node-isolate), the node's stamp.
 */
export function eventTime(receivedAt: number, nodeTime: number | null, offsetMs?: number): number {
  // With the node's clock offset known, the node's stamp is the event's time, on our clock.
  if (nodeTime !== null && offsetMs !== undefined) return nodeTime - offsetMs;
  return nodeTime !== null && receivedAt - nodeTime > 1000 ? nodeTime : receivedAt;
}

/** A node's clock against ours from `date` round trips: the best (shortest) of a few. */
export function clockFrom(
  samples: { sentAt: number; receivedAt: number; nodeMs: number }[],
): { offsetMs: number; oneWayMs: number } | null {
  const best = samples.filter((s) => Number.isFinite(s.nodeMs)).sort((a, b) => a.receivedAt - a.sentAt - (b.receivedAt - b.sentAt))[0];
  if (!best) return null;
  return { offsetMs: best.nodeMs - (best.sentAt + best.receivedAt) / 2, oneWayMs: (best.receivedAt - best.sentAt) / 2 };
}

/** State changes in a node's notify log ("TIME host=H pair=P instance=I state=S priority=N"), within [from, to]. */
export function notifyLogStates(node: string, text: string, from: number, to: number): RoundTrace['states'] {
  const out: RoundTrace['states'] = [];
  for (const line of text.split('\n')) {
    // Channel outcome lines and notify-test calls carry more fields: only the transition itself counts.
    const m = /^(\S+) host=\S+ pair=\S+ instance=(\S+) state=([A-Z]+) priority=\d+$/.exec(line.trim());
    if (!m) continue;
    const at = Date.parse(m[1]!);
    if (Number.isFinite(at) && at >= from && at <= to) out.push({ node, instance: m[2]!, state: m[3]!, at });
  }
  return out;
}

export function stats(values: (number | null)[]): { min: number; median: number; max: number } | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : Math.round(((v[mid - 1]! + v[mid]!) / 2) * 1000) / 1000;
  return { min: v[0]!, median, max: v[v.length - 1]! };
}

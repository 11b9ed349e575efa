// What a measured move (drill, switchover) reads on the nodes besides its own scripts: the node's
// clock, the interface's MAC, VIP add/del as ip monitor prints them, and the notify log's tail.
import { nodeScript } from './script.js';

/** The node's clock in nanoseconds: one of the round trips that give its offset from ours. */
export const NODE_CLOCK = nodeScript('node clock', {}, 'date +%s%N');

/** The node-clock time (ms) NODE_CLOCK printed, or null. */
export function parseNodeClock(stdout: string): number | null {
  const out = stdout.trim();
  return /^\d{10,}$/.test(out) ? Number(out) / 1e6 : null;
}

/** The interface's line from ip (sysfs shows the host's interfaces inside nspawn nodes: field notes). */
export const NODE_MAC = nodeScript('interface MAC', { IFACE: 'eth0' }, 'ip -o link show dev "$IFACE"');

export const parseMac = (stdout: string): string | null => /link\/ether ([0-9a-f:]{17})/.exec(stdout)?.[1] ?? null;

/** Address adds and deletes as they happen, one line each (clock.ts: parseMonitorLine); exec, so
 * ending the stream ends ip. */
export const ADDRESS_MONITOR = nodeScript('address monitor', {}, 'exec ip -o monitor address');

/** ADDRESS_MONITOR with each line stamped on the node (-ts), after a `tz +HHMM` line that says
 * how to read the stamps; an older iproute without -ts gives plain lines. */
export const STAMPED_ADDRESS_MONITOR = nodeScript(
  'address monitor, stamped on the node',
  {},
  "date +'tz %z'; ip -ts -o monitor address 2>/dev/null || exec ip -o monitor address",
);

/** The notify log's last lines (clock.ts: notifyLogStates reads them); nothing when there is none. */
export const NOTIFY_LOG_TAIL = nodeScript('notify log tail', { LOG: '/var/log/keepalived.notify.log' }, 'tail -n 400 "$LOG" 2>/dev/null');

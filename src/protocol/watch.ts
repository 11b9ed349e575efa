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

/** keepalived's log as it is written: the journal on a systemd node, else syslog's file. */
export const KEEPALIVED_LOG_FOLLOW = nodeScript(
  'keepalived log follow',
  {},
  'if command -v journalctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then exec journalctl -f -n 0 -o short-iso -u keepalived; else exec tail -n 0 -F /var/log/messages; fi',
);

/** The notify log's new lines as they are written (the soak counts the notifications). */
export const NOTIFY_LOG_FOLLOW = nodeScript(
  'notify log follow',
  { LOG: '/var/log/keepalived.notify.log' },
  'exec tail -n 0 -F "$LOG" 2>/dev/null',
);

/** The keepalived a node runs and whether it runs in a container: what the drill fits its expected failover to. */
export const KEEPALIVED_TARGET = nodeScript(
  'keepalived version and container',
  {},
  'keepalived -v 2>&1 | head -1\necho @@\nsystemd-detect-virt --container 2>/dev/null || echo none',
);

/** Its answer: keepalived's first line, and systemd-detect-virt's. */
export function splitKeepalivedTarget(stdout: string): { version: string; container: string } {
  const [version, container] = stdout.split('@@\n');
  return { version: version ?? '', container: container ?? '' };
}

/**
 * Writes the drill's token (read from stdin) where the notify script looks for it: a root-only
 * directory under /run, a symlink there removed first; written aside, then moved into place.
 */
export const WRITE_NOTIFY_TOKEN = nodeScript(
  'notify token write',
  { TOKEN_FILE: '/run/haops/notify.token' },
  `umask 077
d=\${TOKEN_FILE%/*}
[ -L "$d" ] && rm -f "$d"
mkdir -p "$d" && chown root:root "$d" && chmod 0700 "$d" || exit 1
t="$TOKEN_FILE.$$"
cat > "$t" && mv -f "$t" "$TOKEN_FILE"`,
);

export const REMOVE_NOTIFY_TOKEN = nodeScript('notify token remove', { TOKEN_FILE: '/run/haops/notify.token' }, 'rm -f "$TOKEN_FILE"');

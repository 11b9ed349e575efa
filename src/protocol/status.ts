// What `haops status` asks each node, around the upstream check, the check proof and the VIP probe
// (their own assets): STATUS first (keepalived and nginx running, the notify log's last line per
// instance), then STATE_DUMP (keepalived's own view); NGINX_AGAIN and SERVED_CERTS after the check.
import { serviceActive } from './service.js';
import { nodeScript } from './script.js';

export const STATUS_MARK = '@@haops-status@@';

/** Marks the dump lines that follow as read from a file keepalived (root) wrote after this run's signal. */
export const DUMP_TRUSTED = 'dump trusted';

/** Where keepalived's pid is, and where it dumps its state on SIGUSR1 (its own private /tmp under systemd's PrivateTmp). */
export const KEEPALIVED_DUMP = {
  pidFiles: ['/run/keepalived.pid', '/var/run/keepalived.pid'],
  /** The first is a plain path; the others are globs (keepalived's private /tmp, which only systemd knows). */
  dumps: ['/tmp/keepalived.data', '/tmp/systemd-private-*-keepalived.service-*/tmp/keepalived.data'],
};

const TEXT = `echo '${STATUS_MARK}'
active() { ${serviceActive('"$1"')}; }
for s in keepalived nginx; do if active "$s"; then echo "svc $s up"; else echo "svc $s down"; fi; done
# The notify log's last transition line per instance holds the state and priority it entered;
# the lines each channel's outcome adds after it (and notify-test's) carry other fields.
set -f
for i in $INSTANCES; do grep -hE "instance=$i state=[A-Z]+ priority=[0-9]+$" "$NOTIFY_LOG" 2>/dev/null | tail -n 1 | sed 's/^/notify /'; done
set +f
`;

export const STATUS = nodeScript('status', { INSTANCES: ['VI_1', 'VI_2'], NOTIFY_LOG: '/var/log/keepalived.notify.log' }, TEXT);

const DUMP = `# keepalived's own view: SIGUSR1 dumps the running state, with the effective priority. Read only from
# a file root wrote after our signal: /tmp is world-writable, so any local user can plant a
# keepalived.data (or a symlink, or a whole systemd-private-* tree) saying MASTER. A candidate counts
# only if it is a regular file, not a symlink, owned by uid 0, with one link, modified no earlier
# than the second of the signal; the signal goes only to a process named keepalived. Anything else
# is said (\`dump skipped\`), not read.
# shellcheck disable=SC2086
p=$(cat $PID_FILES 2>/dev/null | head -n 1)
case $p in ''|*[!0-9]*) p= ;; esac
[ -n "$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" != keepalived ] && { echo "dump skipped pid $p is not keepalived"; p=; }
dump() {
  rm -f "$DUMP_FILE"
  t0=$(date +%s)
  kill -USR1 "$p" 2>/dev/null; sleep 0.2
  # A loaded node writes late: look again for up to 2 s before saying what was wrong.
  f=; n=0
  while [ -z "$f" ]; do
    why=
    # The globs stay unquoted: they name keepalived's private /tmp.
    for c in "$DUMP_FILE" $DUMP_GLOBS; do
      [ -e "$c" ] || [ -L "$c" ] || continue
      if [ -L "$c" ] || [ ! -f "$c" ]; then why="$why\\ndump skipped $c: not a regular file"; continue; fi
      m=$(stat -c "%u %h %Y" "$c" 2>/dev/null)
      # shellcheck disable=SC2086
      set -- $m
      if [ "\${1:-x}" = 0 ] && [ "\${2:-x}" = 1 ] && [ "\${3:-0}" -ge "$t0" ]; then f=$c; break; fi
      why="$why\\ndump skipped $c: owner uid \${1:-?}, \${2:-?} links, written \${3:-?} (signal at $t0)"
    done
    n=$((n + 1)); [ -n "$f" ] || [ $n -ge 10 ] && break
    sleep 0.2
  done
  [ -n "$f" ] || printf "%b\\n" "$why" | grep -v "^$"
  [ -n "$f" ] && echo '${DUMP_TRUSTED}' && grep -E "VRRP Instance = |State = |Effective priority = " "$f" | sed 's/^ */data /'
}
# Two haops reading one node at once (two drains of one pair) would each remove the other's dump
# or read it half-written: one reader at a time, where the node has flock.
if [ -n "$p" ]; then
  if command -v flock >/dev/null 2>&1 && { exec 9>/var/run/haops-dump.lock; } 2>/dev/null; then flock -w 5 9; dump; exec 9>&-; else dump; fi
fi
`;

export const STATE_DUMP = nodeScript(
  'keepalived state dump',
  {
    PID_FILES: KEEPALIVED_DUMP.pidFiles,
    DUMP_FILE: KEEPALIVED_DUMP.dumps[0]!,
    /** Space-separated globs, expanded on the node. */
    DUMP_GLOBS: KEEPALIVED_DUMP.dumps.slice(1).join(' '),
  },
  DUMP,
);

const AFTER = `# nginx again: a check that failed because nginx was stopping meanwhile proves nothing.
if ${serviceActive('nginx')}; then echo 'svc nginx-after up'; else echo 'svc nginx-after down'; fi
`;

export const NGINX_AGAIN = nodeScript('status, nginx again', {}, AFTER);

const CERTS = `# The served certificates (each TAG,CERT): the file's hash and, where the node has openssl, its
# notAfter; each line starts with the tag.
set -f
for t in $TLS; do
  tag=\${t%%,*}; cert=\${t#*,}
  if [ -r "$cert" ]; then
    echo "$tag sha256 $(sha256sum < "$cert" | cut -d' ' -f1)"
    command -v openssl >/dev/null 2>&1 && openssl x509 -enddate -noout -in "$cert" 2>/dev/null | sed "s/^/$tag /"
  else echo "$tag absent"; fi
done
set +f
`;

export const SERVED_CERTS = nodeScript(
  'served certificates',
  { TLS: ['tls,/etc/nginx/haops/tls/web/web.crt', 'tls@shop,/etc/nginx/haops/tls/shop/shop.crt'] },
  CERTS,
);

/** What STATUS, STATE_DUMP and NGINX_AGAIN printed, read as values. */
export interface StatusLines {
  /** `svc NAME up|down` per service; `nginx-after` is NGINX_AGAIN's look. */
  services: Record<string, boolean>;
  /** The notify log's last transition line per instance: the state and priority it entered. */
  notified: Record<string, { state: string; priority: number }>;
  /** keepalived's dump per instance (only from a file the script vouched for): its own State and Effective priority. */
  dumped: Record<string, { state?: string; effective?: number }>;
  /** Why a dump candidate was not read (`/tmp/keepalived.data: owner uid 1000, …`). */
  dumpSkipped: string[];
}

export function parseStatusLines(text: string): StatusLines {
  const out: StatusLines = { services: {}, notified: {}, dumped: {}, dumpSkipped: [] };
  // The dump lists each instance, its State, then its Effective priority; interfaces follow
  // with State lines of their own, so each instance takes only its first State.
  let current: string | null = null;
  // Dump lines count only after the script vouched for the file they came from.
  let trusted = false;
  for (const line of text.split('\n')) {
    const svc = /^svc (\S+) (up|down)$/.exec(line);
    if (svc) out.services[svc[1]!] = svc[2] === 'up';
    const n = /^notify .*instance=(\S+) state=(\S+) priority=(\d+)/.exec(line);
    if (n) out.notified[n[1]!] = { state: n[2]!, priority: Number(n[3]) };
    if (line === DUMP_TRUSTED) trusted = true;
    const skipped = /^dump skipped (.*)$/.exec(line);
    if (skipped) out.dumpSkipped.push(skipped[1]!);
    const d = trusted ? /^data (VRRP Instance|State|Effective priority) = (\S+)/.exec(line) : null;
    if (d?.[1] === 'VRRP Instance') {
      current = d[2]!;
      out.dumped[current] = {};
    } else if (d && current) {
      const seen = out.dumped[current]!;
      if (d[1] === 'State') seen.state ??= d[2]!.replace(/,$/, '');
      else if (d[1] === 'Effective priority') {
        seen.effective = Number(d[2]);
        current = null;
      }
    }
  }
  return out;
}

/** SERVED_CERTS' lines for one tag: the served file's hash (null when absent) and openssl's notAfter text, if any. */
export function parseServedCert(text: string, tag: string): { sha256: string | null; notAfter?: string } {
  const t = tag.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const sha256 = new RegExp(`^${t} sha256 ([0-9a-f]{64})$`, 'm').exec(text)?.[1] ?? null;
  const notAfter = new RegExp(`^${t} notAfter=(.+)$`, 'm').exec(text)?.[1];
  return notAfter === undefined ? { sha256 } : { sha256, notAfter };
}

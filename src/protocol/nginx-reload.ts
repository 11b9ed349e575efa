// nginx's reload, waited for. `systemctl reload nginx` (and `service nginx reload`) only signal
// the master and return: for a moment after, the old workers still accept new connections with
// the old configuration, and a client that asks right after the deploy said "reloaded" may be
// sent to an upstream the new file removed (seen in CI). nginx's master also keeps its old
// workers when it cannot apply the new configuration (a port it cannot bind), and the reload
// command still exits 0. This script notes the master's workers, reloads, and waits until each
// old worker is gone or "shutting down" (nginx retitles it when it stops accepting). The
// service's owed-handler markers (put.ts) are cleared only then.

import { PENDING_DIR } from './put.js';
import { bind, nodeScript } from './script.js';

export const NGINX_RELOAD_HEADER = '# haops nginx reload v1';

/** What the script prints when the old workers still accept after the wait. */
export const STILL_OLD = 'haops: nginx kept its old workers';

export const NGINX_RELOAD = nodeScript(
  'nginx reload',
  {
    RELOAD: ['systemctl', 'reload', 'nginx'],
    WAIT_TENTHS: 100,
    PID_FILES: ['/run/nginx.pid', '/var/run/nginx.pid'],
    ERROR_LOG: '/var/log/nginx/error.log',
  },
  `# The master: its pid file (Debian and EL: /run/nginx.pid; CentOS 6: /var/run/nginx.pid).
master=
for f in $PID_FILES; do
  if [ -r "$f" ]; then read -r master < "$f"; break; fi
done
# Its workers: /proc/PID/stat is "pid (comm) state ppid ...".
old=
if [ -n "$master" ]; then
  for s in /proc/[0-9]*/stat; do
    line=
    read -r line < "$s" 2>/dev/null || continue
    case $line in *" (nginx) "*) ;; *) continue ;; esac
    set -- \${line##*) }
    [ "$2" = "$master" ] || continue
    p=\${s#/proc/}; p=\${p%/stat}
    grep -q 'worker process' "/proc/$p/cmdline" 2>/dev/null && old="$old $p"
  done
fi
$RELOAD || exit $?
i=0
while :; do
  left=
  for p in $old; do
    [ -r "/proc/$p/cmdline" ] || continue
    grep -q 'shutting down' "/proc/$p/cmdline" 2>/dev/null || left="$left $p"
  done
  [ -z "$left" ] && break
  if [ $i -ge "$WAIT_TENTHS" ]; then
    # Why, in nginx's words: the master's last [emerg] line (Debian's and EL's error log), its date and pid cut.
    why=$(tail -n 50 "$ERROR_LOG" 2>/dev/null | grep '\\[emerg\\]' | tail -n 1 | sed 's/^.*\\[emerg\\] [0-9#]*: //')
    echo "${STILL_OLD} (pid$left) $((WAIT_TENTHS / 10)) s after the reload: it did not take the new configuration\${why:+: $why}" >&2
    exit 1
  fi
  sleep 0.1
  i=$((i + 1))
done
rm -f ${PENDING_DIR}/nginx.*
`,
  NGINX_RELOAD_HEADER,
);

/** nginx's reload on this node (`reload`: the platform's reload command, plain words), waited for. */
export const nginxReload = (reload: string, waitSeconds = 10): string =>
  bind(NGINX_RELOAD, { ...NGINX_RELOAD.example, RELOAD: reload.split(' '), WAIT_TENTHS: waitSeconds * 10 });

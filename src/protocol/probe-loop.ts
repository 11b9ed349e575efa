// The drill's and switchover's HTTP probe run on a probe host: a shell loop starts one curl every
// interval (in the background, so a hung request does not delay the next) and streams one line per
// request, `m END RC NODE STATUS TOOK [WHY]`, after `ready` (or `nocurl`).
import { nodeScript } from './script.js';

// bash's $EPOCHREALTIME stamps a request without a fork (date elsewhere); one curl per request, its
// verbose output read by the shell's own pattern matching. It ends when the channel closes (its next
// write fails), or after MAX requests if the close never reaches it.
const TEXT = `LC_ALL=C; export LC_ALL; unset http_proxy HTTP_PROXY all_proxy ALL_PROXY
command -v curl >/dev/null 2>&1 || { echo 'nocurl'; exit 0; }
case $VIP in *:*) h="[$VIP]" ;; *) h=$VIP ;; esac
# A TLS site: the site's name resolved to the VIP (SNI and Host as a client sends them), verified
# against the inventory's CA, written to a file there (a CA is no secret) and removed at the end.
# --resolve: curl 7.21.3 and later (not CentOS 6's 7.19.7). A plain site of nginx.sites: asked by its
# name (Host) at the VIP.
r=; c=
if [ -n "$SERVERNAME" ]; then
  u="https://$SERVERNAME:$PORT$HEALTH_PATH"; r="$SERVERNAME:$PORT:$VIP"
  if [ -n "$CA" ]; then c=$(mktemp) || exit 1; trap 'rm -f "$c"' EXIT; printf '%s\\n' "$CA" > "$c"; fi
else u="http://$h:$PORT$HEALTH_PATH"; fi
i=0
# bash waits on a FIFO nobody writes (read -t, a builtin): no sleep process per request.
# shellcheck disable=SC3045
if [ -n "$BASH_VERSION" ] && f=$(mktemp -u) && mkfifo "$f" 2>/dev/null && exec 9<>"$f"; then rm -f "$f"; nap() { read -r -t "$INTERVAL" -u 9 _; }; else nap() { sleep "$INTERVAL"; }; fi
echo ready
while [ $i -lt "$MAX" ]; do
  i=$((i+1))
  (
    # -v tells refused from unroutable in the same request (curl 7.88 says only "Couldn't connect"); all in the shell, no extra process.
    o=$(curl -q -g -sv -o /dev/null -m "$TIMEOUT" -A haops-drill \${r:+--resolve "$r"} \${c:+--cacert "$c"} \${HOST:+-H "Host: $HOST"} -w '\\nhaops-w %{http_code} %{time_total}\\n' "$u" 2>&1); rc=$?
    # Stamped when curl is done: on a busy host curl may start well after the loop forked it,
    # so its start is this stamp less its own time_total.
    # shellcheck disable=SC3028
    e=\${EPOCHREALTIME:-$(date +%s.%N)}
    n=-
    case $o in *[Xx]-[Hh]aops-[Nn]ode:*) n=\${o#*[Xx]-[Hh]aops-[Nn]ode: }; n=\${n%%[!A-Za-z0-9_.-]*} ;; esac
    # -w @... would read a file: the mark starts with a word.
    case $o in *haops-w\\ *) s=\${o##*haops-w }; s=\${s%%[!0-9. ]*} ;; *) s="000 0" ;; esac
    w=
    case $o in *onnection\\ refused*) w='connection refused' ;; *o\\ route\\ to\\ host*) w='no route to host' ;; *is\\ unreachable*) w=unreachable ;; esac
    echo "m $e $rc \${n:--} $s $w"
  ) &
  # The loop's own heartbeat: once haops closes the channel (sshd ignores its KILL signal request,
  # OpenSSH 9.2 on the lab) this write fails and the loop ends; without it the loop, which wrote
  # nothing itself, forked curl for maxSeconds more, every round adding one (lab: load over 500).
  echo . || exit 0
  nap
done
`;

export const PROBE_LOOP = nodeScript(
  'drill probe loop',
  {
    VIP: '192.168.0.100',
    PORT: 443,
    HEALTH_PATH: '/haops-health',
    /** A TLS site's name ('' : plain HTTP at the VIP), and the inventory's CA for it ('' : the host's trust). */
    SERVERNAME: 'site.test',
    CA: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    /** A plain site's name, sent as Host ('' : none). */
    HOST: '',
    /** Seconds, as sleep and read -t take them (e.g. 0.020). */
    INTERVAL: '0.020',
    TIMEOUT: '0.500',
    MAX: 3000,
  },
  TEXT,
);

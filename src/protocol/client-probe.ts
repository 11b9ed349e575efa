// The user's path asked from a probe host: per VIP one GET of the health path with curl (else wget),
// keeping only the status line, haops's node header, error lines and curl's timing, never the body.
// Each VIP's answer follows `@@haops-client VIP`: `| ` lines, then `rc N`.
import { nodeScript } from './script.js';

/** Marks the start of the probe host's answer for one VIP. */
export const CLIENT_MARK = '@@haops-client';

const TEXT = `# A proxy or a ~/.curlrc on the probe host would answer instead of the VIP: neither is used.
unset http_proxy HTTP_PROXY all_proxy ALL_PROXY
if command -v curl >/dev/null 2>&1; then t=curl; elif command -v wget >/dev/null 2>&1; then t=wget; else t=none; fi
# GNU wget retries 20 times unless told; BusyBox's has no -t.
wt=; [ $t = wget ] && wget --version 2>/dev/null | grep -q 'GNU Wget' && wt='-t 1'
echo "tool $t"
# A TLS site's CA in a file there for the run (a CA is no secret), removed at the end.
c=
if [ -n "$CA" ]; then c=$(mktemp) || exit 1; trap 'rm -f "$c"' EXIT; printf '%s\\n' "$CA" > "$c"; fi
# $1 the URL; a TLS site: $2 the site's name:port:VIP for curl --resolve (SNI and Host are the site's),
# $3 the VIP's own URL for wget, which has no --resolve and checks the certificate names it; a site of
# nginx.sites over plain HTTP: $2 its name, the Host header.
hp() {
  case $t:$MODE in
  curl:tls) out=$(curl -q -g -sSv -o /dev/null -m "$SECS" -A haops-probe \${2:+--resolve "$2"} \${c:+--cacert "$c"} -w 'haops-ms %{time_total}\\n' "$1" 2>&1); rc=$? ;;
  wget:tls) out=$(wget -S -O /dev/null -T "$SECS" $wt \${c:+--ca-certificate="$c"} -U haops-probe "\${3:-$1}" 2>&1); rc=$? ;;
  curl:host) out=$(curl -q -g -sSv -o /dev/null -m "$SECS" -A haops-probe -H "Host: $2" -w 'haops-ms %{time_total}\\n' "$1" 2>&1); rc=$? ;;
  wget:host) out=$(wget -S -O /dev/null -T "$SECS" $wt -U haops-probe --header="Host: $2" "$1" 2>&1); rc=$? ;;
  curl:*) out=$(curl -q -g -sSv -o /dev/null -m "$SECS" -A haops-probe -w 'haops-ms %{time_total}\\n' "$1" 2>&1); rc=$? ;;
  wget:*) out=$(wget -S -O /dev/null -T "$SECS" $wt -U haops-probe "$1" 2>&1); rc=$? ;;
  *) out=; rc=127 ;;
  esac
  printf '%s\\n' "$out" | grep -iE '^(< )? *HTTP/[0-9.]+ [0-9]{3}|x-haops-node:|fail|error|refused|reset|timed out|unreachable|no route|certificate|^haops-ms ' | head -n 20 | sed 's/^/| /'
  echo "rc $rc"
}
set -f
for v in $VIPS; do
  echo "${CLIENT_MARK} $v"
  case $v in *:*) h="[$v]" ;; *) h=$v ;; esac
  case $MODE in
  tls) hp "https://$SERVERNAME:$PORT$HEALTH_PATH" "$SERVERNAME:$PORT:$v" "https://$h:$PORT$HEALTH_PATH" ;;
  host) hp "http://$h:$PORT$HEALTH_PATH" "$HOST" ;;
  *) hp "http://$h:$PORT$HEALTH_PATH" ;;
  esac
done
set +f
`;

export const CLIENT_PROBE = nodeScript(
  'client probe from a probe host',
  {
    VIPS: ['192.168.0.100', '2001:db8::100'],
    /** plain (the VIP), host (a site's name as Host), tls (the site's name by SNI, resolved to the VIP). */
    MODE: 'tls',
    PORT: 443,
    HEALTH_PATH: '/haops-health',
    SERVERNAME: 'site.test',
    HOST: '',
    /** The inventory's CA for a TLS site ('' : the probe host's own trust). */
    CA: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    SECS: 2,
  },
  TEXT,
);

// The upstream servers as nginx on the node reaches them: per server an HTTP request with curl,
// else a TCP connect with bash; one line each, `upstream NAME SERVER EXIT STATUS`, and its parser.
import { nodeScript } from './script.js';

export const UPSTREAM_MARK = '@@haops-upstreams@@';

export interface UpstreamResult {
  upstream: string;
  server: string;
  up: boolean;
  /** Why it is down, in words: "connection refused", "no answer within 2 s", "answered 503". */
  error?: string;
}

const TEXT = `echo '${UPSTREAM_MARK}'
hu() { if command -v curl >/dev/null 2>&1; then s=$(curl -s -o /dev/null --connect-timeout 2 -m 2 -w "%{http_code}" "http://$2$3" 2>/dev/null); c=$?; elif command -v bash >/dev/null 2>&1; then timeout 2 bash -c "exec 3<>/dev/tcp/$4/$5" 2>/dev/null && c=0 || c=7; s=tcp; else c=x; s=-; fi; echo "upstream $1 $2 $c \${s:--}"; }
# Each server is UPSTREAM,SERVER,HOST,PORT.
set -f
# One curl asks every server in turn (a no-op deploy asks this on every node: one process, not one
# per server); it prints one status per server, 000 for one that did not answer, which is asked
# again alone for curl's reason. A path with a space, or a count that does not add up: one by one.
nl='
'
codes=
if command -v curl >/dev/null 2>&1 && [ "\${HEALTH_PATH#* }" = "$HEALTH_PATH" ]; then
  urls=
  for u in $SERVERS; do IFS=,; set -- $u; unset IFS; urls="$urls -o /dev/null http://$2$HEALTH_PATH"; done
  # shellcheck disable=SC2086 # one word per output file and URL
  codes=$(curl -s --connect-timeout 2 -m 2 -w '%{http_code}\\n' $urls 2>/dev/null)
  rest=$codes
  for u in $SERVERS; do
    l=\${rest%%"$nl"*}
    case $l in [0-9][0-9][0-9]) ;; *) codes= ;; esac
    case $rest in *"$nl"*) rest=\${rest#*"$nl"} ;; *) rest= ;; esac
  done
  [ -z "$rest" ] || codes=
fi
for u in $SERVERS; do
  IFS=,; set -- $u; unset IFS
  if [ -n "$codes" ]; then
    s=\${codes%%"$nl"*}
    case $codes in *"$nl"*) codes=\${codes#*"$nl"} ;; *) codes= ;; esac
    if [ "$s" != 000 ]; then echo "upstream $1 $2 0 $s"; continue; fi
  fi
  hu "$1" "$2" "$HEALTH_PATH" "$3" "$4"
done
set +f
`;

export const UPSTREAMS = nodeScript(
  'upstream check',
  { SERVERS: ['be,10.0.0.21:8080,10.0.0.21,8080', 'be,[2001:db8::21]:8080,2001:db8::21,8080'], HEALTH_PATH: '/' },
  TEXT,
);

/** The values for a pair's upstream servers, asked at `path`. */
export function upstreamValues(servers: readonly { upstream: string; server: string; host: string; port: number }[], path = '/') {
  return { SERVERS: servers.map((s) => [s.upstream, s.server, s.host, String(s.port)].join(',')), HEALTH_PATH: path };
}

/** curl's exit statuses a user can act on (curl(1) EXIT CODES). */
const CURL_EXIT: Record<number, string> = {
  6: 'cannot resolve the host',
  7: 'connection refused',
  28: 'no answer within 2 s',
  52: 'empty reply',
  56: 'connection reset',
};

export function parseUpstreams(text: string): UpstreamResult[] {
  const out: UpstreamResult[] = [];
  for (const line of text.split('\n')) {
    const m = /^upstream (\S+) (\S+) (\S+) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const [, upstream, server, code, status] = m as unknown as [string, string, string, string, string];
    if (code === 'x') {
      out.push({ upstream, server, up: false, error: 'neither curl nor bash on the node to check it' });
      continue;
    }
    const exit = Number(code);
    if (exit !== 0)
      out.push({ upstream, server, up: false, error: CURL_EXIT[exit] ?? (status === 'tcp' ? 'cannot connect' : `curl exit ${exit}`) });
    else if (/^5\d\d$/.test(status)) out.push({ upstream, server, up: false, error: `answered ${status}` });
    else out.push({ upstream, server, up: true });
  }
  return out;
}

// Who holds each VIP and whether HTTP through it answers, asked on a node: its addresses, its drain
// flag, and per VIP the node name /haops-health answers with through it; and the parser.
import { parseUpstreams, type UpstreamResult } from './upstreams.js';
import { nodeScript } from './script.js';

export const VIP_MARK = '@@haops-vip-probe@@';

export interface VipProbe {
  /** IPv4 addresses on the node's interfaces, without prefix. */
  addresses: string[];
  /** Per VIP: the node name that answered /haops-health through it, or null (asked only where the VIP is held). */
  http: Record<string, string | null>;
  /** The node is drained (haops drain): it should hold no VIP. */
  drained?: boolean;
  /** The upstream servers as this node reaches them (when asked for). */
  upstreams?: UpstreamResult[];
}

const TEXT = `echo '${VIP_MARK}'
a=$(ip -o -4 addr show | awk '{print "addr " $4}')
# An IPv6 VIP counts once usable: a tentative (DAD) or dadfailed address does not answer yet.
[ -z "$IPV6" ] || a="$a
$(ip -o -6 addr show | awk '!/ tentative| dadfailed/ {print "addr " $4}')"
printf '%s\\n' "$a"
[ -e "$DRAIN_FLAG" ] && echo 'drained yes'
nl='
'
set -f
for v in $VIPS; do
  # Only a node that holds the VIP asks through it: its answer is the pair's, and a curl on every
  # other node (on every no-op deploy) would cross the LAN to the same nginx.
  case "$nl$a$nl" in *"\${nl}addr $v/"*) ;; *) echo "http $v"; continue ;; esac
  case $v in *:*) u="http://[$v]:$PORT/haops-health" ;; *) u="http://$v:$PORT/haops-health" ;; esac
  printf 'http %s %s\\n' "$v" "$(curl -g -s -m 2 "$u" 2>/dev/null || wget -q -T 2 -O - "$u" 2>/dev/null)"
done
set +f
`;

export const VIP_PROBE = nodeScript(
  'VIP probe',
  {
    VIPS: ['192.168.0.100', '2001:db8::100'],
    PORT: 80,
    /** Also read the IPv6 addresses (a pair with an IPv6 VIP). */
    IPV6: true,
    /** The file whose presence says the node is drained. */
    DRAIN_FLAG: '/var/lib/haops/drain',
  },
  TEXT,
);

export function parseVipProbe(text: string): VipProbe {
  const probe: VipProbe = { addresses: [], http: {} };
  for (const line of text.split('\n')) {
    const [kind, a, b] = line.trim().split(/\s+/);
    if (kind === 'addr' && a) probe.addresses.push(a.split('/')[0]!);
    if (kind === 'http' && a) probe.http[a] = b && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(b) ? b : null;
    if (kind === 'drained' && a === 'yes') probe.drained = true;
  }
  const upstreams = parseUpstreams(text);
  if (upstreams.length) probe.upstreams = upstreams;
  return probe;
}

/** The output before the probe, and the probe read (null when its mark is absent). */
export function splitVipProbe(stdout: string): { before: string; probe: VipProbe | null } {
  const at = stdout.indexOf(`${VIP_MARK}\n`);
  if (at < 0) return { before: stdout, probe: null };
  return { before: stdout.slice(0, at), probe: parseVipProbe(stdout.slice(at + VIP_MARK.length + 1)) };
}

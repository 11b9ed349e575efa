// The bridge of a drain: the node giving up VIPs keeps answering for them on lo (a /32 or /128)
// while the peer takes them, each bridge removing itself if haops vanishes; the closing flag that
// tells kept-alive clients to reconnect; and the count of connections still on the VIPs (a hold).
import { nodeScript } from './script.js';

/** While this file exists, every response of haops's locations says `Connection: close` and
 * nginx closes the connection after it (render/nginx.ts, docs/keepalive.md): a drain raises it on
 * the node giving up the VIPs, so kept-alive clients finish their request and reconnect to the new
 * holder. Read per request (`if (-f)`), so no reload: a reload closes idle kept-alive connections
 * at once, racing the client's next request. In /run: a reboot clears it. */
export const CLOSING_FLAG = '/run/haops-closing';

/** How long a bridge may live if haops vanishes mid-drain: the node removes it itself. */
export const BRIDGE_SELF_REMOVE_SECONDS = 20;

/** Saving and raising arp_ignore, and putting it back, take this lock: a bridge's timer that
 * restored arp_ignore while a new bridge raised it once left it at 1 with nothing saved, for good
 * (lab). The new bridge's mark is written first, so a restore that runs after it leaves it alone. */
const ARP_LOCK = '/run/haops-arp.lock';
const arpSaved = (dev: string) => `"/run/haops-arp-ignore-${dev}"`;
const arpIgnore = (dev: string) => `"/proc/sys/net/ipv4/conf/${dev}/arp_ignore"`;

/** Once no bridge is left on the node, the interface's arp_ignore goes back to what it was. `dev`
 * is how the text names the device: `$dev` here, `$5` inside a bridge's timer. */
const arpRestore = (dev: string) =>
  `(flock 9 2>/dev/null; ls /run/haops-bridge-* >/dev/null 2>&1 || { [ -e ${arpSaved(dev)} ] && cat ${arpSaved(dev)} > ${arpIgnore(dev)} && rm -f ${arpSaved(dev)}; }) 9>${ARP_LOCK}`;

/** The device of the interface (an alias like eth0:1 shares eth0's sysctls and traffic), and per
 * VIP its host route on lo (either family). */
const DEVICE = 'dev=${IFACE%%:*}';
const ROUTE = 'case $vip in *:*) route=$vip/128 ;; *) route=$vip/32 ;; esac';

/**
 * Answer for these VIPs on lo for a while, whoever holds them on the interface. Each bridge
 * removes itself after BRIDGE_SECONDS if haops vanishes, but only if it is still the newest bridge
 * for that VIP (its token in /run/haops-bridge-VIP): an older round's timer once removed a newer
 * bridge mid-move (lab captures: SYNs dropped by the drained node, responses stuck on the old
 * holder until it held the VIP again). While a bridge is up, the interface answers ARP only for
 * its own addresses (arp_ignore 1): the copy on lo must not answer ARP for the VIP beside the new
 * holder, or a client that asks at the wrong moment keeps the old MAC and loses its connections
 * when the bridge ends.
 */
const BRIDGE_TEXT = `${DEVICE}
# shellcheck disable=SC2086
for vip in $VIPS; do
  ${ROUTE}
  ip addr add "$route" dev lo 2>/dev/null
  echo "$TOKEN" > "/run/haops-bridge-$vip"
  nohup sh -c 'sleep "$1"; [ "$(cat "/run/haops-bridge-$2" 2>/dev/null)" = "$3" ] && ip addr del "$4" dev lo && rm -f "/run/haops-bridge-$2" ${CLOSING_FLAG}; ${arpRestore('$5')}' sh "$BRIDGE_SECONDS" "$vip" "$TOKEN" "$route" "$dev" >/dev/null 2>&1 </dev/null &
done
[ -n "$VIPS" ] && (flock 9 2>/dev/null; [ -e ${arpSaved('$dev')} ] || cat ${arpIgnore('$dev')} > ${arpSaved('$dev')}; [ "$(cat ${arpIgnore('$dev')})" = 0 ] && echo 1 > ${arpIgnore('$dev')}) 9>${ARP_LOCK}
true
`;

export const BRIDGE = nodeScript(
  'bridge',
  { VIPS: ['192.168.0.100', '2001:db8::100'], IFACE: 'eth0:1', TOKEN: 'tok1', BRIDGE_SECONDS: 20 },
  BRIDGE_TEXT,
);

/** Ends the bridges (the peer holds the VIPs and has announced them), and the closing flag. */
const UNBRIDGE_TEXT = `${DEVICE}
# shellcheck disable=SC2086
for vip in $VIPS; do
  ${ROUTE}
  ip addr del "$route" dev lo 2>/dev/null; rm -f "/run/haops-bridge-$vip"
done
rm -f ${CLOSING_FLAG}
${arpRestore('$dev')}
true
`;

export const UNBRIDGE = nodeScript('unbridge', { VIPS: ['192.168.0.100', '2001:db8::100'], IFACE: 'eth0' }, UNBRIDGE_TEXT);

/** Kept-alive connections here are told to close (each next response says Connection: close). */
export const CLOSING_LINE = `touch ${CLOSING_FLAG}`;

/** Established TCP connections on this node whose local end is one of the VIPs at PORT (as ss
 * prints them: `[addr]:port` for IPv6): what a hold waits for. Prints `conns N`. */
export const CONNECTIONS = nodeScript(
  'connections on the VIPs',
  { VIPS: ['192.168.0.100', '2001:db8::100'], PORT: 80 },
  `want=
# shellcheck disable=SC2086
for vip in $VIPS; do
  case $vip in *:*) want="$want [$vip]:$PORT" ;; *) want="$want $vip:$PORT" ;; esac
done
ss -Htn state established "( sport = :$PORT )" 2>/dev/null | awk -v want="$want" 'BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) ok[w[i]] = 1 } ok[$3] { c++ } END { print "conns " c + 0 }'`,
);

export function parseConnections(stdout: string): number | null {
  const m = /^conns (\d+)$/m.exec(stdout);
  return m ? Number(m[1]) : null;
}

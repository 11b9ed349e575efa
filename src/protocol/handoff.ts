// The handoff, on the node taking a drain's VIPs: nftables rules that send the packets of
// connections opened on the old holder on to it (it still answers on lo), their end with the count
// of packets handed on, and the probe that says whether a node can hand off at all.
import { nodeScript } from './script.js';

/** The nftables table of a handoff (one per family: `table ip` and `table ip6`). */
export const HANDOFF_TABLE = 'haops_handoff';
/** Printed once the rules are in the kernel. */
export const HANDOFF_MARK = '@@haops-handoff@@';
/** The token of the run that owns the handoff: its self-removal only removes its own. */
const HANDOFF_OWNER = '/run/haops-handoff';
/** The IPv6 VIPs a handoff put on lo (one `ADDR/128` a line): its end removes these, and only these. */
const HANDOFF_LO = '/run/haops-handoff-lo';

/** How long a SYN that arrived during a handoff marks its client port as this node's: its
 * handshake ends in milliseconds; a request socket whose SYN-ACK is lost retries for seconds. */
export const HANDOFF_MINE_SECONDS = 10;
/** New connections a handoff remembers at once (26,000 a second for HANDOFF_MINE_SECONDS); past
 * that, a new connection's last handshake ACK goes to the old holder, which resets it. */
export const HANDOFF_MINE_SIZE = 262144;

/**
 * The ruleset of one family ($1: ip or ip6, $2: its address type, $3: the VIPs, $4: the old
 * holder): TCP to the VIPs that belongs to no connection of this node goes, unchanged, to the old
 * holder. A connection is this node's when it is established here, or when its SYN arrived here
 * during the handoff (the set `mine`: its handshake's last ACK meets a request socket, which the
 * socket match cannot tell from a TIME_WAIT one). A TIME_WAIT socket left from when this node last
 * held the VIP is not a connection of this node: a client that reuses the port for a connection on
 * the old holder would otherwise have its request answered with a stale ACK and hang (lab: wrk's
 * 16 kept-alive sockets, 1 to 4 of them stuck per reloading deploy). In order, the chain: other
 * traffic passes; a new connection is this node's (the VIP is here now); a connection bound to the
 * VIP is this node's; one only a listener would answer was opened on the old holder; a half-open
 * one whose SYN came here, or a closing one of this node, stays.
 */
const RULES = `rules() {
  cat <<HAOPS_NFT
table $1 ${HANDOFF_TABLE}
delete table $1 ${HANDOFF_TABLE}
table $1 ${HANDOFF_TABLE} {
  set mine { type $2 . inet_service; flags dynamic,timeout; timeout ${HANDOFF_MINE_SECONDS}s; size ${HANDOFF_MINE_SIZE}; }
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    $1 daddr != { $(echo "$3" | sed 's/ /, /g') } accept
    meta l4proto != tcp accept
    tcp flags & (syn | ack) == syn update @mine { $1 saddr . tcp sport } accept
    socket wildcard 0 accept
    socket wildcard 1 goto hand
    $1 saddr . tcp sport @mine accept
    goto hand
  }
  chain hand { counter dup to $4 device "$dev" drop; }
}
HAOPS_NFT
}`;

/**
 * Handoff: a client whose connection was opened on the old holder and whose next packet arrives
 * here after the gratuitous ARP would get a reset (this node has no such connection); the handoff
 * sends it on to the old holder instead, which still serves it through its bridge. New connections
 * stay here. IPv4 VIPs in `table ip`, IPv6 ones (VIPS6, towards OLD_HOLDER6) in its twin `table
 * ip6`; either list may be empty. Removes itself after LIFE_SECONDS if haops vanishes.
 */
export const HANDOFF = nodeScript(
  'handoff',
  {
    VIPS: ['192.168.0.100'],
    OLD_HOLDER: '192.168.0.101',
    VIPS6: ['2001:db8::100'],
    OLD_HOLDER6: '2001:db8::11',
    IFACE: 'eth0:1',
    TOKEN: 'tok1',
    LIFE_SECONDS: 50,
  },
  `dev=\${IFACE%%:*}
${RULES}
families=
[ -n "$VIPS" ] && families=ip
[ -n "$VIPS6" ] && families="$families ip6"
{
  if [ -n "$VIPS" ]; then rules ip ipv4_addr "$VIPS" "$OLD_HOLDER"; fi
  if [ -n "$VIPS6" ]; then rules ip6 ipv6_addr "$VIPS6" "$OLD_HOLDER6"; fi
} | nft -f - && echo ${HANDOFF_MARK}
# An IPv6 address that keepalived adds on the interface receives nothing until the kernel has put
# in its local route, a moment later (lab: 19 ms idle, up to 60 ms on a loaded node), and keepalived
# has announced it by then: a SYN in between is dropped (Ip6InAddrErrors) and its client waits a
# second for the retransmit. A copy on lo, put here before the VIPs move and ready (not tentative)
# before the flag goes up, receives it. IPv4's local route comes with the address.
[ -r ${HANDOFF_LO} ] && while read -r a; do ip addr del "$a" dev lo 2>/dev/null; done < ${HANDOFF_LO}
: > ${HANDOFF_LO}
for v in $VIPS6; do ip addr add "$v/128" dev lo 2>/dev/null && echo "$v/128" >> ${HANDOFF_LO}; done
if [ -s ${HANDOFF_LO} ]; then
  i=0; while [ $i -lt 20 ] && ip -6 addr show dev lo tentative | grep -q inet6; do sleep 0.05; i=$((i+1)); done
fi
echo "$TOKEN" > ${HANDOFF_OWNER}
nohup sh -c 'sleep "$1"; [ "$(cat ${HANDOFF_OWNER} 2>/dev/null)" = "$2" ] && { for f in $3; do nft delete table "$f" ${HANDOFF_TABLE}; done; while read -r a; do ip addr del "$a" dev lo; done < ${HANDOFF_LO}; rm -f ${HANDOFF_OWNER} ${HANDOFF_LO}; }' sh "$LIFE_SECONDS" "$TOKEN" "$families" >/dev/null 2>&1 </dev/null &
true`,
);

/** Ends a handoff (connections still on the old holder are its own business now), printing how
 * many packets each family's table handed on: `handed N`, and removes the IPv6 VIPs' copies on lo. */
export const UNHANDOFF = nodeScript(
  'unhandoff',
  {},
  `for f in ip ip6; do
  nft list chain "$f" ${HANDOFF_TABLE} hand 2>/dev/null | sed -n 's/.*counter packets \\([0-9]*\\).*/handed \\1/p'; nft delete table "$f" ${HANDOFF_TABLE} 2>/dev/null
done
# The interface holds the VIPs now (or they never came): the copies on lo go.
[ -r ${HANDOFF_LO} ] && while read -r a; do ip addr del "$a" dev lo 2>/dev/null; done < ${HANDOFF_LO}
rm -f ${HANDOFF_OWNER} ${HANDOFF_LO}; true`,
);

/** The packets handed on, over both families' tables. */
export function parseHandedOn(stdout: string): number | null {
  const all = [...stdout.matchAll(/^handed (\d+)$/gm)];
  return all.length ? all.reduce((n, m) => n + Number(m[1]), 0) : null;
}

/** Whether the node can hand off (nft with the socket expression): `handoff yes`, `handoff
 * no-socket` (its kernel lacks nft_socket) or `handoff no-nft`. A line of the drain facts script. */
export const HANDOFF_PROBE = [
  `if command -v nft >/dev/null 2>&1; then nft -c -f - >/dev/null 2>&1 <<'HAOPS_NFT' && echo 'handoff yes' || echo 'handoff no-socket'`,
  `table ip ${HANDOFF_TABLE}_probe {`,
  '  set mine { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 60s; }',
  '  chain pre { type filter hook prerouting priority -300; tcp flags & (syn | ack) == syn update @mine { ip saddr . tcp sport }; ip saddr . tcp sport @mine accept; socket wildcard 1 dup to 127.0.0.1 device "lo" drop; }',
  '}',
  'HAOPS_NFT',
  "else echo 'handoff no-nft'; fi",
].join('\n');

/** Whether a node can hand off, or why not ('no-nft': nftables is not installed; 'no-socket':
 * its kernel lacks the socket match). */
export type HandoffAbility = 'yes' | 'no-nft' | 'no-socket';

export const parseHandoffAbility = (stdout: string): HandoffAbility =>
  (/^handoff (yes|no-nft|no-socket)$/m.exec(stdout)?.[1] as HandoffAbility | undefined) ?? 'no-nft';

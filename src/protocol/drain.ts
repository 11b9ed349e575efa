// Drain and undrain on a node: what the node says before a drain (drain facts), raising the flag
// (with its bridge and, for a temporary drain, a lease the node lifts by itself), confirming it,
// lifting it, and which addresses sit on the pair's interface while the VIPs move.
import { BRIDGE, CLOSING_FLAG, CLOSING_LINE, UNBRIDGE } from './bridge.js';
import { DRAIN_FLAG, DRAIN_PROBE, DRAIN_TRACK, type DrainMethod } from './drain-flag.js';
import { HANDOFF_PROBE, UNHANDOFF, parseHandoffAbility, type HandoffAbility } from './handoff.js';
import { nodeScript } from './script.js';

/** Printed once the flag is in place (the exit code alone has been seen missing), once it is gone,
 * and once a drain is confirmed. */
export const DRAINED_MARK = '@@haops-drained@@';
export const UNDRAINED_MARK = '@@haops-undrained@@';
export const KEPT_MARK = '@@haops-kept@@';

/** Who owns a temporary drain: the token of the run that will lift it (a switchover round, or a
 * `haops drain` until it has seen the VIPs on the peer). */
export const LEASE = `${DRAIN_FLAG}.switchover`;

/** `addr A/P` lines: every IPv4 address, and the IPv6 ones a node can answer on (a tentative or
 * dadfailed one cannot yet). */
const ADDR4_LINES = (dev: string) => `ip -o -4 addr show${dev} | awk '{print "addr " $4}'`;
const ADDR6_LINES = (dev: string) => `ip -o -6 addr show${dev} 2>/dev/null | awk '!/ tentative| dadfailed/ {print "addr " $4}'`;

/** What a node says before a drain: keepalived's version, the drain hook its live keepalived.conf
 * carries, the flag and its lease, its addresses, whether it can hand off, and who answers HTTP
 * through its peer's own address (PEER_URL, asked from this node). */
export const DRAIN_FACTS = nodeScript(
  'drain facts',
  { KEEPALIVED_CONF: '/etc/keepalived/keepalived.conf', PEER_URL: 'http://192.168.0.102:80/haops-health' },
  [
    `echo "version $(keepalived -v 2>&1 | head -n 1)"`,
    // The method that runs is the one in the live config, whatever the version would allow.
    `grep -o -E '^(track_file|vrrp_track_file|vrrp_script) ${DRAIN_TRACK} ' "$KEEPALIVED_CONF" 2>/dev/null | sed 's/^/hook /'`,
    DRAIN_PROBE,
    `[ -e ${LEASE} ] && echo 'lease yes'`,
    ADDR4_LINES(''),
    ADDR6_LINES(''),
    HANDOFF_PROBE,
    `echo "peerhttp $(curl -s -m 2 "$PEER_URL" 2>/dev/null || wget -q -T 2 -O - "$PEER_URL" 2>/dev/null)"`,
    'true',
  ].join('\n'),
);

export interface DrainFacts {
  keepalivedVersion: string | null;
  /** The drain hook keepalived.conf carries (deployed by a haops that knows drain), or null. */
  hook: DrainMethod | null;
  drained: boolean;
  /** The flag carries a lease: a drain not yet confirmed (or a switchover's), lifted by the node itself when it runs out. */
  leased: boolean;
  /** Addresses on the node's interfaces (any interface, lo included). */
  addresses: string[];
  /** Who answered /haops-health through the peer's own address, asked from this node. */
  peerHttp: string | null;
  /** Whether this node can hand off connections of the old holder when it takes a VIP, or why not. */
  handoff: HandoffAbility;
}

export function parseDrainFacts(stdout: string): DrainFacts {
  const peer = /^peerhttp (\S+)/m.exec(stdout)?.[1] ?? null;
  return {
    keepalivedVersion: /^version .*?v(\d+\.\d+\.\d+)/m.exec(stdout)?.[1] ?? null,
    hook: (/^hook (track_file|vrrp_track_file|vrrp_script) /m.exec(stdout)?.[1] as DrainMethod | undefined) ?? null,
    drained: /^drained yes$/m.test(stdout),
    leased: /^lease yes$/m.test(stdout),
    addresses: parseAddresses(stdout),
    peerHttp: peer && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(peer) ? peer : null,
    handoff: parseHandoffAbility(stdout),
  };
}

/**
 * Drain: end any handoff left on this node (its haops vanished: it would send the VIPs' traffic
 * back here), keep answering for every VIP it holds on lo (the bridge: traffic still sent here
 * while the peer takes over is served, not dropped), tell kept-alive connections here to close
 * before the VIPs move (their next connection opens on the new holder), then raise the flag.
 * keepalived goes FAULT, drops the VIPs from the interface and sends a priority-0 advert; the peer
 * takes over after its skew. With a LEASE_TOKEN the drain is temporary (a switchover's, or a
 * `haops drain` until confirmed): the node lifts it by itself after LEASE_SECONDS unless a
 * deliberate drain has taken the flag over meanwhile; without, any lease left goes. The flag is
 * written to a temp file renamed into place: keepalived's inotify sees one complete write.
 */
export const DRAIN = nodeScript(
  'drain',
  { VIPS: ['192.168.0.100', '2001:db8::100'], IFACE: 'eth0', TOKEN: 'tok1', BRIDGE_SECONDS: 20, LEASE_TOKEN: 'tok1', LEASE_SECONDS: 30 },
  `${UNHANDOFF.text}${BRIDGE.text}[ -n "$VIPS" ] && ${CLOSING_LINE}
mkdir -p /var/lib/haops
if [ -n "$LEASE_TOKEN" ]; then
  echo "$LEASE_TOKEN" > ${LEASE}; nohup sh -c 'sleep "$1"; [ "$(cat ${LEASE} 2>/dev/null)" = "$2" ] && rm -f ${DRAIN_FLAG} ${LEASE} ${CLOSING_FLAG}' sh "$LEASE_SECONDS" "$LEASE_TOKEN" >/dev/null 2>&1 </dev/null &
else
  rm -f ${LEASE}
fi
mkdir -p /var/lib/haops && echo 1 > ${DRAIN_FLAG}.haops-tmp && mv -f ${DRAIN_FLAG}.haops-tmp ${DRAIN_FLAG} && echo ${DRAINED_MARK}`,
);

/** A drain confirmed by `haops drain`: the lease goes, so the node keeps the flag for good. */
export const KEEP = nodeScript('keep drain', {}, `[ -e ${DRAIN_FLAG} ] && rm -f ${LEASE} && echo ${KEPT_MARK}`);

/** On the peer of a node being undrained: it keeps answering on lo for the VIPs coming back (the
 * preempting node sends its advert a moment before its gratuitous ARP), as the drained node did on
 * the way out, and tells its kept-alive connections to close. */
export const BRIDGE_BACK = nodeScript(
  'bridge back',
  { VIPS: ['192.168.0.100', '2001:db8::100'], IFACE: 'eth0', TOKEN: 'tok1', BRIDGE_SECONDS: 20 },
  `${UNHANDOFF.text}${BRIDGE.text}${CLOSING_LINE}`,
);

/** Undrain: any bridge goes, then the flag; keepalived leaves FAULT for BACKUP and (with
 * preemption) takes its VIPs back. */
export const UNDRAIN = nodeScript(
  'undrain',
  { VIPS: ['192.168.0.100', '2001:db8::100'], IFACE: 'eth0' },
  `${UNBRIDGE.text}rm -f ${DRAIN_FLAG} ${DRAIN_FLAG}.haops-tmp ${LEASE} && echo ${UNDRAINED_MARK}`,
);

/** The addresses on the pair's interface (no lo: a bridge is not holding the VIP). */
export const ADDRESSES = nodeScript('addresses', { IFACE: 'eth0' }, `${ADDR4_LINES(' dev "$IFACE"')}; ${ADDR6_LINES(' dev "$IFACE"')}`);

/** `addr A/P` lines of either family (ip prints IPv6 in canonical form, as haops compares it). */
export function parseAddresses(stdout: string): string[] {
  return [...stdout.matchAll(/^addr (\d+\.\d+\.\d+\.\d+|[0-9a-f:]*:[0-9a-f:]*)\//gm)].map((m) => m[1]!);
}

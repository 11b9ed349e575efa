// The node-side half of drain and undrain: shell scripts built from validated model values
// (addresses, interface, port) and the parser of what the nodes say. Pure.
import { PATHS } from '../render/index.js';
import { randomBytes } from 'node:crypto';
import { shellQuote } from '../core/quote.js';
import { DRAIN_FLAG, DRAIN_PROBE, DRAIN_TRACK, drainMethod, type DrainMethod } from '../render/drain.js';
import { CLOSING_FLAG } from '../render/nginx.js';

/** Printed once the flag is in place (the exit code alone has been seen missing). */
export const DRAINED_MARK = '@@haops-drained@@';
export const UNDRAINED_MARK = '@@haops-undrained@@';

const randomToken = () => randomBytes(6).toString('hex');

/** How long a bridge may live if haops vanishes mid-drain: the node removes it itself. */
export const BRIDGE_SELF_REMOVE_SECONDS = 20;

export interface DrainFacts {
  keepalivedVersion: string | null;
  method: DrainMethod;
  /** keepalived.conf carries the drain hook (deployed by a haops that knows drain). */
  hook: boolean;
  drained: boolean;
  /** The flag carries a lease: a drain not yet confirmed (or a switchover's), lifted by the node itself when it runs out. */
  leased: boolean;
  /** Addresses on the node's interfaces (any interface, lo included). */
  addresses: string[];
  /** Who answered /haops-health through the peer's own address, asked from this node. */
  peerHttp: string | null;
  /** Whether this node can hand off connections of the old holder when it takes a VIP: 'yes', or
   * why not ('no-nft': nftables is not installed; 'no-socket': its kernel lacks the socket match). */
  handoff: 'yes' | 'no-nft' | 'no-socket';
}

/** IPv6 addresses a node can answer on (a tentative or dadfailed one cannot yet), as `addr A/P` lines. */
const ADDR6_LINES = 'ip -o -6 addr show 2>/dev/null | awk \'!/ tentative| dadfailed/ {print "addr " $4}\'';

/** A host route for an address of either family on lo (a bridge). */
const hostRoute = (vip: string) => `${vip}/${vip.includes(':') ? 128 : 32}`;

export function factsScript(peerIp: string, port: number): string {
  const url = shellQuote(`http://${peerIp}:${port}/haops-health`);
  return [
    `echo "version $(keepalived -v 2>&1 | head -n 1)"`,
    // The method that runs is the one in the live config, whatever the version would allow.
    `grep -o -E '^(track_file|vrrp_track_file|vrrp_script) ${DRAIN_TRACK} ' ${PATHS.keepalived} 2>/dev/null | sed 's/^/hook /'`,
    DRAIN_PROBE,
    `[ -e ${LEASE} ] && echo 'lease yes'`,
    'ip -o -4 addr show | awk \'{print "addr " $4}\'',
    ADDR6_LINES,
    HANDOFF_PROBE,
    `echo "peerhttp $(curl -s -m 2 ${url} 2>/dev/null || wget -q -T 2 -O - ${url} 2>/dev/null)"`,
    'true',
  ].join('\n');
}

export function parseFacts(stdout: string): DrainFacts {
  const version = /^version .*?v(\d+\.\d+\.\d+)/m.exec(stdout)?.[1] ?? null;
  const peer = /^peerhttp (\S+)/m.exec(stdout)?.[1] ?? null;
  const hook = /^hook (track_file|vrrp_track_file|vrrp_script) /m.exec(stdout);
  return {
    keepalivedVersion: version,
    method: (hook?.[1] as DrainMethod | undefined) ?? drainMethod(version),
    hook: Boolean(hook),
    drained: /^drained yes$/m.test(stdout),
    leased: /^lease yes$/m.test(stdout),
    addresses: parseAddresses(stdout),
    peerHttp: peer && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(peer) ? peer : null,
    handoff: (/^handoff (yes|no-nft|no-socket)$/m.exec(stdout)?.[1] as DrainFacts['handoff'] | undefined) ?? 'no-nft',
  };
}

// The temp file is renamed into place: keepalived's inotify sees one complete write.
const writeFlag = `mkdir -p ${posixDir(DRAIN_FLAG)} && echo 1 > ${DRAIN_FLAG}.haops-tmp && mv -f ${DRAIN_FLAG}.haops-tmp ${DRAIN_FLAG}`;

function posixDir(p: string): string {
  return p.slice(0, p.lastIndexOf('/'));
}

/**
 * Drain: keep answering for every VIP this node holds on lo (the bridge: traffic still sent here
 * while the peer takes over is served, not dropped), then raise the flag. keepalived goes FAULT,
 * drops the VIPs from the interface and sends a priority-0 advert; the peer takes over after its
 * skew. The bridge removes itself after a while even if haops vanishes.
 */
export function drainScript(
  heldVips: string[],
  iface: string,
  selfUndrain?: { token: string; seconds: number },
  bridgeSeconds = BRIDGE_SELF_REMOVE_SECONDS,
): string {
  // A switchover's drain is temporary: the node lifts it by itself if haops vanishes (killed,
  // connection lost), unless a deliberate `haops drain` has taken the flag over meanwhile.
  const lease = selfUndrain
    ? `echo ${selfUndrain.token} > ${LEASE}; nohup sh -c 'sleep ${selfUndrain.seconds}; [ "$(cat ${LEASE} 2>/dev/null)" = ${selfUndrain.token} ] && rm -f ${DRAIN_FLAG} ${LEASE} ${CLOSING_FLAG}' >/dev/null 2>&1 </dev/null &\n`
    : `rm -f ${LEASE}\n`;
  // A handoff left on this node (its haops vanished) would send the VIPs' traffic back here.
  // Kept-alive connections here are told to close (each next response says Connection: close)
  // before the VIPs move; their next connection opens on the new holder.
  const closing = heldVips.length ? closingScript() : '';
  return `${unhandoffScript()}${bridgeScript(heldVips, iface, selfUndrain?.token ?? randomToken(), bridgeSeconds)}${closing}mkdir -p ${posixDir(DRAIN_FLAG)}\n${lease}${writeFlag} && echo ${DRAINED_MARK}\n`;
}

/** Who owns a temporary drain: the token of the run that will lift it (a switchover round, or a
 * `haops drain` until it has seen the VIPs on the peer). */
export const LEASE = `${DRAIN_FLAG}.switchover`;

/** A drain confirmed by `haops drain`: the lease goes, so the node keeps the flag for good. */
export const KEPT_MARK = '@@haops-kept@@';
export function keepScript(): string {
  return `[ -e ${DRAIN_FLAG} ] && rm -f ${LEASE} && echo ${KEPT_MARK}\n`;
}

/** One drain or undrain at a time per pair, across haops processes: a directory made atomically
 * on the pair's first node, with the owner's token and the time; older than `staleSeconds` is
 * taken over (its haops vanished). Prints LOCKED_MARK, or `held AGE` when another run holds it. */
export const LOCK = '/var/lib/haops/drain.lock';
export const LOCKED_MARK = '@@haops-locked@@';
export function lockScript(token: string, staleSeconds = 60): string {
  return [
    `mkdir -p ${posixDir(LOCK)}`,
    `if mkdir ${LOCK} 2>/dev/null; then echo "${token} $(date +%s)" > ${LOCK}/owner; echo ${LOCKED_MARK}`,
    `else since=; read -r _ since 2>/dev/null < ${LOCK}/owner; age=$(( $(date +%s) - \${since:-0} ))`,
    `  if [ "$age" -gt ${staleSeconds} ]; then echo "${token} $(date +%s)" > ${LOCK}/owner; echo ${LOCKED_MARK}; else echo "held $age"; fi`,
    'fi',
    '',
  ].join('\n');
}
export function unlockScript(token: string): string {
  return `[ "$(cut -d' ' -f1 ${LOCK}/owner 2>/dev/null)" = ${token} ] && rm -rf ${LOCK}; true\n`;
}

/** Whether the node's drain flag is up, asked under the lock (facts may be older than the lock). */
export const DRAINED_PROBE = `${DRAIN_PROBE}; true\n`;

/** Per VIP, the token of the bridge now on lo: a bridge's self-removal only removes its own. */
const bridgeMark = (vip: string) => `/run/haops-bridge-${vip}`;

/** The device of an interface name (an alias like eth0:1 shares eth0's sysctls and traffic). */
export const deviceOf = (iface: string) => iface.replace(/:.*$/, '');

/** The interface's arp_ignore before the first bridge raised it; put back when the last bridge goes. */
// Unquoted on purpose: these also go inside a bridge's single-quoted `sh -c`, and the inventory's
// interface rule ([A-Za-z0-9_.:-], letter or digit first) leaves nothing a shell would read otherwise.
const arpSaved = (dev: string) => `/run/haops-arp-ignore-${dev}`;
const arpIgnore = (dev: string) => `/proc/sys/net/ipv4/conf/${dev}/arp_ignore`;

/** Once no bridge is left on the node, the interface's arp_ignore goes back to what it was. */
const arpRestore = (dev: string) =>
  `(flock 9 2>/dev/null; ls /run/haops-bridge-* >/dev/null 2>&1 || { [ -e ${arpSaved(dev)} ] && cat ${arpSaved(dev)} > ${arpIgnore(dev)} && rm -f ${arpSaved(dev)}; }) 9>${ARP_LOCK}`;

/** Saving and raising arp_ignore, and putting it back, take this lock: a bridge's timer that
 * restored arp_ignore while a new bridge raised it once left it at 1 with nothing saved, for good
 * (lab). The new bridge's mark is written first, so a restore that runs after it leaves it alone. */
const ARP_LOCK = '/run/haops-arp.lock';

/**
 * Answer for these VIPs on lo for a while, whoever holds them on the interface. Each bridge
 * removes itself after a while if haops vanishes, but only if it is still the newest bridge for
 * that VIP: an older round's timer once removed a newer bridge mid-move (lab captures: SYNs
 * dropped by the drained node, responses stuck on the old holder until it held the VIP again).
 * While a bridge is up, the interface answers ARP only for its own addresses (arp_ignore 1): the
 * copy on lo must not answer ARP for the VIP beside the new holder, or a client that asks at the
 * wrong moment keeps the old MAC and loses its connections when the bridge ends.
 */
export function bridgeScript(vips: string[], iface: string, token = 'b', seconds = BRIDGE_SELF_REMOVE_SECONDS): string {
  const dev = deviceOf(iface);
  const arp = vips.length
    ? [
        `(flock 9 2>/dev/null; [ -e ${arpSaved(dev)} ] || cat ${arpIgnore(dev)} > ${arpSaved(dev)}; [ "$(cat ${arpIgnore(dev)})" = 0 ] && echo 1 > ${arpIgnore(dev)}) 9>${ARP_LOCK}`,
      ]
    : [];
  const lines = vips.flatMap((vip) => [
    `ip addr add ${hostRoute(vip)} dev lo 2>/dev/null`,
    `echo ${token} > ${bridgeMark(vip)}`,
    `nohup sh -c 'sleep ${seconds}; [ "$(cat ${bridgeMark(vip)} 2>/dev/null)" = ${token} ] && ip addr del ${hostRoute(vip)} dev lo && rm -f ${bridgeMark(vip)} ${CLOSING_FLAG}; ${arpRestore(dev)}' >/dev/null 2>&1 </dev/null &`,
  ]);
  return [...lines, ...arp, 'true'].map((l) => l + '\n').join('');
}

/** Ends the bridges: the peer holds the VIPs and has announced them. */
export function unbridgeScript(vips: string[], iface: string): string {
  return (
    vips
      .map((vip) => `ip addr del ${hostRoute(vip)} dev lo 2>/dev/null; rm -f ${bridgeMark(vip)}`)
      .concat(`rm -f ${CLOSING_FLAG}`, arpRestore(deviceOf(iface)), 'true')
      .join('\n') + '\n'
  );
}

/** nginx says Connection: close on every response of haops's locations while CLOSING_FLAG
 * exists (render/nginx.ts): no reload, which would close idle kept-alive connections at once. */
export function closingScript(): string {
  return `touch ${CLOSING_FLAG}\n`;
}

/** Established TCP connections on this node whose local end is one of the VIPs at `port`: what
 * a hold waits for. Prints `conns N`. */
export function connectionsScript(vips: string[], port: number): string {
  const want = vips.map((v) => `${v.includes(':') ? `[${v}]` : v}:${port}`).join(' ');
  return `ss -Htn state established '( sport = :${port} )' 2>/dev/null | awk -v want=${shellQuote(want)} 'BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) ok[w[i]] = 1 } ok[$3] { c++ } END { print "conns " c + 0 }'\n`;
}

export function parseConnections(stdout: string): number | null {
  const m = /^conns (\d+)$/m.exec(stdout);
  return m ? Number(m[1]) : null;
}

/** The nftables table of a handoff, and the token of the run that owns it. */
export const HANDOFF_TABLE = 'haops_handoff';
const handoffMark = '/run/haops-handoff';
export const HANDOFF_MARK = '@@haops-handoff@@';

/** The ruleset of a handoff: TCP to these VIPs that belongs to no connection of this node goes,
 * unchanged, to the old holder (which still answers for the VIPs on lo). Kept apart so a test can
 * load it into a kernel.
 *
 * A connection is this node's when it is established here, or when its SYN arrived here during
 * the handoff (the set `mine`: its handshake's last ACK meets a request socket, which the socket
 * match cannot tell from a TIME_WAIT one). A TIME_WAIT socket left from when this node last held
 * the VIP is not a connection of this node: a client that reuses the port for a connection on the
 * old holder would otherwise have its request answered with a stale ACK and hang (lab: wrk's 16
 * kept-alive sockets, 1 to 4 of them stuck per reloading deploy). */
export function handoffRules(vips: string[], oldHolder: string, iface: string): string {
  return [
    `table ip ${HANDOFF_TABLE} {`,
    `  set mine { type ipv4_addr . inet_service; flags dynamic,timeout; timeout ${HANDOFF_MINE_SECONDS}s; size ${HANDOFF_MINE_SIZE}; }`,
    '  chain pre {',
    '    type filter hook prerouting priority -300; policy accept;',
    `    ip daddr != { ${vips.join(', ')} } accept`,
    '    meta l4proto != tcp accept',
    // A new connection is this node's: the VIP is here now.
    '    tcp flags & (syn | ack) == syn update @mine { ip saddr . tcp sport } accept',
    // A connection of this node (bound to the VIP, not a listener on every address).
    '    socket wildcard 0 accept',
    // Only a listener answers: the connection was opened on the old holder.
    '    socket wildcard 1 goto hand',
    // A half-open connection whose SYN came here, or a closing one of this node.
    '    ip saddr . tcp sport @mine accept',
    '    goto hand',
    '  }',
    `  chain hand { counter dup to ${oldHolder} device "${deviceOf(iface)}" drop; }`,
    '}',
  ].join('\n');
}

/** How long a SYN that arrived during a handoff marks its client port as this node's: its
 * handshake ends in milliseconds; a request socket whose SYN-ACK is lost retries for seconds. */
export const HANDOFF_MINE_SECONDS = 10;
/** New connections a handoff remembers at once (26,000 a second for HANDOFF_MINE_SECONDS); past
 * that, a new connection's last handshake ACK goes to the old holder, which resets it. */
export const HANDOFF_MINE_SIZE = 262144;

/**
 * Handoff, on the node taking the VIPs: a client whose connection was opened on the old holder
 * and whose next packet arrives here after the gratuitous ARP would get a reset (this node has no
 * such connection); the handoff sends it on to the old holder instead, which still serves it
 * through its bridge. New connections stay here. Removes itself after `seconds` if haops vanishes.
 * Prints HANDOFF_MARK when the rules are in the kernel.
 */
export function handoffScript(
  vips: string[],
  oldHolder: string,
  iface: string,
  token: string,
  seconds: number,
  v6?: { vips: string[]; oldHolder: string },
): string {
  // IPv4 in `table ip`, IPv6 in its twin `table ip6` of the same name (nft keeps tables per family).
  const families = [
    ...(vips.length ? [{ family: 'ip', rules: handoffRules(vips, oldHolder, iface) }] : []),
    ...(v6?.vips.length ? [{ family: 'ip6', rules: handoffRules6(v6.vips, v6.oldHolder, iface) }] : []),
  ];
  const deletes = families.map((f) => `nft delete table ${f.family} ${HANDOFF_TABLE}`).join('; ');
  return [
    `nft -f - <<'HAOPS_NFT' && echo ${HANDOFF_MARK}`,
    ...families.flatMap((f) => [`table ${f.family} ${HANDOFF_TABLE}`, `delete table ${f.family} ${HANDOFF_TABLE}`, f.rules]),
    'HAOPS_NFT',
    `echo ${token} > ${handoffMark}`,
    `nohup sh -c 'sleep ${seconds}; [ "$(cat ${handoffMark} 2>/dev/null)" = ${token} ] && { ${deletes}; rm -f ${handoffMark}; }' >/dev/null 2>&1 </dev/null &`,
    'true',
    '',
  ].join('\n');
}

/** handoffRules for IPv6 VIPs: the same chain in `table ip6`, ip6 addresses, a dup to the old holder's ip6. */
export function handoffRules6(vips: string[], oldHolder6: string, iface: string): string {
  return handoffRules(vips, oldHolder6, iface)
    .replace(`table ip ${HANDOFF_TABLE}`, `table ip6 ${HANDOFF_TABLE}`)
    .replace('type ipv4_addr . inet_service', 'type ipv6_addr . inet_service')
    .replace('    ip daddr != {', '    ip6 daddr != {')
    .replaceAll('{ ip saddr . tcp sport }', '{ ip6 saddr . tcp sport }')
    .replace('    ip saddr . tcp sport @mine accept', '    ip6 saddr . tcp sport @mine accept');
}

/** Ends a handoff (connections still on the old holder are its own business now), printing how
 * many packets it handed on: `handed N`. */
export function unhandoffScript(): string {
  return ['ip', 'ip6']
    .map(
      (f) =>
        `nft list chain ${f} ${HANDOFF_TABLE} hand 2>/dev/null | sed -n 's/.*counter packets \\([0-9]*\\).*/handed \\1/p'; nft delete table ${f} ${HANDOFF_TABLE} 2>/dev/null; `,
    )
    .join('')
    .concat(`rm -f ${handoffMark}; true\n`);
}

/** The packets handed on, over both families' tables. */
export function parseHanded(stdout: string): number | null {
  const all = [...stdout.matchAll(/^handed (\d+)$/gm)];
  return all.length ? all.reduce((n, m) => n + Number(m[1]), 0) : null;
}

/** Whether the node can hand off (nft with the socket expression), asked by the facts script. */
export const HANDOFF_PROBE = [
  `if command -v nft >/dev/null 2>&1; then nft -c -f - >/dev/null 2>&1 <<'HAOPS_NFT' && echo 'handoff yes' || echo 'handoff no-socket'`,
  `table ip ${HANDOFF_TABLE}_probe {`,
  '  set mine { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 60s; }',
  '  chain pre { type filter hook prerouting priority -300; tcp flags & (syn | ack) == syn update @mine { ip saddr . tcp sport }; ip saddr . tcp sport @mine accept; socket wildcard 1 dup to 127.0.0.1 device "lo" drop; }',
  '}',
  'HAOPS_NFT',
  "else echo 'handoff no-nft'; fi",
].join('\n');

/** Undrain: the flag goes, keepalived leaves FAULT for BACKUP and (with preemption) takes its VIPs back. */
export function undrainScript(vips: string[], iface: string): string {
  return unbridgeScript(vips, iface) + `rm -f ${DRAIN_FLAG} ${DRAIN_FLAG}.haops-tmp ${LEASE} && echo ${UNDRAINED_MARK}\n`;
}

/** The addresses on one interface (no lo: a bridge is not holding the VIP). */
export function addressesScript(iface: string): string {
  return `ip -o -4 addr show dev ${shellQuote(iface)} | awk '{print "addr " $4}'; ip -o -6 addr show dev ${shellQuote(iface)} 2>/dev/null | awk '!/ tentative| dadfailed/ {print "addr " $4}'`;
}

/** `addr A/P` lines of either family (ip prints IPv6 in canonical form, as haops compares it). */
export function parseAddresses(stdout: string): string[] {
  return [...stdout.matchAll(/^addr (\d+\.\d+\.\d+\.\d+|[0-9a-f:]*:[0-9a-f:]*)\//gm)].map((m) => m[1]!);
}

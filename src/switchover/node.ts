// The node-side half of drain and undrain: shell scripts built from validated model values
// (addresses, interface, port) and the parser of what the nodes say. Pure.
import { PATHS } from '../render/index.js';
import { randomBytes } from 'node:crypto';
import { shellQuote } from '../core/quote.js';
import { DRAIN_FLAG, DRAIN_PROBE, DRAIN_TRACK, drainMethod, type DrainMethod } from '../render/drain.js';

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
}

export function factsScript(peerIp: string, port: number): string {
  const url = shellQuote(`http://${peerIp}:${port}/haops-health`);
  return [
    `echo "version $(keepalived -v 2>&1 | head -n 1)"`,
    // The method that runs is the one in the live config, whatever the version would allow.
    `grep -o -E '^(track_file|vrrp_track_file|vrrp_script) ${DRAIN_TRACK} ' ${PATHS.keepalived} 2>/dev/null | sed 's/^/hook /'`,
    DRAIN_PROBE,
    `[ -e ${LEASE} ] && echo 'lease yes'`,
    'ip -o -4 addr show | awk \'{print "addr " $4}\'',
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
    addresses: [...stdout.matchAll(/^addr (\d+\.\d+\.\d+\.\d+)\//gm)].map((m) => m[1]!),
    peerHttp: peer && /^[A-Za-z][A-Za-z0-9_.-]*$/.test(peer) ? peer : null,
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
export function drainScript(heldVips: string[], selfUndrain?: { token: string; seconds: number }): string {
  // A switchover's drain is temporary: the node lifts it by itself if haops vanishes (killed,
  // connection lost), unless a deliberate `haops drain` has taken the flag over meanwhile.
  const lease = selfUndrain
    ? `echo ${selfUndrain.token} > ${LEASE}; nohup sh -c 'sleep ${selfUndrain.seconds}; [ "$(cat ${LEASE} 2>/dev/null)" = ${selfUndrain.token} ] && rm -f ${DRAIN_FLAG} ${LEASE}' >/dev/null 2>&1 </dev/null &\n`
    : `rm -f ${LEASE}\n`;
  return `${bridgeScript(heldVips, selfUndrain?.token ?? randomToken())}mkdir -p ${posixDir(DRAIN_FLAG)}\n${lease}${writeFlag} && echo ${DRAINED_MARK}\n`;
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
    `else set -- $(cat ${LOCK}/owner 2>/dev/null); age=$(( $(date +%s) - \${2:-0} ))`,
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

/**
 * Answer for these VIPs on lo for a while, whoever holds them on the interface. Each bridge
 * removes itself after a while if haops vanishes, but only if it is still the newest bridge for
 * that VIP: an older round's timer once removed a newer bridge mid-move (lab captures: SYNs
 * dropped by the drained node, responses stuck on the old holder until it held the VIP again).
 */
export function bridgeScript(vips: string[], token = 'b'): string {
  const lines = vips.flatMap((vip) => [
    `ip addr add ${vip}/32 dev lo 2>/dev/null`,
    `echo ${token} > ${bridgeMark(vip)}`,
    `nohup sh -c 'sleep ${BRIDGE_SELF_REMOVE_SECONDS}; [ "$(cat ${bridgeMark(vip)} 2>/dev/null)" = ${token} ] && ip addr del ${vip}/32 dev lo && rm -f ${bridgeMark(vip)}' >/dev/null 2>&1 </dev/null &`,
  ]);
  return lines.map((l) => l + '\n').join('');
}

/** Ends the bridges: the peer holds the VIPs and has announced them. */
export function unbridgeScript(vips: string[]): string {
  return (
    vips
      .map((vip) => `ip addr del ${vip}/32 dev lo 2>/dev/null; rm -f ${bridgeMark(vip)}`)
      .concat('true')
      .join('\n') + '\n'
  );
}

/** Undrain: the flag goes, keepalived leaves FAULT for BACKUP and (with preemption) takes its VIPs back. */
export function undrainScript(vips: string[]): string {
  return unbridgeScript(vips) + `rm -f ${DRAIN_FLAG} ${DRAIN_FLAG}.haops-tmp ${LEASE} && echo ${UNDRAINED_MARK}\n`;
}

/** The addresses on one interface (no lo: a bridge is not holding the VIP). */
export function addressesScript(iface: string): string {
  return `ip -o -4 addr show dev ${shellQuote(iface)} | awk '{print "addr " $4}'`;
}

export function parseAddresses(stdout: string): string[] {
  return [...stdout.matchAll(/^addr (\d+\.\d+\.\d+\.\d+)\//gm)].map((m) => m[1]!);
}

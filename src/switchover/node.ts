// The node-side half of drain and undrain: shell scripts built from validated model values
// (addresses, interface, port) and the parser of what the nodes say. Pure.
import { PATHS } from '../render/index.js';
import { shellQuote } from '../core/quote.js';
import { DRAIN_FLAG, DRAIN_PROBE, DRAIN_TRACK, drainMethod, type DrainMethod } from '../render/drain.js';

/** Printed once the flag is in place (the exit code alone has been seen missing). */
export const DRAINED_MARK = '@@haops-drained@@';
export const UNDRAINED_MARK = '@@haops-undrained@@';

/** How long a bridge may live if haops vanishes mid-drain: the node removes it itself. */
export const BRIDGE_SELF_REMOVE_SECONDS = 20;

export interface DrainFacts {
  keepalivedVersion: string | null;
  method: DrainMethod;
  /** keepalived.conf carries the drain hook (deployed by a haops that knows drain). */
  hook: boolean;
  drained: boolean;
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
  return `${bridgeScript(heldVips)}mkdir -p ${posixDir(DRAIN_FLAG)}\n${lease}${writeFlag} && echo ${DRAINED_MARK}\n`;
}

/** Who owns a temporary drain: the token of the switchover that will lift it. */
export const LEASE = `${DRAIN_FLAG}.switchover`;

/** Answer for these VIPs on lo for a while, whoever holds them on the interface. */
export function bridgeScript(vips: string[]): string {
  const lines = vips.flatMap((vip) => [
    `ip addr add ${vip}/32 dev lo 2>/dev/null`,
    `nohup sh -c 'sleep ${BRIDGE_SELF_REMOVE_SECONDS}; ip addr del ${vip}/32 dev lo' >/dev/null 2>&1 </dev/null &`,
  ]);
  return lines.map((l) => l + '\n').join('');
}

/** Ends the bridges: the peer holds the VIPs and has announced them. */
export function unbridgeScript(vips: string[]): string {
  return (
    vips
      .map((vip) => `ip addr del ${vip}/32 dev lo 2>/dev/null`)
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

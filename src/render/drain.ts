// The drain flag's keepalived.conf pieces (haops drain, src/switchover): keepalived watches the
// flag file (track_file, weight 0) or polls it (a flag-file vrrp_script on keepalived 1.x). Present =
// drained: every instance on the node goes FAULT, sends a priority-0 advert and holds no VIP,
// also after a restart or reboot. The flag, its hook and its probe are protocol/drain-flag.ts.
import { DRAIN_FLAG, DRAIN_HOOK, DRAIN_TRACK, type DrainMethod } from '../protocol/drain-flag.js';

export function versionAtLeast(version: string | null | undefined, want: [number, number, number]): boolean {
  if (!version) return false;
  const have = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== want[i]) return (have[i] ?? 0) > want[i]!;
  }
  return true;
}

/** How keepalived learns of the flag, by version (track_file 2.0.0 as vrrp_track_file, renamed
 * 2.1.0). Unknown version: the flag-file script, which every keepalived runs. */
export function drainMethod(version: string | null | undefined): DrainMethod {
  if (versionAtLeast(version, [2, 1, 0])) return 'track_file';
  if (versionAtLeast(version, [2, 0, 0])) return 'vrrp_track_file';
  return 'vrrp_script';
}

/** The keepalived.conf pieces: a top-level block, and the name each instance tracks, either in
 * its track_script list (one list: 1.x is not known to merge two blocks) or in a track_file block. */
export interface DrainConf {
  method: DrainMethod;
  block: string;
  trackScript?: string;
  trackFile?: string;
}

export function drainKeepalived(version: string | null | undefined): DrainConf {
  const method = drainMethod(version);
  if (method === 'vrrp_script') {
    // No track_file here: a script that fails while the flag exists. weight 0 means FAULT, as
    // with track_file; interval 1, fall 1 means the drain is seen within a second.
    return {
      method,
      block: [
        `# Drain (haops drain): while ${DRAIN_FLAG} exists this node holds no VIP (FAULT).`,
        `vrrp_script ${DRAIN_TRACK} {`,
        `    script "/bin/sh -c '${DRAIN_HOOK.text.trimEnd()}'"`,
        '    interval 1',
        '    weight 0',
        '    fall 1',
        '    rise 1',
        '}',
      ].join('\n'),
      trackScript: DRAIN_TRACK,
    };
  }
  return {
    method,
    block: [
      `# Drain (haops drain): while ${DRAIN_FLAG} holds a non-zero number this node holds no VIP`,
      '# (FAULT, priority-0 advert). keepalived watches it with inotify: no polling.',
      `${method} ${DRAIN_TRACK} {`,
      `    file "${DRAIN_FLAG}"`,
      '    weight 0',
      '}',
    ].join('\n'),
    trackFile: DRAIN_TRACK,
  };
}

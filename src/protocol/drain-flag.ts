// The drain flag on a node's disk (haops drain): keepalived watches it (track_file) or polls it
// with the hook below (keepalived 1.x); the probe line says whether it is up. Render writes the hook.
import { nodeScript } from './script.js';

/** On disk, so a drain survives a keepalived restart and a reboot. The directory must exist
 * before keepalived starts (track_file watches it with inotify); deploy's handler bookkeeping
 * (/var/lib/haops/pending) creates it whenever keepalived.conf changes. */
export const DRAIN_FLAG = '/var/lib/haops/drain';
/** The name keepalived.conf gives the flag's track_file or vrrp_script. */
export const DRAIN_TRACK = 'haops_drain';

/** How keepalived learns of the flag: the keyword of the hook in keepalived.conf. */
export type DrainMethod = 'track_file' | 'vrrp_track_file' | 'vrrp_script';

/** keepalived 1.x's vrrp_script command (run by `/bin/sh -c`): fails while the flag exists. No `!`
 * or `#` in it: keepalived's parser reads either as a comment, even inside the line. */
export const DRAIN_HOOK = nodeScript('drain hook (keepalived 1.x vrrp_script)', {}, `[ -e ${DRAIN_FLAG} ] && exit 1 || exit 0`);

/** A line for a node-side probe script: says `drained yes` when the flag is there. */
export const DRAIN_PROBE = `[ -e ${DRAIN_FLAG} ] && echo 'drained yes'`;

/** Whether the flag is up, asked on its own (under the pair's lock: facts may be older than it). */
export const DRAINED = nodeScript('drained probe', {}, `${DRAIN_PROBE}; true`);

export const parseDrained = (stdout: string): boolean => /^drained yes$/m.test(stdout);

// Service actions for commands built before the node's init system is known (status, drill,
// the facts probes): the systemd-or-SysV test is written here and nowhere else. A deploy knows
// the OS family from its facts and uses commands.ts instead. Starting, stopping and asking live
// in the protocol room (protocol/service.ts), re-exported here for the scripts not yet moved.

export { serviceAction, serviceActive, waitGone } from '../protocol/service.js';

/** True on a node booted with systemd (the test systemd itself documents for sd_booted). */
export const IS_SYSTEMD = '[ -d /run/systemd/system ]';

/** One shell line: `systemd` on a systemd node, else `sysv`. */
export function byInit(systemd: string, sysv: string): string {
  return `if ${IS_SYSTEMD}; then ${systemd}; else ${sysv}; fi`;
}

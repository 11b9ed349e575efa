// The node's init system, asked on the node: the systemd-or-SysV test, for scripts written before
// the node's OS is known (facts, status, the drill's faults; the service lines on it are in
// protocol/service.ts). A deploy knows the OS family from its facts and uses protocol/commands.ts (chosen in platforms/commands.ts) instead.

/** True on a node booted with systemd (the test systemd itself documents for sd_booted). */
export const IS_SYSTEMD = '[ -d /run/systemd/system ]';

/** One shell line: `systemd` on a systemd node, else `sysv`. */
export function byInit(systemd: string, sysv: string): string {
  return `if ${IS_SYSTEMD}; then ${systemd}; else ${sysv}; fi`;
}

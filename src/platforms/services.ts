// Service actions for commands built before the node's init system is known (status, drill,
// the facts probes): the systemd-or-SysV test is written here and nowhere else. A deploy knows
// the OS family from its facts and uses commands.ts instead.

/** True on a node booted with systemd (the test systemd itself documents for sd_booted). */
export const IS_SYSTEMD = '[ -d /run/systemd/system ]';

/** One shell line: `systemd` on a systemd node, else `sysv`. */
export function byInit(systemd: string, sysv: string): string {
  return `if ${IS_SYSTEMD}; then ${systemd}; else ${sysv}; fi`;
}

/**
 * Starts or stops a service on either init. A unit that failed (a drill's kill) is reset first,
 * so systemd does not refuse the start. `name` is a shell word (quote it before).
 */
export function serviceAction(action: 'start' | 'stop', name: string): string {
  return byInit(`systemctl reset-failed ${name} 2>/dev/null; systemctl ${action} ${name}`, `service ${name} ${action}`);
}

/** Exit status 0 when the service runs. */
export function serviceActive(name: string): string {
  return byInit(`systemctl is-active --quiet ${name}`, `service ${name} status >/dev/null 2>&1`);
}

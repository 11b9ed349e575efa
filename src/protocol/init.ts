// The node's init system, asked on the node: the systemd-or-SysV test and the service lines built on
// it, for scripts written before the node's OS is known (facts, status, the drill's faults). A
// deploy knows the OS family from its facts and uses platforms/commands.ts instead.

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
  // `service NAME stop` may return before the daemon is gone (Debian's init scripts): wait, as systemctl does.
  return byInit(
    `systemctl reset-failed ${name} 2>/dev/null; systemctl ${action} ${name}`,
    `service ${name} ${action}${action === 'stop' ? ` && ${waitGone(name)}` : ''}`,
  );
}

/** Until no process of that name is left (at most 10 s). `name` is a shell word. */
export const waitGone = (name: string) => `i=0; while pidof ${name} >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`;

/** Exit status 0 when the service runs. Debian's keepalived init script has no `status`: its pid says it. */
export function serviceActive(name: string): string {
  return `if ${IS_SYSTEMD}; then systemctl is-active --quiet ${name}; elif grep -q 'status)' /etc/init.d/${name} 2>/dev/null; then service ${name} status >/dev/null 2>&1; else pidof ${name} >/dev/null; fi`;
}

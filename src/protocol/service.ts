// Services on either init, for scripts that run before the node's init is known (status, drill,
// the confirm look after a deploy): starting, stopping and asking, systemd or SysV. Two forms of
// one shell: SERVICE_FUNCTIONS for an asset's fixed text, and the one-line builders for scripts
// not yet assets (a name there is a shell word, quoted by the caller).

import { IS_SYSTEMD as SYSTEMD } from './init.js';
import { nodeScript } from './script.js';

/**
 * Shell functions: `service_action start|stop NAME` (a unit that failed, after a drill's kill, is
 * reset first so systemd does not refuse the start; `service NAME stop` may return before the
 * daemon is gone, Debian's init scripts: it waits, as systemctl does), `wait_gone NAME` (at most
 * 10 s) and `service_active NAME` (Debian's keepalived init script has no `status`: its pid says it).
 */
export const SERVICE_FUNCTIONS = `wait_gone() { i=0; while pidof "$1" >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; }
service_action() {
  if ${SYSTEMD}; then systemctl reset-failed "$2" 2>/dev/null; systemctl "$1" "$2"
  elif [ "$1" = stop ]; then service "$2" stop && wait_gone "$2"
  else service "$2" "$1"; fi
}
service_active() {
  if ${SYSTEMD}; then systemctl is-active --quiet "$1"
  elif grep -q 'status)' "/etc/init.d/$1" 2>/dev/null; then service "$1" status >/dev/null 2>&1
  else pidof "$1" >/dev/null; fi
}`;

/** Starts or stops one service on either init; exits with the action's status. */
export const SERVICE = nodeScript(
  'service start or stop',
  { ACTION: 'start', SERVICE: 'nginx' },
  `${SERVICE_FUNCTIONS}
service_action "$ACTION" "$SERVICE"
`,
);

/** One shell line: `service_action ACTION NAME` written out. `name` is a shell word (quote it before). */
export function serviceAction(action: 'start' | 'stop', name: string): string {
  const sysv = `service ${name} ${action}${action === 'stop' ? ` && ${waitGone(name)}` : ''}`;
  return `if ${SYSTEMD}; then systemctl reset-failed ${name} 2>/dev/null; systemctl ${action} ${name}; else ${sysv}; fi`;
}

/** One shell line: `wait_gone NAME` written out. `name` is a shell word. */
export const waitGone = (name: string) => `i=0; while pidof ${name} >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`;

/** One shell line: `service_active NAME` written out (exit status 0 when the service runs). `name` is a shell word. */
export function serviceActive(name: string): string {
  return `if ${SYSTEMD}; then systemctl is-active --quiet ${name}; elif grep -q 'status)' /etc/init.d/${name} 2>/dev/null; then service ${name} status >/dev/null 2>&1; else pidof ${name} >/dev/null; fi`;
}

/** One shell line that prints `NAME-running` when the service runs (read back with `saysRunning`). `name` is a plain word. */
export function runningLine(name: string): string {
  if (!/^[A-Za-z0-9_.@-]+$/.test(name)) throw new Error(`not a plain service name: ${JSON.stringify(name)}`);
  return `${serviceActive(name)} && echo ${name}-running\n`;
}

/** Whether output holding a `runningLine` says the service runs. */
export const saysRunning = (stdout: string, name: string): boolean => stdout.split('\n').includes(`${name}-running`);

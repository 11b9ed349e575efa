// One-line commands a deploy runs on a node whose OS family and init it knows from its facts:
// installing packages, enabling, starting, restarting and reloading a service, testing a config
// file, and the settle that clears the handlers a service owed. Built here from plain values
// (each a quoted shell word); src/platforms chooses which family and init uses which. The
// simulated hosts (test/sim/shell.ts) read these lines as they are: keep them unchanged.

import { shellQuote } from '../core/quote.js';
import { APT_INSTALL } from './packages.js';
import { PENDING_DIR } from './put.js';
import { bind } from './script.js';
import { waitGone } from './service.js';

const words = (xs: readonly string[]) => xs.map(shellQuote).join(' ');

/** One family of service commands: what `enable`, `start`, `restart` and `reload` run. */
export interface ServiceCommands {
  enable(service: string): string;
  start(service: string): string;
  restart(service: string): string;
  reload(service: string): string;
}

export const SYSTEMD: ServiceCommands = {
  enable: (s) => `systemctl enable ${shellQuote(s)}`,
  start: (s) => `systemctl start ${shellQuote(s)}`,
  restart: (s) => `systemctl restart ${shellQuote(s)}`,
  reload: (s) => `systemctl reload ${shellQuote(s)}`,
};

/** `service NAME ACTION`: SysV init scripts (enable is the distribution's own: chkconfig, update-rc.d). */
const service = {
  start: (s: string) => `service ${shellQuote(s)} start`,
  restart: (s: string) => `service ${shellQuote(s)} restart`,
  reload: (s: string) => `service ${shellQuote(s)} reload`,
};

/** EL6: chkconfig and the init scripts. */
export const SYSV_EL: ServiceCommands = { enable: (s) => `chkconfig ${shellQuote(s)} on`, ...service };

/**
 * Debian booted with sysvinit-core: the package made the rc links already (`defaults` is a no-op
 * then); `enable` turns K links back into S links. Its init scripts stop with start-stop-daemon
 * and no --retry: `stop` returns while keepalived is still shutting down, and a `start` then sees
 * the old pid, does nothing, and the daemon ends up stopped: restart waits (up to 10 s) until no
 * process of the daemon is left.
 */
export const SYSV_DEBIAN: ServiceCommands = {
  ...service,
  restart: (s) => `service ${shellQuote(s)} stop && ${waitGone(shellQuote(s))} && service ${shellQuote(s)} start`,
  enable: (s) => `update-rc.d ${shellQuote(s)} defaults >/dev/null && update-rc.d ${shellQuote(s)} enable`,
};

/** `systemctl daemon-reload`: systemd reads changed unit files and drop-ins. */
export const DAEMON_RELOAD = 'systemctl daemon-reload';

/** yum in one command; `onlyRepos` limits it to those repositories (a glob like `haops-*`). */
export const yumInstall = (packages: readonly string[], onlyRepos?: string) =>
  `yum -y ${onlyRepos ? `--disablerepo='*' ${shellQuote(`--enablerepo=${onlyRepos}`)} ` : ''}install ${words(packages)}`;

/** dnf in one command. */
export const dnfInstall = (packages: readonly string[]) => `dnf -y install ${words(packages)}`;

/** apt-get is a script of its own (packages.ts): lists refreshed when stale, one retry. */
export const aptInstall = (packages: readonly string[]) => bind(APT_INSTALL, { PACKAGES: packages });

/** Tests a keepalived config file (keepalived 2.0.4+; 1.x has no -t). */
export const keepalivedTest = (file: string) => `keepalived -t -f ${shellQuote(file)}`;

/** Tests nginx's whole configuration (a site file is tested in place, included by nginx.conf). */
export const NGINX_TEST = 'nginx -t';

/**
 * A service that (re)started or reloaded has read its files: it owes no handler any more. The
 * command, then the service's markers in PENDING_DIR (put.ts) removed, only if it succeeded.
 */
export function settled(command: string, service: string): string {
  if (!/^[A-Za-z0-9_.@-]+$/.test(service)) throw new Error(`not a plain service name: ${JSON.stringify(service)}`);
  return `${command} && rm -f ${PENDING_DIR}/${service}.*`;
}

const plainPath = (p: string) => {
  if (!/^\/[A-Za-z0-9_./-]+$/.test(p)) throw new Error(`not a plain absolute path: ${JSON.stringify(p)}`);
  return p;
};

/**
 * The nginx unit's ExecStopPost line (`track: file`, render/nginx-track.ts): systemd runs it when
 * nginx stops, is killed or fails to start. The flag holds 1, written whole (a temp file renamed)
 * so inotify never reads half. `flag` is a plain absolute path under /var/lib/haops.
 */
export function writeDownFlag(flag: string): string {
  const tmp = `${plainPath(flag)}.haops-tmp`;
  return `/bin/sh -c 'mkdir -p /var/lib/haops && echo 1 > ${tmp} && mv -f ${tmp} ${flag}'`;
}

/** The nginx unit's ExecStartPost line: nginx has started, the flag is cleared (systemd runs it, no shell). */
export const clearDownFlag = (flag: string) => `/bin/rm -f ${plainPath(flag)}`;

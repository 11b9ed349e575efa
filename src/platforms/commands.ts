// The command vocabulary of each OS family: how to install, enable, start and reload a
// service and how to test a config file. Pure: every function returns a command string (a single
// command, or a protocol asset bound to its values where one command is not enough).

import { shellQuote } from '../core/quote.js';
import { waitGone } from '../protocol/service.js';
import { APT_INSTALL } from '../protocol/packages.js';
import { bind } from '../protocol/script.js';
import type { OsFamily } from '../core/state.js';

export interface Validation {
  /** Command to run, or null when the installed tool cannot test a file (see reason). */
  command: string | null;
  reason?: string;
}

export interface Platform {
  family: OsFamily;
  /** `onlyRepos` limits yum to those repositories (a glob like `haops-*`), leaving the node's repo files alone. */
  install(packages: string[], onlyRepos?: string): string;
  enable(service: string): string;
  start(service: string): string;
  restart(service: string): string;
  reload(service: string): string;
  /** Tests a keepalived config file; `version` is keepalived's own (`keepalived -v`). */
  validateKeepalived(file: string, version: string | null): Validation;
  /** Tests nginx's whole configuration (a site file is tested in place, included by nginx.conf). */
  validateNginx(): string;
}

const words = (xs: string[]) => xs.map(shellQuote).join(' ');

// `keepalived -t` exists from 2.0.4; 1.x prints "invalid option" and exits 0 having tested nothing.
const CONFIG_TEST_SINCE = [2, 0, 4];

function versionAtLeast(version: string, min: number[]): boolean {
  const parts = version.split('.').map((p) => parseInt(p, 10) || 0);
  for (let i = 0; i < min.length; i++) {
    const a = parts[i] ?? 0;
    if (a !== min[i]) return a > min[i]!;
  }
  return true;
}

function validateKeepalived(file: string, version: string | null): Validation {
  if (version === null) return { command: null, reason: 'keepalived version unknown: not validated' };
  if (!versionAtLeast(version, CONFIG_TEST_SINCE)) {
    return { command: null, reason: `keepalived ${version} has no -t (config test exists from 2.0.4): not validated` };
  }
  return { command: `keepalived -t -f ${shellQuote(file)}` };
}

const systemd = {
  enable: (s: string) => `systemctl enable ${shellQuote(s)}`,
  start: (s: string) => `systemctl start ${shellQuote(s)}`,
  restart: (s: string) => `systemctl restart ${shellQuote(s)}`,
  reload: (s: string) => `systemctl reload ${shellQuote(s)}`,
};

const service = {
  start: (s: string) => `service ${shellQuote(s)} start`,
  restart: (s: string) => `service ${shellQuote(s)} restart`,
  reload: (s: string) => `service ${shellQuote(s)} reload`,
};

const sysv = {
  enable: (s: string) => `chkconfig ${shellQuote(s)} on`,
  start: (s: string) => `service ${shellQuote(s)} start`,
  restart: (s: string) => `service ${shellQuote(s)} restart`,
  reload: (s: string) => `service ${shellQuote(s)} reload`,
};

// apt-get is a script of its own (protocol/packages.ts): lists refreshed when stale, one retry.
const aptInstall = (pkgs: string[]) => bind(APT_INSTALL, { PACKAGES: pkgs });

const yumInstall = (p: string[], onlyRepos?: string) =>
  `yum -y ${onlyRepos ? `--disablerepo='*' ${shellQuote(`--enablerepo=${onlyRepos}`)} ` : ''}install ${words(p)}`;

const PLATFORMS: Record<OsFamily, Platform> = {
  el6: { family: 'el6', install: yumInstall, ...sysv, validateKeepalived, validateNginx: () => 'nginx -t' },
  el7: { family: 'el7', install: yumInstall, ...systemd, validateKeepalived, validateNginx: () => 'nginx -t' },
  el8: { family: 'el8', install: (p) => `dnf -y install ${words(p)}`, ...systemd, validateKeepalived, validateNginx: () => 'nginx -t' },
  el9: { family: 'el9', install: (p) => `dnf -y install ${words(p)}`, ...systemd, validateKeepalived, validateNginx: () => 'nginx -t' },
  debian: { family: 'debian', install: aptInstall, ...systemd, validateKeepalived, validateNginx: () => 'nginx -t' },
};

/**
 * Shell that waits (up to 10 s) until no process of the daemon is left. Debian's init scripts
 * stop with start-stop-daemon and no --retry: `stop` returns while keepalived is still shutting
 * down, and a `start` then sees the old pid, does nothing, and the daemon ends up stopped.
 */
const waitGoneQuoted = (s: string) => waitGone(shellQuote(s));

// Debian booted with sysvinit-core: the package made the rc links already (`defaults` is a
// no-op then); `enable` turns K links back into S links.
const DEBIAN_SYSV: Platform = {
  ...PLATFORMS.debian,
  ...service,
  restart: (s: string) => `service ${shellQuote(s)} stop && ${waitGoneQuoted(s)} && service ${shellQuote(s)} start`,
  enable: (s: string) => `update-rc.d ${shellQuote(s)} defaults >/dev/null && update-rc.d ${shellQuote(s)} enable`,
};

/** The vocabulary for a node, from its facts: the OS family, and the init it actually runs. */
export function platformFor(family: OsFamily, init: 'systemd' | 'sysv' = 'systemd'): Platform {
  if (family === 'debian' && init === 'sysv') return DEBIAN_SYSV;
  return PLATFORMS[family];
}

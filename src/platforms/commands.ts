// The command vocabulary of each OS family: which commands install, enable, start and reload a
// service and test a config file, chosen by family and init. The commands themselves are built in
// the protocol room (protocol/commands.ts): a single command, or a protocol asset bound to its
// values where one command is not enough.

import { NGINX_TEST, SYSTEMD, SYSV_DEBIAN, SYSV_EL, aptInstall, dnfInstall, keepalivedTest, yumInstall } from '../protocol/commands.js';
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
  return { command: keepalivedTest(file) };
}

const PLATFORMS: Record<OsFamily, Platform> = {
  el6: { family: 'el6', install: yumInstall, ...SYSV_EL, validateKeepalived, validateNginx: () => NGINX_TEST },
  el7: { family: 'el7', install: yumInstall, ...SYSTEMD, validateKeepalived, validateNginx: () => NGINX_TEST },
  el8: { family: 'el8', install: dnfInstall, ...SYSTEMD, validateKeepalived, validateNginx: () => NGINX_TEST },
  el9: { family: 'el9', install: dnfInstall, ...SYSTEMD, validateKeepalived, validateNginx: () => NGINX_TEST },
  debian: { family: 'debian', install: aptInstall, ...SYSTEMD, validateKeepalived, validateNginx: () => NGINX_TEST },
};

// Debian booted with sysvinit-core (protocol/commands.ts: SYSV_DEBIAN says why it differs).
const DEBIAN_SYSV: Platform = { ...PLATFORMS.debian, ...SYSV_DEBIAN };

/** The vocabulary for a node, from its facts: the OS family, and the init it actually runs. */
export function platformFor(family: OsFamily, init: 'systemd' | 'sysv' = 'systemd'): Platform {
  if (family === 'debian' && init === 'sysv') return DEBIAN_SYSV;
  return PLATFORMS[family];
}

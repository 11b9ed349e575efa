// What an inventory's `os:` hint (or `--os`) stands for before any node is asked: the OS family,
// the keepalived it ships, and the check keepalived may run there under the stock SELinux policy.
// deploy learns the same from the node's facts; validate, plan and render read it from here.
import type { OsFamily } from './state.js';

export interface OsHint {
  family: OsFamily;
  /** The keepalived the family's own repositories install (docs/el-transcripts.md C6-2, C7-2, R9-2; EL 8: AppStream's 2.1.5). */
  keepalived: string;
  platform: string;
  /** Whether systemd runs its services (CentOS 6: SysV init). */
  systemd: boolean;
}

const EL6: OsHint = { family: 'el6', keepalived: '1.2.13', platform: 'CentOS 6', systemd: false };
const EL7: OsHint = { family: 'el7', keepalived: '1.3.5', platform: 'CentOS 7', systemd: true };
const EL8: OsHint = { family: 'el8', keepalived: '2.1.5', platform: 'EL 8', systemd: true };
const EL9: OsHint = { family: 'el9', keepalived: '2.2.8', platform: 'EL 9', systemd: true };

export const OS_HINTS: Record<string, OsHint> = {
  centos6: EL6,
  el6: EL6,
  centos7: EL7,
  el7: EL7,
  rhel7: EL7,
  el8: EL8,
  rhel8: EL8,
  rocky8: EL8,
  alma8: EL8,
  el9: EL9,
  rhel9: EL9,
  rocky9: EL9,
  alma9: EL9,
  debian11: { family: 'debian', keepalived: '2.1.5', platform: 'Debian 11', systemd: true },
  debian12: { family: 'debian', keepalived: '2.2.7', platform: 'Debian 12', systemd: true },
};

export const OS_HINT_NAMES = Object.keys(OS_HINTS);

/**
 * The write-up's check. It signals nginx (signal 0), which SELinux's keepalived_t may not do to
 * httpd_t where the stock policy confines keepalived (EL7 and later, enforcing by default).
 */
export const KILLALL_CHECK = 'killall -0 nginx';
/** Reads /proc only, which keepalived_t may: passes under every stock policy. */
export const PGREP_CHECK = '/usr/bin/pgrep -x nginx';

/** Families whose stock SELinux policy confines keepalived (keepalived_exec_t, keepalived_t). */
export const KEEPALIVED_CONFINED: readonly OsFamily[] = ['el7', 'el8', 'el9'];

/**
 * The check a pair runs when its inventory names none: the write-up's `killall -0 nginx` where
 * keepalived may signal nginx (Debian, CentOS 6, or no family known yet: Debian 12 is assumed),
 * `pgrep -x nginx` where the stock policy confines keepalived.
 */
export function defaultCheckScript(family?: OsFamily | null): string {
  return family && KEEPALIVED_CONFINED.includes(family) ? PGREP_CHECK : KILLALL_CHECK;
}

/** A check that signals nginx (killall, kill, pkill): what keepalived_t may not do to httpd_t. */
export function signalsNginx(script: string): boolean {
  return /^(\/usr)?(\/s?bin\/)?(killall|kill|pkill)\b/.test(script);
}

/** The check's command: the inventory's, else the family's default. */
export function checkScriptOf(check: { script?: string | undefined }, family?: OsFamily | null): string {
  return check.script ?? defaultCheckScript(family);
}

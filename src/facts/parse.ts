// Parses the facts script's output into typed Facts. Pure: tested on each OS's real output.

import type { Facts, FileFacts, Ownership, ServiceFacts, WantedState } from '../core/state.js';
import { ownedPaths } from './script.js';
import { detectOs } from './os.js';
import type { Section } from '../core/sections.js';
import { factsSections } from '../protocol/facts.js';
import { parseElFacts } from './el.js';

export class FactsError extends Error {
  constructor(
    message: string,
    readonly host?: string,
  ) {
    super(host ? `${host}: ${message}` : message);
    this.name = 'FactsError';
  }
}

export const KEEPALIVED_VERSION = /^Keepalived v(\d+\.\d+\.\d+)/;

/** keepalived's version from the first line of `keepalived -v` (written to stderr), else null. */
export function parseKeepalivedVersion(output: string): string | null {
  return KEEPALIVED_VERSION.exec(output.trimStart())?.[1] ?? null;
}

/** nginx's version from `nginx -v` (stderr): `nginx version: nginx/1.20.1`, else null (not installed). */
export function parseNginxVersion(output: string): string | null {
  return /^nginx version: nginx\/(\d+\.\d+\.\d+)/.exec(output.trimStart())?.[1] ?? null;
}

export function parsePackageVersion(s: Section): string | null {
  const line = s.body.split('\n')[0]?.trim() ?? '';
  // dpkg-query: "install ok installed VERSION"; a package dpkg merely knows of (removed, or
  // only a dependency candidate) reads "unknown ok not-installed" or "deinstall ok config-files".
  const dpkg = /^(\S+) (ok|reinstreq|hold) (\S+)(?: (\S+))?$/.exec(line);
  if (dpkg) return dpkg[3] === 'installed' && dpkg[4] ? dpkg[4] : null;
  if (s.code !== 0 || /is not installed|no packages found/.test(line) || !line) return null;
  return line; // rpm --qf '%{VERSION}-%{RELEASE}'
}

const UNIT_STATES =
  /^(enabled|enabled-runtime|linked|linked-runtime|alias|masked|masked-runtime|static|indirect|disabled|generated|transient)$/;

function parseService(init: Facts['init'], enabled: Section | undefined, active: Section | undefined): ServiceFacts {
  const e = enabled?.body.trim() ?? '';
  const a = active?.body.trim() ?? '';
  if (init === 'systemd') {
    return { exists: UNIT_STATES.test(e.split('\n')[0]!), enabled: enabled?.code === 0, active: a.split('\n')[0] === 'active' };
  }
  // chkconfig --list NAME: `keepalived     \t0:off\t1:off\t2:on\t3:on...`; enabled when on in runlevels 3 and 5.
  const levels = /^\S+\s+\t0:/.test(e) ? e.split('\n')[0]! : '';
  return {
    exists: levels !== '',
    enabled: /\t3:on\b/.test(levels) && /\t5:on\b/.test(levels),
    active: active?.code === 0 && !/unrecognized service/.test(a),
  };
}

function parseFile(s: Section | undefined): FileFacts {
  if (!s || s.body.trim() === 'missing') return { exists: false };
  const [sum, stat] = s.body.split('\n');
  const hash = /^([0-9a-f]{64})\s/.exec(sum ?? '')?.[1];
  const m = /^([0-7]+) (\S+:\S+)$/.exec(stat?.trim() ?? '');
  if (s.code !== 0 || !hash || !m) throw new FactsError(`cannot read file facts: ${s.body.trim() || `exit ${s.code}`}`);
  return { exists: true, sha256: hash, mode: m[1]!.padStart(4, '0'), owner: m[2]! };
}

/** systemd-detect-virt -c prints the runtime (systemd-nspawn, lxc, docker, podman...) or "none" (exit 1). */
export function parseContainer(s: Section | undefined): string | null {
  const word = s?.body.trim().split('\n')[0] ?? '';
  return /^[a-z][a-z0-9-]*$/.test(word) && word !== 'none' ? word : null;
}

function parseOwnership(sections: Section[], paths: string[]): Record<string, Ownership> {
  const out: Record<string, Ownership> = {};
  for (const p of paths) {
    const word = sections.find((s) => s.kind === 'owner' && s.arg === p)?.body.trim();
    // Unanswered: treat as someone else's, so deploy keeps a copy rather than lose one.
    out[p] = word === 'missing' || word === 'haops' ? word : 'foreign';
  }
  return out;
}

const DEFAULT_PM = { el6: 'yum', el7: 'yum', el8: 'dnf', el9: 'dnf', debian: 'apt-get' } as const;

export function parseFacts(stdout: string, wanted: WantedState): Facts {
  const sections = factsSections(stdout, { services: wanted.services.map((s) => s.name), files: wanted.files.map((f) => f.path) });
  const one = (kind: string, arg = '') => sections.find((s) => s.kind === kind && s.arg === arg);
  const text = (s: Section | undefined) => (s && s.code === 0 ? s.body : null);

  const os = detectOs(text(one('os_release')), text(one('redhat_release')));
  if (!os) {
    const said = (text(one('os_release')) ?? text(one('redhat_release')) ?? 'no /etc/os-release or /etc/redhat-release').trim();
    throw new FactsError(`unsupported operating system (${said.split('\n')[0]})`);
  }
  const found = /(dnf|yum|apt-get)$/m.exec(one('pm')?.body ?? '')?.[1] as 'dnf' | 'yum' | 'apt-get' | undefined;
  const pm = found ?? DEFAULT_PM[os.family];
  const init = one('init')?.body.trim() === 'systemd' ? 'systemd' : 'sysv';
  const packages: Record<string, string | null> = {};
  for (const p of wanted.packages) packages[p] = parsePackageVersion(one('package', p) ?? { kind: '', arg: '', body: '', code: 1 });
  const services: Record<string, ServiceFacts> = {};
  for (const s of wanted.services) services[s.name] = parseService(init, one('enabled', s.name), one('active', s.name));
  const files: Record<string, FileFacts> = {};
  for (const f of wanted.files) files[f.path] = parseFile(one('file', f.path));

  return {
    os,
    packageManager: pm === 'apt-get' ? 'apt' : pm,
    init,
    packages,
    keepalivedVersion: parseKeepalivedVersion(one('keepalived_version')?.body ?? ''),
    ...(wanted.packages.includes('nginx') ? { nginxVersion: parseNginxVersion(one('nginx_version')?.body ?? '') } : {}),
    container: parseContainer(one('container')),
    services,
    files,
    pending: (one('pending')?.body ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[A-Za-z0-9_.@-]+\.(reload|restart|daemon-reload)$/.test(l)),
    ...(wanted.el ? { el: parseElFacts(sections, wanted.el) } : {}),
    ...(wanted.adopt ? { ownership: parseOwnership(sections, ownedPaths(wanted)) } : {}),
  };
}

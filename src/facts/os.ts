// OS family detection from /etc/os-release, or /etc/redhat-release where there is none (CentOS 6).

import type { Facts, OsFamily } from '../core/state.js';

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

function elFamily(version: string): OsFamily | null {
  const major = parseInt(version, 10);
  if (major === 6) return 'el6';
  if (major === 7) return 'el7';
  // EL8 and EL9 share dnf and systemd; they differ in where nginx comes from (module streams on 8).
  if (major === 8) return 'el8';
  return major >= 9 ? 'el9' : null;
}

const EL_IDS = /^(rhel|centos|rocky|almalinux|ol|fedora)$/;

/** Returns null when the system is not one haops knows how to manage. */
export function detectOs(osRelease: string | null, redhatRelease: string | null): Facts['os'] | null {
  if (osRelease) {
    const r = parseOsRelease(osRelease);
    const id = r.ID ?? '';
    const like = (r.ID_LIKE ?? '').split(/\s+/);
    const version = r.VERSION_ID ?? '';
    const pretty = r.PRETTY_NAME ?? `${id} ${version}`;
    if (id === 'debian' || id === 'ubuntu' || like.includes('debian')) return { family: 'debian', id, version, pretty };
    const family = EL_IDS.test(id) || like.some((l) => EL_IDS.test(l)) ? elFamily(version) : null;
    return family && { family, id, version, pretty };
  }
  const line = redhatRelease?.split('\n')[0]?.trim();
  const m = line && /^(.*?) (?:Linux )?release (\d+(?:\.\d+)*)/.exec(line);
  if (!line || !m) return null;
  const id = /^CentOS/.test(m[1]!) ? 'centos' : /^Red Hat/.test(m[1]!) ? 'rhel' : m[1]!.split(' ')[0]!.toLowerCase();
  const family = elFamily(m[2]!);
  return family && { family, id, version: m[2]!, pretty: line };
}

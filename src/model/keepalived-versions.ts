// What each keepalived release can do, by the first release whose source has the keyword
// (keepalived's ChangeLog and keepalived.conf(5) of that release). Pure; the failover profile
// (profile.ts) is fitted to a version with these.

/** The version `validate` and `render` assume when no node was asked: Debian 12's. */
export const ASSUMED_KEEPALIVED = { version: '2.2.7', platform: 'Debian 12' } as const;

/** The keepalived each platform ships, for messages and the simulated hosts. */
export const PLATFORM_KEEPALIVED: Record<string, string> = {
  'CentOS 6': '1.2.13',
  'CentOS 7': '1.3.5',
  'EL 8': '2.1.5',
  'EL 9': '2.2.8',
  'Debian 12': '2.2.7',
};

export const SINCE = {
  /** `version 3` in a vrrp_instance, and with it sub-second advert_int. */
  vrrpv3Instance: '1.2.17',
  /** `vrrp_version 3` in global_defs; `vrrp_check_unicast_src`. */
  vrrpv3Global: '1.2.20',
  checkUnicastSrc: '1.2.20',
  /** Global GARP defaults (`vrrp_garp_master_delay/repeat/refresh`). */
  garpGlobal: '1.2.20',
  /** `vrrp_rt_priority` (realtime scheduling of the VRRP process): global_parser.c at v2.0.0; 1.3.5 has only `vrrp_priority` (nice). */
  rtPriority: '2.0.0',
  higherPrioSendAdvert: '1.3.5',
  trackProcess: '2.0.11',
  downTimerAdverts: '2.2.3',
  /** vrrp_script `interval` in milliseconds (before: whole seconds). */
  scriptMsInterval: '2.3.2',
  authHmac: '2.4.0',
} as const;

export type Feature = keyof typeof SINCE;

/** x.y.z compared as numbers; a missing part counts as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function has(version: string, feature: Feature): boolean {
  return compareVersions(version, SINCE[feature]) >= 0;
}

/** "1.3.5 (CentOS 7)" when a platform ships exactly that version, else "1.3.5". */
export function describeVersion(version: string): string {
  const platforms = Object.entries(PLATFORM_KEEPALIVED)
    .filter(([, v]) => v === version)
    .map(([p]) => p);
  return platforms.length ? `${version} (${platforms.join(', ')})` : version;
}

export const VERSION_RE = /^\d+\.\d+(\.\d+)?$/;

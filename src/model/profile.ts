// A pair's failover profile: `classic` (the write-up's settings) or `fast` (VRRPv3, sub-second
// adverts, track_process, FAULT on a dead nginx), with the user's overrides, and its fit to one
// installed keepalived. Pure: resolve() reads the inventory, fit() a version; neither touches a node.
import type { CheckSpec, PairSpec } from '../inventory/schema.js';
import { checkScriptOf } from '../core/os-hints.js';
import type { OsFamily } from '../core/state.js';
import { ASSUMED_KEEPALIVED, describeVersion, has, SINCE } from './keepalived-versions.js';
import { knows } from './keepalived-syntax.js';

export type ProfileName = 'classic' | 'fast';
export type Track = 'process' | 'script';

/** track: file. On disk, not in /run: a node that reboots with nginx failing to start comes up
 * with the flag set (ExecStopPost runs after a failed start too); a good start clears it. Missing = 0. */
export const NGINX_DOWN_FLAG = '/var/lib/haops/nginx-down';
export const NGINX_TRACK = 'haops_nginx';

/** What the inventory asks for, before any version is known. */
/** keepalived's GARP and scheduling knobs, as wanted and as fitted alike. */
export interface VrrpTuning {
  garpMasterDelay?: number;
  garpMasterRepeat?: number;
  garpMasterRefresh?: number;
  higherPrioSendAdvert: boolean;
  rtPriority?: number;
  /** keepalived 1.3.x: `vrrp_priority` (a nice value, -20..19) where vrrp_rt_priority is missing. */
  nicePriority?: number;
  downTimerAdverts?: number;
}

export interface FailoverWanted extends VrrpTuning {
  profile: ProfileName;
  vrrpVersion: 2 | 3;
  /** The pair's advert_int for instances that set none. */
  advertInt: number;
  track: Track;
  /** Settings the user wrote: refused when the installed keepalived cannot do them, never swapped. */
  explicit: (keyof PairFailoverOverrides)[];
}

export type PairFailoverOverrides = Exclude<PairSpec['failover'], undefined>;

/**
 * The fast profile's defaults. advert_int 0.2 was chosen on the lab (docs/failover.md, "Fast failover"):
 * crash detection ≈ 0.5 s, and a loaded 2-core host still never missed 3 adverts in a row.
 */
export const FAST: Omit<FailoverWanted, 'profile' | 'explicit'> = {
  vrrpVersion: 3,
  advertInt: 0.2,
  track: 'process',
  garpMasterDelay: 1,
  garpMasterRepeat: 3,
  higherPrioSendAdvert: true,
  rtPriority: 50,
};

export const CLASSIC: Omit<FailoverWanted, 'profile' | 'explicit'> = {
  vrrpVersion: 2,
  advertInt: 1,
  track: 'script',
  higherPrioSendAdvert: false,
};

const OVERRIDABLE = [
  'vrrp_version',
  'advert_int',
  'track',
  'garp_master_delay',
  'garp_master_repeat',
  'garp_master_refresh',
  'higher_prio_send_advert',
  'rt_priority',
  'down_timer_adverts',
] as const;

export function resolveFailover(spec: PairSpec['failover']): FailoverWanted {
  const f = spec ?? { profile: 'classic' as const };
  const base = f.profile === 'fast' ? FAST : CLASSIC;
  return {
    profile: f.profile,
    vrrpVersion: f.vrrp_version ?? base.vrrpVersion,
    advertInt: f.advert_int ?? base.advertInt,
    track: f.track ?? base.track,
    garpMasterDelay: f.garp_master_delay ?? base.garpMasterDelay,
    garpMasterRepeat: f.garp_master_repeat ?? base.garpMasterRepeat,
    garpMasterRefresh: f.garp_master_refresh ?? base.garpMasterRefresh,
    higherPrioSendAdvert: f.higher_prio_send_advert ?? base.higherPrioSendAdvert,
    rtPriority: f.rt_priority ?? base.rtPriority,
    downTimerAdverts: f.down_timer_adverts ?? base.downTimerAdverts,
    explicit: OVERRIDABLE.filter((k) => f[k] !== undefined),
  };
}

/** The tracked check's weight: the fast profile always uses FAULT (weight 0), whose priority-0 advert is the fast path. */
export function trackWeight(w: FailoverWanted, check: CheckSpec): number {
  return w.profile === 'fast' ? 0 : check.weight;
}

/** Where the config runs. `procEvents: false` for nodes in a container with their own network namespace. */
export interface KeepalivedTarget {
  /** The installed (or expected) keepalived version; keywords are gated by it. Unknown: none added. */
  version?: string | null;
  /**
   * Whether the kernel's proc-events connector reaches keepalived. It is bound to the initial
   * network namespace: on the lab's nspawn nodes keepalived logs "Failed to set/clear process
   * event listen - errno 111" and keeps the instance in FAULT with nginx running.
   */
  procEvents?: boolean;
  /** A container runtime name (systemd-detect-virt -c), for messages. */
  container?: string | null;
  /** Whether systemd runs the node's services (unknown: assumed, as on Debian 12). */
  systemd?: boolean;
  /** The node's OS family (facts, or an `os:` hint): picks the default check. Unknown: Debian's. */
  family?: OsFamily | null;
}

/** The profile fitted to one keepalived: what is written, and what fell back and why. */
export interface FittedFailover extends VrrpTuning {
  vrrpVersion: 2 | 3;
  /**
   * `file`: where track_process cannot work but systemd runs nginx, a drop-in on nginx.service
   * writes a flag when nginx stops or dies and keepalived watches it (track_file, inotify).
   */
  track: Track | 'file';
  /** How v3 is asked for: `vrrp_version 3` in global_defs (1.2.20+), `version 3` per instance (1.2.17+). */
  versionKeyword: 'global' | 'instance' | null;
  /** The vrrp_script as written (fast: weight 0, the smallest interval the version takes), its command resolved. */
  check: CheckSpec & { script: string };
  checkUnicastSrc: boolean;
  /** Sub-second adverts fall back to 1 s with VRRPv2. */
  advertInt: (instanceAdvert: number | undefined) => number;
  /** What the profile wanted and this keepalived does not do, in the user's words. */
  fallbacks: string[];
}

export class FailoverFitError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'FailoverFitError';
  }
}

/**
 * Fits the wanted profile to a keepalived: a profile default the version lacks falls back (and
 * says so); a setting the user wrote that it lacks is refused. An unknown version is treated as
 * the assumed one (Debian 12's).
 */
export function fitFailover(
  w: FailoverWanted,
  check: CheckSpec,
  target: KeepalivedTarget = {},
  instanceAdverts: (number | undefined)[] = [],
): FittedFailover {
  const version = target.version ?? ASSUMED_KEEPALIVED.version;
  const on = `keepalived ${describeVersion(version)}`;
  const fallbacks: string[] = [];
  const demand = (key: keyof PairFailoverOverrides, ok: boolean, what: string, hint: string): boolean => {
    if (ok) return true;
    if (w.explicit.includes(key)) throw new FailoverFitError(`failover.${key}: ${what} is not available on ${on}`, hint);
    return false;
  };

  let vrrpVersion = w.vrrpVersion;
  let versionKeyword: FittedFailover['versionKeyword'] = null;
  if (vrrpVersion === 3) {
    if (
      demand(
        'vrrp_version',
        has(version, 'vrrpv3Instance'),
        'VRRPv3',
        `upgrade keepalived to ${SINCE.vrrpv3Instance} or later, or write vrrp_version: 2 (whole-second adverts)`,
      )
    ) {
      versionKeyword = has(version, 'vrrpv3Global') ? 'global' : 'instance';
    } else {
      vrrpVersion = 2;
      fallbacks.push(`VRRPv2 instead of v3 (v3 needs keepalived ${SINCE.vrrpv3Instance}+)`);
    }
  }
  const wholeSecondAdvert = (a: number) => vrrpVersion === 2 && a < 1;
  if (vrrpVersion === 2 && wholeSecondAdvert(w.advertInt)) {
    demand(
      'advert_int',
      false,
      `advert_int ${w.advertInt} (sub-second, so VRRPv3)`,
      `upgrade keepalived to ${SINCE.vrrpv3Instance}+, or use advert_int: 1`,
    );
    fallbacks.push(`advert_int 1 instead of ${w.advertInt} (VRRPv2 counts whole seconds)`);
  }
  if (vrrpVersion === 2 && instanceAdverts.some((a) => a !== undefined && a < 1)) {
    throw new FailoverFitError(
      `an instance's advert_int is below 1 s, which needs VRRPv3, not available on ${on}`,
      `use advert_int: 1 on this pair's instances, or upgrade keepalived to ${SINCE.vrrpv3Instance}+`,
    );
  }

  let track: FittedFailover['track'] = w.track;
  if (track === 'process') {
    const hint = `write track: script, or upgrade keepalived to ${SINCE.trackProcess}+ (and run it outside a network-namespaced container)`;
    if (!demand('track', has(version, 'trackProcess'), 'track_process', hint)) {
      track = 'script';
      fallbacks.push(`a vrrp_script check instead of track_process (needs keepalived ${SINCE.trackProcess}+)`);
    } else if (target.procEvents === false) {
      const where = target.container ? `in a ${target.container} container` : 'in a container';
      demand('track', false, `track_process ${where} (no proc-events connector in its network namespace)`, hint);
      // systemd sees nginx's main process exit at once; its ExecStopPost tells keepalived through a file.
      track = target.systemd === false ? 'script' : 'file';
      fallbacks.push(
        track === 'file'
          ? `track_file on a flag systemd writes when nginx stops (a drop-in on nginx.service) instead of track_process: the node runs ${where}, where keepalived gets no proc events`
          : `a vrrp_script check instead of track_process: the node runs ${where}, where keepalived gets no proc events`,
      );
    }
  }

  const weight = trackWeight(w, check);
  // No script in the inventory: the family's default (killall -0, or pgrep where SELinux confines keepalived).
  const resolved: CheckSpec & { script: string } = { ...check, script: checkScriptOf(check, target.family) };
  let fitted = resolved;
  if (w.profile === 'fast' && track === 'script') {
    // FAULT on the first failure: weight 0 sends priority 0, so the BACKUP takes over after the skew.
    fitted = has(version, 'scriptMsInterval')
      ? { ...resolved, weight, interval: 0.1, timeout: 1, fall: 2, rise: Math.max(check.rise, 2) }
      : { ...resolved, weight, interval: 1, fall: 1, rise: Math.max(check.rise, 1) };
    if (!has(version, 'scriptMsInterval'))
      fallbacks.push(
        `the check runs every 1 s (vrrp_script intervals below 1 s need keepalived ${SINCE.scriptMsInterval}+): a dead nginx is seen within 1 s`,
      );
  } else if (weight !== check.weight) fitted = { ...resolved, weight };

  const gated = <T>(
    key: keyof PairFailoverOverrides,
    value: T | undefined,
    feature: keyof typeof SINCE,
    keyword: string,
  ): T | undefined => {
    if (value === undefined) return undefined;
    if (demand(key, has(version, feature), keyword, `upgrade keepalived to ${SINCE[feature]}+, or remove failover.${key}`)) return value;
    fallbacks.push(`no ${keyword} (needs keepalived ${SINCE[feature]}+)`);
    return undefined;
  };
  const higher = w.higherPrioSendAdvert
    ? gated('higher_prio_send_advert', true, 'higherPrioSendAdvert', 'vrrp_higher_prio_send_advert')
    : undefined;

  return {
    vrrpVersion,
    versionKeyword,
    track,
    check: fitted,
    garpMasterDelay: gated('garp_master_delay', w.garpMasterDelay, 'garpGlobal', 'vrrp_garp_master_delay'),
    garpMasterRepeat: gated('garp_master_repeat', w.garpMasterRepeat, 'garpGlobal', 'vrrp_garp_master_repeat'),
    garpMasterRefresh: gated('garp_master_refresh', w.garpMasterRefresh, 'garpGlobal', 'vrrp_garp_master_refresh'),
    higherPrioSendAdvert: higher ?? false,
    ...rtOrNice(gated('rt_priority', w.rtPriority, 'rtPriority', 'vrrp_rt_priority'), w.rtPriority, version, fallbacks),
    downTimerAdverts: gated('down_timer_adverts', w.downTimerAdverts, 'downTimerAdverts', 'down_timer_adverts'),
    // v3 has no authentication: only adverts from the unicast peer are accepted instead.
    checkUnicastSrc: vrrpVersion === 3 && has(version, 'checkUnicastSrc'),
    advertInt: (a) => {
      const v = a ?? w.advertInt;
      return wholeSecondAdvert(v) ? 1 : v;
    },
    fallbacks,
  };
}

/** Where realtime scheduling is missing (before 2.0.0) but `vrrp_priority` is there (1.3.x), the highest nice priority. */
function rtOrNice(
  rt: number | undefined,
  wanted: number | undefined,
  version: string,
  fallbacks: string[],
): Pick<VrrpTuning, 'rtPriority' | 'nicePriority'> {
  if (rt !== undefined || wanted === undefined) return { rtPriority: rt };
  if (!knows(version, 'global_defs', 'vrrp_priority')) return {};
  fallbacks.push('vrrp_priority -20 (the highest nice priority) instead of realtime scheduling');
  return { nicePriority: -20 };
}

/** The target a node's facts describe: its keepalived (or the one its platform installs) and its container. */
export function targetOf(
  version: string | null,
  container: string | null | undefined,
  init?: 'systemd' | 'sysv',
  family?: OsFamily,
): KeepalivedTarget {
  return {
    version,
    ...(family ? { family } : {}),
    container: container ?? null,
    ...(container ? { procEvents: false } : {}),
    ...(init ? { systemd: init === 'systemd' } : {}),
  };
}

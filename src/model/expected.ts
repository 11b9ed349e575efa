// Expected failover time per fault kind, from keepalived's timers (advert_int, the check's
// interval and fall, the master-down interval of RFC 5798): what `haops plan` prints and the drill compares. Pure.
import type { FittedFailover } from './profile.js';

export const FAULT_KINDS = ['nginx-kill', 'nginx-stop', 'keepalived-stop', 'node-isolate'] as const;
export type FaultKindName = (typeof FAULT_KINDS)[number];

/** How far a measured failover may sit outside the expected range and still agree (polling, SSH, scheduling). */
export const AGREEMENT_SECONDS = 0.3;

export interface ExpectedFailover {
  fault: FaultKindName;
  /** Seconds from the fault to the VIP on the new holder: the range the timers allow, and its middle. */
  min: number;
  max: number;
  typical: number;
  /** Which path the VIP takes, in a few words. */
  path: string;
}

export interface TimingInput {
  vrrpVersion: 2 | 3;
  advertInt: number;
  track: 'process' | 'script' | 'file';
  check: { interval: number; fall: number; weight: number };
  /** The BACKUP's base priority: its skew decides how long it waits. */
  backupPriority: number;
  downTimerAdverts?: number;
}

/** The BACKUP's skew: (256 − priority)/256 s in VRRPv2, that fraction of advert_int in v3. */
export function skewSeconds(version: 2 | 3, priority: number, advertInt: number): number {
  return ((256 - priority) / 256) * (version === 3 ? advertInt : 1);
}

const r = (x: number) => Math.round(x * 1000) / 1000;
const range = (fault: FaultKindName, min: number, max: number, path: string): ExpectedFailover => ({
  fault,
  min: r(min),
  max: r(max),
  typical: r((min + max) / 2),
  path,
});

export function expectedFailover(t: TimingInput): ExpectedFailover[] {
  const skew = skewSeconds(t.vrrpVersion, t.backupPriority, t.advertInt);
  const a = t.advertInt;
  const down = t.downTimerAdverts ?? 3;
  const { interval, fall, weight } = t.check;
  let nginx: [number, number, string];
  if (t.track === 'process') nginx = [skew, skew, 'proc event -> FAULT -> priority-0 advert; the BACKUP waits its skew'];
  else if (t.track === 'file')
    nginx = [skew, skew, "systemd's ExecStopPost writes the flag -> inotify -> FAULT -> priority-0 advert; skew"];
  else if (weight === 0)
    nginx = [
      (fall - 1) * interval + skew,
      fall * interval + skew,
      `${fall} failed check${fall > 1 ? 's' : ''} (every ${interval} s) -> FAULT -> priority-0 advert; skew`,
    ];
  else {
    // A lowered priority is not a priority-0 advert: the BACKUP ignores it and waits for its
    // master-down timer, counted from the last higher advert (2..3 adverts after detection).
    nginx = [
      (fall - 1) * interval + 2 * a + skew,
      fall * interval + 3 * a + skew,
      `${fall} failed check${fall > 1 ? 's' : ''} (every ${interval} s) -> lower priority; the BACKUP's master-down timer (${down} adverts + skew)`,
    ];
  }
  return [
    range('nginx-kill', nginx[0], nginx[1], nginx[2]),
    range('nginx-stop', nginx[0], nginx[1], nginx[2]),
    range('keepalived-stop', skew, skew, 'priority-0 advert on a clean stop; the BACKUP waits its skew'),
    range(
      'node-isolate',
      (down - 1) * a + skew,
      down * a + skew,
      `no adverts: the master-down timer (${down} × ${a} s + skew); a crashed node alike`,
    ),
  ];
}

/** The timing inputs of one instance under a fitted profile. */
export function timingOf(f: FittedFailover, advertInt: number, backupPriority: number): TimingInput {
  return { vrrpVersion: f.vrrpVersion, advertInt, track: f.track, check: f.check, backupPriority, downTimerAdverts: f.downTimerAdverts };
}

/** Whether a measured failover agrees with the expected range (within AGREEMENT_SECONDS). */
export function agrees(e: ExpectedFailover, measured: number): boolean {
  return measured >= e.min - AGREEMENT_SECONDS && measured <= e.max + AGREEMENT_SECONDS;
}

export function formatRange(e: ExpectedFailover): string {
  return e.min === e.max ? `${e.min.toFixed(2)} s` : `${e.min.toFixed(2)}-${e.max.toFixed(2)} s`;
}

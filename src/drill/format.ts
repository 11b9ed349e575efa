// The drill's words: one line a round while it runs, the table and verdict at the end.
import { formatTimeline } from '../notify/timeline.js';
import type { DrillReport, RoundReport, VipRound } from './drill.js';

/** " (40 refused, 2 5xx)", or nothing. */
const kinds = (f: VipRound['failures']) => {
  const parts = Object.entries(f ?? {}).map(([k, n]) => `${n} ${k}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
};

/** A row's VIPs: its one address, or all of an instance's, which move together (a+b). */
const vipsOf = (v: Pick<VipRound, 'vip'> & { vips?: string[] }) => (v.vips && v.vips.length > 1 ? v.vips.join('+') : v.vip);

export function formatRound(r: RoundReport): string {
  const s = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)} s`);
  return r.vips
    .map(
      (v) =>
        `round ${r.round}: ${vipsOf(v)} ${v.from} -> ${v.to ?? 'nobody'}: VIP gone ${s(v.vipGoneSeconds)}, on new holder ${s(v.failoverSeconds)}, HTTP back ${s(v.httpRecoverySeconds)}, ${v.failedRequests} failed requests${kinds(v.failures)}, ${v.vip.includes(':') ? 'unsolicited NA' : 'GARP'} ${v.gratuitousArp === null ? 'not observed' : v.gratuitousArp ? 'yes' : 'no'}, ${v.stayed !== null ? (v.stayed ? 'stayed (nopreempt)' : 'moved back') : `failback ${s(v.failbackSeconds)}`}`,
    )
    .join('\n');
}

export function formatReport(r: DrillReport): string {
  const s = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(2));
  const rows = [
    ['round', 'VIP', 'from', 'to', 'VIP gone s', 'failover s', 'HTTP back s', 'failed req', 'GARP', 'failback s', 'ended as began'],
    ...r.rounds.flatMap((x) =>
      x.vips.map((v) => [
        String(x.round),
        vipsOf(v),
        v.from,
        v.to ?? '-',
        s(v.vipGoneSeconds),
        s(v.failoverSeconds),
        s(v.httpRecoverySeconds),
        String(v.failedRequests),
        v.gratuitousArp === null ? '?' : v.gratuitousArp ? 'yes' : 'no',
        v.stayed !== null ? (v.stayed ? 'stayed' : 'moved') : s(v.failbackSeconds),
        x.endedAsBegan ? 'yes' : 'NO',
      ]),
    ),
  ];
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = [
    `failover drill: pair ${r.pair}, instance ${r.instance}, VIP${r.vip.includes(',') ? 's' : ''} ${r.vip}, fault ${r.fault}${r.probeUrl ? `; probe ${r.probeUrl} from ${r.probedFrom === 'this machine' || !r.probedFrom ? 'this machine' : `probe host ${r.probedFrom}`}` : ''}`,
    ...rows.map((row) => '  ' + row.map((c, i) => c.padEnd(w[i]!)).join('  ')),
  ];
  for (const x of r.rounds) {
    if (x.notifications)
      lines.push(
        `  notifications, round ${x.round}, in the order they arrived:`,
        ...formatTimeline(x.notifications, { faultAt: Date.parse(x.faultAt) })
          .split('\n')
          .map((l) => `    ${l}`),
      );
  }
  if (r.stats)
    for (const [k, v] of Object.entries(r.stats))
      if (v) lines.push(`  ${k}: min ${v.min.toFixed(2)}  median ${v.median.toFixed(2)}  max ${v.max.toFixed(2)}`);
  const e = r.expected;
  if (e) {
    const range = e.min === e.max ? `${e.min.toFixed(2)} s` : `${e.min.toFixed(2)}-${e.max.toFixed(2)} s`;
    const verdict =
      e.agrees === null
        ? ''
        : e.agrees
          ? ': agrees (within 0.3 s)'
          : ': DISAGREES (more than 0.3 s outside; look at the load and the check)';
    lines.push(
      `  expected failover ${range} (keepalived ${e.keepalived}; ${e.path}); measured ${r.stats ? 'median ' : ''}${e.measured === null ? '-' : `${e.measured.toFixed(2)} s`}${verdict}`,
    );
  }
  for (const p of r.problems) lines.push(`  PROBLEM: ${p}`);
  lines.push(r.ok ? 'drill passed: the pair failed over and ended as it began' : 'drill FAILED');
  return lines.join('\n');
}

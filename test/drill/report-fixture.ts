// A drill report as `failover-drill --json` writes it, for the HTML report's tests: nginx-stop on
// a1, the VIP on a2 after 4.4 s, requests refused then 502 meanwhile, back on a1 after the restore.
import type { ReportInput, ReportRound } from '../../src/measure/report-html.js';
import type { ProbeMark } from '../../src/measure/trace.js';

export const T0 = Date.UTC(2026, 10, 25, 18, 0, 0);

export function fixtureRound(round: number, base: number): ReportRound {
  const vip = '10.9.0.100';
  const probes: ProbeMark[] = [];
  for (let t = -300; t < 12_000; t += 100) {
    const sentAt = base + t;
    const failing = t >= 0 && t < 4_600;
    const failure = t < 2_000 ? ('refused' as const) : t < 4_000 ? ('5xx' as const) : ('timeout' as const);
    probes.push(
      failing
        ? {
            vip,
            sentAt,
            at: sentAt + (failure === 'timeout' ? 400 : 3),
            ok: false,
            node: null,
            failure,
            ...(failure === '5xx' ? { status: 502 } : {}),
          }
        : { vip, sentAt, at: sentAt + 2, ok: true, node: t < 0 || t > 8_000 ? 'a1' : 'a2', status: 200 },
    );
  }
  const move1 = { vip, from: 'a1', to: 'a2', arrivedAt: base + 4_400 };
  const move2 = { vip, from: 'a2', to: 'a1', arrivedAt: base + 8_300 };
  return {
    round,
    fault: 'nginx-stop',
    from: 'a1',
    to: 'a2',
    faultAt: new Date(base).toISOString(),
    failoverSeconds: 4.4,
    httpRecoverySeconds: 4.6,
    failbackSeconds: 0.3,
    failedRequests: 46,
    endedAsBegan: true,
    vips: [
      {
        vip,
        instance: 'VI_1',
        from: 'a1',
        to: 'a2',
        failoverSeconds: 4.4,
        httpRecoverySeconds: 4.6,
        failedRequests: 46,
        gratuitousArp: true,
      },
    ],
    notifications: {
      nodes: [
        {
          host: 'a1',
          notifications: [
            {
              host: 'a1',
              channel: 'webhook',
              source: 'haops',
              instance: 'VI_1',
              state: 'BACKUP',
              receivedAt: base + 4_350,
              move: move1,
              delayMs: -50,
            },
          ],
          silent: [],
          missed: [],
        },
        {
          host: 'a2',
          notifications: [
            {
              host: 'a2',
              channel: 'webhook',
              source: 'haops',
              instance: 'VI_1',
              state: 'MASTER',
              receivedAt: base + 4_450,
              move: move1,
              delayMs: 50,
            },
            {
              host: 'a2',
              channel: 'sms',
              source: 'haops',
              instance: 'VI_1',
              state: 'MASTER',
              receivedAt: base + 5_600,
              move: move1,
              delayMs: 1_200,
            },
          ],
          silent: [],
          missed: [],
        },
      ],
      unmatched: [],
    },
    trace: {
      startedAt: base - 300,
      endedAt: base + 12_000,
      faultAt: base,
      restoreAt: base + 8_000,
      holdersAtStart: { [vip]: 'a1' },
      statesAtStart: { a1: { VI_1: 'MASTER' }, a2: { VI_1: 'BACKUP' } },
      vipEvents: [
        { node: 'a1', vip, kind: 'del', at: base + 4_380 },
        { node: 'a2', vip, kind: 'add', at: move1.arrivedAt },
        { node: 'a2', vip, kind: 'del', at: base + 8_280 },
        { node: 'a1', vip, kind: 'add', at: move2.arrivedAt },
      ],
      states: [
        { node: 'a1', instance: 'VI_1', state: 'BACKUP', at: base + 4_370 },
        { node: 'a2', instance: 'VI_1', state: 'MASTER', at: base + 4_400 },
        { node: 'a2', instance: 'VI_1', state: 'BACKUP', at: base + 8_280 },
        { node: 'a1', instance: 'VI_1', state: 'MASTER', at: base + 8_300 },
      ],
      garp: [
        { vip, node: 'a2', at: base + 4_401 },
        { vip, node: 'a1', at: base + 8_301 },
      ],
      probes,
      instances: { [vip]: 'VI_1' },
    },
    problems: [],
  };
}

export function fixtureReport(rounds = 2): ReportInput {
  return {
    ok: true,
    pair: 'web',
    instance: 'VI_1',
    vip: '10.9.0.100',
    fault: 'nginx-stop',
    rounds: Array.from({ length: rounds }, (_, i) => fixtureRound(i + 1, T0 + i * 30_000)),
    problems: [],
  };
}

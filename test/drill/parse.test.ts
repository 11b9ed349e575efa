import { describe, expect, it } from 'vitest';
import { eventTime, monitorTime, parseMonitorLine, stats } from '../../src/measure/clock.js';
import { judgePair, parseStatus } from '../../src/status/status.js';
import { webPair } from '../fixtures/web-pair.js';
import { VIP_MARK } from '../../src/runner/vip.js';

const pair = webPair();

const nodeOut = (addrs: string[], http: string, extra = '') =>
  `@@haops-status@@\nsvc keepalived up\nsvc nginx up\n${extra}${VIP_MARK}\n${addrs.map((a) => `addr ${a}`).join('\n')}\nhttp 10.9.0.100 ${http}\n`;

describe('reading VIP movements from ip monitor (EL6, EL7 and Debian line shapes)', () => {
  it('sees the VIP arrive and leave, ignores other addresses', () => {
    expect(parseMonitorLine('3: eth2    inet 10.9.0.100/32 scope global eth2', '10.9.0.100')).toBe('add');
    expect(parseMonitorLine('Deleted 3: eth2    inet 10.9.0.100/32 scope global eth2', '10.9.0.100')).toBe('del');
    expect(
      parseMonitorLine(
        '2: eth0    inet 10.9.0.100/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever',
        '10.9.0.100',
      ),
    ).toBe('add');
    expect(parseMonitorLine('2: eth0    inet 10.9.0.11/24 brd 10.9.0.255 scope global eth0', '10.9.0.100')).toBeNull();
    expect(parseMonitorLine('2: eth0    inet 10.9.0.1000/24', '10.9.0.100')).toBeNull();
  });
  it('reads -ts stamps (node local time plus its offset) and prefers them only for lines that came late', () => {
    const line = '[2026-11-25T12:50:21.009520] Deleted 2: eth0    inet 10.9.0.100/24 scope global secondary eth0';
    expect(parseMonitorLine(line, '10.9.0.100')).toBe('del');
    expect(monitorTime(line, '+0000')).toBe(Date.parse('2026-11-25T12:50:21.009Z'));
    expect(monitorTime(line, '+0800')).toBe(Date.parse('2026-11-25T04:50:21.009Z'));
    expect(monitorTime('2: eth0    inet 10.9.0.100/24', '+0000')).toBeNull();
    const node = Date.parse('2026-11-25T12:50:21.009Z');
    expect(eventTime(node + 50, node)).toBe(node + 50); // on time: our clock
    expect(eventTime(node + 8000, node)).toBe(node); // held up by a cut link: the node's clock
    expect(eventTime(node + 8000, null)).toBe(node + 8000);
  });

  it('min/median/max over rounds, ignoring rounds that never recovered', () => {
    expect(stats([3.2, null, 4.4, 3.9])).toEqual({ min: 3.2, median: 3.9, max: 4.4 });
    expect(stats([1, 2, 3, 4])).toEqual({ min: 1, median: 2.5, max: 4 });
    expect(stats([null])).toBeNull();
  });
});

describe('status verdicts', () => {
  it('one healthy holder serving HTTP is ok; state and priority come from keepalived', () => {
    const a1 = parseStatus(
      'a1',
      pair,
      nodeOut(
        ['10.9.0.11', '10.9.0.100'],
        'a1',
        'dump trusted\ndata VRRP Instance = VI_1\ndata State = MASTER\ndata Interface = eth0\ndata Effective priority = 202\ndata State = UP, RUNNING\n',
      ),
    );
    const a2 = parseStatus('a2', pair, nodeOut(['10.9.0.12'], 'a1'));
    const s = judgePair(pair, [a1, a2]);
    expect(s.ok).toBe(true);
    expect(a1.instances.VI_1).toEqual({ state: 'MASTER', priority: 202, effective: 202, expectedPriority: 202 });
    expect(s.instances[0]!.holders).toEqual(['a1']);
  });
  it('two holders is split brain, said loudly', () => {
    const s = judgePair(pair, [
      parseStatus('a1', pair, nodeOut(['10.9.0.100'], 'a1')),
      parseStatus('a2', pair, nodeOut(['10.9.0.100'], 'a2')),
    ]);
    expect(s.ok).toBe(false);
    expect(s.instances[0]!.verdict).toBe('split brain');
    expect(s.instances[0]!.problem).toMatch(/SPLIT BRAIN: a1 and a2 both hold VIP 10\.9\.0\.100/);
  });
  it('an unreachable node is not taken for an empty one: the verdict is unknown, not outage', () => {
    const down = { host: 'a2', reachable: false, keepalived: false, nginx: false, addresses: [], instances: {}, http: {} };
    const s = judgePair(pair, [parseStatus('a1', pair, nodeOut(['10.9.0.11'], '')), down]);
    expect(s.ok).toBe(false);
    expect(s.instances[0]).toMatchObject({ verdict: 'unknown', problem: 'VIP 10.9.0.100 is not on a1; a2 did not answer' });
  });

  it('no holder is an outage', () => {
    const s = judgePair(pair, [parseStatus('a1', pair, nodeOut([], '')), parseStatus('a2', pair, nodeOut([], ''))]);
    expect(s.instances[0]!.verdict).toBe('outage');
  });
});

describe('drill timing on the node (fast failover needs millisecond resolution)', () => {
  it("a node's clock offset comes from the shortest date round trip; its stamps then map onto our clock", async () => {
    const { clockFrom } = await import('../../src/measure/clock.js');
    const c = clockFrom([
      { sentAt: 1000, receivedAt: 1100, nodeMs: 1550 },
      { sentAt: 2000, receivedAt: 2010, nodeMs: 2505 },
      { sentAt: 3000, receivedAt: 3000, nodeMs: Number.NaN },
    ])!;
    expect(c).toEqual({ offsetMs: 500, oneWayMs: 5 });
    expect(eventTime(9000, 8700, c.offsetMs)).toBe(8200);
    expect(clockFrom([{ sentAt: 1, receivedAt: 2, nodeMs: Number.NaN }])).toBeNull();
  });
});

import { notifyLogStates } from '../../src/measure/clock.js';
describe('keepalived states for the drill report, from the notify log', () => {
  it('takes transitions inside the round, not channel outcomes, notify-test calls or older lines', () => {
    const log = [
      '2026-11-25T18:00:00.100Z host=a1 pair=web instance=VI_1 state=MASTER priority=202',
      '2026-11-25T18:00:04.370Z host=a1 pair=web instance=VI_1 state=BACKUP priority=200',
      '2026-11-25T18:00:04.380Z host=a1 pair=web instance=VI_1 state=BACKUP channel=webhook target=http://x result=ok',
      '2026-11-25T18:00:05.000Z host=a1 pair=web instance=VI_1 state=MASTER priority=202 test=abc',
    ].join('\n');
    const from = Date.parse('2026-11-25T18:00:01Z');
    expect(notifyLogStates('a1', log, from, from + 60_000)).toEqual([
      { node: 'a1', instance: 'VI_1', state: 'BACKUP', at: Date.parse('2026-11-25T18:00:04.370Z') },
    ]);
  });
});

import { formatRound } from '../../src/drill/format.js';
describe('the drill line per round', () => {
  it('says how the failed requests failed', () => {
    const v = {
      instance: 'VI_1',
      vip: '10.9.0.100',
      vips: ['10.9.0.100'],
      from: 'a1',
      to: 'a2',
      vipGoneSeconds: 4.3,
      failoverSeconds: 4.4,
      httpRecoverySeconds: 4.5,
      failedRequests: 42,
      failures: { refused: 40, '5xx': 2 },
      gratuitousArp: true,
      failbackSeconds: 3.1,
      stayed: null,
      vipArrivedAt: null,
    };
    const line = formatRound({ round: 1, fault: 'nginx-stop', ...v, vips: [v], endedAsBegan: true, faultAt: '', problems: [] });
    expect(line).toContain('42 failed requests (40 refused, 2 5xx)');
  });
});

import { describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../src/notify/collector.js';
import { formatTimeline, notifyTimeline, type VipMove } from '../../src/notify/timeline.js';

const T = 1_700_000_000_000;
const hook = (host: string, state: string, at: number, extra: object = {}): NotificationEvent => ({
  channel: 'webhook',
  path: '/',
  raw: '',
  host,
  instance: 'VI',
  state,
  receivedAt: T + at,
  ...extra,
});
const kaMail = (router: string, state: string, at: number): NotificationEvent => ({
  channel: 'email',
  source: 'keepalived',
  from: 'ha@x',
  to: ['ops@x'],
  subject: `[${router}] VRRP Instance VI - Entering ${state} state`,
  body: '',
  host: router,
  instance: 'VI',
  state,
  receivedAt: T + at,
});
const moves: VipMove[] = [
  { vip: '10.0.0.100', from: 'lb1', to: 'lb2', arrivedAt: T + 4_400 },
  { vip: '10.0.0.100', from: 'lb2', to: 'lb1', arrivedAt: T + 20_000 },
];

describe('the drill notification timeline', () => {
  it('gives each notification its delay after the VIP moved, negative for the old holder letting go first', () => {
    const t = notifyTimeline({
      events: [
        hook('lb1', 'BACKUP', 4_300),
        hook('lb2', 'MASTER', 4_450),
        kaMail('lb2', 'MASTER', 4_700),
        hook('lb1', 'MASTER', 20_100),
        hook('lb2', 'BACKUP', 19_950),
      ],
      moves,
      channels: { lb1: ['log', 'webhook', 'email'], lb2: ['log', 'webhook', 'email'] },
    });
    const lb2 = t.nodes.find((n) => n.host === 'lb2')!;
    expect(lb2.notifications.map((n) => [n.channel, n.state, n.delayMs, n.source])).toEqual([
      ['webhook', 'MASTER', 50, 'haops'],
      ['email', 'MASTER', 300, 'keepalived'],
      ['webhook', 'BACKUP', -50, 'haops'],
    ]);
    expect(lb2.silent).toEqual([]);
    expect(lb2.missed).toEqual([{ move: moves[1], channels: ['email'] }]);
    const lb1 = t.nodes.find((n) => n.host === 'lb1')!;
    expect(lb1.notifications.map((n) => n.delayMs)).toEqual([-100, 100]);
    expect(lb1.silent).toEqual(['email']);
    expect(formatTimeline(t)).toContain('lb1: silent on email');
    expect(formatTimeline(t)).toContain('0.05 s after the VIP arrived on lb2');
    expect(formatTimeline(t)).toContain('0.10 s before the VIP arrived on lb2 (when it left lb1 was not seen)');
  });

  it('lists every notification in time order, after the fault, saying what each came after; an SMS with its state', () => {
    const sms: NotificationEvent = {
      channel: 'sms',
      path: '/',
      raw: '',
      to: '+861',
      text: '[haops] lb2 VI is now MASTER (priority 201)',
      receivedAt: T + 5_590,
    };
    const t = notifyTimeline({
      events: [hook('lb2', 'MASTER', 4_450), sms, hook('lb1', 'BACKUP', 4_380)],
      moves: [{ ...moves[0]!, goneAt: T + 4_350 }],
      channels: { lb1: ['webhook'], lb2: ['webhook', 'sms'] },
    });
    const lines = formatTimeline(t, { faultAt: T }).split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^ *\+4\.38 s after the fault {2}lb1 {2}webhook +VI BACKUP +0\.03 s after the VIP left lb1, 0\.02 s before it arrived on lb2$/,
      ),
      expect.stringMatching(/^ *\+4\.45 s after the fault {2}lb2 {2}webhook +VI MASTER +0\.05 s after the VIP arrived on lb2$/),
      expect.stringMatching(/^ *\+5\.59 s after the fault {2}lb2 {2}sms +VI MASTER +1\.19 s after the VIP arrived on lb2$/),
    ]);
  });

  it('leaves out notify-test events and events outside the drill, and sets aside strangers', () => {
    const t = notifyTimeline({
      events: [hook('lb2', 'MASTER', 4_500, { test: true, testId: 'x' }), hook('lb2', 'MASTER', -60_000), hook('other', 'MASTER', 4_500)],
      moves: moves.slice(0, 1),
      channels: { lb1: ['webhook'], lb2: ['webhook'] },
      startedAt: T,
      endedAt: T + 30_000,
    });
    expect(t.nodes.every((n) => n.notifications.length === 0)).toBe(true);
    expect(t.nodes.map((n) => n.silent)).toEqual([['webhook'], ['webhook']]);
    expect(t.unmatched).toHaveLength(1);
  });

  it('names an SMS by the host in its text, and a notification far from any move has no delay', () => {
    const sms: NotificationEvent = {
      channel: 'sms',
      path: '/',
      raw: '',
      to: '+861',
      text: '[haops] lb2 VI is now MASTER (priority 201)',
      receivedAt: T + 5_000,
    };
    const t = notifyTimeline({
      events: [sms, hook('lb1', 'FAULT', 200_000)],
      moves: moves.slice(0, 1),
      channels: { lb1: ['webhook'], lb2: ['sms'] },
    });
    expect(t.nodes[1]!.notifications[0]).toMatchObject({ channel: 'sms', delayMs: 600 });
    expect(t.nodes[0]!.notifications[0]).toMatchObject({ move: null, delayMs: null });
    expect(t.nodes[0]!.missed).toEqual([{ move: moves[0], channels: ['webhook'] }]);
  });
});

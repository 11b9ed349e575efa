// `haops switchover --report`: the drill's page drawn from switchover rounds (drain at t = 0, the
// VIP on the peer, every probe, the undrain), checked as text and laid out in headless chromium.
import { describe, expect, it } from 'vitest';
import type { ProbeMark } from '../../src/measure/trace.js';
import { renderSwitchoverHtml } from '../../src/switchover/report-html.js';
import type { SwitchoverReport } from '../../src/switchover/report.js';
import type { SwitchoverRound } from '../../src/switchover/round.js';
import { CHROMIUM, measureLayout } from '../browser.js';

const T0 = Date.UTC(2026, 10, 25, 18, 0, 0);
const VIP = '10.9.0.100';

/** One round: drain at +0, VIP on b2 at +0.24 s, undrain at +1.9 s, back on b1 at +5.2 s; one reset at +5.2 s. */
function round(n: number, base: number): SwitchoverRound {
  const probes: ProbeMark[] = [];
  for (let t = -400; t < 6_500; t += 20) {
    const sentAt = base + t;
    if (t === 5_200) probes.push({ vip: VIP, sentAt, at: sentAt + 2, ok: false, node: null, failure: 'reset' });
    else probes.push({ vip: VIP, sentAt, at: sentAt + 1, ok: true, node: t < 240 || t > 5_200 ? 'b1' : 'b2', status: 200 });
  }
  return {
    round: n,
    from: 'b1',
    to: 'b2',
    switchoverSeconds: 0.24,
    failedRequests: 1,
    worstLatencySeconds: 0.03,
    switchbackSeconds: 3.3,
    resetsOnReusedConnections: 2,
    requests: probes.length,
    handoff: [
      { on: true, node: 'b2' },
      { on: true, node: 'b1' },
    ],
    holds: [],
    keptAlive: null,
    vips: [
      {
        instance: 'VI_1',
        vip: VIP,
        from: 'b1',
        to: 'b2',
        switchoverSeconds: 0.24,
        switchbackSeconds: 3.3,
        failedRequests: 1,
        worstLatencySeconds: 0.03,
        worstAtSeconds: 5.1,
        resetsOnReusedConnections: 2,
        keptAlive: null,
        requests: probes.length,
        failures: [{ atSeconds: 5.2, error: 'ECONNRESET' }],
      },
    ],
    endedAsBegan: true,
    drainAt: new Date(base).toISOString(),
    trace: {
      startedAt: base - 400,
      endedAt: base + 6_500,
      faultAt: base,
      restoreAt: base + 1_900,
      holdersAtStart: { [VIP]: 'b1' },
      statesAtStart: { b1: { VI_1: 'MASTER' }, b2: { VI_1: 'BACKUP' } },
      vipEvents: [
        { node: 'b1', vip: VIP, kind: 'del', at: base + 5 },
        { node: 'b2', vip: VIP, kind: 'add', at: base + 240 },
        { node: 'b2', vip: VIP, kind: 'del', at: base + 5_200 },
        { node: 'b1', vip: VIP, kind: 'add', at: base + 5_200 },
      ],
      states: [
        { node: 'b1', instance: 'VI_1', state: 'FAULT', at: base + 5 },
        { node: 'b2', instance: 'VI_1', state: 'MASTER', at: base + 240 },
        { node: 'b1', instance: 'VI_1', state: 'BACKUP', at: base + 1_910 },
        { node: 'b1', instance: 'VI_1', state: 'MASTER', at: base + 5_200 },
        { node: 'b2', instance: 'VI_1', state: 'BACKUP', at: base + 5_201 },
      ],
      garp: [
        { vip: VIP, node: 'b2', at: base + 241 },
        { vip: VIP, node: 'b1', at: base + 5_201 },
      ],
      probes,
      instances: { [VIP]: 'VI_1' },
    },
    problems: ['10.9.0.100: 1 failed requests (5.20 s ECONNRESET)'],
  };
}

const report: SwitchoverReport = {
  ok: false,
  pair: 'web',
  target: 'instance VI_1',
  method: 'track_file',
  bridge: true,
  handoff: [
    { on: true, node: 'b2', packets: 44 },
    { on: false, node: 'b1', why: 'b1 has no nft' },
  ],
  probe: { intervalMs: 20, timeoutSeconds: 2, newConnectionEach: true, keptAliveConnections: 4 },
  probedFrom: 'this machine',
  rounds: [round(1, T0), round(2, T0 + 10_000)],
  problems: ['round 1: 10.9.0.100: 1 failed requests (5.20 s ECONNRESET)'],
};
const html = renderSwitchoverHtml(report, ['b1', 'b2']);
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('switchover --report (HTML page)', () => {
  it('is self-contained and titled for the switchover, with who handed off', () => {
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|href="http/i);
    expect(html).toContain('<title>haops switchover: pair web, instance VI_1; handoff: b2 44 packets, b1 none</title>');
  });

  it('draws each round on a time axis from the drain: drain and undrain lines, every probe, the reset by kind', () => {
    expect(count(html, /<g class="axis"/g)).toBe(2);
    expect(count(html, /time from the drain/g)).toBe(2);
    expect(count(html, /<g class="fault">/g)).toBe(2);
    expect(html).toContain('>drain of b1</text>');
    expect(count(html, /<g class="restore">.*?>undrain<\/text>/g)).toBe(2);
    expect(count(html, /class="probe ok"/g)).toBe(2 * 344);
    expect(count(html, /class="probe failed reset"/g)).toBe(2);
    expect(html).toContain('1 failed request (1 reset)');
    expect(html).toMatch(/b2 held VIP 10\.9\.0\.100 from 2026-11-25 18:00:00\.240 UTC \(\+0\.240 s after the drain\)/);
    expect(html).toContain('switchback 3.30 s');
  });
});

describe.skipIf(!CHROMIUM)('the switchover report in headless chromium (real browser)', () => {
  it('lays out every probe, holder bar, GARP, drain and undrain inside each round axis', () => {
    const measured = measureLayout(html, 'switchover-report');
    expect(measured).toHaveLength(2);
    // fault: the drain line; restore: the undrain line.
    for (const m of measured)
      expect(m).toMatchObject({ probes: 345, probesDrawn: 345, failed: 1, holds: 3, garp: 2, fault: 1, restore: 1 });
  });
});

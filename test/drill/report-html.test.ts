import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDrillHtml } from '../../src/measure/report-html.js';
import { fixtureReport } from './report-fixture.js';
import { CHROMIUM, OUT, chromium, measureLayout } from '../browser.js';

const html = renderDrillHtml(fixtureReport(2), ['a1', 'a2']);
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('failover-drill --report (HTML page)', () => {
  it('is self-contained: no script, no external font, stylesheet or image', () => {
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|href="http/i);
  });

  it('draws one axis per round and every probe, failures by kind', () => {
    expect(count(html, /<g class="axis"/g)).toBe(2);
    // 123 probes per round in the fixture, 46 of them failed.
    expect(count(html, /class="probe ok"/g)).toBe(2 * 77);
    expect(count(html, /class="probe failed refused"/g)).toBe(2 * 20);
    expect(count(html, /class="probe failed 5xx"/g)).toBe(2 * 20);
    expect(count(html, /class="probe failed timeout"/g)).toBe(2 * 6);
    expect(html).toContain('46 failed requests (20 refused, 20 5xx, 6 timeout)');
  });

  it("puts the exact time in each mark's hover title", () => {
    expect(html).toContain('<title>sms from a2: VI_1 MASTER received 2026-11-25 18:00:05.600 UTC (+5.600 s after the fault)</title>');
    expect(html).toContain(
      "this machine's ARP entry for 10.9.0.100 moved to a2's MAC (gratuitous ARP when unasked) at 2026-11-25 18:00:04.401 UTC",
    );
    expect(html).toMatch(/a2 held VIP 10\.9\.0\.100 from 2026-11-25 18:00:04\.400 UTC \(\+4\.400 s after the fault\)/);
  });

  it('escapes what it did not write itself', () => {
    const r = fixtureReport(1);
    r.problems.push('<img src=x onerror=alert(1)>');
    expect(renderDrillHtml(r, ['a1', 'a2'])).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

// A real browser (test/browser.ts): what chromium lays out, not what the markup says.
if (!CHROMIUM) console.warn('report-html.test: chromium not installed (apt-get install -y chromium): browser tests skipped');

describe.skipIf(!CHROMIUM)('the drill report in headless chromium (real browser)', () => {
  it('lays out one axis per round with every probe, notification, holder bar and GARP inside it; screenshot saved', () => {
    mkdirSync(OUT, { recursive: true });
    const page = join(OUT, 'drill-report.html');
    writeFileSync(page, html);
    const measured = measureLayout(html, 'drill-report');
    expect(measured).toHaveLength(2);
    for (const m of measured) {
      expect(m).toMatchObject({ probes: 123, probesDrawn: 123, failed: 46, notifications: 3, holds: 3, garp: 2, fault: 1, restore: 1 });
      expect(m.ticks).toBeGreaterThanOrEqual(6);
    }
    const png = join(OUT, 'drill-report.png');
    rmSync(png, { force: true });
    chromium(['--hide-scrollbars', '--window-size=1180,1100', `--screenshot=${png}`, `file://${page}`]);
    expect(statSync(png).size).toBeGreaterThan(10_000);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDrillHtml } from '../../src/drill/report-html.js';
import { fixtureReport } from './report-fixture.js';

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

// A real browser: Debian's chromium, headless. The page has no script; the test adds one to a copy
// that measures what the browser laid out, so "drawn" means drawn with a size, inside its axis.
const CHROMIUM = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!CHROMIUM) console.warn('report-html.test: chromium not installed (apt-get install -y chromium): browser tests skipped');
const OUT = resolve('test/output');

function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), 'haops-chromium-'));
  try {
    return execFileSync(
      CHROMIUM!,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const MEASURE = `<script>
addEventListener('load', () => {
  const box = (e) => e.getBoundingClientRect();
  const rounds = [...document.querySelectorAll('svg.round-axis')].map((svg) => {
    const s = box(svg);
    const inside = (e) => { const b = box(e); return b.width > 0 && b.height > 0 && b.left >= s.left - 1 && b.right <= s.right + 1 && b.top >= s.top - 1 && b.bottom <= s.bottom + 1; };
    const all = (sel) => [...svg.querySelectorAll(sel)];
    return { round: svg.dataset.round, width: s.width, probes: all('.probe').length, probesDrawn: all('.probe').filter(inside).length,
      failed: all('.probe.failed').filter(inside).length, notifications: all('.notification').filter(inside).length,
      holds: all('.holds').filter(inside).length, garp: all('.garp').filter(inside).length, ticks: all('.axis .tick').length,
      fault: all('.fault line').length, restore: all('.restore line').length };
  });
  const pre = document.createElement('pre'); pre.id = 'measured'; pre.textContent = JSON.stringify(rounds); document.body.append(pre);
});
</script>`;

describe.skipIf(!CHROMIUM)('the drill report in headless chromium (real browser)', () => {
  it('lays out one axis per round with every probe, notification, holder bar and GARP inside it; screenshot saved', () => {
    mkdirSync(OUT, { recursive: true });
    const page = join(OUT, 'drill-report.html');
    writeFileSync(page, html);
    const probe = join(OUT, 'drill-report.measure.html');
    writeFileSync(probe, html.replace('</body>', `${MEASURE}</body>`));
    const dom = chromium(['--dump-dom', `file://${probe}`]);
    const measured = JSON.parse(/<pre id="measured">([^<]*)<\/pre>/.exec(dom)![1]!.replaceAll('&quot;', '"')) as Record<
      string,
      number | string
    >[];
    expect(measured).toHaveLength(2);
    for (const m of measured) {
      expect(m).toMatchObject({ probes: 123, probesDrawn: 123, failed: 46, notifications: 3, holds: 3, garp: 2, fault: 1, restore: 1 });
      expect(m.ticks as number).toBeGreaterThanOrEqual(6);
    }
    const png = join(OUT, 'drill-report.png');
    rmSync(png, { force: true });
    chromium(['--hide-scrollbars', '--window-size=1180,1100', `--screenshot=${png}`, `file://${page}`]);
    expect(statSync(png).size).toBeGreaterThan(10_000);
  });
});

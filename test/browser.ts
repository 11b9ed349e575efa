// A real browser for the report tests: Debian's chromium, headless, a throwaway profile per call.
// The pages carry no script; `measureLayout` adds one to a copy that reports what the browser laid
// out, so "drawn" means drawn with a size, inside its round's axis.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The chromium command on this machine, or undefined (scripts/setup.sh installs it). */
export const CHROMIUM = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);

/** Where the tests leave pages and screenshots to look at. */
export const OUT = resolve('test/output');

/** Runs headless chromium with these arguments; its stdout (the DOM with --dump-dom). */
export function chromium(args: string[]): string {
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

/** What the browser laid out in one round's axis (counts of elements drawn inside it). */
export interface RoundLayout {
  round: string | undefined;
  width: number;
  probes: number;
  probesDrawn: number;
  failed: number;
  notifications: number;
  holds: number;
  garp: number;
  ticks: number;
  /** The fault (drill) or drain (switchover) line. */
  fault: number;
  /** The restore (drill) or undrain (switchover) line. */
  restore: number;
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

/** Loads a copy of the page (as OUT/NAME.measure.html) with the measuring script; each round's layout. */
export function measureLayout(html: string, name: string): RoundLayout[] {
  mkdirSync(OUT, { recursive: true });
  const page = join(OUT, `${name}.measure.html`);
  writeFileSync(page, html.replace('</body>', `${MEASURE}</body>`));
  const dom = chromium(['--dump-dom', `file://${page}`]);
  return JSON.parse(/<pre id="measured">([^<]*)<\/pre>/.exec(dom)![1]!.replaceAll('&quot;', '"')) as RoundLayout[];
}

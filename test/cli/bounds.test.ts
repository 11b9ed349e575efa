// Numeric flags are range-checked (exit 2, the flag and its range named, before any connection),
// and a --prom/--report file that cannot be written never throws away the run's output: the
// output is printed, then the command fails with the reason (exit 2: the path is bad input).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haops } from '../fixtures/cli.js';
import { closedPairYaml } from '../fixtures/web-pair.js';

const dir = mkdtempSync(join(tmpdir(), 'haops-bounds-'));
const file = join(dir, 'inv.yaml');
// Nodes on a closed loopback port and no client probe: nothing leaves the machine.
writeFileSync(file, closedPairYaml());

/** haops, and how long it took (a bound must fail fast, not after a timer). */
async function timed(...args: string[]) {
  const started = Date.now();
  const r = await haops(args);
  return { ...r, ms: Date.now() - started };
}

const CASES: [string[], RegExp][] = [
  [['status', file, '--watch', '1e309'], /--watch 1e309: expected seconds from 0\.2 to 86400/],
  [['status', file, '--watch', 'Infinity'], /--watch Infinity: expected seconds/],
  [['status', file, '--watch', 'NaN'], /--watch NaN: expected seconds/],
  [['status', file, '--watch', '0'], /--watch 0: expected seconds from 0\.2/],
  [['status', file, '--watch', '3000000'], /--watch 3000000: expected seconds/], // past a timer's 24.8 days: fires at once
  [['status', file, '--connect-timeout', '0'], /--connect-timeout 0: expected seconds from 1 to 600/],
  [['status', file, '--connect-timeout', 'abc'], /--connect-timeout abc/],
  [['status', file, '--connect-timeout', '1e9'], /--connect-timeout 1e9/],
  [['notify-test', file, '--wait', '-1'], /--wait -1: expected seconds from 1 to 600/],
  [['notify-test', file, '--wait', '100000'], /--wait 100000/],
  [['deploy', file, '--concurrency', '1000000'], /--concurrency 1000000: expected a whole number of pairs from 1 to 256/],
  [['deploy', file, '--concurrency', '2.5'], /--concurrency 2\.5/],
  [['failover-drill', file, '--rounds', '1e9'], /--rounds 1e9: expected a whole number of rounds from 1 to 1000/],
  [['failover-drill', file, '--max-failover', 'Infinity'], /--max-failover Infinity: expected seconds/],
  [['failover-drill', file, '--probe-ms', '0'], /--probe-ms 0: expected a whole number of milliseconds from 5 to 1000/],
  [['failover-drill', file, '--report', join(dir, 'no/such/dir/r.html')], /--report .*: its directory cannot be used \(ENOENT\)/],
  [['failover-drill', file, '--report', dir], /--report .*: that is a directory/],
  [['switchover', file, '--rounds', '0'], /--rounds 0: expected a whole number of rounds from 1 to 1000/],
  [['status', file, '--prom', ''], /--prom is empty/],
];

describe('numeric flags and output files are checked before anything runs', () => {
  it.each(CASES)('%j', async (args, message) => {
    const r = await timed(...args);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/fix: /);
    expect(r.err).not.toMatch(/internal error|connection refused/); // refused before connecting
    expect(r.ms).toBeLessThan(3000);
  });
});

describe('a --prom file that cannot be written does not lose the reading', () => {
  it('status --json prints the whole reading, then exits 2 naming the file', async () => {
    const r = await timed('status', file, '--json', '--prom', '/proc/haops-test.prom');
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out);
    expect(doc.pairs[0].pair).toBe('web');
    expect(r.err).toMatch(/--prom \/proc\/haops-test\.prom: cannot write it \(\w+\); the reading above is complete/);
  });
});

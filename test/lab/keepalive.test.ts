// Kept-alive clients through a switchover and a reloading deploy on the lab pair (issue 25): 16
// kept-alive sockets (wrk when installed, else haops's own kept-alive load) must see no error.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeptAliveLoad } from '../../src/switchover/kept-alive.js';
import { labSkipReason, useLab } from './shape.js';
import { haops as cli, json } from './cli.js';
import { firstVip } from './net.js';

const run = promisify(execFile);
const LAB = 'inventory/lab.yaml';
const env = { ...process.env, HAOPS_VRRP_PASSWORD: 'Sw1tchOv' };
const haops = (args: string[]) => cli(args, { env });
const vip = () => firstVip(parse(readFileSync(LAB, 'utf8')).pairs.lab.instances[0]);
const hasWrk = await run('wrk', ['--version']).then(
  () => true,
  (e: { stdout?: string }) => /^wrk\b/.test(e.stdout ?? ''),
);

/** What the load's clients saw while `during` ran: requests and errors of any kind. */
async function underLoad(during: () => Promise<unknown>): Promise<{ requests: number; errors: number; detail: string }> {
  const url = `http://${vip()}/`;
  if (hasWrk) {
    const wrk = spawn('wrk', ['-c16', '-t2', '-d600s', '--timeout', '2s', url]);
    let out = '';
    wrk.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    try {
      await during();
    } finally {
      wrk.kill('SIGINT'); // wrk prints its totals on SIGINT
      await new Promise((r) => wrk.once('close', r));
    }
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const errors = (socket ? socket.slice(1).reduce((s, x) => s + Number(x), 0) : 0) + non2xx;
    return { requests, errors, detail: out };
  }
  const load = new KeptAliveLoad(vip(), 80, 16, '/');
  const t0 = Date.now();
  load.start();
  try {
    await during();
  } finally {
    await load.stop();
  }
  const f = load.figures(t0);
  return { requests: f.requests, errors: f.failedRequests, detail: JSON.stringify(f.failures) };
}

describe.skipIf(labSkipReason({ nodes: 2 }))('kept-alive clients on the lab pair (16 sockets)', () => {
  useLab({ nodes: 2 });
  beforeAll(async () => {
    const r = await haops(['deploy', LAB, '--json']);
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
  }, 300_000);

  it('a switchover round: no client error, and haops counts its own kept-alive load as failed requests too (0)', async () => {
    let report: any;
    const seen = await underLoad(async () => {
      report = json(await haops(['switchover', LAB, '--json', '--connections', '4']));
    });
    expect(seen.requests).toBeGreaterThan(500);
    expect(seen.errors, seen.detail).toBe(0);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    const [round] = report.rounds;
    expect(round.keptAlive.requests).toBeGreaterThan(100);
    expect(round.keptAlive.failedRequests).toBe(0);
    // Each hold ended because no connection was left on the old holder, not by the limit.
    expect(round.holds.map((h: any) => h.emptied)).toEqual([true, true]);
  }, 90_000);

  it('a deploy that reloads nginx on the VIP holder drains it first: no client error', async () => {
    // Another upstream order: nginx's site changes on both nodes (a reload on each).
    const changed = readFileSync(LAB, 'utf8').replace(/servers: \[([^,\]]+), ([^\]]+)\]/, 'servers: [$2, $1]');
    const file = `${LAB}.keepalive-test.yaml`;
    writeFileSync(file, changed);
    let report: any;
    try {
      const seen = await underLoad(async () => {
        report = json(await haops(['deploy', file, '--json']));
      });
      expect(report.ok, JSON.stringify(report.hosts.map((h: any) => h.error))).toBe(true);
      const holder = report.hosts.find((h: any) => h.role.startsWith('MASTER'));
      expect(holder.reload).toMatchObject({ way: 'drained', connectionsLeft: 0 });
      expect(seen.requests).toBeGreaterThan(500);
      expect(seen.errors, seen.detail).toBe(0);
    } finally {
      // The next file's (or run's) deploy of the lab inventory puts the order back.
      await run('rm', ['-f', file]);
    }
  }, 240_000);
});

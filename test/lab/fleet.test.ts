// Active-active and fleets on the real lab: four Debian 12 nodes, an active-active pair (each
// node MASTER of one VIP) and a second pair, deployed and drilled from one inventory.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { labSkipReason, useLab } from './shape.js';
import { haops, json, switchoverClean } from './cli.js';
import { ipv4Only, LAB as LAB_FILE, NET, netns } from './net.js';

/** The lab's inventory without its IPv6 instance: this file names every IPv4 VIP it expects (IPv6: ipv6.test.ts). */
let LAB = LAB_FILE;

const run = promisify(execFile);

const vipsOf = (report: any) => Object.fromEntries(report.pairs.flatMap((p: any) => p.vips.map((v: any) => [v.vip, v.holders])));

describe.skipIf(labSkipReason({ nodes: 4 }))('an active-active pair and a second pair in one inventory (4-node lab)', () => {
  useLab({ nodes: 4 });
  // After the lab is up (a spare's inventory is written then): its IPv4 shapes only.
  beforeAll(() => {
    LAB = ipv4Only(LAB_FILE);
  });

  it('one deploy converges both pairs, each VIP on its own MASTER; a second changes nothing in one round trip per host', async () => {
    const r = await haops(['deploy', LAB, '--json', '--concurrency', '2']);
    const report = json(r);
    expect(report.ok, r.stdout).toBe(true);
    expect(report.pairs.map((p: any) => [p.pair, p.ok])).toEqual([
      ['lab', true],
      ['lab2', true],
    ]);
    expect(vipsOf(report)).toEqual({ [`${NET}.100`]: ['node1'], [`${NET}.104`]: ['node2'], [`${NET}.101`]: ['node3'] });
    const again = json(await haops(['deploy', LAB, '--json']));
    expect(again.changed).toBe(0);
    expect(again.hosts.map((h: any) => h.roundTrips)).toEqual([1, 1, 1, 1]);
  }, 300_000);

  it('plan shows both VIPs of the active-active pair, each failing over to the other node', async () => {
    const r = await haops(['plan', LAB, '--json']);
    const plan = json(r);
    expect(
      plan.instances.filter((p: any) => p.pair === 'lab').map((p: any) => [p.vip, p.scenarios[0].holder, p.scenarios[1].holder]),
    ).toEqual([
      [`${NET}.100`, 'node1', 'node2'],
      [`${NET}.104`, 'node2', 'node1'],
    ]);
  });

  it("a node drill moves both of its pair's VIPs to the survivor and back", async () => {
    const r = await haops(['failover-drill', LAB, '--node', 'node1', '--json']);
    const report = json(r);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    const round = report.rounds[0];
    // VI_LAB carries two addresses (vips:): both move with it.
    expect(round.duringFault).toEqual({ [`${NET}.100`]: ['node2'], [`${NET}.102`]: ['node2'], [`${NET}.104`]: ['node2'] });
    expect(round.vips.map((v: any) => [v.vips, v.from, v.to])).toEqual([[[`${NET}.100`, `${NET}.102`], 'node1', 'node2']]);
    expect(round.endedAsBegan).toBe(true);
    expect(vipsOf(json(await haops(['deploy', LAB, '--json'])))).toEqual({
      [`${NET}.100`]: ['node1'],
      [`${NET}.104`]: ['node2'],
      [`${NET}.101`]: ['node3'],
    });
  });

  it.each(['node1', 'node2'])(
    'switchover --node %s on the active-active pair moves the VIP it holds to its peer and back, no request failed',
    async (node) => {
      const peer = node === 'node1' ? 'node2' : 'node1';
      const vip = node === 'node1' ? `${NET}.100` : `${NET}.104`;
      const r = await haops(['switchover', LAB, '--pair', 'lab', '--node', node, '--rounds', '1', '--json']);
      const report = json(r);
      expect(switchoverClean(report), JSON.stringify(report.problems)).toBe(true);
      const [round] = report.rounds;
      expect(round).toMatchObject({ from: node, to: peer, endedAsBegan: true });
      expect(round.vips.map((v: any) => [v.vip, v.from, v.to])).toEqual([[vip, node, peer]]);
      expect(round.switchoverSeconds).toBeLessThan(1);
      expect(round.worstLatencySeconds).toBeLessThan(0.5);
    },
  );

  it("the drill can target one instance: the second VIP's holder (node2) fails over to node1", async () => {
    const report = json(await haops(['failover-drill', LAB, '--instance', 'VI_LAB_B', '--json']));
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    expect(report.rounds[0]).toMatchObject({ from: 'node2', to: 'node1', endedAsBegan: true });
  });

  it('a failing pair does not stop the others; the summary says which pairs converged', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'haops-fleet-')), 'lab.yaml');
    writeFileSync(file, readFileSync(LAB, 'utf8').replaceAll(`servers: [${NET}.21:8080, ${NET}.22:8080]`, `servers: [${NET}.21:8080]`));
    await run('ip', ['netns', 'exec', netns('node4'), 'ip', 'link', 'set', 'eth0', 'down']);
    try {
      const r = await haops(['deploy', file, '--connect-timeout', '3']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/NOT converged: .*pairs ok: lab; failed: lab2/);
      expect(r.stdout).toMatch(/node4 .* FAILED/);
      expect(r.stdout).toMatch(/node1 .* 2 changed/);
    } finally {
      await run('ip', ['netns', 'exec', netns('node4'), 'ip', 'link', 'set', 'eth0', 'up']);
    }
    expect(json(await haops(['deploy', LAB, '--json'])).ok).toBe(true);
  }, 300_000);
});

// The deploy runner end to end against two simulated CentOS 6 hosts (ssh2's in-process Server
// playing CentOS 6.10), through the real SSH client: order, idempotence, round trips, failures.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostConnections } from '../../src/nodes/connector.js';
import { loadInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { deploy, type DeployEvent, type DeployOptions } from '../../src/runner/deploy.js';
import { loadPlaybook } from '../../src/runner/playbook.js';
import { startSimHost, type SimHost } from './server.js';
import { SIM_PLAYBOOK } from './wanted.js';
import { writeSimPair } from './pair.js';

let sims: SimHost[];
let dir: string;

/** The web pair on the two simulated hosts, with `nginx` lines under its nginx:. */
function inventory(nginx: string[] = []): string {
  return writeSimPair(dir, sims, { instanceExtra: 'authentication: { password_env: SIM_VRRP_PW }', nginx });
}

async function run(file: string, extra: Partial<DeployOptions> = {}, env: Record<string, string> = { SIM_VRRP_PW: 'vrrpSec1' }) {
  const loaded = loadInventory(file, env);
  const inv = loaded.inventory;
  const model = buildModel(loaded);
  const hosts = hostConnections(inv, file, {});
  try {
    return await deploy(model, { playbook: SIM_PLAYBOOK, connect: hosts.get, verify: false, ...extra });
  } finally {
    await hosts.closeAll();
  }
}

describe('deploy runner against simulated CentOS 6 hosts', () => {
  beforeEach(async () => {
    sims = [await startSimHost('centos6'), await startSimHost('centos6')];
    dir = mkdtempSync(join(tmpdir(), 'haops-sim-'));
  });
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('converges the BACKUP before the MASTER, then a second run changes nothing in one round trip per host', async () => {
    const file = inventory();
    // One order across both hosts: which host received each command.
    const order: string[] = [];
    sims.forEach((sim, i) => {
      const push = sim.commands.push.bind(sim.commands);
      sim.commands.push = (...c: string[]) => (order.push(`a${i + 1} ${c[0]!.split('\n')[0]}`), push(...c));
    });
    const events: DeployEvent[] = [];
    const first = await run(file, { onEvent: (e) => events.push(e) });
    expect(first.ok).toBe(true);
    expect(first.hosts.map((h) => [h.host, h.changed > 0])).toEqual([
      ['a1', true],
      ['a2', true],
    ]);
    // The events tell the same story as the report: BACKUP finished before the MASTER started, the run last.
    const finished = events.filter((e) => e.type === 'host-finished').map((e) => e.host);
    const startedAt = (h: string) => events.findIndex((e) => e.type === 'host-started' && e.host === h);
    expect(finished).toEqual(['a2', 'a1']);
    expect(events.findIndex((e) => e.type === 'host-finished' && e.host === 'a2')).toBeLessThan(startedAt('a1'));
    expect(events.at(-1)).toEqual({ type: 'run-finished', report: first });
    // After both gathered facts, a2 (BACKUP) ran every change and its confirmation before a1 (MASTER) got one.
    const firstA1Change = order.findIndex((c, i) => i >= 2 && c.startsWith('a1 '));
    const lastA2 = order.map((c) => c.startsWith('a2 ')).lastIndexOf(true);
    expect(order.slice(0, 2).sort()).toEqual(['a1 # haops facts v2', 'a2 # haops facts v2']);
    expect(order[firstA1Change]).toBe('a1 yum -y install keepalived nginx');
    expect(lastA2).toBeLessThan(firstA1Change);
    expect(order[lastA2]).toBe('a2 # haops facts v2');
    expect(sims[0]!.state.files.get('/etc/keepalived/keepalived.conf')?.content).toMatch(/state MASTER[\s\S]*priority 200/);
    expect(sims[1]!.state.files.get('/etc/keepalived/keepalived.conf')?.content).toMatch(/state BACKUP[\s\S]*priority 199/);

    const before = sims.map((s) => s.commands.length);
    const second = await run(file);
    expect(second.ok).toBe(true);
    expect(second.changed).toBe(0);
    expect(second.hosts.map((h) => h.roundTrips)).toEqual([1, 1]);
    expect(sims.map((s, i) => s.commands.length - before[i]!)).toEqual([1, 1]);
  });

  it('--check plans but sends nothing that changes the host', async () => {
    const report = await run(inventory(), { check: true });
    expect(report.changed).toBeGreaterThan(0);
    expect(report.hosts.every((h) => h.steps.every((s) => s.outcome === 'would change'))).toBe(true);
    expect(sims.flatMap((s) => s.commands).filter((c) => !c.startsWith('# haops facts'))).toEqual([]);
  });

  it('a node that is down fails alone while its peer converges, and a re-run converges both', async () => {
    const file = inventory();
    await sims[1]!.stop();
    const first = await run(file);
    expect(first.ok).toBe(false);
    const a2 = first.hosts.find((h) => h.host === 'a2')!;
    expect(a2.ok).toBe(false);
    expect(a2.error).toMatch(/a2/);
    expect(first.hosts.find((h) => h.host === 'a1')!.ok).toBe(true);
    expect(sims[0]!.state.files.get('/etc/keepalived/keepalived.conf')?.content).toMatch(/state MASTER/);
    expect(sims[1]!.state.files.has('/etc/keepalived/keepalived.conf')).toBe(false);

    await sims[1]!.restart();
    const again = await run(file);
    expect(again.ok).toBe(true);
    expect(again.hosts.map((h) => [h.host, h.ok, h.changed > 0])).toEqual([
      ['a1', true, false],
      ['a2', true, true],
    ]);
    expect(sims[1]!.state.files.get('/etc/keepalived/keepalived.conf')?.content).toMatch(/state BACKUP/);
    expect((await run(file)).changed).toBe(0);
  });

  it('a BACKUP that fails half-way leaves the MASTER untouched, so the pair keeps a healthy holder', async () => {
    const file = inventory(['extra: ["invalid on;"]']);
    const report = await run(file);
    expect(report.ok).toBe(false);
    const [a1, a2] = report.hosts;
    expect(a2!.ok).toBe(false);
    expect(a2!.changed).toBeGreaterThan(0); // installed and enabled, then nginx -t refused the site
    expect(a2!.error).toMatch(/nginx -t failed/);
    expect(a1!.error).toMatch(/a1 left untouched: a2 failed half-way/);
    expect(sims[0]!.commands.filter((c) => !c.startsWith('# haops facts'))).toEqual([]);
  });

  it('secrets never appear in the report, even with --diff of a keepalived.conf change', async () => {
    const file = inventory();
    await run(file);
    // A VIP change rewrites keepalived.conf; its diff hunk reaches the authentication block above it.
    writeFileSync(file, readFileSync(file, 'utf8').replace('vip: 10.9.0.100/24', 'vip: 10.9.0.101/24'));
    const report = await run(file, { diff: true, check: true });
    const diffs = report.hosts.flatMap((h) => h.steps.flatMap((s) => (s.diff ? [s.diff] : [])));
    const conf = diffs.filter((d) => d.includes('/etc/keepalived/keepalived.conf'));
    expect(conf.length).toBeGreaterThan(0);
    expect(conf.join('\n')).toMatch(/^-\s+10\.9\.0\.100\/24\n\+\s+10\.9\.0\.101\/24$/m);
    expect(conf.join('\n')).toContain('auth_pass ********');
    expect(JSON.stringify(report)).not.toContain('vrrpSec1');
  });

  it('a changed VRRP password shows masked on both sides of the --diff, old and new', async () => {
    const file = inventory();
    await run(file);
    const report = await run(file, { diff: true, check: true }, { SIM_VRRP_PW: 'vrrpSec2' });
    const conf = report.hosts.flatMap((h) => h.steps.flatMap((s) => (s.diff?.includes('keepalived.conf') ? [s.diff] : [])));
    expect(conf).toHaveLength(2);
    const text = JSON.stringify(report);
    expect(text).not.toContain('vrrpSec1');
    expect(text).not.toContain('vrrpSec2');
  });
});

describe('haops run: a playbook of your own, from the same step kinds', () => {
  beforeEach(async () => {
    sims = [await startSimHost('centos7'), await startSimHost('centos7')];
    dir = mkdtempSync(join(tmpdir(), 'haops-sim-'));
  });
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('puts a literal file with its mode on every node (simulated CentOS 7), then changes nothing', async () => {
    const file = inventory();
    const playbookFile = join(dir, 'motd.yaml');
    writeFileSync(playbookFile, 'name: motd\nsteps:\n  - file: { path: /etc/motd, content: "managed by haops\\n", mode: "0644" }\n');
    const playbook = loadPlaybook(playbookFile);
    const first = await run(file, { playbook });
    expect(first.ok).toBe(true);
    expect(sims.map((s) => s.state.files.get('/etc/motd'))).toEqual(
      [0, 1].map(() => ({ content: 'managed by haops\n', mode: '644', owner: 'root:root' })),
    );
    expect((await run(file, { playbook })).changed).toBe(0);
  });

  it('refuses a playbook with an unknown step kind, naming the file and the step', () => {
    const playbookFile = join(dir, 'bad.yaml');
    writeFileSync(playbookFile, 'name: bad\nsteps:\n  - shell: rm -rf /\n');
    expect(() => loadPlaybook(playbookFile)).toThrow(/bad\.yaml: steps\.0: .*\n?|bad\.yaml: steps\.0/);
  });
});

// Deploy as a pipeline over two pairs of simulated hosts: reads at fleet width, changes pair by
// pair in HA order, and --check's plan with the steps haops adds on its own (EL firewall, SELinux).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostConnections } from '../../src/nodes/connector.js';
import { loadInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { deploy, type DeployEvent, type DeployOptions } from '../../src/runner/deploy.js';
import type { Host } from '../../src/ssh/host.js';
import type { SimOs } from './profiles.js';
import { startSimHost, type SimHost } from './server.js';
import { soundKeyPair } from './keys.js';
import { SIM_PLAYBOOK } from './wanted.js';

let sims: SimHost[] = [];
const NAMES = ['a1', 'a2', 'b1', 'b2'];

afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
});

/** Two pairs: web on a1/a2 (a1 MASTER), api on b1/b2 (b1 MASTER), each node a simulated host. */
async function twoPairs(os: SimOs, stock = false): Promise<string> {
  sims = await Promise.all(NAMES.map(() => startSimHost(os, { stock })));
  const dir = mkdtempSync(join(tmpdir(), 'haops-pipeline-'));
  writeFileSync(join(dir, 'id'), soundKeyPair().private, { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), sims.map((s) => `[127.0.0.1]:${s.port} ${s.hostKey}\n`).join(''));
  const host = (i: number) => `  ${NAMES[i]}: { address: 127.0.0.1, port: ${sims[i]!.port}, ip: 10.9.0.${11 + i} }\n`;
  const pair = (name: string, a: string, b: string, vrid: number, vip: string) => `  ${name}:
    nodes: [${a}, ${b}]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - { name: VI_${vrid}, virtual_router_id: ${vrid}, vip: ${vip}/24, master: ${a}, authentication: { password_env: SIM_VRRP_PW } }
    nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }] }
    check: { script: /usr/bin/pgrep -x nginx }
`;
  const file = join(dir, 'inv.yaml');
  writeFileSync(
    file,
    `ssh: { user: root, identity_file: id, known_hosts: known_hosts }\nhosts:\n${NAMES.map((_, i) => host(i)).join('')}pairs:\n${pair('web', 'a1', 'a2', 51, '10.9.0.100')}${pair('api', 'b1', 'b2', 52, '10.9.0.101')}`,
  );
  return file;
}

/** Deploys over the real hostConnections; `wrap` may stand between deploy and each opened host. */
async function run(file: string, extra: Partial<DeployOptions> = {}, wrap: (h: Host) => Host = (h) => h) {
  const loaded = loadInventory(file, { SIM_VRRP_PW: 'vrrpSec1' });
  const hosts = hostConnections(loaded.inventory, file, {});
  const wrapped = new Map<string, Host>();
  const connect = async (name: string) => {
    const h = await hosts.get(name);
    if (!wrapped.has(name)) wrapped.set(name, wrap(h));
    return wrapped.get(name)!;
  };
  try {
    return await deploy(buildModel(loaded), { playbook: SIM_PLAYBOOK, connect, verify: false, ...extra });
  } finally {
    await hosts.closeAll();
  }
}

describe('deploy pipeline over two pairs of simulated CentOS 7 hosts', () => {
  it('a no-op deploy with --concurrency 1 reads all four hosts at once (counting wrapper around the real hosts)', async () => {
    const file = await twoPairs('centos7');
    expect((await run(file)).ok).toBe(true);
    // The wrapper holds each facts round trip until all four are in flight, or 2 s have passed.
    let inFlight = 0;
    let most = 0;
    const wrap = (h: Host): Host => {
      const exec = h.exec.bind(h);
      h.exec = async (command, opts) => {
        if (!command.startsWith('# haops facts')) return exec(command, opts);
        most = Math.max(most, ++inFlight);
        const until = Date.now() + 2000;
        while (inFlight < NAMES.length && most < NAMES.length && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        try {
          return await exec(command, opts);
        } finally {
          inFlight--;
        }
      };
      return h;
    };
    const noop = await run(file, { concurrency: 1 }, wrap);
    expect(noop.ok).toBe(true);
    expect(noop.changed).toBe(0);
    expect(most).toBe(4);
    expect(noop.hosts.map((h) => h.roundTrips)).toEqual([1, 1, 1, 1]);
  });

  it('with --concurrency 1 the pairs change one after the other, each BACKUP before its MASTER', async () => {
    const file = await twoPairs('centos7');
    const events: DeployEvent[] = [];
    const report = await run(file, { concurrency: 1, onEvent: (e) => events.push(e) });
    expect(report.ok).toBe(true);
    expect(report.hosts.every((h) => h.changed > 0)).toBe(true);
    // The hosts' apply events, by pair: one pair's run ends before the other's starts.
    const applying = events.filter((e) => e.type === 'host-started' || e.type === 'step-changed' || e.type === 'host-finished');
    const pairs = applying.map((e) => e.pair);
    const firstPair = pairs[0]!;
    const switches = pairs.filter((p, i) => i > 0 && p !== pairs[i - 1]).length;
    expect(switches).toBe(1);
    const finished = events.flatMap((e) => (e.type === 'host-finished' ? [e.host] : []));
    expect(finished).toEqual(firstPair === 'web' ? ['a2', 'a1', 'b2', 'b1'] : ['b2', 'b1', 'a2', 'a1']);
  });
});

describe('deploy --check on stock simulated Rocky 9 hosts', () => {
  it('the plan names the firewall and SELinux steps haops adds, and nothing is changed', async () => {
    const file = await twoPairs('rocky9', true);
    const report = await run(file, { check: true });
    const steps = report.hosts.find((h) => h.host === 'a1')!.steps.map((s) => s.title);
    // semanage's package joins the install: haops needs it for the SELinux step.
    expect(steps).toContain('install keepalived nginx policycoreutils-python-utils');
    expect(steps.some((s) => s.startsWith('firewall: allow VRRP from 10.9.0.12 and TCP 80 in firewalld zone public'))).toBe(true);
    expect(steps.some((s) => s.startsWith('SELinux (enforcing): '))).toBe(true);
    expect(report.hosts.every((h) => h.steps.every((s) => s.outcome === 'would change'))).toBe(true);
    expect(sims.flatMap((s) => s.commands).filter((c) => !c.startsWith('# haops facts'))).toEqual([]);
  });
});

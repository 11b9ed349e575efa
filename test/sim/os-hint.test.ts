// `os:` hints against simulated stock EL hosts (ssh2 Server playing each, SELinux enforcing as
// installed): which check keepalived may run under each family's stock policy, the default that
// passes there, and the done-when of issue 23: `haops init --os centos7` converges a stock CentOS 7
// pair without a refusal, and `render` for os: centos7 writes exactly the files deploy pushed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KILLALL_CHECK, OS_HINTS, defaultCheckScript } from '../../src/core/os-hints.js';
import { loadInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { hostConnections } from '../../src/nodes/connector.js';
import { deploy } from '../../src/runner/deploy.js';
import { keepalivedMayRun } from './el-system.js';
import { soundKeyPair } from './keys.js';
import { startSimHost, type SimHost } from './server.js';
import { KEEPALIVED_PATH, SIM_PLAYBOOK, SITE_PATH } from './wanted.js';
import { haops } from '../fixtures/cli.js';

const ENV = { HAOPS_VRRP_PASSWORD: 'vrrpSec1' };
const NOTIFY = '/usr/local/bin/keepalived_notify.sh';
/** The simulated hosts' playbook with the notify script (SELinux labels it on EL7+). */
const PLAYBOOK = {
  ...SIM_PLAYBOOK,
  steps: [SIM_PLAYBOOK.steps[0]!, { file: { render: 'notify-script' as const } }, ...SIM_PLAYBOOK.steps.slice(1)],
};
let sims: SimHost[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
});

/** haops with the inventory's VRRP password in the environment; what it printed, both streams in order. */
const cli = (args: string[]) => haops(args, { HAOPS_VRRP_PASSWORD: ENV.HAOPS_VRRP_PASSWORD });

describe.each(['centos6', 'centos7', 'rocky8', 'rocky9'] as const)('simulated stock %s (SELinux as installed)', (os) => {
  it('the default check is one keepalived may run under the stock policy; killall -0 stays the default where it may', async () => {
    const sim = await startSimHost(os, { stock: true });
    sims.push(sim);
    const family = OS_HINTS[os]!.family;
    const killall = keepalivedMayRun(sim.state.el, KILLALL_CHECK);
    expect(keepalivedMayRun(sim.state.el, defaultCheckScript(family)).allowed).toBe(true);
    expect(defaultCheckScript(family) === KILLALL_CHECK).toBe(killall.allowed);
    // CentOS 6's policy has no keepalived domain; EL7+ confine keepalived and deny its signull to nginx.
    expect(killall.allowed).toBe(os === 'centos6');
  });
});

describe('haops init --os centos7 on two simulated stock CentOS 7 hosts (SELinux enforcing)', () => {
  it('validate and plan pass, deploy converges without a refusal, and render writes exactly what deploy pushed', async () => {
    sims = [await startSimHost('centos7', { stock: true }), await startSimHost('centos7', { stock: true })];
    expect(sims.every((s) => s.state.el.selinux === 'Enforcing' && s.state.el.keepalivedPolicy)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'haops-os-hint-'));
    const file = join(dir, 'my.yaml');
    const init = await cli([
      'init',
      file,
      '--nodes',
      '10.9.0.11,10.9.0.12',
      '--vip',
      '10.9.0.100/24',
      '--upstreams',
      '10.9.0.21:8080',
      '--os',
      'centos7',
    ]);
    expect(init.code).toBe(0);
    expect(init.all).toMatch(/export HAOPS_VRRP_PASSWORD=/);
    // Point the written hosts at the simulated nodes (the LAN addresses stay as init wrote them).
    const key = soundKeyPair();
    writeFileSync(join(dir, 'id'), key.private, { mode: 0o600 });
    writeFileSync(join(dir, 'known_hosts'), sims.map((s) => `[127.0.0.1]:${s.port} ${s.hostKey}\n`).join(''));
    const text = readFileSync(file, 'utf8')
      .replace('  user: root', '  user: root\n  identity_file: id\n  known_hosts: known_hosts')
      .replace('node1: { address: 10.9.0.11,', `node1: { address: 127.0.0.1, port: ${sims[0]!.port}, ip: 10.9.0.11,`)
      .replace('node2: { address: 10.9.0.12,', `node2: { address: 127.0.0.1, port: ${sims[1]!.port}, ip: 10.9.0.12,`);
    writeFileSync(file, text);
    expect((await cli(['validate', file])).code).toBe(0);
    expect((await cli(['plan', file])).code).toBe(0);

    const loaded = loadInventory(file, ENV);
    const hosts = hostConnections(loaded.inventory, file, {});
    let report: Awaited<ReturnType<typeof deploy>>;
    try {
      report = await deploy(buildModel(loaded), { playbook: PLAYBOOK, connect: hosts.get, verify: false });
    } finally {
      await hosts.closeAll();
    }
    expect(report.hosts.map((h) => [h.host, h.ok, h.error ?? '']).sort()).toEqual([
      ['node1', true, ''],
      ['node2', true, ''],
    ]);
    expect(report.hosts.every((h) => h.changed > 0)).toBe(true);
    expect(report.ok).toBe(true);

    const out = join(dir, 'rendered');
    expect((await cli(['render', file, '--out', out])).code).toBe(0);
    for (const [i, host] of ['node1', 'node2'].entries()) {
      for (const path of [KEEPALIVED_PATH, SITE_PATH, NOTIFY]) {
        const pushed = sims[i]!.state.files.get(path)?.content;
        expect(readFileSync(join(out, host, path), 'utf8'), `${host}:${path}`).toBe(pushed);
      }
    }
    // What keepalived runs there is the check SELinux lets it run.
    const conf = sims[0]!.state.files.get(KEEPALIVED_PATH)!.content;
    const script = /script "([^"]+)"/.exec(conf)![1]!;
    expect(keepalivedMayRun(sims[0]!.state.el, script).allowed).toBe(true);
  });

  it('validate refuses killall -0 nginx on os: centos7 with exit 2, as deploy would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-os-hint-'));
    const file = join(dir, 'my.yaml');
    expect((await cli(['init', file, '--nodes', '10.9.0.11,10.9.0.12', '--vip', '10.9.0.100/24', '--os', 'centos7'])).code).toBe(0);
    writeFileSync(file, readFileSync(file, 'utf8').replace('    nginx:\n', '    check: { script: killall -0 nginx }\n    nginx:\n'));
    const r = await cli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.all).toMatch(/check "killall -0 nginx" can never pass on node1 \(os: centos7\)/);
    // The same file without os: (Debian 12 assumed) is fine: killall -0 is allowed there.
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(', os: centos7', ''));
    expect((await cli(['validate', file])).code).toBe(0);
  });
});

// The fast failover profile deployed to simulated CentOS 6 and CentOS 7 hosts (ssh2's in-process
// Server playing each OS, with its keepalived -v): each gets a keepalived.conf its version takes,
// and the report says what fell back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimOs } from './profiles.js';
import { type SimHost, startSimHost } from './server.js';
import { SIM_PLAYBOOK } from './wanted.js';
import { loadInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { hostConnections } from '../../src/nodes/connector.js';
import { deploy } from '../../src/runner/deploy.js';
import { writeSimPair } from './pair.js';

let sims: SimHost[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
});

async function deployFast(os: SimOs) {
  sims = [await startSimHost(os), await startSimHost(os)];
  const dir = mkdtempSync(join(tmpdir(), 'haops-sim-fast-'));
  const file = writeSimPair(dir, sims, { pair: ['failover: fast'] });
  const loaded = loadInventory(file, {});
  const hosts = hostConnections(loaded.inventory, file, {});
  try {
    const report = await deploy(buildModel(loaded), { playbook: SIM_PLAYBOOK, connect: hosts.get, verify: false });
    const conf = sims[0]!.state.files.get('/etc/keepalived/keepalived.conf')?.content ?? '';
    return { report, conf: conf.replace(/^\s*#.*\n/gm, '') };
  } finally {
    await hosts.closeAll();
  }
}

describe('fast profile on simulated old hosts', () => {
  it('simulated CentOS 6 (keepalived 1.2.13): VRRPv2 at 1 s with the weight-0 check; the report names each fallback', async () => {
    const { report, conf } = await deployFast('centos6');
    expect(report.ok).toBe(true);
    expect(conf).toMatch(/^\s+advert_int 1$/m);
    expect(conf).toMatch(/^\s+weight 0$/m);
    for (const kw of ['vrrp_version', 'version 3', 'track_process', 'vrrp_garp_master', 'vrrp_rt_priority', 'vrrp_higher_prio_send_advert'])
      expect(conf).not.toContain(kw);
    const notes = report.hosts.find((h) => h.host === 'a1')!.notes ?? [];
    expect(notes).toContain('VRRPv2 instead of v3 (v3 needs keepalived 1.2.17+)');
    expect(notes.join('\n')).toMatch(/advert_int 1 instead of 0\.2/);
  });
  it('simulated CentOS 7 (keepalived 1.3.5): VRRPv3 at 0.2 s, but the check script instead of track_process', async () => {
    const { report, conf } = await deployFast('centos7');
    expect(report.ok).toBe(true);
    expect(conf).toMatch(/^\s+vrrp_version 3$/m);
    expect(conf).toMatch(/^\s+advert_int 0\.2$/m);
    expect(conf).not.toContain('track_process');
    expect(report.hosts.find((h) => h.host === 'a2')!.notes).toContain(
      'a vrrp_script check instead of track_process (needs keepalived 2.0.11+)',
    );
  });
});

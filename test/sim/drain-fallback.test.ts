// The drain hook on keepalived without track_file (CentOS 6's 1.2.13, CentOS 7's 1.3.5): deploy
// to simulated hosts (ssh2's in-process Server playing each OS) through the real SSH client, and
// run the rendered flag-file check with this machine's /bin/sh the way keepalived 1.x runs it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostConnections } from '../../src/nodes/connector.js';
import { loadInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { deploy } from '../../src/runner/deploy.js';
import { DRAIN_FLAG } from '../../src/protocol/drain-flag.js';
import type { SimOs } from './profiles.js';
import { startSimHost, type SimHost } from './server.js';
import { KEEPALIVED_PATH, SIM_PLAYBOOK } from './wanted.js';
import { writeSimPair } from './pair.js';

let sims: SimHost[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
});

async function deployTo(os: SimOs): Promise<string[]> {
  sims = [await startSimHost(os), await startSimHost(os)];
  const dir = mkdtempSync(join(tmpdir(), 'haops-sim-drain-'));
  const file = writeSimPair(dir, sims);
  const loaded = loadInventory(file, {});
  const { inventory } = loaded;
  const model = buildModel(loaded);
  const hosts = hostConnections(inventory, file, {});
  try {
    const report = await deploy(model, { playbook: SIM_PLAYBOOK, connect: hosts.get, verify: false });
    expect(report.ok, JSON.stringify(report.hosts.map((h) => h.error))).toBe(true);
  } finally {
    await hosts.closeAll();
  }
  return sims.map((s) => s.state.files.get(KEEPALIVED_PATH)!.content);
}

/** The drain check's command as keepalived.conf gives it (keepalived 1.x hands it to sh -c). */
function drainCheck(conf: string): string {
  const m = /vrrp_script haops_drain \{\n\s+script "([^"]+)"/.exec(conf);
  expect(m, 'a vrrp_script haops_drain with a script line').not.toBeNull();
  return m![1]!;
}

describe.each([
  ['centos6', '1.2.13'],
  ['centos7', '1.3.5'],
] as const)('drain hook on simulated %s hosts (keepalived %s, no track_file)', (os, _version) => {
  it('deploy renders the flag-file vrrp_script, weight 0, tracked in the instance beside the nginx check; no track_file keyword', async () => {
    for (const conf of await deployTo(os)) {
      expect(conf).not.toMatch(/track_file/);
      expect(conf).toMatch(/vrrp_script haops_drain \{\n\s+script "[^"]+"\n\s+interval 1\n\s+weight 0\n\s+fall 1\n\s+rise 1\n\}/);
      expect(conf).toMatch(/track_script \{\n\s+chk_nginx\n\s+haops_drain\n\s+\}/);
      // keepalived's parser reads `!` and `#` as the start of a comment, even inside a line.
      expect(drainCheck(conf)).not.toMatch(/[!#]/);
    }
  });

  it('the rendered check fails (FAULT) exactly while the flag exists, run through sh -c as keepalived 1.x runs it', async () => {
    const [conf] = await deployTo(os);
    const flag = join(mkdtempSync(join(tmpdir(), 'haops-flag-')), 'drain');
    const command = drainCheck(conf!).replace(DRAIN_FLAG, flag);
    const exit = () => {
      try {
        execFileSync('/bin/sh', ['-c', command]);
        return 0;
      } catch (e) {
        return (e as { status: number }).status;
      }
    };
    expect(exit()).toBe(0);
    writeFileSync(flag, '1\n');
    expect(exit()).toBe(1);
  });
});

describe('drain hook on simulated Rocky 9 hosts (keepalived 2.2.8)', () => {
  it('deploy renders a weight-0 track_file on the flag instead of a script', async () => {
    for (const conf of await deployTo('rocky9')) {
      expect(conf).toMatch(new RegExp(`\\ntrack_file haops_drain \\{\\n\\s+file "${DRAIN_FLAG}"\\n\\s+weight 0\\n\\}`));
      expect(conf).toMatch(/track_file \{\n\s+haops_drain\n\s+\}/);
      expect(conf).not.toMatch(/vrrp_script haops_drain/);
    }
  });
});

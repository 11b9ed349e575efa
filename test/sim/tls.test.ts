// nginx.tls deployed to two simulated CentOS 7 hosts through the real SSH client: the key lands
// 0600 root-owned, the chain 0644, and --check --diff never shows a line of the key, neither the
// one being deployed nor the one a rotation replaces.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connector } from '../../src/nodes/connector.js';
import { loadInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { deploy, type DeployOptions } from '../../src/runner/deploy.js';
import { startSimHost, type SimHost } from './server.js';
import { soundKeyPair } from './keys.js';
import { SIM_PLAYBOOK } from './wanted.js';
import { webPairYaml } from '../fixtures/web-pair.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';

let sims: SimHost[];
let dir: string;

function inventory(certs: TestCerts): string {
  const key = soundKeyPair();
  writeFileSync(join(dir, 'id'), key.private, { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), sims.map((s) => `[127.0.0.1]:${s.port} ${s.hostKey}\n`).join(''));
  writeFileSync(join(dir, 'chain.pem'), certs.chain);
  writeFileSync(join(dir, 'site.key'), certs.siteKey, { mode: 0o600 });
  const file = join(dir, 'inv.yaml');
  writeFileSync(
    file,
    webPairYaml({
      head: 'ssh: { user: root, identity_file: id, known_hosts: known_hosts }\n',
      hosts: `  a1: { address: 127.0.0.1, port: ${sims[0]!.port}, ip: 10.9.0.11 }\n  a2: { address: 127.0.0.1, port: ${sims[1]!.port}, ip: 10.9.0.12 }\n`,
    }).replace(
      'nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }] }',
      'nginx: { upstreams: [{ name: be, servers: [10.9.0.21:8080] }], tls: { cert_file: chain.pem, key_file: site.key, redirect_http: true } }',
    ),
  );
  return file;
}

async function run(file: string, extra: Partial<DeployOptions> = {}) {
  const loaded = loadInventory(file, {});
  const model = buildModel(loaded);
  const hosts = connector(loaded.inventory, file, {});
  try {
    return await deploy(model, { playbook: SIM_PLAYBOOK, connect: hosts.get, verify: false, ...extra });
  } finally {
    await hosts.closeAll();
  }
}

const keyLines = (k: string) => k.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'));

describe('nginx.tls on simulated CentOS 7 hosts', () => {
  beforeEach(async () => {
    sims = [await startSimHost('centos7'), await startSimHost('centos7')];
    dir = mkdtempSync(join(tmpdir(), 'haops-sim-tls-'));
  });
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('pushes the key 0600 root:root and the chain 0644; --check --diff of a rotation masks old and new keys', async () => {
    const first = makeCerts(30);
    const file = inventory(first);
    const check = await run(file, { check: true, diff: true });
    const firstDiffs = JSON.stringify(check);
    expect(firstDiffs).toContain('/etc/nginx/haops/tls/web.key');
    for (const l of keyLines(first.siteKey)) expect(firstDiffs).not.toContain(l);

    const report = await run(file);
    expect(report.hosts.map((h) => h.error ?? null)).toEqual([null, null]);
    for (const s of sims) {
      const key = s.state.files.get('/etc/nginx/haops/tls/web.key')!;
      expect({ mode: key.mode, owner: key.owner, content: key.content }).toEqual({
        mode: '600',
        owner: 'root:root',
        content: first.siteKey,
      });
      const cert = s.state.files.get('/etc/nginx/haops/tls/web.crt')!;
      expect({ mode: cert.mode, owner: cert.owner }).toEqual({ mode: '644', owner: 'root:root' });
    }

    // Rotation: a new chain and key; the diff shows the chain change and no line of either key.
    const second = makeCerts(60);
    writeFileSync(join(dir, 'chain.pem'), second.chain);
    writeFileSync(join(dir, 'site.key'), second.siteKey, { mode: 0o600 });
    const rotation = await run(file, { check: true, diff: true });
    const diffs = rotation.hosts.flatMap((h) => h.steps.flatMap((s) => (s.diff ? [s.diff] : [])));
    const keyDiff = diffs.filter((d) => d.includes('/etc/nginx/haops/tls/web.key'));
    expect(keyDiff).toHaveLength(2);
    const text = JSON.stringify(rotation);
    for (const l of [...keyLines(first.siteKey), ...keyLines(second.siteKey)]) expect(text).not.toContain(l);
    expect(diffs.some((d) => d.includes('/etc/nginx/haops/tls/web.crt') && d.includes(second.chain.split('\n')[1]!))).toBe(true);
  });
});

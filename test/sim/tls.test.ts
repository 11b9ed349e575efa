// nginx.tls deployed through the real SSH client to each simulated EL family with the nginx it
// ships (the sims' `nginx -v` and `nginx -t`, test/sim/nginx-t.ts): the key lands 0600 root-owned
// and the chain 0644, a second deploy changes nothing, a rotated certificate reloads nginx (never
// restarts it), and --check --diff never shows a line of the key, neither the one being deployed
// nor the one a rotation replaces.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostConnections } from '../../src/nodes/connector.js';
import { loadInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { deploy, type DeployOptions } from '../../src/runner/deploy.js';
import { startSimHost, type SimHost } from './server.js';
import type { SimOs } from './profiles.js';
import type { Playbook } from '../../src/runner/playbook.js';
import { SIM_PLAYBOOK } from './wanted.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { writeSimPair } from './pair.js';

let sims: SimHost[];
let dir: string;

const KEY = '/etc/nginx/haops/tls/web.key';
const CERT = '/etc/nginx/haops/tls/web.crt';
const SITE = '/etc/nginx/conf.d/haops.conf';

function inventory(certs: TestCerts): string {
  writeCerts(certs);
  return writeSimPair(dir, sims, { nginx: ['tls: { cert_file: chain.pem, key_file: site.key, redirect_http: true, http2: true }'] });
}

/** A rotation keeps the names: the same cert_file and key_file, new contents. */
function writeCerts(certs: TestCerts) {
  writeFileSync(join(dir, 'chain.pem'), certs.chain);
  writeFileSync(join(dir, 'site.key'), certs.siteKey, { mode: 0o600 });
}

async function run(file: string, extra: Partial<DeployOptions> = {}) {
  const loaded = loadInventory(file, {});
  const model = buildModel(loaded);
  const hosts = hostConnections(loaded.inventory, file, {});
  try {
    return await deploy(model, { playbook: SIM_PLAYBOOK, connect: hosts.get, verify: false, ...extra });
  } finally {
    await hosts.closeAll();
  }
}

const keyLines = (k: string) => k.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'));
/** What a simulated host was told to do to nginx's service: reload (the waited reload script's RELOAD line) or restart (SysV service, or systemctl). */
const nginxActions = (s: SimHost) =>
  s.commands.flatMap((c) => {
    const m = /^(?:RELOAD=')?(?:service nginx (\w+)|systemctl (\w+) nginx)\b/m.exec(c);
    return m ? [m[1] ?? m[2]!] : [];
  });

// What each family ships (el-transcripts.md C6-2, C7-2, R9-2; el-transcripts-extra.md EX-6).
const FAMILIES: { os: SimOs; name: string; nginx: string }[] = [
  { os: 'centos6', name: 'CentOS 6', nginx: '1.10.3' },
  { os: 'centos7', name: 'CentOS 7', nginx: '1.20.1' },
  { os: 'rocky8', name: 'Rocky 8', nginx: '1.14.1' },
  { os: 'rocky9', name: 'Rocky 9', nginx: '1.20.1' },
];

describe.each(FAMILIES)('nginx.tls on simulated $name hosts (nginx $nginx, its nginx -v and nginx -t faked)', ({ os, nginx }) => {
  beforeEach(async () => {
    sims = [await startSimHost(os), await startSimHost(os)];
    dir = mkdtempSync(join(tmpdir(), 'haops-sim-tls-'));
  });
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('first deploy pushes the key 0600 root:root and the chain 0644; the second changes nothing; a rotated certificate reloads nginx, never restarts it; --check --diff masks old and new keys', async () => {
    const first = makeCerts(30);
    const file = inventory(first);
    const check = await run(file, { check: true, diff: true });
    const firstDiffs = JSON.stringify(check);
    expect(firstDiffs).toContain(KEY);
    for (const l of keyLines(first.siteKey)) expect(firstDiffs).not.toContain(l);

    const report = await run(file);
    expect(report.hosts.map((h) => h.error ?? null)).toEqual([null, null]);
    for (const s of sims) {
      expect(s.state.run(['nginx', '-v']).stderr).toBe(`nginx version: nginx/${nginx}\n`);
      const key = s.state.files.get(KEY)!;
      expect({ mode: key.mode, owner: key.owner, content: key.content }).toEqual({
        mode: '600',
        owner: 'root:root',
        content: first.siteKey,
      });
      const cert = s.state.files.get(CERT)!;
      expect({ mode: cert.mode, owner: cert.owner, content: cert.content }).toEqual({
        mode: '644',
        owner: 'root:root',
        content: first.chain,
      });
      // Every family's nginx here is 1.9.5 to 1.24: the listen flag, which each one's nginx -t took.
      expect(s.state.files.get(SITE)!.content).toMatch(/^ {4}listen 443 ssl http2;$/m);
      expect(s.state.run(['nginx', '-t']).code).toBe(0);
    }

    // Second deploy: nothing to change, nothing told to nginx.
    for (const s of sims) s.commands.length = 0;
    const again = await run(file);
    expect(again.hosts.map((h) => [h.error ?? null, h.changed, h.steps.map((st) => st.title)])).toEqual([
      [null, 0, []],
      [null, 0, []],
    ]);
    expect(sims.map(nginxActions)).toEqual([[], []]);

    // Rotation: a new chain and key under the same names; the diff shows the chain and no line of either key.
    const second = makeCerts(60);
    writeCerts(second);
    const rotation = await run(file, { check: true, diff: true });
    const diffs = rotation.hosts.flatMap((h) => h.steps.flatMap((s) => (s.diff ? [s.diff] : [])));
    expect(diffs.filter((d) => d.includes(KEY))).toHaveLength(2);
    const text = JSON.stringify(rotation);
    for (const l of [...keyLines(first.siteKey), ...keyLines(second.siteKey)]) expect(text).not.toContain(l);
    expect(diffs.some((d) => d.includes(CERT) && d.includes(second.chain.split('\n')[1]!))).toBe(true);

    // Applied: both files replaced, the site untouched, nginx reloaded once per node (the same master pid).
    const pids = sims.map((s) => s.state.services.get('nginx')!.pid);
    for (const s of sims) s.commands.length = 0;
    const rotated = await run(file);
    expect(rotated.hosts.map((h) => h.error ?? null)).toEqual([null, null]);
    for (const [i, s] of sims.entries()) {
      expect(rotated.hosts[i]!.steps.map((st) => st.title)).toEqual([`update ${KEY}`, `update ${CERT}`, 'reload nginx']);
      expect(s.state.files.get(KEY)!.content).toBe(second.siteKey);
      expect(s.state.files.get(CERT)!.content).toBe(second.chain);
      expect(nginxActions(s)).toEqual(['reload']);
      expect(s.state.services.get('nginx')!.pid).toBe(pids[i]);
    }
  });
});

describe.each(FAMILIES)('nginx.tls on stock simulated $name hosts (firewall on, SELinux enforcing, faked)', ({ os }) => {
  beforeEach(async () => {
    sims = [await startSimHost(os, { stock: true }), await startSimHost(os, { stock: true })];
    dir = mkdtempSync(join(tmpdir(), 'haops-sim-tls-'));
  });
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('the firewall lets in the TLS port as well as the plain one; a second deploy changes nothing', async () => {
    const file = inventory(makeCerts(30));
    // With the notify script, which SELinux labels on EL7+ (SIM_PLAYBOOK leaves it out).
    const playbook: Playbook = {
      ...SIM_PLAYBOOK,
      steps: [SIM_PLAYBOOK.steps[0]!, { file: { render: 'notify-script' } }, ...SIM_PLAYBOOK.steps.slice(1)],
    };
    const report = await run(file, { playbook });
    expect(report.hosts.map((h) => h.error ?? null)).toEqual([null, null]);
    for (const [i, s] of sims.entries()) {
      const peer = i === 0 ? '10.9.0.12' : '10.9.0.11';
      expect(report.hosts[i]!.steps.map((st) => st.title)).toContain(
        os === 'centos6'
          ? `firewall: allow VRRP from ${peer} and TCP 80 and 443 in the iptables service (before its REJECT, saved)`
          : `firewall: allow VRRP from ${peer} and TCP 80 and 443 in firewalld zone public (runtime and permanent)`,
      );
      if (os === 'centos6') {
        for (const port of [80, 443]) expect(s.state.el.iptables.saved).toContain(`-A INPUT -p tcp -m tcp --dport ${port} -j ACCEPT`);
      } else {
        expect(s.state.el.zone.runtime.ports).toEqual(['80/tcp', '443/tcp']);
        expect(s.state.el.zone.permanent.ports).toEqual(['80/tcp', '443/tcp']);
      }
    }
    const again = await run(file, { playbook });
    expect(again.hosts.map((h) => [h.error ?? null, h.changed])).toEqual([
      [null, 0],
      [null, 0],
    ]);
  });
});

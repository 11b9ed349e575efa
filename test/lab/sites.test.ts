// Two sites on the lab pair (issue 26, nginx.sites): www.lab.test over plain HTTP (the default
// site) and api.lab.test over TLS (a throwaway CA) with a health path of its own, each proxying
// to its own upstream (both on the lab's backends). Deployed from a variant of the lab's own
// inventory; curl on this machine asks each site by name through the VIP; status says both are ok;
// the failover drill probes the api site (--site api) and passes. The lab's own inventory goes
// back on afterwards.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { haops as cli, json, onLabNode } from './cli.js';
import { firstVip, LAB, NET } from './net.js';
import { labSkipReason, useLab } from './shape.js';

const run = promisify(execFile);
const env = { ...process.env, HAOPS_VRRP_PASSWORD: 'Sw1tchOv' };
const haops = (args: string[]) => cli(args, { env });
const FILE = `${LAB}.sites-test.yaml`;

/** The lab's inventory with two sites of this file's own (one with a throwaway CA's certificate) instead of the lab's. */
function writeSitesInventory(certs: TestCerts): { vip: string; nodes: string[] } {
  const inv = parse(readFileSync(LAB, 'utf8'));
  writeFileSync(join(certs.dir, 'root-ca.pem'), certs.root);
  const backends = [`${NET}.21:8080`, `${NET}.22:8080`];
  inv.pairs.lab.nginx = {
    listen: inv.pairs.lab.nginx.listen ?? 80,
    upstreams: [
      { name: 'backends', servers: backends },
      { name: 'api_backends', servers: backends },
    ],
    sites: [
      { name: 'www', server_name: 'www.lab.test', upstream: 'backends', default: true },
      {
        name: 'api',
        server_name: 'api.lab.test',
        upstream: 'api_backends',
        health_path: '/api/health',
        health_status: 200,
        tls: {
          cert_file: join(certs.dir, 'chain.pem'),
          key_file: join(certs.dir, 'site.key'),
          ca_file: join(certs.dir, 'root-ca.pem'),
        },
      },
    ],
  };
  writeFileSync(FILE, stringify(inv));
  return {
    vip: firstVip(inv.pairs.lab.instances[0]),
    nodes: Object.values(inv.hosts).map((h) => (h as { address: string }).address),
  };
}

describe.skipIf(labSkipReason({ nodes: 2 }))('two sites on the lab pair: www.lab.test (plain, default) and api.lab.test (TLS)', () => {
  useLab({ nodes: 2 });
  let certs: TestCerts;
  let lab: ReturnType<typeof writeSitesInventory>;
  beforeAll(async () => {
    certs = makeCerts(30, 'api.lab.test');
    writeFileSync(join(certs.dir, 'site.key'), certs.siteKey, { mode: 0o600 });
    lab = writeSitesInventory(certs);
    const started = Date.now();
    const r = await haops(['deploy', FILE, '--json']);
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
    console.log(`sites lab: deploy of two sites took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 300_000);
  afterAll(async () => {
    // The lab's own inventory back for the files after this one (one site, no TLS files in use).
    await haops(['deploy', LAB]);
    rmSync(FILE, { force: true });
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  }, 300_000);

  it('curl through the VIP: api.lab.test over HTTPS verified against the CA, www.lab.test by its Host; both reach the backends', async () => {
    const api = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '-D',
      '-',
      '--cacert',
      join(certs.dir, 'root-ca.pem'),
      '--resolve',
      `api.lab.test:443:${lab.vip}`,
      'https://api.lab.test/',
    ]);
    expect(api.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(api.stdout).toMatch(/^x-haops-node: node1\r?$/im);
    expect(api.stdout).toMatch(/^backend \S+\s*$/m);
    const www = await run('curl', ['-sS', '--max-time', '5', '-D', '-', '-H', 'Host: www.lab.test', `http://${lab.vip}/`]);
    expect(www.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(www.stdout).toMatch(/^backend \S+\s*$/m);
    // The default site answers a host no site names; haops's own health answers on the node.
    const other = await run('curl', ['-sS', '--max-time', '5', '-H', 'Host: nobody.lab.test', `http://${lab.vip}/haops-health`]);
    expect(other.stdout.trim()).toBe('node1');
    for (const address of lab.nodes) {
      expect((await onLabNode(address, 'stat -c "%a %U" /etc/nginx/haops/tls/lab/api.key')).trim()).toBe('600 root');
      expect((await onLabNode(address, 'curl -s http://127.0.0.1/haops-health')).trim()).toMatch(/^node[12]$/);
    }
  });

  it('status asks both sites through the VIP and reports each ok; --prom labels the certificate by site', async () => {
    const prom = join(certs.dir, 'haops.prom');
    const r = await haops(['status', FILE, '--json', '--prom', prom]);
    const s = json(r);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(s.ok).toBe(true);
    const inst = s.pairs[0].instances[0];
    expect(inst.verdict).toBe('ok');
    expect(inst.sites.map((x: any) => [x.site, x.client.ok, x.client.status])).toEqual([
      ['www', true, 200],
      ['api', true, 200],
    ]);
    expect(inst.sites[1].client.url).toMatch(/^https:\/\/api\.lab\.test:443\/api\/health/);
    const text = readFileSync(prom, 'utf8');
    expect(text).toMatch(/^haops_tls_cert_not_after_seconds\{pair="lab",node="node1",site="api"\} \d+$/m);
    expect(text).toMatch(/^haops_site_http_ok\{pair="lab",iname="[^"]+",vip="[^"]+",site="api",from="local"\} 1$/m);
    const human = await haops(['status', FILE]);
    console.log(`sites lab: status\n${human.stdout}`);
  }, 120_000);

  it('the failover drill with --site api probes https://api.lab.test and passes', async () => {
    const drill = await haops(['failover-drill', FILE, '--site', 'api', '--fault', 'keepalived-stop', '--json']);
    const d = json(drill);
    expect(d.ok, JSON.stringify(d.problems)).toBe(true);
    expect(d.probeUrl).toMatch(/^https:\/\/api\.lab\.test:443\/api\/health/);
    const v = d.rounds[0].vips[0];
    expect(v.failedRequests).toBeLessThan(200);
    console.log(
      `sites lab: drill --site api over HTTPS: failover ${v.failoverSeconds} s, HTTP back ${v.httpRecoverySeconds} s, ${v.failedRequests} failed`,
    );
  }, 180_000);
});

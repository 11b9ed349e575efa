// TLS termination on the lab pair (issue 26): a throwaway CA signs a certificate for site.test;
// deploy pushes chain and key to both nodes, curl verifies the site through the VIP, the key is
// root's alone and in no output, status --prom carries the expiry as Prometheus parses it, and a
// rotated certificate goes live under 16 kept-alive HTTPS clients (wrk) without a client error.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { haops as cli, json, onLabNode } from './cli.js';
import { LAB, firstVip } from './net.js';
import { labSkipReason, useLab } from './shape.js';

const run = promisify(execFile);
const env = { ...process.env, HAOPS_VRRP_PASSWORD: 'Sw1tchOv' };
const haops = (args: string[]) => cli(args, { env });
const FILE = `${LAB}.tls-test.yaml`;

function writeTlsInventory(certs: TestCerts): { vip: string; nodes: Record<string, string> } {
  const inv = parse(readFileSync(LAB, 'utf8'));
  writeFileSync(join(certs.dir, 'root-ca.pem'), certs.root);
  // The one-site form (nginx.tls, no sites:), with a CA of its own.
  delete inv.pairs.lab.nginx.sites;
  inv.pairs.lab.nginx.tls = {
    cert_file: join(certs.dir, 'chain.pem'),
    key_file: join(certs.dir, 'site.key'),
    listen: 443,
    ca_file: join(certs.dir, 'root-ca.pem'),
  };
  writeFileSync(FILE, stringify(inv));
  return {
    vip: firstVip(inv.pairs.lab.instances[0]),
    nodes: Object.fromEntries(Object.entries(inv.hosts).map(([n, h]) => [n, (h as { address: string }).address])),
  };
}

const onNode = onLabNode;

/** A line from the middle of a PEM key: what must never be printed. */
const keyBody = (pem: string) => pem.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;

describe.skipIf(labSkipReason({ nodes: 2 }))("the lab's own inventory: an HTTPS site signed by the lab CA beside it", () => {
  useLab({ nodes: 2 });

  it('curl --cacert inventory/lab-ca.pem https://VIP/ answers through the VIP, by address and by name', async () => {
    const r = await haops(['deploy', LAB, '--json']);
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
    const inv = parse(readFileSync(LAB, 'utf8'));
    const vip = firstVip(inv.pairs.lab.instances[0]);
    const ca = join(dirname(LAB), 'lab-ca.pem');
    const byAddress = await run('curl', ['-sS', '--max-time', '5', '--cacert', ca, `https://${vip}/haops-health`]);
    expect(byAddress.stdout.trim()).toBe('node1');
    const name = inv.pairs.lab.nginx.sites[0].server_name as string;
    const byName = await run('curl', ['-sS', '--max-time', '5', '--cacert', ca, '--resolve', `${name}:443:${vip}`, `https://${name}/`]);
    expect(byName.stdout).toMatch(/backend be[12]/);
    // Without the lab CA the same request is refused: the certificate is the lab's, not a default one.
    const untrusted = spawnSync('curl', ['-sS', '--max-time', '5', `https://${vip}/`], { encoding: 'utf8' });
    expect(untrusted.status).toBe(60);
  }, 120_000);
});

describe.skipIf(labSkipReason({ nodes: 2 }))('TLS on the lab pair (a throwaway CA, a certificate for site.test)', () => {
  useLab({ nodes: 2 });
  let certs: TestCerts;
  let lab: ReturnType<typeof writeTlsInventory>;
  const outputs: string[] = [];
  beforeAll(async () => {
    certs = makeCerts();
    lab = writeTlsInventory(certs);
    const r = await haops(['deploy', FILE, '--json']);
    outputs.push(r.stdout, r.stderr);
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
  }, 300_000);
  afterAll(async () => {
    // The plain lab pair back for the files after this one.
    await haops(['deploy', LAB]);
    rmSync(FILE, { force: true });
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  }, 300_000);

  it('curl, verifying against the CA, gets the site through the VIP from the MASTER; the key is 0600 root on both nodes', async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '--cacert',
      join(certs.dir, 'root-ca.pem'),
      '--resolve',
      `site.test:443:${lab.vip}`,
      'https://site.test/haops-health',
    ]);
    expect(stdout.trim()).toBe('node1');
    for (const address of Object.values(lab.nodes)) {
      expect((await onNode(address, 'stat -c "%a %U %G" /etc/nginx/haops/tls/lab.key')).trim()).toBe('600 root root');
    }
  });

  it('the key appears in no output: deploy, deploy --check --diff, status --json, render', async () => {
    const more = await Promise.all([
      haops(['deploy', FILE, '--check', '--diff']),
      haops(['status', FILE, '--json']),
      haops(['render', FILE, '--out', '-']),
    ]);
    for (const r of more) outputs.push(r.stdout, r.stderr);
    const body = keyBody(certs.siteKey);
    for (const o of outputs) expect(o).not.toContain(body);
  });

  it("status --prom: each node's certificate expiry, as Prometheus's own parser reads it", async () => {
    const prom = join(certs.dir, 'haops.prom');
    const r = await haops(['status', FILE, '--prom', prom]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    // Debian's python3, which has python3-prometheus-client (scripts/setup.sh), not another on PATH.
    const py = spawnSync(
      ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import prometheus_client.parser']).status === 0) ?? 'python3',
      [
        '-c',
        'import sys\nfrom prometheus_client.parser import text_string_to_metric_families as p\nfor f in p(sys.stdin.read()):\n  for s in f.samples:\n    if s.name == "haops_tls_cert_not_after_seconds": print(s.labels["node"], int(s.value))',
      ],
      { input: readFileSync(prom, 'utf8'), encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    const notAfter = Math.floor(
      new Date(
        spawnSync('openssl', ['x509', '-noout', '-enddate', '-in', join(certs.dir, 'site.pem')], { encoding: 'utf8' }).stdout.split(
          '=',
        )[1]!,
      ).getTime() / 1000,
    );
    expect(py.stdout.trim().split('\n').sort()).toEqual([`node1 ${notAfter}`, `node2 ${notAfter}`]);
  });

  it('the failover drill and a switchover probe the site over HTTPS (site.test, verified against ca_file) and pass', async () => {
    const drill = await haops(['failover-drill', FILE, '--fault', 'keepalived-stop', '--json']);
    const d = json(drill);
    expect(d.ok, JSON.stringify(d.problems)).toBe(true);
    expect(d.probeUrl).toMatch(/^https:\/\/site\.test:443\//);
    expect(d.rounds[0].vips[0].failedRequests).toBeLessThan(200);
    const sw = await haops(['switchover', FILE, '--json']);
    const s = json(sw);
    expect(s.probe.scheme).toBe('https');
    expect(s.ok, JSON.stringify(s.problems)).toBe(true);
    expect(s.rounds[0].requests).toBeGreaterThan(100);
    expect(s.rounds[0].failedRequests).toBe(0);
    const v = d.rounds[0].vips[0];
    console.log(
      `tls lab: drill over HTTPS: failover ${v.failoverSeconds} s, HTTP back ${v.httpRecoverySeconds} s, ${v.failedRequests} failed; switchover over HTTPS: ${s.rounds[0].requests} requests, ${s.rounds[0].failedRequests} failed`,
    );
  }, 120_000);

  it('a rotated certificate (same name, new key) goes live under 16 kept-alive HTTPS clients: no client error, the new one served', async () => {
    const next = makeCerts(60);
    try {
      const old = certs;
      certs = next;
      writeTlsInventory(next);
      const wrk = spawn('wrk', ['-c16', '-t2', '-d600s', '--timeout', '2s', `https://${lab.vip}/`]);
      let out = '';
      wrk.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => setTimeout(r, 1000));
      let report: any;
      try {
        const r = await haops(['deploy', FILE, '--json']);
        report = json(r);
      } finally {
        wrk.kill('SIGINT');
        await new Promise((r) => wrk.once('close', r));
        certs = old;
      }
      expect(report.ok, JSON.stringify(report.hosts.map((h: any) => h.error))).toBe(true);
      expect(Number(/(\d+) requests in/.exec(out)?.[1] ?? 0), out).toBeGreaterThan(500);
      expect(out).not.toMatch(/Socket errors|Non-2xx/);
      const served = await run('sh', [
        '-c',
        `openssl s_client -connect ${lab.vip}:443 -servername site.test </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
      ]);
      const wanted = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(next.dir, 'site.pem')], {
        encoding: 'utf8',
      }).stdout;
      expect(served.stdout.trim()).toBe(wanted.trim());
    } finally {
      rmSync(next.dir, { recursive: true, force: true });
    }
  }, 240_000);
});

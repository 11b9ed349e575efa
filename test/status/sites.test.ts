// status for nginx.sites: every site asked through the VIP by its name (Host, and SNI with the
// site's CA for a TLS site) against local servers standing in for nginx; a site that does not
// answer degrades the instance and says which; each TLS site's certificate read per site, and the
// Prometheus series labelled by site.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairModel } from '../../src/model/derive.js';
import { parseModel } from '../../src/model/load.js';
import { askClients } from '../../src/runner/client-probe.js';
import { statusToProm } from '../../src/status/prom.js';
import { formatStatus, judgePair, type NodeStatus, parseStatus, STATUS_MARK, statusScript, tlsScript } from '../../src/status/status.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { TWO_UPSTREAMS, webPairYaml } from '../fixtures/web-pair.js';

let c: TestCerts;
let plain: http.Server;
let tls: https.Server;
/** What the servers answer: www.example.com on the plain port, api.example.com/healthz over TLS. */
const answers = { www: 200, api: 204 };
const seen: { host?: string; sni?: string; path?: string }[] = [];

const listen = (s: http.Server | https.Server) =>
  new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));

let pair: PairModel;
beforeAll(async () => {
  c = makeCerts(30, 'api.example.com');
  writeFileSync(join(c.dir, 'site.key'), c.siteKey, { mode: 0o600 });
  writeFileSync(join(c.dir, 'root.pem'), c.root);
  plain = http.createServer((req, res) => {
    seen.push({ host: req.headers.host, path: req.url });
    res.setHeader('x-haops-node', 'a1');
    res.statusCode = req.headers.host === 'www.example.com' ? answers.www : 404;
    res.end();
  });
  tls = https.createServer({ cert: c.chain, key: c.siteKey }, (req, res) => {
    seen.push({ host: req.headers.host, sni: (req.socket as import('node:tls').TLSSocket).servername || undefined, path: req.url });
    res.setHeader('x-haops-node', 'a1');
    res.statusCode = req.url === '/healthz' ? answers.api : 404;
    res.end();
  });
  const [p, t] = await Promise.all([listen(plain), listen(tls)]);
  const yaml = webPairYaml({
    upstreams: TWO_UPSTREAMS,
    nginx: [
      `listen: ${p}`,
      'sites:',
      '  - { name: www, server_name: www.example.com, upstream: www_be }',
      '  - name: api',
      '    server_name: api.example.com',
      '    upstream: api_be',
      '    health_path: /healthz',
      '    health_status: 204',
      `    tls: { cert_file: chain.pem, key_file: site.key, ca_file: root.pem, listen: ${t} }`,
    ],
  });
  const base = parseModel(yaml, join(c.dir, 'x.yaml'), {}).model.pairs[0]!;
  // The VIP is this machine, where the servers listen.
  pair = {
    ...base,
    instances: base.instances.map((i) => ({
      ...i,
      vip: '127.0.0.1',
      vips: [{ address: '127.0.0.1', prefix: 32, written: '127.0.0.1' }],
      spec: { ...i.spec, vip: '127.0.0.1' },
    })),
  };
});
afterAll(() => {
  plain?.close();
  tls?.close();
});

const refuse = () => Promise.reject(new Error('no node in this test'));

/** Every site asked as pairStatus asks it, from this machine. */
async function siteClients() {
  const out: Record<string, Record<string, import('../../src/runner/client-probe.js').ClientProbe | null>> = {};
  for (const h of pair.sites) out[h.site!] = (await askClients({ ...pair, health: h }, refuse))!.probes;
  return out;
}

const healthyNode = (host: string): NodeStatus => ({
  host,
  reachable: true,
  keepalived: true,
  nginx: true,
  addresses: host === 'a1' ? ['127.0.0.1'] : [],
  instances: { VI_1: { state: host === 'a1' ? 'MASTER' : 'BACKUP', priority: 200 } },
  http: { '127.0.0.1': 'a1' },
});

describe('status asks every site through the VIP', () => {
  it('the plain site with its Host, the TLS site with SNI, Host and its CA: both ok', async () => {
    seen.length = 0;
    const sites = await siteClients();
    expect(sites.www!['127.0.0.1']).toMatchObject({ ok: true, status: 200, node: 'a1' });
    expect(sites.www!['127.0.0.1']!.url).toMatch(/^http:\/\/www\.example\.com:\d+\/ \(at 127\.0\.0\.1\)$/);
    expect(sites.api!['127.0.0.1']).toMatchObject({ ok: true, status: 204, node: 'a1' });
    expect(sites.api!['127.0.0.1']!.url).toMatch(/^https:\/\/api\.example\.com:\d+\/healthz \(at 127\.0\.0\.1\)$/);
    expect(seen).toContainEqual({ host: expect.stringMatching(/^www\.example\.com/), path: '/' });
    expect(seen).toContainEqual({ host: expect.stringMatching(/^api\.example\.com/), sni: 'api.example.com', path: '/healthz' });
    const judged = judgePair(pair, [healthyNode('a1'), healthyNode('a2')], sites.www!, 14, sites);
    expect(judged.instances[0]!.verdict).toBe('ok');
    expect(judged.instances[0]!.sites!.map((s) => [s.site, s.client?.ok, s.problem])).toEqual([
      ['www', true, undefined],
      ['api', true, undefined],
    ]);
    expect(formatStatus([judged])).toMatch(
      / {4}site api: https:\/\/api\.example\.com:\d+\/healthz \(at 127\.0\.0\.1\) answered 204 by a1: ok/,
    );
  });

  it('a site that answers otherwise degrades the instance, named', async () => {
    answers.api = 503;
    try {
      const sites = await siteClients();
      const judged = judgePair(pair, [healthyNode('a1'), healthyNode('a2')], sites.www!, 14, sites);
      expect(judged.ok).toBe(false);
      expect(judged.instances[0]!.verdict).toBe('degraded');
      expect(judged.instances[0]!.problem).toMatch(
        /^site api: https:\/\/api\.example\.com:\d+\/healthz \(at 127\.0\.0\.1\) answered 503 by a1, expected 204/,
      );
    } finally {
      answers.api = 204;
    }
  });
});

describe("status reads each TLS site's certificate", () => {
  it('the status script reads /etc/nginx/haops/tls/<pair>/<site>.crt under its own tag; expiry per site; prom labels it', () => {
    // The site's certificate is asked under its own tag (protocol/status.ts SERVED_CERTS: TAG,CERT).
    expect(statusScript(pair)).toMatch(/^TLS=.*\btls@api,\/etc\/nginx\/haops\/tls\/web\/api\.crt\b/m);
    const lines = execFileSync('sh', ['-c', tlsScript(join(c.dir, 'chain.pem'), 'tls@api')], { encoding: 'utf8' });
    const n = parseStatus('a1', pair, `${STATUS_MARK}\nsvc keepalived up\nsvc nginx up\n${lines}`);
    expect(n.tls).toBeUndefined();
    expect(n.siteTls!.api!.notAfter).toBe(pair.nginxSites[1]!.resolvedTls!.facts.notAfter);
    const judged = judgePair(pair, [n], {}, 60);
    expect(judged.warnings.filter((w) => /TLS/.test(w))[0]).toMatch(/^site api: a1: the TLS certificate expires in/);
    const prom = statusToProm([{ ...judged, instances: [] }], { instances: {}, takenAt: 0 });
    expect(prom).toContain(
      `haops_tls_cert_not_after_seconds{pair="web",node="a1",site="api"} ${Math.floor(n.siteTls!.api!.notAfter! / 1000)}`,
    );
  });

  it('prom: haops_site_http_ok per site', async () => {
    const sites = await siteClients();
    const judged = judgePair(pair, [healthyNode('a1'), healthyNode('a2')], sites.www!, 14, sites);
    const prom = statusToProm([judged], { instances: {}, takenAt: 0 });
    expect(prom).toContain('haops_site_http_ok{pair="web",iname="VI_1",vip="127.0.0.1",site="api",from="local"} 1');
    expect(prom).toContain('haops_site_http_ok{pair="web",iname="VI_1",vip="127.0.0.1",site="www",from="local"} 1');
  });
});

// A TLS site is probed over HTTPS from this machine: the site's name as SNI and Host, verified
// against the CA the inventory names (tls.ca_file), else the certificate's first DNS name and
// Node's CAs. Against a local HTTPS server on 127.0.0.1 with throwaway certificates (no network).
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { HttpProbe } from '../../src/measure/http-probe.js';
import { RemoteHttpProbe } from '../../src/measure/remote-probe.js';
import { clientProblem, parseRemoteProbe, probeVip, remoteProbeScript } from '../../src/runner/client-probe.js';
import { simulatedProbeHost } from '../sim/probe-host.js';
import { buildModel, type HealthModel } from '../../src/model/derive.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { webPairYaml } from '../fixtures/web-pair.js';

let certs: TestCerts;
let server: Server;
let port: number;
const seen: { host?: string; sni?: string }[] = [];

beforeAll(async () => {
  certs = makeCerts(30);
  writeFileSync(join(certs.dir, 'site.key'), certs.siteKey, { mode: 0o600 });
  writeFileSync(join(certs.dir, 'root.pem'), certs.root);
  server = createServer({ cert: certs.chain, key: certs.siteKey }, (req, res) => {
    seen.push({ host: req.headers.host, sni: (req.socket as unknown as { servername?: string }).servername });
    res.writeHead(200, { 'x-haops-node': 'node1' }).end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

async function probeFor(health: HealthModel): Promise<{ ok: boolean; node: string | null }[]> {
  const p = new HttpProbe('127.0.0.1', health, 20, 1000);
  p.start();
  await new Promise((r) => setTimeout(r, 250));
  p.stop();
  await new Promise((r) => setTimeout(r, 300));
  return p.marks().map((m) => ({ ok: m.ok, node: m.node }));
}

describe('the drill probe from this machine on a TLS site', () => {
  it('asks over HTTPS with the site name as SNI and Host (with the port, not 443 here), verified against the CA: every request answered by node1', async () => {
    const marks = await probeFor({
      path: '/haops-health',
      port: 1,
      min: 200,
      max: 200,
      tls: { port, servername: 'site.test', ca: certs.root },
    });
    expect(marks.length).toBeGreaterThan(3);
    expect(marks.every((m) => m.ok && m.node === 'node1')).toBe(true);
    expect(seen.at(-1)).toEqual({ host: `site.test:${port}`, sni: 'site.test' });
  });

  it('a certificate the named CA did not sign fails every request', async () => {
    const marks = await probeFor({
      path: '/haops-health',
      port: 1,
      min: 200,
      max: 200,
      tls: { port, servername: 'site.test', ca: makeCerts(30).root },
    });
    expect(marks.length).toBeGreaterThan(3);
    expect(marks.some((m) => m.ok)).toBe(false);
  });
});

describe("status and deploy's VIP check from this machine on a TLS site", () => {
  it('asks https://site.test through the VIP, verified against the CA; a CA that did not sign it is a problem that names the URL', async () => {
    const health = (ca: string): HealthModel => ({
      path: '/haops-health',
      port: 1,
      min: 200,
      max: 399,
      tls: { port, servername: 'site.test', ca },
    });
    const good = await probeVip('127.0.0.1', health(certs.root));
    expect(good).toMatchObject({ ok: true, node: 'node1', url: `https://site.test:${port}/haops-health (at 127.0.0.1)` });
    const bad = await probeVip('127.0.0.1', health(makeCerts(30).root));
    expect(bad.ok).toBe(false);
    expect(clientProblem('127.0.0.1', health(certs.root), bad, null)).toMatch(
      /^https:\/\/site\.test:\d+\/haops-health \(at 127\.0\.0\.1\) does not answer from here \(.*(certificate|issuer)/i,
    );
  });
});

describe("the probe host's curl loop on a TLS site (real curl in a local bash standing in for the probe host)", () => {
  async function remoteMarks(ca: string) {
    const p = new RemoteHttpProbe(
      simulatedProbeHost('bash'),
      '127.0.0.1',
      { path: '/haops-health', port: 1, min: 200, max: 399, tls: { port, servername: 'site.test', ca } },
      0,
      20,
      1000,
    );
    await p.start();
    // Six marks at least: about 0.8 s on an idle machine, longer when curl's TLS start is slow under load.
    for (let waited = 0; waited < 800 || (p.marks().length < 6 && waited < 6000); waited += 100)
      await new Promise((r) => setTimeout(r, 100));
    p.stop();
    await new Promise((r) => setTimeout(r, 300));
    return p.marks();
  }

  it('resolves the site name to the VIP and verifies against the CA it was sent: answered by node1 over HTTPS', async () => {
    const marks = await remoteMarks(certs.root);
    expect(marks.length).toBeGreaterThan(5);
    expect(marks.every((m) => m.ok && m.node === 'node1')).toBe(true);
    expect(seen.at(-1)).toEqual({ host: `site.test:${port}`, sni: 'site.test' });
  });

  it('a CA that did not sign the site fails every request', async () => {
    const marks = await remoteMarks(makeCerts(30).root);
    expect(marks.length).toBeGreaterThan(5);
    expect(marks.some((m) => m.ok)).toBe(false);
  });
});

describe('the model: which scheme, name and CA the probes use', () => {
  const model = (tls: string) =>
    buildModel(parseInventory(webPairYaml({ nginx: [`tls: ${tls}`] }), join(certs.dir, 'inv.yaml'), {})).pairs[0]!.health;

  it("without server_name and ca_file: the TLS port, the certificate's first DNS name, Node's own CAs", () => {
    expect(model('{ cert_file: chain.pem, key_file: site.key }').tls).toEqual({ port: 443, servername: 'site.test' });
  });

  it('with them: that name, and only that CA', () => {
    const h = model('{ cert_file: chain.pem, key_file: site.key, listen: 8443, server_name: api.example.test, ca_file: root.pem }');
    expect(h.tls).toEqual({ port: 8443, servername: 'api.example.test', ca: certs.root.trim() });
  });

  it("a wildcard or a shell word as server_name is refused (it reaches SNI, Host and the probe host's curl)", () => {
    for (const bad of ['"*.example.test"', '"a.test;reboot"'])
      expect(() => model(`{ cert_file: chain.pem, key_file: site.key, server_name: ${bad} }`)).toThrow(/server_name/);
  });

  it('a ca_file that cannot be read is refused at its line, with a fix', () => {
    expect(() => model('{ cert_file: chain.pem, key_file: site.key, ca_file: missing.pem }')).toThrow(
      /inv\.yaml:12:\d+: pairs\.web\.nginx\.tls\.ca_file: cannot read ca_file \(ENOENT\)/,
    );
  });
});

describe("status from a probe host on a TLS site (the probe host's script run by bash here, with the real curl)", () => {
  const tls = () => ({ port, servername: 'site.test', ca: certs.root });
  // Asynchronously: the HTTPS server answering it runs in this process.
  const askAt = async (health: HealthModel) => {
    const r = await promisify(execFile)('bash', ['-c', remoteProbeScript(['127.0.0.1'], health)], { encoding: 'utf8' });
    return parseRemoteProbe(r.stdout, health, 'probe1').probes['127.0.0.1']!;
  };

  it("asks https://site.test through the VIP with the site's SNI and Host, verified against the inventory's CA", async () => {
    const answer = await askAt({ path: '/haops-health', port: 1, min: 200, max: 200, tls: tls() });
    expect(answer).toMatchObject({ ok: true, status: 200, node: 'node1', url: `https://site.test:${port}/haops-health (at 127.0.0.1)` });
    expect(seen.at(-1)).toEqual({ host: `site.test:${port}`, sni: 'site.test' });
  });

  it('a certificate the named CA did not sign is a failure that says so', async () => {
    const answer = await askAt({ path: '/haops-health', port: 1, min: 200, max: 200, tls: { ...tls(), ca: makeCerts(30).root } });
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/certificate/i);
  });
});

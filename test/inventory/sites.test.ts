// nginx.sites: several server blocks per pair. What validate accepts and refuses (with
// file:line:col, the field and a fix), per-site TLS judged at the site's own place, and the
// model each site gives the probes (Host, SNI, health path; the default site is the pair's health).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InventoryError } from '../../src/inventory/errors.js';
import { parseModel } from '../../src/model/load.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { TWO_UPSTREAMS, webPairYaml } from '../fixtures/web-pair.js';

let c: TestCerts;
beforeAll(() => {
  c = makeCerts(30, 'api.example.com');
  writeFileSync(join(c.dir, 'site.key'), c.siteKey, { mode: 0o600 });
  writeFileSync(join(c.dir, 'other.key'), c.otherKey, { mode: 0o600 });
  writeFileSync(join(c.dir, 'root.pem'), c.root);
});

/** A pair with two upstreams and the nginx lines given (indented under nginx:). */
const yaml = (nginx: string[]) => webPairYaml({ upstreams: TWO_UPSTREAMS, nginx });

const TWO_SITES = [
  'sites:',
  '  - { name: www, server_name: [www.example.com, example.com], upstream: www_be }',
  '  - name: api',
  '    server_name: api.example.com',
  '    upstream: api_be',
  '    health_path: /healthz',
  '    health_status: 204',
  '    tls: { cert_file: chain.pem, key_file: site.key, ca_file: root.pem }',
];

function load(nginx: string[]) {
  return parseModel(yaml(nginx), join(c.dir, 'inv.yaml'), {});
}

/** The refusal's lines (file:line:col: field: message / fix:), or a failed expectation. */
function refusal(nginx: string[]): string {
  try {
    load(nginx);
  } catch (e) {
    if (e instanceof InventoryError) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('nginx.sites: what validate accepts', () => {
  it('two sites, one with TLS: each site is a probe target, the first is the default and the pair health', () => {
    const { model } = load(TWO_SITES);
    const pair = model.pairs[0]!;
    expect(pair.sites.map((s) => [s.site, s.host, s.path, s.min, s.max, s.tls?.servername, s.tls?.port])).toEqual([
      ['www', 'www.example.com', '/', 200, 399, undefined, undefined],
      ['api', 'api.example.com', '/healthz', 204, 204, 'api.example.com', 443],
    ]);
    expect(pair.sites[1]!.tls?.ca).toContain('BEGIN CERTIFICATE');
    expect(pair.health).toEqual(pair.sites[0]);
    expect(pair.nginxSites.map((s) => [s.name, s.isDefault, s.tlsKey, !!s.resolvedTls])).toEqual([
      ['www', true, 'web/www', false],
      ['api', false, 'web/api', true],
    ]);
  });

  it('default: true makes that site the pair health (what drill and switchover probe)', () => {
    const lines = [...TWO_SITES, '    default: true'];
    const pair = load(lines).model.pairs[0]!;
    expect(pair.health.site).toBe('api');
    expect(pair.nginxSites.find((s) => s.isDefault)!.name).toBe('api');
  });

  it('the site key is a secret: it is masked like nginx.tls keys', () => {
    const { model } = load(TWO_SITES);
    expect(model.secrets.some((s) => s.includes('PRIVATE KEY'))).toBe(true);
  });

  it('without sites, the one site is the top-level fields and the health has no site name (as before)', () => {
    const pair = load(['health_path: /h']).model.pairs[0]!;
    expect(pair.health).toEqual({ path: '/h', port: 80, min: 200, max: 399 });
    expect(pair.sites).toEqual([pair.health]);
    expect(pair.nginxSites[0]!.tlsKey).toBe('web');
  });
});

describe('nginx.sites: what validate refuses, with file:line:col and a fix', () => {
  it('a site field at the top of nginx: beside sites:', () => {
    const r = refusal(['server_name: www.example.com', ...TWO_SITES]);
    expect(r).toMatch(/inv\.yaml:14:7: pairs\.web\.nginx\.server_name: server_name is a site's field/);
    expect(r).toMatch(/fix: move it into a site/);
  });

  it('tls at the top of nginx: beside sites:', () => {
    expect(refusal(['tls: { cert_file: chain.pem, key_file: site.key }', ...TWO_SITES])).toMatch(
      /pairs\.web\.nginx\.tls: tls is a site's field[\s\S]*fix: move it into a site/,
    );
  });

  it('an upstream no upstream entry names, with the closest one', () => {
    const r = refusal(['sites:', '  - { name: www, server_name: www.example.com, upstream: api_bee }']);
    expect(r).toMatch(/inv\.yaml:15:64: pairs\.web\.nginx\.sites\[0\]\.upstream: site www proxies to upstream api_bee/);
    expect(r).toMatch(/fix: did you mean api_be\?/);
  });

  it('two sites of one name', () => {
    const r = refusal([
      'sites:',
      '  - { name: www, server_name: a.example.com, upstream: www_be }',
      '  - { name: www, server_name: b.example.com, upstream: www_be }',
    ]);
    expect(r).toMatch(/inv\.yaml:16:19: pairs\.web\.nginx\.sites\[1\]\.name: site www is listed twice/);
  });

  it('one host name in two sites', () => {
    const r = refusal([
      'sites:',
      '  - { name: www, server_name: [a.example.com, b.example.com], upstream: www_be }',
      '  - { name: api, server_name: B.example.com, upstream: api_be }',
    ]);
    expect(r).toMatch(/pairs\.web\.nginx\.sites\[1\]\.server_name: host name B\.example\.com is already site www's/);
    expect(r).toMatch(/fix: name each host in one site only/);
  });

  it('two default sites', () => {
    const r = refusal([
      'sites:',
      '  - { name: www, server_name: a.example.com, upstream: www_be, default: true }',
      '  - { name: api, server_name: b.example.com, upstream: api_be, default: true }',
    ]);
    expect(r).toMatch(/pairs\.web\.nginx\.sites\[1\]\.default: sites www and api both say default: true/);
  });

  it.each(['*.example.com', '_', 'a b'])('a server_name %j (no wildcard: the probes ask for a real name)', (name) => {
    const r = refusal(['sites:', `  - { name: www, server_name: ${JSON.stringify(name)}, upstream: www_be }`]);
    expect(r).toMatch(/pairs\.web\.nginx\.sites\[0\]\.server_name: expected a host name like api\.example\.com \(no wildcard/);
  });

  it('a site name that is not a name', () => {
    expect(refusal(['sites:', '  - { name: "1www", server_name: a.example.com, upstream: www_be }'])).toMatch(
      /pairs\.web\.nginx\.sites\[0\]\.name: site name must start with a letter/,
    );
  });

  it('an unknown field in a site, with the closest known one', () => {
    expect(refusal(['sites:', '  - { name: www, server_name: a.example.com, upstrem: www_be }'])).toMatch(
      /pairs\.web\.nginx\.sites\[0\]\.upstrem: unknown field "upstrem"\n\s+fix: did you mean "upstream"\?/,
    );
  });

  it("a site's TLS key that is not its certificate's, at the site's own key_file", () => {
    const r = refusal([
      'sites:',
      '  - { name: www, server_name: a.example.com, upstream: www_be }',
      '  - { name: api, server_name: api.example.com, upstream: api_be, tls: { cert_file: chain.pem, key_file: other.key } }',
    ]);
    expect(r).toMatch(/inv\.yaml:16:\d+: pairs\.web\.nginx\.sites\[1\]\.tls\.key_file: site api tls: the private key does not match/);
    expect(r).not.toContain('PRIVATE KEY-----');
  });

  it("a site's extra that repeats haops's own location", () => {
    expect(
      refusal([
        'sites:',
        '  - { name: www, server_name: a.example.com, upstream: www_be, extra: ["location = /haops-health { return 204; }"] }',
      ]),
    ).toMatch(/pairs\.web\.nginx\.sites\[0\]\.extra\[0\]: location = \/haops-health is already in the server block/);
  });
});

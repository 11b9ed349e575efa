// nginx.tls: what validate refuses (a key that is not the certificate's, an expired or not yet
// valid certificate, a chain out of order, files that are not PEM), with file:line:col and a fix
// and never the key; what render makes of an accepted one (listen ssl, the files and their modes);
// and that `render --out -` never shows the key. Certificates are made by openssl per run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { webPairYaml } from '../fixtures/web-pair.js';
import { parseModel } from '../../src/model/load.js';
import { renderNode } from '../../src/render/index.js';
import { parseNginx } from '../../src/core/nginx-conf.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { haops } from '../fixtures/cli.js';

let c: TestCerts;
beforeAll(() => {
  c = makeCerts(30);
  writeFileSync(join(c.dir, 'site.key'), c.siteKey, { mode: 0o600 });
  writeFileSync(join(c.dir, 'other.key'), c.otherKey, { mode: 0o600 });
  writeFileSync(join(c.dir, 'not-pem.txt'), 'hello\n');
});
afterEach(() => vi.useRealTimers());

const inventory = (tls: string) => webPairYaml({ nginx: [`tls: ${tls}`] });

const write = (tls: string) => {
  const f = join(c.dir, `inv-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, inventory(tls));
  return f;
};

describe('validate: nginx.tls', () => {
  it('accepts a matching chain and key (key_file), exit 0', async () => {
    const r = await haops(['validate', write('{ cert_file: chain.pem, key_file: site.key }')]);
    expect(r.err).not.toMatch(/tls/);
    expect(r.code).toBe(0);
  });

  it('accepts the key from key_env', async () => {
    const r = await haops(['validate', write('{ cert_file: chain.pem, key_env: TLS_TEST_KEY }')], { TLS_TEST_KEY: c.siteKey });
    expect(r.code).toBe(0);
  });

  const refusals: [string, string, RegExp, string?][] = [
    [
      "a key that is not the certificate's",
      '{ cert_file: chain.pem, key_file: other.key }',
      /does not match the site certificate/,
      'key_file',
    ],
    [
      'a chain whose next certificate did not sign the previous',
      '{ cert_file: bad-chain.pem, key_file: site.key }',
      /did not sign certificate 1/,
      'cert_file',
    ],
    ['a cert_file that is not PEM', '{ cert_file: not-pem.txt, key_file: site.key }', /no PEM certificate/, 'cert_file'],
    ['a key_file that is not PEM', '{ cert_file: chain.pem, key_file: not-pem.txt }', /not a PEM private key/, 'key_file'],
    ['an unreadable cert_file', '{ cert_file: missing.pem, key_file: site.key }', /cannot read cert_file \(ENOENT\)/, 'cert_file'],
    ['both key_file and key_env', '{ cert_file: chain.pem, key_file: site.key, key_env: X }', /exactly one of key_file/],
  ];
  for (const [what, tls, message, field] of refusals) {
    it(`refuses ${what}: exit 2, file:line:col, a fix, never the key`, async () => {
      const f = write(tls);
      const r = await haops(['validate', f]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      // The tls: mapping is on line 12 of the inventory.
      expect(r.err).toContain(`${f}:12:`);
      if (field) expect(r.err).toContain(field);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
      for (const line of c.siteKey.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) expect(r.err).not.toContain(line);
    });
  }

  it('refuses an expired certificate (the clock 60 days on)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60 * 86_400_000 });
    const r = await haops(['validate', write('{ cert_file: chain.pem, key_file: site.key }')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the site certificate \(CN=site.test\) expired on \d{4}-\d\d-\d\d/);
  });

  it('refuses a certificate not valid yet (the clock a day back)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 86_400_000 });
    const r = await haops(['validate', write('{ cert_file: chain.pem, key_file: site.key }')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not valid before/);
  });
});

describe('render: nginx.tls', () => {
  const model = (tls: string) => parseModel(inventory(tls), join(c.dir, 'x.yaml'), {}).model;
  const listens = (text: string) => {
    const parsed = parseNginx(text);
    if (!parsed.ok) throw new Error('nginx config does not parse');
    return parsed.statements
      .filter((s) => s.name.value === 'server')
      .map((s) => ({
        listen: s.block!.filter((d) => d.name.value === 'listen').map((d) => d.args.map((a) => a.value).join(' ')),
        cert: s.block!.find((d) => d.name.value === 'ssl_certificate')?.args[0]?.value,
        key: s.block!.find((d) => d.name.value === 'ssl_certificate_key')?.args[0]?.value,
        rootReturn: s
          .block!.find((d) => d.name.value === 'location' && d.args[0]?.value === '/')
          ?.block?.find((d) => d.name.value === 'return')
          ?.args.map((a) => a.value),
        health: s.block!.some((d) => d.name.value === 'location' && d.args[1]?.value === '/haops-health'),
        twins: s.block!.filter((d) => d.name.value === 'location' && d.args[0]?.value.startsWith('@haops_closing')).length,
      }));
  };

  it('one server on 80 and 443 ssl, key 0600 and chain 0644 pushed before the site', () => {
    const m = model('{ cert_file: chain.pem, key_file: site.key }');
    const files = renderNode(m.nodes[0]!, m);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(byPath['/etc/nginx/haops/tls/web.key']!.mode).toBe('0600');
    expect(byPath['/etc/nginx/haops/tls/web.key']!.content).toBe(c.siteKey);
    expect(byPath['/etc/nginx/haops/tls/web.crt']!.mode).toBe('0644');
    expect(byPath['/etc/nginx/haops/tls/web.crt']!.validate).toBe('nginx');
    const order = files.map((f) => f.path);
    expect(order.indexOf('/etc/nginx/haops/tls/web.crt')).toBeLessThan(order.indexOf('/etc/nginx/conf.d/haops.conf'));
    expect(order.indexOf('/etc/nginx/haops/tls/web.key')).toBeLessThan(order.indexOf('/etc/nginx/haops/tls/web.crt'));
    const site = files.find((f) => f.path === '/etc/nginx/conf.d/haops.conf')!.content;
    expect(listens(site)).toEqual([
      {
        listen: ['80', '443 ssl'],
        cert: '/etc/nginx/haops/tls/web.crt',
        key: '/etc/nginx/haops/tls/web.key',
        rootReturn: undefined,
        health: true,
        twins: 2,
      },
    ]);
    expect(m.secrets).toContain(c.siteKey);
  });

  it('redirect_http: the plain server answers 301 except /haops-health; http2 on a custom port', () => {
    const m = model('{ cert_file: chain.pem, key_file: site.key, listen: 8443, redirect_http: true, http2: true }');
    const site = renderNode(m.nodes[1]!, m).find((f) => f.path === '/etc/nginx/conf.d/haops.conf')!.content;
    const servers = listens(site);
    expect(servers).toEqual([
      { listen: ['80'], cert: undefined, key: undefined, rootReturn: ['301', 'https://$host$request_uri'], health: true, twins: 2 },
      {
        listen: ['8443 ssl http2'],
        cert: '/etc/nginx/haops/tls/web.crt',
        key: '/etc/nginx/haops/tls/web.key',
        rootReturn: undefined,
        health: true,
        twins: 2,
      },
    ]);
  });

  it("http2 by the node's nginx: none before 1.9.5, http2 on; from 1.25.1", () => {
    const m = model('{ cert_file: chain.pem, key_file: site.key, http2: true }');
    const site = (v: string) =>
      renderNode(m.nodes[0]!, m, { nginxVersion: v }).find((f) => f.path === '/etc/nginx/conf.d/haops.conf')!.content;
    expect(listens(site('1.8.1'))[0]!.listen).toEqual(['80', '443 ssl']);
    expect(listens(site('1.22.1'))[0]!.listen).toEqual(['80', '443 ssl http2']);
    expect(listens(site('1.26.0'))[0]!.listen).toEqual(['80', '443 ssl']);
    expect(site('1.26.0')).toMatch(/^\s*http2 on;$/m);
  });
});

describe('render --out -: the key is masked', () => {
  it('shows the files and their modes, never a line of the key', async () => {
    const r = await haops(['render', write('{ cert_file: chain.pem, key_file: site.key }'), '--out', '-']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^==> a1:\/etc\/nginx\/haops\/tls\/web\.key \(0600\) <==$/m);
    expect(r.out).toMatch(/^==> a2:\/etc\/nginx\/haops\/tls\/web\.crt \(0644\) <==$/m);
    for (const line of c.siteKey.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) expect(r.out).not.toContain(line);
    // The chain is public: it is shown.
    expect(r.out).toContain(c.chain.split('\n')[1]);
  });
});

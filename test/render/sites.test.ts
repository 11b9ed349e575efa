// The nginx file for several sites: one server block per site with its own names, upstream, TLS
// and extra; the default site first, catching every other host; haops's /haops-health in each.
// And a pair without sites renders byte for byte what it did before sites (golden/nginx-no-sites.json,
// taken from the renderer before sites existed), so re-deploying an existing pair changes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type NgxStatement, parseNginx } from '../../src/core/nginx-conf.js';
import { parseModel } from '../../src/model/load.js';
import { renderNode } from '../../src/render/index.js';
import { renderNginxSite } from '../../src/render/nginx.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { TWO_UPSTREAMS, webPairYaml } from '../fixtures/web-pair.js';

let c: TestCerts;
beforeAll(() => {
  c = makeCerts(30, 'api.example.com');
  writeFileSync(join(c.dir, 'site.key'), c.siteKey, { mode: 0o600 });
});

const GOLDEN = JSON.parse(readFileSync(new URL('./golden/nginx-no-sites.json', import.meta.url), 'utf8')) as Record<string, string>;

describe('a pair without sites renders what it rendered before sites', () => {
  const cases: Record<string, () => string[]> = {
    plain: () => [],
    named: () => [
      'server_name: www.example.com',
      'health_path: /healthz',
      'health_status: 204',
      'extra: ["client_max_body_size 10m;", "location /x { return 204; }"]',
    ],
    tls: () => [`tls: { cert_file: ${c.dir}/chain.pem, key_file: ${c.dir}/site.key }`],
    redirect: () => [
      `tls: { cert_file: ${c.dir}/chain.pem, key_file: ${c.dir}/site.key, redirect_http: true, http2: true, listen: 8443 }`,
      'extra: ["client_max_body_size 1m;"]',
    ],
  };
  it.each(Object.keys(cases))('%s: byte-identical', (name) => {
    const { model } = parseModel(webPairYaml({ nginx: cases[name]!() }), join(c.dir, 'x.yaml'), {});
    expect(renderNginxSite(model.nodes[0]!)).toBe(GOLDEN[name]);
    if (name === 'redirect') expect(renderNginxSite(model.nodes[0]!, '1.25.3')).toBe(GOLDEN['redirect-1.25']);
  });

  it('its TLS files keep their path, /etc/nginx/haops/tls/<pair>.crt and .key', () => {
    const { model } = parseModel(webPairYaml({ nginx: cases.tls!() }), join(c.dir, 'x.yaml'), {});
    const paths = renderNode(model.nodes[0]!, model).map((f) => f.path);
    expect(paths).toContain('/etc/nginx/haops/tls/web.key');
    expect(paths).toContain('/etc/nginx/haops/tls/web.crt');
  });
});

const TWO_SITES = (c: TestCerts) =>
  webPairYaml({
    upstreams: TWO_UPSTREAMS,
    nginx: [
      'sites:',
      '  - { name: www, server_name: [www.example.com, example.com], upstream: www_be, extra: ["client_max_body_size 10m;"] }',
      '  - name: api',
      '    server_name: api.example.com',
      '    upstream: api_be',
      '    health_path: /healthz',
      '    default: true',
      '    extra: ["proxy_read_timeout 30s;"]',
      `    tls: { cert_file: ${c.dir}/chain.pem, key_file: ${c.dir}/site.key, http2: true }`,
    ],
  });

/** The server blocks of the file: listens, names, proxy_pass of location /, extra directives, and whether /haops-health is there. */
function servers(text: string) {
  const p = parseNginx(text);
  if (!p.ok) throw new Error(p.error.message);
  const args = (s: NgxStatement) => s.args.map((a) => a.value);
  return p.statements
    .filter((s) => s.name.value === 'server')
    .map((s) => {
      const b = s.block!;
      const loc = (path: string) => b.find((d) => d.name.value === 'location' && args(d).join(' ') === path)?.block ?? [];
      return {
        listen: b.filter((d) => d.name.value === 'listen').map((d) => args(d).join(' ')),
        names: args(b.find((d) => d.name.value === 'server_name')!),
        cert: b.find((d) => d.name.value === 'ssl_certificate') && args(b.find((d) => d.name.value === 'ssl_certificate')!)[0],
        proxy: loc('/')
          .filter((d) => d.name.value === 'proxy_pass')
          .map((d) => args(d)[0]),
        health: loc('= /haops-health').some((d) => d.name.value === 'return'),
        own: b.filter((d) => ['client_max_body_size', 'proxy_read_timeout'].includes(d.name.value)).map((d) => d.name.value),
      };
    });
}

describe('two sites, one with TLS', () => {
  it('one server block per site, the default first with ~^ (no default_server: Debian keeps its own on port 80)', () => {
    const { model } = parseModel(TWO_SITES(c), join(c.dir, 'x.yaml'), {});
    const text = renderNginxSite(model.nodes[0]!);
    expect(text).not.toContain('default_server');
    expect(servers(text)).toEqual([
      {
        listen: ['80', '443 ssl http2'],
        names: ['api.example.com', '~^'],
        cert: '/etc/nginx/haops/tls/web/api.crt',
        proxy: ['http://api_be'],
        health: true,
        own: ['proxy_read_timeout'],
      },
      {
        listen: ['80'],
        names: ['www.example.com', 'example.com'],
        cert: undefined,
        proxy: ['http://www_be'],
        health: true,
        own: ['client_max_body_size'],
      },
    ]);
    expect(text).toMatch(/^upstream www_be \{$/m);
    expect(text).toMatch(/^upstream api_be \{$/m);
  });

  it("pushes the TLS site's key (0600) and chain under /etc/nginx/haops/tls/<pair>/<site>, before the site file", () => {
    const { model } = parseModel(TWO_SITES(c), join(c.dir, 'x.yaml'), {});
    const files = renderNode(model.nodes[0]!, model);
    const at = (p: string) => files.findIndex((f) => f.path === p);
    expect(files[at('/etc/nginx/haops/tls/web/api.key')]!.mode).toBe('0600');
    expect(at('/etc/nginx/haops/tls/web/api.crt')).toBeGreaterThan(at('/etc/nginx/haops/tls/web/api.key'));
    expect(at('/etc/nginx/conf.d/haops.conf')).toBeGreaterThan(at('/etc/nginx/haops/tls/web/api.crt'));
    expect(files.some((f) => f.path.includes('/tls/web/www'))).toBe(false);
  });
});

// Deploy renders the TLS site for the nginx the node has installed (its `nginx -v`, read in the
// facts round trip), so each family's own `nginx -t` takes it. The oracle is the simulated hosts'
// nginx -t (test/sim/nginx-t.ts): a targeted check of the directives haops renders, with each
// release's message as its source prints it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../src/core/state.js';
import { parseModel } from '../../src/model/load.js';
import { planDeployHost } from '../../src/runner/host-plan.js';
import { loadPlaybook, wantedSkeleton } from '../../src/runner/playbook.js';
import { nginxTest, type OpensslGeneration } from '../sim/nginx-t.js';
import { makeCerts, type TestCerts } from '../tls-certs.js';
import { webPairYaml } from '../fixtures/web-pair.js';

let c: TestCerts;
beforeAll(() => {
  c = makeCerts(30);
  writeFileSync(join(c.dir, 'site.key'), c.siteKey, { mode: 0o600 });
});

const SITE = '/etc/nginx/conf.d/haops.conf';

/** The files deploy would put on node a1 of a TLS pair (http2 on, plain HTTP redirected), for these facts. */
function planned(facts: Facts) {
  const { model } = parseModel(
    webPairYaml({ nginx: ['tls: { cert_file: chain.pem, key_file: site.key, http2: true, redirect_http: true }'] }),
    join(c.dir, 'inv.yaml'),
    {},
  );
  const node = model.nodes[0]!;
  const playbook = loadPlaybook();
  const spec = {
    pair: node.pair,
    name: node.host,
    role: 'MASTER',
    skeleton: wantedSkeleton(playbook, node, model),
    render: { playbook, node, model },
  };
  return planDeployHost(spec, facts).wanted.files;
}

const factsOf = (family: Facts['os']['family'], keepalived: string, nginx: string | null): Facts => ({
  os: { family, id: family, version: family.slice(2), pretty: family },
  packageManager: family === 'el6' || family === 'el7' ? 'yum' : 'dnf',
  init: family === 'el6' ? 'sysv' : 'systemd',
  packages: { keepalived: `${keepalived}-1`, nginx: nginx && `${nginx}-1` },
  keepalivedVersion: keepalived,
  nginxVersion: nginx,
  container: null,
  services: {},
  files: {},
});

/** `nginx -t` of that nginx over the planned files (nginx.conf includes conf.d/*.conf). */
function nginxT(files: { path: string; content: string }[], nginx: string, openssl: OpensslGeneration) {
  const fs = new Map([['/etc/nginx/nginx.conf', { content: 'events {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n' }]]);
  for (const f of files) fs.set(f.path, { content: f.content });
  return nginxTest(fs, nginx, openssl);
}

// What each family installs (el-transcripts.md C6-2, C7-2, R9-2; el-transcripts-extra.md EX-6 for Rocky 8).
const FAMILIES = [
  { name: 'CentOS 6 (EPEL nginx 1.10.3)', family: 'el6', keepalived: '1.2.13', nginx: '1.10.3', openssl: '1.x' },
  { name: 'CentOS 7 (EPEL nginx 1.20.1)', family: 'el7', keepalived: '1.3.5', nginx: '1.20.1', openssl: '1.x' },
  { name: "Rocky 8 (the module's default stream, nginx 1.14.1)", family: 'el8', keepalived: '2.1.5', nginx: '1.14.1', openssl: '1.x' },
  { name: 'Rocky 8 with el_nginx_stream 1.24', family: 'el8', keepalived: '2.1.5', nginx: '1.24.0', openssl: '1.x' },
  { name: 'Rocky 9 (AppStream nginx 1.20.1)', family: 'el9', keepalived: '2.2.8', nginx: '1.20.1', openssl: '3' },
] as const;

describe("deploy renders the TLS site for the node's installed nginx", () => {
  it.each(FAMILIES)("$name: `listen 443 ssl http2`, and that nginx's -t passes without a warning", (f) => {
    const files = planned(factsOf(f.family, f.keepalived, f.nginx));
    const site = files.find((x) => x.path === SITE)!.content;
    expect(site).toMatch(/^ {4}listen 443 ssl http2;$/m);
    expect(site).not.toMatch(/^\s*(http2 on|ssl_protocols)\b/m);
    const t = nginxT(files, f.nginx, f.openssl);
    expect({ code: t.code, stderr: t.stderr }).toEqual({
      code: 0,
      stderr:
        'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n',
    });
  });

  it('an nginx of 1.25.1 or later (nginx.org packages) gets `http2 on;`, not the listen flag it warns about', () => {
    const files = planned(factsOf('el9', '2.2.8', '1.26.2'));
    const site = files.find((x) => x.path === SITE)!.content;
    expect(site).toMatch(/^ {4}listen 443 ssl;$/m);
    expect(site).toMatch(/^ {4}http2 on;$/m);
    expect(nginxT(files, '1.26.2', '3').stderr).not.toContain('[warn]');
  });

  it('an nginx older than 1.9.5 gets no http2 at all (it refuses the listen flag)', () => {
    const files = planned(factsOf('el6', '1.2.13', '1.8.1'));
    expect(files.find((x) => x.path === SITE)!.content).not.toMatch(/http2/);
    expect(nginxT(files, '1.8.1', '1.x').code).toBe(0);
  });
});

describe("the simulated nginx -t refuses what an older nginx does not know (each release's message)", () => {
  const site = (body: string) => [{ path: SITE, content: `server {\n${body}\n}\n` }];
  it('`listen … http2` before 1.9.5: [emerg] invalid parameter', () => {
    expect(nginxT(site('    listen 443 ssl http2;'), '1.8.1', '1.x')).toMatchObject({
      code: 1,
      stderr: `nginx: [emerg] invalid parameter "http2" in ${SITE}:2\nnginx: configuration file /etc/nginx/nginx.conf test failed\n`,
    });
  });
  it('`http2 on;` before 1.25.1: [emerg] unknown directive', () => {
    expect(nginxT(site('    http2 on;'), '1.24.0', '1.x').stderr).toContain(`nginx: [emerg] unknown directive "http2" in ${SITE}:2\n`);
  });
  it('`ssl_protocols … TLSv1.3` before 1.13.0: logged at [warn], and the test still fails', () => {
    expect(nginxT(site('    ssl_protocols TLSv1.2 TLSv1.3;'), '1.10.3', '1.x')).toMatchObject({
      code: 1,
      stderr: `nginx: [warn] invalid value "TLSv1.3" in ${SITE}:2\nnginx: configuration file /etc/nginx/nginx.conf test failed\n`,
    });
    expect(nginxT(site('    ssl_protocols TLSv1.2 TLSv1.3;'), '1.14.1', '1.x').code).toBe(0);
  });
  it('a missing certificate: 1.14 and 1.20 word it differently, OpenSSL 3 words the cause differently', () => {
    const cert = '/etc/nginx/haops/tls/web.crt';
    const body = `    listen 443 ssl;\n    ssl_certificate ${cert};\n    ssl_certificate_key /etc/nginx/haops/tls/web.key;`;
    expect(nginxT(site(body), '1.14.1', '1.x').stderr).toContain(`nginx: [emerg] BIO_new_file("${cert}") failed (SSL: error:02001002:`);
    expect(nginxT(site(body), '1.20.1', '3').stderr).toContain(
      `nginx: [emerg] cannot load certificate "${cert}": BIO_new_file() failed (SSL: error:80000002:system library::No such file or directory:calling fopen(${cert}, r)`,
    );
  });
});

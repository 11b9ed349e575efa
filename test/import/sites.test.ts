// import of a hand-built nginx with several server blocks, each naming its hosts and proxying to
// its own upstream: it becomes nginx.sites (one site per server block, the default_server one as
// the default), the files holding them are moved aside, and the written inventory validates.
import { describe, expect, it } from 'vitest';
import { buildInventory, type ImportTarget } from '../../src/import/adopt.js';
import { renderInventory, validateText } from '../../src/import/write.js';
import { addr, backupConf, fakeReading, NGINX_T, SEED_CONF, SEED_NOTIFY } from './helpers.js';

const MAIN = '/etc/keepalived/keepalived.conf';
const NOTIFY = '/usr/local/bin/keepalived_notify.sh';
const targets: ImportTarget[] = [
  { name: 'proxy101', address: '192.168.0.101', user: 'root' },
  { name: 'proxy102', address: '192.168.0.102', user: 'root' },
];

// NGINX_T's api.conf (api.example.com to api_backends), and a www site with a default_server.
const TWO_SERVERS = `${NGINX_T}
# configuration file /etc/nginx/sites-enabled/www.conf:
upstream www_backends {
    server 192.168.0.121:8080;
}
server {
    listen 80 default_server;
    server_name www.example.com example.com;
    client_max_body_size 10m;
    location / {
        proxy_pass http://www_backends;
    }
}
`;

function readings(nginxT: string) {
  return [
    fakeReading('proxy101', {
      files: { [MAIN]: SEED_CONF },
      scripts: { [NOTIFY]: SEED_NOTIFY },
      addr: addr('192.168.0.101', 'em1', ['192.168.0.105']),
      nginxT,
    }),
    fakeReading('proxy102', { files: { [MAIN]: backupConf() }, scripts: { [NOTIFY]: SEED_NOTIFY }, addr: addr('192.168.0.102'), nginxT }),
  ];
}

describe('import: several server blocks become nginx.sites', () => {
  it('one site per server block with its names and upstream; the default_server one is the default; both files moved aside', () => {
    const rs = readings(TWO_SERVERS);
    const r = buildInventory(rs, targets, { secrets: 'file', secretPrefix: 'adopted.' });
    const pair = (r.inventory.pairs as any).yn_api_gateway;
    expect(pair.nginx).toEqual({
      listen: 80,
      upstreams: [
        { name: 'api_backends', servers: ['192.168.0.111:8080', '192.168.0.112:8080'] },
        { name: 'www_backends', servers: ['192.168.0.121:8080'] },
      ],
      sites: [
        { name: 'api', server_name: 'api.example.com', upstream: 'api_backends' },
        { name: 'www', server_name: ['www.example.com', 'example.com'], upstream: 'www_backends', default: true },
      ],
    });
    expect(pair.adopt.move_aside.proxy101).toEqual(['/etc/nginx/sites-enabled/api.conf', '/etc/nginx/sites-enabled/www.conf']);
    const lines = r.findings.map((f) => `${f.node} ${f.file}:${f.line} ${f.what} -> ${f.handling}`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^proxy101 \/etc\/nginx\/sites-enabled\/www\.conf:\d+ client_max_body_size 10m in the server of www\.example\.com -> left out: add it under the site's extra \(site www\)/,
      ),
    );
    expect(lines.some((l) => /second server block/.test(l))).toBe(false);
    expect(validateText(renderInventory(r, rs), '/tmp/sites.yaml', r, {})).toBeNull();
  });

  it('one server block stays the one site of today (no sites:)', () => {
    const r = buildInventory(readings(NGINX_T), targets, { secrets: 'file', secretPrefix: 'adopted.' });
    const nginx = (r.inventory.pairs as any).yn_api_gateway.nginx;
    expect(nginx.sites).toBeUndefined();
    expect(nginx.server_name).toBe('api.example.com');
  });
});

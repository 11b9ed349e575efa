import { describe, expect, it } from 'vitest';
import { frontingServer, nginxModel, splitNginxT } from '../../src/import/nginx-conf.js';
import { NGINX_T } from './helpers.js';

describe('nginx -T parser', () => {
  it('splits nginx -T into the files nginx loaded', () => {
    expect(splitNginxT(NGINX_T).map((f) => f.path)).toEqual(['/etc/nginx/nginx.conf', '/etc/nginx/sites-enabled/api.conf']);
  });

  it('finds the upstream and the server that proxies to it, with file and line', () => {
    const m = nginxModel(NGINX_T);
    expect(m.upstreams).toMatchObject([{ name: 'api_backends', servers: ['192.168.0.111:8080', '192.168.0.112:8080'], others: [] }]);
    const s = frontingServer(m, ['192.168.0.105'])!;
    expect(s).toMatchObject({ serverNames: ['api.example.com'], proxyTo: 'api_backends', listens: [{ port: 80, ssl: false }] });
    expect(s.at).toEqual({ file: '/etc/nginx/sites-enabled/api.conf', line: 5 });
    expect(s.others).toEqual([]);
  });

  it('prefers the server listening on the VIP; TLS and default servers are told apart; stream servers are not http ones', () => {
    const text = `# configuration file /etc/nginx/nginx.conf:
http {
  upstream a { server 10.0.0.1:8080; keepalive 16; }
  upstream b { server backend.local; server unix:/run/app.sock; }
  server { listen 80 default_server; server_name _; root /var/www/html; }
  server { listen 80; location / { proxy_pass http://a; } }
  server { listen 10.0.0.100:8080; server_name "api.example.com"; location / { proxy_pass http://b/; } }
  server { listen 443 ssl http2; ssl_certificate /etc/ssl/x.pem; location / { proxy_pass http://a; } }
}
stream { server { listen 5432; proxy_pass db; } }
`;
    const m = nginxModel(text);
    expect(m.servers).toHaveLength(4);
    expect(m.upstreams.find((u) => u.name === 'a')!.others.map((o) => o.text)).toEqual(['keepalive 16']);
    expect(m.upstreams.find((u) => u.name === 'b')!.servers).toEqual(['backend.local:80']);
    expect(m.upstreams.find((u) => u.name === 'b')!.others.map((o) => o.text)).toEqual(['server unix:/run/app.sock']);
    expect(frontingServer(m, ['10.0.0.100'])!.listens[0]).toMatchObject({ address: '10.0.0.100', port: 8080 });
    expect(frontingServer(m, ['10.0.0.200'])!.proxyTo).toBe('a');
    expect(m.servers[0]!.listens[0]!.defaultServer).toBe(true);
    expect(m.servers[3]!.listens[0]).toMatchObject({ port: 443, ssl: true });
  });
});

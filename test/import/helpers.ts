// Builds what a node's import script would print (sections framing), so the parsers are tested
// end to end from the text a real node sends. No host involved.
import { readFileSync } from 'node:fs';
import { parseReading, type NodeReading } from '../../src/import/read.js';

export const SEED_CONF = readFileSync('test/fixtures/proxy101.keepalived.conf', 'utf8');
export const SEED_NOTIFY = readFileSync('test/fixtures/keepalived_notify.sh', 'utf8');

/** The write-up's BACKUP node: differs where the MASTER's comments say. */
export function backupConf(conf = SEED_CONF): string {
  return conf
    .replace('router_id proxy101', 'router_id proxy102')
    .replace('state MASTER', 'state BACKUP')
    .replace('priority 200', 'priority 199')
    .replace('unicast_src_ip 192.168.0.101', 'unicast_src_ip 192.168.0.102')
    .replace(/unicast_peer \{\n192\.168\.0\.102/, 'unicast_peer {\n192.168.0.101');
}

export interface FakeNode {
  files: Record<string, string>;
  scripts?: Record<string, string>;
  addr: string;
  nginxT?: string;
  osRelease?: string;
}

const section = (kind: string, arg: string, body: string, code = 0) =>
  `@@haops ${kind}${arg ? ` ${arg}` : ''}\n${body}\n@@haops rc ${code}\n`;

export function fakeReading(name: string, n: FakeNode): NodeReading {
  let out = section('os_release', '', n.osRelease ?? 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"');
  out += section('keepalived_version', '', 'Keepalived v2.2.7 (01/16,2022)');
  out += section('nginx_version', '', 'nginx version: nginx/1.22.1');
  out += section('running', 'keepalived', '123');
  out += section('running', 'nginx', '456');
  out += section('addr', '', n.addr);
  for (const [p, t] of Object.entries(n.files)) out += section('kafile', p, t);
  for (const [p, t] of Object.entries(n.scripts ?? {})) out += section('script', p, t);
  out += n.nginxT !== undefined ? section('nginx_t', '', n.nginxT) : section('nginx_t', '', 'sh: nginx: not found', 127);
  return parseReading(name, out);
}

export const addr = (ip: string, dev = 'em1', extra: string[] = []) =>
  [
    `1: lo    inet 127.0.0.1/8 scope host lo`,
    `2: ${dev}    inet ${ip}/24 brd 192.168.0.255 scope global ${dev}`,
    ...extra.map((x) => `2: ${dev}    inet ${x}/32 scope global ${dev}`),
  ].join('\n');

export const NGINX_T = `nginx: the configuration file /etc/nginx/nginx.conf syntax is ok
nginx: configuration file /etc/nginx/nginx.conf test is successful
# configuration file /etc/nginx/nginx.conf:
user www-data;
events { worker_connections 768; }
http {
    include /etc/nginx/mime.types;
    include /etc/nginx/conf.d/*.conf;
    include /etc/nginx/sites-enabled/*;
}

# configuration file /etc/nginx/sites-enabled/api.conf:
upstream api_backends {
    server 192.168.0.111:8080 max_fails=2 fail_timeout=5s;
    server 192.168.0.112:8080;
}
server {
    listen 80;
    server_name api.example.com;
    location / {
        proxy_pass http://api_backends;
        proxy_set_header Host $host; # keep the Host
    }
}
`;

// Hostile inventories, as an attacker (or a slip of the keyboard) would write them: every one is
// refused by `haops validate` with exit 2, a file:line:col message naming the field and a fix,
// no stack trace, no raw control characters, and no secret echoed.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const GOOD = `hosts:
  a1: { address: 10.9.0.11 }
  a2: { address: 10.9.0.12 }
  b1: { address: 10.9.0.13 }
  b2: { address: 10.9.0.14 }
pairs:
  web:
    nodes: [a1, a2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - name: VI_1
        virtual_router_id: 51
        vip: 10.9.0.100/24
        master: a1
        priorities: { a1: 200, a2: 199 }
        authentication: { type: PASS, password: secret1 }
    check: { script: killall -0 nginx, interval: 1, weight: 2, fall: 2, rise: 1 }
    notify:
      script: /usr/local/bin/keepalived_notify.sh
      log: /var/log/keepalived.notify.log
      email: { to: [ops@example.com], from: ha@example.com, smtp_server: 10.9.0.5 }
      webhooks: [http://10.9.0.5/hook]
      sms: { url: http://10.9.0.5/sms, to: ["+8613800000000"], template: "{host} {state}" }
    nginx:
      listen: 80
      server_name: _
      upstreams: [{ name: be, servers: [10.9.0.21:8080] }]
  other:
    nodes: [b1, b2]
    interface: eth0
    subnet: 10.9.0.0/24
    instances:
      - { name: VI_2, virtual_router_id: 52, vip: 10.9.0.101, master: b1 }
    nginx:
      upstreams: [{ name: be, servers: [10.9.0.21:8080] }]
`;

const dir = mkdtempSync(join(tmpdir(), 'haops-hostile-'));
let seq = 0;

async function validate(text: string | Buffer, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, `inv${seq++}.yaml`);
  writeFileSync(file, text);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await main(
      ['node', 'haops', 'validate', file],
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, file, text: [...out, ...err].join('\n') };
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  }
}

const sub = (from: string, to: string) => {
  if (!GOOD.includes(from)) throw new Error(`test bug: ${from} not in GOOD`);
  return GOOD.replace(from, to);
};
const yq = (s: string) => JSON.stringify(s); // a YAML double-quoted scalar
const notify = (line: string) =>
  line.startsWith('log:')
    ? sub('      log: /var/log/keepalived.notify.log\n', `      ${line}\n`)
    : sub('      script: /usr/local/bin/keepalived_notify.sh\n', `      ${line}\n`);
const inst = (field: string) =>
  sub('        priorities: { a1: 200, a2: 199 }\n', `        priorities: { a1: 200, a2: 199 }\n        ${field}\n`);
const pw = (value: string) => sub('password: secret1', `password: ${yq(value)}`);

/** The inventory with these nginx.extra entries (each a YAML double-quoted string). */
const extra = (...entries: string[]) => sub('server_name: _', `server_name: _\n      extra: [${entries.map(yq).join(', ')}]`);

/** The first instance's authentication written as a block mapping, with this password line. */
const blockPw = (line: string) =>
  sub('authentication: { type: PASS, password: secret1 }', `authentication:\n          type: PASS\n          ${line}`);

interface Case {
  what: string;
  text: string | Buffer;
  message: RegExp;
  env?: NodeJS.ProcessEnv;
  /** Must not appear anywhere in the output. */
  secret?: string;
}

const CASES: Case[] = [
  // 1. Map keys: names of pairs and hosts are config tokens, comments and shell words.
  {
    what: 'a pair name carrying a shell command',
    text: sub('  web:\n', `  ${yq('gw\ntouch /tmp/pwned\n#')}:\n`),
    message: /pair name must start with a letter/,
  },
  {
    what: 'a pair name opening a keepalived block',
    text: sub('  web:\n', `  ${yq('gw }\nvrrp_script x {')}:\n`),
    message: /pair name must start with a letter/,
  },
  { what: 'a NUL in a pair name', text: sub('  web:\n', `  ${yq('w\u0000eb')}:\n`), message: /pair name must start with a letter/ },
  { what: 'a host name with a newline', text: sub('  a1: {', `  ${yq('a1\nx')}: {`), message: /host name must start with a letter/ },
  { what: 'a terminal escape in a host name is shown escaped', text: sub('  a1: {', `  ${yq('a\u001b[2J1')}: {`), message: /\\u001b\[2J/ },
  { what: 'a host name starting with a digit', text: sub('  a1: {', '  1a: {'), message: /host name must start with a letter/ },
  { what: 'a host name of 64 characters', text: sub('  a1: {', `  a${'x'.repeat(63)}: {`), message: /at most 63/ },
  // 2. Object-prototype names.
  {
    what: 'a node named constructor with no such host',
    text: sub('nodes: [a1, a2]', 'nodes: [constructor, a2]'),
    message: /"constructor" is reserved/,
  },
  { what: 'a host named __proto__', text: sub('  a1: {', '  __proto__: {'), message: /"__proto__" is not allowed as a key/ },
  { what: 'a pair named __proto__', text: sub('  web:\n', '  __proto__:\n'), message: /"__proto__" is not allowed as a key/ },
  { what: 'a host named toString', text: sub('  a1: {', '  toString: {'), message: /"toString" is reserved/ },
  {
    what: 'a priority for __proto__',
    text: sub('priorities: { a1: 200, a2: 199 }', 'priorities: { a1: 200, a2: 199, __proto__: 5 }'),
    message: /"__proto__" is not allowed/,
  },
  { what: 'a master named constructor', text: sub('master: a1', 'master: constructor'), message: /reserved/ },
  { what: 'an instance name with a space', text: sub('name: VI_1', 'name: "VI 1"'), message: /instance name must start with a letter/ },
  {
    what: 'a check name with a quote',
    text: sub('script: killall -0 nginx,', 'name: "chk\\"x", script: killall -0 nginx,'),
    message: /check name must start/,
  },
  {
    what: 'an upstream name with a brace',
    text: sub('{ name: be, servers: [10.9.0.21:8080] }]\n  other', '{ name: "be{", servers: [10.9.0.21:8080] }]\n  other'),
    message: /upstream name must start/,
  },
  // 3. Paths on the node.
  { what: 'a notify script path climbing out with ..', text: notify('script: /../../../../tmp/victim'), message: /must be normalised/ },
  {
    what: 'a notify script that is keepalived.conf',
    text: notify('script: /etc/keepalived/keepalived.conf'),
    message: /a file haops manages/,
  },
  { what: 'a notify script that is the nginx site', text: notify('script: /etc/nginx/conf.d/haops.conf'), message: /a file haops manages/ },
  { what: 'a notify script that is /bin/sh', text: notify('script: /bin/sh'), message: /system directory \/bin/ },
  { what: 'a notify script that is a directory (trailing /)', text: notify('script: /usr/local/bin/'), message: /no trailing \// },
  {
    what: 'a notify script that is a directory above a managed file',
    text: notify('script: /etc/keepalived'),
    message: /a directory above a file haops manages/,
  },
  { what: 'a notify log that is /etc/shadow', text: notify('log: /etc/shadow'), message: /system directory \/etc/ },
  { what: "a notify log in root's .ssh", text: notify('log: /root/.ssh/authorized_keys'), message: /\.ssh/ },
  { what: 'a notify script in world-writable /tmp', text: notify('script: /tmp/notify.sh'), message: /system directory \/tmp/ },
  { what: 'a relative notify script', text: notify('script: notify.sh'), message: /absolute path/ },
  { what: 'a notify script with a /./ segment', text: notify('script: /usr/local/bin/./x.sh'), message: /normalised/ },
  { what: 'a notify script with //', text: notify('script: /usr/local//bin/x.sh'), message: /normalised/ },
  {
    what: 'an SMS command whose name is an option',
    text: sub('sms: { url: http://10.9.0.5/sms,', 'sms: { command: /usr/local/bin/-x, url: http://10.9.0.5/sms,'),
    message: /may start with -/,
  },
  // 4. VRRP passwords as keepalived reads them.
  { what: 'a password that keepalived expands ($_RANDOM)', text: pw('$_RANDOM'), message: /\$ expands variables/, secret: '$_RANDOM' },
  { what: 'an empty password', text: pw(''), message: /VRRP password is empty/ },
  {
    what: 'an AH password of 9 bytes',
    text: sub('type: PASS, password: secret1', 'type: AH, password: secret123'),
    message: /9 bytes/,
    secret: 'secret123',
  },
  {
    what: 'a password of 8 characters but 11 bytes',
    text: pw('pässwör'),
    message: /bytes; keepalived uses only the first 8/,
    secret: 'pässwör',
  },
  { what: 'a password with a space', text: pw('ab cd'), message: /cannot carry/, secret: 'ab cd' },
  { what: 'a password with #', text: pw('ab#cd'), message: /cannot carry/, secret: 'ab#cd' },
  { what: 'a password with !', text: pw('ab!cd'), message: /cannot carry/, secret: 'ab!cd' },
  {
    what: 'a password from the environment holding $',
    text: sub('password: secret1', 'password_env: VRRP_PW'),
    env: { VRRP_PW: 'a$HOMEb' },
    message: /cannot carry/,
    secret: 'a$HOMEb',
  },
  {
    what: 'a password typed into password_file',
    text: sub('password: secret1', 'password_file: /tmp/S3cr3tPw'),
    message: /path is not shown/,
    secret: 'S3cr3tPw',
  },
  {
    what: 'a password typed into the auth type',
    text: sub('type: PASS, password: secret1', 'type: S3cr3tPw'),
    message: /expected one of PASS, AH/,
    secret: 'S3cr3tPw',
  },
  {
    what: 'a sudo password with a newline',
    text: `ssh:\n  user: ops\n  sudo: { password: ${yq('pw\nroot')} }\n${GOOD}`,
    message: /sudo password holds a newline/,
    secret: 'pw',
  },
  {
    what: 'a password_env that is not a variable name',
    text: sub('password: secret1', 'password_env: "A-B"'),
    message: /environment variable name/,
  },
  // 5. Clashes on a segment, compared as numbers.
  {
    what: 'the same VIP twice in one pair',
    text: sub(
      '        authentication: { type: PASS, password: secret1 }\n',
      '        authentication: { type: PASS, password: secret1 }\n      - { name: VI_3, virtual_router_id: 53, vip: 10.9.0.100, master: a2 }\n',
    ),
    message: /VIP 10\.9\.0\.100 is used twice in pair web/,
  },
  {
    what: "a VIP that is another pair's node",
    text: sub('vip: 10.9.0.100/24', 'vip: 10.9.0.13/24'),
    message: /VIP 10\.9\.0\.13 is b1's own address/,
  },
  {
    what: 'both nodes of a pair with one address',
    text: sub('a2: { address: 10.9.0.12 }', 'a2: { address: 10.9.0.11 }'),
    message: /have the same address 10\.9\.0\.11/,
  },
  { what: 'a VIP on the network address', text: sub('vip: 10.9.0.100/24', 'vip: 10.9.0.0'), message: /network address of 10\.9\.0\.0\/24/ },
  { what: 'a VIP on the broadcast address', text: sub('vip: 10.9.0.100/24', 'vip: 10.9.0.255'), message: /broadcast address/ },
  { what: 'a VIP with leading zeros', text: sub('vip: 10.9.0.100/24', 'vip: 10.9.0.012'), message: /no leading zeros/ },
  {
    what: 'a node address with leading zeros',
    text: sub('a2: { address: 10.9.0.12 }', 'a2: { address: 10.9.0.12, ip: 10.9.0.012 }'),
    message: /no leading zeros/,
  },
  {
    what: "two pairs' nodes with one address",
    text: sub('b1: { address: 10.9.0.13 }', 'b1: { address: 10.9.0.11 }'),
    message: /b1 has the same address as a1|a1 has the same address as b1/,
  },
  {
    what: 'a VIP shared by two pairs',
    text: sub('vip: 10.9.0.101, master: b1', 'vip: 10.9.0.100, master: b1'),
    message: /also pair web's/,
  },
  {
    what: 'a subnet with leading zeros',
    text: sub('subnet: 10.9.0.0/24\n    instances:\n      - name: VI_1', 'subnet: 10.09.0.0/24\n    instances:\n      - name: VI_1'),
    message: /no leading zeros/,
  },
  // 7. Crashes instead of errors.
  { what: 'an alias bomb (billion laughs)', text: aliasBomb(), message: /YAML aliases: .*resource exhaustion/ },
  {
    what: 'a file that is not UTF-8',
    text: Buffer.concat([Buffer.from('hosts:\n  a1: { address: "'), Buffer.from([0xff, 0xfe]), Buffer.from('" }\n')]),
    message: /not UTF-8/,
  },
  { what: 'a mapping as a key', text: sub('  a1: {', '  ? [a, b]\n  : 1\n  a1: {'), message: /mapping key must be a plain name/ },
  {
    what: 'a boolean as a host name',
    text: sub('  a1: {', '  true: { address: 10.9.0.30 }\n  a1: {'),
    message: /YAML boolean or null word/,
  },
  { what: 'a scalar document', text: 'just a string\n', message: /must be a mapping/ },
  { what: 'an empty file', text: '', message: /must be a mapping/ },
  { what: 'a host given twice', text: sub('  b1: {', '  a1: { address: 10.9.0.31 }\n  b1: {'), message: /duplicate key "a1"/ },
  // 9. Smaller holes.
  { what: 'an e-mail address that is an option', text: sub('to: [ops@example.com]', 'to: [-oops@example.com]'), message: /e-mail address/ },
  {
    what: 'an interface that is an option',
    text: sub(
      'interface: eth0\n    subnet: 10.9.0.0/24\n    instances:\n      - name: VI_1',
      'interface: -eth0\n    subnet: 10.9.0.0/24\n    instances:\n      - name: VI_1',
    ),
    message: /interface name/,
  },
  {
    what: 'an upstream host that is an option',
    text: sub('servers: [10.9.0.21:8080] }]\n  other', 'servers: [-x:8080] }]\n  other'),
    message: /host:port/,
  },
  {
    what: 'a webhook URL with a space',
    text: sub('webhooks: [http://10.9.0.5/hook]', 'webhooks: ["http://10.9.0.5/ hook"]'),
    message: /http\(s\) URL/,
  },
  {
    what: 'an SMS template with $',
    text: sub('template: "{host} {state}"', 'template: "{host} $(reboot)"'),
    message: /template may not hold/,
  },
  { what: 'an advert_int of 1e-7', text: inst('advert_int: 1e-7'), message: /at least 0\.01/ },
  { what: 'a check interval with three decimals', text: sub('interval: 1,', 'interval: 0.005,'), message: /at least 0\.01/ },
  { what: 'an advert_int of 0.333', text: inst('advert_int: 0.333'), message: /two decimals/ },
  {
    what: 'upstream port 0',
    text: sub('servers: [10.9.0.21:8080] }]\n  other', 'servers: [10.9.0.21:0] }]\n  other'),
    message: /port 0 is not 1\.\.65535/,
  },
  {
    what: 'upstream port 99999',
    text: sub('servers: [10.9.0.21:8080] }]\n  other', 'servers: [10.9.0.21:99999] }]\n  other'),
    message: /port 99999 is not 1\.\.65535/,
  },
  { what: 'an SMTP port 70000', text: sub('smtp_server: 10.9.0.5', 'smtp_server: 10.9.0.5:70000'), message: /port 70000/ },
  { what: 'nginx listening on port 0', text: sub('listen: 80', 'listen: 0'), message: /a port is 1\.\.65535/ },
  {
    what: 'two nginx directives in one extra entry',
    text: sub('server_name: _', 'server_name: _\n      extra: ["client_max_body_size 1m; return 200;"]'),
    message: /more than one directive/,
  },
  {
    what: 'an unbalanced quote in an extra directive',
    text: sub('server_name: _', 'server_name: _\n      extra: ["add_header X \\"y;"]'),
    message: /unexpected end of file, expecting ";" or "}"/,
  },
  {
    what: 'an unbalanced brace in an extra directive',
    text: sub('server_name: _', 'server_name: _\n      extra: ["location /x { return 204;"]'),
    message: /unexpected end of file, expecting "}"/,
  },
  {
    what: 'a comment in an extra directive',
    text: sub('server_name: _', 'server_name: _\n      extra: ["return 204; # }"]'),
    message: /holds a comment \(at character 13 of the entry\)/,
  },
  // nginx.extra, as nginx's own lexer reads it (ngx_conf_read_token): no way out of the server block.
  {
    what: 'a quote in the middle of a word closes the server block and opens another',
    text: extra("add_header X a'; } server { listen 8081; return 200 pwned; } server { x';"),
    message: /does not parse as nginx reads it: unexpected "}" \(at character 18 of the entry\)/,
  },
  {
    what: 'a double quote in the middle of a word, the same way out',
    text: extra('return 200 a"; } server { listen 8082; } server { x";'),
    message: /unexpected "}"/,
  },
  {
    what: '${ is a variable, not a block: the second } closes the server block',
    text: extra('location /a { set $x ${ } }'),
    message: /unexpected "}" \(at character 25 of the entry\)/,
  },
  {
    what: 'a } inside a word does not close anything',
    text: extra('location /a { return 200 x}'),
    message: /unexpected end of file, expecting ";" or "}"/,
  },
  {
    what: 'an http-level log_format (the root file-append break-out)',
    text: extra("log_format pwn '$http_x_line';"),
    message: /uses log_format .*only outside a server block/,
  },
  { what: 'access_log to a cron directory', text: extra('access_log /etc/cron.d/pwn;'), message: /master runs as root and appends/ },
  { what: 'error_log over an authorized_keys file', text: extra('error_log /root/.ssh/authorized_keys;'), message: /master runs as root/ },
  {
    what: 'access_log climbing out of /var/log/nginx',
    text: extra('access_log /var/log/nginx/../../../etc/profile.d/x.sh;'),
    message: /master runs as root/,
  },
  { what: 'access_log with a variable path', text: extra('access_log /var/log/nginx/$host.log;'), message: /master runs as root/ },
  {
    what: 'access_log to /tmp inside a nested location',
    text: extra('location /x { if ($arg_a) { access_log /tmp/x; } }'),
    message: /access_log writes to "\/tmp\/x"/,
  },
  { what: 'include of a file haops cannot see', text: extra('include /etc/nginx/sites-enabled/*;'), message: /includes a file/ },
  { what: 'a nested server block', text: extra('server { listen 8083; }'), message: /uses server .*only outside a server block/ },
  { what: 'an upstream inside the server block', text: extra('upstream u2 { server 10.9.0.21:8080; }'), message: /uses upstream/ },
  {
    what: 'a temp path anywhere on the node',
    text: extra('client_body_temp_path /etc/x;'),
    message: /writes files to a path of its own choosing/,
  },
  { what: 'a vertical tab in an extra entry', text: extra('return 204;\u000b'), message: /control character \(at character 12/ },
  {
    what: 'a directive after a block in one entry',
    text: extra('location /a { } return 204;'),
    message: /more than one directive \(at character 17/,
  },
  { what: 'an empty extra entry', text: extra('   '), message: /is empty/ },
  { what: 'a 3000-character extra entry', text: extra(`return 200 ${'a'.repeat(3000)};`), message: /more than the 2048 haops takes/ },
  // What nginx -t refuses in the site haops renders, refused by validate.
  {
    what: 'a second location / (haops proxies /)',
    text: extra('location / { return 204; }'),
    message: /location \/ is already in the server block: haops's own/,
  },
  { what: 'a ^~ location / is the same prefix location', text: extra('location ^~ / { }'), message: /duplicate location/ },
  { what: "haops's health location", text: extra('location = /haops-health { return 200; }'), message: /already in the server block/ },
  {
    what: 'two extra entries with one location',
    text: extra('location /x { }', 'location /x { return 204; }'),
    message: /already in the server block: extra\[0\]/,
  },
  { what: 'a listen on the port the site already listens on', text: extra('listen 0.0.0.0:80 reuseport;'), message: /duplicate listen/ },
  {
    what: 'two upstreams of one name',
    text: sub(
      'upstreams: [{ name: be, servers: [10.9.0.21:8080] }]\n  other',
      'upstreams: [{ name: be, servers: [10.9.0.21:8080] }, { name: be, servers: [10.9.0.22:8080] }]\n  other',
    ),
    message: /upstream be is defined twice/,
  },
  // Values the schema lets through that the node would not take.
  {
    what: 'a VIP whose prefix is wider than the subnet',
    text: sub('vip: 10.9.0.100/24', 'vip: 10.9.0.100/8'),
    message: /is a \/8, wider than pair web's subnet 10\.9\.0\.0\/24/,
  },
  { what: 'a VIP /23 on a /24', text: sub('vip: 10.9.0.100/24', 'vip: 10.9.0.100/23'), message: /wider than pair web's subnet/ },
  {
    what: "a check named like haops's drain tracker",
    text: sub('check: { script:', 'check: { name: haops_drain, script:'),
    message: /starts with haops_, which haops keeps/,
  },
  {
    what: 'a check named HAOPS_nginx',
    text: sub('check: { script:', 'check: { name: HAOPS_nginx, script:'),
    message: /keeps for its own trackers/,
  },
  { what: 'interface: all', text: sub('interface: eth0', 'interface: all'), message: /not a network device/ },
  { what: 'interface: default', text: sub('interface: eth0', 'interface: default'), message: /not a network device/ },
  { what: 'interface: lo', text: sub('interface: eth0', 'interface: lo'), message: /is the loopback/ },
  {
    what: 'sms.command is the notify script (a fork loop)',
    text: sub('sms: { url: http://10.9.0.5/sms,', 'sms: { command: /usr/local/bin/keepalived_notify.sh,'),
    message: /notify\.sms\.command runs \/usr\/local\/bin\/keepalived_notify\.sh, which is the notify script/,
  },
  {
    what: 'sms.command is the default notify script when notify.script is unset',
    text: sub('      script: /usr/local/bin/keepalived_notify.sh\n', '').replace(
      'sms: { url: http://10.9.0.5/sms,',
      'sms: { command: /usr/local/bin/keepalived_notify.sh,',
    ),
    message: /which is the notify script/,
  },
  {
    what: 'the check runs the notify script every second',
    text: sub('script: killall -0 nginx', 'script: /usr/local/bin/keepalived_notify.sh x y MASTER'),
    message: /check\.script runs .* which is the notify script/,
  },
  {
    what: 'sms.command is the notify log',
    text: sub('sms: { url: http://10.9.0.5/sms,', 'sms: { command: /var/log/keepalived.notify.log,'),
    message: /which is the notify log/,
  },
  // YAML's own errors never quote a secret field's text.
  {
    what: 'a password YAML reads as an alias (flow)',
    text: sub('password: secret1', 'password: *Hunt3r2'),
    message: /secret as an alias .* its text is not shown/,
    secret: 'Hunt3r2',
  },
  {
    what: 'a password YAML reads as an alias (block)',
    text: blockPw('password: *Hunt3r2'),
    message: /its text is not shown/,
    secret: 'Hunt3r2',
  },
  {
    what: 'a sudo password read as an alias',
    text: sub('  a1: { address: 10.9.0.11 }', '  a1: { address: 10.9.0.11, sudo: { password: *Hunt3r2 } }'),
    message: /not shown/,
    secret: 'Hunt3r2',
  },
  {
    what: 'a default: read as an alias',
    text: sub('password: secret1', 'password_env: HAOPS_X, default: *Hunt3r2'),
    message: /not shown/,
    secret: 'Hunt3r2',
  },
  {
    what: 'a password_file: read as an alias',
    text: sub('password: secret1', 'password_file: *Hunt3r2'),
    message: /not shown/,
    secret: 'Hunt3r2',
  },
  {
    what: 'a password YAML reads as a block scalar header',
    text: blockPw('password: |Hunt3r2'),
    message: /YAML syntax \(\w+\) in a secret field/,
    secret: 'Hunt3r2',
  },
  {
    what: 'a password YAML reads as a folded scalar header',
    text: blockPw('password: >Hunt3r2'),
    message: /in a secret field/,
    secret: 'Hunt3r2',
  },
  { what: 'an unterminated quote in a password', text: blockPw('password: "Hunt3r2'), message: /in a secret field/, secret: 'Hunt3r2' },
  {
    what: 'a password as a key of the authentication mapping',
    text: sub('password: secret1', 'password: secret1, Hunt3r2'),
    message: /unknown field in a secret/,
    secret: 'Hunt3r2',
  },
  {
    what: 'an alias in a plain field names itself',
    text: sub('server_name: _', 'server_name: *nope'),
    message: /alias \*nope names no anchor/,
  },
  {
    what: 'a server_name with ;',
    text: sub('server_name: _', 'server_name: "a.example; return 200"'),
    message: /host name like api\.example\.com/,
  },
  { what: 'a check script that is an option', text: sub('script: killall -0 nginx,', 'script: -x nginx,'), message: /script is a command/ },
  { what: 'an SSH user that is an option', text: `ssh:\n  user: "-oProxyCommand=x"\n${GOOD}`, message: /login name/ },
  {
    what: 'an SSH address that is an option',
    text: sub('a1: { address: 10.9.0.11 }', 'a1: { address: "-oProxyCommand=x", ip: 10.9.0.11 }'),
    message: /not starting with -/,
  },
  {
    what: 'a host that is its own jump host',
    text: sub('a1: { address: 10.9.0.11 }', 'a1: { address: 10.9.0.11, jump: a1 }'),
    message: /its own jump host/,
  },
];

function aliasBomb(): string {
  let t = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 12; i++)
    t += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  return `${t}hosts: *a11\n`;
}

describe('hostile inventories are refused: exit 2, file:line:col, a fix, no stack, no secret', () => {
  it('the corpus has at least 60 cases and the good inventory passes', async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    const r = await validate(GOOD);
    expect(r.text).toMatch(/ok \(4 nodes, 2 pairs, 2 VRRP instances\)/);
    expect(r.code).toBe(0);
  });
  for (const c of CASES) {
    it(c.what, async () => {
      const r = await validate(c.text, c.env);
      expect(r.code, r.text).toBe(2);
      expect(r.text).toMatch(c.message);
      expect(r.text).toContain(`${r.file}:`);
      expect(r.text).toMatch(/:\d+:\d+:/);
      expect(r.text).toMatch(/fix: /);
      expect(r.text).not.toMatch(/internal error|\n\s+at /);
      // eslint-disable-next-line no-control-regex
      expect(r.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      if (c.secret) expect(r.text).not.toContain(c.secret);
    });
  }
});

describe('render --out and oversized files', () => {
  it('refuses a 64 MB inventory before reading it (exit 2, size named)', async () => {
    const { truncateSync } = await import('node:fs');
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, '');
    truncateSync(file, 64 * 1024 * 1024); // sparse: the size is what counts
    const err: string[] = [];
    const code = await main(
      ['node', 'haops', 'validate', file],
      () => {},
      (s) => err.push(s),
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/64\.0 MB, more than the 16 MB haops reads/);
  });
  it('render --out under an existing file exits 2 and writes nothing', async () => {
    const { existsSync, readdirSync } = await import('node:fs');
    const good = join(dir, 'good.yaml');
    writeFileSync(good, GOOD);
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'a file, not a directory');
    const err: string[] = [];
    const code = await main(
      ['node', 'haops', 'render', good, '--out', join(blocker, 'out')],
      () => {},
      (s) => err.push(s),
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/is a file, where a directory is needed/);
    expect(err.join('\n')).not.toMatch(/internal error|\n\s+at /);
    const fresh = join(dir, 'fresh');
    const code2 = await main(
      ['node', 'haops', 'render', good, '--out', fresh],
      () => {},
      () => {},
    );
    expect(code2).toBe(0);
    expect(readdirSync(fresh).sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(existsSync(join(fresh, 'a1/etc/keepalived/keepalived.conf'))).toBe(true);
  });
});

describe('render --out: no links followed, modes set on every write, no special paths', () => {
  const good = join(dir, 'render-good.yaml');
  writeFileSync(good, GOOD);
  const render = async (out: string) => {
    const err: string[] = [];
    const started = Date.now();
    const code = await main(
      ['node', 'haops', 'render', good, '--out', out],
      () => {},
      (s) => err.push(s),
    );
    return { code, err: err.join('\n'), ms: Date.now() - started };
  };
  const fresh = () => mkdtempSync(join(dir, 'out-'));

  it('a directory link under DIR is refused, and nothing lands where it points', async () => {
    const out = fresh();
    const elsewhere = mkdtempSync(join(dir, 'elsewhere-'));
    symlinkSync(elsewhere, join(out, 'a1'));
    const r = await render(out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/a1 is a symbolic link; haops does not write through links/);
    expect(r.err).toMatch(/fix: /);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readdirSync(out)).toEqual(['a1']); // nothing half-written
  });

  it('a file link under DIR is refused, and its target is unchanged', async () => {
    const out = fresh();
    const target = join(dir, 'victim.txt');
    writeFileSync(target, 'mine\n');
    mkdirSync(join(out, 'a1/etc/keepalived'), { recursive: true });
    symlinkSync(target, join(out, 'a1/etc/keepalived/keepalived.conf'));
    const r = await render(out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/keepalived\.conf is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('mine\n');
  });

  it('a file that exists gets the mode of a fresh one (0600: keepalived.conf holds the password)', async () => {
    const first = fresh();
    expect((await render(first)).code).toBe(0);
    const conf = join(first, 'a1/etc/keepalived/keepalived.conf');
    const freshMode = statSync(conf).mode & 0o777;
    expect(readFileSync(conf, 'utf8')).toContain('auth_pass');
    expect(freshMode).toBe(0o600);
    const script = join(first, 'a1/usr/local/bin/keepalived_notify.sh');
    const scriptMode = statSync(script).mode & 0o777;
    expect(scriptMode & 0o100).toBe(0o100); // the node runs it: executable as rendered
    chmodSync(conf, 0o666);
    chmodSync(script, 0o600);
    expect((await render(first)).code).toBe(0);
    expect(statSync(conf).mode & 0o777).toBe(freshMode);
    expect(statSync(script).mode & 0o777).toBe(scriptMode);
  });

  it("--out '' is refused (it would write into the current directory)", async () => {
    const r = await render('');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out is empty/);
  });

  for (const special of ['/proc/self', '/dev/null', '/sys/kernel']) {
    it(`--out ${special} fails fast with a clear error`, async () => {
      const r = await render(special);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/is under \/(proc|dev|sys), a kernel tree/);
      expect(r.ms).toBeLessThan(5000);
    });
  }

  it('--out a named pipe is refused without opening it', async () => {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const r = await render(fifo);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is a named pipe, where a directory is needed/);
  });
});

describe('a secret that falls back to its default', () => {
  const text = sub('password: secret1', 'password_env: HAOPS_TEST_UNSET_PW, default: labpass1');
  it('is said on every command (validate warns, names the variable, never the value)', async () => {
    const r = await validate(text);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/warning: .*HAOPS_TEST_UNSET_PW is not set, so the inventory's default: is used/);
    expect(r.text).not.toContain('labpass1');
  });
  it('is refused by deploy before any connection, unless the inventory or the flag allows it', async () => {
    const file = join(dir, 'default.yaml');
    writeFileSync(file, text);
    const err: string[] = [];
    const code = await main(
      ['node', 'haops', 'deploy', file],
      () => {},
      (s) => err.push(s),
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/refusing to deploy a default secret/);
    expect(err.join('\n')).toMatch(/--allow-default-secrets/);
    expect(err.join('\n')).not.toContain('labpass1');
  });
});

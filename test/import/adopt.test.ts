import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildInventory, groupPairs, writeupNotifyLog, type ImportTarget } from '../../src/import/adopt.js';
import { renderInventory, validateText } from '../../src/import/write.js';
import { addr, backupConf, fakeReading, NGINX_T, SEED_CONF, SEED_NOTIFY } from './helpers.js';

const MAIN = '/etc/keepalived/keepalived.conf';
const NOTIFY = '/usr/local/bin/keepalived_notify.sh';
const targets: ImportTarget[] = [
  { name: 'proxy101', address: '192.168.0.101', user: 'root' },
  { name: 'proxy102', address: '192.168.0.102', user: 'root' },
];

function seedPair(holder: 'proxy101' | 'proxy102' | null = 'proxy101', confs = [SEED_CONF, backupConf()]) {
  return [
    fakeReading('proxy101', {
      files: { [MAIN]: confs[0]! },
      scripts: { [NOTIFY]: SEED_NOTIFY },
      addr: addr('192.168.0.101', 'em1', holder === 'proxy101' ? ['192.168.0.105'] : []),
      nginxT: NGINX_T,
    }),
    fakeReading('proxy102', {
      files: { [MAIN]: confs[1]! },
      scripts: { [NOTIFY]: SEED_NOTIFY },
      addr: addr('192.168.0.102', 'em1', holder === 'proxy102' ? ['192.168.0.105'] : []),
      nginxT: NGINX_T,
    }),
  ];
}

const build = (readings = seedPair(), secrets: 'file' | 'env' = 'file') =>
  buildInventory(readings, targets, { secrets, secretPrefix: 'adopted.' });

describe('import: from running nodes to an inventory', () => {
  it("the write-up's pair becomes the seed inventory's pair: VRID, master, priorities, check, notify, mail, nginx", () => {
    const r = build();
    const pair = (r.inventory.pairs as any).yn_api_gateway;
    expect(pair).toMatchObject({
      nodes: ['proxy101', 'proxy102'],
      interface: 'em1',
      subnet: '192.168.0.0/24',
      instances: [
        {
          name: 'YN_API_GATEWAY',
          virtual_router_id: 101,
          vip: '192.168.0.105',
          master: 'proxy101',
          priorities: { proxy101: 200, proxy102: 199 },
          advert_int: 1,
          authentication: { type: 'PASS', password_file: 'adopted.yn_api_gateway.YN_API_GATEWAY.vrrp-password' },
        },
      ],
      check: { name: 'chk_nginx', script: 'killall -0 nginx', interval: 1, weight: 2, fall: 2, rise: 1 },
      notify: {
        script: NOTIFY,
        log: '/var/log/keepalived.notify.log',
        email: { to: ['xxxx@qq.com'], from: 'yn_alert@xxx.me', smtp_server: '127.0.0.1', smtp_connect_timeout: 30 },
      },
      nginx: {
        listen: 80,
        server_name: 'api.example.com',
        upstreams: [{ name: 'api_backends', servers: ['192.168.0.111:8080', '192.168.0.112:8080'] }],
      },
      adopt: { move_aside: { proxy101: ['/etc/nginx/sites-enabled/api.conf'], proxy102: ['/etc/nginx/sites-enabled/api.conf'] } },
    });
    expect(r.secrets).toEqual([
      {
        pair: 'yn_api_gateway',
        instance: 'YN_API_GATEWAY',
        value: 'testpass',
        file: 'adopted.yn_api_gateway.YN_API_GATEWAY.vrrp-password',
      },
    ]);
    expect(r.pairs[0]!.holders).toEqual({ YN_API_GATEWAY: 'proxy101' });
  });

  it('the written inventory validates, and holds no password (file or env)', () => {
    for (const mode of ['file', 'env'] as const) {
      const r = build(seedPair(), mode);
      const text = renderInventory(r, seedPair());
      expect(text).not.toContain('testpass');
      const env: NodeJS.ProcessEnv = {};
      for (const s of r.secrets) if (s.env) env[s.env] = s.value;
      expect(validateText(text, '/tmp/adopted.yaml', r, env)).toBeNull();
      if (mode === 'env')
        expect(parse(text).pairs.yn_api_gateway.instances[0].authentication).toEqual({
          type: 'PASS',
          password_env: 'HAOPS_VRRP_YN_API_GATEWAY',
        });
    }
  });

  it('when the BACKUP holds the VIP now, it is written as master with the higher priority (the first deploy moves nothing)', () => {
    const r = build(seedPair('proxy102'));
    const inst = (r.inventory.pairs as any).yn_api_gateway.instances[0];
    expect(inst.master).toBe('proxy102');
    expect(inst.priorities).toEqual({ proxy101: 199, proxy102: 200 });
    expect(r.findings.some((f) => /proxy102 holds VIP 192\.168\.0\.105 although proxy101 is configured master/.test(f.what))).toBe(true);
  });

  it('with nopreempt the holder is master and the priorities stay as they are', () => {
    const np = (c: string) => c.replace('state MASTER', 'state BACKUP').replace('advert_int 1', 'advert_int 1\nnopreempt');
    const r = build(seedPair('proxy102', [np(SEED_CONF), np(backupConf())]));
    const inst = (r.inventory.pairs as any).yn_api_gateway.instances[0];
    expect(inst).toMatchObject({ master: 'proxy102', nopreempt: true, priorities: { proxy101: 200, proxy102: 199 } });
  });

  it('an active-active pair: both instances land in one pair, each VIP mastered by its holder', () => {
    const conf = (me: string, peer: string, a: [string, number], b: [string, number]) => `
vrrp_script chk_nginx {
    script "killall -0 nginx"
    interval 1
    weight 2
    fall 2
    rise 1
}
vrrp_instance VI_A {
    state ${a[0]}
    interface eth0
    virtual_router_id 51
    priority ${a[1]}
    unicast_src_ip ${me}
    unicast_peer {
        ${peer}
    }
    virtual_ipaddress {
        10.0.0.100/24
    }
    track_script {
        chk_nginx
    }
}
vrrp_instance VI_B {
    state ${b[0]}
    interface eth0
    virtual_router_id 52
    priority ${b[1]}
    unicast_src_ip ${me}
    unicast_peer {
        ${peer}
    }
    virtual_ipaddress {
        10.0.0.101/24
    }
    track_script {
        chk_nginx
    }
}`;
    const ip = (x: string, vips: string[]) =>
      [
        `2: eth0    inet ${x}/24 brd 10.0.0.255 scope global eth0`,
        ...vips.map((v) => `2: eth0    inet ${v}/24 scope global secondary eth0`),
      ].join('\n');
    const readings = [
      fakeReading('lb1', {
        files: { [MAIN]: conf('10.0.0.11', '10.0.0.12', ['MASTER', 101], ['BACKUP', 100]) },
        addr: ip('10.0.0.11', ['10.0.0.100']),
        nginxT: NGINX_T,
      }),
      fakeReading('lb2', {
        files: { [MAIN]: conf('10.0.0.12', '10.0.0.11', ['BACKUP', 100], ['MASTER', 101]) },
        addr: ip('10.0.0.12', ['10.0.0.101']),
        nginxT: NGINX_T,
      }),
    ];
    const r = buildInventory(
      readings,
      [
        { name: 'lb1', address: '10.0.0.11' },
        { name: 'lb2', address: '10.0.0.12' },
      ],
      { secrets: 'file', secretPrefix: 'x.' },
    );
    const pairs = r.inventory.pairs as any;
    expect(Object.keys(pairs)).toEqual(['vi_a']);
    expect(pairs.vi_a.instances.map((i: any) => [i.name, i.vip, i.master, i.priorities])).toEqual([
      ['VI_A', '10.0.0.100/24', 'lb1', { lb1: 101, lb2: 100 }],
      ['VI_B', '10.0.0.101/24', 'lb2', { lb1: 100, lb2: 101 }],
    ]);
    expect(validateText(renderInventory(r, readings), '/tmp/aa.yaml', r, {})).toBeNull();
  });

  it('pairs are found by unicast peers and VRIDs among four nodes; a node without its peer is refused with the fix', () => {
    const two = seedPair();
    const other = seedPair().map((r, i) => {
      const conf = (i === 0 ? SEED_CONF : backupConf())
        .replaceAll('192.168.0.10', '192.168.0.20')
        .replace('virtual_router_id 101', 'virtual_router_id 102');
      return fakeReading(`b${r.name}`, {
        files: { [MAIN]: conf },
        addr: addr(i === 0 ? '192.168.0.201' : '192.168.0.202'),
        nginxT: NGINX_T,
      });
    });
    const groups = groupPairs([two[0]!, other[0]!, two[1]!, other[1]!]);
    expect(groups.map((g) => g.map((r) => r.name))).toEqual([
      ['proxy101', 'proxy102'],
      ['bproxy101', 'bproxy102'],
    ]);
    expect(() => groupPairs([two[0]!, other[1]!])).toThrow(
      /proxy101 has no peer among the hosts given: its instances \(YN_API_GATEWAY VRID 101 peers 192\.168\.0\.102\)/,
    );
  });

  it('what the inventory cannot say is listed with node, file and line; a custom notify script is kept and still run (notify.hooks)', () => {
    const custom = (c: string) =>
      c
        .replace('###如果只有一块网卡的话监控网络接口就没有必要了\n#track_interface {\n# em1\n#}', 'track_interface {\n em1\n}')
        .replace(/notify_master .*\nnotify_backup .*\nnotify_fault .*\nnotify .*\n/, 'notify_master "/etc/keepalived/to_master.sh"\n') +
      '\nvrrp_sync_group G {\n group {\n YN_API_GATEWAY\n }\n}\n';
    const nginxT = `${NGINX_T}\n# configuration file /etc/nginx/sites-enabled/tls.conf:\nserver {\n    listen 443 ssl;\n    location / { proxy_pass http://api_backends; }\n}\nserver {\n    listen 8081;\n    root /srv;\n}\n`;
    const readings = [
      fakeReading('proxy101', {
        files: { [MAIN]: custom(SEED_CONF) },
        scripts: { '/etc/keepalived/to_master.sh': '#!/bin/sh\ncurl -s https://hooks.example.com/x\n' },
        addr: addr('192.168.0.101', 'em1', ['192.168.0.105']),
        nginxT,
      }),
      fakeReading('proxy102', { files: { [MAIN]: custom(backupConf()) }, addr: addr('192.168.0.102'), nginxT }),
    ];
    const r = buildInventory(readings, targets, { secrets: 'file', secretPrefix: 'a.' });
    const lines = r.findings.map((f) => `${f.node} ${f.file}:${f.line} ${f.what}`);
    expect(lines).toContainEqual(
      expect.stringMatching(/^proxy101 \/etc\/keepalived\/keepalived\.conf:\d+ track_interface \{ em1 \} in vrrp_instance YN_API_GATEWAY$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^proxy101 \/etc\/keepalived\/keepalived\.conf:\d+ vrrp_sync_group G$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^proxy101 \/etc\/nginx\/sites-enabled\/tls\.conf:1 TLS server block \(listen 443 ssl\)$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^proxy101 \/etc\/nginx\/sites-enabled\/tls\.conf:5 second server block \(listen 8081\)$/),
    );
    const custom1 = r.findings.find((f) => f.what.startsWith('notify_master /etc/keepalived/to_master.sh'))!;
    expect(custom1.handling).toMatch(/kept working: .* runs it on the same state changes/);
    expect((r.inventory.pairs as any).yn_api_gateway.notify).toEqual({
      script: '/usr/local/bin/haops_notify.sh',
      hooks: [{ on: 'master', run: '/etc/keepalived/to_master.sh' }],
      email: { to: ['xxxx@qq.com'], from: 'yn_alert@xxx.me', smtp_server: '127.0.0.1', smtp_connect_timeout: 30 },
    });
    expect(validateText(renderInventory(r, readings), '/tmp/c.yaml', r, {})).toBeNull();
  });

  it("recognises the write-up's notify script (it only logs) and no other", () => {
    expect(writeupNotifyLog(SEED_NOTIFY)).toBe('/var/log/keepalived.notify.log');
    expect(writeupNotifyLog(`${SEED_NOTIFY}\nmail -s x root < /dev/null\n`)).toBeNull();
  });
});

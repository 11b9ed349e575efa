import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { globToRegExp, parseKeepalivedConf } from '../../src/import/keepalived-conf.js';
import { keepalivedModel } from '../../src/import/keepalived-model.js';
import { SEED_CONF } from './helpers.js';
import { parseModel } from '../../src/model/load.js';
import { renderKeepalived } from '../../src/render/keepalived.js';

const MAIN = '/etc/keepalived/keepalived.conf';
const model = (files: Record<string, string>) => keepalivedModel(parseKeepalivedConf(MAIN, new Map(Object.entries(files))));

describe('keepalived.conf parser', () => {
  it("reads the write-up's keepalived.conf: instance, check, notify, mail, comments with # and ! and Chinese text", () => {
    const m = model({ [MAIN]: SEED_CONF });
    expect(m.routerId).toBe('proxy101');
    expect(m.email).toEqual({ to: ['xxxx@qq.com'], from: 'yn_alert@xxx.me', smtpServer: '127.0.0.1', smtpConnectTimeout: 30 });
    expect(m.scripts.chk_nginx).toMatchObject({ script: 'killall -0 nginx', interval: 1, weight: 2, fall: 2, rise: 1 });
    expect(m.instances).toHaveLength(1);
    const i = m.instances[0]!;
    expect(i).toMatchObject({
      name: 'YN_API_GATEWAY',
      state: 'MASTER',
      interface: 'em1',
      vrid: 101,
      priority: 200,
      advertInt: 1,
      nopreempt: false,
      unicastSrcIp: '192.168.0.101',
      unicastPeers: ['192.168.0.102'],
      auth: { type: 'PASS', password: 'testpass' },
      trackScripts: [{ name: 'chk_nginx' }],
      smtpAlert: true,
    });
    expect(i.vips.map((v) => v.address)).toEqual(['192.168.0.105']);
    expect(i.notify.notify_master).toBe('/usr/local/bin/keepalived_notify.sh notify_master');
    expect(i.notify.notify).toBe('/usr/local/bin/keepalived_notify.sh notify');
    // The commented-out track_interface is a comment, not a finding.
    expect(m.unsupported.filter((u) => u.what.includes('track_interface'))).toEqual([]);
    expect(i.at).toEqual({ file: MAIN, line: 21 });
  });

  it('an active-active config: two instances, VIPs with prefix and dev, quoted notify lines, nopreempt and garp', () => {
    const m = model({
      [MAIN]: `vrrp_instance VI_A {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    unicast_src_ip 10.0.0.11
    unicast_peer { 10.0.0.12 }
    virtual_ipaddress {
        10.0.0.100/24 dev eth0 label eth0:1
    }
    garp_master_delay 2
    notify_master "/etc/keepalived/up.sh master"
}
vrrp_instance VI_B {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 100
    nopreempt
    unicast_src_ip 10.0.0.11
    unicast_peer {
        10.0.0.12
    }
    virtual_ipaddress {
        10.0.0.101/24
    }
}`,
    });
    expect(m.instances.map((i) => [i.name, i.vrid, i.state, i.priority, i.nopreempt])).toEqual([
      ['VI_A', 51, 'MASTER', 150, false],
      ['VI_B', 52, 'BACKUP', 100, true],
    ]);
    expect(m.instances[0]!.vips[0]).toMatchObject({ address: '10.0.0.100', prefix: 24, dev: 'eth0' });
    expect(m.instances[0]!.unicastPeers).toEqual(['10.0.0.12']);
    expect(m.instances[0]!.garp).toEqual({ garp_master_delay: 2 });
    expect(m.instances[0]!.notify.notify_master).toBe('/etc/keepalived/up.sh master');
  });

  it('follows include globs relative to the including file, in sorted order, and says where each line is', () => {
    const m = model({
      [MAIN]: 'global_defs {\n  router_id lb1\n}\ninclude conf.d/*.conf\ninclude /etc/keepalived/missing/*.conf\n',
      '/etc/keepalived/conf.d/20-b.conf': 'vrrp_instance B {\n  virtual_router_id 2\n}\n',
      '/etc/keepalived/conf.d/10-a.conf':
        'vrrp_script chk {\n  script "pidof nginx"\n}\nvrrp_instance A {\n  virtual_router_id 1\n  track_script {\n    chk weight -10\n  }\n}\n',
      '/etc/keepalived/conf.d/notes.txt': 'vrrp_instance C {\n}\n',
    });
    expect(m.instances.map((i) => i.name)).toEqual(['A', 'B']);
    expect(m.instances[0]!.at).toEqual({ file: '/etc/keepalived/conf.d/10-a.conf', line: 4 });
    expect(m.instances[0]!.trackScripts).toEqual([{ name: 'chk', weight: -10 }]);
    const parsed = parseKeepalivedConf(MAIN, new Map(Object.entries({ [MAIN]: 'include /etc/keepalived/missing/*.conf\n' })));
    expect(parsed.problems).toEqual([{ message: 'include /etc/keepalived/missing/*.conf matches no file', at: { file: MAIN, line: 1 } }]);
  });

  it('keepalived 1.x syntax (CentOS 6): ! comments, lvs_id, sync groups, LVS virtual_server and track_interface are listed with file and line', () => {
    const m = model({
      [MAIN]: `! Configuration File for keepalived
global_defs {
   notification_email {
     acassen@firewall.loc
   }
   notification_email_from Alexandre.Cassen@firewall.loc
   smtp_server 192.168.200.1
   smtp_connect_timeout 30
   router_id LVS_DEVEL
   lvs_id LVS_DEVEL
}
vrrp_sync_group VG1 {
   group {
      VI_1
   }
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    track_interface {
        eth1
    }
    virtual_ipaddress {
        192.168.200.16
        192.168.200.17
    }
    notify_master /etc/keepalived/master.sh
}
virtual_server 192.168.200.100 443 {
    delay_loop 6
    lb_algo rr
    real_server 192.168.201.100 443 {
        weight 1
    }
}`,
    });
    expect(m.instances[0]).toMatchObject({ name: 'VI_1', vrid: 51, auth: { type: 'PASS', password: '1111' }, trackInterfaces: ['eth1'] });
    expect(m.instances[0]!.vips.map((v) => v.address)).toEqual(['192.168.200.16', '192.168.200.17']);
    expect(m.instances[0]!.notify.notify_master).toBe('/etc/keepalived/master.sh');
    expect(m.unsupported.map((u) => [u.what.split(' ').slice(0, 2).join(' '), u.at.line])).toEqual([
      ['lvs_id in', 10],
      ['vrrp_sync_group VG1', 12],
      ['track_interface {', 27],
      ['LVS virtual_server', 36],
    ]);
  });

  it('globs: * and ? stay inside one directory, [..] classes work', () => {
    expect(globToRegExp('/etc/k/*.conf').test('/etc/k/a.conf')).toBe(true);
    expect(globToRegExp('/etc/k/*.conf').test('/etc/k/sub/a.conf')).toBe(false);
    expect(globToRegExp('/etc/k/[ab]?.conf').test('/etc/k/b1.conf')).toBe(true);
    expect(globToRegExp('/etc/k/[!ab].conf').test('/etc/k/a.conf')).toBe(false);
  });
});

describe('re-importing a pair haops deployed', () => {
  it("haops' own drain hook is not reported as something the inventory cannot say", () => {
    const m = parseModel(readFileSync('inventory/seed.yaml', 'utf8'), 'seed.yaml', {}, { allowDefaultSecrets: true }).model;
    for (const version of ['2.2.7', '2.0.10', '1.2.13']) {
      const conf = renderKeepalived(m.nodes[0]!, { version });
      const k = model({ [MAIN]: conf });
      expect(
        k.unsupported.filter((u) => !/script_user|enable_script_security/.test(u.what)),
        version,
      ).toEqual([]);
      expect(
        k.instances[0]!.trackScripts.map((t) => t.name),
        version,
      ).toEqual(['chk_nginx']);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseFirewall, parsePortTypes, parseZone, type ElFacts, type ElWanted } from '../../src/facts/el.js';
import { elIntent, planEl, planFirewall, planSysctl, renderedCheckScript } from '../../src/ops/el.js';

const wanted: ElWanted = {
  vrrp: { interface: 'eth0', peers: ['10.0.0.2'], ah: false },
  firewall: true,
  listenPort: 80,
  upstreams: true,
  notifyScript: '/usr/local/bin/keepalived_notify.sh',
  checkScript: '/usr/bin/pgrep -x nginx',
  bindsVip: false,
  nginx: true,
};

// firewalld 0.6.3 (CentOS 7) prints rich rules tab-indented after "rich rules:".
const EL7_ZONE = `public (active)
  target: default
  icmp-block-inversion: no
  interfaces: eth0
  sources: 
  services: dhcpv6-client ssh
  ports: 
  protocols: 
  masquerade: no
  forward-ports: 
  source-ports: 
  icmp-blocks: 
  rich rules: 
\trule family="ipv4" source address="10.0.0.2" protocol value="vrrp" accept
`;

const zone = (over: Partial<ReturnType<typeof parseZone>> = {}) => ({
  target: 'default',
  services: ['ssh'],
  ports: [],
  protocols: [],
  richRules: [],
  ...over,
});
const firewalld = (runtime = zone(), permanent = runtime) => ({ kind: 'firewalld' as const, zone: 'public', runtime, permanent });
const STOCK_EL6 = [
  '-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -j REJECT --reject-with icmp-host-prohibited',
];

describe('EL facts parsers', () => {
  it('reads a firewalld zone: services, ports, rich rules as firewalld lists them', () => {
    expect(parseZone(EL7_ZONE)).toEqual({
      target: 'default',
      services: ['dhcpv6-client', 'ssh'],
      ports: [],
      protocols: [],
      richRules: ['rule family="ipv4" source address="10.0.0.2" protocol value="vrrp" accept'],
    });
  });

  it('splits the firewall probe into runtime and permanent, or the iptables service into live and saved INPUT rules', () => {
    const fw = parseFirewall({
      kind: 'firewall',
      arg: 'eth0',
      code: 0,
      body: `firewalld public\n${EL7_ZONE}@@permanent\n${EL7_ZONE.replace(/\trule.*\n/, '')}`,
    });
    expect(fw.kind === 'firewalld' && [fw.runtime.richRules.length, fw.permanent.richRules.length]).toEqual([1, 0]);
    const ipt = parseFirewall({
      kind: 'firewall',
      arg: 'eth0',
      code: 0,
      body: `iptables\n-P INPUT ACCEPT\n${STOCK_EL6.join('\n')}\n@@saved\n*filter\n:INPUT ACCEPT [0:0]\n${STOCK_EL6.join('\n')}\nCOMMIT\n`,
    });
    expect(ipt).toEqual({ kind: 'iptables', live: STOCK_EL6, saved: STOCK_EL6 });
    expect(parseFirewall({ kind: 'firewall', arg: 'eth0', code: 0, body: 'none' })).toEqual({ kind: 'none' });
  });

  it('reads semanage port -l, ranges included', () => {
    const t = parsePortTypes(
      'SELinux Port Type              Proto    Port Number\n\nhttp_cache_port_t              tcp      8080, 8118, 8123, 10001-10010\nhttp_port_t                    tcp      80, 81, 443\nhttp_port_t                    udp      80\n',
    );
    expect([t[8080], t[80], t[10005], t[9999]]).toEqual([['http_cache_port_t'], ['http_port_t'], ['http_cache_port_t'], undefined]);
  });
});

describe('firewall operation', () => {
  it('with AH auth allows protocol ah from the peer too, in runtime and permanent', () => {
    const c = planFirewall({ ...wanted, vrrp: { ...wanted.vrrp, ah: true } }, firewalld());
    expect(c?.commands.filter((x) => x.includes('value="ah"'))).toEqual([
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" protocol value="ah" accept'`,
      `firewall-cmd --permanent --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" protocol value="ah" accept'`,
    ]);
  });

  it('adds nothing a zone already lets in: the rule, protocol vrrp for all, the http service for port 80, or a trusted zone', () => {
    expect(
      planFirewall(
        wanted,
        firewalld(zone({ richRules: ['rule family="ipv4" source address="10.0.0.2" protocol value="vrrp" accept'], services: ['http'] })),
      ),
    ).toBeNull();
    expect(planFirewall(wanted, firewalld(zone({ protocols: ['vrrp'], ports: ['80/tcp'] })))).toBeNull();
    expect(planFirewall(wanted, firewalld(zone({ target: 'ACCEPT' })))).toBeNull();
  });

  it('fixes only the permanent side when only the runtime was changed by hand', () => {
    const live = zone({ richRules: ['rule family="ipv4" source address="10.0.0.2" protocol value="vrrp" accept'], ports: ['80/tcp'] });
    expect(planFirewall(wanted, firewalld(live, zone()))?.commands.every((c) => c.startsWith('firewall-cmd --permanent '))).toBe(true);
  });

  it('on the iptables service inserts before the REJECT even when the same rule sits after it, then saves', () => {
    const appended = [...STOCK_EL6, '-A INPUT -s 10.0.0.2/32 -p vrrp -j ACCEPT'];
    expect(planFirewall(wanted, { kind: 'iptables', live: appended, saved: appended })?.commands).toEqual([
      'iptables -I INPUT -p 112 -s 10.0.0.2 -j ACCEPT',
      'iptables -I INPUT -p tcp --dport 80 -j ACCEPT',
      'service iptables save',
    ]);
  });

  it('on the iptables service only saves when the running rules are right but the saved file lacks them', () => {
    const live = ['-A INPUT -s 10.0.0.2/32 -p vrrp -j ACCEPT', '-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT', ...STOCK_EL6];
    expect(planFirewall(wanted, { kind: 'iptables', live, saved: STOCK_EL6 })?.commands).toEqual(['service iptables save']);
    expect(planFirewall(wanted, { kind: 'iptables', live, saved: live })).toBeNull();
  });

  it('is left alone when the pair says manage_firewall: false', () => {
    expect(planEl({ ...wanted, firewall: false }, facts({ firewall: firewalld() }), 'el7').system).toEqual([]);
  });

  it('is skipped where no firewall runs', () => {
    expect(planFirewall(wanted, { kind: 'none' })).toBeNull();
  });
});

const facts = (over: Partial<ElFacts> = {}): ElFacts => ({
  firewall: { kind: 'none' },
  selinux: { mode: 'disabled', semanage: false, contexts: {}, booleans: {}, portTypes: null },
  epel: false,
  nonlocalBind: '0',
  ...over,
});

describe('planEl', () => {
  it('installs epel-release first for nginx on EL6/7 only', () => {
    expect(planEl(wanted, facts(), 'el7').pre).toEqual([{ kind: 'packages', install: ['epel-release'] }]);
    expect(planEl(wanted, facts({ epel: true }), 'el7').pre).toEqual([]);
    expect(planEl(wanted, facts(), 'el9').pre).toEqual([]);
    expect(planEl(wanted, facts(), 'debian').pre).toEqual([]);
  });

  it('on Debian with firewalld (the lab kind) plans the firewall and nothing of SELinux or EPEL', () => {
    const p = planEl(wanted, facts({ firewall: firewalld(zone()) }), 'debian');
    expect(p.system.map((c) => c.kind === 'system' && c.area)).toEqual(['firewall']);
  });

  it('sets ip_nonlocal_bind only when nginx binds the VIP, persisted where each family reads it at boot', () => {
    expect(planSysctl(wanted, facts(), 'el7')).toBeNull();
    expect(planSysctl({ ...wanted, bindsVip: true }, facts(), 'el7')?.commands).toEqual([
      'sysctl -w net.ipv4.ip_nonlocal_bind=1',
      "echo 'net.ipv4.ip_nonlocal_bind = 1' > /etc/sysctl.d/90-haops.conf",
    ]);
    expect(planSysctl({ ...wanted, bindsVip: true }, facts(), 'el6')?.commands[1]).toMatch(/>> \/etc\/sysctl\.conf$/);
    expect(planSysctl({ ...wanted, bindsVip: true }, facts({ nonlocalBind: '1' }), 'el6')).toBeNull();
  });

  it('under SELinux permissive labels and sets the boolean but does not refuse killall', () => {
    const p = planEl(
      { ...wanted, checkScript: 'killall -0 nginx' },
      facts({
        selinux: { mode: 'permissive', semanage: true, contexts: {}, booleans: { httpd_can_network_connect: true }, portTypes: null },
      }),
      'el9',
    );
    expect(p.refusals).toEqual([]);
    expect(p.packages).toEqual([]);
    expect(p.system[0]?.kind === 'system' && p.system[0].commands).toEqual([
      "semanage fcontext -a -t keepalived_unconfined_script_exec_t '/usr/local/bin/keepalived_notify\\.sh'",
      'restorecon -v /usr/local/bin/keepalived_notify.sh',
    ]);
  });

  it('a notify script under /usr/libexec/keepalived/ needs no label (the policy gives it one)', () => {
    const se = {
      mode: 'enforcing' as const,
      semanage: false,
      contexts: {},
      booleans: { httpd_can_network_connect: true },
      portTypes: null,
    };
    expect(planEl({ ...wanted, notifyScript: '/usr/libexec/keepalived/notify.sh' }, facts({ selinux: se }), 'el7')).toMatchObject({
      system: [],
      packages: [],
      refusals: [],
    });
  });
});

describe('elIntent (haops plan, before any node is seen)', () => {
  it('says per area where it applies: firewall for the peer only, SELinux labels and boolean, EPEL', () => {
    expect(elIntent({ ...wanted, checkScript: 'killall -0 nginx', listenPort: 8080 })).toEqual([
      'firewall, where firewalld or the EL6 iptables service runs: VRRP from 10.0.0.2 only, and TCP 8080, runtime and permanent',
      'SELinux enforcing (EL7+): deploy refuses check "killall -0 nginx", which cannot signal nginx there (use /usr/bin/pgrep -x nginx)',
      'SELinux enforcing or permissive (EL7+): label /usr/local/bin/keepalived_notify.sh keepalived_unconfined_script_exec_t; httpd_can_network_connect on; tcp/8080 as http_port_t',
      'repositories: epel-release before nginx on CentOS 6/7',
    ]);
    expect(elIntent({ ...wanted, firewall: false })[0]).toMatch(/^firewall: left to you/);
  });
});

describe('the check a rendered keepalived.conf runs', () => {
  it('is the vrrp_script command, or none with track_process (nothing for SELinux to refuse)', () => {
    expect(renderedCheckScript('vrrp_script chk_nginx {\n    script "killall -0 nginx"\n    interval 1\n}\n')).toBe('killall -0 nginx');
    expect(
      renderedCheckScript(
        'vrrp_track_process nginx {\n    process nginx\n}\nvrrp_instance VI_1 {\n    notify "/usr/local/bin/keepalived_notify.sh notify"\n}\n',
      ),
    ).toBeNull();
    const se = { mode: 'enforcing' as const, semanage: true, contexts: {}, booleans: {}, portTypes: null };
    expect(planEl({ ...wanted, checkScript: null }, facts({ selinux: se }), 'el9').refusals).toEqual([]);
  });
});

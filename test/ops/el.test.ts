import { describe, expect, it } from 'vitest';
import {
  parseElFacts,
  parseFirewall,
  parseModule,
  parsePortTypes,
  parseRepos,
  parseZone,
  type ElFacts,
  type ElWanted,
} from '../../src/facts/el.js';
import { elIntent, planEl, planFirewall, planSysctl, renderedCheckScript } from '../../src/ops/el.js';

const wanted: ElWanted = {
  vrrp: { interface: 'eth0', peers: ['10.0.0.2'], ah: false },
  firewall: true,
  listenPorts: [80],
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

  it("an IPv6 instance's peer (its ip6) gets a rich rule of family ipv6", () => {
    const c = planFirewall({ ...wanted, vrrp: { ...wanted.vrrp, peers: ['10.0.0.2', '2001:db8::2'] } }, firewalld());
    expect(c?.commands).toContain(
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv6" source address="2001:db8::2" protocol value="vrrp" accept'`,
    );
    expect(c?.commands).toContain(
      `firewall-cmd --zone=public '--add-rich-rule=rule family="ipv4" source address="10.0.0.2" protocol value="vrrp" accept'`,
    );
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
  nonlocalBindPersisted: {},
  repos: { kind: 'skipped' },
  nginxModule: { kind: 'none' },
  ...over,
});

/** The policy's answer for keepalived's binary and /usr/libexec/keepalived: EL7+ confines keepalived. */
const CONFINED = {
  '/usr/sbin/keepalived': { actual: 'keepalived_exec_t', policy: 'keepalived_exec_t' },
  '/usr/libexec/keepalived': { actual: null, policy: 'keepalived_unconfined_script_exec_t' },
};
/** CentOS 6's policy: no keepalived module, the binary and /usr/libexec are plain bin_t. */
const UNCONFINED = {
  '/usr/sbin/keepalived': { actual: 'bin_t', policy: 'bin_t' },
  '/usr/libexec/keepalived': { actual: null, policy: 'bin_t' },
};
const selinux = (over: Partial<ElFacts['selinux']> = {}): ElFacts['selinux'] => ({
  mode: 'enforcing',
  semanage: false,
  contexts: CONFINED,
  booleans: { httpd_can_network_connect: false },
  portTypes: null,
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
    const binds = { ...wanted, bindsVip: true };
    expect(planSysctl(wanted, facts(), 'el7')).toBeNull();
    expect(planSysctl(binds, facts(), 'el7')?.commands).toEqual([
      'sysctl -w net.ipv4.ip_nonlocal_bind=1',
      "echo 'net.ipv4.ip_nonlocal_bind = 1' > /etc/sysctl.d/90-haops.conf",
    ]);
    expect(planSysctl(binds, facts(), 'el6')?.commands).toEqual([
      'sysctl -w net.ipv4.ip_nonlocal_bind=1',
      "echo 'net.ipv4.ip_nonlocal_bind = 1' >> /etc/sysctl.conf",
    ]);
    // EL6's sysctl.conf says 0: its line is replaced, not shadowed.
    expect(planSysctl(binds, facts({ nonlocalBindPersisted: { '/etc/sysctl.conf': '0' } }), 'el6')?.commands).toEqual([
      'sysctl -w net.ipv4.ip_nonlocal_bind=1',
      "sed -i '/^[[:space:]]*net\\.ipv4\\.ip_nonlocal_bind[[:space:]]*=/d' /etc/sysctl.conf",
      "echo 'net.ipv4.ip_nonlocal_bind = 1' >> /etc/sysctl.conf",
    ]);
    const persisted = (file: string) => facts({ nonlocalBind: '1', nonlocalBindPersisted: { [file]: '1' } });
    expect(planSysctl(binds, persisted('/etc/sysctl.conf'), 'el6')).toBeNull();
    expect(planSysctl(binds, persisted('/etc/sysctl.d/90-haops.conf'), 'debian')).toBeNull();
  });

  it('set by hand with sysctl -w but not persisted: only the file is written (a reboot would lose it)', () => {
    const c = planSysctl({ ...wanted, bindsVip: true }, facts({ nonlocalBind: '1' }), 'el9');
    expect(c?.commands).toEqual(["echo 'net.ipv4.ip_nonlocal_bind = 1' > /etc/sysctl.d/90-haops.conf"]);
    expect(c?.title).toBe(
      'sysctl: net.ipv4.ip_nonlocal_bind=1 and in /etc/sysctl.d/90-haops.conf (nginx binds the VIP, which the BACKUP does not hold)',
    );
  });

  it('under SELinux permissive labels and sets the boolean but does not refuse killall', () => {
    const p = planEl(
      { ...wanted, checkScript: 'killall -0 nginx' },
      facts({
        selinux: selinux({ mode: 'permissive', semanage: true, booleans: { httpd_can_network_connect: true } }),
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
    const se = selinux({ booleans: { httpd_can_network_connect: true } });
    expect(planEl({ ...wanted, notifyScript: '/usr/libexec/keepalived/notify.sh' }, facts({ selinux: se }), 'el7')).toMatchObject({
      system: [],
      packages: [],
      refusals: [],
    });
  });

  it('SELinux enforcing on CentOS 6 (keepalived unconfined by the policy): no label, killall allowed, the boolean for nginx', () => {
    const p = planEl({ ...wanted, checkScript: 'killall -0 nginx' }, facts({ selinux: selinux({ contexts: UNCONFINED }) }), 'el6');
    expect(p.refusals).toEqual([]);
    expect(p.packages).toEqual([]);
    expect(p.system).toEqual([
      {
        kind: 'system',
        area: 'selinux',
        title: 'SELinux (enforcing): httpd_can_network_connect on (nginx connects to its upstreams)',
        commands: ['setsebool -P httpd_can_network_connect 1'],
      },
    ]);
    expect(p.notes).toContain(
      'SELinux is enforcing: this policy does not confine keepalived (/usr/sbin/keepalived is bin_t, not keepalived_exec_t), so its check and notify scripts run unconfined: no label needed',
    );
  });

  it('the same EL6 policy with a non-stock listen port installs policycoreutils-python for semanage port', () => {
    const p = planEl({ ...wanted, listenPorts: [8081] }, facts({ selinux: selinux({ contexts: UNCONFINED, portTypes: {} }) }), 'el6');
    expect(p.packages).toEqual(['policycoreutils-python']);
    expect(p.system[0]?.kind === 'system' && p.system[0].commands).toEqual([
      'setsebool -P httpd_can_network_connect 1',
      'semanage port -a -t http_port_t -p tcp 8081',
    ]);
  });

  it('a TLS site on a port the policy does not give http (8444): labelled http_port_t like the plain port; 443 is stock', () => {
    const p = planEl({ ...wanted, listenPorts: [80, 8444] }, facts({ selinux: selinux({ contexts: UNCONFINED, portTypes: {} }) }), 'el6');
    expect(p.system[0]?.kind === 'system' && p.system[0].commands).toEqual([
      'setsebool -P httpd_can_network_connect 1',
      'semanage port -a -t http_port_t -p tcp 8444',
    ]);
    expect(elIntent({ ...wanted, listenPorts: [80, 443] }).join('\n')).not.toContain('http_port_t');
  });

  it('a policy that confines keepalived but lacks the unconfined script type: no label it cannot give, a note why', () => {
    const contexts = { ...CONFINED, '/usr/libexec/keepalived': { actual: null, policy: 'bin_t' } };
    const p = planEl(wanted, facts({ selinux: selinux({ contexts, booleans: { httpd_can_network_connect: true } }) }), 'el7');
    expect(p.system).toEqual([]);
    expect(p.notes.filter((n) => n.startsWith('SELinux'))).toEqual([
      'SELinux is enforcing: this policy confines keepalived but has no keepalived_unconfined_script_exec_t, so /usr/local/bin/keepalived_notify.sh runs as keepalived_t (no systemctl, no webhooks); update selinux-policy',
    ]);
  });
});

describe('the mirror pre-flight (end-of-life CentOS)', () => {
  const gone = parseRepos({
    kind: 'repos',
    arg: 'epel-release keepalived nginx',
    code: 1,
    body: 'Could not retrieve mirrorlist http://mirrorlist.example/?release=7&arch=x86_64&repo=os&infra=stock error was\n14: curl#6 - "Could not resolve host: mirrorlist.example; Unknown error"\n\nCannot find a valid baseurl for repo: base/7/x86_64',
  });

  it("reads yum's failing line", () => {
    expect(gone).toMatchObject({ kind: 'failed', line: 'Cannot find a valid baseurl for repo: base/7/x86_64' });
    expect(parseRepos({ kind: 'repos', arg: '', code: 0, body: 'skipped' })).toEqual({ kind: 'skipped' });
    expect(parseRepos({ kind: 'repos', arg: '', code: 0, body: '' })).toEqual({ kind: 'ok' });
  });

  it('refuses before any change, in one line with the fix, and never when an archive mirror is set', () => {
    expect(planEl(wanted, facts({ repos: gone }), 'el7').refusals).toEqual([
      {
        message: 'CentOS 7 is end-of-life and its mirror list no longer answers (yum: Cannot find a valid baseurl for repo: base/7/x86_64)',
        hint: expect.stringMatching(/^this CentOS is end-of-life .* set el_archive\.centos \(and el_archive\.epel\) in the inventory/),
      },
    ]);
    expect(
      planEl({ ...wanted, archive: { centos: 'http://m.example/7', epel: 'http://m.example/epel/7' } }, facts({ repos: gone }), 'el7')
        .refusals,
    ).toEqual([]);
  });

  it('an archive mirror without EPEL while nginx comes from EPEL: refused before any change, naming el_archive.epel', () => {
    const r = planEl({ ...wanted, archive: { centos: 'http://m.example/7' } }, facts({ repos: gone }), 'el7').refusals;
    expect(r.map((x) => x.hint)).toEqual([expect.stringContaining('set el_archive.epel')]);
  });

  it('another yum failure (no network) is named as such, with the archive as one way out', () => {
    const down = parseRepos({
      kind: 'repos',
      arg: '',
      code: 1,
      body: 'Error: Cannot retrieve repository metadata (repomd.xml) for repository: base',
    });
    expect(planEl(wanted, facts({ repos: down }), 'el6').refusals[0]?.message).toBe(
      "yum cannot reach this node's repositories (yum: Cannot retrieve repository metadata (repomd.xml) for repository: base)",
    );
  });
});

describe('nginx module streams (EL8/9)', () => {
  // RHEL 8 documentation's `yum module list nginx` rows, and Rocky 8.9's later streams.
  const EL8_LIST =
    'Rocky Linux 8 - AppStream\nName       Stream        Profiles       Summary\nnginx      1.14 [d]      common [d]     nginx webserver\nnginx      1.16          common [d]     nginx webserver\nnginx      1.20          common [d]     nginx webserver\nnginx      1.22          common [d]     nginx webserver\nnginx      1.24          common [d]     nginx webserver\n\nHint: [d]efault, [e]nabled, [x]disabled, [i]nstalled\n';
  const streams = parseModule({ kind: 'module', arg: 'nginx', code: 0, body: EL8_LIST });

  it('reads the streams with their marks, and an installed nginx by its MODULARITYLABEL', () => {
    expect(streams.kind === 'streams' && streams.streams.map((s) => [s.stream, s.default, s.enabled])).toEqual([
      ['1.14', true, false],
      ['1.16', false, false],
      ['1.20', false, false],
      ['1.22', false, false],
      ['1.24', false, false],
    ]);
    expect(parseModule({ kind: 'module', arg: 'nginx', code: 0, body: 'installed nginx:1.24:8090020240115083253:35a2d9d2' })).toEqual({
      kind: 'installed',
      stream: '1.24',
    });
    expect(parseModule({ kind: 'module', arg: 'nginx', code: 0, body: 'installed (none)' })).toEqual({ kind: 'installed', stream: null });
    expect(parseModule({ kind: 'module', arg: 'nginx', code: 0, body: 'none' })).toEqual({ kind: 'none' });
  });

  it('no stream asked: EL8 installs from the default stream (a note says which), nothing to enable', () => {
    const p = planEl(wanted, facts({ nginxModule: streams }), 'el8');
    expect([p.pre, p.refusals, p.notes]).toEqual([
      [],
      [],
      ['repositories: nginx comes from module stream nginx:1.14 (the default stream)'],
    ]);
  });

  it('el_nginx_stream 1.24: enabled before the install; with another stream enabled, reset first', () => {
    expect(planEl({ ...wanted, nginxStream: '1.24' }, facts({ nginxModule: streams }), 'el8').pre).toEqual([
      {
        kind: 'system',
        area: 'repos',
        title: 'repositories: enable module stream nginx:1.24 (el_nginx_stream)',
        commands: ['dnf -y module enable nginx:1.24'],
      },
    ]);
    const enabled = parseModule({ kind: 'module', arg: 'nginx', code: 0, body: EL8_LIST.replace('1.14 [d]    ', '1.14 [d][e]') });
    expect(planEl({ ...wanted, nginxStream: '1.24' }, facts({ nginxModule: enabled }), 'el8').pre[0]).toMatchObject({
      commands: ['dnf -y module reset nginx', 'dnf -y module enable nginx:1.24'],
    });
    const on = parseModule({ kind: 'module', arg: 'nginx', code: 0, body: EL8_LIST.replace('1.24          ', '1.24 [e]     ') });
    expect(planEl({ ...wanted, nginxStream: '1.24' }, facts({ nginxModule: on }), 'el8').pre).toEqual([]);
  });

  it('refuses a stream the node does not offer, and never switches an installed nginx', () => {
    expect(planEl({ ...wanted, nginxStream: '1.26' }, facts({ nginxModule: streams }), 'el8').refusals[0]?.message).toBe(
      'module stream nginx:1.26 (el_nginx_stream) is not offered on this node (streams: 1.14, 1.16, 1.20, 1.22, 1.24)',
    );
    const p = planEl({ ...wanted, nginxStream: '1.24' }, facts({ nginxModule: { kind: 'installed', stream: '1.14' } }), 'el8');
    expect(p.refusals[0]?.message).toBe(
      'nginx is installed from module stream nginx:1.14, not nginx:1.24 (el_nginx_stream); haops does not replace an installed nginx',
    );
    expect(planEl({ ...wanted, nginxStream: '1.24' }, facts({ nginxModule: { kind: 'installed', stream: '1.24' } }), 'el8')).toMatchObject({
      pre: [],
      refusals: [],
    });
  });

  it('EL9 with no stream asked installs its plain AppStream nginx: nothing to enable, no note', () => {
    const el9 = parseModule({
      kind: 'module',
      arg: 'nginx',
      code: 0,
      body: 'Rocky Linux 9 - AppStream\nName   Stream  Profiles    Summary\nnginx  1.22    common [d]  nginx webserver\nnginx  1.24    common [d]  nginx webserver\n\nHint: [d]efault, [e]nabled, [x]disabled, [i]nstalled\n',
    });
    expect(planEl(wanted, facts({ nginxModule: el9 }), 'el9')).toMatchObject({ pre: [], refusals: [], notes: [] });
  });
});

describe('EL facts from the probe sections', () => {
  it('reads the persisted ip_nonlocal_bind per file and the policy types of keepalived and its libexec directory', () => {
    const sec = (kind: string, arg: string, body: string, code = 0) => ({ kind, arg, body, code });
    const f = parseElFacts(
      [
        sec('selinux', '', 'Enforcing\n'),
        sec('secontext', '/usr/sbin/keepalived', 'system_u:object_r:bin_t:s0\nsystem_u:object_r:bin_t:s0'),
        sec(
          'sysctl',
          'net.ipv4.ip_nonlocal_bind',
          '0\n/etc/sysctl.conf:net.ipv4.ip_nonlocal_bind = 0\n/etc/sysctl.conf:net.ipv4.ip_nonlocal_bind=1',
        ),
      ],
      { ...wanted, bindsVip: true },
    );
    expect([f.nonlocalBind, f.nonlocalBindPersisted, f.selinux.contexts['/usr/sbin/keepalived']]).toEqual([
      '0',
      { '/etc/sysctl.conf': '1' },
      { actual: 'bin_t', policy: 'bin_t' },
    ]);
  });
});

describe('elIntent (haops plan, before any node is seen)', () => {
  it('says per area where it applies: firewall for the peer only, SELinux labels and boolean, EPEL', () => {
    expect(elIntent({ ...wanted, checkScript: 'killall -0 nginx', listenPorts: [8080] })).toEqual([
      'firewall, where firewalld or the EL6 iptables service runs: VRRP from 10.0.0.2 only, and TCP 8080, runtime and permanent',
      'SELinux enforcing (EL7+): deploy refuses check "killall -0 nginx", which cannot signal nginx there (use /usr/bin/pgrep -x nginx)',
      'SELinux enforcing or permissive: label /usr/local/bin/keepalived_notify.sh keepalived_unconfined_script_exec_t where the policy confines keepalived (EL7+); httpd_can_network_connect on; tcp/8080 as http_port_t',
      'repositories: epel-release before nginx on CentOS 6/7; deploy stops first if yum cannot reach its mirrors (end-of-life CentOS: set el_archive)',
      "repositories: nginx from EL8's default module stream or EL9's AppStream package",
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
    expect(planEl({ ...wanted, checkScript: null }, facts({ selinux: selinux({ semanage: true }) }), 'el9').refusals).toEqual([]);
    expect(planEl({ ...wanted, checkScript: 'killall -0 nginx' }, facts({ selinux: selinux() }), 'el9').refusals).toHaveLength(1);
  });
});

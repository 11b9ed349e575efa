// EL nodes beyond packages against simulated CentOS 6.10 / 7.9 / Rocky 8.9 / Rocky 9 (ssh2 Server
// playing each from docs/el-transcripts.md and docs/el-transcripts-extra.md): firewall,
// SELinux, EPEL, nginx module streams, the mirror pre-flight and ip_nonlocal_bind.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ElWanted } from '../../src/facts/el.js';
import { ARCHIVE_REPO_FILE, archiveRepoFile } from '../../src/ops/el.js';
import type { WantedState } from '../../src/core/state.js';
import { convergeHost, learnHost, newHostRun, type HostReport } from '../../src/runner/engine.js';
import type { Host } from '../../src/ssh/host.js';
import { simHostClient } from './client.js';
import type { SimOs } from './profiles.js';
import { startSimHost, type SimHost } from './server.js';
import { wantedState } from './wanted.js';

const NOTIFY = '/usr/local/bin/keepalived_notify.sh';
const PEER = '10.9.0.12';

function elWanted(over: Partial<ElWanted> = {}): WantedState {
  const base = wantedState();
  const el: ElWanted = {
    vrrp: { interface: 'eth0', peers: [PEER], ah: false },
    firewall: true,
    listenPorts: [80],
    upstreams: true,
    notifyScript: NOTIFY,
    checkScript: '/usr/bin/pgrep -x nginx',
    bindsVip: false,
    nginx: true,
    ...over,
  };
  const files = [{ path: NOTIFY, content: '#!/bin/sh\nlogger -t keepalived-notify "$@"\n', mode: '0755' }, ...base.files];
  if (el.archive) files.unshift(archiveRepoFile(el.archive));
  return { ...base, files, el };
}

/** The real engine on one simulated host: learn, then converge (install phase, facts again, the rest, confirm). */
async function converge(host: Host, wanted: WantedState, opts: { check?: boolean } = {}): Promise<{ report: HostReport; steps: string[] }> {
  const run = newHostRun({ pair: 'sim', name: host.name, role: 'BACKUP', skeleton: wanted });
  await learnHost(run, async () => host);
  const report = await convergeHost(run, opts);
  return { report, steps: report.steps.map((x) => x.title) };
}

const system = (...commands: string[]) => `# haops system v1\nset -e\n${commands.join('\n')}\n`;
const RICH = `'--add-rich-rule=rule family="ipv4" source address="${PEER}" protocol value="vrrp" accept'`;
const FIREWALLD = system(
  `firewall-cmd --zone=public ${RICH}`,
  'firewall-cmd --zone=public --add-port=80/tcp',
  `firewall-cmd --permanent --zone=public ${RICH}`,
  'firewall-cmd --permanent --zone=public --add-port=80/tcp',
);
const SELINUX = system(
  "semanage fcontext -a -t keepalived_unconfined_script_exec_t '/usr/local/bin/keepalived_notify\\.sh'",
  `restorecon -v ${NOTIFY}`,
  'setsebool -P httpd_can_network_connect 1',
);

/** The commands that change the node, in order (facts rounds and file puts left out). */
const EXPECTED: Record<SimOs, string[]> = {
  // Enforcing too, but CentOS 6's policy does not confine keepalived: no label, only nginx's boolean.
  centos6: [
    'yum -y install epel-release',
    'yum -y install keepalived nginx',
    system(`iptables -I INPUT -p 112 -s ${PEER} -j ACCEPT`, 'iptables -I INPUT -p tcp --dport 80 -j ACCEPT', 'service iptables save'),
    system('setsebool -P httpd_can_network_connect 1'),
  ],
  centos7: ['yum -y install epel-release', 'yum -y install keepalived nginx policycoreutils-python', FIREWALLD, SELINUX],
  rocky8: ['dnf -y install keepalived nginx policycoreutils-python-utils', FIREWALLD, SELINUX],
  rocky9: ['dnf -y install keepalived nginx policycoreutils-python-utils', FIREWALLD, SELINUX],
};

const changing = (commands: string[]) => commands.filter((c) => /^(yum|dnf) |^# haops system v1/.test(c));

describe.each(['centos6', 'centos7', 'rocky8', 'rocky9'] as const)('simulated stock %s', (os) => {
  let sim: SimHost;
  let host: Host;
  beforeEach(async () => {
    sim = await startSimHost(os, { stock: true });
    host = await simHostClient(sim);
  });
  afterEach(async () => {
    await host.close();
    await sim.stop();
  });

  it('converges from stock (firewall on, SELinux enforcing, no EPEL on 6/7) with the commands that platform needs', async () => {
    const { report } = await converge(host, elWanted());
    expect([report.ok, report.error]).toEqual([true, undefined]);
    expect(changing(sim.commands)).toEqual(EXPECTED[os]);
    expect(changing(sim.commands).join('\n')).not.toMatch(
      os === 'centos6'
        ? /firewall-cmd|semanage|restorecon|dnf/
        : os === 'centos7'
          ? /iptables -I|dnf|policycoreutils-python-utils/
          : /yum|epel-release|iptables -I|module/,
    );
  });

  it('lets VRRP in from the peer only and the listen port from anyone, kept across a firewall reload or reboot', async () => {
    await converge(host, elWanted());
    const el = sim.state.el;
    if (os === 'centos6') {
      expect(el.iptables.live.slice(0, 2)).toEqual([
        '-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT',
        `-A INPUT -s ${PEER}/32 -p vrrp -j ACCEPT`,
      ]);
      expect(el.iptables.live.at(-1)).toBe('-A INPUT -j REJECT --reject-with icmp-host-prohibited');
      expect(el.iptables.saved).toEqual(el.iptables.live);
    } else {
      for (const zone of [el.zone.runtime, el.zone.permanent]) {
        expect(zone.richRules).toEqual([`rule family="ipv4" source address="${PEER}" protocol value="vrrp" accept`]);
        expect(zone.protocols).toEqual([]); // never VRRP from everyone, never the multicast-only vrrp service
        expect(zone.services).not.toContain('vrrp');
        expect(zone.ports).toEqual(['80/tcp']);
      }
    }
  });

  it('second converge changes nothing, in one round trip', async () => {
    await converge(host, elWanted());
    sim.commands.length = 0;
    const { report } = await converge(host, elWanted());
    expect(report.changed).toBe(0);
    expect(sim.commands).toHaveLength(1);
  });

  it.runIf(os !== 'centos6')(
    "labels the notify script unconfined, and again after haops replaces it (a new file takes its directory's label)",
    async () => {
      await converge(host, elWanted());
      expect(sim.state.el.labels.get(NOTIFY)).toBe('keepalived_unconfined_script_exec_t');
      expect(sim.state.el.booleans.get('httpd_can_network_connect')).toBe(true);
      const wanted = elWanted();
      wanted.files[0] = { ...wanted.files[0]!, content: '#!/bin/sh\nlogger -t keepalived-notify changed "$@"\n' };
      sim.commands.length = 0;
      await converge(host, wanted);
      expect(changing(sim.commands)).toEqual([system(`restorecon -v ${NOTIFY}`)]);
      expect(sim.state.el.labels.get(NOTIFY)).toBe('keepalived_unconfined_script_exec_t');
    },
  );

  it.runIf(os === 'centos6')(
    'SELinux enforcing on CentOS 6: no label (the policy leaves keepalived unconfined), killall -0 nginx accepted, a note says why',
    async () => {
      expect(sim.state.el.selinux).toBe('Enforcing');
      const { report } = await converge(host, elWanted({ checkScript: 'killall -0 nginx' }));
      expect([report.ok, report.error]).toEqual([true, undefined]);
      expect(sim.state.el.labels.get(NOTIFY)).toBeUndefined();
      expect(sim.state.el.booleans.get('httpd_can_network_connect')).toBe(true);
      expect(report.systemNotes).toContain(
        'SELinux is enforcing: this policy does not confine keepalived (/usr/sbin/keepalived is bin_t, not keepalived_exec_t), so its check and notify scripts run unconfined: no label needed',
      );
    },
  );

  it.runIf(os !== 'centos6')('refuses killall -0 nginx as the check under enforcing, before changing anything', async () => {
    const { report } = await converge(host, elWanted({ checkScript: 'killall -0 nginx' }));
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(
      /^sim-\S+: check "killall -0 nginx" can never pass here: SELinux is enforcing and keepalived \(keepalived_t\) may not signal nginx \(httpd_t\)/,
    );
    expect(report.hint).toMatch(/pgrep -x nginx/);
    expect(report.changed).toBe(0);
    expect(sim.commands).toHaveLength(1); // the facts round trip, nothing else
  });

  it('--check lists the firewall and SELinux steps it would take, and changes nothing', async () => {
    const { steps } = await converge(host, elWanted(), { check: true });
    const firewall =
      os === 'centos6'
        ? 'firewall: allow VRRP from 10.9.0.12 and TCP 80 in the iptables service (before its REJECT, saved)'
        : 'firewall: allow VRRP from 10.9.0.12 and TCP 80 in firewalld zone public (runtime and permanent)';
    expect(steps).toContain(firewall);
    if (os !== 'centos6')
      expect(steps).toContain(
        'SELinux (enforcing): label /usr/local/bin/keepalived_notify.sh keepalived_unconfined_script_exec_t (a confined notify script cannot run systemctl or reach its webhooks); httpd_can_network_connect on (nginx connects to its upstreams)',
      );
    expect(sim.commands).toHaveLength(1);
  });

  it.runIf(os === 'rocky9')(
    'a listen port another SELinux type holds (8080, http_cache_port_t) is modified, not added; firewalld opens 8080',
    async () => {
      const { report } = await converge(host, elWanted({ listenPorts: [8080] }));
      expect([report.ok, report.error]).toEqual([true, undefined]);
      expect(sim.commands).toContain(
        system(
          "semanage fcontext -a -t keepalived_unconfined_script_exec_t '/usr/local/bin/keepalived_notify\\.sh'",
          `restorecon -v ${NOTIFY}`,
          'setsebool -P httpd_can_network_connect 1',
          'semanage port -m -t http_port_t -p tcp 8080',
        ),
      );
      expect(sim.state.el.ports.get(8080)).toBe('http_port_t');
      expect(sim.state.el.zone.permanent.ports).toEqual(['8080/tcp']);
    },
  );

  it.runIf(os === 'centos6' || os === 'centos7')(
    "end-of-life mirror list: the pre-flight stops before any change, in one line naming the fix; with el_archive it installs from haops' own repo file only",
    async () => {
      sim.state.el.eol = true;
      const failed = await converge(host, elWanted());
      expect(failed.report.ok).toBe(false);
      expect(failed.report.error).toBe(
        `sim-${os}: CentOS ${os === 'centos6' ? 6 : 7} is end-of-life and its mirror list no longer answers (yum: ${os === 'centos6' ? 'Cannot find a valid baseurl for repo: base' : 'Cannot find a valid baseurl for repo: base/7/x86_64'})`,
      );
      expect(failed.report.hint).toMatch(/end-of-life .* set el_archive\.centos/);
      expect(failed.report.changed).toBe(0);
      expect(sim.commands).toHaveLength(1); // the facts round trip (its yum -q repolist), nothing else
      expect([...sim.state.files.keys()].filter((p) => p.startsWith('/etc/yum.repos.d/'))).toEqual([]);

      sim.commands.length = 0;
      const archive = { centos: 'http://mirror.example/centos-vault/$releasever', epel: 'http://mirror.example/epel-archive/$releasever' };
      const { report } = await converge(host, elWanted({ archive }));
      expect([report.ok, report.error]).toEqual([true, undefined]);
      expect(sim.commands.filter((c) => /^(yum|dnf) /.test(c))).toEqual([
        "yum -y --disablerepo='*' '--enablerepo=haops-*' install epel-release",
        `yum -y --disablerepo='*' '--enablerepo=haops-*' install keepalived nginx${os === 'centos7' ? ' policycoreutils-python' : ''}`,
      ]);
      const repo = sim.state.files.get(ARCHIVE_REPO_FILE)!.content;
      expect(repo).toContain(
        '[haops-base]\nname=CentOS-$releasever - base (archive mirror, written by haops)\nbaseurl=http://mirror.example/centos-vault/$releasever/os/$basearch/\n',
      );
      expect(repo).toContain(
        'baseurl=http://mirror.example/epel-archive/$releasever/$basearch/\ngpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-EPEL-$releasever\n',
      );
      expect([...sim.state.files.keys()].filter((p) => p.startsWith('/etc/yum.repos.d/') && !p.endsWith('.haops-bak'))).toEqual([
        ARCHIVE_REPO_FILE,
      ]);
    },
  );
});

describe('simulated stock rocky8: nginx from a module stream', () => {
  let sim: SimHost;
  let host: Host;
  beforeEach(async () => {
    sim = await startSimHost('rocky8', { stock: true });
    host = await simHostClient(sim);
  });
  afterEach(async () => {
    await host.close();
    await sim.stop();
  });

  it('without el_nginx_stream installs the default stream (nginx:1.14) and says so; nothing is enabled by hand', async () => {
    const { report } = await converge(host, elWanted());
    expect([report.ok, report.error]).toEqual([true, undefined]);
    expect(changing(sim.commands)).toEqual(EXPECTED.rocky8);
    expect(sim.commands.join('\n')).not.toMatch(/module (enable|reset)/);
    expect(sim.state.packages.get('nginx')).toBe('1.14.1-9.module+el8.4.0+542+81547229');
    expect(report.systemNotes?.[0]).toBe('repositories: nginx comes from module stream nginx:1.14 (the default stream)');
  });

  it('el_nginx_stream 1.24: enables the stream before the install, installs 1.24, and a second converge changes nothing', async () => {
    const { report } = await converge(host, elWanted({ nginxStream: '1.24' }));
    expect([report.ok, report.error]).toEqual([true, undefined]);
    expect(changing(sim.commands)).toEqual([system('dnf -y module enable nginx:1.24'), ...EXPECTED.rocky8]);
    expect(sim.state.packages.get('nginx')).toBe('1.24.0-1.module+el8.9.0+1622+8f4cc9e0');
    expect(report.steps[0]!.title).toBe('repositories: enable module stream nginx:1.24 (el_nginx_stream)');
    sim.commands.length = 0;
    const again = await converge(host, elWanted({ nginxStream: '1.24' }));
    expect(again.report.changed).toBe(0);
    expect(sim.commands).toHaveLength(1);
  });

  it('another stream enabled by hand is reset first; --check shows both commands and changes nothing', async () => {
    sim.state.nginxStream = '1.20';
    const checked = await converge(host, elWanted({ nginxStream: '1.24' }), { check: true });
    expect(checked.steps[0]).toBe('repositories: enable module stream nginx:1.24 (el_nginx_stream)');
    expect(sim.commands).toHaveLength(1);
    const { report } = await converge(host, elWanted({ nginxStream: '1.24' }));
    expect(report.ok).toBe(true);
    expect(changing(sim.commands)[0]).toBe(system('dnf -y module reset nginx', 'dnf -y module enable nginx:1.24'));
    expect(sim.state.nginxStream).toBe('1.24');
  });

  it('an nginx already installed from another stream is refused, not replaced, before anything changes', async () => {
    await converge(host, elWanted());
    sim.commands.length = 0;
    const { report } = await converge(host, elWanted({ nginxStream: '1.24' }));
    expect(report.ok).toBe(false);
    expect(report.error).toBe(
      'sim-rocky8: nginx is installed from module stream nginx:1.14, not nginx:1.24 (el_nginx_stream); haops does not replace an installed nginx',
    );
    expect(report.hint).toMatch(/dnf module reset nginx; dnf module enable nginx:1\.24; dnf distro-sync nginx/);
    expect(sim.commands).toHaveLength(1);
  });

  it('a stream the node does not offer is refused with the ones it does', async () => {
    const { report } = await converge(host, elWanted({ nginxStream: '1.26' }));
    expect(report.error).toBe(
      'sim-rocky8: module stream nginx:1.26 (el_nginx_stream) is not offered on this node (streams: 1.14, 1.16, 1.18, 1.20, 1.22, 1.24)',
    );
    expect(sim.commands).toHaveLength(1);
  });
});

describe.each(['centos6', 'rocky9'] as const)('simulated stock %s: nginx listening on the VIP itself', (os) => {
  let sim: SimHost;
  let host: Host;
  beforeEach(async () => {
    sim = await startSimHost(os, { stock: true });
    host = await simHostClient(sim);
  });
  afterEach(async () => {
    await host.close();
    await sim.stop();
  });

  const conf = os === 'centos6' ? '/etc/sysctl.conf' : '/etc/sysctl.d/90-haops.conf';

  it('sets ip_nonlocal_bind=1 now and where this system reads it at boot; a second converge changes nothing', async () => {
    const { report } = await converge(host, elWanted({ bindsVip: true }));
    expect([report.ok, report.error]).toEqual([true, undefined]);
    expect(changing(sim.commands).at(-1)).toBe(
      system(
        'sysctl -w net.ipv4.ip_nonlocal_bind=1',
        os === 'centos6'
          ? "echo 'net.ipv4.ip_nonlocal_bind = 1' >> /etc/sysctl.conf"
          : "echo 'net.ipv4.ip_nonlocal_bind = 1' > /etc/sysctl.d/90-haops.conf",
      ),
    );
    expect(sim.state.el.sysctl.get('net.ipv4.ip_nonlocal_bind')).toBe('1');
    expect(sim.state.files.get(conf)!.content).toMatch(/\nnet\.ipv4\.ip_nonlocal_bind = 1\n$|^net\.ipv4\.ip_nonlocal_bind = 1\n$/);
    if (os === 'centos6') expect(sim.state.files.get(conf)!.content).toMatch(/^# Kernel sysctl configuration file/); // the rest kept
    sim.commands.length = 0;
    const again = await converge(host, elWanted({ bindsVip: true }));
    expect(again.report.changed).toBe(0);
    expect(sim.commands).toHaveLength(1);
  });

  it('--check --diff shows the sysctl commands; a value lost at reboot (file only) is written back alone', async () => {
    const checked = await converge(host, elWanted({ bindsVip: true }), { check: true });
    expect(checked.steps).toContain(
      `sysctl: net.ipv4.ip_nonlocal_bind=1 now and in ${conf} (nginx binds the VIP, which the BACKUP does not hold)`,
    );
    expect(sim.commands).toHaveLength(1);
    await converge(host, elWanted({ bindsVip: true }));
    sim.state.el.sysctl.set('net.ipv4.ip_nonlocal_bind', '0'); // a reboot without the file would look like this
    sim.commands.length = 0;
    await converge(host, elWanted({ bindsVip: true }));
    expect(changing(sim.commands)).toEqual([system('sysctl -w net.ipv4.ip_nonlocal_bind=1')]);
  });
});

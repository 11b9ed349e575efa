// EL nodes beyond packages against simulated CentOS 6.10 / 7.9 / Rocky 9 (ssh2 Server playing each
// from shared/platforms/el-transcripts.md): firewall, SELinux, EPEL and an end-of-life mirror list.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../src/facts/index.js';
import type { ElWanted } from '../../src/facts/el.js';
import { applyChange, planHost } from '../../src/ops/index.js';
import { ARCHIVE_REPO_FILE, archiveRepoFile } from '../../src/ops/el.js';
import { RefusalError } from '../../src/ops/plan.js';
import type { Change, ChangeOutcome, WantedState } from '../../src/core/state.js';
import type { Host } from '../../src/ssh/host.js';
import { simHostClient } from './client.js';
import type { SimOs } from '../../bench/sim/profiles.js';
import { startSimHost, type SimHost } from '../../bench/sim/server.js';
import { wantedState } from '../../bench/sim/wanted.js';

const NOTIFY = '/usr/local/bin/keepalived_notify.sh';
const PEER = '10.9.0.12';

function elWanted(over: Partial<ElWanted> = {}): WantedState {
  const base = wantedState();
  const el: ElWanted = {
    vrrp: { interface: 'eth0', peers: [PEER], ah: false },
    listenPort: 80,
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

/** Like the engine: packages first, facts again, then the rest of the plan; stops at the first failure. */
async function converge(host: Host, wanted: WantedState): Promise<{ plan: Change[]; outcomes: ChangeOutcome[] }> {
  let facts = await gatherFacts(host, wanted);
  const plan: Change[] = [];
  const outcomes: ChangeOutcome[] = [];
  for (;;) {
    const changes = planHost(wanted, facts);
    const first = changes[0];
    // Install steps (repo file, epel-release, the packages) each get fresh facts after them.
    if (first && (first.kind === 'packages' || (first.kind === 'file' && first.file.path === ARCHIVE_REPO_FILE))) {
      plan.push(first);
      outcomes.push(await applyChange(first, host, facts));
      if (!outcomes.at(-1)!.ok) return { plan, outcomes };
      facts = await gatherFacts(host, wanted);
      continue;
    }
    for (const c of changes) {
      plan.push(c);
      outcomes.push(await applyChange(c, host, facts));
      if (!outcomes.at(-1)!.ok) break;
    }
    return { plan, outcomes };
  }
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
  centos6: [
    'yum -y install epel-release',
    'yum -y install keepalived nginx',
    system(`iptables -I INPUT -p 112 -s ${PEER} -j ACCEPT`, 'iptables -I INPUT -p tcp --dport 80 -j ACCEPT', 'service iptables save'),
  ],
  centos7: ['yum -y install epel-release', 'yum -y install keepalived nginx policycoreutils-python', FIREWALLD, SELINUX],
  rocky9: ['dnf -y install keepalived nginx policycoreutils-python-utils', FIREWALLD, SELINUX],
};

const changing = (commands: string[]) => commands.filter((c) => /^(yum|dnf) |^# haops system v1/.test(c));

describe.each(['centos6', 'centos7', 'rocky9'] as const)('simulated stock %s', (os) => {
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

  it('converges from stock (firewall on, SELinux enforcing on 7/9, no EPEL on 6/7) with the commands that platform needs', async () => {
    const { outcomes } = await converge(host, elWanted());
    expect(outcomes.filter((o) => !o.ok).map((o) => o.error)).toEqual([]);
    expect(changing(sim.commands)).toEqual(EXPECTED[os]);
    expect(changing(sim.commands).join('\n')).not.toMatch(
      os === 'centos6'
        ? /firewall-cmd|semanage|dnf/
        : os === 'centos7'
          ? /iptables -I|dnf|policycoreutils-python-utils/
          : /yum|epel-release|iptables -I/,
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
    const { plan } = await converge(host, elWanted());
    expect(plan).toEqual([]);
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

  it.runIf(os !== 'centos6')('refuses killall -0 nginx as the check under enforcing, before changing anything', async () => {
    const wanted = elWanted({ checkScript: 'killall -0 nginx' });
    const facts = await gatherFacts(host, wanted);
    let error: unknown;
    try {
      planHost(wanted, facts);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RefusalError);
    expect((error as RefusalError).message).toMatch(
      /^check "killall -0 nginx" can never pass here: SELinux is enforcing and keepalived \(keepalived_t\) may not signal nginx \(httpd_t\)/,
    );
    expect((error as RefusalError).hint).toMatch(/pgrep -x nginx/);
    expect(sim.commands).toHaveLength(1);
  });

  it.runIf(os === 'rocky9')(
    'a listen port another SELinux type holds (8080, http_cache_port_t) is modified, not added; firewalld opens 8080',
    async () => {
      const { outcomes } = await converge(host, elWanted({ listenPort: 8080 }));
      expect(outcomes.every((o) => o.ok)).toBe(true);
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

  it.runIf(os !== 'rocky9')(
    "end-of-life mirror list: the install fails in one line naming the fix; with el_archive it installs from haops' own repo file only",
    async () => {
      sim.state.el.eol = true;
      const failed = await converge(host, elWanted());
      const last = failed.outcomes.at(-1)!;
      expect(last.ok).toBe(false);
      expect(last.error!.message).toBe(
        `sim-${os}: installing epel-release failed: ${os === 'centos6' ? 'Error: Cannot find a valid baseurl for repo: base' : 'Cannot find a valid baseurl for repo: base/7/x86_64'}`,
      );
      expect(last.error!.hint).toMatch(/end-of-life .* set el_archive\.centos/);

      sim.commands.length = 0;
      const archive = { centos: 'http://mirror.example/centos-vault/$releasever', epel: 'http://mirror.example/epel-archive/$releasever' };
      const { outcomes } = await converge(host, elWanted({ archive }));
      expect(outcomes.filter((o) => !o.ok).map((o) => o.error)).toEqual([]);
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

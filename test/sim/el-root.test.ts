// haops's real node scripts in a real sh against simulated EL hosts (test/sim/el-root): each exec
// runs in private namespaces over a throwaway root with stub commands that answer as the EL
// transcripts show. What is simulated and how: docs/el-simulation.md.
import { afterEach, describe, expect, it } from 'vitest';
import { parseModel } from '../../src/model/load.js';
import { notifyTest } from '../../src/notify/notify-test.js';
import { deploy } from '../../src/runner/deploy.js';
import type { DeployReport } from '../../src/runner/engine.js';
import { loadPlaybook } from '../../src/runner/playbook.js';
import type { ExecOptions, Host } from '../../src/ssh/host.js';
import { SimElRoot, type SimRootOptions, simRootAvailable } from './el-root/host.js';
import { type ElFamily, FAMILIES } from './el-root/stubs.js';
import { webPairYaml } from '../fixtures/web-pair.js';

const INVENTORY = webPairYaml({
  pair: ['notify:', '  webhooks: [http://10.9.0.5:8080/hook]', "  sms: { to: ['+15550100'], url: http://10.9.0.5:8080/sms }"],
});

const model = () => parseModel(INVENTORY, 'inv.yaml').model;
const addr = (h: string) => `2: eth0    inet ${h === 'a1' ? '10.9.0.11' : '10.9.0.12'}/24 brd 10.9.0.255 scope global eth0`;

/** One simulated root per node; `edit` rewrites each command before the node runs it (mutation tests). */
function fleet(family: ElFamily, edit: (cmd: string) => string = (c) => c, opts: SimRootOptions = {}) {
  const roots = new Map<string, SimElRoot>();
  const connect = async (h: string): Promise<Host> => {
    if (!roots.has(h)) roots.set(h, new SimElRoot(family, h, { addrs: [addr(h)], ...opts }));
    const root = roots.get(h)!;
    return {
      name: h,
      get roundTrips() {
        return root.roundTrips;
      },
      exec: (cmd: string, opts?: ExecOptions) => root.exec(edit(cmd), opts),
      stream: () => root.stream(),
      close: async () => {},
    };
  };
  return { roots, connect, close: () => Promise.all([...roots.values()].map((r) => r.close())) };
}

const run = (connect: (h: string) => Promise<Host>): Promise<DeployReport> =>
  deploy(model(), { playbook: loadPlaybook(), verify: false, connect });

const failures = (r: DeployReport) => r.hosts.filter((h) => !h.ok).map((h) => `${h.host}: ${h.error}`);

const available = simRootAvailable();
let cleanup: (() => Promise<unknown>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe.skipIf(!available).each(['centos6', 'centos7', 'rocky8', 'rocky9'] as const)(
  'simulated %s root (real sh, stub commands)',
  (family) => {
    it('deploy converges the pair with haops’s own scripts, a second changes nothing, and notify-test reaches every channel through the script keepalived runs there', async () => {
      const f = fleet(family);
      cleanup = f.close;
      const first = await run(f.connect);
      expect(failures(first)).toEqual([]);
      for (const [, root] of f.roots) {
        expect(root.read('/etc/keepalived/keepalived.conf')).toContain(`Rendered for keepalived ${FAMILIES[family].keepalived}`);
        expect(root.read('/var/lib/sim/svc/keepalived.running')).not.toBeNull();
        expect(root.read('/var/lib/sim/svc/nginx.enabled')).not.toBeNull();
      }
      const second = await run(f.connect);
      expect([failures(second), second.changed]).toEqual([[], 0]);

      const report = await notifyTest(model(), f.connect, { localAddresses: [], waitMs: 4000, testId: 'simroot' });
      for (const n of report.nodes) {
        // The script's return time is this (shared, loaded) machine's, not the node's: not judged here.
        expect(
          n.problems.filter((p) => !/took \d+ ms to return/.test(p)),
          n.host,
        ).toEqual([]);
        expect(n.exitCode, n.host).toBe(0);
        // keepalived 1.x runs the per-state wrapper (its generic notify takes no arguments); 2.x the script.
        expect(Boolean(n.via), n.host).toBe(FAMILIES[family].keepalived.startsWith('1.'));
        expect(n.channels.map((c) => [c.channel, c.status])).toEqual([
          ['log', 'arrived'],
          ['webhook', 'sent'],
          ['sms', 'sent'],
        ]);
        const posted = f.roots.get(n.host)!.read('/var/lib/sim/curl.log') ?? '';
        expect(posted).toMatch(/^http:\/\/10\.9\.0\.5:8080\/hook .*"state":"MASTER"/m);
      }
    }, 180_000);
  },
);

describe.skipIf(!available)('the simulated root runs what haops sends (mutation)', () => {
  it('a facts script whose probe bodies are `exit 99` makes deploy on simulated CentOS 7 fail', async () => {
    // Every `probe_NAME() { ...; }` definition of the facts script, body replaced in-process.
    const mutate = (cmd: string) => (cmd.startsWith('# haops facts v2') ? cmd.replace(/^(probe_\w+\(\) \{).*\}$/gm, '$1 exit 99; }') : cmd);
    const f = fleet('centos7', mutate);
    cleanup = f.close;
    const report = await run(f.connect);
    expect(report.ok).toBe(false);
    expect(report.hosts.some((h) => h.steps.some((s) => s.title.startsWith('install')))).toBe(false);
  }, 120_000);
});

describe.skipIf(!available)('the simulated roots fail as EL fails', () => {
  it('SELinux enforcing: nginx on a port not labelled http_port_t does not start; dnf installs nothing when one package is missing; curl 7.29 exits 2 on --retry-connrefused', async () => {
    const c7 = new SimElRoot('centos7', 'c7', { selinux: 'Enforcing', epel: true });
    const r9 = new SimElRoot('rocky9', 'r9');
    cleanup = () => Promise.all([c7.close(), r9.close()]);
    await c7.exec('yum -y install nginx');
    await c7.exec("printf 'server {\\n    listen 8081;\\n}\\n' > /etc/nginx/conf.d/haops.conf");
    const start = await c7.exec('systemctl start nginx');
    expect([start.code, /Permission denied/.test(start.stderr)]).toEqual([1, true]);
    expect((await c7.exec('systemctl is-active nginx')).code).toBe(3);
    expect((await c7.exec('curl -sS --retry-connrefused http://10.9.0.5/')).code).toBe(2);

    const strict = await r9.exec('dnf -y install nginx no-such-package');
    expect([strict.code, (await r9.exec('rpm -q nginx')).code]).toEqual([1, 1]);
    const conflict = await r9.exec('dnf -y install curl');
    expect([conflict.code, /conflicts with curl/.test(conflict.stderr)]).toEqual([1, true]);
  }, 60_000);
});

describe.skipIf(!available)('EL userland on simulated roots', () => {
  it('CentOS 7 with firewalld installed but stopped: deploy says nothing was opened and what to open before starting it', async () => {
    const f = fleet('centos7', undefined, { firewalldStopped: true });
    cleanup = f.close;
    const report = await run(f.connect);
    expect(failures(report)).toEqual([]);
    for (const h of report.hosts)
      expect(h.systemNotes?.join('\n'), h.host).toMatch(/firewalld is installed but not running.*VRRP from 10\.9\.0\.1[12] and TCP 80/);
  }, 120_000);

  it('CentOS 7 with EPEL archived (stock metalink dead once epel-release is in): without el_archive deploy stops at the install with the fix, nothing configured; with el_archive it converges from haops-archive.repo only', async () => {
    const f = fleet('centos7', undefined, { epelArchived: true });
    cleanup = f.close;
    const refused = await run(f.connect);
    expect(refused.ok).toBe(false);
    // The first node to reach the install stops there with yum's line and the fix; the other is left untouched.
    const said = refused.hosts.map((h) => `${h.error} ${h.hint}`).filter((t) => /Cannot retrieve metalink/.test(t));
    expect(said.length).toBeGreaterThan(0);
    for (const t of said) expect(t).toMatch(/Cannot retrieve metalink for repository: epel.*set el_archive\.centos and el_archive\.epel/);
    for (const [h, root] of f.roots) expect(root.read('/etc/keepalived/keepalived.conf'), h).toBeNull();
    const archived = parseModel(
      `el_archive: { centos: 'https://vault.centos.org/7.9.2009', epel: 'https://archives.fedoraproject.org/pub/archive/epel/7' }\n${INVENTORY}`,
      'inv.yaml',
    ).model;
    const ok = await deploy(archived, { playbook: loadPlaybook(), verify: false, connect: f.connect });
    expect(failures(ok)).toEqual([]);
    for (const [h, root] of f.roots) {
      expect(root.read('/etc/yum.repos.d/haops-archive.repo'), h).toContain('[haops-epel]');
      expect(root.read('/var/lib/sim/pkgs/nginx'), h).not.toBeNull();
      expect(root.read('/var/lib/sim/svc/keepalived.running'), h).not.toBeNull();
    }
  }, 180_000);

  it('an el_archive without EPEL on CentOS 6: refused before any change, naming el_archive.epel', async () => {
    const f = fleet('centos6', undefined, { epelArchived: true });
    cleanup = f.close;
    const m = parseModel(`el_archive: { centos: 'https://vault.centos.org/6.10' }\n${INVENTORY}`, 'inv.yaml').model;
    const r = await deploy(m, { playbook: loadPlaybook(), verify: false, connect: f.connect });
    for (const h of r.hosts) {
      expect(`${h.error} ${h.hint}`, h.host).toMatch(/el_archive has no epel mirror.*set el_archive\.epel/);
      expect(f.roots.get(h.host)!.read('/etc/yum.repos.d/haops-archive.repo'), h.host).toBeNull();
    }
  }, 120_000);

  it('CentOS 7 with iptables-services (stock REJECT): VRRP from the peer and TCP 80 reach the node after deploy, live and in the saved ruleset; VRRP from elsewhere stays rejected', async () => {
    const f = fleet('centos7', undefined, { iptablesServices: true });
    cleanup = f.close;
    await f.connect('a1');
    const before = await verdicts(f.roots.get('a1')!);
    expect(before).toEqual({ vrrpPeer: 'REJECT', vrrpOther: 'REJECT', http: 'REJECT', ssh: 'ACCEPT' });
    const report = await run(f.connect);
    expect(failures(report)).toEqual([]);
    for (const [h, root] of f.roots) {
      expect(await verdicts(root), h).toEqual({ vrrpPeer: 'ACCEPT', vrrpOther: 'REJECT', http: 'ACCEPT', ssh: 'ACCEPT' });
      // What the service loads at boot (a restart of iptables) judges the same.
      const saved = (root.read('/etc/sysconfig/iptables') ?? '').split('\n').filter((l) => l.startsWith('-A INPUT'));
      expect(judge(saved, { p: 'vrrp', s: h === 'a1' ? '10.9.0.12' : '10.9.0.11' }), h).toBe('ACCEPT');
      expect(judge(saved, { p: 'tcp', dport: '80', s: '192.0.2.7' }), h).toBe('ACCEPT');
    }
    const again = await run(f.connect);
    expect([failures(again), again.changed]).toEqual([[], 0]);
  }, 180_000);
});

/** First match wins over an `iptables -S INPUT` chain, for a NEW packet on eth0 (this test's reading, not haops's). */
function judge(rules: string[], pkt: { p: string; s: string; dport?: string }): string {
  for (const r of rules) {
    const t = r.split(/\s+/);
    const o = (k: string) => {
      const i = t.indexOf(k);
      return i >= 0 ? t[i + 1] : undefined;
    };
    if (o('-i') !== undefined && o('-i') !== 'eth0') continue;
    if (o('--state') !== undefined && !o('--state')!.split(',').includes('NEW')) continue;
    if (o('-p') !== undefined && o('-p') !== pkt.p) continue;
    if (o('-s') !== undefined && o('-s')!.replace(/\/32$/, '') !== pkt.s) continue;
    if (o('--dport') !== undefined && o('--dport') !== pkt.dport) continue;
    return o('-j') ?? 'ACCEPT';
  }
  return 'ACCEPT'; // the chain's policy
}

async function verdicts(root: SimElRoot) {
  const live = (await root.exec('iptables -S INPUT')).stdout.split('\n').filter((l) => l.startsWith('-A INPUT'));
  const peer = root.name === 'a1' ? '10.9.0.12' : '10.9.0.11';
  return {
    vrrpPeer: judge(live, { p: 'vrrp', s: peer }),
    vrrpOther: judge(live, { p: 'vrrp', s: '10.9.0.99' }),
    http: judge(live, { p: 'tcp', dport: '80', s: '192.0.2.7' }),
    ssh: judge(live, { p: 'tcp', dport: '22', s: '192.0.2.7' }),
  };
}

describe.skipIf(!available).each(['centos7', 'rocky9'] as const)(
  'status on a simulated %s root (stub keepalived dumps its state on SIGUSR1)',
  (family) => {
    it('status reads the state keepalived dumps (root-owned, fresh, one link): a1 MASTER at its priority, a2 BACKUP', async () => {
      const { pairStatus } = await import('../../src/status/status.js');
      const f = fleet(family);
      cleanup = f.close;
      expect(failures(await run(f.connect))).toEqual([]);
      await f.roots.get('a1')!.exec('echo MASTER > /var/lib/sim/vrrp_state');
      const m = model();
      const s = await pairStatus(m.pairs[0]!, f.connect, { client: false });
      const byHost = Object.fromEntries(
        s.nodes.map((n) => [n.host, [n.keepalived, n.instances.VI_1?.state, n.instances.VI_1?.effective, n.dumpSkipped ?? []]]),
      );
      const prio = (h: string) => m.pairs[0]!.instances[0]!.priorities[h];
      expect(byHost).toEqual({ a1: [true, 'MASTER', prio('a1'), []], a2: [true, 'BACKUP', prio('a2'), []] });
    }, 180_000);
  },
);

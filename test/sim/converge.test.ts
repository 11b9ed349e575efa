import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchContents, gatherFacts } from '../../src/facts/index.js';
import { applyChange, planHost } from '../../src/ops/index.js';
import type { WantedState } from '../../src/core/state.js';
import { convergeHost, learnHost, newHostRun, type DeployEvent, type HostReport } from '../../src/runner/engine.js';
import type { Host } from '../../src/ssh/host.js';
import { simHostClient } from './client.js';
import type { SimOs } from './profiles.js';
import { startSimHost, type SimHost } from './server.js';
import { KEEPALIVED_PATH, SITE, SITE_PATH, keepalivedConf, wantedState } from './wanted.js';

const FACTS = /^# haops facts v2\n/;
const PUT_SCRIPT = /^# haops put v1\n/;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** The put of PATH (protocol/put.ts) and how it is checked, as its bound values say. */
const put = (path: string, validate: 'keepalived' | 'nginx' | "''") =>
  new RegExp(`^# haops put v1\\nFILE=${escapeRe(path)}\\n[\\s\\S]*^VALIDATE=${validate}$`, 'm');

/** The real engine on one simulated host: learn, then converge (packages, facts again, the rest, confirm). */
async function converge(
  host: Host,
  wanted: WantedState,
  opts: { check?: boolean; diff?: boolean } = {},
): Promise<{ steps: string[]; report: HostReport; events: DeployEvent[] }> {
  const events: DeployEvent[] = [];
  const run = newHostRun({ pair: 'sim', name: host.name, role: 'BACKUP', skeleton: wanted });
  await learnHost(
    run,
    async () => host,
    (e) => events.push(e),
  );
  const report = await convergeHost(run, { ...opts, emit: (e) => events.push(e) });
  return { steps: report.steps.map((x) => x.title), report, events };
}

const FIRST_CONVERGE: Record<SimOs, { title: string; commands: (string | RegExp)[]; never: RegExp }> = {
  centos6: {
    title: 'installs with yum, enables with chkconfig, starts with service, and skips keepalived -t',
    commands: [
      FACTS,
      'yum -y install keepalived nginx',
      FACTS,
      'chkconfig keepalived on',
      'chkconfig nginx on',
      put(KEEPALIVED_PATH, "''"),
      put(SITE_PATH, 'nginx'),
      'service keepalived start && rm -f /var/lib/haops/pending/keepalived.*',
      'service nginx start && rm -f /var/lib/haops/pending/nginx.*',
      FACTS,
    ],
    never: /systemctl|keepalived -t|dnf/,
  },
  centos7: {
    title: 'installs with yum, enables and starts with systemctl, and skips keepalived -t (1.3.5)',
    commands: [
      FACTS,
      'yum -y install keepalived nginx',
      FACTS,
      'systemctl enable keepalived',
      'systemctl enable nginx',
      put(KEEPALIVED_PATH, "''"),
      put(SITE_PATH, 'nginx'),
      'systemctl start keepalived && rm -f /var/lib/haops/pending/keepalived.*',
      'systemctl start nginx && rm -f /var/lib/haops/pending/nginx.*',
      FACTS,
    ],
    never: /chkconfig|service |keepalived -t|dnf/,
  },
  rocky8: {
    title: 'installs with dnf, enables and starts with systemctl, and validates with keepalived -t (2.1.5)',
    commands: [
      FACTS,
      'dnf -y install keepalived nginx',
      FACTS,
      'systemctl enable keepalived',
      'systemctl enable nginx',
      put(KEEPALIVED_PATH, 'keepalived'),
      put(SITE_PATH, 'nginx'),
      'systemctl start keepalived && rm -f /var/lib/haops/pending/keepalived.*',
      'systemctl start nginx && rm -f /var/lib/haops/pending/nginx.*',
      FACTS,
    ],
    never: /chkconfig|service |yum/,
  },
  rocky9: {
    title: 'installs with dnf, enables and starts with systemctl, and validates with keepalived -t',
    commands: [
      FACTS,
      'dnf -y install keepalived nginx',
      FACTS,
      'systemctl enable keepalived',
      'systemctl enable nginx',
      put(KEEPALIVED_PATH, 'keepalived'),
      put(SITE_PATH, 'nginx'),
      'systemctl start keepalived && rm -f /var/lib/haops/pending/keepalived.*',
      'systemctl start nginx && rm -f /var/lib/haops/pending/nginx.*',
      FACTS,
    ],
    never: /chkconfig|service |yum/,
  },
};

describe.each(['centos6', 'centos7', 'rocky8', 'rocky9'] as const)('simulated %s', (os) => {
  let sim: SimHost;
  let host: Host;
  beforeEach(async () => {
    sim = await startSimHost(os);
    host = await simHostClient(sim);
  });
  afterEach(async () => {
    await host.close();
    await sim.stop();
  });

  it(`first converge ${FIRST_CONVERGE[os].title}`, async () => {
    const { report, events } = await converge(host, wantedState());
    expect(report.steps.map((x) => [x.title, x.outcome, x.message])).toEqual([
      ['install keepalived nginx', 'changed', 'installed keepalived nginx'],
      ['enable keepalived at boot', 'changed', 'enabled keepalived'],
      ['enable nginx at boot', 'changed', 'enabled nginx'],
      // Facts were gathered again after the packages: the packaged keepalived.conf is seen and replaced.
      [`update ${KEEPALIVED_PATH}`, 'changed', `updated ${KEEPALIVED_PATH}`],
      [`create ${SITE_PATH}`, 'changed', `created ${SITE_PATH}`],
      ['start keepalived', 'changed', 'started keepalived'],
      ['start nginx', 'changed', 'started nginx'],
    ]);
    // Facts, packages, facts again (keepalived's version for validation), the rest, then the confirming look.
    const commands = FIRST_CONVERGE[os].commands;
    expect(sim.commands).toHaveLength(commands.length);
    commands.forEach((want, i) => {
      if (typeof want === 'string') expect(sim.commands[i]).toBe(want);
      else expect(sim.commands[i]).toMatch(want);
    });
    // A put's check is its bound VALIDATE (above); its fixed text names every check it can run.
    for (const c of sim.commands.filter((x) => !FACTS.test(x) && !PUT_SCRIPT.test(x))) expect(c).not.toMatch(FIRST_CONVERGE[os].never);
    expect(events.map((e) => e.type)).toEqual([
      'host-connected',
      'host-started',
      'step-started',
      'step-changed',
      'host-planned',
      ...Array(6).fill(['step-started', 'step-changed']).flat(),
      'step-started',
      'host-finished',
    ]);

    const keepalivedWarnings = report.steps[3]!.warnings ?? [];
    if (os === 'rocky9' || os === 'rocky8') expect(keepalivedWarnings).toEqual([]);
    else expect(keepalivedWarnings[0]).toMatch(/keepalived 1\.\d+\.\d+ has no -t/);
    expect(sim.state.files.get(KEEPALIVED_PATH)).toEqual({ content: keepalivedConf(), mode: '644', owner: 'root:root' });
    expect([...sim.state.files.keys()].filter((p) => p.includes('.haops-') && !p.endsWith('.haops-bak'))).toEqual([]);
  });

  it('second converge changes nothing (idempotent) in one round trip', async () => {
    await converge(host, wantedState());
    sim.commands.length = 0;
    const { steps, report } = await converge(host, wantedState());
    expect(steps).toEqual([]);
    expect(report.ok).toBe(true);
    expect(sim.commands).toHaveLength(1);
    expect(sim.commands[0]).toMatch(/^# haops facts v2\n/);
  });

  it('a changed keepalived.conf is put in place and keepalived reloaded once; the old file is kept as .haops-bak', async () => {
    await converge(host, wantedState());
    sim.commands.length = 0;
    const { steps, report, events } = await converge(host, wantedState({ keepalived: keepalivedConf(150) }));
    expect(steps).toEqual([`update ${KEEPALIVED_PATH}`, 'reload keepalived']);
    expect(report.ok).toBe(true);
    expect(events.filter((e) => e.type === 'handler-run')).toEqual([
      { type: 'handler-run', pair: 'sim', host: `sim-${os}`, service: 'keepalived', action: 'reload' },
    ]);
    expect(sim.commands.at(-1)).toMatch(FACTS);
    expect(sim.commands.at(-2)).toBe(
      `${os === 'centos6' ? 'service keepalived reload' : 'systemctl reload keepalived'} && rm -f /var/lib/haops/pending/keepalived.*`,
    );
    expect(sim.state.files.get(KEEPALIVED_PATH)?.content).toBe(keepalivedConf(150));
    expect(sim.state.files.get(`${KEEPALIVED_PATH}.haops-bak`)?.content).toBe(keepalivedConf());
  });

  it('a run cut short after a file changed still reloads its service on the next run (handler owed on the node)', async () => {
    await converge(host, wantedState());
    const wanted = wantedState({ keepalived: keepalivedConf(150) });
    const facts = await gatherFacts(host, wanted);
    const [fileChange] = planHost(wanted, facts);
    expect((await applyChange(fileChange!, host, facts)).ok).toBe(true); // then the run dies before its handler
    sim.commands.length = 0;
    const { steps, report } = await converge(host, wanted);
    expect(steps).toEqual(['reload keepalived']);
    expect(report.ok).toBe(true);
    expect((await converge(host, wanted)).steps).toEqual([]);
  });

  it('an nginx site that fails nginx -t is not applied: error names the file and the emerg line, live file unchanged, no reload', async () => {
    await converge(host, wantedState());
    sim.commands.length = 0;
    const bad = SITE.replace('    listen 80;\n', '    listen 80;\n    invalid;\n');
    const { report } = await converge(host, wantedState({ site: bad }));
    // The host stops at its first failed step: no reload follows.
    expect(report.steps.map((x) => [x.title, x.outcome])).toEqual([[`update ${SITE_PATH}`, 'failed']]);
    expect(report.ok).toBe(false);
    expect(report.steps[0]!.message).toBe(
      `sim-${os}: ${SITE_PATH}: nginx -t failed: [emerg] unknown directive "invalid" in /etc/nginx/conf.d/haops.conf:3`,
    );
    expect(sim.state.files.get(SITE_PATH)?.content).toBe(SITE);
    expect([...sim.state.files.keys()].filter((p) => p.startsWith('/etc/nginx/conf.d/.haops.conf.haops-'))).toEqual([]);
    expect(sim.commands.filter((c) => /^(systemctl reload|service \S+ reload)/.test(c))).toEqual([]);
  });

  it('--diff fetches live contents in one exec and shows the change with auth_pass masked', async () => {
    await converge(host, wantedState());
    const before = sim.commands.length;
    const contents = await fetchContents(host, [KEEPALIVED_PATH, '/etc/keepalived/absent.conf']);
    expect(sim.commands.length - before).toBe(1);
    expect(contents).toEqual({ [KEEPALIVED_PATH]: keepalivedConf(), '/etc/keepalived/absent.conf': null });
    sim.commands.length = 0;
    const { report } = await converge(host, wantedState({ keepalived: keepalivedConf(150) }), { check: true, diff: true });
    expect(sim.commands).toHaveLength(3); // facts, the live contents, the live keepalived.conf with its includes (VRRP behaviour)
    expect(report.steps.map((x) => [x.title, x.outcome])).toEqual([
      [`update ${KEEPALIVED_PATH}`, 'would change'],
      ['reload keepalived', 'would change'],
    ]);
    const diff = report.steps[0]!.diff!;
    expect(diff).toContain('-    priority 200\n+    priority 150');
    expect(diff).toContain('auth_pass ********');
    expect(diff).not.toContain('s3cr3tpw');
    expect(sim.state.files.get(KEEPALIVED_PATH)?.content).toBe(keepalivedConf());
  });

  it.runIf(os === 'rocky9' || os === 'rocky8')('a keepalived.conf that fails keepalived -t never reaches the live path', async () => {
    await converge(host, wantedState());
    const { report } = await converge(host, wantedState({ keepalived: keepalivedConf().replace('    state MASTER\n', '    invalid\n') }));
    expect(report.steps[0]!.outcome).toBe('failed');
    expect(report.steps[0]!.message).toBe(`sim-${os}: ${KEEPALIVED_PATH}: keepalived -t failed: (Line 2) Unknown keyword 'invalid'`);
    expect(report.steps[0]!.hint).toMatch(/errors in the configuration/);
    expect(sim.state.files.get(KEEPALIVED_PATH)?.content).toBe(keepalivedConf());
  });
});

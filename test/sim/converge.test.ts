import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchContents, gatherFacts } from '../../src/facts/index.js';
import { applyChange, fileDiff, planHost } from '../../src/ops/index.js';
import type { Change, ChangeOutcome, WantedState } from '../../src/core/state.js';
import type { Host } from '../../src/ssh/host.js';
import { simHostClient } from './client.js';
import type { SimOs } from '../../bench/sim/profiles.js';
import { startSimHost, type SimHost } from '../../bench/sim/server.js';
import { KEEPALIVED_PATH, SITE, SITE_PATH, keepalivedConf, wantedState } from '../../bench/sim/wanted.js';

const kinds = (plan: Change[]) => plan.map((c) => (c.kind === 'file' ? `file ${c.file.path}` : c.kind === 'packages' ? `packages ${c.install.join(' ')}` : `${c.kind} ${c.service}`));

async function converge(host: Host, wanted: WantedState): Promise<{ plan: Change[]; outcomes: ChangeOutcome[] }> {
  const facts = await gatherFacts(host, wanted);
  const plan = planHost(wanted, facts);
  const outcomes: ChangeOutcome[] = [];
  // Like the runner: a host stops at its first failed change.
  for (const change of plan) {
    outcomes.push(await applyChange(change, host, facts));
    if (!outcomes.at(-1)!.ok) break;
  }
  return { plan, outcomes };
}

const FIRST_CONVERGE: Record<SimOs, { title: string; commands: (string | RegExp)[]; never: RegExp }> = {
  centos6: {
    title: 'installs with yum, enables with chkconfig, starts with service, and skips keepalived -t',
    commands: ['yum -y install keepalived nginx', 'chkconfig keepalived on', 'chkconfig nginx on', 'keepalived -v 2>&1 | head -1', /^# haops put v1/, /^# haops put v1[\s\S]*\nnginx -t; rc=/, 'service keepalived start && rm -f /var/lib/haops/pending/keepalived.*', 'service nginx start && rm -f /var/lib/haops/pending/nginx.*'],
    never: /systemctl|keepalived -t|dnf/,
  },
  centos7: {
    title: 'installs with yum, enables and starts with systemctl, and skips keepalived -t (1.3.5)',
    commands: ['yum -y install keepalived nginx', 'systemctl enable keepalived', 'systemctl enable nginx', 'keepalived -v 2>&1 | head -1', /^# haops put v1/, /^# haops put v1[\s\S]*\nnginx -t; rc=/, 'systemctl start keepalived && rm -f /var/lib/haops/pending/keepalived.*', 'systemctl start nginx && rm -f /var/lib/haops/pending/nginx.*'],
    never: /chkconfig|service |keepalived -t|dnf/,
  },
  rocky9: {
    title: 'installs with dnf, enables and starts with systemctl, and validates with keepalived -t',
    commands: ['dnf -y install keepalived nginx', 'systemctl enable keepalived', 'systemctl enable nginx', 'keepalived -v 2>&1 | head -1', /^# haops put v1[\s\S]*\nkeepalived -t -f \/etc\/keepalived\/\.keepalived\.conf\.haops-[0-9a-f]{6}; rc=/, /^# haops put v1[\s\S]*\nnginx -t; rc=/, 'systemctl start keepalived && rm -f /var/lib/haops/pending/keepalived.*', 'systemctl start nginx && rm -f /var/lib/haops/pending/nginx.*'],
    never: /chkconfig|service |yum/,
  },
};

describe.each(['centos6', 'centos7', 'rocky9'] as const)('simulated %s', (os) => {
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
    const wanted = wantedState();
    const facts = await gatherFacts(host, wanted);
    expect(host.roundTrips).toBe(1);
    expect(facts.packages).toEqual({ keepalived: null, nginx: null });
    const plan = planHost(wanted, facts);
    expect(kinds(plan)).toEqual([
      'packages keepalived nginx', 'enable keepalived', 'enable nginx', `file ${KEEPALIVED_PATH}`, `file ${SITE_PATH}`, 'start keepalived', 'start nginx',
    ]);

    sim.commands.length = 0;
    const outcomes = [];
    for (const change of plan) outcomes.push(await applyChange(change, host, facts));
    expect(outcomes.map((o) => [o.ok, o.error?.message])).toEqual(plan.map(() => [true, undefined]));
    expect(sim.commands).toHaveLength(FIRST_CONVERGE[os].commands.length);
    FIRST_CONVERGE[os].commands.forEach((want, i) => {
      if (typeof want === 'string') expect(sim.commands[i]).toBe(want);
      else expect(sim.commands[i]).toMatch(want);
    });
    for (const c of sim.commands) expect(c).not.toMatch(FIRST_CONVERGE[os].never);

    const keepalivedWarnings = outcomes[3]!.warnings ?? [];
    if (os === 'rocky9') expect(keepalivedWarnings).toEqual([]);
    else expect(keepalivedWarnings[0]).toMatch(/keepalived 1\.\d+\.\d+ has no -t/);
    expect(sim.state.files.get(KEEPALIVED_PATH)).toEqual({ content: keepalivedConf(), mode: '644', owner: 'root:root' });
    expect([...sim.state.files.keys()].filter((p) => p.includes('.haops-') && !p.endsWith('.haops-bak'))).toEqual([]);
  });

  it('second converge changes nothing (idempotent) in one round trip', async () => {
    await converge(host, wantedState());
    sim.commands.length = 0;
    const { plan } = await converge(host, wantedState());
    expect(plan).toEqual([]);
    expect(sim.commands).toHaveLength(1);
    expect(sim.commands[0]).toMatch(/^# haops facts v1\n/);
  });

  it('a changed keepalived.conf is put in place and keepalived reloaded once; the old file is kept as .haops-bak', async () => {
    await converge(host, wantedState());
    sim.commands.length = 0;
    const { plan, outcomes } = await converge(host, wantedState({ keepalived: keepalivedConf(150) }));
    expect(kinds(plan)).toEqual([`file ${KEEPALIVED_PATH}`, 'handler keepalived']);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(sim.commands.at(-1)).toBe(`${os === 'centos6' ? 'service keepalived reload' : 'systemctl reload keepalived'} && rm -f /var/lib/haops/pending/keepalived.*`);
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
    const { plan, outcomes } = await converge(host, wanted);
    expect(kinds(plan)).toEqual(['handler keepalived']);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect((await converge(host, wanted)).plan).toEqual([]);
  });

  it('an nginx site that fails nginx -t is not applied: error names the file and the emerg line, live file unchanged, no reload', async () => {
    await converge(host, wantedState());
    sim.commands.length = 0;
    const bad = SITE.replace('    listen 80;\n', '    listen 80;\n    invalid;\n');
    const { plan, outcomes } = await converge(host, wantedState({ site: bad }));
    expect(kinds(plan)).toEqual([`file ${SITE_PATH}`, 'handler nginx']);
    const [put] = outcomes;
    expect(put!.ok).toBe(false);
    expect(put!.error!.message).toBe(`sim-${os}: ${SITE_PATH}: nginx -t failed: [emerg] unknown directive "invalid" in /etc/nginx/conf.d/haops.conf:3`);
    expect(sim.state.files.get(SITE_PATH)?.content).toBe(SITE);
    expect([...sim.state.files.keys()].filter((p) => p.startsWith('/etc/nginx/conf.d/.haops.conf.haops-'))).toEqual([]);
    expect(sim.commands.filter((c) => /^(systemctl reload|service \S+ reload)/.test(c))).toEqual([]);
  });

  it('--diff fetches live contents in one exec and shows the change with auth_pass masked', async () => {
    await converge(host, wantedState());
    const wanted = wantedState({ keepalived: keepalivedConf(150) });
    const [change] = planHost(wanted, await gatherFacts(host, wanted));
    const before = sim.commands.length;
    const contents = await fetchContents(host, [KEEPALIVED_PATH, '/etc/keepalived/absent.conf']);
    expect(sim.commands.length - before).toBe(1);
    expect(contents).toEqual({ [KEEPALIVED_PATH]: keepalivedConf(), '/etc/keepalived/absent.conf': null });
    if (change?.kind !== 'file') throw new Error('expected a file change');
    const diff = fileDiff({ ...change, before: { ...change.before, content: contents[KEEPALIVED_PATH]! } });
    expect(diff).toContain('-    priority 200\n+    priority 150');
    expect(diff).toContain('auth_pass ********');
    expect(diff).not.toContain('s3cr3tpw');
  });

  it.runIf(os === 'rocky9')('a keepalived.conf that fails keepalived -t never reaches the live path', async () => {
    await converge(host, wantedState());
    const { outcomes } = await converge(host, wantedState({ keepalived: keepalivedConf().replace('    state MASTER\n', '    invalid\n') }));
    expect(outcomes[0]!.ok).toBe(false);
    expect(outcomes[0]!.error!.message).toBe(`sim-rocky9: ${KEEPALIVED_PATH}: keepalived -t failed: (Line 2) Unknown keyword 'invalid'`);
    expect(outcomes[0]!.error!.hint).toMatch(/errors in the configuration/);
    expect(sim.state.files.get(KEEPALIVED_PATH)?.content).toBe(keepalivedConf());
  });
});

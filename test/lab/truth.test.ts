// Status tells the truth about the service, on the real lab pair: the upstream servers behind
// nginx stopped, a check that can never pass (pidof -> killall5), --prom for Prometheus, and a
// drill's HTML report rendered by a real browser. Leaves the pair as it found it.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/lab/backend.js';
import { IDENTITY_FILE, KNOWN_HOSTS } from '../../src/lab/index.js';
import { pidFile } from '../../src/lab/paths.js';
import { parseModel } from '../../src/model/load.js';
import { labSkipReason, useLab } from './shape.js';
import { haops } from './cli.js';
import { LAB } from './net.js';
import { CHROMIUM, OUT, chromium } from '../browser.js';

const run = promisify(execFile);
const skip = labSkipReason({ nodes: 2 });
const model = () => parseModel(readFileSync(LAB, 'utf8'), LAB, { HAOPS_VRRP_PASSWORD: 'unused' }).model;
const ip = (node: string) => model().nodes.find((n) => n.host === node)!.ip;

async function onNode(node: string, command: string): Promise<string> {
  const { stdout } = await run('ssh', [
    '-i',
    IDENTITY_FILE,
    '-o',
    `UserKnownHostsFile=${KNOWN_HOSTS}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    `root@${ip(node)}`,
    command,
  ]);
  return stdout;
}

/** Stops a lab backend (its HTTP server process); startBackend brings it back. */
function stopBackend(name: string): void {
  const pid = Number(readFileSync(pidFile(name), 'utf8').trim());
  // ip netns exec execs node, so the pid is the server's own.
  process.kill(pid, 'SIGTERM');
}

const backends = ['be1', 'be2'];
afterAll(async () => {
  if (skip) return;
  for (const b of backends) {
    const alive = spawnSync('kill', ['-0', readFileSync(pidFile(b), 'utf8').trim()]).status === 0;
    if (!alive) await startBackend(b);
  }
});

const PYTHON = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import prometheus_client.parser'], { stdio: 'ignore' }).status === 0,
);

describe.skipIf(skip)('status tells the truth about the service (real lab pair)', () => {
  useLab({ nodes: 2 });
  it('deploys the pair (a no-op when it is already there)', async () => {
    const r = await haops(['deploy', LAB]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('both upstream servers up: healthy, the user path answered through the VIP by the MASTER', async () => {
    const r = await haops(['status', LAB]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/answered 200 by node1: ok/);
    expect(r.stdout).toMatch(/upstreams 2\/2 up/);
  });

  it('one upstream server stopped: a warning naming it, exit 0; --prom writes a file Prometheus parses, without timestamps', async () => {
    stopBackend('be2');
    const dir = mkdtempSync(join(tmpdir(), 'haops-prom-'));
    const prom = join(dir, 'haops.prom');
    const r = await haops(['status', LAB, '--prom', prom]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/warning: upstream backends [\d.]+:8080 is down from node1 \(connection refused\)/);
    const text = readFileSync(prom, 'utf8');
    expect(text).toMatch(/^keepalived_vrrp_state\{iname="VI_LAB",intf="eth0",vrid="51",ip_address="[\d.]+",pair="lab",node="node1"\} 2$/m);
    expect(text).toMatch(/^haops_upstream_up\{[^}]*server="[\d.]+:8080"\} 0$/m);
    if (PYTHON) {
      const parsed = execFileSync(
        PYTHON,
        [
          '-c',
          'import sys\nfrom prometheus_client.parser import text_string_to_metric_families as p\nprint(sum(1 for f in p(sys.stdin.read()) for s in f.samples if s.timestamp is None))',
        ],
        { input: text, encoding: 'utf8' },
      );
      expect(Number(parsed)).toBe(text.split('\n').filter((l) => l && !l.startsWith('#')).length);
    }
  });

  it('both upstream servers stopped: DEGRADED: upstreams down, naming them, exit 1; the deploy check says the same', async () => {
    stopBackend('be1');
    const r = await haops(['status', LAB]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(
      /DEGRADED: upstreams down: backends [\d.]+:8080 \(connection refused\), backends [\d.]+:8080 \(connection refused\)/,
    );
    expect(r.stdout).toMatch(/answered 502 by node1/);
    const d = await haops(['deploy', LAB]);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/DEGRADED: upstreams down/);
    await startBackend('be1');
    await startBackend('be2');
  });

  it('a pidof check (a link to killall5) is refused by deploy before it goes live', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haops-inv-'));
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, readFileSync(LAB, 'utf8').replace('script: killall -0 nginx', 'script: pidof nginx'));
    const r = await haops(['deploy', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /refusing to deploy: check chk_nginx on node2 fails while nginx runs .*\/usr\/bin\/pidof is a link to \/usr\/sbin\/killall5/,
    );
    expect(await onNode('node2', 'grep -c "pidof" /etc/keepalived/keepalived.conf || true')).toBe('0\n');
  });

  it("a pidof check put live by hand: status is unhealthy, names the check, the priority it costs and keepalived's line", async () => {
    await onNode(
      'node2',
      'sed -i \'s/script "killall -0 nginx"/script "pidof nginx"/\' /etc/keepalived/keepalived.conf && systemctl reload keepalived',
    );
    // The check fails from its next runs (fall 2 x interval 1 s): status until it says so, at most 15 s.
    let r = await haops(['status', LAB]);
    for (const until = Date.now() + 15_000; !/effective priority 199/.test(r.stdout) && Date.now() < until; ) {
      await new Promise((res) => setTimeout(res, 500));
      r = await haops(['status', LAB]);
    }
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/check chk_nginx on node2 fails while nginx runs .*killall5.*keepalived: .*chk_nginx/);
    expect(r.stdout).toMatch(/node2 VI_LAB has effective priority 199, expected 201/);
    // The drill refuses such a pair, naming the check.
    const drill = await haops(['failover-drill', LAB]);
    expect(drill.code).toBe(1);
    expect(drill.stdout).toMatch(/refused: check chk_nginx on node2 fails/);
    // deploy repairs the node from the inventory.
    const d = await haops(['deploy', LAB]);
    expect(d.code, d.stdout).toBe(0);
  });

  it.skipIf(!CHROMIUM)('failover-drill --report: headless chromium draws one axis with every probe and the VIP on both nodes', async () => {
    mkdirSync(OUT, { recursive: true });
    const page = join(OUT, 'lab-drill-report.html');
    const r = await haops(['failover-drill', LAB, '--report', page, '--json']);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    const report = JSON.parse(r.stdout);
    const probes = report.rounds[0].trace.probes.length;
    expect(probes).toBeGreaterThan(50);
    const dom = chromium(['--dump-dom', `file://${page}`]);
    expect((dom.match(/<g class="axis"/g) ?? []).length).toBe(1);
    expect((dom.match(/class="probe (ok|failed)/g) ?? []).length).toBe(probes);
    expect(dom).toMatch(/class="holds"[^>]*>.*node2 held VIP/s);
    // GARP the drill saw is drawn where it happened: on the new holder's lane, after the fault.
    if (report.rounds[0].gratuitousArp)
      expect(dom).toMatch(/class="garp"[^>]*><title>this machine's ARP entry for [\d.]+ moved to node2's MAC/);
    chromium(['--hide-scrollbars', '--window-size=1180,620', `--screenshot=${join(OUT, 'lab-drill-report.png')}`, `file://${page}`]);
  });
});

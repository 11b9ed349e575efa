// A probe host the inventory names (issue 15), on the real lab: this machine cannot reach the
// VIPs (an unreachable route, as for a laptop off the servers' LAN), the other pair's node3 can.
// status, deploy's VIP check, the drill and switchover ask from node3 and say so. Needs the
// second pair's nodes: runs on the four-node lab (after fleet.test, on the same lab).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { haops, json, switchoverClean } from './cli.js';
import { firstVip, ipv4Only, LAB as LAB_FILE, re } from './net.js';

/** The lab's inventory without its IPv6 instance: the probe host asks the IPv4 VIPs (IPv6: ipv6.test.ts). */
let LAB = LAB_FILE;
import { labSkipReason, useLab } from './shape.js';
import { makeCerts } from '../tls-certs.js';

interface LabYaml {
  hosts: Record<string, unknown>;
  pairs: Record<string, { instances: { vip?: string; vips?: string[] }[]; probe?: { from: string } }>;
  probe?: { from: string };
}
const lab = () => parse(readFileSync(LAB, 'utf8')) as LabYaml;
const vips = () => lab().pairs.lab!.instances.map((i) => firstVip(i));
/** How status names the lab's site at a VIP: its HTTPS name and port (the lab serves TLS), else plain HTTP. */
const siteUrl = (vip: string) => {
  const site = (lab().pairs.lab as { nginx?: { sites?: { server_name: string; tls?: object }[] } }).nginx?.sites?.[0];
  return re(site?.tls ? `https://${site.server_name}:443/ (at ${vip})` : `http://${vip}:80/`);
};

/** The lab's first pair alone (the second pair's nodes stay bare), probed from `from`. */
function inventoryProbedFrom(from: string | null): string {
  const inv = lab();
  inv.pairs = { lab: inv.pairs.lab! };
  if (from) inv.pairs.lab!.probe = { from };
  const file = join(mkdtempSync(join(tmpdir(), 'haops-probe-')), 'lab.yaml');
  writeFileSync(file, stringify(inv));
  return file;
}

/** This machine loses its way to the VIPs; SSH to the nodes (their own addresses) still works. */
const routes = (op: 'add' | 'del') => {
  for (const v of vips()) {
    try {
      execFileSync('ip', ['route', op, 'unreachable', `${v}/32`], { stdio: 'ignore' });
    } catch {
      if (op === 'add') throw new Error(`cannot add the unreachable route to ${v}`);
    }
  }
};

describe.skipIf(labSkipReason({ nodes: 4 }))('a probe host on the clients’ LAN (real lab, node3 probes pair lab)', () => {
  let local = '';
  let fromNode3 = '';
  useLab({ nodes: 4 });
  // After the lab is up (a spare's inventory is written then): its IPv4 shapes only.
  beforeAll(() => {
    LAB = ipv4Only(LAB_FILE);
  });
  beforeAll(async () => {
    local = inventoryProbedFrom(null);
    fromNode3 = inventoryProbedFrom('node3');
    const d = await haops(['deploy', local]);
    if (d.code !== 0) throw new Error(d.stdout + d.stderr);
    routes('add');
  }, 600_000);
  afterAll(async () => {
    routes('del');
  });

  it('asked from this machine, status fails: the nodes serve the VIPs, but clients here cannot reach them', async () => {
    const r = await haops(['status', local]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/clients' path asked from this machine/);
    for (const v of vips())
      expect(r.stdout).toMatch(
        new RegExp(
          `nginx answers through ${re(v)} on the node \\(node\\d\\), but clients cannot reach ${siteUrl(v)} from here \\(.*EHOSTUNREACH.*\\): firewall\\? or is this machine off the clients' LAN\\? \\(probe: \\{ from: HOST \\}`,
        ),
      );
  });

  it('probe: { from: node3 }: status asks from node3, which each node answered, and is healthy', async () => {
    const r = await haops(['status', fromNode3]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pair lab: healthy\n {2}clients' path asked from probe host node3\n/);
    const [a, b] = vips();
    expect(r.stdout).toMatch(new RegExp(`VIPs? ${re(a!)}(, \\S+)? on node1, ${siteUrl(a!)} answered 200 by node1: ok`));
    expect(r.stdout).toMatch(new RegExp(`VIPs? ${re(b!)}(, \\S+)? on node2, ${siteUrl(b!)} answered 200 by node2: ok`));
    const j = json(await haops(['status', fromNode3, '--json']));
    expect(j.pairs[0].probedFrom).toBe('node3');
    expect(j.pairs[0].instances[0].client).toMatchObject({ ok: true, from: 'node3', node: 'node1' });
  });

  it("deploy's VIP check asks from node3 too: converged, nothing changed", async () => {
    const r = await haops(['deploy', fromNode3]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `lab/VI_LAB: VIPs? ${re(vips()[0]!)}(, \\S+)? on node1, ${siteUrl(vips()[0]!)} from probe host node3 answered 200 by node1`,
      ),
    );
    expect(r.stdout).toMatch(/converged: changed 0/);
    const here = await haops(['deploy', local]);
    expect(here.code).toBe(1);
    expect(here.stdout).toMatch(/clients cannot reach .* from here/);
  });

  it('failover-drill probes from node3: passes while this machine has no route to the VIP, every probe sent from node3', async () => {
    const r = await haops(['failover-drill', fromNode3, '--json'], { killAfterMs: 150_000 });
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    const report = json(r);
    expect(report.probedFrom).toBe('node3');
    const round = report.rounds[0];
    const probes = round.trace.probes as { ok: boolean; node: string | null; sentAt: number }[];
    // A loaded shared machine forks slowly: well below the nominal 50 a second, but a steady stream.
    expect(probes.length).toBeGreaterThan(30);
    expect(probes.some((p) => p.ok && p.node === 'node1')).toBe(true);
    expect(probes.some((p) => p.ok && p.node === 'node2')).toBe(true);
    // Answers by the new holder come after the VIP arrived there (the marks are on this machine's clock).
    expect(round.httpRecoverySeconds).toBeGreaterThanOrEqual(round.failoverSeconds - 0.05);
  }, 180_000);

  it('switchover probes from node3 too: one round moves the VIP and back with no failed request, while this machine has no route to the VIP', async () => {
    const page = join(mkdtempSync(join(tmpdir(), 'haops-so-')), 'switchover.html');
    const r = await haops(['switchover', fromNode3, '--rounds', '1', '--json', '--report', page]);
    const report = json(r);
    expect(r.code, r.stderr).toBe(report.ok ? 0 : 1);
    expect(report.probedFrom).toBe('node3');
    const round = report.rounds[0];
    expect(round, JSON.stringify(report.problems)).toMatchObject({ from: 'node1', to: 'node2', endedAsBegan: true });
    // Before the handoff node3 saw a reset in 2 of 15 rounds (a connection caught between its
    // handshake and its request by a move); with it, 0 in 25.
    expect(switchoverClean(report), JSON.stringify({ problems: report.problems, handoff: report.handoff })).toBe(true);
    // node3's curl loop: a steady stream of new connections, both holders answering in turn.
    expect(round.requests).toBeGreaterThan(30);
    expect(round.switchoverSeconds).not.toBeNull();
    expect(round.switchbackSeconds).not.toBeNull();
    // No kept-alive connection from a probe host: not measured, not 0.
    expect(round.resetsOnReusedConnections).toBeNull();
    // The page draws node3's probes, and says where they came from.
    const html = readFileSync(page, 'utf8');
    expect(html).toMatch(/<title>haops switchover: pair lab, instance VI_LAB; probed from node3; handoff: node2 \d+ packets/);
    expect(html).toMatch(/time from the drain/);
    expect((html.match(/class="probe ok"/g) ?? []).length).toBeGreaterThan(30);
    // Asked from here, the same switchover refuses before it drains anything, naming probe:.
    const here = await haops(['switchover', local, '--rounds', '1']);
    expect(here.code).toBe(1);
    expect(here.stdout).toMatch(/PROBLEM: refused: .*clients cannot reach .* from here .*probe: \{ from: HOST \}/);
  }, 180_000);

  it('a TLS site: the drill from node3 asks https://site.test:443/ through the VIP (curl --resolve, verified against ca_file) and passes', async () => {
    const certs = makeCerts();
    const inv = parse(readFileSync(fromNode3, 'utf8'));
    // The one-site form (nginx.tls, no sites:), with a throwaway CA of its own.
    delete inv.pairs.lab.nginx.sites;
    inv.pairs.lab.nginx.tls = {
      cert_file: join(certs.dir, 'chain.pem'),
      key_file: join(certs.dir, 'site.key'),
      ca_file: join(certs.dir, 'root.pem'),
    };
    const file = join(certs.dir, 'lab-tls.yaml');
    writeFileSync(file, stringify(inv));
    try {
      const dep = await haops(['deploy', file, '--json']);
      expect(json(dep).ok, dep.stdout + dep.stderr).toBe(true);
      const r = await haops(['failover-drill', file, '--fault', 'keepalived-stop', '--json']);
      const d = json(r);
      expect(d.ok, JSON.stringify(d.problems)).toBe(true);
      expect(d.probedFrom).toBe('node3');
      expect(d.probeUrl).toMatch(/^https:\/\/site\.test:443\//);
      console.log(
        `probe-host lab: drill over HTTPS from node3: failover ${d.rounds[0].vips[0].failoverSeconds} s, ${d.rounds[0].vips[0].failedRequests} failed`,
      );
    } finally {
      await haops(['deploy', fromNode3]);
      rmSync(certs.dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('node1 drops node3 unanswered: the probe host reports what its clients would see, naming itself', async () => {
    const [a] = vips();
    // nginx on node1 closes the connection unanswered (444) for node3 only: a client-side block the nodes cannot see.
    onNode(
      'node1',
      `sed -i 's#^\\(\\s*server_name .*\\)$#\\1\\n    if ($remote_addr = ${address('node3')}) { return 444; }#' /etc/nginx/conf.d/haops.conf && nginx -t -q && systemctl reload nginx`,
    );
    try {
      const r = await haops(['status', fromNode3]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout).toMatch(
        new RegExp(
          `nginx answers through ${re(a!)} on the node \\(node1\\), but clients cannot reach ${siteUrl(a!)} from probe host node3 \\(connection reset\\): firewall\\?`,
        ),
      );
    } finally {
      const d = await haops(['deploy', fromNode3]); // puts the inventory's site back
      expect(d.code, d.stdout).toBe(0);
    }
  });
});

const labYaml = () =>
  parse(readFileSync(LAB, 'utf8')) as { ssh: { identity_file: string; known_hosts: string }; hosts: Record<string, { address: string }> };
const address = (n: string) => labYaml().hosts[n]!.address;
function onNode(node: string, command: string): string {
  const { ssh } = labYaml();
  return execFileSync(
    'ssh',
    ['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${ssh.known_hosts}`, '-i', ssh.identity_file, `root@${address(node)}`, command],
    {
      encoding: 'utf8',
    },
  );
}

// Drain, undrain and switchover on the real lab pair (Debian 12 nodes, keepalived 2.2.7): a
// measured round with no failed request, a drain that survives deploy and a keepalived restart,
// the drill refusing a drained pair, and Ctrl-C in the middle leaving the pair as it was.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSkipReason, useLab } from './shape.js';
import { askOn, HAOPS_BIN, haops as cli, json, switchoverClean } from './cli.js';
import { LAB, firstVip } from './net.js';

const run = promisify(execFile);
const env = { ...process.env, HAOPS_VRRP_PASSWORD: 'Sw1tchOv' };
const haops = (args: string[], opts: Parameters<typeof cli>[1] = {}) => cli(args, { env, ...opts });

/** The lab's first pair as `haops lab up` wrote it (addresses differ per HAOPS_LAB_ID). */
function lab() {
  const inv = parse(readFileSync(LAB, 'utf8'));
  const pair = inv.pairs.lab;
  return {
    ssh: inv.ssh as { identity_file: string; known_hosts: string },
    ip: (n: string) => inv.hosts[n].address as string,
    vip: firstVip(pair.instances[0]),
  };
}

async function onNode(node: string, command: string): Promise<string> {
  const l = lab();
  const { stdout } = await run('ssh', [
    '-i',
    l.ssh.identity_file,
    '-o',
    `UserKnownHostsFile=${l.ssh.known_hosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    `root@${l.ip(node)}`,
    command,
  ]);
  return stdout;
}

/** Status until `done` holds or `seconds` pass (then the last status, for the assertions to name). */
async function statusWhen(done: (status: any) => boolean, seconds: number): Promise<any> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const status = json(await haops(['status', LAB, '--json']));
    if (done(status) || Date.now() > until) return status;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const holders = (status: any, vip: string) => status.pairs[0].instances.find((i: any) => i.vip === vip).holders;
const drainedNodes = (status: any) => status.pairs[0].nodes.filter((n: any) => n.drained).map((n: any) => n.host);

describe.skipIf(labSkipReason({ nodes: 2 }))('drain, undrain and switchover on the lab pair (real Debian 12 nodes)', () => {
  useLab({ nodes: 2 });
  // A test that failed between drain and undrain must not leave the lab drained for the files after this one.
  afterAll(async () => {
    for (const node of ['node1', 'node2']) await haops(['undrain', LAB, node]);
  }, 120_000);
  beforeAll(async () => {
    const r = await haops(['deploy', LAB, '--json']);
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
  }, 300_000);

  it('one switchover round moves the VIP to the peer and back with no failed request on a new connection every 20 ms, each move handed off', async () => {
    const r = await haops(['switchover', LAB, '--json']);
    const report = json(r);
    expect(switchoverClean(report), JSON.stringify(report.problems)).toBe(true);
    expect(r.code).toBe(report.ok ? 0 : 1);
    expect(report).toMatchObject({ method: 'track_file', bridge: true, probe: { intervalMs: 20, timeoutSeconds: 2 } });
    const [round] = report.rounds;
    expect(round).toMatchObject({ from: 'node1', to: 'node2', endedAsBegan: true });
    expect(round.requests).toBeGreaterThan(100);
    expect(round.switchoverSeconds).toBeLessThan(1);
    // Per VIP: when its slowest request was sent and how long each move took, to place it.
    expect(round.worstLatencySeconds, JSON.stringify({ vips: round.vips, holds: round.holds, handoff: round.handoff })).toBeLessThan(0.5);
    expect(round.switchbackSeconds).toBeGreaterThan(0);
  });

  it('a connection opened on node1 before a drain is still answered by node1 after this machine sends to node2: node2 hands its packets on (handoff)', async () => {
    const { vip } = lab();
    // From ip, not /sys: a container's /sys/class/net is the host's.
    const mac2 = /link\/ether (\S+)/.exec(await onNode('node2', 'ip -o link show dev eth0'))![1]!;
    const sock = connect(80, vip);
    await once(sock, 'connect');
    try {
      expect(await askOn(sock)).toBe('node1');
      // A hold past keepalived's second GARP burst (garp_master_delay 5 s): should this machine
      // ignore the first (an ARP update under 1 s old), the second moves it while node1 still serves.
      const drain = haops(['drain', LAB, 'node1', '--hold', '9', '--json']);
      // Until this machine's ARP entry for the VIP names node2 (the gratuitous ARP arrived).
      let neigh = '';
      for (const until = Date.now() + 9000; !neigh.includes(mac2) && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 50));
        neigh = (await run('ip', ['neigh', 'show', vip])).stdout;
      }
      expect(neigh, `this machine's ARP entry for ${vip} never moved to node2 (${mac2})`).toContain(mac2);
      // Without the handoff node2 knows nothing of this connection and resets it.
      expect(await askOn(sock)).toBe('node1');
      const d = await drain;
      expect(d.code, d.stderr).toBe(0);
      const handoff = json(d).handoff;
      expect(handoff).toMatchObject({ on: true, node: 'node2' });
      expect(handoff.packets).toBeGreaterThan(0);
      // Nothing left behind: no handoff table on node2, node1's interface answers ARP as before.
      expect(await onNode('node2', 'nft list tables')).not.toContain('haops_handoff');
      expect((await onNode('node1', 'cat /proc/sys/net/ipv4/conf/eth0/arp_ignore; ls /run')).split('\n')[0]).toBe('0');
    } finally {
      sock.destroy();
      expect((await haops(['undrain', LAB, 'node1'])).code).toBe(0);
    }
  }, 120_000);

  it('a client port reused on node2 while node1 still has it in TIME_WAIT: the request sent after the VIP came back is answered by node2, not lost on the stale socket', async () => {
    const { vip } = lab();
    const mac1 = /link\/ether (\S+)/.exec(await onNode('node1', 'ip -o link show dev eth0'))![1]!;
    const localPort = 40000 + Math.floor(Math.random() * 20000);
    // node1 answers and closes first (Connection: close): node1 keeps (this machine:localPort) in TIME_WAIT for 60 s.
    const first = connect({ port: 80, host: vip, localPort });
    await once(first, 'connect');
    expect(await askOn(first, true)).toBe('node1');
    first.destroy();
    const d = await haops(['drain', LAB, 'node1', '--hold', '1']);
    expect(d.code, d.stderr).toBe(0);
    let sock: Socket | undefined;
    try {
      // The same client port, now to node2 (which holds the VIP).
      sock = connect({ port: 80, host: vip, localPort });
      await once(sock, 'connect');
      expect(await askOn(sock)).toBe('node2');
      const undrain = haops(['undrain', LAB, 'node1', '--hold', '9', '--json']);
      let neigh = '';
      for (const until = Date.now() + 9000; !neigh.includes(mac1) && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 50));
        neigh = (await run('ip', ['neigh', 'show', vip])).stdout;
      }
      expect(neigh, `this machine's ARP entry for ${vip} never moved back to node1 (${mac1})`).toContain(mac1);
      // node1 hands the packet on to node2 rather than to its TIME_WAIT socket (which would answer a stale ACK).
      expect(await askOn(sock)).toBe('node2');
      sock.destroy();
      const u = await undrain;
      expect(u.code, u.stderr).toBe(0);
      expect(json(u).handoff).toMatchObject({ on: true, node: 'node1' });
    } finally {
      sock?.destroy();
      await haops(['undrain', LAB, 'node1']);
    }
  }, 120_000);

  it('a drain survives a deploy, a keepalived restart and a reboot, shows as DRAINED, makes the drill refuse; undrain brings the VIP back', async () => {
    const { vip } = lab();
    const d = await haops(['drain', LAB, 'node1']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/moved to node2/);
    expect(d.stdout).toMatch(/node1 is drained \(method track_file\)/);

    const status = json(await haops(['status', LAB, '--json']));
    expect(drainedNodes(status)).toEqual(['node1']);
    expect(holders(status, vip)).toEqual(['node2']);
    expect((await haops(['status', LAB])).stdout).toMatch(/node1: DRAINED/);

    // A config change reloads keepalived on node1: the drain holds, and deploy says so.
    await onNode('node1', 'echo "# edited by hand" >> /etc/keepalived/keepalived.conf');
    const dep = await haops(['deploy', LAB, '--json']);
    const report = json(dep);
    expect(report.ok, dep.stdout).toBe(true);
    expect(report.changed).toBeGreaterThan(0);
    expect(report.pairs[0].drained).toEqual(['node1']);
    expect(report.pairs[0].vips[0]).toMatchObject({ vip, holders: ['node2'], expected: 'node2' });
    expect((await haops(['deploy', LAB])).stdout).toMatch(/node1 is DRAINED and stays so/);

    await onNode('node1', 'systemctl restart keepalived');
    await new Promise((r) => setTimeout(r, 5000)); // longer than the master-down timer
    expect(holders(json(await haops(['status', LAB, '--json'])), vip)).toEqual(['node2']);

    // A reboot: the flag is on the node's disk, keepalived starts FAULT and never takes the VIP.
    await onNode('node1', 'systemctl reboot').catch(() => undefined); // the connection drops
    const rebooted = await statusWhen((st) => st.pairs[0].nodes.find((n: any) => n.host === 'node1')?.keepalived === true, 90);
    const node1 = rebooted.pairs[0].nodes.find((n: any) => n.host === 'node1');
    expect(node1, JSON.stringify(rebooted.pairs[0].nodes)).toMatchObject({ reachable: true, keepalived: true, drained: true });
    await new Promise((r) => setTimeout(r, 5000)); // longer than the master-down timer again
    expect(holders(json(await haops(['status', LAB, '--json'])), vip)).toEqual(['node2']);

    const drill = await haops(['failover-drill', LAB, '--json']);
    expect(drill.code).toBe(1);
    expect(json(drill).problems.join()).toMatch(/node1 is drained .*haops undrain/);

    const u = await haops(['undrain', LAB, 'node1']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toMatch(/back on node1 in \d/);
    const after = json(await haops(['status', LAB, '--json']));
    expect(drainedNodes(after)).toEqual([]);
    expect(holders(after, vip)).toEqual(['node1']);
  }, 240_000);

  it('refuses to drain a node whose peer is drained, and undrain of an undrained node changes nothing', async () => {
    expect((await haops(['drain', LAB, 'node2'])).code).toBe(0);
    const r = await haops(['drain', LAB, 'node1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused: the peer node2 is drained itself/);
    expect((await haops(['undrain', LAB, 'node2'])).code).toBe(0);
    const again = await haops(['undrain', LAB, 'node2']);
    expect(again.stdout).toMatch(/node2 was not drained/);
  }, 120_000);

  it('two haops draining both nodes at once: exactly one succeeds, the VIP always has a holder; --force drains both', async () => {
    const { vip } = lab();
    const [a, b] = await Promise.all([haops(['drain', LAB, 'node1']), haops(['drain', LAB, 'node2'])]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toMatch(/refused: (the peer node\d is drained itself|another haops is draining)/);
    const status = json(await haops(['status', LAB, '--json']));
    expect(drainedNodes(status)).toHaveLength(1);
    expect(holders(status, vip)).toHaveLength(1);
    // --force: the operator takes the whole pair out of service, and is told so.
    const other = drainedNodes(status)[0] === 'node1' ? 'node2' : 'node1';
    const forced = await haops(['drain', LAB, other, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/held by NOBODY/);
    expect(drainedNodes(json(await haops(['status', LAB, '--json'])))).toEqual(['node1', 'node2']);
    expect((await haops(['undrain', LAB, 'node2'])).code).toBe(0);
    expect((await haops(['undrain', LAB, 'node1'])).code).toBe(0);
    // node1 preempts after its master-down timer (about 3.6 s).
    expect(holders(await statusWhen((s) => holders(s, vip).join() === 'node1', 20), vip)).toEqual(['node1']);
  }, 180_000);

  it('haops drain killed before it confirmed: the node is drained under a lease; drain again confirms it, undrain undoes it', async () => {
    const { vip } = lab();
    const child = spawn(process.execPath, [HAOPS_BIN, 'drain', LAB, 'node1', '--lease', '8'], { env });
    await new Promise<void>((resolve) => {
      let text = '';
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
        if (/drain flag up/.test(text)) child.kill('SIGKILL'), resolve();
      });
    });
    expect(await onNode('node1', 'ls /var/lib/haops')).toMatch(/drain\.switchover/); // the lease, unconfirmed
    const again = await haops(['drain', LAB, 'node1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/never confirmed; confirmed now/);
    expect(again.stdout).toMatch(/VIPs? .* (is|are) on node2/);
    await new Promise((r) => setTimeout(r, 10_000)); // longer than the lease: the drain stays
    const status = json(await haops(['status', LAB, '--json']));
    expect(drainedNodes(status)).toEqual(['node1']);
    expect(holders(status, vip)).toEqual(['node2']);
    expect((await haops(['undrain', LAB, 'node1'])).code).toBe(0);
    expect(holders(json(await haops(['status', LAB, '--json'])), vip)).toEqual(['node1']);
  }, 120_000);

  it('Ctrl-C while the VIP is on the peer undoes the drain: the pair ends as it began', async () => {
    const { vip } = lab();
    const r = await haops(['switchover', LAB], { signalAfter: { text: /draining node1/, delayMs: 700 } });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: undoing the drain/);
    // node1 preempts after its master-down timer (about 3.6 s).
    const status = await statusWhen((s) => drainedNodes(s).length === 0 && holders(s, vip).join() === 'node1', 20);
    expect(drainedNodes(status)).toEqual([]);
    expect(holders(status, vip)).toEqual(['node1']);
    expect(await onNode('node1', 'ip -o -4 addr show dev lo')).not.toContain(vip);
  }, 120_000);
  it('haops killed mid-round (no handler runs): the node lifts the drain by itself and the VIP comes home', async () => {
    const { vip } = lab();
    const child = spawn(process.execPath, [HAOPS_BIN, 'switchover', LAB, '--lease', '8', '--hold', '1'], { env });
    await new Promise<void>((resolve) => {
      let text = '';
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
        if (/node1: drain flag up/.test(text)) setTimeout(() => (child.kill('SIGKILL'), resolve()), 300);
      });
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(drainedNodes(json(await haops(['status', LAB, '--json'])))).toEqual(['node1']);
    // The lease (--lease 8) runs out, then node1 preempts after its master-down timer.
    const status = await statusWhen((s) => drainedNodes(s).length === 0 && holders(s, vip).join() === 'node1', 30);
    expect(drainedNodes(status)).toEqual([]);
    expect(holders(status, vip)).toEqual(['node1']);
    // Killed before it ended the bridge: the bridge removes itself 20 s after the drain began
    // (its own timer, not the lease's).
    let lo = '';
    for (let i = 0; i < 30; i++) {
      lo = await onNode('node1', 'ip -o -4 addr show dev lo');
      if (!lo.includes(vip)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(lo).not.toContain(vip);
  }, 120_000);
});

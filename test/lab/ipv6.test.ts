// IPv6 VIPs on the lab pair (issue 26): the lab's own inventory plus each node's ip6, the pair's
// subnet6 and an IPv6 instance (VRID 61, VIP ::100 on the lab's /64, MASTER node1). Deployed,
// curl from the host answers through the IPv6 VIP, node1 holds it, the failover drill moves it to
// node2 and back (unsolicited neighbour advertisements seen), a switchover moves both VIPs without
// a failed request, a connection caught by a drain is handed on over IPv6, and status is clean.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ip6At } from '../../src/lab/subnet.js';
import { askOn, haops as cli, json, onLabNode, switchoverClean } from './cli.js';
import { LAB, NET } from './net.js';
import { currentLab, labSkipReason, useLab } from './shape.js';

const run = promisify(execFile);
const env = { ...process.env, HAOPS_VRRP_PASSWORD: 'Sw1tchOv' };
const haops = (args: string[]) => cli(args, { env });

interface Lab6 {
  /** The IPv6 instance's name. */
  name: string;
  file: string;
  dir: string;
  vip: string;
  nodes: Record<string, { address: string; address6: string }>;
}

/** The lab's inventory with IPv6 added: ip6 per node, subnet6, and the IPv6 instance VI_LAB6. */
function writeIpv6Inventory(): Lab6 {
  const info = currentLab();
  if (!info?.subnet6) throw new Error('the lab has no IPv6 (booted by a haops before IPv6?): haops lab down, then haops lab up');
  const inv = parse(readFileSync(LAB, 'utf8'));
  const nodes: Lab6['nodes'] = {};
  for (const n of info.nodes) {
    inv.hosts[n.name].ip6 = n.address6;
    nodes[n.name] = { address: n.address, address6: n.address6! };
  }
  expect(inv.hosts.node1.address).toBe(`${NET}.11`);
  // The lab's own inventory carries an IPv6 instance (VI_LAB_V6) when the lab has IPv6; one
  // written by an older haops gets it here.
  const own = inv.pairs.lab.instances.find((i: { vip?: string }) => String(i.vip ?? '').includes(':'));
  const vip = own ? String(own.vip).split('/')[0]! : ip6At(info.subnet6, 100);
  inv.pairs.lab.subnet6 = info.subnet6;
  if (!own)
    inv.pairs.lab.instances.push({
      name: 'VI_LAB6',
      virtual_router_id: 61,
      vip: `${vip}/64`,
      master: 'node1',
      priorities: { node1: 200, node2: 199 },
      advert_int: 1,
    });
  const dir = mkdtempSync(join(tmpdir(), 'haops-ipv6-'));
  const file = join(dir, 'lab-ipv6.yaml');
  writeFileSync(file, stringify(inv));
  return { file, dir, vip, nodes, name: own ? String(own.name) : 'VI_LAB6' };
}

/** The node's IPv6 addresses on eth0, as `ip -6 addr` shows them (tentative ones marked). */
const addrs6 = async (address: string) => (await onLabNode(address, 'ip -o -6 addr show dev eth0')).trim();

describe.skipIf(labSkipReason({ nodes: 2 }))('IPv6 VIP on the lab pair (VRRPv3 beside the IPv4 instance)', () => {
  useLab({ nodes: 2 });
  let lab: Lab6;
  beforeAll(async () => {
    lab = writeIpv6Inventory();
    const r = await haops(['deploy', lab.file, '--json']);
    expect(json(r).ok, r.stderr + r.stdout).toBe(true);
  }, 300_000);
  afterAll(async () => {
    // The plain lab pair back for the files after this one.
    await haops(['deploy', LAB]);
    if (lab) rmSync(lab.dir, { recursive: true, force: true });
  }, 300_000);

  it('curl from the host answers through the IPv6 VIP; node1 holds it (not tentative), node2 does not', async () => {
    const { stdout } = await run('curl', ['-g', '-sS', '--max-time', '5', `http://[${lab.vip}]/haops-health`]);
    expect(stdout.trim()).toBe('node1');
    const site = await run('curl', ['-g', '-sS', '--max-time', '5', '-o', '/dev/null', '-w', '%{http_code}', `http://[${lab.vip}]/`]);
    expect(site.stdout).toBe('200');
    const on1 = await addrs6(lab.nodes.node1!.address);
    expect(on1).toContain(`inet6 ${lab.vip}/64`);
    expect(on1.split('\n').find((l) => l.includes(lab.vip))).not.toMatch(/tentative|dadfailed/);
    expect(await addrs6(lab.nodes.node2!.address)).not.toContain(lab.vip);
    const conf = await onLabNode(lab.nodes.node1!.address, 'cat /etc/keepalived/keepalived.conf');
    expect(conf).toContain(`unicast_src_ip ${lab.nodes.node1!.address6}`);
    expect(conf).toMatch(new RegExp(`vrrp_instance ${lab.name} \\{\\n[^}]*version 3`));
  });

  it('status over IPv6 is clean: every VIP on its master, the user path answered through [VIP]', async () => {
    const r = await haops(['status', lab.file, '--json']);
    const s = json(r);
    expect(s.ok, r.stdout).toBe(true);
    expect(r.code).toBe(0);
    expect(JSON.stringify(s)).toContain(lab.vip);
  });

  it('the failover drill on the IPv6 instance passes: its VIP moves to node2 and back, neighbour advertisements seen', async () => {
    const r = await haops(['failover-drill', lab.file, '--instance', lab.name, '--json']);
    const d = json(r);
    expect(d.ok, JSON.stringify(d.problems) + r.stderr).toBe(true);
    const v = d.rounds[0].vips.find((x: { vip: string }) => x.vip === lab.vip);
    expect(v, JSON.stringify(d.rounds[0].vips)).toBeDefined();
    expect(v.from).toBe('node1');
    expect(v.to).toBe('node2');
    expect(v.failoverSeconds).toBeGreaterThan(0);
    expect(v.failoverSeconds).toBeLessThan(10);
    expect(v.failbackSeconds).not.toBeNull();
    expect(v.gratuitousArp).toBe(true);
    expect(v.failedRequests).toBeLessThan(400);
    console.log(
      `IPv6 drill: failover ${v.failoverSeconds} s, HTTP back ${v.httpRecoverySeconds} s, failback ${v.failbackSeconds} s, ${v.failedRequests} failed requests, NA seen ${v.gratuitousArp}`,
    );
    expect((await run('curl', ['-g', '-sS', '--max-time', '5', `http://[${lab.vip}]/haops-health`])).stdout.trim()).toBe('node1');
    expect(json(await haops(['status', lab.file, '--json'])).ok).toBe(true);
  }, 180_000);

  it('a switchover moves both VIPs to node2 and back without a failed request, each handed off (table ip and table ip6)', async () => {
    const r = await haops(['switchover', lab.file, '--json']);
    const s = json(r);
    const vips = s.rounds[0].vips as {
      vip: string;
      switchoverSeconds: number | null;
      switchbackSeconds: number | null;
      failedRequests: number;
    }[];
    const v6 = vips.find((v) => v.vip === lab.vip)!;
    expect(v6, JSON.stringify(vips)).toBeDefined();
    console.log(
      `IPv6 switchover: ${v6.switchoverSeconds} s there, ${v6.switchbackSeconds} s back, ${v6.failedRequests} failed; handoff ${JSON.stringify(s.handoff)}`,
    );
    expect(switchoverClean(s), JSON.stringify(s.problems)).toBe(true);
    expect(JSON.stringify(s)).not.toMatch(/no handoff for IPv6/);
    expect(v6.switchoverSeconds).toBeLessThan(2);
    expect((await run('curl', ['-g', '-sS', '--max-time', '5', `http://[${lab.vip}]/haops-health`])).stdout.trim()).toBe('node1');
    expect(json(await haops(['status', lab.file, '--json'])).ok).toBe(true);
  }, 240_000);

  it('a connection to the IPv6 VIP opened on node1 before a drain is still answered by node1 after the neighbour entry names node2: node2 hands its packets on (table ip6)', async () => {
    const mac2 = /link\/ether (\S+)/.exec(await onLabNode(lab.nodes.node2!.address, 'ip -o link show dev eth0'))![1]!;
    const sock = connect(80, lab.vip);
    await once(sock, 'connect');
    try {
      expect(await askOn(sock)).toBe('node1');
      // A hold past keepalived's second burst of neighbour advertisements (garp_master_delay 5 s).
      const drain = haops(['drain', lab.file, 'node1', '--hold', '9', '--json']);
      let neigh = '';
      for (const until = Date.now() + 9000; !neigh.includes(mac2) && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 50));
        neigh = (await run('ip', ['-6', 'neigh', 'show', lab.vip])).stdout;
      }
      expect(neigh, `this machine's neighbour entry for ${lab.vip} never moved to node2 (${mac2})`).toContain(mac2);
      // Without the handoff node2 knows nothing of this connection and resets it.
      expect(await askOn(sock)).toBe('node1');
      const d = await drain;
      expect(d.code, d.stderr).toBe(0);
      expect(json(d).handoff).toMatchObject({ on: true, node: 'node2' });
      expect(json(d).handoff.packets).toBeGreaterThan(0);
      expect(await onLabNode(lab.nodes.node2!.address, 'nft list tables')).not.toContain('haops_handoff');
    } finally {
      sock.destroy();
      expect((await haops(['undrain', lab.file, 'node1'])).code).toBe(0);
    }
  }, 120_000);
});

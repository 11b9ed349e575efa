// The built-in lab, against real nodes (brought up by test/global-setup.ts), plus the pure parts
// that decide its shape.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CA_CERT, labSiteAddresses } from '../../src/lab/tls.js';
import { IDENTITY_FILE, LAB_SITE_NAME, KNOWN_HOSTS, LabError, labInventoryYaml, labStatus, labUp, planLab } from '../../src/lab/index.js';
import { findClash, labSubnet } from '../../src/lab/subnet.js';
import { mirrorFromSources } from '../../src/lab/base.js';
import { parseKinds } from '../../src/lab/kinds.js';
import { BASE_DIR } from '../../src/lab/paths.js';
import { LAB, NET } from './net.js';
import { haops } from './cli.js';
import { labSkipReason, useLab } from './shape.js';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel } from '../../src/model/derive.js';
import { planData } from '../../src/model/plan-table.js';

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function ssh(address: string, command: string) {
  return exec(
    'ssh',
    [
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${KNOWN_HOSTS}`,
      '-i',
      IDENTITY_FILE,
      `root@${address}`,
      command,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
}

describe('lab plan and inventory', () => {
  it('writes the lab pair in the inventory shape', () => {
    const doc = parse(labInventoryYaml(planLab(2, '198.18.0.0/24', ['systemd'], '2001:2::/64')));
    expect(doc.hosts).toEqual({
      node1: { address: '198.18.0.11', ip6: '2001:2::11' },
      node2: { address: '198.18.0.12', ip6: '2001:2::12' },
    });
    // IPv6: the pair's /64 and an instance whose VIP is IPv6 (haops makes it VRRPv3).
    expect(doc.pairs.lab.subnet6).toBe('2001:2::/64');
    expect(doc.pairs.lab.instances.at(-1)).toMatchObject({
      name: 'VI_LAB_V6',
      virtual_router_id: 61,
      vip: '2001:2::100/64',
      master: 'node1',
    });
    // A lab without IPv6 (the host routes the /64 already): no IPv6 in its inventory.
    const v4 = parse(labInventoryYaml(planLab(2, '198.18.0.0/24', ['systemd'], null)));
    expect(v4.hosts.node1).toEqual({ address: '198.18.0.11' });
    expect(v4.pairs.lab.subnet6).toBeUndefined();
    expect(v4.pairs.lab.instances).toHaveLength(1);
    expect(doc.ssh.identity_file).toBe(IDENTITY_FILE);
    expect(Object.keys(doc.pairs)).toEqual(['lab']);
    // The first instance shows vips: (two addresses moved together); the nginx part, two sites.
    expect(doc.pairs.lab.instances[0]).toMatchObject({
      virtual_router_id: 51,
      vips: ['198.18.0.100/24', '198.18.0.102/24'],
      master: 'node1',
    });
    expect(doc.pairs.lab.nginx.sites.map((s: { name: string; server_name: string }) => [s.name, s.server_name])).toEqual([
      ['lab', 'lab.haops.test'],
      ['www', 'www.lab.haops.test'],
    ]);
    expect(doc.pairs.lab.nginx.upstreams[0].servers).toEqual(['198.18.0.21:8080', '198.18.0.22:8080']);
  });

  it("serves HTTPS with the lab CA's certificate when the lab issued one; the certificate names every VIP", () => {
    const info = planLab(4, '10.9.8.0/24');
    expect(parse(labInventoryYaml(info)).pairs.lab.nginx.sites[0].tls).toBeUndefined();
    info.tls = { certFile: '/s/site.pem', keyFile: '/s/site.key', serverName: LAB_SITE_NAME };
    const doc = parse(labInventoryYaml(info));
    expect(doc.pairs.lab2.nginx.sites[0]).toMatchObject({
      server_name: 'lab.haops.test',
      tls: { cert_file: '/s/site.pem', key_file: '/s/site.key', ca_file: CA_CERT },
    });
    expect(doc.pairs.lab2.nginx.sites[1].tls).toBeUndefined();
    expect(labSiteAddresses(info).slice(0, 4)).toEqual(['10.9.8.100', '10.9.8.102', '10.9.8.104', '10.9.8.101']);
  });

  it('adds a second pair on node3/node4 with four nodes', () => {
    const doc = parse(labInventoryYaml(planLab(4, '10.9.8.0/24')));
    expect(Object.keys(doc.hosts)).toEqual(['node1', 'node2', 'node3', 'node4']);
    expect(doc.pairs.lab2.nodes).toEqual(['node3', 'node4']);
    expect(doc.pairs.lab2.instances[0]).toMatchObject({ virtual_router_id: 52, vip: '10.9.8.101/24', master: 'node3' });
  });

  it('with four nodes the first pair is active-active (each node MASTER of one VIP) and the inventory validates', () => {
    const text = labInventoryYaml(planLab(4, '10.9.8.0/24', ['systemd'], null));
    const doc = parse(text);
    expect(doc.pairs.lab.instances.map((i: { master: string; vip?: string; vips?: string[] }) => [i.master, i.vip ?? i.vips![0]])).toEqual([
      ['node1', '10.9.8.100/24'],
      ['node2', '10.9.8.104/24'],
    ]);
    const plan = planData(buildModel(parseInventory(text, 'lab.yaml', {})));
    expect(plan.map((p) => [p.pair, p.instance, p.scenarios[0]!.holder, p.ok])).toEqual([
      ['lab', 'VI_LAB', 'node1', true],
      ['lab', 'VI_LAB_B', 'node2', true],
      ['lab2', 'VI_LAB2', 'node3', true],
    ]);
  });

  it('finds a host route overlapping the lab subnet, but not the default route or its own link', () => {
    const routes = ['default via 192.0.2.1 dev eth0', '198.18.0.0/24 dev haops0 proto kernel scope link src 198.18.0.1'];
    expect(findClash(labSubnet('198.18.0.0/24'), routes, [], 'haops0')).toBeUndefined();
    routes.push('198.18.0.0/16 via 192.0.2.9 dev eth0');
    expect(findClash(labSubnet('198.18.0.0/24'), routes, [], 'haops0')).toBe('198.18.0.0/16 via 192.0.2.9 dev eth0');
  });

  it('takes the Debian mirror from deb822 or one-line sources', () => {
    const deb822 = 'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n';
    expect(mirrorFromSources([deb822])).toBe('http://mirror.example/debian');
    expect(mirrorFromSources(['deb [arch=amd64] http://m.example/d bookworm main'])).toBe('http://m.example/d');
  });

  it('refuses a node count it cannot address or pair', () => {
    expect(() => planLab(42)).toThrow(LabError);
    expect(() => planLab(3)).toThrow(/even number from 2 to 40/);
  });

  it('pairs every two nodes of a 40-node lab: 20 pairs, unique addresses, VIPs and router ids, and the inventory validates', () => {
    const info = planLab(40, '198.18.0.0/24', ['systemd'], null);
    expect(info.pairs).toHaveLength(20);
    expect(info.pairs.flatMap((p) => p.nodes)).toEqual(info.nodes.map((n) => n.name));
    const addresses = [
      info.hostAddress,
      ...info.nodes.map((n) => n.address),
      ...info.backends.map((b) => b.address),
      ...info.pairs.map((p) => p.vip.split('/')[0]),
      info.pairs[0]!.activeActive!.vip.split('/')[0],
    ];
    expect(new Set(addresses).size).toBe(addresses.length);
    const ids = [...info.pairs.map((p) => p.virtualRouterId), 53];
    expect(new Set(ids).size).toBe(ids.length);
    const text = labInventoryYaml(info);
    const plan = planData(buildModel(parseInventory(text, 'lab.yaml', {})));
    expect(plan.every((p) => p.ok)).toBe(true);
    expect(plan).toHaveLength(21);
  });

  it('gives each pair its kind in order, repeating; sudo and legacy-ssh hosts say how to log in', () => {
    const info = planLab(8, '198.18.0.0/24', parseKinds('sysv,legacy-ssh,sudo'), null);
    expect(info.pairs.map((p) => p.kind)).toEqual(['sysv', 'legacy-ssh', 'sudo', 'sysv']);
    const doc = parse(labInventoryYaml(info));
    expect(doc.hosts.node1).toEqual({ address: '198.18.0.11' });
    expect(doc.hosts.node3.identity_file).toMatch(/\/id_rsa$/);
    expect(doc.hosts.node5).toMatchObject({ user: 'ops', sudo: { password_env: 'HAOPS_LAB_SUDO_PW' } });
    expect(doc.hosts.node6).toEqual({ address: '198.18.0.16', user: 'deploy' });
    expect(() => parseKinds('sysv,centos5')).toThrow(/"centos5" is not a node kind; use systemd, sysv, legacy-ssh, sudo/);
  });
});

describe.skipIf(labSkipReason({ nodes: 2 }))('lab nodes (real, systemd-nspawn)', () => {
  useLab({ nodes: 2 });
  const inventory = () => parse(readFileSync(`${repoRoot}/${LAB}`, 'utf8'));
  const node1 = () => inventory().hosts.node1.address as string;

  it('lets root in on every node with the lab key and a strict known_hosts', async () => {
    for (const [name, host] of Object.entries(inventory().hosts) as [string, { address: string }][]) {
      const { stdout } = await ssh(host.address, 'hostname; id -u');
      expect(stdout).toBe(`${name}\n0\n`);
    }
  });

  it('installs keepalived and nginx from the offline repo, then leaves the node clean', async () => {
    const env = 'export DEBIAN_FRONTEND=noninteractive;';
    await ssh(node1(), `${env} apt-get update -q && apt-get install -y -q keepalived nginx`);
    const { stdout } = await ssh(node1(), "dpkg-query -W -f='${Status}\\n' keepalived nginx");
    expect(stdout.trim().split('\n')).toEqual(['install ok installed', 'install ok installed']);
    await ssh(node1(), `${env} apt-get remove --purge -y -q keepalived nginx && apt-get autoremove --purge -y -q`);
  }, 300_000);

  it('answers ping from the host on a VIP added by hand', async () => {
    await ssh(node1(), `ip addr add ${NET}.100/24 dev eth0`);
    try {
      // The host may lack ping; the base image has it and a chroot shares the host's network.
      const { stdout } = await exec('chroot', [BASE_DIR, 'ping', '-c', '1', '-W', '2', `${NET}.100`]);
      expect(stdout).toMatch(/1 packets transmitted, 1 received/);
    } finally {
      await ssh(node1(), `ip addr del ${NET}.100/24 dev eth0`);
    }
  });

  it('keeps the nodes apart: stopping a service on node1 leaves node2 running it', async () => {
    const node2 = inventory().hosts.node2.address as string;
    for (const a of [node1(), node2]) await ssh(a, 'systemd-run -q --unit=haops-probe sleep 600');
    await ssh(node1(), 'systemctl stop haops-probe');
    const { stdout } = await ssh(node2, 'systemctl is-active haops-probe; systemctl stop haops-probe');
    expect(stdout.trim()).toBe('active');
  });

  it("lets a node set its own network sysctls, as on a real machine, without touching the host's or the peer's", async () => {
    const node2 = inventory().hosts.node2.address as string;
    const file = '/proc/sys/net/ipv4/conf/eth0/arp_ignore';
    const host = () => readFileSync('/proc/sys/net/ipv4/conf/all/arp_ignore', 'utf8').trim();
    const hostBefore = host();
    try {
      await ssh(node1(), `echo 1 > ${file}`);
      expect((await ssh(node1(), `cat ${file}`)).stdout.trim()).toBe('1');
      expect((await ssh(node2, `cat ${file}`)).stdout.trim()).toBe('0');
      expect(host()).toBe(hostBefore);
    } finally {
      await ssh(node1(), `echo 0 > ${file}`);
    }
  });

  it('reports both nodes with ssh up', async () => {
    const status = await labStatus({ workDir: repoRoot });
    expect(status.up).toBe(true);
    expect(status.nodes.map((n) => [n.name, n.ssh])).toEqual([
      ['node1', true],
      ['node2', true],
    ]);
  });

  it('lab status --json: valid JSON with ok true and both nodes answering ssh', async () => {
    const r = await haops(['lab', 'status', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(true);
    expect(j.nodes.map((n: { name: string; ssh: boolean }) => [n.name, n.ssh])).toEqual([
      ['node1', true],
      ['node2', true],
    ]);
  });

  it('--verbose prints each SSH command with its host and time on stderr, and its exit code', async () => {
    const before = Date.now();
    const r = await haops(['--verbose', 'status', LAB, '--limit', 'node1']);
    const starts = [...r.stderr.matchAll(/^(\d{4}-\d\d-\d\dT[\d:.]+Z) (node[12])# (.*)$/gm)];
    expect(starts.map((m) => m[2]).sort()).toEqual(['node1', 'node2']); // --limit node1: its pair, both nodes
    for (const m of starts) expect(Date.parse(m[1]!)).toBeGreaterThanOrEqual(before - 1000);
    expect(r.stderr).toMatch(/^[\d\-T:.]+Z node1: exit 0 after \d+ ms$/m);
  });

  it('refuses a subnet that clashes with the host network, touching nothing', async () => {
    const before = (await exec('ip', ['netns', 'list'])).stdout;
    await expect(labUp({ subnet: '192.0.2.0/24', workDir: repoRoot })).rejects.toThrow(/192\.0\.2\.0\/24 dev eth0.*--subnet/);
    expect((await exec('ip', ['netns', 'list'])).stdout).toBe(before);
    expect((await labStatus({ workDir: repoRoot })).up).toBe(true);
  });
});

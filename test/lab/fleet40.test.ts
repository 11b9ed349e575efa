// A 40-node lab on real nodes: it boots with every node in a pair, and `lab down` leaves the host
// as it was (namespaces, mounts, host link, cgroups). About a minute and 300 MB: opt in with
// HAOPS_LAB_FLEET=1.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it, inject } from 'vitest';
import { parse } from 'yaml';
import { labWanted } from '../global-setup.js';
import { CGROUP_NAME, HOST_LINK, NETNS_PREFIX, NODES_DIR } from '../../src/lab/paths.js';
import { haops } from './cli.js';
import { LAB } from './net.js';

const exec = promisify(execFile);

async function hostState() {
  const netns = (await exec('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(NETNS_PREFIX));
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.includes(`${NODES_DIR}/`));
  const link = (await exec('ip', ['-o', 'link', 'show']).then((r) => r.stdout)).includes(`${HOST_LINK}@`);
  const cgroup = existsSync(`/sys/fs/cgroup/memory/${CGROUP_NAME}`) || existsSync(`/sys/fs/cgroup/${CGROUP_NAME}`);
  return { netns, mounts, link, cgroup };
}

// It takes the lab down: only a lab this run booted (the global setup's teardown then finds none).
describe.skipIf(!labWanted() || process.env.HAOPS_LAB_FLEET !== '1' || !inject('labOwned'))('a 40-node lab (real nodes)', () => {
  it('boots 40 nodes in 20 pairs, all answering; lab down leaves no namespace, mount, link or cgroup', async () => {
    const up = await haops(['lab', 'up', '--nodes', '40']);
    expect(up.code, up.stderr).toBe(0);
    const inv = parse(readFileSync(LAB, 'utf8'));
    const paired = Object.values(inv.pairs as Record<string, { nodes: string[] }>).flatMap((p) => p.nodes);
    expect(Object.keys(inv.pairs)).toHaveLength(20);
    expect(paired.sort()).toEqual(Object.keys(inv.hosts).sort());
    const status = await haops(['lab', 'status']);
    expect(status.code, status.stdout).toBe(0);
    expect(status.stdout.match(/ running {2}ssh$/gm)).toHaveLength(40);
    expect((await haops(['validate', LAB])).code).toBe(0);

    expect((await haops(['lab', 'down'])).code).toBe(0);
    expect(await hostState()).toEqual({ netns: [], mounts: [], link: false, cgroup: false });
  }, 600_000);
});

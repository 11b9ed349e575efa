// One cgroup per node under every mounted cgroup hierarchy (v1, hybrid or unified), so one
// node's `systemctl stop` can never reach another node's processes.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { CGROUP_NAME } from './paths.js';

async function hierarchies(): Promise<string[]> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
    .map((f) => f[1]);
}

/** Creates the node's cgroup in every hierarchy and returns the directories to join. */
export async function createNodeCgroups(node: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const root of await hierarchies()) {
    const lab = `${root}/${CGROUP_NAME}`;
    await mkdir(`${lab}/${node}`, { recursive: true });
    // A v1 cpuset cgroup accepts no process until it has cpus and mems of its own.
    if (existsSync(`${root}/cpuset.cpus`)) {
      for (const dir of [lab, `${lab}/${node}`]) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) await writeFile(`${dir}/${f}`, await readFile(`${root}/${f}`));
      }
    }
    dirs.push(`${lab}/${node}`);
  }
  return dirs;
}

/** Pids still in a node's cgroup tree (any hierarchy tracks them all; use the first that has it). */
export async function cgroupPids(node: string): Promise<number[]> {
  for (const root of await hierarchies()) {
    const dir = `${root}/${CGROUP_NAME}/${node}`;
    if (existsSync(dir)) return pidsUnder(dir);
  }
  return [];
}

async function pidsUnder(dir: string): Promise<number[]> {
  const own = (await readFile(`${dir}/cgroup.procs`, 'utf8')).split('\n').filter(Boolean).map(Number);
  const children = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
  const nested = await Promise.all(children.map((c) => pidsUnder(`${dir}/${c.name}`)));
  return own.concat(...nested);
}

/** Names of nodes that still have a cgroup (leftovers included). */
export async function cgroupNodes(): Promise<string[]> {
  const names = new Set<string>();
  for (const root of await hierarchies()) {
    const lab = `${root}/${CGROUP_NAME}`;
    if (!existsSync(lab)) continue;
    for (const e of await readdir(lab, { withFileTypes: true })) if (e.isDirectory()) names.add(e.name);
  }
  return [...names];
}

/** Removes the lab's cgroup trees, deepest first; they must be empty of processes. */
export async function removeLabCgroups(): Promise<void> {
  for (const root of await hierarchies()) {
    const lab = `${root}/${CGROUP_NAME}`;
    if (existsSync(lab)) await removeTree(lab);
  }
}

async function removeTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await removeTree(`${dir}/${e.name}`);
  }
  await rmdir(dir);
}

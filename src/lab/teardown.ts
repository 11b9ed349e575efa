// `lab down`, also run before every `lab up`: finds everything a lab may have left (from state
// files, cgroups, mounts and namespace names, not from memory) and removes it.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { cgroupNodes, cgroupPids, removeLabCgroups } from './cgroup.js';
import { run, succeeds } from './exec.js';
import { deleteHostLink, deleteNamespace, labNamespaces, namespacePids } from './network.js';
import { isAlive, mountedOverlays, readPid } from './node.js';
import { KNOWN_HOSTS, NODES_DIR, STATE_DIR, STATE_FILE } from './paths.js';
import { waitFor } from './probe.js';

const SHUTDOWN_MS = 15_000;

export async function teardown(log: (s: string) => void): Promise<void> {
  const nodes = await cgroupNodes();
  if (nodes.length) log(`stopping ${nodes.join(', ')}`);
  await Promise.all(nodes.map(stopNode));
  for (const ns of await labNamespaces()) {
    for (const pid of await namespacePids(ns)) signal(pid, 'SIGKILL');
  }
  for (const dir of await mountedOverlays()) {
    if (!(await succeeds('umount', [dir]))) await run('umount', ['-l', dir]);
  }
  await deleteHostLink();
  for (const ns of await labNamespaces()) await deleteNamespace(ns);
  await removeLabCgroups();
  await removeState();
}

/** Asks the node to power off (SIGTERM to nspawn), then kills whatever is left in its cgroup. */
async function stopNode(name: string): Promise<void> {
  const pid = await readPid(name);
  if (pid && isAlive(pid) && (await isNspawn(pid))) {
    signal(pid, 'SIGTERM');
    if (await waitFor(async () => (await cgroupPids(name)).length === 0, SHUTDOWN_MS)) return;
  }
  await waitFor(async () => {
    const pids = await cgroupPids(name);
    for (const p of pids) signal(p, 'SIGKILL');
    return pids.length === 0;
  }, SHUTDOWN_MS);
}

/** A stale pid file may name an unrelated process by now: only signal systemd-nspawn. */
async function isNspawn(pid: number): Promise<boolean> {
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  return comm.trim() === 'systemd-nspawn';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Node trees, pid files, state and known_hosts go; logs and the client key stay. */
async function removeState(): Promise<void> {
  await rm(NODES_DIR, { recursive: true, force: true });
  await rm(STATE_FILE, { force: true });
  await rm(KNOWN_HOSTS, { force: true });
  if (!existsSync(STATE_DIR)) return;
  for (const f of await readdir(STATE_DIR)) {
    if (f.endsWith('.pid')) await rm(`${STATE_DIR}/${f}`);
  }
}

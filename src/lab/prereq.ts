// Checks the host can run the lab before anything is created: Linux, root, and the tools.
import { accessSync, constants } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { LabError } from './errors.js';

const INSTALL = 'apt-get install -y debootstrap systemd-container dpkg-dev openssh-client iproute2 openssl';
const TOOLS = ['debootstrap', 'systemd-nspawn', 'dpkg-scanpackages', 'ssh-keygen', 'ip', 'mount', 'chroot', 'openssl'];

export function checkHost(): void {
  if (process.platform !== 'linux') throw new LabError(`the lab needs Linux with systemd-nspawn; this is ${process.platform}`);
  if (process.getuid?.() !== 0) throw new LabError('the lab needs root: run it as root (e.g. `sudo haops lab up`)');
}

export function checkPrerequisites(): void {
  checkHost();
  const missing = TOOLS.find((t) => !onPath(t));
  if (missing) throw new LabError(`${missing} is missing: run \`${INSTALL}\``);
}

function onPath(tool: string): boolean {
  const dirs = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`.split(':').filter(Boolean);
  return dirs.some((d) => {
    try {
      accessSync(`${d}/${tool}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const INOTIFY_INSTANCES = '/proc/sys/fs/inotify/max_user_instances';
/** What one booted node takes (systemd, journald, logind, dbus), with room to spare; measured 5-8. */
const INOTIFY_PER_NODE = 16;

/**
 * Every node's systemd runs as the host's root and takes inotify instances from root's limit
 * (128 on Debian): ten nodes beside other labs already fail to boot with "Too many open files".
 * Raises the limit (never lowers it) so this lab fits beside what already runs; returns the
 * old value when it changed it. The raise stays after `lab down`: other labs may rely on it.
 */
export async function ensureInotifyRoom(nodes: number): Promise<{ from: number; to: number } | undefined> {
  const current = Number((await readFile(INOTIFY_INSTANCES, 'utf8')).trim());
  const wanted = 512 + nodes * INOTIFY_PER_NODE;
  if (!Number.isFinite(current) || current >= wanted) return undefined;
  await writeFile(INOTIFY_INSTANCES, `${wanted}\n`);
  return { from: current, to: wanted };
}

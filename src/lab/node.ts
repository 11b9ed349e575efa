// One lab node: an overlay on the base image (and its kind's layer), its own host keys and
// authorized keys written before boot, and systemd-nspawn booting it detached inside the node's
// own cgroup.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createNodeCgroups } from './cgroup.js';
import { LabError } from './errors.js';
import { run } from './exec.js';
import { LEGACY_SSHD_CONFIG, type NodeKind } from './kinds.js';
import { BASE_DIR, NODE_REPO_DIR, NODES_DIR, REPO_DIR, logFile, nodeDir, pidFile } from './paths.js';

export interface NodeSetup {
  name: string;
  kind: NodeKind;
  /** The login user (root, or a sudo node's user); root's key is there on every node too. */
  user: string;
  netns: string;
  /** The key the login user is let in with (RSA on a legacy-ssh node). */
  clientPublicKey: string;
  /** The lab's ed25519 key, for root on every node. */
  rootPublicKey: string;
}

const merged = (name: string) => `${nodeDir(name)}/merged`;

/** `layer`: the kind's cached layer, stacked over the base. */
export async function mountOverlay(name: string, layer?: string): Promise<void> {
  const dir = nodeDir(name);
  for (const d of ['upper', 'work', 'merged']) await mkdir(`${dir}/${d}`, { recursive: true });
  const lower = layer ? `${layer}:${BASE_DIR}` : BASE_DIR;
  const opts = `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work`;
  await run('mount', ['-t', 'overlay', `haops-${name}`, '-o', opts, merged(name)]);
}

/** Writes what makes the node itself: name, host key, client key, offline apt source. Returns its host public key. */
export async function personalize(node: NodeSetup): Promise<string> {
  const root = merged(node.name);
  await writeFile(`${root}/etc/hostname`, `${node.name}\n`);
  await writeFile(`${root}/etc/hosts`, `127.0.0.1 localhost\n127.0.1.1 ${node.name}\n`);
  await writeAptSources(root);
  await writeAuthorizedKey(root, 'root', node.rootPublicKey);
  if (node.user !== 'root' || node.clientPublicKey !== node.rootPublicKey) await writeAuthorizedKey(root, node.user, node.clientPublicKey);
  if (node.kind === 'legacy-ssh') {
    await writeFile(`${root}/etc/ssh/sshd_config.d/haops-lab.conf`, LEGACY_SSHD_CONFIG);
    return newHostKey(root, node.name, 'rsa');
  }
  return newHostKey(root, node.name, 'ed25519');
}

async function writeAptSources(root: string): Promise<void> {
  await rm(`${root}/etc/apt/sources.list.d`, { recursive: true, force: true });
  await mkdir(`${root}/etc/apt/sources.list.d`);
  await writeFile(`${root}/etc/apt/sources.list`, `deb [trusted=yes] file:${NODE_REPO_DIR} ./\n`);
  // The base's package lists describe the mirror it was built from, not this source: a node
  // starts with none, like a fresh machine, so the first install runs apt-get update.
  for (const f of await readdir(`${root}/var/lib/apt/lists`)) {
    if (f !== 'partial' && f !== 'auxfiles' && f !== 'lock') await rm(`${root}/var/lib/apt/lists/${f}`, { recursive: true, force: true });
  }
}

async function writeAuthorizedKey(root: string, user: string, publicKey: string): Promise<void> {
  const home = user === 'root' ? '/root' : `/home/${user}`;
  const owner = await ids(root, user);
  const dir = `${root}${home}/.ssh`;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFile(`${dir}/authorized_keys`, publicKey, { mode: 0o600 });
  // sshd's StrictModes wants the user's own files.
  await chown(dir, owner.uid, owner.gid);
  await chown(`${dir}/authorized_keys`, owner.uid, owner.gid);
}

/** uid and gid of a user from the node's /etc/passwd (not the host's). */
async function ids(root: string, user: string): Promise<{ uid: number; gid: number }> {
  const line = (await readFile(`${root}/etc/passwd`, 'utf8')).split('\n').find((l) => l.startsWith(`${user}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new LabError(`no user ${user} in the node's /etc/passwd (a layer is missing?)`);
  return { uid: Number(uid), gid: Number(gid) };
}

async function newHostKey(root: string, name: string, type: 'ed25519' | 'rsa'): Promise<string> {
  const sshDir = `${root}/etc/ssh`;
  for (const f of await readdir(sshDir)) if (f.startsWith('ssh_host_')) await rm(`${sshDir}/${f}`);
  const key = `${sshDir}/ssh_host_${type}_key`;
  await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `root@${name}`, '-f', key]);
  return readFile(`${key}.pub`, 'utf8');
}

/**
 * Boots the node in the background: a shell joins the node's cgroups and runs systemd-nspawn,
 * recording its pid (the pid file names the nspawn process). A node that reboots (`reboot`,
 * `systemctl reboot`) makes nspawn exit with 133: the shell boots it again, so a lab node reboots
 * like a machine; any other exit (poweroff, `lab down`) ends the shell too.
 */
export async function boot(node: NodeSetup): Promise<void> {
  const cgroups = await createNodeCgroups(node.name);
  const script =
    'for d in $HAOPS_CGROUPS; do echo $$ > "$d/cgroup.procs" || { echo "cannot join cgroup $d" >&2; exit 1; }; done; ' +
    'while :; do "$@" & echo $! > "$HAOPS_PIDFILE"; wait $!; rc=$?; [ "$rc" = 133 ] || exit "$rc"; echo "haops lab: rebooting" >&2; done';
  const sysv = node.kind === 'sysv';
  const nspawn = [
    // --boot would pick /lib/systemd/systemd before /sbin/init even with sysvinit-core installed:
    // a SysV node runs /sbin/init as PID 1 by name. SysV init ignores systemd's SIGRTMIN+3 and
    // has nothing to save, so it is stopped with SIGKILL.
    'systemd-nspawn',
    ...(sysv ? ['--kill-signal=SIGKILL'] : ['--boot']),
    '--register=no',
    '--keep-unit',
    '--link-journal=no',
    '--capability=CAP_NET_ADMIN,CAP_NET_RAW',
    `--network-namespace-path=/run/netns/${node.netns}`,
    // The node's own network sysctls writable (/proc/sys/net), as on a real machine: the drain's
    // bridge sets arp_ignore there. Without it nspawn leaves /proc/sys read-only and the old
    // holder's copy of the VIP on lo answers ARP beside the new holder.
    '--private-network',
    `--bind-ro=${REPO_DIR}:${NODE_REPO_DIR}`,
    '-D',
    merged(node.name),
    `--machine=${node.name}`,
    ...(sysv ? ['/sbin/init'] : []),
  ];
  const out = openSync(logFile(node.name), 'w');
  const child = spawn('sh', ['-c', script, 'sh', ...nspawn], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, HAOPS_CGROUPS: cgroups.join(' '), HAOPS_PIDFILE: pidFile(node.name) },
  });
  child.unref();
  closeSync(out);
}

export async function readPid(name: string): Promise<number | undefined> {
  if (!existsSync(pidFile(name))) return undefined;
  const pid = Number((await readFile(pidFile(name), 'utf8')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Overlay mount points of lab nodes currently in /proc/mounts (leftovers included). */
export async function mountedOverlays(): Promise<string[]> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'overlay' && f[1]?.startsWith(`${NODES_DIR}/`))
    .map((f) => f[1]);
}

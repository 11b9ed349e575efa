// The lab's base image: a minimal Debian 12 tree built once with debootstrap and cached outside
// the repo; every node boots from an overlay on it. A stamp marks a complete build.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { LabError } from './errors.js';
import { run } from './exec.js';
import { BASE_DIR, BASE_STAMP, CACHE_DIR, REPO_STAMP } from './paths.js';

export const SUITE = 'bookworm';
// nftables: standard on Debian (priority important); switchover's handoff needs it on the nodes.
const INCLUDE = 'systemd,systemd-sysv,dbus,openssh-server,iproute2,procps,iputils-ping,curl,ca-certificates,python3,nftables';
const STAMP = `debootstrap --variant=minbase --include=${INCLUDE} ${SUITE}\n`;

/** Builds the base image unless a complete one is cached; returns true when it built one. */
export async function ensureBase(log: (s: string) => void): Promise<boolean> {
  if (existsSync(BASE_STAMP) && (await readFile(BASE_STAMP, 'utf8')) === STAMP) return false;
  const mirror = mirrorFromSources(await readAptSources());
  log(`building the base image in ${BASE_DIR} (debootstrap ${SUITE}, a few minutes)`);
  await rm(BASE_STAMP, { force: true });
  await rm(REPO_STAMP, { force: true });
  await rm(BASE_DIR, { recursive: true, force: true });
  await mkdir(CACHE_DIR, { recursive: true });
  await run('debootstrap', ['--variant=minbase', `--include=${INCLUDE}`, SUITE, BASE_DIR, mirror]);
  await trimBase();
  await writeFile(BASE_STAMP, STAMP);
  return true;
}

/** Removes what must differ per node (host keys, machine id) and what nodes never need. */
async function trimBase(): Promise<void> {
  const sshDir = `${BASE_DIR}/etc/ssh`;
  for (const f of await readdir(sshDir)) {
    if (f.startsWith('ssh_host_')) await rm(`${sshDir}/${f}`);
  }
  await writeFile(`${sshDir}/sshd_config.d/haops-lab.conf`, 'HostKey /etc/ssh/ssh_host_ed25519_key\n');
  // An empty machine-id makes systemd generate a fresh one on every boot.
  await writeFile(`${BASE_DIR}/etc/machine-id`, '');
  await rm(`${BASE_DIR}/var/lib/dbus/machine-id`, { force: true });
  await run('chroot', [BASE_DIR, 'apt-get', 'clean']);
}

async function readAptSources(): Promise<string[]> {
  const dir = '/etc/apt/sources.list.d';
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => /\.(list|sources)$/.test(f)).map((f) => `${dir}/${f}`) : [];
  if (existsSync('/etc/apt/sources.list')) files.unshift('/etc/apt/sources.list');
  return Promise.all(files.map((f) => readFile(f, 'utf8')));
}

/** The host's Debian mirror for the lab's suite, from one-line or deb822 apt sources (pure). */
export function mirrorFromSources(texts: string[]): string {
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (m && m[2] === SUITE) return m[1];
    }
    for (const block of text.split(/\n\s*\n/)) {
      const field = (k: string) => new RegExp(`^${k}:\\s*(.+)$`, 'mi').exec(block)?.[1].trim();
      const enabled = field('Enabled') !== 'no';
      const debs = field('Types')?.split(/\s+/).includes('deb');
      const uri = field('URIs')?.split(/\s+/)[0];
      if (enabled && debs && uri && field('Suites')?.split(/\s+/).includes(SUITE)) return uri;
    }
  }
  throw new LabError(`no apt source for Debian ${SUITE} on this host: add the mirror to /etc/apt/sources.list`);
}

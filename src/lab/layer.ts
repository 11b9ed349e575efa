// Cached layers over the base image, one per node kind that needs more than the base: the
// kind's packages installed (offline, from debs fetched once) plus its setup, kept as an overlay
// upper directory that nodes mount as a lower layer. A layer is built beside the others and
// renamed into place, so labs already using the cache never see a half-built one.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { LabError } from './errors.js';
import { run } from './exec.js';
import { kindPackages, LAB_SUDO_PASSWORD, type NodeKind, SUDO_NOPASSWD_USER, SUDO_PASSWORD_USER } from './kinds.js';
import { BASE_DIR, BASE_STAMP, LAYERS_DIR } from './paths.js';
import { downloadDebs } from './repo.js';

const DEBS_IN_NODE = '/tmp/haops-debs';

/** Shell run inside the layer after its packages are installed (root of the layer is /). */
function setupScript(kind: NodeKind): string {
  if (kind === 'sysv') {
    // No ttys in a container: gettys would respawn-fail forever. Nothing else of rcS needs the
    // hardware clock.
    return ["sed -i -E 's/^([1-6]:[0-9]+:respawn:)/#\\1/' /etc/inittab", 'update-rc.d -f hwclock.sh remove || true'].join('\n');
  }
  if (kind === 'sudo') {
    return [
      `useradd -m -u 1001 -s /bin/bash ${SUDO_PASSWORD_USER}`,
      `useradd -m -u 1002 -s /bin/bash ${SUDO_NOPASSWD_USER}`,
      `echo '${SUDO_PASSWORD_USER}:${LAB_SUDO_PASSWORD}' | chpasswd`,
      `echo '${SUDO_PASSWORD_USER} ALL=(ALL) ALL' > /etc/sudoers.d/haops-lab`,
      `echo '${SUDO_NOPASSWD_USER} ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers.d/haops-lab`,
      'chmod 0440 /etc/sudoers.d/haops-lab',
      'visudo -c -q',
    ].join('\n');
  }
  return '';
}

/** The layer directory a kind's nodes stack on the base, or undefined when the base is enough. */
export function layerDir(kind: NodeKind, baseStamp: string): string | undefined {
  const packages = kindPackages(kind);
  if (!packages.length) return undefined;
  const key = createHash('sha256')
    .update(`${baseStamp}\n${packages.join(' ')}\n${setupScript(kind)}`)
    .digest('hex')
    .slice(0, 12);
  return `${LAYERS_DIR}/${kind}-${key}`;
}

/** Builds the kind's layer unless it is cached; returns its directory (undefined: none needed). */
export async function ensureLayer(kind: NodeKind, log: (s: string) => void): Promise<string | undefined> {
  const dir = layerDir(kind, await readFile(BASE_STAMP, 'utf8'));
  if (!dir || existsSync(dir)) return dir;
  const build = `${LAYERS_DIR}/.build-${kind}-${process.pid}`;
  log(`building the ${kind} layer (${kindPackages(kind).join(', ')}) in ${dir}`);
  await rm(build, { recursive: true, force: true });
  for (const d of ['debs/partial', 'upper', 'work', 'merged']) await mkdir(`${build}/${d}`, { recursive: true });
  try {
    await downloadDebs(kindPackages(kind), `${build}/debs`);
    const merged = `${build}/merged`;
    await run('mount', [
      '-t',
      'overlay',
      'haops-layer',
      '-o',
      `lowerdir=${BASE_DIR},upperdir=${build}/upper,workdir=${build}/work`,
      merged,
    ]);
    try {
      await install(kind, merged, `${build}/debs`);
    } finally {
      await run('umount', [merged]);
    }
    // The bind mount's mount point is all nspawn leaves behind.
    await rm(`${build}/upper${DEBS_IN_NODE}`, { recursive: true, force: true });
    await rename(`${build}/upper`, `${build}/layer`);
    // Another lab may have finished the same layer meanwhile: theirs stands, ours goes.
    await rename(`${build}/layer`, dir).catch(() => undefined);
  } finally {
    await rm(build, { recursive: true, force: true });
  }
  if (!existsSync(dir)) throw new LabError(`could not build the ${kind} layer in ${dir}`);
  await pruneLayers(kind, dir, log);
  return dir;
}

/**
 * Removes the kind's older layers (an older base or package set), except any a running lab
 * still mounts: a rebuilt layer would otherwise leave ~90 MB behind each time.
 */
export async function pruneLayers(
  kind: NodeKind,
  keep: string,
  log: (s: string) => void,
  layersDir = LAYERS_DIR,
  mountsFile = '/proc/mounts',
): Promise<string[]> {
  const mounts = await readFile(mountsFile, 'utf8').catch(() => '');
  const removed: string[] = [];
  for (const name of await readdir(layersDir).catch(() => [] as string[])) {
    const dir = `${layersDir}/${name}`;
    if (!new RegExp(`^${kind}-[0-9a-f]{12}$`).test(name) || dir === keep || mounts.includes(dir)) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  if (removed.length) log(`removed ${removed.length} older ${kind} layer(s): ${removed.join(', ')}`);
  return removed;
}

/** Installs the fetched debs in the mounted layer with apt (it removes what they replace) and runs the setup. */
async function install(kind: NodeKind, root: string, debs: string): Promise<void> {
  await writeFile(`${debs}/Packages`, await run('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: debs }));
  await writeFile(`${debs}/sources.list`, `deb [trusted=yes] file:${DEBS_IN_NODE} ./\n`);
  // Only the fetched debs count: not the base's lists, which name the mirror's versions.
  const apt = `apt-get -q -o Dir::Etc::SourceList=${DEBS_IN_NODE}/sources.list -o Dir::Etc::SourceParts=- -o Dir::State::Lists=/tmp/haops-lists`;
  const script = [
    'set -e',
    'export DEBIAN_FRONTEND=noninteractive',
    'mkdir -p /tmp/haops-lists/partial',
    `${apt} update`,
    `${apt} install -y -o Dpkg::Options::=--force-confdef ${kindPackages(kind).join(' ')}`,
    'rm -rf /tmp/haops-lists',
    setupScript(kind),
    'apt-get clean',
  ].join('\n');
  await run('systemd-nspawn', [
    '-q',
    '--register=no',
    '--keep-unit',
    '--private-network',
    `--machine=haops-layer-${kind}-${process.pid}`,
    `--bind-ro=${debs}:${DEBS_IN_NODE}`,
    '-D',
    root,
    'sh',
    '-c',
    script,
  ]);
}

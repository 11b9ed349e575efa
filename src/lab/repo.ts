// The offline apt repository the nodes install keepalived and nginx from: the packages and every
// dependency the base lacks, fetched once with the host's apt against the base's dpkg status.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { LabError } from './errors.js';
import { run } from './exec.js';
import { BASE_DIR, REPO_DIR, REPO_STAMP } from './paths.js';

export const REPO_PACKAGES = ['keepalived', 'nginx', 'psmisc'];

/** Fills the repo unless a complete one is cached; returns true when it built one. */
export async function ensureRepo(log: (s: string) => void): Promise<boolean> {
  if (existsSync(REPO_STAMP)) return false;
  log(`fetching ${REPO_PACKAGES.join(', ')} and their dependencies into ${REPO_DIR}`);
  await rm(REPO_DIR, { recursive: true, force: true });
  await mkdir(`${REPO_DIR}/partial`, { recursive: true });
  await download().catch((e: LabError) => {
    throw new LabError(`could not fetch the lab packages (run \`apt-get update\` and retry): ${e.message}`, e.detail);
  });
  await rm(`${REPO_DIR}/partial`, { recursive: true, force: true });
  await rm(`${REPO_DIR}/lock`, { force: true });
  const index = await run('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: REPO_DIR });
  await writeFile(`${REPO_DIR}/Packages`, index);
  await writeFile(REPO_STAMP, `${REPO_PACKAGES.join(' ')}\n`);
  return true;
}

/** Resolves against the base's installed packages, so only what a node lacks is fetched. */
function download(): Promise<string> {
  return run('apt-get', [
    '-q',
    '-y',
    '--download-only',
    '-o',
    `Dir::State::status=${BASE_DIR}/var/lib/dpkg/status`,
    '-o',
    `Dir::Cache::archives=${REPO_DIR}`,
    '-o',
    'Debug::NoLocking=1',
    'install',
    ...REPO_PACKAGES,
  ]);
}

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
  await downloadDebs(REPO_PACKAGES, REPO_DIR);
  await rm(`${REPO_DIR}/lock`, { force: true });
  const index = await run('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: REPO_DIR });
  await writeFile(`${REPO_DIR}/Packages`, index);
  await writeFile(REPO_STAMP, `${REPO_PACKAGES.join(' ')}\n`);
  return true;
}

/**
 * Fetches what the base lacks for these packages into a directory: the host's apt, resolved
 * against the base's dpkg status, so only what a node lacks is fetched.
 */
export async function downloadDebs(packages: string[], into: string): Promise<void> {
  await run('apt-get', [
    '-q',
    '-y',
    '--download-only',
    '-o',
    `Dir::State::status=${BASE_DIR}/var/lib/dpkg/status`,
    '-o',
    `Dir::Cache::archives=${into}`,
    '-o',
    'Debug::NoLocking=1',
    'install',
    ...packages,
  ]).catch((e: LabError) => {
    throw new LabError(`could not fetch ${packages.join(', ')} for the lab (run \`apt-get update\` and retry): ${e.message}`, e.detail);
  });
  await rm(`${into}/partial`, { recursive: true, force: true });
}

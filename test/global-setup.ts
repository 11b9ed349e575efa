// Vitest global setup of the `lab` project: uses the lab of this HAOPS_LAB_ID if one is up, or
// boots one (2 nodes) and then tears down only that one, also on Ctrl-C. A lab someone else
// started is never taken down, nor reshaped: `labOwned` tells the files (test/lab/shape.ts).
// Lab tests read inventory/lab.yaml. HAOPS_LAB=0 skips the lab.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { fileURLToPath } from 'node:url';
import { copyLabCa, INVENTORY_FILE, labDown, labInventoryYaml, labStatus, labUp, type LabInfo } from '../src/lab/index.js';
import { STATE_FILE } from '../src/lab/paths.js';
import { claimsOf, releaseSpareId } from './lab/spare.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const log = (s: string) => console.error(`lab: ${s}`);

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run booted its lab: files may reshape it (and the teardown takes it down). */
    labOwned: boolean;
    /** This run's mark on the spare lab ids it claims (test/lab/spare.ts). */
    labRun: string;
  }
}

export function labWanted(): boolean {
  return process.env.HAOPS_LAB !== '0' && process.platform === 'linux' && process.getuid?.() === 0;
}

/** Newest (or oldest) modification time of the files under dir with this suffix; 0 if none. */
function mtime(dir: string, suffix: string, pick: (a: number, b: number) => number): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith(suffix)) t = t === 0 ? statSync(join(dir, f)).mtimeMs : pick(t, statSync(join(dir, f)).mtimeMs);
  }
  return t;
}

/**
 * Lab tests run haops as users do, `bin/haops.js` on dist/ (test/lab/cli.ts): a Node start from
 * compiled JS costs about a third of the CPU of one through tsx, and the lab files start it over
 * a hundred times. `npm test` builds first (scripts/setup.sh); a lab run started by hand rebuilds
 * dist/ here when a source is newer than the build.
 */
export function buildCli(): void {
  const built = mtime(`${repoRoot}/dist`, '.js', Math.min);
  const fresh = existsSync(`${repoRoot}/dist/cli/main.js`) && existsSync(`${repoRoot}/dist/bundle/haops.mjs`);
  if (
    built > 0 &&
    fresh &&
    mtime(`${repoRoot}/src`, '.ts', Math.max) < Math.min(built, statSync(`${repoRoot}/dist/bundle/haops.mjs`).mtimeMs)
  )
    return;
  log('building dist/ for the lab tests (a source is newer than the build)');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
}

/** A file that booted a spare lab takes it down itself; after a crash or Ctrl-C, the run's global teardown does. */
export function downSparesOf(run: string): void {
  for (const id of claimsOf(run)) {
    log(`taking down spare lab ${id}, left by a file of this run`);
    try {
      execFileSync(process.execPath, ['bin/haops.js', 'lab', 'down'], {
        cwd: repoRoot,
        env: { ...process.env, HAOPS_LAB_ID: id },
        stdio: 'inherit',
      });
    } finally {
      rmSync(`${repoRoot}/inventory/lab-spare${id}.yaml`, { force: true });
      releaseSpareId(id);
    }
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  project.provide('labOwned', false);
  const run = randomUUID();
  project.provide('labRun', run);
  if (!labWanted()) return;
  const downSpares = () => downSparesOf(run);
  buildCli();
  const id = process.env.HAOPS_LAB_ID || '(default)';
  // A lab whose nodes run but answer slowly (another lab booting beside it on this machine) is
  // still someone's lab: wait for it rather than boot over it, and never take it down after.
  let status = await labStatus({ workDir: repoRoot });
  for (const until = Date.now() + 120_000; !status.up && status.nodes.some((n) => n.running) && Date.now() < until; ) {
    log(`lab ${id}: nodes run but do not all answer yet; waiting (a lab this run did not boot is never rebooted or torn down)`);
    await new Promise((r) => setTimeout(r, 5000));
    status = await labStatus({ workDir: repoRoot });
  }
  if (!status.up && status.nodes.some((n) => n.running))
    throw new Error(`lab ${id} runs but does not answer (haops lab status); fix or take it down yourself: this run will not`);
  if (status.up) {
    // Someone's lab is up: test on it, leave it up. It may have been started from another
    // checkout, so write its inventory here from the lab's own state.
    const info = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabInfo;
    mkdirSync(`${repoRoot}/inventory`, { recursive: true });
    writeFileSync(`${repoRoot}/${INVENTORY_FILE}`, labInventoryYaml(info));
    await copyLabCa(`${repoRoot}/inventory`);
    log(`using lab ${id}, already up; it stays up after the tests`);
    return async () => downSpares();
  }
  const down = () => labDown({ workDir: repoRoot, log });
  const onSignal = (sig: NodeJS.Signals) => {
    void down().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await labUp({ nodes: 2, workDir: repoRoot, log });
  project.provide('labOwned', true);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await down();
  };
}

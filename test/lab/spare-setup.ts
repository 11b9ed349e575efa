// Setup file of the lab project, run before each lab test file: when the lab of HAOPS_LAB_ID was
// up before this run (someone's) and is not the shape the file needs, the file gets a lab of its
// own on a spare id (test/lab/spare.ts) instead of being skipped. It must decide before the file's
// own imports: they read HAOPS_LAB_ID once (src/lab/paths.ts), so the modules loaded to decide are
// reset before the file loads. A file of the `shapes` lane (test/lab/lanes.ts) always boots its
// own lab: it runs beside the default lane's files, which use the default pair.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, expect, inject, vi } from 'vitest';
import { LAB_FILE_SHAPES } from './order.js';
import { claimSpareId, releaseSpareId } from './spare.js';
import { acquireLane, laneOf } from './lanes.js';

const testPath = expect.getState().testPath ?? '';
const shape = LAB_FILE_SHAPES[basename(testPath)];
const { currentLab, matches } = await import('./shape.js');
const { labWanted } = await import('../global-setup.js');

// One file per lane at a time (test/lab/lanes.ts); released after every other hook of the file.
const lane = laneOf(testPath);
if (labWanted()) afterAll(await acquireLane(lane, inject('labRun')));

const forced = lane === 'shapes';
if (shape && labWanted() && (forced || (!inject('labOwned') && !matches(currentLab(), shape)))) {
  const id = claimSpareId(process.env, process.env.HAOPS_LAB_ID ?? '', inject('labRun'));
  if (!id) process.env.HAOPS_LAB_NO_SPARE = '1';
  else {
    const inventory = `inventory/lab-spare${id}.yaml`;
    const env = { ...process.env, HAOPS_LAB_ID: id };
    Object.assign(process.env, { HAOPS_LAB_ID: id, HAOPS_LAB_INVENTORY: inventory, HAOPS_LAB_SPARE: id });
    console.error(
      `lab: ${basename(expect.getState().testPath!)} boots its own lab on spare id ${id} (${inventory}); the lab that was up stays as it is`,
    );
    vi.resetModules();
    afterAll(() => {
      try {
        execFileSync(process.execPath, ['bin/haops.js', 'lab', 'down'], { env, stdio: 'inherit' });
      } finally {
        rmSync(inventory, { force: true });
        releaseSpareId(id);
      }
    }, 300_000);
  }
}

import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { labFileRank } from './test/lab/order.js';

/**
 * Lab files in the order of test/lab/order.ts (files on one lab shape together, so each shape is
 * booted and deployed once); other files as vitest sorts them.
 */
class LabOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const lab = sorted.filter((f) => f.project.name === 'lab');
    lab.sort((a, b) => labFileRank(a.moduleId) - labFileRank(b.moduleId));
    return [...sorted.filter((f) => f.project.name !== 'lab'), ...lab];
  }
}

// Two projects. `unit` needs no root and never touches a lab: files run in parallel, in seconds.
// `lab` talks to real nodes: its global setup boots a lab only if none is up; its two-node files run
// one after another on that lab while the other shapes' files run, one after another, each on a
// lab of its own (test/lab/lanes.ts). `npm test` runs both, unit first.
export default defineConfig({
  test: {
    sequence: { sequencer: LabOrder },
    projects: [
      {
        test: {
          name: 'unit',
          // Both cores (vitest's default leaves one idle on a 2-core machine): 49 s instead of 88 s.
          maxWorkers: 2,
          include: ['test/**/*.test.ts'],
          exclude: ['test/lab/**'],
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          // Two files at a time, one per lane (test/lab/lanes.ts): the default pair's files one
          // after another, and the other shapes' files, each on a lab of its own, beside them.
          maxWorkers: 2,
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/lab/spare-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

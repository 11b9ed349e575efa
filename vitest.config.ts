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
// `lab` talks to real nodes: its global setup boots a lab only if none is up, and its files run one
// after another on that one lab. `npm test` runs both, unit first.
export default defineConfig({
  test: {
    sequence: { sequencer: LabOrder },
    projects: [
      {
        test: {
          name: 'unit',
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
          // Lab tests share one set of real nodes: run files one after another.
          fileParallelism: false,
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/lab/spare-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

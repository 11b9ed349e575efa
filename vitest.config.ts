import { defineConfig } from 'vitest/config';

// Two projects. `unit` needs no root and never touches a lab: files run in parallel, in seconds.
// `lab` talks to real nodes: its global setup boots a lab only if none is up, and its files run one
// after another on that one lab. `npm test` runs both, unit first.
export default defineConfig({
  test: {
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
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

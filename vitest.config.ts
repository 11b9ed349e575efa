import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 900_000,
    // Lab tests share one set of real nodes: run files one after another.
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
  },
});

import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 900_000,
    // Lab tests share one set of real nodes: run files one after another.
    fileParallelism: false,
    globalSetup: existsSync('test/global-setup.ts') ? ['test/global-setup.ts'] : [],
  },
});

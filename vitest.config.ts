import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Many test files run the CLI, which hashes on a worker thread per core: test files get half the cores.
const testWorkers = Math.max(1, Math.floor(availableParallelism() / 2));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // processes, not threads: sharp and better-sqlite3 are native modules
    pool: 'forks',
    maxWorkers: testWorkers,
    globalSetup: ['test/setup/build-cli.ts', 'test/setup/ensure-chromium.ts'],
    setupFiles: ['test/setup/yield-between-tests.ts'],
  },
});

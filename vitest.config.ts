import { defineConfig } from 'vitest/config';

// Sized for a busy 2-core machine: forked workers (PGlite's WASM and native sockets
// behave best in their own process), at most two files at once, generous timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/pin-keys.ts'],
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

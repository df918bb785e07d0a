import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One warning per run (not per file) when moto_server is missing outside CI.
    globalSetup: ['test/support/moto-global-setup.ts'],
  },
});

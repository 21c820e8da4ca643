import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's native worker and Vitest's thread pool do not mix: one process per test file.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

import { defineConfig } from 'vitest/config';

// Three tiers (docs/testing.md): unit needs nothing but Node and this checkout; integration runs a
// real Temporal dev server; system adds what takes minutes to install or start (the real server on
// PostgreSQL, S3, Chromium, the Kokoro model, docker-compose).
export default defineConfig({
  test: {
    // Temporal's native worker and Vitest's thread pool do not mix: one process per test file.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The global setup finds or builds the Temporal CLI, which carries the dev server.
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/helpers/global-setup.ts'] },
      },
      { extends: true, test: { name: 'system', include: ['test/system/**/*.test.ts'], globalSetup: ['test/helpers/global-setup.ts'] } },
    ],
  },
});

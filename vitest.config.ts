import { defineConfig } from 'vitest/config';

// Two cores: the sweeps split their seeds across files, so run files in parallel
// but keep per-file work deterministic.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

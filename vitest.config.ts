import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs in-process against src/; `e2e` drives the built executables (dist/) as child processes,
// the way containerd does. scripts/test.sh runs them in order, after the build.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

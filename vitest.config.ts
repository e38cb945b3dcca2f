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
      {
        // The shipped hns-cni.exe under Wine 10 (scripts/wine-stage.sh, docs/wine.md). One prefix and one simulator
        // per run, shared by every file: files run one after another.
        test: {
          name: 'wine',
          include: ['test/wine/**/*.test.ts'],
          globalSetup: ['test/wine/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Programs nobody here wrote (shared/peers: hcsshim's HCN tests, win-bridge, win-overlay) under Wine against
        // the simulator (scripts/peers-stage.sh, docs/peers.md). The Wine stage's setup plus the peer programs.
        test: {
          name: 'peers',
          include: ['test/peers/**/*.test.ts'],
          globalSetup: ['test/peers/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

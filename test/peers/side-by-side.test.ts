// The short side-by-side of issue 14 in the peers stage: hns-cni.exe and win-bridge.exe (+ host-local.exe) under the
// same Wine on the same simulated HNS, a few rounds per HNS speed and a small burst. Wall times are REPORTED (in the
// stage's figures), never asserted: the machine is shared. What fails the test is a plugin failing, or counts that
// show nothing ran. The full figures: `npm run bench -- side-by-side` (scripts/bench/side-by-side.ts).
import { afterAll, expect, it } from 'vitest';
import { measure, printReport } from '../../scripts/bench/lib/side-by-side.js';
import { WineBench } from '../../scripts/bench/lib/wine-bench.js';
import { stage } from '../wine/stage.js';
import { report, resetSimulator } from './peers.js';

afterAll(async () => {
  await resetSimulator();
});

it('hns-cni.exe and win-bridge.exe side by side: every ADD and DEL works; the figures are reported', async () => {
  const bench = await WineBench.attach(stage());
  try {
    const figures = await measure(bench, { runs: 3, burst: 8, burstRounds: 1, log: () => {} });
    printReport(figures, (line) => report(`side-by-side: ${line}`));
    expect(figures.burstFailures).toEqual({
      add: { winBridge: { count: 0 }, dropIn: { count: 0 }, native: { count: 0 } },
      del: { winBridge: { count: 0 }, dropIn: { count: 0 }, native: { count: 0 } },
    });
    // Counted by the simulator: both did their work through HNS (an endpoint created and deleted per pod).
    for (const k of ['winBridge', 'dropIn', 'native'] as const) {
      expect(figures.calls[k].add.withoutClose, k).toBeGreaterThanOrEqual(3);
      expect(figures.calls[k].del.withoutClose, k).toBeGreaterThanOrEqual(1);
    }
  } finally {
    await bench.stop();
  }
}, 900_000);

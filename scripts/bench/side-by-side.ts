// hns-cni.exe against the anchor win-bridge.exe (+ host-local.exe) under the same Wine, on the same simulated HNS
// (issue 14): HCN calls per verb (with and without Close), single ADD/DEL wall times at several HNS speeds, and a
// burst of pods ADDed at once then DELed at once on a serialised HNS (on a node that has run a pod — the targets —
// and on a network just created; the burst's processes started by cnictl.exe — libcni, as containerd — inside Wine,
// one goroutine per pod, and timed by it). Runs take turns (interleaved, the order
// alternating per round) so a shared machine's drifting load falls on every contender alike; medians; ratios to
// win-bridge in the same run, printed next to the issue's targets. Wall-clock figures are reported, never asserted.
//
//   HNS_CNI_WINE_ROOT=/var/cache/hns-cni/wine-<you> npm run bench -- side-by-side
//
// Environment: HNS_CNI_BENCH_RUNS (single runs per HNS speed, default 10), HNS_CNI_BENCH_BURST (pods, default 30),
// HNS_CNI_BENCH_BURST_ROUNDS (default 5: win-bridge's burst varies by ±10% from round to round), HNS_CNI_EXE (the
// hns-cni.exe to measure, default dist/hns-cni.exe), HNS_CNI_PEERS_DIR. Needs root, a Wine root (scripts/wine/root.sh), npm run build, scripts/build-native.sh,
// scripts/build-go-client.sh and the peer programs; says so and exits 0 without them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { burstFailed, printReport, sideBySide } from './lib/side-by-side.js';
import { peersDir } from './lib/wine-bench.js';

const peers = peersDir();
const missing = ['win-bridge.exe', 'host-local.exe'].filter((p) => peers === undefined || !existsSync(join(peers, p)));
if (process.getuid?.() !== 0 || missing.length > 0) {
  console.log(
    `side-by-side: NOT RUN: ${process.getuid?.() !== 0 ? 'needs root (the Wine root is a chroot)' : `no ${missing.join(', ')} (HNS_CNI_PEERS_DIR or shared/peers/bin)`}`,
  );
  process.exit(0);
}

const report = await sideBySide(peers!, {
  runs: Number(process.env.HNS_CNI_BENCH_RUNS ?? 10),
  burst: Number(process.env.HNS_CNI_BENCH_BURST ?? 30),
  burstRounds: Number(process.env.HNS_CNI_BENCH_BURST_ROUNDS ?? 5),
  log: (line) => console.log(line),
});
printReport(report, (line) => console.log(line));
if (burstFailed(report)) {
  console.error('side-by-side: some invocations of a burst failed (see FAILED above)');
  process.exit(1);
}

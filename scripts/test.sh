#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): setup → lint → typecheck → the Wine root → build (both
# executables, the C stub for Linux and Windows, the Go CNI client) → unit tests → Linux end-to-end tests (built
# binary, C stub, libcni) → the variant matrix (the plugin's lifecycle, fault, concurrency and libcni tests under every value of every
# simulator option; scripts/sim-matrix.ts) → the Wine stage (the shipped .exe) → the peers stage (hcsshim's HCN
# tests, win-bridge and win-overlay under Wine against the simulator; says so loudly and passes when the peer
# programs are absent, docs/peers.md). Every stage must pass; none is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
export HNS_CNI_TEST_RUN_DIR="${HNS_CNI_TEST_RUN_DIR:-$(mktemp -d /tmp/hns-cni-test.XXXXXX)}"
results="$HNS_CNI_TEST_RUN_DIR/results"
mkdir -p "$results"

stage() {
  local name=$1; shift
  local t0=$SECONDS
  echo "==> $name"
  "$@"
  echo "<== $name ($((SECONDS - t0)) s)"
}

vitest_stage() {
  local project=$1
  npx vitest run --project "$project" --reporter=default --reporter=json --outputFile="$results/$project.json"
}

stage setup bash scripts/setup.sh
stage lint npx biome check src test scripts
stage typecheck npx tsc --noEmit
# Before the build: node.exe, run under Wine in this root, makes the Windows executable's start-up snapshot
# (docs/build.md). The Wine stage below would build the root anyway; built first, the exe it tests has the snapshot.
stage wine-root bash scripts/wine/root.sh ensure
stage build npm run build --silent
stage build-native bash scripts/build-native.sh
stage build-go-client bash scripts/build-go-client.sh
stage unit vitest_stage unit
stage e2e vitest_stage e2e
stage matrix node --import tsx scripts/sim-matrix.ts --json "$results"
stage wine bash scripts/wine-stage.sh --json "$results/wine.json"
stage peers bash scripts/peers-stage.sh --json "$results/peers.json"

# One closing line for CI: the sum over every stage's vitest report.
node -e '
  const fs = require("fs"); let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
  }
  if (skipped) { console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`); process.exit(1); }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
' "$results"

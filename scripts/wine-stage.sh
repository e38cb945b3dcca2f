#!/usr/bin/env bash
# The Wine stage (`npm run test:wine`): runs the shipped dist/hns-cni.exe under Wine 10 against the simulator.
# Builds what is cheap (the Go CNI client), requires the rest (the executables, the stub DLLs) and fails loudly
# when any is missing, then runs the `wine` vitest project, whose global setup builds or reuses the Wine root.
#   scripts/wine-stage.sh [--json FILE]   also write vitest's JSON report to FILE (scripts/test.sh uses it)
# See docs/wine.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS

reporters=()
while [ "$#" -gt 0 ]; do
  case "$1" in
  --json) reporters=(--reporter=default --reporter=json "--outputFile=$2"); shift 2 ;;
  *) echo "usage: scripts/wine-stage.sh [--json FILE]" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" = 0 ] || { echo "wine-stage: needs root (chroot, mount namespaces)" >&2; exit 1; }
bash scripts/build-go-client.sh

missing=()
# HNS_CNI_EXE / HNS_CNI_BIN point the stage at other builds of the executables (as test/wine/paths.ts does).
for f in "${HNS_CNI_EXE:-dist/hns-cni.exe}" "${HNS_CNI_BIN:-dist/hns-cni}" dist/hns-cni-engine.exe dist/hns-cni-engine dist/native/computenetwork.dll \
  dist/native/vmcompute.dll dist/native/libcomputenetwork.so dist/test-tools/cnictl.exe; do
  [ -f "$f" ] || missing+=("$f")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "wine-stage: FAILED: missing ${missing[*]} — run npm run build and scripts/build-native.sh first." >&2
  echo "wine-stage: this stage tests the shipped Windows executable and is never skipped." >&2
  exit 1
fi

status=0
npx vitest run --project wine "${reporters[@]}" || status=$?
echo "wine-stage: finished in $((SECONDS - started)) s (exit $status)" >&2
exit "$status"

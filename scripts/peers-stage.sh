#!/usr/bin/env bash
# The peers stage (`npm run test:peers`, issue 10): programs nobody on this project wrote — microsoft/hcsshim's HCN
# integration tests, the anchor plugins win-bridge and win-overlay with host-local — run under Wine 10 against
# `hns-cni sim serve` through the stub DLLs (see docs/peers.md and shared/peers/PEERS.md).
#   scripts/peers-stage.sh [--json FILE]   also write vitest's JSON report to FILE (scripts/test.sh uses it)
# The peer programs come from HNS_CNI_PEERS_DIR (which must then hold all four), else the first shared/peers/bin
# above the repository. Where there are none, the stage says so loudly and exits 0: the rest of the suite does not
# depend on them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS

reporters=()
while [ "$#" -gt 0 ]; do
  case "$1" in
  --json) reporters=(--reporter=default --reporter=json "--outputFile=$2"); shift 2 ;;
  *) echo "usage: scripts/peers-stage.sh [--json FILE]" >&2; exit 2 ;;
  esac
done

programs=(hcn.test.exe win-bridge.exe win-overlay.exe host-local.exe)
locate() { # the same search as test/peers/locate.ts
  if [ -n "${HNS_CNI_PEERS_DIR:-}" ]; then printf '%s\n' "$HNS_CNI_PEERS_DIR"; return; fi
  local dir
  dir="$(dirname "$(pwd)")"
  while :; do
    [ -d "$dir/shared/peers/bin" ] && { printf '%s\n' "$dir/shared/peers/bin"; return; }
    [ "$dir" = / ] && return
    dir="$(dirname "$dir")"
  done
}
peers="$(locate)"
missing=()
for p in "${programs[@]}"; do [ -n "$peers" ] && [ -f "$peers/$p" ] || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ] && [ -n "${HNS_CNI_PEERS_DIR:-}" ]; then
  echo "peers-stage: FAILED: HNS_CNI_PEERS_DIR=$HNS_CNI_PEERS_DIR lacks ${missing[*]}" >&2
  exit 1
fi
if [ "${#missing[@]}" -gt 0 ]; then
  if [ -z "$peers" ]; then why="no shared/peers/bin above $(pwd) and no HNS_CNI_PEERS_DIR."
  else why="$peers lacks ${missing[*]}."; fi
  cat >&2 <<BANNER
############################################################################################################
# peers stage NOT RUN: ${why}
# Nothing here was checked against hcsshim's HCN tests, win-bridge or win-overlay. Build them as
# shared/peers/PEERS.md says and point HNS_CNI_PEERS_DIR at them to run this stage.
############################################################################################################
BANNER
  exit 0
fi
export HNS_CNI_PEERS_DIR="$peers"

[ "$(id -u)" = 0 ] || { echo "peers-stage: needs root (chroot, mount namespaces)" >&2; exit 1; }
for f in "${HNS_CNI_BIN:-dist/hns-cni}" "${HNS_CNI_EXE:-dist/hns-cni.exe}" dist/hns-cni-engine.exe dist/hns-cni-engine dist/native/computenetwork.dll \
  dist/native/vmcompute.dll dist/native/libcomputenetwork.so dist/test-tools/cnictl.exe; do
  [ -f "$f" ] || { echo "peers-stage: FAILED: missing $f — run npm run build, scripts/build-native.sh, scripts/build-go-client.sh" >&2; exit 1; }
done

status=0
npx vitest run --project peers "${reporters[@]}" || status=$?
echo "peers-stage: finished in $((SECONDS - started)) s (exit $status)" >&2
exit "$status"

#!/usr/bin/env bash
# Lays out the Windows side of the stage in the prefix, the way a containerd node has it:
#   C:\Program Files\containerd\cni\bin\hns-cni.exe      dist/hns-cni.exe (the shipped native front, unchanged)
#   C:\Program Files\containerd\cni\bin\hns-cni-engine.exe  dist/hns-cni-engine.exe (the engine it starts)
#   C:\Program Files\containerd\cni\conf\                 conflists (written by the tests)
#   C:\windows\system32\computenetwork.dll, vmcompute.dll the mingw stub (found by the normal DLL search)
#   C:\hns-cni-test\cnictl.exe                            the Windows CNI client (libcni, cross-built Go)
#   C:\hns-cni-test\hns-cni-iphlpapi.dll                  the IP Helper stub (named by HNS_CNI_IPHLP_LIBRARY: the
#                                                         system iphlpapi.dll stays, Node itself needs it)
# Fails loudly when one of the inputs is missing. Idempotent (copies only what changed).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=scripts/wine/lib.sh
. "$here/lib.sh"

exe="${HNS_CNI_EXE:-$repo/dist/hns-cni.exe}"
engine="${HNS_CNI_ENGINE_EXE:-$(dirname "$exe")/hns-cni-engine.exe}"
inputs=("$exe" "$engine" "$repo/dist/native/computenetwork.dll" "$repo/dist/native/vmcompute.dll" "$repo/dist/native/hns-cni-iphlpapi.dll"
  "$repo/dist/test-tools/cnictl.exe")
missing=()
for f in "${inputs[@]}"; do [ -f "$f" ] || missing+=("$f"); done
[ "${#missing[@]}" -eq 0 ] || wine_die "missing: ${missing[*]} (npm run build; scripts/build-native.sh; scripts/build-go-client.sh)"
[ -f "$HNS_WINE_STAMP" ] || wine_die "no Wine root at $HNS_WINE_ROOT: run scripts/wine/root.sh first"

drive_c="$HNS_WINE_ROOT$HNS_WINE_PREFIX/drive_c"
cni="$drive_c/Program Files/containerd/cni"
mkdir -p "$cni/bin" "$cni/conf" "$drive_c/hns-cni-test"
copy() { cmp -s "$1" "$2" 2>/dev/null || cp -f "$1" "$2"; }
copy "$exe" "$cni/bin/hns-cni.exe"
copy "$engine" "$cni/bin/hns-cni-engine.exe"
copy "$repo/dist/native/computenetwork.dll" "$drive_c/windows/system32/computenetwork.dll"
copy "$repo/dist/native/vmcompute.dll" "$drive_c/windows/system32/vmcompute.dll"
copy "$repo/dist/test-tools/cnictl.exe" "$drive_c/hns-cni-test/cnictl.exe"
copy "$repo/dist/native/hns-cni-iphlpapi.dll" "$drive_c/hns-cni-test/hns-cni-iphlpapi.dll"

#!/usr/bin/env bash
# Builds the C stub of the HCN ABI (native/, see native/PROTOCOL.md):
#   dist/native/libcomputenetwork.so          Linux: Hcn* + HNSCall + CoTaskMemAlloc/CoTaskMemFree + HnsCniStubCounters
#   dist/native/libcomputenetwork-partial.so  the same without the namespace functions (missing-export tests)
#   dist/native/computenetwork.dll            Windows (mingw-w64): Hcn* + HNSCall + HnsCniStubCounters
#   dist/native/vmcompute.dll                 Windows: HNSCall, forwarded to computenetwork.dll
#   dist/native/libiphlpapi.so                Linux: the IP Helper calls hns-cni makes (routes, TCP/UDP tables)
#   dist/native/hns-cni-iphlpapi.dll          Windows: the same, laid out by the SDK headers of mingw-w64. Not
#                                             called iphlpapi.dll: Node imports the system one, and the loader
#                                             hands back the module already loaded under that name for any path
# Idempotent: an output is rebuilt only when a source is newer. Installs gcc / mingw-w64 when missing (Debian, root).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/native"
out="$root/dist/native"
mkdir -p "$out"

stub_sources=("$src/hcn_stub.c" "$src/stub_wire.c" "$src/stub_memory.c")
iphlp_sources=("$src/iphlp_stub.c" "$src/iphlp_memory.c" "$src/stub_wire.c")
deps=("${stub_sources[@]}" "${iphlp_sources[@]}" "$src/stub.h" "$src/iphlp_stub.h" "$src/iphlp_types.h"
  "$src/vmcompute.def" "$src/vmcompute_forward.c" "$0")
cflags=(-O2 -Wall -Wextra -Werror -std=c11)

# shellcheck source=build/ensure-tool.sh
source "$root/scripts/build/ensure-tool.sh"

stale() { # stale <output>: true when the output is missing or older than any dependency
  [ -f "$1" ] || return 0
  local d
  for d in "${deps[@]}"; do [ "$d" -nt "$1" ] && return 0; done
  return 1
}

# Build into a temp name, then rename: a concurrent reader (another test file) never sees a half-written library.
build() { # build <output> <compiler> <args...>
  local target="$1" cc="$2"
  shift 2
  stale "$target" || return 0
  "$cc" -o "$target.tmp.$$" "$@"
  mv -f "$target.tmp.$$" "$target"
  echo "build-native: built ${target#"$root/"}"
}

ensure_tool gcc gcc
linux=(-fPIC -shared -fvisibility=hidden "${cflags[@]}" -D_POSIX_C_SOURCE=200809L "${stub_sources[@]}" -lpthread)
build "$out/libcomputenetwork.so" gcc "${linux[@]}"
build "$out/libcomputenetwork-partial.so" gcc -DHNS_STUB_PARTIAL "${linux[@]}"
build "$out/libiphlpapi.so" gcc -fPIC -shared -fvisibility=hidden "${cflags[@]}" -D_POSIX_C_SOURCE=200809L \
  "${iphlp_sources[@]}" -lpthread

# Test-only: the native front's SHA-256 / HMAC behind a line protocol (test/unit/native/front-sha256.test.ts).
front_sha=("$src/front/test/sha256_cli.c" "$src/front/sha256.c" "$src/front/wire.c")
deps+=("${front_sha[@]}" "$src/front/sha256.h" "$src/front/wire.h")
build "$out/front-sha256-test" gcc "${cflags[@]}" -I"$src/front" "${front_sha[@]}"

ensure_tool x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
mingw=(-shared "${cflags[@]}" -Wl,--kill-at)
build "$out/computenetwork.dll" x86_64-w64-mingw32-gcc "${mingw[@]}" "${stub_sources[@]}" -lole32 -luuid -lws2_32
build "$out/vmcompute.dll" x86_64-w64-mingw32-gcc "${mingw[@]}" "$src/vmcompute_forward.c" "$src/vmcompute.def"
build "$out/hns-cni-iphlpapi.dll" x86_64-w64-mingw32-gcc "${mingw[@]}" "${iphlp_sources[@]}" -lws2_32

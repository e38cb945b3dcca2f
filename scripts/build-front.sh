#!/usr/bin/env bash
# Builds the native front (native/front/, docs/agent-server.md "The native front") into a directory:
#   <out>/hns-cni       Linux, gcc, static (no loader work at start)
#   <out>/hns-cni.exe   Windows, mingw-w64 (console program, no timestamp: the build stays reproducible)
# The VERSION reply is generated from src/cni/versions.ts first, so the two can never differ.
# Usage: build-front.sh <out dir>. Called by scripts/build.mjs; installs gcc / mingw-w64 when missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: build-front.sh <out dir>}"
src="$root/native/front"
gen="$out/front-gen"
mkdir -p "$out" "$gen"
# shellcheck source=build/ensure-tool.sh
source "$root/scripts/build/ensure-tool.sh"

node "$root/scripts/build/front-versions.mjs" "$gen/front_versions.h"

cflags=(-O2 -std=c11 -Wall -Wextra -Werror -I"$gen" -I"$src")
common=("$src/front.c" "$src/sha256.c" "$src/wire.c")
ensure_tool gcc gcc
gcc "${cflags[@]}" -static -s -o "$out/hns-cni.tmp.$$" "${common[@]}" "$src/platform_posix.c"
mv -f "$out/hns-cni.tmp.$$" "$out/hns-cni"
ensure_tool x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
x86_64-w64-mingw32-gcc "${cflags[@]}" -s -Wl,--no-insert-timestamp -o "$out/hns-cni.exe.tmp.$$" \
  "${common[@]}" "$src/platform_win.c" -lws2_32 -ladvapi32
mv -f "$out/hns-cni.exe.tmp.$$" "$out/hns-cni.exe"

#!/usr/bin/env bash
# Builds cnictl, the small CNI runtime on Debian's libcni (test/clients/cnictl), for Linux and for Windows:
#   dist/test-tools/cnictl       used by the Linux end-to-end tests
#   dist/test-tools/cnictl.exe   the Windows CNI client of the Wine stage
# Offline, GOPATH mode, against golang-github-appc-cni-dev (libcni 1.1.2). Installs the Debian packages when missing.
# Idempotent: does nothing when both outputs are newer than every source file (FORCE=1 rebuilds).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/test/clients/cnictl"
out="$repo/dist/test-tools"
gopath=/usr/share/gocode
libcni="$gopath/src/github.com/containernetworking/cni/libcni"

missing=()
command -v go >/dev/null || missing+=(golang-go)
[ -d "$libcni" ] || missing+=(golang-github-appc-cni-dev)
[ -x /usr/lib/cni/host-local ] || missing+=(containernetworking-plugins)
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "build-go-client: missing ${missing[*]} (install them as root)" >&2; exit 1; }
  echo "build-go-client: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

up_to_date() {
  local target="$1"
  [ -f "$target" ] || return 1
  [ -z "$(find "$src" "${BASH_SOURCE[0]}" -newer "$target" -print -quit)" ]
}

if [ "${FORCE:-0}" != 1 ] && up_to_date "$out/cnictl" && up_to_date "$out/cnictl.exe"; then
  echo "build-go-client: dist/test-tools/cnictl{,.exe} up to date" >&2
  exit 0
fi

mkdir -p "$out"
cd "$src"
export GO111MODULE=off GOPATH="$gopath" GOFLAGS=-trimpath CGO_ENABLED=0
# Go needs a writable build cache; HOME may be unset or read-only in CI.
export GOCACHE="${GOCACHE:-$repo/.cache/go-build}"
start=$(date +%s%N)
# Write then rename: a test running the old binary never sees a half-written one.
GOOS=linux GOARCH=amd64 go build -o "$out/cnictl.tmp" .
mv "$out/cnictl.tmp" "$out/cnictl"
GOOS=windows GOARCH=amd64 go build -o "$out/cnictl.exe.tmp" .
mv "$out/cnictl.exe.tmp" "$out/cnictl.exe"
echo "build-go-client: built dist/test-tools/cnictl and cnictl.exe in $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2

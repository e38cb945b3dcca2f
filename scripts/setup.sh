#!/usr/bin/env bash
# Installs what the build and the test stages need on a fresh Debian 12 machine (root; npm registry + Debian apt
# only), and nothing when it is already there. Called by scripts/test.sh and scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need_apt+=(gcc libc6-dev)
have x86_64-w64-mingw32-gcc || need_apt+=(gcc-mingw-w64-x86-64)
have go || need_apt+=(golang-go)
[ -d /usr/share/gocode/src/github.com/containernetworking/cni/libcni ] || need_apt+=(golang-github-appc-cni-dev)
[ -x /usr/lib/cni/host-local ] || need_apt+=(containernetworking-plugins)
have debootstrap || need_apt+=(debootstrap)
have osslsigncode || need_apt+=(osslsigncode)
have openssl || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

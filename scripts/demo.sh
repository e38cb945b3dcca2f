#!/usr/bin/env bash
# `npm run demo`: three pods get networks from hns-cni in transparent mode, on the built-in HNS simulator.
# Builds what is missing first (npm ci, then the executables), so it works on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -x dist/hns-cni ] || [ -n "$(find src -newer dist/hns-cni -name '*.ts' -print -quit)" ]; then
  npm run build --silent
fi
exec node scripts/demo.mjs

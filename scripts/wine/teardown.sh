#!/usr/bin/env bash
# Ends a Wine stage: stops every Wine process of the prefix (`wineserver -k` inside the root) and makes sure nothing
# is left mounted under the root on the host (our mounts live in private namespaces; this catches leftovers of a
# crashed older run or of manual debugging). Call it while holding the root's lock (test/wine/global-setup.ts does).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/wine/lib.sh
. "$here/lib.sh"
wine_require_root_user
if [ -f "$HNS_WINE_STAMP" ]; then
  wine_in_root "$HNS_WINE_ROOT" 30 -- "$HNS_WINESERVER_BIN" -k >/dev/null 2>&1 || true
  # -k asks; wait (bounded) until the server and the services it started are really gone.
  wine_in_root "$HNS_WINE_ROOT" 30 -- "$HNS_WINESERVER_BIN" -w >/dev/null 2>&1 || true
fi
wine_unmount_host_leftovers "$HNS_WINE_ROOT"

#!/usr/bin/env bash
# Runs one Windows program under Wine 10 inside the stage's root (see root.sh), with a hard timeout.
#
#   scripts/wine/run.sh [--timeout SECONDS] [--env K=V]... [--stdin FILE] [--stdout FILE] [--stderr FILE]
#                       -- PROGRAM [ARGS...]
#
# PROGRAM is a Windows path ('C:\Program Files\containerd\cni\bin\hns-cni.exe'). Only the Wine settings and the
# --env variables reach the program (the host environment does not leak in). Exit status: the program's, 124 on
# timeout.
#
# stdio: Node's stream stdio throws EBADF under Wine when handed a Unix pipe. Run hns-cni.exe directly with
# --stdout/--stderr pointing at regular files (as the tests do), or start it from a Windows-side process such as
# cnictl.exe, whose pipes are made inside Wine (that is how containerd runs it). stdin is inherited unless --stdin
# is given; `fs.readFileSync(0)` reads a Unix pipe fine but fails on a regular file under Wine (EINVAL, fstat).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/wine/lib.sh
. "$here/lib.sh"

seconds=60 stdin= stdout= stderr=
vars=()
while [ "$#" -gt 0 ]; do
  case "$1" in
  --timeout) seconds="$2"; shift 2 ;;
  --env) vars+=("$2"); shift 2 ;;
  --stdin) stdin="$2"; shift 2 ;;
  --stdout) stdout="$2"; shift 2 ;;
  --stderr) stderr="$2"; shift 2 ;;
  --) shift; break ;;
  *) wine_die "run.sh: unknown option $1 (program and arguments go after --)" ;;
  esac
done
[ "$#" -gt 0 ] || wine_die "usage: run.sh [options] -- PROGRAM [ARGS...]"
wine_require_root_user
[ -f "$HNS_WINE_STAMP" ] || wine_die "no Wine root at $HNS_WINE_ROOT: run scripts/wine/root.sh first"

[ -n "$stdin" ] && exec <"$stdin"
[ -n "$stdout" ] && exec >"$stdout"
[ -n "$stderr" ] && exec 2>"$stderr"
# Not `exec`: wine_in_root is a function (timeout → unshare → chroot → wine64).
wine_in_root "$HNS_WINE_ROOT" "$seconds" "${vars[@]}" -- "$HNS_WINE_BIN" "$@"

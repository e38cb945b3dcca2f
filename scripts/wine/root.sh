#!/usr/bin/env bash
# Builds once, and afterwards verifies and reuses, the Debian trixie root with Wine 10 and a Windows 10 prefix that
# the Wine stage runs hns-cni.exe in. Cached outside the repo (HNS_CNI_WINE_ROOT, default
# /var/cache/hns-cni/wine-trixie) with a stamp file; a root without a valid stamp, or whose wine64 does not start,
# is rebuilt. Prints how long each step of a first build took.
#
#   scripts/wine/root.sh [ensure]   build or reuse; prints the root path on stdout
#   scripts/wine/root.sh check      exit 0 when the cached root is usable, without building
#
# Locking ($HNS_CNI_WINE_ROOT.lock, flock): a shared lock to check, an exclusive one to build. A caller that already
# holds the lock exclusively for a whole stage (test/wine/global-setup.ts) sets HNS_CNI_WINE_LOCKED=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/wine/lib.sh
. "$here/lib.sh"

root_is_usable() {
  local root="$1"
  [ -f "$root/.hns-cni-wine-stamp" ] || return 1
  [ "$(head -n 1 "$root/.hns-cni-wine-stamp")" = "$HNS_WINE_RECIPE" ] || return 1
  [ -x "$root$HNS_WINE_BIN" ] && [ -f "$root$HNS_WINE_PREFIX/system.reg" ] || return 1
  # winecfg -v win10 writes CurrentMajorVersionNumber=10; without it node.exe refuses to start (exit 216).
  grep -q '"CurrentMajorVersionNumber"=dword:0000000a' "$root$HNS_WINE_PREFIX/system.reg" || return 1
  wine_in_root "$root" 60 -- "$HNS_WINE_BIN" --version >/dev/null 2>&1
}

step() { # step NAME COMMAND... — runs and times one build step
  local name="$1" start end
  shift
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  timings+=("$(printf '%s %.1fs' "$name" "$(echo "$end - $start" | bc)")")
}

ensure_host_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v bc >/dev/null || missing+=(bc)
  command -v unshare >/dev/null || missing+=(util-linux)
  if [ "${#missing[@]}" -gt 0 ]; then
    wine_log "installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

debootstrap_root() {
  local target="$1" log="$1.debootstrap.log" mirror
  mirror="${HNS_CNI_WINE_MIRROR:-$(wine_apt_archive)}" ||
    wine_die "no Debian archive found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list: set HNS_CNI_WINE_MIRROR"
  # Two stages so that dpkg runs with force-unsafe-io (no fsync per file: the root is a cache; a crash before the
  # stamp is written means a rebuild, and the stamp is written after a sync). In a private mount namespace:
  # whatever debootstrap mounts inside the target dies with it.
  timeout --kill-after=10 600 debootstrap --foreign --variant=minbase trixie "$target" "$mirror" >"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; wine_die "debootstrap (first stage) failed (full log: $log)"; }
  mkdir -p "$target/etc/dpkg/dpkg.cfg.d"
  echo force-unsafe-io >"$target/etc/dpkg/dpkg.cfg.d/hns-cni-unsafe-io"
  timeout --kill-after=10 600 unshare --mount --propagation private -- \
    chroot "$target" /debootstrap/debootstrap --second-stage >>"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; wine_die "debootstrap (second stage) failed (full log: $log)"; }
}

install_wine() {
  wine_in_root "$1" 600 -- /bin/sh -c \
    'apt-get -o Acquire::Languages=none update -qq && apt-get install -y -qq --no-install-recommends wine64 >/dev/null && apt-get clean' ||
    wine_die "installing wine64 inside the root failed"
}

make_prefix() {
  local root="$1"
  mkdir -p "$root$HNS_WINE_PREFIX"
  wine_in_root "$root" 180 -- "$HNS_WINE_BIN" wineboot --init >/dev/null 2>&1 || wine_die "wineboot --init failed"
  wine_in_root "$root" 120 -- "$HNS_WINE_BIN" winecfg -v win10 >/dev/null 2>&1 || wine_die "winecfg -v win10 failed"
  # Let wineserver flush the registry to system.reg before we look at it.
  wine_in_root "$root" 60 -- "$HNS_WINESERVER_BIN" -w || true
}

# The build proper (`root.sh __build ROOT`), run in its own session by build_root: on any failure or signal the
# partial root is removed.
build_in_session() {
  local root="$1" partial="$1.partial" total_start
  timings=()
  total_start=$(date +%s.%N)
  ensure_host_tools
  wine_unmount_host_leftovers "$partial"
  rm -rf --one-file-system "$partial" "$partial.debootstrap.log"
  mkdir -p "$(dirname "$partial")"
  trap 'wine_unmount_host_leftovers "'"$partial"'" || true; rm -rf --one-file-system "'"$partial"'" "'"$partial"'.debootstrap.log"' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  wine_log "building the Wine 10 root in $root (first run: debootstrap trixie + wine64 + prefix)"
  step debootstrap debootstrap_root "$partial"
  step apt-wine64 install_wine "$partial"
  step wineboot make_prefix "$partial"
  sync -f "$partial"
  printf '%s\nbuilt %s\n' "$HNS_WINE_RECIPE" "$(date -u +%FT%TZ)" >"$partial/.hns-cni-wine-stamp"
  root_is_usable "$partial" || wine_die "the freshly built root does not pass its own check"
  wine_unmount_host_leftovers "$root"
  rm -rf --one-file-system "$root"
  mv "$partial" "$root"
  rm -f "$partial.debootstrap.log"
  trap - EXIT
  wine_log "first-run setup: ${timings[*]}; total $(printf '%.1fs' "$(echo "$(date +%s.%N) - $total_start" | bc)")"
}

# Runs the build in a new session so that an interrupt reaches every process of it — debootstrap, apt, wine, each
# under `timeout` in a process group of its own — and not only this shell: `pkill -s` signals exactly the
# processes of that session (by its id). Then waits for the build's own cleanup.
build_root() {
  local child
  setsid bash "${BASH_SOURCE[0]}" __build "$1" &
  child=$!
  trap 'pkill -TERM -s '"$child"' 2>/dev/null; wait '"$child"'; exit 143' TERM
  trap 'pkill -TERM -s '"$child"' 2>/dev/null; wait '"$child"'; exit 130' INT
  wait "$child" || wine_die "building the Wine root failed"
  trap - TERM INT
}

# Build or reuse; the caller holds the lock exclusively.
ensure_locked() {
  if root_is_usable "$HNS_WINE_ROOT"; then
    wine_log "reusing the Wine root $HNS_WINE_ROOT"
    return
  fi
  [ -e "$HNS_WINE_ROOT" ] && wine_log "the cached root $HNS_WINE_ROOT is missing its stamp or broken: rebuilding"
  build_root "$HNS_WINE_ROOT"
}

main() {
  local cmd="${1:-ensure}"
  wine_require_root_user
  mkdir -p "$(dirname "$HNS_WINE_ROOT")"
  case "$cmd" in
  check) root_is_usable "$HNS_WINE_ROOT" ;;
  __build) build_in_session "$2" ;;
  ensure)
    if [ "${HNS_CNI_WINE_LOCKED:-0}" = 1 ]; then
      ensure_locked
    else
      exec 9<>"$HNS_WINE_LOCK"
      # Shared lock for the check: other stages may be running in the root right now. An exclusive lock (which
      # waits for them to finish) only when it has to be (re)built.
      flock --shared --timeout 900 9 || wine_die "timed out waiting for the lock $HNS_WINE_LOCK"
      if root_is_usable "$HNS_WINE_ROOT"; then
        wine_log "reusing the Wine root $HNS_WINE_ROOT"
      else
        flock --unlock 9
        flock --exclusive --timeout 900 9 || wine_die "timed out waiting for the lock $HNS_WINE_LOCK"
        ensure_locked
      fi
    fi
    printf '%s\n' "$HNS_WINE_ROOT"
    ;;
  *) wine_die "usage: root.sh [ensure|check]" ;;
  esac
}

main "$@"

# shellcheck shell=bash
# Shared by the Wine stage scripts: where the Debian trixie root lives, and how to run a command inside it.
#
# Why a chroot: Node 24 (what hns-cni.exe embeds) needs Wine 10, which Debian 12 cannot install; Debian 13's can,
# inside a debootstrap'ed root. Why `unshare --mount`: the /proc and /dev mounts the root needs are made in a
# private mount namespace, so the kernel drops them when the last process in it exits — they cannot leak onto the
# host, whatever kills the stage (the EXIT/INT/TERM traps in the callers are a second line of defence).

HNS_WINE_ROOT="${HNS_CNI_WINE_ROOT:-/var/cache/hns-cni/wine-trixie}"
HNS_WINE_LOCK="${HNS_WINE_ROOT}.lock"
HNS_WINE_STAMP="$HNS_WINE_ROOT/.hns-cni-wine-stamp"
# Bump when the recipe changes, so roots made by an older recipe are rebuilt.
HNS_WINE_RECIPE="hns-cni wine stage recipe 1: debootstrap minbase trixie + wine64, prefix /wine/prefix win10"
# Paths inside the root.
HNS_WINE_PREFIX=/wine/prefix
HNS_WINE_BIN=/usr/lib/wine/wine64
HNS_WINESERVER_BIN=/usr/lib/wine/wineserver

# wine_apt_archive [ROOT]: the Debian archive this machine's apt already uses, read from ROOT/etc/apt (deb822
# `sources.list.d/*.sources` first, then one-line `sources.list` and `sources.list.d/*.list`): the URI of the first
# enabled `deb` source with a release suite (no `-security`/`-updates`/`-backports` suffix). The project names no
# mirror of its own, so the root is bootstrapped from whatever mirror or proxy the host is set up for.
wine_apt_archive() {
  local root="${1:-}" f uri
  uri="$({
    for f in "$root"/etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] && cat "$f" && printf '\n'
    done
  } | awk '
    function flush() { if (isdeb && enabled && release != "" && uri != "") { print uri; found = 1; exit }
                       isdeb = 0; enabled = 1; uri = ""; release = "" }
    BEGIN { enabled = 1 }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ { next }
    {
      key = tolower($1); sub(/:$/, "", key)
      if (key == "types") { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1 }
      else if (key == "enabled") { enabled = (tolower($2) != "no") }
      else if (key == "uris") { uri = $2 }
      else if (key == "suites") { for (i = 2; i <= NF; i++) if (release == "" && $i !~ /-/ && $i !~ /\//) release = $i }
    }
    END { if (!found) flush() }')"
  [ -n "$uri" ] || uri="$(cat "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/*.list 2>/dev/null | awk '
    $1 == "deb" {
      line = $0; sub(/^[ \t]*deb[ \t]+/, "", line); gsub(/\[[^]]*\][ \t]*/, "", line)
      split(line, f, /[ \t]+/)
      if (f[1] != "" && f[2] !~ /-/ && f[2] !~ /\//) { print f[1]; exit }
    }')"
  [ -n "$uri" ] || return 1
  printf '%s\n' "$uri"
}

wine_log() { printf '[wine-stage] %s\n' "$*" >&2; }
wine_die() { wine_log "ERROR: $*"; exit 1; }

wine_require_root_user() {
  [ "$(id -u)" = 0 ] || wine_die "the Wine stage needs root (chroot, mount namespaces); run it as root"
}

# Mount points under $1 that the HOST can see (there should never be any: ours live in private namespaces).
wine_host_mounts_under() {
  local dir
  dir="$(readlink -f "$1" 2>/dev/null || printf '%s' "$1")"
  awk -v d="$dir/" '{ m = $2; gsub(/\\040/, " ", m); if (index(m "/", d) == 1) print m }' /proc/mounts | sort -r
}

# Unmount anything under $1 visible on the host (left by a crashed older run or by hand). Refuses to go on if
# something stays mounted: a later `rm -rf` of the root must never reach the host's /dev through a bind mount.
wine_unmount_host_leftovers() {
  local m
  for m in $(wine_host_mounts_under "$1"); do
    wine_log "unmounting leftover mount $m"
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done
  [ -z "$(wine_host_mounts_under "$1")" ] || wine_die "mounts under $1 could not be removed"
}

# wine_in_root ROOT TIMEOUT_SECONDS [K=V ...] -- COMMAND [ARGS...]
# Runs COMMAND chrooted in ROOT with /proc and /dev mounted in a private mount namespace, a clean environment
# (Wine settings + the K=V given) and a hard timeout (a hung Wine must not hang CI).
wine_in_root() {
  local root="$1" seconds="$2"
  shift 2
  local -a vars=(
    HOME=/root USER=root LOGNAME=root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
    DEBIAN_FRONTEND=noninteractive XDG_RUNTIME_DIR=/run/hns-cni-xdg
    WINEPREFIX="$HNS_WINE_PREFIX" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  )
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    vars+=("$1")
    shift
  done
  [ "${1:-}" = "--" ] && shift
  [ "$#" -gt 0 ] || wine_die "wine_in_root: no command"
  timeout --kill-after=5 "$seconds" unshare --mount --propagation private -- /bin/sh -c '
    root="$1"; shift
    mount -t proc proc "$root/proc" || exit 125
    mount --rbind /dev "$root/dev" || exit 125
    mkdir -p -m 0700 "$root/run/hns-cni-xdg"
    exec chroot "$root" /usr/bin/env -i "$@"' hns-cni-wine "$root" "${vars[@]}" "$@"
}

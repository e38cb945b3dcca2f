# Sourced by the build scripts: ensure_tool <command> <apt package> installs a missing compiler (Debian, root).
ensure_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "build: installing $2" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "build: $1 is missing and we are not root: apt-get install -y --no-install-recommends $2" >&2
    exit 1
  fi
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

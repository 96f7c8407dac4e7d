# Sourced by scripts/install and scripts/test.
# ensure_packages PKG...: installs with apt-get whichever of PKG are not installed yet, running
# apt-get update only when a first attempt fails (a fresh machine's package lists may be stale).
ensure_packages() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "ok: all $# packages present"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages ${missing[*]}; run as root or install them" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null && return 0
  DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null && return 0
  echo "apt-get could not install ${missing[*]}" >&2
  return 1
}

#!/usr/bin/env bash
# rsyslog for the syslog sink's integration tests.
#
#   scripts/rsyslog.sh install   apt-get install rsyslog + rsyslog-gnutls (TLS reception via the gtls
#                                netstream driver); does nothing when both are already installed.
#
# No start here: every test starts its own private rsyslogd (own config, work dir, pid file, ports)
# through test/helpers/rsyslog.ts.
set -euo pipefail

PACKAGES=(rsyslog rsyslog-gnutls)

log() { echo "rsyslog.sh: $*" >&2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_install() {
  # Try with the package lists the machine has; run `apt-get update` (once) only if that fails.
  export DEBIAN_FRONTEND=noninteractive
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
    log "apt-get update"
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
}

cmd_install() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing ${missing[*]}"
  apt_install "${missing[@]}"
  [ -x /usr/sbin/rsyslogd ] || { log "rsyslogd missing after install"; exit 1; }
}

case "${1:-}" in
  install) cmd_install ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac

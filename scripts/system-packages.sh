#!/usr/bin/env bash
# Installs the Debian packages the named tools come from, those not installed yet, with a single
# `apt-get update`. Tools: chromium (browser tests), nginx (cluster), docker-compose (validates
# deploy/docker-compose.yml), prometheus (prometheus + promtool: monitoring checks).
#   scripts/system-packages.sh chromium nginx docker-compose prometheus
set -euo pipefail
missing=()
for tool in "$@"; do
  case "$tool" in
    chromium) [[ -x /usr/bin/chromium ]] || missing+=(chromium) ;;
    nginx) command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx) ;;
    docker-compose) command -v docker-compose >/dev/null || missing+=(docker-compose) ;;
    prometheus) { command -v promtool >/dev/null && command -v prometheus >/dev/null; } || missing+=(prometheus) ;;
    *) echo "system-packages.sh: unknown tool $tool" >&2; exit 2 ;;
  esac
done
((${#missing[@]})) || exit 0
echo "installing Debian's ${missing[*]}"
SUDO=$([[ "$(id -u)" == 0 ]] || echo sudo)
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"

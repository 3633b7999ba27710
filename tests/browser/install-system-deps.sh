#!/usr/bin/env bash
# Installs what the browser tests and benchmarks need from Debian: Chromium (driven by
# Playwright; never `playwright install`), Noto fonts so Arabic is shaped, wrk for load.
set -uo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "!!! Not Debian/Ubuntu: please install ${need[*]} yourself; browser tests will be skipped." >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "!!! Need root to install ${need[*]}; browser tests will be skipped." >&2; exit 0
  fi
fi
echo "Installing ${need[*]} (Debian packages) ..."
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

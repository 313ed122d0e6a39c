#!/usr/bin/env bash
# Debian packages the app and its tests use. Installs what is missing when run as root with apt;
# otherwise says what to install and leaves it to the user (tests that need them skip loudly).
set -euo pipefail
# "app": what the app needs to run (ffmpeg for previews and QC); "test" (default): also the browser.
PACKAGES=(ffmpeg)
[ "${1:-test}" = "app" ] || PACKAGES+=(chromium fonts-noto-cjk gettext)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]} (install them with your package manager)." >&2
fi

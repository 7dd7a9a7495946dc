#!/usr/bin/env bash
# Install the Debian packages qa-desktop needs (Qt's libraries, espeak-ng and sox for test audio,
# Xvfb for screenshots, the PostgreSQL server the tests start a throwaway copy of), only those that are
# missing. Needs root or sudo for apt-get.
set -euo pipefail
packages=(espeak-ng sox xvfb libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
          libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
          libxcb-randr0 libxcb-render-util0 libxcb-image0 libpulse0 poppler-utils
          postgresql)
command -v dpkg-query >/dev/null || { echo "not a Debian system: install the equivalents of: ${packages[*]}"; exit 0; }
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

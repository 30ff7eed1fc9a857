#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install what building and testing Natter needs on Debian/Ubuntu, and
# nothing when it is all there already.  Uses sudo when not root.
#
#   scripts/install-deps.sh            build + native tests + Windows tests
#   scripts/install-deps.sh --runtime  only what the main command needs
set -euo pipefail

# What each package is for is listed in README.md ("Dependencies").
BUILD=(meson ninja-build pkg-config gcc libc6-dev nettle-dev libssl-dev openssl libsystemd-dev
       libsqlite3-dev sqlite3 libhiredis-dev)
TEST=(libcunit1-dev clang llvm libclang-rt-14-dev valgrind curl weechat-headless irssi ngircd inspircd procps redis-server)
WINDOWS=(mingw-w64 wine wine64 dpkg-dev make perl tcl)
GUI=(libgtk-4-dev libadwaita-1-dev libglib2.0-dev libglib2.0-bin libsecret-1-dev gnome-keyring gettext desktop-file-utils
     appstream xvfb xauth xdotool imagemagick dbus dbus-x11)
# Building and checking the packages (scripts/packages.sh,
# tests/packaging/run-all.sh): .debs, .rpm, the NSIS installer, lintian,
# rpmlint, systemd-analyze, the flatpak manifest's YAML check.
# flatpak-builder is not here: it pulls in ~250 packages and cannot build
# offline anyway.
PACKAGING=(debhelper devscripts lintian rpm rpmlint nsis fakeroot systemd python3-yaml)

case "${1:-}" in
  --runtime) WANT=("${BUILD[@]}" "${GUI[@]}") ;;
  "") WANT=("${BUILD[@]}" "${TEST[@]}" "${WINDOWS[@]}" "${GUI[@]}" "${PACKAGING[@]}") ;;
  *) echo "usage: $0 [--runtime]" >&2; exit 2 ;;
esac

missing=()
for p in "${WANT[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null

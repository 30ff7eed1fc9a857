#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build every package of Natter into build/packages/:
#   deb  libnatter1, libnatter-dev, natterd, natter (.deb, from the working
#        tree; packaging/build-deb.sh)
#   rpm  libnatter, libnatter-devel, natterd, natter (.rpm, from `meson
#        dist` of HEAD: commit first; packaging/build-rpm.sh)
#   win  natter-VERSION-setup.exe, the Windows installer of natterd (NSIS,
#        from a mingw-w64 cross build of the working tree in
#        build/packages/work/win32-build; packaging/build-installer.sh)
#
#   scripts/packages.sh [deb|rpm|win ...]      default: all three
#
# Installs what is missing first (scripts/install-deps.sh).  The checks
# that install and exercise the packages: tests/packaging/run-all.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/packaging/lib.sh"

PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=(deb rpm win)
for part in "${PARTS[@]}"; do
  case "$part" in deb | rpm | win) ;; *) echo "usage: $0 [deb|rpm|win ...]" >&2; exit 2 ;; esac
done

"$ROOT/scripts/install-deps.sh"

declare -A took
for part in "${PARTS[@]}"; do
  start=$SECONDS
  case "$part" in
  deb) "$ROOT/packaging/build-deb.sh" ;;
  rpm) "$ROOT/packaging/build-rpm.sh" ;;
  win)
    "$ROOT/win32/build-mingw-deps.sh"
    cross=$PKG_WORK/win32-build
    log=$PKG_WORK/win32-build.log
    mkdir -p "$PKG_WORK"
    : >"$log"
    pkg_say "win: cross build of natterd.exe ($cross; log $log)"
    if [ ! -f "$cross/build.ninja" ]; then
      pkg_run "$log" meson setup "$cross" "$ROOT" \
        --cross-file "$ROOT/win32/mingw-w64-x86_64.ini" \
        --cross-file "$ROOT/build-deps/mingw-paths.ini" \
        --buildtype=release -Dgui=disabled -Dtests=false -Dexamples=false -Dbench=false
    fi
    pkg_run "$log" ninja -C "$cross" -j "$PKG_JOBS" server/natterd.exe
    "$ROOT/packaging/build-installer.sh" "$cross"
    ;;
  esac
  took[$part]=$((SECONDS - start))
done

echo
pkg_say "packages in ${PKG_OUT#"$ROOT"/}/:"
shopt -s nullglob
for f in "$PKG_OUT"/*.deb "$PKG_OUT"/*.rpm "$PKG_OUT"/*.exe; do
  case "$f" in *-dbgsym_*) ;; *) echo "   ${f##*/}" ;; esac
done
for part in "${PARTS[@]}"; do printf '   %s: %d s\n' "$part" "${took[$part]}"; done

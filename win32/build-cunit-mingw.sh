#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build a static CUnit for x86_64-w64-mingw32 from Debian's "cunit" source
# package into the dependency cache (see win32/mingw-deps-lib.sh), e.g.
# /var/cache/natter-deps/cunit-2.1-3-dfsg-2.6-x86_64-w64-mingw32-r1:
#
#   include/CUnit/*.h
#   lib/libcunit.a
#   lib/pkgconfig/cunit.pc      (relocatable: prefix=${pcfiledir}/../..)
#
# It also (re)writes build-deps/mingw-paths.ini, a second meson machine file
# holding this checkout's absolute paths: pkg_config_libdir with the CUnit
# above, the nettle of win32/build-nettle-mingw.sh and the OpenSSL of
# win32/build-openssl-mingw.sh (so dependency('cunit') finds them, never the
# host's) and exe_wrapper = win32/wine-run.sh. Shared code:
# win32/mingw-deps-lib.sh. Cross build, from the repository root:
#
#   win32/build-mingw-deps.sh       (this, nettle and OpenSSL)
#   meson setup build-win --cross-file win32/mingw-w64-x86_64.ini \
#                         --cross-file build-deps/mingw-paths.ini
#   meson test -C build-win
#
# Usage: win32/build-cunit-mingw.sh [--force]
#   --force   rebuild even when an up-to-date build is already installed
# Environment:
#   CUNIT_MINGW_PREFIX   install prefix (default: the cache entry)
#   NATTER_DEPS_CACHE    the cache (default /var/cache/natter-deps)
#   MINGW_HOST           toolchain triplet (default x86_64-w64-mingw32)
#
# Idempotent and silent on success; when a step fails, it says which one and
# shows the end of that step's log on stderr. When it is not run as root, it
# uses sudo only for the two system steps (adding a deb-src entry, running
# apt-get update), and only when they are needed.

set -euo pipefail

# Bump when the recipe below changes, so existing installs get rebuilt: it
# is part of the cache key (mingw-deps-lib.sh reads it from this line).
# shellcheck disable=SC2034
RECIPE=1

# shellcheck source=win32/mingw-deps-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mingw-deps-lib.sh"
CC=$HOST-gcc
AR=$HOST-ar
RANLIB=$HOST-ranlib

# shellcheck disable=SC2317 # called through deps_begin
is_built() {
  stamp_ok && [ -f "$PREFIX/lib/libcunit.a" ] &&
    [ -f "$PREFIX/lib/pkgconfig/cunit.pc" ] &&
    [ -f "$PREFIX/include/CUnit/CUnit.h" ]
}

# Arguments, versions, mingw-paths.ini, silent exit when built, lock.
deps_begin cunit is_built "$@"

require_tools "$CC|apt-get install mingw-w64" "$AR|apt-get install mingw-w64" \
  "$RANLIB|apt-get install mingw-w64"
deps_workdir cunit
fetch_debian_source cunit CUnit/Headers/CUnit.h.in

# --- version: configure.in sets VERSION=MAJOR.MINOR and RELEASE ----------
cfg_var() { sed -nE "s/^$1=([0-9A-Za-z.]+)[[:space:]]*$/\1/p" "$SRC/configure.in" | head -n 1; }
V_MAJOR=$(cfg_var VERSION_MAJOR)
V_MINOR=$(cfg_var VERSION_MINOR)
V_RELEASE=$(cfg_var RELEASE)
if [ -n "$V_MAJOR" ] && [ -n "$V_MINOR" ] && [ -n "$V_RELEASE" ]; then
  VERSION=$V_MAJOR.$V_MINOR
  RELEASE=$V_RELEASE
elif [ -f "$SRC/VERSION" ]; then # e.g. "2.1-3"
  full=$(head -n 1 "$SRC/VERSION")
  VERSION=${full%%-*}
  RELEASE=${full#*-}
else
  die "cannot find CUnit's version in $SRC/configure.in or $SRC/VERSION"
fi

# --- headers ---------------------------------------------------------------
STAGE=$WORK/stage
HDR_DIR=$STAGE/include/CUnit
mkdir -p "$HDR_DIR" "$STAGE/lib/pkgconfig" "$WORK/obj"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@RELEASE@/$RELEASE/g" \
  "$SRC/CUnit/Headers/CUnit.h.in" >"$HDR_DIR/CUnit.h"
grep -q '@[A-Z_]*@' "$HDR_DIR/CUnit.h" &&
  die "unsubstituted @...@ left in generated CUnit.h"
# The headers Debian's libcunit1-dev ships (no Curses / wxWidget ones).
for h in Automated Basic CUError CUnit_intl Console MyMem TestDB TestRun Util; do
  [ -f "$SRC/CUnit/Headers/$h.h" ] || die "missing header $h.h in the CUnit source"
  cp "$SRC/CUnit/Headers/$h.h" "$HDR_DIR/"
done

# --- compile the static library -------------------------------------------
# Framework + Basic + Automated + Console; not Curses (needs ncurses) nor
# Win/wxWidget (GUI). CU_DLL stays undefined, so CU_EXPORT is empty: static.
# -w: third-party code; its warnings (size_t for '%*s' widths) are harmless.
CFLAGS=(-O2 -g -std=c99 -w -I"$HDR_DIR" -I"$STAGE/include")
objs=()
for s in Framework/CUError Framework/MyMem Framework/TestDB Framework/TestRun \
         Framework/Util Basic/Basic Automated/Automated Console/Console; do
  o=$WORK/obj/${s##*/}.o
  run "compile $s.c" "$CC" "${CFLAGS[@]}" -c "$SRC/CUnit/Sources/$s.c" -o "$o"
  objs+=("$o")
done
run "archive libcunit.a" "$AR" rcs "$STAGE/lib/libcunit.a" "${objs[@]}"
run "ranlib libcunit.a" "$RANLIB" "$STAGE/lib/libcunit.a"

# --- pkg-config file (relocatable) ----------------------------------------
cat >"$STAGE/lib/pkgconfig/cunit.pc" <<EOF
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: CUnit
Description: C Unit Testing Framework (static, $HOST, from Debian source)
Version: $VERSION-$RELEASE
Libs: -L\${libdir} -lcunit
Cflags: -I\${includedir}
EOF

write_stamp "$STAGE" "upstream=$VERSION-$RELEASE"

install_stage "$STAGE" "$PREFIX"
deps_finish
exit 0

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build a static nettle (symmetric crypto only: hashes, HMAC, PBKDF2...) for
# x86_64-w64-mingw32 from Debian's "nettle" source package into the
# dependency cache (see win32/mingw-deps-lib.sh), e.g.
# /var/cache/natter-deps/nettle-3.8.1-2-x86_64-w64-mingw32-r1:
#
#   include/nettle/*.h
#   lib/libnettle.a
#   lib/pkgconfig/nettle.pc     (relocatable: prefix=${pcfiledir}/../..)
#
# No libhogweed (public-key, would need GMP), no assembler (so no m4), no
# DLL, no documentation. Like win32/build-cunit-mingw.sh, it (re)writes
# build-deps/mingw-paths.ini, whose pkg_config_libdir lists this prefix, so
# that dependency('nettle') in the cross build finds it:
#
#   win32/build-mingw-deps.sh       (CUnit, this, then OpenSSL)
#   meson setup build-win --cross-file win32/mingw-w64-x86_64.ini \
#                         --cross-file build-deps/mingw-paths.ini
#
# Usage: win32/build-nettle-mingw.sh [--force]
#   --force   rebuild even when an up-to-date build is already installed
# Environment:
#   NETTLE_MINGW_PREFIX  install prefix (default: the cache entry)
#   NATTER_DEPS_CACHE    the cache (default /var/cache/natter-deps)
#   MINGW_HOST           toolchain triplet (default x86_64-w64-mingw32)
#
# Idempotent and silent on success; when a step fails, it says which one and
# shows the end of that step's log on stderr. When it is not run as root, it
# uses sudo only for the two system steps (adding a deb-src entry, running
# apt-get update), and only when they are needed. Needs mingw-w64, make,
# a native gcc (configure insists on a build-machine compiler) and dpkg-dev.

set -euo pipefail

# Bump when the recipe below changes, so existing installs get rebuilt: it
# is part of the cache key (mingw-deps-lib.sh reads it from this line).
# shellcheck disable=SC2034
RECIPE=1

# shellcheck source=win32/mingw-deps-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mingw-deps-lib.sh"

# shellcheck disable=SC2317 # called through deps_begin
is_built() {
  stamp_ok && [ -f "$PREFIX/lib/libnettle.a" ] &&
    [ -f "$PREFIX/lib/pkgconfig/nettle.pc" ] &&
    [ -f "$PREFIX/include/nettle/pbkdf2.h" ]
}

# Arguments, versions, mingw-paths.ini, silent exit when built, lock.
deps_begin nettle is_built "$@"

require_tools "$HOST-gcc|apt-get install mingw-w64" \
  "$HOST-ar|apt-get install mingw-w64" "$HOST-ranlib|apt-get install mingw-w64" \
  "make|apt-get install make" "gcc|apt-get install gcc"
deps_workdir nettle
fetch_debian_source nettle pbkdf2-hmac-sha256.c
# Debian's patch (fPIC.patch) rewrites aclocal.m4 and configure, so
# aclocal.m4 ends up newer than stamp-h.in and "make install-*" would rerun
# autoheader (not installed, not needed): mark the generated files current.
touch "$SRC/configure" "$SRC/config.h.in" "$SRC/stamp-h.in"

# --- configure and build out of tree ----------------------------------------
# --prefix is the staging directory; nettle.pc is made relocatable below.
STAGE=$WORK/stage
BUILD=$WORK/build
mkdir -p "$BUILD"
cd "$BUILD"
run "configure" "$SRC/configure" --host="$HOST" \
  --prefix="$STAGE" --libdir="$STAGE/lib" --includedir="$STAGE/include" \
  --disable-shared --enable-static --disable-public-key --disable-assembler \
  --disable-documentation --disable-openssl
if ! grep -Eq '^ *Static libraries: +yes' "$LOG" ||
   ! grep -Eq '^ *Public key crypto: +no' "$LOG"; then
  die "configure did not select a static, symmetric-only build (see $LOG)"
fi
run "make libnettle.a" make -j"$(nproc 2>/dev/null || echo 2)" libnettle.a
run "install" make install-headers install-static install-pkgconfig

# --- pkg-config file (relocatable) -----------------------------------------
pc=$STAGE/lib/pkgconfig/nettle.pc
[ -f "$pc" ] || die "make install-pkgconfig left no nettle.pc (see $LOG)"
rm -f "$STAGE/lib/pkgconfig/hogweed.pc"
# shellcheck disable=SC2016 # ${...} is pkg-config's, not the shell's
sed -i -E -e 's|^prefix=.*|prefix=${pcfiledir}/../..|' \
  -e 's|^exec_prefix=.*|exec_prefix=${prefix}|' \
  -e 's|^libdir=.*|libdir=${exec_prefix}/lib|' \
  -e 's|^includedir=.*|includedir=${prefix}/include|' \
  -e "s|^(Description: .*)|\\1 (static, $HOST, from Debian source)|" "$pc"
if grep -qF "$STAGE" "$pc"; then
  die "nettle.pc still names the staging directory $STAGE"
fi
VERSION=$(sed -n 's/^Version: *//p' "$pc")
[ -n "$VERSION" ] || die "nettle.pc has no Version"

for f in lib/libnettle.a include/nettle/pbkdf2.h include/nettle/sha2.h \
         include/nettle/version.h include/nettle/nettle-types.h; do
  [ -f "$STAGE/$f" ] || die "install left no $f (see $LOG)"
done

write_stamp "$STAGE" "upstream=$VERSION"

# --- install: replace the prefix in one step ---------------------------------
install_stage "$STAGE" "$PREFIX"
deps_finish
exit 0

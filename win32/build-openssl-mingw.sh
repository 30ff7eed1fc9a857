#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build a static OpenSSL (libssl + libcrypto, 3.0 like Debian 12's) for
# x86_64-w64-mingw32 from Debian's "openssl" source package (its patches
# applied by dpkg-source), into the dependency cache (see
# win32/mingw-deps-lib.sh), e.g.
# /var/cache/natter-deps/openssl-3.0.20-1~deb12u2-x86_64-w64-mingw32-r1:
#
#   include/openssl/*.h
#   lib/libssl.a lib/libcrypto.a
#   lib/pkgconfig/{libssl,libcrypto,openssl}.pc
#                               (relocatable: prefix=${pcfiledir}/../..)
#
# Only the libraries: no apps, tests, documentation, DLLs, engines (no
# ENGINE API) nor loadable modules (no-module no-dso: the default, base
# and legacy providers are built in, nothing is ever loaded from disk).
# Debian's feature set otherwise (no idea/mdc2/rc5/ssl3, security level 2).
# The compiled-in directories are those of OpenSSL's own Windows builds
# (OPENSSLDIR C:/Program Files/Common Files/SSL, writable by administrators
# only), never /usr/local/ssl; a program that wants no openssl.cnf at all
# calls OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) first: see
# win32/README.md.
# Static linking needs, after -lssl -lcrypto: -lws2_32 -lgdi32 -lcrypt32
# (Libs.private of libcrypto.pc: pkg-config --static --libs libssl).
#
#   win32/build-mingw-deps.sh       (CUnit, nettle, then this)
#   meson setup build-win --cross-file win32/mingw-w64-x86_64.ini \
#                         --cross-file build-deps/mingw-paths.ini
#
# Usage: win32/build-openssl-mingw.sh [--force]
#   --force   rebuild even when an up-to-date build is already installed
# Environment:
#   OPENSSL_MINGW_PREFIX  install prefix (default: the cache entry)
#   NATTER_DEPS_CACHE     the cache (default /var/cache/natter-deps)
#   MINGW_HOST            toolchain triplet (default x86_64-w64-mingw32)
#
# Idempotent and silent on success; when a step fails, it says which one and
# shows the end of that step's log on stderr. About 3.5 minutes on 2 cores.
# Needs mingw-w64, make and perl (Configure), and dpkg-dev.

set -euo pipefail

# Bump when the recipe below changes, so existing installs get rebuilt: it
# is part of the cache key (mingw-deps-lib.sh reads it from this line).
# shellcheck disable=SC2034
RECIPE=1

# shellcheck source=win32/mingw-deps-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mingw-deps-lib.sh"

# shellcheck disable=SC2317 # called through deps_begin
is_built() {
  stamp_ok && [ -f "$PREFIX/lib/libssl.a" ] && [ -f "$PREFIX/lib/libcrypto.a" ] &&
    [ -f "$PREFIX/lib/pkgconfig/libssl.pc" ] &&
    [ -f "$PREFIX/lib/pkgconfig/libcrypto.pc" ] &&
    [ -f "$PREFIX/lib/pkgconfig/openssl.pc" ] &&
    [ -f "$PREFIX/include/openssl/ssl.h" ]
}

# Arguments, versions, mingw-paths.ini, silent exit when built, lock.
deps_begin openssl is_built "$@"

case "$HOST" in
  x86_64-*-mingw32) TARGET=mingw64 ;;
  i686-*-mingw32) TARGET=mingw ;;
  *) die "no OpenSSL target for host $HOST" ;;
esac
require_tools "$HOST-gcc|apt-get install mingw-w64" \
  "$HOST-ar|apt-get install mingw-w64" "$HOST-ranlib|apt-get install mingw-w64" \
  "$HOST-windres|apt-get install mingw-w64" \
  "make|apt-get install make" "perl|apt-get install perl"
deps_workdir openssl
fetch_debian_source openssl ssl/ssl_lib.c

# --- configure and build out of tree ----------------------------------------
# --prefix is the staging directory, used only by install_dev (the .pc
# files are made relocatable below). The directories compiled into
# libcrypto are given to make instead: Configure on Linux cannot take a
# Windows path, and its default (/usr/local/ssl, i.e. \usr\local\ssl on the
# current drive, which any user may create) must not be used: see
# CVE-2019-1552.
STAGE=$WORK/stage
BUILD=$WORK/build
WIN_DIRS=("OPENSSLDIR=C:/Program Files/Common Files/SSL"
          "ENGINESDIR=C:/Program Files/OpenSSL/lib/engines-3"
          "MODULESDIR=C:/Program Files/OpenSSL/lib/ossl-modules")
JOBS=$(nproc 2>/dev/null || echo 2)
mkdir -p "$BUILD"
cd "$BUILD"
# Debian's options (debian/rules CONFARGS, and its target's security
# level), less what a static library cannot use, plus ours.
run "configure" perl "$SRC/Configure" "$TARGET" --cross-compile-prefix="$HOST-" \
  --prefix="$STAGE" --libdir=lib \
  no-idea no-mdc2 no-rc5 no-zlib no-ssl3 no-ssl3-method enable-rfc3779 \
  enable-cms no-rdrand enable-ec_nistp_64_gcc_128 -DOPENSSL_TLS_SECURITY_LEVEL=2 \
  no-shared no-module no-dso no-engine no-tests
DISABLED=" $(perl -I. -Mconfigdata -e 'print join(" ", sort keys %disabled)') "
for opt in shared module dso engine tests idea ssl3 fips; do
  case "$DISABLED" in
    *" $opt "*) ;;
    *) die "configure did not disable $opt (disabled:$DISABLED)" ;;
  esac
done
run "make build_libs" make -j"$JOBS" "${WIN_DIRS[@]}" build_libs
run "make install_dev" make "${WIN_DIRS[@]}" install_dev

# --- check and tidy the result ----------------------------------------------
for f in lib/libssl.a lib/libcrypto.a include/openssl/ssl.h \
         include/openssl/opensslv.h include/openssl/configuration.h \
         lib/pkgconfig/libssl.pc lib/pkgconfig/libcrypto.pc lib/pkgconfig/openssl.pc; do
  [ -f "$STAGE/$f" ] || die "install left no $f (see $LOG)"
done
find "$STAGE" -depth -type d -empty -delete
if grep -qF "$STAGE" "$STAGE/lib/libcrypto.a" "$STAGE/lib/libssl.a"; then
  die "the libraries name the staging directory $STAGE"
fi
grep -qF 'C:/Program Files/Common Files/SSL' "$STAGE/lib/libcrypto.a" ||
  die "libcrypto.a does not have the Windows OPENSSLDIR"
for opt in OPENSSL_NO_ENGINE OPENSSL_NO_DSO; do
  grep -q "define $opt\$" "$STAGE/include/openssl/configuration.h" ||
    die "configuration.h does not define $opt"
done

# --- pkg-config files (relocatable) -----------------------------------------
# No enginesdir/modulesdir: nothing is loaded from there.
for pc in "$STAGE"/lib/pkgconfig/{libssl,libcrypto,openssl}.pc; do
  # shellcheck disable=SC2016 # ${...} is pkg-config's, not the shell's
  sed -i -E -e 's|^prefix=.*|prefix=${pcfiledir}/../..|' \
    -e 's|^exec_prefix=.*|exec_prefix=${prefix}|' \
    -e 's|^libdir=.*|libdir=${exec_prefix}/lib|' \
    -e 's|^includedir=.*|includedir=${prefix}/include|' \
    -e '/^(enginesdir|modulesdir)=/d' \
    -e "s|^(Description: .*)|\\1 (static, $HOST, from Debian source)|" "$pc"
  if grep -qF "$STAGE" "$pc"; then
    die "${pc##*/} still names the staging directory $STAGE"
  fi
done
VERSION=$(sed -n 's/^Version: *//p' "$STAGE/lib/pkgconfig/libssl.pc")
case "$DEB_VERSION" in
  "$VERSION"-*) ;;
  *) die "libssl.pc says $VERSION, the Debian source is $DEB_VERSION" ;;
esac

write_stamp "$STAGE" "target=$TARGET" "${WIN_DIRS[@]}"

# --- install: replace the prefix in one step ---------------------------------
install_stage "$STAGE" "$PREFIX"
deps_finish
exit 0

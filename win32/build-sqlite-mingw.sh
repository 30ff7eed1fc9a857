#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build a static SQLite (natterd's store) for x86_64-w64-mingw32 from
# Debian's "sqlite3" source package (its patches applied by dpkg-source)
# into the dependency cache (see win32/mingw-deps-lib.sh), e.g.
# /var/cache/natter-deps/sqlite3-3.40.1-2+deb12u2-x86_64-w64-mingw32-r1:
#
#   include/sqlite3.h include/sqlite3ext.h
#   lib/libsqlite3.a
#   lib/pkgconfig/sqlite3.pc    (relocatable: prefix=${pcfiledir}/../..)
#
# Only the library: no shell, no Tcl binding, no readline, no DLL. Debian's
# source is SQLite's full tree, not the one-file amalgamation, so the
# amalgamation is generated first on the build machine (a native configure,
# then "make sqlite3.c": lemon, tclsh), then compiled with the mingw gcc
# alone (no libtool). Its options are Debian's (debian/rules, so the
# Windows natterd behaves as the native one linked with libsqlite3-dev),
# except:
#   -DSQLITE_OMIT_LOAD_EXTENSION  instead of Debian's ENABLE_LOAD_EXTENSION:
#                                 a service never loads DLLs into SQLite
#   -DSQLITE_DQS=0                double-quoted strings are identifiers
#                                 only ("x" is never the string 'x'; Debian's
#                                 library accepts that: see win32/README.md)
# Threadsafe (SQLITE_THREADSAFE=1, Win32 mutexes: no winpthread). Static
# linking needs nothing after -lsqlite3 (kernel32 and msvcrt are gcc's
# defaults), so sqlite3.pc has no Libs.private.
#
#   win32/build-mingw-deps.sh       (CUnit, nettle, OpenSSL, then this)
#   meson setup build-win --cross-file win32/mingw-w64-x86_64.ini \
#                         --cross-file build-deps/mingw-paths.ini
#
# Usage: win32/build-sqlite-mingw.sh [--force]
#   --force   rebuild even when an up-to-date build is already installed
# Environment:
#   SQLITE_MINGW_PREFIX  install prefix (default: the cache entry)
#   NATTER_DEPS_CACHE    the cache (default /var/cache/natter-deps)
#   MINGW_HOST           toolchain triplet (default x86_64-w64-mingw32)
#
# Idempotent and silent on success; when a step fails, it says which one and
# shows the end of that step's log on stderr. About a minute (most of it
# compiling the 8.6 MB sqlite3.c, one file, so one core). Needs mingw-w64,
# make, a native gcc and tclsh (to generate the amalgamation) and dpkg-dev.

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
NM=$HOST-nm

# shellcheck disable=SC2317 # called through deps_begin
is_built() {
  stamp_ok && [ -f "$PREFIX/lib/libsqlite3.a" ] &&
    [ -f "$PREFIX/lib/pkgconfig/sqlite3.pc" ] &&
    [ -f "$PREFIX/include/sqlite3.h" ] && [ -f "$PREFIX/include/sqlite3ext.h" ]
}

# Arguments, versions, mingw-paths.ini, silent exit when built, lock.
deps_begin sqlite3 is_built "$@"

require_tools "$CC|apt-get install mingw-w64" "$AR|apt-get install mingw-w64" \
  "$RANLIB|apt-get install mingw-w64" "$NM|apt-get install mingw-w64" \
  "make|apt-get install make" "gcc|apt-get install gcc" \
  "tclsh|apt-get install tcl"
deps_workdir sqlite3
fetch_debian_source sqlite3 src/sqlite.h.in

# --- compile-time options ---------------------------------------------------
# Debian's (the CFLAGS of debian/rules, and what its --enable-fts4,
# --enable-fts5 and configure's default --enable-math add), in its order,
# less ENABLE_LOAD_EXTENSION; then ours.
FEATURES=(-DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA
  -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS
  -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1
  -DSQLITE_ENABLE_UNLOCK_NOTIFY
  -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB
  -DSQLITE_ALLOW_ROWID_IN_VIEW
  -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1
  -DSQLITE_ENABLE_JSON1
  -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
  -DSQLITE_THREADSAFE=1
  -DSQLITE_ENABLE_FTS3_TOKENIZER=1
  -DSQLITE_USE_URI=1
  -DSQLITE_MAX_SCHEMA_RETRY=25
  -DSQLITE_ENABLE_PREUPDATE_HOOK
  -DSQLITE_ENABLE_SESSION
  -DSQLITE_ENABLE_STMTVTAB
  -DSQLITE_MAX_VARIABLE_NUMBER=250000
  -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_MATH_FUNCTIONS
  -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DQS=0)

# --- the amalgamation (native tools) ----------------------------------------
# configure copies every -DSQLITE_ENABLE*/-DSQLITE_OMIT* of CFLAGS to lemon,
# which needs some of them to generate the grammar (UPDATE_DELETE_LIMIT).
# Nothing of this configure's results reaches sqlite3.c: no config.h is
# used below.
GEN=$WORK/gen
STAGE=$WORK/stage
mkdir -p "$GEN" "$STAGE/include" "$STAGE/lib/pkgconfig"
cd "$GEN"
run "configure (native, for the amalgamation)" "$SRC/configure" \
  --disable-tcl --disable-readline --disable-shared \
  CFLAGS="-O2 ${FEATURES[*]}"
run "make sqlite3.c" make -j"$(nproc 2>/dev/null || echo 2)" sqlite3.c
for f in sqlite3.c sqlite3.h sqlite3ext.h; do
  [ -s "$GEN/$f" ] || die "make sqlite3.c left no $f (see $LOG)"
done
grep -q 'cmd ::= with DELETE FROM .* orderby_opt limit_opt' "$GEN/sqlite3.c" ||
  die "the generated grammar lacks SQLITE_ENABLE_UPDATE_DELETE_LIMIT (see $LOG)"
VERSION=$(sed -nE 's/^#define SQLITE_VERSION +"([^"]+)".*/\1/p' "$GEN/sqlite3.h")
case "$DEB_VERSION" in
  "$VERSION"-*) ;;
  *) die "sqlite3.h says ${VERSION:-no version}, the Debian source is $DEB_VERSION" ;;
esac

# --- compile the static library (mingw) -------------------------------------
# -w: third-party code, not ours to fix.
CFLAGS=(-O2 -g -fno-strict-aliasing -w "${FEATURES[@]}")
run "compile sqlite3.c" "$CC" "${CFLAGS[@]}" -I"$GEN" -c "$GEN/sqlite3.c" \
  -o "$GEN/sqlite3.o"
run "archive libsqlite3.a" "$AR" rcs "$STAGE/lib/libsqlite3.a" "$GEN/sqlite3.o"
run "ranlib libsqlite3.a" "$RANLIB" "$STAGE/lib/libsqlite3.a"
cp "$GEN/sqlite3.h" "$GEN/sqlite3ext.h" "$STAGE/include/"

# The right options took: the backup API is there, loadable extensions and
# pthreads (a libwinpthread-1.dll import) are not.
syms=$("$NM" "$STAGE/lib/libsqlite3.a")
grep -q ' T sqlite3_backup_init$' <<<"$syms" ||
  die "libsqlite3.a does not define sqlite3_backup_init"
if grep -Eq ' T sqlite3_load_extension$| U pthread_' <<<"$syms"; then
  die "libsqlite3.a has sqlite3_load_extension or uses pthreads"
fi

# --- pkg-config file (relocatable) -----------------------------------------
cat >"$STAGE/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: SQLite
Description: SQL database engine (static, $HOST, from Debian source)
Version: $VERSION
Libs: -L\${libdir} -lsqlite3
Cflags: -I\${includedir}
EOF

write_stamp "$STAGE" "upstream=$VERSION" "cflags=${CFLAGS[*]}"

# --- install: replace the prefix in one step ---------------------------------
install_stage "$STAGE" "$PREFIX"
deps_finish
exit 0

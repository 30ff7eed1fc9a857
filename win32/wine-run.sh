#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run a Windows (x86_64) program under wine with a private, quiet prefix.
# Used as meson's exe_wrapper for the mingw cross build (see
# win32/mingw-w64-x86_64.ini), but also usable by hand:
#
#   win32/wine-run.sh [--prefix DIR] PROGRAM.exe [ARGS...]
#
# The wine prefix is, first found:
#   --prefix DIR, $NATTER_WINEPREFIX, <repo>/build-deps/wineprefix
# (shared by all build dirs: a wine 8 prefix takes ~700 MB). It is created
# on first use (wineboot, ~12 s here, serialised with flock), after which each
# run starts in well under a second. The program's exit status is passed
# through unchanged.
#
# Environment:
#   NATTER_WINEPREFIX  prefix directory (see above)
#   NATTER_WINEDEBUG   WINEDEBUG value (default -all: no wine chatter)
#   NATTER_WINE        wine loader (default: wine, else wine64 from PATH)

set -euo pipefail

PROG=${0##*/}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

prefix=${NATTER_WINEPREFIX:-$REPO_ROOT/build-deps/wineprefix}
if [ "${1:-}" = --prefix ]; then
  [ $# -ge 2 ] || { echo "$PROG: --prefix needs a directory" >&2; exit 2; }
  prefix=$2
  shift 2
fi
if [ $# -lt 1 ]; then
  echo "usage: $PROG [--prefix DIR] PROGRAM.exe [ARGS...]" >&2
  exit 2
fi

if [ -n "${NATTER_WINE:-}" ]; then
  wine=$NATTER_WINE
elif command -v wine >/dev/null 2>&1; then
  # Debian 12: /usr/bin/wine runs /usr/lib/wine/wine64 when wine32 is absent
  # (there is no wine64 on PATH there).
  wine=wine
elif command -v wine64 >/dev/null 2>&1; then
  wine=wine64
else
  echo "$PROG: error: wine not found (apt-get install wine wine64)" >&2
  exit 127
fi

mkdir -p "$(dirname "$prefix")"
prefix=$(cd "$(dirname "$prefix")" && pwd)/$(basename "$prefix")
export WINEPREFIX=$prefix
export WINEARCH=win64
# -all also silences Debian's "it looks like wine32 is missing" hint.
export WINEDEBUG=${NATTER_WINEDEBUG:--all}

stamp=$prefix/.natter-wineprefix-ready

init_prefix() {
  local log=$prefix.init.log rc=0
  # (Never deletes anything: on an existing or half-made prefix, wineboot
  # -i just updates it.)
  # No Mono/Gecko (not packaged here; wineboot would try to offer them).
  WINEDLLOVERRIDES="mscoree,mshtml=" "$wine" wineboot -i >"$log" 2>&1 </dev/null || rc=$?
  # Report Windows 10 (wine 8's default is Windows 7).
  [ "$rc" -ne 0 ] || "$wine" winecfg -v win10 >>"$log" 2>&1 </dev/null || rc=$?
  # Wait for wineboot's helper processes to finish writing the registry.
  if [ "$rc" -eq 0 ] && command -v wineserver >/dev/null 2>&1; then
    wineserver -w >>"$log" 2>&1 || rc=$?
  fi
  if [ "$rc" -ne 0 ] || [ ! -f "$prefix/system.reg" ]; then
    {
      echo "$PROG: error: creating wine prefix $prefix failed (exit $rc); log $log:"
      tail -n 30 "$log"
    } >&2
    exit 1
  fi
  touch "$stamp"
  rm -f "$log"
}

if [ ! -f "$stamp" ]; then
  if command -v flock >/dev/null 2>&1; then
    (
      flock 9
      [ -f "$stamp" ] || init_prefix
    ) 9>"$prefix.lock"
  else
    init_prefix
  fi
fi

exec "$wine" "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build every library the Windows cross build needs that Debian does not
# ship for mingw-w64 (CUnit, nettle, OpenSSL, SQLite), each from Debian's own
# source package, into the dependency cache outside the checkout
# (/var/cache/natter-deps, or $NATTER_DEPS_CACHE; build-deps/cache when it
# is not writable), and write build-deps/mingw-paths.ini. Idempotent: a
# quick, silent no-op when all are built (in any checkout on this machine).
# Passes its argument (--force) to each script; see win32/README.md.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

case "${1:-}" in
  -h|--help) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
esac
# Fast path: versions resolved once, every stamp current.
if [ "$#" -eq 0 ]; then
  # shellcheck source=win32/mingw-deps-lib.sh
  . "$HERE/mingw-deps-lib.sh"
  deps_resolve
  write_paths_ini
  deps_all_built && exit 0
fi
"$HERE/build-cunit-mingw.sh" "$@"
"$HERE/build-nettle-mingw.sh" "$@"
"$HERE/build-openssl-mingw.sh" "$@"
"$HERE/build-sqlite-mingw.sh" "$@"

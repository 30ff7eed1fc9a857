#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `meson dist` makes a release tarball of HEAD that stands on its own.
#
#   tests/packaging/check-dist.sh           CI: meson dist --no-tests, then
#                                            check the tarball's contents
#                                            (the RPM build compiles it)
#   tests/packaging/check-dist.sh --full    meson dist with its tests: it
#                                            unpacks the tarball, builds it
#                                            with the default options and
#                                            runs every test (slow)
#
# meson dist packs the last commit of a clean clone: uncommitted work is
# not in it.  Work tree: build/packages/work/dist/; the tarball is copied
# to build/packages/.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

full=0
case "${1:-}" in
  --full) full=1 ;;
  "") ;;
  *) echo "usage: $0 [--full]" >&2; exit 2 ;;
esac
version=$(pkg_version)
work=$PKG_WORK/dist
log=$work/dist.log
rm -rf "$work"
mkdir -p "$work"
CHECK_LOG=$log

echo "== $CHECK_NAME: meson dist of HEAD $(git -C "$PKG_ROOT" rev-parse --short HEAD)$([ $full = 1 ] && echo ', with tests')"
check "git clone of HEAD" git clone -q --no-hardlinks "$PKG_ROOT" "$work/natter"
if [ $full = 1 ]; then
  check "meson setup (default options)" meson setup "$work/build" "$work/natter"
  start=$SECONDS
  check "meson dist (builds the tarball's tree and runs its tests)" \
    env MESON_TESTTHREADS="$PKG_JOBS" meson dist -C "$work/build" --allow-dirty --formats xztar
  echo "  (meson dist with tests: $((SECONDS - start)) s)"
else
  check "meson setup" meson setup "$work/build" "$work/natter" -Dtests=false -Dbench=false -Dexamples=false
  check "meson dist --no-tests" meson dist -C "$work/build" --no-tests --allow-dirty --formats xztar
fi
tarball=$work/build/meson-dist/natter-$version.tar.xz
check "tarball natter-$version.tar.xz made" test -f "$tarball"
if [ -f "$tarball" ]; then
  check "its sha256sum file matches" sh -c "cd '${tarball%/*}' && sha256sum -c '${tarball##*/}.sha256sum'"
  list=$(tar -tJf "$tarball")
  for f in meson.build meson_options.txt LICENSE README.md libnet/meson.build \
    server/meson.build server/natterd.conf.example gui-client/meson.build \
    tests/meson.build win32/mingw-w64-x86_64.ini; do
    check "contains $f" grep -qx "natter-$version/$f" <<<"$list"
  done
  check "no build trees or wine prefix in it" test -z "$(grep -E "^natter-$version/(build|build-deps)/" <<<"$list")"
  cp "$tarball" "$PKG_OUT/"
fi
finish

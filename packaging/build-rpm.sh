#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the RPM packages (libnatter, libnatter-devel, natterd, natter) with
# `rpmbuild -bb --nodeps packaging/rpm/natter.spec`, from the tarball that
# `meson dist` makes of a clean clone of HEAD, and put them in
# build/packages/.
#
#   packaging/build-rpm.sh
#
# meson dist packs the last commit only: uncommitted work is not in the
# RPMs.  The unit file and man pages come from packaging/ in the working
# tree (separate Sources of the spec).  When the commit has no GTK client
# (gui-client/), the spec is built --without gui (no natter package).
# Work tree and logs: build/packages/work/rpm/.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
command -v rpmbuild >/dev/null || pkg_die "rpmbuild not found (apt-get install rpm)"

version=$(pkg_version)
spec_version=$(rpmspec -q --srpm --qf '%{version}' "$PKG_ROOT/packaging/rpm/natter.spec")
[ "$spec_version" = "$version" ] ||
  pkg_die "packaging/rpm/natter.spec is at $spec_version but meson.build at $version"

work=$PKG_WORK/rpm
log=$work/build.log
rm -rf "$work"
mkdir -p "$work" "$PKG_OUT"
start=$SECONDS

pkg_say "rpm: meson dist of HEAD ($(git -C "$PKG_ROOT" rev-parse --short HEAD); log $log)"
if [ -n "$(git -C "$PKG_ROOT" status --porcelain --untracked-files=normal -- . ':!packaging')" ]; then
  echo "   (the working tree has uncommitted changes: they are not in the RPMs)"
fi
pkg_run "$log" git clone -q --no-hardlinks "$PKG_ROOT" "$work/clone"
pkg_run "$log" meson setup "$work/dist-build" "$work/clone" \
  -Dtests=false -Dbench=false -Dexamples=false
pkg_run "$log" meson dist -C "$work/dist-build" --no-tests --allow-dirty --formats xztar
tarball=$work/dist-build/meson-dist/natter-$version.tar.xz
[ -f "$tarball" ] || pkg_die "meson dist made no $tarball"

top=$work/rpmbuild
mkdir -p "$top/SOURCES"
cp "$tarball" "$PKG_ROOT/packaging/systemd/natterd.service" \
  "$PKG_ROOT/packaging/man/natterd.8" "$PKG_ROOT/packaging/man/natter.1" "$top/SOURCES/"

with=()
if ! tar -tJf "$tarball" "natter-$version/gui-client/meson.build" >/dev/null 2>&1; then
  echo "   (HEAD has no gui-client/: building --without gui, no natter package)"
  with=(--without gui)
fi

pkg_say "rpm: rpmbuild -bb --nodeps ${with[*]}"
pkg_run "$log" rpmbuild -bb --nodeps --define "_topdir $top" \
  --define "_smp_build_ncpus $PKG_JOBS" "${with[@]}" "$PKG_ROOT/packaging/rpm/natter.spec"

rm -f "$PKG_OUT"/*.rpm
find "$top/RPMS" -name '*.rpm' -exec cp {} "$PKG_OUT"/ \;
pkg_say "rpm: built in $((SECONDS - start)) s:"
(cd "$PKG_OUT" && ls -1 ./*.rpm)

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build-Depends are complete: build the .debs in a minimal Debian 12 chroot
# (debootstrap --variant=buildd: build-essential and nothing else) after
# `apt-get build-dep ./` there.  By hand, not part of run-all.sh: it
# downloads a base system and the build dependencies from the Debian
# mirror (about 5 minutes, 1 GB of disk).  Root only.
#
#   tests/packaging/check-build-deps.sh [MIRROR]
#
# The chroot is build/packages/work/chroot (kept for the next run: delete it
# to start over).  Uses the source tree packaging/build-deb.sh assembled.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ "$(id -u)" -eq 0 ] || pkg_die "run as root (chroot)"
mirror=${1:-http://deb.debian.org/debian}
version=$(pkg_version)
src=$PKG_WORK/deb/natter-$version
[ -d "$src/debian" ] || pkg_die "no $src (run packaging/build-deb.sh)"
chroot=$PKG_WORK/chroot
log=$PKG_WORK/check-build-deps.log
CHECK_LOG=$log
: >"$log"

echo "== $CHECK_NAME ($chroot)"
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >>"$log" 2>&1 ||
    pkg_die "cannot install debootstrap"
fi
if [ ! -f "$chroot/.natter-ready" ]; then
  rm -rf "$chroot"
  check "debootstrap --variant=buildd bookworm" \
    debootstrap --variant=buildd bookworm "$chroot" "$mirror"
  touch "$chroot/.natter-ready"
fi
rm -rf "$chroot/src"
mkdir -p "$chroot/src"
# A clean copy of the assembled tree (no build directory).
(cd "$src" && tar --exclude='./obj-*' --exclude='./debian/.debhelper' -cf - .) |
  tar -x -C "$chroot/src"
cp /etc/resolv.conf "$chroot/etc/resolv.conf" 2>/dev/null
in_chroot() { chroot "$chroot" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
check "apt-get build-dep ./ in the chroot" \
  in_chroot sh -c 'apt-get update -qq && cd /src && apt-get build-dep -y -q ./'
check "dpkg-buildpackage -us -uc -b in the chroot" \
  in_chroot sh -c "cd /src && DEB_BUILD_OPTIONS=parallel=$PKG_JOBS dpkg-buildpackage -us -uc -b"
for p in "$(pkg_deb_libpackage)" libnatter-dev natterd natter; do
  check "$p built" test -f "$chroot/${p}_${version}_$(dpkg --print-architecture).deb"
done
finish

# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared by packaging/build-*.sh and tests/packaging/*.sh (sourced, not run).

PKG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where the finished packages go, and their work trees (work/).
PKG_OUT=${NATTER_PACKAGES_DIR:-$PKG_ROOT/build/packages}
PKG_WORK=$PKG_OUT/work
# Two cores shared with other people: never more than two jobs.
PKG_JOBS=${NATTER_PACKAGE_JOBS:-2}

if [ "$(id -u)" -eq 0 ]; then PKG_SUDO=(); else PKG_SUDO=(sudo); fi

pkg_version() {
  meson introspect --projectinfo "$PKG_ROOT/meson.build" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])'
}

# The Debian runtime package of the shared library, libnatterN, where N is
# the SONAME's version (libnatter.so.N): one place to rename on an ABI
# break (packaging/debian/control; its .install and .symbols files follow).
pkg_deb_libpackage() {
  sed -n 's/^Package: \(libnatter[0-9][0-9]*\)$/\1/p' "$PKG_ROOT/packaging/debian/control"
}

# The SONAME that package ships: libnatter.so.N.
pkg_soname() {
  local libpkg
  libpkg=$(pkg_deb_libpackage)
  echo "libnatter.so.${libpkg#libnatter}"
}

pkg_say() { printf '== %s\n' "$*"; }
pkg_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# pkg_run LOG CMD...: run CMD with its output in LOG; on failure show the
# end of LOG and fail.
pkg_run() {
  local log=$1
  shift
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    pkg_die "failed: $* (log: $log)"
  fi
}

# pkg_copy_tree DEST [--head]: the project's files into DEST: by default
# the working tree (tracked files and new files that are not ignored, so
# work in progress is packaged as it stands); with --head, the last commit.
# packaging/ always comes from the working tree.
pkg_copy_tree() {
  local dest=$1 mode=${2:-}
  rm -rf "$dest"
  mkdir -p "$dest"
  if [ "$mode" = --head ]; then
    git -C "$PKG_ROOT" archive --format=tar HEAD | tar -x -C "$dest"
  else
    (cd "$PKG_ROOT" && git ls-files -z --cached --others --exclude-standard |
      tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -x -C "$dest"
  fi
  rm -rf "$dest/packaging"
  cp -a "$PKG_ROOT/packaging" "$dest/packaging"
}

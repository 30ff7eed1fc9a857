#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the Debian packages (libnatter0, libnatter-dev, natterd, natter):
# assemble a source tree with packaging/debian/ as its debian/, install
# missing Build-Depends with `apt-get build-dep`, run
# `dpkg-buildpackage -us -uc -b`, and put the .debs in build/packages/.
#
#   packaging/build-deb.sh [--head] [--update-symbols]
#
# By default the working tree is packaged as it stands (tracked files plus
# new, not ignored ones); --head packages the last commit instead.
# --update-symbols rewrites packaging/debian/libnatter0.symbols from the
# library just built (after adding exports; see packaging/README.md).
# Work tree and logs: build/packages/work/deb/.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode='' update_symbols=0
for arg in "$@"; do
  case "$arg" in
    --head) mode=--head ;;
    --update-symbols) update_symbols=1 ;;
    *) echo "usage: $0 [--head] [--update-symbols]" >&2; exit 2 ;;
  esac
done

version=$(pkg_version)
deb_version=$(dpkg-parsechangelog -l "$PKG_ROOT/packaging/debian/changelog" -S Version)
[ "${deb_version%%-*}" = "$version" ] ||
  pkg_die "packaging/debian/changelog is at $deb_version but meson.build at $version: add a changelog entry (dch -v $version -c packaging/debian/changelog)"

work=$PKG_WORK/deb
src=$work/natter-$version
log=$work/build.log
mkdir -p "$work" "$PKG_OUT"
rm -f "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$work"/*.dsc "$work"/*.tar.* "$log"
pkg_say "deb: source tree $src"
pkg_copy_tree "$src" $mode
cp -a "$PKG_ROOT/packaging/debian" "$src/debian"

if ! (cd "$src" && dpkg-checkbuilddeps) >/dev/null 2>&1; then
  pkg_say "deb: apt-get build-dep ./ (missing Build-Depends)"
  (cd "$src" && DEBIAN_FRONTEND=noninteractive "${PKG_SUDO[@]}" apt-get build-dep -y -qq ./) >>"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; pkg_die "apt-get build-dep failed"; }
fi

# The source package too (lintian checks it; nothing else uses it).
pkg_run "$log" sh -c "cd '$work' && dpkg-source -b 'natter-$version'"

pkg_say "deb: dpkg-buildpackage -us -uc -b (log $log)"
start=$SECONDS
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$PKG_JOBS ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -us -uc -b) >>"$log" 2>&1 ||
  { grep -E 'error|warning: |dpkg-gensymbols|^\+|^-' "$log" | tail -n 40 >&2; pkg_die "dpkg-buildpackage failed (log $log)"; }
# dpkg-gensymbols fails the build when an export disappears and warns
# when one is new (the symbols file then needs the new names).
if [ "$update_symbols" = 1 ]; then
  symbols=$PKG_ROOT/packaging/debian/libnatter0.symbols
  {
    sed -n '/^#/p' "$symbols"
    (cd "$src" && dpkg-gensymbols -plibnatter0 -Pdebian/libnatter0 -v"$version" -O 2>/dev/null) |
      sed -e '/^\* Build-Depends-Package:/d' -e '1a\* Build-Depends-Package: libnatter-dev'
  } >"$symbols.new"
  mv "$symbols.new" "$symbols"
  pkg_say "deb: rewrote $symbols ($(grep -c '^ ' "$symbols") symbols)"
elif grep -q 'dpkg-gensymbols: warning' "$log"; then
  sed -n '/dpkg-gensymbols: warning/,/^dh_/p' "$log" | head -n 40 >&2
  echo "(new exports: run packaging/build-deb.sh --update-symbols)" >&2
fi

rm -f "$PKG_OUT"/*.deb
cp "$work"/*.deb "$PKG_OUT"/
pkg_say "deb: built in $((SECONDS - start)) s:"
(cd "$PKG_OUT" && ls -1 ./*.deb)

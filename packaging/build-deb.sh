#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the Debian packages (libnatter1, libnatter-dev, natterd, natter):
# assemble a source tree with packaging/debian/ as its debian/, install
# missing Build-Depends with `apt-get build-dep`, run
# `dpkg-buildpackage -us -uc -b`, and put the .debs in build/packages/.
#
#   packaging/build-deb.sh [--head]
#   packaging/build-deb.sh --update-symbols
#
# By default the working tree is packaged as it stands (tracked files plus
# new, not ignored ones); --head packages the last commit instead.
# --update-symbols builds no package: it builds only the shared library of
# the working tree (in build/packages/work/symbols/, so the programs need
# not compile) and rewrites packaging/debian/libnatterN.symbols from its
# exports (after adding or removing exports; see packaging/README.md).
# Work tree and logs: build/packages/work/deb/.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 [--head] | --update-symbols" >&2; exit 2; }
mode='' update_symbols=0
for arg in "$@"; do
  case "$arg" in
    --head) mode=--head ;;
    --update-symbols) update_symbols=1 ;;
    *) usage ;;
  esac
done
[ "$update_symbols" = 1 ] && [ -n "$mode" ] && usage

version=$(pkg_version)
libpkg=$(pkg_deb_libpackage)
soname=$(pkg_soname)
symbols=$PKG_ROOT/packaging/debian/$libpkg.symbols
if [ -z "$libpkg" ] || [ ! -f "$symbols" ] || [ ! -f "$PKG_ROOT/packaging/debian/$libpkg.install" ]; then
  pkg_die "packaging/debian/control names the library package '$libpkg', which has no .symbols or .install file"
fi

# shared_library BUILDDIR: the path of libnatter's shared library there.
shared_library() {
  meson introspect --targets "$1" | python3 -c 'import json, sys
for t in json.load(sys.stdin):
    if t["name"] == "natter" and t["type"] == "shared library":
        print(t["filename"][0])'
}

# update_symbols: build libnatter alone and rewrite $symbols from what it
# exports.  Symbols already listed keep their minimal versions, new ones
# get $version; removed ones are dropped (and named: after a release that
# is an ABI break, which needs a new SONAME).
update_symbols() {
  local dir=$PKG_WORK/symbols log lib libdir got
  log=$dir/build.log
  mkdir -p "$dir"
  : >"$log"
  pkg_say "symbols: building libnatter alone in $dir/build (log $log)"
  if [ ! -f "$dir/build/build.ninja" ]; then
    pkg_run "$log" meson setup "$dir/build" "$PKG_ROOT" \
      -Dtests=false -Dbench=false -Dexamples=false -Dserver=false -Dgui=disabled
  fi
  lib=$(shared_library "$dir/build")
  [ -n "$lib" ] || pkg_die "meson introspect found no shared library 'natter'"
  pkg_run "$log" ninja -C "$dir/build" -j "$PKG_JOBS" "${lib#"$dir/build/"}"
  got=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
  [ "$got" = "$soname" ] ||
    pkg_die "the library's SONAME is $got but the package $libpkg ships $soname: rename $libpkg in packaging/debian/ (control, .install, .symbols)"

  # dpkg-gensymbols reads a package tree: the library where it installs.
  libdir=$dir/stage/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)
  rm -rf "$dir/stage" "$dir/removed"
  mkdir -p "$libdir"
  cp "$lib" "$libdir/"
  ln -s "${lib##*/}" "$libdir/$soname"
  (cd "$dir" && dpkg-gensymbols -c0 -q -p"$libpkg" -P"$dir/stage" -e"$libdir/${lib##*/}" \
    -I"$symbols" -v"$version" -O) >"$dir/gensymbols.out" 2>>"$log" ||
    { tail -n 20 "$log" >&2; pkg_die "dpkg-gensymbols failed"; }
  # dpkg-gensymbols keeps a listed symbol that is gone when its minimal
  # version is the current one (removed before the release): drop every
  # symbol the library does not export.
  nm -D --defined-only --format=posix "$lib" | awk '{ print $1 "@Base" }' >"$dir/exports"
  {
    sed -n '/^#/p' "$symbols"
    awk -v removed="$dir/removed" '
      NR == FNR { exported[$1] = 1; next }
      /^\* Build-Depends-Package:/ || /^ #MISSING:/ { next }
      /^ / && !($1 in exported) { print $1 >removed; next }
      { print }
      FNR == 1 { print "* Build-Depends-Package: libnatter-dev" }' \
      "$dir/exports" "$dir/gensymbols.out"
  } >"$symbols.new"
  if cmp -s "$symbols" "$symbols.new"; then
    rm "$symbols.new"
    pkg_say "symbols: ${symbols#"$PKG_ROOT"/} is up to date ($(grep -c '^ ' "$symbols") symbols)"
    return
  fi
  diff -U0 "$symbols" "$symbols.new" | grep -E '^[-+] ' || true
  mv "$symbols.new" "$symbols"
  pkg_say "symbols: rewrote ${symbols#"$PKG_ROOT"/} ($(grep -c '^ ' "$symbols") symbols)"
  if [ -s "$dir/removed" ]; then
    echo "   removed exports (after a release: an ABI break, which needs a new SONAME): $(tr '\n' ' ' <"$dir/removed")" >&2
  fi
}

if [ "$update_symbols" = 1 ]; then
  update_symbols
  exit 0
fi
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
if grep -q 'dpkg-gensymbols: warning' "$log"; then
  sed -n '/dpkg-gensymbols: warning/,/^dh_/p' "$log" | head -n 40 >&2
  echo "(exports changed: run packaging/build-deb.sh --update-symbols)" >&2
fi

rm -f "$PKG_OUT"/*.deb
cp "$work"/*.deb "$PKG_OUT"/
pkg_say "deb: built in $((SECONDS - start)) s:"
(cd "$PKG_OUT" && ls -1 ./*.deb)

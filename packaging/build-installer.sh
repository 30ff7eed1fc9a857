#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the Windows installer (win32/natter.nsi, NSIS) from a mingw-w64
# cross build of natterd, into build/packages/natter-VERSION-setup.exe.
#
#   packaging/build-installer.sh CROSS_BUILDDIR
#
# CROSS_BUILDDIR is a configured and built meson tree for Windows (see
# README.md, "Building by hand"; scripts/packages.sh makes one).
# natterd.exe must import only Windows' own DLLs (it is linked
# statically): the installer ships no other DLL.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 CROSS_BUILDDIR" >&2; exit 2; }
builddir=$(cd "$1" && pwd)
exe=$builddir/server/natterd.exe
[ -f "$exe" ] || pkg_die "$exe not found: build the cross tree first (ninja -C $1)"
command -v makensis >/dev/null || pkg_die "makensis not found (apt-get install nsis)"

version=$(pkg_version)
work=$PKG_WORK/win32
stage=$work/stage
log=$work/build.log
rm -rf "$stage" "$log"
mkdir -p "$stage/doc" "$PKG_OUT"
start=$SECONDS

# Only system DLLs (kernel32, ws2_32, ...): anything else would have to be
# shipped.  The list is what a mingw static link of natterd needs.
pkg_say "installer: natterd.exe imports"
dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\tDLL Name: //p' | tr '[:upper:]' '[:lower:]' | sort -u)
echo "   ${dlls//$'\n'/ }"
for dll in $dlls; do
  case "$dll" in
    kernel32.dll | msvcrt.dll | ws2_32.dll | advapi32.dll | bcrypt.dll | iphlpapi.dll | \
    user32.dll | shell32.dll | crypt32.dll | gdi32.dll | ucrtbase.dll | api-ms-win-*.dll) ;;
    *) pkg_die "natterd.exe needs $dll, which is not part of Windows (link it statically)" ;;
  esac
done

# Text files with CRLF line ends, for Notepad (natterd reads both).
crlf() { sed 's/\r*$/\r/' "$1" >"$2"; }
x86_64-w64-mingw32-strip -o "$stage/natterd.exe" "$exe"
crlf "$PKG_ROOT/server/natterd.conf.example" "$stage/natterd.conf.example"
crlf "$PKG_ROOT/LICENSE" "$stage/LICENSE.txt"
crlf "$PKG_ROOT/README.md" "$stage/doc/README.md"
crlf "$PKG_ROOT/docs/admin.md" "$stage/doc/admin.md"

out=$PKG_OUT/natter-$version-setup.exe
pkg_say "installer: makensis win32/natter.nsi (log $log)"
pkg_run "$log" makensis -V3 -WX -DVERSION="$version" -DSTAGE="$stage" -DOUTFILE="$out" \
  "$PKG_ROOT/win32/natter.nsi"
pkg_say "installer: built in $((SECONDS - start)) s: $out ($(du -k "$out" | cut -f1) KiB)"

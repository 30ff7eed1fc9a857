#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The RPMs in build/packages/ hold what they should (`rpm -qlp`), declare
# their configuration file and dependencies, pass rpmlint (with the
# filters in packaging/rpm/natter.rpmlintrc), and install into and erase
# from a scratch root cleanly (`rpm --root`, without scripts or
# dependencies: this is a Debian machine).
#
#   tests/packaging/check-rpm.sh
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

version=$(pkg_version)
release=1
arch=$(rpm --eval '%{_arch}')
libdir=$(rpm --eval '%{_libdir}')
rpmfile() { echo "$PKG_OUT/$1-$version-$release.$arch.rpm"; }

# expect_files PACKAGE PATTERN...: every pattern (an extended regexp for a
# whole line) matches a file of the package, and every file of the package
# matches a pattern: nothing missing, nothing unexpected.
expect_files() {
  local pkg=$1 f list missing=() extra=()
  shift
  list=$(rpm -qlp "$(rpmfile "$pkg")" 2>/dev/null | grep -v '^/usr/lib/\.build-id')
  for pat in "$@"; do
    grep -qxE "$pat" <<<"$list" || missing+=("$pat")
  done
  while IFS= read -r f; do
    local hit=0
    for pat in "$@"; do
      grep -qxE "$pat" <<<"$f" && { hit=1; break; }
    done
    [ $hit = 1 ] || extra+=("$f")
  done <<<"$list"
  check "rpm -qlp $pkg: $(wc -l <<<"$list") files as expected${missing:+; missing: ${missing[*]}}${extra:+; unexpected: ${extra[*]}}" \
    test ${#missing[@]} -eq 0 -a ${#extra[@]} -eq 0
}

echo "== $CHECK_NAME"
packages=(libnatter libnatter-devel natterd)
if [ -f "$(rpmfile natter)" ]; then
  packages+=(natter)
else
  echo "  (no natter RPM: the commit was built --without gui; see packaging/build-rpm.sh)"
fi
for p in "${packages[@]}"; do
  [ -f "$(rpmfile "$p")" ] || { bad "$(rpmfile "$p") missing (run scripts/packages.sh)"; finish; }
done

lic=/usr/share/licenses
doc=/usr/share/doc
man=/usr/share/man
soname=$(pkg_soname)
expect_files libnatter \
  "$libdir/${soname//./\\.}" "$libdir/${soname//./\\.}\.[0-9.]+" \
  "$lic/libnatter(-$version)?" "$lic/libnatter(-$version)?/LICENSE"
headers=(addr buf clock conn error frame loop net platform random resolve signal thread udp)
expect_files libnatter-devel \
  /usr/include/natter "/usr/include/natter/[a-z0-9_-]+\.h" \
  "$libdir/libnatter\.so" "$libdir/libnatter\.a" "$libdir/pkgconfig/natter\.pc" \
  "$doc/libnatter-devel(-$version)?" "$doc/libnatter-devel(-$version)?/(README|architecture)\.md"
list=$(rpm -qlp "$(rpmfile libnatter-devel)")
for h in "${headers[@]}"; do
  grep -qx "/usr/include/natter/$h.h" <<<"$list" || bad "libnatter-devel: no natter/$h.h"
done
expect_files natterd \
  /etc/natter /etc/natter/natterd\.conf /usr/sbin/natterd \
  /usr/lib/systemd/system/natterd\.service "$man/man8/natterd\.8(\.gz|\.xz|\.bz2|\.zst)?" \
  "$doc/natterd" "$doc/natterd/(admin\.md|natterd\.conf\.example)" \
  "$lic/natterd(-$version)?" "$lic/natterd(-$version)?/LICENSE"
if [[ " ${packages[*]} " == *" natter "* ]]; then
  expect_files natter \
    /usr/bin/natter /usr/share/applications/org\.natter\.Natter\.desktop \
    /usr/share/metainfo/org\.natter\.Natter\.metainfo\.xml \
    /usr/share/icons/hicolor/scalable/apps/org\.natter\.Natter\.svg \
    /usr/share/glib-2\.0/schemas/org\.natter\.Natter\.gschema\.xml \
    "$man/man1/natter\.1(\.gz|\.xz|\.bz2|\.zst)?" \
    "$lic/natter(-$version)?" "$lic/natter(-$version)?/LICENSE"
fi

check "natterd: /etc/natter/natterd.conf is %config" \
  sh -c "rpm -qp --configfiles '$(rpmfile natterd)' 2>/dev/null | grep -qx /etc/natter/natterd.conf"
check "natterd: config(noreplace)" \
  sh -c "rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' '$(rpmfile natterd)' 2>/dev/null | grep -q '^/etc/natter/natterd.conf cn'"
check "natterd requires libsystemd (Type=notify)" \
  sh -c "rpm -qpR '$(rpmfile natterd)' 2>/dev/null | grep -q '^libsystemd.so.0'"
check "libnatter provides $soname" \
  sh -c "rpm -qp --provides '$(rpmfile libnatter)' 2>/dev/null | grep -q '^$soname('"
check "libnatter-devel requires libnatter = $version-$release" \
  sh -c "rpm -qpR '$(rpmfile libnatter-devel)' 2>/dev/null | grep -q '^libnatter(.*) = $version-$release'"

if command -v rpmlint >/dev/null; then
  files=()
  for p in "${packages[@]}"; do files+=("$(rpmfile "$p")"); done
  if rpmlint -r "$PKG_ROOT/packaging/rpm/natter.rpmlintrc" "${files[@]}" \
    "$PKG_ROOT/packaging/rpm/natter.spec" >"$PKG_WORK/rpmlint.log" 2>&1; then
    ok "rpmlint: $(grep -o '[0-9]* errors, [0-9]* warnings' "$PKG_WORK/rpmlint.log")"
  else
    bad "rpmlint:"
    grep -E ': [EW]: ' "$PKG_WORK/rpmlint.log" | sed 's/^/        /'
  fi
else
  echo "  (rpmlint not installed: skipped)"
fi

# Install and erase in a scratch root.
root=$PKG_WORK/rpm-root
rm -rf "$root"
mkdir -p "$root"
files=()
for p in "${packages[@]}"; do files+=("$(rpmfile "$p")"); done
if rpm --root "$root" --dbpath /rpmdb -i --nodeps --noscripts "${files[@]}" >"$PKG_WORK/rpm-root.log" 2>&1; then
  ok "rpm -i into a scratch root"
  check "rpm -V: the installed files match" rpm --root "$root" --dbpath /rpmdb -V --nodeps --noscripts "${packages[@]}"
  check "natterd --check-config on the installed config" \
    "$root/usr/sbin/natterd" --check-config --config "$root/etc/natter/natterd.conf" >/dev/null
  rpm --root "$root" --dbpath /rpmdb -e --nodeps --noscripts "${packages[@]}" >>"$PKG_WORK/rpm-root.log" 2>&1
  check "rpm -e" test $? -eq 0
  left=$(find "$root" -path "$root/rpmdb" -prune -o -type f -print | head -5)
  check "nothing left after rpm -e${left:+: $left}" test -z "$left"
else
  bad "rpm -i into a scratch root: $(tail -3 "$PKG_WORK/rpm-root.log")"
fi
rm -rf "$root"
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# lintian on the Debian build (the .changes and .dsc of
# packaging/build-deb.sh): no
# error and no warning.  Informational and pedantic tags are shown too;
# every tag that stays is overridden in packaging/debian/*.lintian-overrides
# with the reason.
#
#   tests/packaging/check-lintian.sh
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

echo "== $CHECK_NAME"
changes=$(ls "$PKG_WORK"/deb/natter_*.changes 2>/dev/null | tail -1)
dsc=$(ls "$PKG_WORK"/deb/natter_*.dsc 2>/dev/null | tail -1)
[ -n "$changes" ] && [ -n "$dsc" ] || pkg_die "no .changes or .dsc in $PKG_WORK/deb (run packaging/build-deb.sh)"
out=$PKG_WORK/lintian.log
lintian --display-info --pedantic --display-experimental --show-overrides "$changes" "$dsc" 2>&1 |
  grep -v 'running with root privileges is not recommended' >"$out"
status=${PIPESTATUS[0]}
sed 's/^/        /' "$out"
check "lintian ran (status $status)" test "$status" -le 2
errors=$(grep -c '^E: ' "$out")
warnings=$(grep -c '^W: ' "$out")
check "lintian: $errors errors, $warnings warnings ($(grep -c '^[IPX]: ' "$out") info/pedantic/experimental, $(grep -c '^O: ' "$out") overridden)" \
  test "$errors" -eq 0 -a "$warnings" -eq 0
finish

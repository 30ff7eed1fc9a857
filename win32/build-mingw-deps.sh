#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build every library the Windows cross build needs that Debian does not
# ship for mingw-w64, each from Debian's own source package, into
# build-deps/.  Idempotent: does nothing when all are built.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$HERE/build-cunit-mingw.sh"
if [ -x "$HERE/build-nettle-mingw.sh" ]; then
  "$HERE/build-nettle-mingw.sh"
fi

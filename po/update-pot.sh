#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate po/natter.pot without a build folder (xgettext from gettext).
cd "$(dirname "$0")/.." || exit 1
grep -v '^#' po/POTFILES.in | grep . > /tmp/natter-potfiles.$$
xgettext --package-name=natter --package-version=$(sed -n "s/^ *version : '\(.*\)',/\1/p" meson.build | head -1) --from-code=UTF-8 \
    --add-comments --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --keyword=g_dngettext:2,3 --files-from=/tmp/natter-potfiles.$$ -o po/natter.pot
rc=$?
rm -f /tmp/natter-potfiles.$$
exit $rc

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The packages' metadata, from the source tree:
#  - desktop-file-validate on the .desktop file
#  - appstreamcli validate --no-net on the AppStream metainfo, whose newest
#    release is the project's version
#  - glib-compile-schemas --strict on the GSettings schema
#  - the man pages: no groff warnings, and every option that
#    `natterd --help` and `natter --help` print is in natterd.8 / natter.1
#    (the programs of the Debian build tree, or NATTERD= / NATTER=)
#  - the systemd unit's exposure (`systemd-analyze security --offline`)
#
#   tests/packaging/check-metadata.sh
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

version=$(pkg_version)
data=$PKG_ROOT/gui-client/data
app_id=org.natter.Natter
echo "== $CHECK_NAME"

if [ -d "$data" ]; then
  check "desktop-file-validate $app_id.desktop" desktop-file-validate "$data/$app_id.desktop"
  check "appstreamcli validate --no-net $app_id.metainfo.xml" \
    appstreamcli validate --no-net "$data/$app_id.metainfo.xml"
  newest=$(python3 - "$data/$app_id.metainfo.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
releases = ET.parse(sys.argv[1]).getroot().find("releases")
print(releases[0].get("version") if releases is not None and len(releases) else "")
EOF
)
  check "metainfo: newest release is $version (it says ${newest:-none})" test "$newest" = "$version"
  schemas=$(mktemp -d)
  cp "$data"/*.gschema.xml "$schemas"/
  check "glib-compile-schemas --strict" glib-compile-schemas --strict --targetdir="$schemas" "$schemas"
  rm -rf "$schemas"
  check "desktop file and metainfo name the app id $app_id" \
    grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$data/$app_id.metainfo.xml"
else
  echo "  (no gui-client/data: GUI metadata skipped)"
fi

# man pages
for page in "$PKG_ROOT/packaging/man/natterd.8" "$PKG_ROOT/packaging/man/natter.1"; do
  check "${page##*/}: no groff warnings" \
    sh -c "LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 '$page' 2>&1 | { ! grep .; }"
done
debtree=$(ls -d "$PKG_WORK"/deb/natter-*/obj-* 2>/dev/null | head -1)
natterd=${NATTERD:-${debtree:+$debtree/server/natterd}}
natter=${NATTER:-${debtree:+$debtree/gui-client/natter}}
# options_of PROGRAM: the long options its --help lists (GTK's own aside).
options_of() {
  "$1" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]+' | grep -vE -- '--help-(all|gapplication|gtk)' | sort -u
}
# man_has PAGE OPTION: the page mentions the option, whole (roff writes
# - as \-).
man_has() {
  python3 -c 'import re, sys
text = open(sys.argv[1]).read().replace("\\-", "-")
sys.exit(0 if re.search(re.escape(sys.argv[2]) + r"(?![a-z-])", text) else 1)' "$1" "$2"
}
for pair in "natterd:$natterd:natterd.8" "natter:$natter:natter.1"; do
  IFS=: read -r name prog page <<<"$pair"
  if [ -n "$prog" ] && [ -x "$prog" ]; then
    missing=()
    for opt in $(options_of "$prog"); do
      man_has "$PKG_ROOT/packaging/man/$page" "$opt" || missing+=("$opt")
    done
    check "$page documents every option of $name --help${missing:+ (missing: ${missing[*]})}" \
      test ${#missing[@]} -eq 0
  else
    echo "  ($name not built: $page not compared with --help; run packaging/build-deb.sh)"
  fi
done

check "systemd-analyze security --offline: exposure at most 2.0 (of 10)" \
  systemd-analyze security --offline=true --threshold=20 "$PKG_ROOT/packaging/systemd/natterd.service"
finish

#!/bin/bash
# SPDX-License-Identifier: MIT
# meson's entry to the end-to-end test: a private D-Bus session and a
# virtual X display around e2e.sh (same arguments), big enough for the
# window at 2x scale.
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in dbus-run-session xvfb-run xdotool import convert /usr/bin/python3 gnome-keyring-daemon gdbus; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
set -o pipefail
dbus-run-session -- xvfb-run -a -s "-screen 0 2560x1600x24" "$HERE/e2e.sh" "$@" 2>&1 |
    grep --line-buffered -v -e 'dbus-daemon\[' -e 'Failed to set fd limit'

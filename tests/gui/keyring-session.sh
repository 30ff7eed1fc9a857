#!/bin/bash
# SPDX-License-Identifier: MIT
# Run a command with a desktop keyring of its own:
#   keyring-session.sh COMMAND [ARGS...]
# a private D-Bus session (dbus-run-session), a temporary XDG_DATA_HOME
# (and config, cache, runtime folders), and gnome-keyring-daemon started
# there by keyring-start.sh, unlocked.  The folder is removed afterwards
# and the daemon ends with the bus.  Exits 77 (meson's "skip") when
# dbus-run-session or gnome-keyring-daemon is missing.
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${NC_KEYRING_SESSION:-}" ]; then
    command -v dbus-run-session >/dev/null || { echo "SKIP: dbus-run-session is not installed"; exit 77; }
    # dbus-daemon's complaint about the fd limit in containers is noise.
    NC_KEYRING_SESSION=1 dbus-run-session -- "$0" "$@" 2>&1 |
        grep --line-buffered -v -e 'Failed to set fd limit' -e 'dbus-daemon\['
    exit "${PIPESTATUS[0]}"
fi
T=$(mktemp -d /tmp/natter-keyring.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
export XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache"
export XDG_RUNTIME_DIR="$T/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
"$HERE/keyring-start.sh" || exit $?
"$@"

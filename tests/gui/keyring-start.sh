#!/bin/sh
# SPDX-License-Identifier: MIT
# Start a Secret Service (gnome-keyring-daemon) on the current D-Bus
# session bus, with its "login" keyring created and unlocked in
# $XDG_DATA_HOME/keyrings, and return once libsecret can store in it.
# The caller provides the private bus (dbus-run-session) and a throwaway
# XDG_DATA_HOME, so nothing touches the user's own keyring; the daemon
# ends with that bus.
#
# The unlock password is not empty on purpose: given an empty one,
# gnome-keyring-daemon 42 creates no login keyring, and the first store
# then asks a graphical prompter (gcr-prompter), which fails headless.
# Exits 77 (meson's "skip") when gnome-keyring-daemon is not installed.
command -v gnome-keyring-daemon >/dev/null || { echo "SKIP: gnome-keyring-daemon is not installed"; exit 77; }
command -v gdbus >/dev/null || { echo "SKIP: gdbus is not installed"; exit 77; }
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || { echo "keyring-start.sh: no D-Bus session bus" >&2; exit 1; }
[ -n "${XDG_DATA_HOME:-}" ] || { echo "keyring-start.sh: set XDG_DATA_HOME to a private folder" >&2; exit 1; }
mkdir -p "$XDG_DATA_HOME"
printf '%s' natter-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null ||
    { echo "keyring-start.sh: gnome-keyring-daemon did not start" >&2; exit 1; }
# Ready when the default alias names a collection (the login keyring):
# waited for with a deadline, never assumed.
i=0
alias="(nothing owns org.freedesktop.secrets)"
while [ $i -lt 100 ]; do
    # Ask the bus, not the service, whether our daemon has its name yet: a
    # call to org.freedesktop.secrets before then would have D-Bus start a
    # second, locked daemon (the service file's), which would answer
    # instead of ours.
    owned=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null)
    if [ "$owned" != "(true,)" ]; then
        sleep 0.1
        i=$((i + 1))
        continue
    fi
    alias=$(gdbus call --session --dest org.freedesktop.secrets \
        --object-path /org/freedesktop/secrets \
        --method org.freedesktop.Secret.Service.ReadAlias default 2>/dev/null)
    case "$alias" in
    *collection/login*) exit 0 ;;
    esac
    sleep 0.1
    i=$((i + 1))
done
echo "keyring-start.sh: the login keyring did not appear within 10 s (last answer: $alias)" >&2
exit 1

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The main command: install what is missing, build, and run Natter.
# With the GTK client built, it opens the chat window connected to a
# natterd it starts on this computer ("Host a chat on this computer");
# without it, it runs natterd in the foreground on 127.0.0.1:6667.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${NATTER_BUILD_ROOT:-$ROOT/build}/run

"$ROOT/scripts/install-deps.sh" --runtime
if [ -f "$BUILD/build.ninja" ]; then
  meson setup --reconfigure "$BUILD" "$ROOT" -Dtests=false -Dbench=false >/dev/null
else
  meson setup "$BUILD" "$ROOT" -Dtests=false -Dbench=false >/dev/null
fi
ninja -C "$BUILD" >/dev/null

if [ -x "$BUILD/gui-client/natter" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$BUILD/gui-client/natter" --host-local "$@"
fi
echo "natterd on 127.0.0.1:6667 (Ctrl-C to stop); connect any IRC client to it"
exec "$BUILD/server/natterd" "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Cross-OS test: the peer program (tests/libnet/peer.c) built for Linux and for
# Windows faces itself over loopback, in both directions and with both
# close kinds (orderly and SO_LINGER {1,0} reset), plus an echo.
#
#   interop.sh NATIVE_PEER
#
# Environment (meson test sets NATTER_WINE_RUN; the caller sets the rest):
#   NATTER_WIN_PEER   peer.exe from the mingw cross build; when unset, only
#                     the native-against-native checks run and the cross-OS
#                     part prints SKIP with the reason (the test passes).
#   NATTER_WINE_RUN   how to run a Windows program (win32/wine-run.sh,
#                     private quiet prefix); default: wine.
#
# Strict everywhere but one place: wine (8.0) reads an RST that arrives
# before recv is called as an orderly EOF, so a Windows client under wine
# may see END EOF where Linux and real Windows see END RESET.  That case
# is accepted and reported as a NOTE; a native client must see the reset.

set -euo pipefail

native=${1:?usage: interop.sh NATIVE_PEER}
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
notes=0

win=${NATTER_WIN_PEER:-}
wine_run=${NATTER_WINE_RUN:-}
if [ -z "$wine_run" ] || [ ! -x "$wine_run" ]; then
  wine_run=wine
fi

# peer KIND ARGS...: run the linux or the windows peer.
peer() {
  local kind=$1
  shift
  if [ "$kind" = windows ]; then
    timeout 90 "$wine_run" "$win" "$@"
  else
    timeout 90 "$native" "$@"
  fi
}

# run_case MODE SERVER_KIND CLIENT_KIND EXPECT [ALSO_OK]
#   EXPECT: the client's END line; ALSO_OK: an END line accepted with a
#   note (the wine quirk).  Echo cases also need "DATA hello from ...".
run_case() {
  local mode=$1 server=$2 client=$3 expect=$4 also_ok=${5:-}
  local name="$server server / $client client, $mode"
  local port="" end data shown="" f
  : >"$tmp/srv.out"
  : >"$tmp/srv.err"
  peer "$server" serve "$mode" >"$tmp/srv.out" 2>"$tmp/srv.err" &
  server_pid=$!
  # Wait for the port line with a deadline (a new wine prefix may take
  # several seconds to start).
  for _ in $(seq 1 600); do
    port=$(tr -d '\r' <"$tmp/srv.out" | sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p')
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "FAIL $name: the server printed no port"
    sed 's/^/    server: /' "$tmp/srv.out" "$tmp/srv.err"
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    failed=$((failed + 1))
    return
  fi
  local crc=0 src=0
  peer "$client" connect "$port" >"$tmp/cli.out" 2>"$tmp/cli.err" || crc=$?
  wait "$server_pid" || src=$?
  server_pid=
  # A Windows program's text-mode stdout ends lines with CRLF.
  for f in srv.out srv.err cli.out cli.err; do
    tr -d '\r' <"$tmp/$f" >"$tmp/$f.lf" && mv "$tmp/$f.lf" "$tmp/$f"
  done
  end=$(sed -n 's/^END //p' "$tmp/cli.out")
  data=$(sed -n 's/^DATA //p' "$tmp/cli.out")
  local ok=1 why=""
  if [ "$src" -ne 0 ] || ! grep -qx "SERVED $mode" "$tmp/srv.out"; then
    ok=0
    why="server exit $src"
  fi
  if [ "$mode" = echo ]; then
    case $data in
      "hello from "*) ;;
      *) ok=0; why="$why; echo came back as '$data'" ;;
    esac
  elif [ -n "$data" ]; then
    ok=0
    why="$why; unexpected data '$data'"
  fi
  local note=""
  if [ "$end" = "$expect" ]; then
    :
  elif [ -n "$also_ok" ] && [ "$end" = "$also_ok" ]; then
    note="NOTE: $name: client saw END $end, not END $expect: wine reads an RST that arrived before recv as EOF (Windows reports WSAECONNRESET); accepted under wine"
  else
    ok=0
    why="$why; client saw END '$end' (exit $crc), want END $expect"
  fi
  if [ "$ok" = 1 ]; then
    [ -n "$data" ] && shown=", DATA \"$data\""
    echo "ok   $name: END $end$shown"
    passed=$((passed + 1))
    if [ -n "$note" ]; then
      echo "$note"
      notes=$((notes + 1))
    fi
  else
    echo "FAIL $name:${why#;}"
    sed 's/^/    server: /' "$tmp/srv.out" "$tmp/srv.err"
    sed 's/^/    client: /' "$tmp/cli.out" "$tmp/cli.err"
    failed=$((failed + 1))
  fi
}

# Linux against Linux: checks the peer program and the strict behaviour
# on this OS.
for mode in echo close reset; do
  want=EOF
  [ "$mode" = reset ] && want=RESET
  run_case "$mode" linux linux "$want"
done

if [ -z "$win" ]; then
  echo "SKIP: cross-OS part: NATTER_WIN_PEER is not set (point it at peer.exe from the mingw cross build, e.g. NATTER_WIN_PEER=build-win/tests/libnet/peer.exe)"
elif [ ! -f "$win" ]; then
  echo "FAIL cross-OS part: NATTER_WIN_PEER=$win does not exist"
  failed=$((failed + 1))
elif ! command -v "$wine_run" >/dev/null 2>&1; then
  echo "FAIL cross-OS part: cannot run $wine_run (is wine installed?)"
  failed=$((failed + 1))
else
  for mode in echo close reset; do
    want=EOF
    [ "$mode" = reset ] && want=RESET
    # A Linux client must see exactly what the Windows server did.
    run_case "$mode" windows linux "$want"
    # A Windows client under wine: strict but for the reset quirk.
    also=""
    [ "$mode" = reset ] && also=EOF
    run_case "$mode" linux windows "$want" "$also"
  done
fi

echo "interop: $passed passed, $failed failed, $notes wine notes"
[ "$failed" -eq 0 ]

# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared by the package checks in tests/packaging/ (sourced, not run).
# shellcheck source=../../packaging/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../packaging/lib.sh"

CHECK_NAME=${0##*/}
CHECK_FAILS=0
PROBE=$PKG_ROOT/tests/packaging/irc-probe.py

ok() { printf '  ok    %s\n' "$*"; }
bad() { printf '  FAIL  %s\n' "$*"; CHECK_FAILS=$((CHECK_FAILS + 1)); }
# check DESCRIPTION CMD...: ok when CMD succeeds.  CMD's output goes to
# $CHECK_LOG (when set), and its end is shown when it fails.
check() {
  local what=$1 out
  shift
  out=$(mktemp)
  if "$@" >"$out" 2>&1; then
    ok "$what"
  else
    bad "$what"
    tail -n 15 "$out" | sed 's/^/        /'
  fi
  if [ -n "${CHECK_LOG:-}" ]; then
    { echo "## $what"; cat "$out"; } >>"$CHECK_LOG"
  fi
  rm -f "$out"
}
# finish: the check's summary line and exit status.
finish() {
  if [ "$CHECK_FAILS" -eq 0 ]; then
    echo "$CHECK_NAME: PASS"
    exit 0
  fi
  echo "$CHECK_NAME: FAIL ($CHECK_FAILS)"
  exit 1
}

# A TCP port nobody listens on right now (the kernel picks it).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_closed() {
  ! python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)' "$1" 2>/dev/null
}

# wait_until SECONDS CMD...: poll CMD every 0.25 s until it succeeds or the
# deadline passes (status 1).
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.25
  done
}

# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# What the interop tests with a real IRC client (irssi.sh, weechat.sh)
# share: one natterd on a free port, the client, and a scripted peer
# (a *-peer.py next to this file) that reports its steps on stdout.
# Sourced, not run:
#
#   source "$(dirname "$0")/interop-lib.sh"
#   interop_init NAME
#
# After interop_init, a test defines dump_logs (a function that dumps its
# logs with dump, called when it failed) and sets:
#   client_pid   the IRC client's pid (killed at exit, like the others)
#   fifo         the client's command fifo, for to_fifo
#   dump_lines   optional: how many lines of each log dump shows (40)
# It gets $tmp (the temporary folder: removed at exit unless KEEP_TMP is
# set), $python, $natterd_pid, $port and $probe_pid from the functions
# here.

interop_dir=$(dirname "${BASH_SOURCE[0]}")

# skip_unless_installed COMMAND PACKAGE: exit 77 (meson's "skipped") when
# COMMAND is not on PATH, naming the Debian package to install.
skip_unless_installed() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "SKIP: $1 is not installed (apt-get install $2)"
    exit 77
  fi
}

# find_python: $python is Debian's python3, else the first one on PATH,
# else empty (the caller says whether that skips or fails).
find_python() {
  python=/usr/bin/python3
  [ -x "$python" ] || python=$(command -v python3 || true)
}

# interop_init NAME: the temporary folder, the cleanup at exit and the
# state the functions below keep; NAME ("irssi", "weechat") is what the
# final line and the fifo's failure message call the client.
interop_init() {
  interop_name=$1
  tmp=$(mktemp -d)
  natterd_pid=
  client_pid=
  probe_pid=
  port=
  fifo=
  dump_lines=40
  failed=0
  trap cleanup EXIT
}

# cleanup: the exit trap; kills whatever still runs (peer, client,
# natterd) and removes $tmp unless KEEP_TMP is set.
cleanup() {
  for pid in $probe_pid $client_pid $natterd_pid; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}

# fail WHAT...: "FAIL: WHAT" and the end of the test (the first failure
# ends it, see finish).
fail() {
  echo "FAIL: $*"
  failed=1
  finish
}

# dump FILE...: the last $dump_lines lines of each FILE that exists, under
# its name relative to $tmp, carriage returns dropped.
dump() {
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "---- ${f#"$tmp"/}"
    tr -d '\r' <"$f" | tail -n "$dump_lines"
  done
}

# finish: the test's end, status 1 with the logs (dump_logs) after a
# failure, else status 0 and "NAME interop: all checks passed".
finish() {
  if [ "$failed" != 0 ]; then
    dump_logs
    exit 1
  fi
  echo "$interop_name interop: all checks passed"
  exit 0
}

# wait_grep OPTION FILE PATTERN SECONDS: until `grep OPTION -- PATTERN
# FILE` succeeds (looked at every 0.1 s); status 1 when time runs out.
wait_grep() {
  local option=$1 file=$2 pattern=$3 tenths=$(($4 * 10))
  for _ in $(seq 1 "$tenths"); do
    grep "$option" -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# wait_for FILE PATTERN SECONDS: until FILE has the fixed string PATTERN.
wait_for() {
  wait_grep -qF "$@"
}

# wait_line FILE LINE SECONDS: until FILE has LINE as a whole line.
wait_line() {
  wait_grep -qxF "$@"
}

# wait_re FILE REGEX SECONDS: until FILE has a match of the extended REGEX.
wait_re() {
  wait_grep -qE "$@"
}

# check_with WAIT SHOWN FILE PATTERN SECONDS WHAT: WAIT FILE PATTERN
# SECONDS, then "ok   WHAT", or FAIL naming what was missing (SHOWN) and
# where.
check_with() {
  local wait=$1 shown=$2
  shift 2
  if "$wait" "$1" "$2" "$3"; then
    echo "ok   $4"
  else
    fail "$4: no $shown in ${1#"$tmp"/}"
  fi
}

# check FILE PATTERN SECONDS WHAT: wait_for, then ok or FAIL.
check() {
  check_with wait_for "'$2'" "$@"
}

# check_line FILE LINE SECONDS WHAT: wait_line, then ok or FAIL.
check_line() {
  check_with wait_line "line '$2'" "$@"
}

# check_re FILE REGEX SECONDS WHAT: wait_re, then ok or FAIL.
check_re() {
  check_with wait_re "/$2/" "$@"
}

# wait_gone PID SECONDS: until PID has exited; status 1 when it still runs.
wait_gone() {
  local pid=$1 tenths=$(($2 * 10))
  for _ in $(seq 1 "$tenths"); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  ! kill -0 "$pid" 2>/dev/null
}

# fifo_write LINE...: the lines into the client's $fifo; a write to a fifo
# nobody reads would block, so it is bounded by timeout (status 124 then).
fifo_write() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 10 bash -c 'f=$1; shift; printf "%s\n" "$@" >"$f"' to_fifo "$fifo" "$@"
}

# to_fifo LINE...: fifo_write, and FAIL when the lines did not go.
to_fifo() {
  fifo_write "$@" || fail "cannot write to $interop_name's fifo"
}

# start_natterd NATTERD: natterd with no configuration on a free port of
# 127.0.0.1 (--listen 127.0.0.1:0; its log, at debug level, in
# $tmp/natterd.log); $natterd_pid, and $port read from the log line that
# says where it listens.  Status 1 (with the log) when it does not start.
# start_natterd NATTERD [OPTION...]: natterd on a free port (extra options
# passed on), $natterd_pid and $port.
start_natterd() {
  "$1" --listen 127.0.0.1:0 --log-level debug "${@:2}" 2>"$tmp/natterd.log" &
  natterd_pid=$!
  if ! wait_for "$tmp/natterd.log" "listening on 127.0.0.1:" 10; then
    dump "$tmp/natterd.log"
    echo "FAIL: natterd did not start"
    exit 1
  fi
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/natterd.log" | head -n 1)
  echo "natterd listening on 127.0.0.1:$port"
}

# stop_natterd: SIGTERM, then FAIL unless natterd exits with 0 and logs
# "stopped".
stop_natterd() {
  kill -TERM "$natterd_pid"
  local rc=0
  wait "$natterd_pid" || rc=$?
  natterd_pid=
  [ "$rc" -eq 0 ] || fail "natterd exited with $rc after SIGTERM"
  grep -q "stopped" "$tmp/natterd.log" || fail "natterd did not log 'stopped'"
}

# start_peer SCRIPT: the scripted peer (SCRIPT, next to this file) against
# natterd's $port, its output in $tmp/probe.out; $probe_pid.
start_peer() {
  "$python" "$interop_dir/$1" "$port" >"$tmp/probe.out" 2>&1 &
  probe_pid=$!
}

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# natterd's live suites (tests/natterd/test-live-*.c) against a natterd
# program instead of the server they start in-process:
#
#   external.sh native NATTERD SUITE...  the native natterd
#   external.sh wine NATTERD SUITE...    natterd.exe from $NATTER_WIN_BUILD
#                                        under wine: the cross-OS test, a
#                                        Windows server and Linux clients
#
# One daemon per configuration profile the suites use (the configuration
# is what `SUITE --print-config PROFILE` prints), each started with
# --config FILE --listen 127.0.0.1:0; the port comes from its log line
# "listening on 127.0.0.1:PORT".  The tls profile's daemon also listens
# for TLS clients: its configuration names certificates that
# `SUITE --make-certs DIR` made (nt_tls_make_self_signed: the server's for
# 127.0.0.1, two client certificates) and a tls_address on a port that
# `SUITE --free-port` found free (the configuration must name the real
# port: it is what sts=port= tells plaintext clients; taken meanwhile, the
# daemon is started again on another); the log line "listening on
# 127.0.0.1:PORT (TLS)" must show it.  natterd.exe under wine reads the
# same files through drive Z:.  The suites get the addresses as
# NATTERD_TEST_ADDR (profile main) and NATTERD_TEST_ADDR_<PROFILE>, the
# TLS one as NATTERD_TEST_TLS_ADDR and the certificates' folder as
# NATTERD_TEST_TLS_DIR, and
# run one after the other (they check the server forgot each test's
# clients, so they must not share a server at the same time).  Last, each
# daemon's own clean stop: a registered client stays connected, the
# daemon gets SIGTERM (native) or SIGINT (wine turns it into the console
# Ctrl-C event), the client must read "ERROR :Closing Link" and then EOF,
# and the daemon must exit with status 0.
#
# Environment:
#   NATTER_WIN_BUILD  (wine) the mingw cross build directory, holding
#                     server/natterd.exe; when unset the test prints SKIP
#                     and exits 77 (meson's "skipped")
#   NATTER_WINE_RUN   how to run a Windows program (meson passes
#                     win32/wine-run.sh: a private, quiet wine prefix)

set -uo pipefail

usage() {
  echo "usage: external.sh native|wine NATTERD SUITE..." >&2
  exit 2
}
[ $# -ge 3 ] || usage
mode=$1
natterd=$2
shift 2
suites=("$@")

case $mode in
native)
  run=("$natterd")
  stop_signal=TERM
  ;;
wine)
  win=${NATTER_WIN_BUILD:-}
  if [ -z "$win" ]; then
    echo "SKIP: NATTER_WIN_BUILD is not set; point it at the mingw cross build" \
      "directory (scripts/test.sh exports it) to run the live suites against" \
      "natterd.exe under wine"
    exit 77
  fi
  exe=$win/server/natterd.exe
  if [ ! -f "$exe" ]; then
    echo "FAIL: $exe does not exist (NATTER_WIN_BUILD=$win): build the Windows tree first"
    exit 1
  fi
  wine_run=${NATTER_WINE_RUN:-wine}
  if ! command -v "$wine_run" >/dev/null 2>&1; then
    echo "FAIL: cannot run $wine_run (is wine installed?)"
    exit 1
  fi
  run=("$wine_run" "$exe")
  stop_signal=INT
  ;;
*)
  usage
  ;;
esac

tmp=$(mktemp -d)
declare -A pid_of port_of
cleanup() {
  for p in "${pid_of[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

failed=0
# A Windows program's stderr ends its lines with CRLF.
log_of() { tr -d '\r' <"$tmp/$1.log"; }

# A file name natterd can open: under wine, the Linux root is drive Z:.
config_path() {
  if [ "$mode" = wine ]; then echo "Z:$1"; else echo "$1"; fi
}

mapfile -t profiles < <("${suites[0]}" --profiles)
[ ${#profiles[@]} -gt 0 ] || { echo "FAIL: ${suites[0]} --profiles listed nothing"; exit 1; }

# The tls profile's certificates, as the suites read them and as natterd
# opens them.
export NATTERD_TEST_TLS_DIR=$tmp/tls
mkdir -p "$NATTERD_TEST_TLS_DIR"
if ! "${suites[0]}" --make-certs "$NATTERD_TEST_TLS_DIR" >"$tmp/make-certs.out" 2>&1; then
  echo "FAIL: ${suites[0]} --make-certs could not make the TLS certificates"
  sed 's/^/    /' "$tmp/make-certs.out"
  exit 1
fi
export NATTERD_TEST_TLS_SERVER_DIR
NATTERD_TEST_TLS_SERVER_DIR=$(config_path "$NATTERD_TEST_TLS_DIR")

# start PROFILE: write its configuration and start its daemon.
start() {
  local p=$1
  if [ "$p" = tls ]; then
    NATTERD_TEST_TLS_PORT=$("${suites[0]}" --free-port) ||
      { echo "FAIL: ${suites[0]} --free-port found no port"; exit 1; }
    export NATTERD_TEST_TLS_PORT
  fi
  # The profiles with accounts keep them in a folder of their own.
  mkdir -p "$tmp/data-$p"
  NATTERD_TEST_DATA_DIR=$(config_path "$tmp/data-$p") \
    "${suites[0]}" --print-config "$p" >"$tmp/$p.conf" || { echo "FAIL: no config for $p"; exit 1; }
  "${run[@]}" --config "$(config_path "$tmp/$p.conf")" --listen 127.0.0.1:0 \
    --log-level info 2>"$tmp/$p.log" </dev/null &
  pid_of[$p]=$!
}

for p in "${profiles[@]}"; do
  start "$p"
done

# Wait for every port (a wine prefix's first start takes several seconds).
# wait_port PROFILE: print the plaintext port (the tls profile: once the
# TLS port is open too), or nothing when the daemon did not start listening.
wait_port() {
  local p=$1 port='' tport=''
  for _ in $(seq 1 900); do
    port=$(log_of "$p" | sed -n '/(TLS)/!s/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' | head -n 1)
    if [ "$p" = tls ]; then
      tport=$(log_of "$p" | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (TLS).*/\1/p' | head -n 1)
      [ -n "$port" ] && [ -n "$tport" ] && break
    else
      [ -n "$port" ] && break
    fi
    kill -0 "${pid_of[$p]}" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$p" = tls ] && [ -z "$tport" ]; then
    port=
  fi
  echo "$port"
}

for p in "${profiles[@]}"; do
  port=
  for attempt in 1 2 3; do
    port=$(wait_port "$p")
    [ -n "$port" ] && break
    # Its TLS port taken by another program in the meantime: once more.
    if [ "$p" = tls ] && [ "$attempt" -lt 3 ] &&
      log_of "$p" | grep -q "listen 127\.0\.0\.1:$NATTERD_TEST_TLS_PORT.*address already in use"; then
      kill -KILL "${pid_of[$p]}" 2>/dev/null
      wait "${pid_of[$p]}" 2>/dev/null
      echo "natterd ($mode) profile tls: port $NATTERD_TEST_TLS_PORT was taken, starting again"
      start "$p"
      continue
    fi
    break
  done
  if [ -z "$port" ]; then
    echo "FAIL: natterd ($mode, profile $p) did not start listening"
    log_of "$p" | sed 's/^/    log: /'
    exit 1
  fi
  port_of[$p]=$port
  upper=$(echo "$p" | tr '[:lower:]' '[:upper:]')
  export "NATTERD_TEST_ADDR_$upper=127.0.0.1:$port"
  if [ "$p" = tls ]; then
    tls_port=$(log_of "$p" | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (TLS).*/\1/p' | head -n 1)
    if [ "$tls_port" != "$NATTERD_TEST_TLS_PORT" ]; then
      echo "FAIL: natterd ($mode, profile tls) listens for TLS on '$tls_port', its configuration says $NATTERD_TEST_TLS_PORT"
      log_of "$p" | sed 's/^/    log: /'
      exit 1
    fi
    export NATTERD_TEST_TLS_ADDR=127.0.0.1:$tls_port
    echo "natterd ($mode) profile $p on 127.0.0.1:$port, TLS on 127.0.0.1:$tls_port"
  else
    echo "natterd ($mode) profile $p on 127.0.0.1:$port"
  fi
done
export NATTERD_TEST_ADDR=127.0.0.1:${port_of[main]}

total_tests=0
for suite in "${suites[@]}"; do
  name=$(basename "$suite")
  rc=0
  "$suite" >"$tmp/$name.out" 2>&1 || rc=$?
  # CUnit's summary line: "tests  TOTAL  RAN  PASSED  FAILED  INACTIVE"
  counts=$(sed -n 's/^ *tests *\([0-9]*\) *\([0-9]*\) *\([0-9]*\) *\([0-9]*\).*/\3 passed, \4 failed/p' "$tmp/$name.out")
  ran=$(sed -n 's/^ *tests *[0-9]* *\([0-9]*\).*/\1/p' "$tmp/$name.out")
  total_tests=$((total_tests + ${ran:-0}))
  if [ "$rc" -eq 0 ]; then
    echo "ok   $name against natterd ($mode): ${counts:-?}"
  else
    echo "FAIL $name against natterd ($mode): exit $rc, ${counts:-no summary}"
    sed 's/^/    /' "$tmp/$name.out"
    failed=1
  fi
  grep -hE '^ *(SKIP|NOTE):' "$tmp/$name.out" | sed -e "s/^ */    $name: /" -e 's/ *passed$//' || true
done

for p in "${profiles[@]}"; do
  if ! kill -0 "${pid_of[$p]}" 2>/dev/null; then
    echo "FAIL: natterd ($mode, profile $p) is no longer running"
    log_of "$p" | tail -n 20 | sed 's/^/    log: /'
    failed=1
  fi
done

# wait_gone PID SECONDS: the exit status, or 255 after SECONDS.
wait_gone() {
  local pid=$1
  for _ in $(seq 1 $(($2 * 10))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      local st=0
      wait "$pid" || st=$?
      return "$st"
    fi
    sleep 0.1
  done
  return 255
}

# The daemon's clean stop, with a registered client connected.
for p in "${profiles[@]}"; do
  pid=${pid_of[$p]}
  kill -0 "$pid" 2>/dev/null || continue
  got_error=0 got_eof=0
  if [ "$p" = main ] && exec 3<>"/dev/tcp/127.0.0.1/${port_of[$p]}"; then
    printf 'NICK stopper\r\nUSER stopper 0 * :stop\r\n' >&3
    while IFS= read -r -t 10 line <&3; do
      case $line in *" 001 stopper "*) break ;; esac
    done
    kill -"$stop_signal" "$pid"
    while :; do
      IFS= read -r -t 10 line <&3
      st=$?
      line=${line%$'\r'}
      case $line in "ERROR :Closing Link: 127.0.0.1 (Server shutting down)") got_error=1 ;; esac
      if [ "$st" -gt 128 ]; then break; fi # timed out
      if [ "$st" -ne 0 ]; then got_eof=1; break; fi
    done
    exec 3<&-
    if [ "$got_error" = 1 ] && [ "$got_eof" = 1 ]; then
      echo "ok   SIG$stop_signal: the connected client read ERROR, then EOF"
    else
      echo "FAIL SIG$stop_signal: the connected client saw ERROR=$got_error EOF=$got_eof"
      failed=1
    fi
  else
    kill -"$stop_signal" "$pid"
  fi
  st=0
  wait_gone "$pid" 20 || st=$?
  unset "pid_of[$p]"
  if [ "$st" -eq 0 ] && log_of "$p" | grep -q "stopped"; then
    [ "$p" = main ] && echo "ok   natterd ($mode) exits 0 after SIG$stop_signal"
  else
    echo "FAIL natterd ($mode, profile $p): exit status $st after SIG$stop_signal"
    log_of "$p" | tail -n 20 | sed 's/^/    log: /'
    [ "$st" -eq 255 ] && kill -KILL "$pid" 2>/dev/null
    failed=1
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "natterd live suites against natterd ($mode): FAILED"
  exit 1
fi
echo "natterd live suites against natterd ($mode): $total_tests tests in ${#suites[@]} suites passed"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The whole test suite, from a fresh Debian/Ubuntu machine: installs what is
# missing, then builds and tests
#   native      every suite, warnings as errors (epoll and poll backends)
#   valgrind    the server's suites of the native tree once under memcheck
#   sanitizers  the native suites under ASan+UBSan, halting on any report
#   wine        the Windows cross build (mingw-w64), its suites under wine
#   fuzz        each libFuzzer target (clang) for a fixed number of runs
#   packages    build the .debs, the .rpms and the Windows installer, install
#               and exercise each, and remove them (tests/packaging/run-all.sh)
# and prints one summary line per part and a total.  Exits non-zero when
# any test fails.  Build trees go to build/ (NATTER_BUILD_ROOT overrides).
#
#   scripts/test.sh [wine|native|valgrind|sanitizers|fuzz|packages ...]   default: all
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_ROOT=${NATTER_BUILD_ROOT:-$ROOT/build}
PARTS=("$@")
# wine first: the native cross-OS tests use its Windows programs.
[ ${#PARTS[@]} -eq 0 ] && PARTS=(wine native valgrind sanitizers fuzz packages)
JOBS=$(nproc 2>/dev/null || echo 2)

"$ROOT/scripts/install-deps.sh" || { echo "FAILED: installing dependencies"; exit 1; }

declare -A PASSED FAILED SKIPPED
overall=0

# meson_part NAME BUILDDIR [meson setup options...]: configure, build and
# test one tree; record its counts from meson's machine-readable log.
meson_part() {
  local name=$1 dir=$2
  shift 2
  local log=$BUILD_ROOT/$name.log
  mkdir -p "$BUILD_ROOT"
  echo "== $name: configure and build ($dir)"
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$ROOT" "$@" >"$log" 2>&1
  else
    meson setup "$dir" "$ROOT" "$@" >"$log" 2>&1
  fi || {
    tail -30 "$log"
    # meson's own log says why a check failed (a sanity check's output).
    [ -f "$dir/meson-logs/meson-log.txt" ] && tail -40 "$dir/meson-logs/meson-log.txt"
    echo "FAILED: $name configure"; FAILED[$name]=1; PASSED[$name]=0; overall=1; return; }
  if ! ninja -C "$dir" >>"$log" 2>&1; then
    grep -E 'error|FAILED' "$log" | head -40
    echo "FAILED: $name build"
    FAILED[$name]=1; PASSED[$name]=0; overall=1
    return
  fi
  echo "== $name: test"
  meson test -C "$dir" --print-errorlogs --num-processes "$JOBS" \
    ${PART_TEST_ARGS:-} ${NATTER_TEST_ARGS:-} 2>&1 | tee -a "$log" |
    grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout|Expected Fail|Unexpected Pass):|SKIP:|NOTE:|^--- |Assertion|FAIL' || true
  local json=$dir/meson-logs/testlog.json
  local ok fail skip
  ok=$(grep -c '"result": "OK"' "$json" 2>/dev/null || true)
  fail=$(grep -cE '"result": "(FAIL|TIMEOUT|UNEXPECTEDPASS|ERROR)"' "$json" 2>/dev/null || true)
  skip=$(grep -c '"result": "SKIP"' "$json" 2>/dev/null || true)
  PASSED[$name]=${ok:-0}; FAILED[$name]=${fail:-0}; SKIPPED[$name]=${skip:-0}
  if [ "${ok:-0}" -eq 0 ] || [ "${fail:-0}" -ne 0 ]; then
    overall=1
  fi
}

# valgrind_part: memcheck, once, over the server's suites in the native
# tree (configured and built here when the native part has not run): the
# protocol core's (suite 'server') and the live ones over real sockets
# ('natterd'), and libnatter's handle, resolve, connect and TLS suites.  Only the compiled suites: a script test under --wrapper
# would put bash under valgrind, not natterd.  Any memory error or
# definite leak fails its suite; timeouts are stretched tenfold.
valgrind_part() {
  local dir=$BUILD_ROOT/native log=$BUILD_ROOT/valgrind.log
  mkdir -p "$BUILD_ROOT"
  echo "== valgrind: memcheck over the server suites ($dir)"
  if ! command -v valgrind >/dev/null 2>&1; then
    echo "FAILED: valgrind is not installed"
    FAILED[valgrind]=1; PASSED[valgrind]=0; overall=1
    return
  fi
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$ROOT" -Dwerror=true -Dbuildtype=debugoptimized >"$log" 2>&1
  fi && ninja -C "$dir" >>"$log" 2>&1 || {
    tail -30 "$log"; echo "FAILED: valgrind build"
    FAILED[valgrind]=1; PASSED[valgrind]=0; overall=1
    return
  }
  local tests py=/usr/bin/python3
  [ -x "$py" ] || py=python3
  mapfile -t tests < <(meson introspect --tests "$dir" | "$py" -c '
import json, sys
# the handle lifetime, resolver, Happy Eyeballs and TLS suites too:
# threads, close callbacks, cancellation and OpenSSL objects are
# where memory errors would hide
lifetime = ("handle", "conn-end", "resolve", "connect", "tls", "tls-socket")
for t in json.load(sys.stdin):
    # scripts (shell, Python) would put their interpreter under valgrind
    script = t["cmd"][0].endswith(".sh") or any(a.endswith(".py") for a in t["cmd"])
    if (any(s.split(":")[-1] in ("server", "natterd") for s in t["suite"])
            or t["name"] in lifetime) and not script:
        print(t["name"])')
  if [ ${#tests[@]} -eq 0 ]; then
    echo "FAILED: valgrind found no server suites in $dir"
    FAILED[valgrind]=1; PASSED[valgrind]=0; overall=1
    return
  fi
  local json=$dir/meson-logs/testlog-valgrind.json
  rm -f "$json"
  meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes "$JOBS" \
    --timeout-multiplier 10 \
    --wrapper "valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --suppressions=$ROOT/tests/valgrind.supp" \
    "${tests[@]}" 2>&1 | tee -a "$log" |
    grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout):|== (Invalid|Conditional|Use of|Syscall)|definitely lost|FAIL' || true
  local ok fail skip
  ok=$(grep -c '"result": "OK"' "$json" 2>/dev/null || true)
  fail=$(grep -cE '"result": "(FAIL|TIMEOUT|UNEXPECTEDPASS|ERROR)"' "$json" 2>/dev/null || true)
  skip=$(grep -c '"result": "SKIP"' "$json" 2>/dev/null || true)
  PASSED[valgrind]=${ok:-0}; FAILED[valgrind]=${fail:-0}; SKIPPED[valgrind]=${skip:-0}
  if [ "${ok:-0}" -eq 0 ] || [ "${fail:-0}" -ne 0 ]; then
    overall=1
  fi
}

# wine_ready: make the wine prefix (win32/wine-run.sh) and run one
# Windows program in it before meson's cross sanity check does, so that a
# prefix that failed to come up is retried and its log shown, instead of
# surfacing as "executables created by c compiler ... are not runnable".
wine_ready() {
  local prefix=${NATTER_WINEPREFIX:-$ROOT/build-deps/wineprefix}
  local log=$BUILD_ROOT/wine-ready.log attempt
  mkdir -p "$BUILD_ROOT"
  for attempt in 1 2 3; do
    if "$ROOT/win32/wine-run.sh" cmd.exe /c exit 0 >"$log" 2>&1 </dev/null; then
      [ "$attempt" -eq 1 ] || echo "== wine: prefix ready on attempt $attempt"
      return 0
    fi
    echo "== wine: attempt $attempt to run a program in $prefix failed:"
    tail -n 30 "$log"
    # A half-made prefix or a wedged wineserver: stop it and start over.
    WINEPREFIX=$prefix wineserver -k >/dev/null 2>&1 || true
    rm -f "$prefix/.natter-wineprefix-ready"
    [ "$attempt" -lt 3 ] || break
    rm -rf "$prefix"
    sleep 2
  done
  return 1
}

# The native suites' cross-OS tests run the Windows build's programs
# under wine when it exists (and say SKIP when it does not).
export NATTER_WIN_BUILD=$BUILD_ROOT/win32
export NATTER_WIN_PEER=$BUILD_ROOT/win32/tests/libnet/peer.exe

for part in "${PARTS[@]}"; do
  case "$part" in
  native)
    meson_part native "$BUILD_ROOT/native" -Dwerror=true \
      -Dbuildtype=debugoptimized ;;
  valgrind)
    valgrind_part ;;
  sanitizers)
    # halt_on_error: the first report fails the test, nothing scrolls by.
    export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    # natter's GLib-only core suites run here too; its GTK-level tests
    # (suites gui-gtk, gui-load) do not: GTK is not built for ASan.
    PART_TEST_ARGS="--no-suite gui-gtk --no-suite gui-load"
    meson_part sanitizers "$BUILD_ROOT/sanitizers" -Dwerror=true \
      -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
      -Dc_args=-fno-sanitize-recover=all
    unset ASAN_OPTIONS UBSAN_OPTIONS PART_TEST_ARGS ;;
  wine)
    if ! "$ROOT/win32/build-mingw-deps.sh"; then
      echo "FAILED: building the Windows dependencies"
      FAILED[wine]=1; PASSED[wine]=0; overall=1
      continue
    fi
    if ! wine_ready; then
      echo "FAILED: wine cannot run a Windows program here"
      FAILED[wine]=1; PASSED[wine]=0; overall=1
      continue
    fi
    meson_part wine "$BUILD_ROOT/win32" -Dwerror=true \
      --cross-file "$ROOT/win32/mingw-w64-x86_64.ini" \
      --cross-file "$ROOT/build-deps/mingw-paths.ini" ;;
  fuzz)
    export CC=clang
    meson_part fuzz "$BUILD_ROOT/fuzz" -Dfuzz=true -Dfuzz_runs=20000 \
      -Db_sanitize=address,undefined -Db_lundef=false \
      -Dc_args=-fsanitize=fuzzer-no-link -Dgui=disabled -Dtests=false \
      -Dexamples=false -Dbench=false
    unset CC ;;
  packages)
    echo "== packages: build, install, exercise, remove"
    mkdir -p "$BUILD_ROOT"
    "$ROOT/tests/packaging/run-all.sh" 2>&1 | tee "$BUILD_ROOT/packages.log" |
      grep -E '^(== |packages:)|FAIL' || true
    line=$(grep -E '^packages: [0-9]+ steps, [0-9]+ failed' "$BUILD_ROOT/packages.log" | tail -1)
    if [ -z "$line" ]; then
      PASSED[packages]=0; FAILED[packages]=1; overall=1
    else
      steps=$(echo "$line" | sed -E 's/^packages: ([0-9]+) steps.*/\1/')
      bad=$(echo "$line" | sed -E 's/^packages: [0-9]+ steps, ([0-9]+) failed.*/\1/')
      PASSED[packages]=$((steps - bad)); FAILED[packages]=$bad
      [ "$bad" -eq 0 ] || overall=1
    fi ;;
  *)
    echo "unknown part: $part (wine, native, valgrind, sanitizers, fuzz, packages)"; exit 2 ;;
  esac
done

echo
echo "== summary"
tp=0; tf=0; ts=0
for part in "${PARTS[@]}"; do
  p=${PASSED[$part]:-0}; f=${FAILED[$part]:-0}; s=${SKIPPED[$part]:-0}
  printf '%s: %d passed, %d failed, %d skipped\n' "$part" "$p" "$f" "$s"
  tp=$((tp + p)); tf=$((tf + f)); ts=$((ts + s))
done
printf 'total: %d passed, %d failed, %d skipped\n' "$tp" "$tf" "$ts"
exit $overall

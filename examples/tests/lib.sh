# SPDX-License-Identifier: MIT
#
# Helpers for the example tests (sourced by tests/*.sh, run by meson test).
#
# Each program runs in the background with its standard input on a FIFO
# that this script holds open (so it can type lines later, or close it for
# end of input) and its output in a file that the script watches.  Every
# wait has a deadline: a broken example fails its test, never hangs it.
#
# Environment (set by examples/meson.build):
#   EXAMPLES_BIN   folder with the built examples
#   EXE_SUFFIX     ".exe" in the Windows build, else empty
#   EXE_WRAPPER    command to run a program with (win32/wine-run.sh), or empty
#   EXAMPLES_DEADLINE  seconds for each wait (default 30)
#   EXAMPLES_VERBOSE   if set, show every program's output at the end

set -u

: "${EXAMPLES_BIN:?EXAMPLES_BIN is not set (run through meson test)}"
EXE_SUFFIX=${EXE_SUFFIX:-}
EXE_WRAPPER=${EXE_WRAPPER:-}
DEADLINE=${EXAMPLES_DEADLINE:-30}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/natter-example.XXXXXX")
declare -A INFD=()
NAMES=()
PORT=

show_outputs() {
    local f
    for f in "$WORK"/*.out; do
        [ -f "$f" ] || continue
        printf -- '--- output of %s\n' "$(basename "$f" .out)"
        cat "$f"
        printf '\n'
    done >&2
}

cleanup() {
    local status=$? name pid
    for name in "${NAMES[@]}"; do
        pid=$(cat "$WORK/$name.pid" 2>/dev/null) || continue
        [ -e "$WORK/$name.status" ] && continue
        kill -TERM "$pid" 2>/dev/null
    done
    sleep 0.2
    for name in "${NAMES[@]}"; do
        pid=$(cat "$WORK/$name.pid" 2>/dev/null) || continue
        [ -e "$WORK/$name.status" ] && continue
        kill -KILL "$pid" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "$status" -ne 0 ] || [ -n "${EXAMPLES_VERBOSE:-}" ]; then
        show_outputs
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# start NAME PROGRAM [ARGS...]: run an example in the background.
start() {
    local name=$1 prog=$2 fd rfd f
    shift 2
    mkfifo "$WORK/$name.in"
    # Our end, opened read-write so that opening it does not wait for a
    # reader; then the program's end, opened here too, so that closing
    # ours at once (end of input) cannot happen before it is open.
    exec {fd}<>"$WORK/$name.in"
    exec {rfd}<"$WORK/$name.in"
    INFD[$name]=$fd
    NAMES+=("$name")
    (
        # Hold none of the programs' input pipes open: a pipe reaches end
        # of input only when every copy of its writing end is closed.
        for f in "${INFD[@]}"; do
            exec {f}>&-
        done
        # shellcheck disable=SC2086 # EXE_WRAPPER is a command or nothing
        $EXE_WRAPPER "$EXAMPLES_BIN/$prog$EXE_SUFFIX" "$@" \
            <&"$rfd" {rfd}<&- >"$WORK/$name.out" 2>&1 &
        echo $! >"$WORK/$name.pid.tmp"
        mv "$WORK/$name.pid.tmp" "$WORK/$name.pid"
        wait $! 2>/dev/null
        echo $? >"$WORK/$name.status.tmp"
        mv "$WORK/$name.status.tmp" "$WORK/$name.status"
    ) &
    exec {rfd}<&-
}

exited() { [ -e "$WORK/$1.status" ]; }

# send NAME TEXT: type a line on NAME's standard input.
send() {
    printf '%s\n' "$2" >&"${INFD[$1]}"
}

# close_input NAME: end NAME's standard input (Ctrl-D).
close_input() {
    local fd=${INFD[$1]}
    exec {fd}>&-
}

# expect NAME TEXT: wait until NAME's output contains TEXT.
expect() {
    local name=$1 text=$2 end=$((SECONDS + DEADLINE))
    until grep -qF -- "$text" "$WORK/$name.out" 2>/dev/null; do
        if exited "$name"; then
            grep -qF -- "$text" "$WORK/$name.out" && return 0
            fail "$name exited without printing '$text'"
        fi
        [ "$SECONDS" -lt "$end" ] || fail "$name did not print '$text' within ${DEADLINE}s"
        sleep 0.05
    done
}

# expect_re NAME REGEX: as expect, with an extended regular expression.
expect_re() {
    local name=$1 re=$2 end=$((SECONDS + DEADLINE))
    until grep -qE -- "$re" "$WORK/$name.out" 2>/dev/null; do
        exited "$name" && ! grep -qE -- "$re" "$WORK/$name.out" 2>/dev/null &&
            fail "$name exited without printing a line matching '$re'"
        [ "$SECONDS" -lt "$end" ] || fail "$name printed no line matching '$re' within ${DEADLINE}s"
        sleep 0.05
    done
}

# port_of NAME: wait for "listening on HOST:PORT" from NAME; set PORT.
port_of() {
    expect "$1" "listening on "
    PORT=$(tr -d '\r' <"$WORK/$1.out" |
        sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' | head -n 1)
    [ -n "$PORT" ] || fail "$1 printed no port"
}

# wait_exit NAME [STATUS]: wait for NAME to exit with STATUS (default 0;
# "nonzero" for any failure).
wait_exit() {
    local name=$1 want=${2:-0} end=$((SECONDS + DEADLINE)) got
    until exited "$name"; do
        [ "$SECONDS" -lt "$end" ] || fail "$name did not exit within ${DEADLINE}s"
        sleep 0.05
    done
    got=$(cat "$WORK/$name.status")
    if [ "$want" = nonzero ]; then
        [ "$got" -ne 0 ] || fail "$name exited 0; a failure was expected"
    else
        [ "$got" -eq "$want" ] || fail "$name exited $got; $want was expected"
    fi
}

# kill_program NAME: end NAME abruptly, as a user closing its window would.
kill_program() {
    local name=$1 end=$((SECONDS + DEADLINE))
    until [ -e "$WORK/$name.pid" ]; do
        [ "$SECONDS" -lt "$end" ] || fail "$name never started"
        sleep 0.05
    done
    kill -KILL "$(cat "$WORK/$name.pid")"
    until exited "$name"; do
        [ "$SECONDS" -lt "$end" ] || fail "$name did not die"
        sleep 0.05
    done
}

# output NAME: the file with NAME's output.
output() { printf '%s\n' "$WORK/$1.out"; }

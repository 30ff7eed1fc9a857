#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Interop with a real IRC client: weechat-headless (Debian's package)
# connects to natterd, negotiates capabilities, joins #interop and talks
# with a scripted client (weechat-peer.py) in both directions: channel
# messages, a private message and a topic.  natterd runs with no
# configuration at all (the defaults, flood control on) on a free port.
#
#   weechat.sh NATTERD
#
# Exits 77 (meson's "skipped") when weechat-headless or python3 is absent.

set -uo pipefail

natterd=${1:?usage: weechat.sh NATTERD}
if ! command -v weechat-headless >/dev/null 2>&1; then
  echo "SKIP: weechat-headless is not installed (apt-get install weechat-headless)"
  exit 77
fi
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3 || true)
if [ -z "$python" ]; then
  echo "SKIP: python3 is not installed (the scripted peer needs it)"
  exit 77
fi

tmp=$(mktemp -d)
chanlog="$tmp/wee/logs/irc.natter.#interop.weechatlog"
srvlog="$tmp/wee/logs/irc.server.natter.weechatlog"
natterd_pid=
weechat_pid=
probe_pid=
cleanup() {
  for pid in $probe_pid $weechat_pid $natterd_pid; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

failed=0
fail() {
  echo "FAIL: $*"
  failed=1
  finish
}
dump() {
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "---- ${f#"$tmp"/}"
    tr -d '\r' <"$f" | tail -n 40
  done
}

# The first failure ends the test, with the logs of all three parties.
finish() {
  if [ "$failed" != 0 ]; then
    dump "$tmp/probe.out" "$chanlog" "$srvlog" "$tmp/weechat.out" "$tmp/natterd.log"
    exit 1
  fi
  echo "weechat interop: all checks passed"
  exit 0
}

# wait_for FILE PATTERN SECONDS: until grep -q finds PATTERN in FILE.
wait_for() {
  local file=$1 pattern=$2 tenths=$(($3 * 10))
  for _ in $(seq 1 "$tenths"); do
    grep -qF -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# to_fifo LINE...: weechat commands through its fifo (a write to a fifo
# nobody reads would block: bounded by timeout).
to_fifo() {
  timeout 10 bash -c 'f=$1; shift; printf "%s\n" "$@" >"$f"' to_fifo "$fifo" "$@"
}

"$natterd" --listen 127.0.0.1:0 --log-level debug 2>"$tmp/natterd.log" &
natterd_pid=$!
if ! wait_for "$tmp/natterd.log" "listening on 127.0.0.1:" 10; then
  dump "$tmp/natterd.log"
  echo "FAIL: natterd did not start"
  exit 1
fi
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/natterd.log" | head -n 1)
echo "natterd listening on 127.0.0.1:$port"

# weechat first, so the probe joins a channel weechat created (weechat is
# its operator and sets its modes, as a user would).
fifo=$tmp/weechat.fifo
weechat-headless --dir "$tmp/wee" -r "/set fifo.file.path $fifo; /set logger.file.flush_delay 0; \
/server add natter 127.0.0.1/$port -notls; /set irc.server.natter.nicks wee; \
/set irc.server.natter.autojoin #interop; /connect natter" >"$tmp/weechat.out" 2>&1 &
weechat_pid=$!
if ! wait_for "$chanlog" "wee (~" 30; then
  fail "weechat did not join #interop"
fi
wait_for "$srvlog" "Welcome to the Natter IRC Network wee!" 5 ||
  fail "weechat's server buffer has no welcome"
wait_for "$srvlog" "client capability, enabled:" 5 ||
  fail "weechat negotiated no capabilities"

# The scripted peer (weechat-peer.py) reports each step on stdout.
"$python" "$(dirname "${BASH_SOURCE[0]}")/weechat-peer.py" "$port" >"$tmp/probe.out" 2>&1 &
probe_pid=$!
wait_for "$chanlog" "probe (~probe@127.0.0.1) has joined #interop" 30 ||
  fail "weechat did not see the probe join"
# probe -> weechat
wait_for "$tmp/probe.out" "PROBE_SENT" 30 || fail "the probe did not send"
if wait_for "$chanlog" "hello from probe" 30; then
  echo "ok   probe -> weechat: channel message shown in weechat's #interop"
else
  fail "weechat did not show the probe's message"
fi
# weechat -> probe, through weechat's fifo as if typed
to_fifo 'irc.natter.#interop *hello from weechat' \
  'irc.server.natter */msg probe private hello' \
  'irc.natter.#interop */topic topic by weechat' || fail "cannot write to weechat's fifo"
for step in GOT_CHANNEL GOT_PRIVATE GOT_TOPIC; do
  if wait_for "$tmp/probe.out" "$step" 30; then
    echo "ok   weechat -> probe: $step"
  else
    fail "the probe never got $step"
  fi
done
if wait_for "$tmp/probe.out" "QUIT_DONE" 30; then
  echo "ok   the probe quit cleanly"
else
  fail "the probe's QUIT was not answered with ERROR"
fi
# The probe's private reply and its quit, as weechat shows them.
if wait_for "$tmp/wee/logs/irc.natter.probe.weechatlog" "private reply" 30; then
  echo "ok   probe -> weechat: private message in weechat's query buffer"
else
  fail "weechat did not show the probe's private message"
fi
wait_for "$chanlog" "probe (~probe@127.0.0.1) has quit" 30 ||
  fail "weechat did not see the probe quit"

to_fifo '*/quit' || true
for _ in $(seq 1 100); do
  kill -0 "$weechat_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$weechat_pid" 2>/dev/null; then
  fail "weechat did not quit"
else
  weechat_pid=
fi

# natterd stops cleanly on SIGTERM.
kill -TERM "$natterd_pid"
rc=0
wait "$natterd_pid" || rc=$?
natterd_pid=
[ "$rc" -eq 0 ] || fail "natterd exited with $rc after SIGTERM"
grep -q "stopped" "$tmp/natterd.log" || fail "natterd did not log 'stopped'"

finish

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Interop with a real IRC client: weechat-headless (Debian's package)
# connects to natterd, negotiates capabilities, joins #interop and talks
# with a scripted client (weechat-peer.py) in both directions: channel
# messages, a private message and a topic.  natterd runs with no
# configuration file (the defaults, flood control on) on a free port, with
# a store in a temporary folder (--data-dir).
#
# weechat logs in with SASL PLAIN to an account made beforehand with
# REGISTER (draft/account-registration) from a raw client: 903 in its raw
# buffer, natterd's log says so, and weechat shows its own join with the
# account (extended-join).
#
# Also what weechat does with natterd's newer features, checked in
# weechat's own buffers and in its raw buffer (logged to a file; natterd
# does not log commands), so both what weechat sent and how it showed
# the replies are seen:
#   WHOX     weechat asks `WHO #interop %cuhsnfdar` itself after joining
#            (it does with away-notify enabled and WHOX in 005) and takes
#            the 354s silently; `/quote WHO #interop %tcuhnfar,42` gets
#            354s with token 42 for both members, then 315.
#   MONITOR  `/notify add probe` becomes `MONITOR + probe` (weechat uses
#            MONITOR when 005 has it): 731 "is offline", then 730 "has
#            connected" when the probe registers and 731 "has quit".
#   lists    weechat gives the probe +o; the probe sets +b, +e, +I and a
#            mute (+b m:mask); weechat's `/ban`, `/mode #interop +e` and
#            `/quote MODE #interop +I` show 367/368, 348/349, 346/347.
#
#   weechat.sh NATTERD
#
# Exits 77 (meson's "skipped") when weechat-headless or python3 is absent.
# KEEP_TMP=1 keeps the temporary directory (all the logs) for a look
# afterwards.

set -uo pipefail
# shellcheck source=tests/natterd/interop-lib.sh
source "$(dirname "$0")/interop-lib.sh"

natterd=${1:?usage: weechat.sh NATTERD}
skip_unless_installed weechat-headless weechat-headless
find_python
if [ -z "$python" ]; then
  echo "SKIP: python3 is not installed (the scripted peer needs it)"
  exit 77
fi

interop_init weechat
chanlog="$tmp/wee/logs/irc.natter.#interop.weechatlog"
srvlog="$tmp/wee/logs/irc.server.natter.weechatlog"
rawlog="$tmp/wee/logs/irc.irc_raw.weechatlog"

# The first failure ends the test, with the logs of all three parties.
dump_logs() {
  dump "$tmp/probe.out" "$chanlog" "$srvlog" "$rawlog" "$tmp/weechat.out" "$tmp/natterd.log"
}

# wait_count FILE PATTERN N SECONDS: until PATTERN is on N lines of FILE.
wait_count() {
  local file=$1 pattern=$2 n=$3 tenths=$(($4 * 10))
  for _ in $(seq 1 "$tenths"); do
    [ "$(grep -cF -- "$pattern" "$file" 2>/dev/null)" -ge "$n" ] 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

mkdir -p "$tmp/data"
start_natterd "$natterd" --data-dir "$tmp/data"

# The account weechat logs in to.
if ! PYTHONPATH="$(dirname "$0")/../lib" "$python" -c '
import sys, ircclient
c = ircclient.Client(int(sys.argv[1]), "weereg")
ok = c.wait_connected(10) and c.register("weereg")
c.send("REGISTER wee * :wee-sasl-secret")
sys.exit(0 if ok and c.expect("REGISTER SUCCESS wee ", 30) else 1)' "$port"; then
  dump "$tmp/natterd.log"
  echo "FAIL: REGISTER of the account for weechat's SASL login"
  exit 1
fi
echo "ok   account wee registered with REGISTER"

# weechat first, so the probe joins a channel weechat created (weechat is
# its operator and sets its modes, as a user would).  The raw buffer is
# opened before connecting and its no_log dropped, so the logger writes
# every line weechat sends ("<--") and receives ("-->") to $rawlog.
fifo=$tmp/weechat.fifo
weechat-headless --dir "$tmp/wee" -r "/set fifo.file.path $fifo; /set logger.file.flush_delay 0; \
/server raw; /command -buffer irc.irc_raw * /buffer set localvar_del_no_log; \
/server add natter 127.0.0.1/$port -notls; /set irc.server.natter.nicks wee; \
/set irc.server.natter.sasl_mechanism plain; /set irc.server.natter.sasl_username wee; \
/set irc.server.natter.sasl_password wee-sasl-secret; \
/set irc.server.natter.autojoin #interop; /connect natter" >"$tmp/weechat.out" 2>&1 &
client_pid=$!
# With extended-join weechat shows the account and the real name too:
# "wee [wee] (root) (~root@...)".
if ! wait_re "$chanlog" 'wee (\[[^]]*\] )?(\([^)]*\) )?\(~' 30; then
  fail "weechat did not join #interop"
fi
wait_for "$srvlog" "Welcome to the Natter IRC Network wee!" 5 ||
  fail "weechat's server buffer has no welcome"
wait_for "$srvlog" "client capability, enabled:" 5 ||
  fail "weechat negotiated no capabilities"

# SASL PLAIN: weechat asked for sasl, authenticated before CAP END, and
# natterd logged it in.
check "$rawlog" "AUTHENTICATE PLAIN" 10 "SASL: weechat starts PLAIN"
check "$rawlog" "903 wee :SASL authentication successful" 10 "SASL: 903 for weechat"
check "$tmp/natterd.log" "wee logged in as wee" 10 "SASL: natterd logged weechat in to account wee"
check "$rawlog" "900 wee wee!" 10 "SASL: 900 names the account"
check "$chanlog" "wee [wee] (" 10 "extended-join: weechat shows its own join with the account"

# WHOX: weechat's own query after the join (sent from its low-priority
# queue, after MODE), answered by 354s in its %cuhsnfdar layout (channel
# user host server nick flags hops account realname) and 315; weechat
# takes them silently (no "[#interop] End of /WHO list" yet).
check "$rawlog" "WHO #interop %cuhsnfdar" 30 "WHOX: weechat asks WHO #interop %cuhsnfdar by itself"
check "$rawlog" "354 wee #interop ~" 10 "WHOX: 354 in weechat's layout"
check "$rawlog" "315 wee #interop :End of /WHO list." 10 "WHOX: 315 after the 354s"
if grep -qF "End of /WHO list" "$srvlog" "$chanlog"; then
  fail "weechat showed the reply to its own WHOX"
fi

# MONITOR: the probe is not connected yet.
to_fifo 'irc.server.natter */notify add probe natter'
check "$rawlog" "MONITOR + probe" 30 "MONITOR: /notify add sends MONITOR + probe"
check "$rawlog" "731 wee :probe" 10 "MONITOR: 731 for the absent probe"
check "$srvlog" "notify: probe is offline" 10 "MONITOR: weechat shows the probe offline"

# The scripted peer (weechat-peer.py) reports each step on stdout.
start_peer weechat-peer.py
check "$rawlog" "730 wee :probe!~probe@127.0.0.1" 30 "MONITOR: 730 when the probe registers"
check "$srvlog" "notify: probe (~probe@127.0.0.1) has connected" 10 \
  "MONITOR: weechat shows the probe connected"
wait_re "$chanlog" 'probe (\([^)]*\) )?\(~probe@127\.0\.0\.1\) has joined #interop' 30 ||
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
  'irc.natter.#interop */topic topic by weechat'
for step in GOT_CHANNEL GOT_PRIVATE GOT_TOPIC; do
  if wait_for "$tmp/probe.out" "$step" 30; then
    echo "ok   weechat -> probe: $step"
  else
    fail "the probe never got $step"
  fi
done

# List modes: weechat gives the probe +o, the probe sets the lists, and
# weechat lists them the ways a user would.
to_fifo 'irc.natter.#interop */op probe'
check "$tmp/probe.out" "LISTS_SET" 30 "the probe (op) set +b, +e, +I and a mute"
check "$chanlog" "Mode #interop [+beI bad!*@* good!*@* inv!*@*] by probe" 10 \
  "weechat shows the probe's +beI"
check "$chanlog" "Mode #interop [+b m:muted!*@*] by probe" 10 "weechat shows the probe's mute"
to_fifo 'irc.natter.#interop */ban' 'irc.natter.#interop */mode #interop +e' \
  'irc.natter.#interop */quote MODE #interop +I' \
  'irc.server.natter */quote WHO #interop %tcuhnfar,42'
check "$rawlog" "<-- natter"$'\t'"MODE #interop +b" 30 "lists: /ban sends MODE #interop +b"
check "$chanlog" "bad!*@* banned by probe (~probe@127.0.0.1)" 30 "lists: 367 ban shown by /ban"
check "$chanlog" "m:muted!*@* banned by probe (~probe@127.0.0.1)" 10 "lists: 367 mute shown by /ban"
check "$chanlog" "[#interop] End of channel ban list" 10 "lists: 368"
check "$chanlog" "exception good!*@* by probe (~probe@127.0.0.1)" 30 "lists: 348 shown by /mode +e"
check "$chanlog" "[#interop] End of channel exception list" 10 "lists: 349"
check "$chanlog" "inv!*@* invited by probe (~probe@127.0.0.1)" 30 "lists: 346 shown for MODE +I"
check "$chanlog" "[#interop] End of channel invite list" 10 "lists: 347"
# WHOX asked by hand: weechat reads every 354 of 9 parameters in its own
# layout (so the line it prints is shuffled), but it shows each, with the
# token where it expects the channel.
check "$rawlog" "354 wee 42 #interop ~probe 127.0.0.1 probe H@ 0 :natterd interop probe" 30 \
  "WHOX: 354 with token 42 for the probe"
check_re "$rawlog" "354 wee 42 #interop ~[^ ]+ 127\.0\.0\.1 wee H@ wee :" 10 \
  "WHOX: 354 with token 42 for weechat"
check "$srvlog" "[42] probe" 10 "WHOX: weechat shows the probe's 354"
check "$srvlog" "[#interop] End of /WHO list." 10 "WHOX: weechat shows the 315"
to_fifo 'irc.server.natter */msg probe lists seen'

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
if wait_count "$rawlog" "731 wee :probe" 2 10; then
  echo "ok   MONITOR: 731 when the probe quits"
else
  fail "MONITOR: no second 731 (the probe's quit) in weechat's raw log"
fi
check "$srvlog" "notify: probe has quit" 10 "MONITOR: weechat shows the probe gone"

fifo_write '*/quit' || true
wait_gone "$client_pid" 10 || fail "weechat did not quit"
client_pid=

# natterd stops cleanly on SIGTERM.
stop_natterd

finish

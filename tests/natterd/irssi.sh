#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Interop with irssi (Debian's package): irssi joins #interop, created
# and set up by a scripted client (irssi-peer.py), and they talk in both
# directions (channel messages, a private message each way, a topic).
# natterd runs with no configuration at all (the defaults, flood control
# on) on a free port.
#
#   irssi.sh NATTERD
#
# Exits 77 (meson's "skipped") when irssi is not installed.  KEEP_TMP=1
# keeps the temporary directory (all the logs) for a look afterwards.
#
# Headless: irssi needs a terminal, so it runs under util-linux's
# `script` (a pty, 160x40, TERM=xterm, stdin /dev/null; what irssi draws
# goes to $tmp/irssi.tty).  Commands do not go through the keyboard: a
# Perl script in irssi's autorun directory (irssi's Perl module is in
# Debian's package) reads "TARGET /command" lines from a fifo and runs
# each in that window item's context ("-": the server), as typed there.
# What irssi did is read from its own files: the autologs
# (logs/natter/#interop.log, logs/natter/probe.log), a log of every
# level of every window (logs/all.log), and the raw log of the
# connection (`/connect -rawlog`: "<<" sent, ">>" received, "-->" how
# irssi's redirections took the line).  natterd does not log commands.
#
# Checked besides the chat:
#   WHOX     irssi's own channel sync asks `WHO #interop %tcuhnfdar,743`
#            (WHOX in 005) and takes the 354s as "whox" (the join is
#            reported synced); `/quote WHO #interop %tcuhnfar,42` shows
#            354s with token 42, then 315.
#   notify   irssi 1.4 has no MONITOR (it ignores MONITOR= in 005): its
#            /notify polls ISON (notify_check_time set to 2s here), and
#            shows the watched nick joining and leaving "natter".
#   lists    irssi's sync asks `MODE #interop b` and keeps the 367s
#            (the ban and the mute set before it joined), plus a ban set
#            afterwards from the MODE line: `/ban` shows all three;
#            `/mode #interop +e` and `/quote MODE #interop +I` show
#            348/349 and 346/347.

set -uo pipefail
# shellcheck source=tests/natterd/interop-lib.sh
source "$(dirname "$0")/interop-lib.sh"

natterd=${1:?usage: irssi.sh NATTERD}
skip_unless_installed irssi irssi
find_python
for need in "$python" script; do
  if [ -z "$need" ] || ! command -v "$need" >/dev/null 2>&1; then
    echo "FAIL: ${need:-python3} is missing (the peer needs python3, irssi's pty util-linux's script)"
    exit 1
  fi
done

interop_init irssi
home=$tmp/irssi
chanlog="$home/logs/natter/#interop.log"
querylog="$home/logs/natter/probe.log"
alllog="$home/logs/all.log"
rawlog="$home/raw.log"
# irssi's fifo script (below) reads "TARGET /command" lines from it: to_fifo.
fifo=$home/cmd.fifo
dump_lines=50

# The first failure ends the test, with the logs of all three parties
# (irssi's screen with its escape sequences stripped).
dump_logs() {
  if [ -f "$tmp/irssi.tty" ]; then
    sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[()][0-9A-Za-z]//g' "$tmp/irssi.tty" |
      tr '\r' '\n' | grep -v '^[[:space:]]*$' >"$tmp/irssi.screen"
  fi
  dump "$tmp/probe.out" "$chanlog" "$querylog" "$alllog" "$rawlog" \
    "$tmp/irssi.screen" "$tmp/natterd.log"
}

start_natterd "$natterd"

# The peer first: it creates #interop and sets the lists irssi will read
# when it joins.
start_peer irssi-peer.py
check "$tmp/probe.out" "LISTS_SET" 30 "the probe (op) created #interop with +b, +e, +I and a mute"

# irssi's home: settings in the config (autolog on; nothing saved back),
# the network and its channel, the fifo script, and a startup file that
# sets the pace, opens the all-levels log and connects with a raw log.
# Pace: irssi queues its commands after a burst of 5, one per
# cmd_queue_speed (2.2 s by default, which makes this test ~47 s); 1 s
# is natterd's penalty for most commands, so its flood control still
# never holds irssi back (WHO costs 2 s, far from the 10 s threshold).
# notify_check_time (1 min by default) is how often /notify polls ISON.
mkdir -p "$home/scripts/autorun" "$home/logs"
mkfifo "$fifo"
cat >"$home/config" <<EOF
settings = {
  core = {
    real_name = "irssi interop";
    user_name = "irssi";
    nick = "irssi";
    settings_autosave = "no";
  };
  "fe-common/core" = {
    autolog = "yes";
    autolog_level = "all";
    autolog_path = "$home/logs/\$tag/\$0.log";
  };
};
chatnets = { natter = { type = "IRC"; }; };
channels = ( { name = "#interop"; chatnet = "natter"; autojoin = "yes"; } );
EOF
cat >"$home/startup" <<EOF
/set cmd_queue_speed 1000msec
/set notify_check_time 2s
/log open $alllog all
/connect -rawlog $rawlog -network natter 127.0.0.1 $port
EOF
cat >"$home/scripts/autorun/fifo.pl" <<'EOF'
# Runs "TARGET /command" lines from cmd.fifo in irssi's home: in the
# window item TARGET (a channel or a query) of the server "natter", or
# for TARGET "-" on that server, as if typed there.
use strict;
use warnings;
use Irssi;
use Fcntl;

my $dir = Irssi::get_irssi_dir();
# Read-write, so the fifo never reports end of file between writers.
sysopen(my $fh, "$dir/cmd.fifo", O_RDWR | O_NONBLOCK) or die "cmd.fifo: $!";
my $buf = '';
our $input = Irssi::input_add(fileno($fh), Irssi::INPUT_READ, sub {
  my $n = sysread($fh, my $chunk, 4096);
  return unless $n;
  $buf .= $chunk;
  while ($buf =~ s/^([^\n]*)\n//) {
    my ($target, $cmd) = split / /, $1, 2;
    next unless defined $cmd;
    my $server = Irssi::server_find_tag('natter');
    my $item = ($server && $target ne '-') ? $server->window_item_find($target) : undef;
    if ($item) { $item->command($cmd) }
    elsif ($server) { $server->command($cmd) }
    else { Irssi::print("fifo: no server for: $cmd") }
  }
}, '');
open(my $ready, '>', "$dir/fifo.ready") or die "fifo.ready: $!";
print $ready "ready\n";
close($ready);
EOF

TERM=xterm SHELL=/bin/sh script -qfec "stty cols 160 rows 40 && exec irssi --home='$home'" \
  /dev/null </dev/null >"$tmp/irssi.tty" 2>&1 &
client_pid=$!
check "$home/fifo.ready" "ready" 20 "irssi started with its Perl fifo script"
check "$alllog" "irssi [~irssi@127.0.0.1] has joined #interop" 30 "irssi joined #interop"
check "$rawlog" "<< CAP END" 10 "irssi negotiated capabilities"

# WHOX and the ban list: irssi's own channel sync.
check_line "$rawlog" "<< WHO #interop %tcuhnfdar,743" 30 "WHOX: irssi asks WHO #interop %tcuhnfdar,743 by itself"
check_line "$rawlog" ">> :natterd.localhost 354 irssi 743 #interop ~probe 127.0.0.1 probe H@ 0 0 :natterd interop probe" 10 \
  "WHOX: 354 with irssi's fields and token"
check_line "$rawlog" "--> silent event whox" 10 "WHOX: irssi took the 354 as a WHOX reply"
check_line "$rawlog" "<< MODE #interop b" 30 "lists: irssi asks the ban list by itself"
check "$rawlog" "367 irssi #interop m:muted!*@* probe!~probe@127.0.0.1 " 10 "lists: 367 for the mute"
check "$alllog" "Join to #interop was synced in" 30 "irssi synced #interop (WHOX and ban list done)"

# Chat both ways (the probe gives irssi +o first, for the topic).
check "$tmp/probe.out" "PROBE_SENT" 30 "the probe opped irssi, added a ban and spoke"
check "$chanlog" "mode/#interop [+o irssi] by probe" 10 "irssi shows its +o"
check "$chanlog" "mode/#interop [+b late!*@*] by probe" 10 "irssi shows the late ban"
check "$chanlog" "<@probe> hello from probe" 30 "probe -> irssi: channel message in irssi's #interop log"
to_fifo '#interop /msg #interop hello from irssi' '- /msg probe private hello' \
  '#interop /topic topic by irssi'
for step in GOT_CHANNEL GOT_PRIVATE GOT_TOPIC; do
  check "$tmp/probe.out" "$step" 30 "irssi -> probe: $step"
done

# List modes, shown by irssi: /ban from what it knows (367s of the sync
# and the later MODE line), +e and +I asked from the server.
to_fifo '#interop /ban' '#interop /mode #interop +e' '#interop /quote MODE #interop +I' \
  '#interop /quote WHO #interop %tcuhnfar,42'
check "$chanlog" "#interop: ban bad!*@* [by probe!~probe@127.0.0.1" 30 "lists: /ban shows the ban"
check "$chanlog" "#interop: ban m:muted!*@* [by probe!~probe@127.0.0.1" 10 "lists: /ban shows the mute"
# (irssi keeps the setter of this one as the MODE line named it, "probe",
# or as 367 did when its ban query came first.)
check "$chanlog" "#interop: ban late!*@* [by probe" 10 "lists: /ban shows the late ban"
check_line "$rawlog" "<< MODE #interop +e" 30 "lists: /mode +e asks the exception list"
check "$chanlog" "#interop: ban exception good!*@* [by probe!~probe@127.0.0.1" 30 "lists: 348 shown"
check "$chanlog" "#interop End of channel exception list" 10 "lists: 349 shown"
check "$chanlog" "#interop: invite inv!*@* [by probe!~probe@127.0.0.1" 30 "lists: 346 shown"
check "$chanlog" "#interop End of channel invite list" 10 "lists: 347 shown"
check "$alllog" "42 #interop ~probe 127.0.0.1 probe H@ 0 natterd interop probe" 30 \
  "WHOX: /quote WHO %tcuhnfar,42 shows the probe's 354 with token 42"
check "$alllog" "42 #interop ~irssi 127.0.0.1 irssi H@ 0 irssi interop" 10 \
  "WHOX: and irssi's own"
check "$alllog" "End of /WHO list" 10 "WHOX: 315 shown"

# notify: ISON polling; the watched nick is absent, comes, goes.
to_fifo '- /notify buddy'
check_line "$rawlog" "<< ISON :buddy" 30 "notify: irssi polls ISON :buddy (no MONITOR in irssi 1.4)"
check_line "$rawlog" ">> :natterd.localhost 303 irssi :" 10 "notify: 303 empty while buddy is away"
if grep -q '^<< MONITOR' "$rawlog"; then
  fail "irssi sent MONITOR (this irssi knows MONITOR: check it too)"
fi
to_fifo '- /msg probe bring buddy'
check "$tmp/probe.out" "BUDDY_ON" 30 "the buddy registered"
check_line "$rawlog" ">> :natterd.localhost 303 irssi :buddy" 30 "notify: 303 names buddy"
check "$alllog" "buddy [~buddy@127.0.0.1] [the watched one] has joined to natter" 30 \
  "notify: irssi shows buddy online"
to_fifo '- /msg probe drop buddy'
check "$tmp/probe.out" "BUDDY_OFF" 30 "the buddy quit"
check "$alllog" "buddy has left natter" 30 "notify: irssi shows buddy offline"

# The probe's private reply and quit.
to_fifo '- /msg probe bye'
check "$tmp/probe.out" "QUIT_DONE" 30 "the probe quit cleanly"
check "$querylog" "private reply" 30 "probe -> irssi: private message in irssi's query log"
check "$chanlog" "probe [~probe@127.0.0.1] has quit [Quit: done]" 30 "irssi saw the probe quit"

to_fifo '- /quit bye'
wait_gone "$client_pid" 10 || fail "irssi did not quit"
irssi_rc=0
wait "$client_pid" || irssi_rc=$?
client_pid=
[ "$irssi_rc" -eq 0 ] || fail "irssi exited with $irssi_rc"
check_line "$rawlog" "<< QUIT :bye" 1 "irssi quit with QUIT"

# natterd stops cleanly on SIGTERM.
stop_natterd

finish

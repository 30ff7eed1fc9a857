#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Example 6: both sides of the chat type whenever they like; "exit" on
# either side, or the end of input, ends the chat for both.
. "$(dirname "$0")/lib.sh"

start alice chat --listen 127.0.0.1:0
port_of alice
start bob chat "127.0.0.1:$PORT"
expect alice "joined the chat"
# Not in turns: bob says two things before alice answers.
send bob "hello alice"
send bob "are you there?"
expect alice "partner: hello alice"
expect alice "partner: are you there?"
send alice "hi bob"
expect bob "partner: hi bob"
send bob "exit"
wait_exit bob 0
expect alice "partner left the chat"
# alice's keyboard is still open: she must end all the same.
wait_exit alice 0

# The end of input (Ctrl-D) works like "exit".
start carol chat --listen 127.0.0.1:0
port_of carol
start dave chat "127.0.0.1:$PORT"
expect carol "joined the chat"
send carol "bye"
close_input carol
expect dave "partner: bye"
expect dave "partner left the chat"
wait_exit carol 0
wait_exit dave 0

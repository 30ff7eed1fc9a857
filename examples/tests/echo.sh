#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Example 1: echo-server answers in upper case and outlives clients that
# reset their connection or are killed, serving the next one each time.
. "$(dirname "$0")/lib.sh"

start server echo-server -n 3 127.0.0.1:0
port_of server

# A client that ends with a reset (RST), as a killed program's often does.
start rude echo-client --abort "127.0.0.1:$PORT"
send rude "first message"
expect rude "FIRST MESSAGE"
close_input rude
wait_exit rude 0
expect server "left ("

# A client killed outright.
start killed echo-client "127.0.0.1:$PORT"
send killed "still here"
expect killed "STILL HERE"
kill_program killed

# The server survived both: the next client is served as usual.
start polite echo-client "127.0.0.1:$PORT"
send polite "hello"
expect polite "HELLO"
send polite "Mixed Case 123"
expect polite "MIXED CASE 123"
close_input polite
wait_exit polite 0
wait_exit server 0

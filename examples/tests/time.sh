#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Example 7: time-server stamps each line, serving two clients at once.
. "$(dirname "$0")/lib.sh"

start server time-server -n 2 127.0.0.1:0
port_of server
start first time-client "127.0.0.1:$PORT"
send first "one"
expect_re first '\[[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}\] one'
# The first client is still connected; the second is served all the same.
start second time-client "127.0.0.1:$PORT"
send second "two"
expect second "] two"
expect server "(2 connected)"
send first "three"
expect first "] three"
close_input first
close_input second
wait_exit first 0
wait_exit second 0
wait_exit server 0

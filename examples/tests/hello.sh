#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Example 2: one message, one answer; and a client refused when no server
# is listening.
. "$(dirname "$0")/lib.sh"

start server hello-server -n 1 127.0.0.1:0
port_of server
start client hello-client "127.0.0.1:$PORT" "hi there"
close_input client
expect client "server answered: connected"
wait_exit client 0
expect server "says: hi there"
wait_exit server 0

# The server has exited, so nothing listens on that port now: refused.
start lonely hello-client "127.0.0.1:$PORT"
close_input lonely
wait_exit lonely nonzero
expect lonely "refused"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Example 5: two quick sends arrive glued on a plain stream, and one by
# one through a length-prefix framer.
. "$(dirname "$0")/lib.sh"

start server sticky-server 127.0.0.1:0
port_of server
start client sticky-client "127.0.0.1:$PORT"
close_input client
wait_exit client 0
wait_exit server 0
expect server 'returned 11 bytes: "helloi am 1"'
expect server 'message 1: "hello"'
expect server 'message 2: "i am 1"'

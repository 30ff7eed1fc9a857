#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Example 4: UDP echo with recvfrom/sendto, and a client that gives up
# with a clear message when no server answers.
. "$(dirname "$0")/lib.sh"

start server udp-echo-server -n 2 127.0.0.1:0
port_of server
start client udp-echo-client "127.0.0.1:$PORT"
send client "ping"
expect client "ping"
send client "hello over udp"
expect client "hello over udp"
send client "exit"
wait_exit client 0
wait_exit server 0
expect server "sent 14 bytes: hello over udp"

# Nobody listens on that port any more: no hang, a timeout and a message.
start lonely udp-echo-client -t 0.5 "127.0.0.1:$PORT"
send lonely "anyone there?"
wait_exit lonely nonzero
expect lonely "no answer from 127.0.0.1:$PORT"

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A scripted IRC client for the end-to-end test: joins a channel, waits
for a given message from the natter user, then answers it.

usage: irc-peer.py PORT NICK CHANNEL EXPECT_FROM EXPECT_TEXT REPLY STATE_DIR
Writes STATE_DIR/peer-ready once joined and STATE_DIR/peer-got once the
expected message arrived; stays until STATE_DIR/peer-stop exists (or 60 s).
Whatever the test writes to STATE_DIR/peer-say is said in the channel,
line by line, except that a line "/raw LINE" is sent as it is (then the
file is removed).
"""
import os
import socket
import sys
import time

port, nick, chan, want_from, want_text, reply, state = sys.argv[1:8]
sock = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
sock.settimeout(0.2)
buf = b""


def send(line):
    sock.sendall(line.encode() + b"\r\n")


def lines():
    global buf
    try:
        data = sock.recv(4096)
        if not data:
            sys.exit("peer: server closed the connection")
        buf += data
    except socket.timeout:
        pass
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        yield line.rstrip(b"\r").decode("utf-8", "replace")


def touch(name):
    with open(os.path.join(state, name), "w") as f:
        f.write("ok\n")


send(f"NICK {nick}")
send(f"USER {nick} 0 * :e2e peer")
deadline = time.time() + 60
joined = got = False
say_path = os.path.join(state, "peer-say")
while time.time() < deadline and not os.path.exists(os.path.join(state, "peer-stop")):
    if joined and os.path.exists(say_path):
        with open(say_path) as f:
            for text in f.read().splitlines():
                if text.startswith("/raw "):
                    send(text[5:])
                else:
                    send(f"PRIVMSG {chan} :{text}")
        os.remove(say_path)
    for line in lines():
        parts = line.split(" ")
        if parts[0] == "PING":
            send("PONG " + " ".join(parts[1:]))
        elif len(parts) > 1 and parts[1] == "001":
            send(f"JOIN {chan}")
        elif len(parts) > 1 and parts[1] == "JOIN" and parts[0].startswith(f":{nick}!"):
            joined = True
            touch("peer-ready")
        elif len(parts) > 3 and parts[1] == "PRIVMSG" and parts[0].startswith(f":{want_from}!"):
            text = line.split(" :", 1)[1] if " :" in line else ""
            print(f"peer: got <{want_from}> {text}", flush=True)
            if text == want_text and not got:
                got = True
                touch("peer-got")
                send(f"PRIVMSG {chan} :{reply}")
send("QUIT :done")
sys.exit(0 if joined and got else 1)

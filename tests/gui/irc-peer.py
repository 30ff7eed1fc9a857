#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A scripted IRC client for the end-to-end test: joins a channel, waits
for a given message from the natter user, then answers it.

usage: irc-peer.py PORT NICK CHANNEL EXPECT_FROM EXPECT_TEXT REPLY STATE_DIR
Writes STATE_DIR/peer-ready once joined and STATE_DIR/peer-got once the
expected message arrived; stays until STATE_DIR/peer-stop exists (or 170 s:
the end-to-end test uses the first peer until its 2x step, and stops it).
Whatever the test writes to STATE_DIR/peer-say is said in the channel,
line by line, except that a line "/raw LINE" is sent as it is (then the
file is removed).
With PEER_TLS_CA=CERT.pem in the environment it connects with TLS,
trusting that (self-signed) certificate: a hosted chat's server.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402

port, nick, chan, want_from, want_text, reply, state = sys.argv[1:8]


def touch(name):
    with open(os.path.join(state, name), "w") as f:
        f.write("ok\n")


tls_ca = os.environ.get("PEER_TLS_CA")
# The certificate names the host computer, the peer dials 127.0.0.1: the
# certificate itself is what is checked.
tls = ircclient.tls_context(ca=tls_ca, check_hostname=False) if tls_ca else None
peer = ircclient.connect("127.0.0.1", int(port), nick, seconds=10, tls=tls)
if peer is None:
    sys.exit("peer: cannot connect: %s" % ircclient.connect.last_error)
if not peer.register(nick, realname="e2e peer"):
    sys.exit("peer: no welcome from the server")
if not ircclient.join(peer, chan):
    sys.exit("peer: could not join %s" % chan)
touch("peer-ready")

deadline = ircclient.deadline(170)
got = False
say_path = os.path.join(state, "peer-say")
while ircclient.now() < deadline and not os.path.exists(os.path.join(state, "peer-stop")):
    if os.path.exists(say_path):
        with open(say_path) as f:
            # split("\n"), not splitlines(): that also splits at \x1c-\x1e,
            # which are IRC formatting codes (italic, strikethrough).
            for text in f.read().split("\n"):
                if not text:
                    continue
                if text.startswith("/raw "):
                    peer.send(text[5:])
                else:
                    peer.send(f"PRIVMSG {chan} :{text}")
        os.remove(say_path)
    # Short reads: the files above are looked at between them.
    line = peer.next_line(0.2)
    if line is None:
        if peer.gone:
            sys.exit("peer: server closed the connection")
        continue
    parts = line.split(" ")
    if len(parts) > 3 and parts[1] == "PRIVMSG" and parts[0].startswith(f":{want_from}!"):
        text = line.split(" :", 1)[1] if " :" in line else ""
        print(f"peer: got <{want_from}> {text}", flush=True)
        if text == want_text and not got:
            got = True
            touch("peer-got")
            peer.send(f"PRIVMSG {chan} :{reply}")
peer.quit("done")
sys.exit(0 if got else 1)

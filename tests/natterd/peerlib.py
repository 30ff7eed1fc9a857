# SPDX-License-Identifier: MIT
"""What the scripted peers of the interop tests (irssi-peer.py,
weechat-peer.py) share: each step is reported on stdout, one line with a
word first, for the shell script to wait on; the first step that does not
come in time ends the peer (status 1).  The IRC client itself is
tests/lib/ircclient.py, which this module puts on sys.path (a peer
next to this file finds this module itself: a script's folder is on
sys.path):

    from peerlib import expect, register, report
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402

# How long each step may take.
STEP_SECONDS = 60


def report(what):
    """One step's line on stdout (flushed: the script reads it live)."""
    print(what, flush=True)


def expect(c, pattern, what):
    """The line matching pattern, reported after what; without one in
    time (or once the server closed), 'TIMEOUT'/'CLOSED waiting for what'
    and exit status 1."""
    line = c.expect(pattern, STEP_SECONDS)
    if line is None:
        report(('CLOSED' if c.gone else 'TIMEOUT') + ' waiting for ' + what)
        sys.exit(1)
    report(what + ' ' + line)
    return line


def port():
    """natterd's port: the peer's one argument."""
    return int(sys.argv[1])


def register(nick, realname, what, label=''):
    """A client on 127.0.0.1:port() registered as nick, its 001 reported
    after what; when it cannot connect, 'CONNECT failed<label>: why' and
    exit status 1."""
    c = ircclient.connect('127.0.0.1', port(), nick, STEP_SECONDS)
    if c is None:
        report('CONNECT failed' + label + ': ' + ircclient.connect.last_error)
        sys.exit(1)
    c.register_send(nick, realname=realname)
    expect(c, r' 001 %s ' % nick, what)
    return c


def chat_both_ways(c, nick, name):
    """On #interop with the client (nick, calling itself name in what it
    says): says hello (PROBE_SENT), then gets the client's channel message,
    private message and topic (GOT_CHANNEL, GOT_PRIVATE, GOT_TOPIC)."""
    c.send('PRIVMSG #interop :hello from probe')
    report('PROBE_SENT')
    expect(c, r'^:%s!\S* PRIVMSG #interop :hello from %s$' % (nick, name), 'GOT_CHANNEL')
    expect(c, r'^:%s!\S* PRIVMSG probe :private hello$' % nick, 'GOT_PRIVATE')
    expect(c, r'^:%s!\S* TOPIC #interop :topic by %s$' % (nick, name), 'GOT_TOPIC')


def set_lists(c):
    """As an operator of #interop: a ban, an exception, an invite
    exception (bad, good, inv) and a mute (m:muted), each echoed
    (LISTS_ECHO, then LISTS_SET)."""
    c.send('MODE #interop +beI bad!*@* good!*@* inv!*@*')
    expect(c, r'^:probe!\S* MODE #interop \+beI bad!\*@\* good!\*@\* inv!\*@\*$', 'LISTS_ECHO')
    c.send('MODE #interop +b m:muted!*@*')
    expect(c, r'^:probe!\S* MODE #interop \+b m:muted!\*@\*$', 'LISTS_SET')


def reply_and_quit(c, client):
    """The last words: a private reply to client's nick, QUIT and the
    server's ERROR (QUIT_DONE)."""
    c.send('PRIVMSG %s :private reply' % client)
    c.send('QUIT :done')
    expect(c, r'^ERROR ', 'QUIT_DONE')
    c.close()

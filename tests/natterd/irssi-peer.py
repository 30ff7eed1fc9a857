#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""irssi.sh's scripted peer: registers as "probe", creates #interop and
sets its list modes (+b, +e, +I and a mute) before irssi comes, gives
irssi ("irssi") operator status when it joins, adds one more ban, talks
with irssi both ways, brings a second client ("buddy", the nick irssi's
/notify watches) online and offline when irssi asks for it, and quits
when irssi says goodbye.  Each step is reported on stdout (one line, a
word first) for irssi.sh to wait on; the first one that does not come
in time ends it (status 1).

    irssi-peer.py PORT
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402

STEP_SECONDS = 60


def report(what):
    print(what, flush=True)


def expect(c, pattern, what):
    line = c.expect(pattern, STEP_SECONDS)
    if line is None:
        report(('CLOSED' if c.gone else 'TIMEOUT') + ' waiting for ' + what)
        sys.exit(1)
    report(what + ' ' + line)
    return line


def main():
    port = int(sys.argv[1])
    c = ircclient.connect('127.0.0.1', port, 'probe', STEP_SECONDS)
    if c is None:
        report('CONNECT failed: ' + ircclient.connect.last_error)
        return 1
    c.register_send('probe', realname='natterd interop probe')
    expect(c, r' 001 probe ', 'REGISTERED')
    c.send('JOIN #interop')
    expect(c, r' 366 probe #interop ', 'JOINED')
    # The lists, set before irssi joins: irssi reads the ban list itself
    # (MODE #interop b) as part of its join.  None of them matches irssi.
    c.send('MODE #interop +beI bad!*@* good!*@* inv!*@*')
    expect(c, r'^:probe!\S* MODE #interop \+beI bad!\*@\* good!\*@\* inv!\*@\*$', 'LISTS_ECHO')
    c.send('MODE #interop +b m:muted!*@*')
    expect(c, r'^:probe!\S* MODE #interop \+b m:muted!\*@\*$', 'LISTS_SET')
    expect(c, r'^:irssi!\S* JOIN #interop$', 'SEES_IRSSI')
    # Operator status (for the topic), and a ban irssi only learns from
    # the MODE line.
    c.send('MODE #interop +o irssi')
    expect(c, r'^:probe!\S* MODE #interop \+o irssi$', 'OPPED_IRSSI')
    c.send('MODE #interop +b late!*@*')
    expect(c, r'^:probe!\S* MODE #interop \+b late!\*@\*$', 'LATE_BAN')
    c.send('PRIVMSG #interop :hello from probe')
    report('PROBE_SENT')
    expect(c, r'^:irssi!\S* PRIVMSG #interop :hello from irssi$', 'GOT_CHANNEL')
    expect(c, r'^:irssi!\S* PRIVMSG probe :private hello$', 'GOT_PRIVATE')
    expect(c, r'^:irssi!\S* TOPIC #interop :topic by irssi$', 'GOT_TOPIC')

    # The nick irssi watches with /notify comes and goes on request.
    expect(c, r'^:irssi!\S* PRIVMSG probe :bring buddy$', 'GOT_BRING')
    b = ircclient.connect('127.0.0.1', port, 'buddy', STEP_SECONDS)
    if b is None:
        report('CONNECT failed (buddy): ' + ircclient.connect.last_error)
        return 1
    b.register_send('buddy', realname='the watched one')
    expect(b, r' 001 buddy ', 'BUDDY_ON')
    expect(c, r'^:irssi!\S* PRIVMSG probe :drop buddy$', 'GOT_DROP')
    b.send('QUIT :gone')
    expect(b, r'^ERROR ', 'BUDDY_OFF')
    b.close()

    expect(c, r'^:irssi!\S* PRIVMSG probe :bye$', 'GOT_BYE')
    c.send('PRIVMSG irssi :private reply')
    c.send('QUIT :done')
    expect(c, r'^ERROR ', 'QUIT_DONE')
    c.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""weechat.sh's scripted peer: registers as "probe", joins #interop once
weechat ("wee") is in it, talks with weechat both ways, sets the list
modes (+b, +e, +I, a mute) once weechat made it an operator, and quits
when weechat says it has seen them.  Each
step is reported on stdout (one line, a word first) for weechat.sh to
wait on; the first one that does not come in time ends it (status 1).

    weechat-peer.py PORT
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
    c = ircclient.connect('127.0.0.1', int(sys.argv[1]), 'probe', STEP_SECONDS)
    if c is None:
        report('CONNECT failed: ' + ircclient.connect.last_error)
        return 1
    c.register_send('probe', realname='natterd interop probe')
    expect(c, r' 001 probe ', 'REGISTERED')
    c.send('JOIN #interop')
    expect(c, r' 353 probe .* #interop :.*wee', 'SEES_WEE')
    c.send('PRIVMSG #interop :hello from probe')
    report('PROBE_SENT')
    expect(c, r'^:wee!.* PRIVMSG #interop :hello from weechat$', 'GOT_CHANNEL')
    expect(c, r'^:wee!.* PRIVMSG probe :private hello$', 'GOT_PRIVATE')
    expect(c, r'^:wee!.* TOPIC #interop :topic by weechat$', 'GOT_TOPIC')
    expect(c, r'^:wee!\S* MODE #interop \+o probe$', 'GOT_OP')
    c.send('MODE #interop +beI bad!*@* good!*@* inv!*@*')
    expect(c, r'^:probe!\S* MODE #interop \+beI bad!\*@\* good!\*@\* inv!\*@\*$', 'LISTS_ECHO')
    c.send('MODE #interop +b m:muted!*@*')
    expect(c, r'^:probe!\S* MODE #interop \+b m:muted!\*@\*$', 'LISTS_SET')
    expect(c, r'^:wee!.* PRIVMSG probe :lists seen$', 'GOT_LISTS_SEEN')
    c.send('PRIVMSG wee :private reply')
    c.send('QUIT :done')
    expect(c, r'^ERROR ', 'QUIT_DONE')
    c.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())

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
import sys

from peerlib import chat_both_ways, expect, register, reply_and_quit, set_lists


def main():
    c = register('probe', 'natterd interop probe', 'REGISTERED')
    c.send('JOIN #interop')
    expect(c, r' 353 probe .* #interop :.*wee', 'SEES_WEE')
    chat_both_ways(c, 'wee', 'weechat')
    expect(c, r'^:wee!\S* MODE #interop \+o probe$', 'GOT_OP')
    set_lists(c)
    expect(c, r'^:wee!.* PRIVMSG probe :lists seen$', 'GOT_LISTS_SEEN')
    reply_and_quit(c, 'wee')
    return 0


if __name__ == '__main__':
    sys.exit(main())

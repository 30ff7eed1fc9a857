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
import sys

from peerlib import chat_both_ways, expect, register, reply_and_quit, set_lists


def main():
    c = register('probe', 'natterd interop probe', 'REGISTERED')
    c.send('JOIN #interop')
    expect(c, r' 366 probe #interop ', 'JOINED')
    # The lists, set before irssi joins: irssi reads the ban list itself
    # (MODE #interop b) as part of its join.  None of them matches irssi.
    set_lists(c)
    expect(c, r'^:irssi!\S* JOIN #interop$', 'SEES_IRSSI')
    # Operator status (for the topic), and a ban irssi only learns from
    # the MODE line.
    c.send('MODE #interop +o irssi')
    expect(c, r'^:probe!\S* MODE #interop \+o irssi$', 'OPPED_IRSSI')
    c.send('MODE #interop +b late!*@*')
    expect(c, r'^:probe!\S* MODE #interop \+b late!\*@\*$', 'LATE_BAN')
    chat_both_ways(c, 'irssi', 'irssi')

    # The nick irssi watches with /notify comes and goes on request.
    expect(c, r'^:irssi!\S* PRIVMSG probe :bring buddy$', 'GOT_BRING')
    b = register('buddy', 'the watched one', 'BUDDY_ON', ' (buddy)')
    expect(c, r'^:irssi!\S* PRIVMSG probe :drop buddy$', 'GOT_DROP')
    b.send('QUIT :gone')
    expect(b, r'^ERROR ', 'BUDDY_OFF')
    b.close()

    expect(c, r'^:irssi!\S* PRIVMSG probe :bye$', 'GOT_BYE')
    reply_and_quit(c, 'irssi')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the dispatch target's history seeds (corpus/dispatch/history-*).

CHATHISTORY (every subcommand, msgid= and timestamp= references, the
failures), draft/event-playback, private history of logged-in accounts,
TARGETS, MARKREAD between two connections of one account, retention as
time passes, an account's drop, and labeled-response around all of it.
The input format and the account logins are make-account-seeds.py's
(Script, plain()); references are computed from fuzz-dispatch.c's clocks:
its wall clock is 1,700,000,000 s plus its monotonic milliseconds, which
start at 1,000 and move only by the time ops, and a msgid is that wall
clock in microseconds (plus one per message in the same microsecond), in
13 base32 digits.

  tests/fuzz/make-history-seeds.py              write the seeds
  tests/fuzz/make-history-seeds.py --check EXE  also replay each through
        the built target (NATTER_FUZZ_ECHO=1) and check what it reaches
"""

import datetime
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "account_seeds", os.path.join(HERE, "make-account-seeds.py"))
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)
Script, plain = seeds.Script, seeds.plain

WALL0_US = 1700000000 * 1000000 + 1000 * 1000  # the wall clock at the start
BASE32 = "0123456789abcdefghjkmnpqrstvwxyz"
CAPS = "batch server-time message-tags draft/chathistory draft/event-playback draft/read-marker"


def msgid(us):
    """A msgid as clients see it (srv_msgid_format)."""
    return "".join(BASE32[(us >> (5 * i)) & 31] for i in reversed(range(13)))


def stamp(us):
    """The server-time form of a wall-clock time."""
    t = datetime.datetime.fromtimestamp(us // 1000000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (us % 1000000 // 1000)


def make_account(s, k, name, password):
    """Client k registers the account name (REGISTER before 001)."""
    s.register(k, name, "draft/account-registration")
    s.lines(k, "REGISTER * * " + password, "CAP END")
    s.finish()


def login(s, k, nick, account, password, caps=CAPS):
    """Client k logs in to account with SASL PLAIN and registers as nick;
    labeled-response is asked for apart (a NAK would refuse the rest)."""
    s.register(k, nick, "sasl " + caps)
    s.send(k, "CAP REQ :labeled-response")
    s.send(k, "AUTHENTICATE PLAIN")
    s.authenticate(k, plain("", account, password))
    s.finish()
    s.send(k, "CAP END")


def seed_chathistory():
    s = Script()
    make_account(s, 1, "alice", "alice-pass1")
    login(s, 0, "reader", "alice", "alice-pass1")
    s.lines(1, "JOIN #h", "TOPIC #h :history")
    s.send(0, "JOIN #h")
    for i in range(8):
        s.send(1, "PRIVMSG #h :m%d" % i)
    s.finish(5)  # committed by the tick
    t0 = WALL0_US
    t1 = WALL0_US + 5000000  # after the time op
    mid = msgid(t0 + 8)
    for q in ("LATEST #h * 3", "LATEST #h * 1000", "LATEST #h timestamp=%s 5" % stamp(t0),
              "LATEST #h msgid=%s 5" % mid, "BEFORE #h msgid=%s 3" % mid,
              "BEFORE #h timestamp=%s 20" % stamp(t1), "AFTER #h msgid=%s 2" % mid,
              "AFTER #h timestamp=%s 4" % stamp(t0 - 1000000), "AROUND #h msgid=%s 4" % mid,
              "AROUND #h timestamp=%s 1" % stamp(t0), "AROUND #h timestamp=%s 7" % stamp(t1),
              "BETWEEN #h timestamp=%s timestamp=%s 4" % (stamp(t0 - 1000000), stamp(t1)),
              "BETWEEN #h timestamp=%s msgid=%s 3" % (stamp(t1), mid),
              "BETWEEN #h msgid=%s msgid=%s 9" % (mid, mid),
              "TARGETS timestamp=%s timestamp=%s 10" % (stamp(t0 - 1000000), stamp(t1)),
              "TARGETS timestamp=%s timestamp=%s 1" % (stamp(t1), stamp(t0))):
        s.send(0, "CHATHISTORY " + q)
        s.send(0, "@label=q1 CHATHISTORY " + q)
    # Every failure.
    for q in ("", "LATEST", "LATEST #h *", "BETWEEN #h * 5", "TARGETS * 5", "NOPE #h * 5",
              "BEFORE #h * 5", "BEFORE #h msgid=zzz 5", "BEFORE #h msgid=0000000000000 5",
              "AFTER #h timestamp=yesterday 5", "LATEST #h * 0", "LATEST #h * -1",
              "LATEST #h * 99999999999999999999", "LATEST #nowhere * 5", "LATEST nobody * 5",
              "TARGETS msgid=%s timestamp=%s 5" % (mid, stamp(t1))):
        s.send(0, ("CHATHISTORY " + q).strip())
    # A client that is not logged in and not in the channel.
    s.register(2, "guest", "batch message-tags")
    s.send(2, "CAP END")
    s.lines(2, "CHATHISTORY LATEST #h * 5", "CHATHISTORY LATEST alice * 5",
            "CHATHISTORY TARGETS timestamp=%s timestamp=%s 5" % (stamp(t0), stamp(t1)))
    s.send(0, "QUIT")
    s.send(2, "CHATHISTORY LATEST #h * 5")
    return s, ["chathistory #h", "draft/chathistory-targets", "FAIL CHATHISTORY INVALID_PARAMS",
               "FAIL CHATHISTORY NEED_MORE_PARAMS", "FAIL CHATHISTORY UNKNOWN_COMMAND",
               "FAIL CHATHISTORY INVALID_TARGET", "PRIVMSG #h :m7"]


def seed_events():
    s = Script()
    make_account(s, 1, "bob", "bob-pass12")
    s.register(2, "carol", "message-tags")
    s.send(2, "CAP END")
    login(s, 0, "bobby", "bob", "bob-pass12")
    s.lines(1, "JOIN #e", "MODE #e +nt")
    s.lines(2, "JOIN #e", "@+typing=active TAGMSG #e", "@+draft/react=x TAGMSG #e")
    s.lines(1, "TOPIC #e :events", "KICK #e carol :out", "PRIVMSG #e :after kick")
    s.lines(2, "JOIN #e", "NICK carla", "PART #e :bye", "JOIN #e", "NOTICE #e :note")
    s.lines(0, "JOIN #e", "PRIVMSG carla :hi carla", "PRIVMSG bob :self", "JOIN #secret",
            "MODE #secret +s", "PRIVMSG #secret :hidden")
    s.lines(2, "PRIVMSG bobby :hi bobby", "@+typing=active TAGMSG bobby")
    for i in range(8):  # past the target's 6 kept
        s.send(1, "PRIVMSG #e :e%d" % i)
    s.finish(5)
    s.lines(0, "CHATHISTORY LATEST #e * 10", "CHATHISTORY LATEST carla * 10",
            "CHATHISTORY LATEST bob * 10", "CHATHISTORY LATEST #secret * 10",
            "@label=t CHATHISTORY TARGETS timestamp=2023-01-01T00:00:00.000Z "
            "timestamp=2030-01-01T00:00:00.000Z 10")
    s.lines(2, "CHATHISTORY TARGETS timestamp=2023-01-01T00:00:00.000Z "
               "timestamp=2030-01-01T00:00:00.000Z 10")
    s.send(2, "QUIT :gone")
    s.finish(60)
    s.finish(60)
    s.lines(0, "CHATHISTORY AROUND #e timestamp=%s 10" % stamp(WALL0_US),
            "CAP REQ :-draft/event-playback", "CHATHISTORY LATEST #e * 10")
    return s, ["chathistory #e", "TAGMSG #e", " KICK #e carol", "NICK :carla",
               "draft/chathistory-targets", "PRIVMSG #secret :hidden", "hi bobby"]


def seed_markread():
    s = Script()
    make_account(s, 1, "dora", "dora-pass1")
    s.send(1, "QUIT")
    login(s, 0, "dora", "dora", "dora-pass1")
    login(s, 2, "dora2", "dora", "dora-pass1", "draft/read-marker")
    login(s, 3, "dora3", "dora", "dora-pass1", "server-time")
    s.lines(0, "MARKREAD #m", "MARKREAD #m timestamp=2023-11-14T22:13:21.000Z",
            "@label=m MARKREAD #m timestamp=2023-11-14T22:13:20.000Z", "MARKREAD #M",
            "MARKREAD someone timestamp=2023-11-14T22:13:25.500Z", "MARKREAD someone")
    s.lines(2, "MARKREAD #m timestamp=2023-11-14T22:13:22.000Z", "JOIN #m,#fresh")
    for bad in ("MARKREAD", "MARKREAD #m yesterday", "MARKREAD #m timestamp=soon",
                "MARKREAD * timestamp=2023-11-14T22:13:22.000Z", "MARKREAD bad,target",
                "MARKREAD #m msgid=%s" % msgid(WALL0_US)):
        s.send(2, bad)
    s.register(1, "anon", "draft/read-marker")
    s.lines(1, "CAP END", "MARKREAD #m timestamp=2023-11-14T22:13:22.000Z", "MARKREAD #m",
            "JOIN #m")
    # The account goes: its markers and private history with it.
    s.lines(3, "PRIVMSG anon :kept for dora", "NS DROP dora dora-pass1")
    s.finish()
    s.lines(2, "MARKREAD #m", "JOIN #m2")
    return s, ["MARKREAD #m *", "MARKREAD #m timestamp=2023-11-14T22:13:22.000Z",
               "FAIL MARKREAD INVALID_PARAMS", "FAIL MARKREAD ACCOUNT_REQUIRED",
               "FAIL MARKREAD NEED_MORE_PARAMS", "has been dropped"]


SEEDS = {
    "history-chathistory": seed_chathistory,
    "history-events": seed_events,
    "history-markread": seed_markread,
}


if __name__ == "__main__":
    sys.exit(seeds.main(SEEDS, __doc__))

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""natterd's cluster mode live: three natterd programs serving one network
through one real redis-server (on a Unix socket in a temporary folder),
each node with its own config file and a plain listener on 127.0.0.1.

  1. clients on the three nodes join #lobby: a channel message reaches the
     other nodes exactly once, NAMES lists every node's clients, WHOIS and
     private messages cross nodes; TOPIC, MODE +o / +m and KICK from node 1
     are seen on nodes 2 and 3 and enforced there (a muted client is
     refused with 404 by its own node);
  2. nick race: 20 rounds of two clients on two nodes registering the same
     nick at the same moment: exactly one gets 001, the other 433;
  3. kill -9 of node 3 while it talks: its client quits on the others with
     "<observer's server name> n3" within node_timeout + 2 s, its nick can
     be taken on node 2, and node 3 restarted with the same config is seen
     again;
  4. redis-server killed (kill -9): every node's clients see the other
     nodes' clients quit, local chat goes on, a new nick gets 437; Redis
     restarted on the same socket: the nodes link again (JOINs of the
     others' clients), cross-node messages and new nicks work again;
  5. Redis stalled (DEBUG SLEEP) for 1 s: crossing messages wait, local
     ones do not, nothing is lost or doubled, nobody is split; for 3.5 s
     (past node_timeout): the nodes split and find each other again;
  6. 500 numbered messages from node 1, each received exactly once and in
     order on nodes 2 and 3;
  7. an account and a ChanServ registration acknowledged on node 1, then
     kill -9 of node 1: the restarted node 1 and node 2 both have them.

Every wait polls with a deadline; what took how long is printed.

Usage: cluster.py NATTERD   (exits 77 when /usr/bin/redis-server is missing)"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402
import natterdproc  # noqa: E402
from natterdproc import fail, failures, ok  # noqa: E402

NATTERD = sys.argv[1] if len(sys.argv) > 1 else None
REDIS_SERVER = '/usr/bin/redis-server'
NETWORK = 'ClusterTest'
NODE_TIMEOUT_S = 2
# A node's death is seen after node_timeout, checked every quarter of it;
# what a loaded machine adds on top must stay below this.
DEATH_MARGIN_S = 2
RELINK_S = 20        # Redis back: the link retries at most every 2 s
RACE_ROUNDS = 20
BULK_MESSAGES = 500


class Abort(Exception):
    """A step later ones depend on failed: the run ends here."""


passed = []


def check(cond, what, detail=''):
    if cond:
        passed.append(what)
        ok(what)
    else:
        fail(what + (': ' + detail if detail else ''))
    return cond


def need(cond, what, detail=''):
    if not check(cond, what, detail):
        raise Abort(what)


def elapsed(since):
    return time.monotonic() - since


# ---- redis-server ----

class Redis:
    """A redis-server of the test's own on DIR/redis.sock, without
    persistence, so a restart comes back empty."""

    def __init__(self, folder):
        self.folder = folder
        self.sock = os.path.join(folder, 'redis.sock')
        self.log = os.path.join(folder, 'redis.log')
        self.proc = None

    def start(self, seconds=10):
        """Start it and wait until it answers PING on its socket."""
        self.proc = subprocess.Popen(
            [REDIS_SERVER, '--port', '0', '--unixsocket', self.sock, '--unixsocketperm', '700',
             '--save', '', '--appendonly', 'no', '--dir', self.folder,
             # DEBUG SLEEP stalls it (the stall scenario), from this socket only
             '--enable-debug-command', 'local'],
            stdin=subprocess.DEVNULL, stdout=open(self.log, 'ab'), stderr=subprocess.STDOUT)
        end = ircclient.deadline(seconds)
        while ircclient.now() < end:
            if self.proc.poll() is not None:
                break
            if self.answers():
                return
            time.sleep(0.05)
        raise Abort('redis-server did not answer PING on %s within %d s' % (self.sock, seconds))

    def answers(self):
        """Does the socket answer PING now?  (A socket file left by a
        killed server refuses.)"""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1)
        try:
            s.connect(self.sock)
            s.sendall(b'PING\r\n')
            return s.recv(64).startswith(b'+PONG')
        except OSError:
            return False
        finally:
            s.close()

    def stall(self, seconds):
        """Make Redis stop answering for a while (DEBUG SLEEP), as a long
        script or a slow disk would; returns once it has stopped answering
        (a PING on another connection goes unanswered)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.sock)
        s.sendall(b'PING\r\n')
        if not s.recv(64).startswith(b'+PONG'):
            raise Abort('redis-server did not answer the stall\'s PING')
        s.sendall(b'DEBUG SLEEP %g\r\n' % seconds)
        if getattr(self, 'stalling', None):
            self.stalling.close()
        self.stalling = s  # closed by the next stall or kill
        end = time.monotonic() + 2
        while time.monotonic() < end:
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            probe.settimeout(0.1)
            try:
                probe.connect(self.sock)
                probe.sendall(b'PING\r\n')
                probe.recv(64)
            except OSError:
                return  # no answer: it sleeps
            finally:
                probe.close()
        raise Abort('redis-server kept answering after DEBUG SLEEP')

    def kill(self):
        if getattr(self, 'stalling', None):
            self.stalling.close()
            self.stalling = None
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()


# ---- natterd nodes ----

class Node:
    """One natterd process of the cluster: node name n<i>, server name
    n<i>.cluster.test, its own config file and log."""

    def __init__(self, folder, index, redis_sock):
        self.name = 'n%d' % index
        self.server = '%s.cluster.test' % self.name
        self.conf = os.path.join(folder, self.name + '.conf')
        self.log = os.path.join(folder, self.name + '.log')
        self.proc = None
        self.port = None
        with open(self.conf, 'w') as f:
            f.write('[server]\nname = %s\nnetwork = %s\n'
                    '[limits]\nflood_penalty_percent = 0\nmax_clients_per_address = 1000\n'
                    '[cluster]\nredis = unix:%s\nnode = %s\nnode_timeout = %d\n'
                    % (self.server, NETWORK, redis_sock, self.name, NODE_TIMEOUT_S))

    def start(self):
        self.proc, self.port = natterdproc.start(NATTERD, self.conf, self.log)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.kill()
        if self.proc:
            self.proc.wait()

    def tail(self, nbytes=6000):
        try:
            with open(self.log, 'rb') as f:
                text = f.read().decode('utf-8', 'replace')
        except OSError:
            return '(no log)'
        return text[-nbytes:]


# ---- clients ----

class Peer:
    """A client of one node.  Every line received is kept in log, in
    order; pos is where the next expect() starts looking."""

    def __init__(self, node, nick):
        self.node = node
        self.nick = nick
        self.mask = None  # nick!user@host, as its own node shows it
        self.log = []
        self.pos = 0
        self.c = ircclient.Client(node.port, nick)

    def take(self):
        self.log.extend(self.c.lines)
        self.c.lines.clear()

    def send(self, line):
        if not self.c.send(line):
            fail('%s on %s can send %r' % (self.nick, self.node.name, line))
            raise Abort('%s lost its connection to %s' % (self.nick, self.node.name))

    def find(self, want, start=None):
        """Index of the first line at or after start (default pos) that
        is want (a string: the exact line) or matches it (a compiled
        regular expression); None when there is none yet."""
        for i in range(self.pos if start is None else start, len(self.log)):
            if matches(want, self.log[i]):
                return i
        return None

    def close(self):
        self.c.close()


def matches(want, line):
    return line == want if isinstance(want, str) else want.search(line) is not None


def pump_until(peers, done, seconds):
    """Read from every peer until done() (every peer's lines taken first)
    or the deadline; returns done()."""
    def check_done():
        for p in peers:
            p.take()
        return done()
    return ircclient.wait_until([p.c for p in peers], check_done, seconds)


def expect_each(pairs, seconds=10):
    """Wait until each (peer, want) has its line (after the peer's pos);
    each found line moves that peer's pos past it.  Returns the pairs not
    seen by the deadline, as text."""
    found = {}

    def done():
        for k, (p, want) in enumerate(pairs):
            if k not in found:
                i = p.find(want)
                if i is not None:
                    found[k] = i
        return len(found) == len(pairs)

    pump_until([p for p, _ in pairs], done, seconds)
    missing = []
    for k, (p, want) in enumerate(pairs):
        if k in found:
            p.pos = max(p.pos, found[k] + 1)
        else:
            missing.append('%s on %s did not get %r (last lines: %s)'
                           % (p.nick, p.node.name, want if isinstance(want, str) else want.pattern,
                              p.log[-4:]))
    return missing


def expect(p, want, seconds=10):
    """The line want on p (see Peer.find), or None by the deadline."""
    if expect_each([(p, want)], seconds):
        return None
    return p.log[p.pos - 1]


def expect_all(pairs, what, seconds=10, required=False):
    """Check that each (peer, want) gets its line; with required a miss
    ends the run."""
    missing = expect_each(pairs, seconds)
    if not check(not missing, what, '; '.join(missing)) and required:
        raise Abort(what)
    return not missing


def numeric(p, code, rest):
    """The exact line ':<p's server> <code> <p's nick> <rest>'."""
    return ':%s %s %s %s' % (p.node.server, code, p.nick, rest)


def ask(p, line, seconds=10):
    """Send line (None: nothing) and a PING after it; the lines received
    before the PONG (everything the server said to the line), or None by
    the deadline."""
    ask.count += 1
    token = 'ask%d' % ask.count
    if line is not None:
        p.send(line)
    p.send('PING :' + token)
    start = p.pos
    if expect(p, re.compile(r' PONG \S+ :%s$' % token), seconds) is None:
        return None
    return p.log[start:p.pos - 1]


ask.count = 0


def register(node, nick, seconds=15, retry=('437',)):
    """A registered Peer of node with nick, its mask learnt from its own
    node's WHOIS.  A nick refused with one of the numerics in retry (437:
    the node is not linked yet) is asked again until the deadline.  None
    when it failed (reported with the lines received)."""
    p = Peer(node, nick)
    if not p.c.wait_connected(10):
        fail('%s cannot connect to %s' % (nick, node.name))
        return None
    end = ircclient.deadline(seconds)
    p.c.register_send(nick)
    answer = re.compile(r'^:\S+ (001|433|437) ')
    p.attempts = 1
    while True:
        line = expect(p, answer, max(0.0, end - ircclient.now()))
        code = line.split()[1] if line else None
        if code == '001':
            break
        if code not in retry or ircclient.now() >= end:
            fail('%s registers on %s within %d s (%d attempts; last answer %r; lines %s)'
                 % (nick, node.name, seconds, p.attempts, line, p.log[-5:]))
            p.close()
            return None
        time.sleep(0.1)  # between attempts: nothing announces the change
        p.attempts += 1
        p.send('NICK ' + nick)
    if expect(p, re.compile(r'^:\S+ (376|422) '), 10) is None:
        fail('%s on %s gets the end of the MOTD' % (nick, node.name))
        p.close()
        return None
    rx = re.compile(r'^:\S+ 311 %s %s (\S+) (\S+) ' % (re.escape(nick), re.escape(nick)))
    lines = ask(p, 'WHOIS ' + nick) or []
    m = next((rx.search(l) for l in lines if rx.search(l)), None)
    if m is None:
        fail('%s on %s can WHOIS itself (got %s)' % (nick, node.name, lines))
        p.close()
        return None
    p.mask = '%s!%s@%s' % (nick, m.group(1), m.group(2))
    return p


def need_registered(node, nick, **kwargs):
    p = register(node, nick, **kwargs)
    if p is None:
        raise Abort('%s did not register on %s' % (nick, node.name))
    return p


def whois_until_known(asker, other, seconds=10):
    """WHOIS other from asker until asker's node knows it; the 311 line,
    or None by the deadline."""
    end = ircclient.deadline(seconds)
    rx311 = re.compile(r'^:\S+ 311 %s %s ' % (re.escape(asker.nick), re.escape(other.nick)))
    while ircclient.now() < end:
        lines = ask(asker, 'WHOIS ' + other.nick, max(0.1, end - ircclient.now()))
        if lines is None:
            return None
        hit = [l for l in lines if rx311.search(l)]
        if hit:
            return hit[0]
        time.sleep(0.1)
    return None


def names(p, channel, seconds=10):
    """The members NAMES lists for channel on p's node (a set with the
    prefixes), or None when 366 did not come."""
    p.send('NAMES ' + channel)
    start = p.pos
    if expect(p, numeric(p, '366', '%s :End of /NAMES list.' % channel), seconds) is None:
        return None
    rx = re.compile(r'^:\S+ 353 %s \S %s :(.*)$' % (re.escape(p.nick), re.escape(channel)))
    members = set()
    for line in p.log[start:p.pos]:
        m = rx.search(line)
        if m:
            members.update(m.group(1).split())
    return members


def names_until(p, channel, want, seconds=10):
    """NAMES from p until it lists exactly want; the last answer."""
    end = ircclient.deadline(seconds)
    got = None
    while ircclient.now() < end:
        got = names(p, channel, max(0.1, end - ircclient.now()))
        if got == want:
            break
        time.sleep(0.1)
    return got


def say_once(sender, target, text, receivers, what, seconds=10):
    """sender says text to target, then a marker; each receiver must have
    text exactly once before the marker.  Returns whether all did."""
    line = ':%s PRIVMSG %s :%s' % (sender.mask, target, text)
    marker_text = 'marker after ' + text
    marker = ':%s PRIVMSG %s :%s' % (sender.mask, target, marker_text)
    starts = [r.pos for r in receivers]
    sender.send('PRIVMSG %s :%s' % (target, text))
    sender.send('PRIVMSG %s :%s' % (target, marker_text))
    missing = expect_each([(r, marker) for r in receivers], seconds)
    problems = list(missing)
    for r, start in zip(receivers, starts):
        count = r.log[start:r.pos].count(line)
        if count != 1:
            problems.append('%s on %s got it %d times' % (r.nick, r.node.name, count))
    return check(not problems, what, '; '.join(problems))


def refused_silently(sender, channel, text, receivers, refusal, what, seconds=10):
    """sender's message to channel is answered with refusal on its own node
    and reaches none of receivers (checked up to a later marker from the
    first receiver, which is in the channel)."""
    starts = [r.pos for r in receivers]
    sender.send('PRIVMSG %s :%s' % (channel, text))
    got = expect(sender, refusal, seconds)
    speaker = receivers[0]
    marker_text = 'marker after refused ' + text
    speaker.send('PRIVMSG %s :%s' % (channel, marker_text))
    marker = ':%s PRIVMSG %s :%s' % (speaker.mask, channel, marker_text)
    others = receivers[1:]
    problems = expect_each([(r, marker) for r in others], seconds)
    ask(speaker, None, seconds)
    if got is None:
        problems.append('%s did not get %r' % (sender.nick, refusal))
    for r, start in zip(receivers, starts):
        if any(l.endswith(' PRIVMSG %s :%s' % (channel, text)) for l in r.log[start:]):
            problems.append('%s on %s got it' % (r.nick, r.node.name))
    return check(not problems, what, '; '.join(problems))


# ---- the scenarios ----

def scenario_channel(nodes, peers):
    n1, n2, n3 = nodes
    alice = peers['alice'] = need_registered(n1, 'alice')
    bob = peers['bob'] = need_registered(n2, 'bob')
    carol = peers['carol'] = need_registered(n3, 'carol')
    # frank: a second client of node 1, for local chat while Redis is away
    frank = peers['frank'] = need_registered(n1, 'frank')
    everyone = [alice, bob, carol, frank]

    started = time.monotonic()
    problems = []
    for asker in (alice, bob, carol):
        for other in (alice, bob, carol):
            if asker is other:
                continue
            want = numeric(asker, '311', '%s %s * :%s' % (
                other.nick, other.mask.split('!')[1].replace('@', ' '), other.nick))
            got = whois_until_known(asker, other)
            if got != want:
                problems.append('%s on %s: WHOIS %s gave %r, want %r'
                                % (asker.nick, asker.node.name, other.nick, got, want))
    need(not problems, 'WHOIS across nodes: each of alice (n1), bob (n2), carol (n3) '
         'sees the other two with their user, host and realname', '; '.join(problems))
    print('     every node knew every client %.2f s after the last one registered'
          % elapsed(started), flush=True)

    alice.send('JOIN #lobby')
    need(expect(alice, ':%s JOIN #lobby' % alice.mask) is not None, 'alice joins #lobby on n1')
    for p in (bob, carol):
        got = names_until(p, '#lobby', {'@alice'})
        need(got == {'@alice'}, '%s (%s) sees #lobby created on n1 with @alice' % (
            p.nick, p.node.name), 'NAMES gave %s' % got)

    members = [alice]
    for p in (bob, carol, frank):
        p.send('JOIN #lobby')
        pairs = [(p, ':%s JOIN #lobby' % p.mask)] + [(m, ':%s JOIN #lobby' % p.mask)
                                                      for m in members]
        expect_all(pairs, '%s (%s) joins #lobby, seen by %s' % (
            p.nick, p.node.name, ', '.join(m.nick for m in members)), required=True)
        members.append(p)

    say_once(alice, '#lobby', 'hello from n1', [bob, carol, frank],
             'a message from n1 to #lobby reaches n2 and n3 (and n1\'s frank) exactly once')
    got = names(carol, '#lobby')
    check(got == {'@alice', 'bob', 'carol', 'frank'}, 'NAMES #lobby on n3 lists all four',
          'got %s' % got)
    say_once(carol, 'alice', 'psst from n3', [alice], 'a private message n3 -> n1 arrives once')
    say_once(alice, 'bob', 'psst from n1', [bob], 'a private message n1 -> n2 arrives once')

    alice.send('TOPIC #lobby :Cluster topic')
    topic = ':%s TOPIC #lobby :Cluster topic' % alice.mask
    expect_all([(p, topic) for p in (alice, bob, carol, frank)], 'TOPIC from n1 seen on n2 and n3')
    carol.send('TOPIC #lobby')
    check(expect(carol, numeric(carol, '332', '#lobby :Cluster topic')) is not None,
          'TOPIC asked on n3 answers n1\'s topic (332)')

    alice.send('MODE #lobby +o bob')
    op = ':%s MODE #lobby +o bob' % alice.mask
    expect_all([(p, op) for p in everyone], 'MODE +o bob from n1 seen on n2 and n3')
    bob.send('TOPIC #lobby :Set by bob on n2')
    topic = ':%s TOPIC #lobby :Set by bob on n2' % bob.mask
    expect_all([(p, topic) for p in everyone],
               'bob, made op from n1, may set the topic on n2 (+t), seen everywhere')
    carol.send('TOPIC #lobby :carol tries')
    check(expect(carol, numeric(carol, '482', "#lobby :You're not channel operator")) is not None,
          'carol (no op) cannot set the topic on n3: 482')

    alice.send('MODE #lobby +m')
    moderated = ':%s MODE #lobby +m' % alice.mask
    expect_all([(p, moderated) for p in everyone], 'MODE +m from n1 seen on n2 and n3')
    refused_silently(carol, '#lobby', 'carol speaks while muted',
                     [alice, bob, frank], numeric(carol, '404', '#lobby :Cannot send to channel'),
                     '+m enforced on n3: carol refused with 404 there, nobody gets it')
    say_once(bob, '#lobby', 'bob is op and may speak', [alice, carol, frank],
             'bob (op) speaks on n2 in the moderated channel: n1 and n3 get it once')

    alice.send('KICK #lobby carol :bye carol')
    kick = ':%s KICK #lobby carol :bye carol' % alice.mask
    expect_all([(p, kick) for p in everyone], 'KICK of carol (n3) from n1 seen on n2 and n3')
    got = names(bob, '#lobby')
    check(got == {'@alice', '@bob', 'frank'}, 'after the KICK, NAMES on n2 no longer lists carol',
          'got %s' % got)
    alice.send('MODE #lobby -m')
    unmoderated = ':%s MODE #lobby -m' % alice.mask
    expect_all([(p, unmoderated) for p in (alice, bob, frank)], 'MODE -m from n1 seen on n2')
    refused_silently(carol, '#lobby', 'carol speaks after the kick', [alice, bob, frank],
                     numeric(carol, '404', '#lobby :Cannot send to channel'),
                     'the KICK is enforced on n3: carol (outside, +n) refused with 404')
    carol.send('JOIN #lobby')
    join = ':%s JOIN #lobby' % carol.mask
    expect_all([(p, join) for p in everyone], 'carol joins #lobby again, seen everywhere',
               required=True)


def scenario_nick_race(nodes):
    pairs = [(nodes[0], nodes[1]), (nodes[1], nodes[2]), (nodes[2], nodes[0])]
    wins = {n.name: 0 for n in nodes}
    bad = []
    targets = []
    answer = re.compile(r'^:\S+ (001|433|437) ')
    for rnd in range(RACE_ROUNDS):
        first, second = pairs[rnd % len(pairs)]
        if rnd % 2:
            first, second = second, first
        nick = 'racer%02d' % rnd
        a, b = Peer(first, nick), Peer(second, nick)
        try:
            if not (a.c.wait_connected(10) and b.c.wait_connected(10)):
                bad.append('round %d: cannot connect' % rnd)
                continue
            payload = ('NICK %s\r\nUSER %s 0 * :%s\r\n' % (nick, nick, nick)).encode()
            # One write each, back to back: the two claims race in Redis.
            a.c.sock.send(payload)
            b.c.sock.send(payload)
            got = {}

            def done():
                for p in (a, b):
                    if p not in got:
                        i = p.find(answer)
                        if i is not None:
                            got[p] = p.log[i].split()[1]
                return len(got) == 2

            pump_until([a, b], done, 10)
            codes = sorted(got.values())
            if codes == ['001', '433']:
                winner, loser = (a, b) if got[a] == '001' else (b, a)
                wins[winner.node.name] += 1
                # As a single node says it: the loser has no nick, so '*'.
                want = ':%s 433 * %s :Nickname is already in use' % (loser.node.server, nick)
                line = loser.log[loser.find(answer)]
                if line != want:
                    targets.append('round %d: %r, want %r' % (rnd, line, want))
            else:
                bad.append('round %d (%s vs %s): %s' % (
                    rnd, first.name, second.name,
                    {p.node.name: got.get(p, 'nothing; last lines %s' % p.log[-3:]) for p in (a, b)}))
        finally:
            a.c.quit()
            b.c.quit()
    check(not bad, 'nick race: %d rounds of two nodes registering one nick at once, '
          'exactly one 001 and one 433 every round' % RACE_ROUNDS, '; '.join(bad))
    check(not targets, 'nick race: the loser\'s 433 is addressed to * (it has no nick)',
          '%d of %d rounds differ: %s' % (len(targets), RACE_ROUNDS, '; '.join(targets[:3])))
    print('     race winners per node: %s' % ', '.join('%s %d' % kv for kv in sorted(wins.items())),
          flush=True)


def said_by(p, speaker, word, start):
    """The numbers speaker said to #lobby as 'word N', as p got them
    from log index start on."""
    prefix = ':%s PRIVMSG #lobby :%s ' % (speaker.mask, word)
    return [l[len(prefix):] for l in p.log[start:] if l.startswith(prefix)]


def scenario_node_death(nodes, peers):
    n2, n3 = nodes[1], nodes[2]
    alice, bob, carol, frank = peers['alice'], peers['bob'], peers['carol'], peers['frank']
    watchers = [alice, bob, frank]
    starts = {p.nick: p.pos for p in watchers}
    # Mid-traffic: carol (n3) and alice (n1) talk, one line each every few
    # milliseconds; n3 is killed once carol's lines are flowing to n1, and
    # both go on talking for a while (carol's later lines go nowhere).
    talk = 300
    killed = None
    for i in range(talk):
        if killed is None:
            carol.c.send('PRIVMSG #lobby :carol %d' % i, 1)
        alice.send('PRIVMSG #lobby :alice %d' % i)
        ircclient.pump_all([alice.c, bob.c, frank.c], 0.003)
        alice.take()
        if killed is None and alice.find(':%s PRIVMSG #lobby :carol 30' % carol.mask,
                                         starts['alice']) is not None:
            n3.proc.kill()
            killed = time.monotonic()
    need(killed is not None, 'carol\'s messages flow from n3 to n1 before the kill',
         'alice got %s' % said_by(alice, carol, 'carol', starts['alice'])[-5:])
    n3.proc.wait()
    carol.close()
    seen = {}
    quits = {p.nick: ':%s QUIT :%s n3' % (carol.mask, p.node.server) for p in watchers}

    def done():
        for p in watchers:
            if p.nick not in seen and p.find(quits[p.nick], starts[p.nick]) is not None:
                seen[p.nick] = elapsed(killed)
        return len(seen) == len(watchers)

    limit = NODE_TIMEOUT_S + DEATH_MARGIN_S
    pump_until(watchers, done, limit + 10)
    for p in watchers:
        took = seen.get(p.nick)
        check(took is not None and took <= limit,
              '%s (%s) sees carol quit "%s n3" within node_timeout + %d s of kill -9 of n3'
              % (p.nick, p.node.name, p.node.server, DEATH_MARGIN_S),
              'took %s; last lines: %s' % ('%.2f s' % took if took is not None else 'forever',
                                           p.log[-5:]))
    if seen:
        print('     n3 disappeared from the others %.2f .. %.2f s after kill -9 '
              '(node_timeout %d s)' % (min(seen.values()), max(seen.values()), NODE_TIMEOUT_S),
              flush=True)
    # alice's lines all arrive (n1 and n2 are fine); carol's, cut by the
    # kill, as a prefix; none twice, none out of order.
    last = ':%s PRIVMSG #lobby :alice %d' % (alice.mask, talk - 1)
    expect_each([(p, last) for p in (bob, frank)], 10)
    everything = [str(i) for i in range(talk)]
    for p in (bob, frank):
        got = said_by(p, alice, 'alice', starts[p.nick])
        check(got == everything, '%s (%s) got alice\'s %d messages sent across the kill once each, '
              'in order' % (p.nick, p.node.name, talk), 'got %d: %s' % (len(got), got[:10]))
    for p in watchers:
        got = said_by(p, carol, 'carol', starts[p.nick])
        check(len(got) > 30 and got == everything[:len(got)],
              '%s (%s) got carol\'s messages up to the kill as a prefix, none twice (%d)'
              % (p.nick, p.node.name, len(got)), 'got %s' % got[:20])
        p.pos = len(p.log)

    # The dead node's nick is free again: taken on n2 (433 asked again
    # until the deadline: the alive key of n3 may outlive the others'
    # deadline by a moment).
    quit_seen = time.monotonic()
    carol2 = need_registered(n2, 'carol', seconds=NODE_TIMEOUT_S + DEATH_MARGIN_S,
                             retry=('433',))
    print('     carol\'s nick taken on n2 %.2f s after her quit was seen (%d attempts)'
          % (elapsed(quit_seen), carol2.attempts), flush=True)
    peers['carol'] = carol2
    carol2.send('JOIN #lobby')
    join = ':%s JOIN #lobby' % carol2.mask
    expect_all([(p, join) for p in (carol2, alice, bob, frank)],
               'the new carol (n2) joins #lobby, seen on n1', required=True)

    restarted = time.monotonic()
    n3.start()
    dave = peers['dave'] = need_registered(n3, 'dave')
    want = {'@alice', '@bob', 'carol', 'frank'}
    got = names_until(dave, '#lobby', want, 15)
    need(got == want, 'n3 restarted with the same config learns #lobby from the others',
         'NAMES gave %s' % got)
    print('     n3 restarted and knew the network again %.2f s after it was started'
          % elapsed(restarted), flush=True)
    dave.send('JOIN #lobby')
    join = ':%s JOIN #lobby' % dave.mask
    expect_all([(p, join) for p in (dave, alice, bob, carol2, frank)],
               'dave, a client of the restarted n3, joins #lobby, seen on n1 and n2', required=True)
    say_once(dave, '#lobby', 'dave on the new n3', [alice, bob, carol2, frank],
             'a message from the restarted n3 reaches n1 and n2 once')


def scenario_redis_outage(nodes, peers, redis):
    n2 = nodes[1]
    alice, bob, carol, dave, frank = (peers[k] for k in ('alice', 'bob', 'carol', 'dave', 'frank'))
    everyone = [alice, bob, carol, dave, frank]
    starts = {p.nick: p.pos for p in everyone}
    redis.kill()
    killed = time.monotonic()
    expected = []
    for p in everyone:
        for other in everyone:
            if other.node is not p.node:
                expected.append((p, ':%s QUIT :%s %s' % (other.mask, p.node.server, other.node.name)))
    seen = {}

    def done():
        for k, (p, want) in enumerate(expected):
            if k not in seen and p.find(want, starts[p.nick]) is not None:
                seen[k] = elapsed(killed)
        return len(seen) == len(expected)

    limit = NODE_TIMEOUT_S + DEATH_MARGIN_S
    pump_until(everyone, done, limit + 10)
    late = ['%s (%s) saw %r %s' % (p.nick, p.node.name, want,
                                   'after %.2f s' % seen[k] if k in seen else 'never')
            for k, (p, want) in enumerate(expected) if seen.get(k, limit + 1) > limit]
    check(not late, 'Redis killed: every node\'s clients see the other nodes\' clients quit '
          '("<own server> <their node>") within %d s' % limit, '; '.join(late))
    if seen:
        print('     with Redis gone, the other nodes\' clients quit %.2f .. %.2f s after the kill'
              % (min(seen.values()), max(seen.values())), flush=True)
    for p in everyone:
        p.pos = len(p.log)

    say_once(alice, '#lobby', 'local chat on n1 without Redis', [frank],
             'without Redis, local chat on n1 goes on (alice -> frank once)')
    say_once(bob, '#lobby', 'local chat on n2 without Redis', [carol],
             'without Redis, local chat on n2 goes on (bob -> carol once)')
    newbie = Peer(n2, 'newbie')
    need(newbie.c.wait_connected(10), 'newbie connects to n2')
    newbie.c.register_send('newbie')
    line = expect(newbie, re.compile(r'^:\S+ (001|433|437) '))
    want = ':n2.cluster.test 437 * newbie :'
    check(line is not None and line.startswith(want),
          'without Redis, a new client\'s nick on n2 is refused with 437 (%r...)' % want,
          'got %r' % line)

    redis.start()
    back = time.monotonic()
    rejoins = []
    for p in everyone:
        for other in everyone:
            if other.node is not p.node:
                rejoins.append((p, ':%s JOIN #lobby' % other.mask))
    relinked = {}

    def relink_done():
        for k, (p, want) in enumerate(rejoins):
            if k not in relinked and p.find(want) is not None:
                relinked[k] = elapsed(back)
        return len(relinked) == len(rejoins)

    pump_until(everyone, relink_done, RELINK_S)
    missing = ['%s (%s) never saw %r' % (p.nick, p.node.name, want)
               for k, (p, want) in enumerate(rejoins) if k not in relinked]
    first = [relinked[k] for k, (p, want) in enumerate(rejoins)
             if k in relinked and p is alice and want.startswith(':%s ' % bob.mask)]
    check(bool(first), 'Redis back on the same socket: alice (n1) sees bob (n2) JOIN #lobby again',
          'not within %d s' % RELINK_S)
    check(not missing, 'Redis back: every client sees every other node\'s clients JOIN #lobby again',
          '; '.join(missing))
    if relinked:
        print('     Redis back: nodes re-linked (JOINs seen) %.2f .. %.2f s after it answered PING'
              % (min(relinked.values()), max(relinked.values())), flush=True)
    for p in everyone:
        p.pos = len(p.log)
    say_once(alice, '#lobby', 'cross-node again', [bob, carol, dave, frank],
             'after the re-link a message from n1 reaches n2 and n3 once')
    say_once(dave, 'bob', 'private again', [bob], 'after the re-link a private n3 -> n2 arrives once')

    # newbie, refused meanwhile, can have its nick now.
    end = ircclient.deadline(10)
    line = None
    while ircclient.now() < end:
        newbie.send('NICK newbie')
        line = expect(newbie, re.compile(r'^:\S+ (001|433|437) '))
        if line is None or ' 437 ' not in line:
            break
        time.sleep(0.1)
    check(line is not None and ' 001 ' in line, 'after the re-link newbie registers on n2',
          'got %r' % line)
    newbie.c.quit()


def scenario_redis_stall(nodes, peers, redis):
    """Redis slowed: a stall shorter than node_timeout only delays what
    crosses (nothing lost, nothing twice, nobody split, local chat on
    time); a longer one splits the nodes, which find each other again
    (SYNC) once it ends."""
    alice, bob, carol, dave, frank = (peers[k] for k in ('alice', 'bob', 'carol', 'dave', 'frank'))
    everyone = [alice, bob, carol, dave, frank]
    starts = {p.nick: len(p.log) for p in everyone}
    redis.stall(1)
    stalled = time.monotonic()
    for i in range(20):
        alice.send('PRIVMSG #lobby :during the stall %02d' % i)
    local = ':%s PRIVMSG #lobby :during the stall 19' % alice.mask
    missing = expect_each([(frank, local)], 10)
    local_s = elapsed(stalled)
    check(not missing and local_s < 0.9,
          'Redis stalled 1 s: alice\'s messages reach frank on her own node at once',
          'after %.2f s %s' % (local_s, '; '.join(missing)))
    missing = expect_each([(bob, local), (dave, local)], 15)
    crossed_s = elapsed(stalled)
    check(not missing, 'after the 1 s stall, alice\'s messages reach n2 and n3', '; '.join(missing))
    prefix = ':%s PRIVMSG #lobby :during the stall ' % alice.mask
    for p in (bob, dave, frank):
        got = [l[len(prefix):] for l in p.log[starts[p.nick]:] if l.startswith(prefix)]
        check(got == ['%02d' % i for i in range(20)],
              '%s (%s) got the 20 messages sent during the stall once each, in order'
              % (p.nick, p.node.name), 'got %s' % got)
    quits = [(p.nick, l) for p in everyone for l in p.log[starts[p.nick]:] if ' QUIT ' in l]
    check(not quits, 'a stall shorter than node_timeout splits nobody', '%s' % quits[:4])
    print('     1 s stall: local delivery %.2f s, across nodes %.2f s after it began'
          % (local_s, crossed_s), flush=True)

    # Longer than node_timeout: a split, then the nodes ask each other for
    # their state when they hear each other again.
    for p in everyone:
        p.pos = len(p.log)
    redis.stall(NODE_TIMEOUT_S + 1.5)
    stalled = time.monotonic()
    splits = [(alice, ':%s QUIT :%s %s' % (bob.mask, alice.node.server, bob.node.name)),
              (bob, ':%s QUIT :%s %s' % (alice.mask, bob.node.server, alice.node.name))]
    missing = expect_each(splits, NODE_TIMEOUT_S + 8)
    check(not missing, 'a stall longer than node_timeout splits the nodes ("<own server> <node>")',
          '; '.join(missing))
    rejoins = [(p, ':%s JOIN #lobby' % other.mask) for p in everyone for other in everyone
               if other.node is not p.node]
    pump_until(everyone, lambda: all(p.find(want) is not None for p, want in rejoins), RELINK_S)
    missing = ['%s (%s) never saw %r' % (p.nick, p.node.name, want)
               for p, want in rejoins if p.find(want) is None]
    check(not missing, 'after the long stall every client sees the other nodes\' clients again',
          '; '.join(missing))
    print('     %.1f s stall: nodes split and found each other again %.2f s after it began'
          % (NODE_TIMEOUT_S + 1.5, elapsed(stalled)), flush=True)
    for p in everyone:
        p.pos = len(p.log)
    say_once(alice, '#lobby', 'after the stall', [bob, carol, dave, frank],
             'after the long stall a message from n1 reaches n2 and n3 once')


def scenario_bulk(peers):
    alice, bob, dave, frank = peers['alice'], peers['bob'], peers['dave'], peers['frank']
    receivers = [bob, dave, frank]
    starts = {p.nick: p.pos for p in receivers}
    lines = ''.join('PRIVMSG #lobby :bulk %03d\r\n' % i for i in range(BULK_MESSAGES))
    sent = time.monotonic()
    need(alice.c.send_raw(lines + 'PRIVMSG #lobby :bulk end\r\n', 20), 'alice sends the bulk')
    end_line = ':%s PRIVMSG #lobby :bulk end' % alice.mask
    missing = expect_each([(p, end_line) for p in receivers], 60)
    check(not missing, 'the end of %d messages reaches n2, n3 and n1\'s frank' % BULK_MESSAGES,
          '; '.join(missing))
    print('     %d messages crossed to every node in %.2f s' % (BULK_MESSAGES, elapsed(sent)),
          flush=True)
    prefix = ':%s PRIVMSG #lobby :bulk ' % alice.mask
    want = ['%03d' % i for i in range(BULK_MESSAGES)]
    for p in receivers:
        got = [l[len(prefix):] for l in p.log[starts[p.nick]:p.pos]
               if l.startswith(prefix) and l != end_line]
        first_bad = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), None)
        check(got == want, '%s (%s) got each of the %d messages exactly once, in order'
              % (p.nick, p.node.name, BULK_MESSAGES),
              '%d received, first difference at %s' % (len(got), first_bad))


def scenario_acknowledged_survives_kill(nodes):
    """What a node acknowledged (an account, a registered channel) is in
    Redis before the client hears "done": kill -9 of that node loses
    none of it, on the restarted node or on another."""
    n1, n2 = nodes[0], nodes[1]
    keeper = need_registered(n1, 'keeper')
    keeper.send('REGISTER * * keeper-secret')
    expect_all([(keeper, re.compile(r'REGISTER SUCCESS keeper '))],
               'keeper registers an account on n1', required=True)
    keeper.send('JOIN #kept')
    expect_all([(keeper, ':%s JOIN #kept' % keeper.mask)], 'keeper creates #kept', required=True)
    keeper.send('PRIVMSG ChanServ :REGISTER #kept')
    expect_all([(keeper, re.compile(r'ChanServ.*registered'))],
               'ChanServ on n1 registers #kept for keeper', required=True)
    n1.kill()  # SIGKILL, right after the acknowledgements
    killed = time.monotonic()
    n1.start()
    again = need_registered(n1, 'keeper2')
    again.send('NS IDENTIFY keeper keeper-secret')
    check(expect(again, re.compile(r'^:\S+ 900 ')) is not None,
          'after kill -9 of n1, the restarted n1 knows the account keeper (IDENTIFY, 900)')
    lines = ask(again, 'PRIVMSG ChanServ :INFO #kept') or []
    check(any('Founder' in l and 'keeper' in l for l in lines),
          'after kill -9 of n1, the restarted n1 knows #kept is registered to keeper', '%s' % lines)
    other = need_registered(n2, 'keeper3')
    other.send('NS IDENTIFY keeper keeper-secret')
    check(expect(other, re.compile(r'^:\S+ 900 ')) is not None,
          'n2 knows the account keeper too (IDENTIFY, 900)')
    print('     n1 killed after acknowledging an account and a channel, back and answering '
          'from Redis %.2f s later' % elapsed(killed), flush=True)
    for p in (again, other):
        p.c.quit()


def stop_cleanly(nodes):
    for n in nodes:
        if not n.alive():
            fail('%s is still running at the end (exit %s)' % (n.name, n.proc.returncode))
            continue
        n.proc.send_signal(signal.SIGTERM)
        try:
            rc = n.proc.wait(20 * ircclient.SLOW)
        except subprocess.TimeoutExpired:
            rc = 'no exit within %d s' % (20 * ircclient.SLOW)
        check(rc == 0, '%s stops on SIGTERM with exit 0' % n.name, 'got %s' % rc)


def main():
    if NATTERD is None:
        print('usage: cluster.py NATTERD')
        sys.exit(2)
    if not os.access(REDIS_SERVER, os.X_OK):
        print('SKIP: %s is not installed (Debian package redis-server)' % REDIS_SERVER)
        sys.exit(77)
    # meson's timeout (SIGTERM) ends the run like a failed step: the
    # nodes and Redis are killed and their logs shown.
    def terminated(signum, frame):
        fail('the run ends early: SIGTERM (the test\'s timeout?)')
        raise Abort('SIGTERM')
    signal.signal(signal.SIGTERM, terminated)
    tmp = tempfile.mkdtemp(prefix='natter-cluster-')
    redis = Redis(tmp)
    nodes = [Node(tmp, i, redis.sock) for i in (1, 2, 3)]
    peers = {}
    aborted = None
    try:
        redis.start()
        for n in nodes:
            n.start()
        scenario_channel(nodes, peers)
        scenario_nick_race(nodes)
        scenario_node_death(nodes, peers)
        scenario_redis_outage(nodes, peers, redis)
        scenario_redis_stall(nodes, peers, redis)
        scenario_bulk(peers)
        scenario_acknowledged_survives_kill(nodes)
        for p in peers.values():
            p.c.quit()
        stop_cleanly(nodes)
    except Abort as e:
        aborted = str(e)
    finally:
        for p in peers.values():
            p.close()
        for n in nodes:
            n.kill()
        redis.kill()
    if aborted or failures:
        for n in nodes:
            print('---- %s log (end) ----\n%s' % (n.name, n.tail()))
        print('---- redis-server log (end) ----')
        try:
            print(open(redis.log, 'rb').read().decode('utf-8', 'replace')[-2000:])
        except OSError:
            pass
        if aborted:
            print('stopped after: %s' % aborted)
        print('%d failed, %d passed; logs kept in %s' % (len(failures), len(passed), tmp))
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)
    print('all %d checks passed' % len(passed))


main()

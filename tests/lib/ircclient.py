# SPDX-License-Identifier: MIT
"""The IRC test client every Python test shares (standard library only).

One connection is a Client: non-blocking underneath, with a line buffer,
answering the server's PINGs by itself.  Every wait has a deadline and
says what it got (a line, True, or None / False when time ran out or the
server went away); nothing here asserts or sleeps and hopes.  Deadlines
are in seconds and multiplied by SLOW, which a slow run (a sanitizer
build, wine) raises.

A test finds this module relative to its own file:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    '..', 'lib'))
    import ircclient

TLS: pass tls=tls_context(...) (an ssl.SSLContext) to connect(),
registered() or Client(); the handshake is part of connecting
(wait_connected, connect), or driven step by step with start_tls() and
handshake_step() by a test that runs many at once.  Without tls nothing
changes (and the ssl module is not needed).

The C suites' equivalent is tests/natterd/irc-client.h.
"""

import errno
import hashlib
import os
import re
import select
import selectors
import socket
import struct
import time

try:
    import ssl
    # A non-blocking TLS socket's "would block" (not BlockingIOError).
    _TLS_WANT = (ssl.SSLWantReadError, ssl.SSLWantWriteError)
except ImportError:  # a Python without ssl: plaintext only
    ssl = None
    _TLS_WANT = ()

# How much slower than a plain native run this one is (deadlines grow).
SLOW = 1.0


def now():
    return time.monotonic()


def deadline(seconds):
    return now() + seconds * SLOW


def tls_context(ca=None, cert=None, key=None, verify=True, check_hostname=True,
                minimum=None, maximum=None):
    """A client ssl.SSLContext for Client(tls=...): trusting the CA file ca
    (else the system's), presenting the client certificate cert (with key,
    or in the same PEM file), checking the server's certificate (verify)
    and its name or address (check_hostname), limited to TLS versions
    minimum..maximum (ssl.TLSVersion or a name: 'TLSv1_2')."""
    if ssl is None:
        raise RuntimeError('this Python has no ssl module')
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        if ca:
            ctx.load_verify_locations(cafile=ca)
        else:
            ctx.load_default_certs()
        ctx.check_hostname = bool(check_hostname)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    if isinstance(minimum, str):
        minimum = getattr(ssl.TLSVersion, minimum)
    if isinstance(maximum, str):
        maximum = getattr(ssl.TLSVersion, maximum)
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


def set_linger_reset(sock):
    """Closing this socket now sends a TCP reset (SO_LINGER 0)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))


class Client:
    """A non-blocking IRC connection with a line buffer.

    host is a numeric address (connect() below resolves names).  The
    lines read wait in self.lines; with raw set, bytes are only counted
    (self.received), the last 4 KiB kept (self.tail) and the occurrences
    of self.watch counted (self.watched).  state and data are free for a
    test's own bookkeeping.

    With tls (an ssl.SSLContext, see tls_context()), self.sock becomes
    an ssl.SSLSocket once the TCP connection is up and the handshake is
    through (wait_connected(), or start_tls() and handshake_step());
    server_hostname (default: host) is the name or address checked."""

    def __init__(self, port, label='', rcvbuf=None, connect=True, host='127.0.0.1',
                 tls=None, server_hostname=None):
        self.label = label
        self.tls = tls
        self.server_hostname = server_hostname or host
        self.tls_started = False  # self.sock is the SSLSocket
        self.tls_done = False     # handshake through
        self.tls_error = None     # why the handshake failed
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.setblocking(False)
        self.buf = b''
        self.lines = []
        self.eof = False       # orderly close seen
        self.reset = False     # reset seen
        self.closed = False    # closed by us
        self.auto_pong = True
        self.raw = False       # count bytes, keep the tail, no lines
        self.received = 0
        self.tail = b''
        self.watch = None      # raw: count occurrences of these bytes
        self.watched = 0
        self.nick = None
        self.state = None      # free for a test's state machine
        self.data = {}
        if connect:
            try:
                rc = self.sock.connect_ex((host, port))
            except OSError:
                self.sock.close()
                raise
            if rc not in (0, errno.EINPROGRESS):
                self.sock.close()
                raise OSError(rc, os.strerror(rc))

    def fileno(self):
        return self.sock.fileno()

    @property
    def gone(self):
        return self.eof or self.reset or self.closed

    def wait_connected(self, seconds=10):
        """True once the connection is up (with tls: and the handshake
        through); False when it failed or the deadline passed."""
        end = deadline(seconds)
        if self._connect_result(seconds * SLOW) != 0:
            return False
        return not self.tls or self._handshake_until(end)

    # ---- TLS ----

    def start_tls(self):
        """Wrap the connected TCP socket (non-blocking; no handshake yet).
        The fd stays the same; the socket object does not."""
        if not self.tls_started:
            self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.server_hostname,
                                             do_handshake_on_connect=False)
            self.tls_started = True

    def handshake_step(self):
        """One non-blocking step of the handshake: 'done', 'read' or
        'write' (what it waits for), or 'failed' (self.tls_error says
        why; the connection then counts as reset)."""
        if self.tls_done:
            return 'done'
        self.start_tls()
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            return 'read'
        except ssl.SSLWantWriteError:
            return 'write'
        except (OSError, ValueError) as e:
            self.tls_error = str(e) or type(e).__name__
            self.reset = True
            return 'failed'
        self.tls_done = True
        return 'done'

    def handshake(self, seconds=10):
        """The whole handshake on a connected socket, within the deadline."""
        return self._handshake_until(deadline(seconds))

    def _handshake_until(self, end):
        while True:
            step = self.handshake_step()
            if step == 'done':
                return True
            if step == 'failed':
                return False
            left = end - now()
            if left <= 0:
                self.tls_error = 'handshake timed out'
                return False
            if step == 'read':
                select.select([self.sock], [], [], min(left, 0.5))
            else:
                select.select([], [self.sock], [], min(left, 0.5))

    def peer_fingerprint(self):
        """The SHA-256 fingerprint (lower-case hex) of the server's
        certificate, or None."""
        der = self.sock.getpeercert(binary_form=True) if self.tls_done else None
        return hashlib.sha256(der).hexdigest() if der else None

    def tls_version(self):
        """'TLSv1.3' etc. once the handshake is done, else None."""
        return self.sock.version() if self.tls_done else None

    def _tls_pending(self):
        return self.tls_done and not self.gone and self.sock.pending() > 0

    def _connect_result(self, seconds):
        """0 once connected, the errno when it failed, None while pending."""
        _, w, _ = select.select([], [self.sock], [], seconds)
        if not w:
            return None
        return self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)

    def send_raw(self, data, seconds=10):
        """Send all of data (waiting for room, with a deadline); False when
        the connection failed or the deadline passed."""
        if isinstance(data, str):
            data = data.encode('utf-8', 'surrogateescape')
        end = deadline(seconds)
        view = memoryview(data)
        while view:
            try:
                n = self.sock.send(view)
                view = view[n:]
            except BlockingIOError:
                left = end - now()
                if left <= 0:
                    return False
                select.select([], [self.sock], [], min(left, 0.5))
            except _TLS_WANT as e:
                # Sent again with the same bytes, as OpenSSL wants.
                left = end - now()
                if left <= 0:
                    return False
                if isinstance(e, ssl.SSLWantReadError):
                    select.select([self.sock], [], [], min(left, 0.5))
                else:
                    select.select([], [self.sock], [], min(left, 0.5))
            except (BrokenPipeError, ConnectionResetError):
                self.reset = True
                return False
            except OSError:
                return False
        return True

    def send(self, text, seconds=10):
        """Send one line (CRLF added)."""
        return self.send_raw(text + '\r\n', seconds)

    def pump(self):
        """Read what is there (non-blocking); False once the peer is gone."""
        while not self.gone:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return True
            except _TLS_WANT:
                return True  # (TLS: only a record's start, or a session ticket)
            except OSError:
                self.reset = True
                return False
            if not data:
                self.eof = True
                return False
            self.received += len(data)
            if self.raw:
                if self.watch:
                    # Matches across the chunk boundary, none counted twice.
                    window = self.tail[len(self.tail) - len(self.watch) + 1:] + data
                    self.watched += window.count(self.watch)
                self.tail = (self.tail + data)[-4096:]
                continue
            parts = (self.buf + data).split(b'\n')
            self.buf = parts.pop()
            for part in parts:
                line = part.rstrip(b'\r').decode('utf-8', 'replace')
                if self.auto_pong and line.startswith('PING '):
                    self.send('PONG ' + line[5:])
                self.lines.append(line)
        return False

    def next_line(self, seconds):
        """The next line within seconds (not multiplied by SLOW: a caller
        that loops passes what is left of its own deadline), or None."""
        end = now() + seconds
        while not self.lines:
            if self.gone:
                return None
            left = end - now()
            if left <= 0:
                return None
            if self._tls_pending():
                self.pump()  # decrypted already: select would not see it
                continue
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                self.pump()
        return self.lines.pop(0)

    def expect(self, pattern, seconds=10, seen=None):
        """The first line matching the regular expression within the
        deadline, or None; the lines before it go to seen (a list)."""
        end = deadline(seconds)
        rx = re.compile(pattern)
        while True:
            left = end - now()
            if left <= 0:
                return None
            line = self.next_line(left)
            if line is None:
                return None
            if rx.search(line):
                return line
            if seen is not None:
                seen.append(line)

    def expect_closed(self, seconds=10, seen=None):
        """True when the server closes the connection within the deadline;
        lines before go to seen."""
        end = deadline(seconds)
        while True:
            left = end - now()
            if left <= 0:
                return False
            line = self.next_line(left)
            if line is None:
                if self.eof or self.reset:
                    return True
                continue
            if seen is not None:
                seen.append(line)

    def register_send(self, nick, realname=None):
        """The first half of register(): NICK and USER, no waiting."""
        self.nick = nick
        return self.send('NICK %s\r\nUSER %s 0 * :%s' % (nick, nick,
                                                        realname or self.label or nick))

    def register(self, nick, seconds=10, realname=None):
        """NICK and USER, then the whole welcome (001 up to the end of
        the MOTD, 376 or 422)."""
        if not self.register_send(nick, realname):
            return False
        return (self.expect(r'^:\S+ 001 ', seconds) is not None and
                self.expect(r'^:\S+ (376|422) ', seconds) is not None)

    def sync(self, seconds=10, seen=None):
        """A PING round trip: everything the server sent before is in."""
        token = 'sync%d' % int(now() * 1e6)
        if not self.send('PING :' + token):
            return False
        return self.expect(r' PONG \S+ :' + token + '$', seconds, seen) is not None

    def quit(self, message='done'):
        """QUIT (best effort) and close."""
        if not self.gone:
            self.send('QUIT :' + message, 1)
        self.close()

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    def close_reset(self):
        if not self.closed:
            try:
                set_linger_reset(self.sock)
            except OSError:
                pass
            self.close()


def connect(host, port, label='', seconds=10, retry=False, tls=None, server_hostname=None):
    """A connected Client (host may be a name), or None when it did not
    connect within the deadline.  With retry, refused or failed attempts
    are repeated until the deadline (a server that is still starting);
    the last error is then in connect.last_error.  With tls (an
    ssl.SSLContext) the TLS handshake is part of connecting; its name
    check uses server_hostname, else host."""
    end = deadline(seconds)
    connect.last_error = 'no attempt'
    while True:
        left = end - now()
        if left <= 0:
            return None
        try:
            info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            c = Client(port, label, host=info[0][4][0], tls=tls,
                       server_hostname=server_hostname or host)
            err = c._connect_result(min(left, 2.0 * SLOW))
            if err == 0 and tls:
                if c._handshake_until(end):
                    return c
                connect.last_error = 'TLS: ' + (c.tls_error or 'handshake failed')
                c.close()
                if not retry:
                    return None
                time.sleep(min(0.2, max(0.0, end - now())))
                continue
            if err == 0:
                return c
            if err or connect.last_error == 'no attempt':
                # An attempt cut short by the deadline keeps the earlier reason.
                connect.last_error = os.strerror(err) if err else 'connect timed out'
            c.close()
        except OSError as e:
            connect.last_error = str(e)
        if not retry:
            return None
        # Between attempts, wait for time to pass, not for a condition:
        # nothing tells a client that a listener has appeared.
        time.sleep(min(0.2, max(0.0, end - now())))


def registered(port, nick, seconds=10, host='127.0.0.1', tls=None, server_hostname=None):
    """A connected, registered client (None when that failed); with tls
    over TLS (see Client)."""
    c = Client(port, nick, host=host, tls=tls, server_hostname=server_hostname)
    if not c.wait_connected(seconds) or not c.register(nick, seconds):
        c.close()
        return None
    return c


def join(c, channel, seconds=10):
    """JOIN and wait for the end of NAMES (366); True when it came."""
    c.send('JOIN ' + channel)
    return c.expect(r' 366 \S+ %s ' % re.escape(channel), seconds) is not None


def pump_all(conns, seconds):
    """Read from every open connection for up to seconds (or until none
    is left open)."""
    sel = selectors.DefaultSelector()
    for c in conns:
        if not c.gone:
            sel.register(c.sock, selectors.EVENT_READ, c)
    end = now() + seconds
    try:
        while sel.get_map() and now() < end:
            for key, _ in sel.select(min(0.2, max(0.0, end - now()))):
                c = key.data
                if not c.pump():
                    sel.unregister(c.sock)
    finally:
        sel.close()


def wait_until(conns, done, seconds):
    """Pump every connection until done() is true or the deadline passes;
    returns done()."""
    end = deadline(seconds)
    sel = selectors.DefaultSelector()
    for c in conns:
        if not c.gone:
            sel.register(c.sock, selectors.EVENT_READ, c)
    try:
        while not done():
            left = end - now()
            if left <= 0:
                break
            if not sel.get_map():
                time.sleep(min(0.05, left))
                continue
            for key, _ in sel.select(min(0.2, left)):
                c = key.data
                if not c.pump():
                    sel.unregister(c.sock)
    finally:
        sel.close()
    return done()


def wait_each(conns, pattern, seconds, keep=False):
    """Pump until every connection in conns has received a line matching
    pattern (or the deadline passes); the number that did.  The lines
    read are dropped unless keep."""
    rx = re.compile(pattern)
    hit = set()

    def done():
        for c in conns:
            if id(c) not in hit and any(rx.search(line) for line in c.lines):
                hit.add(id(c))
            if not keep:
                c.lines.clear()
        return len(hit) == len(conns)

    wait_until(conns, done, seconds)
    return len(hit)


def open_many(port, n, label, seconds=20, host='127.0.0.1'):
    """n connections, connected concurrently; the ones that connected."""
    conns = [Client(port, '%s%d' % (label, i), host=host) for i in range(n)]
    pending = {c.sock: c for c in conns}
    end = deadline(seconds)
    ok = []
    while pending and now() < end:
        _, w, _ = select.select([], list(pending), [], min(0.5, end - now()))
        for s in w:
            c = pending.pop(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                ok.append(c)
            else:
                c.close()
    for c in pending.values():
        c.close()
    return ok


def lusers(c, seconds=10):
    """(registered users, unknown connections, channels) from LUSERS, or
    None when the reply did not end (266) in time."""
    c.send('LUSERS')
    users = channels = None
    unknown = 0
    end = deadline(seconds)
    while now() < end:
        line = c.next_line(end - now())
        if line is None:
            break
        m = re.search(r' 251 \S+ :There are (\d+) users and (\d+) invisible', line)
        if m:
            users = int(m.group(1)) + int(m.group(2))
        m = re.search(r' 253 \S+ (\d+) :', line)
        if m:
            unknown = int(m.group(1))
        m = re.search(r' 254 \S+ (\d+) :', line)
        if m:
            channels = int(m.group(1))
        if re.search(r' 266 ', line):
            return users, unknown, channels
    return None

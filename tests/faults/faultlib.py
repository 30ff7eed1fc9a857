# SPDX-License-Identifier: MIT
"""Fault tests against a spawned natterd: the pieces every scenario uses.

A scenario starts natterd (the program itself, natively, or natterd.exe
under wine) on 127.0.0.1 with a test configuration, drives it over real
sockets, watches the process from outside (/proc: open descriptors, RSS,
CPU time), and ends with SIGTERM: the server must exit with status 0 and
write no sanitizer report.

Everything waits with a deadline and never sleeps and hopes: a check
that cannot become true in time fails with what was seen.  Deadlines are
multiplied by the slow factor (a sanitizer build, wine).
"""

import atexit
import errno
import os
import re
import resource
import select
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77

# Lines in natterd's log that only a sanitizer writes.
SANITIZER_PATTERNS = re.compile(
    r'ERROR: (AddressSanitizer|LeakSanitizer|ThreadSanitizer|MemorySanitizer)'
    r'|runtime error: |SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)')

# Set by main(): how much slower than a plain native build this run is.
SLOW = 1.0


def now():
    return time.monotonic()


def deadline(seconds):
    return now() + seconds * SLOW


class Results:
    """Checks and notes of one scenario; the exit status at the end."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.started = now()

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
        print('%-5s %6.2f s  %s' % ('ok' if cond else 'FAIL', now() - self.started, what),
              flush=True)
        return bool(cond)

    def note(self, what):
        print('note  %6.2f s  %s' % (now() - self.started, what), flush=True)

    def finish(self):
        took = now() - self.started
        print('%s: %d passed, %d failed (%.1f s)' % (self.name, self.passed, self.failed, took),
              flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


# ---------------------------------------------------------------- natterd

def test_config(server='', tail='', **limits):
    """A configuration: server name, no flood control unless asked, room
    for many connections from 127.0.0.1, and the given [limits]; server
    is more of [server], tail more sections."""
    values = {
        'max_clients': 100000,
        'max_clients_per_address': 100000,
        'flood_penalty_percent': 0,
    }
    values.update(limits)
    text = '[server]\nname = irc.faults.test\nnetwork = Faults\n' + server + '[limits]\n'
    for key, value in values.items():
        text += '%s = %s\n' % (key, value)
    return text + tail


class Natterd:
    """One natterd process listening on 127.0.0.1:<free port>."""

    def __init__(self, program, config, nofile=None, wine_run=None, log_level='debug',
                 files=None):
        """files: {name: bytes} written beside the configuration, whose
        text may name that folder as @DIR@."""
        self.dir = tempfile.mkdtemp(prefix='natter-faults-')
        if not os.environ.get('NATTER_FAULTS_KEEP'):
            atexit.register(shutil.rmtree, self.dir, True)
        for name, content in (files or {}).items():
            with open(os.path.join(self.dir, name), 'wb') as f:
                f.write(content)
        self.conf_path = os.path.join(self.dir, 'natterd.conf')
        with open(self.conf_path, 'w') as f:
            f.write(config.replace('@DIR@', self.dir))
        self.log_path = os.path.join(self.dir, 'natterd.log')
        self.wine = wine_run is not None
        conf_arg = self.conf_path
        cmd = [program]
        if self.wine:
            # Wine's Z: drive is the Unix root.
            conf_arg = 'Z:' + self.conf_path.replace('/', '\\')
            cmd = [wine_run, program]
        cmd += ['--listen', '127.0.0.1:0', '--config', conf_arg, '--log-level', log_level]

        def limit_descriptors():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.log = open(self.log_path, 'wb')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, preexec_fn=limit_descriptors,
                                     close_fds=True)
        self.pid = self.proc.pid
        self.port = None
        self.exit_status = None
        end = deadline(60 if self.wine else 20)
        while now() < end and self.proc.poll() is None:
            m = re.search(r'listening on 127\.0\.0\.1:(\d+)', self.log_text())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.02)
        if self.port is None:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError('natterd did not start; its log:\n' + self.log_text()[-3000:])

    def log_text(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def alive(self):
        return self.proc.poll() is None

    # /proc figures (native only: under wine the sockets live elsewhere).
    def fd_count(self):
        return len(os.listdir('/proc/%d/fd' % self.pid))

    def status_kb(self, field):
        with open('/proc/%d/status' % self.pid) as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
        return 0

    def rss_kb(self):
        return self.status_kb('VmRSS')

    def hwm_kb(self):
        return self.status_kb('VmHWM')

    def cpu_seconds(self):
        """User + system CPU time the process has used so far."""
        with open('/proc/%d/stat' % self.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks / os.sysconf('SC_CLK_TCK')

    def wait_fds(self, want, seconds):
        """Wait until the open descriptors are at most want; the last count."""
        end = deadline(seconds)
        count = self.fd_count()
        while count > want and now() < end:
            time.sleep(0.05)
            count = self.fd_count()
        return count

    def stop(self, seconds=15, sig=signal.SIGTERM):
        """SIGTERM (or sig); the exit status, or None when it did not exit
        in time (then it is killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.exit_status = self.proc.wait(timeout=seconds * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.exit_status = None
        self.log.close()
        return self.exit_status

    def sanitizer_report(self):
        m = SANITIZER_PATTERNS.search(self.log_text())
        return m.group(0) if m else None

    def check_clean_exit(self, r, seconds=15, sig=signal.SIGTERM):
        """The standard ending: SIGTERM, status 0, no sanitizer report."""
        begin = now()
        status = self.stop(seconds, sig)
        r.check(status == 0, 'natterd exits with status 0 on %s (status %s, %.2f s)'
                % (signal.Signals(sig).name, status, now() - begin))
        report = self.sanitizer_report()
        r.check(report is None, 'no sanitizer report in natterd\'s log%s'
                % ('' if report is None else ': ' + report))
        if status != 0 or report:
            print('---- natterd log (end)\n' + self.log_text()[-4000:], flush=True)


# ---------------------------------------------------------------- clients

def set_linger_reset(sock):
    """Closing this socket now sends a TCP reset (SO_LINGER 0)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))


class Conn:
    """A non-blocking IRC connection with a line buffer."""

    def __init__(self, port, label='', rcvbuf=None, connect=True):
        self.label = label
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
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
        self.state = None      # free for a scenario's state machine
        self.data = {}
        if connect:
            rc = self.sock.connect_ex(('127.0.0.1', port))
            if rc not in (0, errno.EINPROGRESS):
                raise OSError(rc, os.strerror(rc))

    def fileno(self):
        return self.sock.fileno()

    @property
    def gone(self):
        return self.eof or self.reset or self.closed

    def wait_connected(self, seconds=10):
        _, w, _ = select.select([], [self.sock], [], seconds * SLOW)
        if not w:
            return False
        return self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0

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
            except (BrokenPipeError, ConnectionResetError):
                self.reset = True
                return False
            except OSError:
                return False
        return True

    def send(self, text, seconds=10):
        return self.send_raw(text + '\r\n', seconds)

    def pump(self):
        """Read what is there (non-blocking); False once the peer is gone."""
        while not self.gone:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return True
            except ConnectionResetError:
                self.reset = True
                return False
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
        """The next line within seconds (slow factor applied by the caller)."""
        end = now() + seconds
        while not self.lines:
            if self.gone:
                return None
            left = end - now()
            if left <= 0:
                return None
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

    def register(self, nick, seconds=10):
        """NICK and USER, then the whole welcome (up to the end of the MOTD)."""
        self.nick = nick
        if not self.send('NICK %s\r\nUSER %s 0 * :%s' % (nick, nick, self.label or nick)):
            return False
        return (self.expect(r'^:\S+ 001 ', seconds) is not None and
                self.expect(r'^:\S+ (376|422) ', seconds) is not None)

    def sync(self, seconds=10, seen=None):
        """A PING round trip: everything the server sent before is in."""
        token = 'sync%d' % int(now() * 1e6)
        if not self.send('PING :' + token):
            return False
        return self.expect(r' PONG \S+ :' + token + '$', seconds, seen) is not None

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


def client(port, nick, seconds=10):
    """A connected, registered client (None when that failed)."""
    c = Conn(port, nick)
    if not c.wait_connected(seconds) or not c.register(nick, seconds):
        c.close()
        return None
    return c


def join(c, channel, seconds=10):
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


def open_many(port, n, label, seconds=20):
    """n connections, connected concurrently; the ones that connected."""
    conns = [Conn(port, '%s%d' % (label, i)) for i in range(n)]
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
    """(registered users, unknown connections, channels) from LUSERS."""
    c.send('LUSERS')
    users = unknown = channels = None
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


def main(scenarios):
    """Command line: SCENARIO NATTERD [--sanitized] [--seconds N].
    scenarios maps names to functions f(args) -> exit status."""
    import argparse
    global SLOW
    p = argparse.ArgumentParser()
    p.add_argument('scenario', choices=sorted(scenarios))
    p.add_argument('natterd')
    p.add_argument('--sanitized', action='store_true',
                   help='natterd is an ASan/UBSan build: wider deadlines, RSS not judged')
    p.add_argument('--seconds', type=float, default=None,
                   help='duration of a timed scenario (churn)')
    args = p.parse_args()
    slow = float(os.environ.get('NATTER_FAULTS_SLOW', '1'))
    SLOW = max(slow, 3.0 if args.sanitized else 1.0)
    # The test's own descriptors: a thousand clients at once.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    sys.exit(scenarios[args.scenario](args))

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""natterd behind a load balancer: the PROXY protocol on a proxy_address
listener, against the natterd program.

  1. v1 (TCP4, TCP6, UNKNOWN) and v2 (IPv4 with TLVs, IPv6, LOCAL) headers
     sent with NICK and USER in the same write: the client registers, and
     WHOIS from a client on the plain listener shows the header's source
     address (the connection's own for UNKNOWN and LOCAL);
  2. a header that arrives in pieces, the client's lines after it;
  3. max_clients_per_address counts the proxied address, not the
     balancer's;
  4. garbage instead of a header, a wrong v2 signature and an overlong v1
     line are closed at once; a client that sends no header, or half of
     one, is closed when the deadline ([tls] handshake_timeout) passes,
     and natterd uses no CPU while it waits;
  5. proxy_trusted without 127.0.0.1: the same proxied client is refused
     (and logged); SIGHUP with a list that has it lets it in; a bad list
     on SIGHUP keeps the one in use; a bad list at start stops natterd.

Usage: proxy.py NATTERD"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402
from natterdproc import fail, failures, ok  # noqa: E402

NATTERD = sys.argv[1]
HEADER_TIMEOUT_S = 2
START_V6 = [None]
V2_SIGNATURE = b'\r\n\r\n\x00\r\nQUIT\n'


def check(cond, what, detail=''):
    if cond:
        ok(what)
    else:
        fail(what + (': ' + detail if detail else ''))
    return cond


def write_conf(path, trusted=None):
    ipv6 = have_ipv6()
    with open(path, 'w') as f:
        f.write('[server]\nname = proxy.test\n'
                '[limits]\nflood_penalty_percent = 0\nmax_clients_per_address = 3\n'
                '[listen]\naddress = 127.0.0.1:0\nproxy_address = 127.0.0.1:0\n')
        if ipv6:
            f.write('proxy_address = [::1]:0\n')
        if trusted is not None:
            f.write('proxy_trusted = %s\n' % trusted)
        f.write('[tls]\nhandshake_timeout = %d\n' % HEADER_TIMEOUT_S)


def log_since(log, offset):
    with open(log, 'rb') as f:
        f.seek(offset)
        return f.read().decode('utf-8', 'replace')


def wait_log(log, offset, pattern, seconds=10):
    """The first match of pattern in the log after offset, or None."""
    end = ircclient.deadline(seconds)
    rx = re.compile(pattern, re.M)
    while ircclient.now() < end:
        m = rx.search(log_since(log, offset))
        if m:
            return m
        time.sleep(0.05)
    return None


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(('::1', 0))
        return True
    except OSError:
        return False


def start(conf, log):
    """natterd on conf; (proc, plain port, proxy port) once it is ready.
    The IPv6 proxy listener's port is in START_V6 (None without IPv6)."""
    offset = os.path.getsize(log) if os.path.exists(log) else 0
    proc = subprocess.Popen([NATTERD, '--config', conf, '--log-level', 'debug'],
                            stderr=open(log, 'ab'), stdin=subprocess.DEVNULL)
    end = ircclient.deadline(20)
    while ircclient.now() < end and proc.poll() is None:
        text = log_since(log, offset)
        if re.search(r' ready\r?$', text, re.M):
            proxy = re.findall(r'listening on 127\.0\.0\.1:(\d+) \(PROXY protocol\)\r?$', text, re.M)
            plain = re.findall(r'listening on 127\.0\.0\.1:(\d+)\r?$', text, re.M)
            v6 = re.findall(r'listening on \[::1\]:(\d+) \(PROXY protocol\)\r?$', text, re.M)
            START_V6[0] = int(v6[0]) if v6 else None
            if proxy and plain:
                return proc, int(plain[0]), int(proxy[0])
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    print(log_since(log, offset))
    raise SystemExit('FAIL natterd did not start with a plain and a proxy listener')


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(10 * ircclient.SLOW)
        # Under the sanitizers a leak or a bad access makes this fail too.
        check(rc == 0, 'natterd stops cleanly on SIGTERM (exit %d)' % rc)
    except subprocess.TimeoutExpired:
        fail('natterd did not stop on SIGTERM')
        proc.kill()
        proc.wait()


def cpu_seconds(pid):
    """User and system CPU time of a process (Linux /proc)."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


# ---- headers ----

def v1(proto, src='', dst='', sport=0, dport=0):
    if proto == 'UNKNOWN':
        return b'PROXY UNKNOWN\r\n'
    return ('PROXY %s %s %s %d %d\r\n' % (proto, src, dst, sport, dport)).encode()


def v2(command, family_transport, body):
    return V2_SIGNATURE + bytes([0x20 | command, family_transport]) + \
        struct.pack('!H', len(body)) + body


def v2_ip(src, dst, sport, dport, tlvs=b''):
    family = socket.AF_INET6 if ':' in src else socket.AF_INET
    body = socket.inet_pton(family, src) + socket.inet_pton(family, dst) + \
        struct.pack('!HH', sport, dport) + tlvs
    return v2(0x1, 0x21 if family == socket.AF_INET6 else 0x11, body)


def tlv(kind, value):
    return struct.pack('!BH', kind, len(value)) + value


def registration(nick):
    return ('NICK %s\r\nUSER %s 0 * :%s\r\n' % (nick, nick, nick)).encode()


# ---- clients ----

def connect(port, label, host='127.0.0.1'):
    c = ircclient.Client(port, label, host=host)
    if not c.wait_connected(10):
        raise SystemExit('FAIL cannot connect to port %d' % port)
    return c


def registered(c, seconds=10):
    return (c.expect(r'^:\S+ 001 ', seconds) is not None and
            c.expect(r'^:\S+ (376|422) ', seconds) is not None)


def proxied(port, header, nick, pieces=None, host='127.0.0.1'):
    """A client whose header and registration go in one write (or in the
    given pieces, a pause between each); the client once registered, or
    None."""
    c = connect(port, nick, host)
    c.nick = nick
    data = header + registration(nick)
    if pieces:
        at = 0
        for cut in pieces + [len(data)]:
            c.send_raw(data[at:cut])
            at = cut
            time.sleep(0.05)  # separate segments; the outcome does not depend on it
    else:
        c.send_raw(data)
    if registered(c):
        return c
    c.close()
    return None


def whois_host(watcher, nick):
    watcher.send('WHOIS ' + nick)
    line = watcher.expect(r' 311 \S+ %s ' % re.escape(nick), 10)
    if line is None:
        return None
    watcher.expect(r' 318 ', 10)
    return line.split()[5]


def expect_host(watcher, port, header, nick, want, pieces=None, keep=False, host='127.0.0.1'):
    c = proxied(port, header, nick, pieces, host)
    if not check(c is not None, '%s registers through the proxy listener' % nick):
        return None
    host = whois_host(watcher, nick)
    check(host == want, 'WHOIS %s shows host %s' % (nick, want), 'got %r' % host)
    if not keep:
        c.quit()
        return None
    return c


def refused_quickly(port, data, what):
    """The server closes the connection well before the header deadline,
    without a welcome."""
    c = connect(port, what)
    t0 = time.monotonic()
    c.send_raw(data)
    seen = []
    closed = c.expect_closed(HEADER_TIMEOUT_S * 0.75, seen)
    took = time.monotonic() - t0
    check(closed and not any(' 001 ' in line for line in seen),
          '%s: closed at once (%.2f s), no welcome' % (what, took), 'lines %r' % seen)
    c.close()


def closed_at_deadline(proc, port, data, what):
    c = connect(port, what)
    cpu0 = cpu_seconds(proc.pid)
    t0 = time.monotonic()
    if data:
        c.send_raw(data)
    seen = []
    closed = c.expect_closed(HEADER_TIMEOUT_S + 10, seen)
    took = time.monotonic() - t0
    cpu = cpu_seconds(proc.pid) - cpu0
    check(closed and HEADER_TIMEOUT_S - 0.3 <= took <= HEADER_TIMEOUT_S + 5 * ircclient.SLOW,
          '%s: closed at the %d s deadline (after %.2f s)' % (what, HEADER_TIMEOUT_S, took),
          'closed %s, lines %r' % (closed, seen))
    # A loop spinning on the waiting socket would burn the whole wait.
    check(cpu < 0.5 * took, '%s: natterd used %.2f s of CPU while waiting %.2f s' % (what, cpu, took))
    c.close()


# ---- the suites ----

def accepted(tmp, log):
    conf = os.path.join(tmp, 'natterd.conf')
    write_conf(conf)
    proc, plain, proxy = start(conf, log)
    offset = os.path.getsize(log)
    try:
        watcher = connect(plain, 'watcher')
        if not check(watcher.register('watcher', 10), 'a client registers on the plain listener'):
            return
        expect_host(watcher, proxy, v1('TCP4', '203.0.113.7', '127.0.0.1', 51000, 6667),
                    'v1four', '203.0.113.7')
        expect_host(watcher, proxy, v1('TCP6', '2001:db8::7', '2001:db8::1', 51001, 6667),
                    'v1six', '2001:db8::7')
        aws = tlv(0xEA, b'\x01vpce-0123456789abcdef')
        expect_host(watcher, proxy,
                    v2_ip('198.51.100.20', '127.0.0.1', 40000, 6667,
                          tlv(0x01, b'irc') + tlv(0x04, b'') + aws),
                    'v2four', '198.51.100.20')
        expect_host(watcher, proxy, v2_ip('2001:db8::42', '2001:db8::1', 40001, 6667),
                    'v2six', '2001:db8::42')
        expect_host(watcher, proxy, v2(0x0, 0x00, b''), 'v2local', '127.0.0.1')
        expect_host(watcher, proxy, v1('UNKNOWN'), 'v1unknown', '127.0.0.1')
        if START_V6[0]:
            # From ::1, trusted by default, to an IPv6 listener.
            expect_host(watcher, START_V6[0], v2_ip('192.0.2.66', '192.0.2.1', 40010, 6667),
                        'v2overv6', '192.0.2.66', host='::1')
        else:
            print('skip the IPv6 proxy listener: no IPv6 loopback here', flush=True)
        # A header split across segments, cut inside the signature, the
        # fixed part and the addresses; and one whose last piece also
        # holds the first line.
        h = v2_ip('192.0.2.33', '127.0.0.1', 40002, 6667)
        expect_host(watcher, proxy, h, 'v2pieces', '192.0.2.33', pieces=[5, 14, 20])
        h = v1('TCP4', '192.0.2.34', '127.0.0.1', 40003, 6667)
        expect_host(watcher, proxy, h, 'v1pieces', '192.0.2.34', pieces=[3, 20, len(h) + 4])

        # The per-address limit counts the proxied address.
        same = [proxied(proxy, v1('TCP4', '203.0.113.50', '127.0.0.1', 50000 + i, 6667),
                        'same%d' % i) for i in range(3)]
        check(all(same), 'three clients from one proxied address register (the limit is 3)')
        c = connect(proxy, 'same3')
        c.send_raw(v1('TCP4', '203.0.113.50', '127.0.0.1', 50003, 6667) + registration('same3'))
        seen = []
        closed = c.expect_closed(10, seen)
        check(closed and any('Too many connections' in line for line in seen),
              'a fourth from that address is refused (max_clients_per_address)',
              'lines %r' % seen)
        c.close()
        other = proxied(proxy, v1('TCP4', '203.0.113.51', '127.0.0.1', 50004, 6667), 'other')
        check(other is not None, 'a client from another proxied address still registers')
        for x in same + [other]:
            if x:
                x.quit()

        # What is not a header is refused when it shows, not at the deadline.
        refused_quickly(proxy, registration('plainirc'), 'IRC lines with no header')
        bad_sig = b'\r\n\r\n\x00\r\nQUIX\n' + v2_ip('192.0.2.1', '127.0.0.1', 1, 2)[12:]
        refused_quickly(proxy, bad_sig + registration('badsig'), 'a wrong v2 signature')
        refused_quickly(proxy, b'PROXY TCP4 ' + b'1' * 120, 'a v1 line over 107 bytes')
        refused_quickly(proxy, b'PROXY TCP4 192.0.2.1 127.0.0.1 1 99999\r\n' + registration('bp'),
                        'a v1 port over 65535')
        refused_quickly(proxy, v2(0x1, 0x12, b'\x00' * 12), 'v2 over UDP')
        closed_at_deadline(proc, proxy, b'', 'no header at all')
        closed_at_deadline(proc, proxy, b'PROXY TCP4 192.0.2.', 'half a v1 header')
        closed_at_deadline(proc, proxy, V2_SIGNATURE + b'\x21\x11\x00\x0c\xc0',
                           'half a v2 header')

        text = log_since(log, offset)
        check('not a PROXY header' in text, 'the log says why garbage was refused')
        check('no whole header in time' in text, 'the log says why a slow client was closed')
        check(watcher.sync(10), 'the plain listener\'s client is still served')
        watcher.quit()
    finally:
        stop(proc)


def untrusted(tmp, log):
    conf = os.path.join(tmp, 'untrusted.conf')
    write_conf(conf, '10.0.0.0/8, fd00::/8')
    proc, plain, proxy = start(conf, log)
    try:
        offset = os.path.getsize(log)
        c = connect(proxy, 'untrusted')
        c.send_raw(v1('TCP4', '203.0.113.9', '127.0.0.1', 1234, 6667) + registration('untrusted'))
        seen = []
        closed = c.expect_closed(10, seen)
        check(closed and not seen, 'a source outside proxy_trusted is closed without a word',
              'lines %r' % seen)
        c.close()
        check(wait_log(log, offset, r'proxy listener: 127\.0\.0\.1 is not in proxy_trusted')
              is not None, 'the refusal is logged with the source address')
        w = connect(plain, 'plain')
        check(w.register('plain', 10), 'the plain listener is unaffected')

        # A reload with a list that has the balancer lets it in.
        write_conf(conf, '10.0.0.0/8, 127.0.0.0/8')
        offset = os.path.getsize(log)
        proc.send_signal(signal.SIGHUP)
        check(wait_log(log, offset, r'configuration reloaded') is not None, 'SIGHUP reloads')
        expect_host(w, proxy, v1('TCP4', '203.0.113.9', '127.0.0.1', 1235, 6667),
                    'nowtrusted', '203.0.113.9')
        # A bad list on reload: refused, the one in use stays.
        write_conf(conf, '127.0.0.0/99')
        offset = os.path.getsize(log)
        proc.send_signal(signal.SIGHUP)
        check(wait_log(log, offset, r'proxy_trusted = 127\.0\.0\.0/99: .*stays in use') is not None,
              'a bad proxy_trusted on reload is logged and the old list kept')
        expect_host(w, proxy, v1('TCP4', '203.0.113.10', '127.0.0.1', 1236, 6667),
                    'stilltrusted', '203.0.113.10')
        w.quit()
    finally:
        stop(proc)

    # A bad list at start: natterd does not start.
    write_conf(conf, '127.0.0.1/40')
    offset = os.path.getsize(log)
    p = subprocess.Popen([NATTERD, '--config', conf], stderr=open(log, 'ab'),
                         stdin=subprocess.DEVNULL)
    try:
        rc = p.wait(20 * ircclient.SLOW)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        fail('natterd kept running with a bad proxy_trusted')
    check(rc != 0 and 'proxy_trusted' in log_since(log, offset),
          'a bad proxy_trusted at start stops natterd (exit %s) and says why' % rc)


def main():
    tmp = tempfile.mkdtemp(prefix='natter-proxy-')
    log = os.path.join(tmp, 'natterd.log')
    open(log, 'w').close()
    accepted(tmp, log)
    untrusted(tmp, log)
    text = open(log, 'rb').read().decode('utf-8', 'replace')
    check(not re.search(r'Sanitizer|runtime error', text), 'no sanitizer report in the log')
    if failures:
        print(open(log, 'rb').read().decode('utf-8', 'replace')[-6000:])
        print('%d failed' % len(failures))
        sys.exit(1)
    print('all passed')


main()

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""natterd's accounts across a crash, against the natterd program with its
worker thread and a real SQLite file:

  1. a burst of REGISTERs and password changes from many connections at
     once, with `natterd --backup` taken in the middle of it;
  2. kill -9 while a second burst is still arriving;
  3. natterd started again on the same folder: every account and every
     password change a client was told about (REGISTER SUCCESS, "has
     been changed") logs in with SASL PLAIN, and an unacknowledged one
     is either whole or absent; the backup is a consistent database that
     holds at least what was acknowledged before it began;
  4. 1,000 wrong passwords from one address and from 100 connections:
     answered (RATE_LIMITED), the server keeps answering PINGs;
  5. two connections registering one name at the same moment: one
     account, one ACCOUNT_EXISTS;
  6. the disk full (a 2 MiB tmpfs, when this runs as root and may mount
     one; else said and skipped): registrations are refused with
     TEMPORARILY_UNAVAILABLE, chat goes on, accounts made before are
     still there after a restart, and registering works again once
     there is room; on the file system remounted read-only, the same;
  7. a damaged database at start: natterd logs it, serves chat, and
     answers REGISTER with TEMPORARILY_UNAVAILABLE.

Usage: accounts-crash.py NATTERD"""
import base64
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402
import natterdproc  # noqa: E402
from natterdproc import fail, failures, ok  # noqa: E402

NATTERD = sys.argv[1]


def start(data, log):
    """natterd on a free port with its store in data; returns (proc, port)."""
    conf = os.path.splitext(log)[0] + '.conf'  # beside the log: data may be read-only
    with open(conf, 'w') as f:
        f.write('[server]\nname = crash.test\n[limits]\nflood_penalty_percent = 0\n'
                'max_clients_per_address = 1000\nlogin_failures_per_address = 5\n'
                '[store]\ndirectory = %s\n[accounts]\npassword_iterations = 4096\n'
                'nick_protection = none\nregistrations_per_address = 0\n' % data)
    return natterdproc.start(NATTERD, conf, log)


def connect(port, nick):
    c = ircclient.Client(port, nick)
    if not c.wait_connected(10):
        raise SystemExit('FAIL cannot connect')
    if not c.register(nick, 20):
        raise SystemExit('FAIL %s did not register' % nick)
    return c


def sasl_plain(port, nick, account, password):
    """True when SASL PLAIN as account succeeds on a new connection."""
    c = ircclient.Client(port, nick)
    if not c.wait_connected(10):
        return False
    c.send('CAP REQ :sasl')
    c.send('AUTHENTICATE PLAIN')
    if c.expect(r'^AUTHENTICATE \+', 20) is None:
        c.close()
        return False
    payload = base64.b64encode(b'\0' + account.encode() + b'\0' + password.encode()).decode()
    c.send('AUTHENTICATE ' + payload)
    line = c.expect(r' (903|904|902|905|906) ', 30)
    c.close()
    return line is not None and ' 903 ' in line


def pump_all(clients, seconds):
    """Read what has arrived on every connection for a while."""
    end = time.time() + seconds
    while time.time() < end:
        for c in clients:
            c.pump() if not c.gone else None
        time.sleep(0.01)


def disk_full(tmp):
    """Section 6: the store on a tiny file system that fills up."""
    mnt = os.path.join(tmp, 'small')
    os.mkdir(mnt)
    if os.geteuid() != 0 or subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs',
                                            mnt], stderr=subprocess.DEVNULL).returncode != 0:
        print('skip disk full: cannot mount a small tmpfs here (needs root)', flush=True)
        return
    try:
        data = os.path.join(mnt, 'data')
        os.mkdir(data)
        log = os.path.join(tmp, 'natterd-full.log')
        proc, port = start(data, log)
        a = connect(port, 'early')
        a.send('REGISTER early * password-early')
        if not a.expect(r'REGISTER SUCCESS early ', 30):
            fail('disk full: the first REGISTER failed')
        # Fill the file system.
        with open(os.path.join(mnt, 'filler'), 'wb') as f:
            try:
                while True:
                    f.write(b'\0' * 65536)
                    f.flush()
            except OSError:
                pass
        refused = 0
        made = ['early']
        for i in range(30):
            a.send('PRIVMSG NickServ :LOGOUT\r\nREGISTER full%d * password-full' % i)
            line = a.expect(r'REGISTER (SUCCESS|\S+) full%d ' % i, 30)
            if line and 'SUCCESS' in line:
                made.append('full%d' % i)
            elif line and 'TEMPORARILY_UNAVAILABLE' in line:
                refused += 1
        b = connect(port, 'chatter')
        a.send('PRIVMSG chatter :still here')
        chat = b.expect(r'PRIVMSG chatter :still here', 20)
        if refused and chat:
            ok('disk full: %d registrations refused with TEMPORARILY_UNAVAILABLE, chat goes on'
               % refused)
        else:
            fail('disk full: %d refused, chat %r' % (refused, chat))
        os.remove(os.path.join(mnt, 'filler'))
        a.send('PRIVMSG NickServ :LOGOUT\r\nREGISTER roomagain * password-room')
        if a.expect(r'REGISTER SUCCESS roomagain ', 30):
            made.append('roomagain')
            ok('disk full: registering works again once there is room')
        else:
            fail('disk full: REGISTER still refused after freeing space')
        a.close()
        b.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        proc, port = start(data, os.path.join(tmp, 'natterd-full-2.log'))
        lost = [name for name in made
                if not sasl_plain(port, 'c', name, {'early': 'password-early',
                                                    'roomagain': 'password-room'}
                                  .get(name, 'password-full'))]
        if lost:
            fail('disk full: acknowledged accounts lost: %s' % lost)
        else:
            ok('disk full: all %d acknowledged accounts there after a restart' % len(made))
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        # The file system read-only (remounted while natterd is stopped:
        # Linux refuses it while files are open for writing).
        if subprocess.run(['mount', '-o', 'remount,ro', mnt]).returncode != 0:
            fail('read-only: cannot remount the tmpfs read-only')
            return
        proc, port = start(data, os.path.join(tmp, 'natterd-ro.log'))
        a, b = connect(port, 'ro1'), connect(port, 'ro2')
        a.send('REGISTER readonly * password-ro')
        line = a.expect(r'REGISTER (SUCCESS|\S+) readonly ', 30)
        a.send('PRIVMSG ro2 :read-only and still here')
        chat = b.expect(r'PRIVMSG ro2 :read-only and still here', 20)
        if line and 'TEMPORARILY_UNAVAILABLE' in line and chat:
            ok('read-only store: REGISTER refused with TEMPORARILY_UNAVAILABLE, chat goes on')
        else:
            fail('read-only store: %r, chat %r' % (line, chat))
        a.close()
        b.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    finally:
        subprocess.run(['umount', '-l', mnt])


def damaged(tmp):
    """Section 7: a database that is not one."""
    data = os.path.join(tmp, 'damaged')
    os.mkdir(data)
    with open(os.path.join(data, 'natterd.db'), 'wb') as f:
        f.write(b'SQLite format 3\0' + os.urandom(8192))
    log = os.path.join(tmp, 'natterd-damaged.log')
    proc, port = start(data, log)
    a, b = connect(port, 'd1'), connect(port, 'd2')
    a.send('REGISTER d1 * password-d1')
    line = a.expect(r'REGISTER (SUCCESS|\S+) d1 ', 20)
    a.send('PRIVMSG d2 :damaged but chatting')
    chat = b.expect(r'PRIVMSG d2 :damaged but chatting', 20)
    logged = 'store unavailable' in open(log, 'rb').read().decode('utf-8', 'replace')
    if line and 'TEMPORARILY_UNAVAILABLE' in line and chat and logged:
        ok('damaged database: logged, chat goes on, REGISTER gets TEMPORARILY_UNAVAILABLE')
    else:
        fail('damaged database: REGISTER %r, chat %r, logged %r' % (line, chat, logged))
    a.close()
    b.close()
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)


def main():
    tmp = tempfile.mkdtemp(prefix='natterd-accounts-')
    data = os.path.join(tmp, 'data')
    os.mkdir(data)
    log = os.path.join(tmp, 'natterd.log')
    proc, port = start(data, log)
    log = os.path.join(tmp, 'natterd-after-crash.log')

    # ---- 1. a burst, with a backup in the middle ----
    n = 40
    clients = [connect(port, 'user%d' % i) for i in range(n)]
    for i, c in enumerate(clients[:20]):
        c.send('REGISTER acct%d * password-%d' % (i, i))
    acked = {}
    backup = os.path.join(tmp, 'backup.db')
    acked_before_backup = set()
    backup_proc = None
    for i, c in enumerate(clients[:20]):
        if c.expect(r'REGISTER SUCCESS acct%d ' % i, 30):
            acked['acct%d' % i] = 'password-%d' % i
            if i < 10:
                acked_before_backup.add('acct%d' % i)
        if i == 9:
            backup_proc = subprocess.Popen([NATTERD, '--backup', backup, '--data-dir', data],
                                           stdout=subprocess.DEVNULL)
    if len(acked) == 20:
        ok('20 simultaneous REGISTERs acknowledged')
    else:
        fail('only %d of 20 REGISTERs acknowledged' % len(acked))
    # Password changes on half of them, acknowledged.
    for i in range(0, 10, 2):
        clients[i].send('PRIVMSG NickServ :SET PASSWORD changed-%d' % i)
    for i in range(0, 10, 2):
        if clients[i].expect(r'password of acct%d has been changed' % i, 30):
            acked['acct%d' % i] = 'changed-%d' % i
        else:
            fail('SET PASSWORD for acct%d not acknowledged' % i)

    # A registered channel whose topic and key were changed, acknowledged
    # (ChanServ's reply; the TOPIC and MODE lines come back to the op).
    owner = clients[1]
    owner.send('JOIN #crash')
    owner.send('PRIVMSG ChanServ :REGISTER #crash')
    if not owner.expect(r'#crash is now registered to acct1', 30):
        fail('ChanServ REGISTER #crash not acknowledged')
    owner.send('TOPIC #crash :set before the crash\r\nMODE #crash +k crashkey')
    if not (owner.expect(r' TOPIC #crash :set before the crash', 30) and
            owner.expect(r' MODE #crash \+k crashkey', 30)):
        fail('TOPIC and MODE on #crash not echoed')

    # ---- 2. kill -9 in the middle of a second burst ----
    for i, c in enumerate(clients[20:], start=20):
        c.send('REGISTER acct%d * password-%d' % (i, i))
    # The first acknowledgement of the second burst, then the kill: some
    # are acknowledged, some in flight, some not started.
    second = {}
    first = None
    end = time.time() + 30
    while first is None and time.time() < end:
        for i, c in enumerate(clients[20:], start=20):
            c.pump()
            for line in c.lines:
                if ('REGISTER SUCCESS acct%d ' % i) in line:
                    first = i
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for i, c in enumerate(clients[20:], start=20):
        c.pump()
        if any(('REGISTER SUCCESS acct%d ' % i) in line for line in c.lines):
            second['acct%d' % i] = 'password-%d' % i
    for c in clients:
        c.close()
    ok('natterd killed with SIGKILL with %d of the second burst acknowledged' % len(second))
    acked.update(second)

    # ---- 3. after the restart ----
    proc, port = start(data, log)  # its own log: the port is the new one's
    lost = [a for a, p in sorted(acked.items()) if not sasl_plain(port, 'check', a, p)]
    if lost:
        fail('acknowledged but lost after kill -9: %s' % ', '.join(lost))
    else:
        ok('all %d acknowledged accounts and password changes log in after kill -9' % len(acked))
    c = connect(port, 'chanprobe')
    c.send('TOPIC #crash')
    topic = c.expect(r' 332 chanprobe #crash :', 20)
    c.send('PRIVMSG ChanServ :INFO #crash')
    founder = c.expect(r'Founder +: acct1', 20)
    c.send('JOIN #crash')
    keyed = c.expect(r' 475 chanprobe #crash ', 20)
    c.close()
    if topic and 'set before the crash' in topic and founder and keyed:
        ok('registered channel #crash after kill -9: founder, topic and key restored')
    else:
        fail('#crash after kill -9: topic %r, founder %r, key %r' % (topic, founder, keyed))
    # Unacknowledged ones are whole (log in with their password) or absent.
    for i in range(20, 40):
        name = 'acct%d' % i
        if name in acked:
            continue
        c = connect(port, 'probe%d' % i)
        c.send('PRIVMSG NickServ :INFO %s' % name)
        line = c.expect(r'(Information on|is not registered)', 20)
        c.close()
        if line and 'Information on' in line and not sasl_plain(port, 'p', name,
                                                                'password-%d' % i):
            fail('%s exists after the crash but its password does not work' % name)
    ok('accounts in flight at the crash are whole or absent')
    if backup_proc is None or backup_proc.wait(60) != 0:
        fail('natterd --backup did not succeed')
    try:
        db = sqlite3.connect('file:%s?mode=ro' % backup, uri=True)
        check = db.execute('PRAGMA integrity_check').fetchone()[0]
        names = {r[0] for r in db.execute('SELECT key FROM accounts')}
        db.close()
        if check != 'ok':
            fail('backup integrity_check: %s' % check)
        elif not acked_before_backup <= names:
            fail('backup lacks %s' % sorted(acked_before_backup - names))
        else:
            ok('natterd --backup during the burst: consistent, %d accounts' % len(names))
    except sqlite3.Error as e:
        fail('backup unreadable: %s' % e)

    # ---- 4. wrong passwords: answered, bounded, the server stays live ----
    watcher = connect(port, 'watcher')
    start_t = time.time()
    guesser = ircclient.Client(port, 'guesser')
    guesser.wait_connected(10)
    guesser.send('CAP REQ :sasl')
    limited = 0
    wrong = base64.b64encode(b'\0acct1\0wrong-guess').decode()
    # One at a time, as a client waits for each answer (pipelined tries
    # are refused as out of order while a check is in flight).
    replies = 0
    for _ in range(1000):
        guesser.send('AUTHENTICATE PLAIN\r\nAUTHENTICATE ' + wrong)
        seen = []
        line = guesser.expect(r' 904 ', 20, seen)
        if line is None:
            break
        replies += 1
        if any('FAIL AUTHENTICATE RATE_LIMITED' in x for x in seen):
            limited += 1
    elapsed = time.time() - start_t
    if replies == 1000 and limited >= 990:
        ok('1,000 wrong passwords from one address: 1,000 answers, %d rate-limited, %.2f s'
           % (limited, elapsed))
    else:
        fail('1,000 wrong passwords: %d answers, %d rate-limited' % (replies, limited))
    many = []
    for i in range(100):
        c = ircclient.Client(port, 'g%d' % i)
        c.wait_connected(10)
        c.send('CAP REQ :sasl\r\nAUTHENTICATE PLAIN\r\nAUTHENTICATE ' + wrong)
        many.append(c)
    answered = sum(1 for c in many if c.expect(r' 904 ', 30))
    if answered == 100:
        ok('100 connections guessing one account: all answered')
    else:
        fail('100 connections guessing: %d answered' % answered)
    if watcher.sync(10):
        ok('the server answers PING during and after the guessing')
    else:
        fail('the server stopped answering')
    # ---- 5. one name, two connections, the same moment ----
    r1, r2 = connect(port, 'race1'), connect(port, 'race2')
    r1.send('REGISTER samename * password-race-1')
    r2.send('REGISTER samename * password-race-2')
    answers = [c.expect(r'REGISTER (SUCCESS|.*ACCOUNT_EXISTS) samename', 30) for c in (r1, r2)]
    wins = sum(1 for a in answers if a and 'SUCCESS' in a)
    exists = sum(1 for a in answers if a and 'ACCOUNT_EXISTS' in a)
    if wins == 1 and exists == 1:
        ok('REGISTER race for one name: one SUCCESS, one ACCOUNT_EXISTS')
    else:
        fail('REGISTER race: %r' % answers)
    r1.close()
    r2.close()
    proc.send_signal(signal.SIGTERM)
    if proc.wait(20) != 0:
        fail('natterd exit status %d after SIGTERM' % proc.returncode)
    disk_full(tmp)
    damaged(tmp)
    if failures:
        print(open(log, 'rb').read().decode('utf-8', 'replace')[-4000:])
        return 1
    print('accounts: all checks passed')
    subprocess.run(['rm', '-rf', tmp])
    return 0


if __name__ == '__main__':
    sys.exit(main())

# SPDX-License-Identifier: MIT
"""The natterd program started by a Python test: on a free loopback port,
its log appended to a file, found listening by reading that run's part of
the log; and the tests' ok/FAIL lines."""
import os
import re
import subprocess
import time

failures = []


def ok(what):
    print('ok   ' + what, flush=True)


def fail(what):
    print('FAIL ' + what, flush=True)
    failures.append(what)


def start(natterd, conf, log, seconds=20):
    """natterd with the config file conf, logging (info) to log; returns
    (proc, port) once it listens, or exits the test with the log shown."""
    offset = os.path.getsize(log) if os.path.exists(log) else 0
    proc = subprocess.Popen([natterd, '--config', conf, '--listen', '127.0.0.1:0',
                             '--log-level', 'info'], stderr=open(log, 'ab'),
                            stdin=subprocess.DEVNULL)
    end = time.time() + seconds
    while time.time() < end:
        with open(log, 'rb') as f:
            f.seek(offset)  # this run's lines only
            text = f.read().decode('utf-8', 'replace')
        m = re.findall(r'listening on 127\.0\.0\.1:(\d+)', text)
        if m and proc.poll() is None:
            return proc, int(m[-1])
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    print(open(log, 'rb').read().decode('utf-8', 'replace'))
    raise SystemExit('FAIL natterd did not start')

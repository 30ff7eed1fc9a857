# SPDX-License-Identifier: MIT
"""Fault tests against a spawned natterd: the pieces every scenario uses.

A scenario starts natterd (the program itself, natively, or natterd.exe
under wine) on 127.0.0.1 with a test configuration, drives it over real
sockets, watches the process from outside (/proc: open descriptors, RSS,
CPU time), and ends with SIGTERM: the server must exit with status 0 and
write no sanitizer report.

Everything waits with a deadline and never sleeps and hopes: a check
that cannot become true in time fails with what was seen.  Deadlines are
multiplied by the slow factor (a sanitizer build, wine): ircclient.SLOW,
set by main().  The clients are tests/lib/ircclient.py's, shared with
every Python test.
"""

import atexit
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402
from ircclient import deadline, now  # noqa: E402,F401

SKIP = 77

# Lines in natterd's log that only a sanitizer writes.
SANITIZER_PATTERNS = re.compile(
    r'ERROR: (AddressSanitizer|LeakSanitizer|ThreadSanitizer|MemorySanitizer)'
    r'|runtime error: |SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)')


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
            self.exit_status = self.proc.wait(timeout=seconds * ircclient.SLOW)
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


def main(scenarios):
    """Command line: SCENARIO NATTERD [--sanitized] [--seconds N].
    scenarios maps names to functions f(args) -> exit status."""
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument('scenario', choices=sorted(scenarios))
    p.add_argument('natterd')
    p.add_argument('--sanitized', action='store_true',
                   help='natterd is an ASan/UBSan build: wider deadlines, RSS not judged')
    p.add_argument('--seconds', type=float, default=None,
                   help='duration of a timed scenario (churn)')
    args = p.parse_args()
    slow = float(os.environ.get('NATTER_FAULTS_SLOW', '1'))
    # The clients' deadlines and natterd's (ircclient.deadline) both grow.
    ircclient.SLOW = max(slow, 3.0 if args.sanitized else 1.0)
    # The test's own descriptors: a thousand clients at once.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    sys.exit(scenarios[args.scenario](args))

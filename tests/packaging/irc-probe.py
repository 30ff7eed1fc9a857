#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Connect to an IRC server, register, and wait for the 001 welcome.

    irc-probe.py HOST PORT [DEADLINE_SECONDS]

Retries the connection until the deadline (the server may still be
starting), prints the welcome line, sends QUIT and exits 0; exits 1 when no
welcome arrives in time.  Only the standard library: this is the "native
client" of the package checks.
"""
import socket
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    deadline = time.monotonic() + (float(sys.argv[3]) if len(sys.argv) > 3 else 20.0)
    last_error = "no attempt"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.sendall(b"NICK probe\r\nUSER probe 0 * :package check\r\n")
                data = b""
                s.settimeout(max(0.1, deadline - time.monotonic()))
                while b" 001 " not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        raise ConnectionError("closed before 001: %r" % data[-200:])
                    data += chunk
                line = next(l for l in data.split(b"\r\n") if b" 001 " in l)
                print(line.decode("utf-8", "replace"))
                s.sendall(b"QUIT :done\r\n")
                return 0
        except (OSError, ConnectionError) as e:
            last_error = str(e)
            time.sleep(0.2)
    print("irc-probe: no 001 welcome from %s:%d (%s)" % (host, port, last_error), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

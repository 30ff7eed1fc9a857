#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Connect to an IRC server, register, and wait for the 001 welcome.

    irc-probe.py HOST PORT [DEADLINE_SECONDS]

Retries the connection until the deadline (the server may still be
starting), prints the welcome line, sends QUIT and exits 0; exits 1 when no
welcome arrives in time.  Only the standard library and the tests' shared
client (tests/lib/ircclient.py, found beside this folder): this is the
"native client" of the package checks.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    end = ircclient.deadline(seconds)
    last_error = "no attempt"
    while True:
        left = end - ircclient.now()
        if left <= 0:
            break
        c = ircclient.connect(host, port, "probe", seconds=left, retry=True)
        if c is None:
            last_error = ircclient.connect.last_error
            break
        if c.register_send("probe", realname="package check"):
            welcome = c.expect(r"^:\S+ 001 ", end - ircclient.now())
            if welcome is not None:
                print(welcome)
                c.quit("done")
                return 0
        last_error = "closed before 001" if c.gone else "no 001 in time"
        c.close()
    print("irc-probe: no 001 welcome from %s:%d (%s)" % (host, port, last_error), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Connect to an IRC server, register, and wait for the 001 welcome.

    irc-probe.py [--tls CA_PEM] HOST PORT [DEADLINE_SECONDS]

With --tls the connection is TLS, verified against CA_PEM (a server's
self-signed certificate is its own CA) and the host name.

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
    args = sys.argv[1:]
    tls = None
    if args[:1] == ['--tls']:
        tls = ircclient.tls_context(ca=args[1])
        args = args[2:]
    host, port = args[0], int(args[1])
    seconds = float(args[2]) if len(args) > 2 else 20.0
    end = ircclient.deadline(seconds)
    last_error = "no attempt"
    while True:
        left = end - ircclient.now()
        if left <= 0:
            break
        c = ircclient.connect(host, port, "probe", seconds=left, retry=True, tls=tls,
                              server_hostname="localhost" if tls else None)
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

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The server's view of a login, for the end-to-end test: connect as a
raw client, WHOIS a nick, and print the account natterd names in its 330
(RPL_WHOISACCOUNT), or "-" when there is none.

usage: whois-account.py PORT NICK
Exits 0 when the WHOIS ended (318), 1 when it did not in time.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import ircclient  # noqa: E402

port, target = int(sys.argv[1]), sys.argv[2]
c = ircclient.registered(port, "e2e-whois")
c.send("WHOIS %s" % target)
account = "-"
while True:
    line = c.expect(r" (330|318) ", seconds=10)
    if line is None:
        sys.exit(1)
    m = re.search(r" 330 \S+ \S+ (\S+)", line)
    if m:
        account = m.group(1)
    if " 318 " in line:
        break
print(account)
c.quit()

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the dispatch target's account seeds (corpus/dispatch/account-*).

A script rather than hand-made files because one seed holds a valid
SCRAM-SHA-256 exchange: its proof depends on the salt and server nonce,
which fuzz-dispatch.c fixes (its __wrap_nt_random_bytes() gives every
call the same bytes, mirrored by rand_bytes() here), and on the PBKDF2
rounds its wrapper really runs (one, whatever the server announces).
Change either there and run this again.

The input format is fuzz-dispatch.c's: each line starts with one op byte,
0-63 a line for client op % 4 (connecting it first; client 3 has a TLS
client certificate), 0x80 + k drops client k, 0xc0 + n lets n * 5 s pass
(0xc0 itself: no time, but held password hashes finish).

  tests/fuzz/make-account-seeds.py                 write the seeds
  tests/fuzz/make-account-seeds.py --check EXE     also replay each through
        the built target (NATTER_FUZZ_ECHO=1) and check that it reaches
        what it is meant to (a 903 for a SASL login, ...)
"""

import argparse
import base64
import hashlib
import hmac
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus", "dispatch")
ITERATIONS = 4096  # FUZZ_ITERATIONS in fuzz-dispatch.c: what the server says
ROUNDS = 1         # what its PBKDF2 really runs (__wrap_nettle_pbkdf2_hmac_sha256)
PIECE = 400        # AUTHENTICATE's piece size
TLS_CERTFP = "0123456789abcdef" * 4  # TLS_CERTFP in fuzz-dispatch.c


def rand_bytes(n):
    """What the target's nt_random_bytes() gives, for any call."""
    return bytes((0x5A ^ (i * 37)) & 0xFF for i in range(n))


def b64(data):
    return base64.b64encode(data).decode()


class Script:
    """One seed: lines for clients 0-3, drops and time."""

    def __init__(self):
        self.data = b""

    def send(self, k, text):
        if isinstance(text, str):
            text = text.encode()
        assert b"\n" not in text and 0 <= k < 4
        self.data += bytes([k]) + text + b"\n"

    def lines(self, k, *texts):
        for t in texts:
            self.send(k, t)

    def register(self, k, nick, caps=None):
        """Connect client k as nick (CAP negotiation left open when caps
        is given: the caller ends it with CAP END)."""
        if caps is not None:
            self.lines(k, "CAP LS 302", "CAP REQ :" + caps)
        self.lines(k, "NICK " + nick, "USER %s 0 * :%s" % (nick, nick.upper()))

    def drop(self, k):
        self.data += bytes([0x80 | k]) + b"\n"

    def finish(self, seconds=0):
        """Held hashes finish (the worker caught up); seconds pass."""
        assert seconds % 5 == 0 and seconds // 5 < 64
        self.data += bytes([0xC0 | seconds // 5]) + b"\n"

    def authenticate(self, k, payload):
        """AUTHENTICATE a payload (bytes) in pieces, "+" after an exact
        multiple of 400 (an empty one is "+" alone)."""
        text = b64(payload)
        for off in range(0, len(text), PIECE):
            self.send(k, "AUTHENTICATE " + text[off:off + PIECE])
        if len(text) % PIECE == 0:
            self.send(k, "AUTHENTICATE +")

    def ns(self, k, text):
        self.send(k, "PRIVMSG NickServ :" + text)


# ---- SCRAM-SHA-256, the client side (RFC 5802) ----

def hmac256(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()


def scram_exchange(user, password, client_nonce, gs2="n,,", salt=None):
    """(client-first, client-final) for an account registered in the same
    input (salt and rounds: the target's) and the server nonce it sends."""
    salt = rand_bytes(16) if salt is None else salt
    first_bare = "n=%s,r=%s" % (user, client_nonce)
    nonce = client_nonce + b64(rand_bytes(18))
    server_first = "r=%s,s=%s,i=%d" % (nonce, b64(salt), ITERATIONS)
    without_proof = "c=%s,r=%s" % (b64(gs2.encode()), nonce)
    auth = ",".join([first_bare, server_first, without_proof]).encode()
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, ROUNDS)
    client_key = hmac256(salted, b"Client Key")
    stored_key = hashlib.sha256(client_key).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, hmac256(stored_key, auth)))
    return (gs2 + first_bare).encode(), ("%s,p=%s" % (without_proof, b64(proof))).encode()


def plain(authz, authc, password):
    return b"\0".join([authz.encode(), authc.encode(),
                       password if isinstance(password, bytes) else password.encode()])


# ---- the seeds: name -> (script, what the replay must show) ----

def seed_sasl_plain():
    s = Script()
    # alice registers (REGISTER before 001, with "*" for the nick).
    s.register(1, "alice", "sasl draft/account-registration")
    s.lines(1, "REGISTER * * correct-horse", "CAP END")
    s.finish()
    s.lines(1, "JOIN #acc")
    # Client 0: a wrong password, then the right one with CAP END sent
    # while the check is in flight (registration waits for it).
    s.register(0, "zero", "sasl account-notify extended-join account-tag")
    s.send(0, "AUTHENTICATE PLAIN")
    s.authenticate(0, plain("", "alice", "wrong-horse"))
    s.finish()
    s.send(0, "AUTHENTICATE PLAIN")
    s.authenticate(0, plain("alice", "ALICE", "correct-horse"))
    s.send(0, "CAP END")
    s.finish()
    s.lines(0, "JOIN #acc", "AUTHENTICATE PLAIN", "PRIVMSG #acc :hi", "WHO #acc %tna",
            "WHOIS alice")
    # Client 2: every way to get it wrong.
    s.lines(2, "AUTHENTICATE PLAIN")  # before CAP REQ sasl
    s.register(2, "two", "sasl")
    s.lines(2, "AUTHENTICATE PLAIN", "AUTHENTICATE !!!!")
    s.lines(2, "AUTHENTICATE PLAIN", "AUTHENTICATE +")
    s.lines(2, "AUTHENTICATE DIGEST-MD5", "AUTHENTICATE *", "AUTHENTICATE plain",
            "AUTHENTICATE *")
    s.send(2, "AUTHENTICATE PLAIN")
    s.authenticate(2, plain("bob", "alice", "correct-horse"))  # another authzid
    s.send(2, "AUTHENTICATE PLAIN")
    s.authenticate(2, plain("", "nobody", "some-password"))  # unknown: same cost
    s.finish()
    # Aborted while the check runs, then a new start before it is back.
    s.send(2, "AUTHENTICATE PLAIN")
    s.authenticate(2, plain("", "alice", "correct-horse"))
    s.lines(2, "AUTHENTICATE *", "AUTHENTICATE PLAIN", "AUTHENTICATE +", "CAP END")
    s.finish()
    # Gone while its check runs.
    s.send(2, "AUTHENTICATE PLAIN")
    s.authenticate(2, plain("", "alice", "correct-horse"))
    s.drop(2)
    s.finish()
    # After registration: SASL then MODE +r.
    s.register(2, "late", "sasl")
    s.send(2, "CAP END")
    s.send(2, "AUTHENTICATE PLAIN")
    s.authenticate(2, plain("", "alice", "correct-horse"))
    s.finish()
    s.lines(2, "MODE late", "QUIT :bye")
    return s, ["903", "904", "906", "907", "908", "REGISTER SUCCESS", "+r"]


def seed_sasl_chunks():
    s = Script()
    long_pw = "p" * 293  # \0alice\0 + 293 bytes = 300 bytes = exactly 400 in base64
    s.register(1, "alice")
    s.send(1, "REGISTER alice * " + long_pw)
    s.finish()
    s.register(0, "zero", "sasl")
    s.send(0, "AUTHENTICATE PLAIN")
    payload = plain("", "alice", long_pw)
    assert len(b64(payload)) == PIECE
    s.authenticate(0, payload)  # one piece of 400, then "+"
    s.finish()
    s.send(0, "CAP END")
    s.register(2, "two", "sasl")
    s.send(2, "AUTHENTICATE PLAIN")
    s.authenticate(2, plain("alice", "alice", long_pw))  # 400 + 8
    s.finish()
    # Pieces that are not base64 once joined, and "+" alone.
    s.register(3, "three", "sasl")
    s.lines(3, "AUTHENTICATE PLAIN", "AUTHENTICATE " + "QUFB" * 99 + "QU=B", "AUTHENTICATE +")
    s.lines(3, "AUTHENTICATE PLAIN", "AUTHENTICATE QQ==", "AUTHENTICATE PLAIN",
            "AUTHENTICATE AA==")
    s.finish()
    return s, ["903", "not valid base64", "malformed PLAIN"]


def seed_sasl_too_long():
    s = Script()
    s.register(0, "zero", "sasl")
    # A piece of 401, then more than 2048 bytes in pieces of 400.
    s.lines(0, "AUTHENTICATE PLAIN", "AUTHENTICATE " + "A" * 401)
    s.send(0, "AUTHENTICATE SCRAM-SHA-256")
    for _ in range(6):
        s.send(0, "AUTHENTICATE " + "QUFB" * 100)
    s.lines(0, "AUTHENTICATE PLAIN", "AUTHENTICATE " + "QUFB" * 100, "AUTHENTICATE *",
            "CAP END")
    return s, ["905", "906"]


def seed_sasl_scram():
    s = Script()
    s.register(1, "bob")
    s.send(1, "REGISTER bob * hunter2hunter2")
    s.finish()
    s.send(1, "QUIT")
    first, final = scram_exchange("bob", "hunter2hunter2", "fyko+d2lbbFgONRv9qkxdawL")
    s.register(0, "zero", "sasl")
    s.send(0, "AUTHENTICATE SCRAM-SHA-256")
    s.authenticate(0, first)
    s.authenticate(0, final)
    s.send(0, "AUTHENTICATE +")  # after the server-final
    s.send(0, "CAP END")
    s.lines(0, "WHOIS zero")
    # With an authzid naming the same account.
    first, final = scram_exchange("bob", "hunter2hunter2", "rOprNGfwEbeRWgbNEkqO", gs2="n,a=bob,")
    s.register(2, "two", "sasl")
    s.send(2, "AUTHENTICATE SCRAM-SHA-256")
    s.authenticate(2, first)
    s.authenticate(2, final)
    s.send(2, "AUTHENTICATE +")
    s.send(2, "CAP END")
    # Wrong proof, wrong nonce, a payload after server-final, unknown user.
    s.register(3, "three", "sasl")
    first, final = scram_exchange("bob", "not-the-password", "abcdefghijklmnop")
    s.send(3, "AUTHENTICATE SCRAM-SHA-256")
    s.authenticate(3, first)
    s.authenticate(3, final)
    first, final = scram_exchange("bob", "hunter2hunter2", "abcdefghijklmnop")
    s.send(3, "AUTHENTICATE SCRAM-SHA-256")
    s.authenticate(3, first)
    s.authenticate(3, final.replace(b"r=abcdefghijklmnop", b"r=abcdefghijklmnoq"))
    s.send(3, "AUTHENTICATE SCRAM-SHA-256")
    s.authenticate(3, first)
    s.authenticate(3, final)
    s.authenticate(3, b"v=extra")
    s.send(3, "AUTHENTICATE SCRAM-SHA-256")
    s.authenticate(3, b"n,,n=nobody,r=0123456789")
    s.authenticate(3, b"c=biws,r=0123456789,p=AAAA")
    # Malformed client-first messages.
    for bad in (b"x,,n=bob,r=abc", b"p=tls-unique,,n=bob,r=abc", b"y,,n=bob,r=abc",
                b"n,a=eve,n=bob,r=abc", b"n,,m=ext,n=bob,r=abc", b"n,,n=b=3Dob=2C,r=abc",
                b"n,,n=b=4Aob,r=abc", b"n,,n=bob,r=a,b", b"n,,n=bob", b"n,,r=abc", b"n,,",
                b"n,,n=bob,r=" + b"x" * 65):
        s.send(3, "AUTHENTICATE SCRAM-SHA-256")
        s.authenticate(3, bad)
    s.lines(3, "AUTHENTICATE SCRAM-SHA-256", "AUTHENTICATE *")
    return s, ["903 zero", "903 two", "AUTHENTICATE cj1", "AUTHENTICATE dj1", "malformed SCRAM",
               "invalid account name or password"]


def seed_sasl_external():
    s = Script()
    # Client 3 has a certificate: it registers and adds it.
    s.register(3, "carol")
    s.ns(3, "REGISTER carolpass1")
    s.finish()
    s.ns(3, "CERT ADD")
    s.ns(3, "CERT LIST")
    s.drop(3)
    # A new connection of client 3 logs in with it.
    s.register(3, "carol", "sasl")
    s.lines(3, "AUTHENTICATE EXTERNAL", "AUTHENTICATE +", "CAP END", "WHOIS carol")
    s.drop(3)
    # An authzid naming another account; one naming carol.
    s.register(3, "c3", "sasl")
    s.send(3, "AUTHENTICATE EXTERNAL")
    s.authenticate(3, b"dave")
    s.send(3, "AUTHENTICATE EXTERNAL")
    s.authenticate(3, b"carol")
    s.send(3, "CAP END")
    # No certificate: refused at once.
    s.register(0, "zero", "sasl")
    s.lines(0, "AUTHENTICATE EXTERNAL", "CAP END")
    # The certificate goes; EXTERNAL no longer finds an account.
    s.ns(3, "CERT DEL " + TLS_CERTFP)
    s.drop(3)
    s.register(3, "c3", "sasl")
    s.lines(3, "AUTHENTICATE EXTERNAL", "AUTHENTICATE +")
    return s, ["903", "Added to the certificate list", "Removed from the certificate list",
               "not registered"]


def seed_register():
    s = Script()
    s.send(0, "REGISTER * * password123")  # no nick yet
    s.send(0, "CAP REQ :draft/account-registration")
    s.register(0, "eve")
    s.lines(0, "REGISTER * * short", "REGISTER 1bad * password123",
            "REGISTER eve eve@example.org password123")
    s.lines(1, "NICK other", "USER o 0 * :O", "REGISTER EVE * password456")  # reserved
    s.finish()
    s.lines(0, "REGISTER frank * password123",  # already logged in
            "VERIFY eve 12345", "VERIFY", "REGISTER", "REGISTER a b")
    # Registrations per address: the sixth in a minute is refused.
    for i in range(5):
        s.lines(2, "NICK g%d" % i, "USER g 0 * :G", "REGISTER * * password%d23" % i)
        if i == 2:
            s.drop(2)  # gone while hashing: the name is released
        else:
            s.finish()
            s.drop(2)
    s.lines(2, "NICK g9", "USER g 0 * :G", "REGISTER * * password923")
    s.finish(60)
    s.lines(2, "REGISTER * * password923")
    s.finish()
    s.lines(1, "REGISTER " + "n" * 40 + " * password123")
    s.send(1, "REGISTER other * " + "x" * 301)
    return s, ["REGISTER SUCCESS", "ACCOUNT_EXISTS", "WEAK_PASSWORD", "BAD_ACCOUNT_NAME",
               "ALREADY_AUTHENTICATED", "RATE_LIMITED", "INVALID_CODE"]


def seed_nickserv():
    s = Script()
    s.register(0, "nsuser")
    for t in ("HELP", "", "REGISTER", "REGISTER secretpass", "INFO"):
        s.ns(0, t)
    s.finish()
    for t in ("INFO", "INFO nsuser", "INFO nobody", "SET PASSWORD", "SET EMAIL x",
              "SET PASSWORD short", "SET PASSWORD newsecret1", "SET PASSWORD newsecret2"):
        s.ns(0, t)
    s.finish()
    fp = "AB" * 32
    for t in ("CERT ADD", "CERT ADD " + fp, "CERT ADD " + fp, "CERT ADD zz", "CERT LIST",
              "CERT DEL " + "cd" * 32, "CERT DEL " + fp, "CERT DEL", "CERT FOO", "CERT",
              "LOGOUT", "LOGOUT", "IDENTIFY", "IDENTIFY wrongpass", "LOGIN nsuser newsecret1"):
        s.ns(0, t)
    s.finish()
    # The second SET PASSWORD was refused (busy): newsecret1 it is.
    s.ns(0, "IDENTIFY newsecret1")
    s.finish()
    s.lines(0, "NS IDENTIFY nsuser newsecret1", "NICKSERV INFO", "NS", "NS FOO bar",
            "NOTICE NickServ :IDENTIFY newsecret1", "PRIVMSG nickserv :INFO")
    # GHOST and RECOVER from another connection, with the password.
    s.register(1, "helper")
    s.lines(1, "NS GHOST", "NS GHOST nobody", "NS GHOST nsuser", "NS GHOST helper x",
            "NS GHOST nsuser wrongpass")
    s.finish()
    s.send(1, "NS GHOST nsuser newsecret1")
    s.finish()
    s.register(2, "nsuser")  # an unlogged user on a registered nick: grace
    s.send(1, "NS RECOVER nsuser newsecret1")
    s.finish()
    s.lines(1, "NICK helper", "NS IDENTIFY nsuser newsecret1")
    s.finish()
    s.register(3, "nsuser")
    s.lines(1, "PING x", "NS GHOST nsuser")  # logged in: no password needed
    s.register(3, "nsuser")
    s.finish(65)  # the grace period ends: renamed
    s.lines(1, "PONG :natterd.localhost", "NS REGAIN nsuser", "NS REGAIN nsuser")
    s.ns(1, "DROP nsuser")
    s.ns(1, "DROP other newsecret1")
    s.ns(1, "DROP nsuser wrongpass")
    s.finish()
    s.ns(1, "DROP nsuser newsecret1")
    s.finish()
    s.ns(1, "INFO nsuser")
    return s, ["is now registered to you", "has been changed", "Connect with that certificate",
               "has been disconnected", "You have regained nsuser", "has been dropped",
               "Invalid password", "This nickname is registered", "renamed"]


def seed_inflight():
    """Several hashes and writes in flight at once, and what happens to
    them: an account dropped mid-SCRAM, a password changed while being
    checked, a client gone while its change is stored."""
    s = Script()
    s.register(0, "dan", "sasl")
    s.send(0, "CAP END")
    s.ns(0, "REGISTER danpass123")
    s.finish()
    # Client 1 starts SCRAM for dan and stops after the server-first.
    first, final = scram_exchange("dan", "danpass123", "nonce1nonce1")
    s.register(1, "one", "sasl")
    s.send(1, "AUTHENTICATE SCRAM-SHA-256")
    s.authenticate(1, first)
    # Client 2 checks dan's password (PLAIN) while dan changes it.
    s.register(2, "two", "sasl")
    s.send(2, "AUTHENTICATE PLAIN")
    s.authenticate(2, plain("", "dan", "danpass123"))
    s.ns(0, "SET PASSWORD danpass456")
    s.ns(0, "SET PASSWORD danpass789")  # busy
    s.ns(0, "DROP dan danpass123")  # busy too
    s.finish()
    s.authenticate(1, final)  # the old password: refused now
    s.send(2, "CAP END")
    # dan drops the account while client 3 is mid-SCRAM and client 2 is
    # checking a password for it.
    first, final = scram_exchange("dan", "danpass456", "nonce3nonce3")
    s.register(3, "three", "sasl")
    s.send(3, "AUTHENTICATE SCRAM-SHA-256")
    s.authenticate(3, first)
    s.ns(2, "IDENTIFY dan danpass456")
    s.ns(0, "DROP dan danpass456")
    s.finish()
    s.authenticate(3, final)
    s.send(3, "CAP END")
    # Changes in flight when their client goes, and at the end of input.
    s.ns(2, "REGISTER twopass123")
    s.finish()
    s.ns(2, "SET PASSWORD twopass456")
    s.drop(2)
    s.register(0, "dan2")
    s.ns(0, "REGISTER dan2pass123")
    s.send(1, "REGISTER one * onepass123")
    s.send(3, "QUIT")
    s.finish(60)
    s.ns(0, "IDENTIFY dan2 dan2pass123")
    s.send(1, "NS IDENTIFY dan2 dan2pass123")
    return s, ["has been changed", "has been dropped", "Another change",
               "invalid account name or password"]


SEEDS = {
    "account-sasl-plain": seed_sasl_plain,
    "account-sasl-chunks": seed_sasl_chunks,
    "account-sasl-too-long": seed_sasl_too_long,
    "account-sasl-scram": seed_sasl_scram,
    "account-sasl-external": seed_sasl_external,
    "account-register": seed_register,
    "account-nickserv": seed_nickserv,
    "account-inflight": seed_inflight,
}


def main(table=None, doc=None):
    """Write (and with --check replay) the seeds of table (default: SEEDS);
    make-history-seeds.py calls it with its own."""
    table = SEEDS if table is None else table
    ap = argparse.ArgumentParser(description=doc or __doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", metavar="EXE", help="replay each seed through this fuzz-dispatch")
    ap.add_argument("--show", metavar="SEED", help="with --check: print that seed's conversation")
    args = ap.parse_args()
    bad = 0
    for name, make in table.items():
        script, expect = make()
        assert len(script.data) <= 4096, "%s: %d bytes, over run-fuzz.sh's -max_len" % (
            name, len(script.data))
        path = os.path.join(CORPUS, name)
        with open(path, "wb") as f:
            f.write(script.data)
        line = "%s: %d bytes" % (name, len(script.data))
        if args.check:
            res = subprocess.run([args.check, "-runs=1", path], stderr=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, env=dict(os.environ, NATTER_FUZZ_ECHO="1"))
            out = res.stderr.decode(errors="replace")
            missing = [e for e in expect if e not in out]
            if res.returncode != 0 or missing:
                bad += 1
                line += ": FAILED (exit %d; missing %s)" % (res.returncode, missing)
            else:
                line += ": reaches " + ", ".join(expect)
            if args.show == name:
                print(out)
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

/* SPDX-License-Identifier: MIT */
/*
 * natterd's live suites: a real server on 127.0.0.1 and scripted clients
 * over real sockets.
 *
 * By default each test starts its own server in this process: srv_server
 * and srv_net on an nt_loop run by an nt_thread, listening on an
 * OS-chosen port, configured by one of the profiles below.  When the
 * environment names an external server (NATTERD_TEST_ADDR=HOST:PORT, and
 * NATTERD_TEST_ADDR_<PROFILE> for the other profiles), the same tests run
 * against it instead: tests/natterd/external.sh starts natterd (natively,
 * or natterd.exe under wine) once per profile with the configuration this
 * program prints for `--print-config PROFILE`.  A profile the environment
 * does not name is skipped with a reason, as are the few checks that need
 * the server in-process (its output queues, its shutdown).
 *
 * An external address may also be a cluster: the variable then lists its
 * nodes, comma-separated (external.sh's cluster mode: three natterd nodes
 * and one redis-server per profile).  The test's clients connect to them
 * in turn, so consecutive clients land on different nodes and the same
 * assertions check what crosses nodes; live_addr() is the first node.
 * A node learns what another did about a millisecond later, so in a
 * cluster the barriers (EXPECT, SYNC, COLLECT, EXPECT_COUNT, live_user(),
 * live_quit()) also wait until every node has applied everything any node
 * did before: live.c keeps one client of its own on each node (once a
 * test has clients on two), and each sends a mark to every other; a node
 * applies another's events in order, so a mark delivered means all before
 * it was applied.  The few checks a node can only make for itself (the
 * per-address connection limit) are skipped with a reason
 * (live_cluster()).
 *
 * live_stop() ends every test the same way: all test clients close, then
 * a fresh client must still register, and LUSERS must show that the
 * server forgot every closed client, channel and operator (in a cluster:
 * a fresh client on every node, and every node's LUSERS).
 *
 * The tls profile's server also listens for TLS clients, with certificates
 * made at test time by nt_tls_make_self_signed(): a server certificate for
 * 127.0.0.1 (which TLS clients trust as their CA file, or pin) and two
 * client certificates.  In-process, they go to the temporary folder (and
 * are removed at the end); an external server (external.sh) was given
 * the ones `SUITE --make-certs DIR` made, and the test finds them through
 * NATTERD_TEST_TLS_DIR and the TLS port through NATTERD_TEST_TLS_ADDR.
 */
#ifndef NATTERD_TEST_LIVE_H
#define NATTERD_TEST_LIVE_H

#include "helpers.h"
#include "irc-client.h"

#define LIVE_SERVER_NAME "irc.natter.test"
#define LIVE_NETWORK "NatterTest"
#define LIVE_OPER_NAME "tester"
#define LIVE_OPER_PASSWORD "opersecret"
#define LIVE_SERVER_PASSWORD "letmein"

/** Server configurations the tests need (see live.c for the text). */
typedef enum live_profile {
    LIVE_MAIN,   /**< defaults, flood control off, an operator block */
    LIVE_PASS,   /**< as main, with a connection password */
    LIVE_LIMITS, /**< 1 s registration timeout, 5 s pings, 4 clients per address */
    LIVE_FLOOD,  /**< flood control at 20%: PRIVMSG 200 ms, pause past 1 s */
    LIVE_EXCESS, /**< flood control at 100%: disconnect past 2 s ahead */
    LIVE_SENDQ,  /**< SendQ 4096 bytes */
    LIVE_TLS,    /**< as main, plus a TLS listener (tls_address): a short
                      handshake_timeout, sts_duration, oper_requires_tls;
                      and a store (accounts, for SASL EXTERNAL) */
    LIVE_ACCOUNTS, /**< as main, with a store: accounts at 4096 PBKDF2
                        rounds, no per-address limits (every test client
                        is 127.0.0.1) */
    LIVE_NPROFILES
} live_profile;

/* The tls profile's sts_duration. */
#define LIVE_TLS_STS_DURATION 300

/** The certificates of the tls profile. */
typedef enum live_cert {
    LIVE_CERT_NONE,    /**< (a TLS client without a certificate) */
    LIVE_CERT_SERVER,  /**< the server's, self-signed for 127.0.0.1 */
    LIVE_CERT_CLIENT,  /**< a client certificate */
    LIVE_CERT_CLIENT2, /**< another client certificate */
    LIVE_NCERTS
} live_cert;

typedef struct live_server live_server;

/**
 * A server for one test: in-process, or the external one for the profile.
 * @return the server, or NULL when the test must skip (printed)
 */
live_server *live_start(live_profile profile);

/** The server's address (a cluster's: its first node's). */
const nt_addr *live_addr(const live_server *s);

/**
 * Is the server a cluster of several nodes (the profile's external
 * address lists more than one)?  For the few checks that are per node.
 */
int live_cluster(const live_server *s);

/** The server's TLS address (tls profile; a cluster's first TLS node), or NULL when it has none. */
const nt_addr *live_tls_addr(const live_server *s);

/**
 * The tls profile's handshake_timeout in seconds: 2, or 10 under valgrind
 * (where a handshake, both ends in one serialised process, takes 1-2 s).
 */
int live_tls_handshake_timeout(void);

/** A certificate's PEM file (and its key's), for the tls profile's tests. */
const char *live_cert_file(live_cert which);
const char *live_key_file(live_cert which);

/** The SHA-256 fingerprint of a certificate (NT_TLS_FINGERPRINT_LEN bytes), asserted. */
void live_cert_fingerprint(live_cert which, char *out);

/**
 * TLS client options for the tls profile's server: trust its certificate
 * as the CA file, name 127.0.0.1, and present cert (LIVE_CERT_NONE: no
 * client certificate).
 */
void live_tls_options(irc_tls_options *o, live_cert cert);

/**
 * A TLS client connected to the TLS port (owned by the server handle, as
 * live_client(); in a cluster, to the next node that listens for TLS,
 * taking its turn in live_client()'s round); o NULL: live_tls_options(LIVE_CERT_NONE).  Asserts
 * (fatally) that the connection and the handshake worked.
 */
irc_client *live_client_tls(live_server *s, const char *label, const irc_tls_options *o);

/** live_client_tls() with the certificate cert and irc_register(), asserted. */
irc_client *live_user_tls(live_server *s, const char *nick, const char *caps, live_cert cert);

/** Is the server running in this process (so its internals can be checked)? */
int live_in_process(const live_server *s);

/**
 * A connected client owned by the server handle (closed by live_stop()
 * unless dropped earlier); in a cluster, on the next node in turn.
 * Asserts (fatally) that the connection worked.
 */
irc_client *live_client(live_server *s, const char *label, int rcvbuf);

/** live_client() and irc_register() with optional caps, asserted. */
irc_client *live_user(live_server *s, const char *nick, const char *caps);

/** Close c now (no QUIT) and forget it. */
void live_drop(live_server *s, irc_client *c);

/** Close c with a TCP reset (SO_LINGER 0) and forget it. */
void live_reset(live_server *s, irc_client *c);

/**
 * End the test: close its clients, check that the server still serves a
 * new client and has forgotten the old ones, then stop an in-process
 * server.  NULL is accepted.
 */
void live_stop(live_server *s);

/**
 * In-process only: srv_net_shutdown(reason) on the server's loop, then
 * wait (with a deadline) for the loop to stop and join its thread.  The
 * thread ends the server as natterd's main() does: srv_net_free(),
 * nt_loop_drain(), and an nt_loop_close() that must return NT_OK.
 * @return 1 when the server stopped in time and its loop closed
 */
int live_shutdown(live_server *s, const char *reason);

/**
 * In-process only, for a profile with a store: close the test's clients,
 * stop the server as live_shutdown() does but keep its database file, and
 * start a new server (on a new port: live_addr() changes) on that file.
 * @return 1 when the new server runs; 0 for an external server (the test
 * skips the rest) or when it failed (printed)
 */
int live_restart(live_server *s);

/** In-process only: start sampling the server's output queues. */
void live_queue_watch(live_server *s);

/** Stop sampling; the peaks seen (one connection's, all together). */
void live_queue_peak(live_server *s, size_t *largest, size_t *total);

/** The configured SendQ of a profile. */
size_t live_profile_sendq(live_profile profile);

/**
 * The suite's main(): run the tests, or for external.sh: --profiles (their
 * names), --print-config PROFILE (the tls profile's needs
 * NATTERD_TEST_TLS_PORT and the certificates' folder as the server opens
 * it, NATTERD_TEST_TLS_SERVER_DIR or else NATTERD_TEST_TLS_DIR),
 * --make-certs DIR (the tls profile's certificates), --free-port (a TCP
 * port on 127.0.0.1 that was free a moment ago).
 */
int live_main(int argc, char **argv, const char *suite, const CU_TestInfo *tests);

/** irc_expect() asserted; returns the line, or "" when it did not come. */
const char *live_expect(irc_client *c, const char *command, const char *text, const char *file,
                        int line);
#define EXPECT(c, command, text) live_expect((c), (command), (text), __FILE__, __LINE__)

/** irc_sync() asserted; lines before the barrier go to seen (may be NULL). */
int live_sync(irc_client *c, irc_lines *seen, const char *file, int line);
#define SYNC(c) live_sync((c), NULL, __FILE__, __LINE__)
#define SYNC_SEEN(c, seen) live_sync((c), (seen), __FILE__, __LINE__)

/**
 * Assert that, up to a barrier, c received exactly want lines matching
 * command/text (0: none).  Several clients' barriers after one action make
 * "everyone saw it once, and nobody else" exact rather than a sleep.
 */
void live_expect_count(irc_client *c, const char *command, const char *text, size_t want,
                       const char *file, int line);
#define EXPECT_COUNT(c, command, text, n) \
    live_expect_count((c), (command), (text), (n), __FILE__, __LINE__)
#define EXPECT_NONE(c, command, text) EXPECT_COUNT((c), (command), (text), 0)

/** Assert the server closes c within the deadline (lines before go to seen). */
int live_expect_closed(irc_client *c, irc_lines *seen, const char *file, int line);
#define EXPECT_CLOSED(c, seen) live_expect_closed((c), (seen), __FILE__, __LINE__)

/**
 * Read lines into out (all of them, the terminator included) until one
 * matches command/text; asserted.  @return 1 when it came
 */
int live_collect(irc_client *c, const char *command, const char *text, irc_lines *out,
                 const char *file, int line);
#define COLLECT(c, command, text, out) \
    live_collect((c), (command), (text), (out), __FILE__, __LINE__)

/** QUIT, wait for the server to close c, and forget it (asserted). */
void live_quit(live_server *s, irc_client *c);

/** Is this the Windows build under wine (slower: wider latency bounds)? */
int live_slow(void);

#endif

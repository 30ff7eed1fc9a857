/* SPDX-License-Identifier: MIT */
/* natterd for the GUI core's live suites (gui-tls, gui-accounts): the
 * natterd built here ($NATTER_NATTERD) on free loopback ports, plain and
 * TLS, with a certificate made at test time by libnatter, its log in a
 * temporary folder; and waiting on a client with deadlines. */
#ifndef NC_TEST_NATTERD_HELPERS_H
#define NC_TEST_NATTERD_HELPERS_H

#include "client.h"

#include <CUnit/CUnit.h>
#include <glib.h>

/** A running natterd. */
typedef struct {
    GSubprocess *process;
    char *log;
    guint16 plain_port;
    guint16 tls_port;
    char *fingerprint; /* of its certificate */
} NcTestServer;

/** natterd's path (from $NATTER_NATTERD) and the suite's temporary folder. */
extern char *nc_test_natterd;
extern char *nc_test_tmpdir;

/**
 * Find natterd and make the temporary folder.
 * @return FALSE when $NATTER_NATTERD is not an executable (skip: 77)
 */
gboolean nc_test_natterd_init(void);

/** Remove the temporary folder and forget the path. */
void nc_test_natterd_cleanup(void);

/** A loopback port free right now (bound to :0, read, closed). */
guint16 nc_test_free_port(void);

/**
 * A new self-signed certificate for "localhost" in the temporary folder.
 * @return its SHA-256 fingerprint; *cert and *key its files (all g_free)
 */
char *nc_test_make_certificate(const char *name, char **cert, char **key);

/** Does the file at path contain needle? */
gboolean nc_test_log_has(const char *path, const char *needle);

/**
 * Start natterd with a plain and a TLS listener on the given (or free)
 * ports and the certificate name (made now), and wait for it to be ready.
 * @param extra configuration appended after the [tls] section's keys
 *        (keys for [tls] itself, then any further sections), or NULL
 * @return FALSE (its log printed) when it did not become ready
 */
gboolean nc_test_server_start(NcTestServer *s, const char *name, guint16 plain_port,
                              guint16 tls_port, const char *extra);

/**
 * natterd configuration for a store of its own (a folder made now in the
 * temporary folder: natterd does not make it) with open registration, to
 * pass as nc_test_server_start()'s extra.
 * @return a newly allocated string
 */
char *nc_test_store_config(const char *name);

/**
 * A live suite's main(): find natterd (exit 77 without it), start s as
 * "main" (with a store of its own when store is set, then extra), run
 * the tests, print natterd's log when one failed, stop it and clean up.
 * @return the exit status
 */
int nc_test_natterd_main(const char *suite, const CU_TestInfo *tests, NcTestServer *s,
                         gboolean store, const char *extra);

/** Stop it (SIGTERM) and wait. */
void nc_test_server_stop(NcTestServer *s);

/** Print its log to stderr. */
void nc_test_server_dump_log(const NcTestServer *s);

/** Run the main context until c is in state (8 s at most). */
gboolean nc_test_wait_state(NcClient *c, NcClientState state);

/** Run the main context until c has joined channel (5 s); the buffer or NULL. */
NcBuffer *nc_test_wait_joined(NcClient *c, const char *channel);

/** Run the main context until c has a buffer called name (5 s); it or NULL. */
NcBuffer *nc_test_wait_buffer(NcClient *c, const char *name);

/** Run the main context until a message in b contains text (5 s). */
gboolean nc_test_wait_text(NcBuffer *b, const char *text);

#endif

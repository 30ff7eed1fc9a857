/* SPDX-License-Identifier: MIT */
/* The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677), for SASL: the
 * password never crosses the wire, and the server proves that it knows
 * the account's keys (its signature is checked, so a server that only
 * pretends to accept the login is caught).
 *
 * SHA-256 and HMAC are GLib's (GChecksum, GHmac); PBKDF2 iterates the
 * HMAC.  No channel binding ("n,,") and no authorization identity.
 * Names and passwords go out as typed (UTF-8) without SASLprep: for the
 * ASCII that almost every account uses the two are the same. */
#ifndef NC_SCRAM_H
#define NC_SCRAM_H

#include <glib.h>

G_BEGIN_DECLS

/** The fewest iterations accepted (RFC 7677: at least 4096). */
#define NC_SCRAM_MIN_ITERATIONS 4096
/** The most iterations accepted: more is a server making us spin. */
#define NC_SCRAM_MAX_ITERATIONS 1000000

/** Why an exchange failed. */
typedef enum {
    NC_SCRAM_ERROR_PROTOCOL,   /* a message the RFC does not allow */
    NC_SCRAM_ERROR_NONCE,      /* the server's nonce does not extend ours */
    NC_SCRAM_ERROR_ITERATIONS, /* too few (weak) or too many (a stall) */
    NC_SCRAM_ERROR_SERVER,     /* the server said e=... */
    NC_SCRAM_ERROR_SIGNATURE,  /* the server's proof (v=) is wrong */
} NcScramError;

#define NC_SCRAM_ERROR (nc_scram_error_quark())
GQuark nc_scram_error_quark(void);

typedef struct _NcScram NcScram;

/**
 * A new exchange for one login.
 * @param username the account name (',' and '=' are escaped as the RFC says)
 * @param password the password
 * @param nonce the client nonce (printable ASCII without ','), or NULL for
 *        a fresh one of 24 bytes from the OS's CSPRNG (nt_random_bytes);
 *        tests pass the RFC's to reproduce its vectors
 * @return the exchange, or NULL when no random bytes could be had
 */
NcScram *nc_scram_new(const char *username, const char *password, const char *nonce);

/** Free an exchange, wiping the password and keys; NULL is accepted. */
void nc_scram_free(NcScram *scram);

/**
 * The client-first-message ("n,,n=user,r=nonce").
 * @return a string owned by the exchange
 */
const char *nc_scram_client_first(NcScram *scram);

/**
 * Read the server-first-message and make the client-final-message with
 * the proof.  This runs PBKDF2 with the server's iteration count: slow
 * on purpose (milliseconds at 4096), so callers on a UI thread run it in
 * a worker (the exchange is used by one thread at a time).
 * @return the client-final-message (g_free), or NULL with error set
 */
char *nc_scram_client_final(NcScram *scram, const char *server_first, GError **error);

/**
 * Check the server-final-message: its signature (v=) must be the one
 * the keys give, compared in constant time; an e= is the server's error.
 * @return TRUE when the server proved it knows the account's keys
 */
gboolean nc_scram_verify_server_final(NcScram *scram, const char *server_final, GError **error);

/** The iteration count the server asked for (0 before the server-first). */
guint nc_scram_get_iterations(NcScram *scram);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NcScram, nc_scram_free)

G_END_DECLS
#endif

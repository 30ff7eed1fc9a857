/* SPDX-License-Identifier: MIT */
/* SASL for IRC (IRCv3 sasl-3.1 and 3.2) without the state machine: the
 * mechanisms natter speaks and which one to use given what the server
 * offers, the AUTHENTICATE framing (base64 in 400-byte lines, a line of
 * exactly 400 followed by "+"; the server's challenges put back together
 * the same way), and PLAIN's message.  NcClient drives the exchange
 * (client-sasl.c); SCRAM's arithmetic is in scram.h. */
#ifndef NC_SASL_H
#define NC_SASL_H

#include <glib.h>

G_BEGIN_DECLS

/** The longest AUTHENTICATE argument; a full one means more follows. */
#define NC_SASL_CHUNK 400

/** How to log in. */
typedef enum {
    NC_SASL_NONE,          /* no login (or nothing usable) */
    NC_SASL_AUTO,          /* the best the server offers: SCRAM-SHA-256, else PLAIN */
    NC_SASL_PLAIN,         /* the password in the clear (inside TLS) */
    NC_SASL_SCRAM_SHA_256, /* a proof of the password, and of the server */
    NC_SASL_EXTERNAL,      /* the TLS client certificate */
} NcSaslMechanism;

/** The mechanism's IANA name ("SCRAM-SHA-256"), "auto" or "none". */
const char *nc_sasl_mechanism_name(NcSaslMechanism mech);

/**
 * The mechanism for a name: IANA names without case, and the settings'
 * words "auto", "plain", "scram-sha-256", "external".
 * @return the mechanism, or NC_SASL_NONE for an unknown name
 */
NcSaslMechanism nc_sasl_mechanism_from_name(const char *name);

/**
 * Does the server's list (the sasl= value of CAP LS 302 or 908's, comma
 * separated) include mech?  A NULL list (a server that did not say) is
 * taken to include everything: the server's 904/908 will tell.
 */
gboolean nc_sasl_offers(const char *offered, NcSaslMechanism mech);

/**
 * The mechanism to use.
 * @param wanted the user's choice (NC_SASL_AUTO: SCRAM-SHA-256 when
 *        offered, else PLAIN; EXTERNAL when have_certificate)
 * @param offered the server's list, or NULL when unknown
 * @param have_certificate a client certificate is configured
 * @return a concrete mechanism, or NC_SASL_NONE when the server offers
 *         nothing that fits
 */
NcSaslMechanism nc_sasl_choose(NcSaslMechanism wanted, const char *offered,
                               gboolean have_certificate);

/**
 * The AUTHENTICATE arguments that carry a response: base64 cut into
 * NC_SASL_CHUNK pieces, then "+" when the last piece was a full one (or
 * alone, for an empty response).
 * @return a NULL-terminated array to g_strfreev()
 */
char **nc_sasl_encode(const void *data, gsize len);

/**
 * Gather one AUTHENTICATE argument from the server into acc (a challenge
 * may span several lines).
 * @param acc the base64 received so far (emptied when complete)
 * @param arg the argument: base64, or "+" for an empty one or the end
 * @param out receives the decoded challenge when complete (g_free, may be
 *        zero-length), else untouched
 * @return 1 when complete, 0 when more lines are due, -1 when the
 *         challenge is not base64 or grows past 64 KiB
 */
int nc_sasl_decode(GString *acc, const char *arg, GBytes **out);

/**
 * PLAIN's message (RFC 4616): authzid NUL authcid NUL password, with no
 * authorization identity (the server uses the account's own).
 * @param len receives the length (the message has NULs inside)
 */
guint8 *nc_sasl_plain_message(const char *account, const char *password, gsize *len);

G_END_DECLS
#endif

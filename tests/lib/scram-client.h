/* SPDX-License-Identifier: MIT */
/*
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) for the tests
 * that log in to natterd: independent of natterd's own code (nettle's
 * primitives only), so a mistake in the server cannot hide in both.
 */
#ifndef NATTER_TEST_SCRAM_CLIENT_H
#define NATTER_TEST_SCRAM_CLIENT_H

#include <stddef.h>

/**
 * The client-final message for password, given the client-first-bare
 * message sent ("n=user,r=nonce") and the server-first message received
 * ("r=...,s=...,i=..."): "c=biws,r=<nonce>,p=<proof>" into out, and the
 * server signature expected in the server-final message ("v=<sig>") into
 * want_final.  @return 0, or -1 when server_first is malformed
 */
int scram_client_final(const char *password, const char *client_first_bare,
                       const char *server_first, char *out, size_t outsize, char *want_final,
                       size_t want_size);

/** The AUTHENTICATE payload of SASL PLAIN for account and password
 *  (no authzid), as base64.  @return 0, or -1 when it does not fit */
int sasl_plain_b64(const char *account, const char *password, char *out, size_t size);

/** Base64 of len bytes into out (NUL-terminated).  @return 0, or -1 when it does not fit */
int scram_b64(const void *data, size_t len, char *out, size_t size);

/** Decode base64 into out (NUL-terminated as text).  @return the length, or -1 */
long scram_unb64(const char *in, char *out, size_t size);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Account credentials and the SASL mechanisms that check them.
 *
 * A password is stored only as SCRAM-SHA-256 keys (RFC 5802, RFC 7677):
 *   "scram-sha-256$<iterations>$<salt>$<StoredKey>$<ServerKey>" (base64)
 * StoredKey = SHA-256(HMAC(PBKDF2(password, salt, iterations), "Client Key"))
 * ServerKey = HMAC(PBKDF2(...), "Server Key").
 * The same record serves SCRAM-SHA-256 (the client does the slow PBKDF2;
 * the server two HMACs) and PLAIN (the server does the PBKDF2 and derives
 * StoredKey to compare), and neither the password nor anything a login
 * could replay is stored: the slow, salted form is the only one.
 */
#ifndef NATTERD_SCRAM_H
#define NATTERD_SCRAM_H

#include <stddef.h>
#include <stdint.h>

/** RFC 7677's floor, and a ceiling that keeps a bad config from stalling logins. */
#define SRV_SCRAM_MIN_ITERATIONS 4096u
#define SRV_SCRAM_MAX_ITERATIONS 10000000u
/** Room for a credential string. */
#define SRV_CREDENTIAL_MAX 160

/**
 * Derive the stored form of password with salt (16 random bytes from the
 * caller) and iterations (the slow part: run it off the event loop).
 * @return 0, or -1 when iterations is out of range or out is too small
 */
int srv_credential_make(const char *password, const unsigned char salt[16], unsigned iterations,
                        char *out, size_t outsize);

/** Is stored a well-formed credential?  @return 1 or 0 */
int srv_credential_valid(const char *stored);

/** The iteration count of a well-formed credential (0 when malformed). */
unsigned srv_credential_iterations(const char *stored);

/**
 * Does password match stored?  Slow (PBKDF2 with the stored iteration
 * count); compared in constant time.  @return 1 on a match, else 0
 */
int srv_credential_check(const char *stored, const char *password);

/** Decode strict base64 (padding required, no whitespace).  @return bytes, or -1 */
long srv_base64_decode(const char *in, size_t len, unsigned char *out, size_t outsize);

/** Encode len bytes as base64 into out (NUL-terminated).  @return length, or -1 when it does not fit */
long srv_base64_encode(const unsigned char *in, size_t len, char *out, size_t outsize);

/** One SCRAM-SHA-256 server exchange (two client messages). */
typedef struct srv_scram {
    int step;                   /* 0: want client-first, 1: want client-final, 2: done */
    char user[64];              /* the username the client named (unescaped) */
    char client_first_bare[400];
    char server_first[300];
    char nonce[128];            /* client nonce + server nonce */
    char gs2_header[80];
} srv_scram;

/** Outcomes of srv_scram_client_first / _final. */
enum srv_scram_result {
    SRV_SCRAM_CONTINUE = 0, /**< send out to the client */
    SRV_SCRAM_SUCCESS = 1,  /**< the proof matched; send out (server-final) */
    SRV_SCRAM_BAD = -1,     /**< malformed or a wrong proof */
};

/**
 * Parse the client-first message.  On success the username is in
 * sc->user; the caller looks up its credential and calls
 * srv_scram_server_first().  @return SRV_SCRAM_CONTINUE or SRV_SCRAM_BAD
 */
int srv_scram_client_first(srv_scram *sc, const char *msg, size_t len);

/**
 * Build the server-first message into out for credential stored.  When
 * the account does not exist, pass NULL, a per-server secret and the
 * iteration count new passwords get: a made-up salt from the casefolded
 * name (the same on every try, in any case) and the usual count, so the
 * answer looks like a real account's.
 * @return SRV_SCRAM_CONTINUE or SRV_SCRAM_BAD
 */
int srv_scram_server_first(srv_scram *sc, const char *stored, const unsigned char secret[32],
                           unsigned unknown_iterations, char *out, size_t outsize);

/**
 * Check the client-final message against stored (NULL: always fails).
 * On success out holds the server-final message ("v=...").
 * @return SRV_SCRAM_SUCCESS or SRV_SCRAM_BAD
 */
int srv_scram_client_final(srv_scram *sc, const char *stored, const char *msg, size_t len,
                           char *out, size_t outsize);

#endif

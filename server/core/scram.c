/* SPDX-License-Identifier: MIT */
#include "scram.h"

#include "casemap.h"

#include <natter/random.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY SHA256_DIGEST_SIZE
#define SALT 16

static const char prefix[] = "scram-sha-256$";

/* ---- base64 ---- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long srv_base64_decode(const char *in, size_t len, unsigned char *out, size_t outsize)
{
    if (len % 4)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char ch = (unsigned char)in[i + (size_t)k];
            if (ch == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) /* data after padding */
                return -1;
            v[k] = b64_value(ch);
            if (v[k] < 0)
                return -1;
        }
        unsigned triple = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
                          (unsigned)v[3];
        size_t bytes = 3 - (size_t)pad;
        if (n + bytes > outsize)
            return -1;
        out[n++] = (unsigned char)(triple >> 16);
        if (bytes > 1)
            out[n++] = (unsigned char)(triple >> 8);
        if (bytes > 2)
            out[n++] = (unsigned char)triple;
    }
    return (long)n;
}

long srv_base64_encode(const unsigned char *in, size_t len, char *out, size_t outsize)
{
    size_t need = BASE64_ENCODE_RAW_LENGTH(len);
    if (need + 1 > outsize)
        return -1;
    base64_encode_raw(out, len, in);
    out[need] = '\0';
    return (long)need;
}

/* ---- credentials ---- */

typedef struct credential {
    unsigned iterations;
    unsigned char salt[SALT], stored_key[KEY], server_key[KEY];
} credential;

static void hmac(const unsigned char *key, size_t keylen, const void *data, size_t len,
                 unsigned char out[KEY])
{
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, keylen, key);
    hmac_sha256_update(&ctx, len, data);
    hmac_sha256_digest(&ctx, KEY, out);
}

static void sha256(const void *data, size_t len, unsigned char out[KEY])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, KEY, out);
}

/* StoredKey and ServerKey from the password (the slow part). */
static void derive(const char *password, const unsigned char *salt, unsigned iterations,
                   unsigned char stored_key[KEY], unsigned char server_key[KEY])
{
    unsigned char salted[KEY], client_key[KEY];
    pbkdf2_hmac_sha256(strlen(password), (const uint8_t *)password, iterations, SALT, salt, KEY,
                       salted);
    hmac(salted, KEY, "Client Key", 10, client_key);
    sha256(client_key, KEY, stored_key);
    hmac(salted, KEY, "Server Key", 10, server_key);
    memset(salted, 0, sizeof salted);
    memset(client_key, 0, sizeof client_key);
}

static int parse_credential(const char *s, credential *c)
{
    if (!s || strncmp(s, prefix, sizeof prefix - 1) != 0)
        return -1;
    s += sizeof prefix - 1;
    char *end;
    unsigned long it = strtoul(s, &end, 10);
    if (end == s || *end != '$' || it < SRV_SCRAM_MIN_ITERATIONS || it > SRV_SCRAM_MAX_ITERATIONS)
        return -1;
    c->iterations = (unsigned)it;
    const char *fields[3];
    size_t lens[3];
    const char *p = end + 1;
    for (int i = 0; i < 3; i++) {
        const char *d = strchr(p, '$');
        if ((i < 2) != (d != NULL))
            return -1;
        fields[i] = p;
        lens[i] = d ? (size_t)(d - p) : strlen(p);
        p = d ? d + 1 : p;
    }
    if (srv_base64_decode(fields[0], lens[0], c->salt, SALT) != SALT ||
        srv_base64_decode(fields[1], lens[1], c->stored_key, KEY) != KEY ||
        srv_base64_decode(fields[2], lens[2], c->server_key, KEY) != KEY)
        return -1;
    return 0;
}

int srv_credential_make(const char *password, const unsigned char salt[16], unsigned iterations,
                        char *out, size_t outsize)
{
    if (iterations < SRV_SCRAM_MIN_ITERATIONS || iterations > SRV_SCRAM_MAX_ITERATIONS)
        return -1;
    unsigned char stored[KEY], server[KEY];
    derive(password, salt, iterations, stored, server);
    char s64[32], st64[48], sv64[48];
    srv_base64_encode(salt, SALT, s64, sizeof s64);
    srv_base64_encode(stored, KEY, st64, sizeof st64);
    srv_base64_encode(server, KEY, sv64, sizeof sv64);
    int n = snprintf(out, outsize, "%s%u$%s$%s$%s", prefix, iterations, s64, st64, sv64);
    return n > 0 && (size_t)n < outsize ? 0 : -1;
}

int srv_credential_valid(const char *stored)
{
    credential c;
    return parse_credential(stored, &c) == 0;
}

unsigned srv_credential_iterations(const char *stored)
{
    credential c;
    return parse_credential(stored, &c) == 0 ? c.iterations : 0;
}

int srv_credential_check(const char *stored, const char *password)
{
    credential c;
    if (parse_credential(stored, &c) < 0)
        return 0;
    unsigned char stored_key[KEY], server_key[KEY];
    derive(password, c.salt, c.iterations, stored_key, server_key);
    return memeql_sec(stored_key, c.stored_key, KEY);
}

/* ---- the SCRAM-SHA-256 exchange ---- */

/* Copy attribute "x=value" out of a comma-separated message. */
static int attribute(const char *msg, size_t len, char name, const char **value, size_t *vlen)
{
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && msg[end] != ',')
            end++;
        if (end - i >= 2 && msg[i] == name && msg[i + 1] == '=') {
            *value = msg + i + 2;
            *vlen = end - i - 2;
            return 0;
        }
        i = end + 1;
    }
    return -1;
}

/* Unescape a saslname ("=2C" is ',', "=3D" is '='; any other '=' is bad). */
static int unescape_name(const char *in, size_t len, char *out, size_t outsize)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        if (ch == '=') {
            if (i + 3 > len)
                return -1;
            if (in[i + 1] == '2' && in[i + 2] == 'C')
                ch = ',';
            else if (in[i + 1] == '3' && in[i + 2] == 'D')
                ch = '=';
            else
                return -1;
            i += 2;
        } else if (ch == ',' || ch == '\0') {
            return -1;
        }
        if (n + 1 >= outsize)
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    return n ? 0 : -1;
}

static int printable_nonce(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x21 || ch > 0x7e || ch == ',')
            return 0;
    }
    return 1;
}

int srv_scram_client_first(srv_scram *sc, const char *msg, size_t len)
{
    memset(sc, 0, sizeof *sc);
    /* gs2-header: "n," or "y," (no channel binding offered by us), an
     * optional "a=authzid", then ','.  "p=" asks for channel binding,
     * which natterd does not offer. */
    if (len < 3 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',')
        return SRV_SCRAM_BAD;
    const char *comma = memchr(msg + 2, ',', len - 2);
    if (!comma)
        return SRV_SCRAM_BAD;
    size_t header_len = (size_t)(comma - msg) + 1;
    if (header_len >= sizeof sc->gs2_header)
        return SRV_SCRAM_BAD;
    memcpy(sc->gs2_header, msg, header_len);
    const char *bare = comma + 1;
    size_t bare_len = len - header_len;
    if (bare_len == 0 || bare_len >= sizeof sc->client_first_bare || memchr(bare, '\0', bare_len))
        return SRV_SCRAM_BAD;
    /* "m=" (mandatory extensions) is not supported, as the RFC requires. */
    if (bare_len >= 2 && bare[0] == 'm' && bare[1] == '=')
        return SRV_SCRAM_BAD;
    const char *user, *nonce;
    size_t ulen, nlen;
    if (attribute(bare, bare_len, 'n', &user, &ulen) < 0 ||
        attribute(bare, bare_len, 'r', &nonce, &nlen) < 0 || !printable_nonce(nonce, nlen) ||
        nlen > 64)
        return SRV_SCRAM_BAD;
    if (unescape_name(user, ulen, sc->user, sizeof sc->user) < 0)
        return SRV_SCRAM_BAD;
    /* An authzid other than the user itself is not allowed. */
    const char *authz;
    size_t alen;
    if (header_len > 3 && attribute(msg + 2, header_len - 3, 'a', &authz, &alen) == 0) {
        char az[64];
        if (unescape_name(authz, alen, az, sizeof az) < 0 || strcmp(az, sc->user) != 0)
            return SRV_SCRAM_BAD;
    }
    memcpy(sc->client_first_bare, bare, bare_len);
    sc->client_first_bare[bare_len] = '\0';
    unsigned char rnd[18];
    char rnd64[32];
    if (nt_random_bytes(rnd, sizeof rnd) != 0)
        return SRV_SCRAM_BAD;
    srv_base64_encode(rnd, sizeof rnd, rnd64, sizeof rnd64);
    snprintf(sc->nonce, sizeof sc->nonce, "%.*s%s", (int)nlen, nonce, rnd64);
    sc->step = 1;
    return SRV_SCRAM_CONTINUE;
}

int srv_scram_server_first(srv_scram *sc, const char *stored, const unsigned char secret[32],
                           unsigned unknown_iterations, char *out, size_t outsize)
{
    credential c;
    if (sc->step != 1)
        return SRV_SCRAM_BAD;
    if (!stored || parse_credential(stored, &c) < 0) {
        /* No such account: a salt derived from the name and a secret, so
         * repeated probes see the same answer as for a real account. */
        unsigned char fake[KEY];
        char folded[sizeof sc->user];
        srv_casefold(folded, sc->user, sizeof folded);
        hmac(secret, 32, folded, strlen(folded), fake);
        memcpy(c.salt, fake, SALT);
        c.iterations = unknown_iterations;
    }
    char salt64[32];
    srv_base64_encode(c.salt, SALT, salt64, sizeof salt64);
    int n = snprintf(sc->server_first, sizeof sc->server_first, "r=%s,s=%s,i=%u", sc->nonce,
                     salt64, c.iterations);
    if (n < 0 || (size_t)n >= sizeof sc->server_first || (size_t)n >= outsize)
        return SRV_SCRAM_BAD;
    memcpy(out, sc->server_first, (size_t)n + 1);
    return SRV_SCRAM_CONTINUE;
}

int srv_scram_client_final(srv_scram *sc, const char *stored, const char *msg, size_t len,
                           char *out, size_t outsize)
{
    if (sc->step != 1 || !sc->server_first[0])
        return SRV_SCRAM_BAD;
    sc->step = 2;
    credential c;
    if (!stored || parse_credential(stored, &c) < 0 || memchr(msg, '\0', len))
        return SRV_SCRAM_BAD;
    /* The proof is the last attribute: "...,p=<base64>". */
    const char *p = NULL;
    for (size_t i = len; i-- > 0;) {
        if (msg[i] == ',') {
            p = msg + i;
            break;
        }
    }
    if (!p || len - (size_t)(p - msg) < 3 || p[1] != 'p' || p[2] != '=')
        return SRV_SCRAM_BAD;
    size_t without_proof = (size_t)(p - msg);
    const char *cb, *nonce;
    size_t cblen, nlen;
    if (attribute(msg, without_proof, 'c', &cb, &cblen) < 0 ||
        attribute(msg, without_proof, 'r', &nonce, &nlen) < 0)
        return SRV_SCRAM_BAD;
    /* c= is the base64 of the gs2 header the client sent first. */
    unsigned char header[80];
    long hlen = srv_base64_decode(cb, cblen, header, sizeof header);
    if (hlen < 0 || (size_t)hlen != strlen(sc->gs2_header) ||
        memcmp(header, sc->gs2_header, (size_t)hlen) != 0)
        return SRV_SCRAM_BAD;
    if (nlen != strlen(sc->nonce) || memcmp(nonce, sc->nonce, nlen) != 0)
        return SRV_SCRAM_BAD;
    unsigned char proof[KEY];
    const char *p64 = p + 3;
    if (srv_base64_decode(p64, len - (size_t)(p64 - msg), proof, sizeof proof) != KEY)
        return SRV_SCRAM_BAD;
    /* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
    size_t a = strlen(sc->client_first_bare), b = strlen(sc->server_first);
    size_t total = a + 1 + b + 1 + without_proof;
    char *auth = malloc(total);
    if (!auth)
        return SRV_SCRAM_BAD;
    memcpy(auth, sc->client_first_bare, a);
    auth[a] = ',';
    memcpy(auth + a + 1, sc->server_first, b);
    auth[a + 1 + b] = ',';
    memcpy(auth + a + 2 + b, msg, without_proof);
    unsigned char client_sig[KEY], client_key[KEY], check[KEY], server_sig[KEY];
    hmac(c.stored_key, KEY, auth, total, client_sig);
    for (size_t i = 0; i < KEY; i++)
        client_key[i] = proof[i] ^ client_sig[i];
    sha256(client_key, KEY, check);
    int ok = memeql_sec(check, c.stored_key, KEY);
    if (ok)
        hmac(c.server_key, KEY, auth, total, server_sig);
    free(auth);
    if (!ok)
        return SRV_SCRAM_BAD;
    char sig64[48];
    srv_base64_encode(server_sig, KEY, sig64, sizeof sig64);
    int n = snprintf(out, outsize, "v=%s", sig64);
    return n > 0 && (size_t)n < outsize ? SRV_SCRAM_SUCCESS : SRV_SCRAM_BAD;
}

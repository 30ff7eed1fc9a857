/* SPDX-License-Identifier: MIT */
#include "password.h"

#include <nettle/pbkdf2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds that keep a hostile or mistyped config from making OPER take
 * minutes or overflow the buffers below. */
#define MAX_ITERATIONS 10000000u
#define MAX_SALT 64
#define MAX_HASH 64

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode exactly len hex characters; @return bytes, or -1 when malformed. */
static long hex_decode(const char *s, size_t len, uint8_t *out, size_t outsize)
{
    if (len % 2 || len / 2 > outsize || len == 0)
        return -1;
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(len / 2);
}

typedef struct stored_hash {
    unsigned long iterations;
    uint8_t salt[MAX_SALT], hash[MAX_HASH];
    long saltlen, hashlen;
} stored_hash;

/* Parse "pbkdf2-sha256$<iterations>$<salt-hex>$<hash-hex>".  @return 0 or -1 */
static int parse_stored(const char *stored, stored_hash *h)
{
    static const char prefix[] = "pbkdf2-sha256$";
    if (!stored || strncmp(stored, prefix, sizeof prefix - 1) != 0)
        return -1;
    const char *p = stored + sizeof prefix - 1;
    char *end;
    if (*p < '0' || *p > '9')
        return -1;
    h->iterations = strtoul(p, &end, 10);
    if (*end != '$' || h->iterations == 0 || h->iterations > MAX_ITERATIONS)
        return -1;
    const char *salt_hex = end + 1;
    const char *dollar = strchr(salt_hex, '$');
    if (!dollar)
        return -1;
    const char *hash_hex = dollar + 1;
    h->saltlen = hex_decode(salt_hex, (size_t)(dollar - salt_hex), h->salt, sizeof h->salt);
    h->hashlen = hex_decode(hash_hex, strlen(hash_hex), h->hash, sizeof h->hash);
    return h->saltlen < 0 || h->hashlen < 16 ? -1 : 0;
}

int srv_password_hash_valid(const char *stored)
{
    stored_hash h;
    return parse_stored(stored, &h) == 0;
}

int srv_password_verify(const char *stored, const char *password)
{
    stored_hash h;
    uint8_t got[MAX_HASH];
    if (!password || parse_stored(stored, &h) != 0)
        return 0;
    pbkdf2_hmac_sha256(strlen(password), (const uint8_t *)password, (unsigned)h.iterations,
                       (size_t)h.saltlen, h.salt, (size_t)h.hashlen, got);
    /* Constant time: look at every byte whatever the earlier ones were. */
    volatile uint8_t diff = 0;
    for (long i = 0; i < h.hashlen; i++)
        diff |= (uint8_t)(got[i] ^ h.hash[i]);
    return diff == 0;
}

int srv_password_hash(const char *password, const unsigned char *salt, size_t saltlen,
                      unsigned iterations, char *out, size_t outsize)
{
    enum { HASHLEN = 32 };
    uint8_t hash[HASHLEN];
    if (saltlen == 0 || saltlen > MAX_SALT || iterations == 0 || iterations > MAX_ITERATIONS)
        return -1;
    pbkdf2_hmac_sha256(strlen(password), (const uint8_t *)password, iterations, saltlen, salt,
                       HASHLEN, hash);
    int n = snprintf(out, outsize, "pbkdf2-sha256$%u$", iterations);
    if (n < 0 || (size_t)n + saltlen * 2 + 1 + HASHLEN * 2 + 1 > outsize)
        return -1;
    size_t pos = (size_t)n;
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < saltlen; i++) {
        out[pos++] = digits[salt[i] >> 4];
        out[pos++] = digits[salt[i] & 15];
    }
    out[pos++] = '$';
    for (size_t i = 0; i < HASHLEN; i++) {
        out[pos++] = digits[hash[i] >> 4];
        out[pos++] = digits[hash[i] & 15];
    }
    out[pos] = '\0';
    return 0;
}

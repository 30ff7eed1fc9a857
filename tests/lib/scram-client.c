/* SPDX-License-Identifier: MIT */
#include "scram-client.h"

#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int scram_b64(const void *data, size_t len, char *out, size_t size)
{
    size_t need = BASE64_ENCODE_RAW_LENGTH(len);
    if (need + 1 > size)
        return -1;
    base64_encode_raw(out, len, data);
    out[need] = '\0';
    return 0;
}

long scram_unb64(const char *in, char *out, size_t size)
{
    struct base64_decode_ctx ctx;
    size_t n = size - 1, len = strlen(in);
    if (BASE64_DECODE_LENGTH(len) > size - 1)
        return -1;
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, &n, (uint8_t *)out, len, in) || !base64_decode_final(&ctx))
        return -1;
    out[n] = '\0';
    return (long)n;
}

int sasl_plain_b64(const char *account, const char *password, char *out, size_t size)
{
    char raw[700];
    size_t a = strlen(account), p = strlen(password);
    if (a + p + 2 > sizeof raw)
        return -1;
    raw[0] = '\0';
    memcpy(raw + 1, account, a);
    raw[1 + a] = '\0';
    memcpy(raw + 2 + a, password, p);
    return scram_b64(raw, a + p + 2, out, size);
}

static void hmac(const uint8_t *key, size_t keylen, const void *data, size_t len, uint8_t out[32])
{
    struct hmac_sha256_ctx h;
    hmac_sha256_set_key(&h, keylen, key);
    hmac_sha256_update(&h, len, data);
    hmac_sha256_digest(&h, 32, out);
}

int scram_client_final(const char *password, const char *client_first_bare,
                       const char *server_first, char *out, size_t outsize, char *want_final,
                       size_t want_size)
{
    const char *r = strstr(server_first, "r=");
    const char *s = strstr(server_first, ",s=");
    const char *i = strstr(server_first, ",i=");
    if (!r || !s || !i)
        return -1;
    char salt64[128], salt[96];
    snprintf(salt64, sizeof salt64, "%.*s", (int)strcspn(s + 3, ","), s + 3);
    long slen = scram_unb64(salt64, salt, sizeof salt);
    unsigned iterations = (unsigned)strtoul(i + 3, NULL, 10);
    if (slen <= 0 || iterations == 0)
        return -1;
    uint8_t salted[32], client_key[32], stored[32], sig[32], proof[32], server_key[32], v[32];
    pbkdf2_hmac_sha256(strlen(password), (const uint8_t *)password, iterations, (size_t)slen,
                       (const uint8_t *)salt, 32, salted);
    hmac(salted, 32, "Client Key", 10, client_key);
    struct sha256_ctx sh;
    sha256_init(&sh);
    sha256_update(&sh, 32, client_key);
    sha256_digest(&sh, 32, stored);
    char without_proof[256], auth[1024];
    snprintf(without_proof, sizeof without_proof, "c=biws,r=%.*s", (int)strcspn(r + 2, ","),
             r + 2);
    snprintf(auth, sizeof auth, "%s,%s,%s", client_first_bare, server_first, without_proof);
    hmac(stored, 32, auth, strlen(auth), sig);
    for (int k = 0; k < 32; k++)
        proof[k] = client_key[k] ^ sig[k];
    char proof64[64], v64[64];
    hmac(salted, 32, "Server Key", 10, server_key);
    hmac(server_key, 32, auth, strlen(auth), v);
    if (scram_b64(proof, 32, proof64, sizeof proof64) < 0 || scram_b64(v, 32, v64, sizeof v64) < 0)
        return -1;
    snprintf(out, outsize, "%s,p=%s", without_proof, proof64);
    snprintf(want_final, want_size, "v=%s", v64);
    return 0;
}

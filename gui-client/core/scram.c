/* SPDX-License-Identifier: MIT */
#include "scram.h"

#include <glib/gi18n.h>
#include <natter/random.h>
#include <stdlib.h>
#include <string.h>

#define DIGEST_LEN 32 /* SHA-256 */
#define NONCE_BYTES 24

struct _NcScram {
    char *username; /* escaped saslname */
    char *password;
    char *client_nonce;
    char *client_first; /* "n,,n=...,r=..." */
    char *auth_message;
    guint iterations;
    guint8 server_key[DIGEST_LEN];
    gboolean have_keys;
};

G_DEFINE_QUARK(nc - scram - error - quark, nc_scram_error)

/* A plain memset may be optimised away before a free. */
static void wipe(void *p, gsize n)
{
    volatile guint8 *v = p;
    while (n--)
        *v++ = 0;
}

static void free_secret(char *s)
{
    if (s) {
        wipe(s, strlen(s));
        g_free(s);
    }
}

/* RFC 5802 5.1: ',' and '=' in a name are written =2C and =3D. */
static char *escape_saslname(const char *name)
{
    GString *s = g_string_new(NULL);
    for (const char *p = name; *p; p++) {
        if (*p == ',')
            g_string_append(s, "=2C");
        else if (*p == '=')
            g_string_append(s, "=3D");
        else
            g_string_append_c(s, *p);
    }
    return g_string_free(s, FALSE);
}

NcScram *nc_scram_new(const char *username, const char *password, const char *nonce)
{
    NcScram *self = g_new0(NcScram, 1);
    if (nonce) {
        self->client_nonce = g_strdup(nonce);
    } else {
        guint8 raw[NONCE_BYTES];
        if (nt_random_bytes(raw, sizeof raw) != 0) {
            g_free(self);
            return NULL;
        }
        /* 24 bytes make 32 base64 characters without padding; base64
         * never has ',' so the nonce is a valid "printable". */
        self->client_nonce = g_base64_encode(raw, sizeof raw);
        wipe(raw, sizeof raw);
    }
    self->username = escape_saslname(username ? username : "");
    self->password = g_strdup(password ? password : "");
    self->client_first = g_strdup_printf("n,,n=%s,r=%s", self->username, self->client_nonce);
    return self;
}

void nc_scram_free(NcScram *self)
{
    if (!self)
        return;
    g_free(self->username);
    free_secret(self->password);
    free_secret(self->client_nonce);
    g_free(self->client_first);
    free_secret(self->auth_message);
    wipe(self->server_key, sizeof self->server_key);
    g_free(self);
}

const char *nc_scram_client_first(NcScram *self)
{
    return self->client_first;
}

guint nc_scram_get_iterations(NcScram *self)
{
    return self->iterations;
}

static void hmac(const guint8 *key, gsize key_len, const void *data, gsize len,
                 guint8 out[DIGEST_LEN])
{
    GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, key_len);
    g_hmac_update(h, data, (gssize)len);
    gsize n = DIGEST_LEN;
    g_hmac_get_digest(h, out, &n);
    g_hmac_unref(h);
}

static void sha256(const guint8 *data, gsize len, guint8 out[DIGEST_LEN])
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(c, data, (gssize)len);
    gsize n = DIGEST_LEN;
    g_checksum_get_digest(c, out, &n);
    g_checksum_free(c);
}

/* Hi() of RFC 5802, which is PBKDF2-HMAC-SHA-256 with one output block.
 * The password's HMAC is keyed once and copied for each round, so the
 * key is not hashed again 4096 times. */
static void salted_password(const char *password, const guint8 *salt, gsize salt_len,
                            guint iterations, guint8 out[DIGEST_LEN])
{
    GHmac *keyed = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)password, strlen(password));
    guint8 u[DIGEST_LEN];
    gsize n = DIGEST_LEN;
    static const guint8 block_one[4] = {0, 0, 0, 1};
    GHmac *h = g_hmac_copy(keyed);
    g_hmac_update(h, salt, (gssize)salt_len);
    g_hmac_update(h, block_one, sizeof block_one);
    g_hmac_get_digest(h, u, &n);
    g_hmac_unref(h);
    memcpy(out, u, DIGEST_LEN);
    for (guint i = 1; i < iterations; i++) {
        h = g_hmac_copy(keyed);
        g_hmac_update(h, u, DIGEST_LEN);
        n = DIGEST_LEN;
        g_hmac_get_digest(h, u, &n);
        g_hmac_unref(h);
        for (guint j = 0; j < DIGEST_LEN; j++)
            out[j] ^= u[j];
    }
    g_hmac_unref(keyed);
    wipe(u, sizeof u);
}

static gboolean fail(GError **error, NcScramError code, const char *text)
{
    g_set_error_literal(error, NC_SCRAM_ERROR, code, text);
    return FALSE;
}

/* The value of attribute "x=" in a comma-separated message, or NULL. */
static const char *attribute(char **attrs, char name)
{
    for (guint i = 0; attrs[i]; i++)
        if (attrs[i][0] == name && attrs[i][1] == '=')
            return attrs[i] + 2;
    return NULL;
}

char *nc_scram_client_final(NcScram *self, const char *server_first, GError **error)
{
    g_auto(GStrv) attrs = g_strsplit(server_first ? server_first : "", ",", -1);
    /* RFC 5802 5.1: m= is an extension the client must understand, and
     * the nonce comes first. */
    if (!attrs[0] || g_str_has_prefix(attrs[0], "m=")) {
        fail(error, NC_SCRAM_ERROR_PROTOCOL, _("the server asked for an unknown SCRAM extension"));
        return NULL;
    }
    const char *e = attribute(attrs, 'e');
    if (e) {
        g_set_error(error, NC_SCRAM_ERROR, NC_SCRAM_ERROR_SERVER, _("the server said: %s"), e);
        return NULL;
    }
    const char *nonce = attribute(attrs, 'r');
    const char *salt64 = attribute(attrs, 's');
    const char *iter = attribute(attrs, 'i');
    if (!nonce || !salt64 || !iter || !*salt64) {
        fail(error, NC_SCRAM_ERROR_PROTOCOL, _("the server's first SCRAM message lacks r, s or i"));
        return NULL;
    }
    /* The server must extend our nonce with its own: a reply made for
     * another exchange, or replayed, does not. */
    if (!g_str_has_prefix(nonce, self->client_nonce) ||
        strlen(nonce) <= strlen(self->client_nonce)) {
        fail(error, NC_SCRAM_ERROR_NONCE, _("the server's SCRAM nonce does not extend ours"));
        return NULL;
    }
    char *end = NULL;
    guint64 iterations = g_ascii_strtoull(iter, &end, 10);
    if (!*iter || *end || iterations == 0) {
        fail(error, NC_SCRAM_ERROR_PROTOCOL,
             _("the server's SCRAM iteration count is not a number"));
        return NULL;
    }
    if (iterations < NC_SCRAM_MIN_ITERATIONS || iterations > NC_SCRAM_MAX_ITERATIONS) {
        g_set_error(error, NC_SCRAM_ERROR, NC_SCRAM_ERROR_ITERATIONS,
                    _("the server asked for %s SCRAM iterations (natter accepts %u to %u)"), iter,
                    NC_SCRAM_MIN_ITERATIONS, NC_SCRAM_MAX_ITERATIONS);
        return NULL;
    }
    self->iterations = (guint)iterations;
    gsize salt_len = 0;
    g_autofree guint8 *salt = g_base64_decode(salt64, &salt_len);
    if (!salt || salt_len == 0) {
        fail(error, NC_SCRAM_ERROR_PROTOCOL, _("the server's SCRAM salt is not base64"));
        return NULL;
    }

    guint8 salted[DIGEST_LEN], client_key[DIGEST_LEN], stored_key[DIGEST_LEN];
    guint8 client_sig[DIGEST_LEN], proof[DIGEST_LEN];
    salted_password(self->password, salt, salt_len, self->iterations, salted);
    hmac(salted, DIGEST_LEN, "Client Key", 10, client_key);
    hmac(salted, DIGEST_LEN, "Server Key", 10, self->server_key);
    sha256(client_key, DIGEST_LEN, stored_key);

    /* c=biws is base64("n,,"): no channel binding, no authzid. */
    g_autofree char *without_proof = g_strdup_printf("c=biws,r=%s", nonce);
    free_secret(self->auth_message);
    /* client-first-message-bare skips the "n,," header. */
    self->auth_message =
        g_strdup_printf("%s,%s,%s", self->client_first + 3, server_first, without_proof);
    hmac(stored_key, DIGEST_LEN, self->auth_message, strlen(self->auth_message), client_sig);
    for (guint i = 0; i < DIGEST_LEN; i++)
        proof[i] = client_key[i] ^ client_sig[i];
    self->have_keys = TRUE;
    g_autofree char *proof64 = g_base64_encode(proof, DIGEST_LEN);
    wipe(salted, sizeof salted);
    wipe(client_key, sizeof client_key);
    wipe(stored_key, sizeof stored_key);
    wipe(client_sig, sizeof client_sig);
    wipe(proof, sizeof proof);
    return g_strdup_printf("%s,p=%s", without_proof, proof64);
}

gboolean nc_scram_verify_server_final(NcScram *self, const char *server_final, GError **error)
{
    if (!self->have_keys)
        return fail(error, NC_SCRAM_ERROR_PROTOCOL, _("the server ended SCRAM too early"));
    g_auto(GStrv) attrs = g_strsplit(server_final ? server_final : "", ",", -1);
    const char *e = attribute(attrs, 'e');
    if (e) {
        g_set_error(error, NC_SCRAM_ERROR, NC_SCRAM_ERROR_SERVER, _("the server said: %s"), e);
        return FALSE;
    }
    const char *v = attribute(attrs, 'v');
    if (!v)
        return fail(error, NC_SCRAM_ERROR_PROTOCOL, _("the server's last SCRAM message has no v="));
    gsize len = 0;
    g_autofree guint8 *got = g_base64_decode(v, &len);
    guint8 want[DIGEST_LEN];
    hmac(self->server_key, DIGEST_LEN, self->auth_message, strlen(self->auth_message), want);
    /* Constant time: how much of a guess matched must not show. */
    guint8 diff = len == DIGEST_LEN ? 0 : 1;
    for (guint i = 0; i < DIGEST_LEN; i++)
        diff |= (guint8)(want[i] ^ (i < len && got ? got[i] : 0));
    wipe(want, sizeof want);
    if (diff)
        return fail(
            error, NC_SCRAM_ERROR_SIGNATURE,
            _("the server's SCRAM signature is wrong: it does not know this account's keys"));
    return TRUE;
}

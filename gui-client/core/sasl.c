/* SPDX-License-Identifier: MIT */
#include "sasl.h"

#include <string.h>

/* No server challenge comes close: SCRAM's are under 200 bytes. */
#define SASL_INPUT_MAX 65536

const char *nc_sasl_mechanism_name(NcSaslMechanism mech)
{
    switch (mech) {
    case NC_SASL_NONE:
        return "none";
    case NC_SASL_AUTO:
        return "auto";
    case NC_SASL_PLAIN:
        return "PLAIN";
    case NC_SASL_SCRAM_SHA_256:
        return "SCRAM-SHA-256";
    case NC_SASL_EXTERNAL:
        return "EXTERNAL";
    }
    return "none";
}

NcSaslMechanism nc_sasl_mechanism_from_name(const char *name)
{
    static const NcSaslMechanism all[] = {NC_SASL_AUTO, NC_SASL_PLAIN, NC_SASL_SCRAM_SHA_256,
                                          NC_SASL_EXTERNAL};
    for (gsize i = 0; name && i < G_N_ELEMENTS(all); i++)
        if (g_ascii_strcasecmp(name, nc_sasl_mechanism_name(all[i])) == 0)
            return all[i];
    return NC_SASL_NONE;
}

gboolean nc_sasl_offers(const char *offered, NcSaslMechanism mech)
{
    if (!offered)
        return TRUE;
    g_auto(GStrv) names = g_strsplit(offered, ",", -1);
    for (guint i = 0; names[i]; i++)
        if (g_ascii_strcasecmp(g_strstrip(names[i]), nc_sasl_mechanism_name(mech)) == 0)
            return TRUE;
    return FALSE;
}

NcSaslMechanism nc_sasl_choose(NcSaslMechanism wanted, const char *offered,
                               gboolean have_certificate)
{
    if (wanted == NC_SASL_NONE)
        return NC_SASL_NONE;
    if (wanted != NC_SASL_AUTO)
        return nc_sasl_offers(offered, wanted) ? wanted : NC_SASL_NONE;
    /* A certificate is a choice the user made on purpose: it wins. */
    if (have_certificate)
        return nc_sasl_offers(offered, NC_SASL_EXTERNAL) ? NC_SASL_EXTERNAL : NC_SASL_NONE;
    /* SCRAM never shows the password to the server and checks the
     * server back, so it goes first whenever it is there. */
    if (nc_sasl_offers(offered, NC_SASL_SCRAM_SHA_256))
        return NC_SASL_SCRAM_SHA_256;
    if (nc_sasl_offers(offered, NC_SASL_PLAIN))
        return NC_SASL_PLAIN;
    return NC_SASL_NONE;
}

char **nc_sasl_encode(const void *data, gsize len)
{
    GPtrArray *out = g_ptr_array_new();
    g_autofree char *all = len ? g_base64_encode(data, len) : g_strdup("");
    gsize total = strlen(all);
    for (gsize at = 0; at < total; at += NC_SASL_CHUNK)
        g_ptr_array_add(out, g_strndup(all + at, MIN(NC_SASL_CHUNK, total - at)));
    /* The reader stops at a short line: an exact multiple of 400 (or an
     * empty response) needs "+" to say it is over. */
    if (total % NC_SASL_CHUNK == 0)
        g_ptr_array_add(out, g_strdup("+"));
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

int nc_sasl_decode(GString *acc, const char *arg, GBytes **out)
{
    gboolean plus = strcmp(arg, "+") == 0;
    gsize len = plus ? 0 : strlen(arg);
    if (!plus) {
        if (acc->len + len > SASL_INPUT_MAX) {
            g_string_truncate(acc, 0);
            return -1;
        }
        g_string_append(acc, arg);
    }
    if (!plus && len == NC_SASL_CHUNK)
        return 0;
    if (acc->len % 4 != 0) {
        g_string_truncate(acc, 0);
        return -1;
    }
    for (gsize i = 0; i < acc->len; i++) {
        char c = acc->str[i];
        if (!g_ascii_isalnum(c) && c != '+' && c != '/' && c != '=') {
            g_string_truncate(acc, 0);
            return -1;
        }
    }
    gsize n = 0;
    guint8 *raw = acc->len ? g_base64_decode(acc->str, &n) : NULL;
    *out = g_bytes_new_take(raw, n);
    g_string_truncate(acc, 0);
    return 1;
}

guint8 *nc_sasl_plain_message(const char *account, const char *password, gsize *len)
{
    gsize a = strlen(account), p = strlen(password);
    *len = 1 + a + 1 + p;
    guint8 *msg = g_malloc(*len);
    msg[0] = '\0'; /* no authzid */
    memcpy(msg + 1, account, a);
    msg[1 + a] = '\0';
    memcpy(msg + 2 + a, password, p);
    return msg;
}

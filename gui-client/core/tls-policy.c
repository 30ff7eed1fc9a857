/* SPDX-License-Identifier: MIT */
#include "tls-policy.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <natter/error.h>
#include <stdlib.h>
#include <string.h>

gboolean nc_host_is_local(const char *host)
{
    if (!host || !*host)
        return FALSE;
    g_autofree char *lower = g_ascii_strdown(host, -1);
    gsize len = strlen(lower);
    if (len > 1 && lower[len - 1] == '.')
        lower[--len] = '\0'; /* "localhost." is the same name */
    if (strcmp(lower, "localhost") == 0 || g_str_has_suffix(lower, ".localhost"))
        return TRUE;
    /* Only numeric loopback addresses: a name that merely resolves to one
     * is not trusted to stay local (resolving here would also block). */
    const char *ip = lower;
    g_autofree char *unbracketed = NULL;
    if (ip[0] == '[' && len > 2 && ip[len - 1] == ']')
        ip = unbracketed = g_strndup(lower + 1, len - 2);
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(ip);
    return addr && g_inet_address_get_is_loopback(addr);
}

gboolean nc_tls_default_for(const char *host)
{
    return !nc_host_is_local(host);
}

guint16 nc_default_port(gboolean tls)
{
    return tls ? NC_PORT_TLS : NC_PORT_PLAIN;
}

gboolean nc_sts_parse(const char *cap_list, guint16 *port, gint64 *duration)
{
    *port = 0;
    *duration = -1;
    if (!cap_list)
        return FALSE;
    g_auto(GStrv) caps = g_strsplit(cap_list, " ", -1);
    for (guint i = 0; caps[i]; i++) {
        const char *cap = caps[i];
        if (strcmp(cap, "sts") != 0 && !g_str_has_prefix(cap, "sts="))
            continue;
        const char *value = cap[3] == '=' ? cap + 4 : "";
        g_auto(GStrv) keys = g_strsplit(value, ",", -1);
        for (guint k = 0; keys[k]; k++) {
            char *end;
            if (g_str_has_prefix(keys[k], "port=")) {
                long p = strtol(keys[k] + 5, &end, 10);
                if (!*end && p > 0 && p <= 65535)
                    *port = (guint16)p;
            } else if (g_str_has_prefix(keys[k], "duration=")) {
                gint64 d = g_ascii_strtoll(keys[k] + 9, &end, 10);
                if (!*end && end != keys[k] + 9 && d >= 0)
                    *duration = d;
            }
        }
        return TRUE;
    }
    return FALSE;
}

char *nc_fingerprint_normalize(const char *fp)
{
    if (!fp)
        return NULL;
    GString *out = g_string_sized_new(64);
    for (const char *p = fp; *p; p++) {
        if (*p == ':' || *p == ' ')
            continue;
        if (!g_ascii_isxdigit(*p) || out->len == 64) {
            g_string_free(out, TRUE);
            return NULL;
        }
        g_string_append_c(out, g_ascii_tolower(*p));
    }
    if (out->len != 64) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

char *nc_fingerprint_format(const char *fp)
{
    GString *out = g_string_new(NULL);
    guint digits = 0;
    for (const char *p = fp ? fp : ""; *p; p++) {
        if (!g_ascii_isxdigit(*p))
            continue;
        if (digits && digits % 32 == 0)
            g_string_append_c(out, '\n');
        else if (digits && digits % 4 == 0)
            g_string_append_c(out, ' ');
        g_string_append_c(out, g_ascii_toupper(*p));
        digits++;
    }
    return g_string_free(out, FALSE);
}

NcTlsProblem *nc_tls_problem_new(int code, const char *host, guint16 port, const char *fingerprint,
                                 const char *detail, gboolean changed)
{
    NcTlsProblem *p = g_new0(NcTlsProblem, 1);
    p->code = code;
    p->host = g_strdup(host ? host : "");
    p->port = port;
    p->fingerprint = g_strdup(fingerprint ? fingerprint : "");
    p->detail = g_strdup(detail ? detail : "");
    p->changed = changed;
    return p;
}

void nc_tls_problem_free(NcTlsProblem *p)
{
    if (!p)
        return;
    g_free(p->host);
    g_free(p->fingerprint);
    g_free(p->detail);
    g_free(p);
}

char *nc_tls_problem_headline(const NcTlsProblem *p)
{
    if (p->changed)
        return g_strdup_printf(_("The certificate of %s changed since you trusted it"), p->host);
    switch (p->code) {
    case NT_ETLS_SELFSIGNED:
        return g_strdup_printf(
            _("The certificate of %s is self-signed: no authority vouches for it"), p->host);
    case NT_ETLS_UNTRUSTED:
        return g_strdup_printf(
            _("The certificate of %s is not signed by an authority this computer trusts"), p->host);
    case NT_ETLS_HOSTNAME:
        return g_strdup_printf(_("The certificate offered by %s is made out to another name"),
                               p->host);
    case NT_ETLS_EXPIRED:
        return g_strdup_printf(_("The certificate of %s has expired or is not valid yet"), p->host);
    default:
        return g_strdup_printf(_("The certificate of %s could not be verified (%s)"), p->host,
                               nt_strerror(p->code));
    }
}

char *nc_tls_problem_advice(const NcTlsProblem *p)
{
    const char *why;
    if (p->changed && p->code == NT_OK)
        why = _("The new certificate is signed by an authority this computer trusts, but it is not "
                "the one you chose to trust for this network. Servers renew certificates; an "
                "attacker can also present one.");
    else if (p->changed)
        why = _("Servers sometimes get a new certificate, but this is also what someone "
                "intercepting the connection would show.");
    else
        why = _("Small and home servers often use their own certificate, but this is also what "
                "someone intercepting the connection would show.");
    return g_strdup_printf(_("Natter stopped before sending anything. %s Trust it only if the "
                             "server's operator confirms this fingerprint; natter will then accept "
                             "this certificate, and only this one, for %s."),
                           why, p->host);
}

char *nc_tls_problem_describe(const NcTlsProblem *p)
{
    g_autofree char *headline = nc_tls_problem_headline(p);
    g_autofree char *advice = nc_tls_problem_advice(p);
    g_autofree char *grouped = nc_fingerprint_format(p->fingerprint);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%s.\n%s", headline, advice);
    if (p->detail && *p->detail)
        g_string_append_printf(s, "\n%s %s", _("Verifier:"), p->detail);
    g_string_append_printf(s, "\n%s\n%s", _("SHA-256 fingerprint:"),
                           *grouped ? grouped : _("(the server sent no certificate)"));
    return g_string_free(s, FALSE);
}

/* SPDX-License-Identifier: MIT */
/* NcClient's TLS: which attempt speaks TLS on which port (the user's
 * choice, or an STS policy), which certificates it accepts besides those
 * the system trusts (pins), what happens when one is refused (the client
 * stops and keeps an NcTlsProblem for the window), and the IRCv3 sts
 * capability: a plain connection offered sts=port=P is dropped and
 * replaced by a TLS one on P at once; sts=duration=N seen over TLS is
 * remembered in the trust store for N seconds, and refreshed each time. */
#include "client-private.h"

#include <glib/gi18n.h>
#include <natter/error.h>
#include <string.h>

void nc__client_tls_init(NcClient *self)
{
    self->session_pins = g_ptr_array_new_with_free_func(g_free);
}

void nc__client_tls_finalize(NcClient *self)
{
    g_clear_object(&self->trust);
    g_ptr_array_unref(self->session_pins);
    g_strfreev(self->attempt_pins);
    nc_tls_problem_free(self->tls_problem);
    g_free(self->tls_summary);
}

void nc_client_set_tls(NcClient *self, gboolean tls)
{
    self->tls_wanted = tls;
}

gboolean nc_client_get_tls(NcClient *self)
{
    return self->tls_wanted;
}

void nc_client_set_trust_store(NcClient *self, NcTrustStore *store)
{
    g_set_object(&self->trust, store);
}

const NcTlsProblem *nc_client_get_tls_problem(NcClient *self)
{
    return self->tls_problem;
}

gboolean nc_client_is_secure(NcClient *self)
{
    return self->tls_summary != NULL;
}

guint16 nc_client_get_connected_port(NcClient *self)
{
    return self->connect_port;
}

const char *nc_client_get_tls_summary(NcClient *self)
{
    return self->tls_summary;
}

gboolean nc_client_pin_certificate(NcClient *self, const char *fp, gboolean remember,
                                   GError **error)
{
    g_autofree char *norm = nc_fingerprint_normalize(fp);
    if (!norm) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("Not a SHA-256 fingerprint: “%s”"), fp ? fp : "");
        return FALSE;
    }
    /* The pin replaces what was pinned before, in the store and here:
     * whoever pins now (a beacon, the user) speaks for the host's current
     * certificate, and the one it replaces must not be accepted. */
    if (remember && self->trust && !nc_trust_store_pin(self->trust, self->host, norm, TRUE, error))
        return FALSE;
    g_ptr_array_set_size(self->session_pins, 0);
    /* Not to be kept, or nowhere to keep it: this client's own. */
    if (!remember || !self->trust)
        g_ptr_array_add(self->session_pins, g_steal_pointer(&norm));
    self->tls_wanted = TRUE;
    return TRUE;
}

static void set_problem(NcClient *self, NcTlsProblem *problem)
{
    if (!problem && !self->tls_problem)
        return;
    nc_tls_problem_free(self->tls_problem);
    self->tls_problem = problem;
    nc__client_notify_tls_problem(self);
}

/* The session's pins, then the stored ones, each once. */
static char **current_pins(NcClient *self)
{
    GPtrArray *all = g_ptr_array_new();
    for (guint i = 0; i < self->session_pins->len; i++)
        g_ptr_array_add(all, g_strdup(self->session_pins->pdata[i]));
    g_auto(GStrv) stored = self->trust ? nc_trust_store_get_pins(self->trust, self->host) : NULL;
    for (guint i = 0; stored && stored[i]; i++) {
        gboolean dup = FALSE;
        for (guint j = 0; j < all->len && !dup; j++)
            dup = strcmp(all->pdata[j], stored[i]) == 0;
        if (!dup)
            g_ptr_array_add(all, g_strdup(stored[i]));
    }
    g_ptr_array_add(all, NULL);
    return (char **)g_ptr_array_free(all, FALSE);
}

const NcIoTlsOptions *nc__client_tls_prepare(NcClient *self, NcIoTlsOptions *opts)
{
    set_problem(self, NULL);
    g_clear_pointer(&self->tls_summary, g_free);
    guint16 sts_port = 0;
    if (self->sts_upgrade_port) {
        /* Told so on this session's plain connection: never back to plain
         * text, even when the secure attempt fails (sts "MUST NOT"). */
        self->tls = TRUE;
        self->connect_port = self->sts_upgrade_port;
        self->sts_policy = TRUE;
    } else if (self->trust && nc_trust_store_get_sts(self->trust, self->host, &sts_port, NULL)) {
        self->tls = TRUE;
        self->connect_port = sts_port;
        self->sts_policy = TRUE;
    } else {
        self->tls = self->tls_wanted;
        self->connect_port = self->port ? self->port : nc_default_port(self->tls);
        self->sts_policy = FALSE;
    }
    g_clear_pointer(&self->attempt_pins, g_strfreev);
    if (!self->tls)
        return NULL;
    self->attempt_pins = current_pins(self);
    opts->server_name = self->host;
    opts->pins = (const char *const *)self->attempt_pins;
    opts->cert_file = self->cert_file;
    opts->key_file = self->key_file;
    return opts;
}

static gboolean has_pins(NcClient *self)
{
    return self->attempt_pins && self->attempt_pins[0];
}

/* The host has pins and this certificate is none of them. */
static gboolean pin_changed(NcClient *self, const char *fingerprint)
{
    return has_pins(self) && !g_strv_contains((const char *const *)self->attempt_pins, fingerprint);
}

/* Stop, and keep the problem for the window (which offers to trust the
 * certificate) with the whole story in the server tab. */
static void refuse(NcClient *self, int code, const NcIoTlsInfo *tls, gboolean changed)
{
    NcTlsProblem *p =
        nc_tls_problem_new(code, self->host, self->connect_port, tls ? tls->fingerprint : "",
                           tls ? tls->detail : "", changed);
    g_autofree char *headline = nc_tls_problem_headline(p);
    g_autofree char *story = nc_tls_problem_describe(p);
    /* The problem first: whoever watches "error" can tell it is this. */
    nc_tls_problem_free(self->tls_problem);
    self->tls_problem = p;
    nc__client_stop(self, headline, story);
    nc__client_notify_tls_problem(self);
}

gboolean nc__client_tls_connected(NcClient *self, const NcIoTlsInfo *tls)
{
    g_clear_pointer(&self->tls_summary, g_free);
    if (!tls)
        return TRUE;
    /* libnatter let it through: the system trusts it, or it is pinned.  A
     * host with pins accepts those certificates only, so a certificate
     * that changed is shown to the user even when an authority vouches
     * for it. */
    if (pin_changed(self, tls->fingerprint)) {
        nc_io_close(self->io, FALSE);
        refuse(self, tls->verify_result, tls, TRUE);
        return FALSE;
    }
    self->tls_summary = g_strdup(*tls->protocol ? tls->protocol : "TLS");
    return TRUE;
}

static gboolean is_verification(int code)
{
    return code == NT_ETLS_UNTRUSTED || code == NT_ETLS_HOSTNAME || code == NT_ETLS_EXPIRED ||
           code == NT_ETLS_SELFSIGNED;
}

gboolean nc__client_tls_closed(NcClient *self, int reason, const NcIoTlsInfo *tls)
{
    if (!self->tls)
        return FALSE;
    int code = reason;
    /* A handshake that failed for its certificate may read as a generic
     * failure; the verifier's result says what it was. */
    if (reason == NT_ETLS_HANDSHAKE && tls && is_verification(tls->verify_result))
        code = tls->verify_result;
    if (is_verification(code) && tls && !tls->handshake_done) {
        refuse(self, code, tls, pin_changed(self, tls->fingerprint));
        return TRUE;
    }
    g_autofree char *text = NULL;
    if (code == NT_ETLS_PLAINTEXT && self->sts_policy)
        text = g_strdup_printf(_("%s:%u answered in plain text, but this server asked to be "
                                 "reached with TLS only (STS): natter will not fall back"),
                               self->host, (guint)self->connect_port);
    else if (code == NT_ETLS_PLAINTEXT)
        text = g_strdup_printf(_("%s:%u does not speak TLS: turn TLS off for this server, or use "
                                 "its TLS port (often 6697)"),
                               self->host, (guint)self->connect_port);
    else if (code == NT_ETLS_NOCERT)
        text = g_strdup_printf(_("%s wants a client certificate, and natter has none to give"),
                               self->host);
    else
        return FALSE; /* a failed handshake, a reset: reconnect as usual */
    /* Retrying cannot help: the settings must change. */
    nc__client_stop(self, text, NULL);
    return TRUE;
}

gboolean nc__client_sts_seen(NcClient *self, const char *cap_list)
{
    guint16 port;
    gint64 duration;
    if (!nc_sts_parse(cap_list, &port, &duration))
        return FALSE;
    if (!self->tls) {
        /* Plain text: only the port counts, and nothing is stored (anyone
         * on the path could have written it).  Leave before registering. */
        if (!port)
            return FALSE;
        self->sts_upgrade_port = port;
        g_autofree char *text = g_strdup_printf(
            _("%s accepts encrypted connections only (STS): reconnecting with TLS on port %u"),
            self->host, (guint)port);
        nc__client_info(self, NULL, NC_MSG_STATUS, text);
        nc__client_restart(self);
        return TRUE;
    }
    /* Over TLS: the duration is the policy (0 ends it); the port is where
     * this secure connection went. */
    if (duration >= 0 && self->trust) {
        g_autoptr(GError) error = NULL;
        if (!nc_trust_store_set_sts(self->trust, self->host, self->connect_port, duration, &error))
            g_warning("cannot remember the STS policy of %s: %s", self->host, error->message);
    }
    return FALSE;
}

gboolean nc_client_trust_certificate(NcClient *self, GError **error)
{
    const NcTlsProblem *p = self->tls_problem;
    if (!p || !*p->fingerprint) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                            _("There is no refused certificate to trust"));
        return FALSE;
    }
    g_autofree char *fp = g_strdup(p->fingerprint);
    /* Without a store the trust lasts as long as this client. */
    if (!nc_client_pin_certificate(self, fp, TRUE, error))
        return FALSE;
    g_autofree char *grouped = g_strdelimit(nc_fingerprint_format(fp), "\n", ' ');
    g_autofree char *text =
        g_strdup_printf(_("You trusted the certificate of %s with the SHA-256 fingerprint %s"),
                        self->host, grouped);
    nc__client_info(self, NULL, NC_MSG_STATUS, text);
    set_problem(self, NULL);
    nc_client_connect(self);
    return TRUE;
}

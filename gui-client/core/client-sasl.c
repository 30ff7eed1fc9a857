/* SPDX-License-Identifier: MIT */
/* NcClient's accounts: logging in with SASL before registering (IRCv3
 * sasl-3.1/3.2: CAP REQ sasl, AUTHENTICATE, 900-908, CAP END after), and
 * creating an account with draft/account-registration (REGISTER with no
 * email, before connecting when the server allows it).
 *
 * A login that fails ends the connection: the user asked to be someone,
 * and a guest session under their nick is not what they asked for (it
 * may even leak what they say to a channel that trusts the account).
 * The client says why in words (the status, the error, the server tab)
 * and does not reconnect, since a wrong password stays wrong and each
 * retry counts against the server's rate limit. */
#include "client-private.h"

#include <glib/gi18n.h>
#include <natter/error.h>
#include <natter/tls.h>
#include <stdlib.h>
#include <string.h>

void nc__client_account_init(NcClient *self)
{
    self->sasl_input = g_string_new(NULL);
    self->sasl_tried = g_hash_table_new(g_direct_hash, g_direct_equal);
}

static void free_secret(char *s)
{
    if (s) {
        volatile char *v = s;
        while (*v)
            *v++ = '\0';
        g_free(s);
    }
}

void nc__client_account_finalize(NcClient *self)
{
    g_free(self->login_account);
    free_secret(self->login_password);
    g_free(self->cert_file);
    g_free(self->key_file);
    g_free(self->account);
    g_free(self->sasl_offered);
    g_free(self->register_offered);
    g_string_free(self->sasl_input, TRUE);
    g_hash_table_unref(self->sasl_tried);
    nc_scram_free(self->scram);
    g_free(self->fail_code);
    g_free(self->fail_text);
}

/* ---- what the user set ---------------------------------------------- */

void nc_client_set_login(NcClient *self, const char *account, const char *password,
                         NcSaslMechanism mechanism)
{
    g_free(self->login_account);
    free_secret(self->login_password);
    self->login_account = account && *account ? g_strdup(account) : NULL;
    self->login_password = g_strdup(password ? password : "");
    /* EXTERNAL needs no name: the certificate says who. */
    if (!self->login_account && mechanism != NC_SASL_EXTERNAL)
        mechanism = NC_SASL_NONE;
    self->login_mechanism = mechanism;
}

const char *nc_client_get_login_account(NcClient *self)
{
    return self->login_account;
}

void nc_client_set_client_certificate(NcClient *self, const char *cert_file, const char *key_file)
{
    g_free(self->cert_file);
    g_free(self->key_file);
    self->cert_file = cert_file && *cert_file ? g_strdup(cert_file) : NULL;
    /* A PEM file may hold the key beside the certificate. */
    self->key_file =
        self->cert_file ? g_strdup(key_file && *key_file ? key_file : cert_file) : NULL;
}

void nc_client_set_create_account(NcClient *self, gboolean create)
{
    self->create_account = create;
}

gboolean nc_client_get_create_account(NcClient *self)
{
    return self->create_account;
}

const char *nc_client_get_account(NcClient *self)
{
    return self->account;
}

NcLoginProblem nc_client_get_login_problem(NcClient *self)
{
    return self->login_problem;
}

static gboolean login_wanted(NcClient *self)
{
    return self->login_mechanism != NC_SASL_NONE;
}

static const char *account_label(NcClient *self)
{
    return self->login_account ? self->login_account : _("(named by the certificate)");
}

/* ---- failing -------------------------------------------------------- */

static void set_problem(NcClient *self, NcLoginProblem problem)
{
    if (self->login_problem == problem)
        return;
    self->login_problem = problem;
    nc__client_notify_login_problem(self);
}

/* Leave and say why; no reconnect (see the top of the file). */
static void login_failed(NcClient *self, NcLoginProblem problem, const char *headline,
                         const char *detail)
{
    self->sasl_mechanism = NC_SASL_NONE;
    g_clear_pointer(&self->scram, nc_scram_free);
    self->sasl_serial++;
    /* A 900 may have come before the failure (a server that then could
     * not prove itself): that login does not count. */
    if (self->account) {
        g_clear_pointer(&self->account, g_free);
        nc__client_notify_account(self);
    }
    set_problem(self, problem);
    if (self->state == NC_STATE_REGISTERING || self->state == NC_STATE_CONNECTED) {
        nc__client_send(self, "QUIT :%s", "login failed");
        nc_io_close(self->io, TRUE);
    }
    nc__client_stop(self, headline, detail);
}

/* The words after a failure: what to do about it. */
static char *with_advice(const char *what)
{
    return g_strdup_printf(_("%s. natter did not connect without the account and will not "
                             "retry on its own: change the login with Connect… (Ctrl+N), or "
                             "reconnect later."),
                           what);
}

gboolean nc__client_account_check(NcClient *self, gboolean tls)
{
    set_problem(self, NC_LOGIN_OK);
    gboolean external = self->login_mechanism == NC_SASL_EXTERNAL ||
                        (self->login_mechanism == NC_SASL_AUTO && self->cert_file);
    if (external && !self->cert_file) {
        login_failed(self, NC_LOGIN_CERTIFICATE,
                     _("Logging in with a client certificate needs a certificate file"), NULL);
        return FALSE;
    }
    if (external && !tls) {
        g_autofree char *text = g_strdup_printf(
            _("A client certificate is sent only over TLS: turn on encryption for %s"), self->host);
        login_failed(self, NC_LOGIN_CERTIFICATE, text, NULL);
        return FALSE;
    }
    if (!self->cert_file || !tls)
        return TRUE;
    /* Loaded here too (the I/O thread loads it again for the attempt) so
     * a wrong file is explained instead of looking like a network error
     * retried forever. */
    nt_tls_config *cfg = NULL;
    int rc = nt_tls_config_new(NT_TLS_CLIENT, &cfg);
    if (rc == 0)
        rc = nt_tls_config_set_certificate(cfg, self->cert_file, self->key_file);
    if (rc != 0) {
        g_autofree char *text = g_strdup_printf(
            _("Cannot use the client certificate %s: %s"), self->cert_file,
            cfg && *nt_tls_config_error(cfg) ? nt_tls_config_error(cfg) : nt_strerror(rc));
        if (cfg)
            nt_tls_config_unref(cfg);
        login_failed(self, NC_LOGIN_CERTIFICATE, text, NULL);
        return FALSE;
    }
    nt_tls_config_unref(cfg);
    return TRUE;
}

void nc__client_account_connected(NcClient *self)
{
    g_clear_pointer(&self->account, g_free);
    nc__client_notify_account(self);
    set_problem(self, NC_LOGIN_OK);
    g_clear_pointer(&self->sasl_offered, g_free);
    g_clear_pointer(&self->register_offered, g_free);
    self->sasl_cap = FALSE;
    self->account_begun = FALSE;
    self->sasl_mechanism = NC_SASL_NONE;
    g_hash_table_remove_all(self->sasl_tried);
    self->sasl_step = 0;
    g_string_truncate(self->sasl_input, 0);
    g_clear_pointer(&self->scram, nc_scram_free);
    self->sasl_serial++;
    self->scram_verified = FALSE;
    self->sasl_aborted = FALSE;
    g_clear_pointer(&self->fail_code, g_free);
    g_clear_pointer(&self->fail_text, g_free);
    self->register_after_welcome = FALSE;
    self->logged_in_now = FALSE;
}

/* ---- CAP ------------------------------------------------------------ */

/* Does a comma-separated cap value have this key (before any '=')? */
static gboolean value_has_key(const char *value, const char *key)
{
    g_auto(GStrv) keys = g_strsplit(value ? value : "", ",", -1);
    for (guint i = 0; keys[i]; i++) {
        char *eq = strchr(keys[i], '=');
        if (eq)
            *eq = '\0';
        if (strcmp(keys[i], key) == 0)
            return TRUE;
    }
    return FALSE;
}

gboolean nc__client_account_caps(NcClient *self, const char *cap_list, GString *req)
{
    g_auto(GStrv) offered = g_strsplit(cap_list, " ", -1);
    for (guint i = 0; offered[i]; i++) {
        char *eq = strchr(offered[i], '=');
        const char *value = eq ? eq + 1 : NULL;
        if (eq)
            *eq = '\0';
        if (strcmp(offered[i], "sasl") == 0) {
            self->sasl_cap = TRUE;
            g_free(self->sasl_offered);
            self->sasl_offered = value && *value ? g_strdup(value) : NULL;
        } else if (strcmp(offered[i], "draft/account-registration") == 0) {
            g_free(self->register_offered);
            self->register_offered = g_strdup(value ? value : "");
        }
    }
    if (self->create_account) {
        /* REGISTER needs no capability of its own (asking for it is not
         * required, and a NAK would sink the whole CAP REQ). */
        if (!self->register_offered) {
            g_autofree char *text =
                g_strdup_printf(_("%s cannot create accounts from a chat program"), self->host);
            g_autofree char *detail = g_strdup_printf(
                _("%s does not offer account registration (draft/account-registration), so "
                  "the account “%s” was not created. natter did not connect without it."),
                self->host, account_label(self));
            login_failed(self, NC_LOGIN_CREATE_UNSUPPORTED, text, detail);
            return FALSE;
        }
        return TRUE;
    }
    if (!login_wanted(self))
        return TRUE;
    if (!self->sasl_cap) {
        g_autofree char *text =
            g_strdup_printf(_("%s does not support logging in to accounts (no SASL)"), self->host);
        g_autofree char *what = g_strdup_printf(
            _("%s does not support logging in to an account (it offers no SASL), so natter "
              "could not log in as “%s”"),
            self->host, account_label(self));
        g_autofree char *detail = with_advice(what);
        login_failed(self, NC_LOGIN_NO_SASL, text, detail);
        return FALSE;
    }
    NcSaslMechanism mech =
        nc_sasl_choose(self->login_mechanism, self->sasl_offered, self->cert_file != NULL);
    if (mech == NC_SASL_NONE) {
        const char *wanted = self->login_mechanism == NC_SASL_AUTO
                                 ? (self->cert_file ? "EXTERNAL" : "SCRAM-SHA-256 or PLAIN")
                                 : nc_sasl_mechanism_name(self->login_mechanism);
        g_autofree char *text = g_strdup_printf(_("%s does not accept %s logins (it offers %s)"),
                                                self->host, wanted, self->sasl_offered);
        g_autofree char *detail = with_advice(text);
        login_failed(self, NC_LOGIN_MECHANISM, text, detail);
        return FALSE;
    }
    self->sasl_mechanism = mech;
    if (req->len)
        g_string_append_c(req, ' ');
    g_string_append(req, "sasl");
    return TRUE;
}

/* ---- REGISTER ------------------------------------------------------- */

static void send_register(NcClient *self)
{
    /* Without custom-account-name the account is named after the nick;
     * "*" asks for exactly that. */
    gboolean custom = value_has_key(self->register_offered, "custom-account-name");
    const char *name = custom && self->login_account ? self->login_account : "*";
    if (!custom && self->login_account && !nc_irc_name_equal(self->login_account, self->nick)) {
        g_autofree char *text =
            g_strdup_printf(_("%s names new accounts after the nick: creating the account “%s”"),
                            self->host, self->nick);
        nc__client_info(self, NULL, NC_MSG_STATUS, text);
    }
    g_autofree char *status = g_strdup_printf(_("Creating the account “%s” on %s…"),
                                              custom ? name : self->nick, self->host);
    nc__client_set_state(self, self->state, status);
    /* No email, ever: "*".  The password goes last, as a trailing
     * parameter, so spaces in it survive. */
    nc__client_send(self, "REGISTER %s * :%s", name, self->login_password);
}

/* ---- SASL ----------------------------------------------------------- */

static void send_response(NcClient *self, const void *data, gsize len)
{
    g_auto(GStrv) chunks = nc_sasl_encode(data, len);
    for (guint i = 0; chunks[i]; i++)
        nc__client_send(self, "AUTHENTICATE %s", chunks[i]);
}

static void start_sasl(NcClient *self, NcSaslMechanism mech)
{
    self->sasl_mechanism = mech;
    g_hash_table_add(self->sasl_tried, GINT_TO_POINTER(mech));
    self->sasl_step = 0;
    self->scram_verified = FALSE;
    self->sasl_aborted = FALSE;
    g_string_truncate(self->sasl_input, 0);
    g_clear_pointer(&self->scram, nc_scram_free);
    g_clear_pointer(&self->fail_code, g_free);
    g_clear_pointer(&self->fail_text, g_free);
    self->sasl_serial++;
    g_autofree char *status = g_strdup_printf(_("Logging in to %s as %s (%s)…"), self->host,
                                              account_label(self), nc_sasl_mechanism_name(mech));
    nc__client_set_state(self, self->state, status);
    nc__client_send(self, "AUTHENTICATE %s", nc_sasl_mechanism_name(mech));
}

gboolean nc__client_account_begin(NcClient *self)
{
    if (self->account_begun)
        return self->sasl_mechanism != NC_SASL_NONE;
    self->account_begun = TRUE;
    if (self->create_account) {
        if (!value_has_key(self->register_offered, "before-connect")) {
            /* This server takes REGISTER once we are connected. */
            self->register_after_welcome = TRUE;
            return FALSE;
        }
        send_register(self);
        return TRUE;
    }
    if (!login_wanted(self))
        return FALSE;
    if (!nc_client_has_cap(self, "sasl")) {
        g_autofree char *text =
            g_strdup_printf(_("%s refused to log in to accounts (CAP sasl)"), self->host);
        g_autofree char *detail = with_advice(text);
        login_failed(self, NC_LOGIN_NO_SASL, text, detail);
        return TRUE;
    }
    start_sasl(self, self->sasl_mechanism);
    return TRUE;
}

gboolean nc__client_account_welcome(NcClient *self)
{
    if (self->register_after_welcome) {
        self->register_after_welcome = FALSE;
        send_register(self);
        return TRUE;
    }
    if (login_wanted(self) && !self->create_account && !self->logged_in_now) {
        /* A server that registered us without any CAP exchange (an old
         * one without CAP) logged nobody in. */
        g_autofree char *text =
            g_strdup_printf(_("%s does not support logging in to accounts (no SASL)"), self->host);
        g_autofree char *detail = with_advice(text);
        login_failed(self, NC_LOGIN_NO_SASL, text, detail);
        return FALSE;
    }
    return TRUE;
}

typedef struct {
    NcScram *scram;
    char *server_first;
    char *client_final;
    GError *error;
} ScramJob;

static void scram_job_free(gpointer data)
{
    ScramJob *job = data;
    nc_scram_free(job->scram);
    g_free(job->server_first);
    g_free(job->client_final);
    g_clear_error(&job->error);
    g_free(job);
}

/* PBKDF2 is slow on purpose: off the main context, so the window never
 * waits for it, however many iterations the server asks. */
static void scram_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    ScramJob *job = data;
    job->client_final = nc_scram_client_final(job->scram, job->server_first, &job->error);
    g_task_return_boolean(task, TRUE);
}

static void abort_sasl(NcClient *self)
{
    self->sasl_aborted = TRUE;
    nc__client_send(self, "AUTHENTICATE *");
}

static void scram_failed(NcClient *self, const GError *error)
{
    abort_sasl(self);
    NcLoginProblem problem =
        error->code == NC_SCRAM_ERROR_SIGNATURE ? NC_LOGIN_SERVER_UNPROVEN : NC_LOGIN_FAILED;
    g_autofree char *text =
        problem == NC_LOGIN_SERVER_UNPROVEN
            ? g_strdup_printf(_("%s could not prove it knows the account “%s”: it may not be "
                                "the real server"),
                              self->host, account_label(self))
            : g_strdup_printf(_("Logging in to %s failed: %s"), self->host, error->message);
    g_autofree char *what = g_strdup_printf(_("SCRAM-SHA-256 login to %s as “%s”: %s"), self->host,
                                            account_label(self), error->message);
    g_autofree char *detail = with_advice(what);
    login_failed(self, problem, text, detail);
}

static void scram_done(GObject *source, GAsyncResult *res, gpointer data)
{
    NcClient *self = NC_CLIENT(source);
    ScramJob *job = g_task_get_task_data(G_TASK(res));
    /* Another exchange (or connection) since: its answer is not ours. */
    if (GPOINTER_TO_UINT(data) != self->sasl_serial || self->state != NC_STATE_REGISTERING)
        return;
    self->scram = g_steal_pointer(&job->scram);
    if (!job->client_final) {
        scram_failed(self, job->error);
        return;
    }
    self->sasl_step = 2;
    send_response(self, job->client_final, strlen(job->client_final));
}

static void scram_step(NcClient *self, GBytes *challenge)
{
    gsize len = 0;
    const char *data = g_bytes_get_data(challenge, &len);
    g_autofree char *text = g_strndup(data ? data : "", len);
    if (self->sasl_step == 0) {
        self->scram = nc_scram_new(self->login_account, self->login_password, NULL);
        if (!self->scram) {
            GError e = {NC_SCRAM_ERROR, NC_SCRAM_ERROR_PROTOCOL,
                        (char *)_("no random numbers for the nonce")};
            scram_failed(self, &e);
            return;
        }
        const char *first = nc_scram_client_first(self->scram);
        self->sasl_step = 1;
        send_response(self, first, strlen(first));
    } else if (self->sasl_step == 1 && self->scram) {
        ScramJob *job = g_new0(ScramJob, 1);
        job->scram = g_steal_pointer(&self->scram);
        job->server_first = g_steal_pointer(&text);
        self->sasl_step = -1; /* in the worker */
        GTask *task = g_task_new(self, NULL, scram_done, GUINT_TO_POINTER(self->sasl_serial));
        g_task_set_task_data(task, job, scram_job_free);
        g_task_run_in_thread(task, scram_thread);
        g_object_unref(task);
    } else if (self->sasl_step == 2 && self->scram) {
        g_autoptr(GError) error = NULL;
        if (!nc_scram_verify_server_final(self->scram, text, &error)) {
            scram_failed(self, error);
            return;
        }
        self->scram_verified = TRUE;
        self->sasl_step = 3;
        send_response(self, NULL, 0); /* "AUTHENTICATE +": nothing more to say */
    } else {
        GError e = {NC_SCRAM_ERROR, NC_SCRAM_ERROR_PROTOCOL,
                    (char *)_("the server sent a SCRAM message out of turn")};
        scram_failed(self, &e);
    }
}

void nc__client_h_authenticate(NcClient *self, const NcIrcLine *l)
{
    if (self->sasl_mechanism == NC_SASL_NONE || self->state != NC_STATE_REGISTERING ||
        self->sasl_aborted)
        return;
    g_autoptr(GBytes) challenge = NULL;
    int rc = nc_sasl_decode(self->sasl_input, l->n_params ? l->params[0] : "+", &challenge);
    if (rc == 0)
        return;
    if (rc < 0) {
        abort_sasl(self);
        g_autofree char *text = g_strdup_printf(
            _("Logging in to %s failed: its SASL message was not base64"), self->host);
        login_failed(self, NC_LOGIN_FAILED, text, NULL);
        return;
    }
    switch (self->sasl_mechanism) {
    case NC_SASL_PLAIN:
        if (self->sasl_step == 0) {
            gsize len = 0;
            guint8 *msg = nc_sasl_plain_message(self->login_account, self->login_password, &len);
            self->sasl_step = 1;
            send_response(self, msg, len);
            memset(msg, 0, len);
            g_free(msg);
        }
        break;
    case NC_SASL_EXTERNAL:
        /* Empty: the account the certificate is registered to. */
        if (self->sasl_step == 0) {
            self->sasl_step = 1;
            send_response(self, NULL, 0);
        }
        break;
    case NC_SASL_SCRAM_SHA_256:
        scram_step(self, challenge);
        break;
    default:
        break;
    }
}

/* After 904: another mechanism this server lists (908), when the user
 * left the choice to natter and the one tried is not on the list. */
static NcSaslMechanism fallback_mechanism(NcClient *self)
{
    if (self->login_mechanism != NC_SASL_AUTO || !self->sasl_offered ||
        nc_sasl_offers(self->sasl_offered, self->sasl_mechanism))
        return NC_SASL_NONE;
    NcSaslMechanism next =
        nc_sasl_choose(NC_SASL_AUTO, self->sasl_offered, self->cert_file != NULL);
    return g_hash_table_contains(self->sasl_tried, GINT_TO_POINTER(next)) ? NC_SASL_NONE : next;
}

static void sasl_rejected(NcClient *self, const NcIrcLine *l)
{
    const char *said = l->n_params > 1 ? l->params[l->n_params - 1] : "";
    if (self->fail_code && strcmp(self->fail_code, "RATE_LIMITED") == 0) {
        g_autofree char *text = g_strdup_printf(
            _("The account “%s” is locked for now: too many failed logins"), account_label(self));
        g_autofree char *what = g_strdup_printf(
            _("%s refuses logins to the account “%s” for a while after too many failed attempts "
              "(“%s”)"),
            self->host, account_label(self), self->fail_text ? self->fail_text : said);
        g_autofree char *detail = with_advice(what);
        login_failed(self, NC_LOGIN_RATE_LIMITED, text, detail);
        return;
    }
    if (self->sasl_offered && !nc_sasl_offers(self->sasl_offered, self->sasl_mechanism)) {
        NcSaslMechanism next = fallback_mechanism(self);
        if (next != NC_SASL_NONE) {
            start_sasl(self, next);
            return;
        }
        g_autofree char *text =
            g_strdup_printf(_("%s does not accept %s logins (it offers %s)"), self->host,
                            nc_sasl_mechanism_name(self->sasl_mechanism), self->sasl_offered);
        g_autofree char *detail = with_advice(text);
        login_failed(self, NC_LOGIN_MECHANISM, text, detail);
        return;
    }
    g_autofree char *text =
        self->sasl_mechanism == NC_SASL_EXTERNAL
            ? g_strdup_printf(_("%s did not accept the client certificate as an account login"),
                              self->host)
            : g_strdup_printf(_("Login to the account “%s” failed: wrong account name or "
                                "password"),
                              account_label(self));
    g_autofree char *what =
        self->sasl_mechanism == NC_SASL_EXTERNAL
            ? g_strdup_printf(_("%s refused the login with the client certificate (it said “%s”)"),
                              self->host, said)
            : g_strdup_printf(_("%s refused the login to the account “%s” with %s: wrong account "
                                "name or password (it said “%s”)"),
                              self->host, account_label(self),
                              nc_sasl_mechanism_name(self->sasl_mechanism), said);
    g_autofree char *detail = with_advice(what);
    login_failed(self, NC_LOGIN_REJECTED, text, detail);
}

static void logged_in(NcClient *self)
{
    self->sasl_mechanism = NC_SASL_NONE;
    self->logged_in_now = TRUE;
    g_clear_pointer(&self->scram, nc_scram_free);
    nc__client_cap_end(self);
}

void nc__client_h_sasl_numeric(NcClient *self, const NcIrcLine *l)
{
    const char *last = l->n_params ? l->params[l->n_params - 1] : "";
    switch (atoi(l->command)) {
    case 900: { /* RPL_LOGGEDIN <nick> <nick!user@host> <account> :text */
        const char *account = nc_irc_line_param(l, 2);
        g_free(self->account);
        self->account = account && *account ? g_strdup(account) : NULL;
        nc__client_notify_account(self);
        /* The mechanism is named: a user (and the e2e test) can tell a
         * password proof from a password sent. */
        g_autofree char *text =
            self->sasl_mechanism != NC_SASL_NONE
                ? g_strdup_printf(_("Logged in to %s as the account “%s” (%s)"), self->host,
                                  self->account ? self->account : "?",
                                  nc_sasl_mechanism_name(self->sasl_mechanism))
                : g_strdup_printf(_("Logged in to %s as the account “%s”"), self->host,
                                  self->account ? self->account : "?");
        /* The server's word (900), kept in the log as its replies are. */
        nc__client_info(self, NULL, NC_MSG_SERVER, text);
        break;
    }
    case 901: /* RPL_LOGGEDOUT */
        g_clear_pointer(&self->account, g_free);
        nc__client_notify_account(self);
        nc__client_info(self, NULL, NC_MSG_SERVER, last);
        break;
    case 902: { /* ERR_NICKLOCKED */
        if (self->state != NC_STATE_REGISTERING)
            break;
        g_autofree char *text = g_strdup_printf(_("Logging in to %s failed: %s"), self->host, last);
        g_autofree char *detail = with_advice(text);
        login_failed(self, NC_LOGIN_FAILED, text, detail);
        break;
    }
    case 903: /* RPL_SASLSUCCESS */
        if (self->sasl_mechanism == NC_SASL_NONE || self->state != NC_STATE_REGISTERING)
            break;
        /* SCRAM's point is that the server proves itself; one that says
         * "success" without doing so is not the server we know. */
        if (self->sasl_mechanism == NC_SASL_SCRAM_SHA_256 && !self->scram_verified) {
            GError e = {NC_SCRAM_ERROR, NC_SCRAM_ERROR_SIGNATURE,
                        (char *)_("it reported success without its SCRAM signature")};
            scram_failed(self, &e);
            break;
        }
        logged_in(self);
        break;
    case 904: /* ERR_SASLFAIL */
        if (self->sasl_mechanism == NC_SASL_NONE || self->state != NC_STATE_REGISTERING ||
            self->sasl_aborted)
            break;
        sasl_rejected(self, l);
        break;
    case 905: /* ERR_SASLTOOLONG */
    case 906: /* ERR_SASLABORTED */
        if (self->sasl_mechanism == NC_SASL_NONE || self->state != NC_STATE_REGISTERING ||
            self->sasl_aborted)
            break;
        {
            g_autofree char *text =
                g_strdup_printf(_("Logging in to %s failed: %s"), self->host, last);
            g_autofree char *detail = with_advice(text);
            login_failed(self, NC_LOGIN_FAILED, text, detail);
        }
        break;
    case 907: /* ERR_SASLALREADY: logged in already, which is what we wanted */
        if (self->sasl_mechanism != NC_SASL_NONE && self->state == NC_STATE_REGISTERING)
            logged_in(self);
        break;
    case 908: /* RPL_SASLMECHS <nick> <mechanisms> :are available */
        if (l->n_params >= 2) {
            g_free(self->sasl_offered);
            self->sasl_offered = g_strdup(l->params[1]);
        }
        break;
    default:
        break;
    }
}

/* ---- REGISTER and FAIL ---------------------------------------------- */

void nc__client_h_register(NcClient *self, const NcIrcLine *l)
{
    const char *what = nc_irc_line_param(l, 0);
    const char *account = nc_irc_line_param(l, 1);
    const char *said = l->n_params > 2 ? l->params[l->n_params - 1] : "";
    if (!what || !account)
        return;
    if (strcmp(what, "SUCCESS") == 0) {
        /* Logged in as if by SASL (900 says so too): later connects log
         * in to it instead of creating it again. */
        self->create_account = FALSE;
        self->logged_in_now = TRUE;
        g_autofree char *text =
            g_strdup_printf(_("Created the account “%s” on %s: %s"), account, self->host, said);
        nc__client_info(self, NULL, NC_MSG_SERVER, text);
        g_signal_emit(self, nc__client_signals[NC_SIGNAL_ACCOUNT_CREATED], 0, account);
        nc__client_cap_end(self);
    } else if (strcmp(what, "VERIFICATION_REQUIRED") == 0) {
        self->create_account = FALSE;
        self->logged_in_now = TRUE; /* not logged in, but told: no surprise guest session */
        g_autofree char *text = g_strdup_printf(
            _("The account “%s” on %s must be verified before you can log in to it: %s"), account,
            self->host, said);
        nc__client_info(self, NULL, NC_MSG_ERROR, text);
        g_signal_emit(self, nc__client_signals[NC_SIGNAL_ACCOUNT_CREATED], 0, account);
        nc__client_cap_end(self);
    }
}

static char *register_failure_text(NcClient *self, const char *code, const char *account,
                                   const char *said)
{
    if (strcmp(code, "ACCOUNT_EXISTS") == 0)
        return g_strdup_printf(_("The account name “%s” is already taken on %s: choose another, "
                                 "or log in to it instead of creating it"),
                               account, self->host);
    if (strcmp(code, "BAD_ACCOUNT_NAME") == 0)
        return g_strdup_printf(_("“%s” cannot be an account name on %s: %s"), account, self->host,
                               said);
    if (strcmp(code, "WEAK_PASSWORD") == 0 || strcmp(code, "UNACCEPTABLE_PASSWORD") == 0)
        return g_strdup_printf(_("%s did not accept the password for “%s”: %s"), self->host,
                               account, said);
    if (strcmp(code, "ALREADY_AUTHENTICATED") == 0 || strcmp(code, "ALREADY_REGISTERED") == 0)
        return g_strdup_printf(_("You are logged in to an account on %s already"), self->host);
    if (strcmp(code, "DISABLED") == 0)
        return g_strdup_printf(_("%s does not let you create accounts: %s"), self->host, said);
    if (strcmp(code, "TEMPORARILY_UNAVAILABLE") == 0)
        return g_strdup_printf(_("%s cannot create accounts right now: %s"), self->host, said);
    if (strcmp(code, "RATE_LIMITED") == 0)
        return g_strdup_printf(_("Too many accounts were created from here lately; %s asks you "
                                 "to wait: %s"),
                               self->host, said);
    return g_strdup_printf(_("%s refused to create the account “%s” (%s): %s"), self->host, account,
                           code, said);
}

void nc__client_h_fail(NcClient *self, const NcIrcLine *l)
{
    /* FAIL <command> <code> [<context>...] :<description> */
    const char *command = nc_irc_line_param(l, 0);
    const char *code = nc_irc_line_param(l, 1);
    const char *said = l->n_params >= 3 ? l->params[l->n_params - 1] : "";
    if (!command || !code)
        return;
    if (strcmp(command, "AUTHENTICATE") == 0) {
        /* The standard reply comes just before its 904, which tells. */
        g_free(self->fail_code);
        g_free(self->fail_text);
        self->fail_code = g_strdup(code);
        self->fail_text = g_strdup(said);
        return;
    }
    if (strcmp(command, "REGISTER") == 0 && self->create_account) {
        if (strcmp(code, "COMPLETE_CONNECTION_REQUIRED") == 0 &&
            self->state == NC_STATE_REGISTERING) {
            /* It said before-connect and then changed its mind: again after 001. */
            self->register_after_welcome = TRUE;
            nc__client_cap_end(self);
            return;
        }
        const char *account = l->n_params >= 4 ? l->params[2] : account_label(self);
        g_autofree char *text = register_failure_text(self, code, account, said);
        g_autofree char *detail = g_strdup_printf(
            _("%s. natter did not connect without the account: change the name or the "
              "password with Connect… (Ctrl+N)."),
            text);
        login_failed(self, NC_LOGIN_CREATE_FAILED, text, detail);
        return;
    }
    /* Any other standard reply is an error the user should read. */
    g_autofree char *text = g_strdup_printf("%s: %s", command, said);
    nc__client_info(self,
                    self->state == NC_STATE_CONNECTED ? nc__client_current_buffer(self) : NULL,
                    NC_MSG_ERROR, text);
}

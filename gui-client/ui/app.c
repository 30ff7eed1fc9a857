/* SPDX-License-Identifier: MIT */
#include "app.h"

#include "connect-dialog.h"
#include "host.h"
#include "keyring.h"
#include "preferences.h"
#include "window.h"

#include "nt-config.h"

#include <adwaita.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <natter/addr.h>
#include <signal.h>
#include <string.h>

#define APP_ID "org.natter.Natter"

struct _NaApp {
    GtkApplication parent_instance;
    GSettings *settings;
    NcLogger *logger;
    NcDiscovery *discovery;
    NcTrustStore *trust;
    NcIgnoreList *ignore; /* /ignore's masks, one list for every client */
    NcNetworkList *networks;
    NcLocalServer *local;
    GPtrArray *clients;

    /* command line */
    char *opt_server;
    char *opt_nick;
    char *opt_realname;
    char **opt_join;
    gboolean opt_host_local;
    gboolean opt_no_discovery;
    int opt_tls; /* 1 --tls, 0 --no-tls, -1 neither */
};

G_DEFINE_TYPE(NaApp, na_app, GTK_TYPE_APPLICATION)

static const GOptionEntry options[] = {
    {"server", 's', 0, G_OPTION_ARG_STRING, NULL,
     N_("Connect to this IRC server (port 6697 with TLS, 6667 without, when not given)"),
     N_("HOST[:PORT]")},
    {"tls", 0, 0, G_OPTION_ARG_NONE, NULL,
     N_("Use TLS with --server (the default, unless the server is this computer)"), NULL},
    {"no-tls", 0, 0, G_OPTION_ARG_NONE, NULL,
     N_("Connect in plain text with --server (an STS policy still wins)"), NULL},
    {"nick", 'n', 0, G_OPTION_ARG_STRING, NULL, N_("Use this nickname"), N_("NICK")},
    {"realname", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Use this real name"), N_("NAME")},
    {"join", 'j', 0, G_OPTION_ARG_STRING_ARRAY, NULL,
     N_("Join this channel once connected (repeatable)"), N_("#CHANNEL")},
    {"host-local", 0, 0, G_OPTION_ARG_NONE, NULL,
     N_("Host a chat on this computer (start natterd) and join it"), NULL},
    {"no-discovery", 0, 0, G_OPTION_ARG_NONE, NULL,
     N_("Do not look for chats hosted on the local network"), NULL},
    {"version", 'v', 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

GSettings *na_app_get_settings(NaApp *self)
{
    return self->settings;
}
NcLogger *na_app_get_logger(NaApp *self)
{
    return self->logger;
}
NcDiscovery *na_app_get_discovery(NaApp *self)
{
    return self->discovery;
}
NcNetworkList *na_app_get_networks(NaApp *self)
{
    return self->networks;
}
NcTrustStore *na_app_get_trust_store(NaApp *self)
{
    return self->trust;
}

gboolean na_app_tls_for(NaApp *self, const char *host)
{
    gboolean tls = nc_tls_default_for(host);
    if (self->settings && host && *host) {
        g_autoptr(GVariant) map = g_settings_get_value(self->settings, "server-tls");
        g_autofree char *key = g_ascii_strdown(host, -1);
        g_variant_lookup(map, key, "b", &tls);
    }
    return tls;
}

static NaWindow *main_window(NaApp *self)
{
    GtkWindow *w = gtk_application_get_active_window(GTK_APPLICATION(self));
    if (w && NA_IS_WINDOW(w))
        return NA_WINDOW(w);
    for (GList *l = gtk_application_get_windows(GTK_APPLICATION(self)); l; l = l->next)
        if (NA_IS_WINDOW(l->data))
            return l->data;
    NaWindow *win = na_window_new(self);
    return win;
}

/* Settings come from the installed schema, or (running from the build
 * tree) from the one compiled next to the build's data files. */
static GSettings *load_settings(void)
{
    GSettingsSchemaSource *def = g_settings_schema_source_get_default();
    GSettingsSchema *schema = def ? g_settings_schema_source_lookup(def, APP_ID, TRUE) : NULL;
    if (!schema) {
        g_autoptr(GSettingsSchemaSource) build =
            g_settings_schema_source_new_from_directory(NATTER_SCHEMA_BUILD_DIR, def, FALSE, NULL);
        if (build)
            schema = g_settings_schema_source_lookup(build, APP_ID, FALSE);
    }
    if (!schema) {
        g_warning("settings schema %s not found; nothing will be remembered", APP_ID);
        return NULL;
    }
    GSettings *s = g_settings_new_full(schema, NULL, NULL);
    g_settings_schema_unref(schema);
    return s;
}

static char *setting_or(NaApp *self, const char *key, const char *fallback)
{
    g_autofree char *v = self->settings ? g_settings_get_string(self->settings, key) : NULL;
    return g_strdup(v && *v ? v : fallback);
}

/* A saved network's servers, tried in turn when one fails: the one asked
 * for first, then the network's others in their order. */
static void give_servers(NcClient *c, const NaConnectParams *p)
{
    guint n = p->network ? nc_network_config_get_n_servers(p->network) : 0;
    if (n < 2)
        return;
    g_autoptr(GArray) servers = g_array_sized_new(FALSE, FALSE, sizeof(NcServerAddress), n + 1);
    NcServerAddress asked = {(char *)p->host, p->port, p->tls};
    g_array_append_val(servers, asked);
    for (guint i = 0; i < n; i++) {
        const NcServerAddress *s = nc_network_config_get_server(p->network, i);
        if (g_ascii_strcasecmp(s->host, p->host) != 0 || s->port != p->port)
            g_array_append_vals(servers, s, 1);
    }
    nc_client_set_servers(c, (const NcServerAddress *)(gpointer)servers->data, servers->len);
}

/* A client set up as the settings say, not yet shown or connecting. */
static NcClient *new_client(NaApp *self, const NaConnectParams *p)
{
    g_autofree char *default_nick = setting_or(self, "nick", g_get_user_name());
    NcClient *c = nc_client_new(p->host, p->port, p->nick && *p->nick ? p->nick : default_nick,
                                p->realname, p->password);
    nc_client_set_tls(c, p->tls);
    nc_client_set_trust_store(c, self->trust);
    nc_client_set_ignore_list(c, self->ignore);
    /* A saved network logs under its ID (two networks on one host never
     * share a folder); a connection of the moment under the host. */
    NcLogger *logger = self->logger;
    if (p->network) {
        logger = nc_logger_new_for_network(nc_logger_get_dir(self->logger),
                                           nc_network_config_get_id(p->network));
        g_object_set_data_full(G_OBJECT(c), "na-network-logger", logger,
                               (GDestroyNotify)nc_logger_free);
        /* The sidebar shows the network by the name it was saved under. */
        nc_client_set_display_name(c, nc_network_config_get_name(p->network));
    }
    nc_client_set_logger(
        c, logger, self->settings ? g_settings_get_uint(self->settings, "reload-lines") : 100);
    if (self->settings) {
        nc_network_set_scrollback(nc_client_get_network(c),
                                  g_settings_get_uint(self->settings, "scrollback"));
        g_auto(GStrv) words = g_settings_get_strv(self->settings, "highlight-words");
        nc_client_set_highlight_words(c, (const char *const *)words);
        nc_logger_set_enabled(logger, g_settings_get_boolean(self->settings, "logging"));
        /* Typing notices follow Preferences for the client's whole life. */
        g_settings_bind(self->settings, "send-typing", c, "send-typing", G_SETTINGS_BIND_GET);
        g_settings_bind(self->settings, "show-typing", c, "show-typing", G_SETTINGS_BIND_GET);
    }
    if (p->mechanism != NC_SASL_NONE) {
        nc_client_set_client_certificate(c, p->cert_file, p->key_file);
        nc_client_set_login(c, p->account, p->account_password, p->mechanism);
        nc_client_set_create_account(c, p->create_account);
    }
    nc_client_set_autojoin(c, p->channels);
    give_servers(c, p);
    return c;
}

static NcClient *show_and_connect(NaApp *self, NcClient *c)
{
    g_ptr_array_add(self->clients, c);
    NaWindow *win = main_window(self);
    na_window_add_client(win, c);
    gtk_window_present(GTK_WINDOW(win));
    nc_client_connect(c);
    return c;
}

NcClient *na_app_connect(NaApp *self, const NaConnectParams *params)
{
    NcClient *c = new_client(self, params);
    if (params->network)
        nc_network_list_follow(self->networks, c, params->network);
    return show_and_connect(self, c);
}

NcClient *na_app_join_hosted(NaApp *self, NcHostedChat *chat, const char *nick,
                             const char *realname, const char *const *channels)
{
    const char *fp = nc_hosted_chat_get_fingerprint(chat);
    NaConnectParams p = {
        .host = nc_hosted_chat_get_host(chat),
        .port = nc_hosted_chat_get_port(chat),
        .tls = fp != NULL,
        .nick = nick,
        .realname = realname,
        .channels = channels,
    };
    NcClient *c = new_client(self, &p);
    g_autoptr(GError) error = NULL;
    /* The beacon names the certificate: pinning it makes the chat
     * authenticated as well as encrypted, with nothing to confirm. */
    if (fp && !nc_client_pin_certificate(c, fp, TRUE, &error))
        g_warning("cannot pin the certificate of %s: %s", nc_hosted_chat_get_host(chat),
                  error->message);
    return show_and_connect(self, c);
}

/* ---- remembered logins and passwords -------------------------------- */

void na_saved_login_clear(NaSavedLogin *login)
{
    g_clear_pointer(&login->account, g_free);
    g_clear_pointer(&login->cert_file, g_free);
    g_clear_pointer(&login->key_file, g_free);
}

gboolean na_app_saved_login(NaApp *self, const char *host, NaSavedLogin *out)
{
    out->account = g_strdup("");
    out->mechanism = NC_SASL_NONE;
    out->cert_file = g_strdup("");
    out->key_file = g_strdup("");
    if (!self->settings || !host || !*host)
        return FALSE;
    g_autoptr(GVariant) map = g_settings_get_value(self->settings, "server-accounts");
    g_autofree char *key = g_ascii_strdown(host, -1);
    const char *account, *mech, *cert, *keyfile;
    if (!g_variant_lookup(map, key, "(&s&s&s&s)", &account, &mech, &cert, &keyfile))
        return FALSE;
    na_saved_login_clear(out);
    out->account = g_strdup(account);
    out->mechanism = nc_sasl_mechanism_from_name(mech);
    if (out->mechanism == NC_SASL_NONE)
        out->mechanism = NC_SASL_AUTO;
    out->cert_file = g_strdup(cert);
    out->key_file = g_strdup(keyfile);
    return TRUE;
}

/* The settings' map of logins with host's entry replaced (or removed). */
static GVariant *logins_with(NaApp *self, const char *key, const NaConnectParams *p)
{
    g_autoptr(GVariant) old = g_settings_get_value(self->settings, "server-accounts");
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a{s(ssss)}"));
    GVariantIter it;
    const char *k;
    GVariant *v;
    g_variant_iter_init(&it, old);
    while (g_variant_iter_next(&it, "{&s@(ssss)}", &k, &v)) {
        if (strcmp(k, key) != 0)
            g_variant_builder_add(&b, "{s@(ssss)}", k, v);
        g_variant_unref(v);
    }
    if (*key && p->mechanism != NC_SASL_NONE) {
        const char *mech = p->mechanism == NC_SASL_AUTO            ? "auto"
                           : p->mechanism == NC_SASL_PLAIN         ? "plain"
                           : p->mechanism == NC_SASL_SCRAM_SHA_256 ? "scram-sha-256"
                                                                   : "external";
        g_variant_builder_add(&b, "{s(ssss)}", key, p->account ? p->account : "", mech,
                              p->cert_file ? p->cert_file : "", p->key_file ? p->key_file : "");
    }
    return g_variant_builder_end(&b);
}

static void on_password_stored(GObject *source, GAsyncResult *res, gpointer data)
{
    NaApp *self = data;
    g_autoptr(GError) error = NULL;
    if (!nc_keyring_store_finish(res, &error)) {
        g_warning("cannot keep a password in the keyring: %s", error->message);
        g_autofree char *text = g_strdup_printf(
            _("The password could not be kept in the keyring (%s); natter will ask for it next "
              "time"),
            error->message);
        /* A window that is there: the answer may come while quitting. */
        for (GList *l = gtk_application_get_windows(GTK_APPLICATION(self)); l; l = l->next)
            if (NA_IS_WINDOW(l->data)) {
                na_window_show_error(l->data, text);
                break;
            }
    }
    g_object_unref(self);
}

static void keep_password(NaApp *self, NcSecretKind kind, const char *host, const char *account,
                          const char *password)
{
    nc_keyring_store(kind, host, account, password, NULL, on_password_stored, g_object_ref(self));
}

void na_app_remember(NaApp *self, const NaConnectParams *p, gboolean host_locally)
{
    if (!self->settings)
        return;
    g_settings_delay(self->settings);
    if (!host_locally) {
        const char *host = p->host ? p->host : "";
        g_settings_set_string(self->settings, "server", host);
        g_settings_set_int(self->settings, "port", p->port);
        /* TLS is remembered per server: switching servers in the dialog
         * brings back each one's choice. */
        g_autoptr(GVariant) old = g_settings_get_value(self->settings, "server-tls");
        g_autofree char *key = g_ascii_strdown(host, -1);
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sb}"));
        GVariantIter it;
        const char *k;
        gboolean v;
        g_variant_iter_init(&it, old);
        while (g_variant_iter_next(&it, "{&sb}", &k, &v))
            if (strcmp(k, key) != 0)
                g_variant_builder_add(&b, "{sb}", k, v);
        if (*key)
            g_variant_builder_add(&b, "{sb}", key, p->tls);
        g_settings_set_value(self->settings, "server-tls", g_variant_builder_end(&b));

        /* The login per server too; its password goes to the keyring, and
         * one for an account no longer used there is removed. */
        NaSavedLogin before;
        na_app_saved_login(self, host, &before);
        g_settings_set_value(self->settings, "server-accounts", logins_with(self, key, p));
        if (*key) {
            if (p->password)
                keep_password(self, NC_SECRET_SERVER, key, NULL, p->password);
            gboolean with_password = p->mechanism != NC_SASL_NONE &&
                                     p->mechanism != NC_SASL_EXTERNAL && p->account && *p->account;
            if (*before.account && (!with_password || strcmp(before.account, p->account) != 0))
                keep_password(self, NC_SECRET_ACCOUNT, key, before.account, NULL);
            if (with_password)
                keep_password(self, NC_SECRET_ACCOUNT, key, p->account, p->account_password);
        }
        na_saved_login_clear(&before);
    }
    g_settings_set_string(self->settings, "nick", p->nick ? p->nick : "");
    g_settings_set_string(self->settings, "realname", p->realname ? p->realname : "");
    g_settings_set_strv(self->settings, "channels", p->channels);
    g_settings_set_boolean(self->settings, "host-locally", host_locally);
    g_settings_apply(self->settings);
}

/* The connect dialog's fields, kept until the server accepts them. */
typedef struct {
    NaApp *app;
    char *host, *nick, *realname, *password, *account, *account_password, *cert_file, *key_file;
    char **channels;
    NaConnectParams params; /* pointing at the strings above */
    gulong handler;
} PendingRemember;

static void pending_remember_free(gpointer data)
{
    PendingRemember *r = data;
    g_object_unref(r->app);
    g_free(r->host);
    g_free(r->nick);
    g_free(r->realname);
    nc_keyring_free(r->password);
    g_free(r->account);
    nc_keyring_free(r->account_password);
    g_free(r->cert_file);
    g_free(r->key_file);
    g_strfreev(r->channels);
    g_free(r);
}

static void on_registered_remember(NcClient *c, PendingRemember *r)
{
    /* Once: a reconnect later must not undo what was edited meanwhile. */
    g_signal_handler_disconnect(c, r->handler);
    na_app_remember(r->app, &r->params, FALSE);
    g_object_set_data(G_OBJECT(c), "na-pending-remember", NULL);
}

NcClient *na_app_connect_remembering(NaApp *self, const NaConnectParams *p)
{
    NcClient *c = na_app_connect(self, p);
    PendingRemember *r = g_new0(PendingRemember, 1);
    r->app = g_object_ref(self);
    r->params = *p;
    r->params.network = NULL; /* saved by the network list's own follow */
    r->params.host = r->host = g_strdup(p->host);
    r->params.nick = r->nick = g_strdup(p->nick);
    r->params.realname = r->realname = g_strdup(p->realname);
    r->params.password = r->password = g_strdup(p->password);
    r->params.account = r->account = g_strdup(p->account);
    r->params.account_password = r->account_password = g_strdup(p->account_password);
    r->params.cert_file = r->cert_file = g_strdup(p->cert_file);
    r->params.key_file = r->key_file = g_strdup(p->key_file);
    r->channels = g_strdupv((char **)p->channels);
    r->params.channels = (const char *const *)r->channels;
    r->handler = g_signal_connect(c, "registered", G_CALLBACK(on_registered_remember), r);
    g_object_set_data_full(G_OBJECT(c), "na-pending-remember", r, pending_remember_free);
    return c;
}

/* Connecting with what was remembered: the passwords come from the
 * keyring first, asynchronously. */
typedef struct {
    NaApp *app;
    char *host;
    guint16 port;
    gboolean tls;
    char *nick;
    char *realname;
    char **channels;
    NaSavedLogin login;
    NcNetworkConfig *network; /* the saved network, or NULL */
    char *server_password;
    char *account_password;
    gboolean account_unreadable; /* the keyring failed or has none */
    guint pending;
} SavedConnect;

static void saved_connect_free(SavedConnect *sc)
{
    g_object_unref(sc->app);
    g_free(sc->host);
    g_free(sc->nick);
    g_free(sc->realname);
    g_strfreev(sc->channels);
    na_saved_login_clear(&sc->login);
    g_clear_object(&sc->network);
    nc_keyring_free(sc->server_password);
    nc_keyring_free(sc->account_password);
    g_free(sc);
}

static void saved_connect_go(SavedConnect *sc)
{
    gboolean needs_password = sc->login.mechanism != NC_SASL_NONE &&
                              sc->login.mechanism != NC_SASL_EXTERNAL && *sc->login.account;
    if (needs_password && sc->account_unreadable) {
        /* Logging in without the password would only fail: ask for it. */
        NaWindow *win = main_window(sc->app);
        gtk_window_present(GTK_WINDOW(win));
        g_autofree char *text = g_strdup_printf(
            _("Enter the password of the account “%s” on %s (it is not in the keyring)"),
            sc->login.account, sc->host);
        na_window_show_error(win, text);
        NaConnectDialog *d = na_connect_dialog_new(sc->app, GTK_WINDOW(win));
        na_connect_dialog_select_server(d, sc->host, sc->port, sc->tls);
        gtk_window_present(GTK_WINDOW(d));
        return;
    }
    NaConnectParams p = {
        .host = sc->host,
        .port = sc->port,
        .tls = sc->tls,
        .nick = sc->nick,
        .realname = sc->realname,
        .password = sc->server_password,
        .channels = (const char *const *)sc->channels,
        .account = sc->login.account,
        .account_password = sc->account_password,
        .mechanism = sc->login.mechanism,
        .cert_file = sc->login.cert_file,
        .key_file = sc->login.key_file,
        .network = sc->network,
    };
    na_app_connect(sc->app, &p);
}

static void saved_connect_step(SavedConnect *sc)
{
    if (--sc->pending == 0) {
        saved_connect_go(sc);
        saved_connect_free(sc);
    }
}

static void on_server_password(GObject *source, GAsyncResult *res, gpointer data)
{
    SavedConnect *sc = data;
    g_autoptr(GError) error = NULL;
    sc->server_password = nc_keyring_lookup_finish(res, &error);
    if (error)
        g_warning("cannot read the server password of %s from the keyring: %s", sc->host,
                  error->message);
    saved_connect_step(sc);
}

static void on_account_password(GObject *source, GAsyncResult *res, gpointer data)
{
    SavedConnect *sc = data;
    g_autoptr(GError) error = NULL;
    sc->account_password = nc_keyring_lookup_finish(res, &error);
    if (error)
        g_warning("cannot read the password of %s on %s from the keyring: %s", sc->login.account,
                  sc->host, error->message);
    sc->account_unreadable = sc->account_password == NULL;
    saved_connect_step(sc);
}

/* A saved network's login, in the form the keyring lookups below use. */
static void network_login(NcNetworkConfig *n, NaSavedLogin *out)
{
    out->account = g_strdup(nc_network_config_get_account(n));
    out->mechanism = nc_network_config_get_mechanism(n);
    out->cert_file = g_strdup(nc_network_config_get_cert_file(n));
    out->key_file = g_strdup(nc_network_config_get_key_file(n));
}

static void saved_connect_start(SavedConnect *sc);

void na_app_connect_saved(NaApp *self, const char *host, guint16 port, gboolean tls,
                          const char *nick, const char *realname, const char *const *channels)
{
    SavedConnect *sc = g_new0(SavedConnect, 1);
    sc->app = g_object_ref(self);
    sc->host = g_strdup(host);
    sc->port = port;
    sc->tls = tls;
    sc->nick = g_strdup(nick);
    sc->realname = g_strdup(realname);
    sc->channels = g_strdupv((char **)channels);
    NcNetworkConfig *saved = nc_network_list_find_server(self->networks, host, port);
    if (saved) {
        sc->network = g_object_ref(saved);
        network_login(saved, &sc->login);
    } else {
        na_app_saved_login(self, host, &sc->login);
    }
    saved_connect_start(sc);
}

void na_app_connect_network(NaApp *self, NcNetworkConfig *network)
{
    const NcServerAddress *server = nc_network_config_get_server(network, 0);
    if (!server || !*server->host)
        return;
    SavedConnect *sc = g_new0(SavedConnect, 1);
    sc->app = g_object_ref(self);
    sc->host = g_strdup(server->host);
    sc->port = server->port;
    sc->tls = server->tls;
    const char *nick = nc_network_config_get_nick(network);
    sc->nick = *nick ? g_strdup(nick) : NULL;
    sc->realname = g_strdup(nc_network_config_get_realname(network));
    sc->channels = g_strdupv((char **)nc_network_config_get_channels(network));
    sc->network = g_object_ref(network);
    network_login(network, &sc->login);
    saved_connect_start(sc);
}

static void saved_connect_start(SavedConnect *sc)
{
    NaApp *self = sc->app;
    const char *host = sc->host;
    sc->pending = 1; /* this function's own step, below */
    /* 1.1's password may still be on its way into the keyring (moved at
     * startup): the setting itself is the value then. */
    g_autofree char *old = setting_or(self, "password", "");
    g_autofree char *old_server = setting_or(self, "server", "");
    if (*old && g_ascii_strcasecmp(old_server, host) == 0) {
        sc->server_password = g_strdup(old);
    } else {
        sc->pending++;
        nc_keyring_lookup(NC_SECRET_SERVER, host, NULL, NULL, on_server_password, sc);
    }
    if (sc->login.mechanism != NC_SASL_NONE && sc->login.mechanism != NC_SASL_EXTERNAL &&
        *sc->login.account) {
        sc->pending++;
        nc_keyring_lookup(NC_SECRET_ACCOUNT, host, sc->login.account, NULL, on_account_password,
                          sc);
    }
    saved_connect_step(sc);
}

/* ---- hosting -------------------------------------------------------- */

static void on_local_ready(NcLocalServer *server, guint port, NaApp *self)
{
    const char *fp = nc_local_server_get_fingerprint(server);
    g_auto(GStrv) saved = self->settings ? g_settings_get_strv(self->settings, "channels") : NULL;
    const char *fallback[] = {"#natter", NULL};
    const char *const *channels = self->opt_join && self->opt_join[0]
                                      ? (const char *const *)self->opt_join
                                  : saved && saved[0] ? (const char *const *)saved
                                                      : fallback;
    /* Our own server over TLS too, its certificate pinned for this client
     * only (127.0.0.1 may be another server another day). */
    NaConnectParams p = {
        .host = "127.0.0.1",
        .port = (guint16)port,
        .tls = fp != NULL,
        .nick = self->opt_nick,
        .realname = self->opt_realname,
        .channels = channels,
    };
    NcClient *c = new_client(self, &p);
    if (fp)
        nc_client_pin_certificate(c, fp, FALSE, NULL);
    show_and_connect(self, c);
    gboolean share = self->settings && g_settings_get_boolean(self->settings, "share-on-lan");
    if (share && self->discovery) {
        g_autofree char *name =
            g_strdup_printf(_("%s on %s"), g_get_real_name(), g_get_host_name());
        nc_discovery_announce(self->discovery, (guint16)port, name, fp);
    }
}

static void on_local_failed(NcLocalServer *server, const char *message, NaApp *self)
{
    na_window_show_error(main_window(self), message);
}

void na_app_host_local(NaApp *self, gboolean share_on_lan)
{
    NaWindow *win = main_window(self);
    gtk_window_present(GTK_WINDOW(win));
    if (self->local) {
        if (nc_local_server_get_port(self->local))
            on_local_ready(self->local, nc_local_server_get_port(self->local), self);
        return;
    }
    g_autofree char *natterd = nc_find_natterd(NULL);
    if (!natterd) {
        na_window_show_error(win, _("Cannot host a chat: the natterd server program was not found "
                                    "(install it, or set NATTER_NATTERD to its path)"));
        return;
    }
    self->local = nc_local_server_new(natterd, share_on_lan ? "0.0.0.0" : "127.0.0.1", 0);
    g_signal_connect(self->local, "ready", G_CALLBACK(on_local_ready), self);
    g_signal_connect(self->local, "failed", G_CALLBACK(on_local_failed), self);
    g_autoptr(GError) error = NULL;
    /* Encrypted from the start: the certificate is made once, in the data
     * folder, and pinned by whoever joins. */
    g_autofree char *data_dir = nc_user_data_dir();
    if (!nc_local_server_use_tls(self->local, data_dir, &error)) {
        g_autofree char *text =
            g_strdup_printf(_("Cannot host an encrypted chat: %s"), error->message);
        na_window_show_error(win, text);
        g_clear_object(&self->local);
        return;
    }
    if (!nc_local_server_start(self->local, &error)) {
        g_autofree char *text = g_strdup_printf(_("Cannot start %s: %s"), natterd, error->message);
        na_window_show_error(win, text);
        g_clear_object(&self->local);
    }
}

/* ---- settings that apply to every open connection ------------------ */


static void on_logging_changed(GSettings *s, const char *key, NaApp *self)
{
    gboolean on = g_settings_get_boolean(s, "logging");
    nc_logger_set_enabled(self->logger, on);
    for (guint i = 0; i < self->clients->len; i++)
        nc_logger_set_enabled(nc_client_get_logger(self->clients->pdata[i]), on);
}

static void on_highlight_words_changed(GSettings *s, const char *key, NaApp *self)
{
    g_auto(GStrv) words = g_settings_get_strv(s, "highlight-words");
    for (guint i = 0; i < self->clients->len; i++)
        nc_client_set_highlight_words(self->clients->pdata[i], (const char *const *)words);
}

static void on_scrollback_changed(GSettings *s, const char *key, NaApp *self)
{
    guint lines = g_settings_get_uint(s, "scrollback");
    for (guint i = 0; i < self->clients->len; i++)
        nc_network_set_scrollback(nc_client_get_network(self->clients->pdata[i]), lines);
}

/* Without settings (no schema found) libadwaita follows the desktop;
 * NATTER_DARK=1/0 still forces a style, as tests and screenshots need. */
static void follow_appearance(NaApp *self)
{
    if (self->settings) {
        na_preferences_apply_appearance(self->settings);
        return;
    }
    const char *force = g_getenv("NATTER_DARK");
    if (force)
        adw_style_manager_set_color_scheme(adw_style_manager_get_default(),
                                           g_strcmp0(force, "1") == 0
                                               ? ADW_COLOR_SCHEME_FORCE_DARK
                                               : ADW_COLOR_SCHEME_FORCE_LIGHT);
}

/* ---- actions -------------------------------------------------------- */

static void act_quit(GSimpleAction *a, GVariant *p, gpointer data)
{
    g_application_quit(G_APPLICATION(data));
}

static void act_host_local(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaApp *self = data;
    na_app_host_local(self,
                      self->settings && g_settings_get_boolean(self->settings, "share-on-lan"));
}

static const GActionEntry app_actions[] = {
    {"quit", act_quit, NULL, NULL, NULL, {0}},
    {"host-local", act_host_local, NULL, NULL, NULL, {0}},
};

static gboolean on_unix_signal(gpointer data)
{
    g_application_quit(G_APPLICATION(data));
    return G_SOURCE_CONTINUE;
}

/* natter 1.1 kept the server password in the settings; 1.2 moves it to
 * the keyring once (the key stays in the schema, empty). */
static void on_migrated(GObject *source, GAsyncResult *res, gpointer data)
{
    NaApp *self = data;
    g_autoptr(GError) error = NULL;
    if (!nc_keyring_migrate_settings_finish(res, &error))
        g_warning("the server password stays in the settings until a keyring works: %s",
                  error->message);
    g_object_unref(self);
}

static void na_app_startup(GApplication *app)
{
    NaApp *self = NA_APP(app);
    G_APPLICATION_CLASS(na_app_parent_class)->startup(app);
    g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions, G_N_ELEMENTS(app_actions), app);

    struct {
        const char *action;
        const char *accels[3];
    } accels[] = {
        {"app.quit", {"<Control>q", NULL, NULL}},
        {"win.prev-buffer", {"<Control>Page_Up", "<Alt>Up", NULL}},
        {"win.next-buffer", {"<Control>Page_Down", "<Alt>Down", NULL}},
        {"win.close-buffer", {"<Control>w", NULL, NULL}},
        {"win.jump", {"<Control>k", NULL, NULL}},
        {"win.connect", {"<Control>n", NULL, NULL}},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(accels); i++)
        gtk_application_set_accels_for_action(GTK_APPLICATION(app), accels[i].action,
                                              accels[i].accels);
    for (int i = 1; i <= 9; i++) {
        g_autofree char *detailed = g_strdup_printf("win.goto-buffer(%d)", i);
        g_autofree char *accel = g_strdup_printf("<Alt>%d", i);
        const char *list[] = {accel, NULL};
        gtk_application_set_accels_for_action(GTK_APPLICATION(app), detailed, list);
    }

    g_autoptr(GtkCssProvider) css = gtk_css_provider_new();
    gtk_css_provider_load_from_resource(css, "/org/natter/Natter/style.css");
    gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(css),
                                               GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    gtk_window_set_default_icon_name(APP_ID);

    self->settings = load_settings();
    self->ignore = nc_ignore_list_new(self->settings, "ignore-masks");
    if (self->settings)
        nc_keyring_migrate_settings(self->settings, NULL, on_migrated, g_object_ref(self));
    self->logger = nc_logger_new(NULL);
    self->networks = nc_network_list_new(self->settings, nc_logger_get_dir(self->logger));
    self->trust = nc_trust_store_new(NULL);
    gboolean discovery = !self->opt_no_discovery &&
                         (!self->settings || g_settings_get_boolean(self->settings, "discovery"));
    if (discovery)
        self->discovery = nc_discovery_new(NC_DISCOVERY_PORT, "255.255.255.255");
    follow_appearance(self);
    if (self->settings) {
        nc_logger_set_enabled(self->logger, g_settings_get_boolean(self->settings, "logging"));
        g_signal_connect(self->settings, "changed::logging", G_CALLBACK(on_logging_changed), self);
        g_signal_connect(self->settings, "changed::highlight-words",
                         G_CALLBACK(on_highlight_words_changed), self);
        g_signal_connect(self->settings, "changed::scrollback", G_CALLBACK(on_scrollback_changed),
                         self);
    }
    /* Ctrl-C in the terminal or a TERM from a test: quit cleanly, which
     * also stops a hosted natterd. */
    g_unix_signal_add(SIGINT, on_unix_signal, self);
    g_unix_signal_add(SIGTERM, on_unix_signal, self);
}

static void na_app_activate(GApplication *app)
{
    NaApp *self = NA_APP(app);
    NaWindow *win = main_window(self);
    gtk_window_present(GTK_WINDOW(win));
    if (self->clients->len > 0 || self->local)
        return;
    if (self->opt_server) {
        char host[256];
        guint16 port = 0; /* not given: the default for TLS or not */
        if (nt_addr_split(self->opt_server, host, sizeof host, &port, 0) != 0) {
            g_autofree char *text =
                g_strdup_printf(_("Not a server address: %s"), self->opt_server);
            na_window_show_error(win, text);
            return;
        }
        gboolean tls = self->opt_tls >= 0 ? self->opt_tls : na_app_tls_for(self, host);
        na_app_connect_saved(self, host, port, tls, self->opt_nick, self->opt_realname,
                             (const char *const *)self->opt_join);
    } else if (self->opt_host_local) {
        na_app_host_local(self,
                          self->settings && g_settings_get_boolean(self->settings, "share-on-lan"));
    } else if (self->settings && g_settings_get_boolean(self->settings, "host-locally")) {
        na_app_host_local(self, g_settings_get_boolean(self->settings, "share-on-lan"));
    } else {
        /* Every network marked so (the one migrated from natter 1.x's
         * last server too); none: the connect dialog, as on a first run. */
        GListModel *networks = G_LIST_MODEL(self->networks);
        guint started = 0;
        for (guint i = 0; i < g_list_model_get_n_items(networks); i++) {
            g_autoptr(NcNetworkConfig) n = g_list_model_get_item(networks, i);
            if (nc_network_config_get_connect_on_start(n) &&
                nc_network_config_get_n_servers(n) > 0) {
                na_app_connect_network(self, n);
                started++;
            }
        }
        if (started == 0)
            na_window_show_connect_dialog(win);
    }
}

static int na_app_handle_local_options(GApplication *app, GVariantDict *opts)
{
    NaApp *self = NA_APP(app);
    if (g_variant_dict_contains(opts, "version")) {
        g_print("natter %s\n", NT_VERSION);
        return 0;
    }
    g_variant_dict_lookup(opts, "server", "s", &self->opt_server);
    g_variant_dict_lookup(opts, "nick", "s", &self->opt_nick);
    g_variant_dict_lookup(opts, "realname", "s", &self->opt_realname);
    g_variant_dict_lookup(opts, "join", "^as", &self->opt_join);
    self->opt_host_local = g_variant_dict_contains(opts, "host-local");
    self->opt_no_discovery = g_variant_dict_contains(opts, "no-discovery");
    self->opt_tls = g_variant_dict_contains(opts, "no-tls") ? 0
                    : g_variant_dict_contains(opts, "tls")  ? 1
                                                            : -1;
    return -1;
}

static void na_app_shutdown(GApplication *app)
{
    NaApp *self = NA_APP(app);
    for (guint i = 0; i < self->clients->len; i++)
        nc_client_disconnect(self->clients->pdata[i], _("natter closed"));
    /* The windows hold the clients too: once they are gone, dropping ours
     * below frees each client, and freeing one waits until its QUIT has
     * left (nc_io_free()). */
    GList *windows;
    while ((windows = gtk_application_get_windows(GTK_APPLICATION(app))))
        gtk_window_destroy(windows->data);
    G_APPLICATION_CLASS(na_app_parent_class)->shutdown(app);
    g_ptr_array_set_size(self->clients, 0);
    if (self->local)
        nc_local_server_stop(self->local);
    g_clear_object(&self->local);
    g_clear_object(&self->discovery);
    g_clear_object(&self->trust);
    if (self->settings)
        g_signal_handlers_disconnect_by_data(self->settings, self);
    g_clear_pointer(&self->logger, nc_logger_free);
    g_clear_object(&self->networks);
    g_clear_object(&self->ignore);
    g_clear_object(&self->settings);
}

static void na_app_finalize(GObject *object)
{
    NaApp *self = NA_APP(object);
    g_ptr_array_unref(self->clients);
    g_free(self->opt_server);
    g_free(self->opt_nick);
    g_free(self->opt_realname);
    g_strfreev(self->opt_join);
    G_OBJECT_CLASS(na_app_parent_class)->finalize(object);
}

static void na_app_class_init(NaAppClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = na_app_finalize;
    GApplicationClass *ac = G_APPLICATION_CLASS(klass);
    ac->startup = na_app_startup;
    ac->activate = na_app_activate;
    ac->shutdown = na_app_shutdown;
    ac->handle_local_options = na_app_handle_local_options;
}

static void na_app_init(NaApp *self)
{
    self->clients = g_ptr_array_new_with_free_func(g_object_unref);
    g_application_add_main_option_entries(G_APPLICATION(self), options);
    g_application_set_option_context_parameter_string(G_APPLICATION(self), NULL);
    g_application_set_option_context_summary(
        G_APPLICATION(self), _("A chat client for IRC. Without options it connects to the saved "
                               "networks marked to connect on startup, or asks where to connect."));
}

NaApp *na_app_new(void)
{
    /* Non-unique: every start is its own window and connections (a test
     * and the user's own natter must not merge into one process). */
    return g_object_new(NA_TYPE_APP, "application-id", APP_ID, "flags", G_APPLICATION_NON_UNIQUE,
                        NULL);
}

/* SPDX-License-Identifier: MIT */
#include "networks.h"

#include "log.h"
#include "tls-policy.h"

#include <glib/gi18n.h>
#include <string.h>

/* ---- one network ---------------------------------------------------- */

struct _NcNetworkConfig {
    GObject parent_instance;
    char *id;
    char *name;
    gboolean name_by_user;
    GArray *servers; /* NcServerAddress */
    char *nick;
    char *realname;
    char *account;
    NcSaslMechanism mechanism;
    char *cert_file;
    char *key_file;
    char **channels;
    gboolean connect_on_start;
};

G_DEFINE_FINAL_TYPE(NcNetworkConfig, nc_network_config, G_TYPE_OBJECT)

static void server_address_clear(gpointer p)
{
    NcServerAddress *s = p;
    g_free(s->host);
}

static void nc_network_config_finalize(GObject *object)
{
    NcNetworkConfig *self = NC_NETWORK_CONFIG(object);
    g_free(self->id);
    g_free(self->name);
    g_array_unref(self->servers);
    g_free(self->nick);
    g_free(self->realname);
    g_free(self->account);
    g_free(self->cert_file);
    g_free(self->key_file);
    g_strfreev(self->channels);
    G_OBJECT_CLASS(nc_network_config_parent_class)->finalize(object);
}

static void nc_network_config_class_init(NcNetworkConfigClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_network_config_finalize;
}

static void nc_network_config_init(NcNetworkConfig *self)
{
    self->name = g_strdup("");
    self->servers = g_array_new(FALSE, TRUE, sizeof(NcServerAddress));
    g_array_set_clear_func(self->servers, server_address_clear);
    self->nick = g_strdup("");
    self->realname = g_strdup("");
    self->account = g_strdup("");
    self->cert_file = g_strdup("");
    self->key_file = g_strdup("");
    self->channels = g_new0(char *, 1);
}

/* Random, so that two networks on one host never meet in one folder, and
 * hex, so that it is a safe file name everywhere. */
static char *new_id(void)
{
    return g_strdup_printf("%08x%08x", g_random_int(), g_random_int());
}

NcNetworkConfig *nc_network_config_new(void)
{
    NcNetworkConfig *self = g_object_new(NC_TYPE_NETWORK_CONFIG, NULL);
    self->id = new_id();
    return self;
}

static void replace(char **slot, const char *value)
{
    char *copy = g_strdup(value ? value : "");
    g_free(*slot);
    *slot = copy;
}

NcNetworkConfig *nc_network_config_copy(NcNetworkConfig *self)
{
    NcNetworkConfig *copy = g_object_new(NC_TYPE_NETWORK_CONFIG, NULL);
    copy->id = g_strdup(self->id);
    nc_network_config_set_name(copy, self->name, self->name_by_user);
    for (guint i = 0; i < self->servers->len; i++) {
        const NcServerAddress *s = &g_array_index(self->servers, NcServerAddress, i);
        nc_network_config_add_server(copy, s->host, s->port, s->tls);
    }
    replace(&copy->nick, self->nick);
    replace(&copy->realname, self->realname);
    nc_network_config_set_login(copy, self->account, self->mechanism, self->cert_file,
                                self->key_file);
    nc_network_config_set_channels(copy, (const char *const *)self->channels);
    copy->connect_on_start = self->connect_on_start;
    return copy;
}

const char *nc_network_config_get_id(NcNetworkConfig *self)
{
    return self->id;
}

const char *nc_network_config_get_display_name(NcNetworkConfig *self)
{
    if (*self->name)
        return self->name;
    if (self->servers->len > 0)
        return g_array_index(self->servers, NcServerAddress, 0).host;
    return self->id;
}

const char *nc_network_config_get_name(NcNetworkConfig *self)
{
    return self->name;
}

gboolean nc_network_config_get_name_by_user(NcNetworkConfig *self)
{
    return self->name_by_user;
}

void nc_network_config_set_name(NcNetworkConfig *self, const char *name, gboolean by_user)
{
    replace(&self->name, name);
    /* No name is nobody's choice: the server may fill it. */
    self->name_by_user = by_user && *self->name;
}

guint nc_network_config_get_n_servers(NcNetworkConfig *self)
{
    return self->servers->len;
}

const NcServerAddress *nc_network_config_get_server(NcNetworkConfig *self, guint i)
{
    return i < self->servers->len ? &g_array_index(self->servers, NcServerAddress, i) : NULL;
}

void nc_network_config_add_server(NcNetworkConfig *self, const char *host, guint16 port,
                                  gboolean tls)
{
    NcServerAddress s = {g_strdup(host ? host : ""), port, tls};
    g_array_append_val(self->servers, s);
}

void nc_network_config_set_first_server(NcNetworkConfig *self, const char *host, guint16 port,
                                        gboolean tls)
{
    if (self->servers->len == 0) {
        nc_network_config_add_server(self, host, port, tls);
        return;
    }
    NcServerAddress *s = &g_array_index(self->servers, NcServerAddress, 0);
    replace(&s->host, host);
    s->port = port;
    s->tls = tls;
}

void nc_network_config_set_other_servers(NcNetworkConfig *self, const NcServerAddress *servers,
                                         guint n)
{
    if (self->servers->len > 1)
        g_array_remove_range(self->servers, 1, self->servers->len - 1);
    for (guint i = 0; i < n; i++)
        nc_network_config_add_server(self, servers[i].host, servers[i].port, servers[i].tls);
}

/* ---- servers as people type them ------------------------------------ */

G_DEFINE_QUARK(nc_server_list_error_quark, nc_server_list_error)

static guint16 effective_port(const NcServerAddress *s)
{
    return s->port ? s->port : nc_default_port(s->tls);
}

static gboolean same_server(const NcServerAddress *a, const NcServerAddress *b)
{
    return g_ascii_strcasecmp(a->host, b->host) == 0 && effective_port(a) == effective_port(b);
}

/* Letters, digits, '-', '.', '_' and anything non-ASCII (an
 * internationalised name), or an IPv6 address's hex and colons: enough
 * to catch a typo such as "irc/example" or a pasted URL without second-
 * guessing the resolver. */
static gboolean host_chars_ok(const char *host, gboolean bracketed)
{
    for (const char *p = host; *p; p++)
        if (!(g_ascii_isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || (guchar)*p >= 0x80 ||
              (bracketed && (*p == ':' || *p == '%'))))
            return FALSE;
    return TRUE;
}

/* port_text after the ':' of entry: "6697" or "+6697". */
static gboolean read_port(const char *entry, const char *port_text, gboolean tls,
                          NcServerAddress *out, GError **error)
{
    gboolean plus = *port_text == '+';
    const char *digits = plus ? port_text + 1 : port_text;
    guint64 value = 0;
    if (!*digits || strlen(digits) > 5 ||
        !g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT16, &value, NULL)) {
        g_set_error(error, NC_SERVER_LIST_ERROR, NC_SERVER_LIST_ERROR_BAD_PORT,
                    _("“%s”: the port must be a number from 1 to 65535"), entry);
        return FALSE;
    }
    out->port = (guint16)value;
    /* The usual ports name their TLS choice; '+' asks for TLS on any. */
    out->tls = plus                         ? TRUE
               : out->port == NC_PORT_TLS   ? TRUE
               : out->port == NC_PORT_PLAIN ? FALSE
                                            : tls;
    return TRUE;
}

/* One entry ("host", "host:port", "[v6]:+port", a bare IPv6 address). */
static gboolean read_entry(const char *entry, gboolean tls, NcServerAddress *out, GError **error)
{
    g_autofree char *host = NULL;
    const char *port_text = NULL;
    gboolean bracketed = entry[0] == '[';
    if (strstr(entry, "://")) {
        g_set_error(error, NC_SERVER_LIST_ERROR, NC_SERVER_LIST_ERROR_BAD_HOST,
                    _("“%s” is a link: write the server's name alone, with :port if needed"),
                    entry);
        return FALSE;
    }
    if (bracketed) {
        const char *close = strchr(entry, ']');
        if (!close || (close[1] && close[1] != ':')) {
            g_set_error(error, NC_SERVER_LIST_ERROR, NC_SERVER_LIST_ERROR_BAD_HOST,
                        _("“%s”: write an IPv6 address as [address] or [address]:port"), entry);
            return FALSE;
        }
        host = g_strndup(entry + 1, (gsize)(close - entry - 1));
        port_text = close[1] ? close + 2 : NULL;
    } else {
        const char *colon = strchr(entry, ':');
        if (colon && strchr(colon + 1, ':')) {
            host = g_strdup(entry); /* a bare IPv6 address: no port */
            bracketed = TRUE;
        } else {
            host = colon ? g_strndup(entry, (gsize)(colon - entry)) : g_strdup(entry);
            port_text = colon ? colon + 1 : NULL;
        }
    }
    if (!*host) {
        g_set_error(error, NC_SERVER_LIST_ERROR, NC_SERVER_LIST_ERROR_EMPTY_HOST,
                    _("“%s”: the server's name is missing"), entry);
        return FALSE;
    }
    if (!host_chars_ok(host, bracketed) ||
        (bracketed && !g_hostname_is_ip_address(host) && !strchr(host, '%'))) {
        g_set_error(error, NC_SERVER_LIST_ERROR, NC_SERVER_LIST_ERROR_BAD_HOST,
                    _("“%s” is not a server name or address"), entry);
        return FALSE;
    }
    out->tls = tls;
    out->port = 0;
    if (port_text && !read_port(entry, port_text, tls, out, error))
        return FALSE;
    out->host = g_steal_pointer(&host);
    return TRUE;
}

gboolean nc_server_list_parse(const char *text, gboolean tls, const NcServerAddress *first,
                              GArray **servers, GError **error)
{
    g_return_val_if_fail(servers != NULL, FALSE);
    *servers = NULL;
    g_autoptr(GArray) list = g_array_new(FALSE, TRUE, sizeof(NcServerAddress));
    g_array_set_clear_func(list, server_address_clear);
    g_auto(GStrv) entries = g_strsplit_set(text ? text : "", ", \t\r\n", -1);
    guint limit = NC_NETWORK_MAX_SERVERS - (first ? 1u : 0u);
    for (guint i = 0; entries[i]; i++) {
        if (!*entries[i])
            continue; /* "a, b" and "a,,b" are two servers */
        /* Refused as soon as one is too many: a long paste is never
         * compared entry against entry. */
        if (list->len == limit) {
            guint listed = list->len + (first ? 1u : 0u);
            for (guint j = i; entries[j]; j++)
                listed += *entries[j] ? 1u : 0u;
            g_set_error(error, NC_SERVER_LIST_ERROR, NC_SERVER_LIST_ERROR_TOO_MANY,
                        _("A network holds at most %u servers; this lists %u"),
                        NC_NETWORK_MAX_SERVERS, listed);
            return FALSE;
        }
        NcServerAddress s = {0};
        if (!read_entry(entries[i], tls, &s, error))
            return FALSE;
        g_array_append_val(list, s);
        gboolean again = first && same_server(&s, first);
        for (guint j = 0; !again && j + 1 < list->len; j++)
            again = same_server(&s, &g_array_index(list, NcServerAddress, j));
        if (again) {
            g_set_error(error, NC_SERVER_LIST_ERROR, NC_SERVER_LIST_ERROR_DUPLICATE,
                        _("“%s” is listed twice (as %s port %u)"), entries[i], s.host,
                        (guint)effective_port(&s));
            return FALSE;
        }
    }
    *servers = g_steal_pointer(&list);
    return TRUE;
}

char *nc_server_list_format(const NcServerAddress *servers, guint n, gboolean tls)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < n; i++) {
        const NcServerAddress *s = &servers[i];
        if (i > 0)
            g_string_append(out, ", ");
        g_string_append_printf(out, strchr(s->host, ':') ? "[%s]" : "%s", s->host);
        guint16 port = s->port;
        if (!port && s->tls != tls)
            port = nc_default_port(s->tls); /* the usual port says which */
        if (!port)
            continue;
        gboolean port_says = port == NC_PORT_TLS ? TRUE : port == NC_PORT_PLAIN ? FALSE : tls;
        g_string_append_printf(out, ":%s%u", s->tls && !port_says ? "+" : "", (guint)port);
    }
    return g_string_free(out, FALSE);
}

const char *nc_network_config_get_nick(NcNetworkConfig *self)
{
    return self->nick;
}

void nc_network_config_set_nick(NcNetworkConfig *self, const char *nick)
{
    replace(&self->nick, nick);
}

const char *nc_network_config_get_realname(NcNetworkConfig *self)
{
    return self->realname;
}

void nc_network_config_set_realname(NcNetworkConfig *self, const char *realname)
{
    replace(&self->realname, realname);
}

const char *nc_network_config_get_account(NcNetworkConfig *self)
{
    return self->account;
}

NcSaslMechanism nc_network_config_get_mechanism(NcNetworkConfig *self)
{
    return self->mechanism;
}

const char *nc_network_config_get_cert_file(NcNetworkConfig *self)
{
    return self->cert_file;
}

const char *nc_network_config_get_key_file(NcNetworkConfig *self)
{
    return self->key_file;
}

void nc_network_config_set_login(NcNetworkConfig *self, const char *account,
                                 NcSaslMechanism mechanism, const char *cert_file,
                                 const char *key_file)
{
    replace(&self->account, account);
    self->mechanism = mechanism;
    replace(&self->cert_file, cert_file);
    replace(&self->key_file, key_file);
}

const char *const *nc_network_config_get_channels(NcNetworkConfig *self)
{
    return (const char *const *)self->channels;
}

void nc_network_config_set_channels(NcNetworkConfig *self, const char *const *channels)
{
    char **copy = channels ? g_strdupv((char **)channels) : g_new0(char *, 1);
    g_strfreev(self->channels);
    self->channels = copy;
}

gboolean nc_network_config_get_connect_on_start(NcNetworkConfig *self)
{
    return self->connect_on_start;
}

void nc_network_config_set_connect_on_start(NcNetworkConfig *self, gboolean on)
{
    self->connect_on_start = on;
}

/* ---- the settings' form --------------------------------------------- */

/* One network is one a{sv}: a reader skips the keys it does not know and
 * takes defaults for the ones missing, so later versions may add keys
 * without breaking earlier ones ("version" says which wrote it). */
#define NETWORK_FORMAT_VERSION 1u

static const char *mechanism_word(NcSaslMechanism m)
{
    switch (m) {
    case NC_SASL_AUTO:
        return "auto";
    case NC_SASL_PLAIN:
        return "plain";
    case NC_SASL_SCRAM_SHA_256:
        return "scram-sha-256";
    case NC_SASL_EXTERNAL:
        return "external";
    default:
        return "none";
    }
}

static GVariant *network_to_variant(NcNetworkConfig *n)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "version", g_variant_new_uint32(NETWORK_FORMAT_VERSION));
    g_variant_builder_add(&b, "{sv}", "id", g_variant_new_string(n->id));
    g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(n->name));
    g_variant_builder_add(&b, "{sv}", "name-by-user", g_variant_new_boolean(n->name_by_user));
    GVariantBuilder servers;
    g_variant_builder_init(&servers, G_VARIANT_TYPE("a(sqb)"));
    for (guint i = 0; i < n->servers->len; i++) {
        const NcServerAddress *s = &g_array_index(n->servers, NcServerAddress, i);
        g_variant_builder_add(&servers, "(sqb)", s->host, s->port, s->tls);
    }
    g_variant_builder_add(&b, "{sv}", "servers", g_variant_builder_end(&servers));
    g_variant_builder_add(&b, "{sv}", "nick", g_variant_new_string(n->nick));
    g_variant_builder_add(&b, "{sv}", "realname", g_variant_new_string(n->realname));
    g_variant_builder_add(&b, "{sv}", "account", g_variant_new_string(n->account));
    g_variant_builder_add(&b, "{sv}", "mechanism",
                          g_variant_new_string(mechanism_word(n->mechanism)));
    g_variant_builder_add(&b, "{sv}", "cert-file", g_variant_new_string(n->cert_file));
    g_variant_builder_add(&b, "{sv}", "key-file", g_variant_new_string(n->key_file));
    g_variant_builder_add(&b, "{sv}", "channels",
                          g_variant_new_strv((const char *const *)n->channels, -1));
    g_variant_builder_add(&b, "{sv}", "connect-on-start",
                          g_variant_new_boolean(n->connect_on_start));
    return g_variant_builder_end(&b);
}

static void lookup_string(GVariantDict *d, const char *key, char **slot)
{
    const char *v;
    if (g_variant_dict_lookup(d, key, "&s", &v))
        replace(slot, v);
}

static NcNetworkConfig *network_from_variant(GVariant *v)
{
    g_auto(GVariantDict) d;
    g_variant_dict_init(&d, v);
    const char *id;
    if (!g_variant_dict_lookup(&d, "id", "&s", &id) || !*id)
        return NULL;
    NcNetworkConfig *n = g_object_new(NC_TYPE_NETWORK_CONFIG, NULL);
    n->id = g_strdup(id);
    const char *name = "";
    gboolean by_user = FALSE;
    g_variant_dict_lookup(&d, "name", "&s", &name);
    g_variant_dict_lookup(&d, "name-by-user", "b", &by_user);
    nc_network_config_set_name(n, name, by_user);
    g_autoptr(GVariant) servers =
        g_variant_dict_lookup_value(&d, "servers", G_VARIANT_TYPE("a(sqb)"));
    if (servers) {
        GVariantIter it;
        const char *host;
        guint16 port;
        gboolean tls;
        g_variant_iter_init(&it, servers);
        while (g_variant_iter_next(&it, "(&sqb)", &host, &port, &tls))
            nc_network_config_add_server(n, host, port, tls);
    }
    lookup_string(&d, "nick", &n->nick);
    lookup_string(&d, "realname", &n->realname);
    lookup_string(&d, "account", &n->account);
    lookup_string(&d, "cert-file", &n->cert_file);
    lookup_string(&d, "key-file", &n->key_file);
    const char *mech;
    if (g_variant_dict_lookup(&d, "mechanism", "&s", &mech))
        n->mechanism = nc_sasl_mechanism_from_name(mech);
    g_autofree const char **channels = NULL;
    if (g_variant_dict_lookup(&d, "channels", "^a&s", &channels))
        nc_network_config_set_channels(n, channels);
    g_variant_dict_lookup(&d, "connect-on-start", "b", &n->connect_on_start);
    return n;
}

gboolean nc_network_config_equal(NcNetworkConfig *a, NcNetworkConfig *b)
{
    g_autoptr(GVariant) va = g_variant_ref_sink(network_to_variant(a));
    g_autoptr(GVariant) vb = g_variant_ref_sink(network_to_variant(b));
    return g_variant_equal(va, vb);
}

/* ---- the list ------------------------------------------------------- */

struct _NcNetworkList {
    GObject parent_instance;
    GSettings *settings;
    GPtrArray *items; /* NcNetworkConfig */
};

static GType list_item_type(GListModel *model)
{
    return NC_TYPE_NETWORK_CONFIG;
}

static guint list_n_items(GListModel *model)
{
    return NC_NETWORK_LIST(model)->items->len;
}

static gpointer list_item(GListModel *model, guint position)
{
    NcNetworkList *self = NC_NETWORK_LIST(model);
    return position < self->items->len ? g_object_ref(self->items->pdata[position]) : NULL;
}

static void list_model_init(GListModelInterface *iface)
{
    iface->get_item_type = list_item_type;
    iface->get_n_items = list_n_items;
    iface->get_item = list_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE(NcNetworkList, nc_network_list, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, list_model_init))

static void nc_network_list_dispose(GObject *object)
{
    NcNetworkList *self = NC_NETWORK_LIST(object);
    g_clear_object(&self->settings);
    G_OBJECT_CLASS(nc_network_list_parent_class)->dispose(object);
}

static void nc_network_list_finalize(GObject *object)
{
    g_ptr_array_unref(NC_NETWORK_LIST(object)->items);
    G_OBJECT_CLASS(nc_network_list_parent_class)->finalize(object);
}

static void nc_network_list_class_init(NcNetworkListClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = nc_network_list_dispose;
    G_OBJECT_CLASS(klass)->finalize = nc_network_list_finalize;
}

static void nc_network_list_init(NcNetworkList *self)
{
    self->items = g_ptr_array_new_with_free_func(g_object_unref);
}

static void save(NcNetworkList *self)
{
    if (!self->settings)
        return;
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    for (guint i = 0; i < self->items->len; i++)
        g_variant_builder_add_value(&b, network_to_variant(self->items->pdata[i]));
    g_settings_set_value(self->settings, "networks", g_variant_builder_end(&b));
}

/* natter 1.x remembered one server in separate keys: it becomes the
 * first network, connected on start as that server was. */
static NcNetworkConfig *migrated_network(GSettings *s)
{
    g_autofree char *host = g_settings_get_string(s, "server");
    if (!*host)
        return NULL;
    NcNetworkConfig *n = nc_network_config_new();
    g_autofree char *key = g_ascii_strdown(host, -1);
    gboolean tls = nc_tls_default_for(host);
    g_autoptr(GVariant) tls_map = g_settings_get_value(s, "server-tls");
    g_variant_lookup(tls_map, key, "b", &tls);
    nc_network_config_add_server(n, host, (guint16)g_settings_get_int(s, "port"), tls);
    g_autofree char *nick = g_settings_get_string(s, "nick");
    g_autofree char *realname = g_settings_get_string(s, "realname");
    g_auto(GStrv) channels = g_settings_get_strv(s, "channels");
    nc_network_config_set_nick(n, nick);
    nc_network_config_set_realname(n, realname);
    nc_network_config_set_channels(n, (const char *const *)channels);
    g_autoptr(GVariant) logins = g_settings_get_value(s, "server-accounts");
    const char *account, *mech, *cert, *keyfile;
    if (g_variant_lookup(logins, key, "(&s&s&s&s)", &account, &mech, &cert, &keyfile)) {
        NcSaslMechanism m = nc_sasl_mechanism_from_name(mech);
        nc_network_config_set_login(n, account, m == NC_SASL_NONE ? NC_SASL_AUTO : m, cert,
                                    keyfile);
    }
    nc_network_config_set_connect_on_start(n, TRUE);
    return n;
}

static void load(NcNetworkList *self, const char *log_dir)
{
    g_autoptr(GVariant) stored = g_settings_get_value(self->settings, "networks");
    GVariantIter it;
    GVariant *v;
    g_variant_iter_init(&it, stored);
    while ((v = g_variant_iter_next_value(&it))) {
        NcNetworkConfig *n = network_from_variant(v);
        if (n && !nc_network_list_find(self, n->id))
            g_ptr_array_add(self->items, n);
        else if (n)
            g_object_unref(n);
        g_variant_unref(v);
    }
    if (g_settings_get_boolean(self->settings, "networks-migrated"))
        return;
    /* Once only: a user who later removes the migrated network does not
     * get it back on the next start. */
    NcNetworkConfig *old = self->items->len == 0 ? migrated_network(self->settings) : NULL;
    if (old) {
        const NcServerAddress *s = nc_network_config_get_server(old, 0);
        g_ptr_array_add(self->items, old);
        save(self);
        nc_logger_adopt_folder(log_dir, s->host, old->id);
    }
    g_settings_set_boolean(self->settings, "networks-migrated", TRUE);
}

NcNetworkList *nc_network_list_new(GSettings *settings, const char *log_dir)
{
    NcNetworkList *self = g_object_new(NC_TYPE_NETWORK_LIST, NULL);
    if (settings) {
        self->settings = g_object_ref(settings);
        load(self, log_dir);
    }
    return self;
}

guint nc_network_list_find_position(NcNetworkList *self, const char *id)
{
    for (guint i = 0; id && i < self->items->len; i++)
        if (strcmp(NC_NETWORK_CONFIG(self->items->pdata[i])->id, id) == 0)
            return i;
    return G_MAXUINT;
}

NcNetworkConfig *nc_network_list_find(NcNetworkList *self, const char *id)
{
    guint i = nc_network_list_find_position(self, id);
    return i == G_MAXUINT ? NULL : self->items->pdata[i];
}

NcNetworkConfig *nc_network_list_find_server(NcNetworkList *self, const char *host, guint16 port)
{
    for (guint i = 0; host && i < self->items->len; i++) {
        NcNetworkConfig *n = self->items->pdata[i];
        for (guint j = 0; j < n->servers->len; j++) {
            const NcServerAddress *s = &g_array_index(n->servers, NcServerAddress, j);
            guint16 want = port ? port : nc_default_port(s->tls);
            guint16 have = s->port ? s->port : nc_default_port(s->tls);
            if (g_ascii_strcasecmp(s->host, host) == 0 && want == have)
                return n;
        }
    }
    return NULL;
}

gboolean nc_network_list_add(NcNetworkList *self, NcNetworkConfig *network)
{
    if (nc_network_list_find(self, network->id))
        return FALSE;
    g_ptr_array_add(self->items, nc_network_config_copy(network));
    save(self);
    g_list_model_items_changed(G_LIST_MODEL(self), self->items->len - 1, 0, 1);
    return TRUE;
}

gboolean nc_network_list_update(NcNetworkList *self, NcNetworkConfig *network)
{
    guint i = nc_network_list_find_position(self, network->id);
    if (i == G_MAXUINT)
        return FALSE;
    g_object_unref(self->items->pdata[i]);
    self->items->pdata[i] = nc_network_config_copy(network);
    save(self);
    g_list_model_items_changed(G_LIST_MODEL(self), i, 1, 1);
    return TRUE;
}

gboolean nc_network_list_remove(NcNetworkList *self, const char *id)
{
    guint i = nc_network_list_find_position(self, id);
    if (i == G_MAXUINT)
        return FALSE;
    g_ptr_array_remove_index(self->items, i);
    save(self);
    g_list_model_items_changed(G_LIST_MODEL(self), i, 1, 0);
    return TRUE;
}

gboolean nc_network_list_move(NcNetworkList *self, const char *id, guint position)
{
    guint from = nc_network_list_find_position(self, id);
    if (from == G_MAXUINT)
        return FALSE;
    guint to = MIN(position, self->items->len - 1);
    if (to == from)
        return TRUE;
    gpointer n = g_ptr_array_steal_index(self->items, from);
    g_ptr_array_insert(self->items, (gint)to, n);
    save(self);
    guint first = MIN(from, to);
    guint count = MAX(from, to) - first + 1;
    g_list_model_items_changed(G_LIST_MODEL(self), first, count, count);
    return TRUE;
}

/* ---- saving what succeeded ------------------------------------------ */

typedef struct {
    NcNetworkList *list;
    NcNetworkConfig *attempt;
    /* The stored network as the attempt began (NULL: not stored then), to
     * tell a removal or an edit made while connecting. */
    NcNetworkConfig *snapshot;
    NcClient *client; /* not a reference: the follow is the client's data */
    gulong registered_handler;
    gulong name_handler;
    gboolean saved; /* the first registration has saved the attempt */
} Follow;

static void follow_free(gpointer p)
{
    Follow *f = p;
    /* Replaced by a second follow of a live client: its handlers go too. */
    if (g_signal_handler_is_connected(f->client, f->registered_handler))
        g_signal_handler_disconnect(f->client, f->registered_handler);
    if (g_signal_handler_is_connected(f->client, f->name_handler))
        g_signal_handler_disconnect(f->client, f->name_handler);
    g_object_unref(f->attempt);
    g_clear_object(&f->snapshot);
    g_object_unref(f->list);
    g_free(f);
}

/* The server's NETWORK= names the saved network unless the user did. */
static void take_server_name(Follow *f)
{
    const char *name = nc_client_get_isupport(f->client, "NETWORK");
    NcNetworkConfig *stored = name && *name ? nc_network_list_find(f->list, f->attempt->id) : NULL;
    if (!stored || stored->name_by_user || strcmp(stored->name, name) == 0)
        return;
    g_autoptr(NcNetworkConfig) named = nc_network_config_copy(stored);
    nc_network_config_set_name(named, name, FALSE);
    nc_network_list_update(f->list, named);
}

static void on_registered(NcClient *client, Follow *f)
{
    /* Later registrations are reconnects: the user may have edited the
     * network meanwhile, and those edits win. */
    if (f->saved)
        return;
    f->saved = TRUE;
    NcNetworkConfig *stored = nc_network_list_find(f->list, f->attempt->id);
    /* Removed while connecting: the user's removal wins. */
    if (f->snapshot && !stored)
        return;
    /* Saved or edited while connecting: the user's version wins, and only
     * the server's name may still fill in its blank name. */
    if (stored && (!f->snapshot || !nc_network_config_equal(stored, f->snapshot))) {
        take_server_name(f);
        return;
    }
    /* A name a server gave before is kept over the attempt's blank one. */
    if (stored && !f->attempt->name_by_user && *stored->name && !stored->name_by_user)
        nc_network_config_set_name(f->attempt, stored->name, FALSE);
    if (stored)
        nc_network_list_update(f->list, f->attempt);
    else
        nc_network_list_add(f->list, f->attempt);
    take_server_name(f);
}

static void on_network_name(NcClient *client, GParamSpec *pspec, Follow *f)
{
    if (f->saved)
        take_server_name(f);
}

void nc_network_list_follow(NcNetworkList *self, NcClient *client, NcNetworkConfig *attempt)
{
    Follow *f = g_new0(Follow, 1);
    f->list = g_object_ref(self);
    f->attempt = nc_network_config_copy(attempt);
    NcNetworkConfig *stored = nc_network_list_find(self, attempt->id);
    f->snapshot = stored ? nc_network_config_copy(stored) : NULL;
    f->client = client;
    /* The client's own data: freed with it, so no handler outlives it. */
    f->registered_handler = g_signal_connect(client, "registered", G_CALLBACK(on_registered), f);
    f->name_handler =
        g_signal_connect(client, "notify::network-name", G_CALLBACK(on_network_name), f);
    g_object_set_data_full(G_OBJECT(client), "nc-network-follow", f, follow_free);
}

/* ---- passwords that go with a removed network ----------------------- */

/* Does n have a server at host (without case)? */
static gboolean has_host(NcNetworkConfig *n, const char *host)
{
    for (guint i = 0; i < n->servers->len; i++)
        if (g_ascii_strcasecmp(g_array_index(n->servers, NcServerAddress, i).host, host) == 0)
            return TRUE;
    return FALSE;
}

static void secret_key_clear(gpointer p)
{
    NcSecretKey *k = p;
    g_free(k->server);
    g_free(k->account);
}

GArray *nc_network_list_unshared_secrets(NcNetworkList *self, NcNetworkConfig *network)
{
    GArray *keys = g_array_new(FALSE, TRUE, sizeof(NcSecretKey));
    g_array_set_clear_func(keys, secret_key_clear);
    const NcServerAddress *first = nc_network_config_get_server(network, 0);
    if (!first || !*first->host)
        return keys;
    gboolean server_shared = FALSE, account_shared = FALSE;
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self));
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcNetworkConfig) other = g_list_model_get_item(G_LIST_MODEL(self), i);
        if (strcmp(other->id, network->id) == 0 || !has_host(other, first->host))
            continue;
        server_shared = TRUE;
        if (*network->account && g_strcmp0(other->account, network->account) == 0)
            account_shared = TRUE;
    }
    g_autofree char *server = g_ascii_strdown(first->host, -1);
    if (!server_shared) {
        NcSecretKey k = {NC_SECRET_SERVER, g_strdup(server), NULL};
        g_array_append_val(keys, k);
    }
    if (*network->account && !account_shared) {
        NcSecretKey k = {NC_SECRET_ACCOUNT, g_strdup(server), g_strdup(network->account)};
        g_array_append_val(keys, k);
    }
    return keys;
}

/* One forget_secrets call: its removals under way and the first failure. */
typedef struct {
    guint pending;
    GError *error;
} Forgetting;

static void forgetting_free(gpointer p)
{
    Forgetting *f = p;
    g_clear_error(&f->error);
    g_free(f);
}

static void forgetting_step(GTask *task)
{
    Forgetting *f = g_task_get_task_data(task);
    if (--f->pending)
        return;
    if (f->error)
        g_task_return_error(task, g_steal_pointer(&f->error));
    else
        g_task_return_boolean(task, TRUE);
}

static void on_secret_removed(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(GTask) task = data;
    Forgetting *f = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;
    if (!nc_keyring_store_finish(res, &error) && !f->error)
        f->error = g_steal_pointer(&error);
    forgetting_step(task);
}

void nc_network_list_forget_secrets(NcNetworkList *self, NcNetworkConfig *network,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
    Forgetting *f = g_new0(Forgetting, 1);
    f->pending = 1; /* this function's own step, below */
    g_task_set_task_data(task, f, forgetting_free);
    g_autoptr(GArray) keys = nc_network_list_unshared_secrets(self, network);
    for (guint i = 0; i < keys->len; i++) {
        const NcSecretKey *k = &g_array_index(keys, NcSecretKey, i);
        f->pending++;
        /* No password: the entry is removed. */
        nc_keyring_store(k->kind, k->server, k->account, NULL, cancellable, on_secret_removed,
                         g_object_ref(task));
    }
    forgetting_step(task);
}

gboolean nc_network_list_forget_secrets_finish(NcNetworkList *self, GAsyncResult *result,
                                               GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

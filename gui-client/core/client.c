/* SPDX-License-Identifier: MIT */
#include "client-private.h"

#include "input.h"

#include <glib/gi18n.h>
#include <natter/error.h>
#include <stdarg.h>
#include <string.h>

enum {
    PROP_0,
    PROP_STATE,
    PROP_STATUS,
    PROP_ERROR,
    PROP_NICK,
    PROP_TLS_PROBLEM,
    PROP_ACCOUNT,
    PROP_LOGIN_PROBLEM,
    PROP_AWAY,
    PROP_RECONNECT_TIME,
    PROP_SEND_TYPING,
    PROP_SHOW_TYPING,
    PROP_NETWORK_NAME,
    N_PROPS
};
static GParamSpec *props[N_PROPS];
guint nc__client_signals[NC_N_SIGNALS];

G_DEFINE_TYPE(NcClient, nc_client, G_TYPE_OBJECT)

static void on_io_event(NcIoEvent event, guint generation, const char *line, int reason,
                        const NcIoTlsInfo *tls, gpointer data);

static void stop_source(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}

static void nc_client_dispose(GObject *object)
{
    NcClient *self = NC_CLIENT(object);
    stop_source(&self->ping_source);
    stop_source(&self->reconnect_source);
    stop_source(&self->countdown_source);
    stop_source(&self->typing_source);
    nc__client_listing_release(self);
    /* Joins the worker: no network callback can reach a finalized client. */
    g_clear_pointer(&self->io, nc_io_free);
    g_clear_object(&self->network);
    G_OBJECT_CLASS(nc_client_parent_class)->dispose(object);
}

static void nc_client_finalize(GObject *object)
{
    NcClient *self = NC_CLIENT(object);
    g_free(self->display_name);
    g_free(self->host);
    g_array_unref(self->servers);
    g_hash_table_unref(self->isupport);
    g_free(self->wanted_nick);
    g_free(self->nick);
    g_free(self->realname);
    g_free(self->password);
    g_strfreev(self->highlight_words);
    g_ptr_array_unref(self->channels);
    g_hash_table_unref(self->focus_on_join);
    g_free(self->status);
    g_free(self->error);
    g_free(self->close_reason);
    g_string_free(self->cap_ls, TRUE);
    g_hash_table_unref(self->caps);
    g_free(self->chantypes);
    g_free(self->chanmodes);
    nc__client_tls_finalize(self);
    nc__client_account_finalize(self);
    nc__client_history_finalize(self);
    g_hash_table_unref(self->whois);
    g_hash_table_unref(self->accounts);
    g_hash_table_unref(self->whox_asked);
    g_clear_object(&self->ignore);
    g_hash_table_unref(self->away_shown);
    g_hash_table_unref(self->away_names_due);
    g_hash_table_unref(self->who_pending);
    g_main_context_unref(self->context);
    G_OBJECT_CLASS(nc_client_parent_class)->finalize(object);
}

static void nc_client_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    NcClient *self = NC_CLIENT(object);
    switch (id) {
    case PROP_STATE:
        g_value_set_int(value, (int)self->state);
        break;
    case PROP_STATUS:
        g_value_set_string(value, self->status);
        break;
    case PROP_ERROR:
        g_value_set_string(value, self->error);
        break;
    case PROP_NICK:
        g_value_set_string(value, self->nick);
        break;
    case PROP_TLS_PROBLEM:
        g_value_set_pointer(value, self->tls_problem);
        break;
    case PROP_ACCOUNT:
        g_value_set_string(value, self->account);
        break;
    case PROP_LOGIN_PROBLEM:
        g_value_set_int(value, (int)self->login_problem);
        break;
    case PROP_AWAY:
        g_value_set_boolean(value, self->away);
        break;
    case PROP_RECONNECT_TIME:
        g_value_set_int64(value, self->reconnect_time_us);
        break;
    case PROP_SEND_TYPING:
        g_value_set_boolean(value, self->send_typing);
        break;
    case PROP_SHOW_TYPING:
        g_value_set_boolean(value, self->show_typing);
        break;
    case PROP_NETWORK_NAME:
        g_value_set_string(value, nc_client_get_isupport(self, "NETWORK"));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void nc_client_set_property(GObject *object, guint id, const GValue *value,
                                   GParamSpec *pspec)
{
    NcClient *self = NC_CLIENT(object);
    switch (id) {
    case PROP_SEND_TYPING:
        nc_client_set_send_typing(self, g_value_get_boolean(value));
        break;
    case PROP_SHOW_TYPING:
        nc_client_set_show_typing(self, g_value_get_boolean(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void nc_client_class_init(NcClientClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = nc_client_dispose;
    oc->finalize = nc_client_finalize;
    oc->get_property = nc_client_get_property;
    oc->set_property = nc_client_set_property;
    GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    props[PROP_STATE] = g_param_spec_int("state", NULL, NULL, 0, NC_STATE_WAITING, 0, ro);
    props[PROP_STATUS] = g_param_spec_string("status", NULL, NULL, NULL, ro);
    props[PROP_ERROR] = g_param_spec_string("error", NULL, NULL, NULL, ro);
    props[PROP_NICK] = g_param_spec_string("nick", NULL, NULL, NULL, ro);
    /* The NcTlsProblem of nc_client_get_tls_problem() (or NULL). */
    props[PROP_TLS_PROBLEM] = g_param_spec_pointer("tls-problem", NULL, NULL, ro);
    /* The account logged in to (nc_client_get_account()), or NULL. */
    props[PROP_ACCOUNT] = g_param_spec_string("account", NULL, NULL, NULL, ro);
    /* An NcLoginProblem (nc_client_get_login_problem()). */
    props[PROP_LOGIN_PROBLEM] =
        g_param_spec_int("login-problem", NULL, NULL, 0, NC_LOGIN_FAILED, 0, ro);
    /* The server has us away (306) or back (305). */
    props[PROP_AWAY] = g_param_spec_boolean("away", NULL, NULL, FALSE, ro);
    /* Monotonic µs of the next attempt while waiting, else 0. */
    props[PROP_RECONNECT_TIME] =
        g_param_spec_int64("reconnect-time", NULL, NULL, 0, G_MAXINT64, 0, ro);
    /* The server's ISUPPORT NETWORK=, or NULL. */
    props[PROP_NETWORK_NAME] = g_param_spec_string("network-name", NULL, NULL, NULL, ro);
    GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    props[PROP_SEND_TYPING] = g_param_spec_boolean("send-typing", NULL, NULL, TRUE, rw);
    props[PROP_SHOW_TYPING] = g_param_spec_boolean("show-typing", NULL, NULL, TRUE, rw);
    g_object_class_install_properties(oc, N_PROPS, props);

    /* A message mentioned us: (NcBuffer *buffer, NcMessage *message). */
    nc__client_signals[NC_SIGNAL_HIGHLIGHT] =
        g_signal_new("highlight", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, NC_TYPE_BUFFER, NC_TYPE_MESSAGE);
    /* The user opened a buffer (/join, /query) that should be shown. */
    nc__client_signals[NC_SIGNAL_FOCUS_BUFFER] =
        g_signal_new("focus-buffer", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, NC_TYPE_BUFFER);
    /* Registration completed (001). */
    nc__client_signals[NC_SIGNAL_REGISTERED] =
        g_signal_new("registered", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 0);
    /* The server created the login's account (const char *account): the
     * client logs in to it from now on. */
    nc__client_signals[NC_SIGNAL_ACCOUNT_CREATED] =
        g_signal_new("account-created", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
    /* A WHOIS answer is complete (NcWhois *whois). */
    nc__client_signals[NC_SIGNAL_WHOIS] =
        g_signal_new("whois", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 1, NC_TYPE_WHOIS);
    /* A channel listing (/list) has started (NcChannelList *list); it
     * fills as the server streams it. */
    nc__client_signals[NC_SIGNAL_CHANNEL_LIST] =
        g_signal_new("channel-list", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, NC_TYPE_CHANNEL_LIST);
}

static void server_address_clear(gpointer p)
{
    NcServerAddress *s = p;
    g_free(s->host);
}

static void string_free(gpointer p)
{
    g_string_free(p, TRUE);
}

static void nc_client_init(NcClient *self)
{
    self->servers = g_array_new(FALSE, TRUE, sizeof(NcServerAddress));
    g_array_set_clear_func(self->servers, server_address_clear);
    self->isupport = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    self->channels = g_ptr_array_new_with_free_func(g_free);
    self->focus_on_join = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->cap_ls = g_string_new(NULL);
    self->caps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->reconnect = TRUE;
    self->ping_interval_ms = 60000;
    self->ping_timeout_ms = 150000;
    self->backoff_base_ms = 1000;
    self->backoff_max_ms = 60000;
    self->connect_timeout_ms = 15000;
    self->status = g_strdup(_("Not connected"));
    self->whois = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
    self->accounts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    self->whox_asked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    nc__client_tls_init(self);
    nc__client_account_init(self);
    nc__client_history_init(self);
    self->ignore = nc_ignore_list_new(NULL, NULL);
    self->away_shown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    self->away_names_due = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->who_pending =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, string_free);
    self->send_typing = TRUE;
    self->show_typing = TRUE;
}

void nc__client_notify_tls_problem(NcClient *self)
{
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_TLS_PROBLEM]);
}

void nc__client_notify_account(NcClient *self)
{
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ACCOUNT]);
}

void nc__client_notify_login_problem(NcClient *self)
{
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_LOGIN_PROBLEM]);
}

/* The server buffer is shown under the network's name: the one the user
 * saved, else the server's NETWORK=, else (no title) the host. */
static void update_server_title(NcClient *self)
{
    const char *name = self->display_name && *self->display_name
                           ? self->display_name
                           : nc_client_get_isupport(self, "NETWORK");
    nc_buffer_set_title(nc_network_get_server_buffer(self->network), name);
}

void nc_client_set_display_name(NcClient *self, const char *name)
{
    g_free(self->display_name);
    self->display_name = g_strdup(name);
    update_server_title(self);
}

void nc__client_notify_network_name(NcClient *self)
{
    update_server_title(self);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_NETWORK_NAME]);
}

NcClient *nc_client_new(const char *host, guint16 port, const char *nick, const char *realname,
                        const char *password)
{
    NcClient *self = g_object_new(NC_TYPE_CLIENT, NULL);
    self->context = g_main_context_ref_thread_default();
    self->host = g_strdup(host);
    self->port = port;
    self->wanted_nick = g_strdup(nick && *nick ? nick : "natter");
    self->nick = g_strdup(self->wanted_nick);
    self->realname = g_strdup(realname && *realname ? realname : self->wanted_nick);
    self->password = password && *password ? g_strdup(password) : NULL;
    self->tls_wanted = nc_tls_default_for(host);
    NcServerAddress only = {g_strdup(host), port, self->tls_wanted};
    g_array_append_val(self->servers, only);
    self->network = nc_network_new(host);
    self->io = nc_io_new(self->context, on_io_event, self);
    return self;
}

NcNetwork *nc_client_get_network(NcClient *self)
{
    return self->network;
}
const char *nc_client_get_host(NcClient *self)
{
    return self->host;
}
guint16 nc_client_get_port(NcClient *self)
{
    return self->port;
}

/* Make the i-th server the one the next attempt goes to. */
static void use_server(NcClient *self, guint i)
{
    const NcServerAddress *s = &g_array_index(self->servers, NcServerAddress, i);
    self->server_index = i;
    if (g_ascii_strcasecmp(self->host, s->host) != 0) {
        /* A plain connection's sts=port= spoke for its own host only. */
        self->sts_upgrade_port = 0;
        g_free(self->host);
        self->host = g_strdup(s->host);
    }
    self->port = s->port;
    self->tls_wanted = s->tls;
}

void nc_client_set_servers(NcClient *self, const NcServerAddress *servers, guint n)
{
    g_return_if_fail(servers && n > 0);
    g_array_set_size(self->servers, 0);
    guint current = G_MAXUINT;
    for (guint i = 0; i < n; i++) {
        NcServerAddress copy = {g_strdup(servers[i].host), servers[i].port, servers[i].tls};
        g_array_append_val(self->servers, copy);
        if (current == G_MAXUINT && g_ascii_strcasecmp(servers[i].host, self->host) == 0 &&
            servers[i].port == self->port)
            current = i;
    }
    if (self->state == NC_STATE_DISCONNECTED || self->state == NC_STATE_WAITING)
        use_server(self, 0);
    else
        /* The live connection stays; the server after it comes next. */
        self->server_index = current != G_MAXUINT ? current : n - 1;
}

guint nc_client_get_n_servers(NcClient *self)
{
    return self->servers->len;
}

guint nc_client_get_server_index(NcClient *self)
{
    return self->server_index;
}

const char *nc_client_get_isupport(NcClient *self, const char *key)
{
    return key ? g_hash_table_lookup(self->isupport, key) : NULL;
}
NcClientState nc_client_get_state(NcClient *self)
{
    return self->state;
}
const char *nc_client_get_status(NcClient *self)
{
    return self->status;
}
const char *nc_client_get_error(NcClient *self)
{
    return self->error;
}
const char *nc_client_get_nick(NcClient *self)
{
    return self->nick;
}
guint nc_client_get_attempts(NcClient *self)
{
    return self->attempts;
}

gboolean nc_client_has_cap(NcClient *self, const char *cap)
{
    return g_hash_table_contains(self->caps, cap);
}

gboolean nc_client_get_away(NcClient *self)
{
    return self->away;
}

void nc__client_set_away(NcClient *self, gboolean away)
{
    if (self->away == !!away)
        return;
    self->away = !!away;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_AWAY]);
}

gint64 nc_client_get_reconnect_time(NcClient *self)
{
    return self->reconnect_time_us;
}

NcChannelList *nc_client_get_channel_list(NcClient *self)
{
    return self->listing;
}

/* ---- typing notifications ------------------------------------------- */

/* A buffer's typing state, ours and others', kept on the buffer so it
 * goes with it. */
typedef struct {
    NcTypingOut *out;
    NcTypingPeers *peers;
} BufferTyping;

#define TYPING_KEY "nc-typing"
/* How often the typing timer looks: "paused" is due 5 s after the last
 * change, expiries are 6 s and 30 s; half a second late is unnoticeable. */
#define TYPING_TICK_MS 500

static void buffer_typing_free(gpointer data)
{
    BufferTyping *t = data;
    nc_typing_out_free(t->out);
    nc_typing_peers_free(t->peers);
    g_free(t);
}

static BufferTyping *typing_of(NcBuffer *b, gboolean create)
{
    BufferTyping *t = g_object_get_data(G_OBJECT(b), TYPING_KEY);
    if (!t && create) {
        t = g_new0(BufferTyping, 1);
        t->out = nc_typing_out_new();
        t->peers = nc_typing_peers_new();
        g_object_set_data_full(G_OBJECT(b), TYPING_KEY, t, buffer_typing_free);
    }
    return t;
}

static void typing_render(NcClient *self, NcBuffer *b, BufferTyping *t)
{
    g_autofree char *words = self->show_typing ? nc_typing_peers_words(t->peers) : NULL;
    nc_buffer_set_typing(b, words ? words : "");
}

static gboolean may_send_typing(NcClient *self)
{
    return self->send_typing && self->state == NC_STATE_CONNECTED &&
           nc_client_has_cap(self, "message-tags");
}

static void send_typing(NcClient *self, NcBuffer *b, NcTypingState state)
{
    const char *value = nc_typing_state_to_value(state);
    if (value && may_send_typing(self))
        nc__client_send(self, "@+typing=%s TAGMSG %s", value, nc_buffer_get_name(b));
}

static gboolean typing_tick(gpointer data)
{
    NcClient *self = data;
    gint64 now = g_get_monotonic_time();
    gboolean live = FALSE;
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        BufferTyping *t = typing_of(b, FALSE);
        if (!t)
            continue;
        send_typing(self, b, nc_typing_out_tick(t->out, now));
        if (nc_typing_peers_expire(t->peers, now))
            typing_render(self, b, t);
        live = live || nc_typing_out_is_active(t->out) || nc_typing_peers_count(t->peers) > 0;
    }
    if (live)
        return G_SOURCE_CONTINUE;
    g_source_unref(self->typing_source);
    self->typing_source = NULL;
    return G_SOURCE_REMOVE;
}

static void typing_timer_start(NcClient *self)
{
    if (self->typing_source)
        return;
    self->typing_source = g_timeout_source_new(TYPING_TICK_MS);
    g_source_set_callback(self->typing_source, typing_tick, self, NULL);
    g_source_attach(self->typing_source, self->context);
}

void nc_client_notify_typing(NcClient *self, NcBuffer *buffer, gboolean has_text)
{
    if (!buffer || nc_buffer_get_kind(buffer) == NC_BUFFER_SERVER)
        return;
    BufferTyping *t = typing_of(buffer, has_text);
    if (!t)
        return; /* never typed here: nothing to end */
    if (!may_send_typing(self)) {
        nc_typing_out_reset(t->out);
        return;
    }
    send_typing(self, buffer, nc_typing_out_changed(t->out, has_text, g_get_monotonic_time()));
    if (nc_typing_out_is_active(t->out))
        typing_timer_start(self);
}

void nc_client_typing_sent(NcClient *self, NcBuffer *buffer)
{
    BufferTyping *t = buffer ? typing_of(buffer, FALSE) : NULL;
    if (t)
        nc_typing_out_reset(t->out);
}

void nc__client_typing_heard(NcClient *self, NcBuffer *b, const char *nick, NcTypingState state)
{
    gboolean typing = state == NC_TYPING_ACTIVE || state == NC_TYPING_PAUSED;
    BufferTyping *t = typing_of(b, typing);
    if (!t)
        return;
    if (nc_typing_peers_set(t->peers, nick, state, g_get_monotonic_time()))
        typing_render(self, b, t);
    if (typing)
        typing_timer_start(self);
}

void nc__client_typing_renamed(NcClient *self, const char *nick, const char *new_nick)
{
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        BufferTyping *t = typing_of(b, FALSE);
        gboolean changed = t && (new_nick ? nc_typing_peers_rename(t->peers, nick, new_nick)
                                          : nc_typing_peers_set(t->peers, nick, NC_TYPING_DONE, 0));
        if (changed)
            typing_render(self, b, t);
    }
}

/* Others' typing re-rendered everywhere (shown or not). */
static void typing_render_all(NcClient *self)
{
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        BufferTyping *t = typing_of(b, FALSE);
        if (t)
            typing_render(self, b, t);
    }
}

void nc_client_set_send_typing(NcClient *self, gboolean send)
{
    if (self->send_typing == !!send)
        return;
    self->send_typing = !!send;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SEND_TYPING]);
}

void nc_client_set_show_typing(NcClient *self, gboolean show)
{
    if (self->show_typing == !!show)
        return;
    self->show_typing = !!show;
    typing_render_all(self);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SHOW_TYPING]);
}

void nc_client_set_autojoin(NcClient *self, const char *const *channels)
{
    for (guint i = 0; channels && channels[i]; i++)
        if (*channels[i])
            nc__client_want_channel(self, channels[i]);
}

void nc_client_set_timing(NcClient *self, guint ping_interval_ms, guint ping_timeout_ms,
                          guint backoff_base_ms, guint backoff_max_ms, guint connect_timeout_ms)
{
    if (ping_interval_ms)
        self->ping_interval_ms = ping_interval_ms;
    if (ping_timeout_ms)
        self->ping_timeout_ms = ping_timeout_ms;
    if (backoff_base_ms)
        self->backoff_base_ms = backoff_base_ms;
    if (backoff_max_ms)
        self->backoff_max_ms = backoff_max_ms;
    if (connect_timeout_ms)
        self->connect_timeout_ms = connect_timeout_ms;
}

void nc_client_set_reconnect(NcClient *self, gboolean reconnect)
{
    self->reconnect = reconnect;
}

void nc_client_set_logger(NcClient *self, NcLogger *logger, guint reload_lines)
{
    self->logger = logger;
    self->reload_lines = reload_lines;
}

NcLogger *nc_client_get_logger(NcClient *self)
{
    return self->logger;
}

void nc_client_set_highlight_words(NcClient *self, const char *const *words)
{
    g_strfreev(self->highlight_words);
    self->highlight_words = g_strdupv((char **)words);
}

const char *nc_client_state_name(NcClientState state)
{
    switch (state) {
    case NC_STATE_DISCONNECTED:
        return "disconnected";
    case NC_STATE_CONNECTING:
        return "connecting";
    case NC_STATE_REGISTERING:
        return "registering";
    case NC_STATE_CONNECTED:
        return "connected";
    case NC_STATE_WAITING:
        return "waiting";
    }
    return "?";
}

guint nc_backoff_delay(guint attempt, guint base_ms, guint max_ms, double random01)
{
    guint64 delay = base_ms;
    for (guint i = 0; i < attempt && delay < max_ms; i++)
        delay *= 2;
    delay = MIN(delay, (guint64)max_ms);
    double factor = 0.5 + 0.5 * CLAMP(random01, 0.0, 0.999999);
    return (guint)MAX(1.0, (double)delay * factor);
}

/* ---- shared helpers ------------------------------------------------- */

void nc__client_set_state(NcClient *self, NcClientState state, const char *status)
{
    if (self->state != state) {
        self->state = state;
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATE]);
    }
    if (status && g_strcmp0(self->status, status) != 0) {
        g_free(self->status);
        self->status = g_strdup(status);
        g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATUS]);
    }
}

void nc__client_set_error(NcClient *self, const char *error)
{
    if (g_strcmp0(self->error, error) == 0)
        return;
    g_free(self->error);
    self->error = g_strdup(error);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ERROR]);
}

void nc__client_send(NcClient *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* A CR or LF in user text would start a second protocol line. */
    g_strdelimit(line, "\r\n", ' ');
    if (self->io)
        nc_io_send(self->io, line);
}

void nc__client_add(NcClient *self, NcBuffer *buffer, NcMessage *msg)
{
    nc_buffer_append(buffer, msg);
    if (self->logger)
        nc_logger_write(self->logger, nc_network_get_name(self->network),
                        nc_buffer_get_name(buffer), msg);
    if (nc_message_get_flags(msg) & NC_MSG_FLAG_HIGHLIGHT)
        g_signal_emit(self, nc__client_signals[NC_SIGNAL_HIGHLIGHT], 0, buffer, msg);
}

void nc__client_info(NcClient *self, NcBuffer *buffer, NcMessageKind kind, const char *text)
{
    g_autoptr(NcMessage) msg =
        nc_message_new(g_get_real_time(), kind, NC_MSG_FLAG_NONE, NULL, text);
    nc__client_add(self, buffer ? buffer : nc_network_get_server_buffer(self->network), msg);
}

/* The log keeps what was said, not whose it was to us: our own lines
 * and those that mention us get their flags back, so that unread counts
 * and mentions worked out again from a read marker (model.c) are right
 * after a restart too. */
static void flag_logged(NcClient *self, GPtrArray *messages)
{
    for (guint i = 0; i < messages->len; i++) {
        NcMessage *m = messages->pdata[i];
        NcMessageKind kind = nc_message_get_kind(m);
        if (kind != NC_MSG_PRIVMSG && kind != NC_MSG_ACTION && kind != NC_MSG_NOTICE)
            continue;
        NcMessageFlags flags = NC_MSG_FLAG_NONE;
        if (nc_irc_name_equal(nc_message_get_sender(m), self->nick))
            flags = NC_MSG_FLAG_SELF;
        else if (nc_text_mentions(nc_message_get_text(m), self->nick,
                                  (const char *const *)self->highlight_words))
            flags = NC_MSG_FLAG_HIGHLIGHT;
        if (!flags)
            continue;
        NcMessage *flagged = nc_message_new(nc_message_get_time(m), kind, flags,
                                            nc_message_get_sender(m), nc_message_get_text(m));
        nc_message_set_msgid(flagged, nc_message_get_msgid(m));
        g_object_unref(m);
        messages->pdata[i] = flagged;
    }
}

NcBuffer *nc__client_buffer(NcClient *self, NcBufferKind kind, const char *name)
{
    NcBuffer *b = nc_network_find_buffer(self->network, name);
    if (b)
        return b;
    b = nc_network_ensure_buffer(self->network, kind, name);
    if (self->logger && self->reload_lines) {
        g_autoptr(GPtrArray) history = nc_logger_tail(
            self->logger, nc_network_get_name(self->network), name, self->reload_lines);
        flag_logged(self, history);
        nc_buffer_prepend_history(b, history);
    }
    return b;
}

NcBuffer *nc__client_current_buffer(NcClient *self)
{
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        if (nc_buffer_get_active(b))
            return b; /* the network keeps it alive */
    }
    return nc_network_get_server_buffer(self->network);
}

static gint find_channel(NcClient *self, const char *channel)
{
    for (guint i = 0; i < self->channels->len; i++)
        if (nc_irc_name_equal(self->channels->pdata[i], channel))
            return (gint)i;
    return -1;
}

void nc__client_want_channel(NcClient *self, const char *channel)
{
    if (find_channel(self, channel) < 0)
        g_ptr_array_add(self->channels, g_strdup(channel));
}

void nc__client_forget_channel(NcClient *self, const char *channel)
{
    gint i = find_channel(self, channel);
    if (i >= 0)
        g_ptr_array_remove_index(self->channels, (guint)i);
}

void nc__client_set_nick(NcClient *self, const char *nick)
{
    if (!nick || g_strcmp0(self->nick, nick) == 0)
        return;
    g_free(self->nick);
    self->nick = g_strdup(nick);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_NICK]);
}

void nc__client_registered(NcClient *self, const char *nick)
{
    nc__client_set_nick(self, nick);
    if (self->state == NC_STATE_CONNECTED)
        return;
    if (!nc__client_account_welcome(self))
        return; /* a login was wanted and did not happen: stopped */
    self->attempts = 0;
    g_autofree char *who = self->account
                               ? g_strdup_printf(_("%s (account %s)"), self->nick, self->account)
                               : g_strdup(self->nick);
    g_autofree char *status = self->tls_summary
                                  ? g_strdup_printf(_("Connected to %s as %s, encrypted (%s)"),
                                                    self->host, who, self->tls_summary)
                                  : g_strdup_printf(_("Connected to %s as %s"), self->host, who);
    nc__client_set_state(self, NC_STATE_CONNECTED, status);
    nc__client_set_error(self, NULL);
    nc_buffer_set_joined(nc_network_get_server_buffer(self->network), TRUE);
    nc__client_info(self, NULL, NC_MSG_STATUS, status);
    /* Rejoin everything we were in (and the autojoin list) after a
     * reconnect; one JOIN each keeps every line far under 512 bytes. */
    for (guint i = 0; i < self->channels->len; i++)
        nc__client_send(self, "JOIN %s", (const char *)self->channels->pdata[i]);
    /* Private conversations are back with the connection; channels when
     * their JOIN comes (client-irc.c). */
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        if (nc_buffer_get_kind(b) == NC_BUFFER_QUERY)
            nc__client_back_in(self, b);
    }
    g_signal_emit(self, nc__client_signals[NC_SIGNAL_REGISTERED], 0);
}

/* ---- connection ----------------------------------------------------- */

/* Set on a buffer that was told "Disconnected", until "Reconnected". */
#define DROPPED_KEY "nc-dropped"

/* The connection went while registered: one line in each conversation
 * that was live, so the gap reads as one. */
static void say_dropped(NcClient *self, const char *reason)
{
    g_autofree char *text = g_strdup_printf(_("Disconnected: %s"), reason);
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        NcBufferKind kind = nc_buffer_get_kind(b);
        gboolean live =
            kind == NC_BUFFER_QUERY || (kind == NC_BUFFER_CHANNEL && nc_buffer_get_joined(b));
        if (!live || g_object_get_data(G_OBJECT(b), DROPPED_KEY))
            continue;
        g_object_set_data(G_OBJECT(b), DROPPED_KEY, GINT_TO_POINTER(1));
        nc__client_info(self, b, NC_MSG_STATUS, text);
    }
}

void nc__client_back_in(NcClient *self, NcBuffer *b)
{
    if (!g_object_get_data(G_OBJECT(b), DROPPED_KEY))
        return;
    g_object_set_data(G_OBJECT(b), DROPPED_KEY, NULL);
    nc__client_info(self, b, NC_MSG_STATUS, _("Reconnected"));
}

static void set_reconnect_time(NcClient *self, gint64 when_us)
{
    if (!when_us)
        stop_source(&self->countdown_source);
    if (self->reconnect_time_us == when_us)
        return;
    self->reconnect_time_us = when_us;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_RECONNECT_TIME]);
}

/* "host:port" of the server the next attempt goes to. */
static char *server_name(NcClient *self)
{
    guint16 port = self->port ? self->port : nc_default_port(self->tls_wanted);
    return g_strdup_printf("%s:%u", self->host, (guint)port);
}

/* After a failure: the next server in turn, said in the server tab. */
static void next_server(NcClient *self)
{
    if (self->servers->len < 2)
        return;
    use_server(self, (self->server_index + 1) % self->servers->len);
    g_autofree char *server = server_name(self);
    g_autofree char *text = g_strdup_printf(_("Trying the next server, %s"), server);
    nc__client_info(self, NULL, NC_MSG_STATUS, text);
}

/* "… — reconnecting in 5 s" ("… — trying host:port in 5 s" with several
 * servers), from the time left now. */
static void countdown_status(NcClient *self)
{
    gint64 left_us = MAX(0, self->reconnect_time_us - g_get_monotonic_time());
    guint seconds = MAX(1, (guint)((left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
    const char *why = self->error ? self->error : _("Disconnected");
    g_autofree char *server = server_name(self);
    g_autofree char *status =
        self->servers->len > 1 ? g_strdup_printf(_("%s — trying %s in %u s"), why, server, seconds)
                               : g_strdup_printf(_("%s — reconnecting in %u s"), why, seconds);
    nc__client_set_state(self, NC_STATE_WAITING, status);
}

static gboolean countdown_tick(gpointer data)
{
    NcClient *self = data;
    if (self->state == NC_STATE_WAITING && self->reconnect_time_us)
        countdown_status(self);
    return G_SOURCE_CONTINUE;
}

static void schedule_reconnect(NcClient *self);
static void mark_all_parted(NcClient *self);

static gboolean ping_tick(gpointer data)
{
    NcClient *self = data;
    if (self->state != NC_STATE_REGISTERING && self->state != NC_STATE_CONNECTED)
        return G_SOURCE_CONTINUE;
    gint64 idle_ms = (g_get_monotonic_time() - self->last_rx_us) / 1000;
    if (idle_ms >= self->ping_timeout_ms) {
        /* The link is dead (a NAT dropped it, the server hung): no RST will
         * ever come, so we end it ourselves and reconnect. */
        g_free(self->close_reason);
        self->close_reason = g_strdup_printf(
            _("No reply from the server for %u seconds (ping timeout)"), (guint)(idle_ms / 1000));
        nc_io_close(self->io, FALSE);
    } else if (idle_ms >= self->ping_interval_ms && !self->ping_sent) {
        nc__client_send(self, "PING :natter-%" G_GINT64_FORMAT, g_get_real_time());
        self->ping_sent = TRUE;
    }
    return G_SOURCE_CONTINUE;
}

static void start_ping_timer(NcClient *self)
{
    stop_source(&self->ping_source);
    guint period = MAX(20, MIN(self->ping_interval_ms, self->ping_timeout_ms) / 4);
    self->ping_source = g_timeout_source_new(period);
    g_source_set_callback(self->ping_source, ping_tick, self, NULL);
    g_source_attach(self->ping_source, self->context);
}

static void start_connect(NcClient *self)
{
    stop_source(&self->reconnect_source);
    set_reconnect_time(self, 0);
    g_clear_pointer(&self->close_reason, g_free);
    self->attempts++;
    NcIoTlsOptions opts;
    const NcIoTlsOptions *tls = nc__client_tls_prepare(self, &opts);
    if (!nc__client_account_check(self, tls != NULL))
        return; /* stopped, with the reason */
    g_autofree char *status =
        tls ? g_strdup_printf(_("Connecting to %s:%u with TLS…"), self->host,
                              (guint)self->connect_port)
            : g_strdup_printf(_("Connecting to %s:%u…"), self->host, (guint)self->connect_port);
    nc__client_set_state(self, NC_STATE_CONNECTING, status);
    self->generation =
        nc_io_connect(self->io, self->host, self->connect_port, self->connect_timeout_ms, tls);
}

void nc__client_restart(NcClient *self)
{
    stop_source(&self->ping_source);
    mark_all_parted(self);
    start_connect(self);
}

static gboolean reconnect_due(gpointer data)
{
    NcClient *self = data;
    g_source_unref(self->reconnect_source);
    self->reconnect_source = NULL;
    start_connect(self);
    return G_SOURCE_REMOVE;
}

static void schedule_reconnect(NcClient *self)
{
    guint delay = nc_backoff_delay(self->attempts > 0 ? self->attempts - 1 : 0,
                                   self->backoff_base_ms, self->backoff_max_ms, g_random_double());
    stop_source(&self->reconnect_source);
    self->reconnect_source = g_timeout_source_new(delay);
    g_source_set_callback(self->reconnect_source, reconnect_due, self, NULL);
    g_source_attach(self->reconnect_source, self->context);
    set_reconnect_time(self, g_get_monotonic_time() + (gint64)delay * 1000);
    countdown_status(self);
    /* The status counts down each second, on the second of the attempt. */
    stop_source(&self->countdown_source);
    self->countdown_source = g_timeout_source_new(1000);
    g_source_set_ready_time(self->countdown_source,
                            self->reconnect_time_us - (delay / 1000) * G_USEC_PER_SEC);
    g_source_set_callback(self->countdown_source, countdown_tick, self, NULL);
    g_source_attach(self->countdown_source, self->context);
}

void nc_client_connect(NcClient *self)
{
    if (self->state == NC_STATE_CONNECTING || self->state == NC_STATE_REGISTERING ||
        self->state == NC_STATE_CONNECTED)
        return;
    self->attempts = 0;
    start_connect(self);
}

static void mark_all_parted(NcClient *self)
{
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        nc_buffer_set_joined(b, FALSE);
        nc_buffer_clear_members(b);
        /* Nobody types over a dead link, and ours starts again. */
        g_object_set_data(G_OBJECT(b), TYPING_KEY, NULL);
        nc_buffer_set_typing(b, "");
    }
    stop_source(&self->typing_source);
    nc__client_listing_end(self);
    g_hash_table_remove_all(self->away_shown);
    nc__client_set_away(self, FALSE);
}

void nc_client_disconnect(NcClient *self, const char *message)
{
    stop_source(&self->reconnect_source);
    set_reconnect_time(self, 0);
    stop_source(&self->ping_source);
    if (self->state == NC_STATE_REGISTERING || self->state == NC_STATE_CONNECTED) {
        nc__client_send(self, "QUIT :%s", message && *message ? message : "natter");
        nc_io_close(self->io, TRUE);
    } else if (self->state == NC_STATE_CONNECTING) {
        nc_io_close(self->io, FALSE);
    }
    mark_all_parted(self);
    g_clear_pointer(&self->tls_summary, g_free);
    nc__client_set_state(self, NC_STATE_DISCONNECTED, _("Disconnected"));
}

static const char *reason_text(int reason)
{
    switch (reason) {
    case NT_ECONNREFUSED:
        return _("Connection refused: is the server running on that port?");
    case NT_ETIMEDOUT:
        return _("Connection timed out");
    case NT_ECONNRESET:
        return _("Connection reset by the server");
    case NT_EOF:
        return _("The server closed the connection");
    case NT_ESENDQ:
        return _("Too much unsent output (SendQ exceeded)");
    case NT_ENONAME:
        return _("Unknown server name");
    case NT_ENAMETEMP:
        return _("Name lookup failed for now");
    case NT_ENETUNREACH:
        return _("Network unreachable");
    case NT_EHOSTUNREACH:
        return _("Host unreachable");
    case NT_ECLOSED:
        return _("Connection closed");
    default:
        return nt_strerror(reason);
    }
}

void nc__client_stop(NcClient *self, const char *error, const char *detail)
{
    stop_source(&self->ping_source);
    stop_source(&self->reconnect_source);
    set_reconnect_time(self, 0);
    g_clear_pointer(&self->tls_summary, g_free);
    nc__client_set_error(self, error);
    nc__client_info(self, NULL, NC_MSG_ERROR, detail ? detail : error);
    mark_all_parted(self);
    nc__client_set_state(self, NC_STATE_DISCONNECTED, error);
}

static void on_closed(NcClient *self, int reason)
{
    stop_source(&self->ping_source);
    g_clear_pointer(&self->tls_summary, g_free);
    if (self->state == NC_STATE_DISCONNECTED)
        return;
    g_autofree char *text = NULL;
    if (self->close_reason)
        text = g_strdup(self->close_reason);
    else if (self->error && self->state == NC_STATE_CONNECTED)
        /* The server said why (ERROR) before closing: that is the news. */
        text = g_strdup(self->error);
    else if (self->error && g_str_has_prefix(self->error, _("Server: ")))
        text = g_strdup(self->error);
    else
        text = g_strdup(reason_text(reason));
    nc__client_set_error(self, text);
    nc__client_info(self, NULL, NC_MSG_ERROR, text);
    if (self->state == NC_STATE_CONNECTED)
        say_dropped(self, text);
    mark_all_parted(self);
    if (self->reconnect) {
        next_server(self);
        schedule_reconnect(self);
    } else {
        nc__client_set_state(self, NC_STATE_DISCONNECTED, text);
    }
}

/* A server that does not speak TLS, or wants a client certificate, stops
 * a client with one server (its settings must change); with several,
 * the next one may be fine.  A certificate to judge still stops it. */
static gboolean another_server_may_do(NcClient *self, int reason)
{
    return self->servers->len > 1 && self->tls && !self->sts_policy &&
           (reason == NT_ETLS_PLAINTEXT || reason == NT_ETLS_NOCERT);
}

static void on_io_event(NcIoEvent event, guint generation, const char *line, int reason,
                        const NcIoTlsInfo *tls, gpointer data)
{
    NcClient *self = data;
    if (generation != self->generation)
        return; /* an abandoned connection's late news */
    switch (event) {
    case NC_IO_CONNECTED: {
        /* Judge the certificate before a single byte goes out. */
        if (!nc__client_tls_connected(self, tls))
            break;
        self->last_rx_us = g_get_monotonic_time();
        self->ping_sent = FALSE;
        g_hash_table_remove_all(self->caps);
        g_hash_table_remove_all(self->whois);
        g_hash_table_remove_all(self->accounts);
        g_hash_table_remove_all(self->whox_asked);
        g_hash_table_remove_all(self->away_names_due);
        g_hash_table_remove_all(self->who_pending);
        gboolean had_name = nc_client_get_isupport(self, "NETWORK") != NULL;
        g_hash_table_remove_all(self->isupport);
        if (had_name)
            nc__client_notify_network_name(self);
        self->whox = FALSE;
        g_string_truncate(self->cap_ls, 0);
        self->cap_pending = TRUE;
        nc__client_account_connected(self);
        nc__client_history_connected(self);
        nc__client_set_nick(self, self->wanted_nick);
        g_autofree char *status = g_strdup_printf(_("Logging in to %s…"), self->host);
        nc__client_set_state(self, NC_STATE_REGISTERING, status);
        nc__client_set_error(self, NULL);
        /* CAP LS first so the server holds registration until CAP END. */
        nc__client_send(self, "CAP LS 302");
        if (self->password)
            nc__client_send(self, "PASS %s", self->password);
        nc__client_send(self, "NICK %s", self->nick);
        nc__client_send(self, "USER %s 0 * :%s", self->wanted_nick, self->realname);
        start_ping_timer(self);
        break;
    }
    case NC_IO_LINE: {
        self->last_rx_us = g_get_monotonic_time();
        self->ping_sent = FALSE;
        g_autoptr(NcIrcLine) parsed = nc_irc_line_parse(line);
        if (parsed)
            nc__client_dispatch(self, parsed);
        break;
    }
    case NC_IO_CLOSED:
        if (self->state != NC_STATE_DISCONNECTED && !another_server_may_do(self, reason) &&
            nc__client_tls_closed(self, reason, tls))
            break;
        on_closed(self, reason);
        break;
    }
}

void nc_client_handle_line(NcClient *self, const char *raw)
{
    g_autoptr(NcIrcLine) parsed = nc_irc_line_parse(raw);
    if (parsed)
        nc__client_dispatch(self, parsed);
}

void nc_client_send_raw(NcClient *self, const char *line)
{
    if (self->state == NC_STATE_REGISTERING || self->state == NC_STATE_CONNECTED)
        nc__client_send(self, "%s", line);
}

/* ---- input ---------------------------------------------------------- */

static void say(NcClient *self, NcBuffer *buffer, const char *target, const char *text,
                gboolean action)
{
    /* The user part is unknown (servers may prefix "~"): assume the longest. */
    gsize budget = nc_split_budget(self->nick, NULL, NULL, "PRIVMSG", target);
    if (action)
        budget -= 9; /* \001ACTION ...\001 */
    g_autoptr(GPtrArray) pieces = nc_split_text(text, budget);
    for (guint i = 0; i < pieces->len; i++) {
        const char *piece = pieces->pdata[i];
        if (action)
            nc__client_send(self, "PRIVMSG %s :\001ACTION %s\001", target, piece);
        else
            nc__client_send(self, "PRIVMSG %s :%s", target, piece);
        /* With echo-message the server sends it back, with its time and
         * msgid, and that copy is the one shown. */
        if (buffer && !nc_client_has_cap(self, "echo-message")) {
            g_autoptr(NcMessage) msg =
                nc_message_new(g_get_real_time(), action ? NC_MSG_ACTION : NC_MSG_PRIVMSG,
                               NC_MSG_FLAG_SELF, self->nick, piece);
            nc__client_add(self, buffer, msg);
        }
    }
    /* A message ends typing there without a word ("done" is implied), so
     * the input emptied after it sends no line of its own. */
    if (buffer && pieces->len > 0)
        nc_client_typing_sent(self, buffer);
}

gboolean nc__client_need_connection(NcClient *self, GError **error)
{
    if (self->state == NC_STATE_CONNECTED)
        return TRUE;
    g_set_error_literal(error, NC_INPUT_ERROR, 1, _("Not connected to the server yet"));
    return FALSE;
}

const char *nc__client_channel_or_current(NcBuffer *buffer, const char *target)
{
    if (target)
        return target;
    return buffer && nc_buffer_get_kind(buffer) == NC_BUFFER_CHANNEL ? nc_buffer_get_name(buffer)
                                                                     : NULL;
}

gboolean nc_client_send_input(NcClient *self, NcBuffer *buffer, const char *line, GError **error)
{
    NcCommand cmd;
    if (!nc_command_parse(line, &cmd, error))
        return FALSE;
    gboolean ok = TRUE;
    NcBufferKind kind = buffer ? nc_buffer_get_kind(buffer) : NC_BUFFER_SERVER;
    const char *chan;
    switch (cmd.kind) {
    case NC_CMD_SAY:
    case NC_CMD_ME:
        if (!*cmd.text)
            break;
        if (kind == NC_BUFFER_SERVER) {
            g_set_error_literal(
                error, NC_INPUT_ERROR, 2,
                _("This is the server tab: join a channel with /join #channel first"));
            ok = FALSE;
        } else if ((ok = nc__client_need_connection(self, error))) {
            say(self, buffer, nc_buffer_get_name(buffer), cmd.text, cmd.kind == NC_CMD_ME);
        }
        break;
    case NC_CMD_JOIN:
        if ((ok = nc__client_need_connection(self, error))) {
            g_hash_table_add(self->focus_on_join, nc_irc_casefold(cmd.target));
            nc__client_want_channel(self, cmd.target);
            if (cmd.text)
                nc__client_send(self, "JOIN %s %s", cmd.target, cmd.text);
            else
                nc__client_send(self, "JOIN %s", cmd.target);
        }
        break;
    case NC_CMD_PART:
        chan = nc__client_channel_or_current(buffer, cmd.target);
        if (!chan) {
            g_autofree char *usage = nc_command_usage("part");
            g_set_error_literal(error, NC_INPUT_ERROR, 2, usage);
            ok = FALSE;
        } else if ((ok = nc__client_need_connection(self, error))) {
            nc__client_forget_channel(self, chan);
            nc__client_send(self, "PART %s :%s", chan, cmd.text ? cmd.text : "");
        }
        break;
    case NC_CMD_MSG:
        if ((ok = nc__client_need_connection(self, error))) {
            NcBuffer *target = nc_network_find_buffer(self->network, cmd.target);
            if (!target && !nc_irc_is_channel(cmd.target, self->chantypes))
                target = nc__client_buffer(self, NC_BUFFER_QUERY, cmd.target);
            say(self, target, cmd.target, cmd.text, FALSE);
        }
        break;
    case NC_CMD_QUERY: {
        NcBuffer *q = nc__client_buffer(self, NC_BUFFER_QUERY, cmd.target);
        g_signal_emit(self, nc__client_signals[NC_SIGNAL_FOCUS_BUFFER], 0, q);
        if (cmd.text && (ok = nc__client_need_connection(self, error)))
            say(self, q, cmd.target, cmd.text, FALSE);
        break;
    }
    case NC_CMD_NICK:
        if (self->state != NC_STATE_CONNECTED) {
            g_free(self->wanted_nick);
            self->wanted_nick = g_strdup(cmd.target);
        }
        if (self->state == NC_STATE_CONNECTED || self->state == NC_STATE_REGISTERING)
            nc__client_send(self, "NICK %s", cmd.target);
        break;
    case NC_CMD_TOPIC:
        chan = nc__client_channel_or_current(buffer, cmd.target);
        if (!chan) {
            g_autofree char *usage = nc_command_usage("topic");
            g_set_error_literal(error, NC_INPUT_ERROR, 2, usage);
            ok = FALSE;
        } else if ((ok = nc__client_need_connection(self, error))) {
            if (cmd.text)
                nc__client_send(self, "TOPIC %s :%s", chan, cmd.text);
            else
                nc__client_send(self, "TOPIC %s", chan);
        }
        break;
    case NC_CMD_WHOIS:
        if ((ok = nc__client_need_connection(self, error)))
            nc__client_send(self, "WHOIS %s", cmd.target);
        break;
    case NC_CMD_NAMES:
        chan = nc__client_channel_or_current(buffer, cmd.target);
        if ((ok = nc__client_need_connection(self, error))) {
            if (chan)
                nc__client_send(self, "NAMES %s", chan);
            else
                nc__client_send(self, "NAMES");
        }
        break;
    case NC_CMD_AWAY:
        if ((ok = nc__client_need_connection(self, error))) {
            if (cmd.text)
                nc__client_send(self, "AWAY :%s", cmd.text);
            else
                nc__client_send(self, "AWAY");
        }
        break;
    case NC_CMD_BACK:
        if ((ok = nc__client_need_connection(self, error)))
            nc__client_send(self, "AWAY");
        break;
    case NC_CMD_LIST:
        if ((ok = nc__client_need_connection(self, error))) {
            if (cmd.text)
                nc__client_send(self, "LIST %s", cmd.text);
            else
                nc__client_send(self, "LIST");
        }
        break;
    case NC_CMD_QUIT:
        nc_client_disconnect(self, cmd.text);
        break;
    case NC_CMD_CLOSE:
        if (kind == NC_BUFFER_SERVER) {
            nc_client_disconnect(self, NULL);
        } else {
            if (kind == NC_BUFFER_CHANNEL) {
                nc__client_forget_channel(self, nc_buffer_get_name(buffer));
                if (nc_buffer_get_joined(buffer))
                    nc__client_send(self, "PART %s", nc_buffer_get_name(buffer));
            }
            nc_network_remove_buffer(self->network, buffer);
        }
        break;
    case NC_CMD_HELP:
    case NC_CMD_NOTICE:
    case NC_CMD_INVITE:
    case NC_CMD_KICK:
    case NC_CMD_BAN:
    case NC_CMD_MODE:
    case NC_CMD_OP:
    case NC_CMD_DEOP:
    case NC_CMD_VOICE:
    case NC_CMD_DEVOICE:
    case NC_CMD_IGNORE:
    case NC_CMD_UNIGNORE:
    case NC_CMD_CLEAR:
    case NC_CMD_RECONNECT:
        ok = nc__client_command(self, buffer, &cmd, error);
        break;
    case NC_CMD_QUOTE:
    case NC_CMD_OTHER:
        if (self->state == NC_STATE_CONNECTED || self->state == NC_STATE_REGISTERING) {
            nc__client_send(self, "%s", cmd.text);
            nc__client_user_line_sent(self, cmd.text);
        } else
            ok = nc__client_need_connection(self, error);
        break;
    }
    nc_command_clear(&cmd);
    return ok;
}

/* Letters that may surround a nick in text without being part of it. */
static gboolean is_nick_char(gunichar c)
{
    return g_unichar_isalnum(c) || (c < 128 && strchr("[]\\`_^{|}-", (int)c));
}

static gboolean contains_word(const char *text_folded, const char *word)
{
    if (!word || !*word)
        return FALSE;
    g_autofree char *w = nc_irc_casefold(word);
    gsize wl = strlen(w);
    for (const char *p = strstr(text_folded, w); p; p = strstr(p + 1, w)) {
        gboolean start_ok = p == text_folded ||
                            !is_nick_char(g_utf8_get_char(g_utf8_find_prev_char(text_folded, p)));
        gboolean end_ok = p[wl] == '\0' || !is_nick_char(g_utf8_get_char(p + wl));
        if (start_ok && end_ok)
            return TRUE;
    }
    return FALSE;
}

gboolean nc_text_mentions(const char *text, const char *nick, const char *const *words)
{
    g_autofree char *folded = nc_irc_casefold(text);
    if (contains_word(folded, nick))
        return TRUE;
    for (guint i = 0; words && words[i]; i++)
        if (contains_word(folded, words[i]))
            return TRUE;
    return FALSE;
}

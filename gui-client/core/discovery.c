/* SPDX-License-Identifier: MIT */
#include "discovery.h"

#include "tls-policy.h"

#include <natter/error.h>
#include <natter/thread.h>
#include <natter/udp.h>
#include <stdlib.h>
#include <string.h>

/* ---- NcHostedChat --------------------------------------------------- */

struct _NcHostedChat {
    GObject parent_instance;
    char *id;
    char *host;
    guint16 port;
    char *name;
    char *fingerprint;
    gint64 seen_us;
};

G_DEFINE_TYPE(NcHostedChat, nc_hosted_chat, G_TYPE_OBJECT)

static void nc_hosted_chat_finalize(GObject *object)
{
    NcHostedChat *self = NC_HOSTED_CHAT(object);
    g_free(self->id);
    g_free(self->host);
    g_free(self->name);
    g_free(self->fingerprint);
    G_OBJECT_CLASS(nc_hosted_chat_parent_class)->finalize(object);
}

static void nc_hosted_chat_class_init(NcHostedChatClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_hosted_chat_finalize;
}

static void nc_hosted_chat_init(NcHostedChat *self) {}

const char *nc_hosted_chat_get_host(NcHostedChat *self)
{
    return self->host;
}
guint16 nc_hosted_chat_get_port(NcHostedChat *self)
{
    return self->port;
}
const char *nc_hosted_chat_get_name(NcHostedChat *self)
{
    return self->name;
}
const char *nc_hosted_chat_get_fingerprint(NcHostedChat *self)
{
    return self->fingerprint;
}

/* ---- NcDiscovery ---------------------------------------------------- */

struct _NcDiscovery {
    GObject parent_instance;
    GMainContext *context;
    GListStore *chats;
    char *id; /* ours, to ignore our own beacons */
    GSource *expire_source;

    /* worker thread */
    nt_loop *loop;
    nt_thread *thread;
    nt_udp *udp;
    nt_timer *beacon_timer;
    int open_handles; /* of the two above, not yet gone */
    nt_addr target;
    char *beacon; /* guarded by lock: set from the main context */
    GMutex lock;
};

G_DEFINE_TYPE(NcDiscovery, nc_discovery, G_TYPE_OBJECT)

typedef struct {
    NcDiscovery *self; /* a reference */
    char *id;
    char *host;
    guint16 port;
    char *name;
    char *fingerprint;
} Heard;

#define TLS_ATTR "tls=sha256:"

char *nc_discovery_format_beacon(const char *id, guint16 port, const char *name,
                                 const char *fingerprint)
{
    if (!name || !*name)
        name = "natter";
    if (!fingerprint)
        return g_strdup_printf("NATTER1 %s %u %s", id, (guint)port, name);
    return g_strdup_printf("NATTER2 %s %u " TLS_ATTR "%s %s", id, (guint)port, fingerprint, name);
}

/* NATTER2's attributes: the TLS fingerprint, if any; a malformed one
 * makes the beacon unreadable (joining it in plain text would be wrong). */
static gboolean parse_attrs(const char *attrs, char **fingerprint)
{
    if (strcmp(attrs, "-") == 0)
        return TRUE;
    g_auto(GStrv) kv = g_strsplit(attrs, ",", -1);
    for (guint i = 0; kv[i]; i++) {
        if (!g_str_has_prefix(kv[i], "tls="))
            continue; /* a later natter's key */
        if (!g_str_has_prefix(kv[i], TLS_ATTR))
            return FALSE; /* another hash: cannot pin what we cannot check */
        g_free(*fingerprint);
        *fingerprint = nc_fingerprint_normalize(kv[i] + strlen(TLS_ATTR));
        if (!*fingerprint)
            return FALSE;
    }
    return TRUE;
}

gboolean nc_discovery_parse_beacon(const char *text, gsize len, char **id, guint16 *port,
                                   char **name, char **fingerprint)
{
    g_autofree char *copy = g_strndup(text, len);
    gboolean v2 = g_str_has_prefix(copy, "NATTER2 ");
    guint fields = v2 ? 5 : 4;
    g_auto(GStrv) parts = g_strsplit(copy, " ", (gint)fields);
    if (g_strv_length(parts) < fields || (!v2 && strcmp(parts[0], "NATTER1") != 0))
        return FALSE;
    char *end;
    long p = strtol(parts[2], &end, 10);
    const char *shown = parts[fields - 1];
    if (*end || p <= 0 || p > 65535 || !*shown || !g_utf8_validate(shown, -1, NULL))
        return FALSE;
    g_autofree char *fp = NULL;
    if (v2 && !parse_attrs(parts[3], &fp))
        return FALSE;
    *id = g_strdup(parts[1]);
    *port = (guint16)p;
    *name = g_strdup(shown);
    if (fingerprint)
        *fingerprint = g_steal_pointer(&fp);
    return TRUE;
}

static gboolean deliver_heard(gpointer data)
{
    Heard *h = data;
    NcDiscovery *self = h->self;
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->chats));
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcHostedChat) c = g_list_model_get_item(G_LIST_MODEL(self->chats), i);
        if (strcmp(c->id, h->id) == 0) {
            c->seen_us = g_get_monotonic_time();
            /* A host that restarted its chat may have a new port or
             * certificate under the same id: take the latest. */
            c->port = h->port;
            g_free(c->fingerprint);
            c->fingerprint = g_strdup(h->fingerprint);
            return G_SOURCE_REMOVE;
        }
    }
    NcHostedChat *c = g_object_new(NC_TYPE_HOSTED_CHAT, NULL);
    c->id = g_strdup(h->id);
    c->host = g_strdup(h->host);
    c->port = h->port;
    c->name = g_strdup(h->name);
    c->fingerprint = g_strdup(h->fingerprint);
    c->seen_us = g_get_monotonic_time();
    g_list_store_append(self->chats, c);
    g_object_unref(c);
    return G_SOURCE_REMOVE;
}

static void heard_free(gpointer data)
{
    Heard *h = data;
    g_object_unref(h->self);
    g_free(h->id);
    g_free(h->host);
    g_free(h->name);
    g_free(h->fingerprint);
    g_free(h);
}

static void on_datagram(nt_udp *u, const char *msg, size_t len, const nt_addr *from, void *data)
{
    NcDiscovery *self = data;
    Heard *h = g_new0(Heard, 1);
    if (!nc_discovery_parse_beacon(msg, len, &h->id, &h->port, &h->name, &h->fingerprint) ||
        strcmp(h->id, self->id) == 0) {
        g_free(h->id);
        g_free(h->name);
        g_free(h->fingerprint);
        g_free(h);
        return;
    }
    /* The host field is what the connect dialog will dial: no brackets
     * around an IPv6 address, its scope kept. */
    char text[NT_ADDRSTRLEN];
    nt_addr_format_host(from, text, sizeof text);
    h->host = g_strdup(text);
    h->self = g_object_ref(self);
    g_main_context_invoke_full(self->context, G_PRIORITY_DEFAULT, deliver_heard, h, heard_free);
}

static void on_beacon_timer(nt_timer *t, void *data)
{
    NcDiscovery *self = data;
    g_mutex_lock(&self->lock);
    g_autofree char *beacon = g_strdup(self->beacon);
    g_mutex_unlock(&self->lock);
    if (beacon)
        nt_udp_send(self->udp, beacon, strlen(beacon), &self->target);
}

static void worker(void *arg)
{
    NcDiscovery *self = arg;
    nt_loop_run(self->loop);
}

static gboolean expire(gpointer data)
{
    NcDiscovery *self = data;
    gint64 now = g_get_monotonic_time();
    for (guint i = g_list_model_get_n_items(G_LIST_MODEL(self->chats)); i > 0; i--) {
        g_autoptr(NcHostedChat) c = g_list_model_get_item(G_LIST_MODEL(self->chats), i - 1);
        if (now - c->seen_us > NC_DISCOVERY_EXPIRE_MS * 1000)
            g_list_store_remove(self->chats, i - 1);
    }
    return G_SOURCE_CONTINUE;
}

/* Both handles were made with self as their data: once the second is
 * gone the loop has nothing left, and the worker may end. */
static void on_handle_gone(void *data)
{
    NcDiscovery *self = data;
    if (--self->open_handles == 0)
        nt_loop_stop(self->loop);
}

static void stop_task(void *data)
{
    NcDiscovery *self = data;
    nt_timer_close(self->beacon_timer, on_handle_gone);
    self->beacon_timer = NULL;
    nt_udp_close(self->udp, on_handle_gone);
    self->udp = NULL;
}

static void nc_discovery_finalize(GObject *object)
{
    NcDiscovery *self = NC_DISCOVERY(object);
    if (self->thread) {
        nt_loop_post(self->loop, stop_task, self);
        nt_thread_join(self->thread);
    } else if (self->loop) {
        /* nc_discovery_new() failed before the thread started: the loop
         * is still this thread's, to close whatever it had opened. */
        nt_loop_drain(self->loop);
    }
    if (nt_loop_close(self->loop) != NT_OK)
        g_critical("discovery: its nt_loop still has handles open");
    if (self->expire_source) {
        g_source_destroy(self->expire_source);
        g_source_unref(self->expire_source);
    }
    g_object_unref(self->chats);
    g_free(self->id);
    g_free(self->beacon);
    g_mutex_clear(&self->lock);
    g_main_context_unref(self->context);
    G_OBJECT_CLASS(nc_discovery_parent_class)->finalize(object);
}

static void nc_discovery_class_init(NcDiscoveryClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_discovery_finalize;
}

static void nc_discovery_init(NcDiscovery *self)
{
    g_mutex_init(&self->lock);
    self->chats = g_list_store_new(NC_TYPE_HOSTED_CHAT);
    self->id = g_strdup_printf("%08x%08x", g_random_int(), g_random_int());
    self->context = g_main_context_ref_thread_default();
}

NcDiscovery *nc_discovery_new(guint16 port, const char *broadcast_addr)
{
    NcDiscovery *self = g_object_new(NC_TYPE_DISCOVERY, NULL);
    nt_addr bind_addr;
    if (nt_addr_from_ip(broadcast_addr, port, &self->target) != NT_OK ||
        nt_addr_any(NT_AF_INET, port, &bind_addr) != NT_OK || nt_loop_new(&self->loop) != NT_OK)
        goto fail;
    /* Worker objects are created before the thread starts, so they are
     * only ever used by one thread at a time. */
    if (nt_udp_new(self->loop, &bind_addr, 1, on_datagram, self, &self->udp) != NT_OK)
        goto fail;
    self->open_handles++;
    nt_socket_set_option(nt_udp_socket(self->udp), NT_OPT_BROADCAST, 1);
    if (nt_timer_new(self->loop, on_beacon_timer, self, &self->beacon_timer) != NT_OK)
        goto fail;
    self->open_handles++;
    nt_timer_start(self->beacon_timer, 200, 2000);
    if (nt_thread_start(worker, self, &self->thread) != NT_OK)
        goto fail;
    self->expire_source = g_timeout_source_new(1000);
    g_source_set_callback(self->expire_source, expire, self, NULL);
    g_source_attach(self->expire_source, self->context);
    return self;
fail:
    g_object_unref(self);
    return NULL;
}

GListModel *nc_discovery_get_chats(NcDiscovery *self)
{
    return G_LIST_MODEL(self->chats);
}

void nc_discovery_announce(NcDiscovery *self, guint16 server_port, const char *name,
                           const char *fingerprint)
{
    char *beacon =
        server_port ? nc_discovery_format_beacon(self->id, server_port, name, fingerprint) : NULL;
    g_mutex_lock(&self->lock);
    g_free(self->beacon);
    self->beacon = beacon;
    g_mutex_unlock(&self->lock);
}

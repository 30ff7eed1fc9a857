/* SPDX-License-Identifier: MIT */
/* natter core: the /list channel list, streamed into a filterable model. */
#include "channel-list.h"

#include "format.h"

#include <string.h>

/* ---- one entry ------------------------------------------------------ */

struct _NcChannelEntry {
    GObject parent_instance;
    char *name;
    guint users;
    char *topic;
    char *plain_topic;
    /* Folded once here: a filter runs over every entry on each key press. */
    char *folded_name;
    char *folded_topic;
};

G_DEFINE_FINAL_TYPE(NcChannelEntry, nc_channel_entry, G_TYPE_OBJECT)

static void nc_channel_entry_finalize(GObject *object)
{
    NcChannelEntry *self = NC_CHANNEL_ENTRY(object);
    g_free(self->name);
    g_free(self->topic);
    g_free(self->plain_topic);
    g_free(self->folded_name);
    g_free(self->folded_topic);
    G_OBJECT_CLASS(nc_channel_entry_parent_class)->finalize(object);
}

static void nc_channel_entry_class_init(NcChannelEntryClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_channel_entry_finalize;
}

static void nc_channel_entry_init(NcChannelEntry *self)
{
    (void)self;
}

static char *valid_utf8(const char *text)
{
    return g_utf8_make_valid(text ? text : "", -1);
}

NcChannelEntry *nc_channel_entry_new(const char *name, guint users, const char *topic)
{
    NcChannelEntry *self = g_object_new(NC_TYPE_CHANNEL_ENTRY, NULL);
    self->name = valid_utf8(name);
    self->users = users;
    self->topic = valid_utf8(topic);
    self->plain_topic = nc_format_strip(self->topic);
    self->folded_name = g_utf8_casefold(self->name, -1);
    self->folded_topic = g_utf8_casefold(self->plain_topic, -1);
    return self;
}

const char *nc_channel_entry_get_name(NcChannelEntry *self)
{
    return self->name;
}

guint nc_channel_entry_get_users(NcChannelEntry *self)
{
    return self->users;
}

const char *nc_channel_entry_get_topic(NcChannelEntry *self)
{
    return self->topic;
}

const char *nc_channel_entry_get_plain_topic(NcChannelEntry *self)
{
    return self->plain_topic;
}

char *nc_channel_filter_fold(const char *filter)
{
    return filter ? g_utf8_casefold(filter, -1) : NULL;
}

gboolean nc_channel_entry_matches_folded(NcChannelEntry *self, const char *folded_filter)
{
    if (!folded_filter || !*folded_filter)
        return TRUE;
    return strstr(self->folded_name, folded_filter) || strstr(self->folded_topic, folded_filter);
}

gboolean nc_channel_entry_matches(NcChannelEntry *self, const char *filter)
{
    g_autofree char *folded = nc_channel_filter_fold(filter);
    return nc_channel_entry_matches_folded(self, folded);
}

int nc_channel_entry_compare_name(gconstpointer a, gconstpointer b, gpointer user_data)
{
    (void)user_data;
    const NcChannelEntry *x = a, *y = b;
    int c = strcmp(x->folded_name, y->folded_name);
    return c ? c : strcmp(x->name, y->name);
}

int nc_channel_entry_compare_users(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const NcChannelEntry *x = a, *y = b;
    if (x->users != y->users)
        return x->users < y->users ? -1 : 1;
    return nc_channel_entry_compare_name(a, b, user_data);
}

/* ---- the listing ---------------------------------------------------- */

struct _NcChannelList {
    GObject parent_instance;
    GMainContext *context;
    GPtrArray *entries; /* what the model shows */
    GPtrArray *pending; /* received, waiting for the next batch */
    GSource *batch_source;
    gboolean complete;
    gboolean truncated; /* more than NC_CHANNEL_LIST_MAX_ENTRIES came */
};

enum { PROP_0, PROP_COMPLETE, PROP_TRUNCATED, N_PROPS };
static GParamSpec *props[N_PROPS];

static void list_model_init(GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(NcChannelList, nc_channel_list, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, list_model_init))

static GType list_get_item_type(GListModel *model)
{
    (void)model;
    return NC_TYPE_CHANNEL_ENTRY;
}

static guint list_get_n_items(GListModel *model)
{
    return NC_CHANNEL_LIST(model)->entries->len;
}

static gpointer list_get_item(GListModel *model, guint position)
{
    NcChannelList *self = NC_CHANNEL_LIST(model);
    if (position >= self->entries->len)
        return NULL;
    return g_object_ref(self->entries->pdata[position]);
}

static void list_model_init(GListModelInterface *iface)
{
    iface->get_item_type = list_get_item_type;
    iface->get_n_items = list_get_n_items;
    iface->get_item = list_get_item;
}

static void stop_batch(NcChannelList *self)
{
    if (self->batch_source) {
        g_source_destroy(self->batch_source);
        g_source_unref(self->batch_source);
        self->batch_source = NULL;
    }
}

static void nc_channel_list_dispose(GObject *object)
{
    stop_batch(NC_CHANNEL_LIST(object));
    G_OBJECT_CLASS(nc_channel_list_parent_class)->dispose(object);
}

static void nc_channel_list_finalize(GObject *object)
{
    NcChannelList *self = NC_CHANNEL_LIST(object);
    g_ptr_array_unref(self->entries);
    g_ptr_array_unref(self->pending);
    g_main_context_unref(self->context);
    G_OBJECT_CLASS(nc_channel_list_parent_class)->finalize(object);
}

static void nc_channel_list_get_property(GObject *object, guint id, GValue *value,
                                         GParamSpec *pspec)
{
    NcChannelList *self = NC_CHANNEL_LIST(object);
    switch (id) {
    case PROP_COMPLETE:
        g_value_set_boolean(value, self->complete);
        break;
    case PROP_TRUNCATED:
        g_value_set_boolean(value, self->truncated);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void nc_channel_list_class_init(NcChannelListClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = nc_channel_list_dispose;
    oc->finalize = nc_channel_list_finalize;
    oc->get_property = nc_channel_list_get_property;
    /* The server has sent RPL_LISTEND (or the connection went). */
    props[PROP_COMPLETE] =
        g_param_spec_boolean("complete", NULL, NULL, FALSE,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    /* Entries beyond NC_CHANNEL_LIST_MAX_ENTRIES were left out. */
    props[PROP_TRUNCATED] =
        g_param_spec_boolean("truncated", NULL, NULL, FALSE,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, N_PROPS, props);
}

static void nc_channel_list_init(NcChannelList *self)
{
    self->entries = g_ptr_array_new_with_free_func(g_object_unref);
    self->pending = g_ptr_array_new_with_free_func(g_object_unref);
}

NcChannelList *nc_channel_list_new(void)
{
    NcChannelList *self = g_object_new(NC_TYPE_CHANNEL_LIST, NULL);
    self->context = g_main_context_ref_thread_default();
    return self;
}

void nc_channel_list_flush(NcChannelList *self)
{
    stop_batch(self);
    if (!self->pending->len)
        return;
    guint position = self->entries->len;
    guint added = self->pending->len;
    /* The pending entries' references move over with the array. */
    g_ptr_array_extend_and_steal(self->entries, self->pending);
    self->pending = g_ptr_array_new_with_free_func(g_object_unref);
    g_list_model_items_changed(G_LIST_MODEL(self), position, 0, added);
}

static gboolean batch_due(gpointer data)
{
    NcChannelList *self = data;
    g_source_unref(self->batch_source);
    self->batch_source = NULL;
    nc_channel_list_flush(self);
    return G_SOURCE_REMOVE;
}

void nc_channel_list_add(NcChannelList *self, const char *name, guint users, const char *topic)
{
    if (self->complete || !name || !*name)
        return;
    if (nc_channel_list_get_received(self) >= NC_CHANNEL_LIST_MAX_ENTRIES) {
        if (!self->truncated) {
            self->truncated = TRUE;
            g_object_notify_by_pspec(G_OBJECT(self), props[PROP_TRUNCATED]);
        }
        return;
    }
    g_ptr_array_add(self->pending, nc_channel_entry_new(name, users, topic));
    if (!self->batch_source) {
        self->batch_source = g_timeout_source_new(NC_CHANNEL_LIST_BATCH_MS);
        g_source_set_callback(self->batch_source, batch_due, self, NULL);
        g_source_attach(self->batch_source, self->context);
    }
}

void nc_channel_list_finish(NcChannelList *self)
{
    if (self->complete)
        return;
    nc_channel_list_flush(self);
    self->complete = TRUE;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_COMPLETE]);
}

gboolean nc_channel_list_get_complete(NcChannelList *self)
{
    return self->complete;
}

guint nc_channel_list_get_received(NcChannelList *self)
{
    return self->entries->len + self->pending->len;
}

gboolean nc_channel_list_get_truncated(NcChannelList *self)
{
    return self->truncated;
}

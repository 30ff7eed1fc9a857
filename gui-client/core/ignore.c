/* SPDX-License-Identifier: MIT */
#include "ignore.h"

#include "irc-line.h"

#include <string.h>

struct _NcIgnoreList {
    GObject parent_instance;
    GPtrArray *masks; /* full forms, NULL-terminated */
    GSettings *settings;
    char *key;
};

G_DEFINE_TYPE(NcIgnoreList, nc_ignore_list, G_TYPE_OBJECT)

static void nc_ignore_list_finalize(GObject *object)
{
    NcIgnoreList *self = NC_IGNORE_LIST(object);
    g_ptr_array_unref(self->masks);
    g_clear_object(&self->settings);
    g_free(self->key);
    G_OBJECT_CLASS(nc_ignore_list_parent_class)->finalize(object);
}

static void nc_ignore_list_class_init(NcIgnoreListClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_ignore_list_finalize;
}

static void nc_ignore_list_init(NcIgnoreList *self)
{
    self->masks = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(self->masks, NULL);
}

/* Replace the list with masks (as stored: normalized again, invalid and
 * repeated ones dropped). */
static void set_masks(NcIgnoreList *self, const char *const *masks)
{
    g_ptr_array_set_size(self->masks, 0);
    g_ptr_array_add(self->masks, NULL);
    for (guint i = 0; masks && masks[i]; i++)
        nc_ignore_list_add(self, masks[i], NULL);
}

static void reload(NcIgnoreList *self)
{
    g_auto(GStrv) stored = g_settings_get_strv(self->settings, self->key);
    /* Loading must not write back what it reads. */
    GSettings *settings = g_steal_pointer(&self->settings);
    set_masks(self, (const char *const *)stored);
    self->settings = settings;
}

static void on_changed(GSettings *settings, const char *key, NcIgnoreList *self)
{
    (void)settings;
    (void)key;
    reload(self);
}

NcIgnoreList *nc_ignore_list_new(GSettings *settings, const char *key)
{
    NcIgnoreList *self = g_object_new(NC_TYPE_IGNORE_LIST, NULL);
    g_autoptr(GSettingsSchema) schema = NULL;
    if (settings && key)
        g_object_get(settings, "settings-schema", &schema, NULL);
    /* An older installed schema without the key: memory only. */
    if (schema && g_settings_schema_has_key(schema, key)) {
        self->settings = g_object_ref(settings);
        self->key = g_strdup(key);
        reload(self);
        g_autofree char *signal = g_strconcat("changed::", key, NULL);
        g_signal_connect_object(settings, signal, G_CALLBACK(on_changed), self, 0);
    }
    return self;
}

static void save(NcIgnoreList *self)
{
    if (self->settings)
        g_settings_set_strv(self->settings, self->key, nc_ignore_list_get_masks(self));
}

char *nc_ignore_mask_normalize(const char *mask)
{
    if (!mask || !*mask || strpbrk(mask, " ,\r\n\t"))
        return NULL;
    const char *bang = strchr(mask, '!');
    const char *at = strchr(mask, '@');
    if ((bang && strchr(bang + 1, '!')) || (at && strchr(at + 1, '@')) || (bang && at && at < bang))
        return NULL;
    /* Every part that is there must have something in it. */
    if (bang == mask || at == mask || (bang && (bang[1] == '\0' || bang + 1 == at)) ||
        (at && at[1] == '\0'))
        return NULL;
    if (bang && at)
        return g_strdup(mask);
    if (bang)
        return g_strconcat(mask, "@*", NULL);
    if (at)
        return g_strconcat("*!", mask, NULL);
    return g_strconcat(mask, "!*@*", NULL);
}

/* Glob match of folded strings: "*" any run, "?" one byte.  Iterative,
 * with one backtrack point, so it is linear-ish and never recurses. */
static gboolean glob_match(const char *pattern, const char *text)
{
    const char *star = NULL, *resume = NULL;
    while (*text) {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == '?' || *pattern == *text) {
            pattern++;
            text++;
        } else if (star) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return FALSE;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

gboolean nc_ignore_mask_match(const char *mask, const char *nick, const char *user,
                              const char *host)
{
    if (!mask || !nick)
        return FALSE;
    g_autofree char *who = g_strdup_printf("%s!%s@%s", nick, user ? user : "", host ? host : "");
    g_autofree char *folded_mask = nc_irc_casefold(mask);
    g_autofree char *folded_who = nc_irc_casefold(who);
    return glob_match(folded_mask, folded_who);
}

/* The index of mask (full form) in the list, or -1. */
static gint find(NcIgnoreList *self, const char *mask)
{
    for (guint i = 0; i + 1 < self->masks->len; i++)
        if (nc_irc_name_equal(self->masks->pdata[i], mask))
            return (gint)i;
    return -1;
}

gboolean nc_ignore_list_add(NcIgnoreList *self, const char *mask, char **added)
{
    if (added)
        *added = NULL;
    char *full = nc_ignore_mask_normalize(mask);
    if (!full)
        return FALSE;
    gint listed = find(self, full);
    if (listed >= 0) {
        if (added)
            *added = g_strdup(self->masks->pdata[listed]);
        g_free(full);
        return FALSE;
    }
    g_ptr_array_insert(self->masks, (gint)self->masks->len - 1, full);
    if (added)
        *added = g_strdup(full);
    save(self);
    return TRUE;
}

gboolean nc_ignore_list_remove(NcIgnoreList *self, const char *mask, char **removed)
{
    if (removed)
        *removed = NULL;
    g_autofree char *full = nc_ignore_mask_normalize(mask);
    gint i = full ? find(self, full) : -1;
    if (i < 0)
        return FALSE;
    if (removed)
        *removed = g_strdup(self->masks->pdata[i]);
    g_ptr_array_remove_index(self->masks, (guint)i);
    save(self);
    return TRUE;
}

const char *const *nc_ignore_list_get_masks(NcIgnoreList *self)
{
    return (const char *const *)self->masks->pdata;
}

gboolean nc_ignore_list_matches(NcIgnoreList *self, const char *nick, const char *user,
                                const char *host)
{
    if (!nick)
        return FALSE;
    for (guint i = 0; i + 1 < self->masks->len; i++)
        if (nc_ignore_mask_match(self->masks->pdata[i], nick, user, host))
            return TRUE;
    return FALSE;
}

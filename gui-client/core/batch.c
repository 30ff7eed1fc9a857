/* SPDX-License-Identifier: MIT */
#include "batch.h"

#include <string.h>

struct _NcBatches {
    GHashTable *open; /* id -> NcBatch */
};

void nc_batch_free(NcBatch *batch)
{
    if (!batch)
        return;
    g_free(batch->id);
    g_free(batch->type);
    g_strfreev(batch->params);
    g_free(batch->parent);
    g_free(batch->label);
    g_free(batch);
}

NcBatches *nc_batches_new(void)
{
    NcBatches *set = g_new0(NcBatches, 1);
    set->open = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)nc_batch_free);
    return set;
}

void nc_batches_free(NcBatches *set)
{
    if (!set)
        return;
    g_hash_table_unref(set->open);
    g_free(set);
}

void nc_batches_clear(NcBatches *set)
{
    g_hash_table_remove_all(set->open);
}

guint nc_batches_count(NcBatches *set)
{
    return g_hash_table_size(set->open);
}

/* A server sending more open batches than this is broken or hostile:
 * its lines are then read as if unbatched rather than held on to. */
#define MAX_OPEN 64

NcBatch *nc_batches_take(NcBatches *set, const NcIrcLine *line)
{
    const char *ref = nc_irc_line_param(line, 0);
    if (!ref || strlen(ref) < 2)
        return NULL;
    if (ref[0] == '-') {
        char *key = NULL;
        NcBatch *batch = NULL;
        if (!g_hash_table_steal_extended(set->open, ref + 1, (gpointer *)&key, (gpointer *)&batch))
            return NULL;
        return batch; /* the key is the batch's own id */
    }
    if (ref[0] != '+' || line->n_params < 2 || g_hash_table_size(set->open) >= MAX_OPEN)
        return NULL;
    NcBatch *batch = g_new0(NcBatch, 1);
    batch->id = g_strdup(ref + 1);
    batch->type = g_strdup(line->params[1]);
    batch->params = g_new0(char *, line->n_params - 1);
    for (guint i = 2; i < line->n_params; i++)
        batch->params[i - 2] = g_strdup(line->params[i]);
    batch->parent = g_strdup(nc_irc_line_tag(line, "batch"));
    batch->label = g_strdup(nc_irc_line_tag(line, "label"));
    g_hash_table_replace(set->open, batch->id, batch);
    return NULL;
}

const NcBatch *nc_batches_find(NcBatches *set, const char *id, const char *type)
{
    /* Bounded by the number open: a parent loop cannot spin for ever. */
    for (guint depth = 0; id && depth <= MAX_OPEN; depth++) {
        const NcBatch *batch = g_hash_table_lookup(set->open, id);
        if (!batch)
            return NULL;
        if (!type || strcmp(batch->type, type) == 0)
            return batch;
        id = batch->parent;
    }
    return NULL;
}

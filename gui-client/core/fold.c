/* SPDX-License-Identifier: MIT */
#include "fold.h"

#include <glib/gi18n.h>
#include <string.h>

/* ---- NcRow: immutable; a change makes a new row -------------------- */

enum { FOLD_JOIN, FOLD_PART, FOLD_QUIT, FOLD_NICK, FOLD_N };

struct _NcRow {
    GObject parent_instance;
    NcRowKind kind;
    NcMessage *message;
    guint src; /* the message's (or run's first) source position */
    guint count;
    guint counts[FOLD_N]; /* a fold's messages by kind */
    gboolean expanded;
    gboolean in_fold;
    char *summary;
};

G_DEFINE_TYPE(NcRow, nc_row, G_TYPE_OBJECT)

static void nc_row_finalize(GObject *object)
{
    NcRow *self = NC_ROW(object);
    g_clear_object(&self->message);
    g_free(self->summary);
    G_OBJECT_CLASS(nc_row_parent_class)->finalize(object);
}

static void nc_row_class_init(NcRowClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_row_finalize;
}

static void nc_row_init(NcRow *self) {}

NcRowKind nc_row_get_kind(NcRow *self)
{
    return self->kind;
}
NcMessage *nc_row_get_message(NcRow *self)
{
    return self->message;
}
guint nc_row_get_count(NcRow *self)
{
    return self->count;
}
gboolean nc_row_get_expanded(NcRow *self)
{
    return self->expanded;
}
gboolean nc_row_get_in_fold(NcRow *self)
{
    return self->in_fold;
}
const char *nc_row_get_summary(NcRow *self)
{
    return self->summary;
}

static int fold_index(NcMessageKind kind)
{
    switch (kind) {
    case NC_MSG_JOIN:
        return FOLD_JOIN;
    case NC_MSG_PART:
        return FOLD_PART;
    case NC_MSG_QUIT:
        return FOLD_QUIT;
    default:
        return FOLD_NICK;
    }
}

static NcRow *message_row(NcMessage *m, guint src, gboolean in_fold)
{
    NcRow *r = g_object_new(NC_TYPE_ROW, NULL);
    r->kind = NC_ROW_MESSAGE;
    r->message = g_object_ref(m);
    r->src = src;
    r->count = 1;
    r->in_fold = in_fold;
    return r;
}

/* A fold row like base (or a new one from first) with one more message. */
static NcRow *fold_row(NcRow *base, NcMessage *first, guint src, NcMessage *added,
                       gboolean expanded)
{
    NcRow *r = g_object_new(NC_TYPE_ROW, NULL);
    r->kind = NC_ROW_FOLD;
    r->expanded = expanded;
    if (base) {
        r->message = g_object_ref(base->message);
        r->src = base->src;
        r->count = base->count;
        memcpy(r->counts, base->counts, sizeof r->counts);
    } else {
        r->message = g_object_ref(first);
        r->src = src;
        r->count = 1;
        r->counts[fold_index(nc_message_get_kind(first))]++;
    }
    if (added) {
        r->count++;
        r->counts[fold_index(nc_message_get_kind(added))]++;
    }
    r->summary = nc_fold_summary(r->counts[FOLD_JOIN], r->counts[FOLD_PART], r->counts[FOLD_QUIT],
                                 r->counts[FOLD_NICK]);
    return r;
}

char *nc_fold_summary(guint joins, guint parts, guint quits, guint nicks)
{
    GString *s = g_string_new(NULL);
    char *parts_text[FOLD_N] = {
        joins ? g_strdup_printf(ngettext("%u joined", "%u joined", joins), joins) : NULL,
        parts ? g_strdup_printf(ngettext("%u left", "%u left", parts), parts) : NULL,
        quits ? g_strdup_printf(ngettext("%u quit", "%u quit", quits), quits) : NULL,
        nicks ? g_strdup_printf(ngettext("%u nick change", "%u nick changes", nicks), nicks) : NULL,
    };
    for (int i = 0; i < FOLD_N; i++) {
        if (!parts_text[i])
            continue;
        if (s->len)
            g_string_append(s, _(", "));
        g_string_append(s, parts_text[i]);
        g_free(parts_text[i]);
    }
    return g_string_free(s, FALSE);
}

/* ---- NcFoldModel ---------------------------------------------------- */

struct _NcFoldModel {
    GObject parent_instance;
    GListModel *source;
    GPtrArray *rows;  /* NcRow, owned */
    guint n_src;      /* source items accounted for */
    GHashTable *open; /* NcMessage (first of an open run, ref'd) */
    /* The run of folding messages at the source's end, if any: where it
     * starts in the source and where its first row is. */
    guint tail_src; /* G_MAXUINT: the last message does not fold */
    guint tail_row;
};

static void nc_fold_model_list_init(GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE(NcFoldModel, nc_fold_model, G_TYPE_OBJECT,
                        G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, nc_fold_model_list_init))

static GType list_get_item_type(GListModel *list)
{
    return NC_TYPE_ROW;
}

static guint list_get_n_items(GListModel *list)
{
    return NC_FOLD_MODEL(list)->rows->len;
}

static gpointer list_get_item(GListModel *list, guint position)
{
    NcFoldModel *self = NC_FOLD_MODEL(list);
    return position < self->rows->len ? g_object_ref(self->rows->pdata[position]) : NULL;
}

static void nc_fold_model_list_init(GListModelInterface *iface)
{
    iface->get_item_type = list_get_item_type;
    iface->get_n_items = list_get_n_items;
    iface->get_item = list_get_item;
}

static gboolean folds(NcMessage *m)
{
    return nc_message_kind_folds(nc_message_get_kind(m));
}

static void set_row(NcFoldModel *self, guint pos, NcRow *row)
{
    g_object_unref(self->rows->pdata[pos]);
    self->rows->pdata[pos] = row;
    g_list_model_items_changed(G_LIST_MODEL(self), pos, 1, 1);
}

static void add_row(NcFoldModel *self, NcRow *row)
{
    g_ptr_array_add(self->rows, row);
    g_list_model_items_changed(G_LIST_MODEL(self), self->rows->len - 1, 0, 1);
}

/* The message at source position i has just been appended. */
static void append_one(NcFoldModel *self, guint i, NcMessage *m)
{
    if (!folds(m)) {
        self->tail_src = G_MAXUINT;
        add_row(self, message_row(m, i, FALSE));
        return;
    }
    if (self->tail_src == G_MAXUINT) {
        /* A run of one stays an ordinary row until a second joins it. */
        self->tail_src = i;
        self->tail_row = self->rows->len;
        add_row(self, message_row(m, i, FALSE));
        return;
    }
    NcRow *head = self->rows->pdata[self->tail_row];
    if (head->kind == NC_ROW_MESSAGE) {
        gboolean open = g_hash_table_contains(self->open, head->message);
        set_row(self, self->tail_row, fold_row(NULL, head->message, head->src, m, open));
        if (open) {
            add_row(self, message_row(head->message, head->src, TRUE));
            add_row(self, message_row(m, i, TRUE));
        }
        return;
    }
    set_row(self, self->tail_row, fold_row(head, NULL, 0, m, head->expanded));
    if (head->expanded)
        add_row(self, message_row(m, i, TRUE));
}

/* Rows from scratch (after anything but appends), quietly. */
static void rebuild(NcFoldModel *self)
{
    g_ptr_array_set_size(self->rows, 0);
    self->n_src = g_list_model_get_n_items(self->source);
    self->tail_src = G_MAXUINT;
    GHashTable *still_open = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
    for (guint i = 0; i < self->n_src;) {
        g_autoptr(NcMessage) m = g_list_model_get_item(self->source, i);
        guint end = i + 1;
        if (folds(m)) {
            while (end < self->n_src) {
                g_autoptr(NcMessage) next = g_list_model_get_item(self->source, end);
                if (!folds(next))
                    break;
                end++;
            }
        }
        if (end == self->n_src && folds(m)) {
            self->tail_src = i;
            self->tail_row = self->rows->len;
        }
        if (end - i == 1) {
            g_ptr_array_add(self->rows, message_row(m, i, FALSE));
            i = end;
            continue;
        }
        gboolean open = g_hash_table_contains(self->open, m);
        if (open)
            g_hash_table_add(still_open, g_object_ref(m));
        NcRow *fold = fold_row(NULL, m, i, NULL, open);
        g_ptr_array_add(self->rows, fold);
        guint fold_pos = self->rows->len - 1;
        if (open)
            g_ptr_array_add(self->rows, message_row(m, i, TRUE));
        for (guint j = i + 1; j < end; j++) {
            g_autoptr(NcMessage) x = g_list_model_get_item(self->source, j);
            NcRow *grown = fold_row(self->rows->pdata[fold_pos], NULL, 0, x, open);
            g_object_unref(self->rows->pdata[fold_pos]);
            self->rows->pdata[fold_pos] = grown;
            if (open)
                g_ptr_array_add(self->rows, message_row(x, j, TRUE));
        }
        i = end;
    }
    /* Forget open folds whose run is gone (trimmed or cut). */
    g_hash_table_unref(self->open);
    self->open = still_open;
}

/* The r oldest messages went (the scrollback trimmed): drop their rows
 * without rebuilding the rest, unless the cut falls inside a fold. */
static gboolean trim_front(NcFoldModel *self, guint r)
{
    guint k = 0;
    while (k < self->rows->len && ((NcRow *)self->rows->pdata[k])->src < r)
        k++;
    if (k < self->rows->len && ((NcRow *)self->rows->pdata[k])->in_fold)
        return FALSE;
    if (k > 0) {
        NcRow *last = self->rows->pdata[k - 1];
        if (last->kind == NC_ROW_FOLD && last->src + last->count > r)
            return FALSE;
    }
    for (guint i = 0; i < k; i++) {
        NcRow *row = self->rows->pdata[i];
        if (row->kind == NC_ROW_FOLD)
            g_hash_table_remove(self->open, row->message);
    }
    g_ptr_array_remove_range(self->rows, 0, k);
    /* Rows are immutable to their users; their source positions are ours. */
    for (guint i = 0; i < self->rows->len; i++)
        ((NcRow *)self->rows->pdata[i])->src -= r;
    if (self->tail_src != G_MAXUINT) {
        if (self->tail_src >= r) {
            self->tail_src -= r;
            self->tail_row -= k;
        } else {
            self->tail_src = G_MAXUINT;
        }
    }
    self->n_src -= r;
    g_list_model_items_changed(G_LIST_MODEL(self), 0, k, 0);
    return TRUE;
}

/* Do two rows show the same thing? */
static gboolean same_row(const NcRow *a, const NcRow *b)
{
    return a->kind == b->kind && a->message == b->message && a->count == b->count &&
           a->expanded == b->expanded && a->in_fold == b->in_fold;
}

/* The rows are new (rebuild()); old are the ones before.  The rows the
 * same at both ends stay the objects a view holds (their source
 * positions updated), and only the middle is reported changed. */
static void report_difference(NcFoldModel *self, GPtrArray *old)
{
    guint n_new = self->rows->len, n_old = old->len, head = 0, tail = 0;
    while (head < n_new && head < n_old && same_row(self->rows->pdata[head], old->pdata[head]))
        head++;
    while (tail < n_new - head && tail < n_old - head &&
           same_row(self->rows->pdata[n_new - 1 - tail], old->pdata[n_old - 1 - tail]))
        tail++;
    for (guint i = 0; i < n_new; i++) {
        guint from;
        if (i < head)
            from = i;
        else if (i >= n_new - tail)
            from = n_old - (n_new - i);
        else
            continue;
        NcRow *fresh = self->rows->pdata[i], *kept = old->pdata[from];
        kept->src = fresh->src;
        self->rows->pdata[i] = g_object_ref(kept);
        g_object_unref(fresh);
    }
    if (head + tail < MAX(n_new, n_old) || n_new != n_old)
        g_list_model_items_changed(G_LIST_MODEL(self), head, n_old - head - tail,
                                   n_new - head - tail);
}

static void on_source_changed(GListModel *source, guint pos, guint removed, guint added,
                              NcFoldModel *self)
{
    if (removed == 0 && pos == self->n_src) {
        for (guint i = pos; i < pos + added; i++) {
            g_autoptr(NcMessage) m = g_list_model_get_item(source, i);
            append_one(self, i, m);
        }
        self->n_src += added;
        return;
    }
    if (pos == 0 && added == 0 && removed <= self->n_src && trim_front(self, removed))
        return;
    /* History merged in, or a trim that cuts a fold: from scratch, but
     * only the rows that differ are reported changed, so a view keeps
     * its place (an older page in front, a gap filled in the middle). */
    GPtrArray *old = self->rows;
    self->rows = g_ptr_array_new_with_free_func(g_object_unref);
    rebuild(self);
    report_difference(self, old);
    g_ptr_array_unref(old);
}

static void nc_fold_model_dispose(GObject *object)
{
    NcFoldModel *self = NC_FOLD_MODEL(object);
    if (self->source)
        g_signal_handlers_disconnect_by_data(self->source, self);
    g_clear_object(&self->source);
    G_OBJECT_CLASS(nc_fold_model_parent_class)->dispose(object);
}

static void nc_fold_model_finalize(GObject *object)
{
    NcFoldModel *self = NC_FOLD_MODEL(object);
    g_ptr_array_unref(self->rows);
    g_hash_table_unref(self->open);
    G_OBJECT_CLASS(nc_fold_model_parent_class)->finalize(object);
}

static void nc_fold_model_class_init(NcFoldModelClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = nc_fold_model_dispose;
    G_OBJECT_CLASS(klass)->finalize = nc_fold_model_finalize;
}

static void nc_fold_model_init(NcFoldModel *self)
{
    self->rows = g_ptr_array_new_with_free_func(g_object_unref);
    self->open = g_hash_table_new_full(NULL, NULL, g_object_unref, NULL);
    self->tail_src = G_MAXUINT;
}

NcFoldModel *nc_fold_model_new(GListModel *messages)
{
    NcFoldModel *self = g_object_new(NC_TYPE_FOLD_MODEL, NULL);
    self->source = g_object_ref(messages);
    rebuild(self);
    g_signal_connect(messages, "items-changed", G_CALLBACK(on_source_changed), self);
    return self;
}

gboolean nc_fold_model_set_expanded(NcFoldModel *self, NcRow *row, gboolean expanded)
{
    guint pos;
    if (!row || row->kind != NC_ROW_FOLD || !g_ptr_array_find(self->rows, row, &pos))
        return FALSE;
    expanded = !!expanded;
    if (row->expanded == expanded)
        return TRUE;
    g_object_ref(row);
    NcRow *fresh = fold_row(row, NULL, 0, NULL, expanded);
    guint removed = 1 + (row->expanded ? row->count : 0);
    g_ptr_array_remove_range(self->rows, pos, removed);
    g_ptr_array_insert(self->rows, (gint)pos, fresh);
    if (expanded) {
        g_hash_table_add(self->open, g_object_ref(row->message));
        for (guint j = 0; j < row->count; j++) {
            g_autoptr(NcMessage) m = g_list_model_get_item(self->source, row->src + j);
            g_ptr_array_insert(self->rows, (gint)(pos + 1 + j), message_row(m, row->src + j, TRUE));
        }
    } else {
        g_hash_table_remove(self->open, row->message);
    }
    guint added = 1 + (expanded ? row->count : 0);
    /* Rows after the fold moved: so did the tail run's first row. */
    if (self->tail_src != G_MAXUINT && self->tail_row > pos)
        self->tail_row = self->tail_row + added - removed;
    g_object_unref(row);
    g_list_model_items_changed(G_LIST_MODEL(self), pos, removed, added);
    return TRUE;
}

/* SPDX-License-Identifier: MIT */
/* The server's history (IRCv3 draft/chathistory with batch, and
 * draft/read-marker): what was missed is fetched on every join, after
 * the newest line held; older pages on request (the view scrolled to the
 * top); the lines of a chathistory batch become messages exactly as live
 * lines do (irc-message.c) and are merged into their buffer without
 * duplicates (model.c).  Read markers move the unread counts and are
 * sent when the user has read a buffer. */
#include "client-private.h"
#include "irc-message.h"

#include <glib/gi18n.h>
#include <string.h>

typedef enum {
    FETCH_MISSED, /* after the newest line held (or the latest ones) */
    FETCH_OLDER,  /* a page before the oldest line held */
} FetchKind;

/* One CHATHISTORY request in flight; one per target at a time. */
typedef struct {
    char *target;
    FetchKind kind;
    char *label;          /* labeled-response's label, or NULL */
    GPtrArray *messages;  /* NcMessage, as the batch gave them */
    guint lines;          /* lines the batch held (some make no message) */
    guint pages;          /* pages fetched before this one (FETCH_MISSED) */
    gboolean marked;      /* the history divider is set (an earlier page) */
    gboolean unsolicited; /* a batch the server sent on its own */
    gboolean latest;      /* LATEST: the newest page, nothing after it */
} Fetch;

/* A gap this long is filled page by page up to this many pages; past it
 * the scrollback would drop the start anyway. */
#define MAX_PAGES 10
/* The page size when the server names no limit (CHATHISTORY=0 or none). */
#define DEFAULT_LIMIT 100

static void fetch_free(gpointer p)
{
    Fetch *f = p;
    g_free(f->target);
    g_free(f->label);
    g_ptr_array_unref(f->messages);
    g_free(f);
}

void nc__client_history_init(NcClient *self)
{
    self->batches = nc_batches_new();
    self->fetches = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, fetch_free);
    self->history_exhausted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

void nc__client_history_finalize(NcClient *self)
{
    nc_batches_free(self->batches);
    g_hash_table_unref(self->fetches);
    g_hash_table_unref(self->history_exhausted);
}

void nc__client_history_connected(NcClient *self)
{
    /* The last connection's batches and answers are not coming. */
    nc_batches_clear(self->batches);
    g_hash_table_remove_all(self->fetches);
    g_hash_table_remove_all(self->history_exhausted);
    self->history_limit = 0;
    self->history_msgid_refs = TRUE;
    self->markread_refused = FALSE;
    self->targets_since = 0;
}

void nc__client_history_isupport(NcClient *self, const char *token)
{
    if (g_str_has_prefix(token, "CHATHISTORY="))
        self->history_limit = (guint)g_ascii_strtoull(token + 12, NULL, 10);
    else if (g_str_has_prefix(token, "MSGREFTYPES=")) {
        g_auto(GStrv) types = g_strsplit(token + 12, ",", -1);
        self->history_msgid_refs = g_strv_contains((const char *const *)types, "msgid");
    }
}

static gboolean has_history(NcClient *self)
{
    return nc_client_has_cap(self, "draft/chathistory") && nc_client_has_cap(self, "batch");
}

static guint page_size(NcClient *self)
{
    return self->history_limit ? MIN(self->history_limit, DEFAULT_LIMIT) : DEFAULT_LIMIT;
}

/* IRCv3's timestamp form, UTC with milliseconds; rounded up, so that a
 * read marker covers the message it was taken from. */
static char *format_timestamp(gint64 time_us, gboolean round_up)
{
    gint64 ms = round_up ? (time_us + 999) / 1000 : time_us / 1000;
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(ms / 1000);
    g_autofree char *day = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
    return g_strdup_printf("%s.%03dZ", day, (int)(ms % 1000));
}

/* Is this a line the server has in its history (not one of the
 * client's own status lines or the server tab's numerics)? */
static gboolean from_history(NcMessage *m)
{
    NcMessageKind k = nc_message_get_kind(m);
    return k != NC_MSG_STATUS && k != NC_MSG_ERROR && k != NC_MSG_SERVER;
}

/* A reference to message m: msgid= when it has one the server accepts. */
static char *reference(NcClient *self, NcMessage *m, gboolean round_up)
{
    if (nc_message_get_msgid(m) && self->history_msgid_refs)
        return g_strdup_printf("msgid=%s", nc_message_get_msgid(m));
    g_autofree char *t = format_timestamp(nc_message_get_time(m), round_up);
    return g_strdup_printf("timestamp=%s", t);
}

static Fetch *fetch_for(NcClient *self, const char *target)
{
    g_autofree char *folded = nc_irc_casefold(target);
    return g_hash_table_lookup(self->fetches, folded);
}

static Fetch *fetch_with_label(NcClient *self, const char *label)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, self->fetches);
    while (label && g_hash_table_iter_next(&it, NULL, &value))
        if (g_strcmp0(((Fetch *)value)->label, label) == 0)
            return value;
    return NULL;
}

static Fetch *fetch_start(NcClient *self, const char *target, FetchKind kind)
{
    Fetch *f = g_new0(Fetch, 1);
    f->target = g_strdup(target);
    f->kind = kind;
    f->messages = g_ptr_array_new_with_free_func(g_object_unref);
    g_hash_table_replace(self->fetches, nc_irc_casefold(target), f);
    return f;
}

/* Send "CHATHISTORY sub target ref limit" for f (labelled when the
 * server has labeled-response, so an empty answer is an ACK we can
 * place). */
static void fetch_send(NcClient *self, Fetch *f, const char *sub, const char *ref)
{
    g_clear_pointer(&f->label, g_free);
    if (nc_client_has_cap(self, "labeled-response")) {
        f->label = g_strdup_printf("nh%u", ++self->label_serial);
        nc__client_send(self, "@label=%s CHATHISTORY %s %s %s %u", f->label, sub, f->target, ref,
                        page_size(self));
    } else {
        nc__client_send(self, "CHATHISTORY %s %s %s %u", sub, f->target, ref, page_size(self));
    }
}

char *nc__client_history_anchor(NcClient *self, NcBuffer *b)
{
    GListModel *list = nc_buffer_get_messages(b);
    for (guint i = g_list_model_get_n_items(list); i-- > 0;) {
        g_autoptr(NcMessage) m = g_list_model_get_item(list, i);
        if (from_history(m))
            return reference(self, m, FALSE);
    }
    /* Emptied by /clear: only what came after it. */
    if (nc_buffer_get_cleared_time(b)) {
        g_autofree char *t = format_timestamp(nc_buffer_get_cleared_time(b), FALSE);
        return g_strdup_printf("timestamp=%s", t);
    }
    return NULL;
}

/* Fetch what b missed, after the line anchor names (NULL: the latest). */
static void fetch_missed(NcClient *self, NcBuffer *b, const char *anchor)
{
    const char *target = nc_buffer_get_name(b);
    if (!has_history(self) || fetch_for(self, target))
        return;
    Fetch *f = fetch_start(self, target, FETCH_MISSED);
    /* With nothing held, everything is history: no divider to draw. */
    f->marked = anchor == NULL;
    f->latest = anchor == NULL;
    if (anchor)
        fetch_send(self, f, "AFTER", anchor);
    else
        fetch_send(self, f, "LATEST", "*");
}

void nc__client_history_joined(NcClient *self, NcBuffer *b, const char *anchor)
{
    fetch_missed(self, b, anchor);
}

/* The time of the newest line held in any conversation, or 0. */
static gint64 newest_held(NcClient *self)
{
    gint64 newest = 0;
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 1; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        GListModel *list = nc_buffer_get_messages(b);
        for (guint j = g_list_model_get_n_items(list); j-- > 0;) {
            g_autoptr(NcMessage) m = g_list_model_get_item(list, j);
            if (from_history(m)) {
                newest = MAX(newest, nc_message_get_time(m));
                break;
            }
        }
    }
    return newest;
}

void nc__client_history_burst_end(NcClient *self, const NcIrcLine *l)
{
    /* Private conversations are kept for accounts only; channels are
     * fetched when their JOIN comes back. */
    if (!self->account || !has_history(self))
        return;
    GListModel *buffers = nc_network_get_buffers(self->network);
    guint n = g_list_model_get_n_items(buffers);
    for (guint i = 1; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        if (nc_buffer_get_kind(b) != NC_BUFFER_QUERY)
            continue;
        g_autofree char *anchor = nc__client_history_anchor(self, b);
        fetch_missed(self, b, anchor);
    }
    /* Conversations that started while we were away: which ones had
     * lines since the newest we hold (answered by CHATHISTORY TARGETS
     * lines, see history_target()). */
    self->targets_since = newest_held(self);
    if (!self->targets_since)
        return; /* a first start: nothing to have missed */
    g_autofree char *from = format_timestamp(self->targets_since, FALSE);
    g_autofree char *to = format_timestamp(g_get_real_time() + 60 * G_USEC_PER_SEC, FALSE);
    nc__client_send(self, "CHATHISTORY TARGETS timestamp=%s timestamp=%s %u", from, to,
                    page_size(self));
}

/* CHATHISTORY TARGETS <target> <time>: a private conversation had lines
 * while we were away; open it and fetch them. */
static void history_target(NcClient *self, const NcIrcLine *l)
{
    const char *target = nc_irc_line_param(l, 1);
    if (!target || nc_irc_is_channel(target, self->chantypes) ||
        nc_irc_name_equal(target, self->nick) || !self->targets_since)
        return;
    NcBuffer *b = nc__client_buffer(self, NC_BUFFER_QUERY, target);
    g_autofree char *anchor = nc__client_history_anchor(self, b);
    if (!anchor) {
        g_autofree char *since = format_timestamp(self->targets_since, FALSE);
        anchor = g_strdup_printf("timestamp=%s", since);
    }
    fetch_missed(self, b, anchor);
}

gboolean nc_client_fetch_older(NcClient *self, NcBuffer *b)
{
    /* After a /clear, what was before it stays cleared. */
    if (self->state != NC_STATE_CONNECTED || !has_history(self) ||
        nc_buffer_get_kind(b) == NC_BUFFER_SERVER || nc_buffer_get_cleared_time(b))
        return FALSE;
    const char *target = nc_buffer_get_name(b);
    g_autofree char *folded = nc_irc_casefold(target);
    if (fetch_for(self, target) || g_hash_table_contains(self->history_exhausted, folded))
        return FALSE;
    GListModel *list = nc_buffer_get_messages(b);
    guint n = g_list_model_get_n_items(list);
    g_autofree char *ref = NULL;
    for (guint i = 0; i < n && !ref; i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(list, i);
        if (from_history(m))
            ref = reference(self, m, FALSE);
    }
    Fetch *f = fetch_start(self, target, FETCH_OLDER);
    if (ref)
        fetch_send(self, f, "BEFORE", ref);
    else
        fetch_send(self, f, "LATEST", "*");
    return TRUE;
}

gboolean nc_client_history_pending(NcClient *self, NcBuffer *b)
{
    return fetch_for(self, nc_buffer_get_name(b)) != NULL;
}

/* The answer is complete: merge it, log what was new, and fetch the
 * next page of a long gap. */
static void fetch_done(NcClient *self, Fetch *f)
{
    g_autofree char *key = nc_irc_casefold(f->target);
    char *stolen = NULL;
    if (!g_hash_table_steal_extended(self->fetches, key, (gpointer *)&stolen, NULL))
        return;
    g_free(stolen);
    NcBuffer *b = nc_network_find_buffer(self->network, f->target);
    gboolean missed = f->kind == FETCH_MISSED;
    if (b && f->messages->len) {
        NcMergeFlags flags =
            missed ? (f->marked ? NC_MERGE_NONE : NC_MERGE_MARK_START) : NC_MERGE_OLDER;
        g_autoptr(GPtrArray) added = nc_buffer_merge_history(b, f->messages, flags);
        f->marked = f->marked || (missed && added->len > 0);
        /* Only what came after the newest line held is new to the log
         * too; older pages are in it already, or were before our time. */
        for (guint i = 0; missed && self->logger && i < added->len; i++)
            nc_logger_write(self->logger, nc_network_get_name(self->network), f->target,
                            added->pdata[i]);
    }
    gboolean full = f->lines >= page_size(self) && f->messages->len > 0;
    if (missed && full && !f->unsolicited && !f->latest && f->pages + 1 < MAX_PAGES && b) {
        NcMessage *newest = f->messages->pdata[f->messages->len - 1];
        g_autofree char *ref = reference(self, newest, FALSE);
        Fetch *next = fetch_start(self, f->target, FETCH_MISSED);
        next->pages = f->pages + 1;
        next->marked = f->marked;
        fetch_send(self, next, "AFTER", ref);
    } else if (f->kind == FETCH_OLDER && !full) {
        g_hash_table_add(self->history_exhausted, g_strdup(key));
    }
    fetch_free(f);
}

static void batch_opened(NcClient *self, const NcIrcLine *l)
{
    const char *ref = nc_irc_line_param(l, 0), *type = nc_irc_line_param(l, 1);
    const char *target = nc_irc_line_param(l, 2);
    if (!ref || ref[0] != '+' || g_strcmp0(type, "chathistory") != 0 || !target)
        return;
    /* A batch nobody asked for (some servers play history back on join)
     * is merged all the same. */
    if (!fetch_for(self, target) && nc_network_find_buffer(self->network, target)) {
        Fetch *f = fetch_start(self, target, FETCH_MISSED);
        f->unsolicited = TRUE;
    }
}

static void batch_closed(NcClient *self, const NcBatch *batch)
{
    Fetch *f = NULL;
    if (strcmp(batch->type, "chathistory") == 0 && batch->params[0])
        f = fetch_for(self, batch->params[0]);
    else if (batch->label)
        f = fetch_with_label(self, batch->label); /* an answer with no history batch */
    if (f)
        fetch_done(self, f);
}

/* A line inside a chathistory batch: a message for that fetch. */
static gboolean batched_line(NcClient *self, const NcIrcLine *l, const char *batch_id)
{
    const NcBatch *history = nc_batches_find(self->batches, batch_id, "chathistory");
    if (!history)
        return FALSE; /* another kind of batch: read as usual */
    Fetch *f = history->params[0] ? fetch_for(self, history->params[0]) : NULL;
    if (!f)
        return TRUE; /* a batch for a buffer that is gone */
    /* The page's size counts what the server sent, ignored or not. */
    f->lines++;
    if (nc__client_ignored(self, l))
        return TRUE;
    NcLineReader reader = {self->nick, self->chantypes, (const char *const *)self->highlight_words};
    NcMessage *msg = nc_message_from_line(l, &reader);
    if (msg)
        g_ptr_array_add(f->messages, msg);
    return TRUE;
}

/* FAIL CHATHISTORY <code> [<subcommand> <target>] :<description> */
static void history_failed(NcClient *self, const NcIrcLine *l)
{
    Fetch *f = fetch_with_label(self, nc_irc_line_tag(l, "label"));
    for (guint i = 2; !f && i + 1 < l->n_params; i++)
        f = fetch_for(self, l->params[i]);
    if (!f)
        return;
    /* No more asking for this one: the server said no. */
    g_hash_table_add(self->history_exhausted, nc_irc_casefold(f->target));
    g_autofree char *text = g_strdup_printf(_("The server's history of %s is not available: %s"),
                                            f->target, l->params[l->n_params - 1]);
    nc__client_info(self, NULL, NC_MSG_SERVER, text);
    g_ptr_array_set_size(f->messages, 0);
    fetch_done(self, f);
}

gboolean nc__client_history_line(NcClient *self, const NcIrcLine *l)
{
    if (strcmp(l->command, "BATCH") == 0) {
        g_autoptr(NcBatch) closed = nc_batches_take(self->batches, l);
        if (closed)
            batch_closed(self, closed);
        else
            batch_opened(self, l);
        return TRUE;
    }
    const char *batch_id = nc_irc_line_tag(l, "batch");
    if (batch_id && batched_line(self, l, batch_id))
        return TRUE;
    if (strcmp(l->command, "ACK") == 0) {
        Fetch *f = fetch_with_label(self, nc_irc_line_tag(l, "label"));
        if (f)
            fetch_done(self, f);
        return TRUE;
    }
    if (strcmp(l->command, "FAIL") == 0 && g_strcmp0(nc_irc_line_param(l, 0), "CHATHISTORY") == 0 &&
        l->n_params >= 2) {
        history_failed(self, l);
        return TRUE;
    }
    if (strcmp(l->command, "CHATHISTORY") == 0) {
        if (g_strcmp0(nc_irc_line_param(l, 0), "TARGETS") == 0)
            history_target(self, l);
        return TRUE;
    }
    if (strcmp(l->command, "FAIL") == 0 && g_strcmp0(nc_irc_line_param(l, 0), "MARKREAD") == 0) {
        /* Markers kept for accounts only (ACCOUNT_REQUIRED), or not at
         * all: no more asking on this connection, and nothing to show. */
        self->markread_refused = TRUE;
        return TRUE;
    }
    return FALSE;
}

/* ---- read markers ---------------------------------------------------- */

/* MARKREAD <target> timestamp=<time> | * */
void nc__client_h_markread(NcClient *self, const NcIrcLine *l)
{
    NcBuffer *b = l->n_params >= 2 ? nc_network_find_buffer(self->network, l->params[0]) : NULL;
    if (!b)
        return;
    const char *value = l->params[1];
    gint64 t = 0;
    if (g_str_has_prefix(value, "timestamp=")) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(value + 10, NULL);
        if (!dt)
            return;
        t = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
    }
    nc_buffer_set_read_time(b, t);
}

gboolean nc_client_mark_read(NcClient *self, NcBuffer *b)
{
    /* What the server has not sent yet has not been read. */
    if (nc_buffer_get_kind(b) == NC_BUFFER_SERVER || fetch_for(self, nc_buffer_get_name(b)))
        return FALSE;
    GListModel *list = nc_buffer_get_messages(b);
    g_autoptr(NcMessage) newest = NULL;
    for (guint i = g_list_model_get_n_items(list); i-- > 0 && !newest;) {
        g_autoptr(NcMessage) m = g_list_model_get_item(list, i);
        if (from_history(m))
            newest = g_steal_pointer(&m);
    }
    if (!newest || nc_message_get_time(newest) <= nc_buffer_get_read_time(b))
        return FALSE;
    /* Sent rounded up to the millisecond, kept as sent: our marker comes
     * back from the server as the same time. */
    gint64 t = (nc_message_get_time(newest) + 999) / 1000 * 1000;
    /* Kept here even when the server keeps no markers: the "New
     * messages" line above what a reconnect fills in comes from it. */
    nc_buffer_set_read_time(b, t);
    if (self->state != NC_STATE_CONNECTED || !nc_client_has_cap(self, "draft/read-marker") ||
        self->markread_refused ||
        (nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL && !nc_buffer_get_joined(b)))
        return FALSE;
    g_autofree char *stamp = format_timestamp(t, FALSE);
    nc__client_send(self, "MARKREAD %s timestamp=%s", nc_buffer_get_name(b), stamp);
    return TRUE;
}

/* SPDX-License-Identifier: MIT */
#include "model.h"

#include "irc-line.h"

#include <string.h>

/* ---- NcMessage ------------------------------------------------------ */

struct _NcMessage {
    GObject parent_instance;
    gint64 time_us;
    NcMessageKind kind;
    NcMessageFlags flags;
    char *sender;
    char *text;
    char *msgid; /* the server's IRCv3 msgid, or NULL */
};

G_DEFINE_TYPE(NcMessage, nc_message, G_TYPE_OBJECT)

static void nc_message_finalize(GObject *object)
{
    NcMessage *self = NC_MESSAGE(object);
    g_free(self->sender);
    g_free(self->text);
    g_free(self->msgid);
    G_OBJECT_CLASS(nc_message_parent_class)->finalize(object);
}

static void nc_message_class_init(NcMessageClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_message_finalize;
}

static void nc_message_init(NcMessage *self) {}

NcMessage *nc_message_new(gint64 time_us, NcMessageKind kind, NcMessageFlags flags,
                          const char *sender, const char *text)
{
    NcMessage *self = g_object_new(NC_TYPE_MESSAGE, NULL);
    self->time_us = time_us;
    self->kind = kind;
    self->flags = flags;
    self->sender = g_strdup(sender);
    /* Servers relay whatever bytes clients send; GTK wants UTF-8. */
    self->text = g_utf8_make_valid(text ? text : "", -1);
    return self;
}

gint64 nc_message_get_time(NcMessage *self)
{
    return self->time_us;
}
NcMessageKind nc_message_get_kind(NcMessage *self)
{
    return self->kind;
}
NcMessageFlags nc_message_get_flags(NcMessage *self)
{
    return self->flags;
}
const char *nc_message_get_sender(NcMessage *self)
{
    return self->sender;
}
const char *nc_message_get_text(NcMessage *self)
{
    return self->text;
}

const char *nc_message_get_msgid(NcMessage *self)
{
    return self->msgid;
}

void nc_message_set_msgid(NcMessage *self, const char *msgid)
{
    g_free(self->msgid);
    self->msgid = msgid && *msgid ? g_strdup(msgid) : NULL;
}

/* Two copies of one message: the live one and the server's history's
 * share a msgid; the log's copy (old logs have none) and our own line
 * without echo-message are matched on what they say, within the log's
 * one-second resolution and a little clock skew. */
#define SAME_WINDOW_US (2 * G_USEC_PER_SEC)

gboolean nc_message_same(NcMessage *a, NcMessage *b)
{
    if (a->msgid && b->msgid)
        return strcmp(a->msgid, b->msgid) == 0;
    if (ABS(a->time_us - b->time_us) >= SAME_WINDOW_US || strcmp(a->text, b->text) != 0)
        return FALSE;
    gboolean ea = nc_message_kind_is_event(a->kind), eb = nc_message_kind_is_event(b->kind);
    if (ea || eb)
        return ea && eb; /* the log keeps an event's text, not who or which */
    return a->kind == b->kind && nc_irc_name_equal(a->sender, b->sender);
}

gboolean nc_message_kind_is_event(NcMessageKind kind)
{
    switch (kind) {
    case NC_MSG_JOIN:
    case NC_MSG_PART:
    case NC_MSG_QUIT:
    case NC_MSG_NICK:
    case NC_MSG_MODE:
    case NC_MSG_KICK:
    case NC_MSG_TOPIC:
        return TRUE;
    default:
        return FALSE;
    }
}

gboolean nc_message_kind_folds(NcMessageKind kind)
{
    return kind == NC_MSG_JOIN || kind == NC_MSG_PART || kind == NC_MSG_QUIT || kind == NC_MSG_NICK;
}

/* ---- NcMember ------------------------------------------------------- */

struct _NcMember {
    GObject parent_instance;
    char *nick;
    char *folded;
    char *prefixes;
    int rank;
    char *account; /* NULL: unknown; "": logged out */
    gboolean away;
};

G_DEFINE_TYPE(NcMember, nc_member, G_TYPE_OBJECT)

enum { MEMBER_PROP_0, MEMBER_PROP_ACCOUNT, MEMBER_PROP_AWAY, MEMBER_N_PROPS };
static GParamSpec *member_props[MEMBER_N_PROPS];

static void nc_member_finalize(GObject *object)
{
    NcMember *self = NC_MEMBER(object);
    g_free(self->nick);
    g_free(self->folded);
    g_free(self->prefixes);
    g_free(self->account);
    G_OBJECT_CLASS(nc_member_parent_class)->finalize(object);
}

static void nc_member_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    NcMember *self = NC_MEMBER(object);
    switch (id) {
    case MEMBER_PROP_ACCOUNT:
        g_value_set_string(value, self->account);
        break;
    case MEMBER_PROP_AWAY:
        g_value_set_boolean(value, self->away);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void nc_member_class_init(NcMemberClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->finalize = nc_member_finalize;
    oc->get_property = nc_member_get_property;
    /* Notified when it changes, so a shown row (its tooltip) can follow. */
    member_props[MEMBER_PROP_ACCOUNT] =
        g_param_spec_string("account", NULL, NULL, NULL,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    member_props[MEMBER_PROP_AWAY] =
        g_param_spec_boolean("away", NULL, NULL, FALSE,
                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, MEMBER_N_PROPS, member_props);
}

static void nc_member_init(NcMember *self) {}

NcMember *nc_member_new(const char *nick, const char *prefixes, int rank)
{
    NcMember *self = g_object_new(NC_TYPE_MEMBER, NULL);
    self->nick = g_strdup(nick);
    self->folded = nc_irc_casefold(nick);
    self->prefixes = g_strdup(prefixes ? prefixes : "");
    self->rank = rank;
    return self;
}

const char *nc_member_get_nick(NcMember *self)
{
    return self->nick;
}
const char *nc_member_get_prefixes(NcMember *self)
{
    return self->prefixes;
}
int nc_member_get_rank(NcMember *self)
{
    return self->rank;
}
const char *nc_member_get_account(NcMember *self)
{
    return self->account;
}

void nc_member_set_account(NcMember *self, const char *account)
{
    /* IRC says "*" for "no account" (ACCOUNT *, extended-join). */
    const char *value = account && strcmp(account, "*") == 0 ? "" : account;
    if (g_strcmp0(self->account, value) == 0)
        return;
    g_free(self->account);
    self->account = g_strdup(value);
    g_object_notify_by_pspec(G_OBJECT(self), member_props[MEMBER_PROP_ACCOUNT]);
}

gboolean nc_member_get_away(NcMember *self)
{
    return self->away;
}

void nc_member_set_away(NcMember *self, gboolean away)
{
    if (self->away == !!away)
        return;
    self->away = !!away;
    g_object_notify_by_pspec(G_OBJECT(self), member_props[MEMBER_PROP_AWAY]);
}

int nc_member_compare(gconstpointer a, gconstpointer b, gpointer unused)
{
    const NcMember *ma = a, *mb = b;
    if (ma->rank != mb->rank)
        return ma->rank < mb->rank ? -1 : 1;
    return strcmp(ma->folded, mb->folded);
}

/* ---- NcBuffer ------------------------------------------------------- */

struct _NcBuffer {
    GObject parent_instance;
    NcBufferKind kind;
    char *name;
    char *topic;
    GListStore *messages;
    GListStore *members;
    /* The same members by case-folded nick (keys are the members' own
     * folded nicks): WHO and AWAY replies look a member up per line. */
    GHashTable *members_by_nick;
    guint scrollback;
    guint unread;
    guint mentions;
    gboolean joined;
    gboolean active;
    NcMessage *marker;        /* first unread since looked away, or NULL */
    gboolean marker_armed;    /* looked at, then away: the next unread marks */
    NcMessage *history_start; /* first message of the last gap filled, or NULL */
    gint64 read_time;         /* the server's read marker, 0: unknown */
    gint64 cleared_time;      /* the newest message's time at the last /clear, 0: never */
    char *typing;             /* who is typing, in words; "" when nobody */
    char *title;              /* what to show for it, NULL: its name */
};

enum {
    BUF_PROP_0,
    BUF_PROP_NAME,
    BUF_PROP_TOPIC,
    BUF_PROP_JOINED,
    BUF_PROP_UNREAD,
    BUF_PROP_MENTIONS,
    BUF_PROP_ACTIVE,
    BUF_PROP_MARKER,
    BUF_PROP_HISTORY_START,
    BUF_PROP_READ_TIME,
    BUF_PROP_TYPING,
    BUF_PROP_TITLE,
    BUF_N_PROPS
};
static GParamSpec *buffer_props[BUF_N_PROPS];

G_DEFINE_TYPE(NcBuffer, nc_buffer, G_TYPE_OBJECT)

static void nc_buffer_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    NcBuffer *self = NC_BUFFER(object);
    switch (id) {
    case BUF_PROP_NAME:
        g_value_set_string(value, self->name);
        break;
    case BUF_PROP_TOPIC:
        g_value_set_string(value, self->topic);
        break;
    case BUF_PROP_JOINED:
        g_value_set_boolean(value, self->joined);
        break;
    case BUF_PROP_UNREAD:
        g_value_set_uint(value, self->unread);
        break;
    case BUF_PROP_MENTIONS:
        g_value_set_uint(value, self->mentions);
        break;
    case BUF_PROP_ACTIVE:
        g_value_set_boolean(value, self->active);
        break;
    case BUF_PROP_MARKER:
        g_value_set_object(value, self->marker);
        break;
    case BUF_PROP_HISTORY_START:
        g_value_set_object(value, self->history_start);
        break;
    case BUF_PROP_READ_TIME:
        g_value_set_int64(value, self->read_time);
        break;
    case BUF_PROP_TYPING:
        g_value_set_string(value, self->typing ? self->typing : "");
        break;
    case BUF_PROP_TITLE:
        g_value_set_string(value, nc_buffer_get_title(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void nc_buffer_finalize(GObject *object)
{
    NcBuffer *self = NC_BUFFER(object);
    g_free(self->name);
    g_free(self->topic);
    g_free(self->typing);
    g_free(self->title);
    g_object_unref(self->messages);
    g_object_unref(self->members);
    g_hash_table_unref(self->members_by_nick);
    g_clear_object(&self->marker);
    g_clear_object(&self->history_start);
    G_OBJECT_CLASS(nc_buffer_parent_class)->finalize(object);
}

static void nc_buffer_class_init(NcBufferClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->get_property = nc_buffer_get_property;
    oc->finalize = nc_buffer_finalize;
    GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
    buffer_props[BUF_PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, ro);
    buffer_props[BUF_PROP_TOPIC] = g_param_spec_string("topic", NULL, NULL, "", ro);
    buffer_props[BUF_PROP_JOINED] = g_param_spec_boolean("joined", NULL, NULL, FALSE, ro);
    buffer_props[BUF_PROP_UNREAD] = g_param_spec_uint("unread", NULL, NULL, 0, G_MAXUINT, 0, ro);
    buffer_props[BUF_PROP_MENTIONS] =
        g_param_spec_uint("mentions", NULL, NULL, 0, G_MAXUINT, 0, ro);
    buffer_props[BUF_PROP_ACTIVE] = g_param_spec_boolean("active", NULL, NULL, FALSE, ro);
    buffer_props[BUF_PROP_MARKER] = g_param_spec_object("marker", NULL, NULL, NC_TYPE_MESSAGE, ro);
    buffer_props[BUF_PROP_HISTORY_START] =
        g_param_spec_object("history-start", NULL, NULL, NC_TYPE_MESSAGE, ro);
    buffer_props[BUF_PROP_READ_TIME] =
        g_param_spec_int64("read-time", NULL, NULL, 0, G_MAXINT64, 0, ro);
    buffer_props[BUF_PROP_TYPING] = g_param_spec_string("typing", NULL, NULL, "", ro);
    buffer_props[BUF_PROP_TITLE] = g_param_spec_string("title", NULL, NULL, NULL, ro);
    g_object_class_install_properties(oc, BUF_N_PROPS, buffer_props);
}

static void nc_buffer_init(NcBuffer *self)
{
    self->messages = g_list_store_new(NC_TYPE_MESSAGE);
    self->members = g_list_store_new(NC_TYPE_MEMBER);
    self->members_by_nick = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_object_unref);
    self->topic = g_strdup("");
    self->scrollback = 5000;
}

NcBuffer *nc_buffer_new(NcBufferKind kind, const char *name)
{
    NcBuffer *self = g_object_new(NC_TYPE_BUFFER, NULL);
    self->kind = kind;
    self->name = g_strdup(name);
    return self;
}

NcBufferKind nc_buffer_get_kind(NcBuffer *self)
{
    return self->kind;
}
const char *nc_buffer_get_name(NcBuffer *self)
{
    return self->name;
}
GListModel *nc_buffer_get_messages(NcBuffer *self)
{
    return G_LIST_MODEL(self->messages);
}
GListModel *nc_buffer_get_members(NcBuffer *self)
{
    return G_LIST_MODEL(self->members);
}
guint nc_buffer_get_scrollback(NcBuffer *self)
{
    return self->scrollback;
}
const char *nc_buffer_get_topic(NcBuffer *self)
{
    return self->topic;
}
gboolean nc_buffer_get_joined(NcBuffer *self)
{
    return self->joined;
}
guint nc_buffer_get_unread(NcBuffer *self)
{
    return self->unread;
}
guint nc_buffer_get_mentions(NcBuffer *self)
{
    return self->mentions;
}
gboolean nc_buffer_get_active(NcBuffer *self)
{
    return self->active;
}

void nc_buffer_set_name(NcBuffer *self, const char *name)
{
    if (g_strcmp0(self->name, name) == 0)
        return;
    g_free(self->name);
    self->name = g_strdup(name);
    g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_NAME]);
}

static void set_marker(NcBuffer *self, NcMessage *marker)
{
    if (self->marker == marker)
        return;
    g_set_object(&self->marker, marker);
    g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_MARKER]);
}

NcMessage *nc_buffer_get_marker(NcBuffer *self)
{
    return self->marker;
}

guint nc_buffer_get_marker_position(NcBuffer *self)
{
    if (!self->marker)
        return G_MAXUINT;
    /* The marker is near the end as a rule: search from there. */
    GListModel *m = G_LIST_MODEL(self->messages);
    for (guint i = g_list_model_get_n_items(m); i-- > 0;) {
        g_autoptr(NcMessage) msg = g_list_model_get_item(m, i);
        if (msg == self->marker)
            return i;
    }
    return G_MAXUINT;
}

void nc_buffer_clear_marker(NcBuffer *self)
{
    self->marker_armed = FALSE;
    set_marker(self, NULL);
}

static void trim_scrollback(NcBuffer *self)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->messages));
    if (n <= self->scrollback)
        return;
    /* Trim in chunks (a tenth of the limit) rather than one per append, so
     * a busy channel costs one items-changed per chunk, not per message. */
    guint excess = n - self->scrollback;
    guint chunk = MAX(excess, self->scrollback / 10);
    chunk = MIN(chunk, n);
    if (self->marker || self->history_start) {
        /* A marker about to scroll out of the scrollback goes with it. */
        for (guint i = 0; i < chunk; i++) {
            g_autoptr(NcMessage) m = g_list_model_get_item(G_LIST_MODEL(self->messages), i);
            if (m == self->marker)
                set_marker(self, NULL);
            if (m == self->history_start) {
                g_clear_object(&self->history_start);
                g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_HISTORY_START]);
            }
        }
    }
    g_list_store_splice(self->messages, 0, chunk, NULL, 0);
}

gint64 nc_buffer_get_cleared_time(NcBuffer *self)
{
    return self->cleared_time;
}

const char *nc_buffer_get_title(NcBuffer *self)
{
    return self->title && *self->title ? self->title : self->name;
}

void nc_buffer_set_title(NcBuffer *self, const char *title)
{
    if (g_strcmp0(self->title, title) == 0)
        return;
    g_free(self->title);
    self->title = g_strdup(title);
    g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_TITLE]);
}

const char *nc_buffer_get_typing(NcBuffer *self)
{
    return self->typing ? self->typing : "";
}

void nc_buffer_set_typing(NcBuffer *self, const char *words)
{
    const char *value = words ? words : "";
    if (g_strcmp0(self->typing ? self->typing : "", value) == 0)
        return;
    g_free(self->typing);
    self->typing = g_strdup(value);
    g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_TYPING]);
}

void nc_buffer_clear_messages(NcBuffer *self)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->messages));
    if (n) {
        g_autoptr(NcMessage) newest = g_list_model_get_item(G_LIST_MODEL(self->messages), n - 1);
        self->cleared_time = MAX(self->cleared_time, nc_message_get_time(newest));
    } else {
        self->cleared_time = MAX(self->cleared_time, g_get_real_time());
    }
    set_marker(self, NULL);
    self->marker_armed = FALSE;
    if (self->history_start) {
        g_clear_object(&self->history_start);
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_HISTORY_START]);
    }
    g_list_store_remove_all(self->messages);
    if (self->unread || self->mentions) {
        self->unread = self->mentions = 0;
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_UNREAD]);
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_MENTIONS]);
    }
}

void nc_buffer_append(NcBuffer *self, NcMessage *msg)
{
    g_list_store_append(self->messages, msg);
    trim_scrollback(self);
    if (self->active)
        return;
    NcMessageKind kind = nc_message_get_kind(msg);
    if (nc_message_kind_is_event(kind) || kind == NC_MSG_HISTORY ||
        (nc_message_get_flags(msg) & NC_MSG_FLAG_SELF))
        return;
    if (self->marker_armed) {
        self->marker_armed = FALSE;
        set_marker(self, msg);
    }
    self->unread++;
    g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_UNREAD]);
    if (nc_message_get_flags(msg) & NC_MSG_FLAG_HIGHLIGHT) {
        self->mentions++;
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_MENTIONS]);
    }
}

void nc_buffer_prepend_history(NcBuffer *self, GPtrArray *messages)
{
    if (!messages || messages->len == 0)
        return;
    g_list_store_splice(self->messages, 0, 0, messages->pdata, messages->len);
    trim_scrollback(self);
}

/* What the unread count counts when it is worked out again from a read
 * marker: what people said, not events, not ours, not the client's own
 * lines. */
static gboolean counts_as_unread(NcMessage *m)
{
    return (m->kind == NC_MSG_PRIVMSG || m->kind == NC_MSG_ACTION || m->kind == NC_MSG_NOTICE) &&
           !(m->flags & NC_MSG_FLAG_SELF);
}

/* Unread, mentions and (while not looked at) the marker from the read
 * time: the messages after it. */
static void recount_from_read_time(NcBuffer *self, gboolean move_marker)
{
    if (!self->read_time)
        return;
    guint unread = 0, mentions = 0;
    NcMessage *first = NULL;
    GListModel *list = G_LIST_MODEL(self->messages);
    guint n = g_list_model_get_n_items(list);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(list, i);
        if (m->time_us <= self->read_time || !counts_as_unread(m))
            continue;
        if (!first)
            first = m; /* the store keeps it alive */
        unread++;
        if (m->flags & NC_MSG_FLAG_HIGHLIGHT)
            mentions++;
    }
    if (move_marker) {
        set_marker(self, first);
        self->marker_armed = first == NULL && !self->active;
    }
    if (self->active)
        return; /* looked at: nothing is unread */
    if (self->unread != unread) {
        self->unread = unread;
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_UNREAD]);
    }
    if (self->mentions != mentions) {
        self->mentions = mentions;
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_MENTIONS]);
    }
}

gint64 nc_buffer_get_read_time(NcBuffer *self)
{
    return self->read_time;
}

void nc_buffer_set_read_time(NcBuffer *self, gint64 time_us)
{
    time_us = MAX(time_us, 0);
    if (self->read_time != time_us) {
        self->read_time = time_us;
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_READ_TIME]);
    }
    /* While the user looks at the buffer the marker stays where it was
     * (our own MARKREAD comes back as this call). */
    recount_from_read_time(self, !self->active);
}

NcMessage *nc_buffer_get_history_start(NcBuffer *self)
{
    return self->history_start;
}

static int compare_time(gconstpointer a, gconstpointer b)
{
    gint64 ta = (*(NcMessage *const *)a)->time_us, tb = (*(NcMessage *const *)b)->time_us;
    return ta < tb ? -1 : ta > tb;
}

GPtrArray *nc_buffer_merge_history(NcBuffer *self, GPtrArray *messages, NcMergeFlags flags)
{
    GPtrArray *added = g_ptr_array_new_with_free_func(g_object_unref);
    if (!messages || messages->len == 0)
        return added;
    GListModel *list = G_LIST_MODEL(self->messages);
    guint n = g_list_model_get_n_items(list);
    gint64 oldest = G_MAXINT64;
    for (guint i = 0; i < messages->len; i++)
        oldest = MIN(oldest, ((NcMessage *)messages->pdata[i])->time_us);

    /* Every msgid held, and the tail that the new messages fall into (from
     * a little before the oldest of them): only that tail is re-sorted. */
    g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) held = g_ptr_array_new_full(n, g_object_unref);
    for (guint i = 0; i < n; i++) {
        NcMessage *m = g_list_model_get_item(list, i);
        g_ptr_array_add(held, m);
        if (m->msgid)
            g_hash_table_add(ids, m->msgid);
    }
    guint from = n;
    while (from > 0 && ((NcMessage *)held->pdata[from - 1])->time_us >= oldest - SAME_WINDOW_US)
        from--;

    for (guint i = 0; i < messages->len; i++) {
        NcMessage *m = messages->pdata[i];
        gboolean dup = m->msgid && g_hash_table_contains(ids, m->msgid);
        for (guint j = from; j < n && !dup; j++)
            dup = nc_message_same(m, held->pdata[j]);
        for (guint j = 0; j < added->len && !dup; j++)
            dup = nc_message_same(m, added->pdata[j]);
        if (dup)
            continue;
        if (m->msgid)
            g_hash_table_add(ids, m->msgid);
        g_ptr_array_add(added, g_object_ref(m));
    }
    if (added->len == 0)
        return added;
    g_ptr_array_sort(added, compare_time); /* stable */

    /* The tail and the new messages, merged by time (the tail first on a
     * tie, unless these are older), replace the tail in one change. */
    g_autoptr(GPtrArray) merged = g_ptr_array_new();
    gboolean older = (flags & NC_MERGE_OLDER) != 0;
    guint a = from, b = 0;
    while (a < n || b < added->len) {
        gint64 th = a < n ? ((NcMessage *)held->pdata[a])->time_us : 0;
        gint64 ta = b < added->len ? ((NcMessage *)added->pdata[b])->time_us : 0;
        gboolean take_held = b == added->len || (a < n && (older ? th < ta : th <= ta));
        g_ptr_array_add(merged, take_held ? held->pdata[a++] : added->pdata[b++]);
    }
    g_list_store_splice(self->messages, from, n - from, merged->pdata, merged->len);
    if (from > 0)
        trim_scrollback(self);
    if (flags & NC_MERGE_MARK_START) {
        g_set_object(&self->history_start, added->pdata[0]);
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_HISTORY_START]);
    }
    /* A gap filled while the user looks: the marker shows where what they
     * have not read starts; a marker already shown stays. */
    recount_from_read_time(self, self->marker == NULL);
    return added;
}

void nc_buffer_set_scrollback(NcBuffer *self, guint limit)
{
    self->scrollback = MAX(limit, 10);
    trim_scrollback(self);
}

void nc_buffer_set_topic(NcBuffer *self, const char *topic)
{
    if (g_strcmp0(self->topic, topic ? topic : "") == 0)
        return;
    g_free(self->topic);
    self->topic = g_utf8_make_valid(topic ? topic : "", -1);
    g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_TOPIC]);
}

void nc_buffer_set_joined(NcBuffer *self, gboolean joined)
{
    joined = !!joined;
    if (self->joined == joined)
        return;
    self->joined = joined;
    g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_JOINED]);
}

void nc_buffer_set_active(NcBuffer *self, gboolean active)
{
    active = !!active;
    if (self->active != active) {
        self->active = active;
        /* Looking away: the old marker has been seen; the next unread
         * message gets the new one.  Looking back keeps it in view. */
        if (!active) {
            set_marker(self, NULL);
            self->marker_armed = TRUE;
        } else {
            self->marker_armed = FALSE;
        }
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_ACTIVE]);
    }
    if (active && self->unread) {
        self->unread = 0;
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_UNREAD]);
    }
    if (active && self->mentions) {
        self->mentions = 0;
        g_object_notify_by_pspec(G_OBJECT(self), buffer_props[BUF_PROP_MENTIONS]);
    }
}

/* Where m is in the member list: the list is sorted by rank and folded
 * nick, which no two members share, so a binary search finds it. */
static guint member_position(NcBuffer *self, NcMember *m)
{
    GListModel *list = G_LIST_MODEL(self->members);
    guint low = 0, high = g_list_model_get_n_items(list);
    while (low < high) {
        guint mid = low + (high - low) / 2;
        g_autoptr(NcMember) at = g_list_model_get_item(list, mid);
        int order = nc_member_compare(at, m, NULL);
        if (order == 0)
            return mid;
        if (order < 0)
            low = mid + 1;
        else
            high = mid;
    }
    g_return_val_if_reached(G_MAXUINT); /* the index and the list disagree */
}

static NcMember *lookup_member(NcBuffer *self, const char *nick)
{
    g_autofree char *folded = nc_irc_casefold(nick);
    return g_hash_table_lookup(self->members_by_nick, folded);
}

/* Take m out of the list and the index. */
static void drop_member(NcBuffer *self, NcMember *m)
{
    guint pos = member_position(self, m);
    if (pos != G_MAXUINT)
        g_list_store_remove(self->members, pos);
    g_hash_table_remove(self->members_by_nick, m->folded); /* m's last reference */
}

/* Put m in the list, in order, and in the index. */
static void insert_member(NcBuffer *self, NcMember *m)
{
    g_hash_table_replace(self->members_by_nick, m->folded, g_object_ref(m));
    g_list_store_insert_sorted(self->members, m, nc_member_compare, NULL);
}

NcMember *nc_buffer_find_member(NcBuffer *self, const char *nick)
{
    return lookup_member(self, nick);
}

void nc_buffer_add_member(NcBuffer *self, const char *nick, const char *prefixes, int rank)
{
    g_autofree char *account = NULL;
    gboolean away = FALSE;
    NcMember *old = lookup_member(self, nick);
    if (old) {
        /* A new rank is a new row; what we know of the account and
         * whether they are away stays. */
        account = g_strdup(old->account);
        away = old->away;
        drop_member(self, old);
    }
    g_autoptr(NcMember) m = nc_member_new(nick, prefixes, rank);
    m->account = g_steal_pointer(&account);
    m->away = away;
    insert_member(self, m);
}

gboolean nc_buffer_remove_member(NcBuffer *self, const char *nick)
{
    NcMember *m = lookup_member(self, nick);
    if (!m)
        return FALSE;
    drop_member(self, m);
    return TRUE;
}

gboolean nc_buffer_rename_member(NcBuffer *self, const char *old_nick, const char *new_nick)
{
    NcMember *found = lookup_member(self, old_nick);
    if (!found)
        return FALSE;
    g_autoptr(NcMember) old = g_object_ref(found);
    drop_member(self, old);
    /* Renamed onto a nick already listed (a stale entry): one row stays. */
    NcMember *clash = lookup_member(self, new_nick);
    if (clash)
        drop_member(self, clash);
    g_autoptr(NcMember) m = nc_member_new(new_nick, old->prefixes, old->rank);
    m->account = g_strdup(old->account);
    m->away = old->away;
    insert_member(self, m);
    return TRUE;
}

void nc_buffer_clear_members(NcBuffer *self)
{
    g_list_store_remove_all(self->members);
    g_hash_table_remove_all(self->members_by_nick);
}

char **nc_buffer_dup_member_nicks(NcBuffer *self)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->members));
    char **out = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcMember) m = g_list_model_get_item(G_LIST_MODEL(self->members), i);
        out[i] = g_strdup(m->nick);
    }
    return out;
}

/* ---- NcNetwork ------------------------------------------------------ */

struct _NcNetwork {
    GObject parent_instance;
    char *name;
    GListStore *buffers;
    NcBuffer *server;
    char *prefix_modes;   /* "ov" */
    char *prefix_symbols; /* "@+" */
    guint scrollback;
};

G_DEFINE_TYPE(NcNetwork, nc_network, G_TYPE_OBJECT)

static void nc_network_finalize(GObject *object)
{
    NcNetwork *self = NC_NETWORK(object);
    g_free(self->name);
    g_object_unref(self->buffers);
    g_object_unref(self->server);
    g_free(self->prefix_modes);
    g_free(self->prefix_symbols);
    G_OBJECT_CLASS(nc_network_parent_class)->finalize(object);
}

static void nc_network_class_init(NcNetworkClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = nc_network_finalize;
}

static void nc_network_init(NcNetwork *self)
{
    self->buffers = g_list_store_new(NC_TYPE_BUFFER);
    self->prefix_modes = g_strdup("ov");
    self->prefix_symbols = g_strdup("@+");
    self->scrollback = 5000;
}

NcNetwork *nc_network_new(const char *name)
{
    NcNetwork *self = g_object_new(NC_TYPE_NETWORK, NULL);
    self->name = g_strdup(name);
    self->server = nc_buffer_new(NC_BUFFER_SERVER, name);
    g_list_store_append(self->buffers, self->server);
    return self;
}

const char *nc_network_get_name(NcNetwork *self)
{
    return self->name;
}
GListModel *nc_network_get_buffers(NcNetwork *self)
{
    return G_LIST_MODEL(self->buffers);
}
NcBuffer *nc_network_get_server_buffer(NcNetwork *self)
{
    return self->server;
}
const char *nc_network_get_prefix_symbols(NcNetwork *self)
{
    return self->prefix_symbols;
}

NcBuffer *nc_network_find_buffer(NcNetwork *self, const char *name)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->buffers));
    for (guint i = 1; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(G_LIST_MODEL(self->buffers), i);
        if (nc_irc_name_equal(b->name, name))
            return b; /* the store keeps it alive */
    }
    return NULL;
}

NcBuffer *nc_network_ensure_buffer(NcNetwork *self, NcBufferKind kind, const char *name)
{
    NcBuffer *b = nc_network_find_buffer(self, name);
    if (b)
        return b;
    b = nc_buffer_new(kind, name);
    nc_buffer_set_scrollback(b, self->scrollback);
    g_list_store_append(self->buffers, b);
    g_object_unref(b);
    return b;
}

gboolean nc_network_remove_buffer(NcNetwork *self, NcBuffer *buffer)
{
    guint pos;
    if (buffer == self->server || !g_list_store_find(self->buffers, buffer, &pos))
        return FALSE;
    g_list_store_remove(self->buffers, pos);
    return TRUE;
}

void nc_network_set_prefix(NcNetwork *self, const char *value)
{
    /* PREFIX=(qaohv)~&@%+ */
    if (!value || value[0] != '(')
        return;
    const char *close = strchr(value, ')');
    if (!close)
        return;
    gsize nmodes = (gsize)(close - value - 1);
    if (strlen(close + 1) != nmodes)
        return;
    g_free(self->prefix_modes);
    g_free(self->prefix_symbols);
    self->prefix_modes = g_strndup(value + 1, nmodes);
    self->prefix_symbols = g_strdup(close + 1);
}

char nc_network_prefix_mode_to_symbol(NcNetwork *self, char mode)
{
    const char *p = mode ? strchr(self->prefix_modes, mode) : NULL;
    return p ? self->prefix_symbols[p - self->prefix_modes] : 0;
}

int nc_network_prefix_rank(NcNetwork *self, char symbol)
{
    const char *p = symbol ? strchr(self->prefix_symbols, symbol) : NULL;
    return p ? (int)(p - self->prefix_symbols) : G_MAXINT;
}

void nc_network_set_scrollback(NcNetwork *self, guint limit)
{
    self->scrollback = limit;
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->buffers));
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(G_LIST_MODEL(self->buffers), i);
        nc_buffer_set_scrollback(b, limit);
    }
}

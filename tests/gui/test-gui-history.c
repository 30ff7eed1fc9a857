/* SPDX-License-Identifier: MIT */
/* The server's history in the client core, with canned server lines and
 * a scripted server on a real loopback socket:
 *
 *  - IRCv3 batches: opened, nested, closed, found by type;
 *  - a history line becomes the same message as the live line (kind,
 *    sender, words, time tag, msgid, flags);
 *  - merging into a buffer: by time, without duplicates by msgid, or by
 *    sender, text and time against the log's copy; the history divider;
 *    an older page in front, kept;
 *  - the log keeps msgids (and reads logs of the old form);
 *  - chathistory batches routed to the buffer they name, inside a
 *    labeled-response batch too; other batches read as usual;
 *  - a reconnect fills the gap exactly once (AFTER the newest msgid,
 *    page by page), with the divider; scrolling up fetches BEFORE;
 *  - read markers: MARKREAD from the server moves unread counts and the
 *    marker; reading sends MARKREAD. */
#include "batch.h"
#include "client.h"
#include "fake-server.h"
#include "fold.h"
#include "helpers.h"
#include "irc-message.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

static FakeServer fake;

/* ---- helpers ---------------------------------------------------------- */

static NcMessage *msg_at(NcBuffer *b, guint i)
{
    NcMessage *m = g_list_model_get_item(nc_buffer_get_messages(b), i);
    g_object_unref(m); /* the buffer keeps it */
    return m;
}

static guint n_messages(NcBuffer *b)
{
    return g_list_model_get_n_items(nc_buffer_get_messages(b));
}

/* How many messages of b say text. */
static guint count_text(NcBuffer *b, const char *text)
{
    guint count = 0;
    for (guint i = 0; i < n_messages(b); i++)
        count += strcmp(nc_message_get_text(msg_at(b, i)), text) == 0;
    return count;
}

/* The position of the first message saying text, or G_MAXUINT. */
static guint find_text(NcBuffer *b, const char *text)
{
    for (guint i = 0; i < n_messages(b); i++)
        if (strcmp(nc_message_get_text(msg_at(b, i)), text) == 0)
            return i;
    return G_MAXUINT;
}

static NcMessage *chat(gint64 t, const char *sender, const char *text, const char *msgid)
{
    NcMessage *m = nc_message_new(t, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, sender, text);
    nc_message_set_msgid(m, msgid);
    return m;
}

/* 2024-01-02T03:04:05.000Z, and seconds after it. */
#define T0 G_GINT64_CONSTANT(1704164645000000)
#define SEC(n) (T0 + (gint64)(n)*G_USEC_PER_SEC)

/* ---- batches ---------------------------------------------------------- */

static void take(NcBatches *set, const char *raw, NcBatch **closed)
{
    g_autoptr(NcIrcLine) l = nc_irc_line_parse(raw);
    NcBatch *b = nc_batches_take(set, l);
    if (closed)
        *closed = b;
    else
        nc_batch_free(b);
}

static void test_batches(void)
{
    NcBatches *set = nc_batches_new();
    take(set, "@label=x1 :srv BATCH +outer labeled-response", NULL);
    take(set, "@batch=outer :srv BATCH +inner chathistory #chan", NULL);
    CU_ASSERT_EQUAL(nc_batches_count(set), 2);
    const NcBatch *inner = nc_batches_find(set, "inner", NULL);
    CU_ASSERT_FATAL(inner != NULL);
    CU_ASSERT_STRING_EQUAL(inner->type, "chathistory");
    CU_ASSERT_STRING_EQUAL(inner->params[0], "#chan");
    CU_ASSERT_PTR_NULL(inner->params[1]);
    CU_ASSERT_STRING_EQUAL(inner->parent, "outer");
    /* A line of the inner batch is inside the outer one too. */
    const NcBatch *outer = nc_batches_find(set, "inner", "labeled-response");
    CU_ASSERT_FATAL(outer != NULL);
    CU_ASSERT_STRING_EQUAL(outer->label, "x1");
    CU_ASSERT_PTR_NULL(nc_batches_find(set, "outer", "chathistory"));
    CU_ASSERT_PTR_NULL(nc_batches_find(set, "nope", NULL));

    NcBatch *closed = NULL;
    take(set, ":srv BATCH -inner", &closed);
    CU_ASSERT_FATAL(closed != NULL);
    CU_ASSERT_STRING_EQUAL(closed->id, "inner");
    nc_batch_free(closed);
    take(set, ":srv BATCH -never-opened", &closed);
    CU_ASSERT_PTR_NULL(closed);
    take(set, ":srv BATCH +", NULL); /* malformed: ignored */
    CU_ASSERT_EQUAL(nc_batches_count(set), 1);
    /* A parent loop (a broken server) ends. */
    take(set, "@batch=b :srv BATCH +a x", NULL);
    take(set, "@batch=a :srv BATCH +b y", NULL);
    CU_ASSERT_PTR_NULL(nc_batches_find(set, "a", "chathistory"));
    nc_batches_clear(set);
    CU_ASSERT_EQUAL(nc_batches_count(set), 0);
    nc_batches_free(set);
}

/* ---- one line, one message -------------------------------------------- */

static NcMessage *from(const char *raw)
{
    static const char *const words[] = {"deploy", NULL};
    NcLineReader reader = {"me", "#", words};
    g_autoptr(NcIrcLine) l = nc_irc_line_parse(raw);
    return nc_message_from_line(l, &reader);
}

static void test_line_to_message(void)
{
    g_autoptr(NcMessage) m =
        from("@time=2024-01-02T03:04:05.678Z;msgid=abc :bob!b@h PRIVMSG #chan :time to deploy");
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT_EQUAL(nc_message_get_kind(m), NC_MSG_PRIVMSG);
    CU_ASSERT_STRING_EQUAL(nc_message_get_sender(m), "bob");
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(m), "time to deploy");
    CU_ASSERT_EQUAL(nc_message_get_time(m), T0 + 678000);
    CU_ASSERT_STRING_EQUAL(nc_message_get_msgid(m), "abc");
    CU_ASSERT(nc_message_get_flags(m) & NC_MSG_FLAG_HIGHLIGHT);

    g_autoptr(NcMessage) act = from(":me!u@h PRIVMSG #chan :\001ACTION waves\001");
    CU_ASSERT_EQUAL(nc_message_get_kind(act), NC_MSG_ACTION);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(act), "waves");
    CU_ASSERT(nc_message_get_flags(act) & NC_MSG_FLAG_SELF);
    CU_ASSERT_PTR_NULL(nc_message_get_msgid(act));
    g_autoptr(NcMessage) priv = from(":bob!b@h PRIVMSG me :psst");
    CU_ASSERT(nc_message_get_flags(priv) & NC_MSG_FLAG_HIGHLIGHT);
    /* A CTCP request is not conversation (and never answered from history). */
    CU_ASSERT_PTR_NULL(from(":bob!b@h PRIVMSG me :\001VERSION\001"));
    CU_ASSERT_PTR_NULL(from(":bob!b@h TAGMSG #chan"));
    CU_ASSERT_PTR_NULL(from(":srv 001 me :hi"));

    const struct {
        const char *line;
        NcMessageKind kind;
        const char *text;
    } events[] = {
        {":bob!b@h JOIN #chan", NC_MSG_JOIN, "bob (b@h) joined #chan"},
        {":bob!b@h PART #chan :bye", NC_MSG_PART, "bob left #chan (bye)"},
        {":bob!b@h PART #chan", NC_MSG_PART, "bob left #chan"},
        {":op!o@h KICK #chan bob :out", NC_MSG_KICK, "bob was kicked by op (out)"},
        {":bob!b@h QUIT :gone", NC_MSG_QUIT, "bob quit (gone)"},
        {":bob!b@h NICK bobby", NC_MSG_NICK, "bob is now known as bobby"},
        {":bob!b@h TOPIC #chan :new", NC_MSG_TOPIC, "bob changed the topic to: new"},
        {":op!o@h MODE #chan +o bob", NC_MSG_MODE, "op sets mode +o bob"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(events); i++) {
        g_autoptr(NcMessage) e = from(events[i].line);
        CU_ASSERT_FATAL(e != NULL);
        CU_ASSERT_EQUAL(nc_message_get_kind(e), events[i].kind);
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(e), events[i].text);
    }
}

/* ---- merging ------------------------------------------------------------ */

static GPtrArray *messages(void)
{
    return g_ptr_array_new_with_free_func(g_object_unref);
}

static void test_merge(void)
{
    NcBuffer *b = nc_buffer_new(NC_BUFFER_CHANNEL, "#chan");
    /* From the log: one with a msgid, one of the old form (no msgid, time
     * in whole seconds); then our JOIN, live. */
    g_autoptr(GPtrArray) logged = messages();
    g_ptr_array_add(logged, chat(SEC(0), "bob", "first", "m1"));
    g_ptr_array_add(logged, chat(SEC(10), "carol", "old form", NULL));
    nc_buffer_prepend_history(b, logged);
    g_autoptr(NcMessage) join =
        nc_message_new(SEC(100), NC_MSG_JOIN, 0, "me", "me (u@h) joined #chan");
    nc_message_set_msgid(join, "m9");
    nc_buffer_append(b, join);

    /* The server's history: m1 again, the old-form line with its msgid
     * and milliseconds, two missed lines, and our JOIN again. */
    g_autoptr(GPtrArray) history = messages();
    g_ptr_array_add(history, chat(SEC(0), "bob", "first", "m1"));
    g_ptr_array_add(history, chat(SEC(10) + 400000, "carol", "old form", "m2"));
    g_ptr_array_add(history, chat(SEC(20), "dave", "missed one", "m3"));
    g_ptr_array_add(history, chat(SEC(30), "bob", "missed two", "m4"));
    g_ptr_array_add(history, chat(SEC(30), "bob", "missed two", "m4")); /* twice in one batch */
    g_autoptr(NcMessage) join_again =
        nc_message_new(SEC(100), NC_MSG_JOIN, 0, "me", "me (u@h) joined #chan");
    nc_message_set_msgid(join_again, "m9");
    g_ptr_array_add(history, g_object_ref(join_again));
    g_autoptr(GPtrArray) added = nc_buffer_merge_history(b, history, NC_MERGE_MARK_START);
    CU_ASSERT_EQUAL(added->len, 2);
    CU_ASSERT_EQUAL(n_messages(b), 5);
    const char *order[] = {"first", "old form", "missed one", "missed two",
                           "me (u@h) joined #chan"};
    for (guint i = 0; i < 5 && i < n_messages(b); i++)
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(msg_at(b, i)), order[i]);
    /* The divider is above the first line that was missed. */
    CU_ASSERT_PTR_EQUAL(nc_buffer_get_history_start(b), msg_at(b, 2));

    /* The same again: nothing new, the divider stays. */
    g_autoptr(GPtrArray) none = nc_buffer_merge_history(b, history, NC_MERGE_MARK_START);
    CU_ASSERT_EQUAL(none->len, 0);
    CU_ASSERT_EQUAL(n_messages(b), 5);

    /* Different msgids are different messages, even with the same words. */
    g_autoptr(GPtrArray) same_words = messages();
    g_ptr_array_add(same_words, chat(SEC(30), "bob", "missed two", "m5"));
    g_autoptr(GPtrArray) one = nc_buffer_merge_history(b, same_words, NC_MERGE_NONE);
    CU_ASSERT_EQUAL(one->len, 1);
    CU_ASSERT_EQUAL(count_text(b, "missed two"), 2);
    /* Without a msgid on one side: same sender and words 1 s apart match,
     * another sender or 5 s apart do not. */
    g_autoptr(GPtrArray) fallback = messages();
    g_ptr_array_add(fallback, chat(SEC(21), "dave", "missed one", NULL));
    g_ptr_array_add(fallback, chat(SEC(20), "erin", "missed one", NULL));
    g_ptr_array_add(fallback, chat(SEC(25), "dave", "missed one", NULL));
    g_autoptr(GPtrArray) two = nc_buffer_merge_history(b, fallback, NC_MERGE_NONE);
    CU_ASSERT_EQUAL(two->len, 2);
    CU_ASSERT_EQUAL(count_text(b, "missed one"), 3);

    /* An older page goes in front, and is not trimmed away at once. */
    nc_buffer_set_scrollback(b, 10);
    g_autoptr(GPtrArray) older = messages();
    for (int i = 0; i < 6; i++) {
        g_autofree char *text = g_strdup_printf("older %d", i);
        g_autofree char *id = g_strdup_printf("o%d", i);
        g_ptr_array_add(older, chat(SEC(-100 + i), "bob", text, id));
    }
    g_autoptr(GPtrArray) six = nc_buffer_merge_history(b, older, NC_MERGE_OLDER);
    CU_ASSERT_EQUAL(six->len, 6);
    CU_ASSERT_EQUAL(n_messages(b), 14);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(msg_at(b, 0)), "older 0");
    CU_ASSERT_PTR_EQUAL(nc_buffer_get_history_start(b), msg_at(b, find_text(b, "missed one")));
    g_object_unref(b);
}

static void test_read_time(void)
{
    NcBuffer *b = nc_buffer_new(NC_BUFFER_CHANNEL, "#chan");
    nc_buffer_set_active(b, TRUE);
    nc_buffer_set_active(b, FALSE); /* looked at, then away */
    g_autoptr(GPtrArray) history = messages();
    for (int i = 0; i < 4; i++) {
        g_autofree char *text = g_strdup_printf("line %d", i);
        g_autofree char *id = g_strdup_printf("r%d", i);
        g_ptr_array_add(history, chat(SEC(i), "bob", text, id));
    }
    NcMessage *mine = nc_message_new(SEC(5), NC_MSG_PRIVMSG, NC_MSG_FLAG_SELF, "me", "mine");
    g_ptr_array_add(history, mine);
    g_autoptr(GPtrArray) added = nc_buffer_merge_history(b, history, NC_MERGE_MARK_START);
    /* No read marker known yet: history is not news. */
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 0);
    /* The server says lines 0 and 1 were read (on some device). */
    nc_buffer_set_read_time(b, SEC(1));
    CU_ASSERT_EQUAL(nc_buffer_get_read_time(b), SEC(1));
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 2);
    CU_ASSERT_PTR_EQUAL(nc_buffer_get_marker(b), msg_at(b, 2));
    /* Read everything elsewhere: the badge and the marker go. */
    nc_buffer_set_read_time(b, SEC(3));
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 0);
    CU_ASSERT_PTR_NULL(nc_buffer_get_marker(b));
    /* A new line afterwards counts, and marks, as before. */
    g_autoptr(NcMessage) live = chat(SEC(9), "bob", "live", "r9");
    nc_buffer_append(b, live);
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 1);
    CU_ASSERT_PTR_EQUAL(nc_buffer_get_marker(b), live);
    /* Looked at: a read marker does not move what the user sees. */
    nc_buffer_set_active(b, TRUE);
    nc_buffer_set_read_time(b, SEC(9));
    CU_ASSERT_PTR_EQUAL(nc_buffer_get_marker(b), live);
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 0);
    g_object_unref(b);
}

/* ---- the view's rows ------------------------------------------------------ */

typedef struct {
    guint calls, pos, removed, added;
} Change;

static void on_rows_changed(GListModel *m, guint pos, guint removed, guint added, Change *c)
{
    c->calls++;
    c->pos = pos;
    c->removed = removed;
    c->added = added;
}

/* History merged in changes only the rows where it went, so a list view
 * keeps its place (and the rows it holds stay the model's). */
static void test_rows_keep_their_place(void)
{
    NcBuffer *b = nc_buffer_new(NC_BUFFER_CHANNEL, "#chan");
    for (int i = 0; i < 6; i++) {
        g_autofree char *text = g_strdup_printf("held %d", i);
        g_autofree char *id = g_strdup_printf("h%d", i);
        g_autoptr(NcMessage) m = chat(SEC(10 * i), "bob", text, id);
        nc_buffer_append(b, m);
    }
    NcFoldModel *rows = nc_fold_model_new(nc_buffer_get_messages(b));
    g_autoptr(NcRow) last_row = g_list_model_get_item(G_LIST_MODEL(rows), 5);
    Change c = {0};
    g_signal_connect(rows, "items-changed", G_CALLBACK(on_rows_changed), &c);

    g_autoptr(GPtrArray) older = messages();
    g_ptr_array_add(older, chat(SEC(-20), "bob", "older 0", "o0"));
    g_ptr_array_add(older, chat(SEC(-10), "bob", "older 1", "o1"));
    g_autoptr(GPtrArray) a = nc_buffer_merge_history(b, older, NC_MERGE_OLDER);
    CU_ASSERT_EQUAL(c.calls, 1);
    CU_ASSERT(c.pos == 0 && c.removed == 0 && c.added == 2);

    g_autoptr(GPtrArray) gap = messages();
    g_ptr_array_add(gap, chat(SEC(35), "carol", "in the gap", "g0"));
    g_autoptr(GPtrArray) g = nc_buffer_merge_history(b, gap, NC_MERGE_MARK_START);
    CU_ASSERT_EQUAL(c.calls, 2);
    CU_ASSERT(c.pos == 6 && c.removed == 0 && c.added == 1);
    /* The row a view holds for the newest line is still the model's. */
    g_autoptr(NcRow) now_last = g_list_model_get_item(G_LIST_MODEL(rows), 8);
    CU_ASSERT_PTR_EQUAL(now_last, last_row);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(nc_row_get_message(now_last)), "held 5");
    g_object_unref(rows);
    g_object_unref(b);
}

/* ---- the log ------------------------------------------------------------ */

static void test_log_msgid(void)
{
    g_autofree char *dir = g_dir_make_tmp("natter-hlog-XXXXXX", NULL);
    CU_ASSERT_FATAL(dir != NULL);
    NcLogger *log = nc_logger_new(dir);
    gint64 now = g_get_real_time() / 1000 * 1000; /* the log keeps milliseconds */
    g_autoptr(NcMessage) a = chat(now - 5000000, "bob", "with id", "id-1");
    g_autoptr(NcMessage) late = chat(now - 9000000, "carol", "older, written later", "id-0");
    g_autoptr(NcMessage) c = chat(now, "dave", "without", NULL);
    CU_ASSERT(nc_logger_write(log, "net", "#chan", a));
    CU_ASSERT(nc_logger_write(log, "net", "#chan", late));
    CU_ASSERT(nc_logger_write(log, "net", "#chan", c));
    /* An old natter's line, and one of no known form. */
    g_autofree char *path = nc_logger_path(log, "net", "#chan", now);
    g_autofree char *contents = NULL;
    CU_ASSERT_FATAL(g_file_get_contents(path, &contents, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(strstr(contents, " msgid=id-1] <bob> with id\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(contents, "] <dave> without\n"));
    nc_logger_free(log);

    log = nc_logger_new(dir);
    g_autoptr(GPtrArray) tail = nc_logger_tail(log, "net", "#chan", 10);
    CU_ASSERT_EQUAL_FATAL(tail->len, 3);
    /* In time order again, with msgids and milliseconds back. */
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(tail->pdata[0]), "older, written later");
    CU_ASSERT_STRING_EQUAL(nc_message_get_msgid(tail->pdata[0]), "id-0");
    CU_ASSERT_EQUAL(nc_message_get_time(tail->pdata[0]), now - 9000000);
    CU_ASSERT_STRING_EQUAL(nc_message_get_msgid(tail->pdata[1]), "id-1");
    CU_ASSERT_STRING_EQUAL(nc_message_get_sender(tail->pdata[1]), "bob");
    CU_ASSERT_PTR_NULL(nc_message_get_msgid(tail->pdata[2]));
    CU_ASSERT(nc_message_same(tail->pdata[2], c));
    nc_logger_free(log);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---- batches routed by the client ---------------------------------------- */

static NcClient *canned_client(void)
{
    NcClient *c = nc_client_new("irc.example", 6667, "me", NULL, NULL);
    nc_client_handle_line(c, ":srv CAP * ACK :batch draft/chathistory server-time message-tags "
                             "draft/event-playback draft/read-marker labeled-response");
    nc_client_handle_line(c, ":srv 001 me :hi");
    nc_client_handle_line(c, ":srv 005 me CHATHISTORY=50 MSGREFTYPES=timestamp,msgid :ok");
    return c;
}

static void test_batches_routed(void)
{
    NcClient *c = canned_client();
    nc_client_handle_line(c, "@msgid=j1;time=2024-01-02T03:06:00.000Z :me!u@h JOIN #chan");
    NcBuffer *b = nc_network_find_buffer(nc_client_get_network(c), "#chan");
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(nc_client_history_pending(c, b));
    /* The answer inside a labeled-response batch (as to a labelled
     * request), with a netsplit-style batch around a live line. */
    const char *lines[] = {
        "@label=nh1 :srv BATCH +L labeled-response",
        "@batch=L :srv BATCH +H chathistory #chan",
        "@batch=H;time=2024-01-02T03:04:05.000Z;msgid=h1 :bob!b@h PRIVMSG #chan :from history",
        "@batch=H;time=2024-01-02T03:04:06.000Z;msgid=h2 :bob!b@h JOIN #chan",
        "@batch=H;time=2024-01-02T03:04:07.000Z;msgid=h3 :bob!b@h PRIVMSG #chan :\001VERSION\001",
        "@batch=H;time=2024-01-02T03:04:08.000Z;msgid=h4 :carol!c@h PRIVMSG #chan :me: hi",
        ":srv BATCH +N netsplit a b",
        "@batch=N :dave!d@h QUIT :a b",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(lines); i++)
        nc_client_handle_line(c, lines[i]);
    /* Nothing shows until the batch is complete. */
    CU_ASSERT_EQUAL(find_text(b, "from history"), G_MAXUINT);
    nc_client_handle_line(c, "@batch=L :srv BATCH -H");
    nc_client_handle_line(c, ":srv BATCH -L");
    nc_client_handle_line(c, ":srv BATCH -N");
    CU_ASSERT_FALSE(nc_client_history_pending(c, b));
    guint at = find_text(b, "from history");
    CU_ASSERT_FATAL(at != G_MAXUINT);
    NcMessage *h = msg_at(b, at);
    CU_ASSERT_EQUAL(nc_message_get_kind(h), NC_MSG_PRIVMSG);
    CU_ASSERT_STRING_EQUAL(nc_message_get_sender(h), "bob");
    CU_ASSERT_EQUAL(nc_message_get_time(h), T0);
    /* Nothing was held before: all of it is history, no divider. */
    CU_ASSERT_PTR_NULL(nc_buffer_get_history_start(b));
    /* The history's JOIN is an event line, not a member change. */
    CU_ASSERT(find_text(b, "bob (b@h) joined #chan") != G_MAXUINT);
    CU_ASSERT_PTR_NULL(nc_buffer_find_member(b, "bob"));
    CU_ASSERT(nc_message_get_flags(msg_at(b, find_text(b, "me: hi"))) & NC_MSG_FLAG_HIGHLIGHT);
    /* In time order, our JOIN last; the CTCP is not shown. */
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(msg_at(b, n_messages(b) - 1)),
                           "me (u@h) joined #chan");
    CU_ASSERT_EQUAL(n_messages(b), 4);

    /* A batch the server sends on its own is merged too; an empty answer
     * (ACK) ends a request. */
    nc_client_handle_line(c, ":srv BATCH +U chathistory #chan");
    nc_client_handle_line(c, "@batch=U;time=2024-01-02T03:05:00.000Z;msgid=u1 :erin!e@h NOTICE "
                             "#chan :unasked");
    nc_client_handle_line(c, ":srv BATCH -U");
    CU_ASSERT(find_text(b, "unasked") != G_MAXUINT);
    CU_ASSERT(nc_client_fetch_older(c, b));
    CU_ASSERT_FALSE(nc_client_fetch_older(c, b)); /* one at a time */
    nc_client_handle_line(c, "@label=nh2 :srv ACK");
    CU_ASSERT_FALSE(nc_client_history_pending(c, b));
    /* Nothing older came: there is nothing older to ask for. */
    CU_ASSERT_FALSE(nc_client_fetch_older(c, b));

    /* Read markers from the server: two lines after it are unread. */
    nc_buffer_set_active(b, FALSE);
    nc_client_handle_line(c, "MARKREAD #chan timestamp=2024-01-02T03:04:06.000Z");
    CU_ASSERT_EQUAL(nc_buffer_get_read_time(b), T0 + 1000000);
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 2); /* carol's and erin's */
    CU_ASSERT_EQUAL(nc_buffer_get_mentions(b), 1);
    nc_client_handle_line(c, "MARKREAD #chan timestamp=2024-01-02T03:06:00.000Z");
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 0);
    CU_ASSERT_EQUAL(nc_buffer_get_mentions(b), 0);
    nc_client_handle_line(c, "MARKREAD #nowhere timestamp=2024-01-02T03:06:00.000Z");
    nc_client_handle_line(c, "MARKREAD #chan *");
    CU_ASSERT_EQUAL(nc_buffer_get_read_time(b), 0);

    /* FAIL CHATHISTORY ends the request and says so in the server tab. */
    nc_client_handle_line(c, "@msgid=j2 :me!u@h JOIN #other");
    NcBuffer *other = nc_network_find_buffer(nc_client_get_network(c), "#other");
    CU_ASSERT_FATAL(other != NULL);
    CU_ASSERT(nc_client_history_pending(c, other));
    nc_client_handle_line(c, ":srv FAIL CHATHISTORY INVALID_TARGET LATEST #other :No such channel");
    CU_ASSERT_FALSE(nc_client_history_pending(c, other));
    CU_ASSERT(find_text(nc_network_get_server_buffer(nc_client_get_network(c)),
                        "The server's history of #other is not available: No such channel") !=
              G_MAXUINT);
    g_object_unref(c);
}

/* ---- against a scripted server -------------------------------------------- */

static gboolean expect(const char *prefix, char **line)
{
    char *got = fake_expect(&fake, prefix, 3000);
    if (!got)
        fprintf(stderr, "did not get a line starting with \"%s\"\n", prefix);
    if (line)
        *line = got;
    else
        g_free(got);
    return got != NULL;
}

/* Accept, offer the history capabilities (no labeled-response: answers
 * are matched by target), register, and take the JOIN of #chan. */
static gboolean register_and_join(NcClient *c)
{
    if (!fake_accept(&fake, 3000) || !expect("CAP LS 302", NULL))
        return FALSE;
    fake_send(&fake, ":srv CAP * LS :server-time message-tags batch draft/chathistory "
                     "draft/event-playback draft/read-marker echo-message");
    g_autofree char *req = NULL;
    if (!expect("CAP REQ", &req) || !strstr(req, "draft/chathistory") || !strstr(req, "batch") ||
        !strstr(req, "draft/read-marker") || !strstr(req, "echo-message"))
        return FALSE;
    fake_send(&fake, ":srv CAP * ACK :%s", strstr(req, ":") + 1);
    if (!expect("CAP END", NULL))
        return FALSE;
    fake_send(&fake, ":srv 001 me :Welcome");
    fake_send(&fake, ":srv 005 me CHATHISTORY=3 MSGREFTYPES=msgid,timestamp :are supported");
    return fake_wait_state(c, NC_STATE_CONNECTED, 3000) && expect("JOIN #chan", NULL);
}

static void send_batch(const char *id, const char *const *lines)
{
    fake_send(&fake, ":srv BATCH +%s chathistory #chan", id);
    for (guint i = 0; lines[i]; i++)
        fake_send(&fake, "@batch=%s;%s", id, lines[i]);
    fake_send(&fake, ":srv BATCH -%s", id);
}

static gboolean wait_settled(NcClient *c, NcBuffer *b)
{
    return fake_wait_history(c, b, 3000);
}

static void test_reconnect_fills_gap_once(void)
{
    g_autofree char *dir = g_dir_make_tmp("natter-gap-XXXXXX", NULL);
    NcLogger *log = nc_logger_new(dir);
    fake_start(&fake);
    const char *autojoin[] = {"#chan", NULL};
    NcClient *c = nc_client_new("127.0.0.1", fake.addr.port, "me", "Test", NULL);
    nc_client_set_timing(c, 5000, 15000, 50, 200, 2000);
    nc_client_set_logger(c, log, 50);
    nc_client_set_autojoin(c, autojoin);
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_and_join(c));

    /* First join: nothing known, so the latest page. */
    fake_send(&fake, "@time=2024-01-02T03:05:00.000Z;msgid=j1 :me!u@h JOIN #chan");
    CU_ASSERT_FATAL(expect("CHATHISTORY LATEST #chan * 3", NULL));
    const char *first[] = {
        "time=2024-01-02T03:04:05.000Z;msgid=a1 :bob!b@h PRIVMSG #chan :before we came",
        "time=2024-01-02T03:04:10.000Z;msgid=a0 :bob!b@h PRIVMSG #chan :also before",
        "time=2024-01-02T03:05:00.000Z;msgid=j1 :me!u@h JOIN #chan",
        NULL,
    };
    send_batch("b1", first);
    NcBuffer *b = nc_network_find_buffer(nc_client_get_network(c), "#chan");
    CU_ASSERT_FATAL(b != NULL && wait_settled(c, b));
    CU_ASSERT_EQUAL(count_text(b, "before we came"), 1);
    CU_ASSERT_EQUAL(count_text(b, "me (u@h) joined #chan"), 1);
    /* Our own line comes back (echo-message) with the server's msgid. */
    GError *error = NULL;
    CU_ASSERT(nc_client_send_input(c, b, "said live", &error));
    /* The latest page was full, but nothing comes after the latest: the
     * next line out is ours, not another CHATHISTORY. */
    g_autofree char *next = fake_expect(&fake, "", 3000);
    CU_ASSERT(next && g_str_has_prefix(next, "PRIVMSG #chan :said live"));
    CU_ASSERT_EQUAL(count_text(b, "said live"), 0);
    fake_send(&fake, "@time=2024-01-02T03:05:10.000Z;msgid=s1 :me!u@h PRIVMSG #chan :said live");
    fake_send(&fake, "@time=2024-01-02T03:05:20.000Z;msgid=a2 :bob!b@h PRIVMSG #chan :live one");
    fake_send(&fake, "PING :sync");
    CU_ASSERT(expect("PONG :sync", NULL));
    CU_ASSERT_EQUAL(count_text(b, "said live"), 1);

    /* The link drops; bob talks on; the client comes back. */
    fake_reset(&fake);
    CU_ASSERT_FATAL(register_and_join(c));
    fake_send(&fake, "@time=2024-01-02T03:09:00.000Z;msgid=j2 :me!u@h JOIN #chan");
    /* ...and asks for what came after the newest line it had. */
    CU_ASSERT_FATAL(expect("CHATHISTORY AFTER #chan msgid=a2 3", NULL));
    const char *page1[] = {
        "time=2024-01-02T03:06:00.000Z;msgid=g1 :bob!b@h PRIVMSG #chan :gap one",
        "time=2024-01-02T03:06:30.000Z;msgid=g2 :bob!b@h PART #chan :brb",
        "time=2024-01-02T03:07:00.000Z;msgid=g3 :carol!c@h PRIVMSG #chan :gap two",
        NULL,
    };
    send_batch("p1", page1);
    /* A full page: the next one, after its last line. */
    CU_ASSERT_FATAL(expect("CHATHISTORY AFTER #chan msgid=g3 3", NULL));
    CU_ASSERT(nc_client_history_pending(c, b));
    const char *page2[] = {
        "time=2024-01-02T03:08:00.000Z;msgid=g4 :carol!c@h PRIVMSG #chan :gap three",
        "time=2024-01-02T03:09:00.000Z;msgid=j2 :me!u@h JOIN #chan",
        NULL,
    };
    send_batch("p2", page2);
    CU_ASSERT_FATAL(wait_settled(c, b));
    /* Each line once, in order, the divider above the first missed. */
    const char *gap[] = {"gap one", "bob left #chan (brb)", "gap two", "gap three"};
    guint last = find_text(b, "live one");
    for (gsize i = 0; i < G_N_ELEMENTS(gap); i++) {
        CU_ASSERT_EQUAL(count_text(b, gap[i]), 1);
        guint at = find_text(b, gap[i]);
        CU_ASSERT(at > last && at != G_MAXUINT);
        last = at;
    }
    CU_ASSERT_PTR_EQUAL(nc_buffer_get_history_start(b), msg_at(b, find_text(b, "gap one")));
    CU_ASSERT_EQUAL(count_text(b, "me (u@h) joined #chan"), 2);

    /* Scrolling up: BEFORE the oldest line held; a short page is the end. */
    CU_ASSERT(nc_client_fetch_older(c, b));
    CU_ASSERT_FATAL(expect("CHATHISTORY BEFORE #chan msgid=a1 3", NULL));
    const char *older[] = {
        "time=2024-01-02T03:00:00.000Z;msgid=o1 :bob!b@h PRIVMSG #chan :long ago",
        NULL,
    };
    send_batch("o", older);
    CU_ASSERT_FATAL(wait_settled(c, b));
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(msg_at(b, 0)), "long ago");
    CU_ASSERT_FALSE(nc_client_fetch_older(c, b));

    /* Reading sends MARKREAD with the newest line's time; the server's
     * answer (another device) clears the badge. */
    CU_ASSERT(nc_client_mark_read(c, b));
    CU_ASSERT(expect("MARKREAD #chan timestamp=2024-01-02T03:09:00.000Z", NULL));
    CU_ASSERT_FALSE(nc_client_mark_read(c, b)); /* nothing newer */
    /* A refusal (natterd: not logged in) is taken quietly, and ends the
     * asking on this connection; the read time is still kept here. */
    fake_send(&fake, "FAIL MARKREAD ACCOUNT_REQUIRED #chan :Log in to keep read markers");
    fake_send(&fake, "@time=2024-01-02T03:09:30.000Z;msgid=n0 :bob!b@h PRIVMSG #chan :more");
    fake_send(&fake, "PING :sync1");
    CU_ASSERT(expect("PONG :sync1", NULL));
    CU_ASSERT_FALSE(nc_client_mark_read(c, b));
    CU_ASSERT_EQUAL(nc_buffer_get_read_time(b), T0 + 325 * G_USEC_PER_SEC);
    CU_ASSERT_EQUAL(find_text(nc_network_get_server_buffer(nc_client_get_network(c)),
                              "Log in to keep read markers"),
                    G_MAXUINT);
    nc_buffer_set_active(b, FALSE);
    fake_send(&fake, "@time=2024-01-02T03:10:00.000Z;msgid=n1 :bob!b@h PRIVMSG #chan :new");
    fake_send(&fake, "PING :sync2");
    CU_ASSERT(expect("PONG :sync2", NULL));
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 1);
    fake_send(&fake, "MARKREAD #chan timestamp=2024-01-02T03:10:00.000Z");
    fake_send(&fake, "PING :sync3");
    CU_ASSERT(expect("PONG :sync3", NULL));
    CU_ASSERT_EQUAL(nc_buffer_get_unread(b), 0);

    /* The log has every line once, with its msgid: a restart merges
     * exactly. */
    nc_client_disconnect(c, NULL);
    fake_pump(50);
    g_object_unref(c);
    g_autoptr(GPtrArray) tail = nc_logger_tail(log, "127.0.0.1", "#chan", 100);
    guint gaps = 0, withid = 0;
    for (guint i = 0; i < tail->len; i++) {
        gaps += strcmp(nc_message_get_text(tail->pdata[i]), "gap two") == 0;
        withid += nc_message_get_msgid(tail->pdata[i]) != NULL;
    }
    CU_ASSERT_EQUAL(gaps, 1);
    CU_ASSERT_EQUAL(withid, tail->len);
    fake_stop(&fake);
    nc_logger_free(log);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A server without chathistory: no CHATHISTORY, no MARKREAD, our own
 * lines shown at once as before. */
static void test_without_history(void)
{
    fake_start(&fake);
    const char *autojoin[] = {"#chan", NULL};
    NcClient *c = nc_client_new("127.0.0.1", fake.addr.port, "me", "Test", NULL);
    nc_client_set_timing(c, 5000, 15000, 50, 200, 2000);
    nc_client_set_autojoin(c, autojoin);
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000) && expect("CAP LS 302", NULL));
    fake_send(&fake, ":srv CAP * LS :server-time");
    CU_ASSERT(expect("CAP REQ :server-time", NULL));
    fake_send(&fake, ":srv CAP * ACK :server-time");
    CU_ASSERT(expect("CAP END", NULL));
    fake_send(&fake, ":srv 001 me :Welcome");
    CU_ASSERT_FATAL(expect("JOIN #chan", NULL));
    fake_send(&fake, ":me!u@h JOIN #chan");
    NcBuffer *b = NULL;
    for (int i = 0; i < 100 && !b; i++) {
        fake_pump(10);
        b = nc_network_find_buffer(nc_client_get_network(c), "#chan");
    }
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_FALSE(nc_client_history_pending(c, b));
    CU_ASSERT_FALSE(nc_client_fetch_older(c, b));
    CU_ASSERT_FALSE(nc_client_mark_read(c, b));
    GError *error = NULL;
    CU_ASSERT(nc_client_send_input(c, b, "shown at once", &error));
    CU_ASSERT_EQUAL(count_text(b, "shown at once"), 1);
    /* The next thing the server hears is our line, not a history request. */
    g_autofree char *next = fake_expect(&fake, "", 3000);
    CU_ASSERT(next && g_str_has_prefix(next, "PRIVMSG #chan :shown at once"));
    nc_client_disconnect(c, NULL);
    fake_pump(50);
    g_object_unref(c);
    fake_stop(&fake);
}

static CU_TestInfo tests[] = {
    {"batches: nested, closed, found by type", test_batches},
    {"a line becomes the message it was live", test_line_to_message},
    {"merge: by time, no duplicates (msgid, fallback)", test_merge},
    {"read markers move unread counts and the marker", test_read_time},
    {"merged history changes only its own rows", test_rows_keep_their_place},
    {"the log keeps msgids and reads the old form", test_log_msgid},
    {"chathistory batches go to their buffer", test_batches_routed},
    {"a reconnect fills the gap once, then older pages", test_reconnect_fills_gap_once},
    {"a server without chathistory works as before", test_without_history},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("gui-history", tests);
}

/* SPDX-License-Identifier: MIT */
/* Search (search.c): matches in a buffer's visible text with their
 * offsets, Unicode case folding, formatting codes skipped; matches kept
 * up to date through lines said, trims and random changes, always equal
 * to a full search; the logs of a network (written by log.c's own writer
 * under a temporary XDG_DATA_HOME) newest first, batched, capped and
 * cancelled, and a hit's context from a 50 MB day; and how long 100,000
 * messages and 50 MB of logs take (printed, not asserted).
 * Codes followed by text are written in octal ("\0034" is \x03 then "4"). */
#include "search.h"
#include "log.h"
#include "helpers.h"

#include <stdio.h>
#include <string.h>

/* The big log files: 50 MB, a busy channel's day; under the sanitizers,
 * which make every write and byte check several times dearer, 5 MB still
 * covers every path (the timings printed are then not comparable). */
#if defined(__SANITIZE_ADDRESS__)
#define BIG_LOG_MB 5u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIG_LOG_MB 5u
#endif
#endif
#ifndef BIG_LOG_MB
#define BIG_LOG_MB 50u
#endif

static char *data_home;

/* The temporary folder and everything in it. */
static void remove_tree(const char *path)
{
    const char *argv[] = {"rm", "-rf", "--", path, NULL};
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static NcMessage *say(gint64 t, const char *sender, const char *text)
{
    return nc_message_new(t, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, sender, text);
}

/* spans[i] is [start, end). */
static void check_span(GArray *spans, guint i, gsize start, gsize end)
{
    CU_ASSERT_FATAL(i < spans->len);
    NcSearchSpan s = g_array_index(spans, NcSearchSpan, i);
    CU_ASSERT_EQUAL(s.start, start);
    CU_ASSERT_EQUAL(s.end, end);
}

static void test_buffer_matches(void)
{
    g_autoptr(NcBuffer) b = nc_buffer_new(NC_BUFFER_CHANNEL, "#chan");
    gint64 t = (gint64)1700000000 * G_USEC_PER_SEC;
    const char *texts[] = {"Hello world", "nothing here", "say HELLO and hello again",
                           "hel lo", "shellos"};
    for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_autoptr(NcMessage) m = say(t + i, "bob", texts[i]);
        nc_buffer_append(b, m);
    }
    g_autoptr(GPtrArray) found = nc_search_buffer(b, "hello");
    CU_ASSERT_EQUAL_FATAL(found->len, 3);
    NcBufferMatch *m0 = found->pdata[0], *m1 = found->pdata[1], *m2 = found->pdata[2];
    CU_ASSERT_EQUAL(m0->position, 0);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(m0->message), "Hello world");
    CU_ASSERT_EQUAL(m0->spans->len, 1);
    check_span(m0->spans, 0, 0, 5);
    CU_ASSERT_EQUAL(m1->position, 2);
    CU_ASSERT_EQUAL(m1->spans->len, 2);
    check_span(m1->spans, 0, 4, 9);
    check_span(m1->spans, 1, 14, 19);
    CU_ASSERT_EQUAL(m2->position, 4);
    check_span(m2->spans, 0, 1, 6);

    /* Matches do not overlap, and nothing is found for "" */
    g_autoptr(GArray) aa = nc_search_text("aa", "aaaaa", NULL);
    CU_ASSERT_EQUAL(aa->len, 2);
    check_span(aa, 1, 2, 4);
    g_autoptr(GPtrArray) none = nc_search_buffer(b, "");
    CU_ASSERT_EQUAL(none->len, 0);
    g_autoptr(GPtrArray) missing = nc_search_buffer(b, "absent");
    CU_ASSERT_EQUAL(missing->len, 0);
}

static void test_casefold(void)
{
    /* "Die Straße" : ß is bytes 8-9, folding to "ss" */
    char *visible = NULL;
    g_autoptr(GArray) s1 = nc_search_text("STRASSE", "Die Stra\xc3\x9f" "e", &visible);
    CU_ASSERT_STRING_EQUAL(visible, "Die Stra\xc3\x9f" "e");
    g_free(visible);
    CU_ASSERT_EQUAL_FATAL(s1->len, 1);
    check_span(s1, 0, 4, 11);
    /* A match ending inside a folded character covers all of it. */
    g_autoptr(GArray) s2 = nc_search_text("stras", "Stra\xc3\x9f" "e", NULL);
    CU_ASSERT_EQUAL_FATAL(s2->len, 1);
    check_span(s2, 0, 0, 6);
    /* Accented capitals: "CAFÉ" finds "café" after an accented word. */
    g_autoptr(GArray) s3 = nc_search_text("CAF\xc3\x89", "\xc3\xa9t\xc3\xa9 caf\xc3\xa9!", NULL);
    CU_ASSERT_EQUAL_FATAL(s3->len, 1);
    check_span(s3, 0, 6, 11);
    /* Greek, and the query's case does not matter either way. */
    g_autoptr(GArray) s4 =
        nc_search_text("\xce\xbb\xcf\x8c\xce\xb3\xce\xbf\xcf\x82", "\xce\x9b\xce\x8c\xce\x93\xce\x9f\xce\xa3", NULL);
    CU_ASSERT_EQUAL(s4->len, 1);
    /* ASCII text cannot hold a non-ASCII query. */
    g_autoptr(GArray) s5 = nc_search_text("\xc3\xa9", "cafe", NULL);
    CU_ASSERT_EQUAL(s5->len, 0);
}

static void test_formatting_ignored(void)
{
    char *visible = NULL;
    /* bold in the middle of the word, a colour before it */
    g_autoptr(GArray) s = nc_search_text("hello", "\0034,12say\003 \002hel\002lo", &visible);
    CU_ASSERT_STRING_EQUAL(visible, "say hello");
    g_free(visible);
    CU_ASSERT_EQUAL_FATAL(s->len, 1);
    check_span(s, 0, 4, 9);
    /* Codes in the query are not searched for either. */
    g_autoptr(GArray) q = nc_search_text("\002say", "say", NULL);
    CU_ASSERT_EQUAL(q->len, 1);
    /* A colour's digits are codes, not text. */
    g_autoptr(GArray) digits = nc_search_text("04", "\00304red", NULL);
    CU_ASSERT_EQUAL(digits->len, 0);

    g_autoptr(NcBuffer) b = nc_buffer_new(NC_BUFFER_CHANNEL, "#chan");
    g_autoptr(NcMessage) m = say(1, "bob", "\037und\037er");
    nc_buffer_append(b, m);
    g_autoptr(GPtrArray) found = nc_search_buffer(b, "UNDER");
    CU_ASSERT_EQUAL_FATAL(found->len, 1);
    check_span(((NcBufferMatch *)found->pdata[0])->spans, 0, 0, 5);
}

/* ---- keeping a buffer's matches up to date -------------------------- */

/* matches as a buffer's "items-changed" leaves them: updated in place
 * when nc_search_buffer_update() can, else searched again, as the search
 * bar does after its pause. */
typedef struct {
    NcBuffer *buffer;
    const char *query;
    GPtrArray *matches;
    guint updated;  /* changes followed in place */
    guint searched; /* changes that needed a search again */
} Follower;

static void on_items_changed(GListModel *model, guint position, guint removed, guint added,
                             Follower *f)
{
    if (nc_search_buffer_update(f->matches, f->buffer, f->query, position, removed, added)) {
        f->updated++;
        return;
    }
    f->searched++;
    g_ptr_array_unref(f->matches);
    f->matches = nc_search_buffer(f->buffer, f->query);
}

static gulong follow(Follower *f, NcBuffer *buffer, const char *query)
{
    memset(f, 0, sizeof *f);
    f->buffer = buffer;
    f->query = query;
    f->matches = nc_search_buffer(buffer, query);
    return g_signal_connect(nc_buffer_get_messages(buffer), "items-changed",
                            G_CALLBACK(on_items_changed), f);
}

static void unfollow(Follower *f, gulong id)
{
    g_signal_handler_disconnect(nc_buffer_get_messages(f->buffer), id);
    g_ptr_array_unref(f->matches);
}

/* The followed matches are what a search of the whole buffer finds now. */
static gboolean same_as_full_search(Follower *f)
{
    g_autoptr(GPtrArray) full = nc_search_buffer(f->buffer, f->query);
    if (full->len != f->matches->len)
        return FALSE;
    for (guint i = 0; i < full->len; i++) {
        NcBufferMatch *a = full->pdata[i], *b = f->matches->pdata[i];
        if (a->position != b->position || a->message != b->message ||
            a->spans->len != b->spans->len)
            return FALSE;
        if (memcmp(a->spans->data, b->spans->data, a->spans->len * sizeof(NcSearchSpan)) != 0)
            return FALSE;
    }
    return TRUE;
}

static NcBufferMatch *match_at(Follower *f, guint i)
{
    CU_ASSERT_FATAL(i < f->matches->len);
    return f->matches->pdata[i];
}

static void test_follow_appends_and_trims(void)
{
    g_autoptr(NcBuffer) b = nc_buffer_new(NC_BUFFER_CHANNEL, "#chan");
    nc_buffer_set_scrollback(b, 20);
    Follower f;
    gulong id = follow(&f, b, "needle");
    CU_ASSERT_EQUAL(f.matches->len, 0);
    /* Lines said: each searched alone, matches added with their offsets. */
    for (guint i = 0; i < 20; i++) {
        g_autofree char *text =
            g_strdup_printf(i % 4 == 1 ? "line %02u, \002a NEEDLE\002 and a needle" : "line %02u", i);
        g_autoptr(NcMessage) m = say(i, "bob", text);
        nc_buffer_append(b, m);
    }
    CU_ASSERT_EQUAL(f.searched, 0);
    CU_ASSERT_EQUAL(f.updated, 20);
    CU_ASSERT_EQUAL_FATAL(f.matches->len, 5);
    CU_ASSERT_EQUAL(match_at(&f, 0)->position, 1);
    CU_ASSERT_EQUAL(match_at(&f, 4)->position, 17);
    check_span(match_at(&f, 4)->spans, 0, 11, 17);
    check_span(match_at(&f, 4)->spans, 1, 24, 30);
    CU_ASSERT_TRUE(same_as_full_search(&f));

    /* The 21st line trims the oldest two (a tenth of the limit): line 01's
     * match goes, the others move up two places. */
    g_autoptr(NcMessage) m20 = say(20, "bob", "line 20");
    nc_buffer_append(b, m20);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_buffer_get_messages(b)), 19);
    CU_ASSERT_EQUAL(f.searched, 0);
    CU_ASSERT_EQUAL_FATAL(f.matches->len, 4);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(match_at(&f, 0)->message),
                           "line 05, \002a NEEDLE\002 and a needle");
    CU_ASSERT_EQUAL(match_at(&f, 0)->position, 3);
    CU_ASSERT_TRUE(same_as_full_search(&f));

    /* A trim that takes no match only moves them; one that takes all
     * leaves none. */
    nc_buffer_set_scrollback(b, 16);
    CU_ASSERT_EQUAL_FATAL(f.matches->len, 4);
    CU_ASSERT_EQUAL(match_at(&f, 0)->position, 0);
    CU_ASSERT_TRUE(same_as_full_search(&f));
    nc_buffer_clear_messages(b);
    CU_ASSERT_EQUAL(f.matches->len, 0);
    CU_ASSERT_EQUAL(f.searched, 0);

    /* History put in front cannot be followed in place: FALSE, and the
     * matches are left as they were, for a search again. */
    g_autoptr(NcMessage) last = say(100, "bob", "a needle");
    nc_buffer_append(b, last);
    g_autoptr(GPtrArray) before = nc_search_buffer(b, "needle");
    CU_ASSERT_EQUAL_FATAL(before->len, 1);
    NcBufferMatch *kept = before->pdata[0];
    g_autoptr(GPtrArray) history = g_ptr_array_new_with_free_func(g_object_unref);
    g_ptr_array_add(history, say(50, "bob", "an older needle"));
    nc_buffer_prepend_history(b, history);
    CU_ASSERT_FALSE(nc_search_buffer_update(before, b, "needle", 0, 0, 1));
    CU_ASSERT_EQUAL(before->len, 1);
    CU_ASSERT_PTR_EQUAL(before->pdata[0], kept);
    CU_ASSERT_EQUAL(kept->position, 0);
    CU_ASSERT_EQUAL(f.searched, 1);
    CU_ASSERT_EQUAL(f.matches->len, 2);
    CU_ASSERT_TRUE(same_as_full_search(&f));
    /* An empty query follows nothing. */
    g_autoptr(GPtrArray) none = nc_search_buffer(b, "");
    g_autoptr(NcMessage) again = say(101, "bob", "needle again");
    nc_buffer_append(b, again);
    guint n = g_list_model_get_n_items(nc_buffer_get_messages(b));
    CU_ASSERT_TRUE(nc_search_buffer_update(none, b, "", n - 1, 0, 1));
    CU_ASSERT_EQUAL(none->len, 0);
    unfollow(&f, id);
}

/* Random traffic, history merged anywhere, scrollback changes and
 * clears: after every change the followed matches equal a full search. */
static void test_follow_random_edits(void)
{
    g_autoptr(NcBuffer) b = nc_buffer_new(NC_BUFFER_CHANNEL, "#chan");
    nc_buffer_set_scrollback(b, 60);
    g_autoptr(GRand) rand = g_rand_new_with_seed(18);
    const char *words[] = {"needle", "Needle in \002bold\002", "hay", "NEEDLE NEEDLE", "straw",
                           "ne\002edle\002"};
    Follower f;
    gulong id = follow(&f, b, "needle");
    gint64 clock = 1000000;
    guint mismatches = 0;
    for (guint step = 0; step < 2000; step++) {
        guint op = (guint)g_rand_int_range(rand, 0, 100);
        if (op < 80) {
            g_autoptr(NcMessage) m =
                say(clock++, "bob", words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))]);
            nc_buffer_append(b, m);
        } else if (op < 92) {
            /* history from the server, at times among those held */
            g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func(g_object_unref);
            gint64 at = g_rand_int_range(rand, 1000000 - 50, (gint32)clock);
            for (guint k = 0, n = (guint)g_rand_int_range(rand, 1, 4); k < n; k++) {
                g_autofree char *text = g_strdup_printf(
                    "history %u %s", step, words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))]);
                g_ptr_array_add(page, say(at + k, "carol", text));
            }
            g_autoptr(GPtrArray) added = nc_buffer_merge_history(b, page, NC_MERGE_NONE);
        } else if (op < 98) {
            nc_buffer_set_scrollback(b, (guint)g_rand_int_range(rand, 10, 80));
        } else {
            nc_buffer_clear_messages(b);
        }
        if (!same_as_full_search(&f))
            mismatches++;
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    /* both ways were taken; lines said (most changes) were followed in place */
    CU_ASSERT(f.searched > 0);
    CU_ASSERT(f.updated > 5 * f.searched);
    printf("\n  2,000 random changes: %u followed in place, %u searched again\n", f.updated,
           f.searched);
    unfollow(&f, id);
}

/* ---- logs ----------------------------------------------------------- */

typedef struct {
    GPtrArray *hits; /* every NcLogHit received, in order */
    guint batches;
    gboolean done;
    gboolean ok;
    guint total;
    gboolean more;
    GError *error;
    GCancellable *cancel_on_first; /* cancelled when the first batch arrives */
} Collected;

static void on_hits(GPtrArray *hits, gpointer user_data)
{
    Collected *c = user_data;
    c->batches++;
    while (hits->len > 0)
        g_ptr_array_add(c->hits, g_ptr_array_steal_index(hits, 0));
    if (c->cancel_on_first)
        g_cancellable_cancel(c->cancel_on_first);
}

static void on_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Collected *c = user_data;
    c->ok = nc_search_logs_finish(result, &c->total, &c->more, &c->error);
    c->done = TRUE;
}

static gboolean wake(gpointer unused)
{
    return G_SOURCE_CONTINUE;
}

/* Pump the main context until the search ends or timeout_ms pass. */
static gboolean wait_done(Collected *c, guint timeout_ms)
{
    guint waker = g_timeout_add(20, wake, NULL);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (!c->done && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(waker);
    return c->done;
}

static void collected_init(Collected *c)
{
    memset(c, 0, sizeof *c);
    c->hits = g_ptr_array_new_with_free_func((GDestroyNotify)nc_log_hit_free);
}

/* The search ended well with total hits, all received, and more or not. */
static void check_ended(Collected *c, guint total, gboolean more)
{
    CU_ASSERT_TRUE(c->ok);
    CU_ASSERT_EQUAL(c->total, total);
    CU_ASSERT_EQUAL(c->more, more);
    CU_ASSERT_EQUAL_FATAL(c->hits->len, total);
}

static void collected_clear(Collected *c)
{
    g_ptr_array_unref(c->hits);
    g_clear_error(&c->error);
}

/* Noon, local time, days_ago days before 2026-11-30. */
static gint64 noon(int days_ago, int seconds)
{
    g_autoptr(GDateTime) d = g_date_time_new_local(2026, 11, 30, 12, 0, 0);
    g_autoptr(GDateTime) back = g_date_time_add_days(d, -days_ago);
    return g_date_time_to_unix(back) * G_USEC_PER_SEC + (gint64)seconds * G_USEC_PER_SEC;
}

/* The folder of a network's logs under the temporary XDG_DATA_HOME
 * (kept for the whole run). */
static const char *log_dir(const char *network)
{
    static GPtrArray *dirs;
    if (!dirs)
        dirs = g_ptr_array_new_with_free_func(g_free);
    NcLogger *lg = nc_logger_new(NULL);
    char *dir = nc_search_log_dir(lg, network);
    nc_logger_free(lg);
    g_ptr_array_add(dirs, dir);
    return dir;
}

/* Search network's logs for query, and wait (timeout_ms at most) for the end. */
static void search_logs(Collected *c, const char *network, const char *query, guint max_hits,
                        guint timeout_ms)
{
    collected_init(c);
    nc_search_logs_async(log_dir(network), query, max_hits, NULL, on_hits, on_done, c);
    CU_ASSERT_FATAL(!c->done); /* never answered before returning */
    CU_ASSERT_TRUE_FATAL(wait_done(c, timeout_ms));
}

static void write_line(NcLogger *lg, const char *network, const char *buffer, NcMessage *m)
{
    CU_ASSERT_TRUE(nc_logger_write(lg, network, buffer, m));
}

/* Three days in two channels and a query, and another network. */
static void write_small_logs(void)
{
    NcLogger *lg = nc_logger_new(NULL);
    for (int day = 2; day >= 0; day--) {
        for (int k = 0; k < 3; k++) {
            g_autofree char *text = g_strdup_printf("day %d line %d \002Needle\002 here", day, k);
            g_autoptr(NcMessage) a = say(noon(day, k * 60), "alice", text);
            nc_message_set_msgid(a, k == 0 ? "id-a" : NULL);
            write_line(lg, "Libera", "#Natter", a);
            g_autoptr(NcMessage) other = say(noon(day, k * 60 + 30), "bob", "no match here");
            write_line(lg, "Libera", "#natter", other);
            g_autofree char *q = g_strdup_printf("needle in a query %d/%d", day, k);
            g_autoptr(NcMessage) b =
                nc_message_new(noon(day, k * 60 + 10), NC_MSG_ACTION, NC_MSG_FLAG_NONE, "carol", q);
            write_line(lg, "Libera", "Carol", b);
        }
        g_autoptr(NcMessage) elsewhere = say(noon(day, 5), "dave", "needle elsewhere");
        write_line(lg, "OFTC", "#natter", elsewhere);
    }
    nc_logger_free(lg);
}

static void test_log_search(void)
{
    write_small_logs();
    Collected c;
    search_logs(&c, "Libera", "NEEDLE", 0, 10000);
    check_ended(&c, 18, FALSE);
    CU_ASSERT(c.batches >= 1);
    /* newest first, across conversations */
    for (guint i = 1; i < c.hits->len; i++) {
        NcLogHit *newer = c.hits->pdata[i - 1], *older = c.hits->pdata[i];
        CU_ASSERT(nc_message_get_time(newer->message) >= nc_message_get_time(older->message));
    }
    NcLogHit *first = c.hits->pdata[0];
    CU_ASSERT_STRING_EQUAL(first->buffer, "carol");
    CU_ASSERT_EQUAL(nc_message_get_kind(first->message), NC_MSG_ACTION);
    CU_ASSERT_STRING_EQUAL(nc_message_get_sender(first->message), "carol");
    CU_ASSERT_STRING_EQUAL(first->text, "needle in a query 0/2");
    CU_ASSERT_EQUAL(nc_message_get_time(first->message), noon(0, 130));
    check_span(first->spans, 0, 0, 6);
    NcLogHit *second = c.hits->pdata[1];
    CU_ASSERT_STRING_EQUAL(second->buffer, "#natter");
    CU_ASSERT_STRING_EQUAL(nc_message_get_sender(second->message), "alice");
    /* the text as visible, the message as logged (codes kept) */
    CU_ASSERT_STRING_EQUAL(second->text, "day 0 line 2 Needle here");
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(second->message), "day 0 line 2 \002Needle\002 here");
    check_span(second->spans, 0, 13, 19);
    /* the oldest: day 2's first line, with its msgid and millisecond time */
    NcLogHit *last = c.hits->pdata[17];
    CU_ASSERT_STRING_EQUAL(last->buffer, "#natter");
    CU_ASSERT_EQUAL(nc_message_get_time(last->message), noon(2, 0));
    CU_ASSERT_STRING_EQUAL(nc_message_get_msgid(last->message), "id-a");

    /* The lines around a hit, from its file. */
    guint index = 99;
    g_autoptr(GPtrArray) around = nc_search_log_context(second, 2, 1, &index);
    CU_ASSERT_EQUAL(around->len, 4);
    CU_ASSERT_EQUAL(index, 2);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(around->pdata[1]), "no match here");
    collected_clear(&c);

    /* A saved network's logger keeps its logs by ID, whatever the name. */
    NcLogger *by_id = nc_logger_new_for_network(NULL, "net-7");
    g_autofree char *id_dir = nc_search_log_dir(by_id, "irc.example.org");
    g_autofree char *id_base = g_path_get_basename(id_dir);
    CU_ASSERT_STRING_EQUAL(id_base, "net-7");
    nc_logger_free(by_id);

    /* Another network's logs are not searched; nothing found is no error. */
    Collected o;
    search_logs(&o, "OFTC", "needle", 0, 10000);
    CU_ASSERT_EQUAL(o.total, 3);
    collected_clear(&o);
    Collected n;
    search_logs(&n, "Nowhere", "needle", 0, 10000);
    CU_ASSERT_TRUE(n.ok);
    CU_ASSERT_EQUAL(n.total, 0);
    CU_ASSERT_EQUAL(n.batches, 0);
    collected_clear(&n);
}

static void test_log_cap(void)
{
    Collected c;
    search_logs(&c, "Libera", "needle", 7, 10000);
    check_ended(&c, 7, TRUE);
    /* the 7 newest: day 0's six, then day 1's newest */
    NcLogHit *seventh = c.hits->pdata[6];
    CU_ASSERT_EQUAL(nc_message_get_time(seventh->message), noon(1, 130));
    collected_clear(&c);

    /* Exactly as many as the cap: nothing more. */
    Collected e;
    search_logs(&e, "Libera", "needle", 18, 10000);
    CU_ASSERT_EQUAL(e.total, 18);
    CU_ASSERT_FALSE(e.more);
    collected_clear(&e);
}

/* 50 MB of logs: one day written by the logger, repeated over many days
 * (as the logger would write them, without a flush per line). */
static guint64 write_big_logs(const char *network, gsize target_bytes)
{
    NcLogger *lg = nc_logger_new(NULL);
    const guint per_day = 5000;
    for (guint i = 0; i < per_day; i++) {
        g_autofree char *text = g_strdup_printf(
            "message %u of the day, talking about builds, tests and the weather %s", i,
            i % 997 == 0 ? "RAREWORD" : "as usual");
        g_autoptr(NcMessage) m = say(noon(0, (int)(i % 40000)), i % 2 ? "alice" : "bob", text);
        write_line(lg, network, "#big", m);
    }
    g_autofree char *path = nc_logger_path(lg, network, "#big", noon(0, 0));
    g_autofree char *day = NULL;
    gsize day_len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &day, &day_len, NULL));
    g_autofree char *dir = g_path_get_dirname(path);
    guint64 total = day_len;
    for (int d = 1; total < target_bytes; d++) {
        g_autoptr(GDateTime) t = g_date_time_new_local(2026, 11, 30, 12, 0, 0);
        g_autoptr(GDateTime) back = g_date_time_add_days(t, -d);
        g_autofree char *stamp = g_date_time_format(back, "%Y-%m-%d");
        /* The day's date in each line follows the file's. */
        g_autofree char *copy = g_strdup(day);
        for (char *p = copy; (p = strstr(p, "[")); p++)
            memcpy(p + 1, stamp, 10);
        g_autofree char *name = g_strdup_printf("%s.log", stamp);
        g_autofree char *other = g_build_filename(dir, name, NULL);
        CU_ASSERT_TRUE_FATAL(g_file_set_contents(other, copy, (gssize)day_len, NULL));
        total += day_len;
    }
    nc_logger_free(lg);
    return total;
}

static void test_log_cancel(void)
{
    write_big_logs("Big", 20u << 20);
    /* Cancelled before it starts: the callback says so, nothing arrives. */
    g_autoptr(GCancellable) early = g_cancellable_new();
    Collected c;
    collected_init(&c);
    nc_search_logs_async(log_dir("Big"), "message", 0, early, on_hits, on_done, &c);
    g_cancellable_cancel(early);
    CU_ASSERT_TRUE_FATAL(wait_done(&c, 10000));
    CU_ASSERT_FALSE(c.ok);
    CU_ASSERT_TRUE(g_error_matches(c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    CU_ASSERT_EQUAL(c.batches, 0);
    collected_clear(&c);

    /* Cancelled on the first batch: no batch after it, and it ends soon. */
    g_autoptr(GCancellable) later = g_cancellable_new();
    Collected l;
    collected_init(&l);
    l.cancel_on_first = later;
    gint64 start = g_get_monotonic_time();
    nc_search_logs_async(log_dir("Big"), "RAREWORD", 100000, later, on_hits, on_done, &l);
    CU_ASSERT_TRUE_FATAL(wait_done(&l, 10000));
    CU_ASSERT_FALSE(l.ok);
    CU_ASSERT_EQUAL(l.batches, 1);
    printf("\n  cancelled on the first batch: ended after %.1f ms\n",
           (double)(g_get_monotonic_time() - start) / 1000.0);
    collected_clear(&l);
}

/* A hit on line of the file at path, as a log search would give it. */
static NcLogHit *hit_at(const char *path, guint line)
{
    NcLogHit *hit = g_new0(NcLogHit, 1);
    hit->buffer = g_strdup("#big");
    hit->path = g_strdup(path);
    hit->line = line;
    return hit;
}

static void test_log_context(void)
{
    /* Lines without a head, an empty one, no newline at the end. */
    g_autofree char *small = g_build_filename(data_home, "context-small.log", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(small, "zero\n\ntwo\nthree\nfour", -1, NULL));
    NcLogHit *h = hit_at(small, 3);
    guint index = 99;
    g_autoptr(GPtrArray) around = nc_search_log_context(h, 2, 5, &index);
    CU_ASSERT_EQUAL_FATAL(around->len, 3); /* the empty line is left out */
    CU_ASSERT_EQUAL(index, 1);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(around->pdata[0]), "two");
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(around->pdata[2]), "four");
    h->line = 0;
    g_autoptr(GPtrArray) head = nc_search_log_context(h, 6, 1, &index);
    CU_ASSERT_EQUAL(head->len, 1);
    CU_ASSERT_EQUAL(index, 0);
    g_free(h->path);
    h->path = g_build_filename(data_home, "gone.log", NULL);
    g_autoptr(GPtrArray) gone = nc_search_log_context(h, 6, 6, &index);
    CU_ASSERT_EQUAL(gone->len, 0);
    nc_log_hit_free(h);

    /* One day of 50 MB in one file: a day of a busy channel, repeated. */
    NcLogger *lg = nc_logger_new(NULL);
    const guint per_day = 5000;
    for (guint i = 0; i < per_day; i++) {
        g_autofree char *text = g_strdup_printf("line %u of the busy day", i);
        g_autoptr(NcMessage) m = say(noon(0, (int)(i % 40000)), "alice", text);
        write_line(lg, "Busy", "#big", m);
    }
    g_autofree char *path = nc_logger_path(lg, "Busy", "#big", noon(0, 0));
    nc_logger_free(lg);
    g_autofree char *day = NULL;
    gsize day_len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &day, &day_len, NULL));
    guint copies = (guint)((BIG_LOG_MB << 20) / day_len + 1);
    FILE *out = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    for (guint c = 0; c < copies; c++)
        CU_ASSERT_EQUAL_FATAL(fwrite(day, 1, day_len, out), day_len);
    CU_ASSERT_EQUAL(fclose(out), 0);
    guint lines = copies * per_day;

    /* The hit near the end of the file: the worst case. */
    NcLogHit *big = hit_at(path, lines - 3);
    gint64 start = g_get_monotonic_time();
    g_autoptr(GPtrArray) tail = nc_search_log_context(big, 6, 6, &index);
    double context_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    CU_ASSERT_EQUAL_FATAL(tail->len, 9); /* six before, the hit, the last two */
    CU_ASSERT_EQUAL(index, 6);
    g_autofree char *want = g_strdup_printf("line %u of the busy day", (lines - 3) % per_day);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(tail->pdata[index]), want);
    CU_ASSERT_STRING_EQUAL(nc_message_get_sender(tail->pdata[index]), "alice");
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(tail->pdata[8]), "line 4999 of the busy day");
    /* In the middle, a whole window. */
    big->line = lines / 2 + 17;
    g_autoptr(GPtrArray) middle = nc_search_log_context(big, 6, 6, &index);
    CU_ASSERT_EQUAL_FATAL(middle->len, 13);
    CU_ASSERT_EQUAL(index, 6);
    g_autofree char *want_middle =
        g_strdup_printf("line %u of the busy day", (lines / 2 + 17 - 6) % per_day);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(middle->pdata[0]), want_middle);
    nc_log_hit_free(big);

    printf("\n  context of a hit at the end of a %.1f MB day (%u lines): %.1f ms\n",
           (double)copies * (double)day_len / (1 << 20), lines, context_ms);
}

static void test_timings(void)
{
    /* 100,000 messages in memory */
    g_autoptr(NcBuffer) b = nc_buffer_new(NC_BUFFER_CHANNEL, "#big");
    nc_buffer_set_scrollback(b, 100000);
    for (guint i = 0; i < 100000; i++) {
        g_autofree char *text = g_strdup_printf(
            i % 10 == 0 ? "\002message\002 %u caf\xc3\xa9 with a Needle" : "message %u, plain chatter",
            i);
        g_autoptr(NcMessage) m = say(i, "bob", text);
        nc_buffer_append(b, m);
    }
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_buffer_get_messages(b)), 100000);
    gint64 start = g_get_monotonic_time();
    g_autoptr(GPtrArray) found = nc_search_buffer(b, "NEEDLE");
    double buffer_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    CU_ASSERT_EQUAL(found->len, 10000);
    start = g_get_monotonic_time();
    g_autoptr(GPtrArray) none = nc_search_buffer(b, "absent");
    double none_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    CU_ASSERT_EQUAL(none->len, 0);
    printf("\n  100,000 messages: %.1f ms (10,000 matches), %.1f ms (none)\n", buffer_ms, none_ms);
    /* Following them: a line said, then the oldest 10,001 trimmed. */
    nc_buffer_set_scrollback(b, 200000);
    g_autoptr(NcMessage) one = say(100000, "bob", "one more Needle");
    nc_buffer_append(b, one);
    start = g_get_monotonic_time();
    CU_ASSERT_TRUE(nc_search_buffer_update(found, b, "NEEDLE", 100000, 0, 1));
    double append_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    CU_ASSERT_EQUAL(found->len, 10001);
    nc_buffer_set_scrollback(b, 90000);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_buffer_get_messages(b)), 90000);
    start = g_get_monotonic_time();
    CU_ASSERT_TRUE(nc_search_buffer_update(found, b, "NEEDLE", 0, 10001, 0));
    double trim_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    CU_ASSERT_EQUAL(found->len, 9000);
    printf("  followed in place: %.3f ms for a line said, %.3f ms for 10,001 lines trimmed\n",
           append_ms, trim_ms);

    /* 50 MB of logs */
    guint64 bytes = write_big_logs("Huge", BIG_LOG_MB << 20);
    Collected c;
    start = g_get_monotonic_time();
    search_logs(&c, "Huge", "rareword", 100000, 50000);
    double all_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    CU_ASSERT_TRUE(c.ok);
    CU_ASSERT(c.total > 0);
    guint rare = c.total;
    collected_clear(&c);

    Collected capped;
    start = g_get_monotonic_time();
    search_logs(&capped, "Huge", "message", 0, 50000);
    double capped_ms = (double)(g_get_monotonic_time() - start) / 1000.0;
    CU_ASSERT_EQUAL(capped.total, NC_SEARCH_LOG_MAX_HITS);
    CU_ASSERT_TRUE(capped.more);
    collected_clear(&capped);
    printf("  %.1f MB of logs: %.1f ms for every line (%u hits), %.1f ms to the first %u of "
           "many\n",
           (double)bytes / (1 << 20), all_ms, rare, capped_ms, NC_SEARCH_LOG_MAX_HITS);
}

static CU_TestInfo tests[] = {
    {"matches in a buffer, with offsets", test_buffer_matches},
    {"Unicode case folding", test_casefold},
    {"formatting codes ignored", test_formatting_ignored},
    {"matches followed: lines said, scrollback trimmed", test_follow_appends_and_trims},
    {"matches followed: random changes equal a full search", test_follow_random_edits},
    {"logs: newest first, every conversation, context", test_log_search},
    {"logs: the cap and 'more'", test_log_cap},
    {"logs: cancelled", test_log_cancel},
    {"logs: a hit's context, from a 50 MB day", test_log_context},
    {"timings: 100,000 messages and 50 MB of logs", test_timings},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    data_home = g_dir_make_tmp("natter-search-XXXXXX", NULL);
    if (!data_home)
        return 1;
    /* Before anything asks GLib for the data folder (it is read once). */
    g_setenv("XDG_DATA_HOME", data_home, TRUE);
    int rc = nt_test_main("gui-search", tests);
    remove_tree(data_home);
    g_free(data_home);
    return rc;
}

/* SPDX-License-Identifier: MIT */
/* The client core's history against the natterd built here
 * ($NATTER_NATTERD) with a store (history is kept there) on plain
 * loopback:
 *
 *  - away and back: a natter that left while another talked fills the
 *    gap on reconnect, each line once, in order, the history divider
 *    above the first, and the lines in its log with their msgids;
 *  - scrolling up: older pages (BEFORE) until the start of the channel;
 *  - read markers across devices: two connections of one account, one
 *    reads, the other's unread count and marker clear.
 *
 * Exits 77 when natterd is not there. */
#include "client.h"
#include "fake-server.h"
#include "helpers.h"
#include "log.h"
#include "natterd-helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static NcTestServer server;

static NcClient *plain_client(const char *nick)
{
    NcClient *c = nc_client_new("127.0.0.1", server.plain_port, nick, "History Test", NULL);
    nc_client_set_timing(c, 0, 0, 50, 200, 3000);
    return c;
}

static void finish(NcClient *c)
{
    fake_client_finish(c);
}

static guint count_text(NcBuffer *b, const char *text)
{
    GListModel *list = nc_buffer_get_messages(b);
    guint count = 0;
    for (guint i = 0; i < g_list_model_get_n_items(list); i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(list, i);
        count += strcmp(nc_message_get_text(m), text) == 0;
    }
    return count;
}

static guint find_text(NcBuffer *b, const char *text)
{
    GListModel *list = nc_buffer_get_messages(b);
    for (guint i = 0; i < g_list_model_get_n_items(list); i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(list, i);
        if (strcmp(nc_message_get_text(m), text) == 0)
            return i;
    }
    return G_MAXUINT;
}

/* Run until c's request for b is answered (5 s). */
static gboolean wait_history(NcClient *c, NcBuffer *b)
{
    return fake_wait_history(c, b, 5000);
}

/* Say "<prefix> 0" to "<prefix> n-1" in chan as c, and wait until watch
 * has the last. */
static void say_lines(NcClient *c, NcBuffer *chan, const char *prefix, guint n, NcBuffer *watch)
{
    g_autofree char *last = NULL;
    for (guint i = 0; i < n; i++) {
        g_free(last);
        last = g_strdup_printf("%s %u", prefix, i);
        GError *error = NULL;
        CU_ASSERT(nc_client_send_input(c, chan, last, &error));
        g_clear_error(&error);
    }
    CU_ASSERT(nc_test_wait_text(watch, last));
}

static void test_away_and_back(void)
{
    g_autofree char *dir = g_strdup_printf("%s/logs-away", nc_test_tmpdir);
    NcLogger *log = nc_logger_new(dir);
    NcClient *a = plain_client("ann");
    nc_client_set_logger(a, log, 100);
    NcClient *b = plain_client("ben");
    const char *chan[] = {"#away", NULL};
    nc_client_set_autojoin(a, chan);
    nc_client_set_autojoin(b, chan);
    nc_client_connect(a);
    nc_client_connect(b);
    NcBuffer *ab = nc_test_wait_joined(a, "#away");
    NcBuffer *bb = nc_test_wait_joined(b, "#away");
    CU_ASSERT_FATAL(ab && bb);
    CU_ASSERT(nc_client_has_cap(a, "draft/chathistory"));
    CU_ASSERT(nc_client_has_cap(a, "batch"));
    CU_ASSERT(wait_history(a, ab));
    say_lines(b, bb, "before", 2, ab);

    /* ann leaves; ben talks on; ann comes back. */
    nc_client_disconnect(a, "brb");
    CU_ASSERT(nc_test_wait_state(a, NC_STATE_DISCONNECTED));
    CU_ASSERT(nc_test_wait_text(bb, "ann quit")); /* gone for the server too */
    say_lines(b, bb, "while away", 5, bb);
    fake_pump(150); /* natterd commits its history every 20 ms here */
    nc_client_connect(a);
    CU_ASSERT_FATAL(nc_test_wait_joined(a, "#away") == ab);
    CU_ASSERT(nc_test_wait_text(ab, "while away 4"));
    CU_ASSERT(wait_history(a, ab));
    fake_pump(100); /* nothing more may come */
    guint prev = find_text(ab, "before 1");
    for (guint i = 0; i < 5; i++) {
        g_autofree char *text = g_strdup_printf("while away %u", i);
        CU_ASSERT_EQUAL(count_text(ab, text), 1);
        guint at = find_text(ab, text);
        CU_ASSERT(at != G_MAXUINT && at > prev);
        prev = at;
    }
    CU_ASSERT_EQUAL(count_text(ab, "before 0"), 1);
    /* The divider is above the gap's first line: our own QUIT, which we
     * were not there to see (event-playback). */
    NcMessage *start = nc_buffer_get_history_start(ab);
    CU_ASSERT_FATAL(start != NULL);
    CU_ASSERT_EQUAL(nc_message_get_kind(start), NC_MSG_QUIT);
    CU_ASSERT_STRING_EQUAL(nc_message_get_sender(start), "ann");
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_message_get_text(start), "brb"));
    /* ben's part of it: rendered as live lines are. */
    g_autoptr(NcMessage) first =
        g_list_model_get_item(nc_buffer_get_messages(ab), find_text(ab, "while away 0"));
    CU_ASSERT_STRING_EQUAL(nc_message_get_sender(first), "ben");
    CU_ASSERT_EQUAL(nc_message_get_kind(first), NC_MSG_PRIVMSG);
    CU_ASSERT_PTR_NOT_NULL(nc_message_get_msgid(first));
    CU_ASSERT(find_text(ab, nc_message_get_text(start)) < find_text(ab, "while away 0"));

    /* Once more, with nothing missed: nothing added. */
    guint n = g_list_model_get_n_items(nc_buffer_get_messages(ab));
    nc_client_disconnect(a, "again");
    CU_ASSERT(nc_test_wait_state(a, NC_STATE_DISCONNECTED));
    nc_client_connect(a);
    CU_ASSERT(nc_test_wait_joined(a, "#away") == ab);
    CU_ASSERT(wait_history(a, ab));
    fake_pump(100);
    /* Only our own QUIT (which we were not there to see) and new JOIN. */
    GListModel *list = nc_buffer_get_messages(ab);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(list), n + 2);
    for (guint i = n; i < g_list_model_get_n_items(list); i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(list, i);
        CU_ASSERT_STRING_EQUAL(nc_message_get_sender(m), "ann");
    }
    guint quits = 0;
    for (guint i = n; i < g_list_model_get_n_items(list); i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(list, i);
        quits += nc_message_get_kind(m) == NC_MSG_QUIT;
    }
    CU_ASSERT_EQUAL(quits, 1);
    CU_ASSERT_EQUAL(count_text(ab, "while away 2"), 1);

    /* The log has the gap once, each line with its msgid. */
    g_autoptr(GPtrArray) tail = nc_logger_tail(log, "127.0.0.1", "#away", 500);
    guint seen = 0;
    for (guint i = 0; i < tail->len; i++)
        if (g_str_has_prefix(nc_message_get_text(tail->pdata[i]), "while away ")) {
            seen++;
            CU_ASSERT_PTR_NOT_NULL(nc_message_get_msgid(tail->pdata[i]));
        }
    CU_ASSERT_EQUAL(seen, 5);
    finish(a);

    /* natter restarted: the buffer opens with the log's lines (msgids
     * and all), ben says one more, and the join asks only after the
     * newest logged line: nothing twice. */
    say_lines(b, bb, "while restarting", 1, bb);
    fake_pump(100);
    NcClient *again = plain_client("ann");
    nc_client_set_logger(again, log, 100);
    nc_client_set_autojoin(again, chan);
    nc_client_connect(again);
    NcBuffer *rb = nc_test_wait_joined(again, "#away");
    CU_ASSERT_FATAL(rb != NULL);
    CU_ASSERT(nc_test_wait_text(rb, "while restarting 0"));
    CU_ASSERT(wait_history(again, rb));
    fake_pump(100);
    CU_ASSERT_EQUAL(count_text(rb, "while restarting 0"), 1);
    for (guint i = 0; i < 5; i++) {
        g_autofree char *text = g_strdup_printf("while away %u", i);
        CU_ASSERT_EQUAL(count_text(rb, text), 1);
    }
    CU_ASSERT_EQUAL(count_text(rb, "before 1"), 1);
    finish(again);
    finish(b);
    nc_logger_free(log);
}

static void test_older_pages(void)
{
    NcClient *b = plain_client("bea");
    const char *chan[] = {"#pages", NULL};
    nc_client_set_autojoin(b, chan);
    nc_client_connect(b);
    NcBuffer *bb = nc_test_wait_joined(b, "#pages");
    CU_ASSERT_FATAL(bb != NULL);
    say_lines(b, bb, "page line", 25, bb);
    fake_pump(150);

    /* A newcomer gets the latest page (the server's limit is 10)... */
    NcClient *a = plain_client("art");
    nc_client_set_autojoin(a, chan);
    nc_client_connect(a);
    NcBuffer *ab = nc_test_wait_joined(a, "#pages");
    CU_ASSERT_FATAL(ab != NULL);
    CU_ASSERT(wait_history(a, ab));
    CU_ASSERT_EQUAL(count_text(ab, "page line 24"), 1);
    CU_ASSERT_EQUAL(count_text(ab, "page line 14"), 0);
    /* ...and older pages as it scrolls up, to the channel's start. */
    guint pages = 0;
    while (nc_client_fetch_older(a, ab) && pages < 10) {
        CU_ASSERT_FATAL(wait_history(a, ab));
        pages++;
    }
    CU_ASSERT(pages >= 2 && pages < 10);
    for (guint i = 0; i < 25; i++) {
        g_autofree char *text = g_strdup_printf("page line %u", i);
        CU_ASSERT_EQUAL(count_text(ab, text), 1);
    }
    CU_ASSERT(find_text(ab, "page line 0") < find_text(ab, "page line 24"));
    finish(a);
    finish(b);
}

typedef struct {
    NcBuffer *buffer;
    guint unread;
} UnreadWait;

static gboolean unread_is(gpointer data)
{
    UnreadWait *w = data;
    return nc_buffer_get_unread(w->buffer) == w->unread;
}

static gboolean wait_unread(NcBuffer *b, guint unread)
{
    UnreadWait w = {b, unread};
    return fake_pump_until(unread_is, &w, 5000);
}

static void test_read_on_another_device(void)
{
    /* The account, made once. */
    NcClient *phone = plain_client("dana");
    nc_client_set_login(phone, "dana", "dana's pass phrase", NC_SASL_AUTO);
    nc_client_set_create_account(phone, TRUE);
    const char *chan[] = {"#read", NULL};
    nc_client_set_autojoin(phone, chan);
    nc_client_connect(phone);
    CU_ASSERT_FATAL(nc_test_wait_state(phone, NC_STATE_CONNECTED));
    CU_ASSERT_STRING_EQUAL(nc_client_get_account(phone), "dana");
    CU_ASSERT(nc_client_has_cap(phone, "draft/read-marker"));
    NcClient *desk = plain_client("dana_desk");
    nc_client_set_login(desk, "dana", "dana's pass phrase", NC_SASL_AUTO);
    nc_client_set_autojoin(desk, chan);
    nc_client_connect(desk);
    NcBuffer *pb = nc_test_wait_joined(phone, "#read");
    NcBuffer *db = nc_test_wait_joined(desk, "#read");
    CU_ASSERT_FATAL(pb && db);
    CU_ASSERT(wait_history(phone, pb) && wait_history(desk, db));
    /* Both look away; someone talks. */
    nc_buffer_set_active(pb, TRUE);
    nc_buffer_set_active(pb, FALSE);
    nc_buffer_set_active(db, TRUE);
    nc_buffer_set_active(db, FALSE);
    NcClient *eve = plain_client("eve");
    nc_client_set_autojoin(eve, chan);
    nc_client_connect(eve);
    NcBuffer *eb = nc_test_wait_joined(eve, "#read");
    CU_ASSERT_FATAL(eb != NULL);
    CU_ASSERT(wait_history(eve, eb));
    say_lines(eve, eb, "read me", 3, pb);
    CU_ASSERT(nc_test_wait_text(db, "read me 2"));
    CU_ASSERT_EQUAL(nc_buffer_get_unread(pb), 3);
    CU_ASSERT_EQUAL(nc_buffer_get_unread(db), 3);
    CU_ASSERT_PTR_NOT_NULL(nc_buffer_get_marker(db));

    /* Read on the phone: the desk's badge and marker clear. */
    nc_buffer_set_active(pb, TRUE);
    CU_ASSERT(nc_client_mark_read(phone, pb));
    CU_ASSERT(wait_unread(db, 0));
    CU_ASSERT_PTR_NULL(nc_buffer_get_marker(db));
    CU_ASSERT(nc_buffer_get_read_time(db) >= nc_buffer_get_read_time(pb));
    CU_ASSERT(nc_buffer_get_read_time(db) > 0);

    /* A new connection of the account learns the marker on join. */
    NcClient *tablet = plain_client("dana_tab");
    nc_client_set_login(tablet, "dana", "dana's pass phrase", NC_SASL_AUTO);
    nc_client_set_autojoin(tablet, chan);
    nc_client_connect(tablet);
    NcBuffer *tb = nc_test_wait_joined(tablet, "#read");
    CU_ASSERT_FATAL(tb != NULL);
    CU_ASSERT(wait_history(tablet, tb));
    CU_ASSERT_EQUAL(count_text(tb, "read me 2"), 1);
    CU_ASSERT(nc_buffer_get_read_time(tb) > 0);
    CU_ASSERT_EQUAL(nc_buffer_get_unread(tb), 0);
    finish(tablet);

    /* A private conversation started while the desk was away: found
     * with CHATHISTORY TARGETS on reconnect, opened, filled. */
    nc_client_disconnect(desk, "away");
    CU_ASSERT(nc_test_wait_state(desk, NC_STATE_DISCONNECTED));
    GError *error = NULL;
    CU_ASSERT(nc_client_send_input(eve, eb, "/msg dana psst, dana", &error));
    g_clear_error(&error);
    NcBuffer *pq = nc_test_wait_buffer(phone, "eve");
    CU_ASSERT_FATAL(pq != NULL);
    CU_ASSERT(nc_test_wait_text(pq, "psst, dana"));
    fake_pump(100); /* committed to the history */
    nc_client_connect(desk);
    CU_ASSERT(nc_test_wait_state(desk, NC_STATE_CONNECTED));
    NcBuffer *dq = nc_test_wait_buffer(desk, "eve");
    CU_ASSERT_FATAL(dq != NULL);
    CU_ASSERT(nc_test_wait_text(dq, "psst, dana"));
    CU_ASSERT(wait_history(desk, dq));
    CU_ASSERT_EQUAL(count_text(dq, "psst, dana"), 1);
    finish(eve);
    finish(desk);
    finish(phone);
}

static CU_TestInfo tests[] = {
    {"away and back: the gap filled once, with the divider", test_away_and_back},
    {"older pages while scrolling up", test_older_pages},
    {"read on one device, read on the other", test_read_on_another_device},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    /* History committed quickly, small pages, and no flood control (the
     * tests talk in bursts). */
    return nc_test_natterd_main("gui-chathistory", tests, &server, TRUE,
                                "[history]\ncommit_interval = 20\nquery_limit = 10\n"
                                "[limits]\nflood_penalty_percent = 0\n");
}

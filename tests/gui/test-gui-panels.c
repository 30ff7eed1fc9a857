/* SPDX-License-Identifier: MIT */
/* The core behind natter's panels, headless: the /list channel list
 * (entries, filter and sort rules, 10,000 channels streamed from a
 * scripted server in few model updates, nothing in the server tab), away
 * (away-notify, WHO, 301 said once per message, /away and /back, our
 * own "away"), typing notifications (the timing rules on an injected
 * clock, and TAGMSG sent and heard against the scripted server), and
 * the connection lines with the reconnect countdown. */
#include "channel-list.h"
#include "client.h"
#include "fake-server.h"
#include "helpers.h"
#include "input.h"
#include "typing.h"

#include <string.h>

static FakeServer fake;

static NcClient *new_client(const char *nick)
{
    NcClient *c = nc_client_new("127.0.0.1", fake.addr.port, nick, "Test User", NULL);
    /* Short timers: the tests must not wait for real-world intervals. */
    nc_client_set_timing(c, 3000, 9000, 50, 400, 2000);
    return c;
}

static gboolean expect(const char *prefix)
{
    g_autofree char *line = fake_expect(&fake, prefix, 3000);
    if (!line)
        fprintf(stderr, "did not get a line starting with \"%s\"\n", prefix);
    return line != NULL;
}

/* Accept and register as nick, offering caps (and acknowledging the
 * ones asked for). */
static gboolean register_with(NcClient *c, const char *nick, const char *caps)
{
    if (!fake_accept(&fake, 3000) || !expect("CAP LS 302") || !expect("USER "))
        return FALSE;
    fake_send(&fake, ":srv CAP * LS :%s", caps);
    g_autofree char *req = fake_expect(&fake, "CAP REQ :", 3000);
    if (!req)
        return FALSE;
    fake_send(&fake, ":srv CAP %s ACK :%s", nick, req + strlen("CAP REQ :"));
    if (!expect("CAP END"))
        return FALSE;
    fake_send(&fake, ":srv 001 %s :Welcome", nick);
    fake_send(&fake, ":srv 005 %s PREFIX=(ov)@+ CHANTYPES=# :are supported", nick);
    return fake_wait_state(c, NC_STATE_CONNECTED, 3000);
}

static guint count_text(NcBuffer *b, const char *needle)
{
    GListModel *msgs = nc_buffer_get_messages(b);
    guint found = 0;
    for (guint i = 0; i < g_list_model_get_n_items(msgs); i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(msgs, i);
        if (strstr(nc_message_get_text(m), needle))
            found++;
    }
    return found;
}

/* Nothing more was sent before marker: the next line is the marker. */
static gboolean next_is_marker(NcClient *c, const char *marker)
{
    nc_client_send_raw(c, marker);
    g_autofree char *line = fake_expect(&fake, "", 3000);
    if (line && strcmp(line, marker) != 0)
        fprintf(stderr, "unexpected line \"%s\" before \"%s\"\n", line, marker);
    return line && strcmp(line, marker) == 0;
}

/* ---- the channel list ----------------------------------------------- */

static void test_channel_entries(void)
{
    g_autoptr(NcChannelEntry) a = nc_channel_entry_new("#Natter", 42, "\x02Welcome\x02 to \x03" "04Natter");
    g_autoptr(NcChannelEntry) b = nc_channel_entry_new("#alpha", 7, "Greek letters");
    g_autoptr(NcChannelEntry) c = nc_channel_entry_new("#beta", 42, "");
    CU_ASSERT_STRING_EQUAL(nc_channel_entry_get_topic(a), "\x02Welcome\x02 to \x03" "04Natter");
    CU_ASSERT_STRING_EQUAL(nc_channel_entry_get_plain_topic(a), "Welcome to Natter");
    CU_ASSERT_EQUAL(nc_channel_entry_get_users(a), 42);

    /* Name or plain topic, without case; codes do not get in the way. */
    CU_ASSERT(nc_channel_entry_matches(a, "natt"));
    CU_ASSERT(nc_channel_entry_matches(a, "WELCOME TO"));
    CU_ASSERT(nc_channel_entry_matches(b, "LETTERS"));
    CU_ASSERT_FALSE(nc_channel_entry_matches(b, "natter"));
    CU_ASSERT(nc_channel_entry_matches(c, ""));
    CU_ASSERT(nc_channel_entry_matches(c, NULL));
    /* The same with the filter folded once, as the window does. */
    g_autofree char *folded = nc_channel_filter_fold("WELCOME TO");
    CU_ASSERT(nc_channel_entry_matches_folded(a, folded));
    CU_ASSERT_FALSE(nc_channel_entry_matches_folded(b, folded));
    g_autofree char *empty = nc_channel_filter_fold("");
    CU_ASSERT(nc_channel_entry_matches_folded(b, empty));
    CU_ASSERT(nc_channel_entry_matches_folded(b, NULL));
    CU_ASSERT_PTR_NULL(nc_channel_filter_fold(NULL));

    CU_ASSERT(nc_channel_entry_compare_name(b, c, NULL) < 0);
    CU_ASSERT(nc_channel_entry_compare_name(c, a, NULL) < 0); /* "#beta" < "#natter" */
    CU_ASSERT_EQUAL(nc_channel_entry_compare_name(a, a, NULL), 0);
    CU_ASSERT(nc_channel_entry_compare_users(b, a, NULL) < 0);
    /* Equal counts fall back to the name. */
    CU_ASSERT(nc_channel_entry_compare_users(c, a, NULL) < 0);
}

typedef struct {
    NcChannelList *list; /* the one the client handed out */
    guint signals;
    guint changes;
    guint max_added;
} Listing;

static void on_items_changed(GListModel *model, guint position, guint removed, guint added,
                             gpointer data)
{
    Listing *l = data;
    l->changes++;
    l->max_added = MAX(l->max_added, added);
    CU_ASSERT_EQUAL(removed, 0);
    CU_ASSERT_EQUAL(position + added, g_list_model_get_n_items(model));
}

static void on_channel_list(NcClient *client, NcChannelList *list, gpointer data)
{
    Listing *l = data;
    l->signals++;
    g_set_object(&l->list, list);
    g_signal_connect(list, "items-changed", G_CALLBACK(on_items_changed), l);
}

static gboolean list_complete(gpointer data)
{
    Listing *l = data;
    return l->list && nc_channel_list_get_complete(l->list);
}

static gboolean second_list_complete(gpointer data)
{
    Listing *l = data;
    return l->signals >= 2 && list_complete(data);
}

#define LISTED 10000

static void test_channel_list_streamed(void)
{
    fake_start(&fake);
    NcClient *c = new_client("lister");
    Listing listing = {0};
    g_signal_connect(c, "channel-list", G_CALLBACK(on_channel_list), &listing);
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_with(c, "lister", "multi-prefix"));
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    fake_pump(100);
    guint server_lines = g_list_model_get_n_items(nc_buffer_get_messages(server));

    g_autoptr(GError) error = NULL;
    CU_ASSERT(nc_client_send_input(c, server, "/list", &error));
    CU_ASSERT(expect("LIST"));
    GString *lines = g_string_new(":srv 321 lister Channel :Users  Name\r\n");
    for (guint i = 0; i < LISTED; i++)
        g_string_append_printf(lines, ":srv 322 lister #chan%05u %u :\x02Topic\x02 number %u\r\n",
                               i, i % 97, i);
    g_string_append(lines, ":srv 323 lister :End of /LIST\r\n");
    gint64 t0 = g_get_monotonic_time();
    CU_ASSERT(fake_send_bulk(&fake, lines, 20000));
    g_string_free(lines, TRUE);
    CU_ASSERT_FATAL(fake_pump_until(list_complete, &listing, 20000));
    gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;

    CU_ASSERT_EQUAL(listing.signals, 1);
    CU_ASSERT_PTR_EQUAL(nc_client_get_channel_list(c), listing.list);
    GListModel *model = G_LIST_MODEL(listing.list);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(model), LISTED);
    CU_ASSERT_EQUAL(nc_channel_list_get_received(listing.list), LISTED);
    /* Batches, not one update per channel: a bound view redraws a few
     * times, whatever the count. */
    printf("\n    %u channels in %" G_GINT64_FORMAT " ms, %u model updates (largest %u)\n", LISTED,
           took_ms, listing.changes, listing.max_added);
    CU_ASSERT(listing.changes >= 1);
    CU_ASSERT(listing.changes <= 1 + (guint)(took_ms / NC_CHANNEL_LIST_BATCH_MS) + 2);
    CU_ASSERT(listing.changes < 100);
    g_autoptr(NcChannelEntry) last = g_list_model_get_item(model, LISTED - 1);
    CU_ASSERT_STRING_EQUAL(nc_channel_entry_get_name(last), "#chan09999");
    CU_ASSERT_STRING_EQUAL(nc_channel_entry_get_plain_topic(last), "Topic number 9999");
    CU_ASSERT_EQUAL(nc_channel_entry_get_users(last), 9999 % 97);
    guint matching = 0;
    for (guint i = 0; i < LISTED; i++) {
        g_autoptr(NcChannelEntry) e = g_list_model_get_item(model, i);
        matching += nc_channel_entry_matches(e, "NUMBER 99");
    }
    CU_ASSERT_EQUAL(matching, 111); /* 99, 990-999, 9900-9999 */

    /* None of it went to the server tab. */
    fake_pump(100);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_buffer_get_messages(server)), server_lines);
    CU_ASSERT_EQUAL(count_text(server, "#chan"), 0);

    /* A second /list is a new listing; one without 321 starts one too. */
    CU_ASSERT(nc_client_send_input(c, server, "/list #chan1*", NULL));
    CU_ASSERT(expect("LIST #chan1*"));
    fake_send(&fake, ":srv 322 lister #chan1 3 :one");
    fake_send(&fake, ":srv 323 lister :End of /LIST");
    NcChannelList *first = listing.list;
    g_object_ref(first);
    CU_ASSERT(fake_pump_until(second_list_complete, &listing, 3000));
    CU_ASSERT_EQUAL(listing.signals, 2);
    CU_ASSERT_PTR_NOT_EQUAL(listing.list, first);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(listing.list)), 1);
    g_object_unref(first);

    /* A listing cut off by the connection is complete (nothing more comes). */
    fake_send(&fake, ":srv 321 lister Channel :Users  Name");
    fake_send(&fake, ":srv 322 lister #cut 1 :cut");
    fake_pump(50);
    CU_ASSERT_EQUAL(listing.signals, 3);
    nc_client_set_reconnect(c, FALSE);
    fake_reset(&fake);
    CU_ASSERT(fake_pump_until(list_complete, &listing, 3000));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(listing.list)), 1);

    g_clear_object(&listing.list);
    g_object_unref(c);
    fake_stop(&fake);
}

static void count_notify(GObject *object, GParamSpec *pspec, gpointer data);

/* A listing holds at most NC_CHANNEL_LIST_MAX_ENTRIES and says it left
 * the rest out. */
static void test_channel_list_cap(void)
{
    g_autoptr(NcChannelList) list = nc_channel_list_new();
    guint notified = 0;
    g_signal_connect(list, "notify::truncated", G_CALLBACK(count_notify), &notified);
    for (guint i = 0; i < NC_CHANNEL_LIST_MAX_ENTRIES; i++)
        nc_channel_list_add(list, "#c", i, "");
    CU_ASSERT_FALSE(nc_channel_list_get_truncated(list));
    CU_ASSERT_EQUAL(notified, 0);
    for (guint i = 0; i < 1000; i++)
        nc_channel_list_add(list, "#over", i, "");
    CU_ASSERT(nc_channel_list_get_truncated(list));
    CU_ASSERT_EQUAL(notified, 1);
    CU_ASSERT_EQUAL(nc_channel_list_get_received(list), NC_CHANNEL_LIST_MAX_ENTRIES);
    nc_channel_list_finish(list);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), NC_CHANNEL_LIST_MAX_ENTRIES);
    gboolean truncated = FALSE;
    g_object_get(list, "truncated", &truncated, NULL);
    CU_ASSERT(truncated);
}

static void take_listing(NcClient *client, NcChannelList *list, gpointer data)
{
    g_set_object((NcChannelList **)data, list);
}

static void send_listing(NcClient *c, guint n)
{
    nc_client_handle_line(c, ":srv 321 me Channel :Users  Name");
    for (guint i = 0; i < n; i++) {
        g_autofree char *line = g_strdup_printf(":srv 322 me #c%u %u :topic", i, i);
        nc_client_handle_line(c, line);
    }
    nc_client_handle_line(c, ":srv 323 me :End of /LIST");
}

/* A complete listing is the client's only while someone shows it; one
 * under way when the client goes is completed. */
static void test_channel_list_released(void)
{
    NcClient *c = nc_client_new("irc.test", 6667, "me", NULL, NULL);
    nc_client_handle_line(c, ":srv 001 me :Welcome");
    /* Nobody keeps it: gone once complete. */
    send_listing(c, 3);
    CU_ASSERT_PTR_NULL(nc_client_get_channel_list(c));
    /* A view keeps it: the client hands it out until the view lets go. */
    NcChannelList *shown = NULL;
    gulong handler = g_signal_connect(c, "channel-list", G_CALLBACK(take_listing), &shown);
    send_listing(c, 5);
    CU_ASSERT_PTR_NOT_NULL_FATAL(shown);
    CU_ASSERT_PTR_EQUAL(nc_client_get_channel_list(c), shown);
    CU_ASSERT(nc_channel_list_get_complete(shown));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(shown)), 5);
    g_clear_object(&shown);
    CU_ASSERT_PTR_NULL(nc_client_get_channel_list(c));
    /* A new listing after a released one starts cleanly. */
    send_listing(c, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(shown);
    CU_ASSERT_PTR_EQUAL(nc_client_get_channel_list(c), shown);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(shown)), 2);
    g_clear_object(&shown);
    /* Under way while the client goes: complete, so a view stops waiting. */
    nc_client_handle_line(c, ":srv 321 me Channel :Users  Name");
    nc_client_handle_line(c, ":srv 322 me #half 1 :half");
    CU_ASSERT_PTR_NOT_NULL_FATAL(shown);
    CU_ASSERT_FALSE(nc_channel_list_get_complete(shown));
    g_signal_handler_disconnect(c, handler);
    g_object_unref(c);
    CU_ASSERT(nc_channel_list_get_complete(shown));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(shown)), 1);
    g_clear_object(&shown);
}

static void test_channel_list_batches(void)
{
    /* Entries wait for the batch timer, or a flush, or the end. */
    g_autoptr(NcChannelList) list = nc_channel_list_new();
    Listing l = {0};
    g_signal_connect(list, "items-changed", G_CALLBACK(on_items_changed), &l);
    for (guint i = 0; i < 500; i++) {
        g_autofree char *name = g_strdup_printf("#c%u", i);
        nc_channel_list_add(list, name, i, "topic");
    }
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 0);
    CU_ASSERT_EQUAL(nc_channel_list_get_received(list), 500);
    fake_pump(NC_CHANNEL_LIST_BATCH_MS * 3);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 500);
    CU_ASSERT_EQUAL(l.changes, 1);
    nc_channel_list_add(list, "#late", 1, NULL);
    CU_ASSERT_FALSE(nc_channel_list_get_complete(list));
    nc_channel_list_finish(list);
    CU_ASSERT(nc_channel_list_get_complete(list));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 501);
    CU_ASSERT_EQUAL(l.changes, 2);
    nc_channel_list_add(list, "#after-the-end", 1, NULL);
    CU_ASSERT_EQUAL(nc_channel_list_get_received(list), 501);
}

/* ---- away ------------------------------------------------------------ */

static void count_notify(GObject *object, GParamSpec *pspec, gpointer data)
{
    (*(guint *)data)++;
}

/* idler joined channel, with member in it: small enough for a quiet WHO. */
static void joined_small(const char *channel, const char *member)
{
    fake_send(&fake, ":idler!u@h JOIN %s", channel);
    fake_send(&fake, ":srv 353 idler = %s :idler %s", channel, member);
    fake_send(&fake, ":srv 366 idler %s :End of NAMES", channel);
}

/* One WHO answered: a 352 for "nick flags" whose real name is word, and
 * its 315 (the mask as the server writes it). */
static void who_answer(const char *mask, const char *nick_flags, const char *word)
{
    fake_send(&fake, ":srv 352 idler %s x h srv %s :0 %s", mask, nick_flags, word);
    fake_send(&fake, ":srv 315 idler %s :End of WHO", mask);
}

/* Once the lines sent have come: the answer with shown is in the server
 * tab (where answers go while no tab is looked at) once, the one with
 * hidden nowhere. */
static gboolean only_shown(NcClient *c, const char *shown, const char *hidden)
{
    fake_pump(150);
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    GListModel *buffers = nc_network_get_buffers(nc_client_get_network(c));
    guint hidden_seen = 0;
    for (guint i = 0; i < g_list_model_get_n_items(buffers); i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        hidden_seen += count_text(b, hidden);
    }
    return count_text(server, shown) == 1 && hidden_seen == 0;
}

static void test_away(void)
{
    fake_start(&fake);
    NcClient *c = new_client("idler");
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("USER "));
    fake_send(&fake, ":srv CAP * LS :away-notify multi-prefix");
    g_autofree char *req = fake_expect(&fake, "CAP REQ :", 3000);
    CU_ASSERT_FATAL(req != NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "away-notify"));
    fake_send(&fake, ":srv CAP idler ACK :away-notify multi-prefix");
    CU_ASSERT(expect("CAP END"));
    fake_send(&fake, ":srv 001 idler :Welcome");
    CU_ASSERT_FATAL(fake_wait_state(c, NC_STATE_CONNECTED, 3000));

    fake_send(&fake, ":idler!u@h JOIN #desk");
    fake_send(&fake, ":srv 353 idler = #desk :idler @alice bob carol");
    fake_send(&fake, ":srv 366 idler #desk :End of NAMES");
    fake_pump(100);
    NcBuffer *desk = nc_network_find_buffer(nc_client_get_network(c), "#desk");
    CU_ASSERT_FATAL(desk != NULL);
    NcMember *alice = nc_buffer_find_member(desk, "alice");
    CU_ASSERT_FATAL(alice != NULL);
    CU_ASSERT_FALSE(nc_member_get_away(alice));

    /* away-notify, both ways; a mode change keeps it. */
    fake_send(&fake, ":alice!a@h AWAY :lunch");
    fake_pump(100);
    CU_ASSERT(nc_member_get_away(nc_buffer_find_member(desk, "alice")));
    fake_send(&fake, ":srv MODE #desk +v alice");
    fake_pump(100);
    CU_ASSERT(nc_member_get_away(nc_buffer_find_member(desk, "alice")));
    fake_send(&fake, ":alice!a@h AWAY");
    fake_pump(100);
    CU_ASSERT_FALSE(nc_member_get_away(nc_buffer_find_member(desk, "alice")));

    /* WHO replies: G is gone, H is here.  The small channel was asked
     * after its NAMES, and that answer is read quietly. */
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    CU_ASSERT(expect("WHO #desk"));
    fake_send(&fake, ":srv 352 idler #desk b h srv bob G :0 Bob");
    fake_send(&fake, ":srv 352 idler #desk c h srv carol H@ :0 Carol");
    fake_send(&fake, ":srv 315 idler #desk :End of WHO");
    fake_pump(100);
    CU_ASSERT(nc_member_get_away(nc_buffer_find_member(desk, "bob")));
    CU_ASSERT_FALSE(nc_member_get_away(nc_buffer_find_member(desk, "carol")));
    CU_ASSERT_EQUAL(count_text(server, "End of WHO"), 0);
    CU_ASSERT_EQUAL(count_text(desk, "End of WHO"), 0);
    CU_ASSERT_EQUAL(count_text(server, "Carol"), 0);
    /* The user's own /who is shown, and still read. */
    CU_ASSERT(nc_client_send_input(c, desk, "/who #desk", NULL));
    CU_ASSERT(expect("WHO #desk"));
    fake_send(&fake, ":srv 352 idler #desk c h srv carol G@ :0 Carol");
    fake_send(&fake, ":srv 315 idler #desk :End of WHO");
    fake_pump(100);
    CU_ASSERT(nc_member_get_away(nc_buffer_find_member(desk, "carol")));
    CU_ASSERT_EQUAL(count_text(server, "Carol") + count_text(desk, "Carol"), 1);
    CU_ASSERT_EQUAL(count_text(server, "End of WHO") + count_text(desk, "End of WHO"), 1);
    fake_send(&fake, ":carol!c@h AWAY");
    fake_pump(100);
    CU_ASSERT_FALSE(nc_member_get_away(nc_buffer_find_member(desk, "carol")));

    /* 301 in a conversation: once per away message, not on every line. */
    g_autoptr(GError) error = NULL;
    CU_ASSERT(nc_client_send_input(c, desk, "/query carol", &error));
    NcBuffer *q = nc_network_find_buffer(nc_client_get_network(c), "carol");
    CU_ASSERT_FATAL(q != NULL);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT(nc_client_send_input(c, q, "are you there?", NULL));
        CU_ASSERT(expect("PRIVMSG carol :are you there?"));
        fake_send(&fake, ":srv 301 idler carol :gone fishing");
    }
    fake_pump(150);
    CU_ASSERT_EQUAL(count_text(q, "gone fishing"), 1);
    CU_ASSERT(nc_member_get_away(nc_buffer_find_member(desk, "carol")));
    fake_send(&fake, ":srv 301 idler carol :back at six");
    fake_send(&fake, ":srv 301 idler carol :back at six");
    fake_pump(150);
    CU_ASSERT_EQUAL(count_text(q, "back at six"), 1);
    /* Back (away-notify) and away again with the same words: news again. */
    fake_send(&fake, ":carol!c@h AWAY");
    fake_send(&fake, ":srv 301 idler carol :back at six");
    fake_pump(150);
    CU_ASSERT_EQUAL(count_text(q, "back at six"), 2);
    CU_ASSERT_EQUAL(count_text(server, "back at six"), 0);

    /* Our own: /away message, /back, and the server's 306/305. */
    guint notified = 0;
    g_signal_connect(c, "notify::away", G_CALLBACK(count_notify), &notified);
    CU_ASSERT_FALSE(nc_client_get_away(c));
    CU_ASSERT(nc_client_send_input(c, desk, "/away out for lunch", NULL));
    CU_ASSERT(expect("AWAY :out for lunch"));
    fake_send(&fake, ":srv 306 idler :You have been marked as being away");
    fake_pump(100);
    CU_ASSERT(nc_client_get_away(c));
    gboolean prop = FALSE;
    g_object_get(c, "away", &prop, NULL);
    CU_ASSERT(prop);
    CU_ASSERT(nc_client_send_input(c, desk, "/back", NULL));
    CU_ASSERT(expect("AWAY"));
    CU_ASSERT(next_is_marker(c, "PING :after-back"));
    fake_send(&fake, ":srv 305 idler :You are no longer marked as being away");
    fake_pump(100);
    CU_ASSERT_FALSE(nc_client_get_away(c));
    CU_ASSERT_EQUAL(notified, 2);

    /* A big channel is not asked: away-notify tells from now on. */
    GString *names = g_string_new(NULL);
    for (int i = 0; i < 150; i++)
        g_string_append_printf(names, "%sn%d", i ? " " : "", i);
    fake_send(&fake, ":idler!u@h JOIN #big");
    fake_send(&fake, ":srv 353 idler = #big :idler %s", names->str);
    fake_send(&fake, ":srv 366 idler #big :End of NAMES");
    g_string_free(names, TRUE);
    fake_pump(100);
    CU_ASSERT(next_is_marker(c, "PING :no-who"));

    /* The user's /who of a channel whose quiet WHO is pending: the
     * answers come in the order asked, ours read quietly, theirs shown. */
    guint ends = count_text(server, "End of WHO");
    joined_small("#both", "dave");
    CU_ASSERT(expect("WHO #both"));
    CU_ASSERT(nc_client_send_input(c, desk, "/who #both", NULL));
    CU_ASSERT(expect("WHO #both"));
    who_answer("#both", "dave G", "OursAnswered");
    who_answer("#both", "dave G", "TheUsersAnswered");
    CU_ASSERT(only_shown(c, "TheUsersAnswered", "OursAnswered"));
    CU_ASSERT_EQUAL(count_text(server, "End of WHO"), ends + 1);
    /* The user's /who sent before ours (typed right after /join): the
     * server answers it first, and that answer is the one shown. */
    CU_ASSERT(nc_client_send_input(c, desk, "/join #race", NULL));
    CU_ASSERT(expect("JOIN #race"));
    CU_ASSERT(nc_client_send_input(c, desk, "/who #race", NULL));
    CU_ASSERT(expect("WHO #race"));
    joined_small("#race", "erin");
    CU_ASSERT(expect("WHO #race"));
    who_answer("#RACE", "erin G", "UserFirst");
    who_answer("#race", "erin H", "OursSecond");
    CU_ASSERT(only_shown(c, "UserFirst", "OursSecond"));
    CU_ASSERT_EQUAL(count_text(server, "End of WHO"), ends + 2);
    NcBuffer *race = nc_network_find_buffer(nc_client_get_network(c), "#race");
    CU_ASSERT_FATAL(race != NULL);
    CU_ASSERT_FALSE(nc_member_get_away(nc_buffer_find_member(race, "erin")));

    /* /help lists both. */
    g_auto(GStrv) help = nc_command_help(NULL);
    g_autofree char *all = g_strjoinv("\n", help);
    CU_ASSERT_PTR_NOT_NULL(strstr(all, "/back"));
    CU_ASSERT_PTR_NOT_NULL(strstr(all, "/away [message]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(all, "/list"));

    g_object_unref(c);
    fake_stop(&fake);
}

/* ---- typing: the rules on an injected clock -------------------------- */

#define S(x) ((gint64)((x) * (double)G_USEC_PER_SEC))

static void test_typing_out_rules(void)
{
    NcTypingOut *out = nc_typing_out_new();
    gint64 t = S(1000);
    /* Nothing typed yet: emptying says nothing. */
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, FALSE, t), NC_TYPING_NONE);
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, TRUE, t), NC_TYPING_ACTIVE);
    /* Keys within 3 s say nothing more; at 3 s "active" again. */
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, TRUE, t + S(1)), NC_TYPING_NONE);
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, TRUE, t + S(2.9)), NC_TYPING_NONE);
    CU_ASSERT_EQUAL(nc_typing_out_tick(out, t + S(2.95)), NC_TYPING_NONE);
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, TRUE, t + S(3)), NC_TYPING_ACTIVE);
    /* 5 s without a change: "paused", once. */
    CU_ASSERT_EQUAL(nc_typing_out_tick(out, t + S(7.9)), NC_TYPING_NONE);
    CU_ASSERT_EQUAL(nc_typing_out_tick(out, t + S(8)), NC_TYPING_PAUSED);
    CU_ASSERT_EQUAL(nc_typing_out_tick(out, t + S(20)), NC_TYPING_NONE);
    CU_ASSERT_FALSE(nc_typing_out_is_active(out));
    /* Typing again after a pause is "active" at once. */
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, TRUE, t + S(21)), NC_TYPING_ACTIVE);
    /* Cleared (or sent): "done", once. */
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, FALSE, t + S(22)), NC_TYPING_DONE);
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, FALSE, t + S(22)), NC_TYPING_NONE);
    /* Paused and then cleared is "done" too. */
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, TRUE, t + S(30)), NC_TYPING_ACTIVE);
    CU_ASSERT_EQUAL(nc_typing_out_tick(out, t + S(36)), NC_TYPING_PAUSED);
    CU_ASSERT_EQUAL(nc_typing_out_changed(out, FALSE, t + S(37)), NC_TYPING_DONE);
    nc_typing_out_free(out);

    CU_ASSERT_STRING_EQUAL(nc_typing_state_to_value(NC_TYPING_ACTIVE), "active");
    CU_ASSERT_STRING_EQUAL(nc_typing_state_to_value(NC_TYPING_PAUSED), "paused");
    CU_ASSERT_STRING_EQUAL(nc_typing_state_to_value(NC_TYPING_DONE), "done");
    CU_ASSERT_PTR_NULL(nc_typing_state_to_value(NC_TYPING_NONE));
    CU_ASSERT_EQUAL(nc_typing_state_from_value("paused"), NC_TYPING_PAUSED);
    CU_ASSERT_EQUAL(nc_typing_state_from_value("nonsense"), NC_TYPING_NONE);
    CU_ASSERT_EQUAL(nc_typing_state_from_value(NULL), NC_TYPING_NONE);
}

static void check_words(NcTypingPeers *peers, const char *want)
{
    g_autofree char *words = nc_typing_peers_words(peers);
    if (strcmp(words, want) != 0)
        fprintf(stderr, "typing words \"%s\", wanted \"%s\"\n", words, want);
    CU_ASSERT_STRING_EQUAL(words, want);
}

static void test_typing_peers_rules(void)
{
    NcTypingPeers *peers = nc_typing_peers_new();
    gint64 t = S(5000);
    check_words(peers, "");
    CU_ASSERT(nc_typing_peers_set(peers, "alice", NC_TYPING_ACTIVE, t));
    check_words(peers, "alice is typing…");
    CU_ASSERT_FALSE(nc_typing_peers_set(peers, "ALICE", NC_TYPING_ACTIVE, t + S(1)));
    CU_ASSERT(nc_typing_peers_set(peers, "bob", NC_TYPING_PAUSED, t + S(1)));
    check_words(peers, "alice and bob are typing…");
    CU_ASSERT(nc_typing_peers_set(peers, "carol", NC_TYPING_ACTIVE, t + S(2)));
    check_words(peers, "several people are typing…");
    CU_ASSERT_EQUAL(nc_typing_peers_count(peers), 3);
    /* active lasts 6 s from the last word: alice's at t+1 goes at t+7. */
    CU_ASSERT_FALSE(nc_typing_peers_expire(peers, t + S(6.9)));
    CU_ASSERT(nc_typing_peers_expire(peers, t + S(7)));
    check_words(peers, "bob and carol are typing…");
    CU_ASSERT(nc_typing_peers_expire(peers, t + S(8)));
    check_words(peers, "bob is typing…");
    /* paused lasts 30 s. */
    CU_ASSERT_FALSE(nc_typing_peers_expire(peers, t + S(30.9)));
    CU_ASSERT(nc_typing_peers_rename(peers, "bob", "robert"));
    check_words(peers, "robert is typing…");
    CU_ASSERT(nc_typing_peers_expire(peers, t + S(31)));
    check_words(peers, "");
    /* done ends it at once; done from someone not typing changes nothing. */
    CU_ASSERT(nc_typing_peers_set(peers, "dave", NC_TYPING_ACTIVE, t + S(40)));
    CU_ASSERT(nc_typing_peers_set(peers, "dave", NC_TYPING_DONE, t + S(41)));
    CU_ASSERT_FALSE(nc_typing_peers_set(peers, "dave", NC_TYPING_DONE, t + S(41)));
    check_words(peers, "");
    nc_typing_peers_free(peers);
}

/* ---- typing: against the scripted server ----------------------------- */

typedef struct {
    NcBuffer *buffer;
    const char *words;
} TypingWait;

static gboolean typing_is(gpointer data)
{
    TypingWait *w = data;
    return strcmp(nc_buffer_get_typing(w->buffer), w->words) == 0;
}

static gboolean wait_typing(NcBuffer *b, const char *words, guint timeout_ms)
{
    TypingWait w = {b, words};
    gboolean ok = fake_pump_until(typing_is, &w, timeout_ms);
    if (!ok)
        fprintf(stderr, "typing is \"%s\", wanted \"%s\"\n", nc_buffer_get_typing(b), words);
    return ok;
}

/* Typing in keys, then line sent as wire and the input emptied: only
 * "active" and the message go out, no "done". */
static gboolean typed_and_sent(NcClient *c, NcBuffer *keys, const char *line, const char *wire)
{
    nc_client_notify_typing(c, keys, TRUE);
    gboolean ok = expect("@+typing=active TAGMSG #keys");
    ok = nc_client_send_input(c, keys, line, NULL) && ok;
    ok = expect(wire) && ok;
    nc_client_notify_typing(c, keys, FALSE);
    return next_is_marker(c, "PING :after-sent") && ok;
}

static void test_typing_over_the_wire(void)
{
    fake_start(&fake);
    NcClient *c = new_client("typist");
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_with(c, "typist", "message-tags multi-prefix"));
    fake_send(&fake, ":typist!u@h JOIN #keys");
    fake_send(&fake, ":srv 353 typist = #keys :typist alice bob carol");
    fake_send(&fake, ":srv 366 typist #keys :End of NAMES");
    fake_pump(100);
    NcBuffer *keys = nc_network_find_buffer(nc_client_get_network(c), "#keys");
    CU_ASSERT_FATAL(keys != NULL);

    /* Ours: active once for a burst of keys, done when emptied. */
    nc_client_notify_typing(c, keys, TRUE);
    CU_ASSERT(expect("@+typing=active TAGMSG #keys"));
    nc_client_notify_typing(c, keys, TRUE);
    nc_client_notify_typing(c, keys, TRUE);
    CU_ASSERT(next_is_marker(c, "PING :burst"));
    nc_client_notify_typing(c, keys, FALSE);
    CU_ASSERT(expect("@+typing=done TAGMSG #keys"));
    nc_client_notify_typing(c, keys, FALSE);
    CU_ASSERT(next_is_marker(c, "PING :once"));
    /* A message sent says "done" by itself: the input emptied after it
     * sends nothing more, for text and for /me alike. */
    CU_ASSERT(typed_and_sent(c, keys, "hello all", "PRIVMSG #keys :hello all"));
    CU_ASSERT(typed_and_sent(c, keys, "/me waves", "PRIVMSG #keys :\001ACTION waves\001"));
    /* Typing starts afresh after it: "active" at once, not 3 s later. */
    nc_client_notify_typing(c, keys, TRUE);
    CU_ASSERT(expect("@+typing=active TAGMSG #keys"));
    /* The input moves to another tab with the text in it: the tab it
     * left hears "done" (what the input area does on a new target). */
    nc_client_notify_typing(c, keys, FALSE);
    CU_ASSERT(expect("@+typing=done TAGMSG #keys"));
    /* Not on the server tab; not when turned off. */
    nc_client_notify_typing(c, nc_network_get_server_buffer(nc_client_get_network(c)), TRUE);
    g_object_set(c, "send-typing", FALSE, NULL);
    nc_client_notify_typing(c, keys, TRUE);
    CU_ASSERT(next_is_marker(c, "PING :off"));
    g_object_set(c, "send-typing", TRUE, NULL);

    /* Theirs: words as they come and go. */
    fake_send(&fake, "@+typing=active :alice!a@h TAGMSG #keys");
    CU_ASSERT(wait_typing(keys, "alice is typing…", 2000));
    fake_send(&fake, "@+typing=paused :bob!b@h TAGMSG #keys");
    CU_ASSERT(wait_typing(keys, "alice and bob are typing…", 2000));
    fake_send(&fake, "@+typing=active :carol!c@h TAGMSG #keys");
    CU_ASSERT(wait_typing(keys, "several people are typing…", 2000));
    fake_send(&fake, ":carol!c@h PRIVMSG #keys :said it");
    CU_ASSERT(wait_typing(keys, "alice and bob are typing…", 2000));
    fake_send(&fake, "@+typing=done :bob!b@h TAGMSG #keys");
    CU_ASSERT(wait_typing(keys, "alice is typing…", 2000));
    /* Hidden when show-typing is off, back when on. */
    nc_client_set_show_typing(c, FALSE);
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_typing(keys), "");
    nc_client_set_show_typing(c, TRUE);
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_typing(keys), "alice is typing…");

    /* Time: ours pauses 5 s after the last key, alice's active expires
     * 6 s after her last word. */
    gint64 t0 = g_get_monotonic_time();
    fake_send(&fake, "@+typing=active :alice!a@h TAGMSG #keys");
    nc_client_notify_typing(c, keys, TRUE);
    CU_ASSERT(expect("@+typing=active TAGMSG #keys"));
    g_autofree char *paused = fake_expect(&fake, "@+typing=paused TAGMSG #keys", 7000);
    CU_ASSERT_PTR_NOT_NULL(paused);
    gint64 paused_ms = (g_get_monotonic_time() - t0) / 1000;
    CU_ASSERT(paused_ms >= 4900 && paused_ms < 6500);
    CU_ASSERT(wait_typing(keys, "", 3000));
    gint64 expired_ms = (g_get_monotonic_time() - t0) / 1000;
    printf("\n    paused after %" G_GINT64_FORMAT " ms, expired after %" G_GINT64_FORMAT " ms\n",
           paused_ms, expired_ms);
    CU_ASSERT(expired_ms >= 5900 && expired_ms < 7500);

    /* Someone ignored does not type here either. */
    CU_ASSERT(nc_client_send_input(c, keys, "/ignore bob", NULL));
    fake_send(&fake, "@+typing=active :bob!b@h TAGMSG #keys");
    fake_send(&fake, "@+typing=active :carol!c@h TAGMSG #keys");
    CU_ASSERT(wait_typing(keys, "carol is typing…", 2000));

    g_object_unref(c);
    fake_stop(&fake);
}

static void test_typing_needs_message_tags(void)
{
    fake_start(&fake);
    NcClient *c = new_client("plain");
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_with(c, "plain", "multi-prefix"));
    fake_send(&fake, ":plain!u@h JOIN #old");
    fake_pump(100);
    NcBuffer *old = nc_network_find_buffer(nc_client_get_network(c), "#old");
    CU_ASSERT_FATAL(old != NULL);
    nc_client_notify_typing(c, old, TRUE);
    nc_client_notify_typing(c, old, FALSE);
    CU_ASSERT(next_is_marker(c, "PING :nothing"));
    g_object_unref(c);
    fake_stop(&fake);
}

/* ---- connection lines and the countdown ------------------------------- */

static void note_status(GObject *object, GParamSpec *pspec, gpointer data)
{
    GPtrArray *seen = data;
    const char *status = nc_client_get_status(NC_CLIENT(object));
    if (nc_client_get_state(NC_CLIENT(object)) == NC_STATE_WAITING)
        g_ptr_array_add(seen, g_strdup(status));
}

static void test_connection_lines(void)
{
    fake_start(&fake);
    NcClient *c = new_client("dropper");
    /* Waits of 1.25 to 2.5 s: long enough for the status to count. */
    nc_client_set_timing(c, 0, 0, 2500, 2500, 0);
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_with(c, "dropper", "multi-prefix"));
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    CU_ASSERT(nc_client_send_input(c, server, "/join #one", NULL));
    CU_ASSERT(expect("JOIN #one"));
    fake_send(&fake, ":dropper!u@h JOIN #one");
    fake_send(&fake, ":dropper!u@h JOIN #parted");
    fake_send(&fake, ":dropper!u@h PART #parted");
    fake_send(&fake, ":bob!b@h PRIVMSG dropper :hi there");
    fake_pump(150);
    NcNetwork *net = nc_client_get_network(c);
    NcBuffer *one = nc_network_find_buffer(net, "#one");
    NcBuffer *parted = nc_network_find_buffer(net, "#parted");
    NcBuffer *bob = nc_network_find_buffer(net, "bob");
    CU_ASSERT_FATAL(one && parted && bob);
    CU_ASSERT_EQUAL(nc_client_get_reconnect_time(c), 0);

    g_autoptr(GPtrArray) statuses = g_ptr_array_new_with_free_func(g_free);
    g_signal_connect(c, "notify::status", G_CALLBACK(note_status), statuses);
    gint64 before = g_get_monotonic_time();
    fake_reset(&fake);
    CU_ASSERT_FATAL(fake_wait_state(c, NC_STATE_WAITING, 3000));
    /* One line in each live conversation, none where we had left. */
    CU_ASSERT_EQUAL(count_text(one, "Disconnected: "), 1);
    CU_ASSERT_EQUAL(count_text(bob, "Disconnected: "), 1);
    CU_ASSERT_EQUAL(count_text(parted, "Disconnected: "), 0);
    CU_ASSERT_EQUAL(count_text(one, "reset"), 1);
    gint64 when = nc_client_get_reconnect_time(c);
    gint64 prop = 0;
    g_object_get(c, "reconnect-time", &prop, NULL);
    CU_ASSERT_EQUAL(prop, when);
    CU_ASSERT(when >= before + 1250 * 1000 - 1000 && when <= g_get_monotonic_time() + 2500 * 1000);

    /* The status counts down each second until the attempt. */
    CU_ASSERT_FATAL(fake_accept(&fake, 5000));
    gint64 attempted = g_get_monotonic_time();
    CU_ASSERT(attempted >= when - 50 * 1000);
    CU_ASSERT_EQUAL(nc_client_get_reconnect_time(c), 0);
    CU_ASSERT(statuses->len >= 2);
    for (guint i = 0; i < statuses->len; i++)
        printf("\n    %s", (const char *)statuses->pdata[i]);
    printf("\n");
    if (statuses->len >= 2) {
        CU_ASSERT_PTR_NOT_NULL(strstr(statuses->pdata[0], "reconnecting in 3 s") ||
                               strstr(statuses->pdata[0], "reconnecting in 2 s"));
        CU_ASSERT_PTR_NOT_NULL(strstr(statuses->pdata[statuses->len - 1], "reconnecting in 1 s"));
    }

    /* Back: "Reconnected" in the query at once, in the channel on JOIN. */
    CU_ASSERT(expect("USER "));
    fake_send(&fake, ":srv CAP * LS :multi-prefix");
    CU_ASSERT(expect("CAP REQ"));
    fake_send(&fake, ":srv CAP dropper ACK :multi-prefix");
    fake_send(&fake, ":srv 001 dropper :Welcome back");
    CU_ASSERT(fake_wait_state(c, NC_STATE_CONNECTED, 3000));
    CU_ASSERT(expect("JOIN #one"));
    CU_ASSERT_EQUAL(count_text(bob, "Reconnected"), 1);
    CU_ASSERT_EQUAL(count_text(one, "Reconnected"), 0);
    fake_send(&fake, ":dropper!u@h JOIN #one");
    fake_pump(150);
    CU_ASSERT_EQUAL(count_text(one, "Reconnected"), 1);
    CU_ASSERT_EQUAL(count_text(one, "Disconnected: "), 1);
    CU_ASSERT_EQUAL(count_text(parted, "Reconnected"), 0);

    /* Another drop, another line. */
    nc_client_set_timing(c, 0, 0, 50, 100, 0);
    fake_reset(&fake);
    CU_ASSERT(fake_wait_state(c, NC_STATE_WAITING, 3000));
    fake_pump(100);
    CU_ASSERT_EQUAL(count_text(one, "Disconnected: "), 2);
    CU_ASSERT_EQUAL(count_text(bob, "Disconnected: "), 2);

    g_signal_handlers_disconnect_by_data(c, statuses);
    g_object_unref(c);
    fake_stop(&fake);
}

static CU_TestInfo tests[] = {
    {"channel entries: filter and sort rules", test_channel_entries},
    {"channel list: batches", test_channel_list_batches},
    {"channel list: at most 100,000 entries, said", test_channel_list_cap},
    {"channel list: released once complete and unshown", test_channel_list_released},
    {"channel list: 10,000 channels streamed", test_channel_list_streamed},
    {"away: away-notify, WHO, 301 once, /away and /back", test_away},
    {"typing: our rules on a clock", test_typing_out_rules},
    {"typing: theirs, expiry and words", test_typing_peers_rules},
    {"typing: sent and heard", test_typing_over_the_wire},
    {"typing: nothing without message-tags", test_typing_needs_message_tags},
    {"connection lines and the countdown", test_connection_lines},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("gui-panels", tests);
}

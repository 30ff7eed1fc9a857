/* SPDX-License-Identifier: MIT */
/* The client state machine against a scripted server on a real loopback
 * socket: registration with CAP, nick in use, PING, a reset in the middle
 * of registration, the server's ERROR, a dead link found by ping timeout,
 * reconnect with rejoin, a connect to a closed port, what freeing a
 * client does to its connection (QUIT still leaves; a slow name lookup
 * is not waited for), and a network's servers tried in turn. */
#include "client.h"
#include "fake-server.h"
#include "helpers.h"
#include "resolve-internal.h" /* nt__resolve_set_delay_ms */

#include <natter/error.h>
#include <string.h>

static FakeServer fake;

static NcClient *new_client(const char *nick)
{
    NcClient *c = nc_client_new("127.0.0.1", fake.addr.port, nick, "Test User", NULL);
    /* Short timers: the tests must not wait for real-world intervals. */
    nc_client_set_timing(c, 300, 900, 50, 400, 2000);
    return c;
}

static gboolean wait_state(NcClient *c, NcClientState state, guint timeout_ms)
{
    return fake_wait_state(c, state, timeout_ms);
}

static gboolean expect_on(FakeServer *server, const char *prefix)
{
    g_autofree char *line = fake_expect(server, prefix, 3000);
    if (!line)
        fprintf(stderr, "did not get a line starting with \"%s\"\n", prefix);
    return line != NULL;
}

static gboolean expect(const char *prefix)
{
    return expect_on(&fake, prefix);
}

/* Accept on server and take the client through CAP + registration as nick. */
static gboolean register_on(FakeServer *server, NcClient *c, const char *nick)
{
    if (!fake_accept(server, 3000))
        return FALSE;
    if (!expect_on(server, "CAP LS 302") || !expect_on(server, "NICK ") ||
        !expect_on(server, "USER "))
        return FALSE;
    fake_send(server, ":srv CAP * LS :multi-prefix server-time sasl");
    g_autofree char *req = fake_expect(server, "CAP REQ", 3000);
    if (!req || !strstr(req, "server-time") || !strstr(req, "multi-prefix") || strstr(req, "sasl"))
        return FALSE;
    fake_send(server, ":srv CAP * ACK :multi-prefix server-time");
    if (!expect_on(server, "CAP END"))
        return FALSE;
    fake_send(server, ":srv 001 %s :Welcome to the test net", nick);
    fake_send(server, ":srv 005 %s PREFIX=(qov)~@+ CHANTYPES=# :are supported", nick);
    return wait_state(c, NC_STATE_CONNECTED, 3000);
}

static gboolean register_as(NcClient *c, const char *nick)
{
    return register_on(&fake, c, nick);
}

static void test_register_and_chat(void)
{
    fake_start(&fake);
    const char *autojoin[] = {"#natter", NULL};
    NcClient *c = new_client("tester");
    nc_client_set_autojoin(c, autojoin);
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_as(c, "tester"));
    CU_ASSERT(nc_client_has_cap(c, "server-time"));
    CU_ASSERT(nc_client_has_cap(c, "multi-prefix"));
    CU_ASSERT_STRING_EQUAL(nc_client_get_nick(c), "tester");
    CU_ASSERT(expect("JOIN #natter"));

    fake_send(&fake, ":tester!u@h JOIN #natter");
    fake_send(&fake, ":srv 332 tester #natter :Welcome topic");
    fake_send(&fake, ":srv 353 tester = #natter :tester +voice @+op ~owner zed");
    fake_send(&fake, ":srv 366 tester #natter :End of NAMES");
    fake_send(&fake, "@time=2024-01-02T03:04:05.678Z :alice!a@h PRIVMSG #natter :hello tester!");
    fake_send(&fake, "PING :token42");
    CU_ASSERT(expect("PONG :token42"));

    NcBuffer *b = nc_network_find_buffer(nc_client_get_network(c), "#NATTER");
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(nc_buffer_get_joined(b));
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_topic(b), "Welcome topic");
    GListModel *members = nc_buffer_get_members(b);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(members), 5);
    const char *want[] = {"owner", "op", "voice", "tester", "zed"};
    const char *want_prefix[] = {"~", "@+", "+", "", ""};
    for (guint i = 0; i < 5 && i < g_list_model_get_n_items(members); i++) {
        g_autoptr(NcMember) m = g_list_model_get_item(members, i);
        CU_ASSERT_STRING_EQUAL(nc_member_get_nick(m), want[i]);
        CU_ASSERT_STRING_EQUAL(nc_member_get_prefixes(m), want_prefix[i]);
    }
    /* The message kept the server's time and is a highlight. */
    GListModel *msgs = nc_buffer_get_messages(b);
    guint n = g_list_model_get_n_items(msgs);
    CU_ASSERT_FATAL(n >= 2);
    g_autoptr(NcMessage) last = g_list_model_get_item(msgs, n - 1);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(last), "hello tester!");
    CU_ASSERT_EQUAL(nc_message_get_time(last), G_GINT64_CONSTANT(1704164645678000));
    CU_ASSERT(nc_message_get_flags(last) & NC_MSG_FLAG_HIGHLIGHT);

    /* MODE changes prefixes and order; NICK renames; PART removes. */
    fake_send(&fake, ":op!o@h MODE #natter +o-v zed voice");
    fake_send(&fake, ":zed!z@h NICK :zara");
    fake_send(&fake, ":owner!o@h PART #natter :bye");
    fake_pump(200);
    CU_ASSERT_PTR_NOT_NULL(nc_buffer_find_member(b, "zara"));
    CU_ASSERT_PTR_NULL(nc_buffer_find_member(b, "zed"));
    CU_ASSERT_PTR_NULL(nc_buffer_find_member(b, "owner"));
    {
        g_autoptr(NcMember) first = g_list_model_get_item(members, 0);
        CU_ASSERT_STRING_EQUAL(nc_member_get_nick(first), "op");
        g_autoptr(NcMember) second = g_list_model_get_item(members, 1);
        CU_ASSERT_STRING_EQUAL(nc_member_get_nick(second), "zara");
        CU_ASSERT_STRING_EQUAL(nc_member_get_prefixes(second), "@");
        NcMember *voice = nc_buffer_find_member(b, "voice");
        CU_ASSERT_STRING_EQUAL(nc_member_get_prefixes(voice), "");
    }

    /* Input: text, /me, a long line split under the limit, /topic. */
    g_autoptr(GError) error = NULL;
    CU_ASSERT(nc_client_send_input(c, b, "hi all", &error));
    CU_ASSERT(expect("PRIVMSG #natter :hi all"));
    CU_ASSERT(nc_client_send_input(c, b, "/me waves", NULL));
    CU_ASSERT(expect("PRIVMSG #natter :\001ACTION waves\001"));
    GString *longtext = g_string_new(NULL);
    for (int i = 0; i < 200; i++)
        g_string_append(longtext, "word ");
    CU_ASSERT(nc_client_send_input(c, b, longtext->str, NULL));
    int pieces = 0;
    for (;;) {
        g_autofree char *line = fake_expect(&fake, "PRIVMSG #natter :word", 500);
        if (!line)
            break;
        CU_ASSERT(strlen(line) + 2 + 1 + 6 + 1 + 10 + 1 + 63 + 1 <= 512);
        pieces++;
    }
    CU_ASSERT(pieces >= 2);
    g_string_free(longtext, TRUE);
    CU_ASSERT(nc_client_send_input(c, b, "/topic new topic here", NULL));
    CU_ASSERT(expect("TOPIC #natter :new topic here"));
    CU_ASSERT(nc_client_send_input(c, b, "/quote PRIVMSG bob :raw", NULL));
    CU_ASSERT(expect("PRIVMSG bob :raw"));
    CU_ASSERT_FALSE(nc_client_send_input(c, nc_network_get_server_buffer(nc_client_get_network(c)),
                                         "plain text", &error));
    CU_ASSERT_PTR_NOT_NULL(error);

    /* A private message opens a query buffer. */
    fake_send(&fake, ":bob!b@h PRIVMSG tester :psst");
    fake_pump(100);
    NcBuffer *q = nc_network_find_buffer(nc_client_get_network(c), "bob");
    CU_ASSERT_FATAL(q != NULL);
    CU_ASSERT_EQUAL(nc_buffer_get_kind(q), NC_BUFFER_QUERY);
    CU_ASSERT_EQUAL(nc_buffer_get_mentions(q), 1);

    nc_client_disconnect(c, "done");
    CU_ASSERT(expect("QUIT :done"));
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_nick_in_use(void)
{
    fake_start(&fake);
    NcClient *c = new_client("taken");
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("NICK taken"));
    fake_send(&fake, ":srv 433 * taken :Nickname is already in use");
    CU_ASSERT(expect("NICK taken_"));
    fake_send(&fake, ":srv 433 * taken_ :Nickname is already in use");
    CU_ASSERT(expect("NICK taken__"));
    /* A server without CAP ignores CAP LS and registers directly. */
    fake_send(&fake, ":srv 001 taken__ :Welcome");
    CU_ASSERT(wait_state(c, NC_STATE_CONNECTED, 3000));
    CU_ASSERT_STRING_EQUAL(nc_client_get_nick(c), "taken__");
    /* After registration a taken nick is an error to show, not a retry. */
    g_autoptr(GError) error = NULL;
    CU_ASSERT(nc_client_send_input(c, NULL, "/nick other", &error));
    CU_ASSERT(expect("NICK other"));
    fake_send(&fake, ":srv 433 taken__ other :Nickname is already in use");
    fake_pump(100);
    CU_ASSERT_PTR_NOT_NULL(nc_client_get_error(c));
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "other"));
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_reset_mid_registration(void)
{
    fake_start(&fake);
    NcClient *c = new_client("resetme");
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("USER "));
    fake_reset(&fake);
    CU_ASSERT(wait_state(c, NC_STATE_WAITING, 3000));
    CU_ASSERT_PTR_NOT_NULL(nc_client_get_error(c));
    if (nc_client_get_error(c))
        CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "reset"));
    /* It comes back by itself and registers this time. */
    CU_ASSERT(register_as(c, "resetme"));
    CU_ASSERT_PTR_NULL(nc_client_get_error(c));
    CU_ASSERT_EQUAL(nc_client_get_attempts(c), 0);
    g_object_unref(c);
    fake_stop(&fake);
}

/* The last message of b says exactly text. */
static gboolean last_says(NcBuffer *b, const char *text)
{
    GListModel *msgs = nc_buffer_get_messages(b);
    guint n = g_list_model_get_n_items(msgs);
    if (!n)
        return FALSE;
    g_autoptr(NcMessage) last = g_list_model_get_item(msgs, n - 1);
    if (strcmp(nc_message_get_text(last), text) != 0)
        fprintf(stderr, "last line \"%s\", wanted \"%s\"\n", nc_message_get_text(last), text);
    return strcmp(nc_message_get_text(last), text) == 0 &&
           nc_message_get_kind(last) == NC_MSG_STATUS;
}

static void test_server_error_and_rejoin(void)
{
    fake_start(&fake);
    NcClient *c = new_client("rejoiner");
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_as(c, "rejoiner"));
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    CU_ASSERT(nc_client_send_input(c, server, "/join #one", NULL));
    CU_ASSERT(expect("JOIN #one"));
    CU_ASSERT(nc_client_send_input(c, server, "/join two", NULL));
    CU_ASSERT(expect("JOIN #two"));
    fake_send(&fake, ":rejoiner!u@h JOIN #one");
    fake_send(&fake, ":rejoiner!u@h JOIN #two");
    fake_pump(100);

    fake_send(&fake, "ERROR :Closing Link: rejoiner (Server going down)");
    fake_close(&fake);
    CU_ASSERT(wait_state(c, NC_STATE_WAITING, 3000));
    CU_ASSERT_PTR_NOT_NULL(nc_client_get_error(c));
    if (nc_client_get_error(c))
        CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "Server going down"));
    NcBuffer *one = nc_network_find_buffer(nc_client_get_network(c), "#one");
    CU_ASSERT_FATAL(one != NULL);
    CU_ASSERT_FALSE(nc_buffer_get_joined(one));
    /* The channel says why it went quiet: the server's words. */
    CU_ASSERT(last_says(one, "Disconnected: Server: Closing Link: rejoiner (Server going down)"));
    CU_ASSERT(nc_client_get_reconnect_time(c) > 0);

    CU_ASSERT_FATAL(register_as(c, "rejoiner"));
    CU_ASSERT_EQUAL(nc_client_get_reconnect_time(c), 0);
    CU_ASSERT(expect("JOIN #one"));
    CU_ASSERT(expect("JOIN #two"));
    fake_send(&fake, ":rejoiner!u@h JOIN #one");
    fake_pump(100);
    CU_ASSERT(last_says(one, "Reconnected"));
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_ping_timeout(void)
{
    fake_start(&fake);
    NcClient *c = new_client("pinger");
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_as(c, "pinger"));
    /* Silence: the client asks after the ping interval... */
    CU_ASSERT(expect("PING "));
    /* ...and gives up on the link after the timeout, then reconnects. */
    gint64 t0 = g_get_monotonic_time();
    CU_ASSERT(fake_wait_eof(&fake, 3000));
    CU_ASSERT((g_get_monotonic_time() - t0) / 1000 < 2000);
    CU_ASSERT(wait_state(c, NC_STATE_WAITING, 1000));
    CU_ASSERT_PTR_NOT_NULL(nc_client_get_error(c));
    if (nc_client_get_error(c))
        CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "ping timeout"));
    CU_ASSERT(register_as(c, "pinger"));
    /* A server that answers keeps the link up past the timeout. */
    for (int i = 0; i < 12; i++) {
        g_autofree char *ping = fake_expect(&fake, "PING ", 150);
        if (ping)
            fake_send(&fake, ":srv PONG srv :%s", ping + 6);
        fake_send(&fake, ":srv NOTICE pinger :still here");
    }
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_CONNECTED);
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_refused_does_not_block(void)
{
    /* A port nobody listens on: take a free one and close it. */
    fake_start(&fake);
    guint16 port = fake.addr.port;
    fake_stop(&fake);
    NcClient *c = nc_client_new("127.0.0.1", port, "nobody", NULL, NULL);
    nc_client_set_timing(c, 0, 0, 100, 400, 1000);
    gint64 t0 = g_get_monotonic_time();
    nc_client_connect(c);
    /* connect() hands the work to the worker thread and returns at once. */
    CU_ASSERT((g_get_monotonic_time() - t0) / 1000 < 50);
    CU_ASSERT(wait_state(c, NC_STATE_WAITING, 3000));
    CU_ASSERT_PTR_NOT_NULL(nc_client_get_error(c));
    if (nc_client_get_error(c))
        CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "refused"));
    /* It keeps trying, with growing delays. */
    fake_pump(600);
    CU_ASSERT(nc_client_get_attempts(c) >= 2);
    nc_client_disconnect(c, NULL);
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
    g_object_unref(c);
}

static void test_unknown_host(void)
{
    NcClient *c = nc_client_new("no-such-host.invalid", 6667, "nobody", NULL, NULL);
    nc_client_set_reconnect(c, FALSE);
    nc_client_connect(c);
    CU_ASSERT(wait_state(c, NC_STATE_DISCONNECTED, 10000));
    CU_ASSERT_PTR_NOT_NULL(nc_client_get_error(c));
    g_object_unref(c);
}

static void test_quit_leaves_when_freed(void)
{
    /* An application quitting disconnects and frees the client at once:
     * the QUIT must reach the server all the same, then the close. */
    fake_start(&fake);
    NcClient *c = new_client("leaver");
    nc_client_connect(c);
    CU_ASSERT_FATAL(register_as(c, "leaver"));
    nc_client_disconnect(c, "see you");
    g_object_unref(c);
    CU_ASSERT(expect("QUIT :see you"));
    CU_ASSERT(fake_wait_eof(&fake, 3000));
    fake_stop(&fake);
}

static void test_free_during_slow_lookup(void)
{
    /* A name that takes seconds to resolve: freeing the client cancels
     * the lookup instead of waiting for it (it runs on libnatter's
     * resolver threads, not on the client's). */
    fake_start(&fake);
    nt__resolve_set_delay_ms(3000);
    NcClient *c = nc_client_new("localhost", fake.addr.port, "slow", NULL, NULL);
    nc_client_set_reconnect(c, FALSE);
    nc_client_connect(c);
    fake_pump(100); /* the lookup is under way on a resolver thread */
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_CONNECTING);
    gint64 t0 = g_get_monotonic_time();
    g_object_unref(c);
    CU_ASSERT((g_get_monotonic_time() - t0) / 1000 < 1000);
    nt__resolve_set_delay_ms(0);
    fake_stop(&fake);
}

/* Does a line of b's say text (within it)? */
static gboolean buffer_mentions(NcBuffer *b, const char *text)
{
    GListModel *msgs = nc_buffer_get_messages(b);
    for (guint i = 0; i < g_list_model_get_n_items(msgs); i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(msgs, i);
        if (strstr(nc_message_get_text(m), text))
            return TRUE;
    }
    return FALSE;
}

static gboolean has_network_name(gpointer data)
{
    return g_strcmp0(nc_client_get_isupport(data, "NETWORK"), "TestNet") == 0;
}

static void test_failover(void)
{
    /* Three servers of one network: the first closes before registering,
     * the second is not listening, the third takes the client. */
    FakeServer first, dead, third;
    fake_start(&first);
    fake_start(&dead);
    guint16 dead_port = dead.addr.port;
    fake_stop(&dead);
    fake_start(&third);
    NcServerAddress servers[] = {
        {"127.0.0.1", first.addr.port, FALSE},
        {"127.0.0.1", dead_port, FALSE},
        {"127.0.0.1", third.addr.port, FALSE},
    };
    NcClient *c = nc_client_new("127.0.0.1", first.addr.port, "tester", "Test User", NULL);
    nc_client_set_timing(c, 5000, 15000, 50, 400, 2000);
    nc_client_set_servers(c, servers, G_N_ELEMENTS(servers));
    CU_ASSERT_EQUAL(nc_client_get_n_servers(c), 3);
    NcBuffer *server_tab = nc_network_get_server_buffer(nc_client_get_network(c));
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&first, 3000));
    CU_ASSERT(expect_on(&first, "NICK tester"));
    fake_close(&first);
    CU_ASSERT_FATAL(wait_state(c, NC_STATE_WAITING, 3000));
    /* The status names the next server while waiting for it. */
    g_autofree char *next = g_strdup_printf("trying 127.0.0.1:%u in", (guint)dead_port);
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_status(c), next));
    CU_ASSERT_EQUAL(nc_client_get_server_index(c), 1);
    CU_ASSERT_EQUAL(nc_client_get_port(c), dead_port);

    CU_ASSERT_FATAL(register_on(&third, c, "tester"));
    CU_ASSERT_EQUAL(nc_client_get_server_index(c), 2);
    CU_ASSERT_EQUAL(nc_client_get_port(c), third.addr.port);
    g_autofree char *tried_dead =
        g_strdup_printf("Trying the next server, 127.0.0.1:%u", (guint)dead_port);
    g_autofree char *tried_third =
        g_strdup_printf("Trying the next server, 127.0.0.1:%u", (guint)third.addr.port);
    CU_ASSERT(buffer_mentions(server_tab, tried_dead));
    CU_ASSERT(buffer_mentions(server_tab, tried_third));
    CU_ASSERT_EQUAL(nc_client_get_attempts(c), 0);

    fake_send(&third, ":srv 005 tester NETWORK=TestNet :are supported");
    CU_ASSERT(fake_pump_until(has_network_name, c, 3000));

    /* The third drops: round robin, back to the first, where the third's
     * ISUPPORT no longer holds. */
    fake_reset(&third);
    CU_ASSERT_FATAL(wait_state(c, NC_STATE_REGISTERING, 3000));
    CU_ASSERT_PTR_NULL(nc_client_get_isupport(c, "NETWORK"));
    CU_ASSERT_PTR_NULL(nc_client_get_isupport(c, "CHANTYPES"));
    CU_ASSERT_FATAL(register_on(&first, c, "tester"));
    CU_ASSERT_EQUAL(nc_client_get_server_index(c), 0);
    CU_ASSERT_STRING_EQUAL(nc_client_get_status(c), "Connected to 127.0.0.1 as tester");
    fake_client_finish(c);
    fake_stop(&first);
    fake_stop(&third);
}

static void test_backoff(void)
{
    CU_ASSERT_EQUAL(nc_backoff_delay(0, 1000, 60000, 0.999999), 999);
    CU_ASSERT_EQUAL(nc_backoff_delay(0, 1000, 60000, 0.0), 500);
    CU_ASSERT_EQUAL(nc_backoff_delay(3, 1000, 60000, 0.0), 4000);
    CU_ASSERT_EQUAL(nc_backoff_delay(30, 1000, 60000, 0.0), 30000);
    guint prev = 0;
    for (guint a = 0; a < 8; a++) {
        guint d = nc_backoff_delay(a, 100, 60000, 0.5);
        CU_ASSERT(d > prev);
        prev = d;
    }
}

static CU_TestInfo tests[] = {
    {"register, CAP, names, modes, input", test_register_and_chat},
    {"nick in use falls back", test_nick_in_use},
    {"reset mid-registration reconnects", test_reset_mid_registration},
    {"server ERROR, reconnect and rejoin", test_server_error_and_rejoin},
    {"ping timeout finds a dead link", test_ping_timeout},
    {"refused connect does not block", test_refused_does_not_block},
    {"unknown host is reported", test_unknown_host},
    {"QUIT leaves when the client is freed at once", test_quit_leaves_when_freed},
    {"freeing does not wait for a slow lookup", test_free_during_slow_lookup},
    {"backoff grows with jitter", test_backoff},
    {"failed servers hand over to the next, round robin", test_failover},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("gui-client", tests);
}

/* SPDX-License-Identifier: MIT */
/* natterd over real sockets: registration, CAP negotiation, PASS, NICK and
 * USER errors, 451/421, PING/PONG/QUIT, the registration timeout, server
 * PINGs and the ping timeout, the per-address limit, clean shutdown. */
#include "live.h"

#include <stdio.h>
#include <string.h>

static void test_registration_burst(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_client(s, "burst", 0);
    irc_send(a, "NICK burst");
    irc_send(a, "USER burstuser 0 * :Burst Test");
    EXPECT(a, "001",
           ":irc.natter.test 001 burst :Welcome to the NatterTest IRC Network "
           "burst!~burstuser@127.0.0.1");
    EXPECT(a, "002", ":Your host is irc.natter.test, running version natterd-");
    EXPECT(a, "003", ":This server was created ");
    const char *myinfo = EXPECT(a, "004", "burst irc.natter.test natterd-");
    /* User modes, channel modes, channel modes taking a parameter. */
    CU_ASSERT(strstr(myinfo, " Biorw CRTIbeiklmnostv Ibeklov") != NULL);
    irc_lines burst = {0};
    COLLECT(a, "251", NULL, &burst);
    /* ISUPPORT tells the truth about the configuration in force. */
    const char *tokens[] = {
        "CASEMAPPING=rfc1459",
        "CHANTYPES=#",
        "PREFIX=(ov)@+",
        "CHANMODES=beI,k,l,CRTimnst",
        "NICKLEN=30",
        "CHANNELLEN=50",
        "TOPICLEN=390",
        "NETWORK=NatterTest",
        "MAXTARGETS=4",
        "MODES=6",
        "CHANLIMIT=#:30",
        "AWAYLEN=200",
        "KICKLEN=255",
        "TARGMAX=JOIN:,KICK:4,NAMES:4,NOTICE:4,PART:,PRIVMSG:4,TAGMSG:4,WHOIS:4"};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        size_t n = irc_lines_count(&burst, "005", tokens[i]);
        if (n != 1)
            printf("\n    ISUPPORT token %s seen %zu times\n", tokens[i], n);
        CU_ASSERT(n == 1);
    }
    CU_ASSERT(irc_lines_count(&burst, "005", ":are supported by this server") >= 1);
    irc_lines_free(&burst);
    EXPECT(a, "255", ":I have ");
    EXPECT(a, "422", ":MOTD File is missing");

    /* USER before NICK registers too. */
    irc_client *b = live_client(s, "userfirst", 0);
    irc_send(b, "USER second 0 * :Second");
    EXPECT_NONE(b, "001", NULL);
    irc_send(b, "NICK second");
    EXPECT(b, "001", "second!~second@127.0.0.1");
    live_stop(s);
}

static void test_cap_negotiation(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    if (live_cluster(s)) {
        nt_test_skip("a cluster node always keeps accounts (the Redis store) and offers sasl, "
                     "which this test's server without a store must refuse");
        live_stop(s);
        return;
    }
    irc_client *c = live_client(s, "capper", 0);
    irc_send(c, "CAP LS 302");
    char ls[512];
    snprintf(ls, sizeof ls, "%s", EXPECT(c, "CAP", " * LS :"));
    const char *caps[] = {"away-notify",  "echo-message", "message-tags",
                          "multi-prefix", "server-time",  "userhost-in-names"};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        CU_ASSERT(strstr(irc_line_trailing(ls), caps[i]) != NULL);
    irc_send(c, "NICK capper");
    irc_send(c, "USER capper 0 * :Cap Tester");
    /* CAP LS holds registration until CAP END. */
    EXPECT_NONE(c, "001", NULL);
    irc_send(c, "CAP REQ :multi-prefix server-time echo-message");
    EXPECT(c, "CAP", "capper ACK :multi-prefix server-time echo-message");
    /* All or nothing: one unknown capability NAKs the request. */
    irc_send(c, "CAP REQ :away-notify sasl");
    EXPECT(c, "CAP", "capper NAK :away-notify sasl");
    irc_send(c, "CAP LIST");
    char list[512];
    snprintf(list, sizeof list, "%s", EXPECT(c, "CAP", "capper LIST :"));
    CU_ASSERT(strstr(list, "multi-prefix") && strstr(list, "server-time") &&
              strstr(list, "echo-message"));
    CU_ASSERT(strstr(list, "away-notify") == NULL);
    irc_send(c, "CAP FROB");
    EXPECT(c, "410", "FROB :Invalid CAP command");
    EXPECT_NONE(c, "001", NULL);
    irc_send(c, "CAP END");
    EXPECT(c, "001", "capper");
    EXPECT(c, "376|422", NULL);

    /* The capabilities are in effect: server-time tags, echo-message. */
    irc_send(c, "JOIN #caps");
    const char *join = EXPECT(c, "JOIN", " JOIN #caps");
    /* @time=YYYY-MM-DDThh:mm:ss.sssZ */
    CU_ASSERT(strncmp(join, "@time=", 6) == 0 && strlen(join) > 30 && join[10] == '-' &&
              join[16] == 'T' && join[29] == 'Z' && join[30] == ' ');
    irc_send(c, "PRIVMSG #caps :echo me");
    const char *echo = EXPECT(c, "PRIVMSG", ":capper!~capper@127.0.0.1 PRIVMSG #caps :echo me");
    CU_ASSERT(strncmp(echo, "@time=", 6) == 0);
    /* CAP after registration changes them without holding anything. */
    irc_send(c, "CAP REQ :-echo-message");
    EXPECT(c, "CAP", "ACK :-echo-message");
    irc_send(c, "PRIVMSG #caps :no echo now");
    EXPECT_NONE(c, "PRIVMSG", NULL);

    /* A client that lists and ends without requesting registers plainly. */
    irc_client *d = live_client(s, "lsonly", 0);
    irc_send(d, "CAP LS");
    irc_send(d, "NICK lsonly");
    irc_send(d, "USER lsonly 0 * :LS only");
    EXPECT(d, "CAP", " LS :");
    EXPECT_NONE(d, "001", NULL);
    irc_send(d, "CAP END");
    EXPECT(d, "001", NULL);
    live_stop(s);
}

static void test_server_password(void)
{
    live_server *s = live_start(LIVE_PASS);
    if (!s)
        return;
    irc_client *good = live_client(s, "goodpass", 0);
    irc_send(good, "PASS " LIVE_SERVER_PASSWORD);
    irc_send(good, "NICK goodpass");
    irc_send(good, "USER goodpass 0 * :Good");
    EXPECT(good, "001", NULL);
    irc_send(good, "PASS again");
    EXPECT(good, "462", ":You may not reregister");

    irc_client *bad = live_client(s, "badpass", 0);
    irc_send(bad, "PASS wrong");
    irc_send(bad, "NICK badpass");
    irc_send(bad, "USER badpass 0 * :Bad");
    EXPECT(bad, "464", "badpass :Password incorrect");
    EXPECT(bad, "ERROR", ":Closing Link: 127.0.0.1 (Bad password)");
    EXPECT_CLOSED(bad, NULL);

    irc_client *none = live_client(s, "nopass", 0);
    irc_send(none, "PASS");
    EXPECT(none, "461", "PASS :Not enough parameters");
    irc_send(none, "NICK nopass");
    irc_send(none, "USER nopass 0 * :None");
    EXPECT(none, "464", NULL);
    EXPECT_CLOSED(none, NULL);

    /* The last PASS before registration counts. */
    irc_client *twice = live_client(s, "twicepass", 0);
    irc_send(twice, "PASS wrong");
    irc_send(twice, "PASS " LIVE_SERVER_PASSWORD);
    irc_send(twice, "NICK twicepass");
    irc_send(twice, "USER twicepass 0 * :Twice");
    EXPECT(twice, "001", NULL);
    SYNC(good);
    live_stop(s);
}

static void test_nick_user_errors(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "ada", NULL);
    irc_client *b = live_client(s, "newcomer", 0);
    irc_send(b, "NICK");
    EXPECT(b, "431", "* :No nickname given");
    irc_send(b, "NICK 9lives");
    EXPECT(b, "432", "* 9lives :Erroneous nickname");
    irc_send(b, "NICK \xff\xfe");
    EXPECT(b, "FAIL", "FAIL NICK INVALID_UTF8 :");
    irc_send(b, "NICK abcdefghijklmnopqrstuvwxyz01234");
    EXPECT(b, "432", NULL);
    irc_send(b, "NICK ADA");
    EXPECT(b, "433", "* ADA :Nickname is already in use");
    /* rfc1459 casemapping over the wire: [ is the upper case of {. */
    irc_send(a, "NICK ada[1]");
    EXPECT(a, "NICK", ":ada!~ada@127.0.0.1 NICK :ada[1]");
    irc_send(b, "NICK ADA{1}");
    EXPECT(b, "433", "ADA{1} :Nickname is already in use");
    irc_send(b, "USER onlyone");
    EXPECT(b, "461", "USER :Not enough parameters");
    irc_send(b, "NICK bea");
    irc_send(b, "USER bea 0 * :Bea");
    EXPECT(b, "001", "bea!~bea@127.0.0.1");
    irc_send(b, "USER again 0 * :Again");
    EXPECT(b, "462", ":You may not reregister");
    /* A registered client renames, also only in case. */
    irc_send(a, "NICK ADA[1]");
    EXPECT(a, "NICK", ":ada[1]!~ada@127.0.0.1 NICK :ADA[1]");
    irc_send(b, "NICK ada{1}");
    EXPECT(b, "433", NULL);
    live_stop(s);
}

static void test_before_registration(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *c = live_client(s, "early", 0);
    const char *commands[] = {
        "JOIN #early",  "PART #early", "PRIVMSG x :hi", "NOTICE x :hi", "MODE early +i",
        "TOPIC #early", "NAMES",       "LIST",          "KICK #a b",    "INVITE a #b",
        "AWAY :gone",   "WHO",         "WHOIS x",       "WHOWAS x",     "ISON x",
        "USERHOST x",   "VERSION",     "TIME",          "ADMIN",        "INFO",
        "MOTD",         "LUSERS",      "OPER a b",      "KILL a b",     "REHASH",
        "TAGMSG #a",
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        irc_send(c, "%s", commands[i]);
        EXPECT(c, "451", "* :You have not registered");
    }
    irc_send(c, "FOOBAR baz");
    EXPECT(c, "421", "* FOOBAR :Unknown command");
    SYNC(c); /* PING works before registration */
    CU_ASSERT(irc_register(c, "early", NULL));
    irc_send(c, "FOOBAR baz");
    EXPECT(c, "421", "early FOOBAR :Unknown command");
    /* Commands are case-insensitive. */
    irc_send(c, "privmsg early :lower case");
    EXPECT(c, "PRIVMSG", ":early!~early@127.0.0.1 PRIVMSG early :lower case");
    live_stop(s);
}

static void test_ping_pong_quit(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *c = live_user(s, "pinger", NULL);
    irc_send(c, "PING :hello there");
    EXPECT(c, "PONG", ":irc.natter.test PONG irc.natter.test :hello there");
    irc_send(c, "PING");
    EXPECT(c, "409", "pinger :No origin specified");
    irc_send(c, "PONG");
    EXPECT(c, "409", NULL);
    irc_send(c, "PONG :" LIVE_SERVER_NAME);
    EXPECT_NONE(c, NULL, NULL);
    irc_send(c, "QUIT :see you");
    EXPECT(c, "ERROR", ":Closing Link: 127.0.0.1 (Quit: see you)");
    EXPECT_CLOSED(c, NULL);

    irc_client *d = live_client(s, "earlyquit", 0);
    irc_send(d, "QUIT");
    EXPECT(d, "ERROR", "(Client Quit)");
    EXPECT_CLOSED(d, NULL);
    live_stop(s);
}

static void test_registration_timeout(void)
{
    live_server *s = live_start(LIVE_LIMITS);
    if (!s)
        return;
    irc_client *patient = live_user(s, "patient", NULL);
    uint64_t start = nt_clock_us();
    irc_client *silent = live_client(s, "silent", 0);
    irc_client *half = live_client(s, "half", 0);
    irc_send(half, "NICK half");
    irc_send(half, "CAP LS 302"); /* negotiating does not stop the clock */
    EXPECT(silent, "ERROR", ":Closing Link: 127.0.0.1 (Registration timeout)");
    EXPECT_CLOSED(silent, NULL);
    double waited = nt_test_elapsed(start);
    /* registration_timeout = 1; the server checks at least every second. */
    nt_test_note("silent client closed after %.2f s (registration_timeout 1 s)", waited);
    CU_ASSERT(waited >= 0.9 && waited < (live_slow() ? 8.0 : 3.5));
    EXPECT(half, "ERROR", "(Registration timeout)");
    EXPECT_CLOSED(half, NULL);
    SYNC(patient); /* a registered client is not touched */
    live_stop(s);
}

static void test_server_ping_and_timeout(void)
{
    live_server *s = live_start(LIVE_LIMITS);
    if (!s)
        return;
    irc_client *answers = live_user(s, "answers", NULL);
    irc_client *mute = live_user(s, "mute", NULL);
    irc_send(answers, "JOIN #pings");
    EXPECT(answers, "366", NULL);
    irc_send(mute, "JOIN #pings");
    EXPECT(answers, "JOIN", "mute");
    EXPECT(mute, "366", NULL);
    unsigned wait = live_slow() ? 30000 : 15000;
    /* ping_interval = 5: silence gets a PING from the server... */
    CU_ASSERT(irc_expect_within(answers, wait, "PING", ":" LIVE_SERVER_NAME) != NULL);
    irc_send(answers, "PONG :" LIVE_SERVER_NAME);
    CU_ASSERT(irc_expect_within(mute, wait, "PING", NULL) != NULL);
    /* ...and no answer within ping_timeout = 5 closes the connection. */
    CU_ASSERT(irc_expect_within(mute, wait, "ERROR", "(Ping timeout: ") != NULL);
    EXPECT_CLOSED(mute, NULL);
    EXPECT(answers, "QUIT", ":mute!~mute@127.0.0.1 QUIT :Ping timeout: ");
    SYNC(answers);
    live_stop(s);
}

static void test_connection_limit(void)
{
    live_server *s = live_start(LIVE_LIMITS);
    if (!s)
        return;
    if (live_cluster(s)) {
        nt_test_skip("in a cluster each node counts max_clients_per_address for its own "
                     "connections only, and the test's clients are spread across the nodes");
        live_stop(s);
        return;
    }
    irc_client *c[4];
    for (int i = 0; i < 4; i++) {
        char nick[16];
        snprintf(nick, sizeof nick, "limit%d", i);
        c[i] = live_user(s, nick, NULL);
    }
    /* max_clients_per_address = 4 */
    irc_client *extra = live_client(s, "extra", 0);
    EXPECT(extra, "ERROR", ":Closing Link: 127.0.0.1 (Too many connections from your address)");
    EXPECT_CLOSED(extra, NULL);
    live_drop(s, extra);
    /* The server counts the QUIT before it closes: room for one again. */
    live_quit(s, c[0]);
    irc_client *again = live_user(s, "again", NULL);
    SYNC(again);
    for (int i = 1; i < 4; i++)
        live_quit(s, c[i]);
    live_stop(s);
}

static void test_clean_shutdown(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    if (!live_in_process(s)) {
        nt_test_skip("clean shutdown needs the server in-process "
                     "(external.sh checks the daemon's own stop: SIGTERM, Ctrl-C)");
        live_stop(s);
        return;
    }
    irc_client *a = live_user(s, "stayer", NULL);
    irc_client *b = live_user(s, "stayer2", NULL);
    irc_send(a, "JOIN #bye");
    EXPECT(a, "366", NULL);
    irc_send(b, "JOIN #bye");
    EXPECT(a, "JOIN", "stayer2");
    irc_client *u = live_client(s, "halfway", 0);
    irc_send(u, "NICK halfway");
    SYNC(u);
    SYNC(b);
    CU_ASSERT(live_shutdown(s, "Server shutting down"));
    irc_client *all[] = {a, b, u};
    for (size_t i = 0; i < 3; i++) {
        EXPECT(all[i], "ERROR", ":Closing Link: 127.0.0.1 (Server shutting down)");
        EXPECT_CLOSED(all[i], NULL);
    }
    /* Nobody listens any more. */
    nt_socket *x = NULL;
    CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_STREAM, 0, &x) == NT_OK);
    nt_socket_settimeout(x, 5.0);
    int rc = nt_socket_connect(x, live_addr(s));
    CU_ASSERT(rc != NT_OK);
    nt_socket_close(x);
    live_stop(s);
}

static CU_TestInfo tests[] = {
    {"registration burst over TCP", test_registration_burst},
    {"CAP LS 302, REQ, NAK, LIST, END hold registration", test_cap_negotiation},
    {"PASS: right, wrong, missing, after registration", test_server_password},
    {"NICK and USER errors, casemapping", test_nick_user_errors},
    {"451 before registration, 421 unknown", test_before_registration},
    {"PING, PONG and QUIT", test_ping_pong_quit},
    {"a silent client is closed at the registration timeout", test_registration_timeout},
    {"server PING, and the ping timeout", test_server_ping_and_timeout},
    {"connections per address", test_connection_limit},
    {"clean shutdown: ERROR to every client, sockets closed", test_clean_shutdown},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-register", tests);
}

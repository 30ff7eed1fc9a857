/* SPDX-License-Identifier: MIT */
/* Registration, CAP negotiation, keep-alives, timeouts, flood control,
 * connection limits and bad input, through the in-memory transport. */
#include "fake-transport.h"
#include "helpers.h"
#include "numerics.h"
#include "password.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_registration_burst(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_connect(s, "192.0.2.1");
    fake_send(a, "NICK alice");
    CU_ASSERT(a->nlines == 0);
    fake_send(a, "USER alice 0 * :Alice Liddell");
    EXPECT_LINE(a, ":irc.test 001 alice :Welcome to the Natter IRC Network alice!~alice@192.0.2.1");
    EXPECT_NUMERIC(a, RPL_YOURHOST);
    EXPECT_NUMERIC(a, RPL_CREATED);
    EXPECT_LINE(a, " 004 alice irc.test natterd-");
    EXPECT_LINE(a, "CASEMAPPING=rfc1459");
    EXPECT_LINE(a, "CHANTYPES=#");
    EXPECT_LINE(a, "PREFIX=(ov)@+");
    EXPECT_LINE(a, "CHANMODES=beI,k,l,CRTimnst");
    EXPECT_LINE(a, " Biorw CRTIbeiklmnostv Ibeklov");
    EXPECT_LINE(a, "TARGMAX=JOIN:,KICK:4,NAMES:4,NOTICE:4,PART:,PRIVMSG:4,TAGMSG:4,WHOIS:4");
    EXPECT_LINE(a, "NICKLEN=30");
    EXPECT_LINE(a, "NETWORK=Natter");
    EXPECT_LINE(a, "TOPICLEN=390");
    EXPECT_NUMERIC(a, RPL_LUSERCLIENT);
    EXPECT_NUMERIC(a, RPL_LUSERME);
    EXPECT_NUMERIC(a, ERR_NOMOTD);
    CU_ASSERT(!a->bad_framing);
    /* Every 005 line carries at most 13 tokens. */
    for (size_t i = 0; i < a->nlines; i++) {
        if (!strstr(a->lines[i], " 005 "))
            continue;
        size_t words = 0;
        const char *colon = strstr(a->lines[i], " :are supported");
        for (const char *p = strstr(a->lines[i], " 005 ") + 5; colon && p < colon; p++)
            words += *p == ' ';
        CU_ASSERT(words <= 13);
        colon = strstr(a->lines[i], " :are supported");
        CU_ASSERT(colon != NULL);
    }
    /* USER then NICK works too. */
    fake_conn *b = fake_connect(s, "192.0.2.2");
    fake_send(b, "USER bob 0 * :Bob");
    CU_ASSERT(!fake_has_numeric(b, 1));
    fake_send(b, "NICK bob");
    EXPECT_NUMERIC(b, RPL_WELCOME);
    fake_server_free(s);
}

static void test_nick_errors(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_connect(s, "127.0.0.1");
    fake_send(b, "NICK");
    EXPECT_NUMERIC(b, ERR_NONICKNAMEGIVEN);
    fake_send(b, "NICK 9lives");
    EXPECT_NUMERIC(b, ERR_ERRONEUSNICKNAME);
    fake_clear(b);
    fake_send(b, "NICK way_too_long_nickname_over_thirty_chars");
    EXPECT_NUMERIC(b, ERR_ERRONEUSNICKNAME);
    fake_clear(b);
    fake_send(b, "NICK ALICE");
    EXPECT_NUMERIC(b, ERR_NICKNAMEINUSE);
    fake_clear(b);
    /* rfc1459: [ ] \ ~ are the upper case of { } | ^ */
    fake_send(a, "NICK a[b]");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 NICK :a[b]");
    fake_send(b, "NICK A{B}");
    EXPECT_NUMERIC(b, ERR_NICKNAMEINUSE);
    fake_clear(b);
    fake_send(b, "NICK \xff\xfe");
    EXPECT_LINE(b, "FAIL NICK INVALID_UTF8");
    fake_send(b, "NICK a\xe2\x80\x8b" "b"); /* UTF-8, but not a nick */
    EXPECT_NUMERIC(b, ERR_ERRONEUSNICKNAME);
    /* Changing only the case of your own nick is allowed. */
    fake_clear(a);
    fake_send(a, "NICK A[B]");
    EXPECT_LINE(a, "NICK :A[B]");
    fake_server_free(s);
}

static void test_user_errors(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_connect(s, "127.0.0.1");
    fake_send(a, "USER onlyone");
    EXPECT_LINE(a, " 461 * USER :Not enough parameters");
    fake_send(a, "NICK alice");
    fake_send(a, "USER a!l@ice 0 * :Alice");
    EXPECT_LINE(a, "alice!~alice@127.0.0.1");
    fake_clear(a);
    fake_send(a, "USER alice 0 * :Again");
    EXPECT_NUMERIC(a, ERR_ALREADYREGISTERED);
    fake_clear(a);
    fake_send(a, "PASS secret");
    EXPECT_NUMERIC(a, ERR_ALREADYREGISTERED);
    fake_server_free(s);
}

/* RFC 2812 3.1.3: an empty real name or user name is a missing parameter. */
static void test_user_empty_fields(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_connect(s, "127.0.0.1");
    fake_send(a, "NICK alice");
    fake_send(a, "USER u 0 * :");
    EXPECT_LINE(a, " 461 alice USER :Not enough parameters");
    CU_ASSERT(!fake_has_numeric(a, RPL_WELCOME));
    fake_clear(a);
    fake_send(a, "USER :");
    EXPECT_LINE(a, " 461 alice USER :Not enough parameters");
    fake_clear(a);
    /* Fewer than four parameters (a user name can only be empty as the
     * trailing one) is the same 461. */
    fake_send(a, "USER u 0 * :");
    fake_send(a, "USER u 0 :");
    CU_ASSERT(fake_count(a, " 461 alice USER ") == 2);
    CU_ASSERT(!fake_has_numeric(a, RPL_WELCOME));
    /* Refused, not half-taken: a good USER still registers. */
    fake_clear(a);
    fake_send(a, "USER u 0 * :Real Name");
    EXPECT_NUMERIC(a, RPL_WELCOME);
    EXPECT_LINE(a, "alice!~u@127.0.0.1");
    fake_server_free(s);
}

static void test_server_password(void)
{
    srv_config cfg;
    fake_config(&cfg);
    char hash[256];
    const unsigned char salt[] = "saltsalt";
    CU_ASSERT_FATAL(srv_password_hash("letmein", salt, 8, 1000, hash, sizeof hash) == 0);
    cfg.password_hash = malloc(strlen(hash) + 1);
    strcpy(cfg.password_hash, hash);
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);

    fake_conn *a = fake_connect(s, "127.0.0.1");
    fake_send(a, "PASS wrong");
    fake_send(a, "NICK alice");
    fake_send(a, "USER alice 0 * :Alice");
    EXPECT_NUMERIC(a, ERR_PASSWDMISMATCH);
    EXPECT_LINE(a, "ERROR :Closing Link: 127.0.0.1 (Bad password)");
    CU_ASSERT(a->closed);

    fake_conn *b = fake_connect(s, "127.0.0.1");
    fake_send(b, "NICK bob");
    fake_send(b, "USER bob 0 * :Bob");
    CU_ASSERT(b->closed); /* no PASS at all */

    fake_conn *c = fake_connect(s, "127.0.0.1");
    fake_send(c, "PASS letmein");
    fake_send(c, "NICK carol");
    fake_send(c, "USER carol 0 * :Carol");
    EXPECT_NUMERIC(c, RPL_WELCOME);
    CU_ASSERT(!c->closed);
    fake_conn *d = fake_connect(s, "127.0.0.1");
    fake_send(d, "PASS");
    EXPECT_NUMERIC(d, ERR_NEEDMOREPARAMS);
    fake_server_free(s);
}

static void test_cap_negotiation(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_connect(s, "127.0.0.1");
    fake_send(a, "CAP LS 302");
    EXPECT_LINE(a, ":irc.test CAP * LS :");
    EXPECT_LINE(a, "multi-prefix");
    EXPECT_LINE(a, "server-time");
    EXPECT_LINE(a, "message-tags");
    EXPECT_LINE(a, "echo-message");
    EXPECT_LINE(a, "away-notify");
    EXPECT_LINE(a, "userhost-in-names");
    fake_send(a, "NICK alice");
    fake_send(a, "USER alice 0 * :Alice");
    CU_ASSERT(!fake_has_numeric(a, RPL_WELCOME)); /* held by CAP */
    fake_send(a, "CAP REQ :multi-prefix bogus-cap");
    EXPECT_LINE(a, "CAP alice NAK :multi-prefix bogus-cap");
    fake_send(a, "CAP REQ :multi-prefix server-time");
    EXPECT_LINE(a, "CAP alice ACK :multi-prefix server-time");
    fake_clear(a);
    fake_send(a, "CAP LIST");
    EXPECT_LINE(a, "CAP alice LIST :multi-prefix server-time");
    fake_send(a, "CAP REQ :-server-time");
    fake_clear(a);
    fake_send(a, "CAP LIST");
    EXPECT_LINE(a, "CAP alice LIST :multi-prefix");
    EXPECT_NO_LINE(a, "server-time");
    fake_send(a, "CAP FOO");
    EXPECT_NUMERIC(a, ERR_INVALIDCAPCMD);
    CU_ASSERT(!fake_has_numeric(a, RPL_WELCOME));
    fake_send(a, "CAP END");
    EXPECT_NUMERIC(a, RPL_WELCOME);
    /* CAP after registration works and does not re-register. */
    fake_clear(a);
    fake_send(a, "CAP REQ :echo-message");
    EXPECT_LINE(a, "ACK :echo-message");
    fake_send(a, "CAP END");
    CU_ASSERT(!fake_has_numeric(a, RPL_WELCOME));
    fake_server_free(s);
}

static void test_ping_pong_quit(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *u = fake_connect(s, "127.0.0.1");
    fake_send(u, "PING early");
    EXPECT_LINE(u, ":irc.test PONG irc.test :early");
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "PING :hello there");
    EXPECT_LINE(a, ":irc.test PONG irc.test :hello there");
    fake_send(a, "PING");
    EXPECT_NUMERIC(a, ERR_NOORIGIN);
    fake_clear(a);
    fake_send(a, "PONG");
    EXPECT_NUMERIC(a, ERR_NOORIGIN);
    fake_clear(a);
    fake_send(a, "PONG :irc.test");
    CU_ASSERT(a->nlines == 0);
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_clear(b);
    fake_send(a, "QUIT :see you");
    EXPECT_LINE(a, "ERROR :Closing Link: 127.0.0.1 (Quit: see you)");
    CU_ASSERT(a->closed);
    CU_ASSERT_STRING_EQUAL(a->close_reason, "Quit: see you");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 QUIT :Quit: see you");
    /* The nick is free again. */
    fake_conn *c = fake_register(s, "alice");
    CU_ASSERT(c->client != NULL);
    fake_send(c, "QUIT");
    EXPECT_LINE(c, "(Client Quit)");
    fake_server_free(s);
}

static void test_not_registered_and_unknown(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_connect(s, "127.0.0.1");
    const char *cmds[] = {"JOIN #a",   "PRIVMSG x :hi", "MODE x",   "WHOIS x", "LIST", "OPER a b",
                          "KILL x :y", "AWAY :x",       "TOPIC #a", "NAMES",   "MOTD"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        fake_clear(a);
        fake_send(a, "%s", cmds[i]);
        EXPECT_LINE(a, ":irc.test 451 * :You have not registered");
    }
    fake_clear(a);
    fake_send(a, "FROBNICATE now");
    EXPECT_LINE(a, ":irc.test 421 * FROBNICATE :Unknown command");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "frobnicate");
    EXPECT_LINE(b, " 421 bob frobnicate :Unknown command");
    fake_clear(b);
    fake_send(b, "123");
    EXPECT_NUMERIC(b, ERR_UNKNOWNCOMMAND);
    fake_clear(b);
    /* Commands are case-insensitive. */
    fake_send(b, "ping :x");
    EXPECT_LINE(b, "PONG irc.test :x");
    fake_server_free(s);
}

static void test_bad_input(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_clear(a);
    fake_clear(b);
    /* Empty and blank lines are ignored silently. */
    fake_send_raw(a, "", 0);
    fake_send(a, "   ");
    fake_send(a, "@tag=1");
    fake_send(a, ":source.only");
    CU_ASSERT(a->nlines == 0);
    /* 10 KiB line: 417, and the client stays. */
    char *big = malloc(10 * 1024 + 1);
    memset(big, 'A', 10 * 1024);
    memcpy(big, "PRIVMSG #room :", 15);
    big[10 * 1024] = '\0';
    fake_send_raw(a, big, 10 * 1024);
    EXPECT_LINE(a, " 417 alice :Input line was too long");
    CU_ASSERT(!a->closed);
    CU_ASSERT(b->nlines == 0);
    /* A 510-byte line is the longest allowed (512 with CRLF). */
    fake_clear(a);
    memset(big, 'B', 510);
    memcpy(big, "PRIVMSG #room :", 15);
    fake_send_raw(a, big, 510);
    CU_ASSERT(a->nlines == 0);
    CU_ASSERT(b->nlines == 1);
    fake_send_raw(a, big, 511);
    EXPECT_NUMERIC(a, ERR_INPUTTOOLONG);
    /* Tags get their own 8191-byte allowance. */
    fake_clear(a);
    fake_clear(b);
    char *tagged = malloc(9000);
    int n = snprintf(tagged, 9000, "@+x=%0*d PRIVMSG #room :tagged", 3000, 0);
    fake_send_raw(a, tagged, (size_t)n);
    CU_ASSERT(a->nlines == 0);
    EXPECT_LINE(b, "PRIVMSG #room :tagged");
    memset(tagged, 'x', 8999);
    tagged[0] = '@';
    memcpy(tagged + 8500, " PING :x", 8);
    fake_send_raw(a, tagged, 8508);
    EXPECT_NUMERIC(a, ERR_INPUTTOOLONG);
    /* IRCv3 message-tags: a client's tag data (without '@' and the space)
     * is at most 4094 bytes, client-only tags or not; more gets 417, not
     * a relay with the tags silently dropped. */
    fake_clear(a);
    fake_clear(b);
    n = snprintf(tagged, 9000, "@+x=%0*d PRIVMSG #room :4094", 4094 - 3, 0);
    fake_send_raw(a, tagged, (size_t)n);
    CU_ASSERT(a->nlines == 0);
    EXPECT_LINE(b, "PRIVMSG #room :4094");
    fake_clear(b);
    n = snprintf(tagged, 9000, "@+x=%0*d PRIVMSG #room :4095", 4095 - 3, 0);
    fake_send_raw(a, tagged, (size_t)n);
    EXPECT_LINE(a, " 417 alice :Input line was too long");
    CU_ASSERT(b->nlines == 0);
    fake_clear(a);
    n = snprintf(tagged, 9000, "@+a=%0*d;+b=%0*d PRIVMSG #room :two", 2500, 0, 2500, 0);
    fake_send_raw(a, tagged, (size_t)n);
    EXPECT_NUMERIC(a, ERR_INPUTTOOLONG);
    CU_ASSERT(b->nlines == 0);
    fake_clear(a);
    n = snprintf(tagged, 9000, "@label=%0*d;+b=x PRIVMSG #room :mixed", 4090, 0);
    fake_send_raw(a, tagged, (size_t)n);
    EXPECT_NUMERIC(a, ERR_INPUTTOOLONG);
    CU_ASSERT(b->nlines == 0);
    free(tagged);
    /* The network layer's own frame limit. */
    fake_clear(a);
    srv_client_line_too_long(a->client);
    EXPECT_NUMERIC(a, ERR_INPUTTOOLONG);
    free(big);
    /* NUL, CR and LF inside a line are refused with 400. */
    fake_clear(a);
    fake_clear(b);
    fake_send_raw(a, "PRIVMSG #room :a\0b", 18);
    EXPECT_LINE(a, " 400 alice * :Line contains a NUL, CR or LF byte");
    fake_send_raw(a, "PRIVMSG #room :a\rNOTICE b", 25);
    CU_ASSERT(fake_count(a, " 400 ") == 2);
    CU_ASSERT(b->nlines == 0);
    /* Invalid UTF-8 is refused (UTF8ONLY, the default): FAIL, nothing
     * relayed; test_utf8_only has the rest. */
    fake_send(a, "PRIVMSG #room :\xc3\x28\xff bytes");
    EXPECT_LINE(a, "FAIL PRIVMSG INVALID_UTF8");
    CU_ASSERT(b->nlines == 0);
    /* Too many parameters: the 15th swallows the rest. */
    fake_clear(a);
    fake_send(a, "ISON a b c d e f g h i j k l m n o p q bob");
    EXPECT_LINE(a, " 303 alice :bob");
    CU_ASSERT(!a->closed && !b->closed);
    CU_ASSERT(!a->bad_framing && !b->bad_framing);
    fake_server_free(s);
}

static void test_registration_timeout(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_connect(s, "127.0.0.1");
    fake_conn *b = fake_register(s, "bob");
    CU_ASSERT(srv_server_next_tick(s) <= fake_now_ms + 60 * 1000);
    fake_now_ms += 59 * 1000;
    srv_server_tick(s, fake_now_ms);
    CU_ASSERT(!a->closed);
    fake_now_ms += 1000;
    srv_server_tick(s, fake_now_ms);
    CU_ASSERT(a->closed);
    EXPECT_LINE(a, "ERROR :Closing Link: 127.0.0.1 (Registration timeout)");
    CU_ASSERT(!b->closed);
    fake_server_free(s);
}

static void test_ping_timeout(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_now_ms += 120 * 1000;
    srv_server_tick(s, fake_now_ms);
    EXPECT_LINE(a, "PING :irc.test");
    EXPECT_LINE(b, "PING :irc.test");
    CU_ASSERT(srv_server_next_tick(s) <= fake_now_ms + 60 * 1000);
    fake_now_ms += 30 * 1000;
    fake_send(b, "PONG :irc.test");
    fake_now_ms += 30 * 1000;
    srv_server_tick(s, fake_now_ms);
    CU_ASSERT(a->closed);
    EXPECT_LINE(a, "(Ping timeout: 180 seconds)");
    CU_ASSERT(!b->closed);
    fake_server_free(s);
}

static void test_flood_penalty(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.flood_penalty_percent = 100;
    cfg.flood_threshold_ms = 10000;
    cfg.flood_disconnect_ms = 30000;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "JOIN #room");
    fake_send(a, "JOIN #room");
    a->pause_calls = 0;
    fake_now_ms += 60000; /* let the registration penalty drain */
    for (int i = 0; i < 10; i++)
        fake_send(a, "PRIVMSG #room :line %d", i);
    CU_ASSERT(a->pause_calls == 0);
    fake_send(a, "PRIVMSG #room :line 10");
    CU_ASSERT(a->pause_calls == 1);
    CU_ASSERT(a->paused_until == fake_now_ms + 1000);
    /* Time drains the penalty. */
    fake_now_ms += 5000;
    fake_send(a, "PRIVMSG #room :after a pause");
    CU_ASSERT(a->pause_calls == 1);
    /* Keeping on flooding past flood_disconnect closes the link, and the
     * other member still saw every line in order. */
    for (int i = 0; i < 40 && !a->closed; i++)
        fake_send(a, "PRIVMSG #room :flood %d", i);
    CU_ASSERT(a->closed);
    EXPECT_LINE(a, "(Excess Flood)");
    EXPECT_LINE(b, "QUIT :Excess Flood");
    CU_ASSERT(fake_index(b, ":line 0") < fake_index(b, ":line 10"));
    CU_ASSERT(!b->closed);
    fake_server_free(s);
}

static void test_flood_oper_exempt(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.flood_penalty_percent = 100;
    char hash[256];
    CU_ASSERT_FATAL(srv_password_hash("opsecret", (const unsigned char *)"0123456789abcdef", 16,
                                      100, hash, sizeof hash) == 0);
    cfg.opers[0].name = malloc(8);
    strcpy(cfg.opers[0].name, "root");
    cfg.opers[0].password_hash = malloc(strlen(hash) + 1);
    strcpy(cfg.opers[0].password_hash, hash);
    cfg.nopers = 1;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *a = fake_register(s, "alice");
    fake_now_ms += 60000;
    fake_send(a, "OPER root opsecret");
    EXPECT_NUMERIC(a, RPL_YOUREOPER);
    a->pause_calls = 0;
    for (int i = 0; i < 100; i++)
        fake_send(a, "PRIVMSG alice :x");
    CU_ASSERT(a->pause_calls == 0);
    CU_ASSERT(!a->closed);
    fake_server_free(s);
}

static void test_connection_limits(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.max_clients = 4;
    cfg.max_clients_per_address = 2;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *a1 = fake_connect(s, "10.0.0.1");
    fake_conn *a2 = fake_connect(s, "10.0.0.1");
    fake_conn *a3 = fake_connect(s, "10.0.0.1");
    CU_ASSERT(a1->client && a2->client);
    CU_ASSERT(a3->client == NULL && a3->closed);
    EXPECT_LINE(a3, "ERROR :Closing Link: 10.0.0.1 (Too many connections from your address)");
    fake_conn *b1 = fake_connect(s, "10.0.0.2");
    fake_conn *b2 = fake_connect(s, "10.0.0.3");
    fake_conn *b3 = fake_connect(s, "10.0.0.4");
    CU_ASSERT(b1->client && b2->client);
    CU_ASSERT(b3->client == NULL);
    EXPECT_LINE(b3, "Too many clients");
    CU_ASSERT(srv_server_client_count(s) == 4);
    /* A slot frees when a client goes. */
    srv_client_gone(a1->client, NT_ECONNRESET);
    a1->client = NULL;
    fake_conn *a4 = fake_connect(s, "10.0.0.1");
    CU_ASSERT(a4->client != NULL);
    fake_server_free(s);
}

static void test_gone_and_error(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #x");
    fake_send(b, "JOIN #x");
    fake_send(c, "JOIN #x");
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);
    srv_client_gone(a->client, NT_EOF);
    a->client = NULL;
    CU_ASSERT(a->nlines == 0 && !a->closed); /* the transport is not called */
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 QUIT :Connection closed");
    srv_client_error(b->client, "SendQ exceeded");
    CU_ASSERT(b->closed);
    EXPECT_LINE(b, "ERROR :Closing Link: 127.0.0.1 (SendQ exceeded)");
    EXPECT_LINE(c, ":bob!~bob@127.0.0.1 QUIT :SendQ exceeded");
    fake_send(c, "WHOWAS alice");
    EXPECT_LINE(c, " 314 carol alice ~alice 127.0.0.1 * :Real alice");
    fake_server_free(s);
}

static void test_motd_file(void)
{
    const char *path = "test-irc-register.motd";
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fputs("Welcome to the test server\r\nSecond line\n", f);
    fclose(f);
    srv_config cfg;
    fake_config(&cfg);
    cfg.motd_file = malloc(strlen(path) + 1);
    strcpy(cfg.motd_file, path);
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *a = fake_connect(s, "127.0.0.1");
    fake_send(a, "NICK alice");
    fake_send(a, "USER alice 0 * :A");
    EXPECT_LINE(a, " 375 alice :- irc.test Message of the day - ");
    EXPECT_LINE(a, " 372 alice :- Welcome to the test server");
    EXPECT_LINE(a, " 372 alice :- Second line");
    EXPECT_NUMERIC(a, RPL_ENDOFMOTD);
    CU_ASSERT(!fake_has_numeric(a, ERR_NOMOTD));
    fake_server_free(s);
    remove(path);
}

static void test_shutdown(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_connect(s, "127.0.0.1");
    srv_server_shutdown(s, "Server shutting down");
    CU_ASSERT(a->closed && b->closed);
    EXPECT_LINE(a, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
    CU_ASSERT(srv_server_client_count(s) == 0);
    fake_server_free(s);
}

/* UTF8ONLY (IRCv3): on by default, announced in 005; text that is not
 * UTF-8 is refused with FAIL, a NOTICE silently, a QUIT still quits.
 * utf8_only = no relays any bytes as they came. */
static void test_utf8_only(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "VERSION");
    EXPECT_LINE(a, " UTF8ONLY ");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_clear(a);
    fake_clear(b);
    fake_send(a, "PRIVMSG bob :caf\xe9");
    EXPECT_LINE(a, ":irc.test FAIL PRIVMSG INVALID_UTF8 :Message rejected");
    fake_send(a, "TOPIC #room :\xc0\xaf overlong");
    EXPECT_LINE(a, "FAIL TOPIC INVALID_UTF8");
    fake_send(a, "NOTICE bob :caf\xe9");
    fake_send(a, "JOIN #bad\xff");
    EXPECT_LINE(a, "FAIL JOIN INVALID_UTF8");
    CU_ASSERT(fake_count(a, "FAIL") == 3);
    CU_ASSERT(b->nlines == 0);
    /* Valid UTF-8 of every length goes through. */
    fake_send(a, "PRIVMSG bob :caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    EXPECT_LINE(b, "PRIVMSG bob :caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    fake_clear(b);
    fake_send(a, "QUIT :bye \xff");
    CU_ASSERT(a->closed);
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 QUIT :Client Quit");
    CU_ASSERT(fake_find(b, "\xff") == NULL);
    fake_server_free(s);

    srv_config cfg;
    fake_config(&cfg);
    char err[128];
    CU_ASSERT_FATAL(srv_config_parse(&cfg, "[server]\nutf8_only = no\n", "t", err, sizeof err) == 0);
    s = fake_server(&cfg);
    srv_config_free(&cfg);
    a = fake_register(s, "alice");
    b = fake_register(s, "bob");
    fake_send(a, "VERSION");
    EXPECT_NUMERIC(a, RPL_ISUPPORT);
    CU_ASSERT(fake_find(a, " UTF8ONLY") == NULL);
    fake_send(b, "JOIN #room");
    fake_send(a, "JOIN #room");
    fake_send(a, "PRIVMSG #room :\xc3\x28\xff bytes");
    EXPECT_LINE(b, "PRIVMSG #room :\xc3\x28\xff bytes");
    /* Channel names must still be UTF-8. */
    fake_clear(a);
    fake_send(a, "JOIN #bad\xff");
    EXPECT_NUMERIC(a, ERR_BADCHANMASK);
    fake_server_free(s);
    CU_ASSERT(srv_config_parse(&cfg, "[server]\nutf8_only = maybe\n", "t", err, sizeof err) < 0);
    CU_ASSERT(strstr(err, "t:2: 'utf8_only' wants yes or no") != NULL);
    srv_config_free(&cfg);
}

static const CU_TestInfo tests[] = {
    {"registration burst", test_registration_burst},
    {"NICK errors and casemapping", test_nick_errors},
    {"USER and PASS errors", test_user_errors},
    {"USER with an empty user or real name: 461", test_user_empty_fields},
    {"server password", test_server_password},
    {"CAP negotiation holds registration", test_cap_negotiation},
    {"PING, PONG and QUIT", test_ping_pong_quit},
    {"451 before registration, 421 unknown", test_not_registered_and_unknown},
    {"bad input", test_bad_input},
    {"UTF8ONLY", test_utf8_only},
    {"registration timeout", test_registration_timeout},
    {"ping timeout", test_ping_timeout},
    {"flood penalty pauses then disconnects", test_flood_penalty},
    {"opers are exempt from flood control", test_flood_oper_exempt},
    {"connection limits", test_connection_limits},
    {"connection gone and SendQ error", test_gone_and_error},
    {"MOTD from a file", test_motd_file},
    {"shutdown", test_shutdown},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-register", tests);
}

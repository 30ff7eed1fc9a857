/* SPDX-License-Identifier: MIT */
/* Messages: PRIVMSG NOTICE TAGMSG AWAY, propagation of NICK and QUIT,
 * IRCv3 tags and echo, and the fan-out property: one buffer per message
 * (per capability variant), never one per recipient. */
#include "buf-internal.h" /* nt__buf_created_total(): buffers made, for fan-out */
#include "fake-transport.h"
#include "helpers.h"
#include "numerics.h"

#include <natter/buf.h>
#include <stdio.h>
#include <string.h>

static void test_privmsg_basics(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "PRIVMSG bob :hello bob");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 PRIVMSG bob :hello bob");
    CU_ASSERT(a->nlines == 0); /* no echo without echo-message */
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_clear(b);
    fake_send(a, "PRIVMSG #ROOM,carol :to both");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 PRIVMSG #room :to both");
    EXPECT_LINE(c, ":alice!~alice@127.0.0.1 PRIVMSG carol :to both");
    fake_send(a, "NOTICE bob :a notice");
    EXPECT_LINE(b, "NOTICE bob :a notice");
    fake_clear(a);
    fake_send(a, "PRIVMSG");
    EXPECT_LINE(a, " 411 alice :No recipient given (PRIVMSG)");
    fake_send(a, "PRIVMSG bob");
    EXPECT_LINE(a, " 412 alice :No text to send");
    fake_send(a, "PRIVMSG bob :");
    CU_ASSERT(fake_count(a, " 412 ") == 2);
    fake_send(a, "PRIVMSG nobody :x");
    EXPECT_LINE(a, " 401 alice nobody :No such nick/channel");
    fake_send(a, "PRIVMSG #nowhere :x");
    EXPECT_LINE(a, " 403 alice #nowhere :No such channel");
    fake_send(a, "PRIVMSG a,b,c,d,e :x");
    EXPECT_LINE(a, " 407 alice e :Too many recipients");
    /* +n: outsiders cannot speak in. */
    fake_send(c, "PRIVMSG #room :from outside");
    EXPECT_LINE(c, " 404 carol #room :Cannot send to channel");
    fake_send(a, "MODE #room -n");
    fake_clear(b);
    fake_send(c, "PRIVMSG #room :from outside");
    EXPECT_LINE(b, "PRIVMSG #room :from outside");
    /* Unregistered clients are not reachable by nick. */
    fake_conn *u = fake_connect(s, "127.0.0.1");
    fake_send(u, "NICK ghost");
    fake_clear(a);
    fake_send(a, "PRIVMSG ghost :boo");
    EXPECT_NUMERIC(a, ERR_NOSUCHNICK);
    CU_ASSERT(u->nlines == 0);
    fake_server_free(s);
}

/* RFC 2812 3.3.2: a NOTICE never triggers an automatic reply, not even an
 * error numeric, whatever is wrong with it. */
static void test_notice_never_answered(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(a, "JOIN #quiet");
    fake_send(a, "MODE #quiet +m");
    fake_send(b, "JOIN #quiet");
    fake_send(a, "JOIN #banned");
    fake_send(b, "JOIN #banned");
    fake_send(a, "MODE #banned +b bob");
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);
    fake_send(c, "NOTICE #nowhere :x");       /* 403 for PRIVMSG */
    fake_send(c, "NOTICE nobody :x");         /* 401 */
    fake_send(c, "NOTICE #room :x");          /* 404: +n, not a member */
    fake_send(b, "NOTICE #quiet :x");         /* 404: +m, not voiced */
    fake_send(b, "NOTICE #banned :x");        /* 404: banned */
    fake_send(c, "NOTICE");                   /* 411 */
    fake_send(c, "NOTICE :");                 /* 411 */
    fake_send(c, "NOTICE bob");               /* 412 */
    fake_send(c, "NOTICE bob :");             /* 412 */
    fake_send(c, "NOTICE n1,n2,n3,n4,n5 :x"); /* 401s and 407 */
    CU_ASSERT(c->nlines == 0);
    CU_ASSERT(b->nlines == 0);
    CU_ASSERT(a->nlines == 0);
    if (b->nlines || c->nlines) {
        fake_dump(b);
        fake_dump(c);
    }
    /* The good targets of a NOTICE still get it; the bad ones are skipped. */
    fake_send(c, "NOTICE nobody,alice,#nowhere,bob :hello");
    EXPECT_LINE(a, ":carol!~carol@127.0.0.1 NOTICE alice :hello");
    EXPECT_LINE(b, ":carol!~carol@127.0.0.1 NOTICE bob :hello");
    CU_ASSERT(c->nlines == 0);
    /* The same mistakes with PRIVMSG are still answered. */
    fake_send(c, "PRIVMSG #room :x");
    EXPECT_NUMERIC(c, ERR_CANNOTSENDTOCHAN);
    fake_send(c, "PRIVMSG bob");
    EXPECT_NUMERIC(c, ERR_NOTEXTTOSEND);
    fake_server_free(s);
}

static void test_away(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "AWAY :gone fishing");
    EXPECT_LINE(b, " 306 bob :You have been marked as being away");
    fake_send(a, "PRIVMSG bob :you there?");
    EXPECT_LINE(a, " 301 alice bob :gone fishing");
    fake_clear(a);
    fake_send(a, "NOTICE bob :no auto-reply to notices");
    CU_ASSERT(a->nlines == 0);
    fake_send(b, "AWAY");
    EXPECT_LINE(b, " 305 bob :You are no longer marked as being away");
    fake_send(a, "PRIVMSG bob :back?");
    CU_ASSERT(!fake_has_numeric(a, RPL_AWAY));
    /* Away messages are cut to AWAYLEN. */
    char text[400];
    memset(text, 'w', sizeof text);
    text[sizeof text - 1] = '\0';
    fake_send(b, "AWAY :%s", text);
    fake_send(a, "PRIVMSG bob :hi");
    const char *line = fake_find(a, " 301 ");
    CU_ASSERT_FATAL(line != NULL);
    CU_ASSERT(strlen(strstr(line, " :") + 2) == 200);
    fake_server_free(s);
}

static void test_away_notify(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "CAP REQ away-notify");
    fake_send(a, "JOIN #x,#y");
    fake_send(b, "JOIN #x,#y");
    fake_send(c, "JOIN #x");
    fake_clear(a);
    fake_clear(c);
    fake_send(b, "AWAY :brb");
    CU_ASSERT(fake_count(a, ":bob!~bob@127.0.0.1 AWAY :brb") == 1); /* once, not per channel */
    CU_ASSERT(c->nlines == 0);
    fake_send(b, "AWAY");
    EXPECT_LINE(a, ":bob!~bob@127.0.0.1 AWAY");
    /* Joining while away tells away-notify members. */
    fake_send(c, "AWAY :out");
    fake_clear(a);
    fake_send(c, "JOIN #y");
    EXPECT_LINE(a, ":carol!~carol@127.0.0.1 AWAY :out");
    fake_server_free(s);
}

static void test_ordering_per_sender(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_clear(b);
    for (int i = 0; i < 200; i++)
        fake_send(a, "PRIVMSG #room :message %d", i);
    CU_ASSERT_FATAL(b->nlines == 200);
    for (int i = 0; i < 200; i++) {
        char want[64];
        snprintf(want, sizeof want, "PRIVMSG #room :message %d", i);
        CU_ASSERT(strstr(b->lines[i], want) != NULL);
    }
    fake_server_free(s);
}

static void test_nick_change_propagation(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_conn *d = fake_register(s, "dave");
    fake_send(a, "JOIN #one,#two,#three");
    fake_send(b, "JOIN #one,#two,#three");
    fake_send(c, "JOIN #two");
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);
    fake_clear(d);
    fake_send(a, "NICK alicia");
    CU_ASSERT(fake_count(a, ":alice!~alice@127.0.0.1 NICK :alicia") == 1);
    CU_ASSERT(fake_count(b, ":alice!~alice@127.0.0.1 NICK :alicia") == 1);
    CU_ASSERT(fake_count(c, ":alice!~alice@127.0.0.1 NICK :alicia") == 1);
    CU_ASSERT(d->nlines == 0);
    /* The old nick is free and remembered. */
    fake_conn *e = fake_register(s, "alice");
    CU_ASSERT(e->client != NULL);
    fake_send(d, "WHOWAS alice");
    EXPECT_NUMERIC(d, RPL_WHOWASUSER);
    fake_send(d, "PRIVMSG alicia :found you");
    EXPECT_LINE(a, "PRIVMSG alicia :found you");
    fake_server_free(s);
}

static void test_quit_propagation(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_conn *d = fake_register(s, "dave");
    fake_send(a, "JOIN #one,#two");
    fake_send(b, "JOIN #one,#two");
    fake_send(c, "JOIN #two");
    fake_clear(b);
    fake_clear(c);
    fake_clear(d);
    fake_send(a, "QUIT :so long");
    CU_ASSERT(fake_count(b, "QUIT :Quit: so long") == 1);
    CU_ASSERT(fake_count(c, "QUIT :Quit: so long") == 1);
    CU_ASSERT(d->nlines == 0);
    fake_clear(b);
    fake_send(b, "NAMES #one");
    EXPECT_NO_LINE(b, "alice");
    fake_server_free(s);
}

static void test_fanout_one_buffer(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.max_clients_per_address = 200;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *members[100];
    char nick[32];
    for (int i = 0; i < 100; i++) {
        snprintf(nick, sizeof nick, "user%d", i);
        members[i] = fake_register(s, nick);
        fake_send(members[i], "JOIN #big");
    }
    for (int i = 0; i < 100; i++)
        fake_clear(members[i]);
    uint64_t before = nt__buf_created_total();
    fake_send(members[0], "PRIVMSG #big :one buffer for all");
    uint64_t created = nt__buf_created_total() - before;
    CU_ASSERT(created == 1);
    if (created != 1)
        printf("\n  %llu buffers for one PRIVMSG\n", (unsigned long long)created);
    const void *shared = members[1]->last_buf;
    for (int i = 1; i < 100; i++) {
        CU_ASSERT(members[i]->nlines == 1);
        CU_ASSERT(members[i]->last_buf == shared);
    }
    CU_ASSERT(members[0]->nlines == 0);

    /* With capabilities: at most one buffer per variant. */
    for (int i = 0; i < 100; i += 3)
        fake_send(members[i], "CAP REQ :server-time");
    for (int i = 1; i < 100; i += 3)
        fake_send(members[i], "CAP REQ :message-tags");
    fake_send(members[2], "CAP REQ :message-tags server-time");
    fake_send(members[0], "CAP REQ :echo-message message-tags");
    for (int i = 0; i < 100; i++)
        fake_clear(members[i]);
    before = nt__buf_created_total();
    fake_send(members[0], "@+example.com/x=1 PRIVMSG #big :tagged");
    created = nt__buf_created_total() - before;
    CU_ASSERT(created == 4);
    /* message-tags clients get the msgid before the client tags. */
    EXPECT_LINE(members[1], "@msgid=");
    EXPECT_LINE(members[1], ";+example.com/x=1 :user0!~user0@127.0.0.1 PRIVMSG #big :tagged");
    EXPECT_LINE(members[3], "@time=2023-11-14T22:13:20.000Z :user0!");
    EXPECT_LINE(members[2], "@time=2023-11-14T22:13:20.000Z;msgid=");
    EXPECT_LINE(members[2], ";+example.com/x=1 :user0!");
    EXPECT_LINE(members[5], ":user0!~user0@127.0.0.1 PRIVMSG #big :tagged");
    CU_ASSERT(members[5]->lines[0][0] == ':');
    /* echo-message: the sender gets its own line, sharing its variant. */
    EXPECT_LINE(members[0], ";+example.com/x=1 :user0!~user0@127.0.0.1 PRIVMSG #big :tagged");
    CU_ASSERT(members[0]->last_buf == members[2]->last_buf);
    fake_server_free(s);
}

static void test_tagmsg_and_echo(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "CAP REQ :message-tags echo-message");
    fake_send(b, "CAP REQ :message-tags");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(c, "JOIN #room");
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);
    fake_send(a, "@+typing=active;server-only=dropped TAGMSG #room");
    EXPECT_LINE(b, ";+typing=active :alice!~alice@127.0.0.1 TAGMSG #room");
    EXPECT_NO_LINE(b, "server-only");
    EXPECT_LINE(a, "TAGMSG #room");
    CU_ASSERT(c->nlines == 0); /* no message-tags, no TAGMSG */
    /* Escaped tag values survive the round trip. */
    fake_clear(b);
    fake_send(a, "@+note=a\\sb\\:c PRIVMSG bob :x");
    EXPECT_LINE(b, ";+note=a\\sb\\:c :alice");
    fake_clear(a);
    fake_send(a, "PRIVMSG bob :echo me");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 PRIVMSG bob :echo me");
    fake_server_free(s);
}

static const CU_TestInfo tests[] = {
    {"PRIVMSG and NOTICE, success and errors", test_privmsg_basics},
    {"NOTICE is never answered, not even with an error", test_notice_never_answered},
    {"AWAY 301 305 306", test_away},
    {"away-notify", test_away_notify},
    {"message ordering per sender", test_ordering_per_sender},
    {"NICK change seen once by each peer", test_nick_change_propagation},
    {"QUIT seen once by each peer", test_quit_propagation},
    {"fan-out to 100 members formats one buffer", test_fanout_one_buffer},
    {"TAGMSG, client tags and echo-message", test_tagmsg_and_echo},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-chat", tests);
}

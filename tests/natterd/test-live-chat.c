/* SPDX-License-Identifier: MIT */
/* natterd over real sockets: PRIVMSG NOTICE TAGMSG AWAY and the IRCv3
 * capabilities that change what is delivered; several clients at once:
 * message ordering per sender, nick change and quit propagation. */
#include "live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void join_all(irc_client **clients, const char **nicks, size_t n, const char *channel)
{
    for (size_t i = 0; i < n; i++) {
        irc_send(clients[i], "JOIN %s", channel);
        EXPECT(clients[i], "366", NULL);
        /* Everyone already in sees the JOIN before the next one joins,
         * so later checks never race the membership. */
        char text[96];
        snprintf(text, sizeof text, ":%s!~%s@127.0.0.1 JOIN %s", nicks[i], nicks[i], channel);
        for (size_t k = 0; k < i; k++)
            EXPECT(clients[k], "JOIN", text);
    }
}

static void test_privmsg_notice(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "talker", NULL);
    irc_client *b = live_user(s, "hearer", NULL);
    irc_client *c = live_user(s, "third", NULL);
    irc_client *ab[] = {a, b};
    const char *abn[] = {"talker", "hearer"};
    join_all(ab, abn, 2, "#talk");

    irc_send(a, "PRIVMSG hearer :hi there");
    EXPECT(b, "PRIVMSG", ":talker!~talker@127.0.0.1 PRIVMSG hearer :hi there");
    irc_send(a, "NOTICE hearer :a notice");
    EXPECT(b, "NOTICE", ":talker!~talker@127.0.0.1 NOTICE hearer :a notice");
    irc_send(a, "PRIVMSG #talk :to the channel");
    EXPECT(b, "PRIVMSG", ":talker!~talker@127.0.0.1 PRIVMSG #talk :to the channel");
    EXPECT_NONE(a, "PRIVMSG", NULL); /* no echo without echo-message */
    irc_send(a, "NOTICE #talk :channel notice");
    EXPECT(b, "NOTICE", ":talker!~talker@127.0.0.1 NOTICE #talk :channel notice");
    /* Several targets in one command; the nick is matched in any case. */
    irc_send(a, "PRIVMSG HEARER,third,#talk :to many");
    EXPECT(b, "PRIVMSG", "PRIVMSG hearer :to many");
    EXPECT(b, "PRIVMSG", "PRIVMSG #talk :to many");
    EXPECT(c, "PRIVMSG", ":talker!~talker@127.0.0.1 PRIVMSG third :to many");
    EXPECT_NONE(c, "PRIVMSG", "#talk");

    irc_send(a, "PRIVMSG");
    EXPECT(a, "411", "talker :No recipient given (PRIVMSG)");
    irc_send(a, "NOTICE"); /* RFC 2812 3.3.2: never answered, not even so */
    EXPECT_NONE(a, NULL, NULL);
    irc_send(a, "PRIVMSG hearer");
    EXPECT(a, "412", "talker :No text to send");
    irc_send(a, "PRIVMSG hearer :");
    EXPECT(a, "412", NULL);
    irc_send(a, "PRIVMSG nobody :x");
    EXPECT(a, "401", "talker nobody :No such nick/channel");
    irc_send(a, "PRIVMSG #nowhere :x");
    EXPECT(a, "403", "talker #nowhere :No such channel");
    irc_send(c, "PRIVMSG #talk :from outside");
    EXPECT(c, "404", "third #talk :Cannot send to channel");
    /* MAXTARGETS=4: the fifth target is refused. */
    irc_send(a, "PRIVMSG n1,n2,n3,n4,n5 :x");
    EXPECT(a, "401", "n4 :No such nick/channel");
    EXPECT(a, "407", "talker n5 :Too many recipients");
    SYNC(b);
    live_stop(s);
}

static void test_tagmsg_and_tags(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *t = live_user(s, "tagger", "message-tags");
    irc_client *seen = live_user(s, "tagseen", "message-tags");
    irc_client *plain = live_user(s, "untagged", NULL);
    irc_client *all[] = {t, seen, plain};
    const char *nicks[] = {"tagger", "tagseen", "untagged"};
    join_all(all, nicks, 3, "#tags");

    irc_send(t, "@+typing=active TAGMSG #tags");
    EXPECT(seen, "TAGMSG", ";+typing=active :tagger!~tagger@127.0.0.1 TAGMSG #tags");
    EXPECT_NONE(plain, "TAGMSG", NULL);
    /* Client tags ride along for those who asked, and escaping survives. */
    irc_send(t, "@+example.com/note=a\\sb\\:c PRIVMSG #tags :tagged");
    EXPECT(seen, "PRIVMSG",
           ";+example.com/note=a\\sb\\:c :tagger!~tagger@127.0.0.1 PRIVMSG #tags :tagged");
    const char *line = EXPECT(plain, "PRIVMSG", "PRIVMSG #tags :tagged");
    CU_ASSERT(line[0] == ':');
    /* Server-only tags from a client are not relayed. */
    irc_send(t, "@account=forged PRIVMSG #tags :no forgery");
    line = EXPECT(seen, "PRIVMSG", "no forgery");
    CU_ASSERT(strstr(line, "account=") == NULL);
    irc_send(t, "TAGMSG");
    EXPECT(t, "461", "TAGMSG :Not enough parameters");
    live_stop(s);
}

static void test_away(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "awayer", NULL);
    irc_client *n = live_user(s, "notified", "away-notify");
    irc_client *b = live_user(s, "asker", NULL);
    irc_client *all[] = {a, n, b};
    const char *nicks[] = {"awayer", "notified", "asker"};
    join_all(all, nicks, 3, "#away");

    irc_send(a, "AWAY :out for lunch");
    EXPECT(a, "306", "awayer :You have been marked as being away");
    EXPECT(n, "AWAY", ":awayer!~awayer@127.0.0.1 AWAY :out for lunch");
    EXPECT_NONE(b, "AWAY", NULL);
    irc_send(b, "PRIVMSG awayer :you there?");
    EXPECT(b, "301", "asker awayer :out for lunch");
    EXPECT(a, "PRIVMSG", ":asker!~asker@127.0.0.1 PRIVMSG awayer :you there?");
    irc_send(b, "NOTICE awayer :no auto-reply to a notice");
    EXPECT_NONE(b, "301", NULL);
    irc_send(b, "WHOIS awayer");
    EXPECT(b, "301", "awayer :out for lunch");
    EXPECT(b, "318", NULL);
    irc_send(b, "USERHOST awayer");
    EXPECT(b, "302", "asker :awayer=-~awayer@127.0.0.1");
    irc_send(b, "WHO #away");
    EXPECT(b, "352", " awayer G@ :0 Test client awayer");
    EXPECT(b, "315", NULL);
    /* An away client joining is announced as away to away-notify peers. */
    irc_send(n, "JOIN #away2");
    EXPECT(n, "366", NULL);
    irc_send(a, "JOIN #away2");
    EXPECT(n, "JOIN", ":awayer!~awayer@127.0.0.1 JOIN #away2");
    EXPECT(n, "AWAY", ":awayer!~awayer@127.0.0.1 AWAY :out for lunch");

    irc_send(a, "AWAY");
    EXPECT(a, "305", "awayer :You are no longer marked as being away");
    const char *back = EXPECT(n, "AWAY", NULL);
    CU_ASSERT(strcmp(back, ":awayer!~awayer@127.0.0.1 AWAY") == 0);
    EXPECT_COUNT(n, "AWAY", NULL, 0); /* once, though two channels are shared */
    irc_send(b, "PRIVMSG awayer :back?");
    EXPECT_NONE(b, "301", NULL);
    live_stop(s);
}

static void test_capabilities_on_the_wire(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "prefixop", NULL);
    irc_client *mp = live_user(s, "multi", "multi-prefix userhost-in-names");
    irc_client *echo = live_user(s, "echoer", "echo-message server-time");
    irc_client *all[] = {op, mp, echo};
    const char *nicks[] = {"prefixop", "multi", "echoer"};
    join_all(all, nicks, 3, "#caps2");
    irc_send(op, "MODE #caps2 +v prefixop");
    EXPECT(mp, "MODE", "+v prefixop");

    irc_send(mp, "NAMES #caps2");
    const char *names = EXPECT(mp, "353", "= #caps2 :");
    CU_ASSERT(strstr(names, "@+prefixop!~prefixop@127.0.0.1") != NULL);
    CU_ASSERT(strstr(names, "multi!~multi@127.0.0.1") != NULL);
    irc_send(op, "NAMES #caps2");
    names = EXPECT(op, "353", "= #caps2 :");
    CU_ASSERT(strstr(names, "@prefixop") && !strstr(names, "@+") && !strstr(names, "!~"));
    irc_send(mp, "WHO #caps2");
    EXPECT(mp, "352", " prefixop H@+ :0 ");
    irc_send(mp, "WHOIS prefixop");
    EXPECT(mp, "319", "prefixop :@+#caps2");

    /* echo-message with server-time: the sender's own line, time-tagged. */
    irc_send(echo, "PRIVMSG #caps2 :hello caps");
    const char *mine =
        EXPECT(echo, "PRIVMSG", ":echoer!~echoer@127.0.0.1 PRIVMSG #caps2 :hello caps");
    CU_ASSERT(strncmp(mine, "@time=", 6) == 0);
    const char *theirs = EXPECT(op, "PRIVMSG", "PRIVMSG #caps2 :hello caps");
    CU_ASSERT(theirs[0] == ':');
    irc_send(echo, "PRIVMSG multi :direct");
    EXPECT(echo, "PRIVMSG", "PRIVMSG multi :direct");
    EXPECT(mp, "PRIVMSG", ":echoer!~echoer@127.0.0.1 PRIVMSG multi :direct");
    live_stop(s);
}

/* Each of three clients sends numbered messages to the channel and
 * privately, all pipelined; every receiver must see each sender's
 * messages complete and in the order sent. */
static void test_ordering_per_sender(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    enum { K = 3 };
    const unsigned rounds = live_slow() ? 100 : 300;
    const char *nicks[K] = {"ord0", "ord1", "ord2"};
    irc_client *c[K];
    for (int k = 0; k < K; k++)
        c[k] = live_user(s, nicks[k], NULL);
    join_all(c, nicks, K, "#order");

    unsigned sent[K] = {0};
    unsigned want[K] = {0}; /* lines each client should receive */
    for (unsigned r = 0; r < rounds; r++) {
        for (int k = 0; k < K; k++) {
            irc_send(c[k], "PRIVMSG #order :n=%u", sent[k]++);
            for (int o = 0; o < K; o++)
                want[o] += o != k;
            if (r % 2 == 0) {
                int to = (k + 1) % K;
                irc_send(c[k], "PRIVMSG %s :n=%u", nicks[to], sent[k]++);
                want[to]++;
            }
        }
    }
    for (int o = 0; o < K; o++) {
        long last[K] = {-1, -1, -1};
        unsigned got = 0, disorder = 0;
        uint64_t deadline = nt_clock_ms() + 4 * irc_default_deadline();
        while (got < want[o] && nt_clock_ms() < deadline) {
            const char *line = irc_next(c[o], 1000);
            if (!line)
                continue;
            if (!irc_line_matches(line, "PRIVMSG", NULL))
                continue;
            int from = -1;
            for (int k = 0; k < K; k++) {
                size_t n = strlen(nicks[k]);
                if (strncmp(line + 1, nicks[k], n) == 0 && line[1 + n] == '!')
                    from = k;
            }
            const char *num = strstr(line, " :n=");
            CU_ASSERT(from >= 0 && from != o && num != NULL);
            if (from < 0 || !num)
                continue;
            long seq = strtol(num + 4, NULL, 10);
            if (seq <= last[from]) {
                if (!disorder++)
                    printf("\n    %s: from %s n=%ld after n=%ld\n", nicks[o], nicks[from], seq,
                           last[from]);
            }
            last[from] = seq;
            got++;
        }
        if (got != want[o])
            printf("\n    %s received %u of %u messages\n", nicks[o], got, want[o]);
        CU_ASSERT(got == want[o]);
        CU_ASSERT(disorder == 0);
        EXPECT_NONE(c[o], "PRIVMSG", NULL); /* and nothing more */
    }
    nt_test_note("%u rounds: %u messages from each of %d senders", rounds, sent[0], K);
    live_stop(s);
}

static void test_nick_change_propagation(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "renamer", NULL);
    irc_client *b = live_user(s, "sharer1", NULL);
    irc_client *c = live_user(s, "sharer2", NULL);
    irc_client *d = live_user(s, "stranger", NULL);
    irc_client *ab[] = {a, b};
    const char *abn[] = {"renamer", "sharer1"};
    join_all(ab, abn, 2, "#n1");
    irc_client *ac[] = {a, c};
    const char *acn[] = {"renamer", "sharer2"};
    join_all(ac, acn, 2, "#n2");
    irc_client *abc[] = {a, b, c};
    const char *abcn[] = {"renamer", "sharer1", "sharer2"};
    join_all(abc, abcn, 3, "#n3");
    irc_send(d, "JOIN #n4");
    EXPECT(d, "366", NULL);

    irc_send(a, "NICK renamed");
    const char *nick = ":renamer!~renamer@127.0.0.1 NICK :renamed";
    EXPECT(a, "NICK", nick);
    /* Once per client, however many channels they share; nobody else. */
    EXPECT_COUNT(b, "NICK", nick, 1);
    EXPECT_COUNT(c, "NICK", nick, 1);
    EXPECT_NONE(d, "NICK", NULL);
    EXPECT_NONE(a, "NICK", NULL);

    irc_send(b, "PRIVMSG renamed :found you");
    EXPECT(a, "PRIVMSG", ":sharer1!~sharer1@127.0.0.1 PRIVMSG renamed :found you");
    irc_send(b, "PRIVMSG renamer :old name");
    EXPECT(b, "401", "renamer :No such nick/channel");
    irc_send(b, "NAMES #n1");
    const char *names = EXPECT(b, "353", "#n1 :");
    CU_ASSERT(strstr(names, "@renamed") && !strstr(names, "renamer"));
    irc_send(c, "PRIVMSG #n3 :after the rename");
    EXPECT(a, "PRIVMSG", "#n3 :after the rename");
    /* The old nick is free for someone else. */
    irc_send(d, "NICK renamer");
    EXPECT(d, "NICK", ":stranger!~stranger@127.0.0.1 NICK :renamer");
    live_stop(s);
}

static void test_quit_propagation(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *q = live_user(s, "quitter", NULL);
    irc_client *b = live_user(s, "watcher1", NULL);
    irc_client *c = live_user(s, "watcher2", NULL);
    irc_client *d = live_user(s, "elsewhere", NULL);
    irc_client *qb[] = {q, b};
    const char *qbn[] = {"quitter", "watcher1"};
    join_all(qb, qbn, 2, "#q1");
    irc_client *qbc[] = {q, b, c};
    const char *qbcn[] = {"quitter", "watcher1", "watcher2"};
    join_all(qbc, qbcn, 3, "#q2");
    irc_send(d, "JOIN #q3");
    EXPECT(d, "366", NULL);

    irc_send(q, "QUIT :gone fishing");
    EXPECT(q, "ERROR", ":Closing Link: 127.0.0.1 (Quit: gone fishing)");
    EXPECT_CLOSED(q, NULL);
    const char *quit = ":quitter!~quitter@127.0.0.1 QUIT :Quit: gone fishing";
    EXPECT_COUNT(b, "QUIT", quit, 1);
    EXPECT_COUNT(c, "QUIT", quit, 1);
    EXPECT_NONE(d, "QUIT", NULL);

    /* A connection that just ends, in order or with a reset. */
    irc_client *gone = live_user(s, "abrupt", NULL);
    irc_client *gb[] = {b, gone};
    const char *gbn[] = {"watcher1", "abrupt"};
    join_all(gb, gbn, 2, "#q4");
    live_drop(s, gone);
    EXPECT(b, "QUIT", ":abrupt!~abrupt@127.0.0.1 QUIT :Connection closed");
    irc_client *rst = live_user(s, "resetter", NULL);
    irc_client *rb[] = {b, rst};
    const char *rbn[] = {"watcher1", "resetter"};
    join_all(rb, rbn, 2, "#q5");
    live_reset(s, rst);
    EXPECT(b, "QUIT", ":resetter!~resetter@127.0.0.1 QUIT :");
    EXPECT_NONE(c, "QUIT", NULL);
    live_stop(s);
}

static CU_TestInfo tests[] = {
    {"PRIVMSG and NOTICE, success and errors", test_privmsg_notice},
    {"TAGMSG and client tags", test_tagmsg_and_tags},
    {"AWAY, 301, away-notify", test_away},
    {"multi-prefix, userhost-in-names, echo-message, server-time", test_capabilities_on_the_wire},
    {"message ordering per sender across 3 clients", test_ordering_per_sender},
    {"NICK change seen once by each peer", test_nick_change_propagation},
    {"QUIT seen once by each peer (QUIT, close, reset)", test_quit_propagation},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-chat", tests);
}

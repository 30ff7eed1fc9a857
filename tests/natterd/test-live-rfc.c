/* SPDX-License-Identifier: MIT */
/* natterd over real sockets: points of RFC 2812 and IRCv3 message-tags
 * that are easy to get wrong (issue 13): silent NOTICE, empty USER
 * fields, secret channels, multi-target KICK and NAMES, the client tag
 * data limit. */
#include "live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 2812 3.3.2: a NOTICE is never answered, not even with an error. */
static void test_notice_silent(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "nop", NULL);
    irc_client *in = live_user(s, "nmember", NULL);
    irc_client *out = live_user(s, "noutsider", NULL);
    irc_send(op, "JOIN #nquiet");
    EXPECT(op, "366", NULL);
    irc_send(in, "JOIN #nquiet");
    EXPECT(in, "366", NULL);
    irc_send(op, "MODE #nquiet +m");
    EXPECT(in, "MODE", "MODE #nquiet +m");
    SYNC(op);

    irc_send(out, "NOTICE #nowhere :x");
    irc_send(out, "NOTICE nobody :x");
    irc_send(out, "NOTICE #nquiet :outside (+n)");
    irc_send(in, "NOTICE #nquiet :moderated (+m)");
    irc_send(out, "NOTICE");
    irc_send(out, "NOTICE nmember");
    irc_send(out, "NOTICE nmember :");
    irc_send(out, "NOTICE a,b,c,d,e :too many");
    EXPECT_COUNT(out, NULL, NULL, 0);
    EXPECT_COUNT(in, NULL, NULL, 0);
    EXPECT_COUNT(op, NULL, NULL, 0);

    /* The same with PRIVMSG is answered. */
    irc_send(out, "PRIVMSG #nquiet :outside");
    EXPECT(out, "404", "#nquiet :Cannot send to channel");
    irc_send(out, "PRIVMSG nobody :x");
    EXPECT(out, "401", "nobody :No such nick/channel");
    live_stop(s);
}

/* RFC 2812 3.1.3: an empty real name is a missing parameter. */
static void test_user_empty_realname(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_client(s, "emptyreal", 0);
    irc_send(a, "NICK emptyreal");
    irc_send(a, "USER u 0 * :");
    EXPECT(a, "461", "emptyreal USER :Not enough parameters");
    EXPECT_NONE(a, "001", NULL);
    irc_send(a, "USER u 0 * :Real Name");
    EXPECT(a, "001", "emptyreal!~u@127.0.0.1");
    live_stop(s);
}

/* +s: not in LIST, NAMES or WHOIS for outsiders; '@' in 353. */
static void test_secret_channel(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "sop", NULL);
    irc_client *out = live_user(s, "sout", NULL);
    irc_send(op, "JOIN #hidden");
    EXPECT(op, "366", NULL);
    irc_send(op, "MODE #hidden +s");
    EXPECT(op, "MODE", ":sop!~sop@127.0.0.1 MODE #hidden +s");
    irc_send(op, "MODE #hidden");
    EXPECT(op, "324", "sop #hidden +nst");
    irc_send(op, "NAMES #hidden");
    EXPECT(op, "353", "sop @ #hidden :@sop");

    irc_lines seen = {0};
    irc_send(out, "LIST");
    COLLECT(out, "323", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "322", "#hidden") == 0);
    irc_lines_free(&seen);
    irc_send(out, "NAMES #hidden");
    COLLECT(out, "366", "sout #hidden :End of /NAMES list.", &seen);
    CU_ASSERT(irc_lines_count(&seen, "353", NULL) == 0);
    irc_lines_free(&seen);
    irc_send(out, "NAMES");
    COLLECT(out, "366", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "353", NULL) == 0);
    irc_lines_free(&seen);
    irc_send(out, "WHOIS sop");
    COLLECT(out, "318", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "319", "#hidden") == 0);
    CU_ASSERT(irc_lines_count(&seen, "311", NULL) == 1);
    irc_lines_free(&seen);

    irc_send(op, "MODE #hidden -s");
    EXPECT(op, "MODE", "MODE #hidden -s");
    irc_send(out, "LIST");
    EXPECT(out, "322", "sout #hidden 1 :[+nt] ");
    live_stop(s);
}

/* KICK pairs, one channel with several nicks, 461 for mismatched lists;
 * NAMES answers each channel named. */
static void test_kick_and_names_multi(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *op = live_user(s, "kop", NULL);
    irc_client *v1 = live_user(s, "kv1", NULL);
    irc_client *v2 = live_user(s, "kv2", NULL);
    irc_send(op, "JOIN #ka,#kb");
    EXPECT(op, "366", "#kb :End of /NAMES list.");
    irc_send(v1, "JOIN #ka,#kb");
    EXPECT(v1, "366", "#kb :End of /NAMES list.");
    irc_send(v2, "JOIN #ka,#kb");
    EXPECT(v2, "366", "#kb :End of /NAMES list.");
    SYNC(op);

    irc_send(op, "NAMES #ka,#kb");
    EXPECT(op, "353", "kop = #ka :@kop kv1 kv2");
    EXPECT(op, "366", "kop #ka :End of /NAMES list.");
    EXPECT(op, "353", "kop = #kb :@kop kv1 kv2");
    EXPECT(op, "366", "kop #kb :End of /NAMES list.");

    irc_send(op, "KICK #ka,#kb kv1 :mismatch");
    EXPECT(op, "461", "kop KICK :Not enough parameters");
    irc_send(op, "KICK #ka,#kb kv1,kv2 :pairs");
    EXPECT(op, "KICK", ":kop!~kop@127.0.0.1 KICK #ka kv1 :pairs");
    EXPECT(op, "KICK", ":kop!~kop@127.0.0.1 KICK #kb kv2 :pairs");
    EXPECT(v1, "KICK", "KICK #ka kv1 :pairs");
    EXPECT(v1, "KICK", "KICK #kb kv2 :pairs");
    irc_send(op, "NAMES #ka,#kb");
    EXPECT(op, "353", "kop = #ka :@kop kv2");
    EXPECT(op, "353", "kop = #kb :@kop kv1");

    irc_send(v2, "JOIN #kb");
    EXPECT(v2, "366", NULL);
    irc_send(op, "KICK #kb kv1,kv2 :both");
    EXPECT(op, "KICK", "KICK #kb kv1 :both");
    EXPECT(op, "KICK", "KICK #kb kv2 :both");
    irc_send(op, "NAMES #kb");
    EXPECT(op, "353", "kop = #kb :@kop");
    irc_send(op, "NAMES #a,#b,#c,#d,#e");
    EXPECT(op, "407", "kop #e :Too many targets");
    live_stop(s);
}

/* IRCv3 message-tags: more than 4094 bytes of tag data gets 417. */
static void test_client_tag_limit(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "tagger", "message-tags");
    irc_client *b = live_user(s, "tagpeer", "message-tags");
    char *line = malloc(5000);
    CU_ASSERT_FATAL(line != NULL);
    /* "+big=" and 4089 bytes: exactly 4094, relayed. */
    int n = snprintf(line, 5000, "@+big=%0*d PRIVMSG tagpeer :fits\r\n", 4089, 0);
    irc_send_raw(a, line, (size_t)n);
    const char *got = EXPECT(b, "PRIVMSG", "PRIVMSG tagpeer :fits");
    CU_ASSERT(strncmp(got, "@msgid=", 7) == 0 && strstr(got, ";+big=000") != NULL);
    /* One byte more: 417, nothing relayed, the connection goes on. */
    n = snprintf(line, 5000, "@+big=%0*d PRIVMSG tagpeer :over\r\n", 4090, 0);
    irc_send_raw(a, line, (size_t)n);
    EXPECT(a, "417", "tagger :Input line was too long");
    EXPECT_NONE(b, "PRIVMSG", NULL);
    irc_send(a, "PRIVMSG tagpeer :after");
    EXPECT(b, "PRIVMSG", ":tagger!~tagger@127.0.0.1 PRIVMSG tagpeer :after");
    free(line);
    live_stop(s);
}

static CU_TestInfo tests[] = {
    {"NOTICE is never answered", test_notice_silent},
    {"USER with an empty real name: 461", test_user_empty_realname},
    {"+s secret channels", test_secret_channel},
    {"KICK pairs and lists, NAMES several channels", test_kick_and_names_multi},
    {"client tag data past 4094 bytes: 417", test_client_tag_limit},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-rfc", tests);
}

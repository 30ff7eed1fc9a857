/* SPDX-License-Identifier: MIT */
/* Channels: JOIN PART TOPIC NAMES LIST KICK INVITE and MODE. */
#include "fake-transport.h"
#include "helpers.h"
#include "numerics.h"

#include <stdio.h>
#include <string.h>

static void test_join_creates_with_op(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #Room");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 JOIN #Room");
    EXPECT_LINE(a, " 353 alice = #Room :@alice");
    EXPECT_LINE(a, " 366 alice #Room :End of /NAMES list.");
    CU_ASSERT(!fake_has_numeric(a, RPL_TOPIC));
    fake_clear(a);
    /* rfc1459 casemapping: #room[] and #ROOM{} are one channel. */
    fake_send(b, "JOIN #ROOM");
    EXPECT_LINE(b, ":bob!~bob@127.0.0.1 JOIN #Room");
    EXPECT_LINE(b, " 353 bob = #Room :");
    EXPECT_LINE(b, "@alice");
    EXPECT_LINE(a, ":bob!~bob@127.0.0.1 JOIN #Room");
    /* Joining again is silent. */
    fake_clear(b);
    fake_send(b, "JOIN #room");
    CU_ASSERT(b->nlines == 0);
    fake_send(a, "JOIN #a[1]");
    fake_clear(b);
    fake_send(b, "JOIN #A{1}");
    EXPECT_LINE(b, "JOIN #a[1]");
    fake_server_free(s);
}

static void test_join_multiple_keys_and_zero(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #one,#two,#three");
    fake_send(a, "MODE #one +k k1");
    fake_send(a, "MODE #two +k k2");
    fake_send(b, "JOIN #one,#two,#three k1,bad");
    EXPECT_LINE(b, "JOIN #one");
    EXPECT_LINE(b, " 475 bob #two :Cannot join channel (+k)");
    EXPECT_LINE(b, "JOIN #three");
    fake_clear(a);
    fake_clear(b);
    fake_send(b, "JOIN 0");
    EXPECT_LINE(b, "PART #one");
    EXPECT_LINE(b, "PART #three");
    EXPECT_LINE(a, ":bob!~bob@127.0.0.1 PART #one :Left all channels");
    fake_clear(b);
    fake_send(b, "JOIN nohash,#bad\x07name");
    EXPECT_NUMERIC(b, ERR_NOSUCHCHANNEL);
    EXPECT_NUMERIC(b, ERR_BADCHANMASK);
    fake_clear(b);
    char longname[80];
    memset(longname, 'x', sizeof longname);
    longname[0] = '#';
    longname[sizeof longname - 1] = '\0';
    fake_send(b, "JOIN %s", longname);
    EXPECT_NUMERIC(b, ERR_BADCHANMASK);
    fake_send(b, "JOIN");
    EXPECT_LINE(b, " 461 bob JOIN :Not enough parameters");
    fake_server_free(s);
}

static void test_too_many_channels(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.max_channels_per_client = 2;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "JOIN #a,#b,#c");
    EXPECT_LINE(a, " 405 alice #c :You have joined too many channels");
    fake_send(a, "VERSION");
    EXPECT_LINE(a, "CHANLIMIT=#:2");
    fake_server_free(s);
}

static void test_part(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_clear(a);
    fake_send(b, "PART #room :bye now");
    EXPECT_LINE(a, ":bob!~bob@127.0.0.1 PART #room :bye now");
    EXPECT_LINE(b, ":bob!~bob@127.0.0.1 PART #room :bye now");
    fake_send(b, "PART #room");
    EXPECT_LINE(b, " 442 bob #room :You're not on that channel");
    fake_send(b, "PART #nowhere");
    EXPECT_LINE(b, " 403 bob #nowhere :No such channel");
    /* The last one out destroys the channel. */
    fake_send(a, "PART #room");
    fake_clear(b);
    fake_send(b, "LIST");
    EXPECT_NO_LINE(b, "#room");
    fake_server_free(s);
}

static void test_topic(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(a, "TOPIC #room");
    EXPECT_LINE(a, " 331 alice #room :No topic is set");
    fake_send(a, "TOPIC #room :Hello world");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 TOPIC #room :Hello world");
    fake_clear(b);
    fake_send(b, "TOPIC #room");
    EXPECT_LINE(b, " 332 bob #room :Hello world");
    EXPECT_LINE(b, " 333 bob #room alice!~alice@127.0.0.1 1700000000");
    /* +t (default): only ops may set it. */
    fake_send(b, "TOPIC #room :mine now");
    EXPECT_LINE(b, " 482 bob #room :You're not channel operator");
    fake_send(c, "TOPIC #room :outsider");
    EXPECT_LINE(c, " 442 carol #room :You're not on that channel");
    fake_send(c, "TOPIC #nowhere");
    EXPECT_NUMERIC(c, ERR_NOSUCHCHANNEL);
    fake_send(a, "MODE #room -t");
    fake_clear(a);
    fake_send(b, "TOPIC #room :now I can");
    EXPECT_LINE(a, "TOPIC #room :now I can");
    /* Joining shows the topic; long topics are cut to TOPICLEN. */
    char topic[600];
    memset(topic, 't', sizeof topic);
    topic[sizeof topic - 1] = '\0';
    fake_send(a, "TOPIC #room :%.480s", topic);
    fake_send(c, "JOIN #room");
    const char *line = fake_find(c, " 332 carol #room :");
    CU_ASSERT_FATAL(line != NULL);
    CU_ASSERT(strlen(strstr(line, " :") + 2) == 390);
    /* Clearing. */
    fake_send(a, "TOPIC #room :");
    fake_clear(c);
    fake_send(c, "TOPIC #room");
    EXPECT_NUMERIC(c, RPL_NOTOPIC);
    fake_server_free(s);
}

static void test_names_and_caps(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(a, "MODE #room +v alice");
    fake_send(c, "NAMES #room");
    EXPECT_LINE(c, " 353 carol = #room :");
    EXPECT_LINE(c, "@alice");
    EXPECT_NO_LINE(c, "@+alice");
    fake_send(c, "CAP REQ :multi-prefix userhost-in-names");
    fake_clear(c);
    fake_send(c, "NAMES #room");
    EXPECT_LINE(c, "@+alice!~alice@127.0.0.1");
    EXPECT_LINE(c, "bob!~bob@127.0.0.1");
    /* +i users are hidden from NAMES outside the channel. */
    fake_send(b, "MODE bob +i");
    fake_clear(c);
    fake_send(c, "NAMES #room");
    EXPECT_NO_LINE(c, "bob");
    fake_clear(a);
    fake_send(a, "NAMES #room");
    EXPECT_LINE(a, "bob");
    fake_clear(c);
    fake_send(c, "NAMES");
    EXPECT_LINE(c, " 366 carol * :End of /NAMES list.");
    fake_send(c, "NAMES #nowhere");
    EXPECT_LINE(c, " 366 carol #nowhere :End of /NAMES list.");
    fake_server_free(s);
}

static void test_names_split(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.max_clients_per_address = 100;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *first = NULL;
    char nick[64];
    for (int i = 0; i < 60; i++) {
        snprintf(nick, sizeof nick, "member_with_long_nick%02d", i % 100);
        fake_conn *fc = fake_register(s, nick);
        fake_send(fc, "JOIN #big");
        if (!first)
            first = fc;
    }
    fake_clear(first);
    fake_send(first, "NAMES #big");
    CU_ASSERT(fake_count(first, " 353 ") >= 3);
    for (size_t i = 0; i < first->nlines; i++)
        CU_ASSERT(strlen(first->lines[i]) <= 510);
    CU_ASSERT(fake_count(first, " 366 ") == 1);
    fake_server_free(s);
}

static void test_list(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "JOIN #one,#two");
    fake_send(a, "TOPIC #one :first topic");
    fake_clear(a);
    fake_send(a, "LIST");
    EXPECT_NUMERIC(a, RPL_LISTSTART);
    EXPECT_LINE(a, " 322 alice #one 1 :[+nt] first topic");
    EXPECT_LINE(a, " 322 alice #two 1 :[+nt] ");
    EXPECT_LINE(a, " 323 alice :End of /LIST");
    fake_clear(a);
    fake_send(a, "LIST #two");
    EXPECT_NO_LINE(a, "#one");
    EXPECT_LINE(a, "#two");
    fake_send(a, "LIST #two other.server");
    EXPECT_NUMERIC(a, ERR_NOSUCHSERVER);
    fake_server_free(s);
}

static void test_kick(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(b, "KICK #room alice :no");
    EXPECT_LINE(b, " 482 bob #room :You're not channel operator");
    fake_send(c, "KICK #room alice");
    EXPECT_LINE(c, " 442 carol #room :You're not on that channel");
    fake_send(a, "KICK #room carol");
    EXPECT_LINE(a, " 441 alice carol #room :They aren't on that channel");
    fake_send(a, "KICK #room nobody");
    EXPECT_LINE(a, " 401 alice nobody :No such nick/channel");
    fake_send(a, "KICK #nowhere bob");
    EXPECT_NUMERIC(a, ERR_NOSUCHCHANNEL);
    fake_send(a, "KICK #room");
    EXPECT_NUMERIC(a, ERR_NEEDMOREPARAMS);
    fake_clear(a);
    fake_clear(b);
    fake_send(a, "KICK #room bob :behave");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 KICK #room bob :behave");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 KICK #room bob :behave");
    fake_clear(b);
    fake_send(b, "PRIVMSG #room :still here?");
    EXPECT_NUMERIC(b, ERR_CANNOTSENDTOCHAN);
    fake_send(b, "JOIN #room");
    fake_clear(a);
    fake_send(a, "KICK #room bob");
    EXPECT_LINE(a, "KICK #room bob :alice"); /* default reason: the kicker */
    fake_server_free(s);
}

/* RFC 2812 3.2.8: "KICK #a,#b n1,n2" kicks pairs, "KICK #a n1,n2" several
 * from one channel; other counts are 461; past TARGMAX's KICK:4, 407. */
static void test_kick_multi(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #a,#b");
    fake_send(b, "JOIN #a,#b");
    fake_send(c, "JOIN #a,#b");
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);
    /* Pairs: bob from #a, carol from #b, nothing else. */
    fake_send(a, "KICK #a,#b bob,carol :pairs");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 KICK #a bob :pairs");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 KICK #b carol :pairs");
    EXPECT_LINE(c, "KICK #a bob :pairs");
    EXPECT_LINE(b, "KICK #b carol :pairs");
    CU_ASSERT(fake_count(a, " KICK ") == 2);
    fake_clear(a);
    fake_send(a, "NAMES #a,#b");
    EXPECT_LINE(a, " 353 alice = #a :@alice carol");
    EXPECT_LINE(a, " 353 alice = #b :@alice bob");
    /* Mismatched counts: 461, nobody kicked. */
    fake_clear(a);
    fake_send(a, "KICK #a,#b carol");
    EXPECT_LINE(a, " 461 alice KICK :Not enough parameters");
    fake_send(a, "KICK #a,#b bob,carol,alice");
    CU_ASSERT(fake_count(a, " 461 alice KICK ") == 2);
    CU_ASSERT(fake_count(a, " KICK #") == 0);
    /* One channel, several nicks. */
    fake_send(b, "JOIN #a");
    fake_send(c, "JOIN #b");
    fake_clear(a);
    fake_send(a, "KICK #a carol,bob");
    EXPECT_LINE(a, "KICK #a carol :alice");
    EXPECT_LINE(a, "KICK #a bob :alice");
    /* Errors per pair, the rest still done. */
    fake_clear(a);
    fake_send(a, "KICK #nowhere,#b bob,carol");
    EXPECT_LINE(a, " 403 alice #nowhere :No such channel");
    EXPECT_LINE(a, "KICK #b carol :alice");
    fake_clear(b);
    fake_send(b, "KICK #b,#a alice,alice");
    EXPECT_LINE(b, " 482 bob #b :You're not channel operator");
    EXPECT_LINE(b, " 442 bob #a :You're not on that channel");
    /* TARGMAX=KICK:4: the fifth gets 407 and ends the command. */
    fake_conn *more[5];
    const char *names[5] = {"u1", "u2", "u3", "u4", "u5"};
    for (int i = 0; i < 5; i++) {
        more[i] = fake_register(s, names[i]);
        fake_send(more[i], "JOIN #a");
    }
    fake_clear(a);
    fake_send(a, "KICK #a u1,u2,u3,u4,u5");
    CU_ASSERT(fake_count(a, " KICK #a u") == 4);
    EXPECT_LINE(a, " 407 alice u5 :Too many targets");
    EXPECT_NO_LINE(a, "KICK #a u5");
    fake_server_free(s);
}

/* RFC 2812 3.2.5: NAMES answers each channel named, up to NAMES:4. */
static void test_names_multi(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #a,#b,#c");
    fake_send(b, "JOIN #b");
    fake_clear(b);
    fake_send(b, "NAMES #a,#b,#nowhere");
    EXPECT_LINE(b, " 353 bob = #a :@alice");
    EXPECT_LINE(b, " 366 bob #a :End of /NAMES list.");
    EXPECT_LINE(b, " 353 bob = #b :@alice bob");
    EXPECT_LINE(b, " 366 bob #b :End of /NAMES list.");
    EXPECT_LINE(b, " 366 bob #nowhere :End of /NAMES list.");
    CU_ASSERT(fake_index(b, " 366 bob #a ") < fake_index(b, " 353 bob = #b "));
    fake_clear(b);
    fake_send(b, "NAMES #a,#b,#c,#d,#e");
    CU_ASSERT(fake_count(b, " 366 bob #") == 4);
    EXPECT_LINE(b, " 407 bob #e :Too many targets");
    fake_server_free(s);
}

/* +s: hidden from outsiders in LIST, NAMES and WHOIS; '@' in 353. */
static void test_secret_channel(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #secret,#open");
    fake_send(b, "JOIN #secret");
    fake_clear(a);
    fake_clear(b);
    fake_send(b, "MODE #secret +s");
    EXPECT_LINE(b, " 482 bob #secret :You're not channel operator");
    fake_send(a, "MODE #secret +s");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 MODE #secret +s");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 MODE #secret +s");
    fake_send(c, "MODE #secret");
    EXPECT_LINE(c, " 324 carol #secret +nst");
    /* LIST: members see it, outsiders do not, by name or not. */
    fake_clear(b);
    fake_send(b, "LIST");
    EXPECT_LINE(b, " 322 bob #secret 2 :[+nst] ");
    fake_clear(c);
    fake_send(c, "LIST");
    EXPECT_LINE(c, " 322 carol #open 1 ");
    EXPECT_NO_LINE(c, "#secret");
    fake_send(c, "LIST #secret");
    EXPECT_NO_LINE(c, "#secret");
    EXPECT_NUMERIC(c, RPL_LISTEND);
    /* NAMES: outsiders get only the end, as for a missing channel. */
    fake_clear(c);
    fake_send(c, "NAMES #SECRET");
    CU_ASSERT(!fake_has_numeric(c, RPL_NAMREPLY));
    EXPECT_LINE(c, " 366 carol #SECRET :End of /NAMES list.");
    fake_send(c, "NAMES");
    CU_ASSERT(!fake_has_numeric(c, RPL_NAMREPLY));
    EXPECT_NO_LINE(c, "#secret");
    fake_clear(b);
    fake_send(b, "NAMES #secret");
    EXPECT_LINE(b, " 353 bob @ #secret :@alice bob");
    /* Joining shows '@' too. */
    fake_send(c, "JOIN #secret");
    EXPECT_LINE(c, " 353 carol @ #secret :@alice bob carol");
    fake_send(c, "PART #secret");
    /* WHOIS: the channel only for those on it (and for oneself). */
    fake_clear(c);
    fake_send(c, "WHOIS alice");
    EXPECT_LINE(c, " 319 carol alice :");
    EXPECT_LINE(c, "#open");
    EXPECT_NO_LINE(c, "#secret");
    fake_clear(c);
    fake_send(c, "WHOIS bob");
    CU_ASSERT(!fake_has_numeric(c, RPL_WHOISCHANNELS));
    fake_clear(b);
    fake_send(b, "WHOIS alice");
    EXPECT_LINE(b, "@#secret");
    fake_clear(a);
    fake_send(a, "WHOIS alice");
    EXPECT_LINE(a, "@#secret");
    /* WHO and TOPIC: nothing for outsiders either. */
    fake_clear(c);
    fake_send(c, "WHO #secret");
    CU_ASSERT(!fake_has_numeric(c, RPL_WHOREPLY));
    EXPECT_NUMERIC(c, RPL_ENDOFWHO);
    fake_clear(c);
    fake_send(c, "TOPIC #secret");
    EXPECT_LINE(c, " 442 carol #secret :You're not on that channel");
    CU_ASSERT(!fake_has_numeric(c, RPL_NOTOPIC));
    fake_clear(b);
    fake_send(b, "WHO #secret");
    EXPECT_LINE(b, " 352 bob #secret ");
    /* -s: visible again. */
    fake_send(a, "MODE #secret -s");
    fake_clear(c);
    fake_send(c, "LIST");
    EXPECT_LINE(c, " 322 carol #secret 2 :[+nt] ");
    fake_send(c, "NAMES #secret");
    EXPECT_LINE(c, " 353 carol = #secret :");
    fake_server_free(s);
}

/* +C: no CTCP to the channel but ACTION; +T: no NOTICE (dropped silently,
 * as every NOTICE refusal is). */
static void test_noctcp_nonotice(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(b, "MODE #room +CT");
    EXPECT_NUMERIC(b, ERR_CHANOPRIVSNEEDED);
    fake_clear(b);
    fake_send(a, "MODE #room +CT");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 MODE #room +CT");
    fake_send(a, "MODE #room");
    EXPECT_LINE(a, " 324 alice #room +ntCT");
    fake_clear(a);
    fake_clear(b);
    fake_send(b, "PRIVMSG #room :\001VERSION\001");
    EXPECT_LINE(b, " 404 bob #room :Cannot send CTCP to channel (+C)");
    fake_send(b, "PRIVMSG #room :\001ACTIONS\001");
    CU_ASSERT(fake_count(b, " 404 bob #room ") == 2);
    fake_send(b, "PRIVMSG #room :\001ACTION waves\001");
    EXPECT_LINE(a, "PRIVMSG #room :\001ACTION waves\001");
    fake_send(b, "PRIVMSG #room :plain text");
    EXPECT_LINE(a, "PRIVMSG #room :plain text");
    /* A CTCP to a nick is not the channel's business. */
    fake_send(b, "PRIVMSG alice :\001VERSION\001");
    EXPECT_LINE(a, "PRIVMSG alice :\001VERSION\001");
    fake_clear(a);
    fake_clear(b);
    /* +T: a NOTICE to the channel goes nowhere, with no error. */
    fake_send(b, "NOTICE #room :hello all");
    fake_send(b, "NOTICE #room :\001VERSION\001");
    CU_ASSERT(a->nlines == 0);
    CU_ASSERT(b->nlines == 0);
    fake_send(b, "NOTICE alice :direct");
    EXPECT_LINE(a, "NOTICE alice :direct");
    fake_send(a, "MODE #room -T");
    fake_clear(a);
    fake_send(b, "NOTICE #room :hello all");
    EXPECT_LINE(a, "NOTICE #room :hello all");
    /* Under -T, +C still drops a CTCP NOTICE, silently. */
    fake_clear(a);
    fake_clear(b);
    fake_send(b, "NOTICE #room :\001VERSION x\001");
    CU_ASSERT(a->nlines == 0);
    CU_ASSERT(b->nlines == 0);
    fake_send(a, "MODE #room -C");
    fake_send(b, "PRIVMSG #room :\001VERSION\001");
    EXPECT_LINE(a, "PRIVMSG #room :\001VERSION\001");
    fake_server_free(s);
}

/* INVITE without parameters lists the invitations one holds (336 337). */
static void test_invite_list(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "INVITE");
    EXPECT_LINE(b, " 337 bob :End of /INVITE list");
    CU_ASSERT(!fake_has_numeric(b, RPL_INVITELIST));
    fake_send(a, "JOIN #One,#two");
    fake_send(a, "INVITE bob #one");
    fake_send(a, "INVITE bob #two");
    fake_clear(b);
    fake_send(b, "INVITE");
    EXPECT_LINE(b, " 336 bob #One");
    EXPECT_LINE(b, " 336 bob #two");
    EXPECT_LINE(b, " 337 bob :End of /INVITE list");
    CU_ASSERT(fake_index(b, " 336 bob #two") < fake_index(b, " 337 "));
    /* An invitation is used up by the JOIN. */
    fake_send(b, "JOIN #one");
    fake_clear(b);
    fake_send(b, "INVITE");
    EXPECT_NO_LINE(b, "#One");
    EXPECT_LINE(b, " 336 bob #two");
    /* One parameter is still too few. */
    fake_send(b, "INVITE alice");
    EXPECT_LINE(b, " 461 bob INVITE :Not enough parameters");
    fake_server_free(s);
}

static void test_invite_and_invite_only(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #club");
    fake_send(a, "MODE #club +i");
    fake_send(b, "JOIN #club");
    EXPECT_LINE(b, " 473 bob #club :Cannot join channel (+i)");
    fake_send(c, "INVITE bob #club");
    EXPECT_LINE(c, " 442 carol #club :You're not on that channel");
    fake_send(a, "INVITE nobody #club");
    EXPECT_NUMERIC(a, ERR_NOSUCHNICK);
    fake_send(a, "INVITE bob #nowhere");
    EXPECT_NUMERIC(a, ERR_NOSUCHCHANNEL);
    fake_send(a, "INVITE bob");
    EXPECT_NUMERIC(a, ERR_NEEDMOREPARAMS);
    fake_send(b, "AWAY :lunch");
    fake_send(a, "INVITE bob #club");
    EXPECT_LINE(a, " 341 alice bob #club");
    EXPECT_LINE(a, " 301 alice bob :lunch");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 INVITE bob #club");
    fake_clear(b);
    fake_send(b, "JOIN #club");
    EXPECT_LINE(b, "JOIN #club");
    fake_send(a, "INVITE bob #club");
    EXPECT_LINE(a, " 443 alice bob #club :is already on channel");
    /* A non-op may not invite to a +i channel. */
    fake_send(b, "INVITE carol #club");
    EXPECT_LINE(b, " 482 bob #club :You're not channel operator");
    /* The invite was used up. */
    fake_send(a, "KICK #club bob");
    fake_clear(b);
    fake_send(b, "JOIN #club");
    EXPECT_NUMERIC(b, ERR_INVITEONLYCHAN);
    fake_server_free(s);
}

static void test_channel_modes(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(a, "MODE #room");
    EXPECT_LINE(a, " 324 alice #room +nt");
    EXPECT_LINE(a, " 329 alice #room 1700000000");
    fake_clear(a);
    fake_clear(b);
    fake_send(a, "MODE #room +ov-t bob bob");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 MODE #room +ov-t bob bob");
    fake_send(b, "MODE #room -o+m bob");
    EXPECT_LINE(a, ":bob!~bob@127.0.0.1 MODE #room -o+m bob");
    fake_clear(b);
    fake_send(b, "MODE #room +n");
    EXPECT_NUMERIC(b, ERR_CHANOPRIVSNEEDED);
    fake_send(c, "MODE #room +n");
    EXPECT_NUMERIC(c, ERR_NOTONCHANNEL);
    fake_clear(a);
    fake_send(a, "MODE #room +zk");
    EXPECT_LINE(a, " 472 alice z :is unknown mode char to me");
    EXPECT_NUMERIC(a, ERR_NEEDMOREPARAMS);
    fake_send(a, "MODE #nowhere +n");
    EXPECT_NUMERIC(a, ERR_NOSUCHCHANNEL);
    fake_send(a, "MODE #room +o nobody");
    EXPECT_NUMERIC(a, ERR_NOSUCHNICK);
    fake_send(a, "MODE #room +o carol");
    EXPECT_NUMERIC(a, ERR_USERNOTINCHANNEL);
    fake_clear(a);
    fake_send(a, "MODE #room +kl secret 5");
    EXPECT_LINE(a, "MODE #room +kl secret 5");
    fake_clear(a);
    fake_send(a, "MODE #room");
    EXPECT_LINE(a, " 324 alice #room +klmn secret 5");
    fake_clear(c);
    fake_send(c, "MODE #room");
    EXPECT_LINE(c, " 324 carol #room +klmn * 5"); /* the key only for members */
    fake_send(a, "MODE #room +k bad:key");
    EXPECT_NUMERIC(a, ERR_INVALIDKEY);
    fake_clear(a);
    fake_send(a, "MODE #room -k+i *");
    EXPECT_LINE(a, "MODE #room -k+i *");
    /* Redundant changes are not announced. */
    fake_clear(a);
    fake_send(a, "MODE #room +i");
    EXPECT_NO_LINE(a, "MODE #room");
    fake_server_free(s);
}

static void test_moderated_and_voice(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(a, "MODE #room +m");
    fake_clear(a);
    fake_send(b, "PRIVMSG #room :hello?");
    EXPECT_LINE(b, " 404 bob #room :Cannot send to channel");
    CU_ASSERT(a->nlines == 0);
    fake_send(a, "MODE #room +v bob");
    fake_clear(a);
    fake_send(b, "PRIVMSG #room :now?");
    EXPECT_LINE(a, "PRIVMSG #room :now?");
    fake_server_free(s);
}

static void test_limit(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #small");
    fake_send(a, "MODE #small +l 2");
    fake_send(b, "JOIN #small");
    EXPECT_LINE(b, "JOIN #small");
    fake_send(c, "JOIN #small");
    EXPECT_LINE(c, " 471 carol #small :Cannot join channel (+l)");
    fake_send(a, "MODE #small -l");
    fake_clear(c);
    fake_send(c, "JOIN #small");
    EXPECT_LINE(c, "JOIN #small");
    fake_server_free(s);
}

static void test_bans(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.max_bans_per_channel = 3;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #room");
    fake_send(c, "JOIN #room");
    fake_send(a, "MODE #room +b BOB");
    EXPECT_LINE(a, "MODE #room +b BOB!*@*");
    fake_send(b, "JOIN #room");
    EXPECT_LINE(b, " 474 bob #room :Cannot join channel (+b)");
    fake_clear(a);
    fake_send(a, "MODE #room +b");
    EXPECT_LINE(a, " 367 alice #room BOB!*@* alice!~alice@127.0.0.1 1700000000");
    EXPECT_LINE(a, " 368 alice #room :End of channel ban list");
    /* A banned member cannot speak. */
    fake_send(a, "MODE #room +b *!~carol@*");
    fake_clear(c);
    fake_send(c, "PRIVMSG #room :hi");
    EXPECT_NUMERIC(c, ERR_CANNOTSENDTOCHAN);
    fake_send(a, "MODE #room +b x");
    fake_clear(a);
    fake_send(a, "MODE #room +b y");
    EXPECT_NUMERIC(a, ERR_BANLISTFULL);
    fake_send(a, "MODE #room -b bob!*@*");
    EXPECT_LINE(a, "MODE #room -b bob!*@*");
    fake_clear(b);
    fake_send(b, "JOIN #room");
    EXPECT_LINE(b, "JOIN #room");
    fake_send(a, "VERSION");
    EXPECT_LINE(a, "MAXLIST=b:3");
    fake_server_free(s);
}

static void test_user_modes(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_register(s, "bob");
    fake_send(a, "MODE alice");
    EXPECT_LINE(a, " 221 alice +");
    fake_send(a, "MODE alice +i");
    EXPECT_LINE(a, ":alice MODE alice :+i");
    fake_clear(a);
    fake_send(a, "MODE alice");
    EXPECT_LINE(a, " 221 alice +i");
    fake_send(a, "MODE bob +i");
    EXPECT_LINE(a, " 502 alice :Cant change mode for other users");
    fake_send(a, "MODE alice +x");
    EXPECT_NUMERIC(a, ERR_UMODEUNKNOWNFLAG);
    fake_send(a, "MODE ghost +i");
    EXPECT_NUMERIC(a, ERR_NOSUCHNICK);
    fake_clear(a);
    fake_send(a, "MODE alice +o");
    EXPECT_NO_LINE(a, "MODE alice :+o"); /* +o only through OPER */
    fake_send(a, "LUSERS");
    EXPECT_LINE(a, " 251 alice :There are 1 users and 1 invisible on 1 servers");
    fake_server_free(s);
}

static const CU_TestInfo tests[] = {
    {"JOIN creates a channel with the creator as op", test_join_creates_with_op},
    {"JOIN several with keys, and JOIN 0", test_join_multiple_keys_and_zero},
    {"too many channels", test_too_many_channels},
    {"PART", test_part},
    {"TOPIC", test_topic},
    {"NAMES with multi-prefix and userhost-in-names", test_names_and_caps},
    {"NAMES splits long replies", test_names_split},
    {"LIST", test_list},
    {"KICK", test_kick},
    {"KICK pairs and several nicks, 461, 407", test_kick_multi},
    {"NAMES with several channels", test_names_multi},
    {"+s secret channels", test_secret_channel},
    {"+C no CTCP, +T no NOTICE", test_noctcp_nonotice},
    {"INVITE without parameters lists invitations", test_invite_list},
    {"INVITE and +i", test_invite_and_invite_only},
    {"channel MODE", test_channel_modes},
    {"+m and voice", test_moderated_and_voice},
    {"+l", test_limit},
    {"+b ban list", test_bans},
    {"user MODE", test_user_modes},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-channel", tests);
}

/* SPDX-License-Identifier: MIT */
/* Channel lists beyond bans: +e and +I, the m: mute extban, STATUSMSG,
 * WALLOPS and +w, LINKS, the bot mode +B and the ISUPPORT tokens for them. */
#include "client.h"
#include "commands.h"
#include "fake-transport.h"
#include "help.h"
#include "helpers.h"
#include "numerics.h"

#include <stdio.h>
#include <string.h>

static srv_server *small_lists(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.max_bans_per_channel = 2;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    return s;
}

static void test_isupport(void)
{
    srv_server *s = small_lists();
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "VERSION");
    EXPECT_LINE(a, "EXCEPTS=e");
    EXPECT_LINE(a, "INVEX=I");
    EXPECT_LINE(a, "EXTBAN=,m");
    EXPECT_LINE(a, "STATUSMSG=@+");
    EXPECT_LINE(a, "BOT=B");
    EXPECT_LINE(a, "MAXLIST=b:2,e:2,I:2");
    fake_server_free(s);
}

static void test_exceptions(void)
{
    srv_server *s = small_lists();
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #room");
    fake_send(a, "MODE #room +b *!*@127.0.0.1");
    fake_send(b, "JOIN #room");
    EXPECT_NUMERIC(b, ERR_BANNEDFROMCHAN);
    fake_clear(a);
    fake_send(a, "MODE #room +e Bob");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 MODE #room +e Bob!*@*");
    fake_clear(b);
    fake_send(b, "JOIN #room");
    EXPECT_LINE(b, "JOIN #room");
    /* Exempt from the ban, bob may speak too. */
    fake_clear(a);
    fake_send(b, "PRIVMSG #room :hello");
    EXPECT_LINE(a, ":bob!~bob@127.0.0.1 PRIVMSG #room :hello");
    CU_ASSERT(!fake_has_numeric(b, ERR_CANNOTSENDTOCHAN));
    /* The list, once per MODE however often asked; bans untouched. */
    fake_clear(a);
    fake_send(a, "MODE #room eeb");
    EXPECT_LINE(a, " 348 alice #room Bob!*@* alice!~alice@127.0.0.1 1700000000");
    EXPECT_LINE(a, " 349 alice #room :End of channel exception list");
    CU_ASSERT(fake_count(a, " 349 ") == 1);
    EXPECT_LINE(a, " 367 alice #room *!*@127.0.0.1 ");
    /* Same limit as bans, per list. */
    fake_send(a, "MODE #room +e x");
    fake_clear(a);
    fake_send(a, "MODE #room +e y");
    EXPECT_LINE(a, " 478 alice #room y!*@* :Channel exception list is full");
    fake_send(a, "MODE #room -e bob!*@*");
    EXPECT_LINE(a, "MODE #room -e bob!*@*");
    /* Only ops change it; anyone on the channel may look. */
    fake_clear(b);
    fake_send(b, "MODE #room +e z");
    EXPECT_NUMERIC(b, ERR_CHANOPRIVSNEEDED);
    fake_send(b, "MODE #room e");
    EXPECT_NUMERIC(b, RPL_ENDOFEXCEPTLIST);
    fake_server_free(s);
}

static void test_invite_exceptions(void)
{
    srv_server *s = small_lists();
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #room");
    fake_send(a, "MODE #room +i");
    fake_send(a, "MODE #room +I bob");
    EXPECT_LINE(a, "MODE #room +I bob!*@*");
    fake_send(b, "JOIN #room");
    EXPECT_LINE(b, "JOIN #room");
    fake_send(c, "JOIN #room");
    EXPECT_NUMERIC(c, ERR_INVITEONLYCHAN);
    fake_clear(a);
    fake_send(a, "MODE #room I");
    EXPECT_LINE(a, " 346 alice #room bob!*@* alice!~alice@127.0.0.1 1700000000");
    EXPECT_LINE(a, " 347 alice #room :End of channel invite list");
    /* +I does not get past a ban. */
    fake_send(b, "PART #room");
    fake_send(a, "MODE #room +b bob");
    fake_clear(b);
    fake_send(b, "JOIN #room");
    EXPECT_NUMERIC(b, ERR_BANNEDFROMCHAN);
    /* The INVITE list (336/337) is still its own thing. */
    fake_clear(b);
    fake_send(b, "INVITE");
    EXPECT_NUMERIC(b, RPL_ENDOFINVITELIST);
    fake_server_free(s);
}

static void test_mute(void)
{
    srv_server *s = small_lists();
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #room");
    fake_send(a, "MODE #room +b m:bob");
    EXPECT_LINE(a, "MODE #room +b m:bob!*@*");
    /* A mute does not stop joining, nor reading. */
    fake_send(b, "JOIN #room");
    EXPECT_LINE(b, "JOIN #room");
    fake_clear(b);
    fake_send(a, "PRIVMSG #room :read this");
    EXPECT_LINE(b, "PRIVMSG #room :read this");
    fake_clear(a);
    fake_clear(b);
    fake_send(b, "PRIVMSG #room :hi");
    EXPECT_LINE(b, " 404 bob #room :Cannot send to channel");
    fake_clear(b);
    fake_send(b, "NOTICE #room :hi");
    CU_ASSERT(b->nlines == 0);
    CU_ASSERT(a->nlines == 0);
    /* An "m:" exception lifts the mute, as does a plain one. */
    fake_send(a, "MODE #room +e m:bob");
    EXPECT_LINE(a, "MODE #room +e m:bob!*@*");
    fake_clear(a);
    fake_send(b, "PRIVMSG #room :free");
    EXPECT_LINE(a, "PRIVMSG #room :free");
    fake_send(a, "MODE #room -e m:bob!*@*");
    fake_send(a, "MODE #room +e *!~bob@*");
    fake_clear(a);
    fake_send(b, "PRIVMSG #room :again");
    EXPECT_LINE(a, "PRIVMSG #room :again");
    /* An "m:" exception does not lift a plain ban. */
    fake_send(a, "MODE #room -e *!~bob@*");
    fake_send(a, "MODE #room +e m:bob");
    fake_send(a, "MODE #room +b bob");
    fake_send(b, "PART #room");
    fake_clear(b);
    fake_send(b, "JOIN #room");
    EXPECT_NUMERIC(b, ERR_BANNEDFROMCHAN);
    fake_server_free(s);
}

static void test_statusmsg(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_conn *d = fake_register(s, "dave");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(c, "JOIN #room");
    fake_send(a, "MODE #room +v bob");
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);
    fake_send(c, "PRIVMSG @#room :ops only");
    EXPECT_LINE(a, ":carol!~carol@127.0.0.1 PRIVMSG @#room :ops only");
    CU_ASSERT(b->nlines == 0);
    CU_ASSERT(c->nlines == 0);
    fake_send(c, "NOTICE +#room :voices");
    EXPECT_LINE(a, "NOTICE +#room :voices");
    EXPECT_LINE(b, "NOTICE +#room :voices");
    CU_ASSERT(c->nlines == 0);
    /* Not on the channel: refused even without +n. */
    fake_send(a, "MODE #room -n");
    fake_clear(a);
    fake_send(d, "PRIVMSG @#room :sneaky");
    EXPECT_NUMERIC(d, ERR_CANNOTSENDTOCHAN);
    CU_ASSERT(a->nlines == 0);
    fake_send(d, "PRIVMSG +#nowhere :x");
    EXPECT_NUMERIC(d, ERR_NOSUCHCHANNEL);
    /* "@nick" is still a nick. */
    fake_clear(d);
    fake_send(d, "PRIVMSG @alice :x");
    EXPECT_NUMERIC(d, ERR_NOSUCHNICK);
    fake_server_free(s);
}

static void test_wallops(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(b, "MODE bob +w");
    EXPECT_LINE(b, ":bob MODE bob :+w");
    fake_send(b, "MODE bob");
    EXPECT_LINE(b, " 221 bob +w");
    fake_send(a, "WALLOPS :hello");
    EXPECT_NUMERIC(a, ERR_NOPRIVILEGES);
    srv_client_set_oper(a->client, 1);
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);
    fake_send(a, "WALLOPS :hello all");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 WALLOPS :hello all");
    CU_ASSERT(c->nlines == 0);
    CU_ASSERT(a->nlines == 0);
    fake_send(b, "MODE bob -w");
    fake_clear(b);
    fake_send(a, "WALLOPS :again");
    CU_ASSERT(b->nlines == 0);
    fake_server_free(s);
}

static void test_links(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "LINKS");
    EXPECT_LINE(a, " 364 alice irc.test irc.test :0 ");
    EXPECT_LINE(a, " 365 alice * :End of /LINKS list");
    fake_clear(a);
    fake_send(a, "LINKS *.test");
    EXPECT_NUMERIC(a, RPL_LINKS);
    fake_clear(a);
    fake_send(a, "LINKS other.example");
    CU_ASSERT(!fake_has_numeric(a, RPL_LINKS));
    EXPECT_LINE(a, " 365 alice other.example :End of /LINKS list");
    fake_server_free(s);
}

static void test_bot(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "robot");
    fake_send(b, "MODE robot +B");
    EXPECT_LINE(b, ":robot MODE robot :+B");
    fake_send(b, "JOIN #room");
    fake_send(a, "WHOIS robot");
    EXPECT_LINE(a, " 335 alice robot :is a bot on ");
    fake_clear(a);
    fake_send(a, "WHO #room");
    EXPECT_LINE(a, " 352 alice #room ~robot 127.0.0.1 irc.test robot H@B :0 ");
    fake_clear(a);
    fake_send(a, "WHO robot %%nf");
    EXPECT_LINE(a, " 354 alice robot HB");
    fake_clear(a);
    fake_send(a, "WHOIS alice");
    CU_ASSERT(!fake_has_numeric(a, RPL_WHOISBOT));
    fake_send(b, "MODE robot -B");
    fake_clear(a);
    fake_send(a, "WHOIS robot");
    CU_ASSERT(!fake_has_numeric(a, RPL_WHOISBOT));
    fake_server_free(s);
}

static void test_elist(void)
{
    int64_t saved = fake_wall_us;
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #old,#busy");
    fake_send(a, "TOPIC #old :ancient");
    fake_wall_us += INT64_C(3600) * 1000000; /* an hour later */
    fake_send(b, "JOIN #new,#busy");
    fake_send(a, "TOPIC #busy :fresh");
    fake_send(a, "VERSION");
    EXPECT_LINE(a, "ELIST=CMNTU");
    fake_clear(a);
    fake_send(a, "LIST >1");
    EXPECT_LINE(a, " 322 alice #busy 2 :");
    CU_ASSERT(fake_count(a, " 322 ") == 1);
    fake_clear(a);
    fake_send(a, "LIST <2");
    CU_ASSERT(fake_count(a, " 322 ") == 2);
    CU_ASSERT(!fake_find(a, "#busy"));
    fake_clear(a);
    fake_send(a, "LIST C>30");
    CU_ASSERT(fake_count(a, " 322 ") == 2); /* #old and #busy */
    CU_ASSERT(!fake_find(a, "#new"));
    fake_clear(a);
    fake_send(a, "LIST C<30");
    EXPECT_LINE(a, " 322 alice #new 1 :");
    CU_ASSERT(fake_count(a, " 322 ") == 1);
    fake_clear(a);
    fake_send(a, "LIST T<30");
    EXPECT_LINE(a, " 322 alice #busy 2 :");
    CU_ASSERT(fake_count(a, " 322 ") == 1);
    fake_clear(a);
    fake_send(a, "LIST T>30");
    EXPECT_LINE(a, " 322 alice #old 1 :");
    CU_ASSERT(fake_count(a, " 322 ") == 1);
    fake_clear(a);
    fake_send(a, "LIST #*e*,!#busy");
    EXPECT_LINE(a, " 322 alice #new ");
    CU_ASSERT(fake_count(a, " 322 ") == 1);
    EXPECT_LINE(a, " 323 alice :End of /LIST");
    /* Filters combine; plain names still list just those channels. */
    fake_clear(a);
    fake_send(a, "LIST #*,>1,C>30");
    EXPECT_LINE(a, " 322 alice #busy ");
    CU_ASSERT(fake_count(a, " 322 ") == 1);
    fake_clear(a);
    fake_send(a, "LIST #old,#new");
    CU_ASSERT(fake_count(a, " 322 ") == 2);
    fake_server_free(s);
    fake_wall_us = saved;
}

static void test_help(void)
{
    /* Every command in the table has help, and the help table has only
     * commands: sorted, so bsearch finds every entry. */
    size_t n;
    const srv_command *table = srv_command_table(&n);
    for (size_t i = 0; i < n; i++) {
        const char *const *lines = srv_help_find(table[i].name);
        if (!lines)
            printf("\n  no help for %s\n", table[i].name);
        CU_ASSERT(lines != NULL && strncmp(lines[0], table[i].name, strlen(table[i].name)) == 0);
    }
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "HELP privmsg");
    EXPECT_LINE(a, " 704 alice PRIVMSG :PRIVMSG target[,target...] :text");
    EXPECT_LINE(a, " 705 alice PRIVMSG :Sends a message");
    EXPECT_LINE(a, " 706 alice PRIVMSG :End of /HELP");
    fake_clear(a);
    fake_send(a, "HELPOP");
    EXPECT_LINE(a, " 704 alice * :** Help System **");
    EXPECT_LINE(a, "WALLOPS");
    EXPECT_LINE(a, " 706 alice * :End of /HELP");
    fake_clear(a);
    fake_send(a, "HELP nosuch");
    EXPECT_LINE(a, " 524 alice nosuch :No help available on this topic");
    fake_server_free(s);
}

static const CU_TestInfo tests[] = {
    {"ISUPPORT tokens", test_isupport},
    {"+e ban exceptions", test_exceptions},
    {"+I invite exceptions", test_invite_exceptions},
    {"m: mutes", test_mute},
    {"STATUSMSG", test_statusmsg},
    {"WALLOPS and +w", test_wallops},
    {"LINKS", test_links},
    {"+B bots", test_bot},
    {"ELIST filters for LIST", test_elist},
    {"HELP and HELPOP", test_help},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-lists", tests);
}

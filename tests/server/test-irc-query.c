/* SPDX-License-Identifier: MIT */
/* Queries: WHO WHOIS WHOWAS ISON USERHOST VERSION TIME ADMIN INFO MOTD LUSERS. */
#include "fake-transport.h"
#include "helpers.h"
#include "numerics.h"

#include <stdio.h>
#include <string.h>

static void test_who(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(b, "AWAY :away");
    fake_send(c, "WHO #room");
    EXPECT_LINE(c, " 352 carol #room ~alice 127.0.0.1 irc.test alice H@ :0 Real alice");
    EXPECT_LINE(c, " 352 carol #room ~bob 127.0.0.1 irc.test bob G :0 Real bob");
    EXPECT_LINE(c, " 315 carol #room :End of /WHO list.");
    fake_clear(c);
    fake_send(c, "WHO bob");
    EXPECT_LINE(c, " 352 carol * ~bob 127.0.0.1 irc.test bob G :0 Real bob");
    fake_clear(c);
    fake_send(c, "WHO b*");
    EXPECT_LINE(c, "bob G");
    EXPECT_NO_LINE(c, "alice");
    fake_send(b, "MODE bob +i");
    fake_clear(c);
    fake_send(c, "WHO *");
    EXPECT_NO_LINE(c, " bob ");
    EXPECT_LINE(c, " alice H");
    fake_clear(c);
    fake_send(c, "WHO * o");
    EXPECT_NO_LINE(c, " 352 ");
    EXPECT_NUMERIC(c, RPL_ENDOFWHO);
    fake_server_free(s);
}

static void test_whois(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "JOIN #one,#two");
    fake_send(b, "AWAY :not here");
    fake_now_ms += 42000;
    fake_send(a, "WHOIS BOB");
    EXPECT_LINE(a, " 311 alice bob ~bob 127.0.0.1 * :Real bob");
    EXPECT_LINE(a, " 319 alice bob :");
    EXPECT_LINE(a, "@#one");
    EXPECT_LINE(a, " 312 alice bob irc.test :natterd chat server");
    EXPECT_LINE(a, " 301 alice bob :not here");
    EXPECT_LINE(a, " 317 alice bob 42 1700000000 :seconds idle, signon time");
    EXPECT_LINE(a, " 318 alice BOB :End of /WHOIS list.");
    fake_clear(a);
    fake_send(a, "WHOIS nobody");
    EXPECT_LINE(a, " 401 alice nobody :No such nick/channel");
    EXPECT_NUMERIC(a, RPL_ENDOFWHOIS);
    fake_send(a, "WHOIS");
    EXPECT_NUMERIC(a, ERR_NONICKNAMEGIVEN);
    fake_send(a, "WHOIS other.server bob");
    EXPECT_NUMERIC(a, ERR_NOSUCHSERVER);
    fake_clear(a);
    fake_send(a, "WHOIS bob bob");
    EXPECT_NUMERIC(a, RPL_WHOISUSER);
    fake_server_free(s);
}

static void test_whowas(void)
{
    srv_config cfg;
    fake_config(&cfg);
    cfg.whowas_size = 2;
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "QUIT");
    fake_send(a, "WHOWAS bob");
    EXPECT_LINE(a, " 314 alice bob ~bob 127.0.0.1 * :Real bob");
    EXPECT_LINE(a, " 312 alice bob irc.test :");
    EXPECT_LINE(a, " 369 alice bob :End of WHOWAS");
    fake_clear(a);
    fake_send(a, "WHOWAS never");
    EXPECT_LINE(a, " 406 alice never :There was no such nickname");
    EXPECT_NUMERIC(a, RPL_ENDOFWHOWAS);
    fake_send(a, "WHOWAS");
    EXPECT_NUMERIC(a, ERR_NONICKNAMEGIVEN);
    /* The history is bounded: older entries fall out. */
    fake_send(a, "NICK a2");
    fake_send(a, "NICK a3");
    fake_clear(a);
    fake_send(a, "WHOWAS bob");
    EXPECT_NUMERIC(a, ERR_WASNOSUCHNICK);
    fake_server_free(s);
}

static void test_ison_userhost(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "AWAY :x");
    fake_send(a, "ISON bob nobody ALICE");
    EXPECT_LINE(a, " 303 alice :bob alice");
    fake_send(a, "ISON :bob nobody");
    EXPECT_LINE(a, " 303 alice :bob");
    fake_send(a, "ISON");
    EXPECT_NUMERIC(a, ERR_NEEDMOREPARAMS);
    fake_send(a, "USERHOST alice bob nobody");
    EXPECT_LINE(a, " 302 alice :alice=+~alice@127.0.0.1 bob=-~bob@127.0.0.1");
    fake_server_free(s);
}

static void test_server_queries(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "VERSION");
    EXPECT_LINE(a, " 351 alice natterd-");
    EXPECT_NUMERIC(a, RPL_ISUPPORT);
    fake_send(a, "TIME");
    EXPECT_LINE(a, " 391 alice irc.test :Tuesday November 14 2023 -- 22:13:20 +00:00");
    fake_send(a, "ADMIN");
    EXPECT_LINE(a, " 256 alice irc.test :Administrative info");
    EXPECT_NUMERIC(a, RPL_ADMINLOC1);
    EXPECT_NUMERIC(a, RPL_ADMINLOC2);
    EXPECT_LINE(a, " 259 alice :root@localhost");
    fake_send(a, "INFO");
    EXPECT_NUMERIC(a, RPL_INFO);
    EXPECT_NUMERIC(a, RPL_ENDOFINFO);
    fake_send(a, "MOTD");
    EXPECT_LINE(a, " 422 alice :MOTD File is missing");
    fake_clear(a);
    fake_conn *u = fake_connect(s, "127.0.0.1");
    (void)u;
    fake_send(a, "LUSERS");
    EXPECT_LINE(a, " 251 alice :There are 1 users and 0 invisible on 1 servers");
    EXPECT_LINE(a, " 253 alice 1 :unknown connection(s)");
    EXPECT_LINE(a, " 254 alice 0 :channels formed");
    EXPECT_LINE(a, " 255 alice :I have 1 clients and 0 servers");
    EXPECT_NUMERIC(a, RPL_LOCALUSERS);
    EXPECT_NUMERIC(a, RPL_GLOBALUSERS);
    const char *queries[] = {"VERSION x.y", "TIME x.y", "ADMIN x.y", "INFO x.y", "MOTD x.y"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        fake_clear(a);
        fake_send(a, "%s", queries[i]);
        EXPECT_LINE(a, " 402 alice x.y :No such server");
    }
    fake_clear(a);
    fake_send(a, "version irc.test");
    EXPECT_NUMERIC(a, RPL_VERSION);
    fake_server_free(s);
}

static const CU_TestInfo tests[] = {
    {"WHO", test_who},
    {"WHOIS", test_whois},
    {"WHOWAS", test_whowas},
    {"ISON and USERHOST", test_ison_userhost},
    {"VERSION TIME ADMIN INFO MOTD LUSERS", test_server_queries},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-query", tests);
}

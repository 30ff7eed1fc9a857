/* SPDX-License-Identifier: MIT */
/* natterd over real sockets: WHO WHOIS WHOWAS ISON USERHOST VERSION TIME
 * ADMIN INFO MOTD LUSERS, and the operator commands OPER KILL REHASH. */
#include "live.h"

#include <stdio.h>
#include <string.h>

/* first joins (and creates) channel, then second; first sees that JOIN. */
static void join_pair(irc_client *first, irc_client *second, const char *second_nick,
                      const char *channel)
{
    irc_send(first, "JOIN %s", channel);
    EXPECT(first, "366", NULL);
    irc_send(second, "JOIN %s", channel);
    EXPECT(second, "366", NULL);
    char text[96];
    snprintf(text, sizeof text, ":%s!~%s@127.0.0.1 JOIN %s", second_nick, second_nick, channel);
    EXPECT(first, "JOIN", text);
}

static void test_who(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "whoa", NULL);
    irc_client *b = live_user(s, "whob", NULL);
    irc_client *op = live_user(s, "whoop", NULL);
    join_pair(a, b, "whob", "#who");
    irc_send(op, "OPER " LIVE_OPER_NAME " " LIVE_OPER_PASSWORD);
    EXPECT(op, "381", NULL);

    irc_lines seen = {0};
    irc_send(a, "WHO #who");
    COLLECT(a, "315", "whoa #who :End of /WHO list.", &seen);
    CU_ASSERT(irc_lines_count(&seen, "352",
                              "whoa #who ~whoa 127.0.0.1 irc.natter.test whoa H@ "
                              ":0 Test client whoa") == 1);
    CU_ASSERT(irc_lines_count(&seen, "352",
                              "whoa #who ~whob 127.0.0.1 irc.natter.test whob H "
                              ":0 Test client whob") == 1);
    CU_ASSERT(irc_lines_count(&seen, "352", NULL) == 2);
    irc_lines_free(&seen);
    irc_send(a, "WHO whob");
    EXPECT(a, "352", "whoa * ~whob 127.0.0.1 irc.natter.test whob H :0 Test client whob");
    EXPECT(a, "315", "whoa whob :End of /WHO list.");
    irc_send(a, "WHO who*");
    COLLECT(a, "315", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "352", NULL) == 3);
    irc_lines_free(&seen);
    irc_send(a, "WHO who* o");
    COLLECT(a, "315", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "352", " whoop H* :0 ") == 1);
    CU_ASSERT(irc_lines_count(&seen, "352", NULL) == 1);
    irc_lines_free(&seen);
    irc_send(a, "WHO nobody");
    COLLECT(a, "315", "nobody :End of /WHO list.", &seen);
    CU_ASSERT(irc_lines_count(&seen, "352", NULL) == 0);
    irc_lines_free(&seen);
    irc_send(a, "WHO");
    COLLECT(a, "315", "* :End of /WHO list.", &seen);
    CU_ASSERT(irc_lines_count(&seen, "352", NULL) >= 3);
    irc_lines_free(&seen);
    live_stop(s);
}

static void test_whois(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "asking", NULL);
    irc_client *b = live_user(s, "target", NULL);
    join_pair(b, a, "asking", "#whois");
    irc_send(b, "JOIN #whois2");
    EXPECT(b, "366", NULL);

    irc_send(a, "WHOIS target");
    EXPECT(a, "311", "asking target ~target 127.0.0.1 * :Test client target");
    const char *chans = EXPECT(a, "319", "asking target :");
    CU_ASSERT(strstr(chans, "@#whois") && strstr(chans, "@#whois2"));
    EXPECT(a, "312", "asking target irc.natter.test :natterd chat server");
    EXPECT(a, "317", "asking target ");
    EXPECT(a, "318", "asking target :End of /WHOIS list.");
    irc_send(a, "WHOIS nobody");
    EXPECT(a, "401", "asking nobody :No such nick/channel");
    EXPECT(a, "318", "asking nobody :End of /WHOIS list.");
    irc_send(a, "WHOIS");
    EXPECT(a, "431", "asking :No nickname given");
    irc_send(a, "WHOIS elsewhere.example target");
    EXPECT(a, "402", "elsewhere.example :No such server");
    irc_send(a, "WHOIS " LIVE_SERVER_NAME " target");
    EXPECT(a, "311", " target ~target ");
    EXPECT(a, "318", NULL);
    irc_send(a, "WHOIS target target");
    EXPECT(a, "311", " target ~target ");
    EXPECT(a, "318", NULL);
    irc_lines seen = {0};
    irc_send(a, "WHOIS target,asking");
    COLLECT(a, "318", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "311", NULL) == 2);
    irc_lines_free(&seen);
    live_stop(s);
}

static void test_whowas(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "historian", NULL);
    irc_client *w = live_user(s, "wasnick", NULL);
    irc_send(w, "NICK wasnick2");
    EXPECT(w, "NICK", NULL);
    live_quit(s, w);

    irc_send(a, "WHOWAS wasnick");
    EXPECT(a, "314", "historian wasnick ~wasnick 127.0.0.1 * :Test client wasnick");
    EXPECT(a, "312", "historian wasnick irc.natter.test :");
    EXPECT(a, "369", "historian wasnick :End of WHOWAS");
    irc_send(a, "WHOWAS WASNICK2 1");
    EXPECT(a, "314", "wasnick2 ~wasnick 127.0.0.1 * :Test client wasnick");
    EXPECT(a, "369", NULL);
    irc_send(a, "WHOWAS neverseen");
    EXPECT(a, "406", "historian neverseen :There was no such nickname");
    EXPECT(a, "369", "neverseen :End of WHOWAS");
    irc_send(a, "WHOWAS");
    EXPECT(a, "431", ":No nickname given");
    live_stop(s);
}

static void test_ison_userhost(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "isona", NULL);
    irc_client *b = live_user(s, "isonb", NULL);
    irc_send(b, "OPER " LIVE_OPER_NAME " " LIVE_OPER_PASSWORD);
    EXPECT(b, "381", NULL);
    irc_send(a, "ISON isonb nobody ISONA");
    EXPECT(a, "303", "isona :isonb isona");
    irc_send(a, "ISON nobody");
    const char *none = EXPECT(a, "303", NULL);
    CU_ASSERT(strcmp(irc_line_trailing(none), "") == 0);
    irc_send(a, "ISON");
    EXPECT(a, "461", "ISON :Not enough parameters");
    irc_send(a, "USERHOST isonb isona nobody");
    EXPECT(a, "302", "isona :isonb*=+~isonb@127.0.0.1 isona=+~isona@127.0.0.1");
    irc_send(a, "USERHOST");
    EXPECT(a, "461", "USERHOST :Not enough parameters");
    live_stop(s);
}

static void test_server_queries(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *a = live_user(s, "curious", NULL);
    irc_send(a, "VERSION");
    const char *version = EXPECT(a, "351", "curious natterd-");
    CU_ASSERT(strstr(version, ". irc.natter.test :natterd, the Natter chat daemon") != NULL);
    EXPECT(a, "005", "CASEMAPPING=rfc1459");
    irc_send(a, "VERSION " LIVE_SERVER_NAME);
    EXPECT(a, "351", NULL);
    irc_send(a, "TIME");
    EXPECT(a, "391", "curious irc.natter.test :");
    irc_send(a, "ADMIN");
    EXPECT(a, "256", "curious irc.natter.test :Administrative info");
    EXPECT(a, "257", "curious :Natter chat server");
    EXPECT(a, "258", "curious :natterd chat server");
    EXPECT(a, "259", "curious :root@localhost");
    irc_lines seen = {0};
    irc_send(a, "INFO");
    COLLECT(a, "374", "curious :End of /INFO list.", &seen);
    CU_ASSERT(irc_lines_count(&seen, "371", ":natterd-") == 1);
    CU_ASSERT(irc_lines_count(&seen, "371", ":Started ") == 1);
    irc_lines_free(&seen);
    irc_send(a, "MOTD");
    EXPECT(a, "422", "curious :MOTD File is missing");
    irc_send(a, "JOIN #lusers");
    EXPECT(a, "366", NULL);
    irc_send(a, "LUSERS");
    COLLECT(a, "266", NULL, &seen);
    CU_ASSERT(irc_lines_count(&seen, "251",
                              "curious :There are 1 users and 0 invisible on 1 servers") == 1);
    CU_ASSERT(irc_lines_count(&seen, "254", "curious 1 :channels formed") == 1);
    CU_ASSERT(irc_lines_count(&seen, "255", "curious :I have 1 clients and 0 servers") == 1);
    /* (The maximum is whatever the server has seen: other tests ran.) */
    CU_ASSERT(irc_lines_count(&seen, "265", ":Current local users 1, max ") == 1);
    irc_lines_free(&seen);
    /* Every one of them refuses another server's name. */
    const char *elsewhere[] = {"VERSION x.example",      "TIME x.example", "ADMIN x.example",
                               "INFO x.example",         "MOTD x.example", "LUSERS * x.example",
                               "NAMES #lusers x.example"};
    for (size_t i = 0; i < sizeof elsewhere / sizeof elsewhere[0]; i++) {
        irc_send(a, "%s", elsewhere[i]);
        EXPECT(a, "402", "curious x.example :No such server");
    }
    live_stop(s);
}

static void test_oper_kill_rehash(void)
{
    live_server *s = live_start(LIVE_MAIN);
    if (!s)
        return;
    irc_client *o = live_user(s, "operator", NULL);
    irc_client *u = live_user(s, "plainuser", NULL);
    irc_client *w = live_user(s, "killwatch", NULL);
    join_pair(u, w, "killwatch", "#kill");

    irc_send(u, "KILL killwatch :no");
    EXPECT(u, "481", "plainuser :Permission Denied- You're not an IRC operator");
    irc_send(u, "REHASH");
    EXPECT(u, "481", NULL);
    irc_send(o, "OPER");
    EXPECT(o, "461", "OPER :Not enough parameters");
    irc_send(o, "OPER nobody " LIVE_OPER_PASSWORD);
    EXPECT(o, "464", "operator :Password incorrect"); /* names not revealed */
    irc_send(o, "OPER " LIVE_OPER_NAME " wrong");
    EXPECT(o, "464", "operator :Password incorrect");
    SYNC(o); /* a wrong OPER password does not cost the connection */
    irc_send(o, "OPER " LIVE_OPER_NAME " " LIVE_OPER_PASSWORD);
    EXPECT(o, "381", "operator :You are now an IRC operator");
    EXPECT(o, "MODE", ":operator MODE operator :+o");
    irc_send(o, "MODE operator");
    EXPECT(o, "221", "operator +o");
    irc_send(u, "WHOIS operator");
    EXPECT(u, "313", "plainuser operator :is an IRC operator");
    irc_send(u, "LUSERS");
    EXPECT(u, "252", "plainuser 1 :operator(s) online");

    irc_send(o, "KILL nobody :x");
    EXPECT(o, "401", "operator nobody :No such nick/channel");
    irc_send(o, "KILL plainuser");
    EXPECT(o, "461", "KILL :Not enough parameters");
    irc_send(o, "KILL plainuser :spamming");
    EXPECT(u, "ERROR", ":Closing Link: 127.0.0.1 (Killed (operator (spamming)))");
    EXPECT_CLOSED(u, NULL);
    EXPECT(w, "QUIT", ":plainuser!~plainuser@127.0.0.1 QUIT :Killed (operator (spamming))");

    irc_send(o, "REHASH");
    EXPECT(o, "382", " :Rehashing");
    /* The configuration is in force again: OPER still works. */
    irc_send(o, "OPER " LIVE_OPER_NAME " " LIVE_OPER_PASSWORD);
    EXPECT(o, "381", NULL);
    irc_send(o, "MODE operator -o");
    EXPECT(o, "MODE", ":operator MODE operator :-o");
    irc_send(o, "REHASH");
    EXPECT(o, "481", NULL);
    live_stop(s);
}

static CU_TestInfo tests[] = {
    {"WHO", test_who},
    {"WHOIS", test_whois},
    {"WHOWAS", test_whowas},
    {"ISON and USERHOST", test_ison_userhost},
    {"VERSION TIME ADMIN INFO MOTD LUSERS, and 402", test_server_queries},
    {"OPER, KILL and REHASH", test_oper_kill_rehash},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-query", tests);
}

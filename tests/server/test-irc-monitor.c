/* SPDX-License-Identifier: MIT */
/* MONITOR, extended-monitor, WHOX, SETNAME and invite-notify. */
#include "fake-transport.h"
#include "helpers.h"
#include "monitor.h"
#include "numerics.h"

#include <stdio.h>
#include <string.h>

static void test_monitor_basic(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "MONITOR + bob,Carol,bad*nick");
    EXPECT_LINE(a, " 730 alice :bob!~bob@127.0.0.1");
    EXPECT_LINE(a, " 731 alice :Carol");
    EXPECT_NO_LINE(a, "bad*nick");
    fake_clear(a);
    fake_send(a, "MONITOR L");
    EXPECT_LINE(a, " 732 alice :");
    EXPECT_LINE(a, "bob");
    EXPECT_LINE(a, "Carol");
    EXPECT_LINE(a, " 733 alice :End of MONITOR list");
    fake_clear(a);
    /* Signing on, changing nick and quitting are all announced. */
    fake_conn *c = fake_register(s, "carol");
    EXPECT_LINE(a, " 730 alice :carol!~carol@127.0.0.1");
    fake_clear(a);
    fake_send(b, "NICK robert");
    EXPECT_LINE(a, " 731 alice :bob");
    fake_clear(a);
    fake_send(b, "NICK Bob");
    EXPECT_LINE(a, " 730 alice :Bob!~bob@127.0.0.1");
    fake_clear(a);
    fake_send(c, "QUIT :bye");
    EXPECT_LINE(a, " 731 alice :carol");
    fake_clear(a);
    fake_send(a, "MONITOR S");
    EXPECT_LINE(a, " 730 alice :Bob!~bob@127.0.0.1");
    EXPECT_LINE(a, " 731 alice :Carol");
    fake_clear(a);
    fake_send(a, "MONITOR - bob");
    fake_send(a, "MONITOR L");
    EXPECT_NO_LINE(a, "bob");
    fake_send(a, "MONITOR C");
    fake_clear(a);
    fake_send(a, "MONITOR L");
    EXPECT_NO_LINE(a, " 732 ");
    EXPECT_NUMERIC(a, RPL_ENDOFMONLIST);
    fake_clear(a);
    fake_send(b, "QUIT");
    EXPECT_NO_LINE(a, " 731 ");
    fake_send(a, "MONITOR +");
    EXPECT_NUMERIC(a, ERR_NEEDMOREPARAMS);
    fake_server_free(s);
}

static void test_monitor_limit_and_cleanup(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *w = fake_register(s, "watcher");
    char list[2048];
    size_t n = 0;
    for (int i = 0; i < SRV_MONITOR_LIMIT; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%sn%d", i ? "," : "", i);
    fake_send(a, "MONITOR + %s", list);
    EXPECT_NO_LINE(a, " 734 ");
    fake_send(a, "MONITOR + n0,extra,more");
    EXPECT_LINE(a, " 734 alice 100 extra,more :Monitor list is full.");
    fake_send(w, "MONITOR + alice,n1");
    /* A quit forgets the watcher: the index holds only what w watches. */
    fake_send(a, "QUIT");
    EXPECT_LINE(w, " 731 watcher :alice");
    fake_clear(w);
    fake_conn *n1 = fake_register(s, "n1");
    EXPECT_LINE(w, " 730 watcher :n1!");
    (void)n1;
    fake_send(w, "MONITOR C");
    fake_clear(w);
    fake_register(s, "alice");
    EXPECT_NO_LINE(w, " 730 ");
    fake_server_free(s);
}

static void test_monitor_isupport(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_connect(s, "127.0.0.1");
    fake_send(a, "CAP LS 302");
    EXPECT_LINE(a, "extended-monitor");
    EXPECT_LINE(a, "invite-notify");
    EXPECT_LINE(a, "setname");
    fake_send(a, "NICK alice");
    fake_send(a, "USER alice 0 * :Real alice");
    fake_send(a, "CAP END");
    EXPECT_LINE(a, "MONITOR=100");
    EXPECT_LINE(a, "NAMELEN=100");
    EXPECT_LINE(a, " WHOX");
    fake_server_free(s);
}

static void test_extended_monitor(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *plain = fake_register(s, "plain");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *shared = fake_register(s, "shared");
    fake_send(a, "CAP REQ :away-notify extended-monitor setname");
    fake_send(plain, "CAP REQ :away-notify");
    fake_send(shared, "CAP REQ :away-notify extended-monitor");
    fake_send(a, "MONITOR + bob");
    fake_send(plain, "MONITOR + bob");
    fake_send(shared, "MONITOR + bob");
    fake_send(shared, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_clear(a);
    fake_clear(plain);
    fake_clear(shared);
    fake_send(b, "AWAY :lunch");
    EXPECT_LINE(a, ":bob!~bob@127.0.0.1 AWAY :lunch");
    EXPECT_NO_LINE(plain, "AWAY");
    /* A watcher in a shared channel hears it once. */
    CU_ASSERT_EQUAL(fake_count(shared, " AWAY :lunch"), 1);
    fake_send(b, "SETNAME :Robert B");
    EXPECT_LINE(a, ":bob!~bob@127.0.0.1 SETNAME :Robert B");
    EXPECT_NO_LINE(shared, "SETNAME");
    fake_server_free(s);
}

static void test_whox(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(b, "AWAY :away");
    fake_clear(a);
    fake_send(a, "WHO #room %%tcuihsnfdlaor,42");
    EXPECT_LINE(a, " 354 alice 42 #room ~alice 127.0.0.1 127.0.0.1 irc.test alice H@ 0 0 0 n/a "
                   ":Real alice");
    EXPECT_LINE(a,
                " 354 alice 42 #room ~bob 127.0.0.1 127.0.0.1 irc.test bob G 0 0 0 n/a :Real bob");
    EXPECT_LINE(a, " 315 alice #room :End of /WHO list.");
    EXPECT_NO_LINE(a, " 352 ");
    fake_clear(a);
    /* Order is fixed whatever the request; 'o' after '%' is a field. */
    fake_send(a, "WHO bob %%nafo");
    EXPECT_LINE(a, " 354 alice bob G 0 n/a");
    fake_clear(a);
    fake_send(a, "WHO b* %%nt");
    EXPECT_LINE(a, " 354 alice 0 bob");
    EXPECT_NO_LINE(a, "alice alice");
    fake_clear(a);
    fake_send(a, "WHO * o%%n");
    EXPECT_NO_LINE(a, " 354 ");
    EXPECT_NUMERIC(a, RPL_ENDOFWHO);
    fake_clear(a);
    fake_send(a, "WHO bob %%n,abc");
    EXPECT_LINE(a, " 354 alice bob");
    fake_server_free(s);
}

static void test_setname(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(a, "CAP REQ setname");
    fake_send(b, "CAP REQ setname");
    fake_send(a, "JOIN #room");
    fake_send(b, "JOIN #room");
    fake_send(c, "JOIN #room");
    fake_clear(a);
    fake_clear(b);
    fake_clear(c);
    fake_send(a, "SETNAME :Alice Liddell");
    EXPECT_LINE(a, ":alice!~alice@127.0.0.1 SETNAME :Alice Liddell");
    EXPECT_LINE(b, ":alice!~alice@127.0.0.1 SETNAME :Alice Liddell");
    EXPECT_NO_LINE(c, "SETNAME");
    fake_send(c, "WHOIS alice");
    EXPECT_LINE(c, " 311 carol alice ~alice 127.0.0.1 * :Alice Liddell");
    char big[SRV_REALNAME_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fake_send(a, "SETNAME :%s", big);
    EXPECT_LINE(a, "FAIL SETNAME INVALID_REALNAME :Realname is not valid");
    fake_send(a, "SETNAME");
    EXPECT_NUMERIC(a, ERR_NEEDMOREPARAMS);
    fake_server_free(s);
}

static void test_invite_notify(void)
{
    srv_server *s = fake_server(NULL);
    fake_conn *op = fake_register(s, "op");
    fake_conn *voice = fake_register(s, "member");
    fake_conn *plain = fake_register(s, "plain");
    fake_conn *guest = fake_register(s, "guest");
    fake_send(op, "CAP REQ invite-notify");
    fake_send(voice, "CAP REQ invite-notify");
    fake_send(op, "JOIN #room");
    fake_send(voice, "JOIN #room");
    fake_send(plain, "JOIN #room");
    fake_clear(op);
    fake_clear(voice);
    fake_clear(plain);
    fake_send(voice, "INVITE guest #room");
    EXPECT_LINE(guest, ":member!~member@127.0.0.1 INVITE guest #room");
    EXPECT_LINE(op, ":member!~member@127.0.0.1 INVITE guest #room");
    EXPECT_NO_LINE(voice, " INVITE ");
    EXPECT_NO_LINE(plain, "INVITE");
    /* In a +i channel only operators hear of invitations. */
    fake_send(op, "MODE #room +i");
    fake_clear(voice);
    fake_send(op, "INVITE guest #room");
    EXPECT_NO_LINE(voice, "INVITE");
    EXPECT_NO_LINE(plain, "INVITE");
    fake_server_free(s);
}

static const CU_TestInfo tests[] = {
    {"MONITOR + - C L S and events", test_monitor_basic},
    {"MONITOR limit and cleanup on quit", test_monitor_limit_and_cleanup},
    {"caps and ISUPPORT tokens", test_monitor_isupport},
    {"extended-monitor", test_extended_monitor},
    {"WHOX", test_whox},
    {"SETNAME", test_setname},
    {"invite-notify", test_invite_notify},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-monitor", tests);
}

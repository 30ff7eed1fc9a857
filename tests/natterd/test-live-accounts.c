/* SPDX-License-Identifier: MIT */
/* Accounts over real sockets (the accounts profile of live.h: a store, the
 * daemon's worker thread hashing passwords): REGISTER and a login with
 * SASL PLAIN and with SCRAM-SHA-256 on new connections, what other clients
 * see (WHOIS 330, account-notify, extended-join), NickServ, and SASL
 * EXTERNAL with a TLS client certificate (the tls profile, which has a
 * store too).  In-process natively and under wine, and through external.sh
 * against natterd and natterd.exe under wine, whose store is a real
 * SQLite file there too.  An external server keeps its accounts for the
 * whole run, so every test uses names of its own. */
#include "live.h"
#include "scram-client.h"

#include <stdio.h>
#include <string.h>

/* CAP REQ :sasl, then AUTHENTICATE mechanism, up to the server's "+". */
static void sasl_start(irc_client *c, const char *mechanism)
{
    irc_send(c, "CAP REQ :sasl");
    EXPECT(c, "CAP", "ACK :sasl");
    irc_send(c, "AUTHENTICATE %s", mechanism);
    EXPECT(c, "AUTHENTICATE", "+");
}

/* The payload of an "AUTHENTICATE <base64>" line, decoded into out. */
static long challenge(const char *line, char *out, size_t size)
{
    const char *p = line ? strstr(line, "AUTHENTICATE ") : NULL;
    return p ? scram_unb64(p + 13, out, size) : -1;
}

/* Finish registering a connection that is holding it with CAP. */
static void finish_registration(irc_client *c, const char *nick)
{
    irc_send(c, "NICK %s", nick);
    irc_send(c, "USER %s 0 * :%s", nick, nick);
    irc_send(c, "CAP END");
    EXPECT(c, "001", NULL);
    SYNC(c);
}

/* A new connection logged in with PLAIN; NULL line when refused. */
static irc_client *login_plain(live_server *s, const char *nick, const char *account,
                               const char *password, int want_success)
{
    irc_client *c = live_client(s, nick, 0);
    sasl_start(c, "PLAIN");
    char enc[400];
    CU_ASSERT_FATAL(sasl_plain_b64(account, password, enc, sizeof enc) == 0);
    irc_send(c, "AUTHENTICATE %s", enc);
    if (want_success) {
        char text[128];
        snprintf(text, sizeof text, "%s :You are now logged in as %s", account, account);
        EXPECT(c, "900", text);
        EXPECT(c, "903", NULL);
        finish_registration(c, nick);
    } else {
        EXPECT(c, "904", NULL);
    }
    return c;
}

static void register_account(live_server *s, const char *nick, const char *password)
{
    irc_client *c = live_user(s, nick, NULL);
    irc_send(c, "REGISTER * * :%s", password);
    char text[96];
    snprintf(text, sizeof text, "SUCCESS %s :Account created", nick);
    EXPECT(c, "REGISTER", text);
    EXPECT(c, "900", NULL);
    live_quit(s, c);
}

/* REGISTER, then PLAIN from a new connection (the check on the worker
 * thread); a wrong password is refused; others see the account. */
static void test_register_and_plain(void)
{
    live_server *s = live_start(LIVE_ACCOUNTS);
    if (!s)
        return;
    register_account(s, "lvplain", "plain-password");
    irc_client *w = live_user(s, "lvwatch1", "account-notify extended-join");
    irc_send(w, "JOIN #lvacc");
    EXPECT(w, "366", NULL);
    irc_client *bad = login_plain(s, "lvplain", "lvplain", "wrong-password", 0);
    live_quit(s, bad);
    irc_client *c = login_plain(s, "lvplain", "lvplain", "plain-password", 1);
    irc_send(c, "JOIN #lvacc");
    EXPECT(w, "JOIN", "#lvacc lvplain :lvplain");
    irc_send(w, "WHOIS lvplain");
    EXPECT(w, "330", "lvwatch1 lvplain lvplain :is logged in as");
    irc_send(c, "NICKSERV LOGOUT");
    EXPECT(w, "ACCOUNT", "*");
    EXPECT(c, "901", NULL);
    live_stop(s);
}

static void test_scram(void)
{
    live_server *s = live_start(LIVE_ACCOUNTS);
    if (!s)
        return;
    register_account(s, "lvscram", "scram-password");
    irc_client *c = live_client(s, "lvscram", 0);
    sasl_start(c, "SCRAM-SHA-256");
    const char *bare = "n=lvscram,r=rOprNGfwEbeRWgbNEkqO";
    char first[128], enc[512], server_first[256], final[400], want[128], server_final[128];
    snprintf(first, sizeof first, "n,,%s", bare);
    CU_ASSERT_FATAL(scram_b64(first, strlen(first), enc, sizeof enc) == 0);
    irc_send(c, "AUTHENTICATE %s", enc);
    const char *line = EXPECT(c, "AUTHENTICATE", NULL);
    CU_ASSERT_FATAL(line != NULL);
    CU_ASSERT_FATAL(challenge(line, server_first, sizeof server_first) > 0);
    CU_ASSERT(strncmp(server_first, "r=rOprNGfwEbeRWgbNEkqO", 22) == 0);
    CU_ASSERT(strstr(server_first, ",i=4096") != NULL);
    CU_ASSERT_FATAL(scram_client_final("scram-password", bare, server_first, final, sizeof final,
                                       want, sizeof want) == 0);
    CU_ASSERT_FATAL(scram_b64(final, strlen(final), enc, sizeof enc) == 0);
    irc_send(c, "AUTHENTICATE %s", enc);
    line = EXPECT(c, "AUTHENTICATE", NULL);
    CU_ASSERT_FATAL(line != NULL);
    CU_ASSERT(challenge(line, server_final, sizeof server_final) > 0);
    CU_ASSERT_STRING_EQUAL(server_final, want);
    irc_send(c, "AUTHENTICATE +");
    EXPECT(c, "900", "lvscram :You are now logged in as lvscram");
    EXPECT(c, "903", NULL);
    finish_registration(c, "lvscram");
    live_stop(s);
}

/* NickServ over the wire: IDENTIFY, GHOST with the password. */
static void test_nickserv(void)
{
    live_server *s = live_start(LIVE_ACCOUNTS);
    if (!s)
        return;
    irc_client *a = live_user(s, "lvns", NULL);
    irc_send(a, "PRIVMSG NickServ :REGISTER ns-password-1");
    EXPECT(a, "NOTICE", "lvns is now registered to you");
    irc_client *b = live_user(s, "lvns2", NULL);
    irc_send(b, "PRIVMSG NickServ :GHOST lvns ns-password-1");
    EXPECT(b, "NOTICE", "lvns has been disconnected.");
    CU_ASSERT(irc_expect_closed(a, irc_default_deadline(), NULL));
    live_drop(s, a);
    irc_send(b, "NICK lvns");
    EXPECT(b, "NICK", NULL);
    irc_send(b, "PRIVMSG NickServ :IDENTIFY ns-password-1");
    EXPECT(b, "NOTICE", "You are now logged in as lvns.");
    irc_send(b, "MODE lvns");
    EXPECT(b, "221", "+r");
    live_stop(s);
}

/* EXTERNAL: a certificate registered with CERT ADD logs in by itself. */
static void test_external(void)
{
    live_server *s = live_start(LIVE_TLS);
    if (!s)
        return;
    irc_client *a = live_user_tls(s, "lvext", NULL, LIVE_CERT_CLIENT2);
    irc_send(a, "REGISTER * * :external-password");
    EXPECT(a, "REGISTER", "SUCCESS lvext");
    irc_send(a, "PRIVMSG NickServ :CERT ADD");
    EXPECT(a, "NOTICE", "Added to the certificate list of lvext");
    live_quit(s, a);
    irc_tls_options o;
    live_tls_options(&o, LIVE_CERT_CLIENT2);
    irc_client *c = live_client_tls(s, "lvext", &o);
    sasl_start(c, "EXTERNAL");
    irc_send(c, "AUTHENTICATE +");
    EXPECT(c, "900", "lvext :You are now logged in as lvext");
    EXPECT(c, "903", NULL);
    finish_registration(c, "lvext");
    /* Without a certificate: refused at once, with the reason. */
    irc_client *d = live_user_tls(s, "lvnocert", NULL, LIVE_CERT_NONE);
    irc_send(d, "CAP REQ :sasl");
    irc_send(d, "AUTHENTICATE EXTERNAL");
    EXPECT(d, "904", "no TLS client certificate");
    live_stop(s);
}

static const CU_TestInfo tests[] = {
    {"REGISTER, SASL PLAIN, WHOIS 330, account-notify, extended-join", test_register_and_plain},
    {"SASL SCRAM-SHA-256", test_scram},
    {"NickServ REGISTER, GHOST, IDENTIFY, +r", test_nickserv},
    {"SASL EXTERNAL with a TLS client certificate", test_external},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-accounts-live", tests);
}

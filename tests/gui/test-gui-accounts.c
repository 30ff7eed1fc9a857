/* SPDX-License-Identifier: MIT */
/* The client core's accounts against the natterd built here
 * ($NATTER_NATTERD) with a store ([store] directory, [accounts]
 * registration = open), over TLS with the server's certificate pinned:
 *
 *  - creating an account with REGISTER (draft/account-registration,
 *    before connecting), then logging in to it on new connections with
 *    SCRAM-SHA-256, with PLAIN and with the automatic choice;
 *  - a wrong password: the client stops, says so, and does not retry;
 *  - REGISTER of a name that exists: refused, in words;
 *  - other users see the account: extended-join and account-tag on the
 *    member list, WHOIS 330 in the card's NcWhois;
 *  - too many wrong passwords lock the login (natterd's FAIL AUTHENTICATE
 *    RATE_LIMITED before 904), said as such (a server of its own: the
 *    lock holds for the whole address for a minute);
 *  - the hosted chat (NcLocalServer) keeps its accounts in the data
 *    folder: made once, still there after natterd restarts.
 *
 * natterd counts registrations and failed logins per address (five a
 * minute), and every client here is 127.0.0.1: the tests spend them with
 * care.  Exits 77 when natterd is not there. */
#include "client.h"
#include "fake-server.h" /* fake_pump */
#include "helpers.h"
#include "host.h"
#include "natterd-helpers.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static NcTestServer main_server;

/* A client over TLS to server, its certificate pinned for this session. */
static NcClient *tls_client(NcTestServer *server, const char *nick)
{
    NcClient *c = nc_client_new("127.0.0.1", server->tls_port, nick, "Accounts Test", NULL);
    nc_client_set_tls(c, TRUE);
    g_assert_true(nc_client_pin_certificate(c, server->fingerprint, FALSE, NULL));
    /* Quick reconnects: a client that wrongly retried would show it. */
    nc_client_set_timing(c, 0, 0, 50, 200, 3000);
    return c;
}

static void finish(NcClient *c)
{
    fake_client_finish(c);
}

static void on_created(NcClient *c, const char *account, gpointer data)
{
    g_free(*(char **)data);
    *(char **)data = g_strdup(account);
}

/* Log in as account with mech on a new connection; TRUE when logged in. */
static gboolean log_in(const char *nick, const char *account, const char *password,
                       NcSaslMechanism mech)
{
    NcClient *c = tls_client(&main_server, nick);
    nc_client_set_login(c, account, password, mech);
    nc_client_connect(c);
    gboolean ok = nc_test_wait_state(c, NC_STATE_CONNECTED);
    if (!ok)
        printf("\n  %s login as %s: %s\n", nc_sasl_mechanism_name(mech), account,
               nc_client_get_error(c) ? nc_client_get_error(c) : "(no error)");
    ok = ok && g_strcmp0(nc_client_get_account(c), account) == 0 &&
         nc_client_get_login_problem(c) == NC_LOGIN_OK;
    /* The status line says whom. */
    ok = ok && strstr(nc_client_get_status(c), account) != NULL;
    finish(c);
    return ok;
}

static void test_register_then_log_in(void)
{
    NcClient *c = tls_client(&main_server, "alice");
    nc_client_set_login(c, "alice", "correct horse battery", NC_SASL_AUTO);
    nc_client_set_create_account(c, TRUE);
    char *created = NULL;
    g_signal_connect(c, "account-created", G_CALLBACK(on_created), &created);
    nc_client_connect(c);
    CU_ASSERT_FATAL(nc_test_wait_state(c, NC_STATE_CONNECTED));
    CU_ASSERT_STRING_EQUAL(nc_client_get_account(c), "alice");
    CU_ASSERT_STRING_EQUAL(created, "alice");
    CU_ASSERT_FALSE(nc_client_get_create_account(c));
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    CU_ASSERT(nc_test_wait_text(server, "Created the account “alice”"));
    g_free(created);
    /* The same client's next connect logs in instead of creating again. */
    nc_client_disconnect(c, NULL);
    nc_client_connect(c);
    CU_ASSERT(nc_test_wait_state(c, NC_STATE_CONNECTED));
    CU_ASSERT_STRING_EQUAL(nc_client_get_account(c), "alice");
    finish(c);

    CU_ASSERT(log_in("alice", "alice", "correct horse battery", NC_SASL_SCRAM_SHA_256));
    CU_ASSERT(log_in("alice_", "alice", "correct horse battery", NC_SASL_PLAIN));
    CU_ASSERT(log_in("alice", "alice", "correct horse battery", NC_SASL_AUTO));
}

static void test_wrong_password(void)
{
    NcClient *c = tls_client(&main_server, "alice");
    nc_client_set_login(c, "alice", "not the password", NC_SASL_SCRAM_SHA_256);
    nc_client_connect(c);
    CU_ASSERT_FATAL(nc_test_wait_state(c, NC_STATE_DISCONNECTED));
    CU_ASSERT_EQUAL(nc_client_get_login_problem(c), NC_LOGIN_REJECTED);
    printf("\n  wrong password: %s\n", nc_client_get_error(c));
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "wrong account name or password"));
    CU_ASSERT_PTR_NULL(nc_client_get_account(c));
    /* Several reconnect delays later: still one attempt. */
    fake_pump(600);
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
    CU_ASSERT_EQUAL(nc_client_get_attempts(c), 1);
    finish(c);
}

static void test_register_refused(void)
{
    NcClient *c = tls_client(&main_server, "alice2");
    nc_client_set_login(c, "alice", "another password", NC_SASL_AUTO);
    nc_client_set_create_account(c, TRUE);
    nc_client_connect(c);
    CU_ASSERT_FATAL(nc_test_wait_state(c, NC_STATE_DISCONNECTED));
    CU_ASSERT_EQUAL(nc_client_get_login_problem(c), NC_LOGIN_CREATE_FAILED);
    printf("\n  existing name: %s\n", nc_client_get_error(c));
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "already taken"));
    finish(c);
}

typedef struct {
    NcBuffer *buffer;
    const char *nick;
    const char *account;
} AccountWait;

static gboolean member_has_account(gpointer data)
{
    AccountWait *w = data;
    NcMember *m = nc_buffer_find_member(w->buffer, w->nick);
    return m && g_strcmp0(nc_member_get_account(m), w->account) == 0;
}

static void on_whois(NcClient *c, NcWhois *w, gpointer data)
{
    g_set_object((NcWhois **)data, w);
}

static gboolean whois_arrived(gpointer data)
{
    return *(NcWhois **)data != NULL;
}

static void test_others_see_the_account(void)
{
    const char *chan[] = {"#accounts", NULL};
    NcClient *bob = tls_client(&main_server, "bob");
    nc_client_set_autojoin(bob, chan);
    NcWhois *whois = NULL;
    g_signal_connect(bob, "whois", G_CALLBACK(on_whois), &whois);
    nc_client_connect(bob);
    CU_ASSERT_FATAL(nc_test_wait_state(bob, NC_STATE_CONNECTED));
    CU_ASSERT(nc_client_has_cap(bob, "extended-join"));
    CU_ASSERT(nc_client_has_cap(bob, "account-notify"));
    CU_ASSERT(nc_client_has_cap(bob, "account-tag"));
    NcBuffer *bb = nc_test_wait_joined(bob, "#accounts");
    CU_ASSERT_FATAL(bb != NULL);

    NcClient *alice = tls_client(&main_server, "alice");
    nc_client_set_login(alice, "alice", "correct horse battery", NC_SASL_SCRAM_SHA_256);
    nc_client_set_autojoin(alice, chan);
    nc_client_connect(alice);
    CU_ASSERT_FATAL(nc_test_wait_state(alice, NC_STATE_CONNECTED));
    NcBuffer *ab = nc_test_wait_joined(alice, "#accounts");
    CU_ASSERT_FATAL(ab != NULL);
    /* extended-join told bob; bob himself is known as logged out. */
    AccountWait w = {bb, "alice", "alice"};
    CU_ASSERT(fake_pump_until(member_has_account, &w, 5000));
    AccountWait self_w = {ab, "bob", ""};
    CU_ASSERT(fake_pump_until(member_has_account, &self_w, 5000));
    /* account-tag: alice speaks, and the tag says the same. */
    CU_ASSERT(nc_client_send_input(alice, ab, "logged in and talking", NULL));
    CU_ASSERT(nc_test_wait_text(bb, "logged in and talking"));
    CU_ASSERT(member_has_account(&w));

    /* WHOIS 330, gathered for the card. */
    CU_ASSERT(nc_client_send_input(bob, bb, "/whois alice", NULL));
    CU_ASSERT_FATAL(fake_pump_until(whois_arrived, &whois, 5000));
    CU_ASSERT_STRING_EQUAL(nc_whois_get_nick(whois), "alice");
    CU_ASSERT_STRING_EQUAL(nc_whois_get_account(whois), "alice");
    CU_ASSERT(nc_whois_get_secure(whois));
    g_clear_object(&whois);
    CU_ASSERT(nc_client_send_input(alice, ab, "/whois bob", NULL));
    NcWhois *about_bob = NULL;
    g_signal_connect(alice, "whois", G_CALLBACK(on_whois), &about_bob);
    CU_ASSERT_FATAL(fake_pump_until(whois_arrived, &about_bob, 5000));
    CU_ASSERT(nc_whois_get_found(about_bob));
    CU_ASSERT_PTR_NULL(nc_whois_get_account(about_bob));
    g_clear_object(&about_bob);
    finish(alice);
    finish(bob);
}

static void test_rate_limited(void)
{
    /* A server of its own: the lock that this provokes covers the whole
     * address (127.0.0.1) for a minute. */
    NcTestServer limited;
    g_autofree char *extra = nc_test_store_config("limited");
    CU_ASSERT_FATAL(nc_test_server_start(&limited, "limited", 0, 0, extra));
    NcClient *c = nc_client_new("127.0.0.1", limited.tls_port, "mallory", "Test", NULL);
    nc_client_set_tls(c, TRUE);
    CU_ASSERT(nc_client_pin_certificate(c, limited.fingerprint, FALSE, NULL));
    nc_client_set_timing(c, 0, 0, 50, 200, 3000);
    nc_client_set_login(c, "nobody", "guess", NC_SASL_PLAIN);
    NcLoginProblem last = NC_LOGIN_OK;
    int tries = 0;
    for (; tries < 12 && last != NC_LOGIN_RATE_LIMITED; tries++) {
        nc_client_connect(c);
        CU_ASSERT_FATAL(nc_test_wait_state(c, NC_STATE_DISCONNECTED));
        last = nc_client_get_login_problem(c);
        CU_ASSERT(last == NC_LOGIN_REJECTED || last == NC_LOGIN_RATE_LIMITED);
    }
    printf("\n  locked after %d tries: %s\n", tries, nc_client_get_error(c));
    CU_ASSERT_EQUAL(last, NC_LOGIN_RATE_LIMITED);
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "locked"));
    finish(c);
    nc_test_server_stop(&limited);
}

static void test_hosted_chat_keeps_accounts(void)
{
    g_autofree char *data = g_strdup_printf("%s/data/natter", nc_test_tmpdir);
    for (int round = 0; round < 2; round++) {
        NcLocalServer *host = nc_local_server_new(nc_test_natterd, "127.0.0.1", 0);
        g_autoptr(GError) error = NULL;
        CU_ASSERT_FATAL(nc_local_server_use_tls(host, data, &error));
        CU_ASSERT_FATAL(nc_local_server_start(host, &error));
        for (int i = 0; i < 500 && !nc_local_server_get_port(host); i++)
            fake_pump(10);
        guint16 port = nc_local_server_get_port(host);
        CU_ASSERT_FATAL(port != 0);
        NcClient *c = nc_client_new("127.0.0.1", port, "host", "Host", NULL);
        CU_ASSERT(nc_client_pin_certificate(c, nc_local_server_get_fingerprint(host), FALSE, NULL));
        nc_client_set_timing(c, 0, 0, 50, 200, 3000);
        nc_client_set_login(c, "hostacct", "hosted password", NC_SASL_AUTO);
        /* Made in the first run; the second finds it in the store. */
        nc_client_set_create_account(c, round == 0);
        nc_client_connect(c);
        CU_ASSERT(nc_test_wait_state(c, NC_STATE_CONNECTED));
        if (nc_client_get_state(c) != NC_STATE_CONNECTED)
            printf("\n  hosted round %d: %s\n", round, nc_client_get_error(c));
        CU_ASSERT_STRING_EQUAL(nc_client_get_account(c), "hostacct");
        finish(c);
        nc_local_server_stop(host);
        g_object_unref(host);
    }
    g_autofree char *store = g_build_filename(data, "host-store", NULL);
    CU_ASSERT(g_file_test(store, G_FILE_TEST_IS_DIR));
}

static CU_TestInfo tests[] = {
    {"REGISTER, then SCRAM-SHA-256, PLAIN and auto logins", test_register_then_log_in},
    {"a wrong password stops the client, no retry", test_wrong_password},
    {"REGISTER of an existing name is refused in words", test_register_refused},
    {"others see the account (extended-join, tag, WHOIS)", test_others_see_the_account},
    {"the hosted chat keeps its accounts", test_hosted_chat_keeps_accounts},
    {"too many wrong passwords: locked, said so", test_rate_limited},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nc_test_natterd_main("gui-accounts", tests, &main_server, TRUE, NULL);
}

/* SPDX-License-Identifier: MIT */
/* The client core against a real IRC server, Debian's ngircd, started in
 * the foreground on 127.0.0.1 and a free port with a throwaway config:
 * registration (ngircd offers CAP multi-prefix but not server-time), a
 * nick taken by someone else, join, a message each way with a second
 * client (the suites' scripted IRC client, tests/natterd/irc-client.h),
 * nick changes (ours and the peer's), a part and a quit.  The core is
 * driven through the same calls the window makes.
 * ngircd (built with GnuTLS on Debian) also listens for TLS on a second
 * port with a self-signed certificate made by libnatter at test time:
 * the core refuses it with its fingerprint, then, trusting it, chats
 * over TLS (OpenSSL's client against GnuTLS's server).
 * Exits 77 (skipped) with the reason when ngircd is not installed;
 * NATTER_NGIRCD names another ngircd binary. */
#include "client.h"
#include "fake-server.h"
#include "helpers.h"
#include "irc-client.h"

#include <glib/gstdio.h>
#include <natter/error.h>
#include <natter/tls.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static guint16 port;
static guint16 tls_port;
static char *tls_fingerprint; /* NULL: ngircd runs without TLS */
static char *tmpdir;

/* ---- ngircd --------------------------------------------------------- */

static char *find_ngircd(void)
{
    const char *env = g_getenv("NATTER_NGIRCD");
    if (env && *env)
        return g_file_test(env, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup(env) : NULL;
    char *found = g_find_program_in_path("ngircd");
    if (found)
        return found;
    /* Debian installs it in sbin, which a user's PATH may lack. */
    const char *const dirs[] = {"/usr/sbin/ngircd", "/usr/local/sbin/ngircd", NULL};
    for (guint i = 0; dirs[i]; i++)
        if (g_file_test(dirs[i], G_FILE_TEST_IS_EXECUTABLE))
            return g_strdup(dirs[i]);
    return NULL;
}

/* A port free right now: bind to :0, read it, close. */
static guint16 free_port(void)
{
    nt_addr any, got;
    nt_socket *s = NULL;
    nt_addr_loopback(NT_AF_INET, 0, &any);
    g_assert_cmpint(nt_socket_create_server(&any, NT_BACKLOG_DEFAULT, &s), ==, NT_OK);
    nt_socket_getsockname(s, &got);
    nt_socket_close(s);
    return got.port;
}

/* A certificate and key for ngircd, readable by the user it drops to. */
static gboolean make_certificate(const char *dir, char **cert, char **key)
{
    *cert = g_build_filename(dir, "cert.pem", NULL);
    *key = g_build_filename(dir, "key.pem", NULL);
    char fp[NT_TLS_FINGERPRINT_LEN];
    if (nt_tls_make_self_signed("ngircd.test", 30, *cert, *key) != NT_OK ||
        nt_tls_fingerprint_file(*cert, fp) != NT_OK)
        return FALSE;
    g_chmod(*key, 0644); /* a throwaway key: ngircd may read it as nobody */
    tls_fingerprint = g_strdup(fp);
    return TRUE;
}

static char *write_config(const char *dir, guint16 listen_port, const char *cert, const char *key)
{
    g_autofree char *ssl = cert ? g_strdup_printf("[SSL]\n"
                                                  "\tCertFile = %s\n"
                                                  "\tKeyFile = %s\n"
                                                  "\tPorts = %u\n",
                                                  cert, key, tls_port)
                                : g_strdup("");
    char *path = g_build_filename(dir, "ngircd.conf", NULL);
    g_autofree char *include = g_build_filename(dir, "conf.d", NULL);
    g_mkdir(include, 0755);
    g_autofree char *text =
        g_strdup_printf("[Global]\n"
                        "\tName = ngircd.test\n"
                        "\tInfo = natter's test peer\n"
                        "\tListen = 127.0.0.1\n"
                        "\tPorts = %u\n"
                        "\tMotdPhrase = natter test server\n"
                        "\tAdminInfo1 = test\n\tAdminInfo2 = test\n\tAdminEMail = test@localhost\n"
                        "\tPidFile = %s/ngircd.pid\n"
                        "[Limits]\n"
                        "\tMaxPenaltyTime = 0\n"
                        "\tPingTimeout = 120\n\tPongTimeout = 60\n"
                        "[Options]\n"
                        "\tDNS = no\n\tIdent = no\n\tPAM = no\n"
                        "\tIncludeDir = %s\n"
                        "%s",
                        listen_port, dir, include, ssl);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static gboolean port_open(guint16 p)
{
    nt_socket *s = NULL;
    if (nt_socket_create_connection("127.0.0.1", p, 0.2, &s) != NT_OK)
        return FALSE;
    nt_socket_close(s);
    return TRUE;
}

static void dump_log(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "ngircd.log", NULL);
    g_autofree char *text = NULL;
    if (g_file_get_contents(path, &text, NULL, NULL))
        fprintf(stderr, "--- ngircd's log\n%s---\n", text);
}

/* ---- the peer: the scripted IRC client, turning the main context (where
 * the core lives) while it waits -------------------------------------- */

static void turn_main_context(void *data)
{
    (void)data;
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

/* Connected and registered, or NULL. */
static irc_client *peer_connect(const char *nick)
{
    nt_addr addr;
    nt_addr_loopback(NT_AF_INET, port, &addr);
    irc_client *peer = irc_connect(&addr, nick, 0);
    if (!peer)
        return NULL;
    irc_set_idle(peer, turn_main_context, NULL);
    if (!irc_register(peer, nick, NULL)) {
        irc_close(peer);
        return NULL;
    }
    return peer;
}

/* ---- waiting on the core -------------------------------------------- */

static gboolean wait_state(NcClient *c, NcClientState state)
{
    return fake_wait_state(c, state, 5000);
}

typedef struct {
    NcBuffer *buffer;
    const char *nick;
    gboolean present;
} MemberWait;

static gboolean member_is(gpointer data)
{
    MemberWait *w = data;
    return (nc_buffer_find_member(w->buffer, w->nick) != NULL) == w->present;
}

static gboolean wait_member(NcBuffer *b, const char *nick, gboolean present)
{
    MemberWait w = {b, nick, present};
    return fake_pump_until(member_is, &w, 5000);
}

typedef struct {
    NcBuffer *buffer;
    NcMessageKind kind;
    const char *text;
    NcMessage *found;
} MessageWait;

static gboolean message_is(gpointer data)
{
    MessageWait *w = data;
    GListModel *msgs = nc_buffer_get_messages(w->buffer);
    guint n = g_list_model_get_n_items(msgs);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(msgs, i);
        if (nc_message_get_kind(m) == w->kind && strstr(nc_message_get_text(m), w->text)) {
            w->found = m; /* the store keeps it alive */
            return TRUE;
        }
    }
    return FALSE;
}

/* The first message of kind whose text contains text, or NULL. */
static NcMessage *wait_message(NcBuffer *b, NcMessageKind kind, const char *text)
{
    MessageWait w = {b, kind, text, NULL};
    return fake_pump_until(message_is, &w, 5000) ? w.found : NULL;
}

static gboolean joined(gpointer data)
{
    return nc_buffer_get_joined(data);
}

static gboolean parted(gpointer data)
{
    return !nc_buffer_get_joined(data);
}

/* A line (of any command) that contains needle; irc_expect() prints what
 * it saw when none comes. */
static gboolean peer_expect(irc_client *peer, const char *needle)
{
    return irc_expect(peer, NULL, needle) != NULL;
}

/* ---- the test ------------------------------------------------------- */

static void test_ngircd_session(void)
{
    /* bob is on the server first and holds the nick we ask for. */
    irc_client *bob = peer_connect("bob");
    CU_ASSERT_FATAL(bob != NULL);
    irc_send(bob, "JOIN #natter");
    CU_ASSERT_FATAL(peer_expect(bob, " 366 bob #natter "));

    NcClient *c = nc_client_new("127.0.0.1", port, "bob", "Natter Test", NULL);
    nc_client_set_reconnect(c, FALSE);
    const char *autojoin[] = {"#natter", NULL};
    nc_client_set_autojoin(c, autojoin);
    nc_client_connect(c);
    CU_ASSERT_FATAL(wait_state(c, NC_STATE_CONNECTED));
    /* 433 during registration: the core took the next nick by itself. */
    CU_ASSERT_STRING_EQUAL(nc_client_get_nick(c), "bob_");
    CU_ASSERT(nc_client_has_cap(c, "multi-prefix"));
    CU_ASSERT_FALSE(nc_client_has_cap(c, "server-time"));
    CU_ASSERT_PTR_NULL(nc_client_get_error(c));

    /* Autojoin: the channel, its members from NAMES, bob's @ kept. */
    NcNetwork *net = nc_client_get_network(c);
    NcBuffer *b = NULL;
    for (int i = 0; i < 500 && !(b = nc_network_find_buffer(net, "#natter")); i++)
        fake_pump(10);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(fake_pump_until(joined, b, 5000));
    CU_ASSERT(wait_member(b, "bob_", TRUE));
    CU_ASSERT(wait_member(b, "bob", TRUE));
    NcMember *op = nc_buffer_find_member(b, "bob");
    if (op)
        CU_ASSERT_STRING_EQUAL(nc_member_get_prefixes(op), "@");
    CU_ASSERT(peer_expect(bob, "JOIN"));

    /* A message each way. */
    g_autoptr(GError) error = NULL;
    CU_ASSERT(nc_client_send_input(c, b, "hello from natter's core", &error));
    CU_ASSERT_PTR_NULL(error);
    CU_ASSERT(peer_expect(bob, "PRIVMSG #natter :hello from natter's core"));
    irc_send(bob, "PRIVMSG #natter :hi bob_, bob here");
    NcMessage *m = wait_message(b, NC_MSG_PRIVMSG, "bob here");
    CU_ASSERT_PTR_NOT_NULL(m);
    if (m) {
        CU_ASSERT_STRING_EQUAL(nc_message_get_sender(m), "bob");
        CU_ASSERT(nc_message_get_flags(m) & NC_MSG_FLAG_HIGHLIGHT);
    }
    CU_ASSERT(nc_client_send_input(c, b, "/me waves", NULL));
    CU_ASSERT(peer_expect(bob, "PRIVMSG #natter :\001ACTION waves\001"));

    /* Our nick change: the server confirms, the core follows. */
    CU_ASSERT(nc_client_send_input(c, b, "/nick natty", NULL));
    CU_ASSERT(peer_expect(bob, "NICK :natty"));
    CU_ASSERT(wait_member(b, "natty", TRUE));
    CU_ASSERT_STRING_EQUAL(nc_client_get_nick(c), "natty");
    CU_ASSERT_PTR_NULL(nc_buffer_find_member(b, "bob_"));
    /* The peer's nick change. */
    irc_send(bob, "NICK robert");
    CU_ASSERT(wait_member(b, "robert", TRUE));
    CU_ASSERT_PTR_NULL(nc_buffer_find_member(b, "bob"));
    CU_ASSERT_PTR_NOT_NULL(wait_message(b, NC_MSG_NICK, "robert"));

    /* A private message opens a query; the answer reaches the peer. */
    irc_send(bob, "PRIVMSG natty :psst");
    NcBuffer *q = NULL;
    for (int i = 0; i < 500 && !(q = nc_network_find_buffer(net, "robert")); i++)
        fake_pump(10);
    CU_ASSERT_FATAL(q != NULL);
    CU_ASSERT_EQUAL(nc_buffer_get_kind(q), NC_BUFFER_QUERY);
    CU_ASSERT(nc_client_send_input(c, q, "psst yourself", NULL));
    CU_ASSERT(peer_expect(bob, "PRIVMSG robert :psst yourself"));

    /* The peer parts and comes back; then we part. */
    irc_send(bob, "PART #natter :brb");
    CU_ASSERT(wait_member(b, "robert", FALSE));
    CU_ASSERT_PTR_NOT_NULL(wait_message(b, NC_MSG_PART, "robert"));
    irc_send(bob, "JOIN #natter");
    CU_ASSERT(wait_member(b, "robert", TRUE));
    CU_ASSERT(nc_client_send_input(c, b, "/part #natter", NULL));
    CU_ASSERT(peer_expect(bob, "PART #natter"));
    CU_ASSERT(fake_pump_until(parted, b, 5000));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_buffer_get_members(b)), 0);

    /* QUIT: the server closes, the core ends up disconnected, quietly. */
    nc_client_disconnect(c, "bye from the test");
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
    fake_pump(200);
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
    irc_send(bob, "WHOIS natty");
    CU_ASSERT(peer_expect(bob, " 401 robert natty "));
    g_object_unref(c);
    irc_close(bob);
}

static gboolean problem_seen(gpointer data)
{
    return nc_client_get_tls_problem(data) != NULL;
}

/* OpenSSL's client (libnatter) against GnuTLS's server (ngircd). */
static void test_ngircd_tls(void)
{
    if (!tls_fingerprint || !port_open(tls_port)) {
        nt_test_skip("ngircd does not listen for TLS (built without GnuTLS or OpenSSL?)");
        return;
    }
    /* Self-signed: refused, with the fingerprint ngircd's certificate has. */
    NcClient *c = nc_client_new("127.0.0.1", tls_port, "tlsuser", "Natter TLS Test", NULL);
    nc_client_set_tls(c, TRUE);
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_pump_until(problem_seen, c, 8000));
    const NcTlsProblem *p = nc_client_get_tls_problem(c);
    CU_ASSERT_STRING_EQUAL(p->fingerprint, tls_fingerprint);
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
    printf("\n  refused: %s (%s)\n", nt_err_name(p->code), p->detail);

    /* Trusted: a TLS session with the plain-text peer in the channel. */
    irc_client *bob = peer_connect("tlspeer");
    CU_ASSERT_FATAL(bob != NULL);
    irc_send(bob, "JOIN #tls");
    CU_ASSERT_FATAL(peer_expect(bob, " 366 tlspeer #tls "));
    const char *autojoin[] = {"#tls", NULL};
    nc_client_set_autojoin(c, autojoin);
    CU_ASSERT(nc_client_trust_certificate(c, NULL));
    CU_ASSERT_FATAL(wait_state(c, NC_STATE_CONNECTED));
    CU_ASSERT(nc_client_is_secure(c));
    printf("  over %s\n", nc_client_get_tls_summary(c));
    NcBuffer *b = NULL;
    for (int i = 0; i < 500 && !(b = nc_network_find_buffer(nc_client_get_network(c), "#tls")); i++)
        fake_pump(10);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(fake_pump_until(joined, b, 5000));
    CU_ASSERT(nc_client_send_input(c, b, "hello over GnuTLS", NULL));
    CU_ASSERT(peer_expect(bob, "PRIVMSG #tls :hello over GnuTLS"));
    irc_send(bob, "PRIVMSG #tls :plain answer");
    CU_ASSERT_PTR_NOT_NULL(wait_message(b, NC_MSG_PRIVMSG, "plain answer"));
    nc_client_disconnect(c, NULL);
    fake_pump(100);
    g_object_unref(c);
    irc_close(bob);
}

static CU_TestInfo tests[] = {
    {"a session on ngircd", test_ngircd_session},
    {"a TLS session on ngircd (GnuTLS)", test_ngircd_tls},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    g_autofree char *ngircd = find_ngircd();
    if (!ngircd) {
        printf("SKIP: ngircd is not installed (Debian: apt-get install ngircd; "
               "or set NATTER_NGIRCD)\n");
        return 77;
    }
    tmpdir = g_dir_make_tmp("natter-ngircd-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    /* ngircd started as root drops to nobody; let it read its config. */
    g_chmod(tmpdir, 0755);
    port = free_port();
    tls_port = free_port();
    g_autofree char *cert = NULL, *key = NULL;
    if (!make_certificate(tmpdir, &cert, &key))
        g_clear_pointer(&cert, g_free);
    g_autofree char *conf = write_config(tmpdir, port, cert, key);
    g_autofree char *logpath = g_build_filename(tmpdir, "ngircd.log", NULL);

    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
    g_subprocess_launcher_set_stdout_file_path(launcher, logpath);
    g_subprocess_launcher_take_stderr_fd(launcher, -1);
    g_subprocess_launcher_set_flags(launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocess) server =
        g_subprocess_launcher_spawn(launcher, &error, ngircd, "--nodaemon", "--config", conf, NULL);
    if (!server) {
        printf("SKIP: cannot start %s: %s\n", ngircd, error->message);
        return 77;
    }
    gboolean up = FALSE;
    for (int i = 0; i < 100 && !up; i++) {
        up = port_open(port);
        if (!up)
            g_usleep(50000);
    }
    int rc;
    if (!up) {
        dump_log();
        printf("FAIL: ngircd did not listen on 127.0.0.1:%u\n", port);
        rc = 1;
    } else {
        printf("ngircd %s on 127.0.0.1:%u\n", ngircd, port);
        rc = nt_test_main("gui-ngircd", tests);
        if (rc != 0)
            dump_log();
    }
    g_subprocess_send_signal(server, SIGTERM);
    g_subprocess_wait(server, NULL, NULL);
    const char *const files[] = {"ngircd.conf", "ngircd.log", "ngircd.pid", "conf.d",
                                 "cert.pem",    "key.pem",    NULL};
    for (guint i = 0; files[i]; i++) {
        g_autofree char *f = g_build_filename(tmpdir, files[i], NULL);
        g_remove(f);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
    g_free(tls_fingerprint);
    return rc;
}

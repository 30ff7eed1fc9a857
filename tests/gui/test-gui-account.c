/* SPDX-License-Identifier: MIT */
/* Accounts in the client core: SCRAM-SHA-256 against RFC 7677's test
 * vector and its failure cases, the AUTHENTICATE framing (400-byte
 * pieces, "+" after a full one), choosing a mechanism; then the state
 * machine against a scripted server on a real loopback socket: PLAIN,
 * SCRAM (the script checks the proof and signs back with its own
 * SCRAM code), a forged server signature, a wrong password, an account
 * locked by rate limiting, a mechanism not offered, a server without
 * SASL, falling back after 908, a response cut into pieces; creating an
 * account with REGISTER and its refusals; and other users' accounts
 * (extended-join, account-notify, account-tag, WHOIS 330) on the members
 * and in the WHOIS card's NcWhois. */
#include "client.h"
#include "fake-server.h"
#include "helpers.h"
#include "sasl.h"
#include "scram.h"
#include "whois.h"

#include <string.h>

/* ---- SCRAM, framing, choice ----------------------------------------- */

/* RFC 7677 section 3: user "user", password "pencil". */
#define RFC_NONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC_CLIENT_FIRST "n,,n=user,r=" RFC_NONCE
#define RFC_SERVER_FIRST \
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_CLIENT_FINAL                                           \
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static void test_scram_rfc7677(void)
{
    g_autoptr(NcScram) s = nc_scram_new("user", "pencil", RFC_NONCE);
    CU_ASSERT_STRING_EQUAL(nc_scram_client_first(s), RFC_CLIENT_FIRST);
    g_autoptr(GError) error = NULL;
    g_autofree char *final = nc_scram_client_final(s, RFC_SERVER_FIRST, &error);
    CU_ASSERT_PTR_NULL(error);
    CU_ASSERT_STRING_EQUAL(final, RFC_CLIENT_FINAL);
    CU_ASSERT_EQUAL(nc_scram_get_iterations(s), 4096);
    CU_ASSERT(nc_scram_verify_server_final(s, RFC_SERVER_FINAL, &error));
    CU_ASSERT_PTR_NULL(error);

    /* One character off in the server's signature: refused. */
    g_autoptr(NcScram) forged = nc_scram_new("user", "pencil", RFC_NONCE);
    g_autofree char *f2 = nc_scram_client_final(forged, RFC_SERVER_FIRST, NULL);
    CU_ASSERT_FALSE(nc_scram_verify_server_final(
        forged, "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &error));
    CU_ASSERT(g_error_matches(error, NC_SCRAM_ERROR, NC_SCRAM_ERROR_SIGNATURE));
    g_clear_error(&error);
    /* A server's e= is its error, not a signature. */
    CU_ASSERT_FALSE(nc_scram_verify_server_final(forged, "e=invalid-proof", &error));
    CU_ASSERT(g_error_matches(error, NC_SCRAM_ERROR, NC_SCRAM_ERROR_SERVER));
    g_clear_error(&error);
    /* No v= at all, or a verdict before the keys exist. */
    CU_ASSERT_FALSE(nc_scram_verify_server_final(forged, "x=1", &error));
    g_clear_error(&error);
    g_autoptr(NcScram) early = nc_scram_new("user", "pencil", RFC_NONCE);
    CU_ASSERT_FALSE(nc_scram_verify_server_final(early, RFC_SERVER_FINAL, &error));
    g_clear_error(&error);
}

static void test_scram_refusals(void)
{
    struct {
        const char *server_first;
        NcScramError code;
    } bad[] = {
        /* a nonce that does not extend ours */
        {"r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NC_SCRAM_ERROR_NONCE},
        /* our nonce alone: the server added nothing */
        {"r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NC_SCRAM_ERROR_NONCE},
        /* too few iterations (a downgrade), too many (a stall) */
        {"r=" RFC_NONCE "xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1024", NC_SCRAM_ERROR_ITERATIONS},
        {"r=" RFC_NONCE "xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999", NC_SCRAM_ERROR_ITERATIONS},
        {"r=" RFC_NONCE "xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=abc", NC_SCRAM_ERROR_PROTOCOL},
        /* a mandatory extension we do not know, missing parts, bad salt */
        {"m=ext,r=" RFC_NONCE "xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", NC_SCRAM_ERROR_PROTOCOL},
        {"r=" RFC_NONCE "xyz,i=4096", NC_SCRAM_ERROR_PROTOCOL},
        {"r=" RFC_NONCE "xyz,s=!!!!,i=4096", NC_SCRAM_ERROR_PROTOCOL},
        {"e=unknown-user", NC_SCRAM_ERROR_SERVER},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(NcScram) s = nc_scram_new("user", "pencil", RFC_NONCE);
        g_autoptr(GError) error = NULL;
        g_autofree char *final = nc_scram_client_final(s, bad[i].server_first, &error);
        CU_ASSERT_PTR_NULL(final);
        if (!g_error_matches(error, NC_SCRAM_ERROR, (gint)bad[i].code))
            printf("\n  %s: got %s\n", bad[i].server_first, error ? error->message : "no error");
        CU_ASSERT(g_error_matches(error, NC_SCRAM_ERROR, (gint)bad[i].code));
    }
    /* ',' and '=' in a name are escaped; a fresh nonce is 32 characters
     * of base64 from the CSPRNG, different each time. */
    g_autoptr(NcScram) odd = nc_scram_new("a,b=c", "pw", "n");
    CU_ASSERT_STRING_EQUAL(nc_scram_client_first(odd), "n,,n=a=2Cb=3Dc,r=n");
    g_autoptr(NcScram) r1 = nc_scram_new("u", "p", NULL);
    g_autoptr(NcScram) r2 = nc_scram_new("u", "p", NULL);
    const char *n1 = strstr(nc_scram_client_first(r1), ",r=") + 3;
    const char *n2 = strstr(nc_scram_client_first(r2), ",r=") + 3;
    CU_ASSERT_EQUAL(strlen(n1), 32);
    CU_ASSERT_STRING_NOT_EQUAL(n1, n2);
}

static void test_sasl_framing(void)
{
    /* Empty: "+" alone. */
    g_auto(GStrv) empty = nc_sasl_encode(NULL, 0);
    CU_ASSERT_EQUAL(g_strv_length(empty), 1);
    CU_ASSERT_STRING_EQUAL(empty[0], "+");
    /* 300 bytes are exactly 400 of base64: the piece, then "+". */
    guint8 data[700];
    for (gsize i = 0; i < sizeof data; i++)
        data[i] = (guint8)(i * 7);
    g_auto(GStrv) exact = nc_sasl_encode(data, 300);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(exact), 2);
    CU_ASSERT_EQUAL(strlen(exact[0]), 400);
    CU_ASSERT_STRING_EQUAL(exact[1], "+");
    /* 700 bytes: 400 + 400 + 136, no "+". */
    g_auto(GStrv) three = nc_sasl_encode(data, 700);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(three), 3);
    CU_ASSERT_EQUAL(strlen(three[0]), 400);
    CU_ASSERT_EQUAL(strlen(three[1]), 400);
    CU_ASSERT_EQUAL(strlen(three[2]), 136);
    /* Small: one short piece. */
    g_auto(GStrv) small = nc_sasl_encode("abc", 3);
    CU_ASSERT_EQUAL(g_strv_length(small), 1);
    CU_ASSERT_STRING_EQUAL(small[0], "YWJj");

    /* Reading back what was cut. */
    GString *acc = g_string_new(NULL);
    GBytes *out = NULL;
    CU_ASSERT_EQUAL(nc_sasl_decode(acc, three[0], &out), 0);
    CU_ASSERT_EQUAL(nc_sasl_decode(acc, three[1], &out), 0);
    CU_ASSERT_EQUAL(nc_sasl_decode(acc, three[2], &out), 1);
    CU_ASSERT_FATAL(out != NULL);
    gsize n = 0;
    const guint8 *got = g_bytes_get_data(out, &n);
    CU_ASSERT_EQUAL(n, 700);
    CU_ASSERT(got && memcmp(got, data, 700) == 0);
    g_clear_pointer(&out, g_bytes_unref);
    CU_ASSERT_EQUAL(nc_sasl_decode(acc, exact[0], &out), 0);
    CU_ASSERT_EQUAL(nc_sasl_decode(acc, exact[1], &out), 1);
    CU_ASSERT_EQUAL(g_bytes_get_size(out), 300);
    g_clear_pointer(&out, g_bytes_unref);
    CU_ASSERT_EQUAL(nc_sasl_decode(acc, "+", &out), 1);
    CU_ASSERT_EQUAL(g_bytes_get_size(out), 0);
    g_clear_pointer(&out, g_bytes_unref);
    CU_ASSERT_EQUAL(nc_sasl_decode(acc, "not base64!", &out), -1);
    CU_ASSERT_EQUAL(acc->len, 0);
    g_string_free(acc, TRUE);

    gsize len = 0;
    g_autofree guint8 *plain = nc_sasl_plain_message("acct", "pw", &len);
    CU_ASSERT_EQUAL(len, 8);
    CU_ASSERT(memcmp(plain, "\0acct\0pw", 8) == 0);
}

static void test_sasl_choice(void)
{
    const char *all = "PLAIN,SCRAM-SHA-256,EXTERNAL";
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_AUTO, all, FALSE), NC_SASL_SCRAM_SHA_256);
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_AUTO, "PLAIN", FALSE), NC_SASL_PLAIN);
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_AUTO, "EXTERNAL", FALSE), NC_SASL_NONE);
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_AUTO, all, TRUE), NC_SASL_EXTERNAL);
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_AUTO, "PLAIN", TRUE), NC_SASL_NONE);
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_PLAIN, all, FALSE), NC_SASL_PLAIN);
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_SCRAM_SHA_256, "PLAIN", FALSE), NC_SASL_NONE);
    /* Not said (CAP LS 301, or a bare "sasl"): try, the server will tell. */
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_AUTO, NULL, FALSE), NC_SASL_SCRAM_SHA_256);
    CU_ASSERT_EQUAL(nc_sasl_choose(NC_SASL_EXTERNAL, NULL, FALSE), NC_SASL_EXTERNAL);
    CU_ASSERT(nc_sasl_offers("plain, scram-sha-256", NC_SASL_SCRAM_SHA_256));
    CU_ASSERT_EQUAL(nc_sasl_mechanism_from_name("scram-sha-256"), NC_SASL_SCRAM_SHA_256);
    CU_ASSERT_EQUAL(nc_sasl_mechanism_from_name("auto"), NC_SASL_AUTO);
    CU_ASSERT_EQUAL(nc_sasl_mechanism_from_name("DIGEST-MD5"), NC_SASL_NONE);
}

/* ---- the state machine against a scripted server --------------------- */

static FakeServer fake;

static NcClient *new_client(const char *nick)
{
    NcClient *c = nc_client_new("127.0.0.1", fake.addr.port, nick, "Test User", NULL);
    /* Quick reconnects: a client that wrongly retried would show it. */
    nc_client_set_timing(c, 2000, 6000, 50, 200, 2000);
    return c;
}

static gboolean wait_state(NcClient *c, NcClientState state)
{
    return fake_wait_state(c, state, 4000);
}

static char *expect_line(const char *prefix)
{
    char *line = fake_expect(&fake, prefix, 4000);
    if (!line)
        fprintf(stderr, "\n  no line starting with \"%s\"\n", prefix);
    return line;
}

static gboolean expect(const char *prefix)
{
    g_autofree char *line = expect_line(prefix);
    return line != NULL;
}

/* Accept, see CAP LS/NICK/USER, offer caps, and check what is asked. */
static gboolean negotiate(const char *offer, gboolean want_sasl)
{
    if (!fake_accept(&fake, 3000) || !expect("CAP LS 302") || !expect("NICK ") || !expect("USER "))
        return FALSE;
    fake_send(&fake, ":srv CAP * LS :%s", offer);
    g_autofree char *req = expect_line("CAP REQ");
    if (!req)
        return FALSE;
    gboolean has_sasl = strstr(req, "sasl") != NULL;
    if (has_sasl != want_sasl) {
        fprintf(stderr, "\n  unexpected request: %s\n", req);
        return FALSE;
    }
    fake_send(&fake, ":srv CAP * ACK :%s", strstr(req, ":") + 1);
    return TRUE;
}

/* The AUTHENTICATE arguments of one response, put back together. */
static GBytes *read_response(void)
{
    GString *acc = g_string_new(NULL);
    GBytes *out = NULL;
    for (;;) {
        g_autofree char *line = expect_line("AUTHENTICATE ");
        if (!line || nc_sasl_decode(acc, line + strlen("AUTHENTICATE "), &out) != 0)
            break;
    }
    g_string_free(acc, TRUE);
    return out;
}

static char *read_text_response(void)
{
    g_autoptr(GBytes) b = read_response();
    if (!b)
        return NULL;
    gsize n = 0;
    const char *d = g_bytes_get_data(b, &n);
    return g_strndup(d ? d : "", n);
}

static void send_challenge(const char *text)
{
    g_auto(GStrv) chunks = nc_sasl_encode(text, strlen(text));
    for (guint i = 0; chunks[i]; i++)
        fake_send(&fake, "AUTHENTICATE %s", chunks[i]);
}

static void finish_registration(const char *nick, const char *account)
{
    if (account) {
        fake_send(&fake, ":srv 900 %s %s!u@h %s :You are now logged in as %s", nick, nick, account,
                  account);
        fake_send(&fake, ":srv 903 %s :SASL authentication successful", nick);
    }
}

/* Logged in and registered: CAP END, then 001. */
static gboolean welcome(NcClient *c, const char *nick)
{
    if (!expect("CAP END"))
        return FALSE;
    fake_send(&fake, ":srv 001 %s :Welcome", nick);
    return wait_state(c, NC_STATE_CONNECTED);
}

/* After a refusal: stopped, said why, not reconnecting, QUIT sent. */
static void assert_stopped(NcClient *c, NcLoginProblem problem, const char *words)
{
    CU_ASSERT(wait_state(c, NC_STATE_DISCONNECTED));
    CU_ASSERT_EQUAL(nc_client_get_login_problem(c), problem);
    const char *error = nc_client_get_error(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    if (!strstr(error, words))
        printf("\n  error: %s (wanted \"%s\")\n", error, words);
    CU_ASSERT_PTR_NOT_NULL(strstr(error, words));
    CU_ASSERT_PTR_NULL(nc_client_get_account(c));
    /* Several reconnect delays (50-200 ms) pass: no new connection. */
    CU_ASSERT_FALSE(fake_accept(&fake, 600));
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
}

static void test_login_plain(void)
{
    fake_start(&fake);
    NcClient *c = new_client("alice");
    nc_client_set_login(c, "alice-acct", "hunter2", NC_SASL_PLAIN);
    nc_client_connect(c);
    CU_ASSERT_FATAL(negotiate("server-time sasl=PLAIN,SCRAM-SHA-256 multi-prefix", TRUE));
    CU_ASSERT(expect("AUTHENTICATE PLAIN"));
    fake_send(&fake, "AUTHENTICATE +");
    g_autoptr(GBytes) plain = read_response();
    CU_ASSERT_FATAL(plain != NULL);
    gsize n = 0;
    const guint8 *d = g_bytes_get_data(plain, &n);
    CU_ASSERT_EQUAL(n, 19);
    CU_ASSERT(d && memcmp(d, "\0alice-acct\0hunter2", 19) == 0);
    finish_registration("alice", "alice-acct");
    CU_ASSERT(welcome(c, "alice"));
    CU_ASSERT_STRING_EQUAL(nc_client_get_account(c), "alice-acct");
    CU_ASSERT_EQUAL(nc_client_get_login_problem(c), NC_LOGIN_OK);
    nc_client_disconnect(c, NULL);
    g_object_unref(c);
    fake_stop(&fake);
}

/* The server side of SCRAM-SHA-256, written apart from scram.c. */
static void t_hmac(const guint8 *key, gsize klen, const void *data, gsize len, guint8 out[32])
{
    GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, klen);
    g_hmac_update(h, data, (gssize)len);
    gsize n = 32;
    g_hmac_get_digest(h, out, &n);
    g_hmac_unref(h);
}

static void t_salted(const char *pw, const guint8 *salt, gsize slen, guint iter, guint8 out[32])
{
    guint8 u[32], block[64];
    memcpy(block, salt, slen);
    memcpy(block + slen, "\0\0\0\1", 4);
    t_hmac((const guint8 *)pw, strlen(pw), block, slen + 4, u);
    memcpy(out, u, 32);
    for (guint i = 1; i < iter; i++) {
        t_hmac((const guint8 *)pw, strlen(pw), u, 32, u);
        for (int j = 0; j < 32; j++)
            out[j] ^= u[j];
    }
}

typedef struct {
    const char *password; /* what the server's account has */
    gboolean forge;       /* sign with the wrong key */
    gboolean skip_final;  /* say 903 without a server-final */
} ScramServer;

/* Play the server's part; TRUE when the client's proof was right. */
static gboolean scram_server(const ScramServer *srv, const char *user)
{
    g_autofree char *first = read_text_response();
    if (!first || !g_str_has_prefix(first, "n,,n="))
        return FALSE;
    const char *bare = first + 3;
    g_autofree char *want_name = g_strdup_printf("n=%s,", user);
    if (!g_str_has_prefix(bare, want_name))
        return FALSE;
    const char *cnonce = strstr(bare, ",r=") + 3;
    static const guint8 salt[] = "natter-salt-16by";
    g_autofree char *salt64 = g_base64_encode(salt, 16);
    g_autofree char *server_first = g_strdup_printf("r=%sSERVERnonce,s=%s,i=4096", cnonce, salt64);
    send_challenge(server_first);
    g_autofree char *final = read_text_response();
    if (!final)
        return FALSE;
    const char *p = strstr(final, ",p=");
    if (!p)
        return FALSE;
    g_autofree char *without_proof = g_strndup(final, (gsize)(p - final));
    g_autofree char *expected_prefix = g_strdup_printf("c=biws,r=%sSERVERnonce", cnonce);
    if (strcmp(without_proof, expected_prefix) != 0)
        return FALSE;
    g_autofree char *auth = g_strdup_printf("%s,%s,%s", bare, server_first, without_proof);
    guint8 salted[32], client_key[32], stored[32], sig[32], server_key[32], server_sig[32];
    t_salted(srv->password, salt, 16, 4096, salted);
    t_hmac(salted, 32, "Client Key", 10, client_key);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(ck, client_key, 32);
    gsize n = 32;
    g_checksum_get_digest(ck, stored, &n);
    g_checksum_free(ck);
    t_hmac(stored, 32, auth, strlen(auth), sig);
    gsize plen = 0;
    g_autofree guint8 *proof = g_base64_decode(p + 3, &plen);
    gboolean right = plen == 32;
    for (gsize i = 0; right && i < 32; i++)
        right = (guint8)(proof[i] ^ sig[i]) == client_key[i];
    if (!right)
        return FALSE;
    if (srv->skip_final)
        return TRUE;
    t_hmac(salted, 32, srv->forge ? "Forged Key" : "Server Key", 10, server_key);
    t_hmac(server_key, 32, auth, strlen(auth), server_sig);
    g_autofree char *sig64 = g_base64_encode(server_sig, 32);
    g_autofree char *server_final = g_strdup_printf("v=%s", sig64);
    send_challenge(server_final);
    return TRUE;
}

static void test_login_scram(void)
{
    fake_start(&fake);
    NcClient *c = new_client("bob");
    nc_client_set_login(c, "bob", "correct horse", NC_SASL_AUTO);
    nc_client_connect(c);
    /* Auto picks SCRAM over PLAIN when both are there. */
    CU_ASSERT_FATAL(negotiate("sasl=PLAIN,SCRAM-SHA-256,EXTERNAL server-time", TRUE));
    CU_ASSERT(expect("AUTHENTICATE SCRAM-SHA-256"));
    fake_send(&fake, "AUTHENTICATE +");
    ScramServer srv = {"correct horse", FALSE, FALSE};
    CU_ASSERT_FATAL(scram_server(&srv, "bob"));
    /* The signature checked out: the client's empty last word. */
    CU_ASSERT(expect("AUTHENTICATE +"));
    finish_registration("bob", "bob");
    CU_ASSERT(welcome(c, "bob"));
    CU_ASSERT_STRING_EQUAL(nc_client_get_account(c), "bob");
    nc_client_disconnect(c, NULL);
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_scram_forged_server(void)
{
    fake_start(&fake);
    for (int skip = 0; skip < 2; skip++) {
        NcClient *c = new_client("bob");
        nc_client_set_login(c, "bob", "correct horse", NC_SASL_SCRAM_SHA_256);
        nc_client_connect(c);
        CU_ASSERT_FATAL(negotiate("sasl=SCRAM-SHA-256", TRUE));
        CU_ASSERT(expect("AUTHENTICATE SCRAM-SHA-256"));
        fake_send(&fake, "AUTHENTICATE +");
        /* An impostor that took the proof but cannot sign, or claims
         * success without signing at all. */
        ScramServer srv = {"correct horse", !skip, skip};
        CU_ASSERT_FATAL(scram_server(&srv, "bob"));
        if (!skip) {
            CU_ASSERT(expect("AUTHENTICATE *"));
        } else {
            finish_registration("bob", "bob");
        }
        CU_ASSERT(expect("QUIT"));
        assert_stopped(c, NC_LOGIN_SERVER_UNPROVEN, "prove");
        g_object_unref(c);
    }
    fake_stop(&fake);
}

static void test_wrong_password(void)
{
    fake_start(&fake);
    NcClient *c = new_client("carol");
    nc_client_set_login(c, "carol", "wrong", NC_SASL_AUTO);
    nc_client_connect(c);
    CU_ASSERT_FATAL(negotiate("sasl=PLAIN,SCRAM-SHA-256", TRUE));
    CU_ASSERT(expect("AUTHENTICATE SCRAM-SHA-256"));
    fake_send(&fake, "AUTHENTICATE +");
    ScramServer srv = {"the real one", FALSE, FALSE};
    CU_ASSERT_FALSE(scram_server(&srv, "carol")); /* the proof is wrong */
    fake_send(&fake, ":srv 904 carol :SASL authentication failed");
    CU_ASSERT(expect("QUIT"));
    assert_stopped(c, NC_LOGIN_REJECTED, "wrong account name or password");
    /* The server tab says it, with what to do. */
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    GListModel *msgs = nc_buffer_get_messages(server);
    g_autoptr(NcMessage) last = g_list_model_get_item(msgs, g_list_model_get_n_items(msgs) - 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_message_get_text(last), "will not retry"));
    CU_ASSERT_EQUAL(nc_message_get_kind(last), NC_MSG_ERROR);
    CU_ASSERT_EQUAL(nc_client_get_attempts(c), 1);
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_rate_limited(void)
{
    fake_start(&fake);
    NcClient *c = new_client("dave");
    nc_client_set_login(c, "dave", "guess", NC_SASL_PLAIN);
    nc_client_connect(c);
    CU_ASSERT_FATAL(negotiate("sasl=PLAIN,SCRAM-SHA-256", TRUE));
    CU_ASSERT(expect("AUTHENTICATE PLAIN"));
    fake_send(&fake, "AUTHENTICATE +");
    g_autoptr(GBytes) plain = read_response();
    fake_send(&fake, ":srv FAIL AUTHENTICATE RATE_LIMITED :Too many failed logins, wait 60 s");
    fake_send(&fake, ":srv 904 dave :SASL authentication failed");
    assert_stopped(c, NC_LOGIN_RATE_LIMITED, "locked");
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    GListModel *msgs = nc_buffer_get_messages(server);
    g_autoptr(NcMessage) last = g_list_model_get_item(msgs, g_list_model_get_n_items(msgs) - 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_message_get_text(last), "wait 60 s"));
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_mechanism_and_no_sasl(void)
{
    fake_start(&fake);
    /* Asked for SCRAM; the server lists PLAIN only: no REQ at all. */
    NcClient *c = new_client("erin");
    nc_client_set_login(c, "erin", "pw", NC_SASL_SCRAM_SHA_256);
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("CAP LS 302"));
    fake_send(&fake, ":srv CAP * LS :sasl=PLAIN server-time");
    CU_ASSERT(expect("QUIT"));
    assert_stopped(c, NC_LOGIN_MECHANISM, "SCRAM-SHA-256");
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "PLAIN"));
    g_object_unref(c);

    /* No SASL at all. */
    c = new_client("erin");
    nc_client_set_login(c, "erin", "pw", NC_SASL_AUTO);
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("CAP LS 302"));
    fake_send(&fake, ":srv CAP * LS :server-time multi-prefix");
    assert_stopped(c, NC_LOGIN_NO_SASL, "SASL");
    g_object_unref(c);

    /* A server without CAP registers us at once: no guest session. */
    c = new_client("erin");
    nc_client_set_login(c, "erin", "pw", NC_SASL_AUTO);
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("USER "));
    fake_send(&fake, ":srv 001 erin :Welcome");
    CU_ASSERT(expect("QUIT"));
    assert_stopped(c, NC_LOGIN_NO_SASL, "SASL");
    g_object_unref(c);

    /* A bare "sasl": SCRAM is tried, 908 lists PLAIN, 904: auto falls
     * back to PLAIN on the same connection. */
    c = new_client("erin");
    nc_client_set_login(c, "erin", "pw", NC_SASL_AUTO);
    nc_client_connect(c);
    CU_ASSERT_FATAL(negotiate("sasl server-time", TRUE));
    CU_ASSERT(expect("AUTHENTICATE SCRAM-SHA-256"));
    fake_send(&fake, ":srv 908 erin PLAIN :are available SASL mechanisms");
    fake_send(&fake, ":srv 904 erin :SASL authentication failed");
    CU_ASSERT(expect("AUTHENTICATE PLAIN"));
    fake_send(&fake, "AUTHENTICATE +");
    g_autoptr(GBytes) plain = read_response();
    CU_ASSERT_PTR_NOT_NULL(plain);
    finish_registration("erin", "erin");
    CU_ASSERT(welcome(c, "erin"));
    nc_client_disconnect(c, NULL);
    g_object_unref(c);

    /* Chosen PLAIN, a bare "sasl", and 908 says SCRAM only: mechanism. */
    c = new_client("erin");
    nc_client_set_login(c, "erin", "pw", NC_SASL_PLAIN);
    nc_client_connect(c);
    CU_ASSERT_FATAL(negotiate("sasl", TRUE));
    CU_ASSERT(expect("AUTHENTICATE PLAIN"));
    fake_send(&fake, ":srv 908 erin SCRAM-SHA-256 :are available SASL mechanisms");
    fake_send(&fake, ":srv 904 erin :SASL authentication failed");
    assert_stopped(c, NC_LOGIN_MECHANISM, "PLAIN");
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_long_response_pieces(void)
{
    fake_start(&fake);
    /* PLAIN of 1 + 10 + 1 + 288 = 300 bytes: exactly 400 of base64,
     * so a "+" must follow the piece. */
    char password[289];
    memset(password, 'p', 288);
    password[288] = '\0';
    NcClient *c = new_client("frank");
    nc_client_set_login(c, "frank-acct", password, NC_SASL_PLAIN);
    nc_client_connect(c);
    CU_ASSERT_FATAL(negotiate("sasl=PLAIN", TRUE));
    CU_ASSERT(expect("AUTHENTICATE PLAIN"));
    fake_send(&fake, "AUTHENTICATE +");
    g_autofree char *first = expect_line("AUTHENTICATE ");
    CU_ASSERT_FATAL(first != NULL);
    CU_ASSERT_EQUAL(strlen(first), strlen("AUTHENTICATE ") + 400);
    CU_ASSERT(expect("AUTHENTICATE +"));
    finish_registration("frank", "frank-acct");
    CU_ASSERT(welcome(c, "frank"));
    nc_client_disconnect(c, NULL);
    g_object_unref(c);
    fake_stop(&fake);
}

static void on_created(NcClient *c, const char *account, gpointer data)
{
    g_free(*(char **)data);
    *(char **)data = g_strdup(account);
}

static void test_create_account(void)
{
    fake_start(&fake);
    NcClient *c = new_client("gina");
    nc_client_set_login(c, "gina-acct", "a long passphrase", NC_SASL_AUTO);
    nc_client_set_create_account(c, TRUE);
    char *created = NULL;
    g_signal_connect(c, "account-created", G_CALLBACK(on_created), &created);
    nc_client_connect(c);
    /* No sasl asked: this connect creates, it does not log in. */
    CU_ASSERT_FATAL(negotiate("sasl=PLAIN,SCRAM-SHA-256 draft/account-registration=before-connect,"
                              "custom-account-name server-time",
                              FALSE));
    CU_ASSERT(expect("REGISTER gina-acct * :a long passphrase"));
    fake_send(&fake, ":srv REGISTER SUCCESS gina-acct :Account created");
    fake_send(&fake, ":srv 900 gina gina!u@h gina-acct :You are now logged in as gina-acct");
    CU_ASSERT(welcome(c, "gina"));
    CU_ASSERT_STRING_EQUAL(nc_client_get_account(c), "gina-acct");
    CU_ASSERT_STRING_EQUAL(created, "gina-acct");
    CU_ASSERT_FALSE(nc_client_get_create_account(c));
    nc_client_disconnect(c, NULL);
    /* The next connect logs in to it. */
    nc_client_connect(c);
    CU_ASSERT_FATAL(
        negotiate("sasl=PLAIN,SCRAM-SHA-256 draft/account-registration=before-connect", TRUE));
    CU_ASSERT(expect("AUTHENTICATE SCRAM-SHA-256"));
    nc_client_disconnect(c, NULL);
    g_object_unref(c);
    g_free(created);

    /* Refusals say which: the name is taken, the password weak. */
    struct {
        const char *fail;
        const char *words;
    } refusals[] = {
        {"FAIL REGISTER ACCOUNT_EXISTS gina-acct :Account already exists", "already taken"},
        {"FAIL REGISTER WEAK_PASSWORD gina-acct :Password too short", "Password too short"},
        {"FAIL REGISTER BAD_ACCOUNT_NAME gina-acct :Invalid account name", "cannot be an account"},
        {"FAIL REGISTER DISABLED gina-acct :Registration is closed", "Registration is closed"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(refusals); i++) {
        c = new_client("gina");
        nc_client_set_login(c, "gina-acct", "pw", NC_SASL_AUTO);
        nc_client_set_create_account(c, TRUE);
        nc_client_connect(c);
        CU_ASSERT_FATAL(negotiate("draft/account-registration=before-connect,custom-account-name "
                                  "server-time",
                                  FALSE));
        CU_ASSERT(expect("REGISTER gina-acct * :pw"));
        fake_send(&fake, ":srv %s", refusals[i].fail);
        assert_stopped(c, NC_LOGIN_CREATE_FAILED, refusals[i].words);
        CU_ASSERT(nc_client_get_create_account(c)); /* still to do */
        g_object_unref(c);
    }

    /* A server that cannot create accounts. */
    c = new_client("gina");
    nc_client_set_login(c, "gina-acct", "pw", NC_SASL_AUTO);
    nc_client_set_create_account(c, TRUE);
    nc_client_connect(c);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("CAP LS 302"));
    fake_send(&fake, ":srv CAP * LS :sasl=PLAIN server-time");
    assert_stopped(c, NC_LOGIN_CREATE_UNSUPPORTED, "cannot create accounts");
    g_object_unref(c);

    /* Registration after connecting, when before-connect is absent. */
    c = new_client("gina");
    nc_client_set_login(c, "gina", "pw", NC_SASL_AUTO);
    nc_client_set_create_account(c, TRUE);
    nc_client_connect(c);
    CU_ASSERT_FATAL(negotiate("draft/account-registration server-time", FALSE));
    CU_ASSERT(expect("CAP END"));
    fake_send(&fake, ":srv 001 gina :Welcome");
    CU_ASSERT(expect("REGISTER * * :pw"));
    fake_send(&fake, ":srv REGISTER SUCCESS gina :Account created");
    fake_send(&fake, ":srv 900 gina gina!u@h gina :You are now logged in as gina");
    CU_ASSERT(wait_state(c, NC_STATE_CONNECTED));
    fake_pump(100);
    CU_ASSERT_STRING_EQUAL(nc_client_get_account(c), "gina");
    nc_client_disconnect(c, NULL);
    g_object_unref(c);
    fake_stop(&fake);
}

static void on_whois(NcClient *c, NcWhois *w, gpointer data)
{
    g_set_object((NcWhois **)data, w);
}

static const char *member_account(NcBuffer *b, const char *nick)
{
    NcMember *m = nc_buffer_find_member(b, nick);
    return m ? nc_member_get_account(m) : "(no member)";
}

static void test_others_accounts(void)
{
    fake_start(&fake);
    const char *chans[] = {"#acct", NULL};
    NcClient *c = new_client("hank");
    nc_client_set_autojoin(c, chans);
    NcWhois *whois = NULL;
    g_signal_connect(c, "whois", G_CALLBACK(on_whois), &whois);
    nc_client_connect(c);
    /* Without a login no sasl is asked for; the account caps are. */
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("CAP LS 302"));
    fake_send(&fake, ":srv CAP * LS :sasl=PLAIN account-notify extended-join account-tag");
    g_autofree char *req = expect_line("CAP REQ");
    CU_ASSERT_FATAL(req != NULL);
    CU_ASSERT_PTR_NULL(strstr(req, "sasl"));
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "account-notify"));
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "extended-join"));
    CU_ASSERT_PTR_NOT_NULL(strstr(req, "account-tag"));
    fake_send(&fake, ":srv CAP * ACK :account-notify extended-join account-tag");
    CU_ASSERT(expect("CAP END"));
    fake_send(&fake, ":srv 001 hank :Welcome");
    fake_send(&fake, ":srv 005 hank WHOX CHANTYPES=# :are supported by this server");
    CU_ASSERT(wait_state(c, NC_STATE_CONNECTED));
    CU_ASSERT(expect("JOIN #acct"));
    fake_send(&fake, ":hank!u@h JOIN #acct * :Hank");
    fake_send(&fake, ":srv 353 hank = #acct :hank @ivy jack kim pat");
    fake_send(&fake, ":srv 366 hank #acct :End of NAMES");
    /* Those already there: WHOX asks for nick and account, quietly. */
    CU_ASSERT(expect("WHO #acct %tna,361"));
    fake_send(&fake, ":srv 354 hank 361 hank 0");
    fake_send(&fake, ":srv 354 hank 361 pat pat-acct");
    fake_send(&fake, ":srv 354 hank 361 ivy 0");
    fake_send(&fake, ":srv 315 hank #acct :End of WHO list");
    fake_pump(100);
    NcBuffer *early = nc_network_find_buffer(nc_client_get_network(c), "#acct");
    CU_ASSERT_FATAL(early != NULL);
    CU_ASSERT_STRING_EQUAL(member_account(early, "pat"), "pat-acct");
    CU_ASSERT_STRING_EQUAL(member_account(early, "hank"), "");
    CU_ASSERT_PTR_NULL(nc_member_get_account(nc_buffer_find_member(early, "jack")));
    {
        /* Not a line of it in the server tab. */
        NcBuffer *sb = nc_network_get_server_buffer(nc_client_get_network(c));
        GListModel *msgs = nc_buffer_get_messages(sb);
        for (guint i = 0; i < g_list_model_get_n_items(msgs); i++) {
            g_autoptr(NcMessage) m = g_list_model_get_item(msgs, i);
            CU_ASSERT_PTR_NULL(strstr(nc_message_get_text(m), "361"));
            CU_ASSERT_PTR_NULL(strstr(nc_message_get_text(m), "End of WHO"));
        }
    }
    fake_send(&fake, ":lee!u@h JOIN #acct lee-acct :Lee");
    fake_send(&fake, ":mo!u@h JOIN #acct * :Mo");
    fake_send(&fake, ":ivy!u@h ACCOUNT ivy-acct");
    fake_send(&fake, "@account=jack-acct :jack!u@h PRIVMSG #acct :hi");
    fake_send(&fake, ":kim!u@h PRIVMSG #acct :no tag: not logged in");
    fake_pump(200);
    NcBuffer *b = nc_network_find_buffer(nc_client_get_network(c), "#acct");
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_STRING_EQUAL(member_account(b, "lee"), "lee-acct");
    CU_ASSERT_STRING_EQUAL(member_account(b, "mo"), "");
    CU_ASSERT_STRING_EQUAL(member_account(b, "ivy"), "ivy-acct");
    CU_ASSERT_STRING_EQUAL(member_account(b, "jack"), "jack-acct");
    CU_ASSERT_STRING_EQUAL(member_account(b, "kim"), "");
    /* Kept through a rank change, a nick change and a new NAMES. */
    fake_send(&fake, ":ivy!u@h MODE #acct +v lee");
    fake_send(&fake, ":lee!u@h NICK lee2");
    fake_send(&fake, ":ivy!u@h ACCOUNT *");
    fake_send(&fake, ":srv 353 hank = #acct :hank @ivy jack kim +lee2 mo");
    fake_send(&fake, ":srv 366 hank #acct :End of NAMES");
    fake_pump(200);
    CU_ASSERT_STRING_EQUAL(member_account(b, "lee2"), "lee-acct");
    CU_ASSERT_STRING_EQUAL(member_account(b, "ivy"), "");
    CU_ASSERT_STRING_EQUAL(member_account(b, "jack"), "jack-acct");

    /* WHOIS: the card's answer, and 330 teaches the member list too. */
    CU_ASSERT(nc_client_send_input(c, b, "/whois nora", NULL));
    CU_ASSERT(expect("WHOIS nora"));
    fake_send(&fake, ":srv 311 hank Nora nu nh * :Nora N.");
    fake_send(&fake, ":srv 319 hank Nora :@#acct #other");
    fake_send(&fake, ":srv 312 hank Nora irc.test :Test server");
    fake_send(&fake, ":srv 671 hank Nora :is using a secure connection");
    fake_send(&fake, ":srv 317 hank Nora 42 1700000000 :seconds idle, signon time");
    fake_send(&fake, ":srv 330 hank Nora nora-acct :is logged in as");
    fake_send(&fake, ":srv 318 hank Nora :End of /WHOIS list.");
    fake_send(&fake, ":Nora!nu@nh JOIN #acct nora-acct :Nora N.");
    fake_pump(200);
    CU_ASSERT_FATAL(whois != NULL);
    CU_ASSERT_STRING_EQUAL(nc_whois_get_nick(whois), "Nora");
    CU_ASSERT_STRING_EQUAL(nc_whois_get_account(whois), "nora-acct");
    CU_ASSERT_STRING_EQUAL(nc_whois_get_user(whois), "nu");
    CU_ASSERT_STRING_EQUAL(nc_whois_get_host(whois), "nh");
    CU_ASSERT_STRING_EQUAL(nc_whois_get_realname(whois), "Nora N.");
    CU_ASSERT_STRING_EQUAL(nc_whois_get_server(whois), "irc.test");
    CU_ASSERT_STRING_EQUAL(nc_whois_get_channels(whois), "@#acct #other");
    CU_ASSERT_EQUAL(nc_whois_get_idle(whois), 42);
    CU_ASSERT(nc_whois_get_secure(whois));
    CU_ASSERT(nc_whois_get_found(whois));
    CU_ASSERT_STRING_EQUAL(member_account(b, "nora"), "nora-acct");
    /* The lines still show too, where the user is looking. */
    g_clear_object(&whois);
    /* Someone not logged in: no 330, and the card says so. */
    fake_send(&fake, ":srv 311 hank kim ku kh * :Kim");
    fake_send(&fake, ":srv 318 hank kim :End of /WHOIS list.");
    fake_pump(200);
    CU_ASSERT_FATAL(whois != NULL);
    CU_ASSERT_PTR_NULL(nc_whois_get_account(whois));
    g_clear_object(&whois);
    nc_client_disconnect(c, NULL);
    g_object_unref(c);
    fake_stop(&fake);
}

static void test_certificate_checks(void)
{
    fake_start(&fake);
    /* EXTERNAL over plain text: refused before connecting. */
    NcClient *c = new_client("olga");
    nc_client_set_tls(c, FALSE);
    nc_client_set_client_certificate(c, NC_TEST_SRCDIR "/no-such-cert.pem", NULL);
    nc_client_set_login(c, NULL, NULL, NC_SASL_EXTERNAL);
    nc_client_connect(c);
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
    CU_ASSERT_EQUAL(nc_client_get_login_problem(c), NC_LOGIN_CERTIFICATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "TLS"));
    /* Over TLS: a file that is not there is named. */
    nc_client_set_tls(c, TRUE);
    nc_client_connect(c);
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_DISCONNECTED);
    CU_ASSERT_EQUAL(nc_client_get_login_problem(c), NC_LOGIN_CERTIFICATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(nc_client_get_error(c), "no-such-cert.pem"));
    CU_ASSERT_FALSE(fake_accept(&fake, 200));
    g_object_unref(c);
    fake_stop(&fake);
}

static CU_TestInfo tests[] = {
    {"SCRAM-SHA-256: RFC 7677's vector, a forged signature", test_scram_rfc7677},
    {"SCRAM-SHA-256: bad server messages refused", test_scram_refusals},
    {"AUTHENTICATE framing: 400-byte pieces, +", test_sasl_framing},
    {"choosing a mechanism", test_sasl_choice},
    {"login with PLAIN", test_login_plain},
    {"login with SCRAM-SHA-256 (signature checked)", test_login_scram},
    {"SCRAM: a server that cannot sign is left", test_scram_forged_server},
    {"wrong password: stopped, said, no retry", test_wrong_password},
    {"account locked (FAIL AUTHENTICATE RATE_LIMITED)", test_rate_limited},
    {"mechanism not offered, no SASL, 908 fallback", test_mechanism_and_no_sasl},
    {"a 400-byte response is followed by +", test_long_response_pieces},
    {"creating an account (REGISTER) and its refusals", test_create_account},
    {"others' accounts: members and WHOIS", test_others_accounts},
    {"client certificate checked before connecting", test_certificate_checks},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("gui-account", tests);
}

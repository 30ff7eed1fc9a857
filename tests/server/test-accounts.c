/* SPDX-License-Identifier: MIT */
/*
 * Accounts on a real SQLite file: the store (migrations, write-through,
 * backup, a locked database), REGISTER/VERIFY, SASL PLAIN, SCRAM-SHA-256
 * and EXTERNAL with their chunking and errors, NickServ, nick protection,
 * the account capabilities, rate limits, and accounts surviving a restart.
 * Password hashing runs inline here (no offload), on the fake clock.
 */
#include "account.h"
#include "authlimit.h"
#include "fake-store.h"
#include "helpers.h"
#include "numerics.h"
#include "scram.h"
#include "scram-client.h"
#include "store-sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char db_path[256];
static unsigned db_counter;

/* A fresh database file for one test (in the test's working folder). */
static const char *fresh_db(void)
{
    snprintf(db_path, sizeof db_path, "test-accounts-%u.db", ++db_counter);
    char extra[300];
    remove(db_path);
    snprintf(extra, sizeof extra, "%s-wal", db_path);
    remove(extra);
    snprintf(extra, sizeof extra, "%s-shm", db_path);
    remove(extra);
    return db_path;
}

/* Connect, ask for caps, register as nick (CAP END at the end). */
static fake_conn *with_caps(srv_server *s, const char *nick, const char *caps)
{
    fake_conn *c = fake_connect(s, "10.0.0.1");
    fake_send(c, "CAP LS 302");
    fake_send(c, "CAP REQ :%s", caps);
    fake_send(c, "NICK %s", nick);
    fake_send(c, "USER %s 0 * :Real %s", nick, nick);
    return c;
}

static void b64(const void *data, size_t len, char *out, size_t size)
{
    CU_ASSERT_FATAL(srv_base64_encode(data, len, out, size) >= 0);
}

static void sasl_plain(fake_conn *c, const char *account, const char *password)
{
    char enc[800];
    CU_ASSERT_FATAL(sasl_plain_b64(account, password, enc, sizeof enc) == 0);
    fake_send(c, "AUTHENTICATE PLAIN");
    size_t len = strlen(enc);
    for (size_t off = 0; off < len; off += 400)
        fake_send(c, "AUTHENTICATE %.*s", (int)(len - off < 400 ? len - off : 400), enc + off);
    if (len % 400 == 0)
        fake_send(c, "AUTHENTICATE +");
}

static srv_server *server_with_account(const char *name, const char *password)
{
    srv_server *s = fake_server_with_store(fresh_db(), NULL);
    fake_conn *c = fake_register(s, name);
    fake_send(c, "REGISTER * * %s", password);
    EXPECT_LINE(c, "REGISTER SUCCESS");
    fake_send(c, "QUIT");
    return s;
}

/* ---- the store ---- */

static void test_store_migrations(void)
{
    const char *path = fresh_db();
    char err[256];
    /* A database of schema version 1 (accounts only), as the first natterd
     * with accounts wrote it. */
    srv_store_sqlite_options v1 = {.max_version = 1};
    srv_store *st = srv_store_sqlite_open(path, &v1, err, sizeof err);
    CU_ASSERT_FATAL(st != NULL);
    CU_ASSERT_EQUAL(srv_store_sqlite_version(st), 1);
    const char *fps[] = {"ab12"};
    srv_store_account a = {"alice", "Alice", "scram-sha-256$x", 1234, fps, 1};
    int status = 99;
    st->ops->put_account(st, &a, 1, NULL, NULL);
    srv_store_free(st);
    /* Opened by this natterd: migrated to the current version, nothing lost. */
    st = fake_open_store(path);
    CU_ASSERT_EQUAL(srv_store_sqlite_version(st), SRV_STORE_SQLITE_SCHEMA);
    srv_store_channel ch = {.key = "#x", .name = "#X", .founder_key = "alice", .registered_s = 5,
                            .topic = "hi", .modes = "nt"};
    (void)status;
    srv_store_free(st);
    srv_server *s = fake_server_with_store(path, NULL);
    CU_ASSERT_EQUAL(srv_accounts_count(s), 1);
    srv_account *acc = srv_account_find(s, "ALICE");
    CU_ASSERT_FATAL(acc != NULL);
    CU_ASSERT_STRING_EQUAL(acc->name, "Alice");
    CU_ASSERT_EQUAL(acc->ncertfps, 1);
    CU_ASSERT(srv_account_by_certfp(s, "ab12") == acc);
    /* Writes after the migration use the new tables too. */
    st = srv_server_store(s);
    int got = 99;
    st->ops->put_channel(st, &ch, 1, NULL, NULL);
    (void)got;
    fake_server_free(s);

    /* A database from a newer natterd is refused, not damaged. */
    sqlite3 *db;
    CU_ASSERT_FATAL(sqlite3_open(path, &db) == SQLITE_OK);
    CU_ASSERT(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99, 0)", NULL, NULL, NULL) ==
              SQLITE_OK);
    sqlite3_close(db);
    CU_ASSERT(srv_store_sqlite_open(path, NULL, err, sizeof err) == NULL);
    CU_ASSERT(strstr(err, "newer") != NULL);
}

static void done_status(void *ctx, int status)
{
    *(int *)ctx = status;
}

static void test_store_semantics(void)
{
    srv_store *st = fake_open_store(fresh_db());
    srv_store_account a = {"bob", "Bob", "c1", 1, NULL, 0};
    int status = 99;
    st->ops->put_account(st, &a, 1, done_status, &status);
    CU_ASSERT_EQUAL(status, SRV_STORE_OK);
    st->ops->put_account(st, &a, 1, done_status, &status);
    CU_ASSERT_EQUAL(status, SRV_STORE_EXISTS); /* create is "only if absent" */
    a.credential = "c2";
    st->ops->put_account(st, &a, 0, done_status, &status);
    CU_ASSERT_EQUAL(status, SRV_STORE_OK);
    st->ops->drop_account(st, "bob", done_status, &status);
    CU_ASSERT_EQUAL(status, SRV_STORE_OK);
    st->ops->drop_account(st, "bob", done_status, &status);
    CU_ASSERT_EQUAL(status, SRV_STORE_NOT_FOUND);
    srv_store_access acl[] = {{"bob", 'o'}, {"carol", 'v'}};
    srv_store_mask masks[] = {{'b', "*!*@bad", "op!u@h", 7}, {'I', "*!*@good", "op!u@h", 8}};
    srv_store_channel ch = {"#c", "#C", "bob", 3, "topic", "bob!u@h", 4, "nt", "key", 10,
                            acl, 2, masks, 2};
    st->ops->put_channel(st, &ch, 1, done_status, &status);
    CU_ASSERT_EQUAL(status, SRV_STORE_OK);
    uint64_t writes, max_us, total_us;
    srv_store_sqlite_stats(st, &writes, &max_us, &total_us);
    CU_ASSERT(writes >= 6);
    CU_ASSERT(max_us > 0);
    srv_store_free(st);
}

/* Another connection holds the database locked (a backup tool, an admin's
 * sqlite3 shell in a transaction): registrations are refused with a clear
 * reply, chat goes on, and nothing half-made is left behind. */
static void test_store_locked(void)
{
    const char *path = fresh_db();
    srv_server *s = fake_server_with_store(path, NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    sqlite3 *db;
    CU_ASSERT_FATAL(sqlite3_open(path, &db) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK);
    fake_send(a, "REGISTER * * longenough");
    EXPECT_LINE(a, "FAIL REGISTER TEMPORARILY_UNAVAILABLE alice :");
    CU_ASSERT(srv_account_find(s, "alice") == NULL);
    fake_send(a, "PRIVMSG bob :still chatting");
    EXPECT_LINE(b, "PRIVMSG bob :still chatting");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    fake_clear(a);
    fake_send(a, "REGISTER * * longenough");
    EXPECT_LINE(a, "REGISTER SUCCESS alice");
    fake_server_free(s);
}

static void test_backup(void)
{
    const char *path = fresh_db();
    srv_server *s = fake_server_with_store(path, NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "REGISTER * * longenough");
    EXPECT_LINE(a, "REGISTER SUCCESS alice");
    /* Taken while the server holds the database open. */
    char err[256];
    remove("test-accounts-backup.db");
    CU_ASSERT_FATAL(srv_store_sqlite_backup(path, "test-accounts-backup.db", err, sizeof err) == 0);
    fake_server_free(s);
    s = fake_server_with_store("test-accounts-backup.db", NULL);
    CU_ASSERT(srv_account_find(s, "alice") != NULL);
    fake_server_free(s);
    CU_ASSERT(srv_store_sqlite_backup("no-such-dir/x.db", "test-accounts-b2.db", err, sizeof err) ==
              -1);
}

/* ---- registration ---- */

static void test_register(void)
{
    srv_server *s = fake_server_with_store(fresh_db(), NULL);
    fake_conn *a = with_caps(s, "alice", "account-notify");
    /* Before connecting (before-connect), with the nick as the name. */
    fake_send(a, "REGISTER * * correct-horse");
    EXPECT_LINE(a, "REGISTER SUCCESS alice :Account created");
    EXPECT_NUMERIC(a, RPL_LOGGEDIN);
    CU_ASSERT(fake_index(a, "REGISTER SUCCESS") < fake_index(a, " 900 "));
    fake_send(a, "CAP END");
    EXPECT_LINE(a, " 001 alice ");
    EXPECT_LINE(a, "MODE alice :+r");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "REGISTER alice * anotherpass");
    EXPECT_LINE(b, "FAIL REGISTER ACCOUNT_EXISTS alice :");
    fake_send(b, "REGISTER ALICE * anotherpass");
    EXPECT_LINE(b, "FAIL REGISTER ACCOUNT_EXISTS ALICE :");
    fake_send(b, "REGISTER bob * short");
    EXPECT_LINE(b, "FAIL REGISTER WEAK_PASSWORD bob :");
    fake_send(b, "REGISTER #bad * longenough");
    EXPECT_LINE(b, "FAIL REGISTER BAD_ACCOUNT_NAME #bad :");
    /* custom-account-name: another name than the nick. */
    fake_send(b, "REGISTER bobby bob@example.org longenough");
    EXPECT_LINE(b, "REGISTER SUCCESS bobby");
    fake_send(b, "REGISTER bob2 * longenough");
    EXPECT_LINE(b, "FAIL REGISTER ALREADY_AUTHENTICATED bob2 :");
    fake_send(b, "VERIFY bobby 1234");
    EXPECT_LINE(b, "FAIL VERIFY INVALID_CODE bobby :");
    fake_send(b, "WHOIS bob");
    EXPECT_LINE(b, " 330 bob bob bobby :is logged in as");
    fake_server_free(s);
}

static void test_register_policy(void)
{
    srv_server *s = fake_server_with_store(fresh_db(), "registration = closed\n");
    fake_conn *a = fake_connect(s, "10.0.0.2");
    fake_send(a, "CAP LS 302");
    EXPECT_NO_LINE(a, "draft/account-registration");
    EXPECT_LINE(a, "sasl=PLAIN,SCRAM-SHA-256,EXTERNAL");
    fake_send(a, "NICK alice");
    fake_send(a, "USER a 0 * :A");
    fake_send(a, "CAP END");
    fake_send(a, "REGISTER * * longenough");
    EXPECT_LINE(a, "FAIL REGISTER DISABLED alice :");
    fake_server_free(s);
    /* Without a store: no sasl, no registration, a clear FAIL. */
    s = fake_server(NULL);
    a = fake_connect(s, "10.0.0.2");
    fake_send(a, "CAP LS 302");
    EXPECT_NO_LINE(a, "sasl");
    fake_send(a, "REGISTER x * longenough");
    EXPECT_LINE(a, "FAIL REGISTER DISABLED x :");
    fake_server_free(s);
}

/* ---- SASL ---- */

static void test_sasl_plain(void)
{
    srv_server *s = server_with_account("alice", "correct-horse-battery");
    fake_conn *c = with_caps(s, "alice", "sasl");
    sasl_plain(c, "alice", "wrong password");
    EXPECT_LINE(c, "AUTHENTICATE +");
    EXPECT_NUMERIC(c, ERR_SASLFAIL);
    fake_clear(c);
    sasl_plain(c, "alice", "correct-horse-battery");
    EXPECT_LINE(c, " 900 alice alice!~alice@10.0.0.1 alice :You are now logged in as alice");
    EXPECT_NUMERIC(c, RPL_SASLSUCCESS);
    fake_send(c, "AUTHENTICATE PLAIN");
    EXPECT_NUMERIC(c, ERR_SASLALREADY);
    fake_send(c, "CAP END");
    EXPECT_LINE(c, " 001 alice");
    fake_server_free(s);
}

/* A payload of exactly 400 bytes of base64 must be followed by "+", and
 * one longer than 400 comes in pieces: both with a long password. */
static void test_sasl_chunks(void)
{
    char password[301];
    memset(password, 'p', 296);
    password[296] = '\0'; /* 1 + 5 + 1 + 296 = 303 bytes: 404 of base64 */
    srv_server *s = fake_server_with_store(fresh_db(), NULL);
    fake_conn *r = fake_register(s, "alice");
    fake_send(r, "REGISTER * * %s", password);
    EXPECT_LINE(r, "REGISTER SUCCESS");
    fake_conn *c = with_caps(s, "alice2", "sasl");
    sasl_plain(c, "alice", password);
    EXPECT_NUMERIC(c, RPL_SASLSUCCESS);
    /* 1 + 5 + 1 + 293 = 300 bytes: exactly 400 of base64, then "+". */
    password[293] = '\0';
    fake_send(r, "NICKSERV SET PASSWORD %s", password);
    EXPECT_LINE(r, "has been changed");
    fake_conn *d = with_caps(s, "alice3", "sasl");
    sasl_plain(d, "alice", password);
    EXPECT_NUMERIC(d, RPL_SASLSUCCESS);
    fake_server_free(s);
}

static void test_sasl_bad_input(void)
{
    srv_server *s = server_with_account("alice", "correct-horse");
    fake_conn *c = fake_connect(s, "10.0.0.3");
    fake_send(c, "AUTHENTICATE PLAIN");
    EXPECT_LINE(c, " 904 * :SASL authentication failed: request the sasl capability first");
    fake_send(c, "CAP REQ :sasl");
    fake_send(c, "AUTHENTICATE DIGEST-MD5");
    EXPECT_LINE(c, " 908 * PLAIN,SCRAM-SHA-256,EXTERNAL :are available SASL mechanisms");
    fake_send(c, "AUTHENTICATE EXTERNAL");
    EXPECT_LINE(c, "no TLS client certificate");
    fake_clear(c);
    fake_send(c, "AUTHENTICATE PLAIN");
    fake_send(c, "AUTHENTICATE !!!notbase64");
    EXPECT_LINE(c, "not valid base64");
    fake_send(c, "AUTHENTICATE *");
    EXPECT_NUMERIC(c, ERR_SASLABORTED);
    fake_clear(c);
    char big[402];
    memset(big, 'A', 401);
    big[401] = '\0';
    fake_send(c, "AUTHENTICATE PLAIN");
    fake_send(c, "AUTHENTICATE %s", big);
    EXPECT_NUMERIC(c, ERR_SASLTOOLONG);
    /* Pieces of 400 without an end: bounded, then 905. */
    fake_clear(c);
    fake_send(c, "AUTHENTICATE PLAIN");
    big[400] = '\0';
    for (int i = 0; i < 8 && !fake_has_numeric(c, ERR_SASLTOOLONG); i++)
        fake_send(c, "AUTHENTICATE %s", big);
    EXPECT_NUMERIC(c, ERR_SASLTOOLONG);
    /* PLAIN with the wrong shape; an authzid for another account. */
    fake_clear(c);
    char enc[64];
    b64("alice", 5, enc, sizeof enc);
    fake_send(c, "AUTHENTICATE PLAIN");
    fake_send(c, "AUTHENTICATE %s", enc);
    EXPECT_LINE(c, "malformed PLAIN");
    b64("bob\0alice\0correct-horse", 23, enc, sizeof enc);
    fake_send(c, "AUTHENTICATE PLAIN");
    fake_send(c, "AUTHENTICATE %s", enc);
    EXPECT_LINE(c, "another account");
    /* SASL after registration, then logging in works. */
    fake_send(c, "NICK carol");
    fake_send(c, "USER c 0 * :C");
    fake_send(c, "CAP END");
    EXPECT_LINE(c, " 001 carol");
    fake_clear(c);
    sasl_plain(c, "alice", "correct-horse");
    EXPECT_NUMERIC(c, RPL_SASLSUCCESS);
    EXPECT_LINE(c, "MODE carol :+r");
    fake_server_free(s);
}

/* The decoded payload of the last "AUTHENTICATE x" line. */
static void last_challenge(fake_conn *c, char *out, size_t size)
{
    const char *line = NULL;
    for (size_t k = 0; k < c->nlines; k++) {
        if (strncmp(c->lines[k], "AUTHENTICATE ", 13) == 0)
            line = c->lines[k] + 13;
    }
    CU_ASSERT_FATAL(line != NULL);
    long n = srv_base64_decode(line, strlen(line), (unsigned char *)out, size - 1);
    CU_ASSERT_FATAL(n >= 0);
    out[n] = '\0';
}

static int scram_login(fake_conn *c, const char *user, const char *password)
{
    fake_send(c, "AUTHENTICATE SCRAM-SHA-256");
    char first[160], bare[128], enc[512], server_first[512];
    snprintf(bare, sizeof bare, "n=%s,r=fyko+d2lbbFgONRv9qkxdawL", user);
    snprintf(first, sizeof first, "n,,%s", bare);
    b64(first, strlen(first), enc, sizeof enc);
    fake_clear(c);
    fake_send(c, "AUTHENTICATE %s", enc);
    if (fake_has_numeric(c, ERR_SASLFAIL))
        return 0;
    last_challenge(c, server_first, sizeof server_first);
    const char *nonce = strstr(server_first, "r=");
    CU_ASSERT_FATAL(nonce != NULL);
    CU_ASSERT(strncmp(nonce + 2, "fyko+d2lbbFgONRv9qkxdawL", 24) == 0);
    char final[400], want[128];
    CU_ASSERT_FATAL(scram_client_final(password, bare, server_first, final, sizeof final, want,
                                       sizeof want) == 0);
    b64(final, strlen(final), enc, sizeof enc);
    fake_clear(c);
    fake_send(c, "AUTHENTICATE %s", enc);
    if (fake_has_numeric(c, ERR_SASLFAIL))
        return 0;
    char server_final[128];
    last_challenge(c, server_final, sizeof server_final);
    CU_ASSERT_STRING_EQUAL(server_final, want); /* the server proved it knows the key */
    fake_send(c, "AUTHENTICATE +");
    return fake_has_numeric(c, RPL_SASLSUCCESS);
}

static void test_sasl_scram(void)
{
    srv_server *s = server_with_account("alice", "pencil-and-paper");
    fake_conn *c = with_caps(s, "alice", "sasl");
    CU_ASSERT(!scram_login(c, "alice", "wrong one"));
    fake_clear(c);
    CU_ASSERT(scram_login(c, "alice", "pencil-and-paper"));
    EXPECT_LINE(c, " 900 ");
    /* An unknown name gets a made-up salt (the same every time), never an
     * early "no such account". */
    fake_conn *d = with_caps(s, "dave", "sasl");
    CU_ASSERT(!scram_login(d, "nobody", "whatever"));
    char enc[128];
    b64("p=tls-unique,,n=alice,r=abc", 27, enc, sizeof enc);
    fake_send(d, "AUTHENTICATE SCRAM-SHA-256");
    fake_send(d, "AUTHENTICATE %s", enc);
    EXPECT_LINE(d, "malformed SCRAM");
    fake_server_free(s);
}

static void test_sasl_external(void)
{
    static const char fp[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static const char other[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    srv_server *s = server_with_account("alice", "correct-horse");
    fake_conn *a = fake_connect(s, "10.0.0.8");
    srv_client_set_secure(a->client, fp);
    fake_send(a, "NICK alice");
    fake_send(a, "USER alice 0 * :A");
    fake_send(a, "NICKSERV IDENTIFY correct-horse");
    EXPECT_LINE(a, "You are now logged in as alice");
    /* Only a certificate this connection presented (no squatting). */
    fake_send(a, "PRIVMSG NickServ :CERT ADD %s", other);
    EXPECT_LINE(a, "Connect with that certificate");
    fake_send(a, "PRIVMSG NickServ :CERT ADD");
    EXPECT_LINE(a, "Added to the certificate list of alice");
    fake_send(a, "NS CERT LIST");
    EXPECT_LINE(a, fp);
    fake_conn *c = fake_connect(s, "10.0.0.9");
    srv_client_set_secure(c->client, fp);
    fake_send(c, "CAP REQ :sasl");
    fake_send(c, "AUTHENTICATE EXTERNAL");
    EXPECT_LINE(c, "AUTHENTICATE +");
    fake_send(c, "AUTHENTICATE +");
    EXPECT_NUMERIC(c, RPL_SASLSUCCESS);
    EXPECT_LINE(c, " alice :You are now logged in as alice");
    /* Removed: no longer good for a login. */
    fake_send(a, "NS CERT DEL %s", fp);
    EXPECT_LINE(a, "Removed from the certificate list");
    fake_conn *d = fake_connect(s, "10.0.0.9");
    srv_client_set_secure(d->client, fp);
    fake_send(d, "CAP REQ :sasl");
    fake_send(d, "AUTHENTICATE EXTERNAL");
    fake_send(d, "AUTHENTICATE +");
    EXPECT_LINE(d, "not registered to an account");
    fake_server_free(s);
}

/* What a review found: a SCRAM exchange proven against an account that was
 * then dropped and registered again by someone else must not log in to
 * the new one; proofs sent in parallel count against the limits; a name in
 * use by someone else, with a backslash or a service's cannot be
 * registered; a password is one word. */
static void test_hardening(void)
{
    srv_server *s = fake_server_with_store(fresh_db(), "nick_protection = none\n");
    fake_conn *m = fake_register(s, "mallory");
    fake_send(m, "REGISTER victim * first-password");
    EXPECT_LINE(m, "REGISTER SUCCESS victim");
    /* The proof, then the account goes and comes back with another owner. */
    fake_conn *x = with_caps(s, "xm", "sasl");
    fake_send(x, "AUTHENTICATE SCRAM-SHA-256");
    char first[64], enc[512], server_first[256], final[400], want[128];
    const char *bare = "n=victim,r=abcdefghijklmnop";
    snprintf(first, sizeof first, "n,,%s", bare);
    b64(first, strlen(first), enc, sizeof enc);
    fake_clear(x);
    fake_send(x, "AUTHENTICATE %s", enc);
    last_challenge(x, server_first, sizeof server_first);
    CU_ASSERT_FATAL(scram_client_final("first-password", bare, server_first, final, sizeof final,
                                       want, sizeof want) == 0);
    b64(final, strlen(final), enc, sizeof enc);
    fake_send(x, "AUTHENTICATE %s", enc);
    fake_send(m, "NS DROP victim first-password");
    EXPECT_LINE(m, "victim has been dropped");
    fake_conn *v = fake_register(s, "victim");
    fake_send(v, "REGISTER * * victims-own-pass");
    EXPECT_LINE(v, "REGISTER SUCCESS victim");
    fake_clear(x);
    fake_send(x, "AUTHENTICATE +");
    EXPECT_NUMERIC(x, ERR_SASLFAIL);
    CU_ASSERT(!fake_has_numeric(x, RPL_LOGGEDIN));

    /* Someone else's nick, a backslash, a service. */
    fake_conn *b = fake_register(s, "bystander");
    fake_conn *e = fake_register(s, "eve");
    fake_send(e, "REGISTER bystander * eves-password");
    EXPECT_LINE(e, "FAIL REGISTER ACCOUNT_EXISTS bystander :That name is a nick someone else");
    fake_send(e, "REGISTER a\\dmin * eves-password");
    EXPECT_LINE(e, "FAIL REGISTER BAD_ACCOUNT_NAME");
    fake_send(e, "REGISTER ChanServ * eves-password");
    EXPECT_LINE(e, "FAIL REGISTER BAD_ACCOUNT_NAME ChanServ");
    (void)b;
    fake_send(e, "NS IDENTIFY eve three words");
    EXPECT_LINE(e, "NickServ passwords are one word");
    fake_server_free(s);

    /* Twelve SCRAM proofs at once from one address: at most the limit of
     * them is even looked at; the rest are refused before a check. */
    s = server_with_account("target", "target-password");
    int checked = 0;
    fake_conn *conns[12];
    for (int i = 0; i < 12; i++) {
        conns[i] = with_caps(s, "p", "sasl");
        fake_send(conns[i], "AUTHENTICATE SCRAM-SHA-256");
        snprintf(first, sizeof first, "n,,n=target,r=nonce%d", i);
        b64(first, strlen(first), enc, sizeof enc);
        fake_send(conns[i], "AUTHENTICATE %s", enc);
        checked += !fake_find(conns[i], "RATE_LIMITED");
    }
    CU_ASSERT(checked <= SRV_AUTH_MAX_FAILURES);
    fake_server_free(s);
}

/* ---- NickServ ---- */

static void test_nickserv(void)
{
    srv_server *s = fake_server_with_store(fresh_db(), "nick_protection = none\n");
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "PRIVMSG NickServ :REGISTER sekrit-pass");
    EXPECT_LINE(a, ":NickServ!NickServ@");
    EXPECT_LINE(a, "alice is now registered to you");
    EXPECT_NUMERIC(a, RPL_LOGGEDIN);
    fake_send(a, "PRIVMSG NickServ :INFO");
    EXPECT_LINE(a, "Information on alice");
    fake_send(a, "NICK alice_");
    fake_conn *b = fake_register(s, "alice");
    /* GHOST with the password from another connection. */
    fake_send(b, "PRIVMSG NickServ :GHOST alice_ sekrit-pass");
    EXPECT_LINE(b, "alice_ is not a registered nick");
    fake_send(a, "NICK alice2");
    fake_send(b, "NICK bob");
    fake_send(a, "NICK alice");
    fake_conn *c = fake_register(s, "carol");
    fake_send(c, "NICK alice_x");
    /* carol takes the nick back: REGAIN with the password. */
    fake_clear(c);
    fake_send(c, "PRIVMSG NickServ :REGAIN alice wrong-pass");
    EXPECT_LINE(c, "Invalid password for alice");
    fake_send(c, "PRIVMSG NickServ :REGAIN alice sekrit-pass");
    EXPECT_LINE(c, "You have regained alice");
    CU_ASSERT(a->closed);
    CU_ASSERT(strstr(a->close_reason, "GHOST") != NULL || a->closed);
    fake_send(c, "NS IDENTIFY sekrit-pass");
    EXPECT_LINE(c, "You are now logged in as alice");
    fake_send(c, "NS SET PASSWORD new-password-1");
    EXPECT_LINE(c, "The password of alice has been changed");
    fake_send(c, "NS LOGOUT");
    EXPECT_NUMERIC(c, RPL_LOGGEDOUT);
    fake_send(c, "NS IDENTIFY sekrit-pass");
    EXPECT_LINE(c, "Invalid password for alice");
    fake_send(c, "NS IDENTIFY alice new-password-1");
    EXPECT_LINE(c, "You are now logged in as alice");
    fake_send(c, "NS DROP alice wrong");
    EXPECT_LINE(c, "Invalid password");
    fake_clear(c);
    fake_send(c, "NS DROP alice new-password-1");
    EXPECT_LINE(c, "alice has been dropped");
    EXPECT_NUMERIC(c, RPL_LOGGEDOUT);
    CU_ASSERT(srv_account_find(s, "alice") == NULL);
    fake_send(c, "NS FROB");
    EXPECT_LINE(c, "Unknown command FROB");
    fake_send(c, "NS HELP");
    EXPECT_LINE(c, "No email is ever asked for or sent");
    fake_send(c, "NICK NickServ");
    EXPECT_NUMERIC(c, ERR_ERRONEUSNICKNAME);
    fake_server_free(s);
}

/* ---- what other clients see ---- */

static void test_account_caps(void)
{
    srv_server *s = server_with_account("alice", "correct-horse");
    fake_conn *w = with_caps(s, "watcher", "account-notify extended-join account-tag");
    fake_send(w, "CAP END");
    fake_conn *plain = fake_register(s, "plain");
    fake_send(w, "JOIN #c");
    fake_send(plain, "JOIN #c");
    fake_conn *a = with_caps(s, "alice", "sasl");
    sasl_plain(a, "alice", "correct-horse");
    fake_send(a, "CAP END");
    fake_clear(w);
    fake_clear(plain);
    fake_send(a, "JOIN #c");
    EXPECT_LINE(w, "@account=alice :alice!~alice@10.0.0.1 JOIN #c alice :Real alice");
    EXPECT_LINE(plain, ":alice!~alice@10.0.0.1 JOIN #c");
    EXPECT_NO_LINE(plain, "account=");
    fake_send(a, "PRIVMSG #c :hello");
    EXPECT_LINE(w, "@account=alice :alice!~alice@10.0.0.1 PRIVMSG #c :hello");
    fake_send(a, "NS LOGOUT");
    EXPECT_LINE(w, ":alice!~alice@10.0.0.1 ACCOUNT *");
    EXPECT_NO_LINE(plain, " ACCOUNT ");
    fake_send(a, "NS IDENTIFY correct-horse");
    EXPECT_LINE(w, ":alice!~alice@10.0.0.1 ACCOUNT alice");
    fake_send(w, "WHO #c %s", "%tna,42");
    EXPECT_LINE(w, " 354 watcher 42 alice alice");
    EXPECT_LINE(w, " 354 watcher 42 plain 0");
    fake_send(a, "MODE alice");
    EXPECT_LINE(a, " 221 alice +r");
    fake_clear(a);
    fake_send(a, "MODE alice -r");
    EXPECT_NO_LINE(a, "MODE alice :-r");
    fake_server_free(s);
}

/* ---- nick protection ---- */

static void test_nick_grace(void)
{
    srv_server *s = server_with_account("alice", "correct-horse");
    fake_conn *m = fake_connect(s, "10.0.0.1");
    fake_send(m, "NICK alice");
    fake_send(m, "USER alice 0 * :A");
    EXPECT_LINE(m, "This nickname is registered. Log in to its account (/msg NickServ IDENTIFY <password>) within 60 seconds");
    fake_now_ms += 30000;
    srv_server_tick(s, fake_now_ms);
    CU_ASSERT(fake_find(m, "you are now Guest") == NULL);
    fake_now_ms += 31000;
    srv_server_tick(s, fake_now_ms);
    EXPECT_LINE(m, "you are now Guest");
    EXPECT_LINE(m, ":alice!~alice@10.0.0.1 NICK :Guest");
    /* Logging in in time stops the countdown. */
    fake_conn *o = fake_register(s, "alice");
    fake_send(o, "NS IDENTIFY correct-horse");
    fake_now_ms += 120000;
    srv_server_tick(s, fake_now_ms);
    EXPECT_NO_LINE(o, "you are now Guest");
    fake_server_free(s);
}

static void test_nick_strict(void)
{
    const char *path = fresh_db();
    srv_server *s = fake_server_with_store(path, NULL);
    fake_conn *r = fake_register(s, "alice");
    fake_send(r, "REGISTER * * correct-horse");
    fake_send(r, "QUIT");
    fake_server_free(s);
    s = fake_server_with_store(path, "nick_protection = strict\n");
    fake_conn *m = fake_connect(s, "10.0.0.5");
    fake_send(m, "NICK alice");
    fake_send(m, "USER m 0 * :M");
    EXPECT_LINE(m, " 433 * alice :Nickname is registered");
    CU_ASSERT(!fake_has_numeric(m, RPL_WELCOME));
    fake_send(m, "NICK mallory");
    EXPECT_NUMERIC(m, RPL_WELCOME);
    fake_send(m, "NICK alice");
    EXPECT_LINE(m, " 433 mallory alice :Nickname is registered");
    /* The owner with SASL gets it. */
    fake_conn *o = with_caps(s, "alice", "sasl");
    sasl_plain(o, "alice", "correct-horse");
    fake_send(o, "CAP END");
    EXPECT_LINE(o, " 001 alice ");
    fake_server_free(s);
}

/* ---- limits ---- */

static void test_rate_limits(void)
{
    srv_server *s = server_with_account("alice", "correct-horse");
    /* One address guessing: refused without hashing after a few. */
    fake_conn *c = with_caps(s, "guess", "sasl");
    int limited = 0;
    for (int i = 0; i < 1000 && !limited; i++) {
        fake_clear(c);
        sasl_plain(c, "alice", "wrong guess");
        limited = fake_find(c, "FAIL AUTHENTICATE RATE_LIMITED") != NULL;
    }
    CU_ASSERT(limited);
    /* The right password from there is refused too, until the window ends. */
    fake_clear(c);
    sasl_plain(c, "alice", "correct-horse");
    EXPECT_LINE(c, "RATE_LIMITED");
    /* Many addresses against one account: the account's own limit. */
    int account_limited = 0;
    for (int i = 0; i < 100 && !account_limited; i++) {
        char host[32];
        snprintf(host, sizeof host, "10.1.%d.%d", i / 250, i % 250);
        fake_conn *d = fake_connect(s, host);
        fake_send(d, "CAP REQ :sasl");
        sasl_plain(d, "alice", "wrong guess");
        account_limited = fake_find(d, "RATE_LIMITED") != NULL;
    }
    CU_ASSERT(account_limited);
    fake_now_ms += 61000;
    fake_conn *e = with_caps(s, "alice", "sasl");
    sasl_plain(e, "alice", "correct-horse");
    EXPECT_NUMERIC(e, RPL_SASLSUCCESS);
    /* Registrations from one address are limited as well. */
    fake_conn *f = fake_register(s, "spammer");
    int reg_limited = 0;
    for (int i = 0; i < 20 && !reg_limited; i++) {
        fake_clear(f);
        fake_send(f, "REGISTER spam%d * longenough", i);
        if (fake_find(f, "REGISTER SUCCESS"))
            fake_send(f, "NS LOGOUT");
        reg_limited = fake_find(f, "FAIL REGISTER RATE_LIMITED") != NULL;
    }
    CU_ASSERT(reg_limited);
    fake_server_free(s);
}

/* ---- restarts ---- */

static void test_restart(void)
{
    const char *path = fresh_db();
    srv_server *s = fake_server_with_store(path, NULL);
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "REGISTER * * first-password");
    fake_send(a, "NS SET PASSWORD second-password");
    EXPECT_LINE(a, "has been changed");
    fake_server_free(s);
    s = fake_server_with_store(path, NULL);
    CU_ASSERT(srv_account_find(s, "alice") != NULL);
    fake_conn *c = with_caps(s, "alice", "sasl");
    sasl_plain(c, "alice", "second-password");
    EXPECT_NUMERIC(c, RPL_SASLSUCCESS);
    fake_server_free(s);
}

/* ---- oper by account ---- */

static void test_oper_account(void)
{
    srv_server *s = fake_server_with_store(fresh_db(), "[oper admin]\naccount = alice\n");
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "OPER admin whatever");
    EXPECT_NUMERIC(a, ERR_PASSWDMISMATCH);
    fake_send(a, "REGISTER * * correct-horse");
    fake_clear(a);
    fake_send(a, "OPER admin");
    EXPECT_NUMERIC(a, RPL_YOUREOPER);
    fake_server_free(s);
}

/* ---- registered channels ---- */

static fake_conn *logged_in(srv_server *s, const char *nick, const char *password)
{
    fake_conn *c = fake_register(s, nick);
    fake_send(c, "REGISTER * * %s", password);
    if (!fake_find(c, "REGISTER SUCCESS"))
        fake_send(c, "NS IDENTIFY %s", password);
    CU_ASSERT_FATAL(fake_has_numeric(c, RPL_LOGGEDIN));
    fake_clear(c);
    return c;
}

static void test_chanserv(void)
{
    const char *path = fresh_db();
    srv_server *s = fake_server_with_store(path, NULL);
    fake_conn *a = logged_in(s, "alice", "alice-pass");
    fake_conn *b = logged_in(s, "bob", "bob-password");
    fake_conn *m = fake_register(s, "mallory");
    fake_send(m, "JOIN #mine");
    fake_send(m, "CS REGISTER #mine");
    EXPECT_LINE(m, ":ChanServ!ChanServ@");
    EXPECT_LINE(m, "Log in to an account first");
    fake_send(a, "JOIN #c");
    fake_send(b, "JOIN #c");
    fake_send(b, "PRIVMSG ChanServ :REGISTER #c");
    EXPECT_LINE(b, "You must be a channel operator in #c");
    fake_send(a, "PRIVMSG ChanServ :REGISTER #c");
    EXPECT_LINE(a, "#c is now registered to alice");
    fake_send(a, "CS REGISTER #c");
    EXPECT_LINE(a, "#c is already registered");
    fake_send(a, "TOPIC #c :kept across restarts");
    fake_send(a, "MODE #c +kR sesame");
    fake_send(a, "MODE #c +l 50");
    fake_send(a, "MODE #c +b bad!*@*");
    fake_send(a, "MODE #c +I good!*@*");
    fake_send(a, "CS ACCESS #c ADD bob voice");
    EXPECT_LINE(a, "bob is now on the access list of #c (voice)");
    fake_send(b, "CS ACCESS #c ADD mallory op");
    EXPECT_LINE(b, "You are not the founder of #c");
    fake_send(a, "CS ACCESS #c ADD nobody op");
    EXPECT_LINE(a, "nobody is not a registered account");
    fake_send(a, "CS INFO #c");
    EXPECT_LINE(a, "Founder    : alice");
    /* Empty, it stays (registered); a restart brings it back whole. */
    fake_send(a, "PART #c");
    fake_send(b, "PART #c");
    fake_server_free(s);

    s = fake_server_with_store(path, NULL);
    fake_conn *w = fake_register(s, "watcher");
    fake_send(w, "LIST #c");
    EXPECT_LINE(w, " 322 watcher #c 0 :");
    EXPECT_LINE(w, "kept across restarts");
    fake_send(w, "JOIN #c sesame");
    EXPECT_LINE(w, " 477 watcher #c :Cannot join channel (+R)");
    fake_conn *b2 = logged_in(s, "bob", "bob-password");
    fake_send(b2, "JOIN #c sesame");
    EXPECT_LINE(b2, "JOIN #c");
    EXPECT_LINE(b2, " 332 bob #c :kept across restarts");
    EXPECT_LINE(b2, " 353 bob = #c :+bob");
    /* Nobody gets ops for being first into a registered channel. */
    EXPECT_NO_LINE(b2, "@bob");
    fake_send(b2, "MODE #c");
    EXPECT_LINE(b2, " 324 bob #c +klntR sesame 50");
    fake_send(b2, "MODE #c b");
    EXPECT_LINE(b2, " 367 bob #c bad!*@*");
    fake_send(b2, "MODE #c I");
    EXPECT_LINE(b2, " 346 bob #c good!*@*");
    fake_conn *a2 = fake_register(s, "alice");
    fake_send(a2, "JOIN #c sesame");
    EXPECT_NUMERIC(a2, ERR_NEEDREGGEDNICK);
    /* The founder, logged in, gets +o on joining. */
    fake_send(a2, "NS IDENTIFY alice-pass");
    fake_send(a2, "JOIN #c sesame");
    EXPECT_LINE(a2, " 353 alice = #c :");
    EXPECT_LINE(a2, "@alice");
    /* Someone on the access list who logs in while in the channel gets
     * their status from ChanServ. */
    fake_send(a2, "CS ACCESS #c ADD bob op");
    EXPECT_LINE(a2, "bob is now on the access list of #c (op)");
    fake_send(b2, "NS LOGOUT");
    fake_clear(a2);
    fake_send(b2, "NS IDENTIFY bob-password");
    EXPECT_LINE(a2, ":ChanServ!ChanServ@irc.test MODE #c +o bob");
    fake_send(a2, "CS TRANSFER #c bob");
    EXPECT_LINE(a2, "#c now belongs to bob");
    fake_send(a2, "CS DROP #c");
    EXPECT_LINE(a2, "You are not the founder of #c");
    fake_send(b2, "CS DROP #c");
    EXPECT_LINE(b2, "#c has been dropped");
    fake_send(b2, "CS INFO #c");
    EXPECT_LINE(b2, "#c is not registered");
    fake_server_free(s);
    /* Gone from the store too. */
    s = fake_server_with_store(path, NULL);
    fake_conn *x = fake_register(s, "x");
    fake_send(x, "JOIN #c");
    EXPECT_LINE(x, " 353 x = #c :@x");
    fake_server_free(s);
}

/* Dropping an account drops the channels it founded. */
static void test_chanserv_account_drop(void)
{
    srv_server *s = fake_server_with_store(fresh_db(), NULL);
    fake_conn *a = logged_in(s, "alice", "alice-pass");
    fake_send(a, "JOIN #gone");
    fake_send(a, "CS REGISTER #gone");
    EXPECT_LINE(a, "#gone is now registered");
    fake_send(a, "PART #gone");
    fake_send(a, "NS DROP alice alice-pass");
    EXPECT_LINE(a, "alice has been dropped");
    fake_send(a, "CS INFO #gone");
    EXPECT_LINE(a, "not registered");
    fake_send(a, "LIST #gone");
    EXPECT_NO_LINE(a, " 322 ");
    fake_server_free(s);
}

static void cleanup_files(void)
{
    char path[300];
    for (unsigned i = 1; i <= db_counter; i++) {
        snprintf(path, sizeof path, "test-accounts-%u.db", i);
        remove(path);
        snprintf(path, sizeof path, "test-accounts-%u.db-wal", i);
        remove(path);
        snprintf(path, sizeof path, "test-accounts-%u.db-shm", i);
        remove(path);
    }
    remove("test-accounts-backup.db");
}

static CU_TestInfo tests[] = {
    {"store: migrations from schema 1, newer refused", test_store_migrations},
    {"store: create, replace, drop, stats", test_store_semantics},
    {"store: locked database refuses, chat goes on", test_store_locked},
    {"store: online backup", test_backup},
    {"REGISTER and VERIFY", test_register},
    {"registration policy and no store", test_register_policy},
    {"SASL PLAIN", test_sasl_plain},
    {"SASL 400-byte pieces", test_sasl_chunks},
    {"SASL bad input", test_sasl_bad_input},
    {"SASL SCRAM-SHA-256", test_sasl_scram},
    {"SASL EXTERNAL and CERT", test_sasl_external},
    {"NickServ", test_nickserv},
    {"review: pinned SCRAM identity, parallel proofs, names", test_hardening},
    {"account-notify, extended-join, account-tag, WHOX, +r", test_account_caps},
    {"nick protection: grace", test_nick_grace},
    {"nick protection: strict", test_nick_strict},
    {"rate limits", test_rate_limits},
    {"accounts survive a restart", test_restart},
    {"OPER by account", test_oper_account},
    {"ChanServ: register, keep, restore, access, transfer, drop", test_chanserv},
    {"ChanServ: an account's drop takes its channels", test_chanserv_account_drop},
        CU_TEST_INFO_NULL,
};

int main(void)
{
    int rc = nt_test_main("accounts", tests);
    cleanup_files();
    return rc;
}

/* SPDX-License-Identifier: MIT */
/* Operators: OPER (salted PBKDF2 hashes), KILL, CHGHOST, REHASH. */
#include "authlimit.h"
#include "fake-transport.h"
#include "helpers.h"
#include "numerics.h"
#include "password.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *conf_path = "test-irc-oper.conf";
static const char *motd_path = "test-irc-oper.motd";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

static srv_server *server_with_oper(void)
{
    char hash[256], text[1024];
    CU_ASSERT_FATAL(srv_password_hash("hunter2", (const unsigned char *)"pepper!!", 8, 1000, hash,
                                      sizeof hash) == 0);
    snprintf(text, sizeof text,
             "[server]\nname = irc.test\nmotd_file = %s\n[limits]\nflood_penalty_percent = 0\n"
             "[oper root]\npassword = %s\n",
             motd_path, hash);
    write_file(conf_path, text);
    write_file(motd_path, "first motd\n");
    srv_config cfg;
    char err[256];
    int rc = srv_config_load(&cfg, conf_path, err, sizeof err);
    if (rc != 0)
        printf("\n  %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    srv_server *s = fake_server(&cfg);
    srv_config_free(&cfg);
    return s;
}

static void test_oper(void)
{
    srv_server *s = server_with_oper();
    fake_conn *a = fake_register(s, "alice");
    /* An unknown name is answered like a wrong password: operator names
     * cannot be found by guessing. */
    fake_send(a, "OPER nobody hunter2");
    EXPECT_LINE(a, " 464 alice :Password incorrect");
    fake_send(a, "OPER root wrong");
    EXPECT_LINE(a, " 464 alice :Password incorrect");
    fake_send(a, "OPER root");
    EXPECT_NUMERIC(a, ERR_NEEDMOREPARAMS);
    CU_ASSERT(!fake_has_numeric(a, RPL_YOUREOPER));
    fake_send(a, "OPER root hunter2");
    EXPECT_LINE(a, " 381 alice :You are now an IRC operator");
    EXPECT_LINE(a, ":alice MODE alice :+o");
    fake_clear(a);
    fake_send(a, "LUSERS");
    EXPECT_LINE(a, " 252 alice 1 :operator(s) online");
    fake_conn *b = fake_register(s, "bob");
    fake_send(b, "WHOIS alice");
    EXPECT_LINE(b, " 313 bob alice :is an IRC operator");
    fake_send(b, "USERHOST alice");
    EXPECT_LINE(b, "alice*=+~alice@127.0.0.1");
    /* Dropping +o. */
    fake_clear(a);
    fake_send(a, "MODE alice -o");
    EXPECT_LINE(a, ":alice MODE alice :-o");
    fake_send(a, "KILL bob :x");
    EXPECT_NUMERIC(a, ERR_NOPRIVILEGES);
    fake_server_free(s);
    remove(conf_path);
    remove(motd_path);
}

static void test_kill(void)
{
    srv_server *s = server_with_oper();
    fake_conn *a = fake_register(s, "alice");
    fake_conn *b = fake_register(s, "bob");
    fake_conn *c = fake_register(s, "carol");
    fake_send(b, "JOIN #room");
    fake_send(c, "JOIN #room");
    fake_send(b, "KILL carol :no");
    EXPECT_LINE(b, " 481 bob :Permission Denied- You're not an IRC operator");
    CU_ASSERT(!c->closed);
    fake_send(a, "OPER root hunter2");
    fake_clear(a);
    fake_send(a, "KILL nobody :x");
    EXPECT_NUMERIC(a, ERR_NOSUCHNICK);
    fake_send(a, "KILL carol");
    EXPECT_NUMERIC(a, ERR_NEEDMOREPARAMS);
    fake_clear(b);
    fake_send(a, "KILL carol :spamming");
    CU_ASSERT(c->closed);
    EXPECT_LINE(c, "ERROR :Closing Link: 127.0.0.1 (Killed (alice (spamming)))");
    EXPECT_LINE(b, ":carol!~carol@127.0.0.1 QUIT :Killed (alice (spamming))");
    fake_server_free(s);
    remove(conf_path);
    remove(motd_path);
}

/* CHGHOST: peers with the chghost capability get one CHGHOST line, the
 * others see a quit and a rejoin with the status restored; the real
 * address still counts for the connection limits. */
static void test_chghost(void)
{
    srv_server *s = server_with_oper();
    fake_conn *op = fake_register(s, "root");
    fake_conn *a = fake_register(s, "alice");
    fake_conn *modern = fake_register(s, "modern");
    fake_conn *old = fake_register(s, "old");
    fake_conn *far = fake_register(s, "far");
    fake_send(modern, "CAP REQ :chghost");
    EXPECT_LINE(modern, "CAP modern ACK :chghost");
    fake_send(a, "JOIN #one");
    fake_send(a, "JOIN #two");
    fake_send(modern, "JOIN #one");
    fake_send(old, "JOIN #one");
    fake_send(old, "JOIN #two");
    fake_send(a, "MODE #two +v alice");
    fake_send(a, "MODE #one -o alice");
    fake_send(op, "CHGHOST alice cloak.example");
    EXPECT_NUMERIC(op, ERR_NOPRIVILEGES);
    fake_send(op, "OPER root hunter2");
    EXPECT_NUMERIC(op, RPL_YOUREOPER);

    fake_clear(a);
    fake_clear(modern);
    fake_clear(old);
    fake_clear(far);
    fake_send(op, "CHGHOST alice cloak.example");
    EXPECT_LINE(op, "NOTICE root :alice is now shown as ~alice@cloak.example");
    EXPECT_LINE(a, " 396 alice cloak.example :is now your displayed host");
    CU_ASSERT(fake_count(modern, " CHGHOST ") == 1);
    EXPECT_LINE(modern, ":alice!~alice@127.0.0.1 CHGHOST ~alice cloak.example");
    CU_ASSERT(fake_count(modern, " QUIT ") == 0);
    /* The old client: one QUIT, then a JOIN per shared channel and the
     * op and voice on #two given back; nothing on #one (alice dropped
     * her op there). */
    CU_ASSERT(fake_count(old, " QUIT ") == 1);
    CU_ASSERT(fake_count(old, " CHGHOST ") == 0);
    long quit = fake_index(old, ":alice!~alice@127.0.0.1 QUIT :Changing host");
    long join1 = fake_index(old, ":alice!~alice@cloak.example JOIN #one");
    long join2 = fake_index(old, ":alice!~alice@cloak.example JOIN #two");
    long voice = fake_index(old, ":irc.test MODE #two +ov alice alice");
    CU_ASSERT(quit >= 0 && join1 > quit && join2 > quit && voice > join2);
    CU_ASSERT(fake_count(old, " MODE #one ") == 0);
    CU_ASSERT(far->nlines == 0);
    CU_ASSERT(fake_count(a, " CHGHOST ") == 0);
    /* Everything shows the new host. */
    fake_send(far, "WHOIS alice");
    EXPECT_LINE(far, " 311 far alice ~alice cloak.example * :");

    /* user@host, for a client with the capability itself */
    fake_send(a, "CAP REQ chghost");
    fake_clear(a);
    fake_clear(modern);
    fake_send(op, "CHGHOST alice guest@vanity/host");
    EXPECT_LINE(a, ":alice!~alice@cloak.example CHGHOST guest vanity/host");
    EXPECT_LINE(modern, ":alice!~alice@cloak.example CHGHOST guest vanity/host");

    /* Bad input: clear errors, nothing changes. */
    fake_clear(op);
    fake_clear(a);
    fake_send(op, "CHGHOST nobody x.example");
    EXPECT_NUMERIC(op, ERR_NOSUCHNICK);
    fake_send(op, "CHGHOST alice");
    EXPECT_NUMERIC(op, ERR_NEEDMOREPARAMS);
    fake_send(op, "CHGHOST alice :a b");
    EXPECT_LINE(op, "FAIL CHGHOST INVALID_HOST");
    fake_send(op, "CHGHOST alice a!b");
    CU_ASSERT(fake_count(op, "FAIL CHGHOST INVALID_HOST") == 2);
    fake_send(op, "CHGHOST alice @x.example");
    EXPECT_LINE(op, "FAIL CHGHOST INVALID_USER");
    fake_send(op, "CHGHOST alice waytoolonguser@x.example");
    CU_ASSERT(fake_count(op, "FAIL CHGHOST INVALID_USER") == 2);
    CU_ASSERT(fake_count(a, " CHGHOST ") == 0);
    fake_send(far, "USERHOST alice");
    EXPECT_LINE(far, "alice=+guest@vanity/host");
    fake_server_free(s);
    remove(conf_path);
    remove(motd_path);
}

static void test_rehash(void)
{
    srv_server *s = server_with_oper();
    fake_conn *a = fake_register(s, "alice");
    fake_send(a, "REHASH");
    EXPECT_NUMERIC(a, ERR_NOPRIVILEGES);
    fake_send(a, "OPER root hunter2");
    fake_send(a, "MOTD");
    EXPECT_LINE(a, ":- first motd");
    write_file(motd_path, "second motd\n");
    fake_clear(a);
    fake_send(a, "REHASH");
    EXPECT_LINE(a, " 382 alice test-irc-oper.conf :Rehashing");
    fake_send(a, "MOTD");
    EXPECT_LINE(a, ":- second motd");
    /* A broken file is refused whole, with file:line, and the old
     * configuration stays. */
    write_file(conf_path, "[server]\nname = irc.test\n[limits]\nnick_length = banana\n");
    fake_clear(a);
    fake_send(a, "REHASH");
    EXPECT_LINE(a, "REHASH failed: test-irc-oper.conf:4: 'nick_length' wants a number");
    fake_send(a, "MOTD");
    EXPECT_LINE(a, ":- second motd");
    /* Limits change under a good REHASH. */
    write_file(conf_path, "[server]\nname = other.name\n[limits]\nnick_length = 9\n"
                          "flood_penalty_percent = 0\n");
    fake_send(a, "REHASH");
    fake_clear(a);
    fake_send(a, "NICK abcdefghij");
    EXPECT_NUMERIC(a, ERR_ERRONEUSNICKNAME);
    fake_send(a, "MOTD");
    EXPECT_LINE(a, ":irc.test 422 "); /* the name stays; the MOTD is gone */
    char err[128];
    CU_ASSERT(srv_server_rehash(s, err, sizeof err) == 0);
    fake_server_free(s);
    remove(conf_path);
    remove(motd_path);
}

/* An address that keeps guessing is refused without hashing (each check
 * costs the loop tens of milliseconds) until its window passes. */
static void test_oper_attempt_limit(void)
{
    srv_server *s = server_with_oper();
    fake_conn *a = fake_register(s, "alice");
    for (int i = 0; i < SRV_AUTH_MAX_FAILURES; i++) {
        fake_send(a, "OPER root wrong%d", i);
        EXPECT_LINE(a, " 464 alice :Password incorrect");
    }
    fake_clear(a);
    fake_send(a, "OPER root hunter2");
    EXPECT_LINE(a, " 464 alice :Too many failed attempts, try again later");
    CU_ASSERT(!fake_has_numeric(a, RPL_YOUREOPER));
    /* Another address is not affected. */
    fake_conn *b = fake_connect(s, "192.0.2.7");
    fake_send(b, "NICK bob");
    fake_send(b, "USER b 0 * :B");
    fake_clear(b);
    fake_send(b, "OPER root hunter2");
    EXPECT_LINE(b, " 381 bob :You are now an IRC operator");
    /* Once the window has passed, the first address may try again. */
    fake_now_ms += SRV_AUTH_WINDOW_MS;
    fake_clear(a);
    fake_send(a, "OPER root hunter2");
    EXPECT_LINE(a, " 381 alice :You are now an IRC operator");
    fake_server_free(s);
}

static const CU_TestInfo tests[] = {
    {"OPER", test_oper}, {"OPER attempts limited per address", test_oper_attempt_limit},
    {"KILL", test_kill}, {"CHGHOST", test_chghost}, {"REHASH", test_rehash},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-oper", tests);
}

/* SPDX-License-Identifier: MIT */
/* Operators: OPER (salted PBKDF2 hashes), KILL, REHASH. */
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
    {"KILL", test_kill}, {"REHASH", test_rehash},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-oper", tests);
}

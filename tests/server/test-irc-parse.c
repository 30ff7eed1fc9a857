/* SPDX-License-Identifier: MIT */
/* The core's building blocks: casemapping, the name table, line parsing
 * and tag escaping, the config parser, password hashes, time formats and
 * the command table. */
#include "casemap.h"
#include "commands.h"
#include "config.h"
#include "helpers.h"
#include "irc-parse.h"
#include "mask.h"
#include "password.h"
#include "strmap.h"
#include "timefmt.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_casemap(void)
{
    CU_ASSERT(srv_casecmp("Nick[1]~", "nick{1}^") == 0);
    CU_ASSERT(srv_casecmp("a\\b", "A|B") == 0);
    CU_ASSERT(srv_casecmp("abc", "abd") < 0);
    char folded[16];
    CU_ASSERT(srv_casefold(folded, "#FOO[]", sizeof folded) == 6);
    CU_ASSERT_STRING_EQUAL(folded, "#foo{}");
    CU_ASSERT(srv_nick_valid("alice", 30));
    CU_ASSERT(srv_nick_valid("[x]_-`^{|}", 30));
    CU_ASSERT(!srv_nick_valid("", 30));
    CU_ASSERT(!srv_nick_valid("1abc", 30));
    CU_ASSERT(!srv_nick_valid("-abc", 30));
    CU_ASSERT(!srv_nick_valid("a b", 30));
    CU_ASSERT(!srv_nick_valid("a!b", 30));
    CU_ASSERT(!srv_nick_valid("abcdefghij", 9));
    CU_ASSERT(!srv_nick_valid("caf\xc3\xa9", 30));
    CU_ASSERT(srv_channel_valid("#room", 50));
    CU_ASSERT(srv_channel_valid("#caf\xc3\xa9", 50));
    CU_ASSERT(!srv_channel_valid("#", 50));
    CU_ASSERT(!srv_channel_valid("room", 50));
    CU_ASSERT(!srv_channel_valid("#a,b", 50));
    CU_ASSERT(!srv_channel_valid("#a\x07", 50));
    CU_ASSERT(!srv_channel_valid("#\xff", 50));
    CU_ASSERT(!srv_channel_valid("#abcdef", 5));
}

static void test_utf8(void)
{
    CU_ASSERT(srv_utf8_valid("plain", 5));
    CU_ASSERT(srv_utf8_valid("\xe2\x82\xac", 3));
    CU_ASSERT(srv_utf8_valid("\xf0\x9f\x98\x80", 4));
    CU_ASSERT(!srv_utf8_valid("\xc0\xaf", 2));         /* overlong */
    CU_ASSERT(!srv_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CU_ASSERT(!srv_utf8_valid("\xe2\x82", 2));         /* truncated */
    CU_ASSERT(!srv_utf8_valid("\xf5\x80\x80\x80", 4)); /* > U+10FFFF */
    /* Cutting never splits a sequence. */
    CU_ASSERT(srv_utf8_cut("ab\xe2\x82\xac", 4) == 2);
    CU_ASSERT(srv_utf8_cut("ab\xe2\x82\xac", 5) == 5);
    CU_ASSERT(srv_utf8_cut("abc", 10) == 3);
}

static void test_mask_match(void)
{
    CU_ASSERT(srv_mask_match("*", "anything"));
    CU_ASSERT(srv_mask_match("*!*@*", "nick!user@host"));
    CU_ASSERT(srv_mask_match("NICK[1]!*@*", "nick{1}!u@h"));
    CU_ASSERT(srv_mask_match("a?c", "abc"));
    CU_ASSERT(!srv_mask_match("a?c", "ac"));
    CU_ASSERT(srv_mask_match("*.example.com", "irc.example.com"));
    CU_ASSERT(!srv_mask_match("*.example.com", "example.org"));
    CU_ASSERT(srv_mask_match("a*b*c", "aXXbYYc"));
    /* A pathological mask stays fast (no recursion, no blow-up). */
    char str[4000], mask[100];
    memset(str, 'a', sizeof str - 1);
    str[sizeof str - 1] = '\0';
    for (size_t i = 0; i < sizeof mask - 2; i += 2) {
        mask[i] = '*';
        mask[i + 1] = 'a';
    }
    mask[sizeof mask - 2] = 'b';
    mask[sizeof mask - 1] = '\0';
    CU_ASSERT(!srv_mask_match(mask, str));
}

static void test_strmap(void)
{
    srv_strmap *m = srv_strmap_new();
    CU_ASSERT_FATAL(m != NULL);
    int values[1000];
    char name[32];
    for (int i = 0; i < 1000; i++) {
        values[i] = i;
        snprintf(name, sizeof name, "Nick[%d]", i);
        CU_ASSERT(srv_strmap_put(m, name, &values[i]) == 0);
    }
    CU_ASSERT(srv_strmap_count(m) == 1000);
    CU_ASSERT(srv_strmap_get(m, "nick{500}") == &values[500]);
    CU_ASSERT(srv_strmap_get(m, "NICK[999]") == &values[999]);
    CU_ASSERT(srv_strmap_get(m, "nick[1000]") == NULL);
    CU_ASSERT(srv_strmap_put(m, "NICK{5}", &values[0]) == 0); /* replace */
    CU_ASSERT(srv_strmap_count(m) == 1000);
    CU_ASSERT(srv_strmap_get(m, "nick[5]") == &values[0]);
    CU_ASSERT(srv_strmap_remove(m, "nick{7}") == &values[7]);
    CU_ASSERT(srv_strmap_remove(m, "nick{7}") == NULL);
    size_t seen = 0;
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    while (srv_strmap_next(m, &it))
        seen++;
    CU_ASSERT(seen == 999);
    srv_strmap_free(m);
}

static void test_parse(void)
{
    char line[512];
    srv_msg m;
    strcpy(line, "PRIVMSG #chan :hello world");
    CU_ASSERT_FATAL(srv_msg_parse(line, &m) == 0);
    CU_ASSERT_STRING_EQUAL(m.command, "PRIVMSG");
    CU_ASSERT(m.nparams == 2);
    CU_ASSERT_STRING_EQUAL(m.params[0], "#chan");
    CU_ASSERT_STRING_EQUAL(m.params[1], "hello world");
    CU_ASSERT(m.source == NULL && m.ntags == 0);

    strcpy(line, "@a=1;+b=x\\sy\\:z\\\\;c :nick!u@h  NOTICE   t  :");
    CU_ASSERT_FATAL(srv_msg_parse(line, &m) == 0);
    CU_ASSERT(m.ntags == 3);
    CU_ASSERT_STRING_EQUAL(m.tags[0].key, "a");
    CU_ASSERT_STRING_EQUAL(m.tags[0].value, "1");
    CU_ASSERT_STRING_EQUAL(m.tags[1].value, "x y;z\\");
    CU_ASSERT_STRING_EQUAL(m.tags[2].key, "c");
    CU_ASSERT_STRING_EQUAL(m.tags[2].value, "");
    CU_ASSERT_STRING_EQUAL(m.source, "nick!u@h");
    CU_ASSERT_STRING_EQUAL(m.command, "NOTICE");
    CU_ASSERT(m.nparams == 2);
    CU_ASSERT_STRING_EQUAL(m.params[1], "");

    char relayed[128];
    CU_ASSERT(srv_msg_client_tags(&m, relayed, sizeof relayed) > 0);
    CU_ASSERT_STRING_EQUAL(relayed, "+b=x\\sy\\:z\\\\");

    strcpy(line, "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
    CU_ASSERT_FATAL(srv_msg_parse(line, &m) == 0);
    CU_ASSERT(m.nparams == 15);
    CU_ASSERT_STRING_EQUAL(m.params[14], "15 16 17");

    strcpy(line, "");
    CU_ASSERT(srv_msg_parse(line, &m) == -1);
    strcpy(line, "   ");
    CU_ASSERT(srv_msg_parse(line, &m) == -1);
    strcpy(line, "@only=tags");
    CU_ASSERT(srv_msg_parse(line, &m) == -1);
    strcpy(line, ":only.source");
    CU_ASSERT(srv_msg_parse(line, &m) == -1);
    strcpy(line, "QUIT");
    CU_ASSERT(srv_msg_parse(line, &m) == 0 && m.nparams == 0);
    strcpy(line, "MODE #c +b  ");
    CU_ASSERT(srv_msg_parse(line, &m) == 0 && m.nparams == 2);

    char esc[32];
    CU_ASSERT(srv_tag_escape(esc, sizeof esc, "a b;c\\\r\n") == 13);
    CU_ASSERT_STRING_EQUAL(esc, "a\\sb\\:c\\\\\\r\\n");
    CU_ASSERT(srv_tag_escape(esc, 4, "abcdef") == (size_t)-1);
}

static void test_config(void)
{
    srv_config cfg;
    char err[256];
    CU_ASSERT_FATAL(srv_config_defaults(&cfg) == 0);
    const char *good =
        "# comment\n; another\n[server]\nname = irc.example.org\nnetwork = \"Example\"\n"
        "[limits]\nmax_clients = 10\nping_interval = 30\nsendq = 8192\nflood_exempt_opers = no\n"
        "[listen]\naddress = 0.0.0.0:6667\naddress = [::]:6697\n"
        "[oper admin]\npassword = pbkdf2-sha256$1000$00$000102030405060708090a0b0c0d0e0f\n";
    CU_ASSERT(srv_config_parse(&cfg, good, "good.conf", err, sizeof err) == 0);
    CU_ASSERT_STRING_EQUAL(cfg.server_name, "irc.example.org");
    CU_ASSERT_STRING_EQUAL(cfg.network, "Example");
    CU_ASSERT(cfg.max_clients == 10);
    CU_ASSERT(cfg.ping_interval_ms == 30000);
    CU_ASSERT(cfg.sendq == 8192);
    CU_ASSERT(cfg.flood_exempt_opers == 0);
    CU_ASSERT(cfg.nlisten == 2);
    CU_ASSERT(srv_config_find_oper(&cfg, "admin") != NULL);
    srv_config_free(&cfg);

    static const struct {
        const char *text;
        const char *error;
    } bad[] = {
        {"[server]\nnope = 1\n", "bad.conf:2: unknown key 'nope' in [server]"},
        {"name = x\n", "bad.conf:1: 'name' outside any [section]"},
        {"[limits]\n\nmax_clients = lots\n", "bad.conf:3: 'max_clients' wants a number"},
        {"[limits]\nline_length = 100\n", "bad.conf:2: 'line_length' must be between 512 and 8192"},
        {"[weird]\n", "bad.conf:1: unknown section [weird]"},
        {"[server\n", "bad.conf:1: section header without a closing ']'"},
        {"[server]\njust words\n", "bad.conf:2: expected 'key = value'"},
        {"[server]\nname = nodot\n", "bad.conf:2: server name 'nodot' must contain a dot"},
        {"[server]\npassword = plain\n", "bad.conf:2: password must be a hash"},
        {"[server]\npassword = pbkdf2-sha256$1000$00$00\n", "bad.conf:2: password must be a hash"},
        {"[server]\npassword = pbkdf2-sha256$0$00$000102030405060708090a0b0c0d0e0f\n",
         "bad.conf:2: password must be a hash"},
        {"[oper x]\npassword = pbkdf2-sha256$10$zz$000102030405060708090a0b0c0d0e0f\n",
         "bad.conf:2: oper password must be a hash"},
        {"[listen]\naddress = 6667\n", "bad.conf:2: listen address '6667' is not HOST:PORT"},
        {"[oper x]\n", "bad.conf:1: [oper x] has neither a password nor an account"},
        {"[limits]\nflood_exempt_opers = maybe\n",
         "bad.conf:2: 'flood_exempt_opers' wants yes or no"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_FATAL(srv_config_defaults(&cfg) == 0);
        err[0] = '\0';
        CU_ASSERT(srv_config_parse(&cfg, bad[i].text, "bad.conf", err, sizeof err) == -1);
        if (strncmp(err, bad[i].error, strlen(bad[i].error)) != 0) {
            printf("\n  got \"%s\"\n  want \"%s\"\n", err, bad[i].error);
            CU_FAIL("wrong config error");
        }
        srv_config_free(&cfg);
    }
    CU_ASSERT(srv_config_load(&cfg, "/nonexistent/natterd.conf", err, sizeof err) == -1);
    CU_ASSERT(strstr(err, "/nonexistent/natterd.conf: cannot open") != NULL);

    /* The shipped example parses, when the source tree is at hand. */
    FILE *f = fopen(NATTERD_EXAMPLE_CONF, "rb");
    if (f) {
        fclose(f);
        int rc = srv_config_load(&cfg, NATTERD_EXAMPLE_CONF, err, sizeof err);
        if (rc != 0)
            printf("\n  %s\n", err);
        CU_ASSERT(rc == 0);
        if (rc == 0)
            srv_config_free(&cfg);
    } else {
        nt_test_skip("natterd.conf.example not found from the test's directory");
    }
}

static void test_password(void)
{
    char stored[256];
    const unsigned char salt[] = {1, 2, 3, 4, 5, 6, 7, 8};
    CU_ASSERT_FATAL(
        srv_password_hash("correct horse", salt, sizeof salt, 1000, stored, sizeof stored) == 0);
    CU_ASSERT(strncmp(stored, "pbkdf2-sha256$1000$0102030405060708$", 36) == 0);
    CU_ASSERT(strlen(stored) == 36 + 64);
    CU_ASSERT(srv_password_verify(stored, "correct horse") == 1);
    CU_ASSERT(srv_password_verify(stored, "correct horsE") == 0);
    CU_ASSERT(srv_password_verify(stored, "") == 0);
    /* RFC 7914 test vector for PBKDF2-HMAC-SHA256 ("passwd", "salt", 1). */
    CU_ASSERT(
        srv_password_verify("pbkdf2-sha256$1$73616c74$"
                            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc",
                            "passwd") == 1);
    /* Malformed stored hashes never match. */
    CU_ASSERT(srv_password_verify("plain", "plain") == 0);
    CU_ASSERT(srv_password_verify("pbkdf2-sha256$0$00$0011223344556677889900112233445566", "x") ==
              0);
    CU_ASSERT(srv_password_verify("pbkdf2-sha256$99999999999$00$00112233445566778899001122334455",
                                  "x") == 0);
    CU_ASSERT(srv_password_verify("pbkdf2-sha256$10$zz$00112233445566778899001122334455", "x") ==
              0);
    CU_ASSERT(srv_password_verify("pbkdf2-sha256$10$00$0011", "x") == 0);
    CU_ASSERT(srv_password_verify("pbkdf2-sha256$10$00", "x") == 0);
    CU_ASSERT(srv_password_hash("x", salt, 0, 1000, stored, sizeof stored) == -1);
    CU_ASSERT(srv_password_hash("x", salt, 8, 1000, stored, 20) == -1);
}

static void test_timefmt(void)
{
    char buf[64];
    srv_time_iso8601(INT64_C(1700000000123456), buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "2023-11-14T22:13:20.123Z");
    srv_time_iso8601(0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "1970-01-01T00:00:00.000Z");
    srv_time_iso8601(INT64_C(951782400) * 1000000, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "2000-02-29T00:00:00.000Z");
    srv_time_human(0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "Thursday January 01 1970 -- 00:00:00 +00:00");
}

static void test_command_table(void)
{
    size_t n;
    const srv_command *t = srv_command_table(&n);
    CU_ASSERT(n >= 33);
    for (size_t i = 1; i < n; i++)
        CU_ASSERT(strcmp(t[i - 1].name, t[i].name) < 0); /* bsearch needs order */
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT(t[i].handler != NULL);
        CU_ASSERT(t[i].min_params <= t[i].max_params);
        CU_ASSERT(t[i].max_params <= SRV_MSG_MAX_PARAMS);
        CU_ASSERT(srv_command_find(t[i].name) == &t[i]);
    }
    CU_ASSERT(srv_command_find("privmsg") != NULL);
    CU_ASSERT(srv_command_find("NOPE") == NULL);
    CU_ASSERT(srv_command_find("") == NULL);
}

static const CU_TestInfo tests[] = {
    {"rfc1459 casemapping and name validation", test_casemap},
    {"UTF-8 validation and cutting", test_utf8},
    {"glob masks", test_mask_match},
    {"name table", test_strmap},
    {"line parsing and tag escaping", test_parse},
    {"config parser and its errors", test_config},
    {"PBKDF2 password hashes", test_password},
    {"time formats", test_timefmt},
    {"command table", test_command_table},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("irc-parse", tests);
}

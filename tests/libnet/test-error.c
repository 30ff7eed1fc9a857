/* SPDX-License-Identifier: MIT */
/* The one error table: every code has a name and a text that agree with
 * the table, the "peer is gone" predicate is true for exactly the two
 * disconnect codes, and codes outside the table still get a safe answer. */
#include "helpers.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

struct entry {
    int code;
    const char *name;
    const char *text;
};

/* Built from the same X-macro as the library, so a code added to the
 * table is checked here without editing this file. */
static const struct entry table[] = {
#define ENTRY(name, value, text) {NT_##name, "NT_" #name, text},
    NT_ERROR_TABLE(ENTRY)
#undef ENTRY
};
#define TABLE_LEN (sizeof table / sizeof table[0])

static int in_table(int code)
{
    for (size_t i = 0; i < TABLE_LEN; i++)
        if (table[i].code == code)
            return 1;
    return 0;
}

static void test_every_code_has_name_and_text(void)
{
    CU_ASSERT(TABLE_LEN > 30);
    for (size_t i = 0; i < TABLE_LEN; i++) {
        const char *name = nt_err_name(table[i].code);
        const char *text = nt_strerror(table[i].code);
        CU_ASSERT_PTR_NOT_NULL_FATAL(name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        CU_ASSERT_STRING_EQUAL(name, table[i].name);
        CU_ASSERT_STRING_EQUAL(text, table[i].text);
        CU_ASSERT(strlen(text) > 3);
    }
}

static void test_codes_are_distinct_and_negative(void)
{
    for (size_t i = 0; i < TABLE_LEN; i++) {
        if (table[i].code == NT_OK) {
            CU_ASSERT_STRING_EQUAL(table[i].name, "NT_OK");
        } else {
            CU_ASSERT(table[i].code < 0);
        }
        for (size_t j = i + 1; j < TABLE_LEN; j++) {
            CU_ASSERT(table[i].code != table[j].code);
            CU_ASSERT(strcmp(table[i].name, table[j].name) != 0);
            /* Distinct texts: a log line must tell the codes apart. */
            CU_ASSERT(strcmp(table[i].text, table[j].text) != 0);
        }
    }
    /* Stable ABI values that programs may have compiled in. */
    CU_ASSERT_EQUAL(NT_OK, 0);
    CU_ASSERT_EQUAL(NT_EOF, -1);
    CU_ASSERT_EQUAL(NT_ECONNRESET, -2);
    CU_ASSERT_EQUAL(NT_EAGAIN, -3);
    CU_ASSERT_EQUAL(NT_ETIMEDOUT, -4);
}

static void test_is_disconnect_exactly_eof_and_reset(void)
{
    for (size_t i = 0; i < TABLE_LEN; i++) {
        int want = table[i].code == NT_EOF || table[i].code == NT_ECONNRESET;
        if (nt_err_is_disconnect(table[i].code) != want)
            printf("\n    nt_err_is_disconnect(%s) = %d\n", table[i].name,
                   nt_err_is_disconnect(table[i].code));
        CU_ASSERT_EQUAL(nt_err_is_disconnect(table[i].code), want);
    }
    /* Byte counts and codes outside the table are not disconnects. */
    const int others[] = {1, 2, 100, -100, -1000, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        CU_ASSERT_EQUAL(nt_err_is_disconnect(others[i]), 0);
}

static void test_unknown_codes(void)
{
    const int unknown[] = {-98, -100, -12345, INT_MIN, 1, 42, INT_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        int code = unknown[i];
        CU_ASSERT_FATAL(!in_table(code));
        const char *name = nt_err_name(code);
        const char *text = nt_strerror(code);
        CU_ASSERT_PTR_NOT_NULL_FATAL(name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        CU_ASSERT_STRING_EQUAL(name, "NT_E?");
        CU_ASSERT(strlen(text) > 0);
        /* An unknown code must not borrow a real code's text. */
        for (size_t j = 0; j < TABLE_LEN; j++)
            CU_ASSERT(strcmp(text, table[j].text) != 0);
    }
    /* The catch-all for OS errors without a mapping is in the table. */
    CU_ASSERT_STRING_EQUAL(nt_err_name(NT_EUNKNOWN), "NT_EUNKNOWN");
}

/* nt_last_os_error() keeps the raw OS code behind a translated failure. */
static void test_last_os_error(void)
{
    nt_addr addr;
    nt_socket *l = nt_test_listener(NT_AF_INET, &addr);
    nt_socket *s = NULL;
    CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_STREAM, 0, &s) == NT_OK);
    int rc = nt_socket_bind(s, &addr); /* the listener holds the port */
    CU_ASSERT(rc == NT_EADDRINUSE || rc == NT_EACCES);
    CU_ASSERT(nt_last_os_error() != 0);
    nt_socket_close(s);
    nt_socket_close(l);
}

static const CU_TestInfo tests[] = {
    {"every code has its name and text", test_every_code_has_name_and_text},
    {"codes are distinct and negative", test_codes_are_distinct_and_negative},
    {"is_disconnect exactly for EOF and ECONNRESET", test_is_disconnect_exactly_eof_and_reset},
    {"unknown codes get a safe name and text", test_unknown_codes},
    {"last OS error recorded on failure", test_last_os_error},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("error", tests);
}

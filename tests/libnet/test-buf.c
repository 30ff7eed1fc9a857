/* SPDX-License-Identifier: MIT */
/* Shared buffers: one formatting, many holders, writable only while
 * unshared, and the library's private creation counter that proves it. */
#include "helpers.h"

#include <natter/buf.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf-internal.h" /* nt__buf_created_total(): a white-box counter */

static int has(const nt_buf *b, const char *text)
{
    size_t n = strlen(text);
    return b && nt_buf_len(b) == n && memcmp(nt_buf_data(b), text, n) == 0;
}

static void test_new_and_from(void)
{
    nt_buf *b = nt_buf_new(0);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_len(b), 0);
    CU_ASSERT_PTR_NOT_NULL(nt_buf_data(b));
    nt_buf_unref(b);

    char src[] = "hello, world";
    b = nt_buf_from(src, 5);
    CU_ASSERT_FATAL(b != NULL);
    src[0] = 'J'; /* a copy, not a view */
    CU_ASSERT(has(b, "hello"));
    nt_buf_unref(b);

    /* Bytes, not strings: embedded NULs are kept. */
    b = nt_buf_from("a\0b", 3);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(nt_buf_len(b) == 3 && memcmp(nt_buf_data(b), "a\0b", 3) == 0);
    nt_buf_unref(b);

    b = nt_buf_from(NULL, 0);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_len(b), 0);
    nt_buf_unref(b);
}

static void test_append_grows(void)
{
    nt_buf *b = nt_buf_new(4);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_append(b, "abc", 3), NT_OK);
    CU_ASSERT_EQUAL(nt_buf_append(b, "defgh", 5), NT_OK); /* past capacity */
    CU_ASSERT(has(b, "abcdefgh"));

    /* A byte at a time, far past the first block. */
    int wrong = 0;
    for (int i = 0; i < 100000; i++) {
        char c = (char)('a' + i % 26);
        if (nt_buf_append(b, &c, 1) != NT_OK)
            wrong++;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(nt_buf_len(b), 100008);
    const char *d = nt_buf_data(b);
    CU_ASSERT(memcmp(d, "abcdefgh", 8) == 0);
    for (int i = 0; i < 100000; i++) {
        if (d[8 + i] != (char)('a' + i % 26)) {
            wrong++;
            break;
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);

    CU_ASSERT_EQUAL(nt_buf_append(b, NULL, 0), NT_OK);
    CU_ASSERT_EQUAL(nt_buf_append(b, "", 0), NT_OK);
    CU_ASSERT_EQUAL(nt_buf_len(b), 100008);
    nt_buf_unref(b);
}

static void test_refcount_sharing(void)
{
    nt_buf *b = nt_buf_from("msg", 3);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_append(b, "1", 1), NT_OK);

    nt_buf *q1 = nt_buf_ref(b);
    nt_buf *q2 = nt_buf_ref(b);
    CU_ASSERT_PTR_EQUAL(q1, b);
    CU_ASSERT_PTR_EQUAL(q2, b);

    /* Shared: every holder sees the same bytes, and nobody may change
     * them underneath the others. */
    CU_ASSERT_EQUAL(nt_buf_append(b, "2", 1), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_buf_appendf(q1, "%d", 2), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_buf_append(q2, "", 0), NT_EINVAL);
    CU_ASSERT(has(b, "msg1"));
    CU_ASSERT_PTR_EQUAL(nt_buf_data(q1), nt_buf_data(b));

    nt_buf_unref(q1);
    CU_ASSERT_EQUAL(nt_buf_append(b, "2", 1), NT_EINVAL); /* still two */
    nt_buf_unref(q2);
    /* Sole holder again: writable. */
    CU_ASSERT_EQUAL(nt_buf_append(b, "2", 1), NT_OK);
    CU_ASSERT(has(b, "msg12"));

    /* Many holders come and go, the last one frees (ASan/valgrind watch). */
    nt_buf *held[64];
    for (int i = 0; i < 64; i++)
        held[i] = nt_buf_ref(b);
    nt_buf_unref(b);
    for (int i = 0; i < 63; i++)
        nt_buf_unref(held[i]);
    CU_ASSERT(has(held[63], "msg12"));
    CU_ASSERT_EQUAL(nt_buf_append(held[63], "3", 1), NT_OK);
    nt_buf_unref(held[63]);
}

static void test_printf(void)
{
    nt_buf *b = nt_buf_printf("%s %d %u %x %c %5.2f %% %ld %lld %zu", "str", -42, 7u, 255u, 'z',
                              3.14159, 123456789L, -9000000000LL, (size_t)99);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(has(b, "str -42 7 ff z  3.14 % 123456789 -9000000000 99"));
    nt_buf_unref(b);

    b = nt_buf_printf("%s", "");
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_len(b), 0);
    nt_buf_unref(b);

    /* An embedded NUL through %c counts as a byte of the text. */
    b = nt_buf_printf("a%cb", 0);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT(nt_buf_len(b) == 3 && memcmp(nt_buf_data(b), "a\0b", 3) == 0);
    nt_buf_unref(b);
}

static void test_printf_long(void)
{
    /* Results far beyond any first guess force the second vsnprintf. */
    enum { LONG = 100000 };
    char *big = malloc(LONG + 1);
    CU_ASSERT_FATAL(big != NULL);
    for (int i = 0; i < LONG; i++)
        big[i] = (char)('A' + i % 26);
    big[LONG] = '\0';

    nt_buf *b = nt_buf_printf("<%s>", big);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_len(b), LONG + 2);
    CU_ASSERT(nt_buf_data(b)[0] == '<' && nt_buf_data(b)[LONG + 1] == '>');
    CU_ASSERT(memcmp(nt_buf_data(b) + 1, big, LONG) == 0);
    nt_buf_unref(b);

    b = nt_buf_printf("%*d|", 5000, 7);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_len(b), 5001);
    CU_ASSERT(nt_buf_data(b)[4998] == ' ' && nt_buf_data(b)[4999] == '7');
    nt_buf_unref(b);
    free(big);
}

static void test_appendf(void)
{
    nt_buf *b = nt_buf_new(8);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_appendf(b, ":%s %03d ", "nick", 1), NT_OK);
    CU_ASSERT_EQUAL(nt_buf_append(b, "x", 1), NT_OK);
    CU_ASSERT_EQUAL(nt_buf_appendf(b, "%s", ""), NT_OK);
    CU_ASSERT(has(b, ":nick 001 x"));

    /* Exactly filling the room left must not lose the last byte to the
     * NUL vsnprintf writes. */
    nt_buf *e = nt_buf_new(4);
    CU_ASSERT_FATAL(e != NULL);
    CU_ASSERT_EQUAL(nt_buf_appendf(e, "%s", "abcd"), NT_OK);
    CU_ASSERT_EQUAL(nt_buf_appendf(e, "%s", "efg"), NT_OK);
    CU_ASSERT(has(e, "abcdefg"));
    nt_buf_unref(e);

    /* Grow through many appends of long text. */
    char line[600];
    memset(line, 'L', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    size_t want = nt_buf_len(b);
    int wrong = 0;
    for (int i = 0; i < 200; i++) {
        if (nt_buf_appendf(b, "%d:%s\r\n", i % 10, line) != NT_OK)
            wrong++;
        want += 2 + (sizeof(line) - 1) + 2;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(nt_buf_len(b), want);
    const char *d = nt_buf_data(b);
    size_t at = strlen(":nick 001 x");
    for (int i = 0; i < 200 && !wrong; i++) {
        if (d[at] != (char)('0' + i % 10) || d[at + 1] != ':' ||
            memcmp(d + at + 2 + sizeof(line) - 1, "\r\n", 2) != 0)
            wrong++;
        at += 2 + (sizeof(line) - 1) + 2;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    nt_buf_unref(b);
}

NT_PRINTF_LIKE(2, 3)
static int via_va_list(nt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = nt_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

static void test_vappendf(void)
{
    nt_buf *b = nt_buf_new(2);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(via_va_list(b, "%s=%d;", "a", 1), NT_OK);
    /* The va_list must survive the first, too-small attempt. */
    CU_ASSERT_EQUAL(via_va_list(b, "%s=%d;", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 22),
                    NT_OK);
    CU_ASSERT(has(b, "a=1;bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb=22;"));
    nt_buf_ref(b);
    CU_ASSERT_EQUAL(via_va_list(b, "%d", 3), NT_EINVAL);
    nt_buf_unref(b);
    nt_buf_unref(b);
}

static void test_created_total(void)
{
    uint64_t before = nt__buf_created_total();
    nt_buf *a = nt_buf_new(16);
    CU_ASSERT_EQUAL(nt__buf_created_total(), before + 1);
    nt_buf *b = nt_buf_from("x", 1);
    CU_ASSERT_EQUAL(nt__buf_created_total(), before + 2);
    /* Long enough that the first guess misses: still one buffer. */
    char longer[5000];
    memset(longer, 'p', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    nt_buf *c = nt_buf_printf("%s%s", longer, longer);
    CU_ASSERT_EQUAL(nt__buf_created_total(), before + 3);

    /* Growing, sharing and releasing create nothing. */
    CU_ASSERT_EQUAL(nt_buf_append(a, longer, sizeof(longer)), NT_OK);
    CU_ASSERT_EQUAL(nt_buf_appendf(a, "%s", longer), NT_OK);
    nt_buf *shared[10];
    for (int i = 0; i < 10; i++)
        shared[i] = nt_buf_ref(c);
    for (int i = 0; i < 10; i++)
        nt_buf_unref(shared[i]);
    CU_ASSERT_EQUAL(nt__buf_created_total(), before + 3);

    /* Failures create nothing either. */
    nt_buf *(*printf_fn)(const char *, ...) = nt_buf_printf;
    CU_ASSERT_PTR_NULL(printf_fn(NULL));
    CU_ASSERT_PTR_NULL(nt_buf_from(NULL, 5));
    CU_ASSERT_PTR_NULL(nt_buf_new(SIZE_MAX));
    CU_ASSERT_EQUAL(nt__buf_created_total(), before + 3);

    nt_buf_unref(a);
    nt_buf_unref(b);
    nt_buf_unref(c);
    CU_ASSERT_EQUAL(nt__buf_created_total(), before + 3);
}

static void test_null_args(void)
{
    /* The deliberate NULL formats go through pointers so that the
     * compiler's format checking does not reject them at build time. */
    nt_buf *(*printf_fn)(const char *, ...) = nt_buf_printf;
    int (*appendf_fn)(nt_buf *, const char *, ...) = nt_buf_appendf;

    CU_ASSERT_PTR_NULL(printf_fn(NULL));
    CU_ASSERT_PTR_NULL(nt_buf_from(NULL, 1));
    CU_ASSERT_PTR_NULL(nt_buf_new(SIZE_MAX));
    CU_ASSERT_PTR_NULL(nt_buf_new(SIZE_MAX - 8));
    CU_ASSERT_EQUAL(nt_buf_append(NULL, "x", 1), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_buf_append(NULL, NULL, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(appendf_fn(NULL, "%d", 1), NT_EINVAL);
    CU_ASSERT_PTR_NULL(nt_buf_ref(NULL));
    nt_buf_unref(NULL);
    CU_ASSERT_PTR_NULL(nt_buf_data(NULL));
    CU_ASSERT_EQUAL(nt_buf_len(NULL), 0);

    nt_buf *b = nt_buf_from("ok", 2);
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_EQUAL(nt_buf_append(b, NULL, 1), NT_EINVAL);
    CU_ASSERT_EQUAL(appendf_fn(b, NULL), NT_EINVAL);
    CU_ASSERT(has(b, "ok"));
    nt_buf_unref(b);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"new and from copy the bytes", test_new_and_from},
        {"append grows by doubling", test_append_grows},
        {"refcount: shared buffers are read-only", test_refcount_sharing},
        {"printf formats", test_printf},
        {"printf: long results", test_printf_long},
        {"appendf builds a message", test_appendf},
        {"vappendf with a va_list", test_vappendf},
        {"created counter counts buffers, once each", test_created_total},
        {"NULL arguments", test_null_args},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("buf", tests);
}

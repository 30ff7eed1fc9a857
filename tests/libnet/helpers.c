/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include <CUnit/Basic.h>
#include <natter/loop.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt-config.h" /* NT_PLATFORM: which OS this build targets */

int nt_test_main(const char *name, const CU_TestInfo *tests)
{
    CU_SuiteInfo suites[] = {
        {(char *)name, NULL, NULL, NULL, NULL, (CU_TestInfo *)tests},
        CU_SUITE_INFO_NULL,
    };
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    if (CU_register_suites(suites) != CUE_SUCCESS) {
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return (failed == 0 && ran > 0) ? 0 : 1;
}

void nt_test_skip(const char *why)
{
    printf("\n    SKIP: %s\n", why);
    fflush(stdout);
}

int nt_test_under_wine(void)
{
    /* wine sets WINELOADERNOEXEC / WINEPREFIX in the environment it
     * passes on; the exe_wrapper sets WINEPREFIX. */
    return getenv("WINEPREFIX") != NULL || getenv("WINELOADERNOEXEC") != NULL;
}

int nt_test_wait_until(int (*cond)(void *ctx), void *ctx, unsigned timeout_ms)
{
    uint64_t deadline = nt_clock_ms() + timeout_ms;
    for (;;) {
        if (cond(ctx))
            return 1;
        if (nt_clock_ms() >= deadline)
            return 0;
        nt_sleep_ms(2);
    }
}

nt_socket *nt_test_listener(nt_family family, nt_addr *addr)
{
    nt_socket *s = NULL;
    nt_addr any;
    CU_ASSERT_FATAL(nt_addr_loopback(family, 0, &any) == NT_OK);
    int rc = nt_socket_create_server(&any, NT_BACKLOG_DEFAULT, &s);
    if (rc != NT_OK)
        fprintf(stderr, "listener: %s\n", nt_strerror(rc));
    CU_ASSERT_FATAL(rc == NT_OK);
    CU_ASSERT_FATAL(nt_socket_getsockname(s, addr) == NT_OK);
    return s;
}

void nt_test_tcp_pair(nt_family family, nt_socket **client, nt_socket **server)
{
    nt_addr addr;
    nt_socket *l = nt_test_listener(family, &addr);
    CU_ASSERT_FATAL(nt_socket_new(family, NT_SOCK_STREAM, 0, client) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_connect(*client, &addr) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_settimeout(l, 5.0) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_accept(l, server, NULL) == NT_OK);
    nt_socket_close(l);
}

int nt_test_windows_build(void)
{
    return strcmp(NT_PLATFORM, "windows") == 0;
}

int nt_test_wine_quirks(void)
{
    return nt_test_windows_build() && nt_test_under_wine();
}

int nt_test_have_ipv6(void)
{
    nt_socket *s = NULL;
    nt_addr a;
    if (nt_addr_loopback(NT_AF_INET6, 0, &a) != NT_OK ||
        nt_socket_new(NT_AF_INET6, NT_SOCK_STREAM, 0, &s) != NT_OK)
        return 0;
    int ok = nt_socket_bind(s, &a) == NT_OK;
    nt_socket_close(s);
    return ok;
}

void nt_test_unix_path(char *buf, size_t len, const char *tag)
{
    static unsigned counter;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = getenv("TEMP");
    if (!dir || !*dir)
        dir = getenv("TMP");
    if (!dir || !*dir)
        dir = "/tmp";
    /* No getpid() in portable C: the wall clock in microseconds and a
     * counter keep parallel suites and repeated runs apart. */
    int n = snprintf(buf, len, "%s/nt-%s-%llx-%u.sock", dir, tag,
                     (unsigned long long)nt_clock_wall_us(), counter++);
    CU_ASSERT_FATAL(n > 0 && (size_t)n < len && n < NT_UNIX_PATH_MAX);
    remove(buf); /* a stale file of that name would make bind fail */
}

double nt_test_elapsed(uint64_t start_us)
{
    return (double)(nt_clock_us() - start_us) / 1e6;
}

void nt_test_report_rc(const char *file, int line, const char *expr, long long got, long long want)
{
    /* Counts print as numbers, codes by name. */
    char g[32], w[32];
    snprintf(g, sizeof g, "%lld", got);
    snprintf(w, sizeof w, "%lld", want);
    printf("\n    %s:%d: %s gave %s, want %s\n", file, line, expr,
           got < 0 && got >= -128 ? nt_err_name((int)got) : g,
           want < 0 && want >= -128 ? nt_err_name((int)want) : w);
    fflush(stdout);
}

int nt_test_run_until(struct nt_loop *loop, int (*cond)(void *ctx), void *ctx, unsigned timeout_ms)
{
    uint64_t deadline = nt_clock_ms() + timeout_ms;
    for (;;) {
        if (cond(ctx))
            return 1;
        uint64_t now = nt_clock_ms();
        if (now >= deadline)
            return 0;
        uint64_t left = deadline - now;
        int rc = nt_loop_run_once(loop, left < 10 ? (int)left : 10);
        if (rc != NT_OK) {
            fprintf(stderr, "nt_loop_run_once: %s\n", nt_strerror(rc));
            return cond(ctx);
        }
    }
}

unsigned nt_test_slack_ms(void)
{
    return nt_test_under_wine() ? 1500 : 500;
}

nt_loop *nt_test_new_loop(void)
{
    nt_loop *loop = NULL;
    int rc = nt_loop_new(&loop);
    if (rc != NT_OK)
        fprintf(stderr, "nt_loop_new: %s\n", nt_strerror(rc));
    CU_ASSERT_FATAL(rc == NT_OK && loop != NULL);
    return loop;
}

void nt_test_run_a_little(nt_loop *loop)
{
    for (int i = 0; i < 3; i++)
        CU_ASSERT(nt_loop_run_once(loop, 10) == NT_OK);
}

void nt_test_fill_pattern(char *p, size_t off, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (char)('a' + (off + i) % 26);
}

size_t nt_test_pattern_errors(const char *p, size_t off, size_t len)
{
    size_t bad = 0;
    for (size_t i = 0; i < len; i++)
        if (p[i] != (char)('a' + (off + i) % 26))
            bad++;
    return bad;
}

void nt_test_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("\n    NOTE: ");
    vprintf(fmt, ap);
    printf(" ");
    va_end(ap);
    fflush(stdout);
}

struct handle_census {
    unsigned open;
    unsigned closing;
};

static void count_handle(nt_handle *h, void *data)
{
    struct handle_census *census = data;
    if (nt_handle_is_closing(h))
        census->closing++;
    else
        census->open++;
}

static void report_handle(nt_handle *h, void *data)
{
    (void)data;
    printf("\n    still open: a %s handle%s\n", nt_handle_type_name(nt_handle_get_type(h)),
           nt_handle_is_closing(h) ? " (closing)" : "");
}

/* Longer than a closing connection's default linger (5 s). */
#define CLOSE_WAIT_MS 10000

/* Run the loop while something the test closed is still on its way out:
 * closing handles, or (once nothing is open) close callbacks and tasks,
 * for which nt_loop_timeout() says 0.  An open handle is not waited for:
 * nothing will close it. */
static void run_until_closed(nt_loop *loop)
{
    uint64_t deadline = nt_clock_ms() + CLOSE_WAIT_MS;
    while (nt_clock_ms() < deadline) {
        struct handle_census census = {0, 0};
        nt_loop_walk(loop, count_handle, &census);
        int leaving = census.closing > 0 || (census.open == 0 && nt_loop_timeout(loop) == 0);
        if (!leaving || nt_loop_run_once(loop, 10) != NT_OK)
            return;
    }
}

int nt_test_loop_close(struct nt_loop *loop)
{
    run_until_closed(loop);
    int rc = nt_loop_close(loop);
    if (rc != NT_OK) {
        printf("\n    nt_loop_close: %s\n", nt_err_name(rc));
        nt_loop_walk(loop, report_handle, NULL);
        fflush(stdout);
        /* Clean up after the leak so that later tests start from nothing. */
        nt_loop_drain(loop);
        if (nt_loop_close(loop) != NT_OK)
            printf("\n    the loop could not be freed even after nt_loop_drain()\n");
    }
    return rc;
}

void nt_test_raw_pump(nt_test_raw *r)
{
    size_t budget = r->max_read ? r->max_read : (size_t)-1;
    while (r->s && !r->eof && !r->err && budget > 0) {
        if (r->cap - r->len < 65536) {
            size_t cap = r->cap ? r->cap * 2 : 65536 * 2;
            char *b = realloc(r->buf, cap);
            CU_ASSERT_FATAL(b != NULL);
            r->buf = b;
            r->cap = cap;
        }
        size_t room = r->cap - r->len - 1;
        if (room > budget)
            room = budget;
        ptrdiff_t n = nt_socket_recv(r->s, r->buf + r->len, room, 0);
        if (n > 0) {
            r->len += (size_t)n;
            r->buf[r->len] = '\0';
            r->reads++;
            budget -= (size_t)n;
        } else if (n == NT_EOF) {
            r->eof = 1;
        } else if (n != NT_EAGAIN) {
            r->err = (int)n;
        } else {
            break;
        }
    }
}

void nt_test_raw_free(nt_test_raw *r)
{
    if (r->s)
        nt_socket_close(r->s);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

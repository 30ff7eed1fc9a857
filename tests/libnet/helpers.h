/* SPDX-License-Identifier: MIT */
/* Shared helpers for the CUnit suites: one suite per process, deadline
 * waits instead of sleeps, and a way to say a check is skipped and why. */
#ifndef NT_TEST_HELPERS_H
#define NT_TEST_HELPERS_H

#include <CUnit/CUnit.h>
#include <natter/clock.h>
#include <natter/buf.h> /* NT_PRINTF_LIKE */
#include <natter/net.h>

/* Register the NULL-terminated tests as one suite named name and run it in
 * CUnit's basic mode; the return value is the process exit status (0 only
 * when every assertion passed and at least one test ran). */
int nt_test_main(const char *name, const CU_TestInfo *tests);

/* Record that the current test checks nothing here, and why (printed). */
void nt_test_skip(const char *why);

/* True when running under wine (the Windows build on this machine). */
int nt_test_under_wine(void);

/* Poll cond(ctx) every few milliseconds until it is true or timeout_ms
 * passes; returns 1 when it became true. */
int nt_test_wait_until(int (*cond)(void *ctx), void *ctx, unsigned timeout_ms);

/* A loopback TCP listener on an OS-chosen port (family NT_AF_INET or
 * NT_AF_INET6); *addr receives its address.  Asserts on failure. */
nt_socket *nt_test_listener(nt_family family, nt_addr *addr);

/* A connected pair of loopback TCP stream sockets (both blocking). */
void nt_test_tcp_pair(nt_family family, nt_socket **client, nt_socket **server);

/* True when this is the Windows build (whatever runs it: wine or Windows). */
int nt_test_windows_build(void);

/* True when the Windows build runs under wine, whose socket emulation
 * differs from Windows in known ways (an RST that arrives before recv is
 * called reads as EOF; no AF_UNIX).  Unlike nt_test_under_wine(), never
 * true for a native build, even with WINEPREFIX in the environment. */
int nt_test_wine_quirks(void);

/* 1 when an IPv6 loopback socket can be bound here (some CI containers
 * have no ::1); tests of IPv6 behaviour skip with a reason otherwise. */
int nt_test_have_ipv6(void);

/* A fresh path for a UNIX socket in the temporary folder ($TMPDIR, $TEMP,
 * $TMP or /tmp), unique within the run; tag names the test.  Asserts when
 * the path would not fit an nt_addr. */
void nt_test_unix_path(char *buf, size_t len, const char *tag);

/* Seconds elapsed since start_us (an nt_clock_us() value). */
double nt_test_elapsed(uint64_t start_us);

/* Assert that expr (an NT_E* code or a count) equals want; on a mismatch
 * print both by name, which CU_ASSERT_EQUAL alone does not. */
#define NT_TEST_RC(expr, want)                                                         \
    do {                                                                               \
        long long nt_test_got_ = (long long)(expr);                                    \
        long long nt_test_want_ = (long long)(want);                                   \
        if (nt_test_got_ != nt_test_want_)                                             \
            nt_test_report_rc(__FILE__, __LINE__, #expr, nt_test_got_, nt_test_want_); \
        CU_ASSERT(nt_test_got_ == nt_test_want_);                                      \
    } while (0)
void nt_test_report_rc(const char *file, int line, const char *expr, long long got, long long want);

/* Run loop iterations (each waiting at most a few milliseconds) until
 * cond(ctx) is true or timeout_ms passes; returns 1 when it became true.
 * The loop's deadline wait, for tests that drive an nt_loop. */
struct nt_loop;
int nt_test_run_until(struct nt_loop *loop, int (*cond)(void *ctx), void *ctx, unsigned timeout_ms);

/* The end of every test that made a loop: run it until the handles the test
 * closed are gone (their close callbacks run from the loop; a connection
 * may flush for its linger time), then nt_loop_close().  A handle left open
 * is a leak: it is listed, and the loop is drained and freed anyway so the
 * next test starts clean.  Returns what the first nt_loop_close() said, for
 * the caller to assert: NT_TEST_RC(nt_test_loop_close(loop), NT_OK). */
int nt_test_loop_close(struct nt_loop *loop);

/* Lateness allowed on top of a deadline: the machine is shared, and wine's
 * timers are coarser still. */
unsigned nt_test_slack_ms(void);

/* A new loop on the default backend (NATTER_LOOP_BACKEND picks another);
 * asserts that it was made. */
struct nt_loop *nt_test_new_loop(void);

/* Run a few more iterations, long enough for a level-triggered socket or a
 * 5 ms repeating timer to call back again if nothing stopped it. */
void nt_test_run_a_little(struct nt_loop *loop);

/* The test data pattern ('a'..'z' repeating) for the len bytes at offset
 * off of a stream: write it to p, or count the bytes of p that differ. */
void nt_test_fill_pattern(char *p, size_t off, size_t len);
size_t nt_test_pattern_errors(const char *p, size_t off, size_t len);

/* Put a test's scale (connections, messages...) on the output, so a run
 * under wine that uses fewer says so. */
void nt_test_note(const char *fmt, ...) NT_PRINTF_LIKE(1, 2);

/* A raw non-blocking socket a test reads itself (or does not), inside the
 * conditions it waits on: the peer of a connection under test. */
typedef struct nt_test_raw {
    nt_socket *s;
    char *buf; /* what arrived, NUL-terminated */
    size_t len, cap;
    int eof, err, reads;
    size_t want;     /* for a condition waiting on a length */
    size_t max_read; /* read at most this much per pump (0: all there is) */
} nt_test_raw;

/* Read what the socket has (up to max_read) into r->buf; note EOF and
 * errors.  Nothing when r->s is NULL. */
void nt_test_raw_pump(nt_test_raw *r);

/* Close the socket (if any), free the buffer, zero r. */
void nt_test_raw_free(nt_test_raw *r);

#endif

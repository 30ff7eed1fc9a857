/* SPDX-License-Identifier: MIT */
/* Name lookups on the loop (natter/resolve.h): the answer comes on the
 * loop's thread and never inside the call that started or cancelled it;
 * a lookup calls back exactly once (answer, error or NT_ECANCELED); a
 * cancelled lookup stays silent even when its worker finishes later; many
 * lookups at once all finish; and slow lookups never hold up the loop.
 * Runs once per backend (NATTER_LOOP_BACKEND picks it).
 *
 * Slow DNS is made with the private hook nt__resolve_set_delay_ms(), which
 * makes every worker lookup take at least that long; each test that sets it
 * puts it back to 0. */
#include "helpers.h"

#include <natter/resolve.h>

#include "resolve-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The worker delay most tests use: long against a loop iteration, short
 * enough to keep the suite quick. */
#define DELAY_MS 300

static nt_loop *new_loop(void)
{
    nt_loop *loop = NULL;
    int rc = nt_loop_new(&loop);
    if (rc != NT_OK)
        fprintf(stderr, "nt_loop_new: %s\n", nt_strerror(rc));
    CU_ASSERT_FATAL(rc == NT_OK && loop != NULL);
    return loop;
}

static nt_loop_stats loop_stats(nt_loop *loop)
{
    nt_loop_stats st;
    memset(&st, 0xff, sizeof st);
    CU_ASSERT_FATAL(nt_loop_get_stats(loop, &st) == NT_OK);
    return st;
}

/* Callbacks must run on the thread that runs the loop: the test's. */
static _Thread_local int on_test_thread;
/* Set around the calls that must never call back from inside. */
static int in_call;

/* ---- one lookup and what its callback saw ---- */

struct lookup {
    nt_resolve *r;
    int calls;
    int status;
    size_t count;
    nt_addr addrs[NT_RESOLVE_MAX];
    uint64_t at_ms; /* when the callback ran */
    int wrong_thread, inside_call, wrong_handle, bad_result;
    int close_calls; /* its close callback, when closed by nt_handle_close() */
    /* behaviour */
    struct lookup *cancel_other; /* cancel this one from the callback */
    int cancel_self;             /* cancel itself (too late: nothing happens) */
};

static void lookup_cb(nt_resolve *r, int status, const nt_addr *addrs, size_t count, void *data)
{
    struct lookup *l = data;
    l->calls++;
    l->at_ms = nt_clock_ms();
    if (!on_test_thread)
        l->wrong_thread++;
    if (in_call)
        l->inside_call++;
    if (l->r && r != l->r)
        l->wrong_handle++;
    l->status = status;
    l->count = count;
    if (status == NT_OK && (!addrs || count < 1 || count > NT_RESOLVE_MAX))
        l->bad_result++;
    else if (status != NT_OK && addrs)
        l->bad_result++;
    if (status == NT_OK && addrs && count <= NT_RESOLVE_MAX)
        memcpy(l->addrs, addrs, count * sizeof *addrs);
    if (l->cancel_other) {
        in_call = 1;
        nt_resolve_cancel(l->cancel_other->r);
        in_call = 0;
    }
    if (l->cancel_self)
        nt_resolve_cancel(r);
}

static void start(nt_loop *loop, struct lookup *l, const char *host, uint16_t port,
                  nt_family family)
{
    in_call = 1;
    int rc = nt_resolve_start(loop, host, port, family, NT_SOCK_STREAM, lookup_cb, l, &l->r);
    in_call = 0;
    NT_TEST_RC(rc, NT_OK);
    CU_ASSERT_FATAL(rc == NT_OK && l->r != NULL);
    CU_ASSERT_EQUAL(l->calls, 0);
}

static void cancel(struct lookup *l)
{
    in_call = 1;
    nt_resolve_cancel(l->r);
    nt_resolve_cancel(l->r); /* twice: nothing more */
    in_call = 0;
    CU_ASSERT_EQUAL(l->calls, 0);
}

static int lookup_done(void *ctx)
{
    return ((struct lookup *)ctx)->calls > 0;
}

/* The callback ran once, on the loop's thread, from the loop. */
static void check_delivery(const struct lookup *l)
{
    CU_ASSERT_EQUAL(l->calls, 1);
    CU_ASSERT_EQUAL(l->wrong_thread, 0);
    CU_ASSERT_EQUAL(l->inside_call, 0);
    CU_ASSERT_EQUAL(l->wrong_handle, 0);
    CU_ASSERT_EQUAL(l->bad_result, 0);
}

static int is_loopback(const nt_addr *a)
{
    static const uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (a->family == NT_AF_INET)
        return a->u.v4[0] == 127;
    return a->family == NT_AF_INET6 && memcmp(a->u.v6, v6_loopback, 16) == 0;
}

static void print_addrs(const char *host, const struct lookup *l)
{
    printf("\n    %s:", host);
    for (size_t i = 0; i < l->count && i < NT_RESOLVE_MAX; i++) {
        char text[NT_ADDRSTRLEN];
        if (nt_addr_format(&l->addrs[i], text, sizeof text) > 0)
            printf(" %s", text);
    }
    printf(" ");
}

/* Run a few more iterations: time for a second callback to show up. */
static void run_a_little(nt_loop *loop)
{
    for (int i = 0; i < 3; i++)
        CU_ASSERT(nt_loop_run_once(loop, 10) == NT_OK);
}

static int never(void *ctx)
{
    (void)ctx;
    return 0;
}

static void set_delay(unsigned ms)
{
    nt__resolve_set_delay_ms(ms);
}

/* ---- answers ---- */

static void check_numeric(const struct lookup *l, const char *ip, uint16_t port)
{
    nt_addr want;
    CU_ASSERT_FATAL(nt_addr_from_ip(ip, port, &want) == NT_OK);
    check_delivery(l);
    NT_TEST_RC(l->status, NT_OK);
    CU_ASSERT(l->count >= 1);
    if (l->status == NT_OK && l->count >= 1) {
        CU_ASSERT_EQUAL(l->addrs[0].port, port);
        CU_ASSERT(nt_addr_equal(&l->addrs[0], &want));
    }
}

static void test_numeric(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    struct lookup v4 = {0}, v6 = {0};
    start(loop, &v4, "127.0.0.1", 6667, NT_AF_UNSPEC);
    int ipv6 = nt_test_have_ipv6();
    if (ipv6)
        start(loop, &v6, "::1", 6697, NT_AF_UNSPEC);
    else
        nt_test_skip("no IPv6 loopback here: \"::1\" not looked up");
    /* Numeric hosts need no thread, but still answer from the loop. */
    CU_ASSERT_EQUAL(v4.calls + v6.calls, 0);
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &v4, 5000));
    if (ipv6)
        CU_ASSERT(nt_test_run_until(loop, lookup_done, &v6, 5000));
    run_a_little(loop);
    check_numeric(&v4, "127.0.0.1", 6667);
    if (ipv6)
        check_numeric(&v6, "::1", 6697);
    CU_ASSERT_EQUAL(loop_stats(loop).handles, 0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void check_localhost(const struct lookup *l, uint16_t port, nt_family family)
{
    check_delivery(l);
    NT_TEST_RC(l->status, NT_OK);
    for (size_t i = 0; i < l->count && i < NT_RESOLVE_MAX; i++) {
        CU_ASSERT_EQUAL(l->addrs[i].port, port);
        CU_ASSERT(is_loopback(&l->addrs[i]));
        if (family != NT_AF_UNSPEC)
            CU_ASSERT_EQUAL(l->addrs[i].family, family);
    }
}

static void test_localhost(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    struct lookup any = {0}, v4 = {0};
    start(loop, &any, "localhost", 80, NT_AF_UNSPEC);
    /* A lookup is a handle, counted as in flight until it answers. */
    nt_handle *h = nt_resolve_handle(any.r);
    CU_ASSERT_EQUAL(nt_handle_get_type(h), NT_HANDLE_RESOLVE);
    CU_ASSERT_PTR_EQUAL(nt_handle_data(h), &any);
    CU_ASSERT_PTR_EQUAL(nt_handle_loop(h), loop);
    CU_ASSERT_EQUAL(nt_handle_is_closing(h), 0);
    nt_loop_stats st = loop_stats(loop);
    CU_ASSERT_EQUAL(st.handles, 1);
    CU_ASSERT_EQUAL(st.resolving, 1);
    start(loop, &v4, "localhost", 443, NT_AF_INET);
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &any, 10000));
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &v4, 10000));
    run_a_little(loop);
    if (any.status == NT_ENONAME || any.status == NT_ENAMETEMP) {
        printf("\n    localhost: %s ", nt_err_name(any.status));
        nt_test_skip("\"localhost\" does not resolve here");
        NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
        return;
    }
    print_addrs("localhost", &any);
    check_localhost(&any, 80, NT_AF_UNSPEC);
    check_localhost(&v4, 443, NT_AF_INET);
    st = loop_stats(loop);
    CU_ASSERT_EQUAL(st.handles, 0);
    CU_ASSERT_EQUAL(st.resolving, 0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_unknown_name(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    struct lookup l = {0};
    start(loop, &l, "no-such-host.invalid", 80, NT_AF_UNSPEC);
    /* Without DNS the resolver may take its full retry time. */
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &l, 30000));
    run_a_little(loop);
    check_delivery(&l);
    nt_test_note("no-such-host.invalid: %s", nt_err_name(l.status));
    CU_ASSERT(l.status == NT_ENONAME || l.status == NT_ENAMETEMP);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* ---- cancelling ---- */

static void check_cancelled(const struct lookup *l)
{
    check_delivery(l);
    NT_TEST_RC(l->status, NT_ECANCELED);
}

/* A lookup started after the given ones, on the same delay, that is not
 * cancelled: once it has answered, the workers of the earlier ones have
 * finished too, so a cancelled lookup that were to call back late would
 * have done so by then (and ASan or valgrind would see a worker that
 * touched freed memory). */
static void wait_for_workers(nt_loop *loop)
{
    struct lookup last = {0};
    start(loop, &last, "localhost", 1, NT_AF_UNSPEC);
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &last, 10000));
    run_a_little(loop);
    check_delivery(&last);
}

static int got_close(void *ctx)
{
    return ((struct lookup *)ctx)->close_calls > 0;
}

static void count_close(void *data)
{
    struct lookup *l = data; /* the close callback gets the handle's data */
    l->close_calls++;
    if (in_call)
        l->inside_call++;
}

static void test_cancel_before_delivery(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    /* A numeric answer, due on the next iteration, is dropped. */
    struct lookup num = {0};
    start(loop, &num, "127.0.0.1", 80, NT_AF_UNSPEC);
    cancel(&num);
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &num, 5000));
    run_a_little(loop);
    check_cancelled(&num);

    /* A name whose worker is slow: the cancellation does not wait for it. */
    set_delay(DELAY_MS);
    struct lookup slow = {0};
    start(loop, &slow, "localhost", 80, NT_AF_UNSPEC);
    uint64_t t0 = nt_clock_ms();
    cancel(&slow);
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &slow, 5000));
    uint64_t took = slow.at_ms - t0;
    printf("\n    cancelled lookup called back after %llu ms ", (unsigned long long)took);
    CU_ASSERT(took < DELAY_MS);
    check_cancelled(&slow);

    /* nt_handle_close() is a cancel with a close callback too. */
    struct lookup closed = {0};
    start(loop, &closed, "localhost", 80, NT_AF_UNSPEC);
    in_call = 1;
    nt_handle_close(nt_resolve_handle(closed.r), count_close);
    in_call = 0;
    CU_ASSERT(nt_test_run_until(loop, got_close, &closed, 5000));
    check_cancelled(&closed);
    CU_ASSERT_EQUAL(closed.close_calls, 1);

    wait_for_workers(loop);
    CU_ASSERT_EQUAL(slow.calls, 1);
    CU_ASSERT_EQUAL(closed.calls, 1);
    CU_ASSERT_EQUAL(closed.close_calls, 1);
    CU_ASSERT_EQUAL(loop_stats(loop).resolving, 0);
    set_delay(0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

struct canceller {
    struct lookup *target;
    int fired;
    uint64_t fired_at;
};

static void cancel_from_timer(nt_timer *t, void *data)
{
    (void)t;
    struct canceller *c = data;
    c->fired++;
    c->fired_at = nt_clock_ms();
    in_call = 1;
    nt_resolve_cancel(c->target->r);
    in_call = 0;
}

static void timer_closed(void *data)
{
    (void)data;
}

static void test_cancel_in_callbacks(void)
{
    set_delay(DELAY_MS);
    nt_loop *loop = new_loop();
    /* From a timer's callback. */
    struct lookup by_timer = {0};
    start(loop, &by_timer, "localhost", 80, NT_AF_UNSPEC);
    struct canceller c = {&by_timer, 0, 0};
    nt_timer *t;
    CU_ASSERT_FATAL(nt_timer_new(loop, cancel_from_timer, &c, &t) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_start(t, 20, 0) == NT_OK);

    /* From another lookup's callback: a fast numeric one cancels a slow
     * one; and a lookup that cancels itself in its own callback changes
     * nothing (its callback has begun). */
    struct lookup slow = {0}, fast = {0};
    start(loop, &slow, "localhost", 80, NT_AF_UNSPEC);
    fast.cancel_other = &slow;
    fast.cancel_self = 1;
    start(loop, &fast, "127.0.0.1", 80, NT_AF_UNSPEC);

    CU_ASSERT(nt_test_run_until(loop, lookup_done, &by_timer, 5000));
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &slow, 5000));
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &fast, 5000));
    CU_ASSERT_EQUAL(c.fired, 1);
    check_cancelled(&by_timer);
    check_cancelled(&slow);
    check_delivery(&fast);
    NT_TEST_RC(fast.status, NT_OK);
    /* Both called back soon after the cancel, not when the worker woke. */
    CU_ASSERT(by_timer.at_ms - c.fired_at < DELAY_MS / 2);
    CU_ASSERT(slow.at_ms - fast.at_ms < DELAY_MS / 2);

    wait_for_workers(loop);
    CU_ASSERT_EQUAL(by_timer.calls, 1);
    CU_ASSERT_EQUAL(slow.calls, 1);
    CU_ASSERT_EQUAL(fast.calls, 1);
    nt_timer_close(t, timer_closed);
    set_delay(0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_drain_with_pending(void)
{
    set_delay(DELAY_MS);
    nt_loop *loop = new_loop();
    struct lookup l[3];
    memset(l, 0, sizeof l);
    start(loop, &l[0], "localhost", 80, NT_AF_UNSPEC);
    start(loop, &l[1], "localhost", 81, NT_AF_INET);
    start(loop, &l[2], "127.0.0.1", 82, NT_AF_UNSPEC);
    uint64_t t0 = nt_clock_ms();
    NT_TEST_RC(nt_loop_drain(loop), NT_OK);
    uint64_t took = nt_clock_ms() - t0;
    printf("\n    drained 3 pending lookups in %llu ms ", (unsigned long long)took);
    /* Cancelled, not waited for. */
    CU_ASSERT(took < DELAY_MS);
    for (int i = 0; i < 3; i++)
        check_cancelled(&l[i]);
    NT_TEST_RC(nt_loop_close(loop), NT_OK);

    /* The workers finish after their loop is gone: nothing may touch it. */
    nt_loop *other = new_loop();
    wait_for_workers(other);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(l[i].calls, 1);
    set_delay(0);
    NT_TEST_RC(nt_test_loop_close(other), NT_OK);
}

struct many {
    struct lookup *l;
    int n;
};

static int many_done(void *ctx)
{
    struct many *m = ctx;
    for (int i = 0; i < m->n; i++)
        if (m->l[i].calls == 0)
            return 0;
    return 1;
}

static void test_many(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    struct many m = {NULL, 200};
    m.l = calloc((size_t)m.n, sizeof *m.l);
    CU_ASSERT_FATAL(m.l != NULL);
    uint64_t t0 = nt_clock_us();
    for (int i = 0; i < m.n; i++) {
        /* Every fourth numeric; each with its own port, to tell them apart. */
        const char *host = i % 4 == 0 ? "127.0.0.1" : "localhost";
        start(loop, &m.l[i], host, (uint16_t)(1000 + i), NT_AF_UNSPEC);
    }
    CU_ASSERT(loop_stats(loop).handles == (uint64_t)m.n);
    CU_ASSERT(nt_test_run_until(loop, many_done, &m, 30000));
    nt_test_note("%d lookups in %.3f s", m.n, nt_test_elapsed(t0));
    run_a_little(loop);
    int bad = 0;
    for (int i = 0; i < m.n; i++) {
        struct lookup *l = &m.l[i];
        if (l->calls != 1 || l->status != NT_OK || l->wrong_thread || l->inside_call ||
            l->bad_result || l->addrs[0].port != 1000 + i) {
            if (bad++ < 5)
                printf("\n    lookup %d: %d call(s), %s, port %u ", i, l->calls,
                       nt_err_name(l->status), l->addrs[0].port);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    nt_loop_stats st = loop_stats(loop);
    CU_ASSERT_EQUAL(st.handles, 0);
    CU_ASSERT_EQUAL(st.resolving, 0);
    free(m.l);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* ---- slow lookups never hold up the loop ---- */

struct ticker {
    int fired;
};

static void tick(nt_timer *t, void *data)
{
    (void)t;
    ((struct ticker *)data)->fired++;
}

static void test_loop_not_blocked(void)
{
    set_delay(DELAY_MS);
    nt_loop *loop = new_loop();
    struct ticker tk = {0};
    nt_timer *t;
    CU_ASSERT_FATAL(nt_timer_new(loop, tick, &tk, &t) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_start(t, 20, 20) == NT_OK);
    /* Twice as many lookups as workers: at least two rounds of the delay. */
    struct many m = {NULL, 2 * NT_RESOLVE_THREADS};
    m.l = calloc((size_t)m.n, sizeof *m.l);
    CU_ASSERT_FATAL(m.l != NULL);
    uint64_t t0 = nt_clock_ms();
    for (int i = 0; i < m.n; i++)
        start(loop, &m.l[i], "localhost", 80, NT_AF_UNSPEC);
    uint64_t start_took = nt_clock_ms() - t0;
    CU_ASSERT_EQUAL(loop_stats(loop).resolving, (uint64_t)m.n);
    CU_ASSERT(nt_test_run_until(loop, many_done, &m, 20000));
    uint64_t took = nt_clock_ms() - t0;
    int fired = tk.fired;
    nt_test_note("%d lookups at %u ms each: %llu ms, starting them %llu ms; the 20 ms timer "
                 "fired %d times",
                 m.n, DELAY_MS, (unsigned long long)took, (unsigned long long)start_took, fired);
    CU_ASSERT(start_took < 50);
    CU_ASSERT(took >= DELAY_MS);
    /* A blocked loop would fire the timer about once per lookup round; a
     * free one every 20 ms (half that leaves room for a busy machine). */
    CU_ASSERT(fired >= 10);
    CU_ASSERT((uint64_t)fired * 20 * 2 >= took);
    for (int i = 0; i < m.n; i++) {
        check_delivery(&m.l[i]);
        NT_TEST_RC(m.l[i].status, NT_OK);
        CU_ASSERT(m.l[i].at_ms - t0 >= DELAY_MS);
    }
    nt_timer_close(t, timer_closed);
    free(m.l);
    set_delay(0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_cancel_while_worker_sleeps(void)
{
    set_delay(DELAY_MS);
    nt_loop *loop = new_loop();
    struct lookup doomed = {0}, kept = {0};
    uint64_t t0 = nt_clock_ms();
    start(loop, &doomed, "localhost", 80, NT_AF_UNSPEC);
    start(loop, &kept, "localhost", 80, NT_AF_UNSPEC);
    /* Let the workers pick them up and fall asleep. */
    CU_ASSERT_EQUAL(nt_test_run_until(loop, never, NULL, 50), 0);
    CU_ASSERT_EQUAL(doomed.calls + kept.calls, 0);
    uint64_t t1 = nt_clock_ms();
    cancel(&doomed);
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &doomed, 5000));
    check_cancelled(&doomed);
    CU_ASSERT(doomed.at_ms - t1 < DELAY_MS - 50);
    /* The kept one answers after the delay; the cancelled one's worker has
     * woken by then and must stay silent, now and later. */
    CU_ASSERT(nt_test_run_until(loop, lookup_done, &kept, 10000));
    check_delivery(&kept);
    NT_TEST_RC(kept.status, NT_OK);
    CU_ASSERT(kept.at_ms - t0 >= DELAY_MS);
    wait_for_workers(loop);
    CU_ASSERT_EQUAL(doomed.calls, 1);
    NT_TEST_RC(doomed.status, NT_ECANCELED);
    set_delay(0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

int main(void)
{
    on_test_thread = 1;
    static const CU_TestInfo tests[] = {
        {"numeric hosts: answered from the loop, port set", test_numeric},
        {"localhost: on the loop thread, loopback addresses, port set", test_localhost},
        {"unknown name: NT_ENONAME (NT_ENAMETEMP without DNS)", test_unknown_name},
        {"cancel before delivery: NT_ECANCELED once, never again", test_cancel_before_delivery},
        {"cancel inside other callbacks", test_cancel_in_callbacks},
        {"nt_loop_drain with lookups pending", test_drain_with_pending},
        {"200 lookups at once all answer", test_many},
        {"slow lookups: a 20 ms timer keeps its pace", test_loop_not_blocked},
        {"cancelled while its worker sleeps: silent afterwards", test_cancel_while_worker_sleeps},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("resolve", tests);
}

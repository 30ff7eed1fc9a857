/* SPDX-License-Identifier: MIT */
/* The event loop: watchers keyed by handle and closed from any callback,
 * timers in order with bounded lateness, deferred and posted tasks, and a
 * loop that sleeps when there is nothing to do.  Every test ends with its
 * handles closed and nt_loop_close() succeeding.  Runs once per backend
 * (NATTER_LOOP_BACKEND picks it). */
#include "helpers.h"

#include <natter/loop.h>
#include <natter/thread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Timer lateness allowed on top of the due time: generous, as the machine
 * is shared; wine's timers are coarser still. */
static unsigned slack_ms(void)
{
    return nt_test_under_wine() ? 1500 : 500;
}

static nt_loop *new_loop(void)
{
    nt_loop *loop = NULL;
    int rc = nt_loop_new(&loop);
    if (rc != NT_OK)
        fprintf(stderr, "nt_loop_new: %s\n", nt_strerror(rc));
    CU_ASSERT_FATAL(rc == NT_OK && loop != NULL);
    return loop;
}

/* A connected loopback pair whose server side is readable (one byte sent)
 * when ready is set. */
struct pair {
    nt_socket *cli, *srv;
};

static void pair_open(struct pair *p, int ready)
{
    nt_test_tcp_pair(NT_AF_INET, &p->cli, &p->srv);
    CU_ASSERT_FATAL(nt_socket_settimeout(p->srv, 0) == NT_OK);
    if (ready) {
        CU_ASSERT_FATAL(nt_socket_send(p->cli, "x", 1, 0) == 1);
        CU_ASSERT_FATAL(nt_socket_wait(p->srv, NT_EV_READ, 5.0) > 0);
    }
}

static void pair_close(struct pair *p)
{
    nt_socket_close(p->cli);
    nt_socket_close(p->srv);
    p->cli = p->srv = NULL;
}

static void drain(nt_socket *s)
{
    char buf[256];
    while (nt_socket_recv(s, buf, sizeof buf, 0) > 0) {
    }
}

static int flag_set(void *ctx)
{
    return *(volatile int *)ctx != 0;
}

/* How often the loop has returned from its OS wait so far. */
static uint64_t wakeups(const nt_loop *loop)
{
    nt_loop_stats st;
    NT_TEST_RC(nt_loop_get_stats(loop, &st), NT_OK);
    return st.wakeups;
}

/* ---- backends ---- */

static void test_backend_names(void)
{
    nt_loop *loop = NULL;
    CU_ASSERT_EQUAL(nt_loop_new_backend("no-such-backend", &loop), NT_EINVAL);
    CU_ASSERT_PTR_NULL(loop);
    CU_ASSERT_EQUAL(nt_loop_new_backend(NULL, NULL), NT_EINVAL);
    if (nt_test_windows_build()) {
        CU_ASSERT_EQUAL(nt_loop_new_backend("epoll", &loop), NT_ENOTSUP);
        CU_ASSERT_EQUAL(nt_loop_new_backend("poll", &loop), NT_ENOTSUP);
        CU_ASSERT_FATAL(nt_loop_new_backend("wsapoll", &loop) == NT_OK);
        CU_ASSERT_STRING_EQUAL(nt_loop_backend(loop), "wsapoll");
    } else {
        CU_ASSERT_EQUAL(nt_loop_new_backend("wsapoll", &loop), NT_ENOTSUP);
        CU_ASSERT_FATAL(nt_loop_new_backend("poll", &loop) == NT_OK);
        CU_ASSERT_STRING_EQUAL(nt_loop_backend(loop), "poll");
    }
    NT_TEST_RC(nt_loop_close(loop), NT_OK);

    /* The default honours NATTER_LOOP_BACKEND (how the -poll runs work). */
    loop = new_loop();
    const char *env = getenv("NATTER_LOOP_BACKEND");
    printf("\n    backend: %s ", nt_loop_backend(loop));
    if (env && *env)
        CU_ASSERT_STRING_EQUAL(nt_loop_backend(loop), env);
    NT_TEST_RC(nt_loop_close(loop), NT_OK);
    NT_TEST_RC(nt_loop_close(NULL), NT_OK);
}

/* ---- watchers ---- */

struct wstat {
    nt_watch *w; /* what the callback must be given */
    int calls;
    int events;      /* union of events seen */
    int wrong_watch; /* called with another watcher's handle */
    nt_socket *drain;
};

static void wstat_cb(nt_watch *w, int events, void *data)
{
    struct wstat *st = data;
    st->calls++;
    st->events |= events;
    if (w != st->w)
        st->wrong_watch = 1;
    if (st->drain)
        drain(st->drain);
}

static void test_watch_read_write(void)
{
    nt_loop *loop = new_loop();
    struct pair p;
    pair_open(&p, 0);
    struct wstat rd = {0}, wr = {0};
    rd.drain = p.srv;
    CU_ASSERT_FATAL(nt_watch_new(loop, nt_socket_fileno(p.srv), wstat_cb, &rd, &rd.w) == NT_OK);
    CU_ASSERT_FATAL(nt_watch_new(loop, nt_socket_fileno(p.cli), wstat_cb, &wr, &wr.w) == NT_OK);
    CU_ASSERT_EQUAL(nt_watch_events(rd.w), 0);
    CU_ASSERT_EQUAL(nt_watch_set(rd.w, NT_EV_READ), NT_OK);
    CU_ASSERT_EQUAL(nt_watch_events(rd.w), NT_EV_READ);
    CU_ASSERT_EQUAL(nt_watch_set(wr.w, NT_EV_WRITE), NT_OK);
    CU_ASSERT_EQUAL(nt_watch_set(wr.w, 4), NT_EINVAL);

    /* A connected socket is writable at once; nothing to read yet. */
    CU_ASSERT(nt_test_run_until(loop, flag_set, &wr.calls, 2000));
    CU_ASSERT_EQUAL(wr.events, NT_EV_WRITE);
    CU_ASSERT_EQUAL(rd.calls, 0);

    /* 0 pauses: the writable socket stops being reported. */
    CU_ASSERT_EQUAL(nt_watch_set(wr.w, 0), NT_OK);
    int before = wr.calls;
    nt_loop_run_once(loop, 30);
    CU_ASSERT_EQUAL(wr.calls, before);
    CU_ASSERT_EQUAL(rd.calls, 0);

    /* Data makes the reader ready, with its own handle and data. */
    CU_ASSERT_FATAL(nt_socket_send(p.cli, "hello", 5, 0) == 5);
    CU_ASSERT(nt_test_run_until(loop, flag_set, &rd.calls, 2000));
    CU_ASSERT_EQUAL(rd.events, NT_EV_READ);
    CU_ASSERT_EQUAL(rd.wrong_watch, 0);
    CU_ASSERT_EQUAL(wr.wrong_watch, 0);
    /* Drained: level-triggered, but nothing more to report. */
    before = rd.calls;
    nt_loop_run_once(loop, 30);
    CU_ASSERT_EQUAL(rd.calls, before);

    /* Both directions on one watcher. */
    CU_ASSERT_EQUAL(nt_watch_set(wr.w, NT_EV_READ | NT_EV_WRITE), NT_OK);
    wr.events = 0;
    CU_ASSERT_FATAL(nt_socket_send(p.srv, "y", 1, 0) == 1);
    CU_ASSERT_FATAL(nt_socket_wait(p.cli, NT_EV_READ, 5.0) > 0);
    nt_loop_run_once(loop, 1000);
    CU_ASSERT_EQUAL(wr.events, NT_EV_READ | NT_EV_WRITE);

    nt_watch *bad = NULL;
    CU_ASSERT_EQUAL(nt_watch_new(loop, NT_INVALID_OS_SOCK, wstat_cb, NULL, &bad), NT_EINVAL);
    nt_watch_close(rd.w, NULL);
    nt_watch_close(wr.w, NULL);
    nt_watch_close(NULL, NULL);
    pair_close(&p);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* Two watchers ready in the same iteration; what each callback does to
 * itself and to the other is the mode. */
enum close_mode {
    CLOSE_SELF,
    CLOSE_OTHER_THEN_SELF,
    CLOSE_OTHER_ONLY,
    CLOSE_OTHER_REUSE_FD,
    CLOSE_OTHER_SOCKET_FIRST
};

struct duo;
struct duo_side {
    struct duo *d;
    int idx;
};

struct duo {
    nt_loop *loop;
    enum close_mode mode;
    struct pair p[2];
    nt_watch *w[2];
    struct duo_side side[2];
    int calls[2];
    int closed[2];    /* close callbacks run */
    int first;        /* which ran first (-1: none yet) */
    nt_socket *reuse; /* a socket opened after a close, maybe on the same number */
    nt_watch *reuse_w;
    int reuse_calls;
};

static void reuse_cb(nt_watch *w, int events, void *data)
{
    struct duo *d = data;
    (void)w;
    (void)events;
    d->reuse_calls++;
}

static void duo_closed(void *data)
{
    struct duo_side *s = data;
    s->d->closed[s->idx]++;
}

static void duo_close(struct duo *d, int idx)
{
    nt_watch_close(d->w[idx], duo_closed);
    d->w[idx] = NULL;
}

static void duo_cb(nt_watch *w, int events, void *data)
{
    struct duo_side *s = data;
    struct duo *d = s->d;
    int me = s->idx, other = 1 - me;
    (void)events;
    d->calls[me]++;
    CU_ASSERT_PTR_EQUAL(w, d->w[me]);
    if (d->first < 0)
        d->first = me;
    drain(d->p[me].srv);
    switch (d->mode) {
    case CLOSE_SELF:
        duo_close(d, me);
        break;
    case CLOSE_OTHER_THEN_SELF:
        duo_close(d, other);
        duo_close(d, me);
        break;
    case CLOSE_OTHER_ONLY:
        if (d->w[other])
            duo_close(d, other);
        break;
    case CLOSE_OTHER_REUSE_FD:
        if (d->w[other]) {
            /* Close the watcher, then its socket (the documented order),
             * then open a new socket, which may well get the same
             * descriptor number, and watch it. */
            duo_close(d, other);
            pair_close(&d->p[other]);
            CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_DGRAM, 0, &d->reuse) == NT_OK);
            CU_ASSERT_FATAL(nt_watch_new(d->loop, nt_socket_fileno(d->reuse), reuse_cb, d,
                                         &d->reuse_w) == NT_OK);
            CU_ASSERT_FATAL(nt_watch_set(d->reuse_w, NT_EV_READ) == NT_OK);
        }
        break;
    case CLOSE_OTHER_SOCKET_FIRST:
        if (d->w[other]) {
            pair_close(&d->p[other]);
            duo_close(d, other);
        }
        break;
    }
}

static void run_duo(enum close_mode mode, int want_total)
{
    struct duo d;
    memset(&d, 0, sizeof d);
    d.loop = new_loop();
    d.mode = mode;
    d.first = -1;
    for (int i = 0; i < 2; i++) {
        d.side[i].d = &d;
        d.side[i].idx = i;
        pair_open(&d.p[i], 1); /* both readable before the loop waits */
        CU_ASSERT_FATAL(nt_watch_new(d.loop, nt_socket_fileno(d.p[i].srv), duo_cb, &d.side[i],
                                     &d.w[i]) == NT_OK);
        CU_ASSERT_FATAL(nt_watch_set(d.w[i], NT_EV_READ) == NT_OK);
    }
    CU_ASSERT_EQUAL(nt_loop_run_once(d.loop, 2000), NT_OK);
    CU_ASSERT_EQUAL(d.calls[0] + d.calls[1], want_total);
    /* More iterations: nothing closed is ever called again, and each
     * closed watcher's close callback has run, once. */
    for (int i = 0; i < 3; i++)
        nt_loop_run_once(d.loop, 10);
    CU_ASSERT_EQUAL(d.calls[0] + d.calls[1], want_total);
    CU_ASSERT_EQUAL(d.reuse_calls, 0);
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL(d.closed[i], d.w[i] ? 0 : 1);
    if (mode == CLOSE_SELF) {
        CU_ASSERT_EQUAL(d.calls[0], 1);
        CU_ASSERT_EQUAL(d.calls[1], 1);
    }
    if (mode != CLOSE_SELF && d.first >= 0)
        CU_ASSERT_EQUAL(d.calls[1 - d.first], 0);
    if (mode == CLOSE_OTHER_REUSE_FD && d.reuse_w) {
        /* The new watcher works: a datagram to it is reported. */
        nt_addr a;
        nt_socket *tx;
        CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 0, &a) == NT_OK);
        CU_ASSERT_FATAL(nt_socket_bind(d.reuse, &a) == NT_OK);
        CU_ASSERT_FATAL(nt_socket_getsockname(d.reuse, &a) == NT_OK);
        CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_DGRAM, 0, &tx) == NT_OK);
        CU_ASSERT(nt_socket_sendto(tx, "u", 1, 0, &a) == 1);
        CU_ASSERT(nt_test_run_until(d.loop, flag_set, &d.reuse_calls, 2000));
        nt_socket_close(tx);
    }
    for (int i = 0; i < 2; i++) {
        if (d.w[i])
            duo_close(&d, i);
        pair_close(&d.p[i]);
    }
    nt_watch_close(d.reuse_w, NULL);
    nt_socket_close(d.reuse);
    NT_TEST_RC(nt_test_loop_close(d.loop), NT_OK);
    for (int i = 0; i < 2; i++)
        CU_ASSERT_EQUAL(d.closed[i], 1);
}

static void test_close_self_in_callback(void)
{
    run_duo(CLOSE_SELF, 2);
}

static void test_close_other_in_callback(void)
{
    run_duo(CLOSE_OTHER_THEN_SELF, 1);
    run_duo(CLOSE_OTHER_ONLY, 1);
}

static void test_close_with_events_pending(void)
{
    run_duo(CLOSE_OTHER_REUSE_FD, 1);
    run_duo(CLOSE_OTHER_SOCKET_FIRST, 1);
}

struct adder {
    nt_loop *loop;
    struct pair p[2];
    nt_watch *a, *added;
    int a_calls, added_calls;
};

static void added_cb(nt_watch *w, int events, void *data)
{
    struct adder *ad = data;
    (void)w;
    CU_ASSERT(events & NT_EV_READ);
    ad->added_calls++;
    drain(ad->p[1].srv);
}

static void adder_cb(nt_watch *w, int events, void *data)
{
    struct adder *ad = data;
    (void)events;
    ad->a_calls++;
    drain(ad->p[0].srv);
    nt_watch_set(w, 0);
    CU_ASSERT_FATAL(
        nt_watch_new(ad->loop, nt_socket_fileno(ad->p[1].srv), added_cb, ad, &ad->added) == NT_OK);
    CU_ASSERT_FATAL(nt_watch_set(ad->added, NT_EV_READ) == NT_OK);
}

static void test_add_from_callback(void)
{
    struct adder ad;
    memset(&ad, 0, sizeof ad);
    ad.loop = new_loop();
    pair_open(&ad.p[0], 1);
    pair_open(&ad.p[1], 1); /* already readable when its watcher appears */
    CU_ASSERT_FATAL(nt_watch_new(ad.loop, nt_socket_fileno(ad.p[0].srv), adder_cb, &ad, &ad.a) ==
                    NT_OK);
    CU_ASSERT_FATAL(nt_watch_set(ad.a, NT_EV_READ) == NT_OK);
    CU_ASSERT(nt_test_run_until(ad.loop, flag_set, &ad.added_calls, 2000));
    CU_ASSERT_EQUAL(ad.a_calls, 1);
    CU_ASSERT_EQUAL(ad.added_calls, 1);
    nt_watch_close(ad.a, NULL);
    nt_watch_close(ad.added, NULL);
    pair_close(&ad.p[0]);
    pair_close(&ad.p[1]);
    NT_TEST_RC(nt_test_loop_close(ad.loop), NT_OK);
}

/* ---- timers ---- */

struct tlog {
    int order[32];
    uint64_t at[32];
    int n;
    int want; /* how many firings log_has() waits for */
};

struct tone {
    struct tlog *log;
    int id;
    nt_timer *t;
    nt_timer *victim; /* closed by this timer's callback */
    int self_close, self_stop, limit;
    int calls;
    int closed; /* close callbacks run */
};

static void tone_closed(void *data)
{
    ((struct tone *)data)->closed++;
}

static void tone_cb(nt_timer *t, void *data)
{
    struct tone *o = data;
    CU_ASSERT_PTR_EQUAL(t, o->t);
    o->calls++;
    if (o->log && o->log->n < 32) {
        o->log->order[o->log->n] = o->id;
        o->log->at[o->log->n] = nt_clock_ms();
        o->log->n++;
    }
    if (o->victim) {
        nt_timer_close(o->victim, tone_closed);
        o->victim = NULL;
    }
    if (o->self_stop && o->calls >= o->limit)
        nt_timer_stop(t);
    if (o->self_close && o->calls >= o->limit) {
        nt_timer_close(t, tone_closed);
        o->t = NULL;
    }
}

static int log_has(void *ctx)
{
    struct tlog *l = ctx;
    return l->n >= l->want;
}

static void test_timer_order(void)
{
    nt_loop *loop = new_loop();
    struct tlog log;
    memset(&log, 0, sizeof log);
    struct tone o[8];
    memset(o, 0, sizeof o);
    /* Different due times fire by due time, not start order. */
    static const unsigned after[3] = {60, 20, 40};
    for (int i = 0; i < 3; i++) {
        o[i].log = &log;
        o[i].id = i;
        CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &o[i], &o[i].t) == NT_OK);
    }
    for (int i = 0; i < 3; i++)
        CU_ASSERT_FATAL(nt_timer_start(o[i].t, after[i], 0) == NT_OK);
    /* Equal due times fire in start order. */
    for (int i = 3; i < 8; i++) {
        o[i].log = &log;
        o[i].id = i;
        CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &o[i], &o[i].t) == NT_OK);
    }
    for (int i = 7; i >= 3; i--) /* created in one order, started in another */
        CU_ASSERT_FATAL(nt_timer_start(o[i].t, 80, 0) == NT_OK);
    log.want = 8;
    CU_ASSERT(nt_test_run_until(loop, log_has, &log, 5000));
    static const int want[8] = {1, 2, 0, 7, 6, 5, 4, 3};
    CU_ASSERT_EQUAL(log.n, 8);
    for (int i = 0; i < 8 && i < log.n; i++)
        CU_ASSERT_EQUAL(log.order[i], want[i]);
    for (int i = 0; i < 8; i++) {
        CU_ASSERT_EQUAL(o[i].calls, 1);
        CU_ASSERT_EQUAL(nt_timer_active(o[i].t), 0);
        nt_timer_close(o[i].t, NULL);
    }
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_timer_lateness(void)
{
    nt_loop *loop = new_loop();
    struct tlog log;
    memset(&log, 0, sizeof log);
    struct tone once = {0}, rep = {0};
    once.log = &log;
    once.id = 1;
    CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &once, &once.t) == NT_OK);
    uint64_t start = nt_clock_ms();
    CU_ASSERT_FATAL(nt_timer_start(once.t, 50, 0) == NT_OK);
    CU_ASSERT_EQUAL(nt_timer_active(once.t), 1);
    log.want = 1;
    CU_ASSERT(nt_test_run_until(loop, log_has, &log, 5000));
    uint64_t late = log.at[0] - start;
    printf("\n    50 ms timer fired after %llu ms ", (unsigned long long)late);
    CU_ASSERT(late >= 50);
    CU_ASSERT(late <= 50 + slack_ms());
    CU_ASSERT_EQUAL(nt_timer_active(once.t), 0);

    /* Repeating: the k-th firing is never early, and the whole run is not
     * much late either. */
    memset(&log, 0, sizeof log);
    rep.log = &log;
    rep.id = 2;
    rep.self_stop = 1;
    rep.limit = 5;
    CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &rep, &rep.t) == NT_OK);
    start = nt_clock_ms();
    CU_ASSERT_FATAL(nt_timer_start(rep.t, 20, 20) == NT_OK);
    log.want = 5;
    CU_ASSERT(nt_test_run_until(loop, log_has, &log, 5000));
    for (int k = 0; k < log.n; k++)
        CU_ASSERT(log.at[k] >= start + 20u * (unsigned)(k + 1));
    CU_ASSERT(log.at[4] - start <= 100 + slack_ms());
    /* Stopped from its own callback: no sixth. */
    nt_loop_run_once(loop, 60);
    CU_ASSERT_EQUAL(rep.calls, 5);
    CU_ASSERT_EQUAL(nt_timer_active(rep.t), 0);
    nt_timer_close(once.t, NULL);
    nt_timer_close(rep.t, NULL);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static int loop_for(nt_loop *loop, unsigned ms)
{
    uint64_t end = nt_clock_ms() + ms;
    while (nt_clock_ms() < end)
        if (nt_loop_run_once(loop, (int)(end - nt_clock_ms())) != NT_OK)
            return 0;
    return 1;
}

static void test_timer_stop_restart(void)
{
    nt_loop *loop = new_loop();
    struct tone o = {0};
    CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &o, &o.t) == NT_OK);
    CU_ASSERT_EQUAL(nt_timer_active(o.t), 0);
    CU_ASSERT_FATAL(nt_timer_start(o.t, 30, 0) == NT_OK);
    nt_timer_stop(o.t);
    nt_timer_stop(o.t); /* twice is harmless */
    CU_ASSERT_EQUAL(nt_timer_active(o.t), 0);
    CU_ASSERT(loop_for(loop, 80));
    CU_ASSERT_EQUAL(o.calls, 0);

    /* Restart after a stop. */
    CU_ASSERT_FATAL(nt_timer_start(o.t, 10, 0) == NT_OK);
    CU_ASSERT(nt_test_run_until(loop, flag_set, &o.calls, 2000));
    CU_ASSERT_EQUAL(o.calls, 1);

    /* Restart while running replaces the due time: a 10 s timer moved to
     * 10 ms fires soon, once. */
    o.calls = 0;
    CU_ASSERT_FATAL(nt_timer_start(o.t, 10000, 0) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_start(o.t, 10, 0) == NT_OK);
    uint64_t start = nt_clock_ms();
    CU_ASSERT(nt_test_run_until(loop, flag_set, &o.calls, 2000));
    CU_ASSERT(nt_clock_ms() - start < 10 + slack_ms());
    CU_ASSERT(loop_for(loop, 30));
    CU_ASSERT_EQUAL(o.calls, 1);
    CU_ASSERT_EQUAL(nt_timer_active(o.t), 0);
    nt_timer_stop(NULL);
    nt_timer_close(o.t, NULL);
    nt_timer_close(NULL, NULL);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_timer_close_in_callback(void)
{
    nt_loop *loop = new_loop();
    struct tone once = {0}, rep = {0}, killer = {0}, victim = {0};
    once.self_close = rep.self_close = 1;
    once.limit = rep.limit = 1;
    CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &once, &once.t) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &rep, &rep.t) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_start(once.t, 5, 0) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_start(rep.t, 5, 5) == NT_OK);
    /* killer and victim are due in the same pass; killer closes victim. */
    CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &killer, &killer.t) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_new(loop, tone_cb, &victim, &victim.t) == NT_OK);
    killer.victim = victim.t;
    CU_ASSERT_FATAL(nt_timer_start(killer.t, 10, 0) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_start(victim.t, 10, 0) == NT_OK);
    CU_ASSERT(loop_for(loop, 80));
    CU_ASSERT_EQUAL(once.calls, 1);
    CU_ASSERT_EQUAL(rep.calls, 1); /* repeating, closed at its first call */
    CU_ASSERT_PTR_NULL(once.t);
    CU_ASSERT_PTR_NULL(rep.t);
    CU_ASSERT_EQUAL(killer.calls, 1);
    CU_ASSERT_EQUAL(victim.calls, 0);
    /* Each close callback ran from the loop, once, with the timer's data. */
    CU_ASSERT_EQUAL(once.closed, 1);
    CU_ASSERT_EQUAL(rep.closed, 1);
    CU_ASSERT_EQUAL(victim.closed, 1);
    CU_ASSERT_EQUAL(killer.closed, 0);
    nt_timer_close(killer.t, tone_closed);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    CU_ASSERT_EQUAL(killer.closed, 1);
}

/* ---- deferred and posted tasks ---- */

struct tasks {
    nt_loop *loop;
    int order[16];
    int n;
    int chained; /* the task deferred by a task has run */
    int spin;    /* re-defer forever while set */
    long spins;
};

struct task_arg {
    struct tasks *ts;
    int id;
};

static void task_log(void *data)
{
    struct task_arg *a = data;
    if (a->ts->n < 16)
        a->ts->order[a->ts->n++] = a->id;
}

static void task_chained(void *data)
{
    struct tasks *ts = data;
    ts->chained = 1;
}

static void task_chain(void *data)
{
    struct tasks *ts = data;
    ts->order[ts->n++] = 99;
    CU_ASSERT_EQUAL(nt_loop_defer(ts->loop, task_chained, ts), NT_OK);
}

static void test_defer_order(void)
{
    struct tasks ts;
    memset(&ts, 0, sizeof ts);
    ts.loop = new_loop();
    struct task_arg a[5];
    for (int i = 0; i < 5; i++) {
        a[i].ts = &ts;
        a[i].id = i;
        CU_ASSERT_FATAL(nt_loop_defer(ts.loop, task_log, &a[i]) == NT_OK);
    }
    CU_ASSERT_FATAL(nt_loop_defer(ts.loop, task_chain, &ts) == NT_OK);
    uint64_t start = nt_clock_ms();
    CU_ASSERT_EQUAL(nt_loop_run_once(ts.loop, 5000), NT_OK); /* must not wait */
    CU_ASSERT_EQUAL(ts.n, 6);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(ts.order[i], i);
    CU_ASSERT_EQUAL(ts.order[5], 99);
    /* Deferred from a deferred task: the next iteration, which does not
     * wait either. */
    CU_ASSERT_EQUAL(ts.chained, 0);
    CU_ASSERT_EQUAL(nt_loop_run_once(ts.loop, 5000), NT_OK);
    CU_ASSERT_EQUAL(ts.chained, 1);
    CU_ASSERT(nt_clock_ms() - start < 2000);
    CU_ASSERT_EQUAL(nt_loop_defer(ts.loop, NULL, NULL), NT_EINVAL);
    NT_TEST_RC(nt_test_loop_close(ts.loop), NT_OK);
}

static void task_spin(void *data)
{
    struct tasks *ts = data;
    ts->spins++;
    if (ts->spin)
        nt_loop_defer(ts->loop, task_spin, ts);
}

static void test_defer_no_starvation(void)
{
    /* A task that defers itself forever must not starve I/O or timers. */
    struct tasks ts;
    memset(&ts, 0, sizeof ts);
    ts.loop = new_loop();
    ts.spin = 1;
    struct pair p;
    pair_open(&p, 1);
    struct wstat rd = {0};
    rd.drain = p.srv;
    CU_ASSERT_FATAL(nt_watch_new(ts.loop, nt_socket_fileno(p.srv), wstat_cb, &rd, &rd.w) == NT_OK);
    CU_ASSERT_FATAL(nt_watch_set(rd.w, NT_EV_READ) == NT_OK);
    struct tone o = {0};
    CU_ASSERT_FATAL(nt_timer_new(ts.loop, tone_cb, &o, &o.t) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_start(o.t, 20, 0) == NT_OK);
    CU_ASSERT_FATAL(nt_loop_defer(ts.loop, task_spin, &ts) == NT_OK);
    CU_ASSERT(nt_test_run_until(ts.loop, flag_set, &o.calls, 3000));
    CU_ASSERT_EQUAL(rd.calls, 1);
    CU_ASSERT(ts.spins > 1);
    ts.spin = 0;
    nt_loop_run_once(ts.loop, 0);
    long spins = ts.spins;
    nt_loop_run_once(ts.loop, 0);
    CU_ASSERT_EQUAL(ts.spins, spins);
    nt_timer_close(o.t, NULL);
    nt_watch_close(rd.w, NULL);
    pair_close(&p);
    NT_TEST_RC(nt_test_loop_close(ts.loop), NT_OK);
}

#define POST_THREADS 4
#define POSTS_PER_THREAD 10000

struct post_item {
    struct post_run *run;
    int thread, seq;
};

struct post_run {
    nt_loop *loop;
    struct post_item *items; /* [thread][seq] */
    int next[POST_THREADS];  /* next seq expected from each thread */
    int out_of_order, ran;
};

static void post_task(void *data)
{
    struct post_item *it = data;
    struct post_run *r = it->run;
    if (r->next[it->thread] != it->seq)
        r->out_of_order++;
    r->next[it->thread] = it->seq + 1;
    r->ran++;
}

struct poster {
    struct post_run *run;
    int id;
    int failed; /* posts refused (written by this poster only) */
};

static void poster_fn(void *arg)
{
    struct poster *p = arg;
    struct post_run *r = p->run;
    for (int i = 0; i < POSTS_PER_THREAD; i++) {
        struct post_item *it = &r->items[p->id * POSTS_PER_THREAD + i];
        if (nt_loop_post(r->loop, post_task, it) != NT_OK)
            p->failed++;
    }
}

static int posts_done(void *ctx)
{
    struct post_run *r = ctx;
    return r->ran >= POST_THREADS * POSTS_PER_THREAD;
}

static void test_post_contention(void)
{
    struct post_run r;
    memset(&r, 0, sizeof r);
    r.loop = new_loop();
    r.items = calloc(POST_THREADS * POSTS_PER_THREAD, sizeof *r.items);
    CU_ASSERT_FATAL(r.items != NULL);
    for (int t = 0; t < POST_THREADS; t++)
        for (int i = 0; i < POSTS_PER_THREAD; i++) {
            struct post_item *it = &r.items[t * POSTS_PER_THREAD + i];
            it->run = &r;
            it->thread = t;
            it->seq = i;
        }
    struct poster ps[POST_THREADS];
    nt_thread *th[POST_THREADS];
    uint64_t start = nt_clock_us();
    for (int t = 0; t < POST_THREADS; t++) {
        ps[t].run = &r;
        ps[t].id = t;
        ps[t].failed = 0;
        CU_ASSERT_FATAL(nt_thread_start(poster_fn, &ps[t], &th[t]) == NT_OK);
    }
    /* The loop runs while the posters post. */
    int done = nt_test_run_until(r.loop, posts_done, &r, 20000);
    for (int t = 0; t < POST_THREADS; t++)
        nt_thread_join(th[t]);
    /* Anything posted after the last iteration above runs in one more. */
    nt_test_run_until(r.loop, posts_done, &r, 2000);
    printf("\n    %d posts from %d threads run in %.3f s ", POST_THREADS * POSTS_PER_THREAD,
           POST_THREADS, nt_test_elapsed(start));
    CU_ASSERT(done);
    for (int t = 0; t < POST_THREADS; t++)
        CU_ASSERT_EQUAL(ps[t].failed, 0);
    CU_ASSERT_EQUAL(r.ran, POST_THREADS * POSTS_PER_THREAD);
    CU_ASSERT_EQUAL(r.out_of_order, 0);
    for (int t = 0; t < POST_THREADS; t++)
        CU_ASSERT_EQUAL(r.next[t], POSTS_PER_THREAD);
    /* Exactly once: nothing more runs later. */
    nt_loop_run_once(r.loop, 20);
    CU_ASSERT_EQUAL(r.ran, POST_THREADS * POSTS_PER_THREAD);
    NT_TEST_RC(nt_test_loop_close(r.loop), NT_OK);
    free(r.items);
}

struct waker {
    nt_loop *loop;
    unsigned delay_ms;
    int use_stop;     /* nt_loop_stop instead of a post */
    int post_rc;      /* what nt_loop_post returned (checked after join) */
    volatile int ran; /* set by the posted task, on the loop thread */
};

static void waker_task(void *data)
{
    struct waker *wk = data;
    wk->ran = 1;
}

static void waker_fn(void *arg)
{
    struct waker *wk = arg;
    nt_sleep_ms(wk->delay_ms);
    if (wk->use_stop)
        nt_loop_stop(wk->loop);
    else
        wk->post_rc = nt_loop_post(wk->loop, waker_task, wk);
}

static void test_post_wakes_sleeping_loop(void)
{
    struct waker wk = {0};
    wk.loop = new_loop();
    wk.delay_ms = 100;
    /* A guard timer, so a lost wakeup fails the test instead of hanging. */
    struct tone guard = {0};
    CU_ASSERT_FATAL(nt_timer_new(wk.loop, tone_cb, &guard, &guard.t) == NT_OK);
    CU_ASSERT_FATAL(nt_timer_start(guard.t, 10000, 0) == NT_OK);
    nt_thread *t;
    uint64_t start = nt_clock_ms();
    CU_ASSERT_FATAL(nt_thread_start(waker_fn, &wk, &t) == NT_OK);
    uint64_t w0 = wakeups(wk.loop);
    while (!wk.ran && !guard.calls)
        nt_loop_run_once(wk.loop, -1);
    uint64_t took = nt_clock_ms() - start;
    nt_thread_join(t);
    printf("\n    woken after %llu ms, %llu wakeup(s) ", (unsigned long long)took,
           (unsigned long long)(wakeups(wk.loop) - w0));
    CU_ASSERT_EQUAL(wk.post_rc, NT_OK);
    CU_ASSERT_EQUAL(wk.ran, 1);
    CU_ASSERT_EQUAL(guard.calls, 0);
    CU_ASSERT(took >= 90);
    CU_ASSERT(took < 100 + slack_ms());
    /* Slept through: one wakeup for the post, not a polling loop. */
    CU_ASSERT(wakeups(wk.loop) - w0 <= 3);
    CU_ASSERT(nt_loop_now(wk.loop) >= start);
    nt_timer_close(guard.t, NULL);
    NT_TEST_RC(nt_test_loop_close(wk.loop), NT_OK);
}

static void test_idle_never_spins(void)
{
    /* One idle socket watcher, no timers: nt_loop_run sleeps in the
     * backend until another thread stops it ~300 ms later. */
    nt_loop *loop = new_loop();
    struct pair p;
    pair_open(&p, 0);
    struct wstat rd = {0};
    CU_ASSERT_FATAL(nt_watch_new(loop, nt_socket_fileno(p.srv), wstat_cb, &rd, &rd.w) == NT_OK);
    CU_ASSERT_FATAL(nt_watch_set(rd.w, NT_EV_READ) == NT_OK);
    struct waker wk = {0};
    wk.loop = loop;
    wk.delay_ms = 300;
    wk.use_stop = 1;
    nt_thread *t;
    uint64_t w0 = wakeups(loop);
    uint64_t start = nt_clock_ms();
    CU_ASSERT_FATAL(nt_thread_start(waker_fn, &wk, &t) == NT_OK);
    CU_ASSERT_EQUAL(nt_loop_run(loop), NT_OK);
    uint64_t took = nt_clock_ms() - start;
    nt_thread_join(t);
    uint64_t idle_wakeups = wakeups(loop) - w0;
    printf("\n    idle %llu ms: %llu wakeup(s) ", (unsigned long long)took,
           (unsigned long long)idle_wakeups);
    CU_ASSERT(took >= 290);
    CU_ASSERT(idle_wakeups <= 2);
    CU_ASSERT_EQUAL(rd.calls, 0);

    /* A bounded wait with nothing to do is one wakeup. */
    w0 = wakeups(loop);
    start = nt_clock_ms();
    CU_ASSERT_EQUAL(nt_loop_run_once(loop, 100), NT_OK);
    CU_ASSERT(nt_clock_ms() - start >= 90);
    CU_ASSERT_EQUAL(wakeups(loop) - w0, 1);
    nt_watch_close(rd.w, NULL);
    pair_close(&p);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void stop_task(void *data)
{
    nt_loop_stop(data);
}

static void test_stop(void)
{
    nt_loop *loop = new_loop();
    /* From another thread, while the loop sleeps (also above). */
    struct waker wk = {0};
    wk.loop = loop;
    wk.delay_ms = 20;
    wk.use_stop = 1;
    nt_thread *t;
    CU_ASSERT_FATAL(nt_thread_start(waker_fn, &wk, &t) == NT_OK);
    CU_ASSERT_EQUAL(nt_loop_run(loop), NT_OK);
    nt_thread_join(t);

    /* From another thread before nt_loop_run() has started: not lost. */
    wk.delay_ms = 0;
    CU_ASSERT_FATAL(nt_thread_start(waker_fn, &wk, &t) == NT_OK);
    nt_thread_join(t);
    uint64_t start = nt_clock_ms();
    CU_ASSERT_EQUAL(nt_loop_run(loop), NT_OK);
    CU_ASSERT(nt_clock_ms() - start < 1000);

    /* From a callback on the loop; the loop runs again afterwards. */
    CU_ASSERT_FATAL(nt_loop_defer(loop, stop_task, loop) == NT_OK);
    CU_ASSERT_EQUAL(nt_loop_run(loop), NT_OK);
    CU_ASSERT_FATAL(nt_loop_post(loop, stop_task, loop) == NT_OK);
    CU_ASSERT_EQUAL(nt_loop_run(loop), NT_OK);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

struct quitter {
    nt_loop *loop;
    int posts;
    int use_stop; /* end with nt_loop_stop() rather than a posted stop */
    int ran;      /* tasks run (loop thread) */
    int failed;   /* refused posts (poster thread) */
};

static void count_task(void *data)
{
    ((struct quitter *)data)->ran++;
}

static void quit_task(void *data)
{
    nt_loop_stop(((struct quitter *)data)->loop);
}

static void quitter_fn(void *arg)
{
    struct quitter *q = arg;
    for (int i = 0; i < q->posts; i++)
        if (nt_loop_post(q->loop, count_task, q) != NT_OK)
            q->failed++;
    if (q->use_stop)
        nt_loop_stop(q->loop);
    else if (nt_loop_post(q->loop, quit_task, q) != NT_OK)
        q->failed++;
    /* This thread's last touch of the loop is above: the owner closes it
     * as soon as nt_loop_run() returns, possibly before this thread is
     * done returning from that call (ASan checks it does not touch freed
     * memory). */
}

/* Close the loop the moment nt_loop_run() returns.  A stop from another
 * thread may come before the loop has run all the posts ahead of it:
 * nt_loop_close() then refuses (NT_EBUSY) rather than drop them, and a
 * drain runs them.  Returns how many posts ran in all. */
static int close_after_run(struct quitter *q)
{
    int rc = nt_loop_close(q->loop);
    if (rc == NT_OK)
        return q->ran;
    NT_TEST_RC(rc, NT_EBUSY);
    CU_ASSERT(q->use_stop && q->ran < q->posts); /* only queued posts keep it */
    NT_TEST_RC(nt_loop_drain(q->loop), NT_OK);
    int ran = q->ran;
    NT_TEST_RC(nt_loop_close(q->loop), NT_OK);
    return ran;
}

static void test_close_right_after_stop(void)
{
    int rounds = nt_test_under_wine() ? 50 : 300;
    int ran_all = 1, failed = 0, busy = 0;
    for (int round = 0; round < rounds; round++) {
        struct quitter q = {0};
        q.loop = new_loop();
        q.posts = 50;
        q.use_stop = round % 2;
        nt_thread *t;
        CU_ASSERT_FATAL(nt_thread_start(quitter_fn, &q, &t) == NT_OK);
        CU_ASSERT_EQUAL(nt_loop_run(q.loop), NT_OK);
        int ran_in_run = q.ran;
        int ran = close_after_run(&q);
        nt_thread_join(t);
        if (!q.use_stop && ran_in_run != q.posts)
            ran_all = 0; /* a posted stop runs after the posts before it */
        if (ran != q.posts)
            ran_all = 0; /* a queued task always runs */
        busy += ran_in_run != ran;
        failed += q.failed;
    }
    if (busy)
        nt_test_note("%d of %d loops still had posts queued when stopped", busy, rounds);
    CU_ASSERT(ran_all);
    CU_ASSERT_EQUAL(failed, 0);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"backend names", test_backend_names},
        {"watchers: read and write readiness, keyed by handle", test_watch_read_write},
        {"watchers: each closes itself in its callback", test_close_self_in_callback},
        {"watchers: one closes the other, both ready", test_close_other_in_callback},
        {"watchers: socket closed with events pending", test_close_with_events_pending},
        {"watchers: added from a callback", test_add_from_callback},
        {"timers: order, equal due times in start order", test_timer_order},
        {"timers: bounded lateness, repeating", test_timer_lateness},
        {"timers: stop and restart", test_timer_stop_restart},
        {"timers: close inside callbacks", test_timer_close_in_callback},
        {"defer: order, chained defer runs next iteration", test_defer_order},
        {"defer: self-deferring task starves nothing", test_defer_no_starvation},
        {"post: 4 threads x 10000 under contention", test_post_contention},
        {"post: wakes a sleeping loop", test_post_wakes_sleeping_loop},
        {"idle loop never spins; stop from another thread", test_idle_never_spins},
        {"stop: other thread, before run, from callbacks", test_stop},
        {"close at once after a cross-thread stop or post", test_close_right_after_stop},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("loop", tests);
}

/* SPDX-License-Identifier: MIT */
/* How a connection ends: nt_conn_close() flushes what is queued for up to
 * its linger time and says NT_EUNSENT when that runs out with output still
 * queued; nt_conn_abort() drops the queue at once (and cuts a lingering
 * close short), counting what was dropped; the send queue limit closes a
 * connection whose peer never reads (NT_ESENDQ) but not one whose peer
 * reads, however bursty the owner.  Times lingering, so runs alone; runs
 * once per backend (NATTER_LOOP_BACKEND picks it). */
#include "helpers.h"

#include <natter/conn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- how a connection ends: close lingers, abort does not ---- */

/* A connection whose peer is a raw non-blocking socket that the test reads
 * (or not) inside the conditions it waits on. */
struct ender {
    nt_conn *c;
    int closed, reason, inside_call;
    nt_conn_stats at_close;
    uint64_t closed_at;
    int in_call;
};

static void ender_closed(nt_conn *c, int reason, void *data)
{
    struct ender *e = data;
    e->closed++;
    e->reason = reason;
    e->closed_at = nt_clock_ms();
    if (e->in_call)
        e->inside_call++;
    CU_ASSERT(nt_conn_get_stats(c, &e->at_close) == NT_OK);
}

static const nt_conn_callbacks ender_cbs = {NULL, NULL, NULL, NULL, NULL, ender_closed};

static int ender_closed_yet(void *ctx)
{
    return ((struct ender *)ctx)->closed > 0;
}

/* A connection whose peer never reads, with small socket buffers so that
 * most of what is queued stays queued. */
static void stuck_conn(nt_loop *loop, const nt_conn_options *o, struct ender *e, nt_test_raw *r)
{
    nt_socket *srv;
    memset(r, 0, sizeof *r);
    nt_test_tcp_pair(NT_AF_INET, &r->s, &srv);
    CU_ASSERT_FATAL(nt_socket_settimeout(r->s, 0) == NT_OK);
    nt_socket_set_option(srv, NT_OPT_SNDBUF, 16384);
    nt_socket_set_option(r->s, NT_OPT_RCVBUF, 16384);
    CU_ASSERT_FATAL(nt_conn_new(loop, srv, o, &ender_cbs, e, &e->c) == NT_OK);
}

static size_t queue_pattern(nt_conn *c, size_t len)
{
    char *data = malloc(len);
    CU_ASSERT_FATAL(data != NULL);
    nt_test_fill_pattern(data, 0, len);
    CU_ASSERT(nt_conn_send(c, data, len) == NT_OK);
    free(data);
    return len;
}

static void check_unsent(const struct ender *e, size_t total)
{
    printf("\n    at on_closed: %llu sent, %llu unsent of %zu ",
           (unsigned long long)e->at_close.bytes_sent, (unsigned long long)e->at_close.bytes_unsent,
           total);
    CU_ASSERT(e->at_close.bytes_unsent > 0);
    CU_ASSERT_EQUAL(e->at_close.bytes_sent + e->at_close.bytes_unsent, total);
}

static void test_close_linger_unsent(void)
{
    nt_loop *loop = nt_test_new_loop();
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.linger_ms = 100;
    o.sendq_limit = 0;
    struct ender e = {0};
    nt_test_raw r;
    stuck_conn(loop, &o, &e, &r);
    size_t total = queue_pattern(e.c, 3u * 1024u * 1024u);
    uint64_t start = nt_clock_ms();
    e.in_call = 1;
    nt_conn_close(e.c);
    e.in_call = 0;
    CU_ASSERT(nt_test_run_until(loop, ender_closed_yet, &e, 5000));
    uint64_t took = e.closed_at - start;
    printf("\n    linger ran out after %llu ms ", (unsigned long long)took);
    CU_ASSERT_EQUAL(e.closed, 1);
    CU_ASSERT_EQUAL(e.inside_call, 0);
    NT_TEST_RC(e.reason, NT_EUNSENT);
    CU_ASSERT(took >= 100);
    CU_ASSERT(took < 100 + nt_test_slack_ms());
    check_unsent(&e, total);
    nt_test_raw_free(&r);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_abort(void)
{
    nt_loop *loop = nt_test_new_loop();
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.sendq_limit = 0;
    struct ender e = {0};
    nt_test_raw r;
    stuck_conn(loop, &o, &e, &r);
    size_t total = queue_pattern(e.c, 3u * 1024u * 1024u);
    e.in_call = 1;
    nt_conn_abort(e.c);
    nt_conn_abort(e.c);
    e.in_call = 0;
    CU_ASSERT(nt_test_run_until(loop, ender_closed_yet, &e, 5000));
    nt_test_run_a_little(loop);
    CU_ASSERT_EQUAL(e.closed, 1);
    CU_ASSERT_EQUAL(e.inside_call, 0);
    NT_TEST_RC(e.reason, NT_ECLOSED);
    check_unsent(&e, total);
    nt_test_raw_free(&r);

    /* Abort cuts a lingering close short. */
    o.linger_ms = 10000;
    struct ender l = {0};
    stuck_conn(loop, &o, &l, &r);
    total = queue_pattern(l.c, 3u * 1024u * 1024u);
    nt_conn_close(l.c);
    CU_ASSERT_EQUAL(nt_test_run_until(loop, ender_closed_yet, &l, 100), 0);
    uint64_t start = nt_clock_ms();
    nt_conn_abort(l.c);
    CU_ASSERT(nt_test_run_until(loop, ender_closed_yet, &l, 5000));
    uint64_t took = l.closed_at - start;
    printf("\n    lingering close aborted: %s after %llu ms ", nt_err_name(l.reason),
           (unsigned long long)took);
    CU_ASSERT_EQUAL(l.closed, 1);
    CU_ASSERT(took < nt_test_slack_ms());
    /* nt_conn_abort() says NT_ECLOSED; a close whose linger was cut short
     * has output unsent, which NT_EUNSENT would say too. */
    CU_ASSERT(l.reason == NT_ECLOSED || l.reason == NT_EUNSENT);
    check_unsent(&l, total);
    nt_test_raw_free(&r);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* ---- the send queue limit ---- */

struct producer {
    nt_loop *loop;
    struct ender *e;
    size_t chunk, sent, max;
    char *block;
    int bad_rc;
};

static void produce(void *data)
{
    struct producer *p = data;
    if (p->e->closed || p->sent >= p->max)
        return;
    nt_test_fill_pattern(p->block, p->sent, p->chunk);
    int rc = nt_conn_send(p->e->c, p->block, p->chunk);
    if (rc == NT_OK)
        p->sent += p->chunk;
    else if (rc != NT_ECLOSED && rc != NT_ESENDQ)
        p->bad_rc = rc; /* NT_ESENDQ: this send took a full socket's
                           queue past the limit (conn.h) */
    if (rc == NT_OK)
        nt_loop_defer(p->loop, produce, p);
}

static int raw_saw_end(void *ctx)
{
    nt_test_raw *r = ctx;
    /* Read slowly enough to stay behind: drop what was read. */
    nt_test_raw_pump(r);
    r->len = 0;
    return r->eof || r->err;
}

static void test_sendq_never_reading_peer(void)
{
    nt_loop *loop = nt_test_new_loop();
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.sendq_limit = 64 * 1024;
    struct ender e = {0};
    nt_test_raw r;
    stuck_conn(loop, &o, &e, &r);
    /* An owner that ignores high-water: 32 KiB every iteration. */
    struct producer p = {loop, &e, 32 * 1024, 0, 64u * 1024u * 1024u, NULL, NT_OK};
    p.block = malloc(p.chunk);
    CU_ASSERT_FATAL(p.block != NULL);
    CU_ASSERT_FATAL(nt_loop_defer(loop, produce, &p) == NT_OK);
    CU_ASSERT(nt_test_run_until(loop, ender_closed_yet, &e, 10000));
    printf("\n    closed (%s) after %zu KiB produced ", nt_err_name(e.reason), p.sent / 1024);
    NT_TEST_RC(e.reason, NT_ESENDQ);
    NT_TEST_RC(p.bad_rc, NT_OK);
    CU_ASSERT(p.sent > o.sendq_limit);
    CU_ASSERT(p.sent < p.max);
    CU_ASSERT(e.at_close.bytes_unsent > 0);
    /* The peer sees the end. */
    CU_ASSERT(nt_test_run_until(loop, raw_saw_end, &r, 5000));
    free(p.block);
    nt_test_raw_free(&r);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

struct reading_peer {
    nt_test_raw *r;
    struct ender *e;
    size_t want;
};

static int peer_has_all(void *ctx)
{
    struct reading_peer *rp = ctx;
    nt_test_raw_pump(rp->r);
    return rp->r->len >= rp->want || rp->r->eof || rp->r->err || rp->e->closed;
}

static void test_sendq_reading_peer_burst(void)
{
    nt_loop *loop = nt_test_new_loop();
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.sendq_limit = 64 * 1024;
    struct ender e = {0};
    nt_test_raw r;
    nt_socket *srv;
    memset(&r, 0, sizeof r);
    nt_test_tcp_pair(NT_AF_INET, &r.s, &srv);
    CU_ASSERT_FATAL(nt_socket_settimeout(r.s, 0) == NT_OK);
    /* A send buffer that takes a whole burst: the limit is judged on what
     * is left after a write the socket cut short, not on what was queued
     * before it. */
    nt_socket_set_option(srv, NT_OPT_SNDBUF, 512 * 1024);
    CU_ASSERT_FATAL(nt_conn_new(loop, srv, &o, &ender_cbs, &e, &e.c) == NT_OK);
    size_t burst = o.sendq_limit + o.sendq_limit / 2, chunk = burst / 3;
    char *block = malloc(burst);
    CU_ASSERT_FATAL(block != NULL);
    struct reading_peer rp = {&r, &e, 0};
    int rounds = 20;
    for (int i = 0; i < rounds && !e.closed; i++) {
        /* One burst per iteration, queued in three sends. */
        nt_test_fill_pattern(block, rp.want, burst);
        for (size_t off = 0; off < burst; off += chunk)
            NT_TEST_RC(nt_conn_send(e.c, block + off, chunk), NT_OK);
        rp.want += burst;
        CU_ASSERT(nt_test_run_until(loop, peer_has_all, &rp, 5000));
    }
    if (e.closed)
        printf("\n    closed with %s after %zu bytes ", nt_err_name(e.reason), r.len);
    CU_ASSERT_EQUAL(e.closed, 0);
    CU_ASSERT_EQUAL(r.len, burst * (size_t)rounds);
    CU_ASSERT_EQUAL(nt_test_pattern_errors(r.buf, 0, r.len), 0);
    free(block);
    if (!e.closed)
        nt_conn_close(e.c);
    CU_ASSERT(nt_test_run_until(loop, ender_closed_yet, &e, 5000));
    NT_TEST_RC(e.reason, NT_ECLOSED);
    nt_test_raw_free(&r);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"nt_conn_close: peer never reads, NT_EUNSENT after linger", test_close_linger_unsent},
        {"nt_conn_abort: NT_ECLOSED, queue dropped and counted", test_abort},
        {"sendq_limit: a peer that never reads is closed (NT_ESENDQ)",
         test_sendq_never_reading_peer},
        {"sendq_limit: a reading peer survives bursts above the limit",
         test_sendq_reading_peer_burst},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("conn-end", tests);
}

/* SPDX-License-Identifier: MIT */
/* Connecting in the background: nt_conn_connect() resolves on the
 * resolver's threads and races the addresses (Happy Eyeballs, RFC 8305);
 * nt_conn_connect_addrs() races addresses already known.  A slow address
 * is overtaken after attempt_delay_ms and its attempt closed; refusals move
 * on at once; connect_timeout_ms bounds an attempt and connect_total_ms the
 * whole; closing while connecting ends in NT_ECANCELED; sends made before
 * on_connect arrive after it.  Runs once per backend (NATTER_LOOP_BACKEND
 * picks it).
 *
 * A slow address on loopback is a "blackhole" (see blackhole_open()); slow
 * DNS is the private hook nt__resolve_set_delay_ms(), put back to 0 by each
 * test that sets it. */
#include "helpers.h"

#include <natter/conn.h>
#include <natter/resolve.h>

#include "resolve-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lateness allowed on top of a deadline: the machine is shared, and wine's
 * timers are coarser still. */
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

static uint64_t loop_handles(nt_loop *loop)
{
    nt_loop_stats st;
    memset(&st, 0xff, sizeof st);
    CU_ASSERT_FATAL(nt_loop_get_stats(loop, &st) == NT_OK);
    return st.handles;
}

/* The loop's clock, fresh: timers the library starts now count from it. */
static uint64_t loop_start_time(nt_loop *loop)
{
    CU_ASSERT(nt_loop_run_once(loop, 0) == NT_OK);
    return nt_loop_now(loop);
}

static void set_delay(unsigned ms)
{
    nt__resolve_set_delay_ms(ms);
}

/* Set around calls that must never call back from inside. */
static int in_call;

/* ---- the peer: a listener whose connections log the lines they get ---- */

#define MAX_ACCEPT 8

struct server;

struct served {
    struct server *srv;
    nt_conn *c; /* NULL once closed */
    int closed, reason;
};

struct server {
    nt_loop *loop;
    nt_listener *l;
    nt_addr addr;
    int accepted;
    nt_addr peers[MAX_ACCEPT];
    struct served conns[MAX_ACCEPT];
    char log[1024]; /* every line any connection got, joined with '|' */
    size_t loglen;
    int lines;
};

static void served_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    (void)c;
    struct server *s = ((struct served *)data)->srv;
    if (s->loglen + len + 2 < sizeof s->log) {
        memcpy(s->log + s->loglen, msg, len);
        s->loglen += len;
        s->log[s->loglen++] = '|';
        s->log[s->loglen] = '\0';
    }
    s->lines++;
}

static void served_closed(nt_conn *c, int reason, void *data)
{
    (void)c;
    struct served *sv = data;
    sv->closed++;
    sv->reason = reason;
    sv->c = NULL;
}

static const nt_conn_callbacks served_cbs = {
    NULL, served_message, NULL, NULL, NULL, served_closed,
};

static void server_accept(nt_listener *l, nt_socket *sock, const nt_addr *peer, void *data)
{
    (void)l;
    struct server *s = data;
    if (s->accepted >= MAX_ACCEPT) {
        nt_socket_close(sock);
        s->accepted++;
        return;
    }
    struct served *sv = &s->conns[s->accepted];
    s->peers[s->accepted++] = *peer;
    sv->srv = s;
    CU_ASSERT(nt_conn_new(s->loop, sock, NULL, &served_cbs, sv, &sv->c) == NT_OK);
}

/* Listen on the loopback address of a family; 0 when it cannot bind. */
static int server_open(nt_loop *loop, struct server *s, nt_family family)
{
    memset(s, 0, sizeof *s);
    s->loop = loop;
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(family, 0, &a) == NT_OK);
    int rc = nt_listener_new(loop, &a, NT_BACKLOG_DEFAULT, server_accept, s, &s->l);
    if (rc != NT_OK)
        return 0;
    CU_ASSERT_FATAL(nt_listener_addr(s->l, &s->addr) == NT_OK);
    return 1;
}

static void server_close(struct server *s)
{
    for (int i = 0; i < s->accepted && i < MAX_ACCEPT; i++)
        nt_conn_close(s->conns[i].c);
    nt_listener_close(s->l, NULL);
    s->l = NULL;
}

struct lines_want {
    struct server *s;
    int n;
};

static int server_has_lines(void *ctx)
{
    struct lines_want *w = ctx;
    return w->s->lines >= w->n;
}

/* ---- the connecting side ---- */

struct client {
    nt_conn *c; /* NULL once closed */
    int connected, closed, reason, inside_call;
    uint64_t connected_at, closed_at;
    int peer_rc; /* nt_conn_peer() in on_connect */
    nt_addr peer;
    int had_socket; /* nt_conn_socket() in on_connect */
    const char *send_on_connect;
    int close_calls; /* the close callback of nt_handle_close() */
};

static void client_connected(nt_conn *c, void *data)
{
    struct client *cl = data;
    cl->connected++;
    cl->connected_at = nt_clock_ms();
    cl->peer_rc = nt_conn_peer(c, &cl->peer);
    cl->had_socket = nt_conn_socket(c) != NULL;
    if (cl->send_on_connect)
        CU_ASSERT(nt_conn_send(c, cl->send_on_connect, strlen(cl->send_on_connect)) == NT_OK);
}

static void client_closed(nt_conn *c, int reason, void *data)
{
    (void)c;
    struct client *cl = data;
    cl->closed++;
    cl->reason = reason;
    cl->closed_at = nt_clock_ms();
    if (in_call)
        cl->inside_call++;
    cl->c = NULL;
}

static void client_close_cb(void *data)
{
    struct client *cl = data;
    cl->close_calls++;
    if (in_call)
        cl->inside_call++;
}

static const nt_conn_callbacks client_cbs = {
    client_connected, NULL, NULL, NULL, NULL, client_closed,
};

static int client_connected_yet(void *ctx)
{
    struct client *cl = ctx;
    return cl->connected > 0 || cl->closed > 0;
}

static int client_closed_yet(void *ctx)
{
    return ((struct client *)ctx)->closed > 0;
}

/* While connecting, a connection has no peer and no socket yet. */
static void check_connecting(struct client *cl)
{
    nt_addr peer;
    CU_ASSERT_EQUAL(cl->connected + cl->closed, 0);
    NT_TEST_RC(nt_conn_peer(cl->c, &peer), NT_ENOTCONN);
    CU_ASSERT_PTR_NULL(nt_conn_socket(cl->c));
}

static void connect_addrs(nt_loop *loop, struct client *cl, const nt_addr *addrs, size_t n,
                          const nt_conn_options *o)
{
    in_call = 1;
    int rc = nt_conn_connect_addrs(loop, addrs, n, o, &client_cbs, cl, &cl->c);
    in_call = 0;
    NT_TEST_RC(rc, NT_OK);
    CU_ASSERT_FATAL(rc == NT_OK && cl->c != NULL);
    check_connecting(cl);
}

static void connect_name(nt_loop *loop, struct client *cl, const char *host, uint16_t port,
                         const nt_conn_options *o)
{
    in_call = 1;
    int rc = nt_conn_connect(loop, host, port, o, &client_cbs, cl, &cl->c);
    in_call = 0;
    NT_TEST_RC(rc, NT_OK);
    CU_ASSERT_FATAL(rc == NT_OK && cl->c != NULL);
    check_connecting(cl);
}

/* Connected to the server, once (its want_accepted'th connection), and
 * the server's log of lines is want_log. */
static void check_connected(struct client *cl, struct server *s, int want_accepted,
                            const char *want_log)
{
    CU_ASSERT_EQUAL(cl->connected, 1);
    CU_ASSERT_EQUAL(cl->closed, 0);
    NT_TEST_RC(cl->peer_rc, NT_OK);
    CU_ASSERT(nt_addr_equal(&cl->peer, &s->addr));
    CU_ASSERT_EQUAL(cl->had_socket, 1);
    int lines = 0;
    for (const char *p = want_log; *p; p++)
        lines += *p == '|';
    struct lines_want w = {s, lines};
    CU_ASSERT(nt_test_run_until(s->loop, server_has_lines, &w, 5000));
    CU_ASSERT_EQUAL(s->accepted, want_accepted);
    CU_ASSERT_STRING_EQUAL(s->log, want_log);
}

/* End the client (and its accepted peer) cleanly. */
static void client_finish(nt_loop *loop, struct client *cl)
{
    if (cl->c)
        nt_conn_close(cl->c);
    CU_ASSERT(nt_test_run_until(loop, client_closed_yet, cl, 5000));
    CU_ASSERT_EQUAL(cl->closed, 1);
}

/* A port on loopback that nothing listens on: bound, learnt, closed. */
static nt_addr refused_addr(nt_family family)
{
    nt_socket *s;
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(family, 0, &a) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_new(family, NT_SOCK_STREAM, 0, &s) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_bind(s, &a) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_getsockname(s, &a) == NT_OK);
    nt_socket_close(s);
    return a;
}

/* ---- a blackhole: an address whose SYNs nobody answers ---- */

/* Nothing on loopback drops a SYN by itself: a closed port answers with a
 * reset at once.  A listener that never accepts does drop them, though, once
 * its accept queue is full: Linux then neither completes nor refuses a new
 * handshake, and the client keeps retransmitting its SYN (wine, running on
 * Linux, behaves the same).  So: listen with backlog 0 and open connections
 * one by one, waiting 300 ms for each to complete; the first that does not
 * proves that new SYNs are now dropped, and the address is a blackhole for
 * as long as the listener stays open and unaccepted.  The number of
 * connections tried is bounded. */
#define BLACKHOLE_FILL_MAX 16

struct blackhole {
    nt_socket *listener;
    nt_socket *fill[BLACKHOLE_FILL_MAX]; /* handshakes completed, waiting in the queue */
    int nfill;
    nt_addr addr;
};

/* 1 when the connect of s completed within 300 ms, 0 when it stayed pending. */
static int connect_completes(nt_socket *s, const nt_addr *to)
{
    CU_ASSERT_FATAL(nt_socket_settimeout(s, 0) == NT_OK);
    int rc = nt_socket_connect(s, to);
    CU_ASSERT_FATAL(rc == NT_OK || rc == NT_EINPROGRESS);
    if (rc == NT_OK)
        return 1;
    rc = nt_socket_wait(s, NT_EV_WRITE, 0.3);
    if (rc == NT_ETIMEDOUT)
        return 0;
    CU_ASSERT_FATAL(rc > 0);
    int err = NT_EUNKNOWN;
    CU_ASSERT_FATAL(nt_socket_get_option(s, NT_OPT_ERROR, &err) == NT_OK);
    NT_TEST_RC(err, NT_OK);
    return 1;
}

static void blackhole_close(struct blackhole *bh)
{
    for (int i = 0; i < bh->nfill; i++)
        nt_socket_close(bh->fill[i]);
    nt_socket_close(bh->listener);
    memset(bh, 0, sizeof *bh);
}

/* 1 with a blackhole made; 0 (nothing left open) when this system completed
 * every handshake. */
static int blackhole_open(struct blackhole *bh)
{
    memset(bh, 0, sizeof *bh);
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 0, &a) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_create_server(&a, 0, &bh->listener) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_getsockname(bh->listener, &bh->addr) == NT_OK);
    while (bh->nfill < BLACKHOLE_FILL_MAX) {
        nt_socket *s;
        CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_STREAM, 0, &s) == NT_OK);
        if (!connect_completes(s, &bh->addr)) {
            /* The proof is closed before its SYN is retransmitted (after
             * 1 s): the blackhole's only visitors are the test's own. */
            nt_socket_close(s);
            return 1;
        }
        bh->fill[bh->nfill++] = s;
    }
    printf("\n    %d connections completed to a listener with backlog 0 ", bh->nfill);
    blackhole_close(bh);
    return 0;
}

static int open_blackhole_or_skip(struct blackhole *bh)
{
    if (blackhole_open(bh))
        return 1;
    nt_test_skip("a listener with a full backlog still completed every handshake here, and "
                 "loopback has no other way to drop a SYN: no slow address to test with");
    return 0;
}

/* Did a connection reach the blackhole that is not one of the test's own
 * fill connections?  That would be an attempt the library left open,
 * whose SYN was retransmitted once the queue had room. */
struct stray_watch {
    struct blackhole *bh;
    int known, strays;
};

static int is_fill_port(const struct blackhole *bh, uint16_t port)
{
    for (int i = 0; i < bh->nfill; i++) {
        nt_addr local;
        if (nt_socket_getsockname(bh->fill[i], &local) == NT_OK && local.port == port)
            return 1;
    }
    return 0;
}

static int blackhole_got_stray(void *ctx)
{
    struct stray_watch *sw = ctx;
    nt_socket *s;
    nt_addr peer;
    CU_ASSERT_FATAL(nt_socket_settimeout(sw->bh->listener, 0) == NT_OK);
    while (nt_socket_accept(sw->bh->listener, &s, &peer) == NT_OK) {
        if (is_fill_port(sw->bh, peer.port))
            sw->known++;
        else
            sw->strays++;
        nt_socket_close(s);
    }
    return sw->strays > 0;
}

/* ---- where the listener is ---- */

struct lookup_done {
    int calls, status;
};

static void lookup_done_cb(nt_resolve *r, int status, const nt_addr *addrs, size_t count,
                           void *data)
{
    (void)r;
    (void)addrs;
    (void)count;
    struct lookup_done *d = data;
    d->calls++;
    d->status = status;
}

static int lookup_finished(void *ctx)
{
    return ((struct lookup_done *)ctx)->calls > 0;
}

/* Does "localhost" have an address of this family here?  (Asked on the
 * loop: a blocking lookup on the test's thread leaves glibc's resolver
 * state behind, which valgrind reports as a leak.) */
static int localhost_has(nt_loop *loop, nt_family family)
{
    struct lookup_done d = {0, NT_EUNKNOWN};
    CU_ASSERT_FATAL(nt_resolve_start(loop, "localhost", 1, family, NT_SOCK_STREAM, lookup_done_cb,
                                     &d, NULL) == NT_OK);
    CU_ASSERT(nt_test_run_until(loop, lookup_finished, &d, 10000));
    return d.status == NT_OK;
}

static void connect_to_server(nt_loop *loop, struct server *s, const char *host, int want_accepted,
                              const char *want_log)
{
    struct client cl = {0};
    cl.send_on_connect = "hello\n";
    uint64_t t0 = loop_start_time(loop);
    connect_name(loop, &cl, host, s->addr.port, NULL);
    /* The user's handles only: the listener and the connection, not the
     * lookup or the attempts the connection makes for itself. */
    CU_ASSERT_EQUAL(loop_handles(loop), 2);
    CU_ASSERT(nt_test_run_until(loop, client_connected_yet, &cl, 10000));
    if (cl.closed)
        printf("\n    %s: %s ", host, nt_err_name(cl.reason));
    else
        printf("\n    %s: connected in %llu ms ", host, (unsigned long long)(cl.connected_at - t0));
    check_connected(&cl, s, want_accepted, want_log);
    client_finish(loop, &cl);
}

static void test_ipv6_listener(void)
{
    set_delay(0);
    if (!nt_test_have_ipv6()) {
        nt_test_skip("no IPv6 loopback here (binding ::1 fails)");
        return;
    }
    nt_loop *loop = new_loop();
    struct server s;
    CU_ASSERT_FATAL(server_open(loop, &s, NT_AF_INET6));
    connect_to_server(loop, &s, "::1", 1, "hello|");
    if (localhost_has(loop, NT_AF_INET6)) {
        connect_to_server(loop, &s, "localhost", 2, "hello|hello|");
    } else {
        nt_test_skip("\"localhost\" has no IPv6 address here (see /etc/hosts): the ::1-only "
                     "listener cannot be reached by that name");
    }
    server_close(&s);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_ipv4_listener(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    if (!localhost_has(loop, NT_AF_INET)) {
        nt_test_skip("\"localhost\" has no IPv4 address here");
        NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
        return;
    }
    struct server s;
    CU_ASSERT_FATAL(server_open(loop, &s, NT_AF_INET));
    /* Where localhost is ::1 too (tried first), that attempt is refused
     * and 127.0.0.1 tried at once. */
    connect_to_server(loop, &s, "localhost", 1, "hello|");
    server_close(&s);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* ---- racing ---- */

static nt_conn_options race_options(uint64_t attempt_delay_ms)
{
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.connect_timeout_ms = 5000;
    if (attempt_delay_ms)
        o.attempt_delay_ms = attempt_delay_ms;
    return o;
}

/* [blackhole, good]: the good one wins once the delay has passed. */
static void race_blackhole_first(uint64_t attempt_delay_ms, int watch_strays)
{
    set_delay(0);
    struct blackhole bh;
    if (!open_blackhole_or_skip(&bh))
        return;
    nt_loop *loop = new_loop();
    struct server s;
    CU_ASSERT_FATAL(server_open(loop, &s, NT_AF_INET));
    nt_conn_options o = race_options(attempt_delay_ms);
    nt_addr addrs[2] = {bh.addr, s.addr};
    struct client cl = {0};
    cl.send_on_connect = "won\n";
    uint64_t t0 = loop_start_time(loop);
    connect_addrs(loop, &cl, addrs, 2, &o);
    CU_ASSERT(nt_test_run_until(loop, client_connected_yet, &cl, 10000));
    uint64_t took = cl.connected_at - t0;
    printf("\n    attempt_delay_ms %llu: connected to the second address after %llu ms ",
           (unsigned long long)o.attempt_delay_ms, (unsigned long long)took);
    check_connected(&cl, &s, 1, "won|");
    CU_ASSERT(took >= o.attempt_delay_ms);
    CU_ASSERT(took < o.attempt_delay_ms + slack_ms());
    CU_ASSERT(took < o.connect_timeout_ms);
    if (attempt_delay_ms && attempt_delay_ms < 250 && !nt_test_under_wine())
        CU_ASSERT(took < 250); /* the option, not the default, was used */

    if (watch_strays) {
        /* The losing attempt was closed: empty the blackhole's queue and
         * watch past the SYN retransmission (1 s) for a visitor that is not
         * one of ours. */
        struct stray_watch sw = {&bh, 0, 0};
        uint64_t until = t0 + 2000;
        uint64_t now = nt_clock_ms();
        unsigned wait = until > now ? (unsigned)(until - now) : 0;
        CU_ASSERT_EQUAL(nt_test_run_until(loop, blackhole_got_stray, &sw, wait), 0);
        CU_ASSERT_EQUAL(sw.strays, 0);
        CU_ASSERT_EQUAL(sw.known, bh.nfill);
    }
    client_finish(loop, &cl);
    server_close(&s);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    blackhole_close(&bh);
}

static void test_race_default_delay(void)
{
    race_blackhole_first(0, 1);
}

static void test_race_delay_100(void)
{
    race_blackhole_first(100, 0);
}

static void test_all_refused(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    nt_addr addrs[3];
    size_t n = 0;
    if (nt_test_have_ipv6())
        addrs[n++] = refused_addr(NT_AF_INET6);
    else
        nt_test_note("no IPv6 loopback: IPv4 addresses only");
    addrs[n++] = refused_addr(NT_AF_INET);
    addrs[n++] = refused_addr(NT_AF_INET);
    nt_conn_options o = race_options(0);
    struct client cl = {0};
    uint64_t t0 = loop_start_time(loop);
    connect_addrs(loop, &cl, addrs, n, &o);
    CU_ASSERT(nt_test_run_until(loop, client_closed_yet, &cl, 10000));
    uint64_t took = cl.closed_at - t0;
    printf("\n    %zu addresses refused in %llu ms ", n, (unsigned long long)took);
    CU_ASSERT_EQUAL(cl.connected, 0);
    CU_ASSERT_EQUAL(cl.closed, 1);
    CU_ASSERT_EQUAL(cl.inside_call, 0);
    NT_TEST_RC(cl.reason, NT_ECONNREFUSED);
    /* A refusal starts the next attempt at once, not after the delay.
     * (WSAPoll under wine may report failed connects late.) */
    if (!nt_test_wine_quirks())
        CU_ASSERT(took < o.attempt_delay_ms);
    CU_ASSERT_EQUAL(loop_handles(loop), 0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* ---- time limits ---- */

static void test_attempt_timeout(void)
{
    set_delay(0);
    struct blackhole bh;
    if (!open_blackhole_or_skip(&bh))
        return;
    nt_loop *loop = new_loop();
    nt_conn_options o = race_options(0);
    o.connect_timeout_ms = 300;
    struct client cl = {0};
    uint64_t t0 = loop_start_time(loop);
    connect_addrs(loop, &cl, &bh.addr, 1, &o);
    CU_ASSERT(nt_test_run_until(loop, client_closed_yet, &cl, 10000));
    uint64_t took = cl.closed_at - t0;
    printf("\n    timed out after %llu ms ", (unsigned long long)took);
    CU_ASSERT_EQUAL(cl.connected, 0);
    NT_TEST_RC(cl.reason, NT_ETIMEDOUT);
    CU_ASSERT(took >= 300);
    CU_ASSERT(took < 300 + slack_ms());
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    blackhole_close(&bh);
}

static void check_total_timeout(struct client *cl, uint64_t t0, uint64_t total_ms, const char *what)
{
    uint64_t took = cl->closed_at - t0;
    printf("\n    %s: ended after %llu ms (%s) ", what, (unsigned long long)took,
           nt_err_name(cl->reason));
    CU_ASSERT_EQUAL(cl->connected, 0);
    NT_TEST_RC(cl->reason, NT_ETIMEDOUT);
    CU_ASSERT(took >= total_ms);
    CU_ASSERT(took < total_ms + slack_ms());
}

/* A lookup started after a cancelled connection's, on the same worker
 * delay: once it answers, that connection's worker has finished too (and
 * ASan or valgrind would have seen it touch freed memory). */
static void wait_for_workers(nt_loop *loop)
{
    struct lookup_done d = {0, NT_EUNKNOWN};
    CU_ASSERT_FATAL(nt_resolve_start(loop, "localhost", 1, NT_AF_UNSPEC, NT_SOCK_STREAM,
                                     lookup_done_cb, &d, NULL) == NT_OK);
    CU_ASSERT(nt_test_run_until(loop, lookup_finished, &d, 10000));
}

static void test_total_timeout(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    struct blackhole bh;
    if (open_blackhole_or_skip(&bh)) {
        /* Three slow addresses, each allowed 5 s: the whole stops at 400 ms. */
        nt_conn_options o = race_options(100);
        o.connect_total_ms = 400;
        nt_addr addrs[3] = {bh.addr, bh.addr, bh.addr};
        struct client cl = {0};
        uint64_t t0 = loop_start_time(loop);
        connect_addrs(loop, &cl, addrs, 3, &o);
        CU_ASSERT(nt_test_run_until(loop, client_closed_yet, &cl, 10000));
        check_total_timeout(&cl, t0, o.connect_total_ms, "3 blackholes");
        blackhole_close(&bh);
    }

    /* Resolution counts: a name whose lookup takes 600 ms, 150 ms in all. */
    set_delay(600);
    nt_conn_options o = race_options(0);
    o.connect_total_ms = 150;
    struct client cl = {0};
    uint64_t t0 = loop_start_time(loop);
    connect_name(loop, &cl, "localhost", 1, &o);
    CU_ASSERT(nt_test_run_until(loop, client_closed_yet, &cl, 10000));
    check_total_timeout(&cl, t0, o.connect_total_ms, "slow lookup");
    wait_for_workers(loop);
    CU_ASSERT_EQUAL(cl.closed, 1);
    set_delay(0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* ---- closing while connecting ---- */

static int never(void *ctx)
{
    (void)ctx;
    return 0;
}

static void close_connecting(nt_loop *loop, struct client *cl, int via_handle)
{
    in_call = 1;
    if (via_handle) {
        nt_handle_close(nt_conn_handle(cl->c), client_close_cb);
        nt_handle_close(nt_conn_handle(cl->c), NULL);
    } else {
        nt_conn_close(cl->c);
        nt_conn_close(cl->c);
    }
    in_call = 0;
    CU_ASSERT_EQUAL(cl->closed, 0);
    CU_ASSERT(nt_test_run_until(loop, client_closed_yet, cl, 5000));
    CU_ASSERT_EQUAL(cl->connected, 0);
    CU_ASSERT_EQUAL(cl->closed, 1);
    CU_ASSERT_EQUAL(cl->inside_call, 0);
    NT_TEST_RC(cl->reason, NT_ECANCELED);
}

static void test_close_while_resolving(void)
{
    set_delay(300);
    nt_loop *loop = new_loop();
    struct server s;
    CU_ASSERT_FATAL(server_open(loop, &s, NT_AF_INET));
    for (int via_handle = 0; via_handle < 2; via_handle++) {
        struct client cl = {0};
        /* A name, so a worker looks it up, sleeping 300 ms first. */
        connect_name(loop, &cl, "localhost", s.addr.port, NULL);
        CU_ASSERT_EQUAL(nt_test_run_until(loop, never, NULL, 30), 0);
        close_connecting(loop, &cl, via_handle);
        CU_ASSERT_EQUAL(cl.close_calls, via_handle);
        /* Once the lookup's worker is done, still no connection was made. */
        wait_for_workers(loop);
        CU_ASSERT_EQUAL(cl.connected, 0);
        CU_ASSERT_EQUAL(cl.closed, 1);
        CU_ASSERT_EQUAL(cl.close_calls, via_handle);
        CU_ASSERT_EQUAL(s.accepted, 0);
        CU_ASSERT_EQUAL(loop_handles(loop), 1); /* the listener */
    }
    server_close(&s);
    set_delay(0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_close_while_attempting(void)
{
    set_delay(0);
    struct blackhole bh;
    if (!open_blackhole_or_skip(&bh))
        return;
    nt_loop *loop = new_loop();
    nt_conn_options o = race_options(0);
    for (int via_handle = 0; via_handle < 2; via_handle++) {
        struct client cl = {0};
        connect_addrs(loop, &cl, &bh.addr, 1, &o);
        CU_ASSERT_EQUAL(nt_test_run_until(loop, client_closed_yet, &cl, 50), 0);
        uint64_t t0 = nt_clock_ms();
        close_connecting(loop, &cl, via_handle);
        CU_ASSERT(cl.closed_at - t0 < slack_ms());
        CU_ASSERT_EQUAL(cl.close_calls, via_handle);
        CU_ASSERT_EQUAL(loop_handles(loop), 0);
    }
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    blackhole_close(&bh);
}

/* ---- output queued before the connection is up ---- */

struct early_sender {
    struct client *cl;
    int fired, before_connect;
};

static void send_mid(nt_timer *t, void *data)
{
    (void)t;
    struct early_sender *e = data;
    e->fired++;
    e->before_connect = !e->cl->connected;
    CU_ASSERT(nt_conn_send(e->cl->c, "mid\n", 4) == NT_OK);
}

static void test_sends_before_connect(void)
{
    set_delay(0);
    nt_loop *loop = new_loop();
    struct server s;
    CU_ASSERT_FATAL(server_open(loop, &s, NT_AF_INET));
    /* With a blackhole first, a send can also be made while an attempt
     * hangs; without one, only right after the call. */
    struct blackhole bh;
    int have_bh = blackhole_open(&bh);
    if (!have_bh)
        nt_test_note("no blackhole here: the good address only, no send while an attempt hangs");
    nt_conn_options o = race_options(150);
    nt_addr addrs[2] = {bh.addr, s.addr};
    struct client cl = {0};
    cl.send_on_connect = "on connect\n";
    connect_addrs(loop, &cl, have_bh ? addrs : &s.addr, have_bh ? 2 : 1, &o);
    NT_TEST_RC(nt_conn_send(cl.c, "early\n", 6), NT_OK);
    NT_TEST_RC(nt_conn_send(cl.c, "x", 1), NT_OK);
    NT_TEST_RC(nt_conn_send(cl.c, "\n", 1), NT_OK);
    struct early_sender e = {&cl, 0, 0};
    nt_timer *t = NULL;
    if (have_bh) {
        CU_ASSERT_FATAL(nt_timer_new(loop, send_mid, &e, &t) == NT_OK);
        CU_ASSERT_FATAL(nt_timer_start(t, 50, 0) == NT_OK);
    }
    CU_ASSERT(nt_test_run_until(loop, client_connected_yet, &cl, 10000));
    if (have_bh) {
        CU_ASSERT_EQUAL(e.fired, 1);
        CU_ASSERT_EQUAL(e.before_connect, 1);
        check_connected(&cl, &s, 1, "early|x|mid|on connect|");
        nt_timer_close(t, NULL);
    } else {
        check_connected(&cl, &s, 1, "early|x|on connect|");
    }
    client_finish(loop, &cl);
    server_close(&s);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    if (have_bh)
        blackhole_close(&bh);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"listener on ::1 only: \"::1\" and \"localhost\" connect", test_ipv6_listener},
        {"listener on 127.0.0.1 only: \"localhost\" connects", test_ipv4_listener},
        {"[blackhole, good]: good wins after attempt_delay_ms, loser closed",
         test_race_default_delay},
        {"[blackhole, good] with attempt_delay_ms 100", test_race_delay_100},
        {"all refused: NT_ECONNREFUSED, no waiting between refusals", test_all_refused},
        {"blackhole only, connect_timeout_ms 300: NT_ETIMEDOUT", test_attempt_timeout},
        {"connect_total_ms bounds attempts and resolution", test_total_timeout},
        {"closed while resolving: NT_ECANCELED, nothing after", test_close_while_resolving},
        {"closed during an attempt: NT_ECANCELED", test_close_while_attempting},
        {"sends before on_connect arrive after it, in order", test_sends_before_connect},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("connect", tests);
}

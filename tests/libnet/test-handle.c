/* SPDX-License-Identifier: MIT */
/* The one lifetime rule, for every kind of handle (watch, timer, conn,
 * listener, udp, resolve): a close call is safe anywhere and twice, no
 * callback of the handle runs after it except the close callback, which
 * runs once, from the loop, with the handle's data; the loop knows its
 * handles (nt_loop_close() says NT_EBUSY, nt_loop_walk() lists them,
 * nt_loop_drain() ends them, a connection flushing first).  Also: NULL
 * handles, and embedding the loop in another one.  How a connection ends
 * (close, abort, the send queue limit) is test-conn-end.c.  Runs once per
 * backend (NATTER_LOOP_BACKEND picks it).
 *
 * Every handle a test makes is described by a "probe" that its callbacks
 * update; the probes live in one static array so that a callback can check
 * that the data pointer it was given is one of them. */
#include "helpers.h"

#include <natter/conn.h>
#include <natter/resolve.h>
#include <natter/thread.h>
#include <natter/udp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t loop_handles(nt_loop *loop)
{
    nt_loop_stats st;
    memset(&st, 0xff, sizeof st);
    CU_ASSERT_FATAL(nt_loop_get_stats(loop, &st) == NT_OK);
    return st.handles;
}

/* ---- probes: one per handle under test ---- */

enum close_how {
    CLOSE_OWN,          /* the type's own close (nt_watch_close(), nt_conn_close(), ...) */
    CLOSE_HANDLE,       /* nt_handle_close() with a close callback */
    CLOSE_NULL_THEN_CB, /* nt_handle_close(h, NULL), then again with a callback */
};

static const char *const how_names[] = {"own close", "nt_handle_close",
                                        "close(NULL) then close(cb)"};

struct kind;

struct probe {
    const struct kind *k;
    nt_loop *loop;
    nt_handle *h;
    nt_watch *w;
    nt_timer *t;
    nt_conn *c;
    nt_listener *l;
    nt_udp *u;
    nt_resolve *r;
    /* the test's side of it */
    nt_socket *cli, *srv; /* watch: a loopback pair, srv watched; conn: cli is its peer */
    nt_socket *clients[4];
    int nclients;      /* listener: connections made to it */
    nt_socket *sender; /* udp: sends datagrams to it */
    nt_addr addr;      /* listener, udp: where it is */
    /* what happened */
    int calls;             /* the handle's own callback */
    int calls_after_close; /* ... after its close began */
    int final_calls;       /* conn on_closed, or the lookup's NT_ECANCELED */
    int final_reason;
    int close_calls;  /* the close callback that must run */
    int second_calls; /* the callback of a second close, which must not */
    int ran_inside;   /* a close or final callback ran inside a close call or own callback */
    int closed_begun;
    int in_close_call;
    int in_own_callback;
    /* behaviour */
    int close_in_callback; /* close itself (close_how + 1) in its own callback */
};

#define MAX_PROBES 8
static struct probe probes[MAX_PROBES];
static int stray_data; /* a callback was given a data pointer that is no probe */

static struct probe *probe_of(void *data)
{
    for (int i = 0; i < MAX_PROBES; i++)
        if (data == &probes[i])
            return &probes[i];
    stray_data++;
    return NULL;
}

/* What each kind of handle does: open it, make its callback due, close it
 * its own way, and free the test's own sockets once it is gone. */
struct kind {
    const char *name;
    nt_handle_type type;
    void (*open)(struct probe *p);
    void (*poke)(struct probe *p);
    void (*close_own)(struct probe *p, nt_close_cb cb);
    int own_close_takes_cb; /* nt_conn_close() and nt_resolve_cancel() take none */
    int final_reason;       /* 0: no final callback; else what on_closed/the lookup gets */
    int fires_before_close; /* a lookup's callback is its end: it cannot fire first */
    void (*cleanup)(struct probe *p);
};

static void close_with(struct probe *p, enum close_how how);

static void first_close_cb(void *data)
{
    struct probe *p = probe_of(data);
    if (!p)
        return;
    p->close_calls++;
    if (p->in_close_call || p->in_own_callback)
        p->ran_inside++;
}

static void second_close_cb(void *data)
{
    struct probe *p = probe_of(data);
    if (p)
        p->second_calls++;
}

static void own_callback(struct probe *p)
{
    p->calls++;
    if (p->closed_begun) {
        p->calls_after_close++;
        return;
    }
    if (p->close_in_callback) {
        p->in_own_callback = 1;
        close_with(p, (enum close_how)(p->close_in_callback - 1));
        p->in_own_callback = 0;
    }
}

static void final_callback(struct probe *p, int reason)
{
    p->final_calls++;
    p->final_reason = reason;
    if (p->in_close_call || p->in_own_callback)
        p->ran_inside++;
}

/* Close twice, the way how says; the second close must change nothing but
 * (for CLOSE_NULL_THEN_CB) supply the close callback the first lacked. */
static void close_with(struct probe *p, enum close_how how)
{
    p->closed_begun = 1;
    p->in_close_call = 1;
    switch (how) {
    case CLOSE_OWN:
        p->k->close_own(p, first_close_cb);
        p->k->close_own(p, second_close_cb);
        break;
    case CLOSE_HANDLE:
        nt_handle_close(p->h, first_close_cb);
        nt_handle_close(p->h, second_close_cb);
        break;
    case CLOSE_NULL_THEN_CB:
        nt_handle_close(p->h, NULL);
        nt_handle_close(p->h, first_close_cb);
        break;
    }
    p->in_close_call = 0;
}

static int expected_close_calls(const struct probe *p, enum close_how how)
{
    return how == CLOSE_OWN && !p->k->own_close_takes_cb ? 0 : 1;
}

struct want {
    struct probe *p;
    int close_calls, final_calls;
};

static int probe_done(void *ctx)
{
    struct want *w = ctx;
    return w->p->close_calls >= w->close_calls && w->p->final_calls >= w->final_calls;
}

static int probe_called(void *ctx)
{
    return ((struct probe *)ctx)->calls > 0;
}

/* -- watch: a watcher on the server end of a loopback pair, never drained
 * (level-triggered: it would call back on every iteration) */

static void watch_cb(nt_watch *w, int events, void *data)
{
    (void)w;
    (void)events;
    struct probe *p = probe_of(data);
    if (p)
        own_callback(p);
}

static void watch_open(struct probe *p)
{
    nt_test_tcp_pair(NT_AF_INET, &p->cli, &p->srv);
    CU_ASSERT_FATAL(nt_socket_settimeout(p->srv, 0) == NT_OK);
    CU_ASSERT_FATAL(nt_watch_new(p->loop, nt_socket_fileno(p->srv), watch_cb, p, &p->w) == NT_OK);
    CU_ASSERT_FATAL(nt_watch_set(p->w, NT_EV_READ) == NT_OK);
    p->h = nt_watch_handle(p->w);
}

static void watch_poke(struct probe *p)
{
    CU_ASSERT_FATAL(nt_socket_send(p->cli, "x", 1, 0) == 1);
    CU_ASSERT_FATAL(nt_socket_wait(p->srv, NT_EV_READ, 5.0) > 0);
}

static void watch_close(struct probe *p, nt_close_cb cb)
{
    nt_watch_close(p->w, cb);
}

static void pair_cleanup(struct probe *p)
{
    nt_socket_close(p->cli);
    nt_socket_close(p->srv);
    p->cli = p->srv = NULL;
}

/* -- timer: repeating every 5 ms */

static void timer_cb(nt_timer *t, void *data)
{
    (void)t;
    struct probe *p = probe_of(data);
    if (p)
        own_callback(p);
}

static void timer_open(struct probe *p)
{
    CU_ASSERT_FATAL(nt_timer_new(p->loop, timer_cb, p, &p->t) == NT_OK);
    p->h = nt_timer_handle(p->t);
}

static void timer_poke(struct probe *p)
{
    CU_ASSERT_FATAL(nt_timer_start(p->t, 0, 5) == NT_OK);
}

static void timer_close(struct probe *p, nt_close_cb cb)
{
    nt_timer_close(p->t, cb);
}

static void no_cleanup(struct probe *p)
{
    (void)p;
}

/* -- conn: the server end of a loopback pair; the client sends two lines */

static void conn_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    (void)c;
    (void)msg;
    (void)len;
    struct probe *p = probe_of(data);
    if (p)
        own_callback(p);
}

static void conn_closed(nt_conn *c, int reason, void *data)
{
    (void)c;
    struct probe *p = probe_of(data);
    if (p)
        final_callback(p, reason);
}

static const nt_conn_callbacks conn_cbs = {
    NULL, conn_message, NULL, NULL, NULL, conn_closed,
};

static void conn_open(struct probe *p)
{
    nt_socket *srv;
    nt_test_tcp_pair(NT_AF_INET, &p->cli, &srv);
    CU_ASSERT_FATAL(nt_socket_settimeout(p->cli, 5.0) == NT_OK);
    CU_ASSERT_FATAL(nt_conn_new(p->loop, srv, NULL, &conn_cbs, p, &p->c) == NT_OK);
    p->h = nt_conn_handle(p->c);
}

static void conn_poke(struct probe *p)
{
    CU_ASSERT_FATAL(nt_socket_sendall(p->cli, "a\nb\n", 4, NULL) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_wait(nt_conn_socket(p->c), NT_EV_READ, 5.0) > 0);
}

static void conn_close(struct probe *p, nt_close_cb cb)
{
    (void)cb; /* nt_conn_close() has none: on_closed is its end */
    nt_conn_close(p->c);
}

static void cli_cleanup(struct probe *p)
{
    nt_socket_close(p->cli);
    p->cli = NULL;
}

/* -- listener: on 127.0.0.1; each poke is a connection waiting in its backlog */

static void listener_accept(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    (void)l;
    (void)peer;
    nt_socket_close(s); /* ours now */
    struct probe *p = probe_of(data);
    if (p)
        own_callback(p);
}

static void listener_open(struct probe *p)
{
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 0, &a) == NT_OK);
    CU_ASSERT_FATAL(nt_listener_new(p->loop, &a, NT_BACKLOG_DEFAULT, listener_accept, p, &p->l) ==
                    NT_OK);
    CU_ASSERT_FATAL(nt_listener_addr(p->l, &p->addr) == NT_OK);
    p->h = nt_listener_handle(p->l);
}

static void listener_poke(struct probe *p)
{
    CU_ASSERT_FATAL(p->nclients < 4);
    nt_socket **s = &p->clients[p->nclients];
    CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_STREAM, 0, s) == NT_OK);
    p->nclients++;
    /* A loopback connect completes once the connection is in the backlog,
     * which makes the listening socket readable. */
    CU_ASSERT_FATAL(nt_socket_settimeout(*s, 5.0) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_connect(*s, &p->addr) == NT_OK);
}

static void listener_close(struct probe *p, nt_close_cb cb)
{
    nt_listener_close(p->l, cb);
}

static void clients_cleanup(struct probe *p)
{
    for (int i = 0; i < p->nclients; i++)
        nt_socket_close(p->clients[i]);
    p->nclients = 0;
}

/* -- udp: on 127.0.0.1; each poke is a datagram waiting */

static void udp_recv(nt_udp *u, const char *msg, size_t len, const nt_addr *from, void *data)
{
    (void)u;
    (void)msg;
    (void)len;
    (void)from;
    struct probe *p = probe_of(data);
    if (p)
        own_callback(p);
}

static void udp_open(struct probe *p)
{
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 0, &a) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_new(p->loop, &a, 0, udp_recv, p, &p->u) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_addr(p->u, &p->addr) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_DGRAM, 0, &p->sender) == NT_OK);
    p->h = nt_udp_handle(p->u);
}

static void udp_poke(struct probe *p)
{
    CU_ASSERT_FATAL(nt_socket_sendto(p->sender, "x", 1, 0, &p->addr) == 1);
    CU_ASSERT_FATAL(nt_socket_wait(nt_udp_socket(p->u), NT_EV_READ, 5.0) > 0);
}

static void udp_close(struct probe *p, nt_close_cb cb)
{
    nt_udp_close(p->u, cb);
}

static void sender_cleanup(struct probe *p)
{
    nt_socket_close(p->sender);
    p->sender = NULL;
}

/* -- resolve: a numeric host, answered from the loop's next iteration */

static void resolve_cb(nt_resolve *r, int status, const nt_addr *addrs, size_t count, void *data)
{
    (void)r;
    (void)addrs;
    (void)count;
    struct probe *p = probe_of(data);
    if (!p)
        return;
    if (status == NT_ECANCELED)
        final_callback(p, status);
    else
        own_callback(p);
}

static void resolve_open(struct probe *p)
{
    CU_ASSERT_FATAL(nt_resolve_start(p->loop, "127.0.0.1", 6667, NT_AF_INET, NT_SOCK_STREAM,
                                     resolve_cb, p, &p->r) == NT_OK);
    p->h = nt_resolve_handle(p->r);
}

static void resolve_poke(struct probe *p)
{
    (void)p; /* the answer is due as it is */
}

static void resolve_close(struct probe *p, nt_close_cb cb)
{
    (void)cb; /* nt_resolve_cancel() has none: the NT_ECANCELED call is its end */
    nt_resolve_cancel(p->r);
}

static const struct kind kinds[] = {
    {"watch", NT_HANDLE_WATCH, watch_open, watch_poke, watch_close, 1, 0, 1, pair_cleanup},
    {"timer", NT_HANDLE_TIMER, timer_open, timer_poke, timer_close, 1, 0, 1, no_cleanup},
    {"conn", NT_HANDLE_CONN, conn_open, conn_poke, conn_close, 0, NT_ECLOSED, 1, cli_cleanup},
    {"listener", NT_HANDLE_LISTENER, listener_open, listener_poke, listener_close, 1, 0, 1,
     clients_cleanup},
    {"udp", NT_HANDLE_UDP, udp_open, udp_poke, udp_close, 1, 0, 1, sender_cleanup},
    {"resolve", NT_HANDLE_RESOLVE, resolve_open, resolve_poke, resolve_close, 0, NT_ECANCELED, 0,
     no_cleanup},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static struct probe *probe_new(int slot, const struct kind *k, nt_loop *loop)
{
    CU_ASSERT_FATAL(slot >= 0 && slot < MAX_PROBES);
    struct probe *p = &probes[slot];
    memset(p, 0, sizeof *p);
    p->k = k;
    p->loop = loop;
    k->open(p);
    CU_ASSERT_FATAL(p->h != NULL);
    return p;
}

/* Checks that hold between a close call and the close callback: the
 * handle is still valid memory, says it is closing, and refuses use. */
static void check_closing(struct probe *p, nt_loop *loop)
{
    CU_ASSERT_EQUAL(nt_handle_is_closing(p->h), 1);
    CU_ASSERT_PTR_EQUAL(nt_handle_data(p->h), p);
    CU_ASSERT_PTR_EQUAL(nt_handle_loop(p->h), loop);
    CU_ASSERT_EQUAL(nt_handle_get_type(p->h), p->k->type);
    if (p->w) {
        NT_TEST_RC(nt_watch_set(p->w, NT_EV_READ), NT_EINVAL);
        NT_TEST_RC(nt_watch_events(p->w), 0);
    }
    if (p->t)
        NT_TEST_RC(nt_timer_start(p->t, 0, 5), NT_EINVAL);
    if (p->c)
        NT_TEST_RC(nt_conn_send(p->c, "x", 1), NT_ECLOSED);
}

/* What must hold once a handle closed outside its callbacks is gone. */
static void check_closed(struct probe *p, enum close_how how)
{
    const char *what = p->k->name;
    if (p->calls_after_close || p->close_calls != expected_close_calls(p, how) || p->second_calls ||
        p->ran_inside || (p->k->final_reason && p->final_calls != 1))
        printf("\n    %s, %s: %d call(s) after close, close cb %d, second cb %d, final %d (%s), "
               "%d inside a close call ",
               what, how_names[how], p->calls_after_close, p->close_calls, p->second_calls,
               p->final_calls, nt_err_name(p->final_reason), p->ran_inside);
    CU_ASSERT_EQUAL(p->calls_after_close, 0);
    CU_ASSERT_EQUAL(p->close_calls, expected_close_calls(p, how));
    CU_ASSERT_EQUAL(p->second_calls, 0);
    CU_ASSERT_EQUAL(p->ran_inside, 0);
    CU_ASSERT_EQUAL(p->final_calls, p->k->final_reason ? 1 : 0);
    if (p->k->final_reason)
        NT_TEST_RC(p->final_reason, p->k->final_reason);
}

/* ---- the lifetime rule, kind by kind ---- */

static void close_one(const struct kind *k, enum close_how how)
{
    nt_loop *loop = nt_test_new_loop();
    struct probe *p = probe_new(0, k, loop);
    CU_ASSERT_EQUAL(loop_handles(loop), 1);
    if (k->fires_before_close) {
        /* Alive first: its callback runs, so a silent handle proves nothing. */
        k->poke(p);
        CU_ASSERT(nt_test_run_until(loop, probe_called, p, 5000));
    }
    k->poke(p); /* and due again as it is closed */
    close_with(p, how);
    check_closing(p, loop);
    CU_ASSERT_EQUAL(loop_handles(loop), 1); /* closing still counts */
    struct want w = {p, expected_close_calls(p, how), k->final_reason ? 1 : 0};
    CU_ASSERT(nt_test_run_until(loop, probe_done, &w, 5000));
    nt_test_run_a_little(loop);
    check_closed(p, how);
    CU_ASSERT_EQUAL(loop_handles(loop), 0);
    k->cleanup(p);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_close_each_kind(void)
{
    for (size_t i = 0; i < NKINDS; i++)
        for (int how = CLOSE_OWN; how <= CLOSE_NULL_THEN_CB; how++)
            close_one(&kinds[i], (enum close_how)how);
    CU_ASSERT_EQUAL(stray_data, 0);
}

static void close_in_callback_one(const struct kind *k, enum close_how how)
{
    nt_loop *loop = nt_test_new_loop();
    struct probe *p = probe_new(0, k, loop);
    p->close_in_callback = (int)how + 1;
    /* Two callbacks due at once: the second must not come. */
    k->poke(p);
    k->poke(p);
    /* A lookup closed in its own answer has begun its end already: no
     * NT_ECANCELED follows; a connection still ends in on_closed. */
    int final_want = k->type == NT_HANDLE_CONN ? 1 : 0;
    struct want w = {p, expected_close_calls(p, how), final_want};
    CU_ASSERT(nt_test_run_until(loop, probe_done, &w, 5000));
    nt_test_run_a_little(loop);
    if (p->calls != 1 || p->close_calls != w.close_calls || p->final_calls != final_want ||
        p->ran_inside)
        printf("\n    %s closed by %s in its callback: %d call(s), close cb %d, final %d, "
               "%d inside ",
               k->name, how_names[how], p->calls, p->close_calls, p->final_calls, p->ran_inside);
    CU_ASSERT_EQUAL(p->calls, 1);
    CU_ASSERT_EQUAL(p->calls_after_close, 0);
    CU_ASSERT_EQUAL(p->close_calls, w.close_calls);
    CU_ASSERT_EQUAL(p->second_calls, 0);
    CU_ASSERT_EQUAL(p->final_calls, final_want);
    CU_ASSERT_EQUAL(p->ran_inside, 0);
    if (final_want)
        NT_TEST_RC(p->final_reason, NT_ECLOSED);
    CU_ASSERT_EQUAL(loop_handles(loop), 0);
    k->cleanup(p);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_close_in_own_callback(void)
{
    for (size_t i = 0; i < NKINDS; i++) {
        close_in_callback_one(&kinds[i], CLOSE_OWN);
        close_in_callback_one(&kinds[i], CLOSE_HANDLE);
    }
    CU_ASSERT_EQUAL(stray_data, 0);
}

static void test_loop_close_busy(void)
{
    for (size_t i = 0; i < NKINDS; i++) {
        nt_loop *loop = nt_test_new_loop();
        struct probe *p = probe_new(0, &kinds[i], loop);
        int rc = nt_loop_close(loop);
        if (rc != NT_EBUSY)
            printf("\n    with a %s open ", kinds[i].name);
        NT_TEST_RC(rc, NT_EBUSY);
        if (rc == NT_OK)
            continue; /* freed: nothing more can be checked (or cleaned) */
        close_with(p, CLOSE_HANDLE);
        NT_TEST_RC(nt_loop_close(loop), NT_EBUSY); /* closing, not gone yet */
        struct want w = {p, 1, kinds[i].final_reason ? 1 : 0};
        CU_ASSERT(nt_test_run_until(loop, probe_done, &w, 5000));
        kinds[i].cleanup(p);
        NT_TEST_RC(nt_loop_close(loop), NT_OK);
    }
    NT_TEST_RC(nt_loop_close(NULL), NT_OK);
}

/* ---- the loop's census: walk, stats, drain ---- */

struct seen {
    int n;
    nt_handle_type type[16];
    const char *name[16];
    void *data[16];
    int closing[16];
};

static void record_handle(nt_handle *h, void *data)
{
    struct seen *s = data;
    if (s->n >= 16)
        return;
    s->type[s->n] = nt_handle_get_type(h);
    s->name[s->n] = nt_handle_type_name(nt_handle_get_type(h));
    s->data[s->n] = nt_handle_data(h);
    s->closing[s->n] = nt_handle_is_closing(h);
    s->n++;
}

static int seen_index(const struct seen *s, nt_handle_type type)
{
    int found = -1;
    for (int i = 0; i < s->n; i++)
        if (s->type[i] == type)
            found = found < 0 ? i : -2; /* twice: as bad as never */
    return found;
}

static void close_from_walk(nt_handle *h, void *data)
{
    (void)data;
    /* The timer is closing already, with this very callback: a second close
     * keeps the first's, so it still runs once. */
    nt_handle_close(h, first_close_cb);
}

static int all_probes_closed(void *ctx)
{
    int n = *(int *)ctx;
    for (int i = 0; i < n; i++)
        if (probes[i].close_calls < 1 || (probes[i].k->final_reason && probes[i].final_calls < 1))
            return 0;
    return 1;
}

static void check_walk(nt_loop *loop, const struct seen *s, int timer_closing)
{
    CU_ASSERT_EQUAL(s->n, (int)NKINDS);
    CU_ASSERT_EQUAL(loop_handles(loop), NKINDS);
    for (size_t i = 0; i < NKINDS; i++) {
        int at = seen_index(s, kinds[i].type);
        if (at < 0)
            printf("\n    nt_loop_walk: %s seen %s ", kinds[i].name, at == -1 ? "never" : "twice");
        CU_ASSERT_FATAL(at >= 0);
        CU_ASSERT_STRING_EQUAL(s->name[at], kinds[i].name);
        CU_ASSERT_PTR_EQUAL(s->data[at], &probes[i]);
        int want_closing = kinds[i].type == NT_HANDLE_TIMER ? timer_closing : 0;
        if (s->closing[at] != want_closing)
            printf("\n    nt_loop_walk: the %s says closing=%d, want %d ", kinds[i].name,
                   s->closing[at], want_closing);
        CU_ASSERT_EQUAL(s->closing[at], want_closing);
    }
}

static void test_walk(void)
{
    nt_loop *loop = nt_test_new_loop();
    /* One of each, none run yet (the lookup is still pending). */
    for (size_t i = 0; i < NKINDS; i++)
        probe_new((int)i, &kinds[i], loop);
    struct seen s = {0};
    nt_loop_walk(loop, record_handle, &s);
    check_walk(loop, &s, 0);
    for (size_t i = 0; i < NKINDS; i++)
        CU_ASSERT_STRING_EQUAL(nt_handle_type_name(kinds[i].type), kinds[i].name);

    /* A closing handle is still listed, and says so. */
    nt_timer_close(probes[1].t, first_close_cb);
    memset(&s, 0, sizeof s);
    nt_loop_walk(loop, record_handle, &s);
    check_walk(loop, &s, 1);

    /* The walk's callback may close what it is shown. */
    nt_loop_walk(loop, close_from_walk, NULL);
    int n = (int)NKINDS;
    CU_ASSERT(nt_test_run_until(loop, all_probes_closed, &n, 5000));
    memset(&s, 0, sizeof s);
    nt_loop_walk(loop, record_handle, &s);
    CU_ASSERT_EQUAL(s.n, 0);
    CU_ASSERT_EQUAL(loop_handles(loop), 0);
    for (size_t i = 0; i < NKINDS; i++) {
        CU_ASSERT_EQUAL(probes[i].close_calls, 1);
        kinds[i].cleanup(&probes[i]);
    }
    CU_ASSERT_EQUAL(stray_data, 0);
    NT_TEST_RC(nt_loop_close(loop), NT_OK);
}

static void test_stats_handles(void)
{
    nt_loop *loop = nt_test_new_loop();
    nt_loop_stats st;
    memset(&st, 0xff, sizeof st);
    CU_ASSERT_FATAL(nt_loop_get_stats(loop, &st) == NT_OK);
    CU_ASSERT_EQUAL(st.handles, 0);
    CU_ASSERT_EQUAL(st.resolving, 0);
    CU_ASSERT_EQUAL(st.accept_pauses, 0);
    for (size_t i = 0; i < 7; i++)
        CU_ASSERT_EQUAL(st.reserved[i], 0);
    /* Each handle counts once, not the watchers and timers it makes. */
    for (size_t i = 0; i < NKINDS; i++) {
        probe_new((int)i, &kinds[i], loop);
        CU_ASSERT_EQUAL(loop_handles(loop), i + 1);
    }
    uint64_t it0 = st.iterations;
    for (size_t i = 0; i < NKINDS; i++)
        close_with(&probes[i], CLOSE_HANDLE);
    CU_ASSERT_EQUAL(loop_handles(loop), NKINDS);
    int n = (int)NKINDS;
    CU_ASSERT(nt_test_run_until(loop, all_probes_closed, &n, 5000));
    CU_ASSERT_FATAL(nt_loop_get_stats(loop, &st) == NT_OK);
    CU_ASSERT_EQUAL(st.handles, 0);
    CU_ASSERT(st.iterations > it0);
    uint64_t it1 = st.iterations;
    for (int i = 0; i < 3; i++)
        CU_ASSERT(nt_loop_run_once(loop, 0) == NT_OK);
    CU_ASSERT_FATAL(nt_loop_get_stats(loop, &st) == NT_OK);
    CU_ASSERT_EQUAL(st.iterations, it1 + 3);
    for (size_t i = 0; i < NKINDS; i++)
        kinds[i].cleanup(&probes[i]);
    NT_TEST_RC(nt_loop_close(loop), NT_OK);
}

/* A blocking reader on its own thread: the peer of a connection flushing
 * inside nt_loop_drain(), which does not return until it has. */
struct reader {
    nt_socket *s;
    size_t got, bad;
    int end; /* what ended the reading: NT_EOF, hopefully */
};

static void reader_main(void *arg)
{
    struct reader *r = arg;
    char *buf = malloc(65536);
    r->end = NT_ENOMEM;
    if (!buf)
        return;
    /* A deadline per read, so that a drain that never flushes ends here. */
    nt_socket_settimeout(r->s, 10.0);
    for (;;) {
        ptrdiff_t n = nt_socket_recv(r->s, buf, 65536, 0);
        if (n <= 0) {
            r->end = (int)n;
            break;
        }
        r->bad += nt_test_pattern_errors(buf, r->got, (size_t)n);
        r->got += (size_t)n;
    }
    free(buf);
}

struct flusher {
    nt_conn *c;
    int closed, reason;
    nt_conn_stats at_close;
    int stats_rc;
};

static void flusher_closed(nt_conn *c, int reason, void *data)
{
    struct flusher *f = data;
    f->closed++;
    f->reason = reason;
    f->stats_rc = nt_conn_get_stats(c, &f->at_close);
}

static const nt_conn_callbacks flusher_cbs = {NULL, NULL, NULL, NULL, NULL, flusher_closed};

static void test_drain(void)
{
    nt_loop *loop = nt_test_new_loop();
    /* One of each, their callbacks due, none run yet. */
    for (size_t i = 0; i < NKINDS; i++) {
        probe_new((int)i, &kinds[i], loop);
        kinds[i].poke(&probes[i]);
    }
    /* And a connection with more queued than the sockets hold. */
    nt_socket *cli, *srv;
    nt_test_tcp_pair(NT_AF_INET, &cli, &srv);
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.sendq_limit = 0;
    struct flusher f = {0};
    CU_ASSERT_FATAL(nt_conn_new(loop, srv, &o, &flusher_cbs, &f, &f.c) == NT_OK);
    size_t total = 2u * 1024u * 1024u;
    char *data = malloc(total);
    CU_ASSERT_FATAL(data != NULL);
    nt_test_fill_pattern(data, 0, total);
    CU_ASSERT_FATAL(nt_conn_send(f.c, data, total) == NT_OK);
    struct reader rd = {cli, 0, 0, 0};
    nt_thread *th;
    CU_ASSERT_FATAL(nt_thread_start(reader_main, &rd, &th) == NT_OK);

    uint64_t start = nt_clock_us();
    NT_TEST_RC(nt_loop_drain(loop), NT_OK);
    nt_test_note("drained %zu KiB and %zu handles in %.3f s", total / 1024, NKINDS + 1,
                 nt_test_elapsed(start));
    CU_ASSERT_EQUAL(nt_thread_join(th), NT_OK);
    /* Everything queued left before the end, and the peer read it all. */
    CU_ASSERT_EQUAL(f.closed, 1);
    NT_TEST_RC(f.reason, NT_ECLOSED);
    NT_TEST_RC(f.stats_rc, NT_OK);
    CU_ASSERT_EQUAL(f.at_close.bytes_sent, total);
    CU_ASSERT_EQUAL(f.at_close.bytes_unsent, 0);
    NT_TEST_RC(rd.end, NT_EOF);
    CU_ASSERT_EQUAL(rd.got, total);
    CU_ASSERT_EQUAL(rd.bad, 0);
    /* Closed before the loop ran: none of their due callbacks came; the
     * lookup was cancelled, the connection closed. */
    for (size_t i = 0; i < NKINDS; i++) {
        if (probes[i].calls)
            printf("\n    %s called back %d time(s) during the drain ", kinds[i].name,
                   probes[i].calls);
        CU_ASSERT_EQUAL(probes[i].calls, 0);
        CU_ASSERT_EQUAL(probes[i].final_calls, kinds[i].final_reason ? 1 : 0);
        if (kinds[i].final_reason)
            NT_TEST_RC(probes[i].final_reason, kinds[i].final_reason);
        kinds[i].cleanup(&probes[i]);
    }
    CU_ASSERT_EQUAL(loop_handles(loop), 0);
    nt_socket_close(cli);
    free(data);
    NT_TEST_RC(nt_loop_close(loop), NT_OK);
}

static void count_task(void *data)
{
    (*(int *)data)++;
}

static int int_set(void *ctx)
{
    return *(int *)ctx != 0;
}

static int int_two(void *ctx)
{
    return *(int *)ctx >= 2;
}

struct poster {
    nt_loop *loop;
    int *ran;
    int rc;
};

static void poster_main(void *arg)
{
    struct poster *p = arg;
    p->rc = nt_loop_post(p->loop, count_task, p->ran);
}

static void test_tasks_keep_loop(void)
{
    /* A deferred task: the loop will not close under it, and it runs. */
    nt_loop *loop = nt_test_new_loop();
    int ran = 0;
    CU_ASSERT_FATAL(nt_loop_defer(loop, count_task, &ran) == NT_OK);
    CU_ASSERT_EQUAL(nt_loop_timeout(loop), 0);
    NT_TEST_RC(nt_loop_close(loop), NT_EBUSY);
    CU_ASSERT_EQUAL(ran, 0);
    CU_ASSERT(nt_test_run_until(loop, int_set, &ran, 5000));
    CU_ASSERT_EQUAL(ran, 1);
    NT_TEST_RC(nt_loop_close(loop), NT_OK);

    /* A task posted from another thread: the same, and drain runs it. */
    loop = nt_test_new_loop();
    ran = 0;
    struct poster ps = {loop, &ran, NT_EUNKNOWN};
    nt_thread *th;
    CU_ASSERT_FATAL(nt_thread_start(poster_main, &ps, &th) == NT_OK);
    CU_ASSERT_FATAL(nt_thread_join(th) == NT_OK);
    NT_TEST_RC(ps.rc, NT_OK);
    NT_TEST_RC(nt_loop_close(loop), NT_EBUSY);
    CU_ASSERT_EQUAL(ran, 0);
    NT_TEST_RC(nt_loop_drain(loop), NT_OK);
    CU_ASSERT_EQUAL(ran, 1);
    NT_TEST_RC(nt_loop_close(loop), NT_OK);
}

/* ---- NULL and misuse ---- */

static void never_close_cb(void *data)
{
    (*(int *)data)++;
}

static void null_walk_cb(nt_handle *h, void *data)
{
    (void)h;
    (*(int *)data)++;
}

static void null_loop_calls(nt_loop *loop, int *calls)
{
    nt_loop_stats st;
    NT_TEST_RC(nt_loop_new(NULL), NT_EINVAL);
    NT_TEST_RC(nt_loop_new_backend(NULL, NULL), NT_EINVAL);
    NT_TEST_RC(nt_loop_close(NULL), NT_OK);
    NT_TEST_RC(nt_loop_drain(NULL), NT_EINVAL);
    nt_loop_walk(NULL, null_walk_cb, calls);
    nt_loop_walk(loop, NULL, NULL);
    (void)nt_loop_backend(NULL);
    NT_TEST_RC(nt_loop_run(NULL), NT_EINVAL);
    NT_TEST_RC(nt_loop_run_once(NULL, 0), NT_EINVAL);
    nt_loop_stop(NULL);
    (void)nt_loop_now(NULL);
    NT_TEST_RC(nt_loop_get_stats(NULL, &st), NT_EINVAL);
    NT_TEST_RC(nt_loop_get_stats(loop, NULL), NT_EINVAL);
    int fd = -1;
    int rc = nt_loop_embed_fd(NULL, &fd);
    CU_ASSERT(rc == NT_EINVAL || rc == NT_ENOTSUP);
    rc = nt_loop_embed_fd(loop, NULL);
    CU_ASSERT(rc == NT_EINVAL || rc == NT_ENOTSUP);
    (void)nt_loop_timeout(NULL);
    NT_TEST_RC(nt_loop_defer(NULL, count_task, calls), NT_EINVAL);
    NT_TEST_RC(nt_loop_defer(loop, NULL, NULL), NT_EINVAL);
    NT_TEST_RC(nt_loop_post(NULL, count_task, calls), NT_EINVAL);
    NT_TEST_RC(nt_loop_post(loop, NULL, NULL), NT_EINVAL);
}

static void null_handle_calls(nt_loop *loop)
{
    nt_handle_close(NULL, never_close_cb);
    CU_ASSERT_EQUAL(nt_handle_get_type(NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(nt_handle_type_name((nt_handle_type)0));
    CU_ASSERT_PTR_NOT_NULL(nt_handle_type_name((nt_handle_type)99));
    (void)nt_handle_is_closing(NULL);
    CU_ASSERT_PTR_NULL(nt_handle_data(NULL));
    CU_ASSERT_PTR_NULL(nt_handle_loop(NULL));

    nt_watch *w = NULL;
    NT_TEST_RC(nt_watch_new(NULL, NT_INVALID_OS_SOCK, NULL, NULL, &w), NT_EINVAL);
    NT_TEST_RC(nt_watch_new(loop, NT_INVALID_OS_SOCK, NULL, NULL, &w), NT_EINVAL);
    NT_TEST_RC(nt_watch_set(NULL, NT_EV_READ), NT_EINVAL);
    NT_TEST_RC(nt_watch_events(NULL), 0);
    nt_watch_close(NULL, never_close_cb);
    CU_ASSERT_PTR_NULL(nt_watch_handle(NULL));

    nt_timer *t = NULL;
    NT_TEST_RC(nt_timer_new(NULL, NULL, NULL, &t), NT_EINVAL);
    NT_TEST_RC(nt_timer_new(loop, NULL, NULL, NULL), NT_EINVAL);
    NT_TEST_RC(nt_timer_start(NULL, 1, 0), NT_EINVAL);
    nt_timer_stop(NULL);
    NT_TEST_RC(nt_timer_active(NULL), 0);
    nt_timer_close(NULL, never_close_cb);
    CU_ASSERT_PTR_NULL(nt_timer_handle(NULL));
}

static void null_conn_calls(nt_loop *loop)
{
    nt_conn *c = NULL;
    nt_conn_stats cst;
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 1, &a) == NT_OK);
    NT_TEST_RC(nt_conn_new(loop, NULL, NULL, &conn_cbs, NULL, &c), NT_EINVAL);
    /* A socket given to a failing nt_conn_new() is closed (ASan/valgrind
     * would see a leak otherwise). */
    nt_socket *s;
    CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_STREAM, 0, &s) == NT_OK);
    NT_TEST_RC(nt_conn_new(NULL, s, NULL, &conn_cbs, NULL, &c), NT_EINVAL);
    NT_TEST_RC(nt_conn_connect(NULL, "127.0.0.1", 1, NULL, &conn_cbs, NULL, &c), NT_EINVAL);
    NT_TEST_RC(nt_conn_connect(loop, NULL, 1, NULL, &conn_cbs, NULL, &c), NT_EINVAL);
    NT_TEST_RC(nt_conn_connect_addrs(NULL, &a, 1, NULL, &conn_cbs, NULL, &c), NT_EINVAL);
    NT_TEST_RC(nt_conn_connect_addrs(loop, NULL, 1, NULL, &conn_cbs, NULL, &c), NT_EINVAL);
    NT_TEST_RC(nt_conn_connect_addrs(loop, &a, 0, NULL, &conn_cbs, NULL, &c), NT_EINVAL);
    nt_addr many[NT_RESOLVE_MAX + 1];
    for (size_t i = 0; i < NT_RESOLVE_MAX + 1; i++)
        many[i] = a;
    NT_TEST_RC(nt_conn_connect_addrs(loop, many, NT_RESOLVE_MAX + 1, NULL, &conn_cbs, NULL, &c),
               NT_EINVAL);
    NT_TEST_RC(nt_conn_send(NULL, "x", 1), NT_EINVAL);
    NT_TEST_RC(nt_conn_send_buf(NULL, NULL), NT_EINVAL);
    NT_TEST_RC(nt_conn_send_frame(NULL, "x", 1), NT_EINVAL);
    NT_TEST_RC(nt_conn_get_stats(NULL, &cst), NT_EINVAL);
    nt_conn_pause_reading(NULL);
    nt_conn_resume_reading(NULL);
    NT_TEST_RC(nt_conn_shutdown(NULL), NT_EINVAL);
    nt_conn_close(NULL);
    nt_conn_abort(NULL);
    CU_ASSERT_PTR_NULL(nt_conn_handle(NULL));
    NT_TEST_RC(nt_conn_peer(NULL, &a), NT_EINVAL);
    CU_ASSERT_PTR_NULL(nt_conn_socket(NULL));
    CU_ASSERT_PTR_NULL(nt_conn_loop(NULL));
    CU_ASSERT_PTR_NULL(nt_conn_data(NULL));
    nt_conn_set_data(NULL, &a);
}

static void null_other_calls(nt_loop *loop)
{
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 0, &a) == NT_OK);
    nt_listener *l = NULL;
    NT_TEST_RC(nt_listener_new(NULL, &a, 1, listener_accept, NULL, &l), NT_EINVAL);
    NT_TEST_RC(nt_listener_new(loop, NULL, 1, listener_accept, NULL, &l), NT_EINVAL);
    NT_TEST_RC(nt_listener_addr(NULL, &a), NT_EINVAL);
    nt_listener_close(NULL, never_close_cb);
    CU_ASSERT_PTR_NULL(nt_listener_handle(NULL));

    nt_udp *u = NULL;
    NT_TEST_RC(nt_udp_new(NULL, &a, 0, udp_recv, NULL, &u), NT_EINVAL);
    NT_TEST_RC(nt_udp_send(NULL, "x", 1, &a), NT_EINVAL);
    NT_TEST_RC(nt_udp_addr(NULL, &a), NT_EINVAL);
    CU_ASSERT_PTR_NULL(nt_udp_socket(NULL));
    nt_udp_close(NULL, never_close_cb);
    CU_ASSERT_PTR_NULL(nt_udp_handle(NULL));

    nt_resolve *r = NULL;
    NT_TEST_RC(
        nt_resolve_start(NULL, "localhost", 1, NT_AF_UNSPEC, NT_SOCK_STREAM, resolve_cb, NULL, &r),
        NT_EINVAL);
    NT_TEST_RC(nt_resolve_start(loop, NULL, 1, NT_AF_UNSPEC, NT_SOCK_STREAM, resolve_cb, NULL, &r),
               NT_EINVAL);
    NT_TEST_RC(nt_resolve_start(loop, "localhost", 1, NT_AF_UNSPEC, NT_SOCK_STREAM, NULL, NULL, &r),
               NT_EINVAL);
    nt_resolve_cancel(NULL);
    CU_ASSERT_PTR_NULL(nt_resolve_handle(NULL));
}

static void test_null_handles(void)
{
    nt_loop *loop = nt_test_new_loop();
    int calls = 0;
    null_loop_calls(loop, &calls);
    null_handle_calls(loop);
    null_conn_calls(loop);
    null_other_calls(loop);
    /* Nothing was made, nothing calls back. */
    nt_test_run_a_little(loop);
    CU_ASSERT_EQUAL(calls, 0);
    CU_ASSERT_EQUAL(loop_handles(loop), 0);
    NT_TEST_RC(nt_loop_close(loop), NT_OK);
}

/* ---- embedding in another loop ---- */

/* The "other" main loop is a second nt_loop on the poll backend (plain
 * poll(), as GLib's is): it watches the embed descriptor and sleeps at most
 * nt_loop_timeout(); the embedded loop only ever runs nt_loop_run_once(loop,
 * 0), never nt_loop_run(). */
struct host {
    nt_loop *outer, *inner;
    nt_watch *embed_w;
    int embed_ready; /* times the embed descriptor was readable */
    int closed;
};

static void embed_ready_cb(nt_watch *w, int events, void *data)
{
    (void)w;
    (void)events;
    ((struct host *)data)->embed_ready++;
}

struct embedded {
    int timer_fired, read_ready;
    uint64_t timer_at;
    nt_socket *srv;
    int closed; /* close callbacks of its timer and watcher */
};

static void embedded_timer(nt_timer *t, void *data)
{
    (void)t;
    struct embedded *e = data;
    e->timer_fired++;
    e->timer_at = nt_clock_ms();
}

static void embedded_read(nt_watch *w, int events, void *data)
{
    (void)w;
    (void)events;
    struct embedded *e = data;
    char buf[64];
    while (nt_socket_recv(e->srv, buf, sizeof buf, 0) > 0)
        e->read_ready++;
}

/* One turn of the host's main loop: sleep in the outer loop as the
 * embedded one allows, then give the embedded loop its turn. */
static void host_turn(struct host *h, int cap_ms)
{
    int timeout = nt_loop_timeout(h->inner);
    if (timeout < 0 || timeout > cap_ms)
        timeout = cap_ms;
    CU_ASSERT(nt_loop_run_once(h->outer, timeout) == NT_OK);
    CU_ASSERT(nt_loop_run_once(h->inner, 0) == NT_OK);
}

static int host_until(struct host *h, int (*cond)(void *), void *ctx, unsigned timeout_ms,
                      int cap_ms)
{
    uint64_t deadline = nt_clock_ms() + timeout_ms;
    while (!cond(ctx) && nt_clock_ms() < deadline)
        host_turn(h, cap_ms);
    return cond(ctx);
}

/* Close callbacks get the handle's data: the embedded side's record for
 * the inner handles, the host's for its watcher on the descriptor. */
static void embedded_closed(void *data)
{
    ((struct embedded *)data)->closed++;
}

static void host_watch_closed(void *data)
{
    ((struct host *)data)->closed++;
}

static void embed_drive(struct host *h, struct embedded *e, nt_socket *cli)
{
    /* A timer: the host sleeps exactly as long as nt_loop_timeout() says
     * (the cap only bounds a broken timeout). */
    nt_timer *t;
    CU_ASSERT_FATAL(nt_timer_new(h->inner, embedded_timer, e, &t) == NT_OK);
    uint64_t start = nt_clock_ms();
    CU_ASSERT_FATAL(nt_timer_start(t, 50, 0) == NT_OK);
    int timeout = nt_loop_timeout(h->inner);
    CU_ASSERT(timeout >= 0 && timeout <= 50);
    CU_ASSERT(host_until(h, int_set, &e->timer_fired, 5000, 2000));
    uint64_t took = e->timer_at - start;
    printf("\n    embedded timer fired after %llu ms ", (unsigned long long)took);
    CU_ASSERT(took >= 50 && took < 50 + nt_test_slack_ms());

    /* Nothing due: only an event wakes it, and the idle descriptor is quiet. */
    NT_TEST_RC(nt_loop_timeout(h->inner), -1);
    int before = h->embed_ready;
    CU_ASSERT(nt_loop_run_once(h->outer, 100) == NT_OK);
    CU_ASSERT_EQUAL(h->embed_ready, before);

    /* A socket read wakes the host through the descriptor, at once. */
    nt_watch *w;
    CU_ASSERT_FATAL(nt_watch_new(h->inner, nt_socket_fileno(e->srv), embedded_read, e, &w) ==
                    NT_OK);
    CU_ASSERT_FATAL(nt_watch_set(w, NT_EV_READ) == NT_OK);
    CU_ASSERT(nt_loop_run_once(h->inner, 0) == NT_OK); /* the watcher is in place */
    CU_ASSERT_FATAL(nt_socket_send(cli, "ping", 4, 0) == 4);
    start = nt_clock_ms();
    CU_ASSERT(host_until(h, int_set, &e->read_ready, 5000, 4000));
    took = nt_clock_ms() - start;
    printf("read dispatched after %llu ms ", (unsigned long long)took);
    CU_ASSERT(took < nt_test_slack_ms());
    CU_ASSERT(h->embed_ready > before);

    nt_timer_close(t, embedded_closed);
    nt_watch_close(w, embedded_closed);
    CU_ASSERT_EQUAL(nt_loop_timeout(h->inner), 0); /* close callbacks wait */
    CU_ASSERT(host_until(h, int_two, &e->closed, 5000, 100));
    CU_ASSERT_EQUAL(e->closed, 2);
}

static void embed_on_epoll(nt_loop *inner)
{
    int fd = -1;
    NT_TEST_RC(nt_loop_embed_fd(inner, &fd), NT_OK);
    CU_ASSERT_FATAL(fd >= 0);
    struct host h = {NULL, inner, NULL, 0, 0};
    int rc = nt_loop_new_backend("poll", &h.outer);
    NT_TEST_RC(rc, NT_OK);
    if (rc != NT_OK)
        return;
    CU_ASSERT_FATAL(nt_watch_new(h.outer, (nt_os_sock)fd, embed_ready_cb, &h, &h.embed_w) == NT_OK);
    CU_ASSERT_FATAL(nt_watch_set(h.embed_w, NT_EV_READ) == NT_OK);
    struct embedded e = {0, 0, 0, NULL, 0};
    nt_socket *cli;
    nt_test_tcp_pair(NT_AF_INET, &cli, &e.srv);
    CU_ASSERT_FATAL(nt_socket_settimeout(e.srv, 0) == NT_OK);
    embed_drive(&h, &e, cli);
    nt_socket_close(cli);
    nt_socket_close(e.srv);
    nt_watch_close(h.embed_w, host_watch_closed);
    CU_ASSERT(nt_test_run_until(h.outer, int_set, &h.closed, 5000));
    CU_ASSERT_EQUAL(h.closed, 1);
    NT_TEST_RC(nt_test_loop_close(h.outer), NT_OK);
}

static void test_embed(void)
{
    nt_loop *loop = nt_test_new_loop();
    const char *backend = nt_loop_backend(loop);
    int fd = -1;
    if (strcmp(backend, "epoll") == 0) {
        embed_on_epoll(loop);
    } else {
        nt_test_note("backend %s has no single descriptor", backend);
        NT_TEST_RC(nt_loop_embed_fd(loop, &fd), NT_ENOTSUP);
    }
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);

    /* Whatever the default, the descriptor-less backends say NT_ENOTSUP. */
    static const char *const others[] = {"poll", "wsapoll"};
    for (size_t i = 0; i < 2; i++) {
        nt_loop *other = NULL;
        if (nt_loop_new_backend(others[i], &other) != NT_OK)
            continue; /* not on this platform */
        NT_TEST_RC(nt_loop_embed_fd(other, &fd), NT_ENOTSUP);
        NT_TEST_RC(nt_loop_close(other), NT_OK);
    }
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"close each kind: one close callback, from the loop, nothing after", test_close_each_kind},
        {"close each kind inside its own callback", test_close_in_own_callback},
        {"nt_loop_close: NT_EBUSY while a handle is open or closing", test_loop_close_busy},
        {"nt_loop_walk: every handle, its type, name, data, closing", test_walk},
        {"nt_loop_get_stats: handles counted once each", test_stats_handles},
        {"nt_loop_drain: closes all, a connection flushes first", test_drain},
        {"queued tasks keep the loop and still run", test_tasks_keep_loop},
        {"NULL handles: NT_EINVAL or nothing, never a crash", test_null_handles},
        {"nt_loop_embed_fd: driven from another loop", test_embed},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("handle", tests);
}

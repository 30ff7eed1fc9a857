/* SPDX-License-Identifier: MIT */
/* TLS on the loop (natter/tls.h): nt_conn_start_tls() on connecting and
 * accepted connections, what nt_conn_tls_info() tells on both ends, data
 * both ways (lines, a few MiB raw, backpressure, the send queue limit),
 * each bad certificate's own code and pinning past it, client
 * certificates, hostile peers (plain text, garbage, silence, a close in
 * the middle of the handshake), how a TLS stream ends, session resumption,
 * self-made certificates and configuration errors.  The certificates come
 * from make-certs.sh, in $NATTER_TEST_CERTS (tls-helpers.h, shared with
 * test-tls-socket.c).  Runs once per backend (NATTER_LOOP_BACKEND picks
 * it); the blocking nt_tls_socket is test-tls-socket.c's. */
#include "helpers.h"
#include "tls-helpers.h"

#include <natter/conn.h>
#include <natter/thread.h>
#include <natter/tls.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- one end of a connection ---- */

struct end {
    nt_conn *c;
    int lines; /* NT_FRAME_LINE: log messages as "msg|" */
    int echo;  /* send back what arrives */
    int connected, closed, reason, high, low;
    int info_rc_connect, info_rc_closed;
    nt_tls_info at_connect, at_close;
    nt_conn_stats stats_at_close;
    char *in;
    size_t in_len, in_cap;
    uint64_t created_at, closed_at;
    void (*on_connect_hook)(struct end *e);
    void *hook_data;
};

static void end_append(struct end *e, const char *p, size_t len)
{
    if (e->in_cap - e->in_len < len + 1) {
        size_t cap = e->in_cap ? e->in_cap : 4096;
        while (cap - e->in_len < len + 1)
            cap *= 2;
        char *b = realloc(e->in, cap);
        CU_ASSERT_FATAL(b != NULL);
        e->in = b;
        e->in_cap = cap;
    }
    memcpy(e->in + e->in_len, p, len);
    e->in_len += len;
    e->in[e->in_len] = '\0';
}

static void end_connect(nt_conn *c, void *data)
{
    struct end *e = data;
    e->connected++;
    e->info_rc_connect = nt_conn_tls_info(c, &e->at_connect);
    if (e->on_connect_hook)
        e->on_connect_hook(e);
}

static void end_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    struct end *e = data;
    end_append(e, msg, len);
    if (e->lines)
        end_append(e, "|", 1);
    if (e->echo) {
        if (e->lines) {
            char line[1024];
            CU_ASSERT_FATAL(len < sizeof line);
            memcpy(line, msg, len);
            line[len] = '\n';
            NT_TEST_RC(nt_conn_send(c, line, len + 1), NT_OK);
        } else {
            NT_TEST_RC(nt_conn_send(c, msg, len), NT_OK);
        }
    }
}

static void end_high(nt_conn *c, void *data)
{
    (void)c;
    ((struct end *)data)->high++;
}

static void end_low(nt_conn *c, void *data)
{
    (void)c;
    ((struct end *)data)->low++;
}

static void end_closed(nt_conn *c, int reason, void *data)
{
    struct end *e = data;
    e->closed++;
    e->reason = reason;
    e->closed_at = nt_clock_ms();
    e->info_rc_closed = nt_conn_tls_info(c, &e->at_close);
    CU_ASSERT(nt_conn_get_stats(c, &e->stats_at_close) == NT_OK);
    e->c = NULL;
}

static const nt_conn_callbacks end_cbs = {end_connect, end_message, NULL,
                                          end_high,    end_low,     end_closed};

static int end_is_closed(void *ctx)
{
    return ((struct end *)ctx)->closed > 0;
}

static int end_is_up(void *ctx)
{
    struct end *e = ctx;
    return e->connected > 0 || e->closed > 0;
}

struct want {
    struct end *e;
    size_t len;
};

static int end_has(void *ctx)
{
    struct want *w = ctx;
    return w->e->in_len >= w->len || w->e->closed;
}

/* ---- a TLS server on the loop ---- */

#define MAX_ENDS 24

struct server {
    nt_loop *loop;
    nt_listener *l;
    nt_addr addr;
    nt_tls_config *cfg; /* the server's own reference; NULL: plain text */
    nt_conn_options opts;
    int lines, echo, start_rc;
    void (*on_connect_hook)(struct end *e);
    struct end ends[MAX_ENDS];
    int n;
};

static void server_accept(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    struct server *sv = data;
    (void)l;
    (void)peer;
    if (sv->n >= MAX_ENDS) {
        CU_FAIL("too many connections for the test server");
        nt_socket_close(s);
        return;
    }
    struct end *e = &sv->ends[sv->n++];
    memset(e, 0, sizeof *e);
    e->lines = sv->lines;
    e->echo = sv->echo;
    e->on_connect_hook = sv->on_connect_hook;
    e->created_at = nt_clock_ms();
    int rc = nt_conn_new(sv->loop, s, &sv->opts, &end_cbs, e, &e->c);
    NT_TEST_RC(rc, NT_OK);
    if (rc != NT_OK) {
        e->closed = 1;
        return;
    }
    if (sv->cfg) {
        sv->start_rc = nt_conn_start_tls(e->c, sv->cfg, NULL);
        NT_TEST_RC(sv->start_rc, NT_OK);
    }
}

/* Listen on 127.0.0.1 with cfg (a reference is taken; NULL: plain). */
static void server_start(nt_loop *loop, struct server *sv, nt_tls_config *cfg,
                         const nt_conn_options *o)
{
    memset(sv, 0, sizeof *sv);
    sv->loop = loop;
    sv->cfg = cfg ? nt_tls_config_ref(cfg) : NULL;
    if (o)
        sv->opts = *o;
    else
        nt_conn_options_init(&sv->opts);
    sv->lines = sv->opts.framing == NT_FRAME_LINE;
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 0, &a) == NT_OK);
    CU_ASSERT_FATAL(nt_listener_new(loop, &a, NT_BACKLOG_DEFAULT, server_accept, sv, &sv->l) ==
                    NT_OK);
    CU_ASSERT_FATAL(nt_listener_addr(sv->l, &sv->addr) == NT_OK);
}

/* Serve with another configuration from now on. */
static void server_use(struct server *sv, nt_tls_config *cfg)
{
    nt_tls_config *old = sv->cfg;
    sv->cfg = cfg ? nt_tls_config_ref(cfg) : NULL;
    nt_tls_config_unref(old);
}

/* The last connection accepted (the first slot, all zero, before any). */
static struct end *server_last(struct server *sv)
{
    return &sv->ends[sv->n > 0 ? sv->n - 1 : 0];
}

struct server_wait {
    struct server *sv;
    int n; /* this many accepted... */
};

static int server_nth_closed(void *ctx)
{
    struct server_wait *w = ctx;
    return w->sv->n >= w->n && w->sv->ends[w->n - 1].closed;
}

static int server_nth_up(void *ctx)
{
    struct server_wait *w = ctx;
    return w->sv->n >= w->n && end_is_up(&w->sv->ends[w->n - 1]);
}

static void end_free(struct end *e)
{
    free(e->in);
    e->in = NULL;
    e->in_len = e->in_cap = 0;
}

/* Close what is still open (the server's connections, its listener, the
 * clients given), wait for the ends and free the loop. */
static void finish(nt_loop *loop, struct server *sv, struct end *clients, int nclients)
{
    for (int i = 0; i < nclients; i++)
        if (clients[i].c && !clients[i].closed)
            nt_conn_close(clients[i].c);
    if (sv) {
        for (int i = 0; i < sv->n; i++)
            if (sv->ends[i].c && !sv->ends[i].closed)
                nt_conn_close(sv->ends[i].c);
        nt_listener_close(sv->l, NULL);
    }
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    for (int i = 0; i < nclients; i++)
        end_free(&clients[i]);
    if (sv) {
        for (int i = 0; i < sv->n; i++)
            end_free(&sv->ends[i]);
        nt_tls_config_unref(sv->cfg);
    }
}

/* A TLS client of sv (cfg NULL: plain text), checking the name given. */
static void client_start(nt_loop *loop, struct end *e, struct server *sv, nt_tls_config *cfg,
                         const char *name, const nt_conn_options *o)
{
    int lines = o ? o->framing == NT_FRAME_LINE : 1;
    memset(e, 0, sizeof *e);
    e->lines = lines;
    e->created_at = nt_clock_ms();
    CU_ASSERT_FATAL(nt_conn_connect_addrs(loop, &sv->addr, 1, o, &end_cbs, e, &e->c) == NT_OK);
    if (cfg)
        NT_TEST_RC(nt_conn_start_tls(e->c, cfg, name), NT_OK);
}

/* What most cases start with: a loop, a server on it presenting
 * server.pem (connection options o; NULL: the defaults), and a client
 * configuration that trusts the CA. */
struct fixture {
    nt_loop *loop;
    nt_tls_config *scfg, *ccfg;
    struct server sv;
};

static void fixture_start(struct fixture *f, const nt_conn_options *o)
{
    f->loop = nt_test_new_loop();
    f->scfg = nt_test_tls_server("server");
    f->ccfg = nt_test_tls_client(NULL);
    server_start(f->loop, &f->sv, f->scfg, o);
}

/* finish() with the fixture's loop and server (and the clients given),
 * then its configurations let go. */
static void fixture_finish(struct fixture *f, struct end *clients, int nclients)
{
    finish(f->loop, &f->sv, clients, nclients);
    nt_tls_config_unref(f->scfg);
    nt_tls_config_unref(f->ccfg);
}

/* ---- handshake and data ---- */

static void check_session_info(const nt_tls_info *i, const char *want_fp)
{
    CU_ASSERT_EQUAL(i->handshake_done, 1);
    CU_ASSERT_STRING_EQUAL(i->protocol, "TLSv1.3");
    CU_ASSERT(i->cipher[0] != '\0');
    CU_ASSERT_STRING_EQUAL(i->peer_fingerprint, want_fp);
}

static void test_handshake_echo(void)
{
    char server_fp[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("server", server_fp);
    struct fixture f;
    fixture_start(&f, NULL);
    f.sv.echo = 1;
    struct end c;
    uint64_t start = nt_clock_us();
    client_start(f.loop, &c, &f.sv, f.ccfg, "localhost", NULL);
    /* Output before the handshake waits for it. */
    NT_TEST_RC(nt_conn_send(c.c, "early\n", 6), NT_OK);
    struct want w = {&c, strlen("early|")};
    CU_ASSERT(nt_test_run_until(f.loop, end_has, &w, 5000));
    printf("\n    handshake and first echo in %.1f ms: %s, %s ", nt_test_elapsed(start) * 1000,
           c.at_connect.protocol, c.at_connect.cipher);
    CU_ASSERT_EQUAL(c.closed, 0);
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_STRING_EQUAL(c.in, "early|");
    NT_TEST_RC(c.info_rc_connect, NT_OK);
    check_session_info(&c.at_connect, server_fp);
    NT_TEST_RC(c.at_connect.verify_result, NT_OK);
    CU_ASSERT(strstr(c.at_connect.peer_subject, "localhost") != NULL);
    CU_ASSERT_EQUAL(c.at_connect.resumed, 0);
    /* The accepted end: on_connect once its handshake completed too. */
    struct end *s = server_last(&f.sv);
    CU_ASSERT_EQUAL(f.sv.n, 1);
    CU_ASSERT_EQUAL(s->connected, 1);
    NT_TEST_RC(s->info_rc_connect, NT_OK);
    check_session_info(&s->at_connect, ""); /* no client certificate */
    CU_ASSERT_STRING_EQUAL(s->at_connect.cipher, c.at_connect.cipher);
    CU_ASSERT_STRING_EQUAL(s->in, "early|");
    /* Lines across records: split and joined as on a plain connection. */
    NT_TEST_RC(nt_conn_send(c.c, "a\r\nb\nc", 6), NT_OK);
    nt_test_run_a_little(f.loop);
    NT_TEST_RC(nt_conn_send(c.c, "d\n", 2), NT_OK);
    w.len = strlen("early|a|b|cd|");
    CU_ASSERT(nt_test_run_until(f.loop, end_has, &w, 5000));
    CU_ASSERT_STRING_EQUAL(c.in, "early|a|b|cd|");
    CU_ASSERT_STRING_EQUAL(s->in, "early|a|b|cd|");
    /* A server that talks first. */
    NT_TEST_RC(nt_conn_send(s->c, "from server\n", 12), NT_OK);
    w.len = strlen("early|a|b|cd|from server|");
    CU_ASSERT(nt_test_run_until(f.loop, end_has, &w, 5000));
    CU_ASSERT_STRING_EQUAL(c.in, "early|a|b|cd|from server|");
    /* The info is there while the connection is up. */
    nt_tls_info now;
    NT_TEST_RC(nt_conn_tls_info(c.c, &now), NT_OK);
    CU_ASSERT_STRING_EQUAL(now.peer_fingerprint, server_fp);
    /* close_notify: the server reads NT_EOF. */
    nt_conn_close(c.c);
    CU_ASSERT(nt_test_run_until(f.loop, end_is_closed, s, 5000));
    CU_ASSERT(nt_test_run_until(f.loop, end_is_closed, &c, 5000));
    NT_TEST_RC(s->reason, NT_EOF);
    NT_TEST_RC(c.reason, NT_ECLOSED);
    NT_TEST_RC(c.info_rc_closed, NT_OK);
    CU_ASSERT_STRING_EQUAL(c.at_close.peer_fingerprint, server_fp);
    fixture_finish(&f, &c, 1);
}

#define BIG (4u * 1024u * 1024u)

static void big_send_more(struct end *e)
{
    /* The server's last words: 1 MiB more, then close (close_notify). */
    size_t len = 1024 * 1024;
    char *p = malloc(len);
    CU_ASSERT_FATAL(p != NULL);
    nt_test_fill_pattern(p, BIG, len);
    NT_TEST_RC(nt_conn_send(e->c, p, len), NT_OK);
    free(p);
    nt_conn_close(e->c);
}

static void test_large_transfer(void)
{
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.framing = NT_FRAME_NONE;
    o.sendq_limit = 0;
    struct fixture f;
    fixture_start(&f, &o);
    f.sv.echo = 1;
    struct end c;
    client_start(f.loop, &c, &f.sv, f.ccfg, "127.0.0.1", &o); /* an IP address, checked as one */
    char *p = malloc(BIG);
    CU_ASSERT_FATAL(p != NULL);
    nt_test_fill_pattern(p, 0, BIG);
    uint64_t start = nt_clock_us();
    for (size_t off = 0; off < BIG; off += 256 * 1024)
        NT_TEST_RC(nt_conn_send(c.c, p + off, 256 * 1024), NT_OK);
    free(p);
    struct want w = {&c, BIG};
    CU_ASSERT(nt_test_run_until(f.loop, end_has, &w, 60000));
    double took = nt_test_elapsed(start);
    printf("\n    %u MiB echoed in %.2f s ", BIG >> 20, took);
    CU_ASSERT_EQUAL(c.closed, 0);
    CU_ASSERT_EQUAL(c.in_len, BIG);
    CU_ASSERT_EQUAL(nt_test_pattern_errors(c.in, 0, c.in_len), 0);
    struct end *s = server_last(&f.sv);
    CU_ASSERT_EQUAL(s->in_len, BIG);
    CU_ASSERT_EQUAL(nt_test_pattern_errors(s->in, 0, s->in_len), 0);
    /* The server writes more and closes: all of it arrives, then NT_EOF. */
    s->echo = 0;
    big_send_more(s);
    CU_ASSERT(nt_test_run_until(f.loop, end_is_closed, &c, 30000));
    NT_TEST_RC(c.reason, NT_EOF);
    CU_ASSERT_EQUAL(c.in_len, BIG + 1024 * 1024);
    CU_ASSERT_EQUAL(nt_test_pattern_errors(c.in, 0, c.in_len), 0);
    CU_ASSERT(nt_test_run_until(f.loop, end_is_closed, s, 5000));
    NT_TEST_RC(s->reason, NT_ECLOSED);
    fixture_finish(&f, &c, 1);
}

/* A producer on one end: chunk after chunk, stopping at high water when
 * it is polite, up to max bytes. */
struct producer {
    nt_loop *loop;
    struct end *e;
    size_t chunk, sent, max;
    int polite, stopped, bad_rc;
    char *block;
};

static void produce(void *data)
{
    struct producer *p = data;
    if (!p->e->c || p->e->closed || p->sent >= p->max)
        return;
    if (p->polite && p->e->high > p->e->low) {
        p->stopped = 1; /* on_low_water will do */
        return;
    }
    nt_test_fill_pattern(p->block, p->sent, p->chunk);
    int rc = nt_conn_send(p->e->c, p->block, p->chunk);
    if (rc == NT_OK)
        p->sent += p->chunk;
    else if (rc != NT_ECLOSED && rc != NT_ESENDQ)
        p->bad_rc = rc;
    if (rc == NT_OK)
        nt_loop_defer(p->loop, produce, p);
}

static void pause_on_connect(struct end *e)
{
    nt_conn_pause_reading(e->c);
    nt_socket *s = nt_conn_socket(e->c);
    if (s)
        nt_socket_set_option(s, NT_OPT_RCVBUF, 16384);
}

static int producer_stopped(void *ctx)
{
    struct producer *p = ctx;
    return p->stopped || p->e->closed || p->sent >= p->max;
}

struct drain {
    struct producer *p;
    struct end *reader;
};

static int all_through(void *ctx)
{
    struct drain *d = ctx;
    struct producer *p = d->p;
    if (p->stopped && p->e->low == p->e->high) {
        p->stopped = 0;
        nt_loop_defer(p->loop, produce, p);
    }
    return (p->sent >= p->max && d->reader->in_len >= p->max) || p->e->closed ||
           d->reader->closed;
}

static void test_backpressure(void)
{
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.framing = NT_FRAME_NONE;
    struct fixture f;
    fixture_start(&f, &o);
    f.sv.on_connect_hook = pause_on_connect; /* the server does not read yet */
    struct end c;
    client_start(f.loop, &c, &f.sv, f.ccfg, "localhost", &o);
    CU_ASSERT_FATAL(nt_test_run_until(f.loop, end_is_up, &c, 5000));
    CU_ASSERT_FATAL(c.connected == 1);
    nt_socket_set_option(nt_conn_socket(c.c), NT_OPT_SNDBUF, 16384);
    struct producer p = {f.loop, &c, 64 * 1024, 0, 8u * 1024u * 1024u, 1, 0, NT_OK, NULL};
    p.block = malloc(p.chunk);
    CU_ASSERT_FATAL(p.block != NULL);
    CU_ASSERT_FATAL(nt_loop_defer(f.loop, produce, &p) == NT_OK);
    CU_ASSERT(nt_test_run_until(f.loop, producer_stopped, &p, 10000));
    nt_conn_stats st;
    NT_TEST_RC(nt_conn_get_stats(c.c, &st), NT_OK);
    printf("\n    high water after %zu KiB, %llu KiB queued ", p.sent / 1024,
           (unsigned long long)st.bytes_queued / 1024);
    CU_ASSERT_EQUAL(p.stopped, 1);
    CU_ASSERT_EQUAL(c.high, 1);
    CU_ASSERT_EQUAL(c.low, 0);
    CU_ASSERT(st.bytes_queued >= o.high_water);
    CU_ASSERT(p.sent < p.max);
    /* The server reads again: low water, and everything arrives. */
    struct end *s = server_last(&f.sv);
    CU_ASSERT_FATAL(s->c != NULL);
    nt_conn_resume_reading(s->c);
    struct drain d = {&p, s};
    CU_ASSERT(nt_test_run_until(f.loop, all_through, &d, 60000));
    printf("high %d, low %d ", c.high, c.low);
    CU_ASSERT(c.low >= 1);
    CU_ASSERT_EQUAL(c.closed, 0);
    CU_ASSERT_EQUAL(s->closed, 0);
    NT_TEST_RC(p.bad_rc, NT_OK);
    CU_ASSERT_EQUAL(s->in_len, p.max);
    CU_ASSERT_EQUAL(nt_test_pattern_errors(s->in, 0, s->in_len), 0);
    free(p.block);
    fixture_finish(&f, &c, 1);
}

static struct producer *sendq_producer;

static void produce_on_connect(struct end *e)
{
    nt_socket *s = nt_conn_socket(e->c);
    if (s)
        nt_socket_set_option(s, NT_OPT_SNDBUF, 16384);
    sendq_producer->e = e;
    nt_loop_defer(sendq_producer->loop, produce, sendq_producer);
}

static void test_sendq_limit(void)
{
    nt_conn_options so;
    nt_conn_options_init(&so);
    so.framing = NT_FRAME_NONE;
    so.sendq_limit = 64 * 1024;
    struct fixture f;
    fixture_start(&f, &so);
    /* The server ignores high water and its client never reads. */
    struct producer p = {f.loop, NULL, 32 * 1024, 0, 64u * 1024u * 1024u, 0, 0, NT_OK, NULL};
    p.block = malloc(p.chunk);
    CU_ASSERT_FATAL(p.block != NULL);
    sendq_producer = &p;
    f.sv.on_connect_hook = produce_on_connect;
    nt_conn_options co;
    nt_conn_options_init(&co);
    co.framing = NT_FRAME_NONE;
    struct end c;
    client_start(f.loop, &c, &f.sv, f.ccfg, "localhost", &co);
    c.on_connect_hook = pause_on_connect;
    struct server_wait sw = {&f.sv, 1};
    CU_ASSERT(nt_test_run_until(f.loop, server_nth_closed, &sw, 20000));
    struct end *s = server_last(&f.sv);
    printf("\n    server closed (%s) after %zu KiB produced ", nt_err_name(s->reason),
           p.sent / 1024);
    NT_TEST_RC(s->reason, NT_ESENDQ);
    NT_TEST_RC(p.bad_rc, NT_OK);
    CU_ASSERT(p.sent > so.sendq_limit);
    CU_ASSERT(p.sent < p.max);
    CU_ASSERT(s->stats_at_close.bytes_unsent > 0);
    /* The client, reading again, sees the end. */
    if (c.c)
        nt_conn_resume_reading(c.c);
    CU_ASSERT(nt_test_run_until(f.loop, end_is_closed, &c, 10000));
    printf("the client: %s after %zu KiB ", nt_err_name(c.reason), c.in_len / 1024);
    CU_ASSERT(nt_err_is_disconnect(c.reason));
    CU_ASSERT_EQUAL(nt_test_pattern_errors(c.in, 0, c.in_len), 0);
    sendq_producer = NULL;
    free(p.block);
    fixture_finish(&f, &c, 1);
}

/* ---- bad certificates ---- */

/* One connection from a client with cfg to sv; waits until it is up or
 * over, and for the server's end to be as well. */
static void one_connection(nt_loop *loop, struct server *sv, struct end *c, nt_tls_config *cfg,
                           const char *name)
{
    struct server_wait sw = {sv, sv->n + 1};
    client_start(loop, c, sv, cfg, name, NULL);
    CU_ASSERT(nt_test_run_until(loop, end_is_up, c, 5000));
    int (*cond)(void *) = c->closed ? server_nth_closed : server_nth_up;
    CU_ASSERT(nt_test_run_until(loop, cond, &sw, 5000));
}

/* Echo a line on an established client connection. */
static void round_trip(nt_loop *loop, struct end *c)
{
    size_t before = c->in_len;
    NT_TEST_RC(nt_conn_send(c->c, "ping\n", 5), NT_OK);
    struct want w = {c, before + 5};
    CU_ASSERT(nt_test_run_until(loop, end_has, &w, 5000));
    CU_ASSERT(c->in_len >= 5 && strcmp(c->in + c->in_len - 5, "ping|") == 0);
}

static void close_client(nt_loop *loop, struct end *c)
{
    if (c->c && !c->closed)
        nt_conn_close(c->c);
    CU_ASSERT(nt_test_run_until(loop, end_is_closed, c, 5000));
    end_free(c);
}

/* The end of a client's connection: a line echoed if it is up, then the
 * close. */
static void round_trip_and_close(nt_loop *loop, struct end *c)
{
    if (c->connected && !c->closed)
        round_trip(loop, c);
    close_client(loop, c);
}

static void test_bad_certificates(void)
{
    nt_loop *loop = nt_test_new_loop();
    struct server sv;
    server_start(loop, &sv, NULL, NULL);
    sv.echo = 1;
    for (size_t i = 0; i < nt_test_bad_cert_count; i++) {
        const struct nt_test_bad_cert *b = &nt_test_bad_certs[i];
        char fp[NT_TLS_FINGERPRINT_LEN];
        nt_test_cert_fingerprint(b->name, fp);
        nt_tls_config *scfg = nt_test_tls_server(b->name);
        server_use(&sv, scfg);
        nt_tls_config_unref(scfg);
        printf("\n    %s: ", b->name);

        /* Verified: the code that names it, and the fingerprint to pin. */
        nt_tls_config *ccfg = nt_test_tls_client(NULL);
        struct end c;
        struct server_wait sw = {&sv, sv.n + 1};
        client_start(loop, &c, &sv, ccfg, "localhost", NULL);
        NT_TEST_RC(nt_conn_send(c.c, "secret\n", 7), NT_OK); /* must not leave */
        CU_ASSERT(nt_test_run_until(loop, end_is_closed, &c, 5000));
        CU_ASSERT(nt_test_run_until(loop, server_nth_closed, &sw, 5000));
        struct end *s = server_last(&sv);
        printf("client %s, server %s; ", nt_err_name(c.reason), s ? nt_err_name(s->reason) : "-");
        CU_ASSERT_EQUAL(c.connected, 0);
        CU_ASSERT_EQUAL(c.closed, 1);
        NT_TEST_RC(c.reason, b->code);
        NT_TEST_RC(c.info_rc_closed, NT_OK);
        CU_ASSERT_EQUAL(c.at_close.handshake_done, 0);
        CU_ASSERT_STRING_EQUAL(c.at_close.peer_fingerprint, fp);
        NT_TEST_RC(c.at_close.verify_result, b->code);
        printf("\"%s\" ", c.at_close.verify_detail);
        CU_ASSERT(c.at_close.verify_detail[0] != '\0');
        CU_ASSERT_EQUAL(s->connected, 0);
        CU_ASSERT(s->closed == 1 &&
                  (nt_test_is_tls_error(s->reason) || nt_err_is_disconnect(s->reason)));
        CU_ASSERT_EQUAL(s->in_len, 0);
        char pin[NT_TLS_FINGERPRINT_LEN];
        memcpy(pin, c.at_close.peer_fingerprint, sizeof pin);
        end_free(&c);
        nt_tls_config_unref(ccfg);

        /* Past verification, pinned or with NT_TLS_VERIFY_NONE: the same
         * connection goes through; verify_result still says what
         * verification found. */
        static const char *const ways_past[] = {"pinned", "VERIFY_NONE"};
        for (size_t way = 0; way < sizeof ways_past / sizeof ways_past[0]; way++) {
            ccfg = nt_test_tls_client(NULL);
            if (way == 0)
                NT_TEST_RC(nt_tls_config_pin(ccfg, pin), NT_OK);
            else
                NT_TEST_RC(nt_tls_config_set_verify(ccfg, NT_TLS_VERIFY_NONE), NT_OK);
            one_connection(loop, &sv, &c, ccfg, "localhost");
            if (c.closed)
                printf("%s: %s! ", ways_past[way], nt_err_name(c.reason));
            CU_ASSERT_EQUAL(c.connected, 1);
            CU_ASSERT_EQUAL(c.closed, 0);
            CU_ASSERT_STRING_EQUAL(c.at_connect.peer_fingerprint, fp);
            NT_TEST_RC(c.at_connect.verify_result, b->code);
            round_trip_and_close(loop, &c);
            nt_tls_config_unref(ccfg);
        }
    }
    /* A pin of another certificate changes nothing. */
    char other[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("server", other);
    nt_tls_config *ccfg = nt_test_tls_client(NULL);
    NT_TEST_RC(nt_tls_config_pin(ccfg, other), NT_OK);
    struct end c;
    one_connection(loop, &sv, &c, ccfg, "localhost"); /* still "untrusted" */
    CU_ASSERT_EQUAL(c.connected, 0);
    NT_TEST_RC(c.reason, NT_ETLS_UNTRUSTED);
    end_free(&c);
    nt_tls_config_unref(ccfg);
    /* The good certificate, asked for by names it does not carry (an IP
     * address is checked as one). */
    nt_tls_config *good = nt_test_tls_server("server");
    server_use(&sv, good);
    nt_tls_config_unref(good);
    const char *names[] = {"127.0.0.2", "other.example", "::2"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ccfg = nt_test_tls_client(NULL);
        one_connection(loop, &sv, &c, ccfg, names[i]);
        printf("\n    server.pem as \"%s\": %s ", names[i], nt_err_name(c.reason));
        CU_ASSERT_EQUAL(c.connected, 0);
        NT_TEST_RC(c.reason, NT_ETLS_HOSTNAME);
        end_free(&c);
        nt_tls_config_unref(ccfg);
    }
    finish(loop, &sv, NULL, 0);
}

/* ---- client certificates ---- */

static void test_client_certificates(void)
{
    nt_loop *loop = nt_test_new_loop();
    char client_fp[NT_TLS_FINGERPRINT_LEN], self_fp[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("client", client_fp);
    nt_test_cert_fingerprint("client-self", self_fp);
    nt_tls_config *plain = nt_test_tls_client(NULL);
    nt_tls_config *with_cert = nt_test_tls_client("client");
    nt_tls_config *with_self = nt_test_tls_client("client-self");

    /* REQUIRED, checked against the CA. */
    nt_tls_config *req = nt_test_tls_server("server");
    NT_TEST_RC(nt_tls_config_set_verify(req, NT_TLS_VERIFY_REQUIRED), NT_OK);
    NT_TEST_RC(nt_tls_config_set_ca_file(req, nt_test_cert("ca.pem")), NT_OK);
    struct server sv;
    server_start(loop, &sv, req, NULL);
    sv.echo = 1;
    struct end c;
    /* Without a certificate: NT_ETLS_NOCERT on both ends (with TLS 1.3
     * the client may have seen its handshake complete first). */
    client_start(loop, &c, &sv, plain, "localhost", NULL);
    CU_ASSERT(nt_test_run_until(loop, end_is_closed, &c, 5000));
    struct server_wait sw = {&sv, 1};
    CU_ASSERT(nt_test_run_until(loop, server_nth_closed, &sw, 5000));
    struct end *s = server_last(&sv);
    printf("\n    no certificate: server %s, client %s (on_connect %d) ", nt_err_name(s->reason),
           nt_err_name(c.reason), c.connected);
    CU_ASSERT_EQUAL(s->connected, 0);
    NT_TEST_RC(s->reason, NT_ETLS_NOCERT);
    NT_TEST_RC(c.reason, NT_ETLS_NOCERT);
    end_free(&c);
    /* With one signed by the CA: the server sees its fingerprint. */
    one_connection(loop, &sv, &c, with_cert, "localhost");
    s = server_last(&sv);
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_EQUAL(s->connected, 1);
    CU_ASSERT_STRING_EQUAL(s->at_connect.peer_fingerprint, client_fp);
    CU_ASSERT(strstr(s->at_connect.peer_subject, "natter test client") != NULL);
    NT_TEST_RC(s->at_connect.verify_result, NT_OK);
    round_trip_and_close(loop, &c);
    /* A self-signed one is not signed by the CA the server trusts. */
    one_connection(loop, &sv, &c, with_self, "localhost");
    s = server_last(&sv);
    CU_ASSERT(nt_test_run_until(loop, end_is_closed, s, 5000));
    CU_ASSERT(nt_test_run_until(loop, end_is_closed, &c, 5000));
    printf("self-signed to REQUIRED+CA: server %s, client %s ", nt_err_name(s->reason),
           nt_err_name(c.reason));
    CU_ASSERT_EQUAL(s->connected, 0);
    NT_TEST_RC(s->reason, NT_ETLS_SELFSIGNED);
    CU_ASSERT(nt_test_is_tls_error(c.reason) || nt_err_is_disconnect(c.reason));
    end_free(&c);

    /* OPTIONAL without a CA: any certificate, or none. */
    nt_tls_config *opt = nt_test_tls_server("server");
    NT_TEST_RC(nt_tls_config_set_verify(opt, NT_TLS_VERIFY_OPTIONAL), NT_OK);
    server_use(&sv, opt);
    nt_tls_config_unref(opt);
    one_connection(loop, &sv, &c, with_self, "localhost");
    s = server_last(&sv);
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_EQUAL(s->connected, 1);
    CU_ASSERT_STRING_EQUAL(s->at_connect.peer_fingerprint, self_fp);
    round_trip_and_close(loop, &c);
    one_connection(loop, &sv, &c, plain, "localhost");
    s = server_last(&sv);
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_EQUAL(s->connected, 1);
    CU_ASSERT_STRING_EQUAL(s->at_connect.peer_fingerprint, "");
    close_client(loop, &c);

    /* The default server asks for none: a client's certificate stays home. */
    nt_tls_config *none = nt_test_tls_server("server");
    server_use(&sv, none);
    nt_tls_config_unref(none);
    one_connection(loop, &sv, &c, with_cert, "localhost");
    s = server_last(&sv);
    CU_ASSERT_EQUAL(s->connected, 1);
    CU_ASSERT_STRING_EQUAL(s->at_connect.peer_fingerprint, "");
    close_client(loop, &c);

    finish(loop, &sv, NULL, 0);
    nt_tls_config_unref(req);
    nt_tls_config_unref(plain);
    nt_tls_config_unref(with_cert);
    nt_tls_config_unref(with_self);
}

/* ---- hostile and confused peers ---- */

/* A raw (non-blocking) TCP client of sv. */
static void raw_connect(nt_test_raw *r, const nt_addr *a)
{
    memset(r, 0, sizeof *r);
    CU_ASSERT_FATAL(nt_socket_new(NT_AF_INET, NT_SOCK_STREAM, 0, &r->s) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_connect(r->s, a) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_settimeout(r->s, 0) == NT_OK);
}

static int raw_saw_end(void *ctx)
{
    nt_test_raw *r = ctx;
    nt_test_raw_pump(r);
    return r->eof || r->err;
}

/* A raw client sends data (or nothing) to a TLS server; returns how the
 * server's end closed (and checks that the raw side sees the end too). */
static int hostile(nt_loop *loop, struct server *sv, const void *data, size_t len,
                   uint64_t *took_ms)
{
    nt_test_raw r;
    raw_connect(&r, &sv->addr);
    if (len)
        NT_TEST_RC(nt_socket_sendall(r.s, data, len, NULL), NT_OK);
    struct server_wait sw = {sv, sv->n + 1};
    CU_ASSERT(nt_test_run_until(loop, server_nth_closed, &sw, 5000));
    struct end *s = server_last(sv);
    CU_ASSERT_FATAL(sv->n == sw.n);
    CU_ASSERT_EQUAL(s->connected, 0);
    if (took_ms)
        *took_ms = s->closed_at - s->created_at;
    CU_ASSERT(nt_test_run_until(loop, raw_saw_end, &r, 5000));
    nt_test_raw_free(&r);
    return s->reason;
}

static void test_hostile_plaintext_and_garbage(void)
{
    nt_loop *loop = nt_test_new_loop();
    nt_tls_config *scfg = nt_test_tls_server("server");
    struct server sv;
    server_start(loop, &sv, scfg, NULL);
    const char *texts[] = {"NICK x\r\n", "NICK x\r\nUSER x 0 * :x\r\n", "GET / HTTP/1.1\r\n\r\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int reason = hostile(loop, &sv, texts[i], strlen(texts[i]), NULL);
        printf("\n    plain text %zu: %s ", i, nt_err_name(reason));
        NT_TEST_RC(reason, NT_ETLS_PLAINTEXT);
    }
    /* Random bytes; then a handshake record full of them. */
    unsigned char junk[512];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof junk; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        junk[i] = (unsigned char)(x >> 24);
    }
    junk[0] = 0x9c; /* not a TLS content type */
    int reason = hostile(loop, &sv, junk, sizeof junk, NULL);
    printf("\n    random bytes: %s ", nt_err_name(reason));
    CU_ASSERT(reason == NT_ETLS_HANDSHAKE || reason == NT_ETLS_PLAINTEXT);
    junk[0] = 0x16;
    junk[1] = 0x03;
    junk[2] = 0x01;
    junk[3] = 0x01;
    junk[4] = 0xfb; /* 507: the rest of the buffer */
    reason = hostile(loop, &sv, junk, sizeof junk, NULL);
    printf("\n    a handshake record of random bytes: %s ", nt_err_name(reason));
    CU_ASSERT(reason == NT_ETLS_HANDSHAKE || reason == NT_ETLS_PLAINTEXT);
    finish(loop, &sv, NULL, 0);
    nt_tls_config_unref(scfg);
}

static void test_hostile_silent(void)
{
    nt_loop *loop = nt_test_new_loop();
    nt_tls_config *scfg = nt_test_tls_server("server");
    NT_TEST_RC(nt_tls_config_set_handshake_timeout(scfg, 300), NT_OK);
    struct server sv;
    server_start(loop, &sv, scfg, NULL);
    /* A silent client, and a slow one that started (half a record header),
     * timed the same. */
    static const struct {
        const char *what;
        const char *data;
        size_t len;
    } slow[] = {
        {"a silent client", NULL, 0},
        {"a client stalled mid-header", "\x16\x03", 2},
    };
    for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++) {
        uint64_t took = 0;
        int reason = hostile(loop, &sv, slow[i].data, slow[i].len, &took);
        printf("\n    %s: %s after %llu ms ", slow[i].what, nt_err_name(reason),
               (unsigned long long)took);
        NT_TEST_RC(reason, NT_ETIMEDOUT);
        CU_ASSERT(took >= 290);
        CU_ASSERT(took < 300 + nt_test_slack_ms());
    }
    /* A completed handshake is not timed: the connection stays up. */
    nt_tls_config *ccfg = nt_test_tls_client(NULL);
    struct end c;
    one_connection(loop, &sv, &c, ccfg, "localhost");
    CU_ASSERT_EQUAL(c.connected, 1);
    struct end *s = server_last(&sv);
    CU_ASSERT(nt_test_run_until(loop, end_is_closed, s, 600) == 0);
    CU_ASSERT_EQUAL(s->closed, 0);
    CU_ASSERT_EQUAL(c.closed, 0);
    finish(loop, &sv, &c, 1);
    nt_tls_config_unref(ccfg);
    nt_tls_config_unref(scfg);
}

/* A raw server and a TLS client of ours (trusting the CA, checking
 * "localhost") connected to it: the server accepts, may say something
 * first, and reads the ClientHello. */
struct raw_server {
    nt_socket *l;
    nt_test_raw r;
    const char *say;
    nt_tls_config *ccfg;
    struct end c;
};

static int raw_server_has_hello(void *ctx)
{
    struct raw_server *rs = ctx;
    if (!rs->r.s) {
        nt_socket *s = NULL;
        if (nt_socket_accept(rs->l, &s, NULL) != NT_OK)
            return 0;
        CU_ASSERT_FATAL(nt_socket_settimeout(s, 0) == NT_OK);
        rs->r.s = s;
        if (rs->say)
            NT_TEST_RC(nt_socket_sendall(s, rs->say, strlen(rs->say), NULL), NT_OK);
    }
    nt_test_raw_pump(&rs->r);
    const unsigned char *b = (const unsigned char *)rs->r.buf;
    return (rs->r.len >= 5 && rs->r.len >= 5 + (((size_t)b[3] << 8) | b[4])) || rs->r.eof ||
           rs->r.err;
}

/* The raw server (saying say first, NULL: nothing) and its TLS client,
 * run until the server has the ClientHello (or the client gave up). */
static void raw_server_start(nt_loop *loop, struct raw_server *rs, const char *say)
{
    memset(rs, 0, sizeof *rs);
    rs->say = say;
    nt_addr a;
    rs->l = nt_test_listener(NT_AF_INET, &a);
    CU_ASSERT_FATAL(nt_socket_settimeout(rs->l, 0) == NT_OK);
    rs->ccfg = nt_test_tls_client(NULL);
    CU_ASSERT_FATAL(nt_conn_connect_addrs(loop, &a, 1, NULL, &end_cbs, &rs->c, &rs->c.c) == NT_OK);
    NT_TEST_RC(nt_conn_start_tls(rs->c.c, rs->ccfg, "localhost"), NT_OK);
    CU_ASSERT(nt_test_run_until(loop, raw_server_has_hello, rs, 5000));
}

/* Free the raw server and its client (closed by then). */
static void raw_server_free(struct raw_server *rs)
{
    end_free(&rs->c);
    nt_test_raw_free(&rs->r);
    nt_socket_close(rs->l);
    nt_tls_config_unref(rs->ccfg);
}

/* The ClientHello a TLS client of ours sends (into hello, its length back). */
static size_t capture_client_hello(nt_loop *loop, char *hello, size_t cap)
{
    struct raw_server rs;
    raw_server_start(loop, &rs, NULL);
    size_t len = rs.r.len < cap ? rs.r.len : cap;
    if (len)
        memcpy(hello, rs.r.buf, len);
    nt_conn_abort(rs.c.c);
    CU_ASSERT(nt_test_run_until(loop, end_is_closed, &rs.c, 5000));
    raw_server_free(&rs);
    return len;
}

static int raw_has_some(void *ctx)
{
    nt_test_raw *r = ctx;
    nt_test_raw_pump(r);
    return r->len > 0 || r->eof || r->err;
}

static void test_hostile_close_mid_handshake(void)
{
    nt_loop *loop = nt_test_new_loop();
    char hello[4096];
    size_t hello_len = capture_client_hello(loop, hello, sizeof hello);
    printf("\n    a ClientHello of %zu bytes ", hello_len);
    CU_ASSERT_FATAL(hello_len > 5 && (unsigned char)hello[0] == 0x16);
    nt_tls_config *scfg = nt_test_tls_server("server");
    struct server sv;
    server_start(loop, &sv, scfg, NULL);
    /* The ClientHello (and the server's answer), half of it, or nothing at
     * all, then a close: the end of the stream, never a timeout. */
    static const struct {
        const char *what;
        int halves; /* of the ClientHello sent */
        unsigned wait_ms;
    } cuts[] = {
        {"closed then", 2, 5000},
        {"half a hello", 1, 5000},
        {"nothing", 0, 3000}, /* less than the handshake timeout */
    };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        nt_test_raw r;
        raw_connect(&r, &sv.addr);
        size_t len = (size_t)cuts[i].halves * hello_len / 2;
        if (len)
            NT_TEST_RC(nt_socket_sendall(r.s, hello, len, NULL), NT_OK);
        if (len == hello_len) {
            CU_ASSERT(nt_test_run_until(loop, raw_has_some, &r, 5000));
            printf("answered with %zu bytes; ", r.len);
            CU_ASSERT(r.len > 0 && (unsigned char)r.buf[0] == 0x16); /* ServerHello */
        } else {
            nt_test_run_a_little(loop);
        }
        nt_test_raw_free(&r);
        struct server_wait sw = {&sv, (int)i + 1};
        CU_ASSERT(nt_test_run_until(loop, server_nth_closed, &sw, cuts[i].wait_ms));
        struct end *s = server_last(&sv);
        printf("%s: %s; ", cuts[i].what, nt_err_name(s->reason));
        CU_ASSERT_EQUAL(s->connected, 0);
        CU_ASSERT(s->reason == NT_EOF || s->reason == NT_ECONNRESET);
    }
    finish(loop, &sv, NULL, 0);
    nt_tls_config_unref(scfg);
}

static void test_client_to_plain_server(void)
{
    nt_loop *loop = nt_test_new_loop();
    struct raw_server rs;
    raw_server_start(loop, &rs, "hello\r\n");
    struct end *c = &rs.c;
    CU_ASSERT(nt_test_run_until(loop, end_is_closed, c, 5000));
    printf("\n    a TLS client to a server that says hello: %s ", nt_err_name(c->reason));
    CU_ASSERT_EQUAL(c->connected, 0);
    NT_TEST_RC(c->reason, NT_ETLS_PLAINTEXT);
    CU_ASSERT(rs.r.len > 0 && (unsigned char)rs.r.buf[0] == 0x16);
    raw_server_free(&rs);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* ---- how a TLS stream ends ---- */

static void say_bye_and_close(struct end *e)
{
    NT_TEST_RC(nt_conn_send(e->c, "bye\n", 4), NT_OK);
    nt_conn_close(e->c);
}

/* A blocking TLS client on a thread: connects, sends a line, and closes
 * the socket without close_notify. */
struct cutter {
    uint16_t port;
    const char *ca;
    int rc;
};

static void cutter_main(void *arg)
{
    struct cutter *k = arg;
    nt_socket *s = NULL;
    nt_tls_config *cfg = NULL;
    nt_tls_socket *t = NULL;
    k->rc = nt_socket_create_connection("127.0.0.1", k->port, 5.0, &s);
    if (k->rc != NT_OK)
        return;
    nt_socket_settimeout(s, 5.0);
    if ((k->rc = nt_tls_config_new(NT_TLS_CLIENT, &cfg)) != NT_OK) {
        nt_socket_close(s);
        return;
    }
    k->rc = nt_tls_config_set_ca_file(cfg, k->ca);
    if (k->rc == NT_OK)
        k->rc = nt_tls_wrap(s, cfg, "localhost", &t);
    if (k->rc == NT_OK) {
        k->rc = nt_tls_sendall(t, "cut\n", 4, NULL);
        nt_tls_close(t); /* no close_notify */
    }
    nt_tls_config_unref(cfg);
}

static void test_close_semantics(void)
{
    struct fixture f;
    fixture_start(&f, NULL);
    struct end c;

    /* The server writes and closes: close_notify, the client reads all and
     * then NT_EOF. */
    f.sv.on_connect_hook = say_bye_and_close;
    client_start(f.loop, &c, &f.sv, f.ccfg, "localhost", NULL);
    CU_ASSERT(nt_test_run_until(f.loop, end_is_closed, &c, 5000));
    printf("\n    server closes: client %s, ", nt_err_name(c.reason));
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_STRING_EQUAL(c.in, "bye|");
    NT_TEST_RC(c.reason, NT_EOF);
    struct server_wait sw = {&f.sv, 1};
    CU_ASSERT(nt_test_run_until(f.loop, server_nth_closed, &sw, 5000));
    NT_TEST_RC(server_last(&f.sv)->reason, NT_ECLOSED);
    end_free(&c);
    f.sv.on_connect_hook = NULL;

    /* The client aborts: the TCP stream ends without close_notify, which
     * the server reads as NT_ECONNRESET. */
    one_connection(f.loop, &f.sv, &c, f.ccfg, "localhost");
    CU_ASSERT_EQUAL(c.connected, 1);
    nt_conn_abort(c.c);
    CU_ASSERT(nt_test_run_until(f.loop, end_is_closed, &c, 5000));
    NT_TEST_RC(c.reason, NT_ECLOSED);
    sw.n = 2;
    CU_ASSERT(nt_test_run_until(f.loop, server_nth_closed, &sw, 5000));
    printf("client aborts: server %s, ", nt_err_name(server_last(&f.sv)->reason));
    NT_TEST_RC(server_last(&f.sv)->reason, NT_ECONNRESET);
    end_free(&c);

    /* The server aborts: the same the other way. */
    one_connection(f.loop, &f.sv, &c, f.ccfg, "localhost");
    CU_ASSERT_EQUAL(c.connected, 1);
    struct end *s = server_last(&f.sv);
    CU_ASSERT_FATAL(s->c != NULL);
    nt_conn_abort(s->c);
    CU_ASSERT(nt_test_run_until(f.loop, end_is_closed, &c, 5000));
    printf("server aborts: client %s, ", nt_err_name(c.reason));
    NT_TEST_RC(c.reason, NT_ECONNRESET);
    end_free(&c);

    /* A blocking client that closes its socket without close_notify. */
    struct cutter k = {f.sv.addr.port, nt_test_cert("ca.pem"), NT_EINPROGRESS};
    nt_thread *th = NULL;
    CU_ASSERT_FATAL(nt_thread_start(cutter_main, &k, &th) == NT_OK);
    sw.n = 4;
    CU_ASSERT(nt_test_run_until(f.loop, server_nth_closed, &sw, 10000));
    CU_ASSERT_EQUAL(nt_thread_join(th), NT_OK);
    NT_TEST_RC(k.rc, NT_OK);
    s = server_last(&f.sv);
    printf("socket closed: server %s ", nt_err_name(s->reason));
    CU_ASSERT_EQUAL(s->connected, 1);
    CU_ASSERT(s->in != NULL && strcmp(s->in, "cut|") == 0);
    NT_TEST_RC(s->reason, NT_ECONNRESET);
    fixture_finish(&f, NULL, 0);
}

/* ---- session resumption ---- */

static void test_resumption(void)
{
    struct fixture f;
    fixture_start(&f, NULL);
    f.sv.echo = 1;
    struct end c;
    /* The first: a full handshake; the tickets come after it, so an echo
     * round trip makes sure they have been read. */
    one_connection(f.loop, &f.sv, &c, f.ccfg, "localhost");
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_EQUAL(c.at_connect.resumed, 0);
    CU_ASSERT_EQUAL(server_last(&f.sv)->at_connect.resumed, 0);
    round_trip_and_close(f.loop, &c);
    /* The second, with the same configuration: resumed, on both ends. */
    one_connection(f.loop, &f.sv, &c, f.ccfg, "localhost");
    struct end *s = server_last(&f.sv);
    printf("\n    second connection: resumed %d (server %d) ", c.at_connect.resumed,
           s->at_connect.resumed);
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_EQUAL(c.at_connect.resumed, 1);
    CU_ASSERT_EQUAL(s->at_connect.resumed, 1);
    CU_ASSERT_STRING_EQUAL(c.at_connect.protocol, "TLSv1.3");
    /* A resumed session still names the server's certificate. */
    char fp[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("server", fp);
    CU_ASSERT_STRING_EQUAL(c.at_connect.peer_fingerprint, fp);
    round_trip_and_close(f.loop, &c);
    /* Another client configuration has no session to resume. */
    nt_tls_config *other = nt_test_tls_client(NULL);
    one_connection(f.loop, &f.sv, &c, other, "localhost");
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_EQUAL(c.at_connect.resumed, 0);
    close_client(f.loop, &c);
    nt_tls_config_unref(other);
    fixture_finish(&f, NULL, 0);
}

/* ---- certificates of one's own, and configuration errors ---- */

/* "AB:CD:..." from "abcd...". */
static void colon_upper(const char *fp, char *out)
{
    size_t j = 0;
    for (size_t i = 0; fp[i]; i++) {
        if (i && i % 2 == 0)
            out[j++] = ':';
        out[j++] = (char)(fp[i] >= 'a' && fp[i] <= 'f' ? fp[i] - 'a' + 'A' : fp[i]);
    }
    out[j] = '\0';
}

static void test_self_made_certificate(void)
{
    nt_loop *loop = nt_test_new_loop();
    char crt[512], key[512];
    nt_test_temp_file(crt, sizeof crt, "crt", NULL);
    nt_test_temp_file(key, sizeof key, "key", NULL);
    uint64_t start = nt_clock_us();
    int rc = nt_tls_make_self_signed("localhost", 30, crt, key);
    printf("\n    made in %.1f ms ", nt_test_elapsed(start) * 1000);
    NT_TEST_RC(rc, NT_OK);
    CU_ASSERT_FATAL(rc == NT_OK);
    char fp[NT_TLS_FINGERPRINT_LEN];
    NT_TEST_RC(nt_tls_fingerprint_file(crt, fp), NT_OK);
    CU_ASSERT_EQUAL(strlen(fp), 64);
    CU_ASSERT_EQUAL(strspn(fp, "0123456789abcdef"), 64);
    nt_tls_config *scfg = NULL;
    CU_ASSERT_FATAL(nt_tls_config_new(NT_TLS_SERVER, &scfg) == NT_OK);
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, crt, key), NT_OK);
    struct server sv;
    server_start(loop, &sv, scfg, NULL);
    sv.echo = 1;
    /* Trusting the system's roots only: a self-signed certificate... */
    nt_tls_config *sys = NULL;
    CU_ASSERT_FATAL(nt_tls_config_new(NT_TLS_CLIENT, &sys) == NT_OK);
    struct end c;
    one_connection(loop, &sv, &c, sys, "localhost");
    CU_ASSERT_EQUAL(c.connected, 0);
    NT_TEST_RC(c.reason, NT_ETLS_SELFSIGNED);
    CU_ASSERT_STRING_EQUAL(c.at_close.peer_fingerprint, fp);
    end_free(&c);
    /* ...that a pin (upper case, with colons) lets in. */
    char pin[3 * NT_TLS_FINGERPRINT_LEN];
    colon_upper(fp, pin);
    NT_TEST_RC(nt_tls_config_pin(sys, pin), NT_OK);
    one_connection(loop, &sv, &c, sys, "localhost");
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_STRING_EQUAL(c.at_connect.peer_fingerprint, fp);
    NT_TEST_RC(c.at_connect.verify_result, NT_ETLS_SELFSIGNED);
    CU_ASSERT(strstr(c.at_connect.peer_subject, "localhost") != NULL);
    round_trip_and_close(loop, &c);
    finish(loop, &sv, NULL, 0);
    nt_tls_config_unref(sys);
    nt_tls_config_unref(scfg);
    remove(crt);
    remove(key);
}

/* Configuration errors are test-tls-socket.c's; here, what they leave
 * for the connections on the loop, and calls that do not fit. */
static void test_config_errors(void)
{
    nt_loop *loop = nt_test_new_loop();
    char fp[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("server", fp);
    nt_tls_config *scfg = nt_test_tls_server("server");
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, nt_test_cert("no-such.pem"),
                                             nt_test_cert("server-key.pem")),
               NT_ENOENT);
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, nt_test_cert("server.pem"),
                                             nt_test_cert("client-key.pem")),
               NT_ETLS_CONFIG);
    CU_ASSERT(nt_tls_config_error(scfg)[0] != '\0');
    /* The failures left the old certificate in use. */
    struct server sv;
    server_start(loop, &sv, scfg, NULL);
    sv.echo = 1;
    nt_tls_config *ccfg = nt_test_tls_client(NULL);
    struct end c;
    one_connection(loop, &sv, &c, ccfg, "localhost");
    CU_ASSERT_EQUAL(c.connected, 1);
    CU_ASSERT_STRING_EQUAL(c.at_connect.peer_fingerprint, fp);
    round_trip_and_close(loop, &c);
    /* A reload that works takes effect for the next connections. */
    char wrong_fp[NT_TLS_FINGERPRINT_LEN];
    nt_test_cert_fingerprint("wronghost", wrong_fp);
    NT_TEST_RC(nt_tls_config_set_certificate(scfg, nt_test_cert("wronghost.pem"),
                                             nt_test_cert("wronghost-key.pem")),
               NT_OK);
    nt_tls_config *fresh = nt_test_tls_client(NULL); /* ccfg would resume its session */
    one_connection(loop, &sv, &c, fresh, "localhost");
    NT_TEST_RC(c.reason, NT_ETLS_HOSTNAME);
    CU_ASSERT_STRING_EQUAL(c.at_close.peer_fingerprint, wrong_fp);
    end_free(&c);
    nt_tls_config_unref(fresh);

    /* Connections and configurations that do not go together. */
    struct end p;
    client_start(loop, &p, &sv, NULL, NULL, NULL); /* plain */
    NT_TEST_RC(nt_conn_start_tls(p.c, ccfg, NULL), NT_EINVAL); /* no name to check */
    nt_tls_info info;
    NT_TEST_RC(nt_conn_tls_info(p.c, &info), NT_EINVAL); /* not TLS */
    NT_TEST_RC(nt_conn_start_tls(p.c, ccfg, "localhost"), NT_OK);
    NT_TEST_RC(nt_conn_start_tls(p.c, ccfg, "localhost"), NT_EINVAL); /* already */
    NT_TEST_RC(nt_conn_tls_info(p.c, &info), NT_OK);
    nt_conn_abort(p.c);
    CU_ASSERT(nt_test_run_until(loop, end_is_closed, &p, 5000));
    end_free(&p);
    finish(loop, &sv, NULL, 0);
    nt_tls_config_unref(ccfg);
    nt_tls_config_unref(scfg);
}

static void test_tls11_client(void)
{
    /* The API has no way to make a client offer TLS 1.1 only, and a raw
     * TLS 1.1 ClientHello would test OpenSSL more than libnatter. */
    nt_test_skip("a TLS 1.1-only client cannot be made through natter/tls.h; "
                 "the default (TLSv1.3) is checked by every handshake here");
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"handshake, info on both ends, lines both ways, close_notify is NT_EOF",
         test_handshake_echo},
        {"4 MiB echoed raw, then the server's last MiB and its close", test_large_transfer},
        {"backpressure: high and low water over TLS", test_backpressure},
        {"sendq_limit over TLS: a peer that never reads (NT_ESENDQ)", test_sendq_limit},
        {"bad certificates: each its own code; pin and VERIFY_NONE get past",
         test_bad_certificates},
        {"client certificates: REQUIRED, OPTIONAL, none", test_client_certificates},
        {"hostile peers: plain text, random bytes", test_hostile_plaintext_and_garbage},
        {"hostile peers: silence times out (handshake timeout)", test_hostile_silent},
        {"hostile peers: closing in the middle of the handshake",
         test_hostile_close_mid_handshake},
        {"a TLS client to a plain-text server that talks first", test_client_to_plain_server},
        {"close semantics: close_notify, abort, a cut TCP stream", test_close_semantics},
        {"session resumption with TLS 1.3 tickets", test_resumption},
        {"nt_tls_make_self_signed and pinning its fingerprint", test_self_made_certificate},
        {"a failed reload keeps the certificate; misuse", test_config_errors},
        {"TLS 1.1 clients are refused", test_tls11_client},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("tls", tests);
}

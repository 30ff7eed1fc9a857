/* SPDX-License-Identifier: MIT */
/* A micro-benchmark of the event loop and buffered connections: messages/s
 * through a loopback line echo (N client connections and their N server
 * connections, all on one loop and one thread), bytes/s of a bulk
 * transfer between two connections, and a raw echo (50 connections x 4
 * messages of 64 bytes in flight) run both on nt_loop + nt_conn and on a
 * plain epoll loop written without any library, with the ratio of the
 * two.  Prints the machine's figures with the results so runs from
 * different changes can be compared.  Not a test: nothing here passes or
 * fails on speed.
 *
 *   loop-bench [-c CONNS] [-m MSGS] [-w WINDOW] [-b MIB] [-t SECONDS]
 *              [-e SECONDS] [-p PHASES] [-B BACKEND]
 */
#include <natter/clock.h>
#include <natter/conn.h>

#include "machine.h"
#include "raw-echo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config {
    int conns;     /* echo: client connections */
    int msgs;      /* echo: lines per connection */
    int window;    /* echo: lines in flight per connection */
    long bulk_mib; /* bulk: MiB to move */
    double cap_s;  /* each phase stops after this long, done or not */
    double raw_s;  /* raw echo: length of each run */
    const char *phases;
    const char *backend;
};

static double now_s(void)
{
    return (double)nt_clock_us() / 1e6;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "loop-bench: %s: %s\n", what, nt_strerror(rc));
    return 1;
}

/* ---- line echo ---- */

#define LINE "PRIVMSG #bench :the quick brown fox jumps over the lazy dog\n"

struct echo;

struct client {
    struct echo *e;
    nt_conn *c;
    int sent, received;
};

struct echo {
    const struct config *cfg;
    nt_loop *loop;
    struct client *clients;
    int connected, finished, failed, closed_servers, closed_clients;
    long long messages; /* echoed lines received back by clients */
};

static void server_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    (void)data;
    /* Echo the line: two small sends, coalesced by the connection. */
    nt_conn_send(c, msg, len);
    nt_conn_send(c, "\n", 1);
}

static void server_closed(nt_conn *c, int reason, void *data)
{
    struct echo *e = data;
    (void)c;
    (void)reason;
    e->closed_servers++;
}

static const nt_conn_callbacks server_cb = {
    NULL, server_message, NULL, NULL, NULL, server_closed,
};

static void on_accept(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    struct echo *e = data;
    nt_conn *c;
    (void)l;
    (void)peer;
    if (nt_conn_new(e->loop, s, NULL, &server_cb, e, &c) != NT_OK)
        e->failed++;
}

static void client_send(struct client *cl)
{
    if (nt_conn_send(cl->c, LINE, sizeof LINE - 1) != NT_OK)
        cl->e->failed++;
    cl->sent++;
}

static void client_connect(nt_conn *c, void *data)
{
    struct client *cl = data;
    (void)c;
    cl->e->connected++;
}

static void client_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    struct client *cl = data;
    struct echo *e = cl->e;
    if (len != sizeof LINE - 2 || memcmp(msg, LINE, len) != 0)
        e->failed++;
    cl->received++;
    e->messages++;
    if (cl->sent < e->cfg->msgs)
        client_send(cl);
    else if (cl->received == e->cfg->msgs) {
        e->finished++;
        nt_conn_close(c);
    }
}

static void client_closed(nt_conn *c, int reason, void *data)
{
    struct client *cl = data;
    (void)c;
    if (reason != NT_ECLOSED)
        cl->e->failed++;
    cl->c = NULL;
    cl->e->closed_clients++;
}

static const nt_conn_callbacks client_cb = {
    client_connect, client_message, NULL, NULL, NULL, client_closed,
};

static int run_echo(const struct config *cfg, nt_loop *loop, double *rate, double *secs,
                    long long *done)
{
    struct echo e;
    memset(&e, 0, sizeof e);
    e.cfg = cfg;
    e.loop = loop;
    e.clients = calloc((size_t)cfg->conns, sizeof *e.clients);
    if (!e.clients)
        return fail("echo", NT_ENOMEM);
    nt_listener *l;
    nt_addr a;
    int rc = nt_addr_loopback(NT_AF_INET, 0, &a);
    if (rc == NT_OK)
        rc = nt_listener_new(loop, &a, NT_BACKLOG_DEFAULT, on_accept, &e, &l);
    if (rc == NT_OK)
        rc = nt_listener_addr(l, &a);
    if (rc != NT_OK) {
        free(e.clients);
        return fail("listener", rc);
    }
    for (int i = 0; i < cfg->conns; i++) {
        struct client *cl = &e.clients[i];
        cl->e = &e;
        rc = nt_conn_connect(loop, "127.0.0.1", a.port, NULL, &client_cb, cl, &cl->c);
        if (rc != NT_OK) {
            fprintf(stderr, "loop-bench: connect %d: %s\n", i, nt_strerror(rc));
            e.failed++;
            break;
        }
    }
    /* Set-up is not measured: wait until every client is connected. */
    double deadline = now_s() + cfg->cap_s;
    while (e.connected + e.closed_clients < cfg->conns && !e.failed && now_s() < deadline)
        nt_loop_run_once(loop, 100);
    double start = now_s();
    for (int i = 0; i < cfg->conns; i++)
        for (int k = 0; k < cfg->window && e.clients[i].c && e.clients[i].sent < cfg->msgs; k++)
            client_send(&e.clients[i]);
    deadline = start + cfg->cap_s;
    while (e.finished < cfg->conns && !e.failed && now_s() < deadline)
        nt_loop_run_once(loop, 100);
    *secs = now_s() - start;
    *done = e.messages;
    *rate = (double)e.messages / *secs;
    /* Tidy up: drop what the cap left in flight, then let every handle
     * (the listener, the server ends) close and every on_closed run. */
    for (int i = 0; i < cfg->conns; i++)
        if (e.clients[i].c)
            nt_conn_abort(e.clients[i].c);
    nt_listener_close(l, NULL);
    nt_loop_drain(loop);
    int failed = e.failed;
    free(e.clients);
    if (failed)
        fprintf(stderr, "loop-bench: echo: %d failure(s)\n", failed);
    return failed ? 1 : 0;
}

/* ---- bulk transfer ---- */

struct bulk {
    nt_loop *loop;
    nt_conn *tx, *rx;
    nt_buf *chunk; /* one shared buffer, queued again and again */
    long long target, queued_total, received;
    int high, failed, closed;
    double start, end;
};

static void bulk_fill(struct bulk *b)
{
    /* Produce until high-water says stop (backpressure), or done. */
    b->high = 0;
    while (!b->high && b->queued_total < b->target && b->tx) {
        int rc = nt_conn_send_buf(b->tx, b->chunk);
        if (rc != NT_OK) {
            fprintf(stderr, "loop-bench: bulk send: %s\n", nt_strerror(rc));
            b->failed++;
            return;
        }
        b->queued_total += (long long)nt_buf_len(b->chunk);
    }
}

static void tx_high(nt_conn *c, void *data)
{
    struct bulk *b = data;
    (void)c;
    b->high = 1;
}

static void tx_low(nt_conn *c, void *data)
{
    (void)c;
    bulk_fill(data);
}

static void bulk_closed(nt_conn *c, int reason, void *data)
{
    struct bulk *b = data;
    if (c == b->tx)
        b->tx = NULL;
    if (c == b->rx)
        b->rx = NULL;
    if (reason != NT_ECLOSED && reason != NT_EOF) {
        fprintf(stderr, "loop-bench: bulk closed: %s\n", nt_strerror(reason));
        b->failed++;
    }
    b->closed++;
}

static void rx_bytes(nt_conn *c, const char *msg, size_t len, void *data)
{
    struct bulk *b = data;
    (void)c;
    (void)msg;
    b->received += (long long)len;
    if (b->received >= b->target && b->end == 0)
        b->end = now_s();
}

static const nt_conn_callbacks tx_cb = {
    NULL, NULL, NULL, tx_high, tx_low, bulk_closed,
};
static const nt_conn_callbacks rx_cb = {
    NULL, rx_bytes, NULL, NULL, NULL, bulk_closed,
};

static void bulk_accept(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    struct bulk *b = data;
    (void)l;
    (void)peer;
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.framing = NT_FRAME_NONE;
    o.high_water = 4u * 1024u * 1024u;
    o.low_water = 1u * 1024u * 1024u;
    o.sendq_limit = 0;
    if (nt_conn_new(b->loop, s, &o, &tx_cb, b, &b->tx) != NT_OK)
        b->failed++;
}

static int run_bulk(const struct config *cfg, nt_loop *loop, double *rate, double *secs,
                    long long *moved)
{
    struct bulk b;
    memset(&b, 0, sizeof b);
    b.loop = loop;
    b.target = cfg->bulk_mib * 1024LL * 1024LL;
    size_t chunk = 256 * 1024;
    b.chunk = nt_buf_new(chunk);
    if (!b.chunk)
        return fail("bulk", NT_ENOMEM);
    char *block = malloc(chunk);
    if (!block) {
        nt_buf_unref(b.chunk);
        return fail("bulk", NT_ENOMEM);
    }
    for (size_t i = 0; i < chunk; i++)
        block[i] = (char)('a' + i % 26);
    nt_buf_append(b.chunk, block, chunk);
    free(block);

    nt_listener *l;
    nt_addr a;
    int rc = nt_addr_loopback(NT_AF_INET, 0, &a);
    if (rc == NT_OK)
        rc = nt_listener_new(loop, &a, NT_BACKLOG_DEFAULT, bulk_accept, &b, &l);
    if (rc == NT_OK)
        rc = nt_listener_addr(l, &a);
    if (rc != NT_OK) {
        nt_buf_unref(b.chunk);
        return fail("listener", rc);
    }
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.framing = NT_FRAME_NONE;
    rc = nt_conn_connect(loop, "127.0.0.1", a.port, &o, &rx_cb, &b, &b.rx);
    if (rc != NT_OK) {
        nt_listener_close(l, NULL);
        nt_loop_drain(loop);
        nt_buf_unref(b.chunk);
        return fail("connect", rc);
    }
    double deadline = now_s() + cfg->cap_s;
    while (!b.tx && !b.failed && now_s() < deadline)
        nt_loop_run_once(loop, 100);
    b.start = now_s();
    bulk_fill(&b);
    deadline = b.start + cfg->cap_s;
    while (b.received < b.target && !b.failed && b.rx && now_s() < deadline)
        nt_loop_run_once(loop, 100);
    if (b.end == 0)
        b.end = now_s();
    *secs = b.end - b.start;
    *moved = b.received;
    *rate = (double)b.received / *secs;
    /* What the cap left queued is dropped, not flushed. */
    nt_conn_abort(b.tx);
    nt_conn_abort(b.rx);
    nt_listener_close(l, NULL);
    nt_loop_drain(loop);
    nt_buf_unref(b.chunk);
    return b.failed ? 1 : 0;
}

/* ---- raw echo: nt_loop + nt_conn against a plain loop (raw-echo.h) ---- */

#define RAW_CONNS 50
#define RAW_WINDOW 4
#define RAW_MSG 64
#define RAW_ROUNDS 3

struct raw;

struct raw_client {
    struct raw *r;
    nt_conn *c;
    long long received;
};

struct raw {
    const struct raw_echo_params *p;
    nt_loop *loop;
    struct raw_client *clients;
    char payload[RAW_WINDOW * RAW_MSG];
    int connected, failed, counting;
    long long messages;
};

/* Anything that ends while the clock runs is a failure of the run. */
static void raw_ended(struct raw *r, int reason)
{
    if (r->counting) {
        fprintf(stderr, "loop-bench: raw echo: a connection ended: %s\n", nt_strerror(reason));
        r->failed++;
    }
}

static void raw_server_bytes(nt_conn *c, const char *msg, size_t len, void *data)
{
    (void)data;
    nt_conn_send(c, msg, len);
}

static void raw_server_closed(nt_conn *c, int reason, void *data)
{
    (void)c;
    raw_ended(data, reason);
}

static const nt_conn_callbacks raw_server_cb = {
    NULL, raw_server_bytes, NULL, NULL, NULL, raw_server_closed,
};

static void raw_accept(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    struct raw *r = data;
    nt_conn_options o;
    nt_conn *c;
    (void)l;
    (void)peer;
    nt_conn_options_init(&o);
    o.framing = NT_FRAME_NONE;
    nt_socket_set_option(s, NT_OPT_NODELAY, 1); /* as the plain loop does */
    if (nt_conn_new(r->loop, s, &o, &raw_server_cb, r, &c) != NT_OK)
        r->failed++;
}

static void raw_client_connect(nt_conn *c, void *data)
{
    struct raw_client *cl = data;
    nt_socket_set_option(nt_conn_socket(c), NT_OPT_NODELAY, 1);
    cl->r->connected++;
}

/* A message is counted for every msg_size bytes back, and a new one sent
 * for each while the clock runs: the plain loop's rule exactly. */
static void raw_client_bytes(nt_conn *c, const char *msg, size_t len, void *data)
{
    struct raw_client *cl = data;
    struct raw *r = cl->r;
    long long size = (long long)r->p->msg_size;
    long long before = cl->received / size;
    (void)msg;
    cl->received += (long long)len;
    long long done = cl->received / size - before;
    if (!r->counting || done == 0)
        return;
    r->messages += done;
    if (nt_conn_send(c, r->payload, (size_t)(done * size)) != NT_OK)
        r->failed++;
}

static void raw_client_closed(nt_conn *c, int reason, void *data)
{
    struct raw_client *cl = data;
    (void)c;
    cl->c = NULL;
    raw_ended(cl->r, reason);
}

static const nt_conn_callbacks raw_client_cb = {
    raw_client_connect, raw_client_bytes, NULL, NULL, NULL, raw_client_closed,
};

static int raw_connect_all(struct raw *r, nt_listener **l)
{
    nt_addr a;
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.framing = NT_FRAME_NONE;
    int rc = nt_addr_loopback(NT_AF_INET, 0, &a);
    if (rc == NT_OK)
        rc = nt_listener_new(r->loop, &a, NT_BACKLOG_DEFAULT, raw_accept, r, l);
    if (rc == NT_OK)
        rc = nt_listener_addr(*l, &a);
    for (int i = 0; rc == NT_OK && i < r->p->conns; i++) {
        struct raw_client *cl = &r->clients[i];
        cl->r = r;
        rc = nt_conn_connect(r->loop, "127.0.0.1", a.port, &o, &raw_client_cb, cl, &cl->c);
    }
    /* Set-up is not measured: wait until every client is connected. */
    double deadline = now_s() + 5.0;
    while (rc == NT_OK && r->connected < r->p->conns && !r->failed && now_s() < deadline)
        rc = nt_loop_run_once(r->loop, 100);
    if (rc == NT_OK && r->connected < r->p->conns)
        rc = NT_ETIMEDOUT;
    return rc;
}

static int raw_echo_natter(nt_loop *loop, const struct raw_echo_params *p,
                           struct raw_echo_result *out)
{
    struct raw r;
    nt_listener *l = NULL;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.loop = loop;
    memset(r.payload, 'x', sizeof r.payload);
    r.clients = calloc((size_t)p->conns, sizeof *r.clients);
    if (!r.clients)
        return fail("raw echo", NT_ENOMEM);
    int rc = raw_connect_all(&r, &l);
    if (rc == NT_OK) {
        double start = now_s();
        double deadline = start + p->seconds;
        double now = start;
        r.counting = 1;
        for (int i = 0; i < p->conns; i++)
            nt_conn_send(r.clients[i].c, r.payload, (size_t)p->window * p->msg_size);
        while (rc == NT_OK && now < deadline && !r.failed) {
            rc = nt_loop_run_once(loop, 100);
            now = now_s();
        }
        r.counting = 0;
        out->messages = r.messages;
        out->secs = now - start;
    }
    /* Drop what is still in flight and let every handle go. */
    for (int i = 0; i < p->conns; i++)
        nt_conn_abort(r.clients[i].c);
    if (l)
        nt_listener_close(l, NULL);
    nt_loop_drain(loop);
    free(r.clients);
    if (rc != NT_OK)
        return fail("raw echo", rc);
    return r.failed ? 1 : 0;
}

/* The best rate of each side over a few alternating runs: noise only
 * ever slows a run down. */
static int run_raw(const struct config *cfg, nt_loop *loop, double *natter_rate, double *plain_rate,
                   char *plain_err, size_t errlen)
{
    struct raw_echo_params p = {RAW_CONNS, RAW_WINDOW, RAW_MSG, cfg->raw_s};
    int bad = 0;
    int plain_ok = 1;
    *natter_rate = *plain_rate = 0;
    for (int round = 0; round < RAW_ROUNDS && !bad; round++) {
        struct raw_echo_result res = {0, 0};
        if (plain_ok && raw_echo_plain(&p, &res, plain_err, errlen) == 0) {
            double rate = res.secs > 0 ? (double)res.messages / res.secs : 0;
            if (rate > *plain_rate)
                *plain_rate = rate;
        } else {
            plain_ok = 0;
        }
        res.messages = 0;
        res.secs = 0;
        bad = raw_echo_natter(loop, &p, &res);
        double rate = res.secs > 0 ? (double)res.messages / res.secs : 0;
        if (!bad && rate > *natter_rate)
            *natter_rate = rate;
    }
    return bad;
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr, "usage: loop-bench [-c CONNS] [-m MSGS] [-w WINDOW] [-b MIB] "
                    "[-t SECONDS] [-e SECONDS] [-p PHASES] [-B BACKEND]\n"
                    "  -c  echo client connections (default 200; as many server ones)\n"
                    "  -m  lines each client sends and gets back (default 2000)\n"
                    "  -w  lines in flight per client (default 8)\n"
                    "  -b  MiB for the bulk transfer (default 1024)\n"
                    "  -t  cap per phase in seconds (default 4)\n"
                    "  -e  length of each raw echo run in seconds (default 1; three\n"
                    "      runs on each loop, alternating)\n"
                    "  -p  phases to run, of echo,bulk,raw (default all three)\n"
                    "  -B  loop backend (epoll, poll, wsapoll; default: the build's,\n"
                    "      or NATTER_LOOP_BACKEND)\n");
}

/* ---- the report: one row per figure ---- */

static const char *si(double v, char *buf, size_t len)
{
    if (v >= 1e9)
        snprintf(buf, len, "%.2f G", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, len, "%.2f M", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, len, "%.2f k", v / 1e3);
    else
        snprintf(buf, len, "%.0f ", v);
    return buf;
}

static void row_rate(const char *name, const char *params, double rate, const char *unit,
                     double secs)
{
    char r[32];
    si(rate, r, sizeof r);
    /* The number and its unit right-aligned together in 18 columns. */
    printf("  %-14s %-34s %*s%s %8.2fs\n", name, params, (int)(18 - strlen(unit)), r, unit, secs);
}

static int report_echo(const struct config *cfg, nt_loop *loop)
{
    double rate = 0, secs = 0;
    long long echoed = 0;
    int bad = run_echo(cfg, loop, &rate, &secs, &echoed);
    char params[64];
    snprintf(params, sizeof params, "%d conns x %d lines, window %d", cfg->conns, cfg->msgs,
             cfg->window);
    row_rate("line echo", params, rate, "msg/s", secs);
    long long want = (long long)cfg->conns * cfg->msgs;
    if (echoed < want)
        printf("  (cap of %.1f s reached: echoed %lld of %lld lines)\n", cfg->cap_s, echoed, want);
    return bad;
}

static int report_bulk(const struct config *cfg, nt_loop *loop)
{
    double rate = 0, secs = 0;
    long long moved = 0;
    int bad = run_bulk(cfg, loop, &rate, &secs, &moved);
    char params[64];
    snprintf(params, sizeof params, "%ld MiB, 256 KiB shared buffer", cfg->bulk_mib);
    row_rate("bulk transfer", params, rate, "B/s", secs);
    long long want = cfg->bulk_mib * 1024LL * 1024LL;
    if (moved < want)
        printf("  (cap of %.1f s reached: moved %lld of %lld bytes)\n", cfg->cap_s, moved, want);
    return bad;
}

static int report_raw(const struct config *cfg, nt_loop *loop)
{
    double natter = 0, plain = 0;
    char plain_err[160] = "";
    int bad = run_raw(cfg, loop, &natter, &plain, plain_err, sizeof plain_err);
    char params[64];
    snprintf(params, sizeof params, "%d conns x %d x %d B, nt_conn", RAW_CONNS, RAW_WINDOW,
             RAW_MSG);
    row_rate("raw echo", params, natter, "msg/s", cfg->raw_s);
    if (plain_err[0] || plain <= 0) {
        printf("  (%s)\n", plain_err[0] ? plain_err : "the plain loop measured nothing");
        return bad;
    }
    snprintf(params, sizeof params, "%d conns x %d x %d B, %s", RAW_CONNS, RAW_WINDOW, RAW_MSG,
             raw_echo_plain_name());
    row_rate("raw echo", params, plain, "msg/s", cfg->raw_s);
    snprintf(params, sizeof params, "ratio nt_conn / %s", raw_echo_plain_name());
    printf("  %-14s %-34s %17.2fx\n", "raw echo", params, natter / plain);
    printf("  (raw echo: best of %d runs each, alternating; the plain loop uses no library;\n"
           "  target >= 0.9x)\n",
           RAW_ROUNDS);
    return bad;
}

int main(int argc, char **argv)
{
    struct config cfg = {200, 2000, 8, 1024, 4.0, 1.0, "echo,bulk,raw", NULL};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (arg[0] != '-' || !arg[1] || arg[2] || !val) {
            usage();
            return 2;
        }
        switch (arg[1]) {
        case 'c':
            cfg.conns = atoi(val);
            break;
        case 'm':
            cfg.msgs = atoi(val);
            break;
        case 'w':
            cfg.window = atoi(val);
            break;
        case 'b':
            cfg.bulk_mib = atol(val);
            break;
        case 't':
            cfg.cap_s = atof(val);
            break;
        case 'e':
            cfg.raw_s = atof(val);
            break;
        case 'p':
            cfg.phases = val;
            break;
        case 'B':
            cfg.backend = val;
            break;
        default:
            usage();
            return 2;
        }
        i++;
    }
    if (cfg.conns < 1 || cfg.msgs < 1 || cfg.window < 1 || cfg.bulk_mib < 1 || cfg.cap_s <= 0 ||
        cfg.raw_s <= 0) {
        usage();
        return 2;
    }

    nt_loop *loop;
    int rc = nt_loop_new_backend(cfg.backend, &loop);
    if (rc != NT_OK)
        return fail("loop", rc);
    char cpus[32], model[256];
    bench_machine(cpus, sizeof cpus, model, sizeof model);
    printf("natter loop micro-benchmark (libnatter %s)\n", NT_VERSION_STRING);
    printf("  machine : %s CPU(s), %s\n", cpus, model);
    printf("  backend : %s, one loop, one thread, loopback TCP\n\n", nt_loop_backend(loop));

    printf("  %-14s %-34s %18s %9s\n", "benchmark", "parameters", "result", "time");
    int bad = 0;
    if (strstr(cfg.phases, "echo"))
        bad |= report_echo(&cfg, loop);
    if (strstr(cfg.phases, "bulk"))
        bad |= report_bulk(&cfg, loop);
    if (strstr(cfg.phases, "raw"))
        bad |= report_raw(&cfg, loop);

    /* Every phase closed what it opened: the loop closes. */
    nt_loop_drain(loop);
    if ((rc = nt_loop_close(loop)) != NT_OK)
        bad |= fail("closing the loop", rc);
    return bad;
}

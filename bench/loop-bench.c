/* SPDX-License-Identifier: MIT */
/* A micro-benchmark of the event loop and buffered connections: messages/s
 * through a loopback line echo (N client connections and their N server
 * connections, all on one loop and one thread) and bytes/s of a bulk
 * transfer between two connections.  Prints the machine's figures with the
 * results so runs from different changes can be compared.  Not a test:
 * nothing here passes or fails on speed.
 *
 *   loop-bench [-c CONNS] [-m MSGS] [-w WINDOW] [-b MIB] [-t SECONDS]
 *              [-B BACKEND]
 */
#include <natter/clock.h>
#include <natter/conn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config {
    int conns;     /* echo: client connections */
    int msgs;      /* echo: lines per connection */
    int window;    /* echo: lines in flight per connection */
    long bulk_mib; /* bulk: MiB to move */
    double cap_s;  /* each phase stops after this long, done or not */
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

/* ---- machine figures: what each OS offers, no conditionals ---- */

static void machine(char *cpus, size_t ncpus, char *model, size_t nmodel)
{
    int count = 0;
    snprintf(cpus, ncpus, "?");
    snprintf(model, nmodel, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "processor", 9) == 0)
                count++;
            if (strncmp(line, "model name", 10) == 0 && strcmp(model, "unknown") == 0) {
                char *colon = strchr(line, ':');
                if (colon) {
                    colon++;
                    while (*colon == ' ' || *colon == '\t')
                        colon++;
                    colon[strcspn(colon, "\r\n")] = '\0';
                    snprintf(model, nmodel, "%s", colon);
                }
            }
        }
        fclose(f);
    }
    if (count > 0) {
        snprintf(cpus, ncpus, "%d", count);
    } else {
        const char *n = getenv("NUMBER_OF_PROCESSORS"); /* Windows */
        if (n && *n)
            snprintf(cpus, ncpus, "%s", n);
    }
    if (strcmp(model, "unknown") == 0) {
        const char *id = getenv("PROCESSOR_IDENTIFIER"); /* Windows */
        if (id && *id)
            snprintf(model, nmodel, "%s", id);
    }
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
    if (nt_conn_new(e->loop, &c, s, NULL, &server_cb, e) != NT_OK)
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
        rc = nt_listener_new(loop, &l, &a, NT_BACKLOG_DEFAULT, on_accept, &e);
    if (rc == NT_OK)
        rc = nt_listener_addr(l, &a);
    if (rc != NT_OK) {
        free(e.clients);
        return fail("listener", rc);
    }
    for (int i = 0; i < cfg->conns; i++) {
        struct client *cl = &e.clients[i];
        cl->e = &e;
        rc = nt_conn_connect(loop, &cl->c, "127.0.0.1", a.port, NULL, &client_cb, cl);
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
    /* Tidy up: close what is left and let every on_closed run. */
    for (int i = 0; i < cfg->conns; i++)
        if (e.clients[i].c)
            nt_conn_close(e.clients[i].c);
    deadline = now_s() + 5.0;
    while ((e.closed_clients < cfg->conns || e.closed_servers < e.connected) && now_s() < deadline)
        nt_loop_run_once(loop, 50);
    nt_listener_free(l);
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
    o.framing = NT_CONN_RAW;
    o.high_water = 4u * 1024u * 1024u;
    o.low_water = 1u * 1024u * 1024u;
    o.hard_limit = 0;
    if (nt_conn_new(b->loop, &b->tx, s, &o, &tx_cb, b) != NT_OK)
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
        rc = nt_listener_new(loop, &l, &a, NT_BACKLOG_DEFAULT, bulk_accept, &b);
    if (rc == NT_OK)
        rc = nt_listener_addr(l, &a);
    if (rc != NT_OK) {
        nt_buf_unref(b.chunk);
        return fail("listener", rc);
    }
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.framing = NT_CONN_RAW;
    rc = nt_conn_connect(loop, &b.rx, "127.0.0.1", a.port, &o, &rx_cb, &b);
    if (rc != NT_OK) {
        nt_listener_free(l);
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
    if (b.tx)
        nt_conn_close(b.tx);
    if (b.rx)
        nt_conn_close(b.rx);
    deadline = now_s() + 5.0;
    while (b.closed < 2 && now_s() < deadline)
        nt_loop_run_once(loop, 50);
    nt_listener_free(l);
    nt_buf_unref(b.chunk);
    return b.failed ? 1 : 0;
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr, "usage: loop-bench [-c CONNS] [-m MSGS] [-w WINDOW] [-b MIB] "
                    "[-t SECONDS] [-B BACKEND]\n"
                    "  -c  echo client connections (default 200; as many server ones)\n"
                    "  -m  lines each client sends and gets back (default 2000)\n"
                    "  -w  lines in flight per client (default 8)\n"
                    "  -b  MiB for the bulk transfer (default 1024)\n"
                    "  -t  cap per phase in seconds (default 4)\n"
                    "  -B  loop backend (epoll, poll, wsapoll; default: the build's,\n"
                    "      or NATTER_LOOP_BACKEND)\n");
}

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

int main(int argc, char **argv)
{
    struct config cfg = {200, 2000, 8, 1024, 4.0, NULL};
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
        case 'B':
            cfg.backend = val;
            break;
        default:
            usage();
            return 2;
        }
        i++;
    }
    if (cfg.conns < 1 || cfg.msgs < 1 || cfg.window < 1 || cfg.bulk_mib < 1 || cfg.cap_s <= 0) {
        usage();
        return 2;
    }

    nt_loop *loop;
    int rc = nt_loop_new_backend(&loop, cfg.backend);
    if (rc != NT_OK)
        return fail("loop", rc);
    char cpus[32], model[256];
    machine(cpus, sizeof cpus, model, sizeof model);
    printf("natter loop micro-benchmark (libnatter %s)\n", NT_VERSION_STRING);
    printf("  machine : %s CPU(s), %s\n", cpus, model);
    printf("  backend : %s, one loop, one thread, loopback TCP\n\n", nt_loop_backend(loop));

    double echo_rate = 0, echo_s = 0, bulk_rate = 0, bulk_s = 0;
    long long echoed = 0, moved = 0;
    int bad = run_echo(&cfg, loop, &echo_rate, &echo_s, &echoed);
    bad |= run_bulk(&cfg, loop, &bulk_rate, &bulk_s, &moved);

    char r1[32], r2[32], p1[64], p2[64];
    snprintf(p1, sizeof p1, "%d conns x %d lines, window %d", cfg.conns, cfg.msgs, cfg.window);
    snprintf(p2, sizeof p2, "%ld MiB, 256 KiB shared buffer", cfg.bulk_mib);
    printf("  %-14s %-34s %16s %9s\n", "benchmark", "parameters", "result", "time");
    printf("  %-14s %-34s %13smsg/s %8.2fs\n", "line echo", p1, si(echo_rate, r1, sizeof r1),
           echo_s);
    printf("  %-14s %-34s %15sB/s %8.2fs\n", "bulk transfer", p2, si(bulk_rate, r2, sizeof r2),
           bulk_s);
    long long want_msgs = (long long)cfg.conns * cfg.msgs;
    long long want_bytes = cfg.bulk_mib * 1024LL * 1024LL;
    if (echoed < want_msgs || moved < want_bytes)
        printf("\n  (cap of %.1f s reached: echoed %lld of %lld lines, moved "
               "%lld of %lld bytes)\n",
               cfg.cap_s, echoed, want_msgs, moved, want_bytes);
    nt_loop_free(loop);
    return bad;
}

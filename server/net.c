/* SPDX-License-Identifier: MIT */
/* natterd's network layer.  Each accepted socket becomes an nt_conn framing
 * lines for the core; the core's replies are shared buffers queued on the
 * connection without copying.  A connection whose queue is still over the
 * core's SendQ after the loop has written what the socket takes is
 * dropped (check_sendq). */
#include "net.h"

#include "client.h"
#include "log.h"

#include <natter/clock.h>
#include <natter/conn.h>
#include <stdlib.h>
#include <string.h>

/* Flood pauses and the core's timeouts are checked at least this often. */
#define TICK_MAX_MS 1000

/* Output to a client that was written to less than this long ago waits
 * for the rest of the window (nt_conn_options.coalesce_ms); a line after
 * a quiet spell leaves at once.  Chat does not notice 40 ms; a 1,000-user
 * channel's fan-out costs about half as much CPU (docs/performance.md). */
#define OUTPUT_COALESCE_MS 40

/* A connection's queue is held to the SendQ after each loop iteration has
 * written what the socket takes (see check_sendq); within one iteration
 * it may pass it by this much before nt_conn drops it outright. */
#define SENDQ_BURST_MAX (4u * 1024u * 1024u)

typedef struct net_client net_client;

struct srv_net {
    nt_loop *loop;
    srv_server *server;
    nt_listener **listeners;
    size_t nlisteners;
    nt_timer *tick;
    net_client *clients; /* every open connection, for shutdown */
    int shutting_down;
};

struct net_client {
    srv_net *net;
    nt_conn *conn;
    srv_client *client; /* NULL once the core has closed it */
    nt_timer *resume;   /* end of a flood pause */
    net_client *prev, *next;
    int sendq_check; /* check_sendq() is deferred: nc must outlive it */
    int freed;       /* on_closed() ran while it was */
};

static void unlink_client(net_client *nc)
{
    if (nc->prev)
        nc->prev->next = nc->next;
    else
        nc->net->clients = nc->next;
    if (nc->next)
        nc->next->prev = nc->prev;
    nc->prev = nc->next = NULL;
}

/* ---- the transport the core calls ---- */

static void t_send(void *ctx, nt_buf *line)
{
    net_client *nc = ctx;
    if (nc->conn)
        nt_conn_send_buf(nc->conn, line); /* takes its own reference */
}

static void t_close(void *ctx, const char *reason)
{
    net_client *nc = ctx;
    nc->client = NULL;
    srv_logf(SRV_LOG_DEBUG, "closing connection: %s", reason ? reason : "");
    if (nc->conn)
        nt_conn_close_after_flush(nc->conn);
}

static void t_pause(void *ctx, uint64_t until_ms)
{
    net_client *nc = ctx;
    if (!nc->conn)
        return;
    uint64_t now = nt_clock_ms();
    nt_conn_pause_reading(nc->conn);
    nt_timer_start(nc->resume, until_ms > now ? until_ms - now : 0, 0);
}

static const srv_transport transport = {t_send, t_close, t_pause};

/* ---- connection events ---- */

static void on_resume(nt_timer *t, void *data)
{
    net_client *nc = data;
    (void)t;
    if (nc->conn)
        nt_conn_resume_reading(nc->conn);
}

static void on_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    net_client *nc = data;
    (void)c;
    if (nc->client)
        srv_client_line(nc->client, msg, len);
}

static void on_frame_error(nt_conn *c, size_t len, void *data)
{
    net_client *nc = data;
    (void)c;
    (void)len;
    if (nc->client)
        srv_client_line_too_long(nc->client);
}

/* The SendQ is judged once the loop has written what the socket takes.
 * Everything sent in one iteration is queued before it is written, so a
 * burst (one read's worth of lines fanned out to a channel) may pass the
 * SendQ for a client that reads perfectly well; only what is still
 * queued after the write (the kernel's buffers are full) counts.  The
 * write is a task nt_conn deferred when the burst began, so this task,
 * deferred later, runs after it. */
static void check_sendq(void *data)
{
    net_client *nc = data;
    nc->sendq_check = 0;
    if (nc->freed) {
        free(nc);
        return;
    }
    if (!nc->conn || nt_conn_queued(nc->conn) <= srv_server_config(nc->net->server)->sendq)
        return;
    /* Drop the queue (the peer is not reading it), then tell the core:
     * its ERROR line can no longer be written, the QUIT to peers is. */
    nt_conn_close(nc->conn);
    if (nc->client)
        srv_client_error(nc->client, "SendQ exceeded");
}

static void on_high_water(nt_conn *c, void *data)
{
    net_client *nc = data;
    if (!nc->sendq_check && nt_loop_defer(nt_conn_loop(c), check_sendq, nc) == NT_OK)
        nc->sendq_check = 1;
}

static void on_closed(nt_conn *c, int reason, void *data)
{
    net_client *nc = data;
    (void)c;
    nc->conn = NULL; /* freed when this returns: the core must not send */
    if (nc->client) {
        srv_client *client = nc->client;
        if (reason == NT_ESENDQ)
            srv_client_error(client, "SendQ exceeded");
        else
            srv_client_gone(client, reason);
        nc->client = NULL;
    }
    nt_timer_free(nc->resume);
    unlink_client(nc);
    if (nc->sendq_check)
        nc->freed = 1; /* check_sendq() frees it */
    else
        free(nc);
}

static const nt_conn_callbacks conn_callbacks = {
    NULL, on_message, on_frame_error, on_high_water, NULL, on_closed,
};

static void on_accept(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    srv_net *net = data;
    (void)l;
    if (net->shutting_down) {
        nt_socket_close(s);
        return;
    }
    const srv_config *cfg = srv_server_config(net->server);
    nt_socket_set_option(s, NT_OPT_NODELAY, 1);

    char host[NT_ADDRSTRLEN];
    nt_addr ip = *peer;
    ip.port = 0;
    if (nt_addr_format(&ip, host, sizeof host) < 0)
        strcpy(host, "unknown");
    else if (ip.family == NT_AF_INET || ip.family == NT_AF_INET6) {
        /* The core wants the bare address: drop ":0" and v6 brackets. */
        char *colon = strrchr(host, ':');
        if (colon)
            *colon = '\0';
        if (host[0] == '[') {
            size_t n = strlen(host);
            memmove(host, host + 1, n);
            host[n - 2] = '\0';
        }
    }

    net_client *nc = calloc(1, sizeof *nc);
    if (!nc) {
        nt_socket_close(s);
        return;
    }
    nc->net = net;
    nt_conn_options opt;
    nt_conn_options_init(&opt);
    opt.framing = NT_FRAME_LINE;
    opt.max_message = srv_server_max_line(net->server);
    /* Every time the queue passes the SendQ, check_sendq() looks again
     * after the write; the hard limit only bounds one iteration's burst. */
    opt.hard_limit = cfg->sendq + SENDQ_BURST_MAX;
    opt.high_water = cfg->sendq;
    opt.low_water = cfg->sendq;
    opt.linger_ms = 2000;
    /* A member of a busy channel gets its lines in one write per
     * OUTPUT_COALESCE_MS instead of one per loop iteration: most of the
     * cost of a fan-out is the write calls, not the bytes. */
    opt.coalesce_ms = OUTPUT_COALESCE_MS;
    if (nt_timer_new(net->loop, &nc->resume, on_resume, nc) != NT_OK ||
        nt_conn_new(net->loop, &nc->conn, s, &opt, &conn_callbacks, nc) != NT_OK) {
        nt_timer_free(nc->resume);
        free(nc);
        return; /* nt_conn_new closed the socket */
    }
    nc->next = net->clients;
    if (net->clients)
        net->clients->prev = nc;
    net->clients = nc;
    /* NULL: refused (limits) and already closed through t_close. */
    nc->client = srv_client_new(net->server, &transport, nc, host);
}

/* ---- the core's clock ---- */

static void schedule_tick(srv_net *net)
{
    uint64_t now = nt_clock_ms();
    uint64_t next = srv_server_next_tick(net->server);
    uint64_t wait = next > now ? next - now : 0;
    if (wait > TICK_MAX_MS)
        wait = TICK_MAX_MS;
    nt_timer_start(net->tick, wait, 0);
}

static void on_tick(nt_timer *t, void *data)
{
    srv_net *net = data;
    (void)t;
    srv_server_tick(net->server, nt_clock_ms());
    schedule_tick(net);
}

srv_net *srv_net_new(nt_loop *loop, srv_server *server)
{
    srv_net *net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    net->loop = loop;
    net->server = server;
    if (nt_timer_new(loop, &net->tick, on_tick, net) != NT_OK) {
        free(net);
        return NULL;
    }
    schedule_tick(net);
    return net;
}

int srv_net_listen(srv_net *net, const char *address)
{
    nt_addr addr;
    int rc = nt_addr_parse(address, &addr);
    if (rc != NT_OK) {
        srv_logf(SRV_LOG_ERROR, "listen %s: not an address (want HOST:PORT or [V6]:PORT)", address);
        return rc;
    }
    nt_listener **grown = realloc(net->listeners, (net->nlisteners + 1) * sizeof *grown);
    if (!grown)
        return NT_ENOMEM;
    net->listeners = grown;
    nt_listener *l;
    rc = nt_listener_new(net->loop, &l, &addr, NT_BACKLOG_DEFAULT, on_accept, net);
    if (rc != NT_OK) {
        srv_logf(SRV_LOG_ERROR, "listen %s: %s", address, nt_strerror(rc));
        return rc;
    }
    net->listeners[net->nlisteners++] = l;
    nt_addr bound;
    char text[NT_ADDRSTRLEN];
    if (nt_listener_addr(l, &bound) == NT_OK && nt_addr_format(&bound, text, sizeof text) > 0)
        srv_logf(SRV_LOG_INFO, "listening on %s", text);
    return NT_OK;
}

size_t srv_net_listener_count(const srv_net *net)
{
    return net->nlisteners;
}

int srv_net_listener_addr(const srv_net *net, size_t i, nt_addr *out)
{
    if (i >= net->nlisteners)
        return NT_EINVAL;
    return nt_listener_addr(net->listeners[i], out);
}

size_t srv_net_queued_bytes(const srv_net *net, size_t *largest)
{
    size_t total = 0, most = 0;
    for (const net_client *nc = net->clients; nc; nc = nc->next) {
        size_t q = nc->conn ? nt_conn_queued(nc->conn) : 0;
        total += q;
        if (q > most)
            most = q;
    }
    if (largest)
        *largest = most;
    return total;
}

static void stop_when_drained(nt_timer *t, void *data)
{
    srv_net *net = data;
    if (!net->clients) {
        nt_loop_stop(net->loop);
        return;
    }
    nt_timer_start(t, 10, 0);
}

void srv_net_shutdown(srv_net *net, const char *reason)
{
    if (net->shutting_down)
        return;
    net->shutting_down = 1;
    for (size_t i = 0; i < net->nlisteners; i++)
        nt_listener_free(net->listeners[i]);
    net->nlisteners = 0;
    srv_server_shutdown(net->server, reason);
    /* Each connection closes once its ERROR line is written (or after its
     * linger); the loop stops when the last one has gone. */
    nt_timer_stop(net->tick);
    nt_timer_free(net->tick);
    nt_timer_new(net->loop, &net->tick, stop_when_drained, net);
    nt_timer_start(net->tick, 0, 0);
}

void srv_net_free(srv_net *net)
{
    if (!net)
        return;
    for (size_t i = 0; i < net->nlisteners; i++)
        nt_listener_free(net->listeners[i]);
    free(net->listeners);
    nt_timer_free(net->tick);
    free(net);
}

/* SPDX-License-Identifier: MIT */
/* natterd's network layer.  Each accepted socket becomes an nt_conn framing
 * lines for the core; the core's replies are shared buffers queued on the
 * connection without copying.  The SendQ is the connection's sendq_limit:
 * libnatter closes a connection with NT_ESENDQ when more than that is still
 * queued after a write the socket cut short, and on_closed tells the core.
 *
 * Every handle here (listeners, the tick timer, each connection and its
 * flood-pause timer) ends through its close call; nothing of ours is
 * referenced by a callback that may still run, so the process ends with
 * srv_net_free(), nt_loop_drain() and an nt_loop_close() that succeeds.
 *
 * TLS listeners start a handshake on every accepted connection; the core
 * hears its first line only after it (and learns the client certificate's
 * fingerprint then).  The certificate is one nt_tls_config, replaced
 * whole on a reload: connections keep the one they started with.
 *
 * Proxy listeners ([listen] proxy_address) sit behind a load balancer that
 * starts each connection with a PROXY header naming the real client.  A
 * source outside proxy_trusted is closed at once.  Until the header is
 * whole the accepted socket is watched directly, without an nt_conn: the
 * header is peeked and only its own bytes are taken out of the socket, so
 * the client's first lines, often in the same packet, are still there for
 * the nt_conn made afterwards to frame.  A header that is wrong, or not
 * there within the deadline, closes the connection. */
#include "net.h"

#include "log.h"
#include "natterd-core.h"
#include "proxy.h"

#include <natter/clock.h>
#include <natter/conn.h>
#include <natter/net.h>
#include <natter/tls.h>
#include <stdio.h>
#include <stdlib.h>

/* Flood pauses and the core's timeouts are checked at least this often. */
#define TICK_MAX_MS 1000

/* The longest a client's output may wait after a write while the loop is
 * saturated (nt_conn_options.coalesce_ms): libnatter holds output only
 * then, for as long as the load needs, and not at all while the loop keeps
 * up, so a lightly loaded server answers at once.  A 1,000-user channel's
 * fan-out costs about half as much CPU with it (docs/performance.md). */
#define OUTPUT_HOLD_MAX_MS 40

/* How long a closing connection may take to write its last lines (the
 * ERROR line, the shutdown's goodbye) before it is cut off. */
#define CLOSE_LINGER_MS 2000

/* How long a proxy listener's connection may take to send its header when
 * the configuration gives no TLS handshake timeout to reuse. */
#define PROXY_HEADER_TIMEOUT_MS 5000

/* Sources refused on a proxy listener are logged at most this often (the
 * lines in between are counted), so a scan of the port cannot flood the
 * log. */
#define PROXY_REFUSAL_LOG_MS 1000

typedef struct net_client net_client;
typedef struct proxy_wait proxy_wait;

/* What a listener's connections start with. */
typedef enum listener_kind { LISTEN_PLAIN, LISTEN_TLS, LISTEN_PROXY } listener_kind;

struct srv_net {
    nt_loop *loop;
    srv_server *server;
    nt_listener **listeners;
    size_t nlisteners;
    nt_tls_config *tls; /* NULL until a certificate is loaded */
    int tls_port_set;   /* the core knows the first TLS listener's port */
    nt_timer *tick;      /* NULL once closed */
    net_client *clients; /* every open connection */
    int shutting_down;   /* the loop stops when the last client has gone */
    srv_proxy_trusted *proxy_trusted; /* who may send a PROXY header */
    proxy_wait *proxy_waits;          /* proxied connections before their header */
    uint64_t proxy_refusal_logged_ms; /* the last untrusted source logged */
    unsigned long proxy_refusals_quiet; /* refused since then, not logged */
};

struct net_client {
    srv_net *net;       /* NULL once srv_net_free() let go of it */
    nt_conn *conn;      /* NULL once on_closed() ran */
    srv_client *client; /* NULL once the core has closed it */
    nt_timer *resume;   /* end of a flood pause */
    net_client *prev, *next;
};

/* A connection on a proxy listener until its PROXY header is whole. */
struct proxy_wait {
    srv_net *net;
    nt_socket *sock; /* NULL once handed on */
    nt_watch *watch;
    nt_timer *deadline;
    nt_addr peer;    /* the balancer's address */
    size_t have;     /* header bytes taken from the socket so far */
    proxy_wait *prev, *next;
    unsigned char header[SRV_PROXY_MAX_HEADER];
};

static void link_client(net_client *nc)
{
    srv_net *net = nc->net;
    nc->next = net->clients;
    if (net->clients)
        net->clients->prev = nc;
    net->clients = nc;
}

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
    /* The core has queued its ERROR line: write it, then close. */
    if (nc->conn)
        nt_conn_close(nc->conn);
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
    if (nc->conn && nc->client)
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

/* Tell the core how its client's connection ended.  A SendQ close dropped
 * the queue the peer was not reading: the core's ERROR line cannot reach
 * it any more, but the QUIT to its peers says "SendQ exceeded". */
static void tell_core(net_client *nc, int reason)
{
    srv_client *client = nc->client;
    nc->client = NULL;
    if (reason == NT_ESENDQ)
        srv_client_error(client, "SendQ exceeded");
    else
        srv_client_gone(client, reason);
}

static void log_unsent(nt_conn *c, int reason)
{
    nt_conn_stats st;
    if (reason == NT_EUNSENT && nt_conn_get_stats(c, &st) == NT_OK)
        srv_logf(SRV_LOG_DEBUG, "connection closed with %llu bytes unsent",
                 (unsigned long long)st.bytes_unsent);
}

/* The connection's last callback: it and everything of nc go now.  The
 * flood-pause timer closes without a close callback, so nothing refers
 * to nc once this returns. */
static void on_closed(nt_conn *c, int reason, void *data)
{
    net_client *nc = data;
    log_unsent(c, reason);
    nt_tls_info info;
    if (nt_conn_tls_info(c, &info) == NT_OK && !info.handshake_done)
        srv_logf(SRV_LOG_DEBUG, "TLS handshake failed: %s%s%s", nt_strerror(reason),
                 info.verify_detail[0] ? ": " : "", info.verify_detail);
    nc->conn = NULL; /* freed when this returns: the core must not send */
    if (nc->client)
        tell_core(nc, reason);
    nt_timer_close(nc->resume, NULL);
    srv_net *net = nc->net;
    if (net) {
        unlink_client(nc);
        if (net->shutting_down && !net->clients)
            nt_loop_stop(net->loop);
    }
    free(nc);
}

/* A TLS client's handshake is through: the core may hear it now. */
static void on_tls_ready(nt_conn *c, void *data)
{
    net_client *nc = data;
    nt_tls_info info;
    if (!nc->client || nt_conn_tls_info(c, &info) != NT_OK)
        return;
    srv_client_set_secure(nc->client, info.peer_fingerprint[0] ? info.peer_fingerprint : NULL);
}

static const nt_conn_callbacks conn_callbacks = {
    .on_connect = on_tls_ready,
    .on_message = on_message,
    .on_frame_error = on_frame_error,
    .on_closed = on_closed,
};

static void conn_options(const srv_net *net, nt_conn_options *opt)
{
    size_t sendq = srv_server_config(net->server)->sendq;
    nt_conn_options_init(opt);
    opt->framing = NT_FRAME_LINE;
    opt->max_message = srv_server_max_line(net->server);
    /* The SendQ is judged by libnatter after each write the socket cut
     * short, so a burst that one loop iteration queues (one read's worth
     * of lines fanned out to a channel) does not count against a client
     * that reads perfectly well; only what the kernel would not take. */
    opt->sendq_limit = sendq;
    opt->linger_ms = CLOSE_LINGER_MS;
    /* On a saturated server a member of a busy channel gets its lines in
     * one write per hold (at most OUTPUT_HOLD_MAX_MS) instead of one per
     * loop iteration: most of the cost of a fan-out is the write calls,
     * not the bytes.  A held burst stays below half the SendQ, so that
     * holding it does not by itself bring a slow but reading client near
     * the limit. */
    opt->coalesce_ms = OUTPUT_HOLD_MAX_MS;
    if (opt->coalesce_bytes > sendq / 2)
        opt->coalesce_bytes = sendq / 2;
}

/* The core wants the bare host: "192.0.2.1", "2001:db8::1", "fe80::1%2"
 * (an unnamed UNIX peer has none: it is "unknown"). */
static void peer_host(const nt_addr *peer, char *host, size_t size)
{
    if (nt_addr_format_host(peer, host, size) <= 0)
        snprintf(host, size, "unknown");
}

static void accept_client(srv_net *net, nt_socket *s, const nt_addr *peer, int tls)
{
    nt_socket_set_option(s, NT_OPT_NODELAY, 1);
    char host[NT_ADDRSTRLEN];
    peer_host(peer, host, sizeof host);

    net_client *nc = calloc(1, sizeof *nc);
    if (!nc || nt_timer_new(net->loop, on_resume, nc, &nc->resume) != NT_OK) {
        free(nc);
        nt_socket_close(s);
        return;
    }
    nc->net = net;
    nt_conn_options opt;
    conn_options(net, &opt);
    if (nt_conn_new(net->loop, s, &opt, &conn_callbacks, nc, &nc->conn) != NT_OK) {
        nt_timer_close(nc->resume, NULL);
        free(nc);
        return; /* nt_conn_new closed the socket */
    }
    link_client(nc);
    /* Before the core sees it: a refusal's ERROR line then waits for the
     * handshake.  The handshake starts from the loop, so on_tls_ready()
     * always finds the core's client (or none: refused). */
    if (tls && nt_conn_start_tls(nc->conn, net->tls, NULL) != NT_OK) {
        nt_conn_abort(nc->conn);
        return;
    }
    /* NULL: refused (limits) and already closed through t_close. */
    nc->client = srv_client_new(net->server, &transport, nc, host);
}

static void on_accept(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    (void)l;
    accept_client(data, s, peer, 0);
}

static void on_accept_tls(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    (void)l;
    accept_client(data, s, peer, 1);
}

/* ---- proxy listeners: the PROXY header before the client ---- */

static void proxy_link(proxy_wait *pw)
{
    srv_net *net = pw->net;
    pw->next = net->proxy_waits;
    if (net->proxy_waits)
        net->proxy_waits->prev = pw;
    net->proxy_waits = pw;
}

/* Forget pw; its socket is closed unless it was handed on.  The watcher
 * leaves the loop here, before a connection may watch the same socket. */
static void proxy_wait_end(proxy_wait *pw)
{
    if (pw->prev)
        pw->prev->next = pw->next;
    else if (pw->net->proxy_waits == pw)
        pw->net->proxy_waits = pw->next;
    if (pw->next)
        pw->next->prev = pw->prev;
    nt_watch_close(pw->watch, NULL);
    nt_timer_close(pw->deadline, NULL);
    if (pw->sock)
        nt_socket_close(pw->sock);
    free(pw);
}

static void proxy_refuse(proxy_wait *pw, int level, const char *why)
{
    char host[NT_ADDRSTRLEN];
    peer_host(&pw->peer, host, sizeof host);
    srv_logf(level, "proxy listener: connection from %s closed: %s", host, why);
    proxy_wait_end(pw);
}

/* The header is whole: the client is the address it names (the
 * connection's own for LOCAL and UNKNOWN), and the connection goes on as
 * a plain listener's does. */
static void proxy_done(proxy_wait *pw, const srv_proxy_result *r)
{
    srv_net *net = pw->net;
    nt_socket *s = pw->sock;
    nt_addr client = r->has_source ? r->source : pw->peer;
    char via[NT_ADDRSTRLEN], host[NT_ADDRSTRLEN];
    peer_host(&pw->peer, via, sizeof via);
    peer_host(&client, host, sizeof host);
    srv_logf(SRV_LOG_DEBUG, "proxy listener: %s sent a v%d header: client %s%s", via, r->version,
             host, r->has_source ? "" : " (no address given: the connection's own)");
    pw->sock = NULL;
    proxy_wait_end(pw);
    accept_client(net, s, &client, 0);
}

static void on_proxy_readable(nt_watch *w, int events, void *data)
{
    proxy_wait *pw = data;
    (void)w;
    (void)events;
    unsigned char *room = pw->header + pw->have;
    size_t space = sizeof pw->header - pw->have;
    ptrdiff_t n = nt_socket_recv(pw->sock, room, space, NT_MSG_PEEK);
    if (n == NT_EAGAIN)
        return;
    if (n <= 0) {
        proxy_refuse(pw, SRV_LOG_DEBUG, n < 0 ? nt_strerror((int)n) : "no room for more");
        return;
    }
    srv_proxy_result r;
    srv_proxy_status st = srv_proxy_parse(pw->header, pw->have + (size_t)n, &r);
    if (st == SRV_PROXY_INVALID) {
        proxy_refuse(pw, SRV_LOG_INFO, r.error);
        return;
    }
    /* Take out the header's bytes only.  An incomplete header's are all
     * header (it would be whole otherwise), so taking them all lets the
     * next readiness mean new bytes and the loop never spins on them. */
    size_t take = st == SRV_PROXY_DONE ? r.length - pw->have : (size_t)n;
    ptrdiff_t got = nt_socket_recv(pw->sock, room, take, 0);
    if (got < 0) {
        proxy_refuse(pw, SRV_LOG_DEBUG, nt_strerror((int)got));
        return;
    }
    pw->have += (size_t)got;
    if (st == SRV_PROXY_DONE && (size_t)got == take)
        proxy_done(pw, &r);
}

static void on_proxy_deadline(nt_timer *t, void *data)
{
    (void)t;
    proxy_refuse(data, SRV_LOG_INFO, "no whole header in time");
}

static uint64_t proxy_header_timeout_ms(const srv_net *net)
{
    unsigned ms = srv_server_config(net->server)->tls_handshake_timeout_ms;
    return ms ? ms : PROXY_HEADER_TIMEOUT_MS;
}

/* One line a second at most; the sources refused in between are counted
 * in the next. */
static void log_untrusted(srv_net *net, const nt_addr *peer)
{
    uint64_t now = nt_clock_ms();
    if (net->proxy_refusal_logged_ms && now - net->proxy_refusal_logged_ms < PROXY_REFUSAL_LOG_MS) {
        net->proxy_refusals_quiet++;
        return;
    }
    char host[NT_ADDRSTRLEN];
    peer_host(peer, host, sizeof host);
    if (net->proxy_refusals_quiet)
        srv_logf(SRV_LOG_WARNING,
                 "proxy listener: %s is not in proxy_trusted; connection closed "
                 "(and %lu other such connections since the last of these lines)",
                 host, net->proxy_refusals_quiet);
    else
        srv_logf(SRV_LOG_WARNING, "proxy listener: %s is not in proxy_trusted; connection closed",
                 host);
    net->proxy_refusal_logged_ms = now;
    net->proxy_refusals_quiet = 0;
}

/* A UNIX socket's peers are whoever its file's permissions let in: they
 * are local, as the default trusted sources are. */
static int proxy_source_trusted(const srv_net *net, const nt_listener *l, const nt_addr *peer)
{
    nt_addr bound;
    if (nt_listener_addr(l, &bound) == NT_OK && bound.family == NT_AF_UNIX)
        return 1;
    return srv_proxy_trusted_match(net->proxy_trusted, peer);
}

static void on_accept_proxy(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data)
{
    srv_net *net = data;
    if (!proxy_source_trusted(net, l, peer)) {
        log_untrusted(net, peer);
        nt_socket_close(s);
        return;
    }
    proxy_wait *pw = calloc(1, sizeof *pw);
    if (!pw) {
        nt_socket_close(s);
        return;
    }
    pw->net = net;
    pw->sock = s;
    pw->peer = *peer;
    proxy_link(pw);
    nt_socket_settimeout(s, 0); /* reads answer at once: the loop never blocks */
    if (nt_watch_new(net->loop, nt_socket_fileno(s), on_proxy_readable, pw, &pw->watch) != NT_OK ||
        nt_watch_set(pw->watch, NT_EV_READ) != NT_OK ||
        nt_timer_new(net->loop, on_proxy_deadline, pw, &pw->deadline) != NT_OK ||
        nt_timer_start(pw->deadline, proxy_header_timeout_ms(net), 0) != NT_OK)
        proxy_refuse(pw, SRV_LOG_WARNING, "out of memory");
}

static void end_proxy_waits(srv_net *net)
{
    while (net->proxy_waits)
        proxy_wait_end(net->proxy_waits);
}

/* proxy_trusted, at start (a bad list: natterd does not start) and on a
 * reload (a bad list: the one in use stays). */
static int load_proxy_trusted(srv_net *net)
{
    const char *text = srv_server_config(net->server)->proxy_trusted;
    srv_proxy_trusted *list;
    char err[160];
    int rc = srv_proxy_trusted_parse(text, &list, err, sizeof err);
    if (rc != NT_OK) {
        srv_logf(SRV_LOG_ERROR, "proxy_trusted = %s: %s%s", text ? text : "(default)",
                 rc == NT_EINVAL ? err : nt_strerror(rc),
                 net->proxy_trusted ? "; the list loaded before stays in use" : "");
        return rc;
    }
    srv_proxy_trusted_free(net->proxy_trusted);
    net->proxy_trusted = list;
    return NT_OK;
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

/* A core timer moved earlier (a history commit): restart ours. */
static void on_wake(void *ctx, uint64_t when_ms)
{
    srv_net *net = ctx;
    (void)when_ms;
    if (net->tick)
        schedule_tick(net);
}

static void on_config(void *ctx, srv_server *s);
static int listen_on(srv_net *net, const char *address, listener_kind kind);

srv_net *srv_net_new(nt_loop *loop, srv_server *server)
{
    srv_net *net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    net->loop = loop;
    net->server = server;
    if (nt_timer_new(loop, on_tick, net, &net->tick) != NT_OK) {
        free(net);
        return NULL;
    }
    srv_server_on_config(server, on_config, net);
    srv_server_on_wake(server, on_wake, net);
    schedule_tick(net);
    /* The configuration's proxy listeners open with the layer: the
     * command line's --listen replaces plain listeners only. */
    const srv_config *cfg = srv_server_config(server);
    int rc = load_proxy_trusted(net);
    for (size_t i = 0; rc == NT_OK && i < cfg->nlisten_proxy; i++)
        rc = listen_on(net, cfg->listen_proxy[i], LISTEN_PROXY);
    if (rc != NT_OK) {
        srv_net_free(net);
        return NULL;
    }
    return net;
}

int srv_net_tls_load(srv_net *net)
{
    const srv_config *cfg = srv_server_config(net->server);
    if (!cfg->tls_certificate)
        return NT_OK; /* no TLS configured (a reload cannot take it away) */
    nt_tls_config *tls;
    int rc = nt_tls_config_new(NT_TLS_SERVER, &tls);
    if (rc == NT_OK)
        rc = nt_tls_config_set_certificate(tls, cfg->tls_certificate, cfg->tls_key);
    if (rc == NT_OK && cfg->tls_client_certificates)
        rc = nt_tls_config_set_verify(tls, NT_TLS_VERIFY_OPTIONAL);
    if (rc == NT_OK)
        rc = nt_tls_config_set_handshake_timeout(tls, cfg->tls_handshake_timeout_ms);
    if (rc != NT_OK) {
        srv_logf(SRV_LOG_ERROR, "TLS certificate %s / key %s not loaded: %s%s%s",
                 cfg->tls_certificate, cfg->tls_key, nt_strerror(rc), tls ? ": " : "",
                 tls ? nt_tls_config_error(tls) : "");
        if (net->tls)
            srv_logf(SRV_LOG_ERROR, "TLS: still using the certificate loaded before");
        nt_tls_config_unref(tls);
        return rc;
    }
    char fp[NT_TLS_FINGERPRINT_LEN];
    if (nt_tls_fingerprint_file(cfg->tls_certificate, fp) == NT_OK)
        srv_logf(SRV_LOG_INFO, "TLS certificate %s (SHA-256 %s)", cfg->tls_certificate, fp);
    nt_tls_config_unref(net->tls);
    net->tls = tls;
    return NT_OK;
}

static int listen_on(srv_net *net, const char *address, listener_kind kind)
{
    static const nt_accept_cb accept_cbs[] = {on_accept, on_accept_tls, on_accept_proxy};
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
    rc = nt_listener_new(net->loop, &addr, NT_BACKLOG_DEFAULT, accept_cbs[kind], net, &l);
    if (rc != NT_OK) {
        srv_logf(SRV_LOG_ERROR, "listen %s: %s", address, nt_strerror(rc));
        return rc;
    }
    net->listeners[net->nlisteners++] = l;
    nt_addr bound;
    char text[NT_ADDRSTRLEN];
    if (nt_listener_addr(l, &bound) == NT_OK && nt_addr_format(&bound, text, sizeof text) > 0)
        srv_logf(SRV_LOG_INFO, "listening on %s%s", text,
                 kind == LISTEN_TLS     ? " (TLS)"
                 : kind == LISTEN_PROXY ? " (PROXY protocol)"
                                        : "");
    /* sts sends plaintext clients to the port really bound (":0", or a
     * --listen-tls that replaced the configuration's). */
    if (kind == LISTEN_TLS && !net->tls_port_set && nt_listener_addr(l, &bound) == NT_OK) {
        net->tls_port_set = 1;
        srv_server_set_tls_port(net->server, bound.port);
    }
    return NT_OK;
}

int srv_net_listen(srv_net *net, const char *address)
{
    return listen_on(net, address, LISTEN_PLAIN);
}

int srv_net_listen_tls(srv_net *net, const char *address)
{
    if (!net->tls) {
        srv_logf(SRV_LOG_ERROR, "listen %s (TLS): no certificate loaded", address);
        return NT_ETLS_CONFIG;
    }
    return listen_on(net, address, LISTEN_TLS);
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
        nt_conn_stats st;
        size_t q =
            nc->conn && nt_conn_get_stats(nc->conn, &st) == NT_OK ? (size_t)st.bytes_queued : 0;
        total += q;
        if (q > most)
            most = q;
    }
    if (largest)
        *largest = most;
    return total;
}

/* A reloaded configuration (REHASH, SIGHUP): the SendQ lives in each open
 * connection, so it is applied there; new connections read it anyway.
 * The TLS certificate is read again (a renewed one takes effect for new
 * connections; a bad one is refused and the old one kept), and so is
 * proxy_trusted (for connections accepted from then on). */
static void on_config(void *ctx, srv_server *s)
{
    srv_net *net = ctx;
    srv_net_tls_load(net);
    load_proxy_trusted(net);
    size_t sendq = srv_server_config(s)->sendq;
    for (net_client *nc = net->clients; nc; nc = nc->next)
        nt_conn_set_sendq_limit(nc->conn, sendq);
}

/* The port is free when nt_listener_close() returns, and no accept
 * callback runs after it. */
static void close_listeners(srv_net *net)
{
    for (size_t i = 0; i < net->nlisteners; i++)
        nt_listener_close(net->listeners[i], NULL);
    net->nlisteners = 0;
}

static void close_tick(srv_net *net)
{
    nt_timer_close(net->tick, NULL);
    net->tick = NULL;
}

void srv_net_shutdown(srv_net *net, const char *reason)
{
    if (net->shutting_down)
        return;
    net->shutting_down = 1;
    close_listeners(net);
    end_proxy_waits(net); /* not clients yet: nobody to say goodbye to */
    close_tick(net);
    /* The core sends each client its ERROR line and closes it (t_close):
     * each connection writes what it has queued, within its linger, and
     * the last one's on_closed() stops the loop. */
    srv_server_shutdown(net->server, reason);
    if (!net->clients)
        nt_loop_stop(net->loop);
}

void srv_net_free(srv_net *net)
{
    if (!net)
        return;
    close_listeners(net);
    end_proxy_waits(net);
    if (net->tick)
        close_tick(net);
    srv_server_on_config(net->server, NULL, NULL);
    srv_server_on_wake(net->server, NULL, NULL);
    /* A connection still open here (the loop failed, or was never run to
     * the end of a shutdown) is cut off: its on_closed() comes when the
     * loop is drained, and by then it refers neither to net nor to the
     * core, which is freed with its clients after this. */
    while (net->clients) {
        net_client *nc = net->clients;
        unlink_client(nc);
        nc->net = NULL;
        nc->client = NULL;
        nt_conn_abort(nc->conn);
    }
    free(net->listeners);
    nt_tls_config_unref(net->tls);
    srv_proxy_trusted_free(net->proxy_trusted);
    free(net);
}

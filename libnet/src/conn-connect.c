/* SPDX-License-Identifier: MIT */
/* nt_conn_connect(): resolve on the resolver's threads, then race the
 * addresses as Happy Eyeballs (RFC 8305) does.  Each attempt has its own
 * socket, watcher and deadline; a new one starts every attempt_delay_ms
 * while the earlier ones are pending, or at once when one fails.  The
 * first to connect becomes the connection's socket; the others close. */
#include <stdlib.h>
#include <string.h>

#include <natter/resolve.h>

#include "conn-internal.h"
#include "resolve-internal.h"

typedef struct attempt {
    nt_conn *conn;
    nt_socket *sock; /* NULL when this slot is not trying */
    nt_watch *watch;
    nt_timer *deadline;
} attempt;

struct nt__connect {
    nt_resolve *resolve; /* while the name is being looked up */
    nt_addr addrs[NT_RESOLVE_MAX];
    size_t naddrs, next;
    attempt attempts[NT_RESOLVE_MAX]; /* one slot per address */
    size_t running;
    nt_timer *delay; /* the next attempt's start */
    nt_timer *total; /* the whole connect's deadline */
    uint64_t attempt_timeout_ms, attempt_delay_ms;
    int last_error;
};

static void attempt_stop(attempt *a)
{
    if (!a->sock)
        return;
    nt_watch_close(a->watch, NULL);
    nt_timer_close(a->deadline, NULL);
    nt_socket_close(a->sock);
    a->sock = NULL;
    a->watch = NULL;
    a->deadline = NULL;
    a->conn->connect->running--;
}

void nt__conn_connect_stop(nt_conn *c)
{
    nt__connect *cs = c->connect;
    if (!cs)
        return;
    c->connect = NULL;
    nt__resolve_cancel_silently(cs->resolve);
    for (size_t i = 0; i < NT_RESOLVE_MAX; i++)
        if (cs->attempts[i].sock) {
            /* attempt_stop() counts through c->connect: do it here. */
            attempt *a = &cs->attempts[i];
            nt_watch_close(a->watch, NULL);
            nt_timer_close(a->deadline, NULL);
            nt_socket_close(a->sock);
            a->sock = NULL;
        }
    nt_timer_close(cs->delay, NULL);
    nt_timer_close(cs->total, NULL);
    free(cs);
}

static void start_next(nt_conn *c);

/* Nothing is trying and nothing is left to try: the last error decides. */
static void maybe_give_up(nt_conn *c)
{
    nt__connect *cs = c->connect;
    if (cs->running == 0 && cs->next >= cs->naddrs)
        nt__conn_finish(c, cs->last_error ? cs->last_error : NT_ECONNREFUSED);
}

static void attempt_failed(attempt *a, int err)
{
    nt_conn *c = a->conn;
    c->connect->last_error = err;
    attempt_stop(a);
    /* RFC 8305 5: a failure starts the next attempt without waiting. */
    if (c->connect->next < c->connect->naddrs)
        start_next(c);
    else
        maybe_give_up(c);
}

static void attempt_won(attempt *a)
{
    nt_conn *c = a->conn;
    nt_socket *s = a->sock;
    a->sock = NULL; /* keep the socket through the cleanup */
    nt_watch_close(a->watch, NULL);
    nt_timer_close(a->deadline, NULL);
    c->connect->running--;
    nt__conn_connect_stop(c);
    nt__conn_opened(c, s);
}

static void on_attempt_io(nt_watch *w, int events, void *data)
{
    attempt *a = data;
    (void)w;
    (void)events;
    int err = NT_OK;
    int rc = nt_socket_get_option(a->sock, NT_OPT_ERROR, &err);
    if (rc != NT_OK)
        err = rc;
    if (err == NT_OK) {
        /* Some systems report writable before the handshake is settled;
         * the peer name exists only once it is. */
        nt_addr peer;
        err = nt_socket_getpeername(a->sock, &peer);
        if (err == NT_ENOTCONN)
            err = NT_ECONNREFUSED;
    }
    if (err == NT_OK)
        attempt_won(a);
    else
        attempt_failed(a, err);
}

static void on_attempt_deadline(nt_timer *t, void *data)
{
    (void)t;
    attempt_failed(data, NT_ETIMEDOUT);
}

/* Start the attempt for addrs[next]; returns 1 when it is pending, 0 when
 * it failed at once (last_error says why) or connected at once (the
 * connection is then open). */
static int start_attempt(nt_conn *c)
{
    nt__connect *cs = c->connect;
    size_t i = cs->next++;
    attempt *a = &cs->attempts[i];
    const nt_addr *addr = &cs->addrs[i];
    a->conn = c;
    int rc = nt_socket_new(addr->family, NT_SOCK_STREAM, 0, &a->sock);
    if (rc != NT_OK) {
        a->sock = NULL;
        cs->last_error = rc;
        return 0;
    }
    cs->running++;
    nt_socket_settimeout(a->sock, 0);
    rc = nt_socket_connect(a->sock, addr);
    if (rc == NT_OK || rc == NT_EINPROGRESS)
        rc = nt_watch_new(c->base.loop, nt_socket_fileno(a->sock), on_attempt_io, a, &a->watch);
    if (rc == NT_OK) {
        nt__handle_set_flags(&a->watch->base, NT__H_INTERNAL);
        rc = nt_timer_new(c->base.loop, on_attempt_deadline, a, &a->deadline);
    }
    if (rc == NT_OK) {
        nt__handle_set_flags(&a->deadline->base, NT__H_INTERNAL);
        rc = nt_watch_set(a->watch, NT_EV_WRITE);
    }
    if (rc == NT_OK && cs->attempt_timeout_ms)
        rc = nt_timer_start(a->deadline, cs->attempt_timeout_ms, 0);
    if (rc != NT_OK) {
        cs->last_error = rc;
        attempt_stop(a);
        return 0;
    }
    return 1;
}

/* Start attempts until one is pending (or none is left), then arm the
 * delay before the one after. */
static void start_next(nt_conn *c)
{
    nt__connect *cs = c->connect;
    while (cs->next < cs->naddrs) {
        if (start_attempt(c)) {
            if (cs->next < cs->naddrs)
                nt_timer_start(cs->delay, cs->attempt_delay_ms, 0);
            else
                nt_timer_stop(cs->delay);
            return;
        }
    }
    maybe_give_up(c);
}

static void on_delay(nt_timer *t, void *data)
{
    (void)t;
    start_next(data);
}

static void on_total(nt_timer *t, void *data)
{
    nt_conn *c = data;
    (void)t;
    nt__conn_finish(c, NT_ETIMEDOUT);
}

/* RFC 8305 4: alternate the families, starting with IPv6 when there is
 * any (First Address Family Count of 1); each family keeps its order. */
static size_t interleave(const nt_addr *in, size_t n, nt_addr *out)
{
    size_t i6 = 0, i4 = 0, k = 0;
    int want6 = 1;
    while (k < n) {
        while (i6 < n && in[i6].family != NT_AF_INET6)
            i6++;
        while (i4 < n && in[i4].family == NT_AF_INET6)
            i4++;
        if (i6 >= n && i4 >= n)
            break;
        if ((want6 && i6 < n) || i4 >= n)
            out[k++] = in[i6++];
        else
            out[k++] = in[i4++];
        want6 = !want6;
    }
    return k;
}

static void on_resolved(nt_resolve *r, int status, const nt_addr *addrs, size_t count, void *data)
{
    nt_conn *c = data;
    (void)r;
    nt__connect *cs = c->connect;
    cs->resolve = NULL;
    if (status != NT_OK) {
        nt__conn_finish(c, status);
        return;
    }
    cs->naddrs = interleave(addrs, count, cs->addrs);
    start_next(c);
}

/* A connection that failed before it was handed out: freed at once,
 * without callbacks. */
static void connect_discard(nt_conn *c)
{
    nt__connect *cs = c->connect;
    if (cs) {
        nt__handle_discard(nt_timer_handle(cs->delay));
        nt__handle_discard(nt_timer_handle(cs->total));
        free(cs);
    }
    nt_framer_free(c->framer);
    nt__handle_discard(&c->base);
}

static int connect_begin(nt_loop *loop, const nt_conn_options *opts, const nt_conn_callbacks *cb,
                         void *data, nt_conn **out)
{
    nt_conn_options defaults;
    if (!opts) {
        nt_conn_options_init(&defaults);
        opts = &defaults;
    }
    nt_conn *c;
    int rc = nt__conn_alloc(loop, opts, cb, data, &c);
    if (rc != NT_OK)
        return rc;
    nt__connect *cs = calloc(1, sizeof *cs);
    c->connect = cs;
    if (!cs) {
        connect_discard(c);
        return NT_ENOMEM;
    }
    cs->attempt_timeout_ms = opts->connect_timeout_ms;
    cs->attempt_delay_ms = opts->attempt_delay_ms;
    if (rc == NT_OK && (rc = nt_timer_new(loop, on_delay, c, &cs->delay)) == NT_OK)
        nt__handle_set_flags(&cs->delay->base, NT__H_INTERNAL);
    if (rc == NT_OK && (rc = nt_timer_new(loop, on_total, c, &cs->total)) == NT_OK)
        nt__handle_set_flags(&cs->total->base, NT__H_INTERNAL);
    if (rc == NT_OK && opts->connect_total_ms)
        rc = nt_timer_start(cs->total, opts->connect_total_ms, 0);
    if (rc != NT_OK) {
        connect_discard(c);
        return rc;
    }
    *out = c;
    return NT_OK;
}

int nt_conn_connect(nt_loop *loop, const char *host, uint16_t port, const nt_conn_options *opts,
                    const nt_conn_callbacks *cb, void *data, nt_conn **out)
{
    if (!loop || !host || !*host || !out)
        return NT_EINVAL;
    nt_conn *c;
    int rc = connect_begin(loop, opts, cb, data, &c);
    if (rc != NT_OK)
        return rc;
    rc = nt_resolve_start(loop, host, port, NT_AF_UNSPEC, NT_SOCK_STREAM, on_resolved, c,
                          &c->connect->resolve);
    if (rc != NT_OK) {
        connect_discard(c);
        return rc;
    }
    nt__handle_set_flags(nt_resolve_handle(c->connect->resolve), NT__H_INTERNAL);
    *out = c;
    return NT_OK;
}

int nt_conn_connect_addrs(nt_loop *loop, const nt_addr *addrs, size_t count,
                          const nt_conn_options *opts, const nt_conn_callbacks *cb, void *data,
                          nt_conn **out)
{
    if (!loop || !addrs || count == 0 || count > NT_RESOLVE_MAX || !out)
        return NT_EINVAL;
    for (size_t i = 0; i < count; i++)
        if (addrs[i].family != NT_AF_INET && addrs[i].family != NT_AF_INET6 &&
            addrs[i].family != NT_AF_UNIX)
            return NT_EINVAL;
    nt_conn *c;
    int rc = connect_begin(loop, opts, cb, data, &c);
    if (rc != NT_OK)
        return rc;
    memcpy(c->connect->addrs, addrs, count * sizeof *addrs);
    c->connect->naddrs = count;
    *out = c;
    /* The first attempt starts now; its outcome, even an immediate
     * failure, reaches the owner from the loop (on_closed runs in the
     * close phase). */
    start_next(c);
    return NT_OK;
}

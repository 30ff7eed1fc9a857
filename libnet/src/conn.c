/* SPDX-License-Identifier: MIT */
/* Buffered connections and listeners on the loop.  Output is flushed once
 * per loop iteration (a deferred task), which is what coalesces the many
 * small sends one iteration makes into one gather write. */
#include <stdlib.h>
#include <string.h>

#include <natter/conn.h>

#include "socket-internal.h"

/* Small copied sends are appended to the last queued buffer up to this
 * size; larger ones get a buffer of their own. */
#define COALESCE_MAX (16u * 1024u)
/* Read at most this much per wakeup, so one busy peer cannot starve the
 * others on the same loop. */
#define READ_BUDGET (256u * 1024u)
#define MAX_ADDRS 16

enum conn_state { CONNECTING, OPEN, CLOSING, CLOSED };

typedef struct chunk {
    nt_buf *buf;
    size_t off; /* bytes of buf already written */
    int owned;  /* our private copy: small sends may be appended */
} chunk;

struct nt_conn {
    nt_loop *loop;
    nt_socket *sock;
    nt_watch *watch;
    nt_conn_callbacks cb;
    void *data;
    nt_conn_options opt;
    nt_framer *framer; /* NULL for NT_CONN_RAW */

    enum conn_state state;
    int reason;
    int read_paused;
    int write_blocked;   /* waiting for NT_EV_WRITE */
    int flush_scheduled; /* a deferred flush is queued */
    int shut_pending;    /* shut down writing once drained */
    int shut_done;
    int above_high;
    int flush_held; /* the flush waits for flush_timer (coalescing) */

    chunk *q;
    size_t qhead, qlen, qcap; /* chunks q[qhead .. qhead+qlen) */
    size_t queued;            /* bytes */

    nt_timer *timer;        /* connect, idle or linger deadline */
    nt_timer *flush_timer;  /* end of a coalescing hold; made on first need */
    uint64_t last_write_ms; /* loop time of the last write */
    nt_addr *addrs;         /* only while an nt_conn_connect() is trying them */
    int naddrs, next_addr;
    int last_error;
};

void nt_conn_options_init(nt_conn_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->framing = NT_FRAME_LINE;
    o->max_message = 8192;
    o->high_water = 256u * 1024u;
    o->low_water = 64u * 1024u;
    o->hard_limit = 4u * 1024u * 1024u;
    o->connect_timeout_ms = 10000;
    o->linger_ms = 5000;
    o->coalesce_bytes = 16u * 1024u;
}

static void finish(nt_conn *c, int reason);
static void on_io(nt_watch *w, int events, void *data);

static void update_watch(nt_conn *c)
{
    if (!c->watch)
        return;
    int ev = 0;
    if (c->state == CONNECTING || c->write_blocked)
        ev |= NT_EV_WRITE;
    if ((c->state == OPEN || c->state == CLOSING) && !c->read_paused)
        ev |= NT_EV_READ;
    if (c->state == CLOSING)
        ev &= ~NT_EV_READ;
    int rc = nt_watch_set(c->watch, ev);
    if (rc != NT_OK)
        finish(c, rc);
}

static void release_queue(nt_conn *c)
{
    for (size_t i = 0; i < c->qlen; i++)
        nt_buf_unref(c->q[c->qhead + i].buf);
    free(c->q);
    c->q = NULL;
    c->qhead = c->qlen = c->qcap = 0;
    c->queued = 0;
}

static void final_task(void *p)
{
    nt_conn *c = p;
    if (c->cb.on_closed)
        c->cb.on_closed(c, c->reason, c->data);
    free(c->addrs);
    free(c);
}

/* The one way out: release everything now, tell the owner from the loop. */
static void finish(nt_conn *c, int reason)
{
    if (c->state == CLOSED)
        return;
    c->state = CLOSED;
    c->reason = reason;
    nt_watch_free(c->watch);
    c->watch = NULL;
    nt_timer_free(c->timer);
    c->timer = NULL;
    nt_timer_free(c->flush_timer);
    c->flush_timer = NULL;
    nt_socket_close(c->sock);
    c->sock = NULL;
    release_queue(c);
    nt_framer_free(c->framer);
    c->framer = NULL;
    if (nt_loop_defer(c->loop, final_task, c) != NT_OK)
        final_task(c); /* out of memory: tell now rather than never */
}

/* ---- output ---- */

static int queue_push(nt_conn *c, nt_buf *b, int owned)
{
    if (c->qhead + c->qlen == c->qcap) {
        if (c->qhead > 0) {
            memmove(c->q, c->q + c->qhead, c->qlen * sizeof *c->q);
            c->qhead = 0;
        } else {
            size_t cap = c->qcap ? c->qcap * 2 : 8;
            chunk *q = realloc(c->q, cap * sizeof *q);
            if (!q)
                return NT_ENOMEM;
            c->q = q;
            c->qcap = cap;
        }
    }
    chunk *ch = &c->q[c->qhead + c->qlen++];
    ch->buf = b;
    ch->off = 0;
    ch->owned = owned;
    return NT_OK;
}

static void check_low_water(nt_conn *c)
{
    if (c->above_high && c->queued <= c->opt.low_water) {
        c->above_high = 0;
        if (c->cb.on_low_water)
            c->cb.on_low_water(c, c->data);
    }
}

/* Write as much as the socket takes.  Returns 0, or the error that ended
 * the connection. */
static void flush_now(nt_conn *c)
{
    while (c->qlen > 0 && c->state != CLOSED) {
        nt__iov iov[NT__IOV_MAX];
        int n = 0;
        for (size_t i = 0; i < c->qlen && n < NT__IOV_MAX; i++) {
            chunk *ch = &c->q[c->qhead + i];
            iov[n].base = nt_buf_data(ch->buf) + ch->off;
            iov[n].len = nt_buf_len(ch->buf) - ch->off;
            n++;
        }
        ptrdiff_t w = nt__sys_writev(nt_socket_fileno(c->sock), iov, n);
        if (w == NT_EAGAIN) {
            if (!c->write_blocked) {
                c->write_blocked = 1;
                update_watch(c);
            }
            return;
        }
        if (w < 0) {
            finish(c, (int)w);
            return;
        }
        size_t left = (size_t)w;
        c->queued -= left;
        c->last_write_ms = nt_loop_now(c->loop);
        while (left > 0 && c->qlen > 0) {
            chunk *ch = &c->q[c->qhead];
            size_t avail = nt_buf_len(ch->buf) - ch->off;
            if (left < avail) {
                ch->off += left;
                left = 0;
            } else {
                left -= avail;
                nt_buf_unref(ch->buf);
                c->qhead++;
                c->qlen--;
            }
        }
        if (c->qlen == 0)
            c->qhead = 0;
        check_low_water(c);
    }
    if (c->state == CLOSED)
        return;
    if (c->write_blocked) {
        c->write_blocked = 0;
        update_watch(c);
    }
    if (c->qlen == 0) {
        if (c->state == CLOSING) {
            finish(c, NT_ECLOSED);
        } else if (c->shut_pending && !c->shut_done) {
            c->shut_done = 1;
            nt_socket_shutdown(c->sock, NT_SHUT_WR);
        }
    }
}

static void flush_task(void *p)
{
    nt_conn *c = p;
    c->flush_scheduled = 0;
    if (c->state == OPEN || c->state == CLOSING)
        flush_now(c);
}

static void on_flush_timer(nt_timer *t, void *data)
{
    nt_conn *c = data;
    (void)t;
    c->flush_held = 0;
    flush_task(c);
}

/* Coalescing: within coalesce_ms of the last write the flush waits for the
 * end of that window instead of the end of this iteration, while less
 * than hold_limit() is queued.  The limit stays below half the high-water
 * mark, so the flush is queued before anything an on_high_water callback
 * defers (natterd judges its SendQ there, after the write). */
static size_t hold_limit(const nt_conn *c)
{
    size_t limit = c->opt.coalesce_bytes;
    if (c->opt.high_water / 2 < limit)
        limit = c->opt.high_water / 2;
    return limit;
}

static int hold_flush(nt_conn *c)
{
    if (!c->opt.coalesce_ms || c->state != OPEN || c->queued >= hold_limit(c))
        return 0;
    uint64_t now = nt_loop_now(c->loop);
    uint64_t end = c->last_write_ms + c->opt.coalesce_ms;
    if (now >= end)
        return 0; /* quiet for a while: write at once */
    if (!c->flush_timer && nt_timer_new(c->loop, &c->flush_timer, on_flush_timer, c) != NT_OK)
        return 0;
    if (nt_timer_start(c->flush_timer, end - now, 0) != NT_OK)
        return 0;
    c->flush_held = 1;
    return 1;
}

static int schedule_flush(nt_conn *c)
{
    /* Never for a CLOSED connection: final_task, already queued, frees it
     * before a flush queued now would run. */
    if (c->state == CLOSED)
        return NT_OK;
    if (c->flush_held && (c->state != OPEN || c->queued >= hold_limit(c))) {
        /* Enough to be worth a write now, or closing: stop waiting. */
        nt_timer_stop(c->flush_timer);
        c->flush_held = 0;
        c->flush_scheduled = 0;
    }
    if (c->flush_scheduled || c->write_blocked || c->state == CONNECTING)
        return NT_OK;
    if (hold_flush(c)) {
        c->flush_scheduled = 1;
        return NT_OK;
    }
    int rc = nt_loop_defer(c->loop, flush_task, c);
    if (rc == NT_OK)
        c->flush_scheduled = 1;
    return rc;
}

static int after_enqueue(nt_conn *c, size_t len)
{
    c->queued += len;
    if (c->opt.hard_limit && c->queued > c->opt.hard_limit) {
        finish(c, NT_ESENDQ);
        return NT_ESENDQ;
    }
    if (!c->above_high && c->queued > c->opt.high_water) {
        c->above_high = 1;
        if (c->cb.on_high_water)
            c->cb.on_high_water(c, c->data);
        if (c->state == CLOSED)
            return NT_ECLOSED; /* the owner closed it from the callback */
    }
    return schedule_flush(c);
}

static int can_send(const nt_conn *c)
{
    if (!c)
        return NT_EINVAL;
    if (c->state == CLOSED || c->state == CLOSING)
        return NT_ECLOSED;
    if (c->shut_pending)
        return NT_ESHUTDOWN;
    return NT_OK;
}

int nt_conn_send(nt_conn *c, const void *data, size_t len)
{
    int rc = can_send(c);
    if (rc != NT_OK)
        return rc;
    if (!data && len)
        return NT_EINVAL;
    if (len == 0)
        return NT_OK;
    if (c->qlen > 0) {
        chunk *tail = &c->q[c->qhead + c->qlen - 1];
        if (tail->owned && nt_buf_len(tail->buf) + len <= COALESCE_MAX) {
            rc = nt_buf_append(tail->buf, data, len);
            if (rc != NT_OK)
                return rc;
            return after_enqueue(c, len);
        }
    }
    nt_buf *b = nt_buf_new(len < COALESCE_MAX ? COALESCE_MAX / 4 : len);
    if (!b)
        return NT_ENOMEM;
    if ((rc = nt_buf_append(b, data, len)) != NT_OK || (rc = queue_push(c, b, 1)) != NT_OK) {
        nt_buf_unref(b);
        return rc;
    }
    return after_enqueue(c, len);
}

int nt_conn_send_buf(nt_conn *c, nt_buf *b)
{
    int rc = can_send(c);
    if (rc != NT_OK)
        return rc;
    if (!b)
        return NT_EINVAL;
    size_t len = nt_buf_len(b);
    if (len == 0)
        return NT_OK;
    rc = queue_push(c, nt_buf_ref(b), 0);
    if (rc != NT_OK) {
        nt_buf_unref(b);
        return rc;
    }
    return after_enqueue(c, len);
}

int nt_conn_send_frame(nt_conn *c, const void *data, size_t len)
{
    unsigned char hdr[4];
    int rc = can_send(c);
    if (rc != NT_OK)
        return rc;
    if ((rc = nt_frame_u32_header(len, hdr)) != NT_OK)
        return rc;
    if ((rc = nt_conn_send(c, hdr, 4)) != NT_OK)
        return rc;
    return nt_conn_send(c, data, len);
}

size_t nt_conn_queued(const nt_conn *c)
{
    return c ? c->queued : 0;
}

/* ---- input ---- */

static void idle_restart(nt_conn *c)
{
    if (c->opt.idle_timeout_ms && c->timer)
        nt_timer_start(c->timer, c->opt.idle_timeout_ms, 0);
}

static void deliver(nt_conn *c)
{
    const char *msg;
    size_t len;
    while (c->state == OPEN && !c->read_paused) {
        int rc = nt_framer_next(c->framer, &msg, &len);
        if (rc == 0)
            return;
        if (rc == NT_EFRAME) {
            if (c->cb.on_frame_error)
                c->cb.on_frame_error(c, len, c->data);
        } else if (rc == 1) {
            if (c->cb.on_message)
                c->cb.on_message(c, msg, len, c->data);
        } else {
            finish(c, rc);
        }
    }
}

static void do_read(nt_conn *c)
{
    size_t budget = READ_BUDGET;
    char raw[16384];
    while (c->state == OPEN && !c->read_paused && budget > 0) {
        char *space = raw;
        ptrdiff_t room = (ptrdiff_t)sizeof raw;
        /* Only a message already begun is read straight into the framer;
         * otherwise the bytes land here and are fed to it, so that an idle
         * connection holds no input block (the framer lets go of it once
         * drained, see nt_framer_next()). */
        int direct = c->framer && nt_framer_pending(c->framer) > 0;
        if (direct) {
            room = nt_framer_space(c->framer, &space);
            if (room < 0) {
                finish(c, (int)room);
                return;
            }
        }
        ptrdiff_t n = nt__sys_recv(nt_socket_fileno(c->sock), space, (size_t)room, 0);
        if (n == NT_EAGAIN)
            return;
        if (n == 0 && c->qlen > 0)
            flush_now(c); /* a half-closed peer still reads: give it the
                             replies queued so far (one try, no waiting) */
        if (n <= 0) {
            finish(c, n == 0 ? NT_EOF : (int)n);
            return;
        }
        budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
        idle_restart(c);
        if (c->framer) {
            int rc = direct ? nt_framer_commit(c->framer, (size_t)n)
                            : nt_framer_feed(c->framer, raw, (size_t)n);
            if (rc != NT_OK) {
                finish(c, rc);
                return;
            }
            deliver(c);
        } else if (c->cb.on_message) {
            c->cb.on_message(c, space, (size_t)n, c->data);
        }
        /* A short read emptied the socket; the backend (level-triggered)
         * reports it again when more arrives, so the recv() that would
         * only say EAGAIN is skipped. */
        if (n < room)
            return;
    }
}

void nt_conn_pause_reading(nt_conn *c)
{
    if (!c || c->read_paused || c->state == CLOSED)
        return;
    c->read_paused = 1;
    update_watch(c);
}

static void resume_task(void *p)
{
    nt_conn *c = p;
    /* Messages already framed were held while paused: hand them over. */
    if (c->state == OPEN && !c->read_paused && c->framer)
        deliver(c);
}

void nt_conn_resume_reading(nt_conn *c)
{
    if (!c || !c->read_paused || c->state == CLOSED)
        return;
    c->read_paused = 0;
    update_watch(c);
    /* Whole messages framed while paused may be waiting: nt_framer_pending()
     * counts only a partial one, so always look (deliver() is cheap when
     * there is nothing). */
    if (c->framer)
        nt_loop_defer(c->loop, resume_task, c);
}

/* ---- connecting ---- */

static int try_next_address(nt_conn *c);

static void became_open(nt_conn *c)
{
    c->state = OPEN;
    free(c->addrs); /* the other addresses are no longer needed */
    c->addrs = NULL;
    c->naddrs = c->next_addr = 0;
    nt_timer_stop(c->timer);
    idle_restart(c);
    update_watch(c);
    if (c->cb.on_connect)
        c->cb.on_connect(c, c->data);
    /* A shutdown asked for while connecting happens in the flush too. */
    if (c->state == OPEN && (c->qlen > 0 || c->shut_pending))
        schedule_flush(c);
}

static void connect_failed(nt_conn *c, int err)
{
    c->last_error = err;
    nt_watch_free(c->watch);
    c->watch = NULL;
    nt_socket_close(c->sock);
    c->sock = NULL;
    int rc = try_next_address(c);
    if (rc != NT_OK)
        finish(c, rc);
}

static int try_next_address(nt_conn *c)
{
    while (c->next_addr < c->naddrs) {
        const nt_addr *a = &c->addrs[c->next_addr++];
        int rc = nt_socket_new(&c->sock, a->family, NT_SOCK_STREAM, 0);
        if (rc != NT_OK) {
            c->last_error = rc;
            continue;
        }
        nt_socket_settimeout(c->sock, 0);
        rc = nt_socket_connect(c->sock, a);
        if (rc == NT_OK || rc == NT_EINPROGRESS) {
            rc = nt_watch_new(c->loop, &c->watch, nt_socket_fileno(c->sock), on_io, c);
            if (rc != NT_OK)
                return rc;
            nt_timer_start(c->timer, c->opt.connect_timeout_ms, 0);
            update_watch(c); /* CONNECTING: wait for writable */
            return NT_OK;
        }
        c->last_error = rc;
        nt_socket_close(c->sock);
        c->sock = NULL;
    }
    return c->last_error ? c->last_error : NT_ECONNREFUSED;
}

static void connect_check(nt_conn *c)
{
    int err = NT_OK;
    int rc = nt_socket_get_option(c->sock, NT_OPT_ERROR, &err);
    if (rc != NT_OK)
        err = rc;
    if (err == NT_OK) {
        /* Some systems report writable before the handshake is settled;
         * the peer name exists only once it is. */
        nt_addr peer;
        err = nt_socket_getpeername(c->sock, &peer);
    }
    if (err == NT_OK)
        became_open(c);
    else
        connect_failed(c, err);
}

static void on_timer(nt_timer *t, void *data)
{
    nt_conn *c = data;
    (void)t;
    if (c->state == CONNECTING)
        connect_failed(c, NT_ETIMEDOUT);
    else if (c->state == CLOSING)
        finish(c, NT_ECLOSED); /* the peer would not read: give up */
    else if (c->state == OPEN)
        finish(c, NT_ETIMEDOUT);
}

static void on_io(nt_watch *w, int events, void *data)
{
    nt_conn *c = data;
    (void)w;
    if (c->state == CONNECTING) {
        if (events & (NT_EV_WRITE | NT_EV_READ))
            connect_check(c);
        return;
    }
    if ((events & NT_EV_WRITE) && c->state != CLOSED)
        flush_now(c);
    if ((events & NT_EV_READ) && c->state == OPEN)
        do_read(c);
}

static int conn_alloc(nt_loop *loop, nt_conn **out, const nt_conn_options *opts,
                      const nt_conn_callbacks *cb, void *data)
{
    if (!loop || !out)
        return NT_EINVAL;
    nt_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NT_ENOMEM;
    c->loop = loop;
    c->data = data;
    if (cb)
        c->cb = *cb;
    if (opts)
        c->opt = *opts;
    else
        nt_conn_options_init(&c->opt);
    int rc = NT_OK;
    if (c->opt.framing != NT_CONN_RAW)
        rc = nt_framer_new(&c->framer, c->opt.framing, c->opt.max_message);
    if (rc == NT_OK)
        rc = nt_timer_new(loop, &c->timer, on_timer, c);
    if (rc != NT_OK) {
        nt_framer_free(c->framer);
        free(c);
        return rc;
    }
    if (c->opt.low_water > c->opt.high_water)
        c->opt.low_water = c->opt.high_water;
    *out = c;
    return NT_OK;
}

int nt_conn_new(nt_loop *loop, nt_conn **out, nt_socket *s, const nt_conn_options *opts,
                const nt_conn_callbacks *cb, void *data)
{
    if (!s || !out) {
        nt_socket_close(s);
        return NT_EINVAL;
    }
    nt_conn *c;
    int rc = conn_alloc(loop, &c, opts, cb, data);
    if (rc != NT_OK) {
        nt_socket_close(s);
        return rc;
    }
    c->sock = s;
    nt_socket_settimeout(s, 0);
    rc = nt_watch_new(loop, &c->watch, nt_socket_fileno(s), on_io, c);
    if (rc != NT_OK) {
        nt_timer_free(c->timer);
        nt_framer_free(c->framer);
        nt_socket_close(s);
        free(c);
        return rc;
    }
    c->state = OPEN;
    idle_restart(c);
    update_watch(c);
    *out = c;
    return NT_OK;
}

int nt_conn_connect(nt_loop *loop, nt_conn **out, const char *host, uint16_t port,
                    const nt_conn_options *opts, const nt_conn_callbacks *cb, void *data)
{
    if (!host || !out)
        return NT_EINVAL;
    nt_addr addrs[MAX_ADDRS];
    int n = nt_resolve(host, port, NT_AF_UNSPEC, NT_SOCK_STREAM, addrs, MAX_ADDRS);
    if (n < 0)
        return n;
    nt_conn *c;
    int rc = conn_alloc(loop, &c, opts, cb, data);
    if (rc != NT_OK)
        return rc;
    c->addrs = malloc((size_t)n * sizeof addrs[0]);
    if (!c->addrs) {
        nt_timer_free(c->timer);
        nt_framer_free(c->framer);
        free(c);
        return NT_ENOMEM;
    }
    memcpy(c->addrs, addrs, (size_t)n * sizeof addrs[0]);
    c->naddrs = n;
    c->state = CONNECTING;
    *out = c;
    rc = try_next_address(c);
    if (rc != NT_OK)
        finish(c, rc); /* reported through on_closed, like a late failure */
    return NT_OK;
}

/* ---- ending ---- */

int nt_conn_shutdown(nt_conn *c)
{
    if (!c || c->state == CLOSED || c->state == CLOSING)
        return NT_ECLOSED;
    c->shut_pending = 1;
    if (c->qlen == 0 && c->state == OPEN) {
        c->shut_done = 1;
        return nt_socket_shutdown(c->sock, NT_SHUT_WR);
    }
    return NT_OK;
}

void nt_conn_close_after_flush(nt_conn *c)
{
    if (!c || c->state == CLOSED || c->state == CLOSING)
        return;
    if (c->state == CONNECTING || c->qlen == 0) {
        finish(c, NT_ECLOSED);
        return;
    }
    c->state = CLOSING;
    update_watch(c);
    nt_timer_start(c->timer, c->opt.linger_ms, 0);
    schedule_flush(c);
}

void nt_conn_close(nt_conn *c)
{
    if (c)
        finish(c, NT_ECLOSED);
}

int nt_conn_peer(const nt_conn *c, nt_addr *out)
{
    if (!c || !out)
        return NT_EINVAL;
    if (c->state == CONNECTING || !c->sock)
        return NT_ENOTCONN;
    return nt_socket_getpeername(c->sock, out);
}

nt_socket *nt_conn_socket(const nt_conn *c)
{
    return c ? c->sock : NULL;
}
nt_loop *nt_conn_loop(const nt_conn *c)
{
    return c ? c->loop : NULL;
}
void *nt_conn_data(const nt_conn *c)
{
    return c ? c->data : NULL;
}

void nt_conn_set_data(nt_conn *c, void *data)
{
    if (c)
        c->data = data;
}

/* ---- listeners ---- */

/* How long accepting rests when the process is out of descriptors. */
#define ACCEPT_PAUSE_MS 100
/* Accepts per wakeup: drains a normal backlog, bounds a storm's burst. */
#define ACCEPT_BATCH 1024

struct nt_listener {
    nt_loop *loop;
    nt_socket *sock;
    nt_watch *watch;
    nt_timer *pause_timer;
    nt_accept_cb cb;
    void *data;
    uint64_t pauses;
    int *alive; /* cleared when the listener is freed inside cb */
};

static void on_accept_ready(nt_watch *w, int events, void *data)
{
    nt_listener *l = data;
    (void)w;
    (void)events;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        nt_socket *s;
        nt_addr peer;
        int rc = nt_socket_accept(l->sock, &s, &peer);
        if (rc == NT_OK) {
            int alive = 1;
            l->alive = &alive;
            l->cb(l, s, &peer, l->data);
            if (!alive)
                return; /* freed inside the callback */
            l->alive = NULL;
            continue;
        }
        if (rc == NT_EMFILE || rc == NT_ENOBUFS || rc == NT_ENOMEM) {
            /* The pending connection stays queued and the socket stays
             * readable: without a pause this would spin. */
            l->pauses++;
            nt_watch_set(l->watch, 0);
            nt_timer_start(l->pause_timer, ACCEPT_PAUSE_MS, 0);
        }
        return;
    }
}

static void on_accept_resume(nt_timer *t, void *data)
{
    nt_listener *l = data;
    (void)t;
    nt_watch_set(l->watch, NT_EV_READ);
}

int nt_listener_new(nt_loop *loop, nt_listener **out, const nt_addr *addr, int backlog,
                    nt_accept_cb cb, void *data)
{
    if (!loop || !out || !addr || !cb)
        return NT_EINVAL;
    nt_listener *l = calloc(1, sizeof *l);
    if (!l)
        return NT_ENOMEM;
    l->loop = loop;
    l->cb = cb;
    l->data = data;
    int rc = nt_socket_create_server(&l->sock, addr, backlog);
    if (rc == NT_OK)
        rc = nt_socket_settimeout(l->sock, 0);
    if (rc == NT_OK)
        rc = nt_watch_new(loop, &l->watch, nt_socket_fileno(l->sock), on_accept_ready, l);
    if (rc == NT_OK)
        rc = nt_timer_new(loop, &l->pause_timer, on_accept_resume, l);
    if (rc == NT_OK)
        rc = nt_watch_set(l->watch, NT_EV_READ);
    if (rc != NT_OK) {
        nt_listener_free(l);
        return rc;
    }
    *out = l;
    return NT_OK;
}

int nt_listener_addr(const nt_listener *l, nt_addr *out)
{
    if (!l)
        return NT_EINVAL;
    return nt_socket_getsockname(l->sock, out);
}

uint64_t nt_listener_pauses(const nt_listener *l)
{
    return l ? l->pauses : 0;
}

void nt_listener_free(nt_listener *l)
{
    if (!l)
        return;
    if (l->alive)
        *l->alive = 0;
    nt_watch_free(l->watch);
    nt_timer_free(l->pause_timer);
    nt_socket_close(l->sock);
    free(l);
}

/* SPDX-License-Identifier: MIT */
/* Buffered connections on the loop: input framing, the output queue and
 * how a connection ends.  Output is flushed once per loop iteration (a
 * deferred task), which is what coalesces the many small sends one
 * iteration makes into one gather write; a saturated loop may also have
 * connections hold output a little longer (hold_flush()).  Connecting is
 * conn-connect.c; a TLS connection's session is tls.c's, and the queue,
 * framing and ending here stay the same over it, carrying plaintext. */
#include <stdlib.h>
#include <string.h>

#include "conn-internal.h"
#include "tls-internal.h"

/* Small copied sends are appended to the last queued buffer up to this
 * size; larger ones get a buffer of their own. */
#define COALESCE_MAX (16u * 1024u)
/* Read at most this much per wakeup, so one busy peer cannot starve the
 * others on the same loop. */
#define READ_BUDGET (256u * 1024u)

void nt_conn_options_init(nt_conn_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->framing = NT_FRAME_LINE;
    o->max_message = 8192;
    o->high_water = 256u * 1024u;
    o->low_water = 64u * 1024u;
    o->sendq_limit = 4u * 1024u * 1024u;
    o->connect_timeout_ms = 10000;
    o->connect_total_ms = 30000;
    o->attempt_delay_ms = 250;
    o->linger_ms = 5000;
    o->coalesce_bytes = 16u * 1024u;
}

static void on_io(nt_watch *w, int events, void *data);
static void on_timer(nt_timer *t, void *data);
static void tls_step(nt_conn *c);
#define finish nt__conn_finish

/* The idle/linger timer, made when first needed: most connections never
 * have one (natterd's clients, for instance, use neither). */
static int conn_timer(nt_conn *c)
{
    if (c->timer)
        return NT_OK;
    int rc = nt_timer_new(c->base.loop, on_timer, c, &c->timer);
    if (rc == NT_OK)
        nt__handle_set_flags(&c->timer->base, NT__H_INTERNAL);
    return rc;
}

static void update_watch(nt_conn *c)
{
    if (!c->watch)
        return;
    int ev = 0;
    if (c->state == NT__CONNECTING || c->write_blocked)
        ev |= NT_EV_WRITE;
    if ((c->state == NT__OPEN || c->state == NT__CLOSING) && !c->read_paused)
        ev |= NT_EV_READ;
    if (c->state == NT__CLOSING)
        ev &= ~NT_EV_READ;
    /* A handshake reads whatever the owner asked. */
    if (c->tls && nt__tls_handshaking(c->tls) && c->state != NT__CONNECTING)
        ev |= NT_EV_READ;
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

/* The close phase: the owner hears how it ended; the memory goes after. */
static void conn_finalize(nt_handle *h)
{
    nt_conn *c = (nt_conn *)h;
    if (c->cb.on_closed)
        c->cb.on_closed(c, c->reason, c->base.data);
    /* Only now: on_closed may still ask for the TLS details. */
    nt__tls_free(c->tls);
    c->tls = NULL;
}

/* Everything was written and the owner closes: a TLS peer is told with
 * close_notify (else it would have to take the end for a cut stream). */
static void finish_gracefully(nt_conn *c)
{
    if (c->tls)
        nt__tls_close_notify(c->tls);
    finish(c, NT_ECLOSED);
}

static int shut_down_writing(nt_conn *c)
{
    c->shut_done = 1;
    if (c->tls)
        nt__tls_close_notify(c->tls);
    return nt_socket_shutdown(c->sock, NT_SHUT_WR);
}

void nt__conn_finish(nt_conn *c, int reason)
{
    if (c->state == NT__CLOSED)
        return;
    if (c->state == NT__CONNECTING)
        nt__conn_connect_stop(c);
    c->state = NT__CLOSED;
    c->reason = reason;
    nt__handle_begin_close(&c->base, NULL);
    nt_watch_close(c->watch, NULL);
    c->watch = NULL;
    nt_timer_close(c->timer, NULL);
    c->timer = NULL;
    nt_timer_close(c->flush_timer, NULL);
    c->flush_timer = NULL;
    nt_socket_close(c->sock);
    c->sock = NULL;
    c->bytes_unsent += c->queued;
    release_queue(c);
    nt_framer_free(c->framer);
    c->framer = NULL;
    nt__handle_queue_close(&c->base);
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
            nt__chunk *q = realloc(c->q, cap * sizeof *q);
            if (!q)
                return NT_ENOMEM;
            c->q = q;
            c->qcap = cap;
        }
    }
    nt__chunk *ch = &c->q[c->qhead + c->qlen++];
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
            c->cb.on_low_water(c, c->base.data);
    }
}

/* Write as much as the socket takes; a write error ends the connection. */
static void flush_now(nt_conn *c)
{
    if (c->tls && nt__tls_handshaking(c->tls)) {
        tls_step(c); /* nothing leaves before the handshake is through */
        return;
    }
    while (c->qlen > 0 && c->state != NT__CLOSED) {
        nt__iov iov[NT__IOV_MAX];
        int n = 0;
        for (size_t i = 0; i < c->qlen && n < NT__IOV_MAX; i++) {
            nt__chunk *ch = &c->q[c->qhead + i];
            iov[n].base = nt_buf_data(ch->buf) + ch->off;
            iov[n].len = nt_buf_len(ch->buf) - ch->off;
            n++;
        }
        ptrdiff_t w = c->tls ? nt__tls_writev(c->tls, iov, n)
                             : nt__sys_writev(nt_socket_fileno(c->sock), iov, n);
        if (w == NT_EAGAIN) {
            /* The SendQ rule: judged when the socket takes no more. */
            if (c->opt.sendq_limit && c->queued > c->opt.sendq_limit) {
                finish(c, NT_ESENDQ);
                return;
            }
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
        c->bytes_sent += left;
        c->last_write_ms = nt_loop_now(c->base.loop);
        while (left > 0 && c->qlen > 0) {
            nt__chunk *ch = &c->q[c->qhead];
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
    if (c->state == NT__CLOSED)
        return;
    if (c->write_blocked) {
        c->write_blocked = 0;
        update_watch(c);
    }
    if (c->qlen == 0) {
        if (c->state == NT__CLOSING)
            finish_gracefully(c);
        else if (c->shut_pending && !c->shut_done)
            shut_down_writing(c);
    }
}

/* A deferred task of the connection's own: its memory outlives the task
 * (see nt_handle.busy), so the task only has to check the state. */
static int conn_defer(nt_conn *c, nt_task_cb task)
{
    int rc = nt_loop_defer(c->base.loop, task, c);
    if (rc == NT_OK)
        c->base.busy++;
    return rc;
}

static void flush_task(void *p)
{
    nt_conn *c = p;
    c->base.busy--;
    c->flush_scheduled = 0;
    if (c->state == NT__OPEN || c->state == NT__CLOSING)
        flush_now(c);
}

static void on_flush_timer(nt_timer *t, void *data)
{
    nt_conn *c = data;
    (void)t;
    c->flush_held = 0;
    c->flush_scheduled = 0;
    if (c->state == NT__OPEN || c->state == NT__CLOSING)
        flush_now(c);
}

/* Coalescing, only while the loop is saturated: the loop's hold
 * (nt__loop_hold_ms(), 0 unless it is, capped by coalesce_ms) is the
 * shortest time between two writes of a connection.  Within it of the last
 * write the flush waits for the hold to end instead of the end of this
 * iteration, while less than hold_limit() is queued; output after a quiet
 * spell leaves at once, and with the loop keeping up nothing waits.  The
 * limit stays below half the high-water mark, so the flush is queued
 * before anything an on_high_water callback defers (natterd judges its
 * SendQ there, after the write). */
static size_t hold_limit(const nt_conn *c)
{
    size_t limit = c->opt.coalesce_bytes;
    if (c->opt.high_water / 2 < limit)
        limit = c->opt.high_water / 2;
    return limit;
}

static int hold_flush(nt_conn *c)
{
    if (!c->opt.coalesce_ms || c->state != NT__OPEN || c->queued >= hold_limit(c))
        return 0;
    uint64_t hold = nt__loop_hold_ms(c->base.loop);
    if (hold == 0)
        return 0; /* the loop keeps up: write at the end of this iteration */
    if (hold > c->opt.coalesce_ms)
        hold = c->opt.coalesce_ms;
    uint64_t now = nt_loop_now(c->base.loop);
    uint64_t end = c->last_write_ms + hold;
    if (now >= end)
        return 0; /* quiet for a while: write at once */
    if (!c->flush_timer) {
        if (nt_timer_new(c->base.loop, on_flush_timer, c, &c->flush_timer) != NT_OK)
            return 0;
        nt__handle_set_flags(&c->flush_timer->base, NT__H_INTERNAL);
    }
    if (nt_timer_start(c->flush_timer, end - now, 0) != NT_OK)
        return 0;
    c->flush_held = 1;
    return 1;
}

static int schedule_flush(nt_conn *c)
{
    /* Never for a closed connection: the close phase frees it before a
     * flush queued now would run. */
    if (c->state == NT__CLOSED)
        return NT_OK;
    if (c->flush_held && (c->state != NT__OPEN || c->queued >= hold_limit(c) ||
                          nt__loop_hold_ms(c->base.loop) == 0)) {
        /* Enough to be worth a write now, closing, or the loop keeps up
         * again: stop waiting. */
        nt_timer_stop(c->flush_timer);
        c->flush_held = 0;
        c->flush_scheduled = 0;
    }
    if (c->flush_scheduled || c->write_blocked || c->state == NT__CONNECTING)
        return NT_OK;
    if (hold_flush(c)) {
        c->flush_scheduled = 1;
        return NT_OK;
    }
    int rc = conn_defer(c, flush_task);
    if (rc == NT_OK)
        c->flush_scheduled = 1;
    return rc;
}

static int after_enqueue(nt_conn *c, size_t len)
{
    c->queued += len;
    /* While the socket is full, the last write was cut short: what is
     * queued now cannot leave before the peer reads, so the SendQ rule
     * applies at once (that is what keeps a never-reader bounded). */
    if (c->write_blocked && c->opt.sendq_limit && c->queued > c->opt.sendq_limit) {
        finish(c, NT_ESENDQ);
        return NT_ESENDQ;
    }
    if (!c->above_high && c->queued > c->opt.high_water) {
        c->above_high = 1;
        if (c->cb.on_high_water)
            c->cb.on_high_water(c, c->base.data);
        if (c->state == NT__CLOSED || c->state == NT__CLOSING)
            return NT_ECLOSED; /* the owner closed it from the callback */
    }
    return schedule_flush(c);
}

static int can_send(const nt_conn *c)
{
    if (!c)
        return NT_EINVAL;
    if (c->state == NT__CLOSED || c->state == NT__CLOSING)
        return NT_ECLOSED;
    if (c->shut_pending)
        return NT_ESHUTDOWN;
    return NT_OK;
}

/* A small send's private buffer starts small enough for the allocator's
 * per-thread cache (1 KiB with its header), so that a connection echoing
 * one short message per iteration does not pay for a fresh 4 KiB block
 * each time; appends grow it when an iteration sends more. */
#define SMALL_BUFFER 960u

static size_t first_buffer_size(size_t len)
{
    if (len <= SMALL_BUFFER)
        return SMALL_BUFFER;
    return len < COALESCE_MAX / 4 ? COALESCE_MAX / 4 : len;
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
        nt__chunk *tail = &c->q[c->qhead + c->qlen - 1];
        if (tail->owned && nt_buf_len(tail->buf) + len <= COALESCE_MAX) {
            rc = nt_buf_append(tail->buf, data, len);
            if (rc != NT_OK)
                return rc;
            return after_enqueue(c, len);
        }
    }
    nt_buf *b = nt_buf_new(first_buffer_size(len));
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

int nt_conn_get_stats(const nt_conn *c, nt_conn_stats *out)
{
    if (!c || !out)
        return NT_EINVAL;
    memset(out, 0, sizeof *out);
    out->bytes_queued = c->queued;
    out->bytes_sent = c->bytes_sent;
    out->bytes_received = c->bytes_received;
    out->bytes_unsent = c->bytes_unsent;
    out->read_pauses = c->read_pauses;
    return NT_OK;
}

/* ---- input ---- */

static void idle_restart(nt_conn *c)
{
    if (c->opt.idle_timeout_ms && conn_timer(c) == NT_OK)
        nt_timer_start(c->timer, c->opt.idle_timeout_ms, 0);
}

static void deliver(nt_conn *c)
{
    const char *msg;
    size_t len;
    while (c->state == NT__OPEN && !c->read_paused) {
        int rc = nt_framer_next(c->framer, &msg, &len);
        if (rc == 0)
            return;
        if (rc == NT_EFRAME) {
            if (c->cb.on_frame_error)
                c->cb.on_frame_error(c, len, c->base.data);
        } else if (rc == 1) {
            if (c->cb.on_message)
                c->cb.on_message(c, msg, len, c->base.data);
        } else {
            finish(c, rc);
        }
    }
}

static void do_read(nt_conn *c);

static void read_task(void *p)
{
    nt_conn *c = p;
    c->base.busy--;
    if (c->state == NT__OPEN && !c->read_paused)
        do_read(c);
}

static void do_read(nt_conn *c)
{
    size_t budget = READ_BUDGET;
    char raw[16384];
    if (c->tls && nt__tls_handshaking(c->tls)) {
        tls_step(c);
        if (c->state != NT__OPEN || nt__tls_handshaking(c->tls))
            return;
    }
    while (c->state == NT__OPEN && !c->read_paused && budget > 0) {
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
        ptrdiff_t n = c->tls ? nt__tls_read(c->tls, space, (size_t)room)
                             : nt__sys_recv(nt_socket_fileno(c->sock), space, (size_t)room, 0);
        if (n == NT_EAGAIN) {
            if (c->tls && nt__tls_wants(c->tls) == NT_EV_WRITE && !c->write_blocked) {
                c->tls_read_blocked = 1;
                c->write_blocked = 1;
                update_watch(c);
            }
            return;
        }
        if (n == 0 && c->qlen > 0)
            flush_now(c); /* a half-closed peer still reads: give it the
                             replies queued so far (one try, no waiting) */
        if (n <= 0) {
            finish(c, n == 0 ? NT_EOF : (int)n);
            return;
        }
        c->bytes_received += (size_t)n;
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
            c->cb.on_message(c, space, (size_t)n, c->base.data);
        }
        /* A short read emptied the socket; the backend (level-triggered)
         * reports it again when more arrives, so the recv() that would
         * only say EAGAIN is skipped.  Not so for TLS: a read gives one
         * record at most, and what the session holds already is no
         * longer in the socket. */
        if (n < room && !c->tls)
            return;
    }
    /* Out of budget (or paused) with decrypted bytes held: the socket
     * will not say so, so come back in the next iteration. */
    if (c->tls && c->state == NT__OPEN && !c->read_paused && nt__tls_pending(c->tls))
        conn_defer(c, read_task);
}

int nt_conn_set_sendq_limit(nt_conn *c, size_t limit)
{
    if (!c)
        return NT_EINVAL;
    c->opt.sendq_limit = limit;
    return NT_OK;
}

void nt_conn_pause_reading(nt_conn *c)
{
    if (!c || c->read_paused || c->state == NT__CLOSED)
        return;
    c->read_paused = 1;
    c->read_pauses++;
    update_watch(c);
}

static void resume_task(void *p)
{
    nt_conn *c = p;
    c->base.busy--;
    /* Messages already framed were held while paused: hand them over;
     * and what a TLS session decrypted meanwhile. */
    if (c->state == NT__OPEN && !c->read_paused && c->framer)
        deliver(c);
    if (c->state == NT__OPEN && !c->read_paused && c->tls && nt__tls_pending(c->tls))
        do_read(c);
}

void nt_conn_resume_reading(nt_conn *c)
{
    if (!c || !c->read_paused || c->state == NT__CLOSED)
        return;
    c->read_paused = 0;
    update_watch(c);
    /* Whole messages framed while paused may be waiting: nt_framer_pending()
     * counts only a partial one, so always look (deliver() is cheap when
     * there is nothing). */
    if (c->framer || c->tls)
        conn_defer(c, resume_task);
}

/* ---- timers and readiness ---- */

static void on_timer(nt_timer *t, void *data)
{
    nt_conn *c = data;
    (void)t;
    if (c->state == NT__CLOSING)
        finish(c, NT_EUNSENT); /* the peer would not read: give up */
    else if (c->state == NT__OPEN)
        finish(c, NT_ETIMEDOUT);
}

static void on_io(nt_watch *w, int events, void *data)
{
    nt_conn *c = data;
    (void)w;
    if ((events & NT_EV_WRITE) && c->state != NT__CLOSED)
        flush_now(c);
    int read_unblocked = (events & NT_EV_WRITE) && c->tls_read_blocked;
    if (read_unblocked)
        c->tls_read_blocked = 0;
    if (((events & NT_EV_READ) || read_unblocked) && c->state == NT__OPEN)
        do_read(c);
}

/* ---- TLS ---- */

static void tls_begin_task(void *p)
{
    nt_conn *c = p;
    c->base.busy--;
    if ((c->state == NT__OPEN || c->state == NT__CLOSING) && nt__tls_handshaking(c->tls))
        tls_step(c);
}

void nt__conn_tls_begin(nt_conn *c)
{
    nt__tls_set_fd(c->tls, nt_socket_fileno(c->sock));
    uint64_t ms = nt__tls_handshake_timeout(c->tls);
    if (ms && c->state == NT__OPEN) {
        /* An absolute deadline: input during the handshake does not
         * restart it (do_read() leaves the timer alone until then). */
        int rc = conn_timer(c);
        if (rc != NT_OK) {
            finish(c, rc);
            return;
        }
        nt_timer_start(c->timer, ms, 0);
    }
    update_watch(c);
    /* The first step runs from the loop, never inside the caller (an
     * accept callback, nt_conn_start_tls()): a handshake that completes
     * at once must not call on_connect before the owner has finished
     * setting the connection up. */
    if (c->state != NT__CLOSED) {
        int rc = conn_defer(c, tls_begin_task);
        if (rc != NT_OK)
            finish(c, rc);
    }
}

/* Go on with the handshake; once through, the connection is what it
 * would have been without TLS: idle clock, on_connect, queued output. */
static void tls_step(nt_conn *c)
{
    int rc = nt__tls_handshake(c->tls);
    if (rc == NT_EAGAIN) {
        int want_write = nt__tls_wants(c->tls) == NT_EV_WRITE;
        if (want_write != c->write_blocked) {
            c->write_blocked = want_write;
            update_watch(c);
        }
        return;
    }
    if (rc != NT_OK) {
        finish(c, rc);
        return;
    }
    c->write_blocked = 0;
    if (c->state == NT__OPEN) {
        if (c->timer)
            nt_timer_stop(c->timer); /* (while closing it is the linger) */
        idle_restart(c);
    }
    update_watch(c);
    if (c->state == NT__OPEN && c->cb.on_connect)
        c->cb.on_connect(c, c->base.data);
    if ((c->state == NT__OPEN || c->state == NT__CLOSING) && (c->qlen > 0 || c->shut_pending))
        schedule_flush(c);
    if (c->state == NT__OPEN && nt__tls_pending(c->tls))
        conn_defer(c, read_task);
}

int nt__conn_alloc(nt_loop *loop, const nt_conn_options *opts, const nt_conn_callbacks *cb,
                   void *data, nt_conn **out)
{
    nt_conn_options defaults;
    if (!opts) {
        nt_conn_options_init(&defaults);
        opts = &defaults;
    }
    if (opts->framing != NT_FRAME_NONE && opts->framing != NT_FRAME_LINE &&
        opts->framing != NT_FRAME_U32)
        return NT_EINVAL;
    nt_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NT_ENOMEM;
    nt__handle_init(&c->base, loop, NT_HANDLE_CONN, data, conn_finalize);
    c->state = NT__CONNECTING;
    if (cb)
        c->cb = *cb;
    c->opt.framing = opts->framing;
    c->opt.max_message = opts->max_message;
    c->opt.high_water = opts->high_water;
    c->opt.low_water = opts->low_water < opts->high_water ? opts->low_water : opts->high_water;
    c->opt.sendq_limit = opts->sendq_limit;
    c->opt.coalesce_bytes = opts->coalesce_bytes;
    c->opt.idle_timeout_ms = opts->idle_timeout_ms;
    c->opt.linger_ms = opts->linger_ms;
    c->opt.coalesce_ms = opts->coalesce_ms;
    if (c->opt.framing != NT_FRAME_NONE) {
        int rc = nt_framer_new(c->opt.framing, c->opt.max_message, &c->framer);
        if (rc != NT_OK) {
            nt__handle_discard(&c->base);
            return rc;
        }
    }
    *out = c;
    return NT_OK;
}

/* The socket is connected: watch it, start the idle timer, and send what
 * was queued meanwhile. */
static int conn_attach(nt_conn *c, nt_socket *s)
{
    c->sock = s;
    nt_socket_settimeout(s, 0);
    int rc = nt_watch_new(c->base.loop, nt_socket_fileno(s), on_io, c, &c->watch);
    if (rc != NT_OK)
        return rc;
    nt__handle_set_flags(&c->watch->base, NT__H_INTERNAL);
    c->state = NT__OPEN;
    idle_restart(c);
    update_watch(c);
    return NT_OK;
}

int nt_conn_new(nt_loop *loop, nt_socket *s, const nt_conn_options *opts,
                const nt_conn_callbacks *cb, void *data, nt_conn **out)
{
    if (!loop || !s || !out) {
        nt_socket_close(s);
        return NT_EINVAL;
    }
    nt_conn *c;
    int rc = nt__conn_alloc(loop, opts, cb, data, &c);
    if (rc != NT_OK) {
        nt_socket_close(s);
        return rc;
    }
    rc = conn_attach(c, s);
    if (rc != NT_OK) {
        nt_framer_free(c->framer);
        nt_socket_close(s);
        nt__handle_discard(&c->base);
        return rc;
    }
    *out = c;
    return NT_OK;
}

void nt__conn_opened(nt_conn *c, nt_socket *s)
{
    int rc = conn_attach(c, s);
    if (rc != NT_OK) {
        finish(c, rc);
        return;
    }
    if (c->tls) {
        nt__conn_tls_begin(c); /* on_connect comes after the handshake */
        return;
    }
    if (c->cb.on_connect)
        c->cb.on_connect(c, c->base.data);
    /* Sends, a close or a shutdown asked for while connecting happen in
     * the flush. */
    if (c->state == NT__OPEN && (c->qlen > 0 || c->shut_pending))
        schedule_flush(c);
}

/* ---- ending ---- */

int nt_conn_shutdown(nt_conn *c)
{
    if (!c)
        return NT_EINVAL;
    if (c->state == NT__CLOSED || c->state == NT__CLOSING)
        return NT_ECLOSED;
    c->shut_pending = 1;
    if (c->qlen == 0 && c->state == NT__OPEN && !(c->tls && nt__tls_handshaking(c->tls))) {
        return shut_down_writing(c);
    }
    return NT_OK;
}

void nt_conn_close(nt_conn *c)
{
    if (!c || c->state == NT__CLOSED || c->state == NT__CLOSING)
        return;
    nt__handle_begin_close(&c->base, NULL);
    if (c->state == NT__CONNECTING) {
        finish(c, NT_ECANCELED);
        return;
    }
    if (c->qlen == 0) {
        finish_gracefully(c);
        return;
    }
    c->state = NT__CLOSING;
    update_watch(c);
    if (c->state == NT__CLOSED)
        return;
    int rc = conn_timer(c);
    if (rc != NT_OK) {
        finish(c, rc);
        return;
    }
    nt_timer_start(c->timer, c->opt.linger_ms, 0);
    schedule_flush(c);
}

void nt_conn_abort(nt_conn *c)
{
    if (c)
        finish(c, c->state == NT__CONNECTING ? NT_ECANCELED : NT_ECLOSED);
}

void nt__conn_close_handle(nt_handle *h, nt_close_cb cb)
{
    nt__handle_begin_close(h, cb);
    nt_conn_close((nt_conn *)h);
}

nt_handle *nt_conn_handle(nt_conn *c)
{
    return c ? &c->base : NULL;
}

int nt_conn_peer(const nt_conn *c, nt_addr *out)
{
    if (!c || !out)
        return NT_EINVAL;
    if (c->state == NT__CONNECTING || !c->sock)
        return NT_ENOTCONN;
    return nt_socket_getpeername(c->sock, out);
}

nt_socket *nt_conn_socket(const nt_conn *c)
{
    return c ? c->sock : NULL;
}

nt_loop *nt_conn_loop(const nt_conn *c)
{
    return c ? c->base.loop : NULL;
}

void *nt_conn_data(const nt_conn *c)
{
    return c ? c->base.data : NULL;
}

void nt_conn_set_data(nt_conn *c, void *data)
{
    if (c)
        c->base.data = data;
}

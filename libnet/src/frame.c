/* SPDX-License-Identifier: MIT */
#include <natter/frame.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The free room nt_framer_space() aims to offer: one typical recv(). */
#define FRAME_SPACE_MIN 4096

/* Bytes of a line or frame beyond its payload: CR LF, or the length. */
#define LINE_OVERHEAD 2
#define U32_HEADER 4

/*
 * The bytes live in one block:
 *
 *   buf: [consumed | complete messages | current partial | free ]
 *        0         start               tail              end    cap
 *
 * Incoming bytes are framed as they arrive (ingest), so only the current
 * partial message is ever re-examined and a message that turns out to be
 * overlong is dropped before it is stored.  A dropped message leaves no
 * bytes behind, so its NT_EFRAME is remembered in a queue of events keyed
 * by its position in the stream of kept bytes (base + offset), which stays
 * valid when the block is compacted.
 */
struct frame_event {
    uint64_t pos;
    uint64_t len;
};

struct nt_framer {
    int mode;
    size_t max_len;
    /* Largest block needed when the caller drains after every read: the
     * biggest partial message plus one read's worth of room. */
    size_t limit;

    char *buf;
    size_t cap;
    size_t start;
    size_t tail;
    size_t end;
    uint64_t base; /* kept bytes of the stream that precede buf[0] */

    /* Space handed out by nt_framer_space() and not yet committed. */
    size_t given;

    /* The current message is overlong and its bytes are being skipped. */
    int dropping;
    uint64_t drop_len;  /* line: bytes skipped so far; u32: declared length */
    uint64_t drop_left; /* u32: payload bytes still to skip */
    int drop_last_cr;   /* line: the last skipped byte was a CR */

    struct frame_event *events;
    size_t ev_head;
    size_t ev_count;
    size_t ev_cap;
};

int nt_framer_new(nt_frame_mode mode, size_t max_len, nt_framer **out)
{
    if (!out)
        return NT_EINVAL;
    *out = NULL;
    if ((mode != NT_FRAME_LINE && mode != NT_FRAME_U32) || max_len == 0 ||
        max_len > NT_FRAME_MAX_LIMIT)
        return NT_EINVAL;
    nt_framer *f = calloc(1, sizeof(*f));
    if (!f)
        return NT_ENOMEM;
    f->mode = mode;
    f->max_len = max_len;
    f->limit = max_len + (mode == NT_FRAME_LINE ? LINE_OVERHEAD : U32_HEADER) + FRAME_SPACE_MIN;
    *out = f;
    return NT_OK;
}

void nt_framer_free(nt_framer *f)
{
    if (!f)
        return;
    free(f->buf);
    free(f->events);
    free(f);
}

/* Reserve the event slot before any byte of an overlong message is
 * consumed, so that reaching its end can never fail half-way. */
static int event_reserve(nt_framer *f)
{
    if (f->ev_head > 0 && f->ev_count == 0)
        f->ev_head = 0;
    if (f->ev_head + f->ev_count < f->ev_cap)
        return NT_OK;
    if (f->ev_head > 0) {
        memmove(f->events, f->events + f->ev_head, f->ev_count * sizeof(*f->events));
        f->ev_head = 0;
        return NT_OK;
    }
    size_t cap = f->ev_cap ? f->ev_cap * 2 : 4;
    if (cap > SIZE_MAX / sizeof(*f->events))
        return NT_ENOMEM;
    struct frame_event *ev = realloc(f->events, cap * sizeof(*ev));
    if (!ev)
        return NT_ENOMEM;
    f->events = ev;
    f->ev_cap = cap;
    return NT_OK;
}

/* An overlong message has ended: it sits, bytes-less, at tail. */
static void event_push(nt_framer *f, uint64_t len)
{
    struct frame_event *ev = &f->events[f->ev_head + f->ev_count++];
    ev->pos = f->base + f->tail;
    ev->len = len;
}

/* Keep n input bytes: append them to the stored stream.  in may already
 * lie at or after buf + end (a commit frames bytes in place). */
static void keep(nt_framer *f, const char *in, size_t n)
{
    if (in != f->buf + f->end)
        memmove(f->buf + f->end, in, n);
    f->end += n;
}

/* Throw away the stored part of the current message. */
static void forget_partial(nt_framer *f)
{
    f->end = f->tail;
}

/*
 * Frame n input bytes, keeping at most room of them (the free space after
 * end).  *used receives how many were consumed; fewer than n only when
 * room ran out.
 */
static int ingest_line(nt_framer *f, const char *in, size_t n, size_t room, size_t *used)
{
    const char *p = in;
    const char *stop = in + n;

    while (p < stop) {
        size_t avail = (size_t)(stop - p);
        if (f->dropping) {
            const char *lf = memchr(p, '\n', avail);
            if (!lf) {
                f->drop_len += avail;
                f->drop_last_cr = p[avail - 1] == '\r';
                p = stop;
                break;
            }
            size_t k = (size_t)(lf - p);
            f->drop_len += k;
            int cr = k > 0 ? lf[-1] == '\r' : f->drop_last_cr;
            event_push(f, f->drop_len - (uint64_t)cr);
            f->dropping = 0;
            p = lf + 1;
            continue;
        }

        /* The partial never reaches max_len + 2 bytes without an LF: by
         * then the line is too long whatever follows.  Searching only that
         * window (and only bytes not yet searched) keeps this O(n). */
        size_t cur = f->end - f->tail;
        size_t window = f->max_len + LINE_OVERHEAD - cur;
        size_t look = avail < window ? avail : window;
        if (look > room)
            look = room;
        if (look == 0)
            break;
        const char *lf = memchr(p, '\n', look);
        if (lf) {
            size_t k = (size_t)(lf - p);
            int cr = k > 0 ? lf[-1] == '\r' : (cur > 0 && f->buf[f->end - 1] == '\r');
            size_t line_len = cur + k - (size_t)cr;
            if (line_len > f->max_len) {
                int rc = event_reserve(f);
                if (rc != NT_OK) {
                    *used = (size_t)(p - in);
                    return rc;
                }
                forget_partial(f);
                event_push(f, line_len);
            } else {
                keep(f, p, k + 1);
                room -= k + 1;
                f->tail = f->end;
            }
            p = lf + 1;
        } else if (look == window) {
            int rc = event_reserve(f);
            if (rc != NT_OK) {
                *used = (size_t)(p - in);
                return rc;
            }
            f->dropping = 1;
            f->drop_len = (uint64_t)cur + window;
            f->drop_last_cr = p[window - 1] == '\r';
            forget_partial(f);
            p += window;
        } else {
            keep(f, p, look);
            room -= look;
            p += look;
        }
    }
    *used = (size_t)(p - in);
    return NT_OK;
}

static uint32_t get_u32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

static int ingest_u32(nt_framer *f, const char *in, size_t n, size_t room, size_t *used)
{
    const char *p = in;
    const char *stop = in + n;

    while (p < stop) {
        size_t avail = (size_t)(stop - p);
        if (f->dropping) {
            size_t k = f->drop_left < avail ? (size_t)f->drop_left : avail;
            f->drop_left -= k;
            p += k;
            if (f->drop_left == 0) {
                event_push(f, f->drop_len);
                f->dropping = 0;
            }
            continue;
        }

        size_t cur = f->end - f->tail;
        size_t want;
        if (cur < U32_HEADER)
            want = U32_HEADER - cur;
        else
            want = U32_HEADER + (size_t)get_u32(f->buf + f->tail) - cur;
        size_t k = avail < want ? avail : want;
        if (k > room)
            k = room;
        if (k == 0)
            break;
        keep(f, p, k);
        room -= k;
        p += k;
        cur += k;
        if (cur < U32_HEADER)
            continue;

        uint32_t len = get_u32(f->buf + f->tail);
        if (len > f->max_len) {
            int rc = event_reserve(f);
            if (rc != NT_OK) {
                /* Give the header back so a retry sees it again. */
                f->end -= k;
                *used = (size_t)(p - in) - k;
                return rc;
            }
            forget_partial(f);
            room += U32_HEADER;
            f->dropping = 1;
            f->drop_len = len;
            f->drop_left = len;
        } else if (cur == U32_HEADER + (size_t)len) {
            f->tail = f->end;
        }
    }
    *used = (size_t)(p - in);
    return NT_OK;
}

static int ingest(nt_framer *f, const char *in, size_t n, size_t room, size_t *used)
{
    if (f->mode == NT_FRAME_LINE)
        return ingest_line(f, in, n, room, used);
    return ingest_u32(f, in, n, room, used);
}

static void compact(nt_framer *f)
{
    size_t live = f->end - f->start;
    if (live > 0)
        memmove(f->buf, f->buf + f->start, live);
    f->base += f->start;
    f->tail -= f->start;
    f->end = live;
    f->start = 0;
}

/*
 * Make at least want bytes free after end.  Compacting costs a copy of the
 * live bytes, so it is done when they are no more than the consumed prefix
 * it recovers (amortised O(1) per byte) or when the block is already as big
 * as a drained framer ever needs; otherwise the block doubles.  A caller
 * that drains after every read therefore never grows it past limit.
 */
static int make_room(nt_framer *f, size_t want)
{
    if (f->cap - f->end >= want)
        return NT_OK;
    size_t live = f->end - f->start;
    if (f->start > 0 && (f->start >= live || f->cap >= f->limit) && f->cap - live >= want) {
        compact(f);
        return NT_OK;
    }
    if (want > SIZE_MAX - live)
        return NT_ENOMEM;
    size_t need = live + want;
    size_t cap;
    if (f->cap > SIZE_MAX / 2)
        cap = need;
    else
        cap = f->cap * 2 > FRAME_SPACE_MIN * 2 ? f->cap * 2 : FRAME_SPACE_MIN * 2;
    /* Past limit only when undrained messages demand it. */
    if (cap > f->limit && need <= f->limit)
        cap = f->limit;
    if (cap < need)
        cap = need;
    char *buf = malloc(cap);
    if (!buf)
        return NT_ENOMEM;
    if (live > 0)
        memcpy(buf, f->buf + f->start, live);
    free(f->buf);
    f->buf = buf;
    f->cap = cap;
    f->base += f->start;
    f->tail -= f->start;
    f->end = live;
    f->start = 0;
    return NT_OK;
}

int nt_framer_feed(nt_framer *f, const void *data, size_t len)
{
    if (!f || (!data && len > 0))
        return NT_EINVAL;
    f->given = 0;
    const char *p = data;
    while (len > 0) {
        size_t used = 0;
        int rc = ingest(f, p, len, f->cap - f->end, &used);
        if (rc != NT_OK)
            return rc;
        p += used;
        len -= used;
        if (len > 0) {
            rc = make_room(f, len < FRAME_SPACE_MIN ? len : FRAME_SPACE_MIN);
            if (rc != NT_OK)
                return rc;
        }
    }
    return NT_OK;
}

ptrdiff_t nt_framer_space(nt_framer *f, char **space)
{
    if (!f || !space)
        return NT_EINVAL;
    f->given = 0;
    int rc = make_room(f, FRAME_SPACE_MIN);
    if (rc != NT_OK && f->cap == f->end)
        return rc;
    size_t free_bytes = f->cap - f->end;
    if (free_bytes > (size_t)PTRDIFF_MAX)
        free_bytes = (size_t)PTRDIFF_MAX;
    *space = f->buf + f->end;
    f->given = free_bytes;
    return (ptrdiff_t)free_bytes;
}

int nt_framer_commit(nt_framer *f, size_t n)
{
    if (!f || n > f->given)
        return NT_EINVAL;
    f->given = 0;
    if (n == 0)
        return NT_OK;
    /* The bytes already sit at end, so they are framed in place: kept
     * bytes only ever move towards the front. */
    size_t used = 0;
    return ingest(f, f->buf + f->end, n, n, &used);
}

int nt_framer_next(nt_framer *f, const char **data, size_t *len)
{
    if (!f || !data || !len)
        return NT_EINVAL;
    if (f->ev_count > 0 && f->events[f->ev_head].pos == f->base + f->start) {
        const struct frame_event *ev = &f->events[f->ev_head];
        *data = NULL;
        *len = ev->len > SIZE_MAX ? SIZE_MAX : (size_t)ev->len;
        f->ev_head++;
        f->ev_count--;
        return NT_EFRAME;
    }
    if (f->start == f->tail) {
        *data = NULL;
        *len = 0;
        if (f->start == f->end && f->buf && !f->given) {
            /* Drained: give the block back.  A server holds thousands of
             * idle streams, each of which would otherwise keep a read's
             * worth of memory it may not need again for hours. */
            free(f->buf);
            f->buf = NULL;
            f->base += f->start;
            f->cap = f->start = f->tail = f->end = 0;
        }
        return 0;
    }
    char *msg = f->buf + f->start;
    if (f->mode == NT_FRAME_LINE) {
        /* Ingest already proved an LF lies before tail. */
        char *lf = memchr(msg, '\n', f->tail - f->start);
        size_t n = (size_t)(lf - msg);
        f->start += n + 1;
        if (n > 0 && msg[n - 1] == '\r')
            n--;
        msg[n] = '\0';
        *data = msg;
        *len = n;
    } else {
        size_t n = get_u32(msg);
        f->start += U32_HEADER + n;
        *data = msg + U32_HEADER;
        *len = n;
    }
    return 1;
}

size_t nt_framer_pending(const nt_framer *f)
{
    return f ? f->end - f->tail : 0;
}

int nt_frame_u32_header(size_t len, unsigned char out[4])
{
    if (!out)
        return NT_EINVAL;
    if ((uint64_t)len > UINT32_MAX)
        return NT_EMSGSIZE;
    uint32_t v = (uint32_t)len;
    out[0] = (unsigned char)(v >> 24);
    out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);
    out[3] = (unsigned char)v;
    return NT_OK;
}

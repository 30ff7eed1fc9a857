/* SPDX-License-Identifier: MIT */
/* The framer: the same messages whatever way the stream is cut, bounded
 * memory against a peer that never ends its message, and the zero-copy
 * space/commit path. */
#include "helpers.h"

#include <natter/frame.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SMALL_MAX 16
#define MAX_RESULTS 64
#define MSG_COPY 32

/* One nt_framer_next() outcome, copied out at once since the framer's
 * pointer dies on the next call. */
struct result {
    int rc;
    size_t len;
    char data[MSG_COPY];
    int nul_ok; /* lines: data[len] was a NUL */
};

struct transcript {
    struct result r[MAX_RESULTS];
    size_t n;
    int error; /* an unexpected return code from feed/space/commit/next */
};

/* A test stream assembled from pieces, with the results it must give. */
struct stream {
    char bytes[2048];
    size_t len;
    struct transcript want;
};

static void stream_add(struct stream *s, const void *data, size_t len)
{
    CU_ASSERT_FATAL(s->len + len <= sizeof(s->bytes));
    memcpy(s->bytes + s->len, data, len);
    s->len += len;
}

static void stream_fill(struct stream *s, char c, size_t len)
{
    CU_ASSERT_FATAL(s->len + len <= sizeof(s->bytes));
    memset(s->bytes + s->len, c, len);
    s->len += len;
}

static void want_msg(struct stream *s, const char *data, size_t len)
{
    struct result *r = &s->want.r[s->want.n++];
    CU_ASSERT_FATAL(len < MSG_COPY);
    r->rc = 1;
    r->len = len;
    memcpy(r->data, data, len);
    r->nul_ok = 1;
}

static void want_efr(struct stream *s, size_t len)
{
    struct result *r = &s->want.r[s->want.n++];
    r->rc = NT_EFRAME;
    r->len = len;
    r->nul_ok = 1;
}

static void drain(nt_framer *f, nt_frame_mode mode, struct transcript *t)
{
    for (;;) {
        const char *data = NULL;
        size_t len = 12345;
        int rc = nt_framer_next(f, &data, &len);
        if (rc == 0)
            return;
        if (t->n == MAX_RESULTS || (rc != 1 && rc != NT_EFRAME)) {
            t->error = 1;
            return;
        }
        struct result *r = &t->r[t->n++];
        memset(r, 0, sizeof(*r));
        r->rc = rc;
        r->len = len;
        r->nul_ok = 1;
        if (rc == 1) {
            if (len >= MSG_COPY || !data) {
                t->error = 1;
                return;
            }
            memcpy(r->data, data, len);
            if (mode == NT_FRAME_LINE)
                r->nul_ok = data[len] == '\0';
        }
    }
}

static int same(const struct transcript *a, const struct transcript *b)
{
    if (a->error || b->error || a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const struct result *x = &a->r[i], *y = &b->r[i];
        if (x->rc != y->rc || x->len != y->len || x->nul_ok != y->nul_ok)
            return 0;
        if (x->rc == 1 && memcmp(x->data, y->data, x->len) != 0)
            return 0;
    }
    return 1;
}

static void dump(const char *label, const struct transcript *t)
{
    printf("\n    %s (%zu results%s):", label, t->n, t->error ? ", ERROR" : "");
    for (size_t i = 0; i < t->n; i++) {
        if (t->r[i].rc == 1) {
            printf(" [%zu:", t->r[i].len);
            for (size_t j = 0; j < t->r[i].len; j++) {
                unsigned char c = (unsigned char)t->r[i].data[j];
                printf(c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
            }
            printf("]");
        } else
            printf(" [EFRAME %zu]", t->r[i].len);
    }
    printf("\n");
}

/* How pieces reach the framer. */
enum path { VIA_FEED, VIA_SPACE };

static void put(nt_framer *f, enum path how, const char *p, size_t n, struct transcript *t)
{
    if (how == VIA_FEED) {
        if (nt_framer_feed(f, p, n) != NT_OK)
            t->error = 1;
        return;
    }
    while (n > 0) {
        char *space = NULL;
        ptrdiff_t room = nt_framer_space(f, &space);
        if (room <= 0 || !space) {
            t->error = 1;
            return;
        }
        size_t k = (size_t)room < n ? (size_t)room : n;
        memcpy(space, p, k);
        if (nt_framer_commit(f, k) != NT_OK) {
            t->error = 1;
            return;
        }
        p += k;
        n -= k;
    }
}

/*
 * Feed s cut at the ascending offsets cuts[0..ncuts), draining after every
 * piece (drain_each) or only at the end, as a caller that reads several
 * times before framing would.
 */
static void run(const struct stream *s, nt_frame_mode mode, size_t max_len, const size_t *cuts,
                size_t ncuts, int drain_each, enum path how, struct transcript *t, size_t *pending)
{
    nt_framer *f = NULL;
    memset(t, 0, sizeof(*t));
    if (nt_framer_new(mode, max_len, &f) != NT_OK) {
        t->error = 1;
        return;
    }
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : s->len;
        put(f, how, s->bytes + at, to - at, t);
        at = to;
        if (drain_each)
            drain(f, mode, t);
    }
    drain(f, mode, t);
    *pending = nt_framer_pending(f);
    nt_framer_free(f);
}

/* Every way of cutting s must give s->want and leave want_pending. */
static void check_all_cuts(const struct stream *s, nt_frame_mode mode, size_t want_pending)
{
    struct transcript *got = malloc(sizeof(*got));
    size_t *cuts = malloc((s->len + 1) * sizeof(*cuts));
    CU_ASSERT_FATAL(got != NULL && cuts != NULL);
    size_t pending = 0;
    int bad = 0;

    /* All at once, both paths. */
    for (int how = VIA_FEED; how <= VIA_SPACE && !bad; how++) {
        run(s, mode, SMALL_MAX, NULL, 0, 1, (enum path)how, got, &pending);
        if (!same(got, &s->want) || pending != want_pending) {
            printf("\n    all at once, path %d, pending %zu", how, pending);
            bad = 1;
        }
    }

    /* One cut at every offset, and every pair of cuts, draining after each
     * piece; then the same without draining in between. */
    for (int drain_each = 1; drain_each >= 0 && !bad; drain_each--) {
        for (size_t i = 0; i <= s->len && !bad; i++) {
            cuts[0] = i;
            run(s, mode, SMALL_MAX, cuts, 1, drain_each, VIA_FEED, got, &pending);
            if (!same(got, &s->want) || pending != want_pending) {
                printf("\n    cut at %zu (drain_each %d), pending %zu", i, drain_each, pending);
                bad = 1;
            }
            for (size_t j = i; j <= s->len && !bad && drain_each; j++) {
                cuts[1] = j;
                run(s, mode, SMALL_MAX, cuts, 2, 1, VIA_FEED, got, &pending);
                if (!same(got, &s->want) || pending != want_pending) {
                    printf("\n    cuts at %zu,%zu, pending %zu", i, j, pending);
                    bad = 1;
                }
            }
        }
    }

    /* One byte at a time, through both paths, drained or not. */
    for (size_t i = 0; i < s->len; i++)
        cuts[i] = i + 1;
    for (int how = VIA_FEED; how <= VIA_SPACE && !bad; how++) {
        for (int drain_each = 0; drain_each <= 1 && !bad; drain_each++) {
            run(s, mode, SMALL_MAX, cuts, s->len, drain_each, (enum path)how, got, &pending);
            if (!same(got, &s->want) || pending != want_pending) {
                printf("\n    byte at a time, path %d, drain_each %d, pending %zu", how, drain_each,
                       pending);
                bad = 1;
            }
        }
    }

    /* Irregular pieces through space/commit. */
    for (size_t step = 2; step <= 13 && !bad; step++) {
        size_t n = 0;
        for (size_t at = step; at < s->len; at += step + (at % 3))
            cuts[n++] = at;
        run(s, mode, SMALL_MAX, cuts, n, 1, VIA_SPACE, got, &pending);
        if (!same(got, &s->want) || pending != want_pending) {
            printf("\n    space/commit pieces of ~%zu, pending %zu", step, pending);
            bad = 1;
        }
    }

    if (bad) {
        dump("want", &s->want);
        dump("got", got);
    }
    CU_ASSERT(!bad);
    free(cuts);
    free(got);
}

static void test_line_sticky(void)
{
    static struct stream s;
    memset(&s, 0, sizeof(s));
    char line[128];

    stream_add(&s, "hello\r\n", 7);
    want_msg(&s, "hello", 5);
    stream_add(&s, "world\n", 6);
    want_msg(&s, "world", 5);
    stream_add(&s, "\n", 1); /* empty lines are messages too */
    want_msg(&s, "", 0);
    stream_add(&s, "\r\n", 2);
    want_msg(&s, "", 0);
    stream_fill(&s, 'x', 40); /* overlong in the middle, CRLF */
    stream_add(&s, "\r\n", 2);
    want_efr(&s, 40);
    stream_add(&s, "a\rb\n", 4); /* a CR inside a line stays */
    want_msg(&s, "a\rb", 3);
    stream_add(&s, "\rx\n", 3);
    want_msg(&s, "\rx", 2);
    stream_add(&s, "abc\r\r\n", 6); /* only the CR of the terminator goes */
    want_msg(&s, "abc\r", 4);
    memset(line, 'y', SMALL_MAX); /* exactly max_len, both terminators */
    stream_add(&s, line, SMALL_MAX);
    stream_add(&s, "\r\n", 2);
    want_msg(&s, line, SMALL_MAX);
    memset(line, 'z', SMALL_MAX);
    stream_add(&s, line, SMALL_MAX);
    stream_add(&s, "\n", 1);
    want_msg(&s, line, SMALL_MAX);
    stream_fill(&s, 'q', SMALL_MAX + 1); /* one over, LF */
    stream_add(&s, "\n", 1);
    want_efr(&s, SMALL_MAX + 1);
    stream_fill(&s, 'r', SMALL_MAX); /* max_len + a CR that stays */
    stream_add(&s, "\r\r\n", 3);
    want_efr(&s, SMALL_MAX + 1);
    stream_fill(&s, 's', SMALL_MAX + 1); /* three overlong in a row */
    stream_add(&s, "\r\n", 2);
    want_efr(&s, SMALL_MAX + 1);
    stream_fill(&s, 'w', 100);
    stream_add(&s, "\n", 1);
    want_efr(&s, 100);
    stream_fill(&s, '\r', 30);
    stream_add(&s, "\n", 1);
    want_efr(&s, 29);
    stream_add(&s, "\n", 1);
    want_msg(&s, "", 0);
    stream_add(&s, "end\n", 4);
    want_msg(&s, "end", 3);
    stream_add(&s, "partial", 7); /* no terminator yet: held, not returned */

    check_all_cuts(&s, NT_FRAME_LINE, 7);
}

static void add_frame(struct stream *s, const char *payload, size_t len)
{
    unsigned char hdr[4];
    CU_ASSERT_FATAL(nt_frame_u32_header(len, hdr) == NT_OK);
    stream_add(s, hdr, 4);
    stream_add(s, payload, len);
}

/* An oversize frame whose payload looks like more frames and lines: it
 * must be skipped by count, not parsed. */
static void add_junk_frame(struct stream *s, size_t len)
{
    unsigned char hdr[4];
    CU_ASSERT_FATAL(nt_frame_u32_header(len, hdr) == NT_OK);
    stream_add(s, hdr, 4);
    for (size_t i = 0; i < len; i++) {
        char c = (char)(i % 5 == 0 ? 0 : i % 7 == 0 ? '\n' : 'j');
        stream_add(s, &c, 1);
    }
}

static void test_u32_sticky(void)
{
    static struct stream s;
    memset(&s, 0, sizeof(s));
    char max[SMALL_MAX];
    memset(max, 'm', sizeof(max));

    add_frame(&s, "abc", 3);
    want_msg(&s, "abc", 3);
    add_frame(&s, "", 0); /* a valid empty frame */
    want_msg(&s, "", 0);
    add_junk_frame(&s, 60);
    want_efr(&s, 60);
    add_frame(&s, "hel\nlo", 6);
    want_msg(&s, "hel\nlo", 6);
    add_frame(&s, "", 0);
    want_msg(&s, "", 0);
    add_frame(&s, max, SMALL_MAX);
    want_msg(&s, max, SMALL_MAX);
    add_junk_frame(&s, SMALL_MAX + 1);
    want_efr(&s, SMALL_MAX + 1);
    add_junk_frame(&s, 20); /* two oversize in a row */
    want_efr(&s, 20);
    add_junk_frame(&s, 40);
    want_efr(&s, 40);
    add_frame(&s, "", 0);
    want_msg(&s, "", 0);
    add_frame(&s, "z", 1);
    want_msg(&s, "z", 1);
    /* A frame announcing 10 bytes of which 3 have come. */
    unsigned char hdr[4];
    CU_ASSERT_FATAL(nt_frame_u32_header(10, hdr) == NT_OK);
    stream_add(&s, hdr, 4);
    stream_add(&s, "par", 3);

    check_all_cuts(&s, NT_FRAME_U32, 7);
}

/* A framer never holds more than a bounded amount of an endless line. */
#define FLOOD_TOTAL (10u * 1024u * 1024u)
#define FLOOD_MAX 1024u
#define FLOOD_SPACE_BOUND (FLOOD_MAX + 2u * 4096u)

static void test_line_flood_feed(void)
{
    nt_framer *f = NULL;
    CU_ASSERT_FATAL(nt_framer_new(NT_FRAME_LINE, FLOOD_MAX, &f) == NT_OK);
    static char chunk[65536];
    memset(chunk, 'A', sizeof(chunk));
    size_t max_pending = 0;
    int stray = 0;
    for (size_t sent = 0; sent < FLOOD_TOTAL; sent += sizeof(chunk)) {
        CU_ASSERT_FATAL(nt_framer_feed(f, chunk, sizeof(chunk)) == NT_OK);
        const char *d;
        size_t n;
        if (nt_framer_next(f, &d, &n) != 0)
            stray++;
        size_t p = nt_framer_pending(f);
        if (p > max_pending)
            max_pending = p;
    }
    CU_ASSERT_EQUAL(stray, 0);
    CU_ASSERT(max_pending <= FLOOD_MAX + 2);
    char *space = NULL;
    ptrdiff_t room = nt_framer_space(f, &space);
    CU_ASSERT(room >= 4096 && (size_t)room <= FLOOD_SPACE_BOUND);

    CU_ASSERT_FATAL(nt_framer_feed(f, "\r\nok\n", 5) == NT_OK);
    const char *d = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), NT_EFRAME);
    CU_ASSERT_EQUAL(n, FLOOD_TOTAL);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT(n == 2 && d && memcmp(d, "ok", 3) == 0);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);
    CU_ASSERT_EQUAL(nt_framer_pending(f), 0);
    nt_framer_free(f);
}

/* The same flood read straight into the framer: the space offered, and so
 * the block behind it, stays bounded by max_len. */
static void test_line_flood_space(void)
{
    nt_framer *f = NULL;
    CU_ASSERT_FATAL(nt_framer_new(NT_FRAME_LINE, FLOOD_MAX, &f) == NT_OK);
    size_t sent = 0;
    ptrdiff_t max_room = 0;
    size_t max_pending = 0;
    while (sent < FLOOD_TOTAL) {
        char *space = NULL;
        ptrdiff_t room = nt_framer_space(f, &space);
        CU_ASSERT_FATAL(room > 0 && space != NULL);
        if (room > max_room)
            max_room = room;
        size_t k = (size_t)room < FLOOD_TOTAL - sent ? (size_t)room : FLOOD_TOTAL - sent;
        memset(space, 'B', k);
        CU_ASSERT_FATAL(nt_framer_commit(f, k) == NT_OK);
        sent += k;
        const char *d;
        size_t n;
        CU_ASSERT_FATAL(nt_framer_next(f, &d, &n) == 0);
        if (nt_framer_pending(f) > max_pending)
            max_pending = nt_framer_pending(f);
    }
    CU_ASSERT(max_pending <= FLOOD_MAX + 2);
    CU_ASSERT(max_room >= 4096 && (size_t)max_room <= FLOOD_SPACE_BOUND);
    CU_ASSERT_FATAL(nt_framer_feed(f, "\n", 1) == NT_OK);
    const char *d;
    size_t n = 0;
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), NT_EFRAME);
    CU_ASSERT_EQUAL(n, FLOOD_TOTAL);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);
    nt_framer_free(f);
}

/* Many short lines read into space and drained each time: the block does
 * not creep up either. */
static void test_line_many_space(void)
{
    nt_framer *f = NULL;
    CU_ASSERT_FATAL(nt_framer_new(NT_FRAME_LINE, FLOOD_MAX, &f) == NT_OK);
    static const char pattern[] = "PRIVMSG #c :hi\r\n";
    const size_t plen = sizeof(pattern) - 1;
    size_t stream_at = 0, lines = 0, bad = 0;
    ptrdiff_t max_room = 0;
    while (stream_at < FLOOD_TOTAL) {
        char *space = NULL;
        ptrdiff_t room = nt_framer_space(f, &space);
        CU_ASSERT_FATAL(room > 0);
        if (room > max_room)
            max_room = room;
        for (ptrdiff_t i = 0; i < room; i++)
            space[i] = pattern[(stream_at + (size_t)i) % plen];
        CU_ASSERT_FATAL(nt_framer_commit(f, (size_t)room) == NT_OK);
        stream_at += (size_t)room;
        const char *d;
        size_t n;
        int rc;
        while ((rc = nt_framer_next(f, &d, &n)) == 1) {
            lines++;
            if (n != plen - 2 || memcmp(d, pattern, n) != 0 || d[n] != '\0')
                bad++;
        }
        CU_ASSERT_FATAL(rc == 0);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(lines, stream_at / plen);
    CU_ASSERT(nt_framer_pending(f) == stream_at % plen);
    CU_ASSERT((size_t)max_room <= FLOOD_SPACE_BOUND);
    nt_framer_free(f);
}

/* An oversize u32 frame is skipped as it arrives: nothing is held. */
static void test_u32_flood(void)
{
    nt_framer *f = NULL;
    CU_ASSERT_FATAL(nt_framer_new(NT_FRAME_U32, FLOOD_MAX, &f) == NT_OK);
    unsigned char hdr[4];
    CU_ASSERT_FATAL(nt_frame_u32_header(FLOOD_TOTAL, hdr) == NT_OK);
    CU_ASSERT_FATAL(nt_framer_feed(f, hdr, 4) == NT_OK);
    static char chunk[65536];
    memset(chunk, 'C', sizeof(chunk));
    size_t max_pending = 0;
    for (size_t sent = 0; sent < FLOOD_TOTAL; sent += sizeof(chunk)) {
        const char *d;
        size_t n;
        CU_ASSERT_FATAL(nt_framer_next(f, &d, &n) == 0);
        CU_ASSERT_FATAL(nt_framer_feed(f, chunk, sizeof(chunk)) == NT_OK);
        if (nt_framer_pending(f) > max_pending)
            max_pending = nt_framer_pending(f);
    }
    CU_ASSERT_EQUAL(max_pending, 0);
    char *space = NULL;
    ptrdiff_t room = nt_framer_space(f, &space);
    CU_ASSERT(room >= 4096 && (size_t)room <= FLOOD_SPACE_BOUND);

    CU_ASSERT_FATAL(nt_frame_u32_header(2, hdr) == NT_OK);
    CU_ASSERT_FATAL(nt_framer_feed(f, hdr, 4) == NT_OK);
    CU_ASSERT_FATAL(nt_framer_feed(f, "ok", 2) == NT_OK);
    const char *d = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), NT_EFRAME);
    CU_ASSERT_EQUAL(n, FLOOD_TOTAL);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT(n == 2 && d && memcmp(d, "ok", 2) == 0);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);
    nt_framer_free(f);
}

/* Feed n bytes of piece-sized pieces; returns the CPU time it took. */
static clock_t feed_pieces(nt_framer *f, const char *piece, size_t plen, size_t n)
{
    clock_t t0 = clock();
    for (size_t sent = 0; sent < n; sent += plen)
        CU_ASSERT_FATAL(nt_framer_feed(f, piece, plen) == NT_OK);
    return clock() - t0;
}

/* A long line arriving in tiny pieces must cost the same per byte at its
 * end as at its start: rescanning the partial line on every piece would
 * make the second half three times dearer than the first (and take hours). */
static void test_line_linear(void)
{
    const size_t total = 8u * 1024u * 1024u;
    nt_framer *f = NULL;
    CU_ASSERT_FATAL(nt_framer_new(NT_FRAME_LINE, total, &f) == NT_OK);
    CU_ASSERT_FATAL(nt_framer_feed(f, "x\n", 2) == NT_OK);
    const char *d;
    size_t n;
    CU_ASSERT_FATAL(nt_framer_next(f, &d, &n) == 1);
    static const char piece[8] = {'0', '1', '2', '3', '4', '5', '6', '7'};
    clock_t first = feed_pieces(f, piece, sizeof(piece), total / 2);
    clock_t second = feed_pieces(f, piece, sizeof(piece), total / 2);
    if (second > 2 * first + CLOCKS_PER_SEC / 5)
        printf("\n    first half %ld ticks, second half %ld", (long)first, (long)second);
    CU_ASSERT(second <= 2 * first + CLOCKS_PER_SEC / 5);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);
    CU_ASSERT_EQUAL(nt_framer_pending(f), total);
    CU_ASSERT_FATAL(nt_framer_feed(f, "\r\n", 2) == NT_OK);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT_EQUAL(n, total);
    CU_ASSERT(d && memcmp(d, piece, sizeof(piece)) == 0 && d[n] == '\0');
    CU_ASSERT(d && memcmp(d + total - sizeof(piece), piece, sizeof(piece)) == 0);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);
    nt_framer_free(f);
}

static void test_space_commit(void)
{
    nt_framer *f = NULL;
    CU_ASSERT_FATAL(nt_framer_new(NT_FRAME_LINE, SMALL_MAX, &f) == NT_OK);
    char *space = NULL;

    /* A commit with no space handed out, or more than was handed out. */
    CU_ASSERT_EQUAL(nt_framer_commit(f, 1), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_commit(f, 0), NT_OK);
    ptrdiff_t room = nt_framer_space(f, &space);
    CU_ASSERT_FATAL(room >= 4096 && space != NULL);
    CU_ASSERT_EQUAL(nt_framer_commit(f, (size_t)room + 1), NT_EINVAL);

    room = nt_framer_space(f, &space);
    CU_ASSERT_FATAL(room >= 4096);
    memcpy(space, "one\r\ntw", 7);
    CU_ASSERT_EQUAL(nt_framer_commit(f, 7), NT_OK);
    /* Space is good for one commit only. */
    CU_ASSERT_EQUAL(nt_framer_commit(f, 1), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_pending(f), 2);

    const char *d = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT(n == 3 && d && strcmp(d, "one") == 0);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);

    /* A feed between space and commit takes the space back. */
    room = nt_framer_space(f, &space);
    CU_ASSERT_FATAL(room > 0);
    CU_ASSERT_EQUAL(nt_framer_feed(f, "o\n", 2), NT_OK);
    CU_ASSERT_EQUAL(nt_framer_commit(f, 1), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT(n == 3 && d && strcmp(d, "two") == 0);

    /* Overlong line read straight in, ending in the same read as the
     * next line begins. */
    room = nt_framer_space(f, &space);
    CU_ASSERT_FATAL(room >= 64);
    memset(space, 'L', 40);
    memcpy(space + 40, "\r\nnext\n", 7);
    CU_ASSERT_EQUAL(nt_framer_commit(f, 47), NT_OK);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), NT_EFRAME);
    CU_ASSERT_EQUAL(n, 40);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT(n == 4 && d && strcmp(d, "next") == 0);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);
    nt_framer_free(f);

    /* Once a long line is taken, its room is offered again even though
     * the next line's start still sits behind it. */
    CU_ASSERT_FATAL(nt_framer_new(NT_FRAME_LINE, 8192, &f) == NT_OK);
    static char big[6001];
    memset(big, 'a', sizeof(big));
    big[3000] = '\n';
    CU_ASSERT_FATAL(nt_framer_feed(f, big, sizeof(big)) == NT_OK);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT_EQUAL(n, 3000);
    CU_ASSERT_EQUAL(nt_framer_pending(f), 3000);
    room = nt_framer_space(f, &space);
    CU_ASSERT(room >= 4096);
    CU_ASSERT_FATAL(room > 0);
    space[0] = '\n';
    CU_ASSERT_EQUAL(nt_framer_commit(f, 1), NT_OK);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT(n == 3000 && d && d[0] == 'a' && d[2999] == 'a' && d[3000] == '\0');
    nt_framer_free(f);
}

static void test_invalid_args(void)
{
    nt_framer *f = (nt_framer *)&f; /* must be overwritten with NULL */
    CU_ASSERT_EQUAL(nt_framer_new(NT_FRAME_LINE, 0, &f), NT_EINVAL);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT_EQUAL(nt_framer_new(NT_FRAME_U32, 0, &f), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_new(NT_FRAME_LINE, (size_t)NT_FRAME_MAX_LIMIT + 1, &f), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_new(NT_FRAME_U32, (size_t)NT_FRAME_MAX_LIMIT + 1, &f), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_new(NT_FRAME_NONE, 16, &f), NT_EINVAL); /* nt_conn only */
    CU_ASSERT_EQUAL(nt_framer_new((nt_frame_mode)3, 16, &f), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_new(NT_FRAME_LINE, 16, NULL), NT_EINVAL);

    CU_ASSERT_EQUAL(nt_framer_new(NT_FRAME_U32, NT_FRAME_MAX_LIMIT, &f), NT_OK);
    nt_framer_free(f);
    CU_ASSERT_EQUAL(nt_framer_new(NT_FRAME_LINE, 1, &f), NT_OK);
    CU_ASSERT_FATAL(f != NULL);

    const char *d;
    size_t n;
    char *space;
    CU_ASSERT_EQUAL(nt_framer_feed(NULL, "a", 1), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_feed(f, NULL, 1), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_feed(f, NULL, 0), NT_OK);
    CU_ASSERT_EQUAL(nt_framer_next(NULL, &d, &n), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_next(f, NULL, &n), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, NULL), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_space(NULL, &space), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_space(f, NULL), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_commit(NULL, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_framer_pending(NULL), 0);
    nt_framer_free(NULL);

    /* max_len 1: a one-byte line fits, two do not. */
    CU_ASSERT_EQUAL(nt_framer_feed(f, "a\r\nbc\n", 6), NT_OK);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
    CU_ASSERT(n == 1 && d[0] == 'a' && d[1] == '\0');
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), NT_EFRAME);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);
    nt_framer_free(f);
}

static void test_u32_header(void)
{
    static const uint32_t values[] = {0, 1, 0xff, 0x100, 0x01020304, 0x7fffffff, 0xffffffff};
    unsigned char hdr[4];
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        CU_ASSERT_EQUAL(nt_frame_u32_header(values[i], hdr), NT_OK);
        uint32_t back =
            ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) | hdr[3];
        CU_ASSERT_EQUAL(back, values[i]);
    }
    CU_ASSERT_EQUAL(nt_frame_u32_header(0x01020304, hdr), NT_OK);
    CU_ASSERT(hdr[0] == 1 && hdr[1] == 2 && hdr[2] == 3 && hdr[3] == 4);
    CU_ASSERT_EQUAL(nt_frame_u32_header(1, NULL), NT_EINVAL);
    uint64_t too_big = (uint64_t)UINT32_MAX + 1;
    if (too_big <= SIZE_MAX)
        CU_ASSERT_EQUAL(nt_frame_u32_header((size_t)too_big, hdr), NT_EMSGSIZE);

    /* Round trip through a framer, at sizes around a read's worth. */
    static const size_t sizes[] = {0, 1, 255, 256, 4095, 4096, 4097, 70000};
    nt_framer *f = NULL;
    CU_ASSERT_FATAL(nt_framer_new(NT_FRAME_U32, 70000, &f) == NT_OK);
    char *payload = malloc(70000);
    CU_ASSERT_FATAL(payload != NULL);
    for (size_t i = 0; i < 70000; i++)
        payload[i] = (char)(i * 31 + 7);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        CU_ASSERT_FATAL(nt_frame_u32_header(sizes[i], hdr) == NT_OK);
        CU_ASSERT_FATAL(nt_framer_feed(f, hdr, 4) == NT_OK);
        CU_ASSERT_FATAL(nt_framer_feed(f, payload, sizes[i]) == NT_OK);
        const char *d = NULL;
        size_t n = 1;
        CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 1);
        CU_ASSERT_EQUAL(n, sizes[i]);
        CU_ASSERT(d && memcmp(d, payload, sizes[i]) == 0);
        CU_ASSERT_EQUAL(nt_framer_next(f, &d, &n), 0);
    }
    free(payload);
    nt_framer_free(f);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"line: same messages however the stream is cut", test_line_sticky},
        {"u32: same frames however the stream is cut", test_u32_sticky},
        {"line: endless line fed, memory bounded", test_line_flood_feed},
        {"line: endless line via space/commit, memory bounded", test_line_flood_space},
        {"line: many lines via space/commit, block does not grow", test_line_many_space},
        {"u32: oversize frame skipped, nothing held", test_u32_flood},
        {"line: long line in tiny pieces is linear", test_line_linear},
        {"space/commit rules", test_space_commit},
        {"invalid arguments", test_invalid_args},
        {"u32 header round trip", test_u32_header},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("frame", tests);
}

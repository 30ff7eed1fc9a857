/* SPDX-License-Identifier: MIT */
/*
 * The Redis store's work off the caller's loop (store-redis-internal.h):
 * load(), which runs before that loop does, and the final flush of free(),
 * which runs after it may have stopped.  Both talk to Redis on a loop and
 * a client of their own, within a deadline, so a Redis that does not
 * answer makes natterd refuse to start or end with a logged loss, never
 * hang.
 */
#include "store-redis-internal.h"

#include "natterd-core.h"

#include <hiredis/hiredis.h>
#include <natter/clock.h>
#include <natter/error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* load() and the final flush give Redis this long. */
#define PRIVATE_DEADLINE_MS 10000
/* load() asks for this many records at a time. */
#define LOAD_WINDOW 512

/* ---- a private connection, for load() and the last flush ---- */

/* load() runs before the caller's loop does, and free() after it may
 * have stopped: both talk to Redis on a loop and client of their own. */
typedef struct private_link {
    nt_loop *loop;
    rds_client *client;
    int last_error; /* what the connection last ended with, 0 if nothing */
} private_link;

static void private_down(void *data, int reason)
{
    private_link *p = data;
    p->last_error = reason;
}

static int private_open(const redis_store *st, private_link *p, const char *name, char *err,
                        size_t errsize)
{
    memset(p, 0, sizeof *p);
    int rc = nt_loop_new(&p->loop);
    if (rc != NT_OK) {
        snprintf(err, errsize, "Redis store: no loop: %s", nt_strerror(rc));
        return -1;
    }
    rds_options o = {
        .address = st->address, .password = st->password, .tls = st->tls, .name = name};
    rds_callbacks cb = {.on_down = private_down};
    p->client = rds_client_new(p->loop, &o, &cb, p, err, errsize);
    if (!p->client) {
        nt_loop_close(p->loop);
        return -1;
    }
    return 0;
}

/* Run p's loop until done(arg) or deadline_ms pass.  @return 1 when done */
static int private_run(private_link *p, int (*done)(void *arg), void *arg, unsigned deadline_ms)
{
    uint64_t deadline = nt_clock_ms() + deadline_ms;
    while (!done(arg)) {
        uint64_t now = nt_clock_ms();
        if (now >= deadline)
            return 0;
        nt_loop_run_once(p->loop, deadline - now < 100 ? (int)(deadline - now) : 100);
    }
    return 1;
}

/* Free the client (its pending callbacks answered with NULL) and the loop. */
static void private_close(private_link *p)
{
    rds_client_free(p->client);
    p->client = NULL;
    nt_loop_drain(p->loop);
    nt_loop_close(p->loop);
    p->loop = NULL;
}

/* ---- load ---- */

enum load_phase { LOAD_ACCOUNTS, LOAD_CHANNELS, LOAD_MARKERS, LOAD_LAST, LOAD_DONE };
static const char *const load_sets[] = {"accounts", "channels", "markers"};
static const char *const load_kinds[] = {"acct:", "chan:", "markers:"};

typedef struct loader {
    redis_store *st;
    rds_client *client;
    const srv_store_visitor *v;
    void *ctx;
    enum load_phase phase;
    char **keys; /* the current set's members */
    size_t nkeys, sent, answered;
    int asked, known; /* the current set's members were asked for, and came */
    int failed;
    char err[256];
} loader;

static void load_fail(loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void load_fail(loader *l, const char *fmt, ...)
{
    if (l->failed)
        return;
    l->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err, sizeof l->err, fmt, ap);
    va_end(ap);
}

static void load_keys_free(loader *l)
{
    for (size_t i = 0; i < l->nkeys; i++)
        free(l->keys[i]);
    free(l->keys);
    l->keys = NULL;
    l->nkeys = l->sent = l->answered = 0;
}

/* Undo the escaping of list fields (sb_esc() of store-redis.c), in place. */
static void unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 's' ? ' ' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* A field of an HGETALL reply, or "" when it is not there. */
static const char *hash_field(const rds_reply *r, const char *name)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const rds_reply *f = r->element[i], *v = r->element[i + 1];
        if (f->type == REDIS_REPLY_STRING && strcmp(f->str, name) == 0 &&
            v->type == REDIS_REPLY_STRING)
            return v->str;
    }
    return "";
}

static int64_t hash_i64(const rds_reply *r, const char *name)
{
    return strtoll(hash_field(r, name), NULL, 10);
}

/* Split s (changed in place) at each sep into at most max pieces.
 * @return how many */
static size_t split(char *s, char sep, char **out, size_t max)
{
    size_t n = 0;
    if (!*s)
        return 0;
    while (n < max) {
        out[n++] = s;
        char *at = strchr(s, sep);
        if (!at)
            break;
        *at = '\0';
        s = at + 1;
    }
    return n;
}

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static int visit_account(loader *l, const char *key, const rds_reply *r)
{
    char *fps = srv_store_copy_or_empty(hash_field(r, "certfps"));
    size_t max = fps ? count_char(fps, ',') + 1 : 0;
    char **list = max ? calloc(max, sizeof *list) : NULL;
    if (!fps || !list) {
        free(fps);
        free(list);
        load_fail(l, "out of memory");
        return -1;
    }
    size_t n = split(fps, ',', list, max);
    for (size_t i = 0; i < n; i++)
        unescape(list[i]);
    srv_store_account a = {
        .key = key,
        .name = hash_field(r, "name"),
        .credential = hash_field(r, "credential"),
        .registered_s = hash_i64(r, "registered"),
        .certfps = (const char *const *)list,
        .ncertfps = n,
    };
    int stop = l->v->account ? l->v->account(l->ctx, &a) : 0;
    free(list);
    free(fps);
    return stop;
}

static int visit_channel(loader *l, const char *key, const rds_reply *r)
{
    char *access = srv_store_copy_or_empty(hash_field(r, "access"));
    char *masks = srv_store_copy_or_empty(hash_field(r, "masks"));
    size_t amax = access ? count_char(access, '\n') + 1 : 0;
    size_t mmax = masks ? count_char(masks, '\n') + 1 : 0;
    char **alines = calloc(amax + 1, sizeof *alines), **mlines = calloc(mmax + 1, sizeof *mlines);
    srv_store_access *al = calloc(amax + 1, sizeof *al);
    srv_store_mask *ml = calloc(mmax + 1, sizeof *ml);
    int stop = -1;
    if (!access || !masks || !alines || !mlines || !al || !ml) {
        load_fail(l, "out of memory");
        goto out;
    }
    size_t na = 0, nm = 0;
    size_t lines = split(access, '\n', alines, amax);
    for (size_t i = 0; i < lines; i++) {
        char *f[2];
        if (split(alines[i], ' ', f, 2) != 2 || strlen(f[0]) != 1)
            continue; /* not written by this store: skipped */
        unescape(f[1]);
        al[na++] = (srv_store_access){.account_key = f[1], .level = f[0][0]};
    }
    lines = split(masks, '\n', mlines, mmax);
    for (size_t i = 0; i < lines; i++) {
        char *f[4];
        if (split(mlines[i], ' ', f, 4) != 4 || strlen(f[0]) != 1)
            continue;
        unescape(f[2]);
        unescape(f[3]);
        ml[nm++] = (srv_store_mask){
            .list = f[0][0], .mask = f[3], .setter = f[2], .when_s = strtoll(f[1], NULL, 10)};
    }
    int64_t limit = hash_i64(r, "limit");
    srv_store_channel c = {
        .key = key,
        .name = hash_field(r, "name"),
        .founder_key = hash_field(r, "founder"),
        .registered_s = hash_i64(r, "registered"),
        .topic = hash_field(r, "topic"),
        .topic_setter = hash_field(r, "topic_setter"),
        .topic_time_s = hash_i64(r, "topic_time"),
        .modes = hash_field(r, "modes"),
        .chan_key = hash_field(r, "chan_key"),
        .limit = limit > 0 && limit <= UINT32_MAX ? (unsigned)limit : 0,
        .access = al,
        .naccess = na,
        .masks = ml,
        .nmasks = nm,
    };
    stop = l->v->channel ? l->v->channel(l->ctx, &c) : 0;
out:
    free(access);
    free(masks);
    free(alines);
    free(mlines);
    free(al);
    free(ml);
    return stop;
}

static int visit_markers(loader *l, const char *account, const rds_reply *r)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const rds_reply *t = r->element[i], *v = r->element[i + 1];
        if (t->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (l->v->marker && l->v->marker(l->ctx, account, t->str, strtoll(v->str, NULL, 10)))
            return -1;
    }
    return 0;
}

static void load_phase(loader *l);

/* Is r an array to go on with?  (A late reply after a failure is not.) */
static int load_array(loader *l, const rds_reply *r, const char *const *names)
{
    if (l->failed || l->phase >= LOAD_LAST)
        return 0;
    if (!redis_reply_ok(r) || r->type != REDIS_REPLY_ARRAY) {
        load_fail(l, "reading %s: %s", names[l->phase], redis_reply_error(r));
        return 0;
    }
    return 1;
}

static void load_record(void *arg, const rds_reply *r)
{
    loader *l = arg;
    if (!load_array(l, r, load_kinds))
        return;
    const char *key = l->keys[l->answered++];
    int stop = 0;
    if (r->elements >= 2) { /* empty: dropped since the set was read */
        if (l->phase == LOAD_ACCOUNTS)
            stop = visit_account(l, key, r);
        else if (l->phase == LOAD_CHANNELS)
            stop = visit_channel(l, key, r);
        else
            stop = visit_markers(l, key, r);
    }
    if (stop) {
        load_fail(l, "stopped by the reader");
        return;
    }
    load_phase(l);
}

static void load_members(void *arg, const rds_reply *r)
{
    loader *l = arg;
    if (!load_array(l, r, load_sets))
        return;
    l->keys = r->elements ? calloc(r->elements, sizeof *l->keys) : NULL;
    if (r->elements && !l->keys) {
        load_fail(l, "out of memory");
        return;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const rds_reply *m = r->element[i];
        l->keys[l->nkeys] = srv_store_copy_n(m->str ? m->str : "", m->str ? m->len : 0);
        if (!l->keys[l->nkeys]) {
            load_fail(l, "out of memory");
            return;
        }
        l->nkeys++;
    }
    l->known = 1;
    load_phase(l);
}

static void load_last(void *arg, const rds_reply *r)
{
    loader *l = arg;
    if (l->failed || l->phase == LOAD_DONE)
        return;
    if (!redis_reply_ok(r)) {
        load_fail(l, "reading last_msgid: %s", redis_reply_error(r));
        return;
    }
    if (l->v->last_msgid && l->v->last_msgid(l->ctx, redis_reply_i64(r))) {
        load_fail(l, "stopped by the reader");
        return;
    }
    l->phase = LOAD_DONE;
}

/*
 * The next step: each set's members (SMEMBERS), then their records
 * (HGETALL), at most LOAD_WINDOW asked at a time, accounts before
 * channels (a channel's founder must be known), then markers, then the
 * last msgid.
 */
static void load_phase(loader *l)
{
    while (!l->failed && l->phase < LOAD_LAST) {
        if (!l->asked) {
            l->asked = 1;
            redis_cmd c = {0};
            redis_cmd_str(&c, "SMEMBERS");
            redis_cmd_key(&c, l->st, load_sets[l->phase], "");
            if (redis_cmd_send_on(l->client, &c, load_members, l) < 0)
                load_fail(l, "Redis refused a request");
            return;
        }
        if (!l->known)
            return; /* the members are on their way */
        while (l->sent < l->nkeys && l->sent - l->answered < LOAD_WINDOW) {
            redis_cmd c = {0};
            redis_cmd_str(&c, "HGETALL");
            redis_cmd_key(&c, l->st, load_kinds[l->phase], l->keys[l->sent]);
            if (redis_cmd_send_on(l->client, &c, load_record, l) < 0) {
                load_fail(l, "Redis refused a request");
                return;
            }
            l->sent++;
        }
        if (l->answered < l->nkeys)
            return;
        load_keys_free(l);
        l->asked = l->known = 0;
        l->phase++;
    }
    if (!l->failed && l->phase == LOAD_LAST && !l->asked) {
        l->asked = 1;
        redis_cmd c = {0};
        redis_cmd_str(&c, "GET");
        redis_cmd_key(&c, l->st, "last_msgid", "");
        if (redis_cmd_send_on(l->client, &c, load_last, l) < 0)
            load_fail(l, "Redis refused a request");
    }
}

static int load_over(void *arg)
{
    const loader *l = arg;
    return l->failed || l->phase == LOAD_DONE;
}

int redis_store_load(srv_store *base, const srv_store_visitor *v, void *ctx, char *err,
                     size_t errsize)
{
    redis_store *st = (redis_store *)base;
    private_link p;
    if (private_open(st, &p, "natterd-load", err, errsize) < 0)
        return -1;
    loader l = {.st = st, .client = p.client, .v = v, .ctx = ctx};
    load_phase(&l);
    if (!private_run(&p, load_over, &l, PRIVATE_DEADLINE_MS)) {
        if (p.last_error)
            load_fail(&l, "Redis at %s did not answer within %u s (%s)", st->address,
                      PRIVATE_DEADLINE_MS / 1000, nt_strerror(p.last_error));
        else
            load_fail(&l, "Redis at %s did not answer within %u s", st->address,
                      PRIVATE_DEADLINE_MS / 1000);
    }
    l.failed |= l.phase != LOAD_DONE; /* late replies are ignored */
    private_close(&p);
    load_keys_free(&l);
    if (l.phase != LOAD_DONE) {
        snprintf(err, errsize, "reading the Redis store: %s", l.err);
        return -1;
    }
    return 0;
}

/* ---- the final flush ---- */

typedef struct final_flush {
    const redis_store *st;
    const private_link *p;
} final_flush;

/* Every batch answered, or the connection failed: a Redis that refuses
 * it is not waited for until the deadline. */
static int final_flush_over(void *arg)
{
    const final_flush *f = arg;
    return f->st->batches_inflight == 0 || f->p->last_error != 0;
}

/* A clean stop keeps every event relayed: what is still queued goes on a
 * connection of its own (the caller's loop may not run again). */
void redis_store_final_flush(redis_store *st)
{
    char err[256];
    private_link p;
    if (private_open(st, &p, "natterd-flush", err, sizeof err) < 0) {
        redis_store_logf(st, SRV_LOG_ERROR, "store: %s", err);
        return;
    }
    redis_store_flush_queue(st, p.client);
    final_flush f = {st, &p};
    private_run(&p, final_flush_over, &f, PRIVATE_DEADLINE_MS / 2);
    if (st->batches_inflight && p.last_error)
        redis_store_logf(st, SRV_LOG_ERROR, "store: Redis at %s at exit: %s", st->address,
                         nt_strerror(p.last_error));
    private_close(&p); /* a batch not answered comes back to the queue */
}

/* SPDX-License-Identifier: MIT */
/* Fuzz natterd's whole command dispatch with no sockets: the input is a
 * script of lines, each addressed to one of a few fake clients (the first
 * byte picks the client; some values connect, disconnect, or move the
 * clock).  Output is checked for framing: every send is whole CRLF lines.
 *
 * Accounts are on: the server has a real SQLite store in memory, so
 * REGISTER, SASL and NickServ run to their store writes and replies.
 * Client 3 connects over "TLS" with a client certificate (EXTERNAL, CERT
 * ADD without a fingerprint).  History is on too (CHATHISTORY, MARKREAD,
 * event-playback, retention at 6 messages a target; the history seeds
 * come from make-history-seeds.py).
 *
 * Password hashes go through an offload of our own that holds them until
 * time passes: a hash is slow in the daemon, so "the client quit, aborted
 * or sent CAP END while its check was in flight" is an ordinary state the
 * fuzzer must be able to reach.  Every time op (first byte 0xc0 and up,
 * 0xc0 itself moving the clock by nothing) first finishes the held jobs,
 * as the worker would have meanwhile; the end of the input finishes the
 * rest after the shutdown, as natterd's exit does.
 *
 * Two functions are replaced at link time (-Wl,--wrap, tests/fuzz/
 * meson.build), both for the same reasons: an input must replay, and a
 * seed must be able to hold a valid SCRAM proof (make-account-seeds.py
 * computes it).
 *  - nt_random_bytes() gives every call the same bytes, so salts and
 *    SCRAM server nonces are known in advance.
 *  - PBKDF2 runs one round whatever it is asked for: at the 4096 rounds
 *    the core allows at least, a hash costs 0.5 ms, and the account seeds
 *    hash a dozen times each.  Making and checking a credential both go
 *    through it, so they agree, and the rounds still travel through every
 *    code path (SCRAM's i=4096).
 *
 * The SQLite store is opened once, not per input (an open with its schema
 * migrations costs 2 ms under ASan, more than the rest of a run): each
 * server gets a wrapper whose free() empties it again.  With real hashes
 * and a store per input, 20,000 runs took 101 s; with these two, 47 s.
 *
 * NATTER_FUZZ_ECHO=1 prints what each client was sent (on stderr): to see
 * what a seed reaches, run the target on that one file.  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <natter/buf.h>

#include "config.h"
#include "natterd-core.h"
#include "store-sqlite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __wrap_nt_random_bytes(void *buf, size_t len);
void __real_nettle_pbkdf2_hmac_sha256(size_t key_length, const uint8_t *key, unsigned iterations,
                                      size_t salt_length, const uint8_t *salt, size_t length,
                                      uint8_t *dst);
void __wrap_nettle_pbkdf2_hmac_sha256(size_t key_length, const uint8_t *key, unsigned iterations,
                                      size_t salt_length, const uint8_t *salt, size_t length,
                                      uint8_t *dst);

#define CLIENTS 4
/* The core holds at most 32 hashes in flight (SRV_HASH_MAX_INFLIGHT). */
#define MAX_JOBS 64
/* Account hashes at the lowest rounds the core accepts: fuzzing wants many
 * runs, and the rounds change no code path. */
#define FUZZ_ITERATIONS 4096
#define TLS_CLIENT 3
#define TLS_CERTFP "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct fuzz_conn {
    srv_client *client;
    int open;
} fuzz_conn;

typedef struct held_job {
    void (*run)(void *job);
    void (*done)(void *job);
    void *job;
} held_job;

static uint64_t now_ms;
static fuzz_conn conns[CLIENTS];
static held_job jobs[MAX_JOBS];
static size_t njobs;
static int echo = -1;

/* ---- link-time replacements (see the top) ---- */

int __wrap_nt_random_bytes(void *buf, size_t len)
{
    unsigned char *b = buf;
    for (size_t i = 0; i < len; i++)
        b[i] = (unsigned char)(0x5a ^ (i * 37));
    return 0;
}

void __wrap_nettle_pbkdf2_hmac_sha256(size_t key_length, const uint8_t *key, unsigned iterations,
                                      size_t salt_length, const uint8_t *salt, size_t length,
                                      uint8_t *dst)
{
    if (iterations == 0)
        abort(); /* nettle would assert: a caller let an unchecked count through */
    __real_nettle_pbkdf2_hmac_sha256(key_length, key, 1, salt_length, salt, length, dst);
}

/* ---- the store: one SQLite database, emptied after each input ---- */

typedef struct reuse_store {
    srv_store base;
    srv_store *db;
} reuse_store;

typedef struct key_list {
    char **keys;
    size_t n;
    int channels; /* collecting channels rather than accounts */
} key_list;

static srv_store *shared_db;

static int collect(key_list *l, const char *key)
{
    size_t len = strlen(key) + 1;
    char **k = realloc(l->keys, (l->n + 1) * sizeof *k);
    if (!k)
        abort();
    l->keys = k;
    if (!(k[l->n] = malloc(len)))
        abort();
    memcpy(k[l->n++], key, len);
    return 0;
}

static int collect_account(void *ctx, const srv_store_account *a)
{
    key_list *l = ctx;
    return l->channels ? 0 : collect(l, a->key);
}

static int collect_channel(void *ctx, const srv_store_channel *ch)
{
    key_list *l = ctx;
    return l->channels ? collect(l, ch->key) : 0;
}

static void dropped(void *ctx, int status)
{
    (void)ctx;
    if (status != SRV_STORE_OK)
        abort(); /* a key load() just listed */
}

/* Drop every record (through the store's own API: what load() lists),
 * and all history: retention with everything too old, until nothing is
 * left (the last, empty, step also restarts its per-target bookkeeping). */
static void empty_db(srv_store *db)
{
    static const srv_store_visitor v = {.account = collect_account, .channel = collect_channel};
    char err[256];
    const srv_store_retention all = {.oldest = INT64_MAX, .per_target = 1, .budget = 100000};
    while (db->ops->trim_history(db, &all) > 0)
        continue;
    for (int channels = 1; channels >= 0; channels--) {
        key_list l = {NULL, 0, channels};
        if (db->ops->load(db, &v, &l, err, sizeof err) != 0)
            abort();
        for (size_t i = 0; i < l.n; i++) {
            if (channels)
                db->ops->drop_channel(db, l.keys[i], dropped, NULL);
            else {
                db->ops->drop_account_history(db, l.keys[i], dropped, NULL); /* read markers */
                db->ops->drop_account(db, l.keys[i], dropped, NULL);
            }
            free(l.keys[i]);
        }
        free(l.keys);
    }
}

static int rs_load(srv_store *st, const srv_store_visitor *v, void *ctx, char *err, size_t errsize)
{
    srv_store *db = ((reuse_store *)st)->db;
    return db->ops->load(db, v, ctx, err, errsize);
}

static void rs_put_account(srv_store *st, const srv_store_account *a, int create,
                           srv_store_done_fn done, void *ctx)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->put_account(db, a, create, done, ctx);
}

static void rs_drop_account(srv_store *st, const char *key, srv_store_done_fn done, void *ctx)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->drop_account(db, key, done, ctx);
}

static void rs_put_channel(srv_store *st, const srv_store_channel *ch, int create,
                           srv_store_done_fn done, void *ctx)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->put_channel(db, ch, create, done, ctx);
}

static void rs_drop_channel(srv_store *st, const char *key, srv_store_done_fn done, void *ctx)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->drop_channel(db, key, done, ctx);
}

/* History: straight through (the queue is the database's own). */
static void rs_append_event(srv_store *st, const srv_store_event *ev)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->append_event(db, ev);
}

static int rs_flush_events(srv_store *st)
{
    srv_store *db = ((reuse_store *)st)->db;
    return db->ops->flush_events(db);
}

static void rs_query_events(srv_store *st, const srv_store_history_query *q,
                            srv_store_events_fn done, void *ctx)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->query_events(db, q, done, ctx);
}

static void rs_query_targets(srv_store *st, const srv_store_targets_query *q,
                             srv_store_targets_fn done, void *ctx)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->query_targets(db, q, done, ctx);
}

static unsigned rs_trim_history(srv_store *st, const srv_store_retention *r)
{
    srv_store *db = ((reuse_store *)st)->db;
    return db->ops->trim_history(db, r);
}

static void rs_put_marker(srv_store *st, const char *account_key, const char *target,
                          int64_t time_us, srv_store_done_fn done, void *ctx)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->put_marker(db, account_key, target, time_us, done, ctx);
}

static void rs_drop_account_history(srv_store *st, const char *account_key,
                                    srv_store_done_fn done, void *ctx)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->drop_account_history(db, account_key, done, ctx);
}

static void rs_free(srv_store *st)
{
    srv_store *db = ((reuse_store *)st)->db;
    db->ops->flush_events(db); /* as the SQLite store's own free() */
    empty_db(db);
    free(st);
}

static const srv_store_ops reuse_ops = {
    .load = rs_load,
    .put_account = rs_put_account,
    .drop_account = rs_drop_account,
    .put_channel = rs_put_channel,
    .drop_channel = rs_drop_channel,
    .append_event = rs_append_event,
    .flush_events = rs_flush_events,
    .query_events = rs_query_events,
    .query_targets = rs_query_targets,
    .trim_history = rs_trim_history,
    .put_marker = rs_put_marker,
    .drop_account_history = rs_drop_account_history,
    .free = rs_free,
};

static srv_store *store_new(void)
{
    char err[256] = "out of memory";
    if (!shared_db)
        shared_db = srv_store_sqlite_open(":memory:", NULL, err, sizeof err);
    reuse_store *rs = shared_db ? calloc(1, sizeof *rs) : NULL;
    if (!rs) {
        /* Without a store every account command stops at "disabled":
         * fuzzing on would look fine and test nothing. */
        fprintf(stderr, "fuzz-dispatch: no store: %s\n", err);
        abort();
    }
    rs->base.ops = &reuse_ops;
    rs->db = shared_db;
    return &rs->base;
}

/* ---- the fake connections ---- */

static uint64_t mono(void *ctx)
{
    (void)ctx;
    return now_ms;
}

static int64_t wall(void *ctx)
{
    (void)ctx;
    return (int64_t)now_ms * 1000 + 1700000000000000;
}

static void t_send(void *ctx, nt_buf *line)
{
    size_t len = nt_buf_len(line);
    const char *d = nt_buf_data(line);
    if (echo)
        fprintf(stderr, "%d< %.*s", (int)((fuzz_conn *)ctx - conns), (int)len, d);
    if (len < 2 || d[len - 2] != '\r' || d[len - 1] != '\n')
        abort();
    for (size_t i = 0; i + 2 < len; i++)
        if (d[i] == '\r' || d[i] == '\n' || d[i] == '\0')
            abort(); /* a relayed CR/LF/NUL would forge lines for others */
}

static void t_close(void *ctx, const char *reason)
{
    fuzz_conn *c = ctx;
    (void)reason;
    c->client = NULL;
    c->open = 0;
}

static void t_pause(void *ctx, uint64_t until)
{
    (void)ctx;
    (void)until;
}

static const srv_transport transport = {t_send, t_close, t_pause};

/* The core's slow work: held until time passes (finish_jobs()). */
static void hold_job(void *ctx, void (*run)(void *job), void (*done)(void *job), void *job)
{
    (void)ctx;
    if (njobs == MAX_JOBS) {
        /* More than the core ever holds in flight: do it now. */
        run(job);
        done(job);
        return;
    }
    jobs[njobs++] = (held_job){run, done, job};
}

/* The worker caught up: each job's done() in the order they were handed
 * over (one worker thread, one queue), including jobs a done() adds. */
static void finish_jobs(void)
{
    for (size_t i = 0; i < njobs; i++) {
        held_job j = jobs[i];
        j.run(j.job);
        j.done(j.job);
    }
    njobs = 0;
}

static srv_server *server_new(void)
{
    srv_config cfg;
    if (srv_config_defaults(&cfg) != 0)
        return NULL;
    cfg.flood_penalty_percent = 0;
    cfg.password_iterations = FUZZ_ITERATIONS;
    /* History on (CHATHISTORY, MARKREAD, event-playback), with limits an
     * input reaches: a few messages per target, queries of 10 at most. */
    cfg.history_enabled = 1;
    cfg.history_private = 1;
    cfg.history_per_target = 6;
    cfg.history_query_limit = 10;
    srv_server *s = srv_server_new(&cfg);
    srv_config_free(&cfg);
    if (!s)
        return NULL;
    srv_server_set_clock(s, mono, wall, NULL);
    char err[256];
    if (srv_server_set_store(s, store_new(), err, sizeof err) != 0) {
        fprintf(stderr, "fuzz-dispatch: the store did not load: %s\n", err);
        abort();
    }
    srv_server_set_offload(s, hold_job, NULL);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (echo < 0)
        echo = getenv("NATTER_FUZZ_ECHO") != NULL;
    now_ms = 1000;
    njobs = 0;
    srv_server *s = server_new();
    if (!s)
        return 0;
    memset(conns, 0, sizeof conns);

    size_t off = 0;
    while (off < size) {
        uint8_t op = data[off++];
        size_t end = off;
        while (end < size && data[end] != '\n')
            end++;
        fuzz_conn *c = &conns[op % CLIENTS];
        switch (op >> 6) {
        case 0:
        case 1: /* a line for client op % CLIENTS, connecting it first */
            if (!c->open) {
                c->open = 1;
                c->client = srv_client_new(s, &transport, c, "127.0.0.1");
                if (!c->client)
                    c->open = 0;
                else if (op % CLIENTS == TLS_CLIENT)
                    srv_client_set_secure(c->client, TLS_CERTFP);
            }
            if (c->client) {
                if (echo)
                    fprintf(stderr, "%d> %.*s\n", op % CLIENTS, (int)(end - off),
                            (const char *)data + off);
                srv_client_line(c->client, (const char *)data + off, end - off);
            }
            break;
        case 2: /* the connection drops */
            if (c->client)
                srv_client_gone(c->client, NT_ECONNRESET);
            c->client = NULL;
            c->open = 0;
            break;
        default: /* time passes: the worker has finished meanwhile */
            finish_jobs();
            now_ms += (uint64_t)(op & 63) * 5000;
            srv_server_tick(s, now_ms);
            break;
        }
        off = end + 1;
    }
    srv_server_shutdown(s, "fuzz done");
    /* As natterd exits: hashes in flight finish, their replies find no one. */
    finish_jobs();
    srv_server_free(s);
    return 0;
}

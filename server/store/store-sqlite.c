/* SPDX-License-Identifier: MIT */
#include "store-sqlite.h"

#include "store-queue.h"

#include "natterd-core.h"

#include <natter/clock.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies of column text live as long as the visitor's call. */
static char *dup_text(const char *s)
{
    return sqlite3_mprintf("%s", s);
}

/* Each migration brings the schema from version i to i + 1 and runs in
 * its own transaction with the schema_version row that records it, so a
 * crash mid-migration leaves the previous version, whole.  Append only:
 * a released migration is never edited (databases out there ran it). */
static const char *const migrations[] = {
    /* 1: accounts and their client-certificate fingerprints */
    "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_s INTEGER NOT NULL);"
    "CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  credential TEXT NOT NULL, registered_s INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE account_certs (account_key TEXT NOT NULL"
    "  REFERENCES accounts(key) ON DELETE CASCADE, fingerprint TEXT NOT NULL,"
    "  PRIMARY KEY (account_key, fingerprint)) WITHOUT ROWID;"
    "CREATE INDEX account_certs_by_fingerprint ON account_certs(fingerprint);",
    /* 2: registered channels, their access lists and mask lists */
    "CREATE TABLE channels (key TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  founder_key TEXT NOT NULL, registered_s INTEGER NOT NULL,"
    "  topic TEXT NOT NULL DEFAULT '', topic_setter TEXT NOT NULL DEFAULT '',"
    "  topic_time_s INTEGER NOT NULL DEFAULT 0, modes TEXT NOT NULL DEFAULT '',"
    "  chan_key TEXT NOT NULL DEFAULT '', user_limit INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE channel_access (channel_key TEXT NOT NULL"
    "  REFERENCES channels(key) ON DELETE CASCADE, account_key TEXT NOT NULL,"
    "  level TEXT NOT NULL, PRIMARY KEY (channel_key, account_key)) WITHOUT ROWID;"
    "CREATE TABLE channel_masks (channel_key TEXT NOT NULL"
    "  REFERENCES channels(key) ON DELETE CASCADE, list TEXT NOT NULL, mask TEXT NOT NULL,"
    "  setter TEXT NOT NULL, when_s INTEGER NOT NULL,"
    "  PRIMARY KEY (channel_key, list, mask)) WITHOUT ROWID;",
    /* 3: conversation history and read markers.  seq follows msgid
     * (events are appended in msgid order), so the oldest events are the
     * lowest seqs and retention deletes a prefix.  history_targets counts
     * each target's events (kept by triggers, so every delete counts),
     * which lets per-target retention find the targets over their limit
     * without scanning history, and remembers the highest msgid ever
     * stored even when retention emptied the table. */
    "CREATE TABLE history (seq INTEGER PRIMARY KEY, target TEXT NOT NULL,"
    "  msgid INTEGER NOT NULL, kind INTEGER NOT NULL, line TEXT NOT NULL,"
    "  account TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX history_by_target ON history(target, msgid);"
    "CREATE TABLE history_targets (target TEXT PRIMARY KEY, events INTEGER NOT NULL,"
    "  latest INTEGER NOT NULL, reset INTEGER NOT NULL) WITHOUT ROWID;"
    /* reset: the latest END (kind 11) of the target; queries start after it */
    "CREATE TRIGGER history_counted AFTER INSERT ON history BEGIN"
    "  INSERT INTO history_targets (target, events, latest, reset) VALUES (NEW.target, 1,"
    "  NEW.msgid, CASE WHEN NEW.kind = 11 THEN NEW.msgid ELSE 0 END)"
    "  ON CONFLICT (target) DO UPDATE SET events = events + 1,"
    "  latest = max(latest, excluded.latest), reset = max(reset, excluded.reset); END;"
    "CREATE TRIGGER history_uncounted AFTER DELETE ON history BEGIN"
    "  UPDATE history_targets SET events = events - 1 WHERE target = OLD.target; END;"
    "CREATE TABLE read_markers (account_key TEXT NOT NULL, target TEXT NOT NULL,"
    "  time_us INTEGER NOT NULL, PRIMARY KEY (account_key, target)) WITHOUT ROWID;",
};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

_Static_assert(NMIGRATIONS == SRV_STORE_SQLITE_SCHEMA, "one migration per schema version");

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_ACCOUNT_INSERT,
    ST_ACCOUNT_UPSERT,
    ST_ACCOUNT_DELETE,
    ST_CERTS_CLEAR,
    ST_CERT_INSERT,
    ST_CHANNEL_INSERT,
    ST_CHANNEL_UPSERT,
    ST_CHANNEL_DELETE,
    ST_ACCESS_CLEAR,
    ST_ACCESS_INSERT,
    ST_MASKS_CLEAR,
    ST_MASK_INSERT,
    ST_EVENT_INSERT,
    ST_EVENTS_NEWEST,
    ST_EVENTS_OLDEST,
    ST_TARGET_LATEST,
    ST_ACCOUNT_TARGETS,
    ST_TRIM_OLDEST,
    ST_TRIM_OVER,
    ST_TRIM_TARGET,
    ST_MARKER_UPSERT,
    ST_HISTORY_DROP,
    ST_MARKERS_DROP,
    ST_COUNT
};

/* Nothing before a target's latest END (a channel of the same name
 * that emptied and was gone). */
#define AFTER_RESET \
    " AND msgid > coalesce((SELECT reset FROM history_targets WHERE target = ?1), 0)"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_ACCOUNT_INSERT] = "INSERT INTO accounts (key, name, credential, registered_s)"
                          " VALUES (?1, ?2, ?3, ?4)",
    [ST_ACCOUNT_UPSERT] = "INSERT INTO accounts (key, name, credential, registered_s)"
                          " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET"
                          " name = excluded.name, credential = excluded.credential,"
                          " registered_s = excluded.registered_s",
    [ST_ACCOUNT_DELETE] = "DELETE FROM accounts WHERE key = ?1",
    [ST_CERTS_CLEAR] = "DELETE FROM account_certs WHERE account_key = ?1",
    [ST_CERT_INSERT] = "INSERT OR IGNORE INTO account_certs (account_key, fingerprint)"
                       " VALUES (?1, ?2)",
    [ST_CHANNEL_INSERT] = "INSERT INTO channels (key, name, founder_key, registered_s, topic,"
                          " topic_setter, topic_time_s, modes, chan_key, user_limit)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_CHANNEL_UPSERT] = "INSERT INTO channels (key, name, founder_key, registered_s, topic,"
                          " topic_setter, topic_time_s, modes, chan_key, user_limit)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                          " ON CONFLICT (key) DO UPDATE SET name = excluded.name,"
                          " founder_key = excluded.founder_key,"
                          " registered_s = excluded.registered_s, topic = excluded.topic,"
                          " topic_setter = excluded.topic_setter,"
                          " topic_time_s = excluded.topic_time_s, modes = excluded.modes,"
                          " chan_key = excluded.chan_key, user_limit = excluded.user_limit",
    [ST_CHANNEL_DELETE] = "DELETE FROM channels WHERE key = ?1",
    [ST_ACCESS_CLEAR] = "DELETE FROM channel_access WHERE channel_key = ?1",
    [ST_ACCESS_INSERT] = "INSERT OR REPLACE INTO channel_access (channel_key, account_key, level)"
                         " VALUES (?1, ?2, ?3)",
    [ST_MASKS_CLEAR] = "DELETE FROM channel_masks WHERE channel_key = ?1",
    [ST_MASK_INSERT] = "INSERT OR REPLACE INTO channel_masks (channel_key, list, mask, setter,"
                       " when_s) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_EVENT_INSERT] = "INSERT INTO history (target, msgid, kind, line, account, tags)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_EVENTS_NEWEST] = "SELECT msgid, kind, line, account, tags FROM history"
                         " WHERE target = ?1 AND msgid > ?2 AND msgid < ?3" AFTER_RESET
                         " AND ((1 << kind) & ?4) != 0 ORDER BY msgid DESC LIMIT ?5",
    [ST_EVENTS_OLDEST] = "SELECT msgid, kind, line, account, tags FROM history"
                         " WHERE target = ?1 AND msgid > ?2 AND msgid < ?3" AFTER_RESET
                         " AND ((1 << kind) & ?4) != 0 ORDER BY msgid ASC LIMIT ?5",
    [ST_TARGET_LATEST] = "SELECT max(msgid) FROM history"
                         " WHERE target = ?1 AND msgid > ?2 AND msgid < ?3" AFTER_RESET,
    [ST_ACCOUNT_TARGETS] = "SELECT target, max(msgid) FROM history"
                           " WHERE target > ?1 AND target < ?2 AND msgid > ?3 AND msgid < ?4"
                           " GROUP BY target",
    [ST_TRIM_OLDEST] = "DELETE FROM history WHERE seq IN"
                       " (SELECT seq FROM history ORDER BY seq LIMIT ?2) AND msgid < ?1",
    [ST_TRIM_OVER] = "SELECT target, events FROM history_targets WHERE events > ?1 LIMIT 8",
    [ST_TRIM_TARGET] = "DELETE FROM history WHERE seq IN (SELECT seq FROM history"
                       " WHERE target = ?1 AND msgid <= ?2 ORDER BY msgid LIMIT ?3)",
    [ST_MARKER_UPSERT] = "INSERT INTO read_markers (account_key, target, time_us)"
                         " VALUES (?1, ?2, ?3) ON CONFLICT (account_key, target)"
                         " DO UPDATE SET time_us = max(time_us, excluded.time_us)",
    [ST_HISTORY_DROP] = "DELETE FROM history WHERE target > ?1 AND target < ?2",
    [ST_MARKERS_DROP] = "DELETE FROM read_markers WHERE account_key = ?1",
};

static const srv_store_ops sqlite_ops;

typedef struct sqlite_store {
    srv_store base;
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    unsigned version;
    srv_store_log_fn log;
    void *log_ctx;
    uint64_t writes, max_us, total_us;
    /* History events waiting for flush_events(), in msgid order. */
    srv_store_queue queue;
    uint64_t events; /* committed, for the stats */
    /* WAL checkpoints on another thread (srv_store_sqlite_set_offload()) */
    char *path;
    srv_store_offload_fn offload; /* NULL: SQLite's own, on the loop */
    void *offload_ctx;
    int checkpointing; /* a job is out */
    uint64_t checkpoints, checkpoint_max_us;
} sqlite_store;

static void logf_(sqlite_store *st, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void logf_(sqlite_store *st, int level, const char *fmt, ...)
{
    if (!st->log)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    st->log(st->log_ctx, level, msg);
}

/* Disk full, read-only, I/O errors, corruption, a lock held too long:
 * the write did not happen and the caller must say so. */
static int status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return SRV_STORE_OK;
    case SQLITE_CONSTRAINT:
        return SRV_STORE_EXISTS;
    default:
        return SRV_STORE_UNAVAILABLE;
    }
}

/* Run one prepared statement to completion with its bindings reset
 * afterwards.  @return an SQLite result code */
static int step(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

/* ---- transactions with timing ---- */

typedef struct txn {
    sqlite_store *st;
    uint64_t start_us;
    int rc; /* first failing SQLite code, or SQLITE_DONE */
    const char *what;
} txn;

static void txn_begin(txn *t, sqlite_store *st, const char *what)
{
    t->st = st;
    t->what = what;
    t->start_us = nt_clock_us();
    int rc = step(st->stmt[ST_BEGIN]);
    t->rc = rc == SQLITE_DONE ? SQLITE_DONE : rc;
}

/* Run s in the transaction unless an earlier step failed. */
static void txn_step(txn *t, sqlite3_stmt *s)
{
    if (t->rc != SQLITE_DONE) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return;
    }
    t->rc = step(s);
}

/* Commit (or roll back after a failure); count the time; report status. */
static int txn_end(txn *t)
{
    sqlite_store *st = t->st;
    if (t->rc == SQLITE_DONE)
        t->rc = step(st->stmt[ST_COMMIT]);
    if (t->rc != SQLITE_DONE) {
        int failed = t->rc;
        if (!sqlite3_get_autocommit(st->db))
            step(st->stmt[ST_ROLLBACK]);
        if ((failed & 0xff) != SQLITE_CONSTRAINT)
            logf_(st, SRV_LOG_ERROR, "store: %s not written: %s", t->what,
                  sqlite3_errstr(failed));
    }
    uint64_t us = nt_clock_us() - t->start_us;
    st->writes++;
    st->total_us += us;
    if (us > st->max_us)
        st->max_us = us;
    if (us > SRV_STORE_SLOW_US)
        logf_(st, SRV_LOG_WARNING, "store: %s took %llu ms", t->what,
              (unsigned long long)(us / 1000));
    return status_of(t->rc);
}

/* ---- the vtable ---- */

static void put_account(srv_store *base, const srv_store_account *a, int create,
                        srv_store_done_fn done, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    txn t;
    txn_begin(&t, st, "account");
    sqlite3_stmt *s = st->stmt[create ? ST_ACCOUNT_INSERT : ST_ACCOUNT_UPSERT];
    bind_text(s, 1, a->key);
    bind_text(s, 2, a->name);
    bind_text(s, 3, a->credential);
    sqlite3_bind_int64(s, 4, a->registered_s);
    txn_step(&t, s);
    s = st->stmt[ST_CERTS_CLEAR];
    bind_text(s, 1, a->key);
    txn_step(&t, s);
    for (size_t i = 0; i < a->ncertfps; i++) {
        s = st->stmt[ST_CERT_INSERT];
        bind_text(s, 1, a->key);
        bind_text(s, 2, a->certfps[i]);
        txn_step(&t, s);
    }
    int status = txn_end(&t);
    if (done)
        done(ctx, status);
}

static void drop_by_key(sqlite_store *st, enum stmt_id id, const char *what, const char *key,
                        srv_store_done_fn done, void *ctx)
{
    txn t;
    txn_begin(&t, st, what);
    sqlite3_stmt *s = st->stmt[id];
    bind_text(s, 1, key);
    txn_step(&t, s);
    int changed = t.rc == SQLITE_DONE ? sqlite3_changes(st->db) : 0;
    int status = txn_end(&t);
    if (status == SRV_STORE_OK && changed == 0)
        status = SRV_STORE_NOT_FOUND;
    if (done)
        done(ctx, status);
}

static void drop_account(srv_store *base, const char *key, srv_store_done_fn done, void *ctx)
{
    drop_by_key((sqlite_store *)base, ST_ACCOUNT_DELETE, "account drop", key, done, ctx);
}

static void drop_channel(srv_store *base, const char *key, srv_store_done_fn done, void *ctx)
{
    drop_by_key((sqlite_store *)base, ST_CHANNEL_DELETE, "channel drop", key, done, ctx);
}

static void put_channel(srv_store *base, const srv_store_channel *ch, int create,
                        srv_store_done_fn done, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    txn t;
    txn_begin(&t, st, "channel");
    sqlite3_stmt *s = st->stmt[create ? ST_CHANNEL_INSERT : ST_CHANNEL_UPSERT];
    bind_text(s, 1, ch->key);
    bind_text(s, 2, ch->name);
    bind_text(s, 3, ch->founder_key);
    sqlite3_bind_int64(s, 4, ch->registered_s);
    bind_text(s, 5, ch->topic);
    bind_text(s, 6, ch->topic_setter);
    sqlite3_bind_int64(s, 7, ch->topic_time_s);
    bind_text(s, 8, ch->modes);
    bind_text(s, 9, ch->chan_key);
    sqlite3_bind_int64(s, 10, ch->limit);
    txn_step(&t, s);
    s = st->stmt[ST_ACCESS_CLEAR];
    bind_text(s, 1, ch->key);
    txn_step(&t, s);
    for (size_t i = 0; i < ch->naccess; i++) {
        char level[2] = {ch->access[i].level, '\0'};
        s = st->stmt[ST_ACCESS_INSERT];
        bind_text(s, 1, ch->key);
        bind_text(s, 2, ch->access[i].account_key);
        sqlite3_bind_text(s, 3, level, -1, SQLITE_TRANSIENT);
        txn_step(&t, s);
    }
    s = st->stmt[ST_MASKS_CLEAR];
    bind_text(s, 1, ch->key);
    txn_step(&t, s);
    for (size_t i = 0; i < ch->nmasks; i++) {
        char list[2] = {ch->masks[i].list, '\0'};
        s = st->stmt[ST_MASK_INSERT];
        bind_text(s, 1, ch->key);
        sqlite3_bind_text(s, 2, list, -1, SQLITE_TRANSIENT);
        bind_text(s, 3, ch->masks[i].mask);
        bind_text(s, 4, ch->masks[i].setter);
        sqlite3_bind_int64(s, 5, ch->masks[i].when_s);
        txn_step(&t, s);
    }
    int status = txn_end(&t);
    if (done)
        done(ctx, status);
}

/* ---- load ---- */

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *v = sqlite3_column_text(s, i);
    return v ? (const char *)v : "";
}

static int load_accounts(sqlite_store *st, const srv_store_visitor *v, void *ctx)
{
    sqlite3_stmt *acc = NULL, *certs = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT key, name, credential, registered_s FROM accounts",
                                -1, &acc, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db,
                                "SELECT fingerprint FROM account_certs WHERE account_key = ?1"
                                " ORDER BY fingerprint",
                                -1, &certs, NULL);
    enum { MAX_CERTS = 64 };
    char *fps[MAX_CERTS];
    while (rc == SQLITE_OK && (rc = sqlite3_step(acc)) == SQLITE_ROW) {
        srv_store_account a = {
            .key = col_text(acc, 0),
            .name = col_text(acc, 1),
            .credential = col_text(acc, 2),
            .registered_s = sqlite3_column_int64(acc, 3),
        };
        size_t n = 0;
        sqlite3_bind_text(certs, 1, a.key, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(certs)) == SQLITE_ROW && n < MAX_CERTS) {
            fps[n] = dup_text(col_text(certs, 0));
            if (fps[n])
                n++;
        }
        sqlite3_reset(certs);
        a.certfps = (const char *const *)fps;
        a.ncertfps = n;
        int stop = v->account ? v->account(ctx, &a) : 0;
        for (size_t i = 0; i < n; i++)
            sqlite3_free(fps[i]);
        rc = stop ? SQLITE_ABORT : SQLITE_OK;
    }
    sqlite3_finalize(acc);
    sqlite3_finalize(certs);
    return rc == SQLITE_DONE ? 0 : rc;
}

/* A channel's lists, read into arrays the visitor borrows. */
typedef struct channel_lists {
    srv_store_access *access;
    size_t naccess;
    srv_store_mask *masks;
    size_t nmasks;
} channel_lists;

static void lists_free(channel_lists *l)
{
    for (size_t i = 0; i < l->naccess; i++)
        sqlite3_free((char *)l->access[i].account_key);
    for (size_t i = 0; i < l->nmasks; i++) {
        sqlite3_free((char *)l->masks[i].mask);
        sqlite3_free((char *)l->masks[i].setter);
    }
    free(l->access);
    free(l->masks);
    memset(l, 0, sizeof *l);
}

static int lists_read(sqlite3_stmt *access, sqlite3_stmt *masks, const char *key, channel_lists *l)
{
    int rc;
    sqlite3_bind_text(access, 1, key, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(access)) == SQLITE_ROW) {
        srv_store_access *grown = realloc(l->access, (l->naccess + 1) * sizeof *grown);
        char *account = dup_text(col_text(access, 0));
        if (!grown || !account) {
            sqlite3_free(account);
            if (grown)
                l->access = grown;
            sqlite3_reset(access);
            return SQLITE_NOMEM;
        }
        l->access = grown;
        l->access[l->naccess].account_key = account;
        l->access[l->naccess++].level = col_text(access, 1)[0];
    }
    sqlite3_reset(access);
    if (rc != SQLITE_DONE)
        return rc;
    sqlite3_bind_text(masks, 1, key, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(masks)) == SQLITE_ROW) {
        srv_store_mask *grown = realloc(l->masks, (l->nmasks + 1) * sizeof *grown);
        char *mask = dup_text(col_text(masks, 1)), *setter = dup_text(col_text(masks, 2));
        if (!grown || !mask || !setter) {
            sqlite3_free(mask);
            sqlite3_free(setter);
            if (grown)
                l->masks = grown;
            sqlite3_reset(masks);
            return SQLITE_NOMEM;
        }
        l->masks = grown;
        l->masks[l->nmasks++] = (srv_store_mask){
            .list = col_text(masks, 0)[0],
            .mask = mask,
            .setter = setter,
            .when_s = sqlite3_column_int64(masks, 3),
        };
    }
    sqlite3_reset(masks);
    return rc;
}

static int load_channels(sqlite_store *st, const srv_store_visitor *v, void *ctx)
{
    sqlite3_stmt *ch = NULL, *access = NULL, *masks = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT key, name, founder_key, registered_s, topic,"
                                " topic_setter, topic_time_s, modes, chan_key, user_limit"
                                " FROM channels",
                                -1, &ch, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db,
                                "SELECT account_key, level FROM channel_access"
                                " WHERE channel_key = ?1 ORDER BY account_key",
                                -1, &access, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db,
                                "SELECT list, mask, setter, when_s FROM channel_masks"
                                " WHERE channel_key = ?1 ORDER BY when_s, mask",
                                -1, &masks, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(ch)) == SQLITE_ROW) {
        channel_lists lists = {0};
        srv_store_channel c = {
            .key = col_text(ch, 0),
            .name = col_text(ch, 1),
            .founder_key = col_text(ch, 2),
            .registered_s = sqlite3_column_int64(ch, 3),
            .topic = col_text(ch, 4),
            .topic_setter = col_text(ch, 5),
            .topic_time_s = sqlite3_column_int64(ch, 6),
            .modes = col_text(ch, 7),
            .chan_key = col_text(ch, 8),
            .limit = (unsigned)sqlite3_column_int64(ch, 9),
        };
        rc = lists_read(access, masks, c.key, &lists);
        if (rc == SQLITE_DONE) {
            c.access = lists.access;
            c.naccess = lists.naccess;
            c.masks = lists.masks;
            c.nmasks = lists.nmasks;
            rc = v->channel && v->channel(ctx, &c) ? SQLITE_ABORT : SQLITE_OK;
        }
        lists_free(&lists);
    }
    sqlite3_finalize(ch);
    sqlite3_finalize(access);
    sqlite3_finalize(masks);
    return rc == SQLITE_DONE ? 0 : rc;
}

/* ---- history ---- */

/* Events queued while the database refuses writes (disk full) are kept
 * for the next flush up to this many; past it the oldest are dropped
 * (and logged), so a broken disk cannot grow natterd's memory without
 * bound. */
#define QUEUED_MAX 65536

static void append_event(srv_store *base, const srv_store_event *ev)
{
    srv_store_queue_append(&((sqlite_store *)base)->queue, ev);
}

static int flush_events(srv_store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    if (!st->queue.n)
        return SRV_STORE_OK;
    uint64_t dropped = srv_store_queue_take_dropped(&st->queue);
    if (dropped)
        logf_(st, SRV_LOG_ERROR,
              "store: %llu history events lost while the database refused writes",
              (unsigned long long)dropped);
    txn t;
    txn_begin(&t, st, "history");
    for (size_t i = 0; i < st->queue.n; i++) {
        const srv_store_event *e = &st->queue.events[i];
        sqlite3_stmt *s = st->stmt[ST_EVENT_INSERT];
        bind_text(s, 1, e->target);
        sqlite3_bind_int64(s, 2, e->msgid);
        sqlite3_bind_int(s, 3, (int)e->kind);
        bind_text(s, 4, e->line);
        bind_text(s, 5, e->account);
        bind_text(s, 6, e->tags);
        txn_step(&t, s);
    }
    int status = txn_end(&t);
    if (status != SRV_STORE_OK)
        return status; /* kept for the next flush */
    st->events += st->queue.n;
    srv_store_queue_clear(&st->queue);
    return SRV_STORE_OK;
}

static int queued_match(const srv_store_event *e, const srv_store_history_query *q)
{
    return e->msgid > q->after && e->msgid < q->before && ((1u << e->kind) & q->kinds) != 0 &&
           strcmp(e->target, q->target) == 0;
}

/* Free the strings of an answer's event (copied with dup_text()). */
static void answer_clear(srv_store_event *e)
{
    sqlite3_free((char *)e->line);
    sqlite3_free((char *)e->account);
    sqlite3_free((char *)e->tags);
}

/*
 * Add to an answer (n events of q, ascending) the queued events the
 * database refused to commit (locked, disk full), so that a query still
 * answers with what was relayed.  They are newer than every committed
 * event (appended in msgid order, committed all or none), so they extend
 * the answer at its newer end; then it is cut back to q->limit from the
 * end q asked for.  @return the new count (evs may move)
 */
static size_t add_queued(const sqlite_store *st, const srv_store_history_query *q,
                         srv_store_event **evs, size_t n)
{
    size_t extra = 0;
    for (size_t i = 0; i < st->queue.n; i++)
        extra += (size_t)queued_match(&st->queue.events[i], q);
    srv_store_event *all = extra && *evs ? realloc(*evs, (n + extra) * sizeof *all) : NULL;
    if (!all)
        return n;
    *evs = all;
    for (size_t i = 0; i < st->queue.n; i++) {
        const srv_store_event *e = &st->queue.events[i];
        if (!queued_match(e, q))
            continue;
        all[n] = *e;
        all[n].target = q->target;
        all[n].line = dup_text(e->line);
        all[n].account = dup_text(e->account);
        all[n].tags = dup_text(e->tags);
        n++;
    }
    if (n <= q->limit)
        return n;
    size_t drop = n - q->limit;
    size_t from = q->newest ? 0 : q->limit; /* the oldest, or the newest, go */
    for (size_t i = from; i < from + drop; i++)
        answer_clear(&all[i]);
    if (q->newest)
        memmove(all, all + drop, q->limit * sizeof *all);
    return q->limit;
}

static void query_events(srv_store *base, const srv_store_history_query *q,
                         srv_store_events_fn done, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    flush_events(base); /* what was relayed is answered, committed or not */
    sqlite3_stmt *s = st->stmt[q->newest ? ST_EVENTS_NEWEST : ST_EVENTS_OLDEST];
    bind_text(s, 1, q->target);
    sqlite3_bind_int64(s, 2, q->after);
    sqlite3_bind_int64(s, 3, q->before);
    sqlite3_bind_int64(s, 4, q->kinds);
    sqlite3_bind_int64(s, 5, q->limit);
    srv_store_event *evs = q->limit ? calloc(q->limit, sizeof *evs) : NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && evs && n < q->limit) {
        srv_store_event *e = &evs[n++];
        e->target = q->target;
        e->msgid = sqlite3_column_int64(s, 0);
        e->kind = (unsigned)sqlite3_column_int(s, 1);
        e->line = dup_text(col_text(s, 2));
        e->account = dup_text(col_text(s, 3));
        e->tags = dup_text(col_text(s, 4));
    }
    int status = rc == SQLITE_ROW || rc == SQLITE_DONE ? SRV_STORE_OK : status_of(rc);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (q->newest) { /* newest first from the index: answer in ascending order */
        for (size_t i = 0; i < n / 2; i++) {
            srv_store_event tmp = evs[i];
            evs[i] = evs[n - 1 - i];
            evs[n - 1 - i] = tmp;
        }
    }
    if (status == SRV_STORE_OK)
        n = add_queued(st, q, &evs, n);
    done(ctx, status, evs, n);
    for (size_t i = 0; i < n; i++)
        answer_clear(&evs[i]);
    free(evs);
}

typedef struct target_list {
    srv_store_target *items;
    size_t n, cap;
} target_list;

static int targets_add(target_list *l, const char *target, int64_t latest)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        srv_store_target *t = realloc(l->items, cap * sizeof *t);
        if (!t)
            return -1;
        l->items = t;
        l->cap = cap;
    }
    char *copy = dup_text(target);
    if (!copy)
        return -1;
    l->items[l->n].target = copy;
    l->items[l->n].latest = latest;
    l->n++;
    return 0;
}

static int by_latest(const void *a, const void *b)
{
    const srv_store_target *x = a, *y = b;
    return x->latest < y->latest ? -1 : x->latest > y->latest;
}

/* The events the database refused to commit count too (add_queued()):
 * each is newer than any committed one, so it is its target's latest. */
static void targets_add_queued(const sqlite_store *st, const srv_store_targets_query *q,
                               target_list *l)
{
    size_t alen = q->account ? strlen(q->account) : 0;
    for (size_t i = 0; i < st->queue.n; i++) {
        const srv_store_event *e = &st->queue.events[i];
        if (e->msgid <= q->after || e->msgid >= q->before)
            continue;
        int wanted = q->account && strncmp(e->target, q->account, alen) == 0 &&
                     e->target[alen] == ' ';
        for (size_t k = 0; k < q->nchannels && !wanted; k++)
            wanted = strcmp(e->target, q->channels[k]) == 0;
        if (!wanted)
            continue;
        size_t k = 0;
        while (k < l->n && strcmp(l->items[k].target, e->target) != 0)
            k++;
        if (k < l->n)
            l->items[k].latest = e->msgid;
        else
            targets_add(l, e->target, e->msgid);
    }
}

static void query_targets(srv_store *base, const srv_store_targets_query *q,
                          srv_store_targets_fn done, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    flush_events(base);
    target_list l = {0};
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < q->nchannels && rc == SQLITE_DONE; i++) {
        sqlite3_stmt *s = st->stmt[ST_TARGET_LATEST];
        bind_text(s, 1, q->channels[i]);
        sqlite3_bind_int64(s, 2, q->after);
        sqlite3_bind_int64(s, 3, q->before);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
            targets_add(&l, q->channels[i], sqlite3_column_int64(s, 0));
        rc = rc == SQLITE_ROW ? SQLITE_DONE : rc;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    if (q->account && rc == SQLITE_DONE) {
        /* "<account> <nick>": every key of this account sorts between
         * "<account> " and "<account>!" ('!' follows ' '). */
        char *lo = sqlite3_mprintf("%s ", q->account), *hi = sqlite3_mprintf("%s!", q->account);
        sqlite3_stmt *s = st->stmt[ST_ACCOUNT_TARGETS];
        bind_text(s, 1, lo);
        bind_text(s, 2, hi);
        sqlite3_bind_int64(s, 3, q->after);
        sqlite3_bind_int64(s, 4, q->before);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            targets_add(&l, col_text(s, 0), sqlite3_column_int64(s, 1));
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        sqlite3_free(lo);
        sqlite3_free(hi);
    }
    int status = rc == SQLITE_DONE ? SRV_STORE_OK : status_of(rc);
    if (status == SRV_STORE_OK)
        targets_add_queued(st, q, &l);
    if (l.n)
        qsort(l.items, l.n, sizeof *l.items, by_latest);
    done(ctx, status, l.items, l.n < q->limit ? l.n : q->limit);
    for (size_t i = 0; i < l.n; i++)
        sqlite3_free((char *)l.items[i].target);
    free(l.items);
}

/* Rows deleted by the last statement run, when it succeeded. */
static unsigned run_delete(sqlite_store *st, sqlite3_stmt *s)
{
    int rc = step(s);
    if (rc != SQLITE_DONE) {
        logf_(st, SRV_LOG_ERROR, "store: history retention: %s", sqlite3_errstr(rc));
        return 0;
    }
    return (unsigned)sqlite3_changes(st->db);
}

/* The pages in use (not the free list): what the size cap compares. */
static uint64_t used_bytes(sqlite_store *st)
{
    sqlite3_stmt *s = NULL;
    uint64_t bytes = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT (page_count - freelist_count) * page_size"
                           " FROM pragma_page_count, pragma_freelist_count, pragma_page_size",
                           -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        bytes = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return bytes;
}

static unsigned trim_history(srv_store *base, const srv_store_retention *r)
{
    sqlite_store *st = (sqlite_store *)base;
    if (flush_events(base) != SRV_STORE_OK)
        return 0;
    unsigned budget = r->budget ? r->budget : 1000, deleted = 0;
    uint64_t start = nt_clock_us();
    if (r->oldest) {
        sqlite3_stmt *s = st->stmt[ST_TRIM_OLDEST];
        sqlite3_bind_int64(s, 1, r->oldest);
        sqlite3_bind_int64(s, 2, budget);
        deleted += run_delete(st, s);
    }
    if (r->max_bytes && deleted < budget && used_bytes(st) > r->max_bytes) {
        sqlite3_stmt *s = st->stmt[ST_TRIM_OLDEST];
        sqlite3_bind_int64(s, 1, INT64_MAX);
        sqlite3_bind_int64(s, 2, budget - deleted);
        deleted += run_delete(st, s);
    }
    if (r->per_target && deleted < budget) {
        /* The counts say which targets are over: no scan of history. */
        sqlite3_stmt *over = st->stmt[ST_TRIM_OVER];
        sqlite3_bind_int64(over, 1, r->per_target);
        char *targets[8];
        int64_t excess[8];
        size_t n = 0;
        while (n < 8 && sqlite3_step(over) == SQLITE_ROW) {
            targets[n] = dup_text(col_text(over, 0));
            excess[n] = sqlite3_column_int64(over, 1) - (int64_t)r->per_target;
            if (targets[n])
                n++;
        }
        sqlite3_reset(over);
        sqlite3_clear_bindings(over);
        for (size_t i = 0; i < n; i++) {
            unsigned room = budget - deleted;
            if (room == 0)
                break;
            /* The excess, oldest first, through the (target, msgid) index. */
            sqlite3_stmt *del = st->stmt[ST_TRIM_TARGET];
            bind_text(del, 1, targets[i]);
            sqlite3_bind_int64(del, 2, INT64_MAX);
            sqlite3_bind_int64(del, 3, excess[i] < room ? excess[i] : room);
            deleted += run_delete(st, del);
        }
        for (size_t i = 0; i < n; i++)
            sqlite3_free(targets[i]);
    }
    if (deleted) {
        uint64_t us = nt_clock_us() - start;
        st->writes++;
        st->total_us += us;
        if (us > st->max_us)
            st->max_us = us;
    }
    return deleted;
}

static void put_marker(srv_store *base, const char *account_key, const char *target,
                       int64_t time_us, srv_store_done_fn done, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    txn t;
    txn_begin(&t, st, "read marker");
    sqlite3_stmt *s = st->stmt[ST_MARKER_UPSERT];
    bind_text(s, 1, account_key);
    bind_text(s, 2, target);
    sqlite3_bind_int64(s, 3, time_us);
    txn_step(&t, s);
    int status = txn_end(&t);
    if (done)
        done(ctx, status);
}

static void drop_account_history(srv_store *base, const char *account_key,
                                 srv_store_done_fn done, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    flush_events(base);
    char *lo = sqlite3_mprintf("%s ", account_key), *hi = sqlite3_mprintf("%s!", account_key);
    txn t;
    txn_begin(&t, st, "account history drop");
    sqlite3_stmt *s = st->stmt[ST_HISTORY_DROP];
    bind_text(s, 1, lo);
    bind_text(s, 2, hi);
    txn_step(&t, s);
    s = st->stmt[ST_MARKERS_DROP];
    bind_text(s, 1, account_key);
    txn_step(&t, s);
    int status = txn_end(&t);
    sqlite3_free(lo);
    sqlite3_free(hi);
    if (done)
        done(ctx, status);
}

static int load_history_state(sqlite_store *st, const srv_store_visitor *v, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT account_key, target, time_us FROM read_markers",
                                -1, &s, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (v->marker && v->marker(ctx, col_text(s, 0), col_text(s, 1), sqlite3_column_int64(s, 2)))
            rc = SQLITE_ABORT;
        else
            rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return rc;
    rc = sqlite3_prepare_v2(st->db, "SELECT coalesce(max(latest), 0) FROM history_targets", -1,
                            &s, NULL);
    int64_t last = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        last = sqlite3_column_int64(s, 0);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE && v->last_msgid && v->last_msgid(ctx, last))
        rc = SQLITE_ABORT;
    return rc == SQLITE_DONE ? 0 : rc;
}

static int load(srv_store *base, const srv_store_visitor *v, void *ctx, char *err, size_t errsize)
{
    sqlite_store *st = (sqlite_store *)base;
    /* One read transaction: a consistent view even if a --backup or
     * another reader is busy with the file. */
    sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    int rc = load_accounts(st, v, ctx);
    if (rc == 0 && st->version >= 2)
        rc = load_channels(st, v, ctx);
    if (rc == 0 && st->version >= 3)
        rc = load_history_state(st, v, ctx);
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (rc != 0) {
        snprintf(err, errsize, "reading the store: %s",
                 rc == SQLITE_ABORT ? "stopped by the reader" : sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

/* ---- WAL checkpoints off the loop ---- */

/* A checkpoint copies the WAL's pages into the database file and fsyncs
 * it: about 10 ms for SQLite's default 1,000 pages, far more when
 * history writes scatter pages over a large index.  With an offload
 * function it runs on the worker, on a connection of its own (WAL lets
 * it run beside the loop's writes); the loop's connection only notices
 * the WAL's size after each commit (the WAL hook). */
#define CHECKPOINT_PAGES 1000
/* If the worker cannot keep up (a login storm fills its queue), the loop
 * checkpoints itself rather than let the WAL grow without bound. */
#define CHECKPOINT_BACKSTOP_PAGES 20000

typedef struct checkpoint_job {
    sqlite_store *st; /* touched only in done(), on the loop */
    char *path;
    int rc;
    uint64_t us;
} checkpoint_job;

static void checkpoint_run(void *arg)
{
    checkpoint_job *j = arg;
    uint64_t start = nt_clock_us();
    sqlite3 *db = NULL;
    j->rc = sqlite3_open_v2(j->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (j->rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 1000);
        /* A fresh connection learns the file is in WAL mode on its first
         * read; until then a checkpoint does nothing. */
        sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
        /* PASSIVE: never waits for the loop's writer or readers. */
        j->rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    sqlite3_close_v2(db);
    j->us = nt_clock_us() - start;
}

static void checkpoint_done(void *arg)
{
    checkpoint_job *j = arg;
    sqlite_store *st = j->st;
    st->checkpointing = 0;
    st->checkpoints++;
    if (j->us > st->checkpoint_max_us)
        st->checkpoint_max_us = j->us;
    if (j->rc != SQLITE_OK && (j->rc & 0xff) != SQLITE_BUSY)
        logf_(st, SRV_LOG_WARNING, "store: checkpoint failed: %s", sqlite3_errstr(j->rc));
    free(j->path);
    free(j);
}

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    sqlite_store *st = arg;
    (void)name;
    if (pages >= CHECKPOINT_BACKSTOP_PAGES || (!st->offload && pages >= CHECKPOINT_PAGES)) {
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    if (pages < CHECKPOINT_PAGES || st->checkpointing || !st->offload)
        return SQLITE_OK;
    checkpoint_job *j = calloc(1, sizeof *j);
    if (j)
        j->path = srv_store_copy_or_empty(st->path);
    if (!j || !j->path) {
        free(j);
        return SQLITE_OK; /* the backstop will do it */
    }
    j->st = st;
    st->checkpointing = 1;
    st->offload(st->offload_ctx, checkpoint_run, checkpoint_done, j);
    return SQLITE_OK;
}

void srv_store_sqlite_set_offload(srv_store *base, srv_store_offload_fn fn, void *ctx)
{
    if (!base || base->ops != &sqlite_ops)
        return;
    sqlite_store *st = (sqlite_store *)base;
    st->offload = fn;
    st->offload_ctx = ctx;
}

void srv_store_sqlite_checkpoint_stats(srv_store *base, uint64_t *count, uint64_t *max_us)
{
    sqlite_store *st = base && base->ops == &sqlite_ops ? (sqlite_store *)base : NULL;
    *count = st ? st->checkpoints : 0;
    *max_us = st ? st->checkpoint_max_us : 0;
}

static void store_free(srv_store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    /* A clean stop keeps every event relayed. */
    if (st->queue.n && st->stmt[ST_EVENT_INSERT] && flush_events(base) != SRV_STORE_OK)
        logf_(st, SRV_LOG_ERROR, "store: %llu history events not written at exit",
              (unsigned long long)st->queue.n);
    srv_store_queue_free(&st->queue);
    free(st->path);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    sqlite3_close_v2(st->db);
    free(st);
}

static const srv_store_ops sqlite_ops = {
    .load = load,
    .put_account = put_account,
    .drop_account = drop_account,
    .put_channel = put_channel,
    .drop_channel = drop_channel,
    .append_event = append_event,
    .flush_events = flush_events,
    .query_events = query_events,
    .query_targets = query_targets,
    .trim_history = trim_history,
    .put_marker = put_marker,
    .drop_account_history = drop_account_history,
    .free = store_free,
};

/* ---- open and migrate ---- */

static unsigned schema_version(sqlite3 *db, int *rc)
{
    sqlite3_stmt *s = NULL;
    unsigned v = 0;
    *rc = sqlite3_prepare_v2(db,
                             "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                             " AND name = 'schema_version'",
                             -1, &s, NULL);
    int has_table = 0;
    if (*rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        has_table = sqlite3_column_int(s, 0) > 0;
    sqlite3_finalize(s);
    if (*rc != SQLITE_OK || !has_table)
        return 0;
    *rc = sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &s,
                             NULL);
    if (*rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = (unsigned)sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int migrate(sqlite_store *st, unsigned target, char *err, size_t errsize)
{
    int rc;
    unsigned v = schema_version(st->db, &rc);
    if (rc != SQLITE_OK) {
        snprintf(err, errsize, "cannot read the schema version: %s", sqlite3_errmsg(st->db));
        return -1;
    }
    if (v > NMIGRATIONS) {
        snprintf(err, errsize,
                 "the database has schema version %u, newer than this natterd's %u: "
                 "use a newer natterd or restore a backup made by this one",
                 v, (unsigned)NMIGRATIONS);
        return -1;
    }
    for (; v < target; v++) {
        char record[128];
        snprintf(record, sizeof record,
                 "INSERT INTO schema_version (version, applied_s) VALUES (%u, %lld)", v + 1,
                 (long long)(nt_clock_wall_us() / 1000000));
        char *msg = NULL;
        rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(st->db, migrations[v], NULL, NULL, &msg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(st->db, record, NULL, NULL, &msg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
            snprintf(err, errsize, "migrating the schema to version %u: %s", v + 1,
                     msg ? msg : sqlite3_errstr(rc));
            sqlite3_free(msg);
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        logf_(st, SRV_LOG_INFO, "store: schema migrated to version %u", v + 1);
    }
    st->version = v;
    return 0;
}

srv_store *srv_store_sqlite_open(const char *path, const srv_store_sqlite_options *opts,
                                 char *err, size_t errsize)
{
    srv_store_sqlite_options none = {0};
    if (!opts)
        opts = &none;
    sqlite_store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    st->base.ops = &sqlite_ops;
    srv_store_queue_init(&st->queue, QUEUED_MAX);
    st->log = opts->log;
    st->log_ctx = opts->log_ctx;
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errsize, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto fail;
    }
    /* A backup or another reader holds the lock only briefly; never wait
     * long on the event loop for it. */
    sqlite3_busy_timeout(st->db, 200);
    st->path = srv_store_copy_or_empty(path);
    if (!st->path) {
        snprintf(err, errsize, "out of memory");
        goto fail;
    }
    char *msg = NULL;
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s; PRAGMA foreign_keys = ON;",
             opts->full_sync ? "FULL" : "NORMAL");
    rc = sqlite3_exec(st->db, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errsize, "%s: %s", path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        goto fail;
    }
    /* A quick check: a damaged file is refused at start rather than
     * failing on the first write. */
    sqlite3_stmt *check = NULL;
    rc = sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &check, NULL);
    if (rc == SQLITE_OK && sqlite3_step(check) == SQLITE_ROW &&
        strcmp(col_text(check, 0), "ok") != 0) {
        snprintf(err, errsize, "%s is damaged: %s", path, col_text(check, 0));
        sqlite3_finalize(check);
        goto fail;
    }
    sqlite3_finalize(check);
    if (rc != SQLITE_OK) {
        snprintf(err, errsize, "%s: %s", path, sqlite3_errmsg(st->db));
        goto fail;
    }
    unsigned target = opts->max_version && opts->max_version < NMIGRATIONS ? opts->max_version
                                                                            : NMIGRATIONS;
    if (migrate(st, target, err, errsize) < 0)
        goto fail;
    /* Checkpoints: ours, so they can leave the loop (on_wal_commit). */
    sqlite3_wal_hook(st->db, on_wal_commit, st);
    for (int i = 0; i < ST_COUNT; i++) {
        /* Statements for tables a partial schema (tests) lacks stay NULL. */
        if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                               NULL) != SQLITE_OK &&
            st->version == NMIGRATIONS) {
            snprintf(err, errsize, "preparing statements: %s", sqlite3_errmsg(st->db));
            goto fail;
        }
    }
    return &st->base;
fail:
    store_free(&st->base);
    return NULL;
}

unsigned srv_store_sqlite_version(srv_store *base)
{
    return base && base->ops == &sqlite_ops ? ((sqlite_store *)base)->version : 0;
}

void srv_store_sqlite_stats(srv_store *base, uint64_t *writes, uint64_t *max_us, uint64_t *total_us)
{
    sqlite_store *st = base && base->ops == &sqlite_ops ? (sqlite_store *)base : NULL;
    if (writes)
        *writes = st ? st->writes : 0;
    if (max_us)
        *max_us = st ? st->max_us : 0;
    if (total_us)
        *total_us = st ? st->total_us : 0;
}

int srv_store_sqlite_backup(const char *db_path, const char *dest, char *err, size_t errsize)
{
    sqlite3 *src = NULL, *dst = NULL;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", dest) >= (int)sizeof tmp) {
        snprintf(err, errsize, "%s: path too long", dest);
        return -1;
    }
    remove(tmp);
    /* Read-write without create: a missing database is an error, and a
     * WAL reader must be able to map the -shm file the server keeps. */
    int rc = sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        sqlite3_busy_timeout(src, 5000);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    const char *where = rc == SQLITE_OK ? NULL : (dst ? tmp : db_path);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        if (!b) {
            rc = sqlite3_errcode(dst);
            where = tmp;
        } else {
            /* All pages in one step: one read transaction, so the copy
             * is one consistent moment even while the server writes. */
            rc = sqlite3_backup_step(b, -1);
            sqlite3_backup_finish(b);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
            where = db_path;
        }
    }
    if (rc == SQLITE_OK) {
        /* The copy is a plain rollback-journal database: one file, ready
         * to be put back in place (see docs/admin.md, "Restore"). */
        rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
        where = tmp;
    }
    if (rc != SQLITE_OK)
        snprintf(err, errsize, "%s: %s", where, sqlite3_errstr(rc));
    sqlite3_close_v2(src);
    sqlite3_close_v2(dst);
    if (rc == SQLITE_OK) {
        remove(dest); /* Windows' rename does not replace */
        if (rename(tmp, dest) != 0) {
            snprintf(err, errsize, "%s: cannot rename to %s", tmp, dest);
            rc = SQLITE_CANTOPEN;
        }
    }
    if (rc != SQLITE_OK) {
        remove(tmp);
        return -1;
    }
    return 0;
}

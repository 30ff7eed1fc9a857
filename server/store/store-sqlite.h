/* SPDX-License-Identifier: MIT */
/*
 * The SQLite implementation of srv_store (store.h): one database file in
 * WAL mode, written on the caller's thread with prepared statements.
 *
 * Why on the loop rather than on a writer thread: writes are rare (an
 * account or channel change), small (one transaction of a few rows) and,
 * in WAL mode with synchronous=NORMAL, end in a write() to the WAL
 * without an fsync: a commit costs about 130 us on average.  The longest
 * are the WAL checkpoints (every 1,000 pages, with an fsync), about 10 ms
 * on this project's test machine (moved to a worker thread by
 * srv_store_sqlite_set_offload()); measured by bench/accounts --only stall
 * (srv_store_sqlite_stats(), logged at exit) and logged when one passes
 * SRV_STORE_SLOW_US.  synchronous=NORMAL keeps every
 * committed transaction across a crash of natterd (kill -9); after a
 * power loss the last transactions before the last checkpoint may be
 * missing.  [store] synchronous = full fsyncs every commit instead.
 *
 * Schema: a schema_version table records each migration applied; open()
 * runs the missing ones in order, each in its own transaction, and
 * refuses a database from a newer natterd.
 */
#ifndef NATTERD_STORE_SQLITE_H
#define NATTERD_STORE_SQLITE_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/** The schema version this build writes. */
#define SRV_STORE_SQLITE_SCHEMA 3

/** A write slower than this is logged (through the log function given). */
#define SRV_STORE_SLOW_US 20000

/** Where slow writes and errors are reported (may be NULL). */
typedef void (*srv_store_log_fn)(void *ctx, int level, const char *message);

/** How to open the database. */
typedef struct srv_store_sqlite_options {
    int full_sync;        /**< fsync each commit (synchronous=FULL) */
    unsigned max_version; /**< migrate only up to this version (tests); 0: all */
    srv_store_log_fn log; /**< level: an srv_log_level of natterd-core.h */
    void *log_ctx;
} srv_store_sqlite_options;

/**
 * Open (creating if needed) the database at path, or ":memory:", and
 * bring its schema up to date.  opts may be NULL.
 * @return the store, or NULL with the reason in err
 */
srv_store *srv_store_sqlite_open(const char *path, const srv_store_sqlite_options *opts,
                                 char *err, size_t errsize);

/** The schema version of an open SQLite store (0 for any other store). */
unsigned srv_store_sqlite_version(srv_store *st);

/** Write timings of an open SQLite store: how many, the slowest and the total (µs). */
void srv_store_sqlite_stats(srv_store *st, uint64_t *writes, uint64_t *max_us,
                            uint64_t *total_us);

/** Runs run(job) on another thread, then done(job) back on the caller's. */
typedef void (*srv_store_offload_fn)(void *ctx, void (*run)(void *job), void (*done)(void *job),
                                     void *job);

/**
 * Checkpoint the WAL on another thread (fn), on a connection of its own,
 * rather than on the loop at the commit that fills it: the checkpoint's
 * copy and fsync then never stall the loop.  NULL: back to checkpoints
 * on the loop (call that before the thread stops; jobs already handed
 * over still finish and call done()).
 */
void srv_store_sqlite_set_offload(srv_store *st, srv_store_offload_fn fn, void *ctx);

/** How many checkpoints ran on the offload thread, and the longest (µs). */
void srv_store_sqlite_checkpoint_stats(srv_store *st, uint64_t *count, uint64_t *max_us);

/**
 * Copy the database at db_path, consistently, into dest (replaced when
 * it exists), while a running natterd may be writing to it: SQLite's
 * online backup, in one read transaction, into dest.tmp then renamed.
 * @return 0, or -1 with the reason in err
 */
int srv_store_sqlite_backup(const char *db_path, const char *dest, char *err, size_t errsize);

#endif

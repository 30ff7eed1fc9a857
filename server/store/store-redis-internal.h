/* SPDX-License-Identifier: MIT */
/*
 * What the two halves of the Redis store share: store-redis.c (the
 * srv_store vtable on the caller's loop) and store-redis-load.c (load()
 * and the final flush at exit, each on a private loop and connection).
 * Private to server/store/.
 */
#ifndef NATTERD_STORE_REDIS_INTERNAL_H
#define NATTERD_STORE_REDIS_INTERNAL_H

#include "redis.h"
#include "store-queue.h"
#include "store-redis.h"

#include <stddef.h>
#include <stdint.h>

/** The store: srv_store's base first. */
typedef struct redis_store {
    srv_store base;
    rds_client *client;
    char *address, *password, *prefix;
    nt_tls_config *tls;
    void (*log)(void *ctx, int level, const char *message);
    void *log_ctx;
    int down;    /* the connection ended and is not back yet */
    int closing; /* free() has begun: answer everything at once */
    /* History events waiting for flush_events(), in msgid order. */
    srv_store_queue queue;
    size_t requeue_at;       /* where the next batch lost in flight goes back */
    size_t batches_inflight; /* flush scripts not answered yet */
    /* Retention runs one step at a time; its count reaches the caller
     * with the next call (trim_history() must answer at once). */
    int trim_inflight;
    unsigned trim_deleted;
    long long trim_rank;
} redis_store;

/** A command's arguments, copied, so the caller's strings may go. */
typedef struct redis_cmd {
    char **arg;
    size_t *len;
    int n, cap;
    int failed; /* out of memory: the command is not sent */
} redis_cmd;

/** Log through the store's log function (level: an srv_log_level), if it has one. */
void redis_store_logf(const redis_store *st, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Add s (NULL: "") to c's arguments. */
void redis_cmd_str(redis_cmd *c, const char *s);

/** Add the key "<prefix><kind><name>" (name NULL: none) to c's arguments. */
void redis_cmd_key(redis_cmd *c, const redis_store *st, const char *kind, const char *name);

/**
 * Send c on client, and free c either way.
 * @return 0 (fn gets the reply, NULL when the connection ended first), or
 *         -1 when it was not sent (fn is then not called)
 */
int redis_cmd_send_on(rds_client *client, redis_cmd *c, rds_reply_fn fn, void *ctx);

/** Is r a reply (not NULL) and not an error? */
int redis_reply_ok(const rds_reply *r);

/** Why r is not a good reply, for the log. */
const char *redis_reply_error(const rds_reply *r);

/** A number from an integer or a string reply; 0 otherwise. */
int64_t redis_reply_i64(const rds_reply *r);

/**
 * Send the queued history events on client, a batch at a time, as far as
 * it takes them; batches_inflight counts those not answered yet, and a
 * batch whose connection ends comes back to the queue.
 */
void redis_store_flush_queue(redis_store *st, rds_client *client);

/** load() of srv_store_ops (store-redis-load.c). */
int redis_store_load(srv_store *base, const srv_store_visitor *v, void *ctx, char *err,
                     size_t errsize);

/**
 * Write what is still queued on a connection and loop of its own, within
 * a deadline: free() calls it when the caller's loop may not run again.
 * What is not written stays queued.
 */
void redis_store_final_flush(redis_store *st);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The Redis implementation of the store (store.h), for cluster mode.
 */
#ifndef NATTERD_STORE_REDIS_H
#define NATTERD_STORE_REDIS_H

#include "store.h"

#include <natter/loop.h>
#include <natter/tls.h>

/** Where the Redis store connects. */
typedef struct srv_store_redis_options {
    const char *address;  /**< "HOST:PORT" or "unix:/path" */
    const char *password; /**< AUTH, or NULL */
    nt_tls_config *tls;   /**< TLS client configuration, or NULL */
    const char *prefix;   /**< key prefix, e.g. "natter:NETWORK:" */
    /** Where errors are reported (level: an srv_log_level of natterd-core.h), or NULL. */
    void (*log)(void *ctx, int level, const char *message);
    void *log_ctx;
} srv_store_redis_options;

/**
 * Open the store on loop.  load() runs a private loop of its own until
 * Redis answered (it is called once, at start); everything else completes
 * from loop.
 * @return the store, or NULL with the reason in err
 */
srv_store *srv_store_redis_open(nt_loop *loop, const srv_store_redis_options *opts, char *err,
                                size_t errsize);

#endif

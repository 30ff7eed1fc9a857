/* SPDX-License-Identifier: MIT */
/*
 * A small asynchronous Redis client on libnatter's loop, for natterd's
 * cluster mode (docs/cluster.md): the cluster link and the Redis store.
 *
 * The socket is an nt_conn (plain or TLS, TCP or a Unix socket), so the
 * client runs on the loop like any other connection, on every platform
 * libnatter runs on.  hiredis does only the protocol: redisFormatCommandArgv
 * builds requests and a redisReader parses replies.
 *
 * Requests are pipelined: each command is queued with its callback and the
 * replies are matched to them in order.  A connection in subscriber mode
 * (rds_subscribe) gets pushed messages through on_message instead.
 *
 * When the connection ends (Redis restarted, unreachable, a protocol
 * error), every pending callback is called once with reply == NULL, the
 * owner is told (on_down), and the client reconnects by itself with a
 * backoff (100 ms doubling to 2 s); on_up follows each successful
 * (re)connection, after AUTH, and before any request queued meanwhile is
 * sent.  Requests made while down are queued (up to a bound: past it
 * rds_command_argv() returns -1 and the callback is not called).  on_down
 * comes when an up connection ends, and while down only when the reason
 * changes, so an owner may log each one.  A request without a reply for
 * 20 s ends the connection (a Redis that went silent), so blocking
 * commands longer than that are not for this client.
 */
#ifndef NATTERD_REDIS_H
#define NATTERD_REDIS_H

#include <natter/loop.h>
#include <natter/tls.h>

#include <stddef.h>
#include <stdint.h>

typedef struct rds_client rds_client;

/** A reply, as hiredis parsed it. */
typedef struct redisReply rds_reply;

/**
 * A command's reply: reply is NULL when the connection ended before it
 * came (or the request was refused while down); an error reply is
 * REDIS_REPLY_ERROR with its text.  The reply is freed after the call.
 */
typedef void (*rds_reply_fn)(void *ctx, const rds_reply *reply);

/** What the client tells its owner; any member may be NULL. */
typedef struct rds_callbacks {
    /** Connected and authenticated (again). */
    void (*on_up)(void *data);
    /** The connection ended; reason is an NT_E* code or NT_EPROTO. */
    void (*on_down)(void *data, int reason);
    /** Subscriber mode: a message published on channel. */
    void (*on_message)(void *data, const char *channel, size_t channel_len, const char *msg,
                       size_t len);
} rds_callbacks;

/** Where and how to connect. */
typedef struct rds_options {
    const char *address;  /**< "HOST:PORT" or "unix:/path" */
    const char *password; /**< AUTH after connecting, or NULL */
    nt_tls_config *tls;   /**< TLS client configuration, or NULL for plain */
    const char *name;     /**< CLIENT SETNAME, or NULL */
} rds_options;

/**
 * A client connecting to opts->address in the background (strings are
 * copied).  Returns NULL when out of memory or the address is malformed
 * (with the reason in err).
 */
rds_client *rds_client_new(nt_loop *loop, const rds_options *opts, const rds_callbacks *cb,
                           void *data, char *err, size_t errsize);

/**
 * Close the connection and free the client.  Pending callbacks are called
 * with reply == NULL first.  NULL is accepted.  Its connection and timers
 * are handles of the loop: free the client before nt_loop_drain() closes
 * them (natterd frees its store and cluster link first).
 */
void rds_client_free(rds_client *c);

/** Is the connection up (connected and authenticated)? */
int rds_client_is_up(const rds_client *c);

/**
 * Queue a command of argc arguments (binary-safe: lengths in argvlen, or
 * NULL for NUL-terminated strings).  fn may be NULL (reply ignored).
 * @return 0, or -1 when the request could not be queued (fn is then not
 *         called)
 */
int rds_command_argv(rds_client *c, rds_reply_fn fn, void *ctx, int argc, const char *const *argv,
                     const size_t *argvlen);

/**
 * Queue a command given as separate NUL-terminated strings, ending with
 * NULL: rds_command(c, fn, ctx, "SET", key, value, NULL).
 * @return as rds_command_argv()
 */
int rds_command(rds_client *c, rds_reply_fn fn, void *ctx, ...);

/**
 * Put the connection in subscriber mode on these channels (also after
 * every reconnection): messages arrive through on_message.  Only
 * SUBSCRIBE/UNSUBSCRIBE-style use is allowed on it from then on.
 * @return 0 or -1
 */
int rds_subscribe(rds_client *c, const char *const *channels, size_t n);

/** Requests sent and not yet answered plus those queued while down. */
size_t rds_client_pending(const rds_client *c);

#endif

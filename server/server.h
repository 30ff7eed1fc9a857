/* SPDX-License-Identifier: MIT */
/*
 * natterd's protocol core as one object.  The network layer creates one
 * srv_server, feeds it connections and lines (client.h), calls
 * srv_server_tick() when srv_server_next_tick() says so, and nothing here
 * touches a socket or reads the clock behind the caller's back: time comes
 * from the clock functions given (nt_clock_ms / nt_clock_wall_us unless a
 * test injects its own).
 */
#ifndef NATTERD_SERVER_H
#define NATTERD_SERVER_H

#include "attributes.h"
#include "config.h"
#include "core.h"

#include <stddef.h>
#include <stdint.h>

/** Log levels for srv_log_fn. */
enum srv_log_level { SRV_LOG_ERROR, SRV_LOG_WARNING, SRV_LOG_INFO, SRV_LOG_DEBUG };

#define SRV_VERSION_STRING "natterd-" NT_VERSION_STRING

/**
 * A server with a copy of cfg (which the caller keeps).  Loads the MOTD
 * file if one is configured (a missing file just means 422).
 * @return the server, or NULL when out of memory
 */
srv_server *srv_server_new(const srv_config *cfg);

/** Free the server and every remaining client without sending anything. */
void srv_server_free(srv_server *s);

/**
 * Replace the clocks: mono returns monotonic milliseconds, wall returns
 * microseconds since the epoch.  Either may be NULL for the default.
 */
void srv_server_set_clock(srv_server *s, srv_mono_clock_fn mono, srv_wall_clock_fn wall, void *ctx);

/** Where the core's log lines go (default: nowhere). */
void srv_server_set_log(srv_server *s, srv_log_fn fn, void *ctx);

/**
 * Timeouts: registration timeout, PING after ping_interval of silence,
 * disconnect after ping_timeout without an answer.  now_ms is on the
 * monotonic clock.  May close clients (transport close()).
 */
void srv_server_tick(srv_server *s, uint64_t now_ms);

/** The monotonic time by which srv_server_tick() should be called next. */
uint64_t srv_server_next_tick(const srv_server *s);

/**
 * Send every client "ERROR :reason" and close it: for SIGTERM, Ctrl-C and
 * service stop.  The server stays usable (and empty) until freed.
 */
void srv_server_shutdown(srv_server *s, const char *reason);

/**
 * Be told when a new configuration is installed (REHASH, SIGHUP), so that
 * the network layer can apply what lives in the connections (the SendQ).
 * One listener; NULL removes it.
 */
void srv_server_on_config(srv_server *s, srv_config_fn fn, void *ctx);

/**
 * Install a new configuration (REHASH, SIGHUP): names, limits, opers, the
 * MOTD.  Clients and channels stay; new limits apply to what happens next.
 * @return 0, or -1 when out of memory (the old configuration stays)
 */
int srv_server_apply_config(srv_server *s, const srv_config *cfg);

/**
 * Reload the configuration file the current one came from and apply it.
 * @return 0, or -1 with the reason in err (the old configuration stays)
 */
int srv_server_rehash(srv_server *s, char *err, size_t errsize);

/** The configuration in force (for the network layer: listen, sendq). */
const srv_config *srv_server_config(const srv_server *s);

/**
 * The longest line the network layer should frame, excluding CRLF: the
 * IRCv3 tag allowance (8191 bytes with its '@' and space) plus
 * line_length - 2.  Longer input goes to srv_client_line_too_long().
 */
size_t srv_server_max_line(const srv_server *s);

/** How many clients are connected (registered or not). */
size_t srv_server_client_count(const srv_server *s);

/* ---- for the core's own modules ---- */

/** The current monotonic time as of the running entry point. */
uint64_t srv_server_now_ms(const srv_server *s);

/** Wall-clock microseconds since the epoch. */
int64_t srv_server_wall_us(const srv_server *s);

/** A fresh mark for de-duplicating a fan-out (see srv_fanout_to_peers). */
uint64_t srv_server_next_mark(srv_server *s);

/** Mark the start of an entry point (reads the clock once). */
void srv_server_enter(srv_server *s);

/** Mark the end of an entry point; the outermost frees closed clients. */
void srv_server_leave(srv_server *s);

/** Log a formatted message. */
void srv_server_log(srv_server *s, int level, const char *fmt, ...) SRV_PRINTF(3, 4);

/** Make sure the next tick comes no later than when_ms. */
void srv_server_want_tick(srv_server *s, uint64_t when_ms);

#endif

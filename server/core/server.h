/* SPDX-License-Identifier: MIT */
/*
 * The server object as the core's own modules use it: the clock as of
 * the running entry point, fan-out marks, entry-point nesting, the log
 * and tick requests.  The network layer's part is in natterd-core.h.
 */
#ifndef NATTERD_SERVER_H
#define NATTERD_SERVER_H

#include "attributes.h"
#include "core.h"
#include "natterd-core.h"

#include <stddef.h>
#include <stdint.h>

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

/** Run srv_server_tick() by when_ms for the server's own timers (history
 *  commits) without walking every client: cheaper than srv_server_want_tick(). */
void srv_server_wake_at(srv_server *s, uint64_t when_ms);

#endif

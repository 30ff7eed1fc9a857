/* SPDX-License-Identifier: MIT */
/*
 * The bounded queue of history events both stores keep between
 * append_event() and the flush that writes them (store.h): each event a
 * copy that owns its strings, oldest first; past the bound the oldest are
 * dropped and counted, so a store that cannot write (a full disk, Redis
 * away) never grows natterd's memory without end, and the loss is logged
 * by the store in its own words.  Portable C: the SQLite store is also
 * built for Windows.
 */
#ifndef NATTERD_STORE_QUEUE_H
#define NATTERD_STORE_QUEUE_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/** History events waiting to be written. */
typedef struct srv_store_queue {
    srv_store_event *events; /**< events[0..n), oldest first, each owning its strings */
    size_t n;
    size_t cap;       /**< events allocated */
    size_t max;       /**< the bound: past it the oldest are dropped */
    uint64_t dropped; /**< events lost (bound, out of memory) not yet taken for the log */
} srv_store_queue;

/** A NUL-terminated copy of the n bytes at s (the stores' strings are
 *  copied this way too), or NULL when out of memory. */
char *srv_store_copy_n(const char *s, size_t n);

/** A copy of s ("" for NULL), or NULL when out of memory. */
char *srv_store_copy_or_empty(const char *s);

/** An empty queue that keeps at most max events (max > 0). */
void srv_store_queue_init(srv_store_queue *q, size_t max);

/**
 * Copy src into dst, its strings allocated (NULL strings become "").
 * @return 0, or -1 when out of memory (dst then holds nothing to clear)
 */
int srv_store_event_copy(srv_store_event *dst, const srv_store_event *src);

/** Free the strings of an event made by srv_store_event_copy(). */
void srv_store_event_clear(srv_store_event *ev);

/**
 * Queue a copy of ev after the others (lost and counted when out of
 * memory), then keep the bound.
 * @return how many of the oldest events were dropped to keep it (0 or 1)
 */
size_t srv_store_queue_append(srv_store_queue *q, const srv_store_event *ev);

/**
 * Put n events back at position at (at most q->n), taking their strings
 * (the array stays the caller's): the way back for events that were taken
 * to be written and were not.  Out of memory, they are cleared and counted
 * lost.  Then the bound is kept.
 * @param front_dropped set to how many of the oldest were dropped to keep it
 * @return 0, or -1 when out of memory
 */
int srv_store_queue_insert(srv_store_queue *q, size_t at, srv_store_event *events, size_t n,
                           size_t *front_dropped);

/**
 * Forget the n oldest events (at most q->n) without freeing their
 * strings: the caller took them, e.g. into a write in flight.
 */
void srv_store_queue_remove_front(srv_store_queue *q, size_t n);

/** How many events were lost since the last call, for the log; the count restarts. */
uint64_t srv_store_queue_take_dropped(srv_store_queue *q);

/** Free every queued event (written, or given up); the queue stays usable. */
void srv_store_queue_clear(srv_store_queue *q);

/** Free every queued event and the queue's memory. */
void srv_store_queue_free(srv_store_queue *q);

#endif

/* SPDX-License-Identifier: MIT */
/* The stores' bounded queue of history events (store-queue.h). */
#include "store-queue.h"

#include <stdlib.h>
#include <string.h>

void srv_store_queue_init(srv_store_queue *q, size_t max)
{
    memset(q, 0, sizeof *q);
    q->max = max ? max : 1;
}

char *srv_store_copy_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *srv_store_copy_or_empty(const char *s)
{
    return srv_store_copy_n(s ? s : "", s ? strlen(s) : 0);
}

int srv_store_event_copy(srv_store_event *dst, const srv_store_event *src)
{
    dst->target = srv_store_copy_or_empty(src->target);
    dst->line = srv_store_copy_or_empty(src->line);
    dst->account = srv_store_copy_or_empty(src->account);
    dst->tags = srv_store_copy_or_empty(src->tags);
    dst->msgid = src->msgid;
    dst->kind = src->kind;
    if (!dst->target || !dst->line || !dst->account || !dst->tags) {
        srv_store_event_clear(dst);
        return -1;
    }
    return 0;
}

void srv_store_event_clear(srv_store_event *ev)
{
    free((char *)ev->target);
    free((char *)ev->line);
    free((char *)ev->account);
    free((char *)ev->tags);
    ev->target = ev->line = ev->account = ev->tags = NULL;
}

/* Room for more events.  @return 0, or -1 when out of memory */
static int reserve(srv_store_queue *q, size_t more)
{
    if (q->n + more <= q->cap)
        return 0;
    size_t cap = q->cap ? q->cap : 64;
    while (cap < q->n + more)
        cap *= 2;
    srv_store_event *grown = realloc(q->events, cap * sizeof *grown);
    if (!grown)
        return -1;
    q->events = grown;
    q->cap = cap;
    return 0;
}

/* Drop the oldest events past the bound.  @return how many */
static size_t keep_bound(srv_store_queue *q)
{
    if (q->n <= q->max)
        return 0;
    size_t drop = q->n - q->max;
    for (size_t i = 0; i < drop; i++)
        srv_store_event_clear(&q->events[i]);
    memmove(q->events, q->events + drop, q->max * sizeof *q->events);
    q->n = q->max;
    q->dropped += drop;
    return drop;
}

size_t srv_store_queue_append(srv_store_queue *q, const srv_store_event *ev)
{
    if (reserve(q, 1) < 0 || srv_store_event_copy(&q->events[q->n], ev) < 0) {
        q->dropped++;
        return 0;
    }
    q->n++;
    return keep_bound(q);
}

int srv_store_queue_insert(srv_store_queue *q, size_t at, srv_store_event *events, size_t n,
                           size_t *front_dropped)
{
    *front_dropped = 0;
    if (reserve(q, n) < 0) {
        for (size_t i = 0; i < n; i++)
            srv_store_event_clear(&events[i]);
        q->dropped += n;
        return -1;
    }
    if (at > q->n)
        at = q->n;
    if (!n)
        return 0;
    memmove(q->events + at + n, q->events + at, (q->n - at) * sizeof *q->events);
    memcpy(q->events + at, events, n * sizeof *q->events);
    q->n += n;
    *front_dropped = keep_bound(q);
    return 0;
}

void srv_store_queue_remove_front(srv_store_queue *q, size_t n)
{
    if (n > q->n)
        n = q->n;
    if (n && n < q->n)
        memmove(q->events, q->events + n, (q->n - n) * sizeof *q->events);
    q->n -= n;
}

uint64_t srv_store_queue_take_dropped(srv_store_queue *q)
{
    uint64_t dropped = q->dropped;
    q->dropped = 0;
    return dropped;
}

void srv_store_queue_clear(srv_store_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        srv_store_event_clear(&q->events[i]);
    q->n = 0;
}

void srv_store_queue_free(srv_store_queue *q)
{
    srv_store_queue_clear(q);
    free(q->events);
    memset(q, 0, sizeof *q);
}

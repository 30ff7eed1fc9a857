/* SPDX-License-Identifier: MIT */
/* The loop core: timers on a binary min-heap, deferred and posted tasks,
 * the wakeup pair, and dispatch that survives watchers being closed from
 * callbacks, the handles' one lifetime rule (close, then a close phase at
 * the end of the iteration frees them).  The OS wait is the backend's (one
 * file each). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <natter/clock.h>

#include "loop-internal.h"
#include "nt-config.h"
#include "sys.h"

static const nt__backend_ops *const backends[] = {
#if NT_HAVE_BACKEND_EPOLL
    &nt__backend_epoll,
#endif
#if NT_HAVE_BACKEND_POLL
    &nt__backend_poll,
#endif
#if NT_HAVE_BACKEND_WSAPOLL
    &nt__backend_wsapoll,
#endif
};

static const nt__backend_ops *find_backend(const char *name)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

/* ---- timers: a binary min-heap ordered by (due, seq) ---- */

static int timer_before(const nt_timer *a, const nt_timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_swap(nt_loop *loop, size_t i, size_t j)
{
    nt_timer *t = loop->heap[i];
    loop->heap[i] = loop->heap[j];
    loop->heap[j] = t;
    loop->heap[i]->heap_index = i;
    loop->heap[j]->heap_index = j;
}

static void heap_up(nt_loop *loop, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(loop->heap[i], loop->heap[parent]))
            break;
        heap_swap(loop, i, parent);
        i = parent;
    }
}

static void heap_down(nt_loop *loop, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < loop->nheap && timer_before(loop->heap[l], loop->heap[m]))
            m = l;
        if (r < loop->nheap && timer_before(loop->heap[r], loop->heap[m]))
            m = r;
        if (m == i)
            return;
        heap_swap(loop, i, m);
        i = m;
    }
}

static void heap_remove(nt_loop *loop, nt_timer *t)
{
    size_t i = t->heap_index;
    if (i == SIZE_MAX)
        return;
    size_t last = --loop->nheap;
    if (i != last) {
        loop->heap[i] = loop->heap[last];
        loop->heap[i]->heap_index = i;
        heap_down(loop, i);
        heap_up(loop, i);
    }
    t->heap_index = SIZE_MAX;
}

static int heap_push(nt_loop *loop, nt_timer *t)
{
    if (loop->nheap == loop->heap_cap) {
        size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
        nt_timer **h = realloc(loop->heap, cap * sizeof *h);
        if (!h)
            return NT_ENOMEM;
        loop->heap = h;
        loop->heap_cap = cap;
    }
    t->heap_index = loop->nheap++;
    loop->heap[t->heap_index] = t;
    heap_up(loop, t->heap_index);
    return NT_OK;
}

/* ---- handles ---- */

void nt__handle_init(nt_handle *h, nt_loop *loop, nt_handle_type type, void *data,
                     void (*finalize)(nt_handle *h))
{
    h->loop = loop;
    h->type = type;
    h->flags = 0;
    h->data = data;
    h->close_cb = NULL;
    h->finalize = finalize;
    h->next_closing = NULL;
    h->prev = NULL;
    h->next = loop->handles;
    if (loop->handles)
        loop->handles->prev = h;
    loop->handles = h;
    loop->nhandles++;
    loop->nuser++;
    loop->nref++;
}

static void unlink_handle(nt_handle *h)
{
    nt_loop *loop = h->loop;
    if (h->flags & NT__H_LOOP)
        return;
    if (h->prev)
        h->prev->next = h->next;
    else
        loop->handles = h->next;
    if (h->next)
        h->next->prev = h->prev;
    h->prev = h->next = NULL;
    loop->nhandles--;
    if (!(h->flags & NT__H_INTERNAL))
        loop->nuser--;
    if (!(h->flags & NT__H_UNREF))
        loop->nref--;
}

void nt__handle_set_flags(nt_handle *h, unsigned flags)
{
    if (flags & NT__H_LOOP) {
        unlink_handle(h);
        h->flags |= NT__H_LOOP | NT__H_INTERNAL | NT__H_UNREF;
        return;
    }
    if ((flags & NT__H_INTERNAL) && !(h->flags & NT__H_INTERNAL)) {
        h->flags |= NT__H_INTERNAL;
        h->loop->nuser--;
    }
    if ((flags & NT__H_UNREF) && !(h->flags & NT__H_UNREF)) {
        h->flags |= NT__H_UNREF;
        h->loop->nref--;
    }
}

int nt__handle_begin_close(nt_handle *h, nt_close_cb cb)
{
    if (!h->close_cb)
        h->close_cb = cb;
    if (h->flags & NT__H_CLOSING)
        return 0;
    h->flags |= NT__H_CLOSING;
    return 1;
}

void nt__handle_queue_close(nt_handle *h)
{
    if (h->flags & NT__H_QUEUED)
        return;
    /* Not marked closing: a lookup whose answer waits here is not closing
     * in its owner's eyes (and may still be cancelled). */
    h->flags |= NT__H_QUEUED;
    nt_loop *loop = h->loop;
    h->next_closing = NULL;
    if (loop->closing_tail)
        loop->closing_tail->next_closing = h;
    else
        loop->closing_head = h;
    loop->closing_tail = h;
}

void nt__handle_discard(nt_handle *h)
{
    if (!h)
        return;
    if (h->type == NT_HANDLE_WATCH)
        h->loop->ops->remove(h->loop, (nt_watch *)h);
    else if (h->type == NT_HANDLE_TIMER)
        heap_remove(h->loop, (nt_timer *)h);
    unlink_handle(h);
    free(h);
}

/* The close phase, at the end of each iteration: whatever was closed
 * during it gets its last callbacks and its memory freed, in the order the
 * closes happened.  Handles closed by these callbacks follow in the same
 * phase. */
static void run_closing(nt_loop *loop)
{
    nt_handle *later = NULL, *later_tail = NULL;
    while (loop->closing_head) {
        nt_handle *h = loop->closing_head;
        loop->closing_head = h->next_closing;
        if (!loop->closing_head)
            loop->closing_tail = NULL;
        if (h->busy) {
            /* A task of its own still points at it: next iteration. */
            h->next_closing = NULL;
            if (later_tail)
                later_tail->next_closing = h;
            else
                later = h;
            later_tail = h;
            continue;
        }
        if (h->finalize)
            h->finalize(h);
        if (h->close_cb)
            h->close_cb(h->data);
        unlink_handle(h);
        free(h);
    }
    loop->closing_head = later;
    loop->closing_tail = later_tail;
}

void nt_handle_close(nt_handle *h, nt_close_cb cb)
{
    if (!h)
        return;
    switch (h->type) {
    case NT_HANDLE_WATCH:
        nt_watch_close((nt_watch *)h, cb);
        break;
    case NT_HANDLE_TIMER:
        nt_timer_close((nt_timer *)h, cb);
        break;
    case NT_HANDLE_CONN:
        nt__conn_close_handle(h, cb);
        break;
    case NT_HANDLE_LISTENER:
        nt__listener_close_handle(h, cb);
        break;
    case NT_HANDLE_UDP:
        nt__udp_close_handle(h, cb);
        break;
    case NT_HANDLE_RESOLVE:
        nt__resolve_close_handle(h, cb);
        break;
    }
}

nt_handle_type nt_handle_get_type(const nt_handle *h)
{
    return h ? h->type : (nt_handle_type)0;
}

const char *nt_handle_type_name(nt_handle_type type)
{
    switch (type) {
    case NT_HANDLE_WATCH:
        return "watch";
    case NT_HANDLE_TIMER:
        return "timer";
    case NT_HANDLE_CONN:
        return "conn";
    case NT_HANDLE_LISTENER:
        return "listener";
    case NT_HANDLE_UDP:
        return "udp";
    case NT_HANDLE_RESOLVE:
        return "resolve";
    }
    return "unknown";
}

int nt_handle_is_closing(const nt_handle *h)
{
    return h ? nt__handle_closing(h) : 0;
}

void *nt_handle_data(const nt_handle *h)
{
    return h ? h->data : NULL;
}

nt_loop *nt_handle_loop(const nt_handle *h)
{
    return h ? h->loop : NULL;
}

void nt_loop_walk(nt_loop *loop, nt_walk_cb cb, void *data)
{
    if (!loop || !cb)
        return;
    /* cb may close handles, which stay on the list until the close phase,
     * so the next pointer taken before the call stays valid. */
    for (nt_handle *h = loop->handles, *next; h; h = next) {
        next = h->next;
        if (!(h->flags & NT__H_INTERNAL))
            cb(h, data);
    }
}

/* ---- timers ---- */

int nt_timer_new(nt_loop *loop, nt_timer_cb cb, void *data, nt_timer **out)
{
    if (!loop || !out || !cb)
        return NT_EINVAL;
    nt_timer *t = calloc(1, sizeof *t);
    if (!t)
        return NT_ENOMEM;
    nt__handle_init(&t->base, loop, NT_HANDLE_TIMER, data, NULL);
    t->cb = cb;
    t->heap_index = SIZE_MAX;
    *out = t;
    return NT_OK;
}

int nt_timer_start(nt_timer *t, uint64_t after_ms, uint64_t repeat_ms)
{
    if (!t || nt__handle_closing(&t->base))
        return NT_EINVAL;
    nt_loop *loop = t->base.loop;
    heap_remove(loop, t);
    /* The current time, not the iteration's cached one: a timer started
     * late in a long iteration must not fire early. */
    t->due = nt_clock_ms() + after_ms;
    t->repeat = repeat_ms;
    t->seq = loop->timer_seq++;
    return heap_push(loop, t);
}

void nt_timer_stop(nt_timer *t)
{
    if (t)
        heap_remove(t->base.loop, t);
}

int nt_timer_active(const nt_timer *t)
{
    return t && t->heap_index != SIZE_MAX;
}

void nt_timer_close(nt_timer *t, nt_close_cb cb)
{
    if (!t || !nt__handle_begin_close(&t->base, cb))
        return;
    heap_remove(t->base.loop, t);
    nt__handle_queue_close(&t->base);
}

nt_handle *nt_timer_handle(nt_timer *t)
{
    return t ? &t->base : NULL;
}

static void run_timers(nt_loop *loop)
{
    uint64_t now = nt_clock_ms();
    loop->now = now;
    /* Only timers due now run in this pass; a repeating timer re-armed
     * with a 0 interval waits for the next iteration instead of spinning. */
    uint64_t limit_seq = loop->timer_seq;
    while (loop->nheap > 0) {
        nt_timer *t = loop->heap[0];
        if (t->due > now || t->seq >= limit_seq)
            break;
        heap_remove(loop, t);
        if (t->repeat) {
            /* Catch up without bursting: the next due time is in the
             * future even if the loop was stalled for several periods. */
            t->due += t->repeat;
            if (t->due <= now)
                t->due = now + t->repeat;
            t->seq = loop->timer_seq++;
            heap_push(loop, t);
        }
        /* A closed timer is off the heap; its memory lasts until the
         * close phase, so closing itself here is safe. */
        t->cb(t, t->base.data);
    }
}

/* ---- watchers ---- */

int nt_watch_new(nt_loop *loop, nt_os_sock fd, nt_watch_cb cb, void *data, nt_watch **out)
{
    if (!loop || !out || !cb || fd == NT_INVALID_OS_SOCK)
        return NT_EINVAL;
    nt_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NT_ENOMEM;
    nt__handle_init(&w->base, loop, NT_HANDLE_WATCH, data, NULL);
    w->fd = fd;
    w->cb = cb;
    *out = w;
    return NT_OK;
}

int nt_watch_set(nt_watch *w, int events)
{
    if (!w || nt__handle_closing(&w->base) || (events & ~(NT_EV_READ | NT_EV_WRITE)))
        return NT_EINVAL;
    if (events == w->events && (events == 0 || w->registered))
        return NT_OK;
    int rc = w->base.loop->ops->set(w->base.loop, w, events);
    if (rc == NT_OK)
        w->events = events;
    return rc;
}

int nt_watch_events(const nt_watch *w)
{
    return w ? w->events : 0;
}

void nt_watch_close(nt_watch *w, nt_close_cb cb)
{
    if (!w || !nt__handle_begin_close(&w->base, cb))
        return;
    nt_loop *loop = w->base.loop;
    loop->ops->remove(loop, w);
    w->events = 0;
    /* Events for it may sit in this iteration's ready list: dispatch
     * skips closing watchers, and the memory lasts until the close phase. */
    nt__handle_queue_close(&w->base);
}

nt_handle *nt_watch_handle(nt_watch *w)
{
    return w ? &w->base : NULL;
}

int nt__loop_ready(nt_loop *loop, nt_watch *w, int events)
{
    if (loop->nready == loop->ready_cap) {
        size_t cap = loop->ready_cap ? loop->ready_cap * 2 : 64;
        nt__ready *r = realloc(loop->ready, cap * sizeof *r);
        if (!r)
            return NT_ENOMEM;
        loop->ready = r;
        loop->ready_cap = cap;
    }
    loop->ready[loop->nready].watch = w;
    loop->ready[loop->nready].events = events;
    loop->nready++;
    return NT_OK;
}

/* ---- tasks ---- */

static nt__task *task_new(nt_task_cb cb, void *data)
{
    nt__task *t = malloc(sizeof *t);
    if (t) {
        t->cb = cb;
        t->data = data;
        t->next = NULL;
    }
    return t;
}

int nt_loop_defer(nt_loop *loop, nt_task_cb cb, void *data)
{
    if (!loop || !cb)
        return NT_EINVAL;
    nt__task *t = loop->task_cache;
    if (t) {
        loop->task_cache = t->next;
        loop->task_cache_len--;
        t->cb = cb;
        t->data = data;
        t->next = NULL;
    } else if (!(t = task_new(cb, data))) {
        return NT_ENOMEM;
    }
    if (loop->defer_tail)
        loop->defer_tail->next = t;
    else
        loop->defer_head = t;
    loop->defer_tail = t;
    return NT_OK;
}

/* Spent task nodes are kept for reuse (up to TASK_CACHE_MAX): a busy
 * loop defers a flush per connection per iteration, and a malloc/free pair
 * for each was a measurable share of a small message's cost. */
#define TASK_CACHE_MAX 1024

static void run_task_list(nt_loop *loop, nt__task *t)
{
    while (t) {
        nt__task *next = t->next;
        t->cb(t->data);
        if (loop->task_cache_len < TASK_CACHE_MAX) {
            t->next = loop->task_cache;
            loop->task_cache = t;
            loop->task_cache_len++;
        } else {
            free(t);
        }
        t = next;
    }
}

static void run_deferred(nt_loop *loop)
{
    /* Tasks deferred by these tasks run in the next iteration. */
    nt__task *list = loop->defer_head;
    loop->defer_head = loop->defer_tail = NULL;
    run_task_list(loop, list);
}

static void wake(nt_loop *loop)
{
    /* One byte per sleep is enough: later posts see the flag set. */
    if (atomic_exchange(&loop->wake_pending, 1) == 0) {
        char b = 1;
        nt__sys_send(loop->wake[1], &b, 1);
    }
}

int nt_loop_post(nt_loop *loop, nt_task_cb cb, void *data)
{
    if (!loop || !cb)
        return NT_EINVAL;
    nt__task *t = task_new(cb, data);
    if (!t)
        return NT_ENOMEM;
    nt_mutex_lock(loop->post_lock);
    if (loop->post_tail)
        loop->post_tail->next = t;
    else
        loop->post_head = t;
    loop->post_tail = t;
    /* Wake inside the lock: the task cannot run (nor the loop be freed
     * after it) until this thread has stopped touching the loop. */
    wake(loop);
    nt_mutex_unlock(loop->post_lock);
    return NT_OK;
}

static void on_wake(nt_watch *w, int events, void *data)
{
    nt_loop *loop = data;
    char buf[64];
    (void)w;
    (void)events;
    /* Drain first, then clear the flag: clearing first would let a
     * poster set it and send a byte that this drain swallows, leaving the
     * flag set with nothing to read, and every later post unseen. */
    while (nt__sys_recv(loop->wake[0], buf, sizeof buf, 0) > 0) {
    }
    atomic_store(&loop->wake_pending, 0);
    nt_mutex_lock(loop->post_lock);
    nt__task *list = loop->post_head;
    loop->post_head = loop->post_tail = NULL;
    nt_mutex_unlock(loop->post_lock);
    run_task_list(loop, list);
}

void nt_loop_stop(nt_loop *loop)
{
    if (!loop)
        return;
    /* Under the lock, which nt_loop_free() waits for: a loop that sees
     * the flag, returns and is freed must not be woken afterwards. */
    nt_mutex_lock(loop->post_lock);
    atomic_store(&loop->stop, 1);
    wake(loop);
    nt_mutex_unlock(loop->post_lock);
}

/* ---- the loop ---- */

static void loop_destroy(nt_loop *loop);

int nt_loop_new(nt_loop **out)
{
    return nt_loop_new_backend(NULL, out);
}

int nt_loop_new_backend(const char *backend, nt_loop **out)
{
    if (!out)
        return NT_EINVAL;
    *out = NULL;
    if (!backend || !*backend)
        backend = getenv("NATTER_LOOP_BACKEND");
    if (!backend || !*backend)
        backend = NT_LOOP_BACKEND_DEFAULT;
    const nt__backend_ops *ops = find_backend(backend);
    if (!ops) {
        /* A name this platform lacks is unsupported, not a typo, if it
         * is one of the known names. */
        int known =
            !strcmp(backend, "epoll") || !strcmp(backend, "poll") || !strcmp(backend, "wsapoll");
        return known ? NT_ENOTSUP : NT_EINVAL;
    }
    int rc = nt__sys_init();
    if (rc != NT_OK)
        return rc;
    nt_loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return NT_ENOMEM;
    loop->ops = ops;
    loop->wake[0] = loop->wake[1] = NT_INVALID_OS_SOCK;
    atomic_init(&loop->stop, 0);
    atomic_init(&loop->wake_pending, 0);
    loop->now = nt_clock_ms();
    rc = ops->init(loop);
    if (rc != NT_OK) {
        free(loop);
        return rc;
    }
    if ((rc = nt_mutex_new(&loop->post_lock)) != NT_OK ||
        (rc = nt__sys_wake_pair(loop->wake)) != NT_OK ||
        (rc = nt_watch_new(loop, loop->wake[0], on_wake, loop, &loop->wake_watch)) != NT_OK) {
        loop_destroy(loop);
        return rc;
    }
    nt__handle_set_flags(&loop->wake_watch->base, NT__H_LOOP);
    if ((rc = nt_watch_set(loop->wake_watch, NT_EV_READ)) != NT_OK) {
        loop_destroy(loop);
        return rc;
    }
    *out = loop;
    return NT_OK;
}

/* Free the loop itself, whatever it still holds (handles excepted: the
 * caller has checked there are none). */
static void loop_destroy(nt_loop *loop)
{
    if (loop->post_lock) {
        /* Let a thread still inside nt_loop_post()/nt_loop_stop() leave. */
        nt_mutex_lock(loop->post_lock);
        nt_mutex_unlock(loop->post_lock);
    }
    if (loop->wake_watch) {
        loop->ops->remove(loop, loop->wake_watch);
        free(loop->wake_watch);
    }
    free(loop->heap);
    while (loop->task_cache) {
        nt__task *t = loop->task_cache;
        loop->task_cache = t->next;
        free(t);
    }
    if (loop->wake[0] != NT_INVALID_OS_SOCK)
        nt__sys_close(loop->wake[0]);
    if (loop->wake[1] != NT_INVALID_OS_SOCK)
        nt__sys_close(loop->wake[1]);
    nt_mutex_free(loop->post_lock);
    loop->ops->destroy(loop);
    free(loop->ready);
    free(loop);
}

/* A task or close callback still to run, from this thread or another. */
static int tasks_pending(nt_loop *loop)
{
    nt_mutex_lock(loop->post_lock);
    int posted = loop->post_head != NULL;
    nt_mutex_unlock(loop->post_lock);
    return posted || loop->defer_head || loop->closing_head;
}

int nt_loop_close(nt_loop *loop)
{
    if (!loop)
        return NT_OK;
    if (loop->nhandles > 0 || tasks_pending(loop))
        return NT_EBUSY;
    loop_destroy(loop);
    return NT_OK;
}

static void close_for_drain(nt_handle *h, void *data)
{
    (void)data;
    if (!nt__handle_closing(h) && !(h->flags & NT__H_UNREF))
        nt_handle_close(h, NULL);
}

int nt_loop_drain(nt_loop *loop)
{
    if (!loop)
        return NT_EINVAL;
    /* A stop asked for before or during the drain is kept for the next
     * nt_loop_run(); here it would only turn every wait into a spin. */
    int stopped = 0, rc = NT_OK;
    for (;;) {
        stopped |= atomic_exchange(&loop->stop, 0);
        /* Again every iteration: a callback may open new handles. */
        nt_loop_walk(loop, close_for_drain, NULL);
        if (loop->nref == 0 && !tasks_pending(loop))
            break;
        if ((rc = nt_loop_run_once(loop, -1)) != NT_OK)
            break;
    }
    if (stopped)
        atomic_store(&loop->stop, 1);
    return rc;
}

const char *nt_loop_backend(const nt_loop *loop)
{
    return loop ? loop->ops->name : "";
}

uint64_t nt_loop_now(const nt_loop *loop)
{
    return loop ? loop->now : 0;
}

int nt_loop_get_stats(const nt_loop *loop, nt_loop_stats *out)
{
    if (!loop || !out)
        return NT_EINVAL;
    memset(out, 0, sizeof *out);
    out->handles = loop->nuser;
    out->iterations = loop->iterations;
    out->wakeups = loop->wakeups;
    out->accept_pauses = loop->accept_pauses;
    out->resolving = loop->resolving;
    return NT_OK;
}

int nt_loop_embed_fd(const nt_loop *loop, int *fd)
{
    if (!loop || !fd)
        return NT_EINVAL;
    if (!loop->ops->embed_fd)
        return NT_ENOTSUP;
    *fd = loop->ops->embed_fd(loop);
    return NT_OK;
}

/* ---- load: batching that follows it ----
 *
 * Each iteration's work (timers, dispatch, deferred tasks, the close
 * phase: everything in nt_loop_run_once() but the OS wait) is summed over
 * a window of wall time; time spent waiting, or outside the loop (an
 * embedding loop's own sleep), counts as idle.  At the end of each window
 * the busy share sets the hold (nt__loop_hold_ms()):
 *
 * - 0 while the loop keeps up: output leaves at the end of the iteration
 *   that produced it, and when the loop is busy its batches grow by
 *   themselves (more events per iteration, one write per connection).
 * - Switched on only when the loop was saturated for a whole window (it
 *   hardly ever slept), then grown by half while the share stays above
 *   LOAD_HIGH: each connection then writes at most once per hold, so the
 *   write calls, which are most of a fan-out's cost, stop growing with
 *   the message rate.
 * - Halved for every window spent below LOAD_LOW, so a loop that sleeps
 *   again (a single long wait counts as many windows) is back at 0 soon.
 *
 * The band between LOAD_LOW and LOAD_HIGH is wider than one step of the
 * hold, so the hold settles instead of swinging between on and off. */
#define LOAD_WINDOW_US 25000u
#define LOAD_SATURATED 900u /* per mille: switch the hold on */
#define LOAD_HIGH 400u      /* grow the hold above this */
#define LOAD_LOW 150u       /* shrink it below this */
#define HOLD_MAX_MS 128u    /* connections cap it with their coalesce_ms */

static void load_account(nt_loop *loop, uint64_t start, uint64_t busy, uint64_t end)
{
    if (!loop->load_start_us || end < loop->load_start_us)
        loop->load_start_us = start;
    loop->load_busy_us += busy;
    uint64_t span = end - loop->load_start_us;
    if (span < LOAD_WINDOW_US)
        return;
    uint64_t share = loop->load_busy_us * 1000u / span;
    loop->busy_permille = share > 1000u ? 1000u : (unsigned)share;
    unsigned hold = loop->hold_ms;
    if (hold == 0) {
        if (share >= LOAD_SATURATED)
            hold = 1;
    } else if (share > LOAD_HIGH) {
        hold += hold / 2 + 1;
        if (hold > HOLD_MAX_MS)
            hold = HOLD_MAX_MS;
    } else if (share < LOAD_LOW) {
        uint64_t windows = span / LOAD_WINDOW_US;
        hold = windows >= 16 ? 0 : hold >> windows;
    }
    loop->hold_ms = hold;
    loop->load_start_us = end;
    loop->load_busy_us = 0;
}

static int wait_timeout(const nt_loop *loop, int timeout_ms)
{
    if (loop->defer_head || loop->closing_head || atomic_load(&loop->stop))
        return 0;
    if (loop->nheap > 0) {
        uint64_t now = nt_clock_ms();
        uint64_t due = loop->heap[0]->due;
        uint64_t left = due > now ? due - now : 0;
        if (left > INT_MAX)
            left = INT_MAX;
        if (timeout_ms < 0 || (int)left < timeout_ms)
            timeout_ms = (int)left;
    }
    return timeout_ms;
}

int nt_loop_timeout(const nt_loop *loop)
{
    return loop ? wait_timeout(loop, -1) : -1;
}

int nt_loop_run_once(nt_loop *loop, int timeout_ms)
{
    if (!loop)
        return NT_EINVAL;
    uint64_t start = nt_clock_us();
    run_timers(loop);
    loop->nready = 0;
    uint64_t wait_start = nt_clock_us();
    int rc = loop->ops->wait(loop, wait_timeout(loop, timeout_ms));
    uint64_t wait_end = nt_clock_us();
    loop->wakeups++;
    loop->iterations++;
    loop->now = wait_end / 1000u; /* nt_clock_ms() */
    if (rc == NT_OK) {
        for (size_t i = 0; i < loop->nready; i++) {
            nt_watch *w = loop->ready[i].watch;
            int ev = loop->ready[i].events & w->events;
            if (!nt__handle_closing(&w->base) && ev)
                w->cb(w, ev, w->base.data);
        }
        loop->nready = 0;
        run_timers(loop);
        run_deferred(loop);
    }
    /* Also after a failed wait: a closed handle is never left unfreed. */
    run_closing(loop);
    uint64_t end = nt_clock_us();
    load_account(loop, start, (wait_start - start) + (end - wait_end), end);
    return rc;
}

int nt_loop_run(nt_loop *loop)
{
    if (!loop)
        return NT_EINVAL;
    /* The flag is cleared on the way out, not on the way in: a stop from
     * another thread that lands just before run starts must not be lost. */
    while (!atomic_load(&loop->stop)) {
        int rc = nt_loop_run_once(loop, -1);
        if (rc != NT_OK)
            return rc;
    }
    atomic_store(&loop->stop, 0);
    return NT_OK;
}

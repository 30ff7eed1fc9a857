/* SPDX-License-Identifier: MIT */
/* The loop core: timers on a binary min-heap, deferred and posted tasks,
 * the wakeup pair, and dispatch that survives watchers being freed from
 * callbacks.  The OS wait is the backend's (one file each). */
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

int nt_timer_new(nt_loop *loop, nt_timer **out, nt_timer_cb cb, void *data)
{
    if (!loop || !out || !cb)
        return NT_EINVAL;
    nt_timer *t = calloc(1, sizeof *t);
    if (!t)
        return NT_ENOMEM;
    t->loop = loop;
    t->cb = cb;
    t->data = data;
    t->heap_index = SIZE_MAX;
    *out = t;
    return NT_OK;
}

int nt_timer_start(nt_timer *t, uint64_t after_ms, uint64_t repeat_ms)
{
    if (!t)
        return NT_EINVAL;
    nt_loop *loop = t->loop;
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
        heap_remove(t->loop, t);
}

int nt_timer_active(const nt_timer *t)
{
    return t && t->heap_index != SIZE_MAX;
}

void nt_timer_free(nt_timer *t)
{
    if (!t)
        return;
    heap_remove(t->loop, t);
    if (t->running) {
        t->freed = 1; /* run_timers frees it when the callback returns */
        return;
    }
    free(t);
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
        t->running = 1;
        t->cb(t, t->data);
        t->running = 0;
        if (t->freed)
            free(t);
    }
}

/* ---- watchers ---- */

int nt_watch_new(nt_loop *loop, nt_watch **out, nt_os_sock fd, nt_watch_cb cb, void *data)
{
    if (!loop || !out || !cb || fd == NT_INVALID_OS_SOCK)
        return NT_EINVAL;
    nt_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NT_ENOMEM;
    w->loop = loop;
    w->fd = fd;
    w->cb = cb;
    w->data = data;
    *out = w;
    return NT_OK;
}

int nt_watch_set(nt_watch *w, int events)
{
    if (!w || w->dead || (events & ~(NT_EV_READ | NT_EV_WRITE)))
        return NT_EINVAL;
    if (events == w->events && (events == 0 || w->registered))
        return NT_OK;
    int rc = w->loop->ops->set(w->loop, w, events);
    if (rc == NT_OK)
        w->events = events;
    return rc;
}

int nt_watch_events(const nt_watch *w)
{
    return w ? w->events : 0;
}

void nt_watch_free(nt_watch *w)
{
    if (!w || w->dead)
        return;
    nt_loop *loop = w->loop;
    loop->ops->remove(loop, w);
    w->dead = 1;
    w->events = 0;
    /* Events for it may sit in this iteration's ready list: keep the
     * memory until the iteration ends, and skip it in dispatch. */
    w->next_dead = loop->dead;
    loop->dead = w;
    if (!loop->dispatching) {
        loop->dead = w->next_dead;
        free(w);
    }
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

static void free_dead(nt_loop *loop)
{
    while (loop->dead) {
        nt_watch *w = loop->dead;
        loop->dead = w->next_dead;
        free(w);
    }
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
    nt__task *t = task_new(cb, data);
    if (!t)
        return NT_ENOMEM;
    if (loop->defer_tail)
        loop->defer_tail->next = t;
    else
        loop->defer_head = t;
    loop->defer_tail = t;
    return NT_OK;
}

static void run_task_list(nt__task *t)
{
    while (t) {
        nt__task *next = t->next;
        t->cb(t->data);
        free(t);
        t = next;
    }
}

static void run_deferred(nt_loop *loop)
{
    /* Tasks deferred by these tasks run in the next iteration. */
    nt__task *list = loop->defer_head;
    loop->defer_head = loop->defer_tail = NULL;
    run_task_list(list);
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
    run_task_list(list);
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

int nt_loop_new(nt_loop **out)
{
    return nt_loop_new_backend(out, NULL);
}

int nt_loop_new_backend(nt_loop **out, const char *backend)
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
        (rc = nt_watch_new(loop, &loop->wake_watch, loop->wake[0], on_wake, loop)) != NT_OK ||
        (rc = nt_watch_set(loop->wake_watch, NT_EV_READ)) != NT_OK) {
        nt_loop_free(loop);
        return rc;
    }
    *out = loop;
    return NT_OK;
}

void nt_loop_free(nt_loop *loop)
{
    if (!loop)
        return;
    if (loop->post_lock) {
        /* Let a thread still inside nt_loop_post()/nt_loop_stop() leave. */
        nt_mutex_lock(loop->post_lock);
        nt_mutex_unlock(loop->post_lock);
    }
    nt_watch_free(loop->wake_watch);
    free_dead(loop);
    for (size_t i = 0; i < loop->nheap; i++)
        loop->heap[i]->heap_index = SIZE_MAX;
    free(loop->heap);
    nt__task *t = loop->defer_head;
    while (t) {
        nt__task *n = t->next;
        free(t);
        t = n;
    }
    t = loop->post_head;
    while (t) {
        nt__task *n = t->next;
        free(t);
        t = n;
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

const char *nt_loop_backend(const nt_loop *loop)
{
    return loop ? loop->ops->name : "";
}

uint64_t nt_loop_now(const nt_loop *loop)
{
    return loop ? loop->now : 0;
}

uint64_t nt_loop_wakeups(const nt_loop *loop)
{
    return loop ? loop->wakeups : 0;
}

static int wait_timeout(nt_loop *loop, int timeout_ms)
{
    if (loop->defer_head || atomic_load(&loop->stop))
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

int nt_loop_run_once(nt_loop *loop, int timeout_ms)
{
    if (!loop)
        return NT_EINVAL;
    run_timers(loop);
    loop->nready = 0;
    int rc = loop->ops->wait(loop, wait_timeout(loop, timeout_ms));
    loop->wakeups++;
    loop->now = nt_clock_ms();
    if (rc != NT_OK)
        return rc;
    loop->dispatching = 1;
    for (size_t i = 0; i < loop->nready; i++) {
        nt_watch *w = loop->ready[i].watch;
        int ev = loop->ready[i].events & w->events;
        if (!w->dead && ev)
            w->cb(w, ev, w->data);
    }
    run_timers(loop);
    run_deferred(loop);
    loop->dispatching = 0;
    free_dead(loop);
    return NT_OK;
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

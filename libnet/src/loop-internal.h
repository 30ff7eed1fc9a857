/* SPDX-License-Identifier: MIT */
/* The loop's fields and the backend interface: each backend (one file
 * each) fills in an nt__backend_ops and reports ready watchers with
 * nt__loop_ready(). */
#ifndef NT_LOOP_INTERNAL_H
#define NT_LOOP_INTERNAL_H

#include <natter/loop.h>
#include <natter/thread.h>

#include <stdatomic.h>

/* ---- handles: the one lifetime rule ---- */

#define NT__H_CLOSING 1u /* close begun: no callbacks but the close callback */
#define NT__H_QUEUED 2u  /* in the close phase's queue */
#define NT__H_INTERNAL                                   \
    4u /* made by another handle for itself: not walked, \
          not in the user's count */
#define NT__H_UNREF                                         \
    8u /* does not keep nt_loop_drain() running (the signal \
          module's watcher, closed by its own module) */
#define NT__H_LOOP                                          \
    16u /* the loop's own (its wakeup watcher): on no list, \
           freed by nt_loop_close() */

/* The head of every handle struct (first member, so that the close phase
 * frees the whole struct through it). */
struct nt_handle {
    nt_loop *loop;
    nt_handle_type type;
    unsigned flags;
    void *data;
    nt_close_cb close_cb;
    /* The type's last act before its memory goes (a connection's
     * on_closed, a lookup's callback); NULL for none. */
    void (*finalize)(nt_handle *h);
    nt_handle *prev, *next; /* the loop's handles */
    nt_handle *next_closing;
    /* Deferred tasks of the library's own that point at this handle: the
     * close phase keeps its memory until they have run. */
    unsigned busy;
};

/* Put h on loop's list of handles (type and data as given). */
void nt__handle_init(nt_handle *h, nt_loop *loop, nt_handle_type type, void *data,
                     void (*finalize)(nt_handle *h));
/* Mark a handle NT__H_INTERNAL and/or NT__H_UNREF (right after creation). */
void nt__handle_set_flags(nt_handle *h, unsigned flags);
/* Begin closing: returns 1 for the first call, 0 when closing had begun
 * (cb is then kept only if the first close gave none). */
int nt__handle_begin_close(nt_handle *h, nt_close_cb cb);
/* Queue a closing handle for the close phase, where its finalizer and
 * close callback run and its memory is freed.  Idempotent. */
void nt__handle_queue_close(nt_handle *h);
/* A handle freed at once, without callbacks, because it was never handed
 * out (a constructor failing half-way): out of the backend or the timer
 * heap, off the list.  NULL is accepted. */
void nt__handle_discard(nt_handle *h);

/* The close of each type above the loop, for nt_handle_close(): take cb
 * as the close callback and close as the type's own close function does. */
void nt__conn_close_handle(nt_handle *h, nt_close_cb cb);
void nt__listener_close_handle(nt_handle *h, nt_close_cb cb);
void nt__udp_close_handle(nt_handle *h, nt_close_cb cb);
void nt__resolve_close_handle(nt_handle *h, nt_close_cb cb);

static inline int nt__handle_closing(const nt_handle *h)
{
    return (h->flags & NT__H_CLOSING) != 0;
}

struct nt_watch {
    nt_handle base;
    nt_os_sock fd;
    nt_watch_cb cb;
    int events;     /* asked for */
    int registered; /* known to the backend */
    size_t slot;    /* backend's index (poll-set backends) */
};

struct nt_timer {
    nt_handle base;
    nt_timer_cb cb;
    uint64_t due;
    uint64_t repeat;
    uint64_t seq;      /* start order: FIFO among equal due times */
    size_t heap_index; /* SIZE_MAX when stopped */
};

typedef struct nt__task {
    nt_task_cb cb;
    void *data;
    struct nt__task *next;
} nt__task;

typedef struct nt__ready {
    nt_watch *watch;
    int events;
} nt__ready;

typedef struct nt__backend_ops {
    const char *name;
    int (*init)(nt_loop *loop);
    void (*destroy)(nt_loop *loop);
    /* Set the events for w: 0 removes it from the OS set. */
    int (*set)(nt_loop *loop, nt_watch *w, int events);
    /* Forget w entirely (it is being freed). */
    void (*remove)(nt_loop *loop, nt_watch *w);
    /* Wait, then report each ready watcher with nt__loop_ready(). Returns
     * NT_OK or an error (an interrupted wait is NT_OK with nothing ready). */
    int (*wait)(nt_loop *loop, int timeout_ms);
    /* The one descriptor that is readable when wait() would return at once;
     * NULL when the backend has none. */
    int (*embed_fd)(const nt_loop *loop);
} nt__backend_ops;

struct nt_loop {
    const nt__backend_ops *ops;
    void *backend;

    uint64_t now;
    uint64_t iterations;
    uint64_t wakeups;
    uint64_t accept_pauses; /* listeners add to it */
    uint64_t resolving;     /* lookups in flight */
    atomic_int stop;

    nt__ready *ready;
    size_t nready, ready_cap;

    nt_timer **heap;
    size_t nheap, heap_cap;
    uint64_t timer_seq;

    nt__task *defer_head, *defer_tail;
    nt__task *task_cache; /* spent nodes for nt_loop_defer() to reuse */
    size_t task_cache_len;

    nt_mutex *post_lock;
    nt__task *post_head, *post_tail;
    atomic_int wake_pending;
    nt_os_sock wake[2]; /* [0] read end watched by the loop, [1] written */
    nt_watch *wake_watch;

    /* Load, measured per window of LOAD_WINDOW_US (loop.c): the time spent
     * working inside nt_loop_run_once() (not waiting) against the wall
     * time, and the output hold it sets for connections that allow one
     * (nt_conn_options.coalesce_ms): 0 unless the loop was saturated. */
    uint64_t load_start_us; /* the window's start; 0 before the first */
    uint64_t load_busy_us;  /* worked so far in the window */
    unsigned busy_permille; /* the last whole window's share */
    unsigned hold_ms;       /* see nt__loop_hold_ms() */

    nt_handle *handles;                     /* every handle but wake_watch */
    size_t nhandles;                        /* all of them */
    size_t nuser;                           /* not NT__H_INTERNAL */
    size_t nref;                            /* not NT__H_UNREF */
    nt_handle *closing_head, *closing_tail; /* the close phase's queue */
};

/* How long a connection that has just written may hold further output
 * (nt_conn, coalescing): 0 while the loop keeps up, growing while it is
 * saturated, shrinking back to 0 once it sleeps again. */
static inline unsigned nt__loop_hold_ms(const nt_loop *loop)
{
    return loop->hold_ms;
}

/* Record that w is ready with events (called by backends from wait()). */
int nt__loop_ready(nt_loop *loop, nt_watch *w, int events);

/* The backends this build has. */
extern const nt__backend_ops nt__backend_epoll;
extern const nt__backend_ops nt__backend_poll;
extern const nt__backend_ops nt__backend_wsapoll;

/* A poll(2)-style set shared by the poll and WSAPoll backends: the array
 * of descriptors and the watcher behind each slot.  The OS call is the
 * backend's; everything else is here (src/pollset.c). */
typedef struct nt__pollset nt__pollset;
typedef int (*nt__poll_fn)(void *fds, size_t n, int timeout_ms);
int nt__pollset_init(nt_loop *loop);
void nt__pollset_destroy(nt_loop *loop);
int nt__pollset_set(nt_loop *loop, nt_watch *w, int events);
void nt__pollset_remove(nt_loop *loop, nt_watch *w);
int nt__pollset_wait(nt_loop *loop, int timeout_ms, nt__poll_fn poll_fn);

#endif

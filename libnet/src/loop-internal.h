/* SPDX-License-Identifier: MIT */
/* The loop's fields and the backend interface: each backend (one file
 * each) fills in an nt__backend_ops and reports ready watchers with
 * nt__loop_ready(). */
#ifndef NT_LOOP_INTERNAL_H
#define NT_LOOP_INTERNAL_H

#include <natter/loop.h>
#include <natter/thread.h>

#include <stdatomic.h>

struct nt_watch {
    nt_loop *loop;
    nt_os_sock fd;
    nt_watch_cb cb;
    void *data;
    int events;     /* asked for */
    int registered; /* known to the backend */
    int dead;       /* freed by the user; memory kept until iteration end */
    size_t slot;    /* backend's index (poll-set backends) */
    nt_watch *next_dead;
};

struct nt_timer {
    nt_loop *loop;
    nt_timer_cb cb;
    void *data;
    uint64_t due;
    uint64_t repeat;
    uint64_t seq;      /* start order: FIFO among equal due times */
    size_t heap_index; /* SIZE_MAX when stopped */
    int running;       /* inside its callback */
    int freed;         /* freed inside its callback */
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
} nt__backend_ops;

struct nt_loop {
    const nt__backend_ops *ops;
    void *backend;

    uint64_t now;
    uint64_t wakeups;
    atomic_int stop;

    nt__ready *ready;
    size_t nready, ready_cap;

    nt_timer **heap;
    size_t nheap, heap_cap;
    uint64_t timer_seq;

    nt__task *defer_head, *defer_tail;

    nt_mutex *post_lock;
    nt__task *post_head, *post_tail;
    atomic_int wake_pending;
    nt_os_sock wake[2]; /* [0] read end watched by the loop, [1] written */
    nt_watch *wake_watch;

    nt_watch *dead; /* watchers freed during this iteration */
    int dispatching;
};

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

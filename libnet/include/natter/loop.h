/* SPDX-License-Identifier: MIT */
/**
 * @file natter/loop.h
 * @brief A single-threaded event loop: readiness watchers, timers,
 * deferred callbacks and a thread-safe post.
 *
 * Watchers are handles, not descriptor slots: each has its own callback and
 * data, and freeing one from any callback (its own included) is safe, also
 * when events for it are pending in the same iteration.  Timers use a
 * monotonic clock and a binary heap (O(log n) start/stop).  The backend is
 * epoll on Linux, poll on other POSIX systems and WSAPoll on Windows;
 * the environment variable NATTER_LOOP_BACKEND (epoll, poll, wsapoll)
 * picks another where the platform has it.
 *
 * Every function except nt_loop_post() and nt_loop_stop() must be called
 * on the loop's own thread.
 */
#ifndef NATTER_LOOP_H
#define NATTER_LOOP_H

#include <natter/net.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An event loop. */
typedef struct nt_loop nt_loop;
/** A readiness watcher on one OS socket. */
typedef struct nt_watch nt_watch;
/** A one-shot or repeating timer. */
typedef struct nt_timer nt_timer;

/** Called with the ready NT_EV_* bits (a subset of those asked for). */
typedef void (*nt_watch_cb)(nt_watch *w, int events, void *data);
/** Called when a timer is due. */
typedef void (*nt_timer_cb)(nt_timer *t, void *data);
/** A deferred or posted callback. */
typedef void (*nt_task_cb)(void *data);

/**
 * Create a loop with the default backend (or NATTER_LOOP_BACKEND's).
 * @return NT_OK, NT_EINVAL (unknown backend name), NT_ENOMEM, or the
 *         error of creating the backend or the wakeup pair
 */
NT_API int nt_loop_new(nt_loop **out);

/**
 * Create a loop with a named backend ("epoll", "poll", "wsapoll"); NULL
 * means the default.
 * @return NT_OK, or NT_ENOTSUP when this platform lacks that backend
 */
NT_API int nt_loop_new_backend(nt_loop **out, const char *backend);

/**
 * Free a loop.  Free its watchers and timers first (the loop does not own
 * them); posted and deferred tasks not yet run are dropped.  NULL is
 * accepted.
 */
NT_API void nt_loop_free(nt_loop *loop);

/** The backend's name ("epoll", "poll" or "wsapoll"). */
NT_API const char *nt_loop_backend(const nt_loop *loop);

/**
 * Run until nt_loop_stop() is called.
 * @return NT_OK, or a backend error
 */
NT_API int nt_loop_run(nt_loop *loop);

/**
 * Run one iteration: wait up to timeout_ms (negative: until something
 * happens) for events, timers or posts, then dispatch them.
 * @return NT_OK, or a backend error
 */
NT_API int nt_loop_run_once(nt_loop *loop, int timeout_ms);

/** Make nt_loop_run() return after the current iteration; any thread. */
NT_API void nt_loop_stop(nt_loop *loop);

/** The loop's time in milliseconds (nt_clock_ms() at the iteration start). */
NT_API uint64_t nt_loop_now(const nt_loop *loop);

/**
 * How many times the loop has returned from waiting: a test of an idle
 * loop expects this to stay still.
 */
NT_API uint64_t nt_loop_wakeups(const nt_loop *loop);

/**
 * Queue a callback to run on the loop's thread in the next iteration, in
 * the order queued.  Loop thread only (see nt_loop_post()).
 * @return NT_OK or NT_ENOMEM
 */
NT_API int nt_loop_defer(nt_loop *loop, nt_task_cb cb, void *data);

/**
 * Queue a callback from any thread and wake the loop to run it.  Tasks
 * posted from one thread run in the order posted.
 * @return NT_OK or NT_ENOMEM
 */
NT_API int nt_loop_post(nt_loop *loop, nt_task_cb cb, void *data);

/**
 * Watch an OS socket.  The watcher starts with no events; call
 * nt_watch_set().  A socket must have at most one watcher per loop.
 * @return NT_OK, NT_EINVAL, NT_ENOMEM
 */
NT_API int nt_watch_new(nt_loop *loop, nt_watch **out, nt_os_sock fd, nt_watch_cb cb, void *data);

/**
 * Choose the events to watch (NT_EV_READ | NT_EV_WRITE; 0 pauses).
 * @return NT_OK or the backend's error
 */
NT_API int nt_watch_set(nt_watch *w, int events);

/** The events being watched. */
NT_API int nt_watch_events(const nt_watch *w);

/**
 * Stop watching and free the watcher (not the socket).  Safe inside any
 * callback; no further callback for it is made.  Free the watcher before
 * closing its socket: a closed descriptor's number may already belong to a
 * new socket.  NULL is accepted.
 */
NT_API void nt_watch_free(nt_watch *w);

/**
 * Create a stopped timer.
 * @return NT_OK, NT_EINVAL, NT_ENOMEM
 */
NT_API int nt_timer_new(nt_loop *loop, nt_timer **out, nt_timer_cb cb, void *data);

/**
 * (Re)start a timer: first due after after_ms, then every repeat_ms
 * (0: once).  Timers due at the same time fire in the order started.
 * @return NT_OK or NT_ENOMEM
 */
NT_API int nt_timer_start(nt_timer *t, uint64_t after_ms, uint64_t repeat_ms);

/** Stop a timer; it may be started again.  NULL is accepted. */
NT_API void nt_timer_stop(nt_timer *t);

/** Is the timer started? */
NT_API int nt_timer_active(const nt_timer *t);

/** Stop and free a timer; safe inside its own callback.  NULL accepted. */
NT_API void nt_timer_free(nt_timer *t);

#ifdef __cplusplus
}
#endif
#endif

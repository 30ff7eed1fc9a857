/* SPDX-License-Identifier: MIT */
/**
 * @file natter/loop.h
 * @brief A single-threaded event loop: handles (readiness watchers,
 * timers, and the connections, listeners, UDP endpoints and name lookups
 * built on them), deferred callbacks and a thread-safe post.
 *
 * One lifetime rule for every handle.  A handle is created by an
 * nt_*_new() (or nt_*_start()) call and belongs to the loop until it is
 * closed.  Closing (nt_handle_close(), or the type's own nt_*_close()) is
 * safe at any time, inside any callback (the handle's own included), and
 * more than once; from the moment of the call no further callback of the
 * handle runs except its close callback.  The close callback runs from the
 * loop, after the callback that closed it has returned; when it returns,
 * the handle's memory is gone.  Nothing is freed any other way.
 *
 * The loop knows its open handles: nt_loop_close() refuses with NT_EBUSY
 * while any handle is open or closing, or a task is queued, and
 * nt_loop_drain() closes them all and runs until they are gone.
 *
 * Timers use a monotonic clock and a binary heap (O(log n) start/stop).
 * The backend is epoll on Linux, poll on other POSIX systems and WSAPoll on
 * Windows; the environment variable NATTER_LOOP_BACKEND (epoll, poll,
 * wsapoll) picks another where the platform has it.
 *
 * Every function except nt_loop_post() and nt_loop_stop() must be called
 * on the loop's own thread: the one running it.  A loop may be created on
 * one thread, run on another and closed on a third, as long as one thread
 * at a time uses it and the hand-over is synchronised (a thread join, a
 * mutex).  Misuse that can be detected (NULL handles, a
 * handle used after its close began) returns NT_EINVAL and never crashes.
 */
#ifndef NATTER_LOOP_H
#define NATTER_LOOP_H

#include <natter/net.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An event loop. */
typedef struct nt_loop nt_loop;
/** Any handle on a loop (what nt_loop_walk() shows and nt_handle_close() ends). */
typedef struct nt_handle nt_handle;
/** A readiness watcher on one OS socket. */
typedef struct nt_watch nt_watch;
/** A one-shot or repeating timer. */
typedef struct nt_timer nt_timer;

/** The kinds of handle. */
typedef enum nt_handle_type {
    NT_HANDLE_WATCH = 1,    /**< nt_watch */
    NT_HANDLE_TIMER = 2,    /**< nt_timer */
    NT_HANDLE_CONN = 3,     /**< nt_conn (natter/conn.h) */
    NT_HANDLE_LISTENER = 4, /**< nt_listener (natter/conn.h) */
    NT_HANDLE_UDP = 5,      /**< nt_udp (natter/udp.h) */
    NT_HANDLE_RESOLVE = 6   /**< nt_resolve (natter/resolve.h) */
} nt_handle_type;

/** Called with the ready NT_EV_* bits (a subset of those asked for). */
typedef void (*nt_watch_cb)(nt_watch *w, int events, void *data);
/** Called when a timer is due. */
typedef void (*nt_timer_cb)(nt_timer *t, void *data);
/** A deferred or posted callback. */
typedef void (*nt_task_cb)(void *data);
/**
 * Called once when a closed handle is gone; data is the handle's data
 * pointer.  The handle's memory is freed when this returns.
 */
typedef void (*nt_close_cb)(void *data);
/** Called by nt_loop_walk() for each open handle. */
typedef void (*nt_walk_cb)(nt_handle *h, void *data);

/** Counters of a loop, from nt_loop_get_stats(). */
typedef struct nt_loop_stats {
    uint64_t handles;       /**< handles open or closing (the user's, not
                                 the ones handles make for themselves) */
    uint64_t iterations;    /**< loop iterations run */
    uint64_t wakeups;       /**< returns from the OS wait; an idle loop's
                                 count stays still */
    uint64_t accept_pauses; /**< times a listener paused accepting for lack
                                 of descriptors or memory */
    uint64_t resolving;     /**< name lookups in flight */
    uint64_t reserved[7];   /**< zero; room for later 1.x counters */
} nt_loop_stats;

/**
 * Create a loop with the default backend (or NATTER_LOOP_BACKEND's).
 * @param out receives the loop
 * @return NT_OK, NT_EINVAL (unknown backend name), NT_ENOMEM, or the
 *         error of creating the backend or the wakeup pair
 */
NT_API int nt_loop_new(nt_loop **out);

/**
 * Create a loop with a named backend ("epoll", "poll", "wsapoll").
 * @param backend the backend's name; NULL means the default
 * @param out receives the loop
 * @return NT_OK, or NT_ENOTSUP when this platform lacks that backend
 */
NT_API int nt_loop_new_backend(const char *backend, nt_loop **out);

/**
 * Free a loop that has nothing left: no handle open or closing, no task
 * queued.  NULL is accepted (NT_OK).
 * @return NT_OK (the loop is freed), or NT_EBUSY (nothing is freed; close
 *         the handles, for instance with nt_loop_drain(), or list them with
 *         nt_loop_walk())
 */
NT_API int nt_loop_close(nt_loop *loop);

/**
 * Close every open handle (connections write what they have queued first,
 * within their linger time) and run the loop until all of them are gone and
 * no task is left; their callbacks (on_closed, close callbacks) run as
 * usual, and handles opened by those callbacks are closed too.  Then
 * nt_loop_close() succeeds, unless the signal module still watches this
 * loop (nt_signal_unwatch_all()).  nt_loop_stop() does not cut a drain
 * short: the request is kept for the next nt_loop_run().
 * @return NT_OK, NT_EINVAL, or a backend error
 */
NT_API int nt_loop_drain(nt_loop *loop);

/**
 * Call cb for every open handle, including those closing (see
 * nt_handle_is_closing()): to close them selectively, or to report what
 * keeps nt_loop_close() from succeeding.  cb may close handles.
 */
NT_API void nt_loop_walk(nt_loop *loop, nt_walk_cb cb, void *data);

/** The backend's name ("epoll", "poll" or "wsapoll"). */
NT_API const char *nt_loop_backend(const nt_loop *loop);

/**
 * Run until nt_loop_stop() is called.
 * @return NT_OK, or a backend error
 */
NT_API int nt_loop_run(nt_loop *loop);

/**
 * Run one iteration: wait up to timeout_ms (negative: until something
 * happens) for events, timers or posts, then dispatch them and run the
 * close callbacks of handles closed meanwhile.
 * @return NT_OK, or a backend error
 */
NT_API int nt_loop_run_once(nt_loop *loop, int timeout_ms);

/** Make nt_loop_run() return after the current iteration; any thread. */
NT_API void nt_loop_stop(nt_loop *loop);

/** The loop's time in milliseconds (nt_clock_ms() at the iteration start). */
NT_API uint64_t nt_loop_now(const nt_loop *loop);

/**
 * The loop's counters.
 * @param out receives them
 * @return NT_OK or NT_EINVAL
 */
NT_API int nt_loop_get_stats(const nt_loop *loop, nt_loop_stats *out);

/**
 * Embedding in another main loop (GLib, Qt, ...): a descriptor that
 * becomes readable whenever the loop has something to do.  Watch it for
 * reading in the other loop, with nt_loop_timeout() as the longest wait,
 * and call nt_loop_run_once(loop, 0) when it is readable or the wait ends.
 * @param fd receives the descriptor (owned by the loop; do not close it)
 * @return NT_OK, or NT_ENOTSUP for a backend that has no single descriptor
 *         (poll, WSAPoll): drive such a loop from its own thread instead
 */
NT_API int nt_loop_embed_fd(const nt_loop *loop, int *fd);

/**
 * How long the loop may sleep before it must run again: 0 when a task,
 * close callback or expired timer waits; the time to the next timer; -1
 * when only events can wake it.
 */
NT_API int nt_loop_timeout(const nt_loop *loop);

/**
 * Queue a callback to run on the loop's thread in the next iteration, in
 * the order queued.  Loop thread only (see nt_loop_post()).  A queued task
 * always runs: nt_loop_close() refuses while one waits.
 * @return NT_OK, NT_EINVAL or NT_ENOMEM
 */
NT_API int nt_loop_defer(nt_loop *loop, nt_task_cb cb, void *data);

/**
 * Queue a callback from any thread and wake the loop to run it.  Tasks
 * posted from one thread run in the order posted.
 * @return NT_OK, NT_EINVAL or NT_ENOMEM
 */
NT_API int nt_loop_post(nt_loop *loop, nt_task_cb cb, void *data);

/* ---- any handle ---- */

/**
 * Close any handle the way its type closes (nt_watch_close(),
 * nt_timer_close(), nt_conn_close(), nt_listener_close(), nt_udp_close(),
 * nt_resolve_cancel()), then call cb (may be NULL) as its close callback.
 * A second close keeps the first close callback (or takes this one if the
 * first had none).  NULL is accepted.
 */
NT_API void nt_handle_close(nt_handle *h, nt_close_cb cb);

/** The handle's type; 0 for NULL. */
NT_API nt_handle_type nt_handle_get_type(const nt_handle *h);

/** A type's name ("watch", "timer", "conn", "listener", "udp", "resolve"). */
NT_API const char *nt_handle_type_name(nt_handle_type type);

/** Has closing begun (by the owner or, for a connection, by the peer)? */
NT_API int nt_handle_is_closing(const nt_handle *h);

/** The data pointer given at creation; NULL for NULL. */
NT_API void *nt_handle_data(const nt_handle *h);

/** The loop the handle belongs to; NULL for NULL. */
NT_API nt_loop *nt_handle_loop(const nt_handle *h);

/* ---- watchers ---- */

/**
 * Watch an OS socket.  The watcher starts with no events; call
 * nt_watch_set().  A socket must have at most one watcher per loop.
 * @param out receives the watcher
 * @return NT_OK, NT_EINVAL, NT_ENOMEM
 */
NT_API int nt_watch_new(nt_loop *loop, nt_os_sock fd, nt_watch_cb cb, void *data, nt_watch **out);

/**
 * Choose the events to watch (NT_EV_READ | NT_EV_WRITE; 0 pauses).
 * @return NT_OK, NT_EINVAL (closing, or unknown bits) or the backend's error
 */
NT_API int nt_watch_set(nt_watch *w, int events);

/** The events being watched (0 once closing). */
NT_API int nt_watch_events(const nt_watch *w);

/**
 * Stop watching at once, and close the watcher (not the socket).  Close the
 * watcher before closing its socket: a closed descriptor's number may
 * already belong to a new socket.  NULL is accepted.
 * @param cb close callback, or NULL
 */
NT_API void nt_watch_close(nt_watch *w, nt_close_cb cb);

/** The watcher as a handle. */
NT_API nt_handle *nt_watch_handle(nt_watch *w);

/* ---- timers ---- */

/**
 * Create a stopped timer.
 * @param out receives the timer
 * @return NT_OK, NT_EINVAL, NT_ENOMEM
 */
NT_API int nt_timer_new(nt_loop *loop, nt_timer_cb cb, void *data, nt_timer **out);

/**
 * (Re)start a timer: first due after after_ms, then every repeat_ms
 * (0: once).  Timers due at the same time fire in the order started.
 * @return NT_OK, NT_EINVAL (closing) or NT_ENOMEM
 */
NT_API int nt_timer_start(nt_timer *t, uint64_t after_ms, uint64_t repeat_ms);

/** Stop a timer; it may be started again.  NULL is accepted. */
NT_API void nt_timer_stop(nt_timer *t);

/** Is the timer started? */
NT_API int nt_timer_active(const nt_timer *t);

/**
 * Stop and close a timer.  NULL is accepted.
 * @param cb close callback, or NULL
 */
NT_API void nt_timer_close(nt_timer *t, nt_close_cb cb);

/** The timer as a handle. */
NT_API nt_handle *nt_timer_handle(nt_timer *t);

#ifdef __cplusplus
}
#endif
#endif

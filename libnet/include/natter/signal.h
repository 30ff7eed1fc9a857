/* SPDX-License-Identifier: MIT */
/**
 * @file natter/signal.h
 * @brief "Please stop" and "please reload" requests from the OS, delivered
 * as ordinary callbacks on an event loop.
 *
 * The library never touches signal dispositions on its own; a program asks
 * for this explicitly.  On POSIX, TERMINATE is SIGINT and SIGTERM, RELOAD is
 * SIGHUP (handled through a self-pipe, so the callback runs on the loop,
 * not in a signal handler).  On Windows, TERMINATE is Ctrl-C, Ctrl-Break,
 * closing the console, logoff and shutdown; RELOAD does not exist.
 */
#ifndef NATTER_SIGNAL_H
#define NATTER_SIGNAL_H

#include <natter/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The requests. */
typedef enum nt_signal {
    NT_SIGNAL_TERMINATE = 1, /**< stop cleanly */
    NT_SIGNAL_RELOAD = 2     /**< re-read configuration (POSIX only) */
} nt_signal;

/**
 * Deliver a request to cb on loop.  One loop per process receives them;
 * a second call for the same request replaces the callback.
 * @return NT_OK, NT_ENOTSUP (no such request on this platform), NT_EINVAL
 */
NT_API int nt_signal_watch(nt_loop *loop, nt_signal which, nt_task_cb cb, void *data);

/**
 * Stop delivering every request and restore the default behaviour.
 * Call before nt_loop_close(): the loop counts the module's watcher as
 * open until then.
 */
NT_API void nt_signal_unwatch_all(void);

#ifdef __cplusplus
}
#endif
#endif

/* SPDX-License-Identifier: MIT */
/**
 * @file natter/thread.h
 * @brief Just enough threads for network programs: start, join, a mutex.
 *
 * For a blocking reader beside an event loop (a terminal's standard input,
 * say) or a loop on a worker thread; pthreads on POSIX, Win32 threads on
 * Windows.
 */
#ifndef NATTER_THREAD_H
#define NATTER_THREAD_H

#include <natter/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A thread. */
typedef struct nt_thread nt_thread;
/** A non-recursive mutex. */
typedef struct nt_mutex nt_mutex;

/**
 * Start a thread running fn(arg).
 * @return NT_OK, NT_ENOMEM, or NT_EUNKNOWN when the OS refuses
 */
NT_API int nt_thread_start(void (*fn)(void *arg), void *arg, nt_thread **out);

/**
 * Wait for a thread to finish and free its handle.
 * @return NT_OK or NT_EINVAL
 */
NT_API int nt_thread_join(nt_thread *t);

/** Create a mutex: NT_OK or NT_ENOMEM. */
NT_API int nt_mutex_new(nt_mutex **out);
/** Free a mutex (not locked by anyone).  NULL is accepted. */
NT_API void nt_mutex_free(nt_mutex *m);
/** Lock a mutex. */
NT_API void nt_mutex_lock(nt_mutex *m);
/** Unlock a mutex locked by this thread. */
NT_API void nt_mutex_unlock(nt_mutex *m);

#ifdef __cplusplus
}
#endif
#endif

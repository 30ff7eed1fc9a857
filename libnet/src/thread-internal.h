/* SPDX-License-Identifier: MIT */
/* What the resolver's worker pool needs beyond natter/thread.h: condition
 * variables and threads nobody joins (posix/thread.c, win32/thread.c). */
#ifndef NT_THREAD_INTERNAL_H
#define NT_THREAD_INTERNAL_H

#include <natter/thread.h>

typedef struct nt__cond nt__cond;

int nt__cond_new(nt__cond **out);
void nt__cond_free(nt__cond *c);
void nt__cond_signal(nt__cond *c);
/* Wait on c with m locked, at most ms milliseconds: 1 when woken (perhaps
 * spuriously), 0 when the time ran out. */
int nt__cond_wait_ms(nt__cond *c, nt_mutex *m, unsigned ms);

/* A thread that ends by itself and is never joined. */
int nt__thread_start_detached(void (*fn)(void *arg), void *arg);

#endif

/* SPDX-License-Identifier: MIT */
/* Threads, mutexes and condition variables on pthreads. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "thread-internal.h"

struct nt_thread {
    pthread_t id;
    void (*fn)(void *);
    void *arg;
};

struct nt_mutex {
    pthread_mutex_t m;
};

static void *trampoline(void *p)
{
    nt_thread *t = p;
    t->fn(t->arg);
    return NULL;
}

int nt_thread_start(void (*fn)(void *), void *arg, nt_thread **out)
{
    if (!out || !fn)
        return NT_EINVAL;
    nt_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NT_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(&t->id, NULL, trampoline, t) != 0) {
        free(t);
        return NT_EUNKNOWN;
    }
    *out = t;
    return NT_OK;
}

int nt_thread_join(nt_thread *t)
{
    if (!t)
        return NT_EINVAL;
    pthread_join(t->id, NULL);
    free(t);
    return NT_OK;
}

int nt_mutex_new(nt_mutex **out)
{
    if (!out)
        return NT_EINVAL;
    nt_mutex *m = malloc(sizeof *m);
    if (!m)
        return NT_ENOMEM;
    pthread_mutex_init(&m->m, NULL);
    *out = m;
    return NT_OK;
}

void nt_mutex_free(nt_mutex *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->m);
    free(m);
}

void nt_mutex_lock(nt_mutex *m)
{
    pthread_mutex_lock(&m->m);
}
void nt_mutex_unlock(nt_mutex *m)
{
    pthread_mutex_unlock(&m->m);
}

struct nt__cond {
    pthread_cond_t c;
};

int nt__cond_new(nt__cond **out)
{
    nt__cond *c = malloc(sizeof *c);
    if (!c)
        return NT_ENOMEM;
    /* The monotonic clock, so that a wall-clock step neither stretches
     * nor cuts short a timed wait. */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&c->c, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0) {
        free(c);
        return NT_ENOMEM;
    }
    *out = c;
    return NT_OK;
}

void nt__cond_free(nt__cond *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->c);
    free(c);
}

void nt__cond_signal(nt__cond *c)
{
    pthread_cond_signal(&c->c);
}

int nt__cond_wait_ms(nt__cond *c, nt_mutex *m, unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(&c->c, &m->m, &ts) != ETIMEDOUT;
}

typedef struct detached {
    void (*fn)(void *);
    void *arg;
} detached;

static void *detached_trampoline(void *p)
{
    detached d = *(detached *)p;
    free(p);
    d.fn(d.arg);
    return NULL;
}

int nt__thread_start_detached(void (*fn)(void *), void *arg)
{
    detached *d = malloc(sizeof *d);
    if (!d)
        return NT_ENOMEM;
    d->fn = fn;
    d->arg = arg;
    pthread_t id;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&id, &attr, detached_trampoline, d);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(d);
        return NT_EUNKNOWN;
    }
    return NT_OK;
}

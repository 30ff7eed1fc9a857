/* SPDX-License-Identifier: MIT */
/* Threads and mutexes on pthreads. */
#include <pthread.h>
#include <stdlib.h>

#include <natter/thread.h>

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

int nt_thread_start(nt_thread **out, void (*fn)(void *), void *arg)
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

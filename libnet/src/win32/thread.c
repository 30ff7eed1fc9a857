/* SPDX-License-Identifier: MIT */
/* Threads, mutexes and condition variables on Win32: _beginthreadex (so
 * the C runtime is set up for the thread), slim reader/writer locks and
 * CONDITION_VARIABLE. */
#include <process.h>
#include <stdlib.h>
#include <windows.h>

#include "thread-internal.h"

struct nt_thread {
    HANDLE handle;
    void (*fn)(void *);
    void *arg;
};

struct nt_mutex {
    SRWLOCK lock;
};

static unsigned __stdcall trampoline(void *p)
{
    nt_thread *t = p;
    t->fn(t->arg);
    return 0;
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
    uintptr_t h = _beginthreadex(NULL, 0, trampoline, t, 0, NULL);
    if (h == 0) {
        free(t);
        return NT_EUNKNOWN;
    }
    t->handle = (HANDLE)h;
    *out = t;
    return NT_OK;
}

int nt_thread_join(nt_thread *t)
{
    if (!t)
        return NT_EINVAL;
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
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
    InitializeSRWLock(&m->lock);
    *out = m;
    return NT_OK;
}

void nt_mutex_free(nt_mutex *m)
{
    free(m);
}

void nt_mutex_lock(nt_mutex *m)
{
    AcquireSRWLockExclusive(&m->lock);
}
void nt_mutex_unlock(nt_mutex *m)
{
    ReleaseSRWLockExclusive(&m->lock);
}

struct nt__cond {
    CONDITION_VARIABLE cv;
};

int nt__cond_new(nt__cond **out)
{
    nt__cond *c = malloc(sizeof *c);
    if (!c)
        return NT_ENOMEM;
    InitializeConditionVariable(&c->cv);
    *out = c;
    return NT_OK;
}

void nt__cond_free(nt__cond *c)
{
    free(c);
}

void nt__cond_signal(nt__cond *c)
{
    WakeConditionVariable(&c->cv);
}

int nt__cond_wait_ms(nt__cond *c, nt_mutex *m, unsigned ms)
{
    return SleepConditionVariableSRW(&c->cv, &m->lock, ms, 0) != 0;
}

typedef struct detached {
    void (*fn)(void *);
    void *arg;
} detached;

static unsigned __stdcall detached_trampoline(void *p)
{
    detached d = *(detached *)p;
    free(p);
    d.fn(d.arg);
    return 0;
}

int nt__thread_start_detached(void (*fn)(void *), void *arg)
{
    detached *d = malloc(sizeof *d);
    if (!d)
        return NT_ENOMEM;
    d->fn = fn;
    d->arg = arg;
    uintptr_t h = _beginthreadex(NULL, 0, detached_trampoline, d, 0, NULL);
    if (h == 0) {
        free(d);
        return NT_EUNKNOWN;
    }
    CloseHandle((HANDLE)h); /* nobody joins it */
    return NT_OK;
}

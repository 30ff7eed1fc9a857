/* SPDX-License-Identifier: MIT */
/* Threads and mutexes on Win32: _beginthreadex (so the C runtime is set
 * up for the thread) and slim reader/writer locks. */
#include <process.h>
#include <stdlib.h>
#include <windows.h>

#include <natter/thread.h>

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

int nt_thread_start(nt_thread **out, void (*fn)(void *), void *arg)
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

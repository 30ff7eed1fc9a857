/* SPDX-License-Identifier: MIT */
/* Name lookups off the loop: getaddrinfo runs on a small pool of worker
 * threads shared by the process; the answer comes back to the loop as a
 * posted task.  The loop side (nt_resolve, a handle) and the worker side
 * (a job) are separate, joined under the pool's lock: cancelling cuts the
 * job loose, and whichever side finishes last frees it, so an answer can
 * never reach a lookup that is gone, nor a worker post to a loop that is
 * gone (a loop cannot close while a lookup is open or a post is queued). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <natter/clock.h>

#include "loop-internal.h"
#include "resolve-internal.h"
#include "thread-internal.h"

/* An idle worker ends after this long without work. */
#define WORKER_IDLE_MS 5000

typedef struct job job;

struct nt_resolve {
    nt_handle base;
    nt_resolve_cb cb; /* NULL once cancelled silently */
    job *job;         /* while a worker has it (under the pool lock) */
    int status;
    int called; /* the callback has begun: too late to cancel */
    nt_addr addrs[NT_RESOLVE_MAX];
    size_t count;
};

struct job {
    nt_loop *loop;
    nt_resolve *owner; /* NULL once cancelled (under the pool lock) */
    int posted;        /* the answer's task is queued on the loop */
    char *host;
    uint16_t port;
    nt_family family;
    nt_socktype type;
    int status;
    nt_addr addrs[NT_RESOLVE_MAX];
    size_t count;
    job *next;
};

static struct {
    atomic_int state; /* 0 new, 1 being set up, 2 ready, 3 failed */
    nt_mutex *lock;
    nt__cond *work;
    job *head, *tail;
    unsigned queued, threads, idle;
} pool;

static atomic_uint delay_ms;

void nt__resolve_set_delay_ms(unsigned ms)
{
    atomic_store(&delay_ms, ms);
}

static int pool_ready(void)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&pool.state, &expected, 1)) {
        int ok = nt_mutex_new(&pool.lock) == NT_OK && nt__cond_new(&pool.work) == NT_OK;
        atomic_store(&pool.state, ok ? 2 : 3);
    }
    while (atomic_load(&pool.state) == 1)
        nt_sleep_ms(1);
    return atomic_load(&pool.state) == 2;
}

/* ---- the loop side ---- */

/* The close phase: the owner hears the outcome exactly once. */
static void resolve_finalize(nt_handle *h)
{
    nt_resolve *r = (nt_resolve *)h;
    r->base.loop->resolving--;
    r->called = 1;
    if (r->cb)
        r->cb(r, r->status, r->status == NT_OK ? r->addrs : NULL, r->count, r->base.data);
}

static void deliver(nt_resolve *r, int status, const nt_addr *addrs, size_t count)
{
    r->status = status;
    r->count = status == NT_OK ? count : 0;
    if (r->count)
        memcpy(r->addrs, addrs, r->count * sizeof *addrs);
    nt__handle_queue_close(&r->base);
}

/* A worker's answer, on the loop thread. */
static void answer_task(void *p)
{
    job *j = p;
    nt_mutex_lock(pool.lock);
    nt_resolve *r = j->owner;
    if (r)
        r->job = NULL;
    nt_mutex_unlock(pool.lock);
    if (r)
        deliver(r, j->status, j->addrs, j->count);
    free(j->host);
    free(j);
}

/* ---- the worker side ---- */

static void run_job(job *j)
{
    unsigned delay = atomic_load(&delay_ms);
    if (delay)
        nt_sleep_ms(delay);
    int n = nt_getaddrinfo(j->host, j->port, j->family, j->type, j->addrs, NT_RESOLVE_MAX);
    j->status = n < 0 ? n : NT_OK;
    j->count = n < 0 ? 0 : (size_t)n;
}

static void worker(void *arg)
{
    (void)arg;
    nt_mutex_lock(pool.lock);
    for (;;) {
        while (!pool.head) {
            pool.idle++;
            int woken = nt__cond_wait_ms(pool.work, pool.lock, WORKER_IDLE_MS);
            pool.idle--;
            if (!woken && !pool.head) {
                pool.threads--;
                nt_mutex_unlock(pool.lock);
                return;
            }
        }
        job *j = pool.head;
        pool.queued--;
        pool.head = j->next;
        if (!pool.head)
            pool.tail = NULL;
        if (!j->owner) { /* cancelled while queued */
            free(j->host);
            free(j);
            continue;
        }
        nt_mutex_unlock(pool.lock);
        run_job(j);
        nt_mutex_lock(pool.lock);
        /* Posting under the lock: a cancel (which takes it too) either
         * comes first and the job is dropped here, or comes after and
         * leaves the freeing to answer_task. */
        if (j->owner && nt_loop_post(j->loop, answer_task, j) == NT_OK) {
            j->posted = 1;
        } else {
            if (j->owner) {
                j->owner->job = NULL;
                /* out of memory: the lookup stays open until cancelled */
            }
            free(j->host);
            free(j);
        }
    }
}

static int submit(job *j)
{
    nt_mutex_lock(pool.lock);
    j->next = NULL;
    if (pool.tail)
        pool.tail->next = j;
    else
        pool.head = j;
    pool.tail = j;
    pool.queued++;
    int rc = NT_OK;
    if (pool.idle > 0)
        nt__cond_signal(pool.work);
    /* An idle worker counts as idle until it wakes: start another thread
     * while more jobs wait than there are idle workers to take them. */
    if (pool.queued > pool.idle && pool.threads < NT_RESOLVE_THREADS) {
        rc = nt__thread_start_detached(worker, NULL);
        if (rc == NT_OK)
            pool.threads++;
        else if (pool.threads > 0)
            rc = NT_OK; /* a running worker will get to it */
    }
    if (rc != NT_OK) {
        pool.head = pool.tail = NULL; /* no thread at all: the only job */
        pool.queued = 0;
    }
    nt_mutex_unlock(pool.lock);
    return rc;
}

/* ---- the API ---- */

int nt_resolve_start(nt_loop *loop, const char *host, uint16_t port, nt_family family,
                     nt_socktype type, nt_resolve_cb cb, void *data, nt_resolve **out)
{
    if (!loop || !host || !*host || !cb ||
        (family != NT_AF_UNSPEC && family != NT_AF_INET && family != NT_AF_INET6) ||
        (type != NT_SOCK_STREAM && type != NT_SOCK_DGRAM))
        return NT_EINVAL;
    nt_resolve *r = calloc(1, sizeof *r);
    if (!r)
        return NT_ENOMEM;
    nt__handle_init(&r->base, loop, NT_HANDLE_RESOLVE, data, resolve_finalize);
    r->cb = cb;
    loop->resolving++;
    nt_addr numeric;
    if (nt_addr_from_ip(host, port, &numeric) == NT_OK) {
        /* A numeric host needs no thread, but is still answered from the
         * loop, never inside this call. */
        int match = family == NT_AF_UNSPEC || family == numeric.family;
        deliver(r, match ? NT_OK : NT_ENONAME, &numeric, 1);
    } else {
        job *j = calloc(1, sizeof *j);
        int rc = NT_ENOMEM;
        if (j && (j->host = strdup(host)) != NULL) {
            j->loop = loop;
            j->owner = r;
            j->port = port;
            j->family = family;
            j->type = type;
            r->job = j;
            rc = pool_ready() ? submit(j) : NT_ENOMEM;
        }
        if (rc != NT_OK) {
            if (j)
                free(j->host);
            free(j);
            loop->resolving--;
            nt__handle_discard(&r->base);
            return rc;
        }
    }
    if (out)
        *out = r;
    return NT_OK;
}

/* Cut the job loose (under the pool lock): the worker or answer_task
 * frees it. */
static void detach_job(nt_resolve *r)
{
    if (!r->job)
        return;
    nt_mutex_lock(pool.lock);
    if (r->job) {
        r->job->owner = NULL;
        r->job = NULL;
    }
    nt_mutex_unlock(pool.lock);
}

/* Until its callback begins, a lookup can be cancelled, even when its
 * answer is already waiting for the close phase: the answer is replaced. */
static void cancel(nt_resolve *r, nt_close_cb cb)
{
    nt__handle_begin_close(&r->base, cb);
    if (r->called)
        return;
    detach_job(r);
    deliver(r, NT_ECANCELED, NULL, 0);
}

void nt_resolve_cancel(nt_resolve *r)
{
    if (r)
        cancel(r, NULL);
}

void nt__resolve_cancel_silently(nt_resolve *r)
{
    if (!r)
        return;
    r->cb = NULL;
    cancel(r, NULL);
}

void nt__resolve_close_handle(nt_handle *h, nt_close_cb cb)
{
    cancel((nt_resolve *)h, cb);
}

nt_handle *nt_resolve_handle(nt_resolve *r)
{
    return r ? &r->base : NULL;
}

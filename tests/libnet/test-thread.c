/* SPDX-License-Identifier: MIT */
/* Threads and mutexes: start and join, and a mutex that really excludes
 * (a counter incremented by several threads comes out exact). */
#include "helpers.h"

#include <natter/thread.h>

#include <stdint.h>
#include <stdio.h>

#define NTHREADS 4
#define ROUNDS 100000

struct worker {
    int id;
    int ran; /* written by the thread, read after join */
    uint64_t thread_sum;
};

static void worker_fn(void *arg)
{
    struct worker *w = arg;
    uint64_t sum = 0;
    for (int i = 1; i <= 1000; i++)
        sum += (uint64_t)i * (uint64_t)(w->id + 1);
    w->thread_sum = sum;
    w->ran = 1;
}

static void test_start_join(void)
{
    nt_thread *t[NTHREADS];
    struct worker w[NTHREADS] = {{0}};
    for (int i = 0; i < NTHREADS; i++) {
        w[i].id = i;
        CU_ASSERT_FATAL(nt_thread_start(worker_fn, &w[i], &t[i]) == NT_OK);
    }
    for (int i = 0; i < NTHREADS; i++)
        CU_ASSERT_EQUAL(nt_thread_join(t[i]), NT_OK);
    for (int i = 0; i < NTHREADS; i++) {
        CU_ASSERT_EQUAL(w[i].ran, 1);
        CU_ASSERT_EQUAL(w[i].thread_sum, 500500u * (uint64_t)(i + 1));
    }
}

struct shared {
    nt_mutex *lock;
    /* volatile, and updated in two steps (read, then write), so that a
     * mutex that fails to exclude loses increments visibly. */
    volatile uint64_t counter;
    volatile int inside; /* threads inside the critical section */
    volatile int overlap;
};

static void counter_fn(void *arg)
{
    struct shared *s = arg;
    for (int i = 0; i < ROUNDS; i++) {
        nt_mutex_lock(s->lock);
        if (s->inside++ != 0)
            s->overlap = 1;
        uint64_t v = s->counter;
        s->counter = v + 1;
        s->inside--;
        nt_mutex_unlock(s->lock);
    }
}

static void test_mutex_contention(void)
{
    struct shared s = {0};
    CU_ASSERT_FATAL(nt_mutex_new(&s.lock) == NT_OK);
    nt_thread *t[NTHREADS];
    uint64_t start = nt_clock_us();
    for (int i = 0; i < NTHREADS; i++)
        CU_ASSERT_FATAL(nt_thread_start(counter_fn, &s, &t[i]) == NT_OK);
    for (int i = 0; i < NTHREADS; i++)
        CU_ASSERT_EQUAL(nt_thread_join(t[i]), NT_OK);
    printf("\n    %d threads x %d locked increments in %.3f s ", NTHREADS, ROUNDS,
           nt_test_elapsed(start));
    CU_ASSERT_EQUAL(s.counter, (uint64_t)NTHREADS * ROUNDS);
    CU_ASSERT_EQUAL(s.overlap, 0);
    CU_ASSERT_EQUAL(s.inside, 0);
    nt_mutex_free(s.lock);
}

static void test_invalid_args(void)
{
    nt_thread *t = NULL;
    CU_ASSERT_EQUAL(nt_thread_start(worker_fn, NULL, NULL), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_thread_start(NULL, NULL, &t), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_thread_join(NULL), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_mutex_new(NULL), NT_EINVAL);
    nt_mutex_free(NULL); /* accepted */
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"start and join", test_start_join},
        {"mutex under contention", test_mutex_contention},
        {"invalid arguments", test_invalid_args},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("thread", tests);
}

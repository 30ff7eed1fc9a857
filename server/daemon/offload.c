/* SPDX-License-Identifier: MIT */
#include "offload.h"

#include <natter/thread.h>
#include <stdlib.h>

struct srv_offload {
    nt_loop *main, *worker;
    nt_thread *thread;
};

typedef struct job {
    srv_offload *o;
    void (*run)(void *job);
    void (*done)(void *job);
    void *data;
} job;

static void worker_main(void *arg)
{
    srv_offload *o = arg;
    nt_loop_run(o->worker);
}

/* Main loop: the job is finished. */
static void job_done(void *arg)
{
    job *j = arg;
    j->done(j->data);
    free(j);
}

/* Worker thread: do it, then hand it back. */
static void job_run(void *arg)
{
    job *j = arg;
    j->run(j->data);
    if (nt_loop_post(j->o->main, job_done, j) != NT_OK) {
        /* Cannot happen short of running out of memory: the job's done()
         * is what frees the core's side, so it must still run somewhere;
         * the main loop's drain at exit is the last chance, and a leak
         * there is better than a call on the wrong thread. */
    }
}

static void submit(void *ctx, void (*run)(void *job), void (*done)(void *job), void *data)
{
    srv_offload *o = ctx;
    job *j = malloc(sizeof *j);
    if (j) {
        *j = (job){o, run, done, data};
        if (nt_loop_post(o->worker, job_run, j) == NT_OK)
            return;
        free(j);
    }
    /* No memory for the hand-over: do it here rather than never. */
    run(data);
    done(data);
}

static void stop_worker(void *arg)
{
    nt_loop_stop(arg);
}

srv_offload *srv_offload_new(nt_loop *main)
{
    srv_offload *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->main = main;
    if (nt_loop_new(&o->worker) != NT_OK) {
        free(o);
        return NULL;
    }
    if (nt_thread_start(worker_main, o, &o->thread) != NT_OK) {
        nt_loop_close(o->worker);
        free(o);
        return NULL;
    }
    return o;
}

void srv_offload_attach(srv_offload *o, srv_server *s)
{
    srv_server_set_offload(s, submit, o);
}

void srv_offload_submit(void *o, void (*run)(void *data), void (*done)(void *data), void *data)
{
    submit(o, run, done, data);
}

void srv_offload_free(srv_offload *o)
{
    if (!o)
        return;
    /* Posted after every job, so it runs after them (one thread posts). */
    if (nt_loop_post(o->worker, stop_worker, o->worker) != NT_OK)
        nt_loop_stop(o->worker);
    nt_thread_join(o->thread);
    nt_loop_drain(o->worker);
    nt_loop_close(o->worker);
    free(o);
}

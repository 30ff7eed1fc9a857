/* SPDX-License-Identifier: MIT */
/*
 * A worker thread for the core's slow work (password hashing), so a login
 * storm costs the event loop nothing but two posted tasks per login.  The
 * worker runs its own libnatter loop: jobs are posted to it, and each
 * finished job is posted back to the main loop, where its done() runs.
 */
#ifndef NATTERD_OFFLOAD_H
#define NATTERD_OFFLOAD_H

#include "natterd-core.h"

#include <natter/loop.h>

typedef struct srv_offload srv_offload;

/**
 * Start the worker; finished jobs come back on main (the caller's loop).
 * @return the worker, or NULL (out of memory, no thread)
 */
srv_offload *srv_offload_new(nt_loop *main);

/** Send s's slow work to o (srv_server_set_offload()). */
void srv_offload_attach(srv_offload *o, srv_server *s);

/**
 * Hand one job to o (an srv_offload_fn, for the store's checkpoints):
 * run(job) on the worker, then done(job) on the main loop.
 */
void srv_offload_submit(void *o, void (*run)(void *job), void (*done)(void *job), void *job);

/**
 * Finish every job handed over so far (the worker runs what is queued),
 * stop the worker and free it.  The jobs' done() calls are then queued on
 * the main loop: drain it (nt_loop_drain()) before freeing the server.
 */
void srv_offload_free(srv_offload *o);

#endif

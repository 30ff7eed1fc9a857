/* SPDX-License-Identifier: MIT */
/* The descriptor set behind the poll and WSAPoll backends.  Both use the
 * same struct pollfd; only the call that waits differs.  Slots are kept
 * dense (a removed slot takes the last one's place), and each watcher
 * knows its slot, so add, change and remove are O(1). */
#include <stdlib.h>

#include "loop-internal.h"
#include "sys.h"

struct nt__pollset {
    struct pollfd *fds;
    nt_watch **watch;
    size_t n, cap;
};

int nt__pollset_init(nt_loop *loop)
{
    nt__pollset *ps = calloc(1, sizeof *ps);
    if (!ps)
        return NT_ENOMEM;
    loop->backend = ps;
    return NT_OK;
}

void nt__pollset_destroy(nt_loop *loop)
{
    nt__pollset *ps = loop->backend;
    if (!ps)
        return;
    free(ps->fds);
    free(ps->watch);
    free(ps);
    loop->backend = NULL;
}

static short os_events(int events)
{
    return (short)(((events & NT_EV_READ) ? POLLIN : 0) | ((events & NT_EV_WRITE) ? POLLOUT : 0));
}

void nt__pollset_remove(nt_loop *loop, nt_watch *w)
{
    nt__pollset *ps = loop->backend;
    if (!w->registered)
        return;
    size_t i = w->slot, last = ps->n - 1;
    if (i != last) {
        ps->fds[i] = ps->fds[last];
        ps->watch[i] = ps->watch[last];
        ps->watch[i]->slot = i;
    }
    ps->n--;
    w->registered = 0;
}

int nt__pollset_set(nt_loop *loop, nt_watch *w, int events)
{
    nt__pollset *ps = loop->backend;
    if (events == 0) {
        nt__pollset_remove(loop, w);
        return NT_OK;
    }
    if (!w->registered) {
        if (ps->n == ps->cap) {
            size_t cap = ps->cap ? ps->cap * 2 : 64;
            struct pollfd *fds = realloc(ps->fds, cap * sizeof *fds);
            if (!fds)
                return NT_ENOMEM;
            ps->fds = fds;
            nt_watch **ws = realloc(ps->watch, cap * sizeof *ws);
            if (!ws)
                return NT_ENOMEM;
            ps->watch = ws;
            ps->cap = cap;
        }
        w->slot = ps->n++;
        ps->fds[w->slot].fd = w->fd;
        ps->watch[w->slot] = w;
        w->registered = 1;
    }
    ps->fds[w->slot].events = os_events(events);
    ps->fds[w->slot].revents = 0;
    return NT_OK;
}

int nt__pollset_wait(nt_loop *loop, int timeout_ms, nt__poll_fn poll_fn)
{
    nt__pollset *ps = loop->backend;
    int n = poll_fn(ps->fds, ps->n, timeout_ms);
    if (n <= 0)
        return n; /* 0: timeout or interrupted; < 0: error */
    for (size_t i = 0; i < ps->n && n > 0; i++) {
        short re = ps->fds[i].revents;
        if (!re)
            continue;
        n--;
        nt_watch *w = ps->watch[i];
        int ready = 0;
        /* A hang-up or error is readable: the next read reports EOF or
         * the error.  WSAPoll reports a peer's shutdown as POLLHUP alone. */
        if (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
            ready |= NT_EV_READ;
        if (re & (POLLOUT | POLLHUP | POLLERR | POLLNVAL))
            ready |= NT_EV_WRITE;
        ready &= w->events;
        if (ready) {
            int rc = nt__loop_ready(loop, w, ready);
            if (rc != NT_OK)
                return rc;
        }
    }
    return NT_OK;
}

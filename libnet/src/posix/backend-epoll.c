/* SPDX-License-Identifier: MIT */
/* The epoll backend (Linux), level-triggered: the watcher pointer rides in
 * the event, so dispatch is O(ready), not O(watched). */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop-internal.h"
#include "sys.h"

#define EPOLL_BATCH 256

typedef struct epoll_state {
    int epfd;
    struct epoll_event events[EPOLL_BATCH];
} epoll_state;

static int ep_init(nt_loop *loop)
{
    epoll_state *st = calloc(1, sizeof *st);
    if (!st)
        return NT_ENOMEM;
    st->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (st->epfd < 0) {
        int rc = nt__sys_last_error();
        free(st);
        return rc;
    }
    loop->backend = st;
    return NT_OK;
}

static void ep_destroy(nt_loop *loop)
{
    epoll_state *st = loop->backend;
    if (!st)
        return;
    close(st->epfd);
    free(st);
    loop->backend = NULL;
}

static void ep_remove(nt_loop *loop, nt_watch *w)
{
    epoll_state *st = loop->backend;
    if (!w->registered)
        return;
    struct epoll_event ev = {0};
    /* EBADF/ENOENT when the socket was closed first: nothing to undo. */
    epoll_ctl(st->epfd, EPOLL_CTL_DEL, w->fd, &ev);
    w->registered = 0;
}

static int ep_set(nt_loop *loop, nt_watch *w, int events)
{
    epoll_state *st = loop->backend;
    if (events == 0) {
        ep_remove(loop, w);
        return NT_OK;
    }
    struct epoll_event ev = {0};
    ev.events = ((events & NT_EV_READ) ? EPOLLIN : 0u) | ((events & NT_EV_WRITE) ? EPOLLOUT : 0u);
    ev.data.ptr = w;
    int op = w->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(st->epfd, op, w->fd, &ev) != 0)
        return nt__sys_last_error();
    w->registered = 1;
    return NT_OK;
}

static int ep_wait(nt_loop *loop, int timeout_ms)
{
    epoll_state *st = loop->backend;
    int n = epoll_wait(st->epfd, st->events, EPOLL_BATCH, timeout_ms);
    if (n < 0)
        return errno == EINTR ? NT_OK : nt__sys_last_error();
    for (int i = 0; i < n; i++) {
        nt_watch *w = st->events[i].data.ptr;
        uint32_t re = st->events[i].events;
        int ready = 0;
        if (re & (EPOLLIN | EPOLLHUP | EPOLLERR))
            ready |= NT_EV_READ;
        if (re & (EPOLLOUT | EPOLLHUP | EPOLLERR))
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

/* The epoll descriptor itself is readable whenever a watched socket (the
 * wakeup pair included) is ready: what another main loop can watch. */
static int ep_embed_fd(const nt_loop *loop)
{
    const epoll_state *st = loop->backend;
    return st->epfd;
}

const nt__backend_ops nt__backend_epoll = {
    "epoll", ep_init, ep_destroy, ep_set, ep_remove, ep_wait, ep_embed_fd,
};

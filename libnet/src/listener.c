/* SPDX-License-Identifier: MIT */
/* Listeners: accept on the loop, draining the backlog on each wakeup, and
 * rest instead of spinning when the process is out of descriptors. */
#include <stdlib.h>

#include <natter/conn.h>

#include "loop-internal.h"

/* How long accepting rests when the process is out of descriptors. */
#define ACCEPT_PAUSE_MS 100
/* Accepts per wakeup: drains a normal backlog, bounds a storm's burst. */
#define ACCEPT_BATCH 1024

struct nt_listener {
    nt_handle base;
    nt_socket *sock;
    nt_watch *watch;
    nt_timer *pause_timer;
    nt_accept_cb cb;
};

static void on_accept_ready(nt_watch *w, int events, void *data)
{
    nt_listener *l = data;
    (void)w;
    (void)events;
    for (int i = 0; i < ACCEPT_BATCH && !nt__handle_closing(&l->base); i++) {
        nt_socket *s;
        nt_addr peer;
        int rc = nt_socket_accept(l->sock, &s, &peer);
        if (rc == NT_OK) {
            l->cb(l, s, &peer, l->base.data);
            continue;
        }
        if (rc == NT_EMFILE || rc == NT_ENOBUFS || rc == NT_ENOMEM) {
            /* The pending connection stays queued and the socket stays
             * readable: without a pause this would spin. */
            l->base.loop->accept_pauses++;
            nt_watch_set(l->watch, 0);
            nt_timer_start(l->pause_timer, ACCEPT_PAUSE_MS, 0);
        }
        return;
    }
}

static void on_accept_resume(nt_timer *t, void *data)
{
    nt_listener *l = data;
    (void)t;
    nt_watch_set(l->watch, NT_EV_READ);
}

/* Release what the listener holds; its memory goes in the close phase. */
static void listener_release(nt_listener *l)
{
    nt_watch_close(l->watch, NULL);
    l->watch = NULL;
    nt_timer_close(l->pause_timer, NULL);
    l->pause_timer = NULL;
    nt_socket_close(l->sock);
    l->sock = NULL;
}

int nt_listener_new(nt_loop *loop, const nt_addr *addr, int backlog, nt_accept_cb cb, void *data,
                    nt_listener **out)
{
    if (!loop || !out || !addr || !cb)
        return NT_EINVAL;
    nt_listener *l = calloc(1, sizeof *l);
    if (!l)
        return NT_ENOMEM;
    nt__handle_init(&l->base, loop, NT_HANDLE_LISTENER, data, NULL);
    l->cb = cb;
    int rc = nt_socket_create_server(addr, backlog, &l->sock);
    if (rc == NT_OK)
        rc = nt_socket_settimeout(l->sock, 0);
    if (rc == NT_OK && (rc = nt_watch_new(loop, nt_socket_fileno(l->sock), on_accept_ready, l,
                                          &l->watch)) == NT_OK)
        nt__handle_set_flags(&l->watch->base, NT__H_INTERNAL);
    if (rc == NT_OK && (rc = nt_timer_new(loop, on_accept_resume, l, &l->pause_timer)) == NT_OK)
        nt__handle_set_flags(&l->pause_timer->base, NT__H_INTERNAL);
    if (rc == NT_OK)
        rc = nt_watch_set(l->watch, NT_EV_READ);
    if (rc != NT_OK) {
        nt__handle_discard(nt_watch_handle(l->watch));
        nt__handle_discard(nt_timer_handle(l->pause_timer));
        nt_socket_close(l->sock);
        nt__handle_discard(&l->base);
        return rc;
    }
    *out = l;
    return NT_OK;
}

int nt_listener_addr(const nt_listener *l, nt_addr *out)
{
    if (!l || !l->sock)
        return NT_EINVAL;
    return nt_socket_getsockname(l->sock, out);
}

void nt_listener_close(nt_listener *l, nt_close_cb cb)
{
    if (!l || !nt__handle_begin_close(&l->base, cb))
        return;
    listener_release(l);
    nt__handle_queue_close(&l->base);
}

void nt__listener_close_handle(nt_handle *h, nt_close_cb cb)
{
    nt_listener_close((nt_listener *)h, cb);
}

nt_handle *nt_listener_handle(nt_listener *l)
{
    return l ? &l->base : NULL;
}

/* SPDX-License-Identifier: MIT */
/* UDP endpoints on the loop. */
#include <stdlib.h>

#include <natter/udp.h>

#include "loop-internal.h"

/* Datagrams read per wakeup, so a flood cannot starve the loop. */
#define UDP_BATCH 64
#define UDP_MAX 65536

struct nt_udp {
    nt_handle base;
    nt_socket *sock;
    nt_watch *watch;
    nt_udp_cb cb;
};

static void on_readable(nt_watch *w, int events, void *data)
{
    nt_udp *u = data;
    static _Thread_local char buf[UDP_MAX];
    (void)w;
    (void)events;
    for (int i = 0; i < UDP_BATCH && !nt__handle_closing(&u->base); i++) {
        nt_addr from;
        ptrdiff_t n = nt_socket_recvfrom(u->sock, buf, sizeof buf, 0, &from);
        if (n < 0)
            return; /* NT_EAGAIN, or an error the next datagram may clear */
        u->cb(u, buf, (size_t)n, &from, u->base.data);
    }
}

int nt_udp_new(nt_loop *loop, const nt_addr *addr, int reuse, nt_udp_cb cb, void *data,
               nt_udp **out)
{
    if (!loop || !out || !addr || !cb)
        return NT_EINVAL;
    nt_udp *u = calloc(1, sizeof *u);
    if (!u)
        return NT_ENOMEM;
    nt__handle_init(&u->base, loop, NT_HANDLE_UDP, data, NULL);
    u->cb = cb;
    int rc = nt_socket_new(addr->family, NT_SOCK_DGRAM, 0, &u->sock);
    if (rc == NT_OK)
        rc = nt_socket_settimeout(u->sock, 0);
    if (rc == NT_OK && reuse)
        rc = nt_socket_set_option(u->sock, NT_OPT_REUSEADDR, 1);
    if (rc == NT_OK)
        rc = nt_socket_bind(u->sock, addr);
    if (rc == NT_OK &&
        (rc = nt_watch_new(loop, nt_socket_fileno(u->sock), on_readable, u, &u->watch)) == NT_OK)
        nt__handle_set_flags(&u->watch->base, NT__H_INTERNAL);
    if (rc == NT_OK)
        rc = nt_watch_set(u->watch, NT_EV_READ);
    if (rc != NT_OK) {
        nt__handle_discard(nt_watch_handle(u->watch));
        nt_socket_close(u->sock);
        nt__handle_discard(&u->base);
        return rc;
    }
    *out = u;
    return NT_OK;
}

ptrdiff_t nt_udp_send(nt_udp *u, const void *msg, size_t len, const nt_addr *to)
{
    if (!u || !u->sock)
        return NT_EINVAL;
    return nt_socket_sendto(u->sock, msg, len, 0, to);
}

int nt_udp_addr(const nt_udp *u, nt_addr *out)
{
    return u && u->sock ? nt_socket_getsockname(u->sock, out) : NT_EINVAL;
}

nt_socket *nt_udp_socket(const nt_udp *u)
{
    return u ? u->sock : NULL;
}

void nt_udp_close(nt_udp *u, nt_close_cb cb)
{
    if (!u || !nt__handle_begin_close(&u->base, cb))
        return;
    nt_watch_close(u->watch, NULL);
    u->watch = NULL;
    nt_socket_close(u->sock);
    u->sock = NULL;
    nt__handle_queue_close(&u->base);
}

void nt__udp_close_handle(nt_handle *h, nt_close_cb cb)
{
    nt_udp_close((nt_udp *)h, cb);
}

nt_handle *nt_udp_handle(nt_udp *u)
{
    return u ? &u->base : NULL;
}

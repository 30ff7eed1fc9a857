/* SPDX-License-Identifier: MIT */
/* UDP endpoints on the loop. */
#include <stdlib.h>

#include <natter/udp.h>

/* Datagrams read per wakeup, so a flood cannot starve the loop. */
#define UDP_BATCH 64
#define UDP_MAX 65536

struct nt_udp {
    nt_socket *sock;
    nt_watch *watch;
    nt_udp_cb cb;
    void *user;
    int *alive; /* set to 0 when freed inside the callback */
};

static void on_readable(nt_watch *w, int events, void *data)
{
    nt_udp *u = data;
    static _Thread_local char buf[UDP_MAX];
    (void)w;
    (void)events;
    for (int i = 0; i < UDP_BATCH; i++) {
        nt_addr from;
        ptrdiff_t n = nt_socket_recvfrom(u->sock, buf, sizeof buf, 0, &from);
        if (n < 0)
            return; /* NT_EAGAIN, or an error the next datagram may clear */
        int alive = 1;
        u->alive = &alive;
        u->cb(u, buf, (size_t)n, &from, u->user);
        if (!alive)
            return;
        u->alive = NULL;
    }
}

int nt_udp_new(nt_loop *loop, nt_udp **out, const nt_addr *addr, int reuse, nt_udp_cb cb,
               void *user)
{
    if (!loop || !out || !addr || !cb)
        return NT_EINVAL;
    nt_udp *u = calloc(1, sizeof *u);
    if (!u)
        return NT_ENOMEM;
    u->cb = cb;
    u->user = user;
    int rc = nt_socket_new(&u->sock, addr->family, NT_SOCK_DGRAM, 0);
    if (rc == NT_OK)
        rc = nt_socket_settimeout(u->sock, 0);
    if (rc == NT_OK && reuse)
        rc = nt_socket_set_option(u->sock, NT_OPT_REUSEADDR, 1);
    if (rc == NT_OK)
        rc = nt_socket_bind(u->sock, addr);
    if (rc == NT_OK)
        rc = nt_watch_new(loop, &u->watch, nt_socket_fileno(u->sock), on_readable, u);
    if (rc == NT_OK)
        rc = nt_watch_set(u->watch, NT_EV_READ);
    if (rc != NT_OK) {
        nt_udp_free(u);
        return rc;
    }
    *out = u;
    return NT_OK;
}

ptrdiff_t nt_udp_send(nt_udp *u, const void *data, size_t len, const nt_addr *to)
{
    if (!u)
        return NT_EINVAL;
    return nt_socket_sendto(u->sock, data, len, 0, to);
}

int nt_udp_set_broadcast(nt_udp *u, int on)
{
    return u ? nt_socket_set_option(u->sock, NT_OPT_BROADCAST, on) : NT_EINVAL;
}

int nt_udp_join(nt_udp *u, const nt_addr *group, unsigned ifindex)
{
    return u ? nt_socket_join_group(u->sock, group, ifindex) : NT_EINVAL;
}

int nt_udp_leave(nt_udp *u, const nt_addr *group, unsigned ifindex)
{
    return u ? nt_socket_leave_group(u->sock, group, ifindex) : NT_EINVAL;
}

int nt_udp_addr(const nt_udp *u, nt_addr *out)
{
    return u ? nt_socket_getsockname(u->sock, out) : NT_EINVAL;
}

nt_socket *nt_udp_socket(const nt_udp *u)
{
    return u ? u->sock : NULL;
}

void nt_udp_free(nt_udp *u)
{
    if (!u)
        return;
    if (u->alive)
        *u->alive = 0;
    nt_watch_free(u->watch);
    nt_socket_close(u->sock);
    free(u);
}

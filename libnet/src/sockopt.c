/* SPDX-License-Identifier: MIT */
/* Portable socket options by name, and multicast membership.  The option
 * constants and structures are the same on POSIX and Winsock; only the
 * address-reuse option differs, and sys.c says which to use. */
#include <limits.h>
#include <string.h>

#include "socket-internal.h"

struct int_option {
    int level;
    int name;
};

static int lookup(const nt_socket *s, int option, struct int_option *o)
{
    int v6 = s->family == NT_AF_INET6;
    switch (option) {
    case NT_OPT_REUSEADDR:
        nt__sys_reuseaddr_option(s->type, &o->level, &o->name);
        return NT_OK;
    case NT_OPT_NODELAY:
        if (s->type != NT_SOCK_STREAM || s->family == NT_AF_UNIX)
            return NT_ENOTSUP;
        *o = (struct int_option){IPPROTO_TCP, TCP_NODELAY};
        return NT_OK;
    case NT_OPT_KEEPALIVE:
        *o = (struct int_option){SOL_SOCKET, SO_KEEPALIVE};
        return NT_OK;
    case NT_OPT_RCVBUF:
        *o = (struct int_option){SOL_SOCKET, SO_RCVBUF};
        return NT_OK;
    case NT_OPT_SNDBUF:
        *o = (struct int_option){SOL_SOCKET, SO_SNDBUF};
        return NT_OK;
    case NT_OPT_V6ONLY:
        if (!v6)
            return NT_ENOTSUP;
        *o = (struct int_option){IPPROTO_IPV6, IPV6_V6ONLY};
        return NT_OK;
    case NT_OPT_BROADCAST:
        if (s->type != NT_SOCK_DGRAM)
            return NT_ENOTSUP;
        *o = (struct int_option){SOL_SOCKET, SO_BROADCAST};
        return NT_OK;
    case NT_OPT_MULTICAST_TTL:
        if (s->type != NT_SOCK_DGRAM || s->family == NT_AF_UNIX)
            return NT_ENOTSUP;
        *o = v6 ? (struct int_option){IPPROTO_IPV6, IPV6_MULTICAST_HOPS}
                : (struct int_option){IPPROTO_IP, IP_MULTICAST_TTL};
        return NT_OK;
    case NT_OPT_MULTICAST_LOOP:
        if (s->type != NT_SOCK_DGRAM || s->family == NT_AF_UNIX)
            return NT_ENOTSUP;
        *o = v6 ? (struct int_option){IPPROTO_IPV6, IPV6_MULTICAST_LOOP}
                : (struct int_option){IPPROTO_IP, IP_MULTICAST_LOOP};
        return NT_OK;
    case NT_OPT_ERROR:
        *o = (struct int_option){SOL_SOCKET, SO_ERROR};
        return NT_OK;
    default:
        return NT_EINVAL;
    }
}

int nt_socket_set_option(nt_socket *s, nt_sockopt option, int value)
{
    if (!s)
        return NT_EINVAL;
    if (s->fd == NT_INVALID_OS_SOCK)
        return NT_EBADF;
    if (option == NT_OPT_ERROR)
        return NT_EINVAL;
    if (option == NT_OPT_LINGER) {
        struct linger l;
        memset(&l, 0, sizeof l);
        l.l_onoff = value >= 0;
        l.l_linger = (unsigned short)(value > 0 ? (value > 65535 ? 65535 : value) : 0);
        return nt__sys_setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, (nt__socklen)sizeof l);
    }
    struct int_option o;
    int rc = lookup(s, option, &o);
    if (rc != NT_OK)
        return rc;
    if (option == NT_OPT_REUSEADDR && s->family == NT_AF_UNIX)
        return NT_ENOTSUP;
    if ((option == NT_OPT_RCVBUF || option == NT_OPT_SNDBUF || option == NT_OPT_MULTICAST_TTL) &&
        value < 0)
        return NT_EINVAL;
    return nt__sys_setsockopt(s->fd, o.level, o.name, &value, (nt__socklen)sizeof value);
}

int nt_socket_get_option(nt_socket *s, nt_sockopt option, int *value)
{
    if (!s || !value)
        return NT_EINVAL;
    if (s->fd == NT_INVALID_OS_SOCK)
        return NT_EBADF;
    if (option == NT_OPT_LINGER) {
        struct linger l;
        nt__socklen len = (nt__socklen)sizeof l;
        memset(&l, 0, sizeof l);
        int rc = nt__sys_getsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, &len);
        if (rc == NT_OK)
            *value = l.l_onoff ? (int)l.l_linger : -1;
        return rc;
    }
    struct int_option o;
    int rc = lookup(s, option, &o);
    if (rc != NT_OK)
        return rc;
    int v = 0;
    nt__socklen len = (nt__socklen)sizeof v;
    rc = nt__sys_getsockopt(s->fd, o.level, o.name, &v, &len);
    if (rc != NT_OK)
        return rc;
    if (len == 1) /* byte-sized options (IP_MULTICAST_LOOP on some OSes) */
        v = (int)*(unsigned char *)&v;
    if (option == NT_OPT_ERROR)
        v = v ? nt__sys_translate(v) : NT_OK;
    else if (option != NT_OPT_RCVBUF && option != NT_OPT_SNDBUF && option != NT_OPT_MULTICAST_TTL)
        v = v != 0;
    *value = v;
    return NT_OK;
}

static int membership(nt_socket *s, const nt_addr *group, unsigned ifindex, int join)
{
    if (!s || !group)
        return NT_EINVAL;
    if (s->fd == NT_INVALID_OS_SOCK)
        return NT_EBADF;
    if (s->type != NT_SOCK_DGRAM || group->family != s->family)
        return NT_EINVAL;
    if (group->family == NT_AF_INET) {
        struct ip_mreq m;
        memset(&m, 0, sizeof m);
        memcpy(&m.imr_multiaddr, group->u.v4, 4);
        /* IPv4 picks the interface by address; 0.0.0.0 lets the OS pick. */
        m.imr_interface.s_addr = htonl(INADDR_ANY);
        return nt__sys_setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
                                  &m, (nt__socklen)sizeof m);
    }
    if (group->family == NT_AF_INET6) {
        struct ipv6_mreq m;
        memset(&m, 0, sizeof m);
        memcpy(&m.ipv6mr_multiaddr, group->u.v6, 16);
        m.ipv6mr_interface = ifindex;
        return nt__sys_setsockopt(s->fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
                                  &m, (nt__socklen)sizeof m);
    }
    return NT_EAFNOSUPPORT;
}

int nt_socket_join_group(nt_socket *s, const nt_addr *group, unsigned ifindex)
{
    return membership(s, group, ifindex, 1);
}

int nt_socket_leave_group(nt_socket *s, const nt_addr *group, unsigned ifindex)
{
    return membership(s, group, ifindex, 0);
}

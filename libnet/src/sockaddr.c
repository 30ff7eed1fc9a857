/* SPDX-License-Identifier: MIT */
/* nt_addr <-> struct sockaddr.  The sockaddr layouts are the same on POSIX
 * and Winsock; only the headers differ, and nt-sys.h picks those. */
#include <string.h>

#include "sys.h"

int nt__family_to_os(int family)
{
    switch (family) {
    case NT_AF_INET:
        return AF_INET;
    case NT_AF_INET6:
        return AF_INET6;
    case NT_AF_UNIX:
        return AF_UNIX;
    case NT_AF_UNSPEC:
        return AF_UNSPEC;
    default:
        return -1;
    }
}

int nt__family_from_os(int os_family)
{
    switch (os_family) {
    case AF_INET:
        return NT_AF_INET;
    case AF_INET6:
        return NT_AF_INET6;
    case AF_UNIX:
        return NT_AF_UNIX;
    default:
        return NT_AF_UNSPEC;
    }
}

int nt__addr_to_sockaddr(const nt_addr *addr, struct sockaddr_storage *ss, nt__socklen *len)
{
    if (!addr || !ss || !len)
        return NT_EINVAL;
    memset(ss, 0, sizeof *ss);
    switch (addr->family) {
    case NT_AF_INET: {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(addr->port);
        memcpy(&sin->sin_addr, addr->u.v4, 4);
        *len = (nt__socklen)sizeof *sin;
        return NT_OK;
    }
    case NT_AF_INET6: {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(addr->port);
        sin6->sin6_scope_id = addr->scope_id;
        memcpy(&sin6->sin6_addr, addr->u.v6, 16);
        *len = (nt__socklen)sizeof *sin6;
        return NT_OK;
    }
    case NT_AF_UNIX: {
        struct sockaddr_un *sun = (struct sockaddr_un *)ss;
        size_t plen = strnlen(addr->u.path, sizeof addr->u.path);
        if (plen == 0 || plen >= sizeof addr->u.path || plen >= sizeof sun->sun_path)
            return NT_EINVAL;
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, addr->u.path, plen + 1);
        *len = (nt__socklen)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
        return NT_OK;
    }
    default:
        return NT_EAFNOSUPPORT;
    }
}

int nt__addr_from_sockaddr(const struct sockaddr *sa, nt__socklen len, nt_addr *out)
{
    if (!sa || !out)
        return NT_EINVAL;
    memset(out, 0, sizeof *out);
    switch (sa->sa_family) {
    case AF_INET: {
        struct sockaddr_in sin;
        if ((size_t)len < sizeof sin)
            return NT_EINVAL;
        memcpy(&sin, sa, sizeof sin);
        out->family = NT_AF_INET;
        out->port = ntohs(sin.sin_port);
        memcpy(out->u.v4, &sin.sin_addr, 4);
        return NT_OK;
    }
    case AF_INET6: {
        struct sockaddr_in6 sin6;
        if ((size_t)len < sizeof sin6)
            return NT_EINVAL;
        memcpy(&sin6, sa, sizeof sin6);
        out->family = NT_AF_INET6;
        out->port = ntohs(sin6.sin6_port);
        out->scope_id = sin6.sin6_scope_id;
        memcpy(out->u.v6, &sin6.sin6_addr, 16);
        return NT_OK;
    }
    case AF_UNIX: {
        /* An unbound UNIX socket has an empty (or absent) path. */
        struct sockaddr_un sun;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        memset(&sun, 0, sizeof sun);
        memcpy(&sun, sa, (size_t)len < sizeof sun ? (size_t)len : sizeof sun);
        out->family = NT_AF_UNIX;
        if ((size_t)len > off) {
            size_t plen = strnlen(sun.sun_path, (size_t)len - off);
            if (plen >= sizeof out->u.path)
                plen = sizeof out->u.path - 1;
            memcpy(out->u.path, sun.sun_path, plen);
        }
        return NT_OK;
    }
    default:
        return NT_EAFNOSUPPORT;
    }
}

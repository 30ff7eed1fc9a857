/* SPDX-License-Identifier: MIT */
/* The Python-shaped socket calls.  The OS socket is always non-blocking;
 * blocking and timeouts are emulated here with one wait helper, as CPython
 * does, so they behave the same on every platform. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <natter/clock.h>

#include "socket-internal.h"

#define CHECK_SOCKET(s)                    \
    do {                                   \
        if (!(s))                          \
            return NT_EINVAL;              \
        if ((s)->fd == NT_INVALID_OS_SOCK) \
            return NT_EBADF;               \
    } while (0)

/* The deadline `seconds` from now.  A timeout too long for the clock
 * (INFINITY, 1e300) means no deadline: converting it to uint64_t would be
 * undefined and in practice wraps to a deadline already past. */
static uint64_t deadline_after(double seconds)
{
    if (seconds < 0)
        return NT__FOREVER;
    double ms = seconds * 1000.0;
    if (!(ms < 1e15)) /* some 30,000 years */
        return NT__FOREVER;
    /* Rounded up, so a wait never ends before the timeout; by hand, as
     * ceil() would need libm, which the library does not link. */
    uint64_t whole = (uint64_t)ms;
    if ((double)whole < ms)
        whole++;
    return nt_clock_ms() + whole;
}

uint64_t nt__deadline(const nt_socket *s)
{
    return deadline_after(s->timeout);
}

int nt__wait_deadline(nt_os_sock fd, int events, uint64_t deadline_ms)
{
    for (;;) {
        int timeout_ms = -1;
        if (deadline_ms != NT__FOREVER) {
            /* A deadline already reached still polls once (timeout 0):
             * a zero timeout asks "ready now?", it is not a failure. */
            uint64_t now = nt_clock_ms();
            uint64_t left = now >= deadline_ms ? 0 : deadline_ms - now;
            timeout_ms = left > INT_MAX ? INT_MAX : (int)left;
        }
        int rc = nt__sys_wait_one(fd, events, timeout_ms);
        /* 0: interrupted by a signal.  A wait may also end a little early.
         * Either way, loop and wait for what is left of the deadline. */
        if (rc != 0 && rc != NT_ETIMEDOUT)
            return rc;
        if (rc == NT_ETIMEDOUT && timeout_ms == 0)
            return NT_ETIMEDOUT;
    }
}

/* Called when an operation would block: NT_EAGAIN for a non-blocking
 * socket, otherwise wait until ready or the deadline. */
static int wait_or_again(nt_socket *s, int events, uint64_t deadline)
{
    if (s->timeout == 0)
        return NT_EAGAIN;
    int rc = nt__wait_deadline(s->fd, events, deadline);
    return rc < 0 ? rc : NT_OK;
}

static int make_handle(nt_socket **out, nt_os_sock fd, nt_family family, nt_socktype type,
                       int proto)
{
    nt_socket *s = calloc(1, sizeof *s);
    if (!s)
        return NT_ENOMEM;
    s->fd = fd;
    s->family = family;
    s->type = type;
    s->proto = proto;
    s->timeout = NT_TIMEOUT_NONE;
    *out = s;
    return NT_OK;
}

int nt_socket_new(nt_family family, nt_socktype type, int proto, nt_socket **out)
{
    if (!out)
        return NT_EINVAL;
    *out = NULL;
    if (family != NT_AF_INET && family != NT_AF_INET6 && family != NT_AF_UNIX)
        return NT_EAFNOSUPPORT;
    if (type != NT_SOCK_STREAM && type != NT_SOCK_DGRAM)
        return NT_EINVAL;
    nt_os_sock fd;
    int rc = nt__sys_socket(family, type, proto, &fd);
    if (rc != NT_OK)
        return rc;
    rc = make_handle(out, fd, family, type, proto);
    if (rc != NT_OK)
        nt__sys_close(fd);
    return rc;
}

int nt_socket_from_fileno(nt_os_sock fd, nt_family family, nt_socktype type, nt_socket **out)
{
    if (!out)
        return NT_EINVAL;
    *out = NULL;
    if (fd == NT_INVALID_OS_SOCK)
        return NT_EINVAL;
    /* Checked before the OS socket is touched: a wrong family or type
     * would only surface later as a confusing error. */
    if ((family != NT_AF_INET && family != NT_AF_INET6 && family != NT_AF_UNIX) ||
        (type != NT_SOCK_STREAM && type != NT_SOCK_DGRAM))
        return NT_EINVAL;
    int rc = nt__sys_set_nonblocking(fd);
    if (rc != NT_OK)
        return rc;
    return make_handle(out, fd, family, type, 0);
}

nt_family nt_socket_family(const nt_socket *s)
{
    return s ? (nt_family)s->family : NT_AF_UNSPEC;
}

nt_socktype nt_socket_type(const nt_socket *s)
{
    return s ? (nt_socktype)s->type : (nt_socktype)0;
}
int nt_socket_proto(const nt_socket *s)
{
    return s ? s->proto : NT_EINVAL;
}

nt_os_sock nt_socket_fileno(const nt_socket *s)
{
    return s ? s->fd : NT_INVALID_OS_SOCK;
}

int nt_socket_bind(nt_socket *s, const nt_addr *addr)
{
    CHECK_SOCKET(s);
    struct sockaddr_storage ss;
    nt__socklen len;
    if (!addr)
        return NT_EINVAL;
    if (addr->family != s->family)
        return NT_EAFNOSUPPORT;
    int rc = nt__addr_to_sockaddr(addr, &ss, &len);
    if (rc != NT_OK)
        return rc;
    if (bind(s->fd, (struct sockaddr *)&ss, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt_socket_listen(nt_socket *s, int backlog)
{
    CHECK_SOCKET(s);
    if (s->type != NT_SOCK_STREAM)
        return NT_ENOTSUP;
    if (backlog < 0)
        backlog = SOMAXCONN;
    if (listen(s->fd, backlog) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt_socket_accept(nt_socket *s, nt_socket **conn, nt_addr *peer)
{
    CHECK_SOCKET(s);
    if (!conn)
        return NT_EINVAL;
    *conn = NULL;
    uint64_t deadline = nt__deadline(s);
    for (;;) {
        nt_os_sock fd;
        int rc = nt__sys_accept(s->fd, &fd, peer);
        if (rc == NT_OK) {
            rc = make_handle(conn, fd, s->family, s->type, s->proto);
            if (rc != NT_OK)
                nt__sys_close(fd);
            return rc;
        }
        if (rc != NT_EAGAIN)
            return rc;
        rc = wait_or_again(s, NT_EV_READ, deadline);
        if (rc != NT_OK)
            return rc;
    }
}

static int pending_error(nt_socket *s)
{
    int value = 0;
    int rc = nt_socket_get_option(s, NT_OPT_ERROR, &value);
    return rc != NT_OK ? rc : value;
}

int nt_socket_connect(nt_socket *s, const nt_addr *addr)
{
    CHECK_SOCKET(s);
    struct sockaddr_storage ss;
    nt__socklen len;
    if (!addr)
        return NT_EINVAL;
    if (addr->family != s->family)
        return NT_EAFNOSUPPORT;
    int rc = nt__addr_to_sockaddr(addr, &ss, &len);
    if (rc != NT_OK)
        return rc;
    uint64_t deadline = nt__deadline(s);
    rc = nt__sys_connect(s->fd, (struct sockaddr *)&ss, len);
    if (rc == NT_EISCONN)
        return NT_OK;
    if (rc != NT_EINPROGRESS && rc != NT_EAGAIN)
        return rc;
    if (s->timeout == 0)
        return NT_EINPROGRESS;
    rc = nt__wait_deadline(s->fd, NT_EV_WRITE, deadline);
    if (rc < 0)
        return rc;
    return pending_error(s);
}

static size_t clamp_len(size_t len)
{
    /* Winsock takes int lengths; one call never moves more than this. */
    return len > (size_t)INT_MAX ? (size_t)INT_MAX : len;
}

ptrdiff_t nt_socket_recv(nt_socket *s, void *buf, size_t len, int flags)
{
    CHECK_SOCKET(s);
    if (!buf && len)
        return NT_EINVAL;
    if (len == 0)
        return 0;
    uint64_t deadline = nt__deadline(s);
    for (;;) {
        ptrdiff_t n = nt__sys_recv(s->fd, buf, clamp_len(len), flags);
        if (n > 0)
            return n;
        if (n == 0)
            return s->type == NT_SOCK_STREAM ? NT_EOF : 0;
        if (n != NT_EAGAIN)
            return n;
        int rc = wait_or_again(s, NT_EV_READ, deadline);
        if (rc != NT_OK)
            return rc;
    }
}

ptrdiff_t nt_socket_send(nt_socket *s, const void *buf, size_t len, int flags)
{
    CHECK_SOCKET(s);
    if ((!buf && len) || flags != 0)
        return NT_EINVAL;
    if (s->write_shut)
        return NT_ESHUTDOWN;
    if (len == 0)
        return 0;
    uint64_t deadline = nt__deadline(s);
    for (;;) {
        ptrdiff_t n = nt__sys_send(s->fd, buf, clamp_len(len));
        if (n >= 0 || n != NT_EAGAIN)
            return n;
        int rc = wait_or_again(s, NT_EV_WRITE, deadline);
        if (rc != NT_OK)
            return rc;
    }
}

int nt_socket_sendall(nt_socket *s, const void *buf, size_t len, size_t *sent)
{
    size_t done = 0;
    if (sent)
        *sent = 0;
    CHECK_SOCKET(s);
    if (!buf && len)
        return NT_EINVAL;
    if (s->write_shut)
        return NT_ESHUTDOWN;
    uint64_t deadline = nt__deadline(s);
    const char *p = buf;
    int rc = NT_OK;
    while (done < len) {
        ptrdiff_t n = nt__sys_send(s->fd, p + done, clamp_len(len - done));
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n != NT_EAGAIN) {
            rc = n < 0 ? (int)n : NT_EUNKNOWN;
            break;
        }
        rc = wait_or_again(s, NT_EV_WRITE, deadline);
        if (rc != NT_OK)
            break;
    }
    if (sent)
        *sent = done;
    return rc;
}

ptrdiff_t nt_socket_recvfrom(nt_socket *s, void *buf, size_t len, int flags, nt_addr *from)
{
    CHECK_SOCKET(s);
    if (!buf && len)
        return NT_EINVAL;
    /* As recv: a stream's 0 would otherwise read as EOF. */
    if (len == 0 && s->type == NT_SOCK_STREAM)
        return 0;
    uint64_t deadline = nt__deadline(s);
    for (;;) {
        struct sockaddr_storage ss;
        nt__socklen sslen = (nt__socklen)sizeof ss;
        memset(&ss, 0, sizeof ss);
        ptrdiff_t n =
            nt__sys_recvfrom(s->fd, buf, clamp_len(len), flags, (struct sockaddr *)&ss, &sslen);
        if (n >= 0) {
            if (n == 0 && s->type == NT_SOCK_STREAM)
                return NT_EOF;
            if (from && nt__addr_from_sockaddr((struct sockaddr *)&ss, sslen, from) != NT_OK)
                memset(from, 0, sizeof *from);
            return n;
        }
        if (n != NT_EAGAIN)
            return n;
        int rc = wait_or_again(s, NT_EV_READ, deadline);
        if (rc != NT_OK)
            return rc;
    }
}

ptrdiff_t nt_socket_sendto(nt_socket *s, const void *buf, size_t len, int flags, const nt_addr *to)
{
    CHECK_SOCKET(s);
    if ((!buf && len) || !to || flags != 0)
        return NT_EINVAL;
    /* As bind and connect do: Linux would send an IPv4 address from an
     * IPv6 socket, Winsock refuses it with an unrelated code. */
    if (to->family != s->family)
        return NT_EAFNOSUPPORT;
    if (len > (size_t)INT_MAX)
        return NT_EMSGSIZE;
    struct sockaddr_storage ss;
    nt__socklen sslen;
    int rc = nt__addr_to_sockaddr(to, &ss, &sslen);
    if (rc != NT_OK)
        return rc;
    uint64_t deadline = nt__deadline(s);
    for (;;) {
        ptrdiff_t n = nt__sys_sendto(s->fd, buf, len, (struct sockaddr *)&ss, sslen);
        if (n >= 0 || n != NT_EAGAIN)
            return n;
        rc = wait_or_again(s, NT_EV_WRITE, deadline);
        if (rc != NT_OK)
            return rc;
    }
}

int nt_socket_shutdown(nt_socket *s, nt_shutdown_how how)
{
    CHECK_SOCKET(s);
    if (how != NT_SHUT_RD && how != NT_SHUT_WR && how != NT_SHUT_RDWR)
        return NT_EINVAL;
    int rc = nt__sys_shutdown(s->fd, how);
    if (rc == NT_OK && how != NT_SHUT_RD)
        s->write_shut = 1;
    return rc;
}

int nt_socket_close(nt_socket *s)
{
    if (!s)
        return NT_OK;
    int rc = s->fd == NT_INVALID_OS_SOCK ? NT_OK : nt__sys_close(s->fd);
    free(s);
    return rc;
}

nt_os_sock nt_socket_detach(nt_socket *s)
{
    if (!s)
        return NT_INVALID_OS_SOCK;
    nt_os_sock fd = s->fd;
    free(s);
    return fd;
}

typedef int (*name_fn)(nt_os_sock fd, struct sockaddr *sa, nt__socklen *len);

/* getsockname and getpeername differ only in the call. */
static int socket_name(const nt_socket *s, nt_addr *out, name_fn get)
{
    CHECK_SOCKET(s);
    if (!out)
        return NT_EINVAL;
    struct sockaddr_storage ss;
    nt__socklen len = (nt__socklen)sizeof ss;
    memset(&ss, 0, sizeof ss);
    int rc = get(s->fd, (struct sockaddr *)&ss, &len);
    if (rc != NT_OK)
        return rc;
    if (s->family == NT_AF_UNIX && len <= (nt__socklen)sizeof(short)) {
        /* An unbound (or unnamed socketpair) UNIX socket has no path. */
        memset(out, 0, sizeof *out);
        out->family = NT_AF_UNIX;
        return NT_OK;
    }
    return nt__addr_from_sockaddr((struct sockaddr *)&ss, len, out);
}

int nt_socket_getsockname(const nt_socket *s, nt_addr *out)
{
    return socket_name(s, out, nt__sys_getsockname);
}

int nt_socket_getpeername(const nt_socket *s, nt_addr *out)
{
    return socket_name(s, out, nt__sys_getpeername);
}

int nt_socket_setblocking(nt_socket *s, int blocking)
{
    return nt_socket_settimeout(s, blocking ? NT_TIMEOUT_NONE : 0.0);
}

int nt_socket_settimeout(nt_socket *s, double seconds)
{
    CHECK_SOCKET(s);
    if (isnan(seconds))
        return NT_EINVAL;
    s->timeout = seconds < 0 ? NT_TIMEOUT_NONE : seconds;
    return NT_OK;
}

double nt_socket_gettimeout(const nt_socket *s)
{
    return s ? s->timeout : NT_TIMEOUT_NONE;
}

int nt_socket_wait(nt_socket *s, int events, double seconds)
{
    CHECK_SOCKET(s);
    if (!(events & (NT_EV_READ | NT_EV_WRITE)) || isnan(seconds))
        return NT_EINVAL;
    return nt__wait_deadline(s->fd, events, deadline_after(seconds));
}

int nt_socket_setsockopt(nt_socket *s, int level, int name, const void *value, size_t len)
{
    CHECK_SOCKET(s);
    if (!value || len == 0 || len > INT_MAX)
        return NT_EINVAL;
    return nt__sys_setsockopt(s->fd, level, name, value, (nt__socklen)len);
}

int nt_socket_getsockopt(nt_socket *s, int level, int name, void *value, size_t *len)
{
    CHECK_SOCKET(s);
    if (!value || !len || *len == 0 || *len > INT_MAX)
        return NT_EINVAL;
    nt__socklen l = (nt__socklen)*len;
    int rc = nt__sys_getsockopt(s->fd, level, name, value, &l);
    if (rc == NT_OK)
        *len = (size_t)l;
    return rc;
}

int nt_socket_create_connection(const char *host, uint16_t port, double attempt_timeout,
                                nt_socket **out)
{
    if (!out || !host)
        return NT_EINVAL;
    *out = NULL;
    nt_addr addrs[16];
    int n = nt_getaddrinfo(host, port, NT_AF_UNSPEC, NT_SOCK_STREAM, addrs, 16);
    if (n < 0)
        return n;
    int rc = NT_ENONAME;
    for (int i = 0; i < n; i++) {
        nt_socket *s;
        rc = nt_socket_new(addrs[i].family, NT_SOCK_STREAM, 0, &s);
        if (rc != NT_OK)
            continue;
        nt_socket_settimeout(s, attempt_timeout);
        rc = nt_socket_connect(s, &addrs[i]);
        if (rc == NT_OK) {
            nt_socket_settimeout(s, NT_TIMEOUT_NONE);
            *out = s;
            return NT_OK;
        }
        nt_socket_close(s);
    }
    return rc;
}

int nt_socket_create_server(const nt_addr *addr, int backlog, nt_socket **out)
{
    if (!out || !addr)
        return NT_EINVAL;
    *out = NULL;
    nt_socket *s;
    int rc = nt_socket_new(addr->family, NT_SOCK_STREAM, 0, &s);
    if (rc != NT_OK)
        return rc;
    if (addr->family != NT_AF_UNIX)
        rc = nt_socket_set_option(s, NT_OPT_REUSEADDR, 1);
    if (rc == NT_OK)
        rc = nt_socket_bind(s, addr);
    if (rc == NT_OK)
        rc = nt_socket_listen(s, backlog);
    if (rc != NT_OK) {
        nt_socket_close(s);
        return rc;
    }
    *out = s;
    return NT_OK;
}

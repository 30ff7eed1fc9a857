/* SPDX-License-Identifier: MIT */
/* POSIX sockets: errno translation, non-blocking close-on-exec sockets,
 * SIGPIPE suppressed per call (MSG_NOSIGNAL) or per socket (SO_NOSIGPIPE),
 * never by touching the process's signal dispositions. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <natter/random.h>

#include "nt-config.h"
#include "sys.h"

#if NT_HAVE_MSG_NOSIGNAL
#define SEND_FLAGS MSG_NOSIGNAL
#else
#define SEND_FLAGS 0
#endif

int nt__sys_init(void)
{
    return NT_OK;
}

int nt__sys_translate(int e)
{
    switch (e) {
    case 0:
        return NT_OK;
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
        return NT_EAGAIN;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
        return NT_ECONNRESET;
    case ETIMEDOUT:
        return NT_ETIMEDOUT;
    case ECONNREFUSED:
        return NT_ECONNREFUSED;
    case EINPROGRESS:
    case EALREADY:
    case EINTR:
        return NT_EINPROGRESS;
    case EISCONN:
        return NT_EISCONN;
    case ENOTCONN:
        return NT_ENOTCONN;
    case EADDRINUSE:
        return NT_EADDRINUSE;
    case EADDRNOTAVAIL:
        return NT_EADDRNOTAVAIL;
    case EAFNOSUPPORT:
    case EPFNOSUPPORT:
    case EPROTONOSUPPORT:
    case ESOCKTNOSUPPORT:
        return NT_EAFNOSUPPORT;
    case ENETUNREACH:
        return NT_ENETUNREACH;
    case EHOSTUNREACH:
        return NT_EHOSTUNREACH;
    case EACCES:
    case EPERM:
        return NT_EACCES;
    case EINVAL:
    case EDESTADDRREQ:
    case ENOPROTOOPT:
    case EFAULT:
        return NT_EINVAL;
    case ENOMEM:
        return NT_ENOMEM;
    case EBADF:
    case ENOTSOCK:
        return NT_EBADF;
    case EMFILE:
    case ENFILE:
        return NT_EMFILE;
    case ENOBUFS:
        return NT_ENOBUFS;
    case EMSGSIZE:
        return NT_EMSGSIZE;
    case EOPNOTSUPP:
#if ENOTSUP != EOPNOTSUPP
    case ENOTSUP:
#endif
        return NT_ENOTSUP;
    case ENOENT:
    case ENOTDIR:
        return NT_ENOENT;
    case ESHUTDOWN:
        return NT_ESHUTDOWN;
    case ENETDOWN:
        return NT_ENETDOWN;
    case EPROTO:
        return NT_EPROTO;
    default:
        return NT_EUNKNOWN;
    }
}

int nt__sys_last_error(void)
{
    int e = errno;
    nt__set_os_error(e);
    return nt__sys_translate(e);
}

int nt__sys_set_nonblocking(nt_os_sock fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return nt__sys_last_error();
    return NT_OK;
}

/* Non-blocking, close-on-exec and SIGPIPE-free, in as few calls as the
 * system allows. */
static int setup_fd(nt_os_sock fd, int already)
{
    if (!already) {
        int fdflags = fcntl(fd, F_GETFD);
        if (fdflags < 0 || fcntl(fd, F_SETFD, fdflags | FD_CLOEXEC) < 0)
            return nt__sys_last_error();
        int rc = nt__sys_set_nonblocking(fd);
        if (rc != NT_OK)
            return rc;
    }
#if NT_HAVE_SO_NOSIGPIPE
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return NT_OK;
}

int nt__sys_socket(int family, int type, int proto, nt_os_sock *out)
{
    int os_type = type == NT_SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
    int already = 0;
#if NT_HAVE_SOCK_CLOEXEC
    os_type |= SOCK_NONBLOCK | SOCK_CLOEXEC;
    already = 1;
#endif
    int fd = socket(nt__family_to_os(family), os_type, proto);
    if (fd < 0)
        return nt__sys_last_error();
    int rc = setup_fd(fd, already);
    if (rc != NT_OK) {
        close(fd);
        return rc;
    }
    *out = fd;
    return NT_OK;
}

int nt__sys_close(nt_os_sock fd)
{
    /* Never retried: after EINTR the descriptor is already gone on Linux,
     * and retrying could close a descriptor another thread just opened. */
    if (close(fd) != 0 && errno != EINTR)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_accept(nt_os_sock fd, nt_os_sock *out, nt_addr *peer)
{
    struct sockaddr_storage ss;
    for (;;) {
        socklen_t len = sizeof ss;
        memset(&ss, 0, sizeof ss);
#if NT_HAVE_ACCEPT4
        int c = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int already = 1;
#else
        int c = accept(fd, (struct sockaddr *)&ss, &len);
        int already = 0;
#endif
        if (c < 0) {
            /* A connection reset while queued is no reason to fail the
             * listener: take the next one. */
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            return nt__sys_last_error();
        }
        int rc = setup_fd(c, already);
        if (rc != NT_OK) {
            close(c);
            return rc;
        }
        if (peer && nt__addr_from_sockaddr((struct sockaddr *)&ss, len, peer) != NT_OK)
            memset(peer, 0, sizeof *peer);
        *out = c;
        return NT_OK;
    }
}

int nt__sys_connect(nt_os_sock fd, const struct sockaddr *sa, nt__socklen len)
{
    if (connect(fd, sa, len) == 0)
        return NT_OK;
    /* EINTR: the connect goes on in the background, like EINPROGRESS. */
    return nt__sys_last_error();
}

ptrdiff_t nt__sys_recv(nt_os_sock fd, void *buf, size_t len, int flags)
{
    int os_flags = (flags & NT_MSG_PEEK) ? MSG_PEEK : 0;
    for (;;) {
        ssize_t n = recv(fd, buf, len, os_flags);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return nt__sys_last_error();
    }
}

ptrdiff_t nt__sys_send(nt_os_sock fd, const void *buf, size_t len)
{
    for (;;) {
        ssize_t n = send(fd, buf, len, SEND_FLAGS);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return nt__sys_last_error();
    }
}

ptrdiff_t nt__sys_recvfrom(nt_os_sock fd, void *buf, size_t len, int flags, struct sockaddr *from,
                           nt__socklen *fromlen)
{
    int os_flags = (flags & NT_MSG_PEEK) ? MSG_PEEK : 0;
    for (;;) {
        ssize_t n = recvfrom(fd, buf, len, os_flags, from, fromlen);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return nt__sys_last_error();
    }
}

ptrdiff_t nt__sys_sendto(nt_os_sock fd, const void *buf, size_t len, const struct sockaddr *to,
                         nt__socklen tolen)
{
    for (;;) {
        ssize_t n = sendto(fd, buf, len, SEND_FLAGS, to, tolen);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return nt__sys_last_error();
    }
}

ptrdiff_t nt__sys_writev(nt_os_sock fd, const nt__iov *iov, int count)
{
    struct iovec v[NT__IOV_MAX];
    struct msghdr msg;
    if (count > NT__IOV_MAX)
        count = NT__IOV_MAX;
    for (int i = 0; i < count; i++) {
        v[i].iov_base = (void *)(uintptr_t)iov[i].base;
        v[i].iov_len = iov[i].len;
    }
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = v;
    msg.msg_iovlen = (size_t)count;
    for (;;) {
        /* sendmsg, not writev: writev cannot take MSG_NOSIGNAL. */
        ssize_t n = sendmsg(fd, &msg, SEND_FLAGS);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return nt__sys_last_error();
    }
}

int nt__sys_shutdown(nt_os_sock fd, int how)
{
    int os_how = how == NT_SHUT_RD ? SHUT_RD : how == NT_SHUT_WR ? SHUT_WR : SHUT_RDWR;
    if (shutdown(fd, os_how) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_wait_one(nt_os_sock fd, int events, int timeout_ms)
{
    struct pollfd p;
    p.fd = fd;
    p.events =
        (short)(((events & NT_EV_READ) ? POLLIN : 0) | ((events & NT_EV_WRITE) ? POLLOUT : 0));
    p.revents = 0;
    int n = poll(&p, 1, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : nt__sys_last_error();
    if (n == 0)
        return NT_ETIMEDOUT;
    if (p.revents & POLLNVAL)
        return NT_EBADF;
    int ready = 0;
    /* Errors and hang-ups are reported as readiness so that the next
     * call reads the actual error or EOF. */
    if (p.revents & (POLLIN | POLLHUP | POLLERR))
        ready |= events & NT_EV_READ;
    if (p.revents & (POLLOUT | POLLHUP | POLLERR))
        ready |= events & NT_EV_WRITE;
    return ready ? ready : events;
}

void nt__sys_reuseaddr_option(int type, int *level, int *name)
{
    (void)type;
    *level = SOL_SOCKET;
    *name = SO_REUSEADDR;
}

int nt__sys_setsockopt(nt_os_sock fd, int level, int name, const void *value, nt__socklen len)
{
    if (setsockopt(fd, level, name, value, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_getsockopt(nt_os_sock fd, int level, int name, void *value, nt__socklen *len)
{
    if (getsockopt(fd, level, name, value, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_getsockname(nt_os_sock fd, struct sockaddr *sa, nt__socklen *len)
{
    if (getsockname(fd, sa, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_getpeername(nt_os_sock fd, struct sockaddr *sa, nt__socklen *len)
{
    if (getpeername(fd, sa, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_gai_error(int rc)
{
    switch (rc) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
        return NT_ENONAME;
    case EAI_AGAIN:
        return NT_ENAMETEMP;
    case EAI_FAMILY:
        return NT_EAFNOSUPPORT;
    case EAI_MEMORY:
        return NT_ENOMEM;
    case EAI_SYSTEM:
        return nt__sys_last_error();
    default:
        return NT_EINVAL;
    }
}

int nt__sys_wake_pair(nt_os_sock pair[2])
{
    int sv[2];
    int type = SOCK_STREAM;
#if NT_HAVE_SOCK_CLOEXEC
    type |= SOCK_NONBLOCK | SOCK_CLOEXEC;
#endif
    if (socketpair(AF_UNIX, type, 0, sv) != 0)
        return nt__sys_last_error();
    for (int i = 0; i < 2; i++) {
        int rc = setup_fd(sv[i], NT_HAVE_SOCK_CLOEXEC);
        if (rc != NT_OK) {
            close(sv[0]);
            close(sv[1]);
            return rc;
        }
        pair[i] = sv[i];
    }
    return NT_OK;
}

int nt_random_bytes(void *buf, size_t len)
{
    if (!buf && len)
        return NT_EINVAL;
    unsigned char *p = buf;
    while (len > 0) {
        /* getentropy takes at most 256 bytes per call. */
        size_t chunk = len > 256 ? 256 : len;
        if (getentropy(p, chunk) != 0)
            return NT_EUNKNOWN;
        p += chunk;
        len -= chunk;
    }
    return NT_OK;
}

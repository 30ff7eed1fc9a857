/* SPDX-License-Identifier: MIT */
/* Winsock: started lazily once, WSA error translation, non-inheritable
 * non-blocking sockets, SO_EXCLUSIVEADDRUSE for listeners, UDP connection
 * resets from ICMP switched off. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

#include <mstcpip.h> /* after winsock2.h, which it needs */
#include <bcrypt.h>
#include <natter/random.h>

#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif
#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif

static INIT_ONCE wsa_once = INIT_ONCE_STATIC_INIT;
static int wsa_status = NT_OK;

static void wsa_cleanup(void)
{
    WSACleanup();
}

static BOOL CALLBACK wsa_start(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    WSADATA data;
    int rc = WSAStartup(MAKEWORD(2, 2), &data);
    (void)once;
    (void)param;
    (void)ctx;
    if (rc != 0) {
        nt__set_os_error(rc);
        wsa_status = NT_ENETDOWN;
    } else {
        atexit(wsa_cleanup);
    }
    return TRUE;
}

int nt__sys_init(void)
{
    InitOnceExecuteOnce(&wsa_once, wsa_start, NULL, NULL);
    return wsa_status;
}

int nt__sys_translate(int e)
{
    switch (e) {
    case 0:
        return NT_OK;
    case WSAEWOULDBLOCK:
        return NT_EAGAIN;
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAENETRESET:
    case WSAEDISCON:
        return NT_ECONNRESET;
    case WSAETIMEDOUT:
        return NT_ETIMEDOUT;
    case WSAECONNREFUSED:
        return NT_ECONNREFUSED;
    case WSAEINPROGRESS:
    case WSAEALREADY:
    case WSAEINTR:
        return NT_EINPROGRESS;
    case WSAEISCONN:
        return NT_EISCONN;
    case WSAENOTCONN:
        return NT_ENOTCONN;
    case WSAEADDRINUSE:
        return NT_EADDRINUSE;
    case WSAEADDRNOTAVAIL:
        return NT_EADDRNOTAVAIL;
    case WSAEAFNOSUPPORT:
    case WSAEPFNOSUPPORT:
    case WSAEPROTONOSUPPORT:
    case WSAESOCKTNOSUPPORT:
        return NT_EAFNOSUPPORT;
    case WSAENETUNREACH:
        return NT_ENETUNREACH;
    case WSAEHOSTUNREACH:
        return NT_EHOSTUNREACH;
    case WSAEACCES:
        return NT_EACCES;
    case WSAEINVAL:
    case WSAEDESTADDRREQ:
    case WSAENOPROTOOPT:
    case WSAEFAULT:
        return NT_EINVAL;
    case WSA_NOT_ENOUGH_MEMORY:
        return NT_ENOMEM;
    case WSAEBADF:
    case WSAENOTSOCK:
    case WSA_INVALID_HANDLE:
        return NT_EBADF;
    case WSAEMFILE:
        return NT_EMFILE;
    case WSAENOBUFS:
        return NT_ENOBUFS;
    case WSAEMSGSIZE:
        return NT_EMSGSIZE;
    case WSAEOPNOTSUPP:
        return NT_ENOTSUP;
    case WSAESHUTDOWN:
        return NT_ESHUTDOWN;
    case WSAENETDOWN:
        return NT_ENETDOWN;
    case WSANOTINITIALISED:
        return NT_ENETDOWN;
    case WSAHOST_NOT_FOUND:
    case WSANO_DATA:
        return NT_ENONAME;
    case WSATRY_AGAIN:
        return NT_ENAMETEMP;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return NT_ENOENT;
    default:
        return NT_EUNKNOWN;
    }
}

int nt__sys_last_error(void)
{
    int e = WSAGetLastError();
    nt__set_os_error(e);
    return nt__sys_translate(e);
}

int nt__sys_set_nonblocking(nt_os_sock fd)
{
    u_long one = 1;
    if (ioctlsocket((SOCKET)fd, FIONBIO, &one) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

static void no_inherit(SOCKET s)
{
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
}

/* A UDP socket on Windows fails its next recv with WSAECONNRESET when an
 * earlier datagram drew an ICMP port-unreachable; POSIX ignores those, so
 * turn the report off and make UDP behave the same everywhere. */
static void udp_connreset_off(SOCKET s)
{
    BOOL off = FALSE;
    DWORD bytes = 0;
    WSAIoctl(s, SIO_UDP_CONNRESET, &off, sizeof off, NULL, 0, &bytes, NULL, NULL);
}

int nt__sys_socket(int family, int type, int proto, nt_os_sock *out)
{
    int rc = nt__sys_init();
    if (rc != NT_OK)
        return rc;
    int os_type = type == NT_SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
    SOCKET s = WSASocketW(nt__family_to_os(family), os_type, proto, NULL, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) {
        /* Windows before 7 SP1 does not know the no-inherit flag. */
        s = WSASocketW(nt__family_to_os(family), os_type, proto, NULL, 0, WSA_FLAG_OVERLAPPED);
    }
    if (s == INVALID_SOCKET)
        return nt__sys_last_error();
    no_inherit(s);
    rc = nt__sys_set_nonblocking((nt_os_sock)s);
    if (rc != NT_OK) {
        closesocket(s);
        return rc;
    }
    if (type == NT_SOCK_DGRAM && family != NT_AF_UNIX)
        udp_connreset_off(s);
    *out = (nt_os_sock)s;
    return NT_OK;
}

int nt__sys_close(nt_os_sock fd)
{
    if (closesocket((SOCKET)fd) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_accept(nt_os_sock fd, nt_os_sock *out, nt_addr *peer)
{
    struct sockaddr_storage ss;
    for (;;) {
        int len = (int)sizeof ss;
        memset(&ss, 0, sizeof ss);
        SOCKET c = accept((SOCKET)fd, (struct sockaddr *)&ss, &len);
        if (c == INVALID_SOCKET) {
            int e = WSAGetLastError();
            if (e == WSAECONNRESET || e == WSAEINTR)
                continue; /* reset while queued: take the next one */
            return nt__sys_last_error();
        }
        no_inherit(c);
        int rc = nt__sys_set_nonblocking((nt_os_sock)c);
        if (rc != NT_OK) {
            closesocket(c);
            return rc;
        }
        if (peer && nt__addr_from_sockaddr((struct sockaddr *)&ss, len, peer) != NT_OK)
            memset(peer, 0, sizeof *peer);
        *out = (nt_os_sock)c;
        return NT_OK;
    }
}

int nt__sys_connect(nt_os_sock fd, const struct sockaddr *sa, nt__socklen len)
{
    if (connect((SOCKET)fd, sa, len) == 0)
        return NT_OK;
    int rc = nt__sys_last_error();
    /* Winsock says WSAEWOULDBLOCK where POSIX says EINPROGRESS. */
    return rc == NT_EAGAIN ? NT_EINPROGRESS : rc;
}

static int clamp(size_t len)
{
    return len > (size_t)INT_MAX ? INT_MAX : (int)len;
}

ptrdiff_t nt__sys_recv(nt_os_sock fd, void *buf, size_t len, int flags)
{
    int os_flags = (flags & NT_MSG_PEEK) ? MSG_PEEK : 0;
    int n = recv((SOCKET)fd, buf, clamp(len), os_flags);
    if (n >= 0)
        return n;
    /* A datagram longer than buf: truncated, as POSIX and recvfrom do. */
    if (WSAGetLastError() == WSAEMSGSIZE)
        return (ptrdiff_t)clamp(len);
    return nt__sys_last_error();
}

ptrdiff_t nt__sys_send(nt_os_sock fd, const void *buf, size_t len)
{
    int n = send((SOCKET)fd, buf, clamp(len), 0);
    if (n >= 0)
        return n;
    return nt__sys_last_error();
}

ptrdiff_t nt__sys_recvfrom(nt_os_sock fd, void *buf, size_t len, int flags, struct sockaddr *from,
                           nt__socklen *fromlen)
{
    int os_flags = (flags & NT_MSG_PEEK) ? MSG_PEEK : 0;
    int n = recvfrom((SOCKET)fd, buf, clamp(len), os_flags, from, fromlen);
    if (n >= 0)
        return n;
    /* POSIX truncates a long datagram silently; so do we. */
    if (WSAGetLastError() == WSAEMSGSIZE)
        return (ptrdiff_t)clamp(len);
    return nt__sys_last_error();
}

ptrdiff_t nt__sys_sendto(nt_os_sock fd, const void *buf, size_t len, const struct sockaddr *to,
                         nt__socklen tolen)
{
    int n = sendto((SOCKET)fd, buf, clamp(len), 0, to, tolen);
    if (n >= 0)
        return n;
    return nt__sys_last_error();
}

ptrdiff_t nt__sys_writev(nt_os_sock fd, const nt__iov *iov, int count)
{
    WSABUF v[NT__IOV_MAX];
    if (count > NT__IOV_MAX)
        count = NT__IOV_MAX;
    for (int i = 0; i < count; i++) {
        v[i].buf = (char *)(uintptr_t)iov[i].base;
        v[i].len = (ULONG)(iov[i].len > (size_t)INT_MAX ? INT_MAX : iov[i].len);
    }
    DWORD sent = 0;
    if (WSASend((SOCKET)fd, v, (DWORD)count, &sent, 0, NULL, NULL) != 0)
        return nt__sys_last_error();
    return (ptrdiff_t)sent;
}

int nt__sys_shutdown(nt_os_sock fd, int how)
{
    int os_how = how == NT_SHUT_RD ? SD_RECEIVE : how == NT_SHUT_WR ? SD_SEND : SD_BOTH;
    if (shutdown((SOCKET)fd, os_how) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

/* select(), not WSAPoll: before Windows 10 2004 WSAPoll does not report a
 * failed non-blocking connect, and select's except set does. */
int nt__sys_wait_one(nt_os_sock fd, int events, int timeout_ms)
{
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    if (events & NT_EV_READ)
        FD_SET((SOCKET)fd, &r);
    if (events & NT_EV_WRITE)
        FD_SET((SOCKET)fd, &w);
    FD_SET((SOCKET)fd, &x);
    struct timeval tv, *tvp = NULL;
    if (timeout_ms >= 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        tvp = &tv;
    }
    int n = select(0, &r, &w, &x, tvp);
    if (n < 0)
        return nt__sys_last_error();
    if (n == 0)
        return NT_ETIMEDOUT;
    int ready = 0;
    if (FD_ISSET((SOCKET)fd, &r))
        ready |= NT_EV_READ;
    if (FD_ISSET((SOCKET)fd, &w))
        ready |= NT_EV_WRITE;
    if (FD_ISSET((SOCKET)fd, &x))
        ready |= events; /* the next call reads the error */
    return ready;
}

void nt__sys_reuseaddr_option(int type, int *level, int *name)
{
    /* SO_REUSEADDR on Windows lets another program bind the same port and
     * steal its connections; a listener wants exclusive use instead (a
     * port in TIME_WAIT can be rebound on Windows without any option).
     * Datagram sockets keep SO_REUSEADDR so several programs can share a
     * discovery port, as on POSIX. */
    *level = SOL_SOCKET;
    *name = type == NT_SOCK_STREAM ? SO_EXCLUSIVEADDRUSE : SO_REUSEADDR;
}

int nt__sys_setsockopt(nt_os_sock fd, int level, int name, const void *value, nt__socklen len)
{
    if (setsockopt((SOCKET)fd, level, name, value, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_getsockopt(nt_os_sock fd, int level, int name, void *value, nt__socklen *len)
{
    if (getsockopt((SOCKET)fd, level, name, value, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_getsockname(nt_os_sock fd, struct sockaddr *sa, nt__socklen *len)
{
    if (getsockname((SOCKET)fd, sa, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_getpeername(nt_os_sock fd, struct sockaddr *sa, nt__socklen *len)
{
    if (getpeername((SOCKET)fd, sa, len) != 0)
        return nt__sys_last_error();
    return NT_OK;
}

int nt__sys_gai_error(int rc)
{
    nt__set_os_error(rc);
    switch (rc) {
    case EAI_NONAME:
    case WSANO_DATA:
        return NT_ENONAME;
    case EAI_AGAIN:
        return NT_ENAMETEMP;
    case EAI_FAMILY:
        return NT_EAFNOSUPPORT;
    case EAI_MEMORY:
        return NT_ENOMEM;
    default:
        return NT_EINVAL;
    }
}

/* Windows has no socketpair: connect two loopback TCP sockets, checking
 * that the accepted one really is our own connection. */
int nt__sys_wake_pair(nt_os_sock pair[2])
{
    nt_os_sock l = NT_INVALID_OS_SOCK, a = NT_INVALID_OS_SOCK, b = NT_INVALID_OS_SOCK;
    struct sockaddr_in sin;
    int len = (int)sizeof sin;
    int rc = nt__sys_socket(NT_AF_INET, NT_SOCK_STREAM, 0, &l);
    if (rc != NT_OK)
        return rc;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind((SOCKET)l, (struct sockaddr *)&sin, len) != 0 ||
        getsockname((SOCKET)l, (struct sockaddr *)&sin, &len) != 0 || listen((SOCKET)l, 1) != 0) {
        rc = nt__sys_last_error();
        goto fail;
    }
    rc = nt__sys_socket(NT_AF_INET, NT_SOCK_STREAM, 0, &a);
    if (rc != NT_OK)
        goto fail;
    rc = nt__sys_connect(a, (struct sockaddr *)&sin, len);
    if (rc != NT_OK && rc != NT_EINPROGRESS)
        goto fail;
    rc = nt__sys_wait_one(l, NT_EV_READ, 5000);
    if (rc < 0)
        goto fail;
    rc = nt__sys_accept(l, &b, NULL);
    if (rc != NT_OK)
        goto fail;
    rc = nt__sys_wait_one(a, NT_EV_WRITE, 5000);
    if (rc < 0)
        goto fail;
    struct sockaddr_in mine, theirs;
    int ml = (int)sizeof mine, tl = (int)sizeof theirs;
    if (getsockname((SOCKET)a, (struct sockaddr *)&mine, &ml) != 0 ||
        getpeername((SOCKET)b, (struct sockaddr *)&theirs, &tl) != 0 ||
        mine.sin_port != theirs.sin_port) {
        rc = NT_EPROTO;
        goto fail;
    }
    BOOL one = TRUE;
    setsockopt((SOCKET)a, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    closesocket((SOCKET)l);
    pair[0] = b;
    pair[1] = a;
    return NT_OK;
fail:
    if (l != NT_INVALID_OS_SOCK)
        closesocket((SOCKET)l);
    if (a != NT_INVALID_OS_SOCK)
        closesocket((SOCKET)a);
    if (b != NT_INVALID_OS_SOCK)
        closesocket((SOCKET)b);
    return rc;
}

int nt_random_bytes(void *buf, size_t len)
{
    if (!buf && len)
        return NT_EINVAL;
    unsigned char *p = buf;
    while (len > 0) {
        ULONG chunk = len > 0x10000 ? 0x10000 : (ULONG)len;
        if (BCryptGenRandom(NULL, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return NT_EUNKNOWN;
        p += chunk;
        len -= chunk;
    }
    return NT_OK;
}

/* SPDX-License-Identifier: MIT */
/*
 * The OS calls libnatter needs, one implementation per platform
 * (posix/sys.c, win32/sys.c).  Everything above this line is the same code
 * on every platform; everything below it is the OS.  Every function returns
 * NT_E* codes already translated, retries EINTR itself, and records the raw
 * OS error for nt_last_os_error().
 */
#ifndef NT_SYS_H
#define NT_SYS_H

#include "nt-sys.h" /* the platform's socket headers and nt__socklen */

#include <natter/net.h>
#include <natter/error.h>

/* One piece of a gather write. */
typedef struct nt__iov {
    const void *base;
    size_t len;
} nt__iov;

/* Start the socket library once (WSAStartup); thread-safe, idempotent. */
int nt__sys_init(void);

/* Translate an OS error code, and the calling thread's last one. */
int nt__sys_translate(int os_error);
int nt__sys_last_error(void);

/* Remember a raw OS error for nt_last_os_error() (0 clears it). */
void nt__set_os_error(int os_error);

/* A non-blocking, non-inheritable socket that never raises SIGPIPE. */
int nt__sys_socket(int family, int type, int proto, nt_os_sock *out);
int nt__sys_close(nt_os_sock fd);
int nt__sys_set_nonblocking(nt_os_sock fd);

/* accept: NT_EAGAIN when none is pending; the new socket is set up as
 * nt__sys_socket() sets up its own.  peer may be NULL. */
int nt__sys_accept(nt_os_sock fd, nt_os_sock *out, nt_addr *peer);

/* connect: NT_OK, NT_EINPROGRESS (also after EINTR), or the error. */
int nt__sys_connect(nt_os_sock fd, const struct sockaddr *sa, nt__socklen len);

/* Data: >= 0 bytes, or an NT_E* code (NT_EAGAIN when it would block).
 * A 0 from recv is returned as 0: the caller knows if it means EOF. */
ptrdiff_t nt__sys_recv(nt_os_sock fd, void *buf, size_t len, int flags);
ptrdiff_t nt__sys_send(nt_os_sock fd, const void *buf, size_t len);
ptrdiff_t nt__sys_recvfrom(nt_os_sock fd, void *buf, size_t len, int flags, struct sockaddr *from,
                           nt__socklen *fromlen);
ptrdiff_t nt__sys_sendto(nt_os_sock fd, const void *buf, size_t len, const struct sockaddr *to,
                         nt__socklen tolen);
ptrdiff_t nt__sys_writev(nt_os_sock fd, const nt__iov *iov, int count);

/* The most pieces one nt__sys_writev() call takes. */
#define NT__IOV_MAX 64

int nt__sys_shutdown(nt_os_sock fd, int how);

/* Wait for one socket: the ready NT_EV_* bits (> 0), 0 when interrupted,
 * NT_ETIMEDOUT, or an error.  timeout_ms < 0 waits forever.  A failed connect counts as
 * writable (the caller reads the error with SO_ERROR). */
int nt__sys_wait_one(nt_os_sock fd, int events, int timeout_ms);

/* The option that makes a listener restartable without letting another
 * program take its port. */
void nt__sys_reuseaddr_option(int type, int *level, int *name);

int nt__sys_setsockopt(nt_os_sock fd, int level, int name, const void *value, nt__socklen len);
int nt__sys_getsockopt(nt_os_sock fd, int level, int name, void *value, nt__socklen *len);
int nt__sys_getsockname(nt_os_sock fd, struct sockaddr *sa, nt__socklen *len);
int nt__sys_getpeername(nt_os_sock fd, struct sockaddr *sa, nt__socklen *len);

/* Translate a getaddrinfo() return code. */
int nt__sys_gai_error(int rc);

/* Two connected stream sockets for waking a loop from another thread
 * (socketpair on POSIX, a loopback TCP pair on Windows). */
int nt__sys_wake_pair(nt_os_sock pair[2]);

/* Convert between nt_addr and the OS sockaddr (src/sockaddr.c). */
int nt__addr_to_sockaddr(const nt_addr *addr, struct sockaddr_storage *ss, nt__socklen *len);
int nt__addr_from_sockaddr(const struct sockaddr *sa, nt__socklen len, nt_addr *out);
int nt__family_to_os(int family);
int nt__family_from_os(int os_family);

#endif

/* SPDX-License-Identifier: MIT */
/**
 * @file natter/net.h
 * @brief Sockets shaped like Python's `socket` module, on POSIX and Winsock.
 *
 * An nt_socket is an opaque handle owned by the library.  Every call returns
 * a negative NT_E* code on failure (see natter/error.h); calls that move data
 * return the byte count on success.  Winsock is started on first use.
 *
 * Blocking follows Python: a new socket blocks forever (timeout
 * NT_TIMEOUT_NONE); nt_socket_settimeout(s, 0) makes it non-blocking
 * (NT_EAGAIN when nothing is ready); a positive timeout is a deadline per
 * call (NT_ETIMEDOUT).  Underneath, the OS socket is always non-blocking.
 *
 * Reading from a stream whose peer has gone gives NT_EOF (orderly close) or
 * NT_ECONNRESET (reset) on every platform, never an endless run of empty
 * reads.  No call raises SIGPIPE or changes signal dispositions.
 */
#ifndef NATTER_NET_H
#define NATTER_NET_H

#include <natter/addr.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A socket handle. */
typedef struct nt_socket nt_socket;

/** Timeout meaning "block forever" (Python's None). */
#define NT_TIMEOUT_NONE (-1.0)

/** Backlog meaning "the system's maximum" (SOMAXCONN). */
#define NT_BACKLOG_DEFAULT (-1)

/** Flags for recv/send. */
typedef enum nt_msg_flags {
    NT_MSG_PEEK = 1 /**< look at data without consuming it (recv) */
} nt_msg_flags;

/** What nt_socket_shutdown() shuts. */
typedef enum nt_shutdown_how {
    NT_SHUT_RD = 0,  /**< no more receives */
    NT_SHUT_WR = 1,  /**< no more sends: the peer reads EOF */
    NT_SHUT_RDWR = 2 /**< both */
} nt_shutdown_how;

/** Readiness events for nt_socket_wait() (and the loop). */
typedef enum nt_events {
    NT_EV_READ = 1, /**< readable, or accept/EOF/error pending */
    NT_EV_WRITE = 2 /**< writable, or a connect finished */
} nt_events;

/** Portable socket options, each set and read as an int. */
typedef enum nt_sockopt {
    NT_OPT_REUSEADDR = 1,  /**< restart a server on a port in TIME_WAIT;
                                never lets another program steal the port
                                (SO_EXCLUSIVEADDRUSE on Windows) */
    NT_OPT_NODELAY,        /**< TCP_NODELAY (disable Nagle) */
    NT_OPT_KEEPALIVE,      /**< SO_KEEPALIVE */
    NT_OPT_RCVBUF,         /**< SO_RCVBUF in bytes */
    NT_OPT_SNDBUF,         /**< SO_SNDBUF in bytes */
    NT_OPT_LINGER,         /**< seconds to linger on close; -1 off; 0 means
                                close with a reset (RST) */
    NT_OPT_V6ONLY,         /**< IPV6_V6ONLY */
    NT_OPT_BROADCAST,      /**< SO_BROADCAST (UDP) */
    NT_OPT_MULTICAST_TTL,  /**< hops for outgoing multicast (UDP) */
    NT_OPT_MULTICAST_LOOP, /**< deliver own multicast back (UDP) */
    NT_OPT_ERROR           /**< read only: pending error as an NT_E* code */
} nt_sockopt;

/**
 * Create a socket, like Python's socket.socket(family, type, proto).
 * The handle is not inherited by child processes.
 * @param family NT_AF_INET, NT_AF_INET6 or NT_AF_UNIX
 * @param type NT_SOCK_STREAM or NT_SOCK_DGRAM
 * @param proto 0 for the default protocol
 * @param out receives the socket
 * @return NT_OK, NT_EINVAL, NT_EAFNOSUPPORT, NT_EMFILE, NT_ENOMEM, ...
 */
NT_API int nt_socket_new(nt_family family, nt_socktype type, int proto, nt_socket **out);

/**
 * Wrap an existing OS socket (Python's socket(fileno=...)).  The socket is
 * made non-blocking and now belongs to the handle.
 * @param fd an open OS socket
 * @param family its family
 * @param type its type
 * @param out receives the handle
 * @return NT_OK, NT_EINVAL, NT_ENOMEM
 */
NT_API int nt_socket_from_fileno(nt_os_sock fd, nt_family family, nt_socktype type,
                                 nt_socket **out);

/** The socket's family; NT_AF_UNSPEC for NULL. */
NT_API nt_family nt_socket_family(const nt_socket *s);
/** The socket's type; 0 for NULL. */
NT_API nt_socktype nt_socket_type(const nt_socket *s);
/** The socket's protocol number as given at creation; NT_EINVAL for NULL. */
NT_API int nt_socket_proto(const nt_socket *s);

/**
 * Bind to a local address.
 * @return NT_OK, NT_EADDRINUSE, NT_EACCES, NT_EINVAL, ...
 */
NT_API int nt_socket_bind(nt_socket *s, const nt_addr *addr);

/**
 * Listen for connections.
 * @param backlog queue length, or NT_BACKLOG_DEFAULT for SOMAXCONN
 */
NT_API int nt_socket_listen(nt_socket *s, int backlog);

/**
 * Accept a connection, waiting as the socket's timeout says.
 * @param s a listening socket
 * @param conn receives the new connection (blocking as a new socket is)
 * @param peer receives the peer's address (may be NULL)
 * @return NT_OK, NT_EAGAIN (non-blocking, none pending), NT_ETIMEDOUT, ...
 */
NT_API int nt_socket_accept(nt_socket *s, nt_socket **conn, nt_addr *peer);

/**
 * Connect, waiting as the socket's timeout says.  On a non-blocking socket
 * returns NT_EINPROGRESS; wait for NT_EV_WRITE and read NT_OPT_ERROR.
 * @return NT_OK, NT_ECONNREFUSED, NT_ETIMEDOUT, NT_EINPROGRESS, ...
 */
NT_API int nt_socket_connect(nt_socket *s, const nt_addr *addr);

/**
 * Python's connect_ex(): in C nt_socket_connect() already reports its
 * error as a return value, so this is an alias of it (no symbol of its
 * own), kept so that code ported from Python reads the same.
 */
#define nt_socket_connect_ex(s, addr) nt_socket_connect((s), (addr))

/**
 * Receive up to len bytes (Python's recv / recv_into).
 * @return bytes received (> 0; 0 only when len is 0 or for an empty
 *         datagram), NT_EOF when a stream's peer closed in order,
 *         NT_ECONNRESET when it reset, NT_EAGAIN, NT_ETIMEDOUT, ...
 */
NT_API ptrdiff_t nt_socket_recv(nt_socket *s, void *buf, size_t len, int flags);

/**
 * Send some of buf; may send less than len (see nt_socket_sendall()).
 * @return bytes sent, or NT_ECONNRESET (peer gone), NT_EAGAIN, ...
 */
NT_API ptrdiff_t nt_socket_send(nt_socket *s, const void *buf, size_t len, int flags);

/**
 * Send all of buf, looping over partial sends; the timeout, if any, is a
 * deadline for the whole call.
 * @param sent receives how many bytes went out, also on failure (may be NULL)
 * @return NT_OK, or the error that stopped it
 */
NT_API int nt_socket_sendall(nt_socket *s, const void *buf, size_t len, size_t *sent);

/**
 * Receive a datagram and its sender (recvfrom / recvfrom_into).  A datagram
 * longer than len is truncated to len.
 * @param from receives the sender (may be NULL)
 * @return bytes received, or an NT_E* code
 */
NT_API ptrdiff_t nt_socket_recvfrom(nt_socket *s, void *buf, size_t len, int flags, nt_addr *from);

/**
 * Send a datagram to an address.
 * @return bytes sent, or an NT_E* code (NT_EMSGSIZE when too long)
 */
NT_API ptrdiff_t nt_socket_sendto(nt_socket *s, const void *buf, size_t len, int flags,
                                  const nt_addr *to);

/**
 * Shut down one or both directions (an nt_shutdown_how value).
 */
NT_API int nt_socket_shutdown(nt_socket *s, nt_shutdown_how how);

/**
 * Close the socket and free the handle.  NULL is accepted.  Never retried
 * on EINTR (the descriptor is gone either way).
 * @return NT_OK, or the OS's error (the handle is freed regardless)
 */
NT_API int nt_socket_close(nt_socket *s);

/**
 * Free the handle without closing the OS socket, and return that socket.
 * @return the OS socket, or NT_INVALID_OS_SOCK for NULL
 */
NT_API nt_os_sock nt_socket_detach(nt_socket *s);

/**
 * The OS socket behind the handle (to register with other event systems).
 * @return the OS socket, or NT_INVALID_OS_SOCK for NULL
 */
NT_API nt_os_sock nt_socket_fileno(const nt_socket *s);

/** The local address the socket is bound to. */
NT_API int nt_socket_getsockname(const nt_socket *s, nt_addr *out);

/** The connected peer's address; NT_ENOTCONN when there is none. */
NT_API int nt_socket_getpeername(const nt_socket *s, nt_addr *out);

/**
 * setblocking(flag): 1 is settimeout(NT_TIMEOUT_NONE), 0 is settimeout(0).
 */
NT_API int nt_socket_setblocking(nt_socket *s, int blocking);

/**
 * Set the timeout in seconds: NT_TIMEOUT_NONE (any negative) blocks
 * forever, 0 is non-blocking, > 0 is a deadline for each call.
 * @return NT_OK or NT_EINVAL (NULL or NaN)
 */
NT_API int nt_socket_settimeout(nt_socket *s, double seconds);

/** The timeout in seconds; NT_TIMEOUT_NONE when blocking forever. */
NT_API double nt_socket_gettimeout(const nt_socket *s);

/**
 * Wait until the socket is ready, whatever its own timeout.
 * @param events NT_EV_READ and/or NT_EV_WRITE
 * @param seconds how long to wait; negative waits forever
 * @return the ready events (> 0), NT_ETIMEDOUT, or an NT_E* code
 */
NT_API int nt_socket_wait(nt_socket *s, int events, double seconds);

/**
 * Set a portable option (an nt_sockopt value) to an int value.
 * @return NT_OK, NT_EINVAL, NT_ENOTSUP (not for this family or type)
 */
NT_API int nt_socket_set_option(nt_socket *s, nt_sockopt option, int value);

/**
 * Read a portable option (an nt_sockopt value).
 * @param value receives the value (NT_OPT_ERROR gives an NT_E* code)
 */
NT_API int nt_socket_get_option(nt_socket *s, nt_sockopt option, int *value);

/**
 * Raw setsockopt with the OS's own level and name constants.
 */
NT_API int nt_socket_setsockopt(nt_socket *s, int level, int name, const void *value, size_t len);

/**
 * Raw getsockopt with the OS's own level and name constants.
 * @param len in: size of value; out: bytes stored
 */
NT_API int nt_socket_getsockopt(nt_socket *s, int level, int name, void *value, size_t *len);

/**
 * Join a multicast group on a UDP socket (IPv4 or IPv6).
 * @param group the group address (its port is ignored)
 * @param ifindex interface index, 0 for the system's choice
 */
NT_API int nt_socket_join_group(nt_socket *s, const nt_addr *group, unsigned ifindex);

/** Leave a multicast group joined with nt_socket_join_group(). */
NT_API int nt_socket_leave_group(nt_socket *s, const nt_addr *group, unsigned ifindex);

/**
 * Python's socket.create_connection(): resolve host and try each address
 * in turn, each attempt with its own timeout, until one connects.
 * This one blocks the calling thread (name lookup included), as Python's
 * does; on a loop use nt_conn_connect().
 * @param host a name or numeric address
 * @param port port in host byte order
 * @param attempt_timeout seconds per attempt; negative: the OS's own
 * @param out receives the connected socket (blocking, timeout NONE)
 * @return NT_OK or the last attempt's error (NT_ENONAME when none resolve)
 */
NT_API int nt_socket_create_connection(const char *host, uint16_t port, double attempt_timeout,
                                       nt_socket **out);

/**
 * Python's socket.create_server(): a stream socket bound to addr with
 * NT_OPT_REUSEADDR, listening with the given backlog.
 */
NT_API int nt_socket_create_server(const nt_addr *addr, int backlog, nt_socket **out);

#ifdef __cplusplus
}
#endif
#endif

/* SPDX-License-Identifier: MIT */
/**
 * @file natter/udp.h
 * @brief Datagram sockets on the loop: receive callbacks and sends.
 * Broadcast and multicast are options of the socket underneath
 * (nt_udp_socket() with NT_OPT_BROADCAST, nt_socket_join_group(), ...).
 * An nt_udp is a loop handle (natter/loop.h).
 */
#ifndef NATTER_UDP_H
#define NATTER_UDP_H

#include <natter/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A UDP endpoint on a loop. */
typedef struct nt_udp nt_udp;

/** Called for each datagram received; msg is valid during the call. */
typedef void (*nt_udp_cb)(nt_udp *u, const char *msg, size_t len, const nt_addr *from, void *data);

/**
 * Open a UDP socket bound to addr (port 0: the OS picks) and deliver its
 * datagrams to cb.  With reuse set, several programs on the machine may
 * bind the same port (as discovery listeners do).  On Windows the
 * ICMP "port unreachable" reports (SIO_UDP_CONNRESET) are switched off.
 * @param out receives the endpoint
 * @return NT_OK, NT_EADDRINUSE, NT_EINVAL, NT_ENOMEM, ...
 */
NT_API int nt_udp_new(nt_loop *loop, const nt_addr *addr, int reuse, nt_udp_cb cb, void *data,
                      nt_udp **out);

/**
 * Send one datagram (never blocks: a full socket buffer drops it with
 * NT_EAGAIN, as UDP may).
 * @return bytes sent, or an NT_E* code
 */
NT_API ptrdiff_t nt_udp_send(nt_udp *u, const void *msg, size_t len, const nt_addr *to);

/** The local address (with the OS-chosen port). */
NT_API int nt_udp_addr(const nt_udp *u, nt_addr *out);

/** The socket, for options (broadcast, multicast groups, ...); owned by
 *  the endpoint. */
NT_API nt_socket *nt_udp_socket(const nt_udp *u);

/**
 * Close the socket at once and close the endpoint.  NULL is accepted.
 * @param cb close callback, or NULL
 */
NT_API void nt_udp_close(nt_udp *u, nt_close_cb cb);

/** The endpoint as a handle. */
NT_API nt_handle *nt_udp_handle(nt_udp *u);

#ifdef __cplusplus
}
#endif
#endif

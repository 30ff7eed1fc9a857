/* SPDX-License-Identifier: MIT */
/**
 * @file natter/udp.h
 * @brief Datagram sockets on the loop: receive callbacks, sends,
 * broadcast and multicast (what a LAN discovery beacon needs).
 */
#ifndef NATTER_UDP_H
#define NATTER_UDP_H

#include <natter/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A UDP endpoint on a loop. */
typedef struct nt_udp nt_udp;

/** Called for each datagram received; data is valid during the call. */
typedef void (*nt_udp_cb)(nt_udp *u, const char *data, size_t len, const nt_addr *from, void *user);

/**
 * Open a UDP socket bound to addr (port 0: the OS picks) and deliver its
 * datagrams to cb.  With reuse set, several programs on the machine may
 * bind the same port (as discovery listeners do).
 * @return NT_OK, NT_EADDRINUSE, NT_EINVAL, NT_ENOMEM, ...
 */
NT_API int nt_udp_new(nt_loop *loop, nt_udp **out, const nt_addr *addr, int reuse, nt_udp_cb cb,
                      void *user);

/**
 * Send one datagram (never blocks: a full socket buffer drops it with
 * NT_EAGAIN, as UDP may).
 * @return bytes sent, or an NT_E* code
 */
NT_API ptrdiff_t nt_udp_send(nt_udp *u, const void *data, size_t len, const nt_addr *to);

/** Allow sending to broadcast addresses (255.255.255.255, subnet ones). */
NT_API int nt_udp_set_broadcast(nt_udp *u, int on);

/**
 * Join a multicast group (IPv4 or IPv6, matching the socket's family).
 * @param ifindex interface index; 0 lets the system choose
 */
NT_API int nt_udp_join(nt_udp *u, const nt_addr *group, unsigned ifindex);

/** Leave a group joined with nt_udp_join(). */
NT_API int nt_udp_leave(nt_udp *u, const nt_addr *group, unsigned ifindex);

/** The local address (with the OS-chosen port). */
NT_API int nt_udp_addr(const nt_udp *u, nt_addr *out);

/** The socket, for other options; owned by the endpoint. */
NT_API nt_socket *nt_udp_socket(const nt_udp *u);

/** Close and free the endpoint.  Safe inside its callback.  NULL accepted. */
NT_API void nt_udp_free(nt_udp *u);

#ifdef __cplusplus
}
#endif
#endif

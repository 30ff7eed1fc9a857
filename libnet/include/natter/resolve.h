/* SPDX-License-Identifier: MIT */
/**
 * @file natter/resolve.h
 * @brief Name resolution that never blocks the loop.
 * getaddrinfo runs on a small pool of worker threads shared by the process
 * (started on first use, at most NT_RESOLVE_THREADS, idle ones end by
 * themselves); the answer is delivered on the loop's thread.  A lookup is a
 * loop handle (natter/loop.h): its callback runs exactly once, with the
 * answer, an error, or NT_ECANCELED, and the handle is gone when it returns.
 * For a blocking lookup use nt_getaddrinfo() (natter/addr.h).
 */
#ifndef NATTER_RESOLVE_H
#define NATTER_RESOLVE_H

#include <natter/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The most addresses one lookup delivers. */
#define NT_RESOLVE_MAX 16

/** The most worker threads the resolver runs at once. */
#define NT_RESOLVE_THREADS 4

/** A name lookup in flight. */
typedef struct nt_resolve nt_resolve;

/**
 * Called once with the outcome.
 * @param status NT_OK, NT_ENONAME, NT_ENAMETEMP, NT_ENOMEM, NT_ECANCELED
 * @param addrs the addresses in the resolver's order (valid during the
 *        call; NULL when status is not NT_OK)
 * @param count how many (>= 1 on NT_OK)
 */
typedef void (*nt_resolve_cb)(nt_resolve *r, int status, const nt_addr *addrs, size_t count,
                              void *data);

/**
 * Start resolving host.  A numeric host is answered without a thread, but
 * still from the loop (never inside this call).
 * @param host a name or numeric address
 * @param port port in host byte order, set in every address
 * @param family NT_AF_UNSPEC, NT_AF_INET or NT_AF_INET6
 * @param type NT_SOCK_STREAM or NT_SOCK_DGRAM
 * @param out receives the lookup (may be NULL when it need not be cancelled)
 * @return NT_OK, NT_EINVAL, NT_ENOMEM
 */
NT_API int nt_resolve_start(nt_loop *loop, const char *host, uint16_t port, nt_family family,
                            nt_socktype type, nt_resolve_cb cb, void *data, nt_resolve **out);

/**
 * Cancel a lookup: its callback runs from the loop with NT_ECANCELED (an
 * answer arriving later is dropped).  Also inside other callbacks; a lookup
 * whose callback has begun is not cancelled again.  NULL is accepted.
 */
NT_API void nt_resolve_cancel(nt_resolve *r);

/** The lookup as a handle (nt_handle_close() is nt_resolve_cancel()). */
NT_API nt_handle *nt_resolve_handle(nt_resolve *r);

#ifdef __cplusplus
}
#endif
#endif

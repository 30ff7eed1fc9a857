/* SPDX-License-Identifier: MIT */
/*
 * natterd's network layer: listeners and connections on libnatter's loop,
 * joined to the protocol core through the srv_transport vtable.
 */
#ifndef NATTERD_NET_H
#define NATTERD_NET_H

#include "natterd-core.h"

#include <natter/loop.h>

typedef struct srv_net srv_net;

/**
 * A network layer for server on loop (it keeps the core's timers ticking).
 * @return the layer, or NULL when out of memory
 */
srv_net *srv_net_new(nt_loop *loop, srv_server *server);

/**
 * Listen on an address given as text ("127.0.0.1:6667", "[::1]:6667").
 * @return NT_OK or an NT_E* code (the address is logged with the error)
 */
int srv_net_listen(srv_net *net, const char *address);

/** How many listeners are open. */
size_t srv_net_listener_count(const srv_net *net);

/**
 * (Re)load the TLS certificate and key the server's configuration names
 * ([tls]); nothing to do without one.  A failure is logged, and the
 * certificate loaded before (if any) stays in use.
 * @return NT_OK, NT_ENOENT, NT_ETLS_CONFIG, ...
 */
int srv_net_tls_load(srv_net *net);

/**
 * Listen for TLS clients on an address (as srv_net_listen()); needs a
 * certificate loaded by srv_net_tls_load().
 * @return NT_OK or an NT_E* code (logged)
 */
int srv_net_listen_tls(srv_net *net, const char *address);

/**
 * The address listener i (0-based, in the order opened) is bound to, with
 * the port the OS chose for ":0" (an in-process test's server).
 * @return NT_OK, or NT_EINVAL when there is no listener i
 */
int srv_net_listener_addr(const srv_net *net, size_t i, nt_addr *out);

/**
 * Bytes queued for output on every connection together, and in *largest
 * (may be NULL) the most on any one: each stays within the SendQ, which is
 * what a test of a client that never reads checks.  Loop thread only.
 */
size_t srv_net_queued_bytes(const srv_net *net, size_t *largest);

/**
 * Stop listening and say goodbye to every client (ERROR reason); each
 * connection closes once its goodbye is written (or after a short
 * linger), and nt_loop_run() returns when the last one has gone.
 */
void srv_net_shutdown(srv_net *net, const char *reason);

/**
 * Close every handle of the layer and free it (after the loop has
 * stopped).  A connection still open is cut off without telling the core;
 * its end runs on the loop later, so drain the loop (nt_loop_drain())
 * before nt_loop_close().  The server may be freed once this returns.
 */
void srv_net_free(srv_net *net);

#endif

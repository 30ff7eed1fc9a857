/* SPDX-License-Identifier: MIT */
/*
 * natterd's network layer: listeners and connections on libnatter's loop,
 * joined to the protocol core through the srv_transport vtable.
 */
#ifndef NATTERD_NET_H
#define NATTERD_NET_H

#include "server.h"

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
 * Say goodbye to every client (ERROR reason) and stop listening; the loop
 * stops once the goodbyes are written (or after a short linger).
 */
void srv_net_shutdown(srv_net *net, const char *reason);

/** Free the layer (after the loop has stopped). */
void srv_net_free(srv_net *net);

#endif

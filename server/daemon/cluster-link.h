/* SPDX-License-Identifier: MIT */
/*
 * natterd's cluster link over Redis: the daemon's implementation of the
 * core's srv_cluster_link (cluster.h).  Two Redis connections: one for
 * commands (PUBLISH, nick claims, this node's alive key), one subscribed
 * to the network's event channel.  Every key and channel is prefixed
 * "natter:<network>:".  The link tells the core it is up once both
 * connections are up, the alive key is set and every local nick has been
 * claimed again; it tells it down as soon as either connection is lost.
 *
 * Only built with hiredis (NATTERD_HAVE_CLUSTER).
 */
#ifndef NATTERD_CLUSTER_LINK_H
#define NATTERD_CLUSTER_LINK_H

#include "config.h"
#include "natterd-core.h"

#include <natter/loop.h>
#include <natter/tls.h>

#include <stddef.h>

typedef struct srv_cluster_net srv_cluster_net;

/**
 * Put s in cluster mode as node cfg->cluster_node with a fresh
 * incarnation, and start connecting to cfg->cluster_redis in the
 * background (AUTH with cfg->cluster_password; TLS with tls when it is
 * not NULL: the link takes its own reference).  What happens to the link
 * (lost, regained, a refused password) goes to the daemon's log (log.h).
 * @return the link, or NULL with the reason in err (no Redis address or
 *         node name, a malformed address, out of memory)
 */
srv_cluster_net *srv_cluster_net_start(nt_loop *loop, srv_server *s, const srv_config *cfg,
                                       nt_tls_config *tls, char *err, size_t errsize);

/** This start's node id, "<node>~<incarnation>" (for the log). */
const char *srv_cluster_net_id(const srv_cluster_net *n);

/** Is the link up (the core was told so)? */
int srv_cluster_net_is_up(const srv_cluster_net *n);

/**
 * Stop: delete this node's alive key (so other nodes may take its nicks
 * at once), answer claims still waiting with SRV_CLUSTER_UNAVAILABLE, and
 * close both connections (what is queued is still written while the loop
 * drains).  Call it before the server is freed and before the loop
 * drains.  NULL is accepted.
 */
void srv_cluster_net_free(srv_cluster_net *n);

#endif

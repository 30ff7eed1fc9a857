/* SPDX-License-Identifier: MIT */
/* Cluster mode's core (cluster.h); being written. */
#include "cluster.h"
#include "core.h"

int srv_cluster_start(srv_server *s, const char *name, const char *incarnation,
                      const srv_cluster_link *link, void *ctx)
{
    (void)s, (void)name, (void)incarnation, (void)link, (void)ctx;
    return -1;
}

void srv_cluster_set_up(srv_server *s, int up)
{
    (void)s, (void)up;
}

void srv_cluster_receive(srv_server *s, const char *event, size_t len)
{
    (void)s, (void)event, (void)len;
}

void srv_cluster_each_claim(srv_server *s, void (*fn)(void *ctx, const char *key, const char *owner),
                            void *ctx)
{
    (void)s, (void)fn, (void)ctx;
}

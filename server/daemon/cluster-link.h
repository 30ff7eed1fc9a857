/* SPDX-License-Identifier: MIT */
/* The cluster link over Redis (cluster.h's srv_cluster_link); being written. */
#ifndef NATTERD_CLUSTER_LINK_H
#define NATTERD_CLUSTER_LINK_H
typedef struct srv_cluster_net srv_cluster_net;
#endif

/* SPDX-License-Identifier: MIT */
/* The PROXY protocol (v1 and v2) on natterd's proxy listeners; being written. */
#ifndef NATTERD_PROXY_H
#define NATTERD_PROXY_H
typedef struct srv_proxy srv_proxy;
#endif

/* SPDX-License-Identifier: MIT */
/* natter core: saved networks (name, servers, nick, login, TLS, autojoin, stable ID). */
#ifndef NC_NETWORKS_H
#define NC_NETWORKS_H

#endif

/* SPDX-License-Identifier: MIT */
/* natter core: saved networks (name, servers, nick, login, TLS, autojoin, stable ID). */
#include "networks.h"

/* Filled in as the module grows; keeps the translation unit non-empty. */
extern int nc_networks_placeholder;
int nc_networks_placeholder;

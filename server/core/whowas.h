/* SPDX-License-Identifier: MIT */
/*
 * WHOWAS history: a fixed-size ring of the most recent nicks that quit or
 * changed, so memory stays bounded however many clients come and go.
 */
#ifndef NATTERD_WHOWAS_H
#define NATTERD_WHOWAS_H

#include "core.h"

/** One remembered nick. */
typedef struct srv_whowas_entry {
    char nick[SRV_NICKLEN_MAX + 1];
    char user[SRV_USERLEN + 1];
    char host[SRV_HOST_MAX + 1];
    char realname[SRV_REALNAME_MAX + 1];
    int64_t when_s;
} srv_whowas_entry;

/** A ring of capacity entries (0 keeps nothing); NULL when out of memory. */
srv_whowas *srv_whowas_new(size_t capacity);

/** Free the ring; NULL is accepted. */
void srv_whowas_free(srv_whowas *w);

/** Remember c as it is now (its current nick), at time when_s. */
void srv_whowas_add(srv_whowas *w, const srv_client *c, int64_t when_s);

/**
 * The index-th most recent entry for nick (0 = newest), or NULL.
 * O(capacity): WHOWAS is rare and penalised.
 */
const srv_whowas_entry *srv_whowas_find(const srv_whowas *w, const char *nick, size_t index);

#endif

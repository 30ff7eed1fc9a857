/* SPDX-License-Identifier: MIT */
/*
 * MONITOR (IRCv3 / modern IRC): the server-wide watcher index, owned by
 * irc-monitor.c alone.  The index maps a casefolded nick to the clients
 * watching it (s->monitors), and each client keeps the entries it watches
 * (c->watching), so every event costs O(watchers of that nick) and a quit
 * costs O(nicks that client watched): never a scan of every client.
 */
#ifndef NATTERD_MONITOR_H
#define NATTERD_MONITOR_H

#include "core.h"
#include "send.h"

/** How many nicks one client may monitor (ISUPPORT MONITOR=). */
#define SRV_MONITOR_LIMIT 100

/** Free every index entry (the map itself is the server's). */
void srv_monitor_free_all(srv_server *s);

/** c is registered under c->nick now: 730 to its watchers. */
void srv_monitor_signed_on(srv_client *c);

/** Nobody uses nick any more (quit, nick change): 731 to its watchers. */
void srv_monitor_signed_off(srv_server *s, const char *nick);

/** Forget everything c monitors (c is quitting). */
void srv_monitor_forget(srv_client *c);

/**
 * extended-monitor: deliver f to the watchers of c's nick that have both
 * extended-monitor and cap, skipping clients already marked with mark (the
 * channel peers a srv_fanout_to_peers() just reached) and marking the rest.
 */
void srv_monitor_fanout(srv_fanout *f, srv_client *c, unsigned cap, uint64_t mark);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Cluster mode inside the core (the public side is include/cluster.h):
 * what the command handlers call so that other nodes see what a local
 * client did, and what they ask while a mirror's event is being applied.
 * Every function here does nothing outside cluster mode.
 */
#ifndef NATTERD_CLUSTER_CORE_H
#define NATTERD_CLUSTER_CORE_H

#include "attributes.h"
#include "cluster.h"
#include "core.h"
#include "irc-parse.h"

/** Is c a mirror of another node's client (no connection here)? */
static inline int srv_client_is_mirror(const srv_client *c)
{
    return c->home != NULL;
}

/**
 * May the handler skip its permission checks for c?  Only for a mirror
 * whose node already made them (a change it publishes as done), never for
 * a command every node runs in the network's order (srv_cluster_defer()).
 */
int srv_cluster_trusted(const srv_client *c);

/**
 * A channel change (MODE, TOPIC, KICK) that every node must apply in one
 * order: in cluster mode a local client's command is not run now but
 * published, and every node, this one included, runs it with its checks
 * when Redis delivers it, in the order Redis gives all nodes.
 * @return 1 when the command was deferred (the handler returns), else 0
 */
int srv_cluster_defer(srv_client *c, const srv_msg *msg);

/**
 * A local client c did something other nodes must see: publish the IRC
 * command (formatted, without CRLF; client tags as "@+a=b ..." in front)
 * with the message ID it got here (0: none) and, for a JOIN, the member
 * modes it got.  Nothing for mirrors, outside cluster mode, or while the
 * link is down (the nodes re-synchronise when it comes back).
 */
void srv_cluster_note(srv_client *c, int64_t msgid, unsigned member_modes, const char *fmt, ...)
    SRV_PRINTF(4, 5);

/** Local c's user modes (+o +i +w +B) changed: its mirrors follow. */
void srv_cluster_modes_changed(srv_client *c);

/**
 * Disconnect victim with reason.  @return 0 when it is this node's
 * client (the caller quits it), 1 when it is a mirror: its own node is
 * asked to, and its QUIT comes back from there.
 */
int srv_cluster_disconnect(srv_client *victim, const char *reason);

/**
 * A line from local c while its registration waits for the network's
 * answer about its nick: held (in order, bounded) and run once the answer
 * came, so a client that sends NICK, USER and JOIN at once is not told
 * it has not registered.  @return 1 when held
 */
int srv_cluster_hold_line(srv_client *c, const char *line, size_t len);

/** c completed registration here: introduce it to the other nodes. */
void srv_cluster_registered(srv_client *c);

/** Local c was renamed from old_nick: tell the nodes, give up the old claim. */
void srv_cluster_renamed(srv_client *c, const char *old_nick);

/** c is quitting: a local client is announced and its nick claim given
 *  back; a mirror leaves its node's table. */
void srv_cluster_quitting(srv_client *c, const char *reason);

/**
 * Before local c may use nick (registration or NICK): in cluster mode the
 * whole network must agree.  @return 0 when c may go on now (no cluster,
 * or the nick is c's already), 1 when a claim was started: the command
 * ends here and goes on (or gets 433/437) when the answer comes.
 */
int srv_cluster_claim(srv_client *c, const char *nick);

/**
 * Local c joins a channel that does not exist here: in cluster mode the
 * network must agree who creates it (and gets @).  @return 0 when c may
 * go on now (no cluster, or the answer is in: *creator says whether c
 * created it), 1 when a claim was started: the JOIN goes on
 * (srv_channel_join_decided()) when the answer comes.
 */
int srv_cluster_claim_channel(srv_client *c, const char *name, const char *key, int *creator);

/** join_one() created ch for a client whose claim was granted: this
 *  node holds the name until the channel is gone. */
void srv_cluster_channel_created(srv_channel *ch);

/** The channel is being destroyed: a name this node claimed goes back. */
void srv_cluster_channel_gone(srv_channel *ch);

/** The JOIN srv_cluster_claim_channel() held, now that the network
 *  answered (irc-channel.c). */
void srv_channel_join_decided(srv_client *c, const char *name, const char *key);

/** While a mirror's event is applied: the message ID the origin gave it
 *  (used once).  @return 1 and *msgid, or 0 */
int srv_cluster_take_msgid(srv_server *s, int64_t *msgid);

/** Is the core applying what another node did (or that a node is gone)?
 *  History is then not recorded here: the nodes share one store, and the
 *  node where it happened recorded it. */
int srv_cluster_applying(const srv_server *s);

/** While a mirror's JOIN is applied: the member modes the origin gave. */
int srv_cluster_join_modes(srv_server *s, unsigned *modes);

/** An account was stored here (registered, password or certificates
 *  changed): the other nodes take the record. */
void srv_cluster_account_changed(srv_server *s, const srv_account *acc);

/** An account was dropped here: the other nodes forget it. */
void srv_cluster_account_dropped(srv_server *s, const char *key);

/** A channel registration was stored here (registered, founder or
 *  access list changed): the other nodes take it. */
void srv_cluster_chanreg_changed(srv_channel *ch);

/** A channel registration was dropped here. */
void srv_cluster_chanreg_dropped(srv_server *s, const char *name);

/** Local c logged in or out: its mirrors follow. */
void srv_cluster_note_account(srv_client *c);

/** Heartbeats and node deadlines.  @return when to be called next */
uint64_t srv_cluster_tick(srv_server *s, uint64_t now_ms);

/** c is being freed: forget it in pending claims. */
void srv_cluster_client_freed(srv_client *c);

/** Free the cluster state (srv_server_free). */
void srv_cluster_free(srv_server *s);

#endif

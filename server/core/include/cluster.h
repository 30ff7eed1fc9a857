/* SPDX-License-Identifier: MIT */
/*
 * Cluster mode as the core sees it: several natterd nodes serving one
 * network through a shared broker (Redis, docs/cluster.md).  Nothing here
 * names Redis: the daemon implements the link (server/daemon/cluster-link.c)
 * and the in-memory suites a fake one.
 *
 * Every node holds the whole network's state.  A client of another node
 * is a mirror here: a client with no connection, in the nick table and its
 * channels like any other, so WHO, WHOIS, NAMES, LIST and the checks of
 * every command work unchanged.  What a local client does that others must
 * see (registering, NICK, JOIN, PART, KICK, TOPIC, MODE, PRIVMSG, NOTICE,
 * TAGMSG, AWAY, SETNAME, QUIT) is published once, as one event line, after
 * it succeeded here; every other node applies it to the mirror, which
 * delivers to that node's own clients only.  So a message crosses to each
 * node once, never once per recipient.
 *
 * Event lines (the link carries them opaque and in order per node):
 *   "<node> <seq> <kind> ..."  where node is "<name>~<incarnation>", unique
 *   per start of a node, and seq counts that node's events from 1.
 *
 * What needs agreement (a nick) is asked of the link, which answers
 * atomically for the whole network: two clients on two nodes racing for
 * one nick, exactly one wins.
 */
#ifndef NATTERD_CLUSTER_H
#define NATTERD_CLUSTER_H

#include <stddef.h>

typedef struct srv_server srv_server;

/** Answers of srv_cluster_link.claim_nick. */
enum srv_cluster_claim {
    SRV_CLUSTER_CLAIMED = 0,      /**< the nick is the owner's now */
    SRV_CLUSTER_TAKEN = -1,       /**< a live client elsewhere holds it */
    SRV_CLUSTER_UNAVAILABLE = -2, /**< the broker cannot be asked now */
};

/** The answer to a claim (status: an srv_cluster_claim). */
typedef void (*srv_cluster_claim_fn)(void *ctx, int status);

/** What the core needs from the link; the daemon implements it. */
typedef struct srv_cluster_link {
    /** Send one event line (no CRLF) to every other node, in order. */
    void (*publish)(void *ctx, const char *event, size_t len);
    /**
     * Claim the casefolded nick key for owner (a client's "<node> <serial>"
     * id) for the whole network: granted when nobody holds it, when owner
     * does already, or when the holder's node is no longer alive.  done()
     * is called exactly once, possibly later, from the loop.
     */
    void (*claim_nick)(void *ctx, const char *key, const char *owner, srv_cluster_claim_fn done,
                       void *done_ctx);
    /** Give up key if owner holds it (no answer). */
    void (*release_nick)(void *ctx, const char *key, const char *owner);
} srv_cluster_link;

/**
 * Put s in cluster mode as node name~incarnation (incarnation: a value
 * unique to this start, e.g. random hex), talking through link.  Until
 * srv_cluster_set_up(s, 1) the link is taken as down.
 * @return 0, or -1 when out of memory
 */
int srv_cluster_start(srv_server *s, const char *name, const char *incarnation,
                      const srv_cluster_link *link, void *ctx);

/**
 * The link came up (up = 1: connected, subscribed, this node's claims
 * renewed) or went down (0).  Up: the node announces itself and sends
 * its state (its clients, their channels), and asks every node for
 * theirs.  Down: every mirror quits with a split-like reason ("<this
 * server> <their node>"), since nothing they do can reach us; local chat
 * goes on, and what needs agreement (new nicks) is refused meanwhile.
 */
void srv_cluster_set_up(srv_server *s, int up);

/** An event line another node published (own events are ignored). */
void srv_cluster_receive(srv_server *s, const char *event, size_t len);

/**
 * The nicks this node's clients hold and the channel names it claimed,
 * for the link to claim again after Redis lost them (a restart without
 * persistence): fn is called for each (key casefolded, owner id).
 */
void srv_cluster_each_claim(srv_server *s, void (*fn)(void *ctx, const char *key,
                                                      const char *owner),
                            void *ctx);

/**
 * A claim the link could not renew: another node took the name while this
 * one was cut off.  A client holding that nick is disconnected ("Nick
 * collision"; its software reconnects under another nick), a channel
 * name is simply no longer this node's to give back.
 */
void srv_cluster_claim_lost(srv_server *s, const char *key, const char *owner);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * One connected client as the command handlers use it.  client.c owns a
 * client's life (creation, quit, the deferred free) and every field or
 * server counter more than one module changes: the nick, the user modes
 * with the LUSERS counters, registration, the password, the keep-alive
 * state and invites.  The network layer's calls are in natterd-core.h.
 */
#ifndef NATTERD_CLIENT_H
#define NATTERD_CLIENT_H

#include "core.h"
#include "natterd-core.h"

#include <stddef.h>

/**
 * Take c off the network: "ERROR :Closing Link: host (error_text)" to c
 * (unless its transport is gone), "QUIT :quit_message" to every channel
 * peer once, remembered for WHOWAS, then transport->close().  Safe to call
 * twice; the memory is freed when the outermost entry point returns.
 */
void srv_client_quit(srv_client *c, const char *quit_message, const char *error_text);

/**
 * Never call c's transport again (the server is being freed and the
 * transports may be gone already): what would be sent is dropped.
 */
void srv_client_drop_transport(srv_client *c);

/** Free the clients closed since the last call (srv_server_leave()). */
void srv_client_free_dead(srv_server *s);

/**
 * A client of another node (cluster.c): registered by its caller, never
 * sent anything (its node delivers to it), not counted against this
 * node's connection limits.  NULL when out of memory.
 */
srv_client *srv_client_new_mirror(srv_server *s, const char *host);

/** Where c connected from (its host unless CHGHOST changed that): the
 *  connection limits and failed-password counts use this. */
static inline const char *srv_client_address(const srv_client *c)
{
    return c->real_address ? c->real_address : c->host;
}

/** Write "nick!user@host" into dst. */
void srv_client_prefix(const srv_client *c, char *dst, size_t size);

/** The client using nick (any case), or NULL. */
srv_client *srv_client_find(srv_server *s, const char *nick);

/**
 * Change c's nick (validated and free already): updates the nick table,
 * tells c and its channel peers once each, keeps the old one in WHOWAS.
 */
void srv_client_set_nick(srv_client *c, const char *nick);

/** Set c's real name (USER, SETNAME), cut to SRV_REALNAME_MAX bytes. */
void srv_client_set_realname(srv_client *c, const char *realname);

/**
 * Change the user and host c is shown with (CHGHOST): peers with the
 * chghost capability (and c itself) get "CHGHOST user host"; channel
 * peers without it see c quit and rejoin with its channel status, as the
 * capability's specification suggests; c gets 396.  Limits still count
 * c's real address.  Both must be valid (srv_client_valid_host/user).
 */
void srv_client_set_userhost(srv_client *c, const char *user, const char *host);

/** Can host be shown as a host (letters, digits, '.', '-', ':', '/'; 1..63 bytes)? */
int srv_client_valid_host(const char *host);

/** Can user be shown as a user name (no space, '!', '@' or control; 1..10 bytes)? */
int srv_client_valid_user(const char *user);

/** Set or clear user mode +o, keeping the operator count LUSERS shows. */
void srv_client_set_oper(srv_client *c, int on);

/** Set or clear user mode +i, keeping the invisible count LUSERS shows. */
void srv_client_set_invisible(srv_client *c, int on);

/** Set or clear user mode +w (receives WALLOPS). */
void srv_client_set_wallops(srv_client *c, int on);

/** Set or clear user mode +B (a bot: 335 in WHOIS, B in WHO flags). */
void srv_client_set_bot(srv_client *c, int on);

/**
 * Mark c registered (counted, the plain-text password forgotten, the
 * keep-alive scheduled).  Registration itself is registration.c's.
 */
void srv_client_set_registered(srv_client *c);

/** Keep the password c sent with PASS (at most SRV_PASS_MAX bytes). */
void srv_client_set_pass(srv_client *c, const char *pass);

/** A line arrived from c: the keep-alive starts over. */
void srv_client_heard(srv_client *c);

/** Send c a keep-alive PING and start waiting for its answer. */
void srv_client_send_ping(srv_client *c);

/** Was c invited to the channel (folded or not)?  consume: forget it. */
int srv_client_invited(srv_client *c, const char *channel, int consume);

/** Remember an invite for c (bounded: the oldest is forgotten). */
void srv_client_add_invite(srv_client *c, const char *channel);

#endif

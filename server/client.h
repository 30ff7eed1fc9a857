/* SPDX-License-Identifier: MIT */
/*
 * One connected client, as the network layer drives it (the first block)
 * and as the command handlers use it (the second).
 */
#ifndef NATTERD_CLIENT_H
#define NATTERD_CLIENT_H

#include "core.h"

#include <stddef.h>

/* ---- called by the network layer (see transport.h for the rules) ---- */

/**
 * A new connection from host (a numeric address as text; truncated to 63
 * bytes).  transport and ctx are used for everything sent to it; transport
 * must outlive the client.  When the connection is refused (max_clients,
 * max_clients_per_address) the core sends an ERROR line, calls
 * transport->close() and returns NULL; out of memory also closes and
 * returns NULL.  So NULL always means "already closed, forget it".
 */
srv_client *srv_client_new(srv_server *s, const srv_transport *transport, void *ctx,
                           const char *host);

/**
 * One received line of len bytes, without its CRLF.  Any bytes may
 * arrive: empty lines are ignored, a line holding a NUL byte is refused
 * with 400 (ERR_UNKNOWNERROR), a line over srv_server_max_line() gets 417;
 * invalid UTF-8 is passed through in message text and refused in nicks
 * (432) and channel names (476).  The client may be closed before this
 * returns (QUIT, flood): see transport.h.
 */
void srv_client_line(srv_client *c, const char *line, size_t len);

/**
 * The network layer dropped an input line longer than its frame limit:
 * answer 417 (ERR_INPUTTOOLONG) and count a flood penalty.
 */
void srv_client_line_too_long(srv_client *c);

/**
 * Close c with "ERROR :Closing Link: host (reason)", e.g. reason
 * "SendQ exceeded" when its output queue overflowed.  The quit message
 * peers see is reason too.
 */
void srv_client_error(srv_client *c, const char *reason);

/**
 * The connection ended under the core (nt_reason: NT_EOF, NT_ECONNRESET,
 * ...): peers see a QUIT, and the transport is not called again.
 */
void srv_client_gone(srv_client *c, int nt_reason);

/* ---- used by the core ---- */

/**
 * Take c off the network: "ERROR :Closing Link: host (error_text)" to c
 * (unless its transport is gone), "QUIT :quit_message" to every channel
 * peer once, remembered for WHOWAS, then transport->close().  Safe to call
 * twice; the memory is freed when the outermost entry point returns.
 */
void srv_client_quit(srv_client *c, const char *quit_message, const char *error_text);

/** Write "nick!user@host" into dst. */
void srv_client_prefix(const srv_client *c, char *dst, size_t size);

/** The client using nick (any case), or NULL. */
srv_client *srv_client_find(srv_server *s, const char *nick);

/** Complete registration when NICK, USER (and CAP END) are all in. */
void srv_client_try_register(srv_client *c);

/**
 * Change c's nick (validated and free already): updates the nick table,
 * tells c and its channel peers once each, keeps the old one in WHOWAS.
 */
void srv_client_set_nick(srv_client *c, const char *nick);

/** Add ms (scaled by flood_penalty_percent) to c's flood penalty. */
void srv_client_penalize(srv_client *c, unsigned ms);

/** Was c invited to the channel (folded or not)?  consume: forget it. */
int srv_client_invited(srv_client *c, const char *channel, int consume);

/** Remember an invite for c (bounded: the oldest is forgotten). */
void srv_client_add_invite(srv_client *c, const char *channel);

/** Send the LUSERS numerics to c. */
void srv_client_send_lusers(srv_client *c);

/** Send the MOTD (375/372/376) or 422 to c. */
void srv_client_send_motd(srv_client *c);

/** Send the 005 ISUPPORT lines to c. */
void srv_client_send_isupport(srv_client *c);

#endif

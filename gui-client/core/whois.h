/* SPDX-License-Identifier: MIT */
/* What a WHOIS said about someone, gathered from its numerics (311 user,
 * 312 server, 313 operator, 317 idle, 319 channels, 301 away, 330
 * account, 671 secure) until 318 ends it; the window shows it as a card.
 * The client fills it in (client-irc.c) and hands it over complete with
 * its "whois" signal; after that it does not change. */
#ifndef NC_WHOIS_H
#define NC_WHOIS_H

#include <glib-object.h>

G_BEGIN_DECLS

#define NC_TYPE_WHOIS (nc_whois_get_type())
G_DECLARE_FINAL_TYPE(NcWhois, nc_whois, NC, WHOIS, GObject)

/** An empty answer about nick. */
NcWhois *nc_whois_new(const char *nick);

/** The nick asked about, as the server spelled it once it answered. */
const char *nc_whois_get_nick(NcWhois *self);
/** The user (ident) part, or NULL when the server did not say (no such nick). */
const char *nc_whois_get_user(NcWhois *self);
/** The host part, or NULL. */
const char *nc_whois_get_host(NcWhois *self);
/** The real name, or NULL. */
const char *nc_whois_get_realname(NcWhois *self);
/** The server they are on, or NULL. */
const char *nc_whois_get_server(NcWhois *self);
/** The account they are logged in to (330), or NULL: not logged in. */
const char *nc_whois_get_account(NcWhois *self);
/** Their channels as the server listed them ("@#natter #help"), or NULL. */
const char *nc_whois_get_channels(NcWhois *self);
/** Seconds idle (317), or -1 when not said. */
gint64 nc_whois_get_idle(NcWhois *self);
/** Their away message (301), or NULL. */
const char *nc_whois_get_away(NcWhois *self);
/** Is their connection TLS (671)? */
gboolean nc_whois_get_secure(NcWhois *self);
/** Are they a server operator (313)? */
gboolean nc_whois_get_operator(NcWhois *self);
/** Did the server find them at all (a 311 came)? */
gboolean nc_whois_get_found(NcWhois *self);

/** 311: the nick as spelled by the server, user, host and real name. */
void nc_whois_set_user(NcWhois *self, const char *nick, const char *user, const char *host,
                       const char *realname);
/** 312: the server's name. */
void nc_whois_set_server(NcWhois *self, const char *server);
/** 330: the account. */
void nc_whois_set_account(NcWhois *self, const char *account);
/** 319: more channels (several 319 lines add up). */
void nc_whois_add_channels(NcWhois *self, const char *channels);
/** 317: seconds idle. */
void nc_whois_set_idle(NcWhois *self, gint64 seconds);
/** 301: away message. */
void nc_whois_set_away(NcWhois *self, const char *message);
/** 671: on TLS. */
void nc_whois_set_secure(NcWhois *self, gboolean secure);
/** 313: a server operator. */
void nc_whois_set_operator(NcWhois *self, gboolean oper);

G_END_DECLS
#endif

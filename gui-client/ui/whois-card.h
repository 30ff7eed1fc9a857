/* SPDX-License-Identifier: MIT */
/* The WHOIS card: who someone is, from an NcWhois (a /whois, or a
 * double-click on a member): the nick, whether and as which account they
 * are logged in, their real name, user@host, server, channels, idle time,
 * TLS and away message; "Message" opens a private conversation.  It sits
 * above the conversation, like the trust bar, and leaves the window
 * usable. */
#ifndef NA_WHOIS_CARD_H
#define NA_WHOIS_CARD_H

#include "client.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NA_TYPE_WHOIS_CARD (na_whois_card_get_type())
G_DECLARE_FINAL_TYPE(NaWhoisCard, na_whois_card, NA, WHOIS_CARD, GtkBox)

/** Show whois, answered to client (replacing what the card showed). */
void na_whois_card_show(NaWhoisCard *self, NcClient *client, NcWhois *whois);

/** Hide the card. */
void na_whois_card_dismiss(NaWhoisCard *self);

/** The account line the card shows for whois ("Logged in as …"). */
char *na_whois_card_account_text(NcWhois *whois);

G_END_DECLS
#endif

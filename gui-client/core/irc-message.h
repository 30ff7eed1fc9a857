/* SPDX-License-Identifier: MIT */
/* What a server line says as a conversation message: the kind, the
 * sender, the words ("bob joined #chan"), the time (server-time), the
 * msgid and whether it is ours or mentions us.  One place for it, so a
 * line from the server's history (IRCv3 chathistory) reads exactly as the
 * same line did live. */
#ifndef NC_IRC_MESSAGE_H
#define NC_IRC_MESSAGE_H

#include "irc-line.h"
#include "model.h"

G_BEGIN_DECLS

/** Who is reading: what decides the flags of a message. */
typedef struct {
    const char *nick;              /* our nick */
    const char *chantypes;         /* ISUPPORT CHANTYPES, or NULL for "#&" */
    const char *const *highlights; /* words besides our nick that mention us, or NULL */
} NcLineReader;

/**
 * The message a PRIVMSG, NOTICE, JOIN, PART, KICK, QUIT, NICK, TOPIC or
 * MODE line makes, with its time tag's time (now without one) and msgid.
 * A CTCP request other than ACTION is not conversation: NULL.
 * @return a new message, or NULL for any other line
 */
NcMessage *nc_message_from_line(const NcIrcLine *line, const NcLineReader *reader);

/**
 * Is the line a CTCP request (a PRIVMSG or NOTICE whose text starts with
 * \001) other than ACTION?  Then *body (g_free) is its text without the
 * \001s ("VERSION", "PING 123").
 */
gboolean nc_irc_line_ctcp(const NcIrcLine *line, char **body);

/**
 * The parameters from index from on, joined with spaces (a numeric's
 * text after our nick, a MODE's changes).
 * @return a newly allocated string
 */
char *nc_irc_line_join_params(const NcIrcLine *line, guint from);

G_END_DECLS
#endif

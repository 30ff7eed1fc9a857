/* SPDX-License-Identifier: MIT */
/* One IRC protocol line from a server, split into tags, prefix, command
 * and parameters (IRCv3 message-tags included), and the small name rules
 * (case mapping, channel names) the rest of the core leans on. */
#ifndef NC_IRC_LINE_H
#define NC_IRC_LINE_H

#include <glib.h>

G_BEGIN_DECLS

/** The protocol's longest line, CR LF included (RFC 1459 / 2812). */
#define NC_IRC_LINE_MAX 512

/** A parsed server line.  Every string is owned by the line. */
typedef struct {
    GHashTable *tags; /* tag name -> unescaped value ("" when bare); NULL if none */
    char *prefix;     /* "nick!user@host" or "server.name", NULL when absent */
    char *nick;       /* the nick (or server) part of the prefix, or NULL */
    char *user;       /* the user part, or NULL */
    char *host;       /* the host part, or NULL */
    char *command;    /* upper-cased command or three-digit numeric */
    char **params;    /* NULL-terminated; the trailing parameter is last */
    guint n_params;
} NcIrcLine;

/**
 * Parse one line (without its CR LF; a stray trailing CR is tolerated).
 * @param raw the line as received
 * @return the parsed line, or NULL for an empty line or one with no command
 */
NcIrcLine *nc_irc_line_parse(const char *raw);

/** Free a parsed line; NULL is accepted. */
void nc_irc_line_free(NcIrcLine *line);

/**
 * Parameter i, or NULL when the line has fewer.
 * @param line a parsed line
 * @param i zero-based index
 */
const char *nc_irc_line_param(const NcIrcLine *line, guint i);

/**
 * The value of tag name, or NULL when the line does not carry it.
 * @param line a parsed line
 * @param name the tag's name, such as "time"
 */
const char *nc_irc_line_tag(const NcIrcLine *line, const char *name);

/**
 * When the line happened: its IRCv3 server-time tag ("time") as Unix
 * microseconds, or fallback_us when it has none or an unreadable one.
 */
gint64 nc_irc_line_time(const NcIrcLine *line, gint64 fallback_us);

/**
 * Fold a nick or channel name for comparison under the rfc1459 case
 * mapping ({}|^ are the lower case of []\~), which most servers use.
 * @return a newly allocated string
 */
char *nc_irc_casefold(const char *name);

/** Are two nicks or channel names the same under nc_irc_casefold()? */
gboolean nc_irc_name_equal(const char *a, const char *b);

/**
 * Does name look like a channel under the server's CHANTYPES?
 * @param chantypes the ISUPPORT CHANTYPES value, or NULL for "#&"
 */
gboolean nc_irc_is_channel(const char *name, const char *chantypes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NcIrcLine, nc_irc_line_free)

G_END_DECLS
#endif

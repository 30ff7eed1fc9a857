/* SPDX-License-Identifier: MIT */
/* What the user types: slash commands, splitting long messages to fit the
 * protocol's line limit, and Tab completion of nicks and channels.  Pure
 * functions of their arguments, so tests need no connection. */
#ifndef NC_INPUT_H
#define NC_INPUT_H

#include <glib.h>

G_BEGIN_DECLS

/** The commands the input line understands (one table in input.c names them). */
typedef enum {
    NC_CMD_SAY, /* plain text for the current buffer */
    NC_CMD_JOIN,
    NC_CMD_PART,
    NC_CMD_MSG,
    NC_CMD_QUERY,
    NC_CMD_ME,
    NC_CMD_NICK,
    NC_CMD_TOPIC,
    NC_CMD_WHOIS,
    NC_CMD_NAMES,
    NC_CMD_AWAY, /* text: the away message, or NULL for back */
    NC_CMD_BACK, /* no longer away */
    NC_CMD_LIST, /* text: what to list (channels, masks), or NULL for all */
    NC_CMD_QUIT,
    NC_CMD_CLOSE,
    NC_CMD_QUOTE,
    NC_CMD_HELP,   /* target: the command asked about, or NULL for all */
    NC_CMD_NOTICE, /* target, text */
    NC_CMD_INVITE, /* target: the nick; text: the channel or NULL */
    NC_CMD_KICK,   /* target: the nick; text: the reason or NULL */
    NC_CMD_BAN,    /* target: a nick or mask */
    NC_CMD_MODE,   /* target or NULL (the current channel); text: modes and their arguments */
    NC_CMD_OP,     /* text: the nicks, space-separated (also DEOP, VOICE, DEVOICE) */
    NC_CMD_DEOP,
    NC_CMD_VOICE,
    NC_CMD_DEVOICE,
    NC_CMD_IGNORE,    /* target: the mask, or NULL to list them */
    NC_CMD_UNIGNORE,  /* target: the mask */
    NC_CMD_CLEAR,     /* empty the current buffer's view */
    NC_CMD_RECONNECT, /* drop the connection and connect again */
    NC_CMD_OTHER,     /* an unknown /command, passed to the server as is */
} NcCommandKind;

/** A parsed input line; free the strings with nc_command_clear(). */
typedef struct {
    NcCommandKind kind;
    char *target; /* channel or nick the command names, or NULL */
    char *text;   /* the message, reason, topic, key or raw line, or NULL */
} NcCommand;

/** The error domain of nc_command_parse(). */
#define NC_INPUT_ERROR (nc_input_error_quark())
GQuark nc_input_error_quark(void);

/**
 * Parse one line of input.  "//text" says "/text".  An unknown command
 * becomes NC_CMD_OTHER with the raw line (command upper-cased) in text.
 * @param line the line, without a line end
 * @param out receives the command (zeroed first)
 * @param error receives a usage message when arguments are missing
 * @return TRUE on success
 */
gboolean nc_command_parse(const char *line, NcCommand *out, GError **error);

/** Free what nc_command_parse() put in cmd. */
void nc_command_clear(NcCommand *cmd);

/**
 * What /help shows, from the same table the parser reads: with no name,
 * a heading and one line per command ("/join #channel [key] — Join a
 * channel"); with a name (with or without its slash, or an alias), its
 * usage, description and aliases.
 * @param name the command asked about, or NULL for all of them
 * @return the lines (g_strfreev), or NULL when name is not a command
 */
char **nc_command_help(const char *name);

/**
 * The usage line of a command ("Usage: /kick nick [reason]"), as the
 * parser gives for bad arguments; NULL when name is not a command.
 */
char *nc_command_usage(const char *name);

/**
 * How many bytes of text fit in one "COMMAND target :text" line that the
 * server relays as ":nick!user@host COMMAND target :text\r\n" within 512
 * bytes.  Unknown user/host parts are assumed as long as servers allow.
 */
gsize nc_split_budget(const char *nick, const char *user, const char *host, const char *command,
                      const char *target);

/**
 * Split text into pieces of at most max_bytes bytes each, breaking at
 * spaces where possible and never inside a UTF-8 character.
 * @return a GPtrArray of newly allocated strings (free with g_ptr_array_unref)
 */
GPtrArray *nc_split_text(const char *text, gsize max_bytes);

/** Entering more lines than this at once (a paste) asks before sending. */
#define NC_PASTE_CONFIRM_ABOVE 3

/**
 * The lines to hand to nc_client_send_input(), one message each, for what
 * the user entered (typed, or pasted with line ends).  Lines end at LF,
 * CR LF or CR; trailing whitespace goes; blank lines are skipped (IRC has
 * no empty message).  A single line is returned as typed, so commands
 * work; in a multi-line paste every line is text, so a line of the paste
 * that starts with "/" is said, not run (it comes back as "//...").
 * @return a NULL-terminated array (g_strfreev); n_lines receives its length
 */
char **nc_input_lines(const char *text, guint *n_lines);

/** Does sending n_lines lines at once need the user's say-so first? */
gboolean nc_input_needs_confirm(guint n_lines);

/** Tab completion state, kept between presses so Tab cycles. */
typedef struct _NcCompleter NcCompleter;

/** A completer with no state. */
NcCompleter *nc_completer_new(void);

/** Free; NULL is accepted. */
void nc_completer_free(NcCompleter *c);

/** Forget the cycle (the user typed something else). */
void nc_completer_reset(NcCompleter *c);

/**
 * Complete the word before cursor against candidates (nicks and channel
 * names; matched without case, offered in alphabetical order).  Pressing
 * again on the returned text cycles to the next match.  A nick completed
 * at the start of the line gets ": " after it, anything else " ".
 * @param cursor character (not byte) offset of the cursor
 * @param new_cursor receives the cursor position after the completion
 * @return the new text, or NULL when nothing matches
 */
char *nc_completer_next(NcCompleter *c, const char *text, int cursor, const char *const *candidates,
                        int *new_cursor);

G_END_DECLS
#endif

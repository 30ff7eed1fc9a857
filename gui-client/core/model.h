/* SPDX-License-Identifier: MIT */
/* The conversation model: networks hold buffers (the server buffer,
 * channels and private queries); buffers hold messages and members.
 * Every list is a GListModel so the GTK layer can show it with stock
 * list views, and every count the sidebar shows is a notifying property.
 * All of it lives on the main context; nothing here touches the network. */
#ifndef NC_MODEL_H
#define NC_MODEL_H

#include <gio/gio.h>

G_BEGIN_DECLS

/** What a message is, which decides how it is drawn and logged. */
typedef enum {
    NC_MSG_PRIVMSG, /* an ordinary message */
    NC_MSG_ACTION,  /* /me */
    NC_MSG_NOTICE,
    NC_MSG_JOIN,
    NC_MSG_PART,
    NC_MSG_QUIT,
    NC_MSG_KICK,
    NC_MSG_NICK,
    NC_MSG_TOPIC,
    NC_MSG_MODE,
    NC_MSG_STATUS,  /* the client's own information line */
    NC_MSG_ERROR,   /* an error the user must see */
    NC_MSG_SERVER,  /* numerics and server notices */
    NC_MSG_HISTORY, /* a line reloaded from the on-disk log */
} NcMessageKind;

/** Flags on a message. */
typedef enum {
    NC_MSG_FLAG_NONE = 0,
    NC_MSG_FLAG_SELF = 1 << 0,      /* sent by us */
    NC_MSG_FLAG_HIGHLIGHT = 1 << 1, /* mentions our nick or a watched word */
} NcMessageFlags;

/** Which kind of conversation a buffer is. */
typedef enum {
    NC_BUFFER_SERVER,
    NC_BUFFER_CHANNEL,
    NC_BUFFER_QUERY,
} NcBufferKind;

#define NC_TYPE_MESSAGE (nc_message_get_type())
G_DECLARE_FINAL_TYPE(NcMessage, nc_message, NC, MESSAGE, GObject)
#define NC_TYPE_MEMBER (nc_member_get_type())
G_DECLARE_FINAL_TYPE(NcMember, nc_member, NC, MEMBER, GObject)
#define NC_TYPE_BUFFER (nc_buffer_get_type())
G_DECLARE_FINAL_TYPE(NcBuffer, nc_buffer, NC, BUFFER, GObject)
#define NC_TYPE_NETWORK (nc_network_get_type())
G_DECLARE_FINAL_TYPE(NcNetwork, nc_network, NC, NETWORK, GObject)

/**
 * A new immutable message.
 * @param time_us when it happened, Unix microseconds
 * @param sender the nick it came from, or NULL for client/server lines
 * @param text the text (UTF-8; invalid bytes are replaced)
 */
NcMessage *nc_message_new(gint64 time_us, NcMessageKind kind, NcMessageFlags flags,
                          const char *sender, const char *text);
/** When the message happened, Unix microseconds. */
gint64 nc_message_get_time(NcMessage *self);
/** The message's kind. */
NcMessageKind nc_message_get_kind(NcMessage *self);
/** The message's flags. */
NcMessageFlags nc_message_get_flags(NcMessage *self);
/** The sender's nick, or NULL. */
const char *nc_message_get_sender(NcMessage *self);
/** The text. */
const char *nc_message_get_text(NcMessage *self);
/** The IRCv3 msgid the server gave the message, or NULL. */
const char *nc_message_get_msgid(NcMessage *self);
/**
 * Give the message the server's msgid.  Only while making it: once a
 * message is in a buffer it does not change.
 */
void nc_message_set_msgid(NcMessage *self, const char *msgid);
/**
 * Are a and b the same message seen twice (live and from the server's
 * history, or from the log)?  With a msgid on both, the msgids decide;
 * otherwise the same sender and text (for events, the same text: the log
 * does not keep their sender) less than 2 s apart.
 */
gboolean nc_message_same(NcMessage *a, NcMessage *b);
/** Is this a join/part/quit/nick/mode/kick/topic line, drawn muted? */
gboolean nc_message_kind_is_event(NcMessageKind kind);
/** Is this a join/part/quit/nick line, which folds into runs (fold.h)? */
gboolean nc_message_kind_folds(NcMessageKind kind);

/**
 * A channel member.
 * @param prefixes the membership symbols held, highest first ("@+")
 * @param rank the rank of the highest symbol (0 highest; G_MAXINT none)
 */
NcMember *nc_member_new(const char *nick, const char *prefixes, int rank);
/** The member's nick. */
const char *nc_member_get_nick(NcMember *self);
/** The membership symbols, highest first ("" for none). */
const char *nc_member_get_prefixes(NcMember *self);
/** The highest symbol's rank (0 highest), G_MAXINT without one. */
int nc_member_get_rank(NcMember *self);
/**
 * The account the member is logged in to, "" when they are known to be
 * logged out, NULL when unknown (a name from NAMES, before anything said).
 */
const char *nc_member_get_account(NcMember *self);
/**
 * Set what is known of the member's account: a name, "" or "*" (IRC's
 * word for none) for logged out, NULL for unknown.  Notifies "account".
 */
void nc_member_set_account(NcMember *self, const char *account);

/** Whether the member is known to be away (away-notify, WHO, 301). */
gboolean nc_member_get_away(NcMember *self);

/** Set whether the member is away.  Notifies "away" when it changes. */
void nc_member_set_away(NcMember *self, gboolean away);
/** Sort order of the member list: rank, then nick without case. */
int nc_member_compare(gconstpointer a, gconstpointer b, gpointer unused);

/** A new empty buffer. */
NcBuffer *nc_buffer_new(NcBufferKind kind, const char *name);
/** The buffer's kind. */
NcBufferKind nc_buffer_get_kind(NcBuffer *self);
/** The channel's or query peer's name (the network's name for the server buffer). */
const char *nc_buffer_get_name(NcBuffer *self);
/** Rename (a query whose peer changed nick). Notifies "name". */
void nc_buffer_set_name(NcBuffer *self, const char *name);
/** The messages, oldest first (a GListModel of NcMessage). */
GListModel *nc_buffer_get_messages(NcBuffer *self);
/** The members, sorted by nc_member_compare() (a GListModel of NcMember). */
GListModel *nc_buffer_get_members(NcBuffer *self);
/**
 * Add a message at the end.  When the buffer is not active, unread (and,
 * for a highlight, mentions) count up.  Past the scrollback limit the
 * oldest messages go, so memory stays bounded however long a channel runs.
 */
void nc_buffer_append(NcBuffer *self, NcMessage *msg);
/**
 * Remove every message (/clear): the view empties, the unread counts,
 * the marker and the history divider go; members and topic stay.
 */
void nc_buffer_clear_messages(NcBuffer *self);
/**
 * The newest message's time (Unix microseconds) when the buffer was last
 * cleared, 0 when it never was: the server's history is not fetched
 * from before it again.
 */
gint64 nc_buffer_get_cleared_time(NcBuffer *self);

/**
 * What to call the buffer where it is shown (property "title"): its name
 * unless a title was set, e.g. the server buffer's network name where
 * its name is the host.
 */
const char *nc_buffer_get_title(NcBuffer *self);

/** Set the title; NULL or "" shows the name again.  Notifies "title". */
void nc_buffer_set_title(NcBuffer *self, const char *title);

/**
 * Who is typing in this conversation, in words ("alice is typing…"),
 * "" when nobody is (property "typing").
 */
const char *nc_buffer_get_typing(NcBuffer *self);

/** Set the words of "typing"; notifies when they change. */
void nc_buffer_set_typing(NcBuffer *self, const char *words);
/** Insert reloaded history before everything else (messages oldest first). */
void nc_buffer_prepend_history(NcBuffer *self, GPtrArray *messages);
/** How history is merged into a buffer (nc_buffer_merge_history()). */
typedef enum {
    NC_MERGE_NONE = 0,
    NC_MERGE_MARK_START = 1 << 0, /* the first message added becomes the history divider */
    NC_MERGE_OLDER = 1 << 1,      /* a page from before: first among equal times */
} NcMergeFlags;

/**
 * Merge messages from the server's history (IRCv3 chathistory) into the
 * buffer in time order, leaving out those it already holds
 * (nc_message_same(): by msgid, else sender, text and time).  Messages
 * older than everything held go in front without trimming the
 * scrollback, so a page loaded by scrolling up stays.  With the server's
 * read time known (nc_buffer_set_read_time()), the unread counts and the
 * marker take the new messages into account.
 * Messages with equal times (a burst within one millisecond) go after
 * those held, or before them with NC_MERGE_OLDER.
 * @param messages NcMessage, oldest first
 * @param flags NC_MERGE_MARK_START: make the first message added the
 *        history divider (nc_buffer_get_history_start()), for a gap
 *        filled after a reconnect; NC_MERGE_OLDER for an older page
 * @return the messages added, oldest first (g_ptr_array_unref)
 */
GPtrArray *nc_buffer_merge_history(NcBuffer *self, GPtrArray *messages, NcMergeFlags flags);
/**
 * The first message of the last gap filled from the server's history,
 * above which the view draws a "history" divider; NULL when none.
 * Notifies "history-start".
 */
NcMessage *nc_buffer_get_history_start(NcBuffer *self);
/**
 * The server's read marker (IRCv3 draft/read-marker): everything up to
 * this time has been read, on this device or another; Unix microseconds,
 * 0 when unknown.
 */
gint64 nc_buffer_get_read_time(NcBuffer *self);
/**
 * Take a read marker from the server (or one we are about to send).
 * While the buffer is not looked at, unread and mentions become the
 * messages after it, and so does the "New messages" marker: reading on
 * another device clears them here.  0 (the server's "*") forgets it.
 * Notifies "read-time".
 */
void nc_buffer_set_read_time(NcBuffer *self, gint64 time_us);
/** The scrollback limit in messages (default 5000). */
guint nc_buffer_get_scrollback(NcBuffer *self);
/** Set the scrollback limit (at least 10), trimming at once if over. */
void nc_buffer_set_scrollback(NcBuffer *self, guint limit);
/** The topic ("" when none). */
const char *nc_buffer_get_topic(NcBuffer *self);
/** Set the topic; notifies "topic". */
void nc_buffer_set_topic(NcBuffer *self, const char *topic);
/** Are we in the channel (or, for other kinds, connected)? */
gboolean nc_buffer_get_joined(NcBuffer *self);
/** Set the joined state; notifies "joined". */
void nc_buffer_set_joined(NcBuffer *self, gboolean joined);
/** Messages that arrived while the buffer was not active. */
guint nc_buffer_get_unread(NcBuffer *self);
/** Highlights that arrived while the buffer was not active. */
guint nc_buffer_get_mentions(NcBuffer *self);
/** Is the buffer the one shown?  Activating clears the counts. */
gboolean nc_buffer_get_active(NcBuffer *self);
/**
 * Mark the buffer looked at (shown in a focused window) or not.  Looking
 * clears unread and mentions.  Looking away from a buffer that was looked
 * at clears the unread marker and arms it: the first unread message that
 * arrives after that becomes the marker (see nc_buffer_get_marker()).
 */
void nc_buffer_set_active(NcBuffer *self, gboolean active);
/**
 * The first message that arrived unread since the user last looked away
 * from this buffer, above which the view draws a "New messages" line; NULL
 * when there is none (never looked at, nothing new, or scrolled out of the
 * scrollback).  It stays while the buffer is looked at again and goes when
 * the user looks away once more.  Notifies "marker".
 */
NcMessage *nc_buffer_get_marker(NcBuffer *self);
/** The marker's position in the messages, or G_MAXUINT without one. */
guint nc_buffer_get_marker_position(NcBuffer *self);
/** Forget the marker (and do not set one until looked at and left again). */
void nc_buffer_clear_marker(NcBuffer *self);
/** Find a member by nick (case-insensitively, one lookup in an index of folded nicks), or NULL. */
NcMember *nc_buffer_find_member(NcBuffer *self, const char *nick);
/** Add or replace a member (a replaced member's account is kept). */
void nc_buffer_add_member(NcBuffer *self, const char *nick, const char *prefixes, int rank);
/** Remove a member; returns whether it was there. */
gboolean nc_buffer_remove_member(NcBuffer *self, const char *nick);
/**
 * Rename a member, keeping its prefixes; returns whether it was there.  A
 * member already listed under new_nick is replaced.
 */
gboolean nc_buffer_rename_member(NcBuffer *self, const char *old_nick, const char *new_nick);
/** Drop every member (on part or disconnect). */
void nc_buffer_clear_members(NcBuffer *self);
/** The members' nicks (for completion), a NULL-terminated array to g_strfreev(). */
char **nc_buffer_dup_member_nicks(NcBuffer *self);

/** A new network with its server buffer. */
NcNetwork *nc_network_new(const char *name);
/** The network's display name. */
const char *nc_network_get_name(NcNetwork *self);
/** The buffers, server buffer first (a GListModel of NcBuffer). */
GListModel *nc_network_get_buffers(NcNetwork *self);
/** The server buffer. */
NcBuffer *nc_network_get_server_buffer(NcNetwork *self);
/** The buffer named name (case-insensitively), or NULL. */
NcBuffer *nc_network_find_buffer(NcNetwork *self, const char *name);
/** The buffer named name, created (of kind kind) when missing. */
NcBuffer *nc_network_ensure_buffer(NcNetwork *self, NcBufferKind kind, const char *name);
/** Remove a buffer (never the server buffer); returns whether it was there. */
gboolean nc_network_remove_buffer(NcNetwork *self, NcBuffer *buffer);
/** Set the membership prefixes from ISUPPORT PREFIX=(modes)symbols. */
void nc_network_set_prefix(NcNetwork *self, const char *isupport_value);
/** The membership symbols, highest first ("@+" by default). */
const char *nc_network_get_prefix_symbols(NcNetwork *self);
/** The mode letter of a membership symbol (o for @), or 0. */
char nc_network_prefix_mode_to_symbol(NcNetwork *self, char mode);
/** The rank of a symbol (0 highest), G_MAXINT when not a symbol. */
int nc_network_prefix_rank(NcNetwork *self, char symbol);
/** Scrollback limit applied to buffers created from now on and existing ones. */
void nc_network_set_scrollback(NcNetwork *self, guint limit);

G_END_DECLS
#endif

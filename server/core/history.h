/* SPDX-License-Identifier: MIT */
/*
 * Message IDs and the conversation history (IRCv3 msgid,
 * draft/chathistory, draft/event-playback, draft/read-marker).
 *
 * A message ID is the wall clock in microseconds when the server relayed
 * the message, bumped by one when two would share a microsecond (or the
 * clock stepped back): unique on this server, ordered like the messages,
 * and its own timestamp, so a reference "msgid=X" is also a position in
 * every target's history without a lookup.  Clients see it as 13 base32
 * characters (opaque to them, sortable as text).
 *
 * What is recorded: PRIVMSG, NOTICE and TAGMSG (not typing notifications)
 * to channels, and JOIN, PART, QUIT, KICK, NICK, TOPIC and MODE in the
 * channels they touch (for event-playback); private messages under each
 * logged-in party's account.  Events are queued in the store and
 * committed every [history] commit_interval: that interval is what a
 * crash (kill -9) can lose; a clean stop loses nothing.  Retention runs
 * from the tick a bounded number of rows at a time.
 *
 * Read markers are per account and target, kept in memory (loaded at
 * start) and written through to the store.
 */
#ifndef NATTERD_HISTORY_H
#define NATTERD_HISTORY_H

#include "core.h"
#include "send.h"

#include <stddef.h>
#include <stdint.h>

/** What an event is; stored, so never renumbered. */
typedef enum srv_history_kind {
    SRV_HIST_PRIVMSG = 1,
    SRV_HIST_NOTICE = 2,
    SRV_HIST_TAGMSG = 3,
    SRV_HIST_JOIN = 4,
    SRV_HIST_PART = 5,
    SRV_HIST_QUIT = 6,
    SRV_HIST_KICK = 7,
    SRV_HIST_NICK = 8,
    SRV_HIST_TOPIC = 9,
    SRV_HIST_MODE = 10,
    /** Never replayed: the channel emptied and was gone, so what came
     *  before belongs to an earlier channel of the same name, and the
     *  store answers nothing older than the latest END of a target. */
    SRV_HIST_END = 11,
} srv_history_kind;

/** The kinds replayed to clients without draft/event-playback. */
#define SRV_HIST_MESSAGES \
    ((1u << SRV_HIST_PRIVMSG) | (1u << SRV_HIST_NOTICE) | (1u << SRV_HIST_TAGMSG))
/** Every kind. */
#define SRV_HIST_ALL 0x7feu

/** The length of a message ID as clients see it. */
#define SRV_MSGID_LEN 13

/** A history target key: "#channel" or "<account> <nick>", casefolded. */
#define SRV_HISTORY_TARGET_MAX (2 * SRV_NICKLEN_MAX + SRV_CHANNELLEN_MAX + 2)

/** The next message ID (never 0). */
int64_t srv_msgid_next(srv_server *s);

/** The wall-clock time (microseconds) a message ID stands for. */
static inline int64_t srv_msgid_time_us(int64_t msgid)
{
    return msgid;
}

/** Write msgid as clients see it into out (SRV_MSGID_LEN + 1 bytes). */
void srv_msgid_format(int64_t msgid, char *out);

/** Read a message ID written by srv_msgid_format().  @return 0, or -1 when text is not one */
int srv_msgid_parse(const char *text, int64_t *msgid);

/** Create the history state for s.  @return 0, or -1 when out of memory */
int srv_history_new(srv_server *s);

/** Free s's history state (queued events are the store's to flush). */
void srv_history_free(srv_server *s);

/** Is history recorded and served (a store, and [history] enabled)? */
int srv_history_enabled(const srv_server *s);

/**
 * Give f a message ID (unless it has one) and record it as an event in
 * ch's history (when history is on).  Call before sending f.
 */
void srv_history_channel(srv_channel *ch, srv_fanout *f, srv_history_kind kind);

/**
 * An unregistered channel emptied and is going away: record an END, so
 * whoever creates a channel of that name later cannot read what was said
 * in this one (a secret channel's history stays with it).  Not recorded
 * while the server shuts down: a restart keeps channels' history.
 */
void srv_history_channel_ended(srv_channel *ch);

/** Give f a message ID and record it in every channel c is in (QUIT, NICK). */
void srv_history_client_channels(srv_client *c, srv_fanout *f, srv_history_kind kind);

/**
 * Give f a message ID and record a private message from one client to
 * another, once under each logged-in party's account (as
 * "<account> <other nick>").
 */
void srv_history_private(srv_client *from, srv_client *to, srv_fanout *f, srv_history_kind kind);

/** The store target key for a private conversation of account with nick. */
void srv_history_private_key(const char *account_key, const char *nick, char *out, size_t size);

/**
 * Commit queued events when their interval has passed and trim a bounded
 * slice of what retention drops.  Called from srv_server_tick().
 * @return when it wants to run again (monotonic ms)
 */
uint64_t srv_history_tick(srv_server *s, uint64_t now_ms);

/** Commit every queued event now (a clean stop, a backup). */
void srv_history_flush(srv_server *s);

/** A loaded read marker (srv_server_set_store()).  @return 0, or -1 when out of memory */
int srv_history_add_loaded_marker(srv_server *s, const char *account_key, const char *target,
                                  int64_t time_us);

/** Keep message IDs above the highest one stored (srv_server_set_store()). */
void srv_history_set_last_msgid(srv_server *s, int64_t msgid);

/** An account's read marker on a target key (0 when none). */
int64_t srv_history_marker(srv_server *s, const char *account_key, const char *target);

/**
 * Move an account's read marker forward (never back) and write it to the
 * store.  @return the marker now (the newer of the two)
 */
int64_t srv_history_set_marker(srv_server *s, const char *account_key, const char *target,
                               int64_t time_us);

/** c is leaving: queries still in flight for it will answer nobody. */
void srv_history_forget_client(srv_client *c);

/** Send c its account's read marker on target (draft/read-marker, on JOIN). */
void srv_history_send_marker(srv_client *c, const char *target);

/** Forget an account's private history and read markers (its drop). */
void srv_history_drop_account(srv_server *s, const char *account_key);

#endif

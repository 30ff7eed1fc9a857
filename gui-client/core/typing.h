/* SPDX-License-Identifier: MIT */
/* natter core: typing notifications (the IRCv3 +typing client tag).
 *
 * Two small clocks, both driven by the caller's time (monotonic
 * microseconds), so the rules are testable without waiting:
 *  - NcTypingOut, ours in one conversation: "active" at most every
 *    NC_TYPING_ACTIVE_EVERY_US while the text changes, "paused" once it
 *    has not changed for NC_TYPING_PAUSE_AFTER_US, "done" when the input
 *    is emptied (cleared, or sent);
 *  - NcTypingPeers, others' in one conversation: "active" lasts
 *    NC_TYPING_ACTIVE_EXPIRY_US, "paused" NC_TYPING_PAUSED_EXPIRY_US,
 *    "done" or a message from them ends it; said in words for the view. */
#ifndef NC_TYPING_H
#define NC_TYPING_H

#include <glib.h>

G_BEGIN_DECLS

#define NC_TYPING_ACTIVE_EVERY_US (3 * G_USEC_PER_SEC)
#define NC_TYPING_PAUSE_AFTER_US (5 * G_USEC_PER_SEC)
#define NC_TYPING_ACTIVE_EXPIRY_US (6 * G_USEC_PER_SEC)
#define NC_TYPING_PAUSED_EXPIRY_US (30 * G_USEC_PER_SEC)

/** A +typing value; NC_TYPING_NONE also means "nothing to send". */
typedef enum {
    NC_TYPING_NONE,
    NC_TYPING_ACTIVE,
    NC_TYPING_PAUSED,
    NC_TYPING_DONE,
} NcTypingState;

/** The tag's value for state ("active", "paused", "done"), NULL for none. */
const char *nc_typing_state_to_value(NcTypingState state);

/** The state a tag value names; an unknown value is NC_TYPING_NONE. */
NcTypingState nc_typing_state_from_value(const char *value);

/** Our typing in one conversation. */
typedef struct _NcTypingOut NcTypingOut;

/** Idle: nothing sent yet. */
NcTypingOut *nc_typing_out_new(void);

/** Free; NULL is accepted. */
void nc_typing_out_free(NcTypingOut *out);

/**
 * The input's text changed at now_us.
 * @param has_text whether the input holds any text now
 * @return what to send now: ACTIVE (first change, or the last "active"
 *         is NC_TYPING_ACTIVE_EVERY_US old, or after a pause), DONE (the
 *         text is gone after something was said), or NONE
 */
NcTypingState nc_typing_out_changed(NcTypingOut *out, gboolean has_text, gint64 now_us);

/**
 * Time passed: PAUSED when the text has not changed for
 * NC_TYPING_PAUSE_AFTER_US since "active" was said, else NONE.
 */
NcTypingState nc_typing_out_tick(NcTypingOut *out, gint64 now_us);

/** Forget what was said (a new connection: the server knows nothing). */
void nc_typing_out_reset(NcTypingOut *out);

/** Is "active" standing (so a tick may have to say "paused")? */
gboolean nc_typing_out_is_active(NcTypingOut *out);

/** Others' typing in one conversation. */
typedef struct _NcTypingPeers NcTypingPeers;

/** Nobody typing. */
NcTypingPeers *nc_typing_peers_new(void);

/** Free; NULL is accepted. */
void nc_typing_peers_free(NcTypingPeers *peers);

/**
 * nick said state at now_us (DONE, or NONE, ends theirs).
 * @return TRUE when the words changed
 */
gboolean nc_typing_peers_set(NcTypingPeers *peers, const char *nick, NcTypingState state,
                             gint64 now_us);

/** nick is now called new_nick.  @return TRUE when the words changed */
gboolean nc_typing_peers_rename(NcTypingPeers *peers, const char *nick, const char *new_nick);

/** Drop what has expired by now_us.  @return TRUE when the words changed */
gboolean nc_typing_peers_expire(NcTypingPeers *peers, gint64 now_us);

/** How many are typing (active or paused). */
guint nc_typing_peers_count(NcTypingPeers *peers);

/**
 * Who is typing, in words: "alice is typing…", "alice and bob are
 * typing…", "several people are typing…" (three or more), "" for nobody.
 * Names in the order they started.  g_free() it.
 */
char *nc_typing_peers_words(NcTypingPeers *peers);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* natter core: the /list channel list, streamed into a filterable model.
 *
 * A server answers LIST with one RPL_LIST (322) line per channel, tens of
 * thousands on a big network, then RPL_LISTEND (323).  NcChannelList
 * holds them as NcChannelEntry items in a GListModel; lines added with
 * nc_channel_list_add() wait in a batch that is appended with one
 * "items-changed" at most every NC_CHANNEL_LIST_BATCH_MS, so a view
 * bound to it never redraws once per channel. */
#ifndef NC_CHANNEL_LIST_H
#define NC_CHANNEL_LIST_H

#include <gio/gio.h>

G_BEGIN_DECLS

/** How long added entries may wait before they are appended together. */
#define NC_CHANNEL_LIST_BATCH_MS 100

/** The most entries one listing keeps: later lines are counted out (see
 *  nc_channel_list_get_truncated()), so a hostile or huge answer cannot
 *  take all memory. */
#define NC_CHANNEL_LIST_MAX_ENTRIES 100000u

#define NC_TYPE_CHANNEL_ENTRY (nc_channel_entry_get_type())
G_DECLARE_FINAL_TYPE(NcChannelEntry, nc_channel_entry, NC, CHANNEL_ENTRY, GObject)

#define NC_TYPE_CHANNEL_LIST (nc_channel_list_get_type())
G_DECLARE_FINAL_TYPE(NcChannelList, nc_channel_list, NC, CHANNEL_LIST, GObject)

/**
 * One listed channel.
 * @param topic the topic as the server gave it, IRC formatting included
 */
NcChannelEntry *nc_channel_entry_new(const char *name, guint users, const char *topic);
/** The channel's name ("#natter"). */
const char *nc_channel_entry_get_name(NcChannelEntry *self);
/** How many users the server counted in it. */
guint nc_channel_entry_get_users(NcChannelEntry *self);
/** The topic with its IRC formatting, for display. */
const char *nc_channel_entry_get_topic(NcChannelEntry *self);
/** The topic without formatting codes, for filtering and sorting. */
const char *nc_channel_entry_get_plain_topic(NcChannelEntry *self);

/**
 * Does the entry match what the user typed in the search field: is
 * filter part of the name or of the plain topic, without case?  An
 * empty or NULL filter matches everything.
 */
gboolean nc_channel_entry_matches(NcChannelEntry *self, const char *filter);

/**
 * nc_channel_entry_matches() with a filter folded already by
 * nc_channel_filter_fold(): a view filtering many entries folds the
 * typed text once, not once per entry.
 */
gboolean nc_channel_entry_matches_folded(NcChannelEntry *self, const char *folded_filter);

/** The filter as nc_channel_entry_matches_folded() takes it (NULL stays NULL); g_free() it. */
char *nc_channel_filter_fold(const char *filter);

/**
 * Sort order by name: without case (IRC names are), then byte order.
 * A GCompareDataFunc on two NcChannelEntry (user_data unused), ready for
 * gtk_custom_sorter_new().
 */
int nc_channel_entry_compare_name(gconstpointer a, gconstpointer b, gpointer user_data);

/**
 * Sort order by user count, fewest first, then by name (a sorter's
 * descending direction shows the busiest first).  A GCompareDataFunc.
 */
int nc_channel_entry_compare_users(gconstpointer a, gconstpointer b, gpointer user_data);

/**
 * An empty listing, filling as lines come in.  Its batch timer runs on
 * the thread-default main context of the time of the call.
 */
NcChannelList *nc_channel_list_new(void);

/**
 * Add one channel (an RPL_LIST line).  It shows in the model with the
 * next batch: within NC_CHANNEL_LIST_BATCH_MS, or at once with
 * nc_channel_list_flush() or nc_channel_list_finish().  Ignored once
 * the listing is complete, and beyond NC_CHANNEL_LIST_MAX_ENTRIES (the
 * listing is then "truncated").
 */
void nc_channel_list_add(NcChannelList *self, const char *name, guint users, const char *topic);

/** Append what is waiting now, with one "items-changed". */
void nc_channel_list_flush(NcChannelList *self);

/**
 * The listing is over (RPL_LISTEND, or the connection went): flush and
 * set "complete".
 */
void nc_channel_list_finish(NcChannelList *self);

/** Has the server finished the listing (property "complete")? */
gboolean nc_channel_list_get_complete(NcChannelList *self);

/** Entries received, appended or not yet (the model's count lags by a batch). */
guint nc_channel_list_get_received(NcChannelList *self);

/**
 * Did the server list more than NC_CHANNEL_LIST_MAX_ENTRIES channels, so
 * that only the first ones are kept (property "truncated", notified once
 * when the first is left out)?
 */
gboolean nc_channel_list_get_truncated(NcChannelList *self);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* natter core: searching a buffer's messages and a network's logs.
 * A query matches without case (Unicode case folding: "STRASSE" finds
 * "straße") in the text people read: formatting codes are skipped, and
 * every match is given as byte offsets in that visible text, so the view
 * can highlight it.  The logs are searched on a worker thread, newest
 * first, with results handed back in batches on the caller's context. */
#ifndef NC_SEARCH_H
#define NC_SEARCH_H

#include "log.h"
#include "model.h"

G_BEGIN_DECLS

/** One match: bytes [start, end) of the visible (code-free) text. */
typedef struct {
    gsize start;
    gsize end;
} NcSearchSpan;

/**
 * The matches of query in raw (a message's text, formatting codes and
 * all), in order and not overlapping.
 * @param query what the user typed; "" matches nothing
 * @param visible receives the text without codes (g_free), or NULL
 * @return a GArray of NcSearchSpan, offsets into the visible text
 *         (g_array_unref), empty when nothing matches
 */
GArray *nc_search_text(const char *query, const char *raw, char **visible);

/** A message of a buffer that matches. */
typedef struct {
    guint position;     /* its index in nc_buffer_get_messages() */
    NcMessage *message; /* a reference */
    GArray *spans;      /* NcSearchSpan in the message's visible text */
} NcBufferMatch;

/** Free a match; NULL is accepted. */
void nc_buffer_match_free(NcBufferMatch *match);

/**
 * The buffer's messages whose text holds query, oldest first.
 * @return a GPtrArray of NcBufferMatch (g_ptr_array_unref); empty for ""
 */
GPtrArray *nc_search_buffer(NcBuffer *buffer, const char *query);

/**
 * Bring matches up to date after the buffer's messages changed, as their
 * "items-changed" told it, without searching them all again: messages
 * added at the end are searched alone, and messages gone from the front
 * (the scrollback's limit) take their matches with them while the others'
 * positions move up.  Any other change is left to nc_search_buffer().
 * @param matches nc_search_buffer(buffer, query), kept up to date by this
 *        function through every change since
 * @param position, removed, added as "items-changed" gave them
 * @return TRUE when matches now holds what nc_search_buffer() would give;
 *         FALSE, with matches untouched, for a change elsewhere (search again)
 */
gboolean nc_search_buffer_update(GPtrArray *matches, NcBuffer *buffer, const char *query,
                                 guint position, guint removed, guint added);

/** A logged line that matches. */
typedef struct {
    char *buffer;       /* the conversation, as its log folder names it (lower case) */
    NcMessage *message; /* the line as the message it was (time, kind, sender, text, msgid) */
    char *text;         /* the message's text without formatting codes */
    GArray *spans;      /* NcSearchSpan in text */
    char *path;         /* the log file it is in */
    guint line;         /* its line number there, from 0 */
} NcLogHit;

/** Free a hit; NULL is accepted. */
void nc_log_hit_free(NcLogHit *hit);

/**
 * Told about a batch of hits, newest first, each batch older than the one
 * before.  The array (of NcLogHit) is freed when the function returns:
 * take a reference to keep it.  Never called once the search is cancelled.
 */
typedef void (*NcLogHitsFunc)(GPtrArray *hits, gpointer user_data);

/** The default cap of nc_search_logs_async(). */
#define NC_SEARCH_LOG_MAX_HITS 500

/**
 * The folder that holds a network's logs, as logger writes them (by the
 * network's ID for a saved network's logger, else by name).
 * @param network the network's name, as given to nc_logger_write()
 * @return a newly allocated path
 */
char *nc_search_log_dir(NcLogger *logger, const char *network);

/**
 * Search every log of a network on a worker thread: every conversation
 * and day in network_dir, newest line first.  Batches of hits reach
 * on_hits on the thread-default main context of the caller; callback
 * runs there once at the end, when max_hits were found (and more exist),
 * when the logs are exhausted, or when cancelled.  user_data must live
 * until callback.
 * @param network_dir the network's log folder (nc_search_log_dir())
 * @param query what the user typed; "" finds nothing
 * @param max_hits stop after this many (0: NC_SEARCH_LOG_MAX_HITS)
 */
void nc_search_logs_async(const char *network_dir, const char *query, guint max_hits,
                          GCancellable *cancellable, NcLogHitsFunc on_hits,
                          GAsyncReadyCallback callback, gpointer user_data);

/**
 * The end of a log search.
 * @param total receives how many hits were handed to on_hits, or NULL
 * @param more receives whether the cap stopped the search before the
 *        oldest line (so more lines match), or NULL
 * @return FALSE with error when cancelled (G_IO_ERROR_CANCELLED)
 */
gboolean nc_search_logs_finish(GAsyncResult *result, guint *total, gboolean *more,
                               GError **error);

/**
 * The lines around a hit in its log file, as messages in file order:
 * up to before lines before it, the hit's line, up to after lines after.
 * Reads the day's file only up to the last line wanted, counting
 * newlines on the way and parsing only the lines returned, so a busy
 * day's file of tens of megabytes stays quick enough for the main context.
 * @param index receives the hit's index in the array, or NULL
 * @return a GPtrArray of NcMessage (g_ptr_array_unref); empty when the
 *         file is gone
 */
GPtrArray *nc_search_log_context(const NcLogHit *hit, guint before, guint after, guint *index);

G_END_DECLS

#endif

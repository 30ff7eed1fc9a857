/* SPDX-License-Identifier: MIT */
/* natter: the search bar (Ctrl+F): matches in the conversation shown and
 * in its network's logs, with the matches highlighted and a jump to each. */
#ifndef NA_SEARCH_BAR_H
#define NA_SEARCH_BAR_H

#include <gtk/gtk.h>
#include "log.h"
#include "model.h"

G_BEGIN_DECLS

#define NA_TYPE_SEARCH_BAR (na_search_bar_get_type())
G_DECLARE_FINAL_TYPE(NaSearchBar, na_search_bar, NA, SEARCH_BAR, GtkWidget)

/**
 * A new, closed search bar.  Signal "jump" (NcMessage *message) asks the
 * window to scroll its message view to @message (one of the shown
 * buffer's messages) and flash it.  Property "query" (string) is the text
 * searched for while the bar is open, "" when closed: message rows
 * highlight it.
 */
GtkWidget *na_search_bar_new(void);

/** The conversation searched: @buffer's messages, then its network's logs. */
void na_search_bar_set_buffer(NaSearchBar *self, NcBuffer *buffer);

/**
 * Where "Search all logs of this network" looks: the logs logger keeps
 * for network (the name given to nc_logger_write()).  The folder is
 * worked out at once; the logger is not kept.  With a NULL logger the
 * logs cannot be searched and the toggle is off.
 */
void na_search_bar_set_logs(NaSearchBar *self, NcLogger *logger, const char *network);

/** Open the bar and focus its entry (Ctrl+F); again: select the entry's text. */
void na_search_bar_open(NaSearchBar *self);

/** Close the bar (Escape): the query becomes "". */
void na_search_bar_close(NaSearchBar *self);

/** The text searched for, "" when the bar is closed. */
const char *na_search_bar_get_query(NaSearchBar *self);

G_END_DECLS

#endif

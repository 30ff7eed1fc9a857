/* SPDX-License-Identifier: MIT */
/* A row of the message view: a message (time, sender, formatted text,
 * what the search looks for highlighted) or a folded run of joins and
 * parts (a button that opens and closes it), with the dividers that may
 * stand above it: the day's title, "From the server's history" and the
 * "New messages" marker. */
#ifndef NA_MESSAGE_ROW_H
#define NA_MESSAGE_ROW_H

#include "fold.h"
#include "model.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NA_TYPE_MESSAGE_ROW (na_message_row_get_type())
G_DECLARE_FINAL_TYPE(NaMessageRow, na_message_row, NA, MESSAGE_ROW, GtkBox)

/**
 * A new empty row.  Signal "toggle-fold" (no arguments): the user
 * clicked a folded run; the view opens or closes it.  Property "query"
 * (string): the text searched for, highlighted in the message ("" or
 * NULL: nothing).
 */
GtkWidget *na_message_row_new(void);

/**
 * Show @row (property "row") of @buffer's messages; the markers follow
 * @buffer while it is shown.  NULL: show nothing (the row was unbound).
 * References to both are held while shown.
 */
void na_message_row_show(NaMessageRow *self, NcRow *row, NcBuffer *buffer);

/** The row shown, or NULL. */
NcRow *na_message_row_get_row(NaMessageRow *self);

/** The message shown, or NULL (nothing, or a folded run). */
NcMessage *na_message_row_get_message(NaMessageRow *self);

/** Set the text searched for (property "query"). */
void na_message_row_set_query(NaMessageRow *self, const char *query);

/** The day's title above the row (a new day starts here); NULL: none. */
void na_message_row_set_day(NaMessageRow *self, const char *title);

/** The day's title shown above the row, or NULL when none is. */
const char *na_message_row_get_day(NaMessageRow *self);

/** Draw the eye to the row for a moment (a search's jump), or stop. */
void na_message_row_set_flash(NaMessageRow *self, gboolean flash);

/**
 * A message time as the day divider says it, as seen at @now_us (both µs
 * since the epoch, shown in local time): "Today", "Yesterday" or the date.
 */
char *na_message_row_day_title(gint64 time_us, gint64 now_us);

/** Whether two times (µs since the epoch) fall on one local calendar day. */
gboolean na_message_row_same_day(gint64 a_us, gint64 b_us);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* A conversation in the sidebar: its name (the server's in bold, a
 * channel left dimmed) and one badge, the unread count, coloured when
 * some of it mentions us. */
#ifndef NA_SIDEBAR_ROW_H
#define NA_SIDEBAR_ROW_H

#include "model.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NA_TYPE_SIDEBAR_ROW (na_sidebar_row_get_type())
G_DECLARE_FINAL_TYPE(NaSidebarRow, na_sidebar_row, NA, SIDEBAR_ROW, GtkBox)

/** A new row showing no conversation. */
GtkWidget *na_sidebar_row_new(void);

/**
 * Show @buffer (property "buffer"), following its changes; NULL: none.
 * The row holds a reference while it shows it.
 */
void na_sidebar_row_set_buffer(NaSidebarRow *self, NcBuffer *buffer);

/** The conversation shown, or NULL. */
NcBuffer *na_sidebar_row_get_buffer(NaSidebarRow *self);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* The main window, adaptive: the sidebar of conversations and the
 * conversation (topic, search bar, messages, members, input area) side
 * by side in a leaflet that shows one at a time when the window is
 * narrow; the connection status below, a banner for a connection's
 * problem and toasts for passing errors. */
#ifndef NA_WINDOW_H
#define NA_WINDOW_H

#include "app.h"

#include <adwaita.h>

G_BEGIN_DECLS

#define NA_TYPE_WINDOW (na_window_get_type())
G_DECLARE_FINAL_TYPE(NaWindow, na_window, NA, WINDOW, AdwApplicationWindow)

/** A new window for app. */
NaWindow *na_window_new(NaApp *app);

/** Show a client's conversations (and select its server buffer). */
void na_window_add_client(NaWindow *self, NcClient *client);

/** Show a passing error as a toast (it goes by itself after a while). */
void na_window_show_error(NaWindow *self, const char *text);

/** Show the first-run / connect dialog. */
void na_window_show_connect_dialog(NaWindow *self);

/**
 * Messages as text to copy: for each row in which (positions in rows,
 * a model of NcRow) that is a message, "[HH:MM] <nick> text\n" (an
 * action "[HH:MM] * nick text", an event "[HH:MM] text"), formatting
 * codes stripped.  Folded runs of events are skipped.
 */
char *na_window_copy_text(GListModel *rows, GtkBitset *which);

G_END_DECLS
#endif

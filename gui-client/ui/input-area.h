/* SPDX-License-Identifier: MIT */
/* The input under the messages: our nick, the line typed into (history
 * with Up/Down, Tab completion of nicks and channels, Ctrl+B/I/U/O and
 * Ctrl+Shift+K for IRC formatting), a Send button, who is typing in the
 * conversation, and the question a long paste asks before it goes. */
#ifndef NA_INPUT_AREA_H
#define NA_INPUT_AREA_H

#include "client.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NA_TYPE_INPUT_AREA (na_input_area_get_type())
G_DECLARE_FINAL_TYPE(NaInputArea, na_input_area, NA, INPUT_AREA, GtkBox)

/**
 * A new input area with no conversation.  Signal "send" (GStrv lines,
 * returns gboolean): the user sent these lines (Enter, the Send button,
 * or a long paste confirmed); a handler returns TRUE when it took them
 * (the input empties and remembers the text) and FALSE to leave the text
 * where it is (it could not go: the handler says why).
 */
GtkWidget *na_input_area_new(void);

/**
 * Where the text goes: @buffer of @client (either may be NULL).  The nick
 * shown follows @client's, the typing words follow @buffer's, completion
 * offers @buffer's members and @client's channels, and a pending paste
 * question for another conversation is dropped.
 */
void na_input_area_set_target(NaInputArea *self, NcClient *client, NcBuffer *buffer);

/** Give the keyboard focus to the line typed into. */
void na_input_area_grab_focus(NaInputArea *self);

/** The line typed into (a GtkEntry). */
GtkWidget *na_input_area_get_entry(NaInputArea *self);

G_END_DECLS
#endif

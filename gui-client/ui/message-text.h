/* SPDX-License-Identifier: MIT */
/* A message row's text: time, sender in its nick colour, links, and the
 * message's IRC formatting (bold, italic, underline, strikethrough,
 * monospace, colours, reverse) as Pango attributes built from format.c's
 * spans, never as markup, so nothing in a message can inject markup. */
#ifndef NA_MESSAGE_TEXT_H
#define NA_MESSAGE_TEXT_H

#include "format.h"
#include "model.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

/** Is the dark style in use (text colours follow it)? */
gboolean na_prefers_dark(void);

/**
 * Pango attributes for a parsed text's spans, shifted by offset bytes
 * (where the text starts in the label).  Colours without a background
 * are made readable on the theme's background; reverse with a default
 * side takes the theme's colours.
 * @return a new list (pango_attr_list_unref), or NULL when there are no
 *         spans
 */
PangoAttrList *na_format_attrs(const NcFormatted *f, guint offset, gboolean dark);

/**
 * Show a message in a label: its time, sender and text, the text's links
 * clickable and its formatting as attributes.
 * @param query text searched for (matched without case, formatting codes
 *        skipped): its matches get a highlight background; NULL or "": none
 */
void na_message_text_show(GtkLabel *label, NcMessage *m, gboolean dark, const char *query);

G_END_DECLS
#endif

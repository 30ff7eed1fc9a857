/* SPDX-License-Identifier: MIT */
/* natter: the channel list window (/list): filterable, sortable, filled
 * as the server streams it, with a Join button. */
#ifndef NA_CHANNEL_LIST_WINDOW_H
#define NA_CHANNEL_LIST_WINDOW_H

#include <gtk/gtk.h>
#include "client.h"

G_BEGIN_DECLS

/**
 * Follow @client's channel listings: whenever a /list starts, a channel
 * list window opens over @parent (or the open one for that client is
 * brought forward and refilled).  Call once per client the window shows.
 */
void na_channel_list_window_attach(GtkWindow *parent, NcClient *client);

G_END_DECLS

#endif

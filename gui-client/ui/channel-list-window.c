/* SPDX-License-Identifier: MIT */
/* natter: the channel list window (/list). */
#include "channel-list-window.h"

void na_channel_list_window_attach(GtkWindow *parent, NcClient *client)
{
    (void)parent;
    (void)client;
}

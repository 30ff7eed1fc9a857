/* SPDX-License-Identifier: MIT */
/* natter: the channel list window (/list): filterable, sortable, streamed. */
#include "channel-list-window.h"

/* Filled in as the module grows; keeps the translation unit non-empty. */
extern int na_channel_list_window_placeholder;
int na_channel_list_window_placeholder;

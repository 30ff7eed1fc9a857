/* SPDX-License-Identifier: MIT */
/* natter: the channel list window (/list): filterable, sortable, streamed. */
#ifndef NA_CHANNEL_LIST_WINDOW_H
#define NA_CHANNEL_LIST_WINDOW_H

#endif

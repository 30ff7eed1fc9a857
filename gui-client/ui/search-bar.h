/* SPDX-License-Identifier: MIT */
/* natter: the search bar (Ctrl+F): matches in a conversation and in a network's logs. */
#ifndef NA_SEARCH_BAR_H
#define NA_SEARCH_BAR_H

#endif

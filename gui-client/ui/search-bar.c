/* SPDX-License-Identifier: MIT */
/* natter: the search bar (Ctrl+F): matches in a conversation and in a network's logs. */
#include "search-bar.h"

/* Filled in as the module grows; keeps the translation unit non-empty. */
extern int na_search_bar_placeholder;
int na_search_bar_placeholder;

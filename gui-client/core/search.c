/* SPDX-License-Identifier: MIT */
/* natter core: searching a buffer's messages and a network's logs. */
#include "search.h"

/* Filled in as the module grows; keeps the translation unit non-empty. */
extern int nc_search_placeholder;
int nc_search_placeholder;

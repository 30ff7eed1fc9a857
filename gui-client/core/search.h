/* SPDX-License-Identifier: MIT */
/* natter core: searching a buffer's messages and a network's logs. */
#ifndef NC_SEARCH_H
#define NC_SEARCH_H

#endif

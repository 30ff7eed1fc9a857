/* SPDX-License-Identifier: MIT */
/* natter core: the /list channel list, streamed into a filterable model. */
#ifndef NC_CHANNEL_LIST_H
#define NC_CHANNEL_LIST_H

#endif

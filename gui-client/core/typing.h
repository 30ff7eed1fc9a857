/* SPDX-License-Identifier: MIT */
/* natter core: typing notifications (the +typing client tag). */
#ifndef NC_TYPING_H
#define NC_TYPING_H

#endif

/* SPDX-License-Identifier: MIT */
/* natter core: typing notifications (the +typing client tag). */
#include "typing.h"

/* Filled in as the module grows; keeps the translation unit non-empty. */
extern int nc_typing_placeholder;
int nc_typing_placeholder;

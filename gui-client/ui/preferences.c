/* SPDX-License-Identifier: MIT */
/* natter: the Preferences window. */
#include "preferences.h"

/* Filled in as the module grows; keeps the translation unit non-empty. */
extern int nc_preferences_placeholder;
int nc_preferences_placeholder;

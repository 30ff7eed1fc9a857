/* SPDX-License-Identifier: MIT */
/* natter: the Preferences window. */
#ifndef NA_PREFERENCES_H
#define NA_PREFERENCES_H

#endif

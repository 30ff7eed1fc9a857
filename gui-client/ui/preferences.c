/* SPDX-License-Identifier: MIT */
/* natter: the Preferences window. */
#include "preferences.h"

void na_preferences_present(GtkWindow *parent, GSettings *settings)
{
    (void)parent;
    (void)settings;
}

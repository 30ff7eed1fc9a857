/* SPDX-License-Identifier: MIT */
/* natter: the Preferences window (appearance, highlights, notifications,
 * scrollback, logging, typing notifications, the ignore list), over
 * natter's GSettings. */
#ifndef NA_PREFERENCES_H
#define NA_PREFERENCES_H

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * Show the Preferences window over @parent, editing @settings (natter's
 * GSettings, schema org.natter.Natter); every change applies at once.
 * Calling it again while it is open brings the open one forward.
 */
void na_preferences_present(GtkWindow *parent, GSettings *settings);

/**
 * Make the window's style follow @settings' "color-scheme" (system,
 * light or dark) through AdwStyleManager, now and whenever the key
 * changes.  Call once at startup; calling again only re-applies.  With
 * "system", the environment variable NATTER_DARK=1 or 0 overrides the
 * desktop's choice.
 */
void na_preferences_apply_appearance(GSettings *settings);

G_END_DECLS

#endif

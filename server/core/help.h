/* SPDX-License-Identifier: MIT */
/* The text HELP shows: a short usage line and description per command. */
#ifndef NATTERD_HELP_H
#define NATTERD_HELP_H

/**
 * The help lines for subject (a command name, any case): up to 3, the
 * first the usage, NULL after the last.  NULL when there is no help.
 */
const char *const *srv_help_find(const char *subject);

#endif

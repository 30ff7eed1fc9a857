/* SPDX-License-Identifier: MIT */
/* Whom not to hear: a list of IRC masks (nick!user@host with * and ?
 * globs, compared under rfc1459 casemapping), kept in a GSettings string
 * array when bound to one, so /ignore outlives a restart and every
 * client bound to the same key sees the same list. */
#ifndef NC_IGNORE_H
#define NC_IGNORE_H

#include <gio/gio.h>

G_BEGIN_DECLS

#define NC_TYPE_IGNORE_LIST (nc_ignore_list_get_type())
G_DECLARE_FINAL_TYPE(NcIgnoreList, nc_ignore_list, NC, IGNORE_LIST, GObject)

/**
 * A list of masks.
 * @param settings where the list is kept (a reference is taken; the list
 *        is read now and again whenever the key changes), or NULL: in
 *        memory only
 * @param key a string-array key of settings ("ignore-masks"); unused
 *        without settings
 */
NcIgnoreList *nc_ignore_list_new(GSettings *settings, const char *key);

/**
 * The full form of what the user typed: "nick" is "nick!*@*",
 * "nick!user" is "nick!user@*", "user@host" is "*!user@host".
 * @return the mask (g_free), or NULL when it cannot be one (empty, or
 *         with spaces, commas or more than one "!" or "@")
 */
char *nc_ignore_mask_normalize(const char *mask);

/**
 * Does mask (full form) match nick!user@host?  "*" matches any run of
 * characters, "?" one; letters compare under rfc1459 casemapping
 * ({}|^ are the lower case of []\~).  A missing user or host matches
 * only "*".
 */
gboolean nc_ignore_mask_match(const char *mask, const char *nick, const char *user,
                              const char *host);

/**
 * Add a mask (normalized first; kept in the settings when bound).
 * @param added receives the full form (g_free), or NULL
 * @return FALSE when the mask is not valid or already listed (compared
 *         without case)
 */
gboolean nc_ignore_list_add(NcIgnoreList *self, const char *mask, char **added);

/**
 * Remove a mask, typed as for nc_ignore_list_add().
 * @param removed receives the full form removed (g_free), or NULL
 * @return FALSE when it was not listed
 */
gboolean nc_ignore_list_remove(NcIgnoreList *self, const char *mask, char **removed);

/** The masks in full form, in the order added (NULL-terminated; owned by the list). */
const char *const *nc_ignore_list_get_masks(NcIgnoreList *self);

/** Is nick!user@host ignored (does any mask match)?  A NULL nick never is. */
gboolean nc_ignore_list_matches(NcIgnoreList *self, const char *nick, const char *user,
                                const char *host);

G_END_DECLS
#endif

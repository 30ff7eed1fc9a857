/* SPDX-License-Identifier: MIT */
/* A channel's members beside its messages: the highest prefix and the
 * nick, away members dimmed, the account they are logged in to in the
 * tooltip; a double-click (or Return) on one asks who they are. */
#ifndef NA_MEMBER_LIST_H
#define NA_MEMBER_LIST_H

#include "model.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NA_TYPE_MEMBER_LIST (na_member_list_get_type())
G_DECLARE_FINAL_TYPE(NaMemberList, na_member_list, NA, MEMBER_LIST, GtkBox)

/**
 * A new, empty member list.  Signal "member-activated" (NcMember *member):
 * the user double-clicked @member or pressed Return on it.
 */
GtkWidget *na_member_list_new(void);

/** List @buffer's members (property "buffer"); NULL: none. */
void na_member_list_set_buffer(NaMemberList *self, NcBuffer *buffer);

/** The buffer whose members are listed, or NULL. */
NcBuffer *na_member_list_get_buffer(NaMemberList *self);

G_END_DECLS
#endif

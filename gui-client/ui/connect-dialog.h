/* SPDX-License-Identifier: MIT */
/* The connect dialog: server, port, TLS, nick, real name, password and
 * channels, remembered in settings (TLS per server: typing a server name
 * brings back its choice, or the default: on unless it is this
 * computer); "Host a chat on this computer"; and the chats hosted on the
 * LAN, one click to join (encrypted ones with their certificate pinned). */
#ifndef NA_CONNECT_DIALOG_H
#define NA_CONNECT_DIALOG_H

#include "app.h"

G_BEGIN_DECLS

#define NA_TYPE_CONNECT_DIALOG (na_connect_dialog_get_type())
G_DECLARE_FINAL_TYPE(NaConnectDialog, na_connect_dialog, NA, CONNECT_DIALOG, GtkWindow)

/** A dialog over parent, filled from the app's settings. */
NaConnectDialog *na_connect_dialog_new(NaApp *app, GtkWindow *parent);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* The connect dialog: server, port, TLS, nick, real name, server
 * password and channels, and "Log in with an account" (account name,
 * password, method: automatic, PLAIN, SCRAM-SHA-256 or a client
 * certificate for EXTERNAL; "Create this account on the server").  What
 * was used is remembered per server: typing a server name brings back
 * its TLS choice and login from the settings and its passwords from the
 * keyring.  Also "Host a chat on this computer", and the chats hosted on
 * the LAN, one click to join (encrypted ones with their certificate
 * pinned). */
#ifndef NA_CONNECT_DIALOG_H
#define NA_CONNECT_DIALOG_H

#include "app.h"

G_BEGIN_DECLS

#define NA_TYPE_CONNECT_DIALOG (na_connect_dialog_get_type())
G_DECLARE_FINAL_TYPE(NaConnectDialog, na_connect_dialog, NA, CONNECT_DIALOG, GtkWindow)

/** A dialog over parent, filled from the app's settings (the last server). */
NaConnectDialog *na_connect_dialog_new(NaApp *app, GtkWindow *parent);

/** Show host's remembered values instead (its passwords arrive from the keyring). */
void na_connect_dialog_select_server(NaConnectDialog *self, const char *host, guint16 port,
                                     gboolean tls);

G_END_DECLS
#endif

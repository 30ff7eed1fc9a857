/* SPDX-License-Identifier: MIT */
/* The connect dialog: the saved networks (name and server, in the
 * user's order: add, remove, move up and down, save an edit), and the
 * form for the chosen one: network name (empty: the server's own),
 * server, port, TLS, nick, real name, server password, channels,
 * "connect on startup", and "Log in with an account" (account name,
 * password, method: automatic, PLAIN, SCRAM-SHA-256 or a client
 * certificate for EXTERNAL; "Create this account on the server").
 * Connect saves the form as that network only once the server accepts
 * the registration; Save keeps it at once.  Typing another server name
 * brings back that host's TLS choice and login from the settings and its
 * passwords from the keyring.  Also "Host a chat on this computer", and
 * the chats hosted on the LAN, one click to join (encrypted ones with
 * their certificate pinned). */
#ifndef NA_CONNECT_DIALOG_H
#define NA_CONNECT_DIALOG_H

#include "app.h"

G_BEGIN_DECLS

#define NA_TYPE_CONNECT_DIALOG (na_connect_dialog_get_type())
G_DECLARE_FINAL_TYPE(NaConnectDialog, na_connect_dialog, NA, CONNECT_DIALOG, GtkWindow)

/** A dialog over parent showing the first saved network (an empty form when there is none). */
NaConnectDialog *na_connect_dialog_new(NaApp *app, GtkWindow *parent);

/**
 * Show the saved network with a server at host:port instead, or a new
 * network's form for host (its passwords arrive from the keyring).
 */
void na_connect_dialog_select_server(NaConnectDialog *self, const char *host, guint16 port,
                                     gboolean tls);

G_END_DECLS
#endif

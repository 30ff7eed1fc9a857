/* SPDX-License-Identifier: MIT */
/* Passwords in the desktop's keyring (the Secret Service, through
 * libsecret), never in GSettings: dconf is a plain file any program of
 * the user can read and backup tools copy.  Every call is asynchronous,
 * since the keyring may have to ask the user to unlock it and a window
 * must not freeze meanwhile.
 *
 * One secret per (kind, server, account): a server's connection password
 * (PASS), and an account's password on a server.  Server names are kept
 * in lower case, as the settings keep them. */
#ifndef NC_KEYRING_H
#define NC_KEYRING_H

#include <gio/gio.h>

G_BEGIN_DECLS

/** Which password. */
typedef enum {
    NC_SECRET_SERVER,  /* the server's connection password (PASS) */
    NC_SECRET_ACCOUNT, /* an account's password (SASL, REGISTER) */
} NcSecretKind;

/**
 * Keep a password (replacing the one kept before); an empty or NULL
 * password removes it instead.
 * @param account the account name for NC_SECRET_ACCOUNT (ignored otherwise)
 */
void nc_keyring_store(NcSecretKind kind, const char *server, const char *account,
                      const char *password, GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data);

/** @return TRUE when kept (or removed), else FALSE with error set */
gboolean nc_keyring_store_finish(GAsyncResult *result, GError **error);

/** Look a password up; the answer comes to callback. */
void nc_keyring_lookup(NcSecretKind kind, const char *server, const char *account,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);

/**
 * @return the password (free it with nc_keyring_free()), or NULL: none is
 *         kept (error unset) or the keyring failed (error set)
 */
char *nc_keyring_lookup_finish(GAsyncResult *result, GError **error);

/** Wipe and free a password; NULL is accepted. */
void nc_keyring_free(char *password);

/**
 * Move the server password natter 1.1 kept in GSettings ("password", for
 * the "server" setting's host) into the keyring, then empty that key.
 * Nothing to move completes at once.  A keyring that fails leaves the
 * key as it was, to try again on the next start.
 */
void nc_keyring_migrate_settings(GSettings *settings, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);

/** @return TRUE when there was nothing to move or it moved */
gboolean nc_keyring_migrate_settings_finish(GAsyncResult *result, GError **error);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
#include "keyring.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <string.h>

/* One schema for both kinds; "account" is "" for a server password. */
static const SecretSchema *password_schema(void)
{
    static const SecretSchema schema = {
        .name = "org.natter.Natter.Password",
        .flags = SECRET_SCHEMA_NONE,
        .attributes =
            {
                {"kind", SECRET_SCHEMA_ATTRIBUTE_STRING},
                {"server", SECRET_SCHEMA_ATTRIBUTE_STRING},
                {"account", SECRET_SCHEMA_ATTRIBUTE_STRING},
                {NULL, 0},
            },
    };
    return &schema;
}

static GHashTable *attributes(NcSecretKind kind, const char *server, const char *account)
{
    GHashTable *a = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    g_hash_table_insert(a, "kind", g_strdup(kind == NC_SECRET_SERVER ? "server" : "account"));
    g_hash_table_insert(a, "server", g_ascii_strdown(server ? server : "", -1));
    g_hash_table_insert(a, "account",
                        g_strdup(kind == NC_SECRET_ACCOUNT && account ? account : ""));
    return a;
}

void nc_keyring_free(char *password)
{
    if (password)
        secret_password_wipe(password);
    g_free(password);
}

/* ---- store ---------------------------------------------------------- */

static void stored(GObject *source, GAsyncResult *res, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;
    if (secret_password_store_finish(res, &error))
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
    g_object_unref(task);
}

static void cleared(GObject *source, GAsyncResult *res, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;
    /* FALSE without an error: there was none to remove, which is fine. */
    secret_password_clear_finish(res, &error);
    if (error)
        g_task_return_error(task, error);
    else
        g_task_return_boolean(task, TRUE);
    g_object_unref(task);
}

void nc_keyring_store(NcSecretKind kind, const char *server, const char *account,
                      const char *password, GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GHashTable) attrs = attributes(kind, server, account);
    if (!password || !*password) {
        secret_password_clearv(password_schema(), attrs, cancellable, cleared, task);
        return;
    }
    /* The label is what the user sees in Passwords and Keys (Seahorse). */
    g_autofree char *label =
        kind == NC_SECRET_SERVER
            ? g_strdup_printf(_("Natter: server password for %s"), server)
            : g_strdup_printf(_("Natter: password of the account “%s” on %s"), account, server);
    secret_password_storev(password_schema(), attrs, SECRET_COLLECTION_DEFAULT, label, password,
                           cancellable, stored, task);
}

gboolean nc_keyring_store_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- lookup --------------------------------------------------------- */

static void looked_up(GObject *source, GAsyncResult *res, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;
    char *secret = secret_password_lookup_finish(res, &error);
    if (error) {
        g_task_return_error(task, error);
    } else {
        /* Copied into GLib's memory so callers free it one way. */
        char *copy = g_strdup(secret);
        if (secret)
            secret_password_free(secret);
        g_task_return_pointer(task, copy, (GDestroyNotify)nc_keyring_free);
    }
    g_object_unref(task);
}

void nc_keyring_lookup(NcSecretKind kind, const char *server, const char *account,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GHashTable) attrs = attributes(kind, server, account);
    secret_password_lookupv(password_schema(), attrs, cancellable, looked_up, task);
}

char *nc_keyring_lookup_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- moving 1.1's setting ------------------------------------------- */

static void migrated(GObject *source, GAsyncResult *res, gpointer data)
{
    GTask *task = data;
    GError *error = NULL;
    if (!nc_keyring_store_finish(res, &error)) {
        g_task_return_error(task, error);
    } else {
        /* Only now: a failed store must not lose the password. */
        g_settings_set_string(g_task_get_task_data(task), "password", "");
        g_task_return_boolean(task, TRUE);
    }
    g_object_unref(task);
}

void nc_keyring_migrate_settings(GSettings *settings, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_task_set_task_data(task, g_object_ref(settings), g_object_unref);
    g_autofree char *password = g_settings_get_string(settings, "password");
    g_autofree char *server = g_settings_get_string(settings, "server");
    if (!*password) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    if (!*server) {
        /* A password for no server has nothing to be kept for. */
        g_settings_set_string(settings, "password", "");
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    nc_keyring_store(NC_SECRET_SERVER, server, NULL, password, cancellable, migrated, task);
    secret_password_wipe(password);
}

gboolean nc_keyring_migrate_settings_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

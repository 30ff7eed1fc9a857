/* SPDX-License-Identifier: MIT */
/* Passwords in a real desktop keyring: gnome-keyring-daemon on a private
 * D-Bus session, started by keyring-session.sh (meson runs this suite
 * through it).  Storing, finding, replacing and removing server and
 * account passwords; that nothing is shared between servers, accounts or
 * kinds; and moving natter 1.1's GSettings "password" into the keyring
 * (the key emptied only once the keyring has it).  Every call is the
 * asynchronous one the window uses, waited for with a deadline. */
#define G_SETTINGS_ENABLE_BACKEND /* g_memory_settings_backend_new() */
#include "checks.h"
#include "fake-server.h" /* fake_pump_until */
#include "helpers.h"
#include "keyring.h"

#include <gio/gsettingsbackend.h>

#include <string.h>

typedef struct {
    gboolean done;
    gboolean ok;
    char *password;
    GError *error;
} Result;

static void result_clear(Result *r)
{
    nc_keyring_free(r->password);
    g_clear_error(&r->error);
    memset(r, 0, sizeof *r);
}

static gboolean is_done(gpointer data)
{
    return ((Result *)data)->done;
}

static void on_stored(GObject *source, GAsyncResult *res, gpointer data)
{
    Result *r = data;
    r->ok = nc_keyring_store_finish(res, &r->error);
    r->done = TRUE;
}

static void on_found(GObject *source, GAsyncResult *res, gpointer data)
{
    Result *r = data;
    r->password = nc_keyring_lookup_finish(res, &r->error);
    r->ok = r->error == NULL;
    r->done = TRUE;
}

static void on_migrated(GObject *source, GAsyncResult *res, gpointer data)
{
    Result *r = data;
    r->ok = nc_keyring_migrate_settings_finish(res, &r->error);
    r->done = TRUE;
}

static gboolean store(NcSecretKind kind, const char *server, const char *account,
                      const char *password)
{
    Result r = {0};
    nc_keyring_store(kind, server, account, password, NULL, on_stored, &r);
    gboolean ok = fake_pump_until(is_done, &r, 10000) && r.ok;
    if (r.error)
        printf("\n  store: %s\n", r.error->message);
    result_clear(&r);
    return ok;
}

/* The password kept, "" for none, or NULL when the keyring failed. */
static char *lookup(NcSecretKind kind, const char *server, const char *account)
{
    Result r = {0};
    nc_keyring_lookup(kind, server, account, NULL, on_found, &r);
    if (!fake_pump_until(is_done, &r, 10000) || !r.ok) {
        if (r.error)
            printf("\n  lookup: %s\n", r.error->message);
        result_clear(&r);
        return NULL;
    }
    char *out = g_strdup(r.password ? r.password : "");
    result_clear(&r);
    return out;
}

static void test_store_lookup_clear(void)
{
    CU_ASSERT_FATAL(store(NC_SECRET_SERVER, "irc.example.org", NULL, "server-pass"));
    CU_ASSERT_FATAL(store(NC_SECRET_ACCOUNT, "irc.example.org", "alice", "alice-pass"));
    CU_ASSERT(store(NC_SECRET_ACCOUNT, "irc.example.org", "bob", "bob-pass"));
    CU_ASSERT(store(NC_SECRET_ACCOUNT, "other.example.net", "alice", "elsewhere"));

    g_autofree char *s = lookup(NC_SECRET_SERVER, "irc.example.org", NULL);
    CU_ASSERT_STRING_EQUAL(s, "server-pass");
    /* Server names are kept in lower case, as the settings keep them. */
    g_autofree char *a = lookup(NC_SECRET_ACCOUNT, "IRC.Example.ORG", "alice");
    CU_ASSERT_STRING_EQUAL(a, "alice-pass");
    g_autofree char *b = lookup(NC_SECRET_ACCOUNT, "irc.example.org", "bob");
    CU_ASSERT_STRING_EQUAL(b, "bob-pass");
    g_autofree char *o = lookup(NC_SECRET_ACCOUNT, "other.example.net", "alice");
    CU_ASSERT_STRING_EQUAL(o, "elsewhere");
    /* Kinds do not mix: no server password for the other server, and an
     * account's password is not the server's. */
    g_autofree char *none = lookup(NC_SECRET_SERVER, "other.example.net", NULL);
    CU_ASSERT_STRING_EQUAL(none, "");
    g_autofree char *nobody = lookup(NC_SECRET_ACCOUNT, "irc.example.org", "carol");
    CU_ASSERT_STRING_EQUAL(nobody, "");

    /* Replacing keeps one secret; an empty password removes it. */
    CU_ASSERT(store(NC_SECRET_ACCOUNT, "irc.example.org", "alice", "new-pass"));
    g_autofree char *a2 = lookup(NC_SECRET_ACCOUNT, "irc.example.org", "alice");
    CU_ASSERT_STRING_EQUAL(a2, "new-pass");
    CU_ASSERT(store(NC_SECRET_ACCOUNT, "irc.example.org", "alice", ""));
    g_autofree char *gone = lookup(NC_SECRET_ACCOUNT, "irc.example.org", "alice");
    CU_ASSERT_STRING_EQUAL(gone, "");
    g_autofree char *b2 = lookup(NC_SECRET_ACCOUNT, "irc.example.org", "bob");
    CU_ASSERT_STRING_EQUAL(b2, "bob-pass");
    /* Removing what is not there is not an error. */
    CU_ASSERT(store(NC_SECRET_SERVER, "never.example", NULL, NULL));
}

static GSettings *memory_settings(void)
{
    g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new();
    return nc_test_settings(NATTER_SCHEMA_BUILD_DIR, backend);
}

static gboolean migrate(GSettings *settings)
{
    Result r = {0};
    nc_keyring_migrate_settings(settings, NULL, on_migrated, &r);
    gboolean ok = fake_pump_until(is_done, &r, 10000) && r.ok;
    if (r.error)
        printf("\n  migrate: %s\n", r.error->message);
    result_clear(&r);
    return ok;
}

static void test_migrate_settings(void)
{
    g_autoptr(GSettings) s = memory_settings();
    CU_ASSERT_FATAL(s != NULL);
    /* 1.1 kept the last server's password in the settings. */
    g_settings_set_string(s, "server", "Old.Example.org");
    g_settings_set_string(s, "password", "from-1.1");
    CU_ASSERT(migrate(s));
    g_autofree char *left = g_settings_get_string(s, "password");
    CU_ASSERT_STRING_EQUAL(left, "");
    g_autofree char *moved = lookup(NC_SECRET_SERVER, "old.example.org", NULL);
    CU_ASSERT_STRING_EQUAL(moved, "from-1.1");
    /* The second start has nothing to move and changes nothing. */
    CU_ASSERT(migrate(s));
    g_autofree char *still = lookup(NC_SECRET_SERVER, "old.example.org", NULL);
    CU_ASSERT_STRING_EQUAL(still, "from-1.1");
    /* A password without a server has nothing to belong to: dropped. */
    g_settings_set_string(s, "server", "");
    g_settings_set_string(s, "password", "orphan");
    CU_ASSERT(migrate(s));
    g_autofree char *orphan = g_settings_get_string(s, "password");
    CU_ASSERT_STRING_EQUAL(orphan, "");
}

static CU_TestInfo tests[] = {
    {"server and account passwords: store, find, replace, remove", test_store_lookup_clear},
    {"1.1's GSettings password moves to the keyring", test_migrate_settings},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    /* Never the user's own keyring: keyring-session.sh made this one. */
    if (!g_getenv("NC_KEYRING_SESSION")) {
        printf("SKIP: run through tests/gui/keyring-session.sh (a private keyring)\n");
        return 77;
    }
    return nt_test_main("gui-keyring", tests);
}

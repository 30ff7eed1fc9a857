/* SPDX-License-Identifier: MIT */
/* Saved networks: their round trip through the settings (a key file, as
 * on a desktop without dconf), adding, editing, removing and reordering,
 * the migration of natter 1.x's single server (once, values and logs
 * kept), one log folder per network ID, and, against the scripted server
 * on a real socket, that a failed attempt changes nothing while a
 * successful one is saved and named from ISUPPORT NETWORK= unless the
 * user named it; the client's ISUPPORT values, and which keyring entries
 * go with a removed network: decided always, removed from a real keyring
 * when the suite runs inside keyring-session.sh. */
#define G_SETTINGS_ENABLE_BACKEND
#include "checks.h"
#include "client.h"
#include "fake-server.h"
#include "helpers.h"
#include "keyring.h"
#include "log.h"
#include "networks.h"

#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <string.h>

static FakeServer fake;

/* A fresh folder for one test: the settings file and the logs. */
static char *temp_dir(void)
{
    char *dir = g_dir_make_tmp("natter-networks-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    return dir;
}

static void remove_tree(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR))
            remove_tree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

/* natter's settings kept in dir/settings.ini: a new GSettings on the same
 * file is what the next start of natter reads. */
static GSettings *settings_in(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "settings.ini", NULL);
    g_autoptr(GSettingsBackend) backend = g_keyfile_settings_backend_new(path, "/", NULL);
    GSettings *s = nc_test_settings(NATTER_SCHEMA_BUILD_DIR, backend);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s;
}

static NcNetworkConfig *example_network(const char *host, guint16 port)
{
    NcNetworkConfig *n = nc_network_config_new();
    nc_network_config_add_server(n, host, port, FALSE);
    nc_network_config_set_nick(n, "alice");
    nc_network_config_set_realname(n, "Alice A.");
    const char *channels[] = {"#one", "#two", NULL};
    nc_network_config_set_channels(n, channels);
    nc_network_config_set_connect_on_start(n, TRUE);
    return n;
}

static gboolean is_hex_id(const char *id)
{
    if (strlen(id) != 16)
        return FALSE;
    for (const char *p = id; *p; p++)
        if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
            return FALSE;
    return TRUE;
}

/* ---- the settings --------------------------------------------------- */

static void test_round_trip(void)
{
    g_autofree char *dir = temp_dir();
    g_autoptr(NcNetworkConfig) a = example_network("irc.example.org", 6697);
    nc_network_config_add_server(a, "backup.example.org", 0, TRUE);
    nc_network_config_set_name(a, "Example Net", TRUE);
    nc_network_config_set_login(a, "alice", NC_SASL_SCRAM_SHA_256, NULL, NULL);
    g_autoptr(NcNetworkConfig) b = example_network("127.0.0.1", 6667);
    nc_network_config_set_login(b, "", NC_SASL_EXTERNAL, "/k/cert.pem", "/k/key.pem");
    nc_network_config_set_connect_on_start(b, FALSE);
    CU_ASSERT(is_hex_id(nc_network_config_get_id(a)));
    CU_ASSERT_STRING_NOT_EQUAL(nc_network_config_get_id(a), nc_network_config_get_id(b));
    {
        g_autoptr(GSettings) s = settings_in(dir);
        g_autoptr(NcNetworkList) list = nc_network_list_new(s, dir);
        CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 0);
        CU_ASSERT(nc_network_list_add(list, a));
        CU_ASSERT(nc_network_list_add(list, b));
        CU_ASSERT_FALSE(nc_network_list_add(list, a)); /* one ID, once */
        g_settings_sync();
    }
    g_autoptr(GSettings) s = settings_in(dir);
    g_autoptr(NcNetworkList) list = nc_network_list_new(s, dir);
    CU_ASSERT_EQUAL_FATAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 2);
    g_autoptr(NcNetworkConfig) a2 = g_list_model_get_item(G_LIST_MODEL(list), 0);
    g_autoptr(NcNetworkConfig) b2 = g_list_model_get_item(G_LIST_MODEL(list), 1);
    CU_ASSERT(nc_network_config_equal(a, a2));
    CU_ASSERT(nc_network_config_equal(b, b2));
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_display_name(a2), "Example Net");
    CU_ASSERT(nc_network_config_get_name_by_user(a2));
    CU_ASSERT_EQUAL(nc_network_config_get_n_servers(a2), 2);
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_server(a2, 1)->host, "backup.example.org");
    CU_ASSERT(nc_network_config_get_server(a2, 1)->tls);
    CU_ASSERT_EQUAL(nc_network_config_get_mechanism(a2), NC_SASL_SCRAM_SHA_256);
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_channels(a2)[1], "#two");
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_key_file(b2), "/k/key.pem");
    CU_ASSERT_FALSE(nc_network_config_get_connect_on_start(b2));
    /* Unnamed: the host is shown. */
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_display_name(b2), "127.0.0.1");
    /* The old single server was empty: nothing was migrated, and never will be. */
    CU_ASSERT(g_settings_get_boolean(s, "networks-migrated"));
    remove_tree(dir);
}

static guint changes;
static void on_items_changed(GListModel *m, guint pos, guint removed, guint added, gpointer data)
{
    changes++;
}

static const char *id_at(NcNetworkList *list, guint i)
{
    g_autoptr(NcNetworkConfig) n = g_list_model_get_item(G_LIST_MODEL(list), i);
    return n ? nc_network_config_get_id(n) : NULL;
}

static void test_edit_remove_reorder(void)
{
    g_autofree char *dir = temp_dir();
    g_autoptr(GSettings) s = settings_in(dir);
    g_autoptr(NcNetworkList) list = nc_network_list_new(s, dir);
    g_signal_connect(list, "items-changed", G_CALLBACK(on_items_changed), NULL);
    changes = 0;
    NcNetworkConfig *n[3];
    for (guint i = 0; i < 3; i++) {
        n[i] = example_network("127.0.0.1", (guint16)(7000 + i));
        CU_ASSERT(nc_network_list_add(list, n[i]));
    }
    CU_ASSERT_EQUAL(changes, 3);
    const char *id0 = nc_network_config_get_id(n[0]);
    const char *id1 = nc_network_config_get_id(n[1]);
    const char *id2 = nc_network_config_get_id(n[2]);

    /* Found by ID and by host:port (the same host, told apart by port;
     * a host's case does not matter). */
    CU_ASSERT_PTR_EQUAL(nc_network_list_find_server(list, "127.0.0.1", 7001),
                        nc_network_list_find(list, id1));
    CU_ASSERT_PTR_NULL(nc_network_list_find_server(list, "127.0.0.1", 7009));
    CU_ASSERT_PTR_NULL(nc_network_list_find(list, "0000000000000000"));

    /* An edit is a copy given back; the stored item is a new object. */
    g_autoptr(NcNetworkConfig) edit = nc_network_config_copy(nc_network_list_find(list, id1));
    nc_network_config_set_nick(edit, "bob");
    nc_network_config_set_first_server(edit, "Irc.Example.Org", 0, TRUE);
    CU_ASSERT(nc_network_list_update(list, edit));
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_nick(nc_network_list_find(list, id1)), "bob");
    CU_ASSERT_PTR_EQUAL(nc_network_list_find_server(list, "irc.example.org", 6697),
                        nc_network_list_find(list, id1));
    CU_ASSERT_EQUAL(changes, 4);
    g_autoptr(NcNetworkConfig) stranger = nc_network_config_new();
    CU_ASSERT_FALSE(nc_network_list_update(list, stranger));

    /* Reorder: the last to the top, then the top one down by one. */
    CU_ASSERT(nc_network_list_move(list, id2, 0));
    CU_ASSERT_STRING_EQUAL(id_at(list, 0), id2);
    CU_ASSERT_STRING_EQUAL(id_at(list, 1), id0);
    CU_ASSERT_STRING_EQUAL(id_at(list, 2), id1);
    CU_ASSERT(nc_network_list_move(list, id2, 1));
    CU_ASSERT_STRING_EQUAL(id_at(list, 0), id0);
    CU_ASSERT_STRING_EQUAL(id_at(list, 1), id2);
    CU_ASSERT(nc_network_list_move(list, id0, 99)); /* clamped to the end */
    CU_ASSERT_STRING_EQUAL(id_at(list, 2), id0);

    CU_ASSERT(nc_network_list_remove(list, id2));
    CU_ASSERT_FALSE(nc_network_list_remove(list, id2));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 2);

    /* What the next start reads. */
    g_settings_sync();
    g_autoptr(GSettings) s2 = settings_in(dir);
    g_autoptr(NcNetworkList) again = nc_network_list_new(s2, dir);
    CU_ASSERT_EQUAL_FATAL(g_list_model_get_n_items(G_LIST_MODEL(again)), 2);
    CU_ASSERT_STRING_EQUAL(id_at(again, 0), id1);
    CU_ASSERT_STRING_EQUAL(id_at(again, 1), id0);
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_nick(nc_network_list_find(again, id1)), "bob");
    for (guint i = 0; i < 3; i++)
        g_object_unref(n[i]);
    remove_tree(dir);
}

/* ---- natter 1.x's single server -------------------------------------- */

static void test_migration(void)
{
    g_autofree char *dir = temp_dir();
    g_autofree char *logs = g_build_filename(dir, "logs", NULL);
    /* What natter 1.x left: one server in separate keys, its login, and a
     * log under the host's folder. */
    {
        g_autoptr(GSettings) s = settings_in(dir);
        g_settings_set_string(s, "server", "Irc.Old.Example");
        g_settings_set_int(s, "port", 6697);
        g_settings_set_value(s, "server-tls", g_variant_new_parsed("{'irc.old.example': true}"));
        g_settings_set_string(s, "nick", "carol");
        g_settings_set_string(s, "realname", "Carol C.");
        const char *channels[] = {"#old", "#older", NULL};
        g_settings_set_strv(s, "channels", channels);
        g_settings_set_value(s, "server-accounts",
                             g_variant_new_parsed("{'irc.old.example': ('carol', "
                                                  "'scram-sha-256', '', '')}"));
        g_settings_sync();
    }
    NcLogger *old_logger = nc_logger_new(logs);
    g_autoptr(NcMessage) line =
        nc_message_new(g_get_real_time(), NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "dave", "from 1.x");
    CU_ASSERT(nc_logger_write(old_logger, "Irc.Old.Example", "#old", line));
    nc_logger_free(old_logger);

    g_autofree char *id = NULL;
    {
        g_autoptr(GSettings) s = settings_in(dir);
        g_autoptr(NcNetworkList) list = nc_network_list_new(s, logs);
        CU_ASSERT_EQUAL_FATAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 1);
        g_autoptr(NcNetworkConfig) n = g_list_model_get_item(G_LIST_MODEL(list), 0);
        id = g_strdup(nc_network_config_get_id(n));
        CU_ASSERT(is_hex_id(id));
        const NcServerAddress *server = nc_network_config_get_server(n, 0);
        CU_ASSERT_STRING_EQUAL(server->host, "Irc.Old.Example");
        CU_ASSERT_EQUAL(server->port, 6697);
        CU_ASSERT(server->tls);
        CU_ASSERT_STRING_EQUAL(nc_network_config_get_nick(n), "carol");
        CU_ASSERT_STRING_EQUAL(nc_network_config_get_realname(n), "Carol C.");
        CU_ASSERT_STRING_EQUAL(nc_network_config_get_channels(n)[0], "#old");
        CU_ASSERT_STRING_EQUAL(nc_network_config_get_channels(n)[1], "#older");
        CU_ASSERT_STRING_EQUAL(nc_network_config_get_account(n), "carol");
        CU_ASSERT_EQUAL(nc_network_config_get_mechanism(n), NC_SASL_SCRAM_SHA_256);
        /* It was the server natter reconnected to on start: it still is. */
        CU_ASSERT(nc_network_config_get_connect_on_start(n));
        CU_ASSERT_STRING_EQUAL(nc_network_config_get_display_name(n), "Irc.Old.Example");
        CU_ASSERT_FALSE(nc_network_config_get_name_by_user(n));
        /* The old keys stay (an older natter still reads them). */
        g_autofree char *server_key = g_settings_get_string(s, "server");
        CU_ASSERT_STRING_EQUAL(server_key, "Irc.Old.Example");
        g_settings_sync();
    }
    /* The old log is the network's now: its folder is the ID. */
    g_autofree char *old_folder = g_build_filename(logs, "irc.old.example", NULL);
    g_autofree char *new_folder = g_build_filename(logs, id, NULL);
    CU_ASSERT_FALSE(g_file_test(old_folder, G_FILE_TEST_EXISTS));
    CU_ASSERT(g_file_test(new_folder, G_FILE_TEST_IS_DIR));
    NcLogger *logger = nc_logger_new_for_network(logs, id);
    g_autoptr(GPtrArray) tail = nc_logger_tail(logger, "Irc.Old.Example", "#old", 10);
    CU_ASSERT_EQUAL_FATAL(tail->len, 1);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(tail->pdata[0]), "from 1.x");
    nc_logger_free(logger);

    /* Once: the next start keeps the same network, and after the user
     * removes it, it does not come back. */
    {
        g_autoptr(GSettings) s = settings_in(dir);
        g_autoptr(NcNetworkList) list = nc_network_list_new(s, logs);
        CU_ASSERT_EQUAL_FATAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 1);
        CU_ASSERT_STRING_EQUAL(id_at(list, 0), id);
        CU_ASSERT(nc_network_list_remove(list, id));
        g_settings_sync();
    }
    g_autoptr(GSettings) s = settings_in(dir);
    g_autoptr(NcNetworkList) list = nc_network_list_new(s, logs);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 0);
    remove_tree(dir);
}

/* ---- logs ----------------------------------------------------------- */

static void test_log_folder_per_network(void)
{
    g_autofree char *dir = temp_dir();
    g_autoptr(NcNetworkConfig) a = example_network("127.0.0.1", 6667);
    g_autoptr(NcNetworkConfig) b = example_network("127.0.0.1", 6668);
    const char *ida = nc_network_config_get_id(a), *idb = nc_network_config_get_id(b);
    NcLogger *la = nc_logger_new_for_network(dir, ida);
    NcLogger *lb = nc_logger_new_for_network(dir, idb);
    gint64 now = g_get_real_time();
    g_autoptr(NcMessage) ma = nc_message_new(now, NC_MSG_PRIVMSG, 0, "x", "on the first");
    g_autoptr(NcMessage) mb = nc_message_new(now, NC_MSG_PRIVMSG, 0, "y", "on the second");
    /* Both clients call their network by the host they share. */
    CU_ASSERT(nc_logger_write(la, "127.0.0.1", "#chan", ma));
    CU_ASSERT(nc_logger_write(lb, "127.0.0.1", "#chan", mb));
    g_autofree char *path_a = nc_logger_path(la, "127.0.0.1", "#chan", now);
    g_autofree char *folder_a = g_build_filename(dir, ida, "#chan", NULL);
    CU_ASSERT(g_str_has_prefix(path_a, folder_a));
    g_autofree char *folder_b = g_build_filename(dir, idb, NULL);
    CU_ASSERT(g_file_test(folder_b, G_FILE_TEST_IS_DIR));
    g_autofree char *shared = g_build_filename(dir, "127.0.0.1", NULL);
    CU_ASSERT_FALSE(g_file_test(shared, G_FILE_TEST_EXISTS));
    g_autoptr(GPtrArray) ta = nc_logger_tail(la, "127.0.0.1", "#chan", 10);
    g_autoptr(GPtrArray) tb = nc_logger_tail(lb, "anything", "#chan", 10);
    CU_ASSERT_EQUAL_FATAL(ta->len, 1);
    CU_ASSERT_EQUAL_FATAL(tb->len, 1);
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(ta->pdata[0]), "on the first");
    CU_ASSERT_STRING_EQUAL(nc_message_get_text(tb->pdata[0]), "on the second");
    nc_logger_free(la);
    nc_logger_free(lb);
    /* Adopting never overwrites a folder the ID has already. */
    g_autofree char *legacy = g_build_filename(dir, "127.0.0.1", "#x", NULL);
    CU_ASSERT_EQUAL(g_mkdir_with_parents(legacy, 0700), 0);
    CU_ASSERT_FALSE(nc_logger_adopt_folder(dir, "127.0.0.1", ida));
    CU_ASSERT_FALSE(nc_logger_adopt_folder(dir, "no.such.host", "0123456789abcdef"));
    remove_tree(dir);
}

static void count_notify(GObject *object, GParamSpec *pspec, guint *count)
{
    (*count)++;
}

static void test_isupport_values(void)
{
    NcClient *c = nc_client_new("irc.example.org", 6667, "alice", "Alice", NULL);
    guint notified = 0;
    g_signal_connect(c, "notify::network-name", G_CALLBACK(count_notify), &notified);
    CU_ASSERT_PTR_NULL(nc_client_get_isupport(c, "NETWORK"));
    nc_client_handle_line(c, ":srv 005 alice CHANTYPES=# EXCEPTS NETWORK=My\\x20Net\\x5Cx "
                             ":are supported by this server");
    CU_ASSERT_STRING_EQUAL(nc_client_get_isupport(c, "CHANTYPES"), "#");
    CU_ASSERT_STRING_EQUAL(nc_client_get_isupport(c, "EXCEPTS"), "");
    CU_ASSERT_STRING_EQUAL(nc_client_get_isupport(c, "NETWORK"), "My Net\\x");
    CU_ASSERT_PTR_NULL(nc_client_get_isupport(c, "WHOX"));
    /* The trailing words are not keys. */
    CU_ASSERT_PTR_NULL(nc_client_get_isupport(c, "are supported by this server"));
    CU_ASSERT_EQUAL(notified, 1);
    g_autofree char *name = NULL;
    g_object_get(c, "network-name", &name, NULL);
    CU_ASSERT_STRING_EQUAL(name, "My Net\\x");
    /* The same name again says nothing new; -KEY takes a key back. */
    nc_client_handle_line(c, ":srv 005 alice NETWORK=My\\x20Net\\x5Cx -EXCEPTS :are supported");
    CU_ASSERT_EQUAL(notified, 1);
    CU_ASSERT_PTR_NULL(nc_client_get_isupport(c, "EXCEPTS"));
    /* A MOTD line that happens to say it is no ISUPPORT. */
    nc_client_handle_line(c, ":srv 372 alice :- welcome to NETWORK=Fake");
    CU_ASSERT_STRING_EQUAL(nc_client_get_isupport(c, "NETWORK"), "My Net\\x");
    nc_client_handle_line(c, ":srv 005 alice NETWORK=Other :are supported");
    CU_ASSERT_EQUAL(notified, 2);
    CU_ASSERT_STRING_EQUAL(nc_client_get_isupport(c, "NETWORK"), "Other");
    g_object_unref(c);
}

/* A NETWORK= that is not UTF-8, raw or escaped, is shown and saved with
 * U+FFFD in place of the bad byte; and a connection keeps at most
 * NC_ISUPPORT_MAX_KEYS keys, while known keys still change. */
static void test_isupport_bad_values(void)
{
    g_autofree char *dir = temp_dir();
    g_autoptr(GSettings) s = settings_in(dir);
    g_autoptr(NcNetworkList) list = nc_network_list_new(s, dir);
    g_autoptr(NcNetworkConfig) n = example_network("irc.example.org", 6667);
    NcClient *c = nc_client_new("irc.example.org", 6667, "alice", "Alice", NULL);
    nc_network_list_follow(list, c, n);
    nc_client_handle_line(c, ":srv 001 alice :Welcome");
    CU_ASSERT_PTR_NOT_NULL_FATAL(nc_network_list_find(list, nc_network_config_get_id(n)));
    nc_client_handle_line(c, ":srv 005 alice NETWORK=Bad\\xFFName :are supported");
    const char *name = nc_client_get_isupport(c, "NETWORK");
    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    CU_ASSERT(g_utf8_validate(name, -1, NULL));
    CU_ASSERT_STRING_EQUAL(name, "Bad\xEF\xBF\xBDName");
    NcNetworkConfig *stored = nc_network_list_find(list, nc_network_config_get_id(n));
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_name(stored), "Bad\xEF\xBF\xBDName");
    nc_client_handle_line(c, ":srv 005 alice NETWORK=Raw\xFF :are supported");
    CU_ASSERT_STRING_EQUAL(nc_client_get_isupport(c, "NETWORK"), "Raw\xEF\xBF\xBD");
    /* Saved, so the next start reads it back. */
    g_settings_sync();
    g_autoptr(GSettings) s2 = settings_in(dir);
    g_autoptr(NcNetworkList) reread = nc_network_list_new(s2, dir);
    NcNetworkConfig *back = nc_network_list_find(reread, nc_network_config_get_id(n));
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_name(back), "Raw\xEF\xBF\xBD");

    /* Thousands of made-up keys: the table stops growing at the cap. */
    for (guint i = 0; i < 1000; i++) {
        g_autofree char *line = g_strdup_printf(":srv 005 alice K%uA=1 K%uB :are supported", i, i);
        nc_client_handle_line(c, line);
    }
    guint kept = 0;
    for (guint i = 0; i < 1000; i++) {
        g_autofree char *a = g_strdup_printf("K%uA", i);
        g_autofree char *b = g_strdup_printf("K%uB", i);
        kept += (nc_client_get_isupport(c, a) ? 1u : 0u) + (nc_client_get_isupport(c, b) ? 1u : 0u);
    }
    /* NETWORK took one place before them. */
    CU_ASSERT_EQUAL(kept, NC_ISUPPORT_MAX_KEYS - 1);
    CU_ASSERT_PTR_NULL(nc_client_get_isupport(c, "K999B"));
    nc_client_handle_line(c, ":srv 005 alice NETWORK=Still :are supported");
    CU_ASSERT_STRING_EQUAL(nc_client_get_isupport(c, "NETWORK"), "Still");
    /* A key taken back makes room for one more. */
    nc_client_handle_line(c, ":srv 005 alice -K0A LATE=yes :are supported");
    CU_ASSERT_STRING_EQUAL(nc_client_get_isupport(c, "LATE"), "yes");
    g_object_unref(c);
    remove_tree(dir);
}

/* The dialog removes or edits a network while its attempt is connecting:
 * the registration that follows neither brings it back nor overwrites
 * the edit (a blank name may still come from NETWORK=). */
static void test_edits_while_connecting_win(void)
{
    g_autoptr(NcNetworkList) list = nc_network_list_new(NULL, NULL);
    g_autoptr(NcNetworkConfig) saved = example_network("irc.example.org", 6667);
    const char *id = nc_network_config_get_id(saved);
    nc_network_list_add(list, saved);

    /* Removed meanwhile. */
    g_autoptr(NcNetworkConfig) attempt = nc_network_config_copy(saved);
    nc_network_config_set_nick(attempt, "attempted");
    NcClient *c = nc_client_new("irc.example.org", 6667, "attempted", "Alice", NULL);
    nc_network_list_follow(list, c, attempt);
    CU_ASSERT(nc_network_list_remove(list, id));
    nc_client_handle_line(c, ":srv 001 attempted :Welcome");
    nc_client_handle_line(c, ":srv 005 attempted NETWORK=Back :are supported");
    CU_ASSERT_PTR_NULL(nc_network_list_find(list, id));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 0);
    g_object_unref(c);

    /* Edited meanwhile: the edit stays, the attempt's nick does not. */
    nc_network_list_add(list, saved);
    c = nc_client_new("irc.example.org", 6667, "attempted", "Alice", NULL);
    nc_network_list_follow(list, c, attempt);
    g_autoptr(NcNetworkConfig) edit = nc_network_config_copy(saved);
    nc_network_config_set_nick(edit, "edited");
    const char *channels[] = {"#edited", NULL};
    nc_network_config_set_channels(edit, channels);
    CU_ASSERT(nc_network_list_update(list, edit));
    nc_client_handle_line(c, ":srv 001 attempted :Welcome");
    nc_client_handle_line(c, ":srv 005 attempted NETWORK=Named :are supported");
    NcNetworkConfig *stored = nc_network_list_find(list, id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stored);
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_nick(stored), "edited");
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_channels(stored)[0], "#edited");
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_name(stored), "Named");
    g_object_unref(c);

    /* Untouched meanwhile: the attempt is what is saved. */
    c = nc_client_new("irc.example.org", 6667, "attempted", "Alice", NULL);
    nc_network_list_follow(list, c, attempt);
    nc_client_handle_line(c, ":srv 001 attempted :Welcome");
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_nick(nc_network_list_find(list, id)),
                           "attempted");
    g_object_unref(c);
}

/* Two servers on one host are told apart in the sidebar: the server
 * buffer is titled by the saved name, else NETWORK=, else the host. */
static void test_server_buffer_title(void)
{
    NcClient *c = nc_client_new("127.0.0.1", 6667, "alice", "Alice", NULL);
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    guint notified = 0;
    g_signal_connect(server, "notify::title", G_CALLBACK(count_notify), &notified);
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_title(server), "127.0.0.1");
    nc_client_handle_line(c, ":srv 005 alice NETWORK=Natter :are supported");
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_title(server), "Natter");
    CU_ASSERT_EQUAL(notified, 1);
    nc_client_set_display_name(c, "Work chat");
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_title(server), "Work chat");
    nc_client_handle_line(c, ":srv 005 alice NETWORK=Elsewhere :are supported");
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_title(server), "Work chat");
    nc_client_set_display_name(c, "");
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_title(server), "Elsewhere");
    /* The name the logs use stays the host's. */
    CU_ASSERT_STRING_EQUAL(nc_buffer_get_name(server), "127.0.0.1");
    g_object_unref(c);
}

/* Is there a key of kind for server (and account) in keys? */
static gboolean has_secret(GArray *keys, NcSecretKind kind, const char *server, const char *account)
{
    for (guint i = 0; i < keys->len; i++) {
        const NcSecretKey *k = &g_array_index(keys, NcSecretKey, i);
        if (k->kind == kind && strcmp(k->server, server) == 0 &&
            g_strcmp0(k->account, account) == 0)
            return TRUE;
    }
    return FALSE;
}

static void test_unshared_secrets(void)
{
    g_autoptr(NcNetworkList) list = nc_network_list_new(NULL, NULL);
    g_autoptr(NcNetworkConfig) a = example_network("IRC.Example.org", 6697);
    nc_network_config_set_login(a, "alice", NC_SASL_AUTO, NULL, NULL);
    g_autoptr(NcNetworkConfig) b = example_network("other.example.net", 6697);
    nc_network_config_add_server(b, "irc.example.org", 7000, TRUE);
    nc_network_config_set_login(b, "bob", NC_SASL_AUTO, NULL, NULL);
    g_autoptr(NcNetworkConfig) c = example_network("solo.example.com", 6667);
    nc_network_list_add(list, a);
    nc_network_list_add(list, b);
    nc_network_list_add(list, c);

    /* b has a server at a's host: the server password stays, alice's goes. */
    g_autoptr(GArray) keys = nc_network_list_unshared_secrets(list, a);
    CU_ASSERT_EQUAL(keys->len, 1);
    CU_ASSERT(has_secret(keys, NC_SECRET_ACCOUNT, "irc.example.org", "alice"));
    /* With the same account on b, nothing of a's goes. */
    g_autoptr(NcNetworkConfig) b2 = nc_network_config_copy(b);
    nc_network_config_set_login(b2, "alice", NC_SASL_AUTO, NULL, NULL);
    nc_network_list_update(list, b2);
    g_autoptr(GArray) none = nc_network_list_unshared_secrets(list, a);
    CU_ASSERT_EQUAL(none->len, 0);
    /* A network alone at its host loses its server password (it has no account). */
    g_autoptr(GArray) solo = nc_network_list_unshared_secrets(list, c);
    CU_ASSERT_EQUAL(solo->len, 1);
    CU_ASSERT(has_secret(solo, NC_SECRET_SERVER, "solo.example.com", NULL));
    /* Asked once the sharing network has gone: both of a's go. */
    nc_network_list_remove(list, nc_network_config_get_id(b));
    g_autoptr(GArray) after = nc_network_list_unshared_secrets(list, a);
    CU_ASSERT_EQUAL(after->len, 2);
    CU_ASSERT(has_secret(after, NC_SECRET_SERVER, "irc.example.org", NULL));
    CU_ASSERT(has_secret(after, NC_SECRET_ACCOUNT, "irc.example.org", "alice"));
    /* A network without servers has no keys. */
    g_autoptr(NcNetworkConfig) empty = nc_network_config_new();
    g_autoptr(GArray) no_keys = nc_network_list_unshared_secrets(list, empty);
    CU_ASSERT_EQUAL(no_keys->len, 0);
}

/* ---- the keyring: only inside keyring-session.sh ------------------- */

typedef struct {
    gboolean done;
    gboolean ok;
    char *password;
} KeyringCall;

static gboolean call_done(gpointer data)
{
    return ((KeyringCall *)data)->done;
}

static void on_keyring_stored(GObject *source, GAsyncResult *res, gpointer data)
{
    KeyringCall *k = data;
    g_autoptr(GError) error = NULL;
    k->ok = nc_keyring_store_finish(res, &error);
    k->done = TRUE;
}

static void on_keyring_found(GObject *source, GAsyncResult *res, gpointer data)
{
    KeyringCall *k = data;
    g_autoptr(GError) error = NULL;
    k->password = nc_keyring_lookup_finish(res, &error);
    k->ok = error == NULL;
    k->done = TRUE;
}

static void on_forgotten(GObject *source, GAsyncResult *res, gpointer data)
{
    KeyringCall *k = data;
    g_autoptr(GError) error = NULL;
    k->ok = nc_network_list_forget_secrets_finish(NC_NETWORK_LIST(source), res, &error);
    k->done = TRUE;
}

/* Is a password kept for (kind, server, account)? */
static gboolean kept(NcSecretKind kind, const char *server, const char *account)
{
    KeyringCall k = {0};
    nc_keyring_lookup(kind, server, account, NULL, on_keyring_found, &k);
    CU_ASSERT(fake_pump_until(call_done, &k, 10000) && k.ok);
    gboolean found = k.password != NULL;
    nc_keyring_free(k.password);
    return found;
}

static void keep(NcSecretKind kind, const char *server, const char *account)
{
    KeyringCall k = {0};
    nc_keyring_store(kind, server, account, "secret", NULL, on_keyring_stored, &k);
    CU_ASSERT(fake_pump_until(call_done, &k, 10000) && k.ok);
}

static void test_remove_forgets_passwords(void)
{
    if (!g_getenv("NC_KEYRING_SESSION")) {
        printf("\n  (no keyring: run under keyring-session.sh to test the keyring part)\n");
        return;
    }
    g_autoptr(NcNetworkList) list = nc_network_list_new(NULL, NULL);
    g_autoptr(NcNetworkConfig) a = example_network("shared.example.org", 6697);
    nc_network_config_set_login(a, "alice", NC_SASL_AUTO, NULL, NULL);
    g_autoptr(NcNetworkConfig) b = example_network("shared.example.org", 7000);
    nc_network_config_set_login(b, "bob", NC_SASL_AUTO, NULL, NULL);
    nc_network_list_add(list, a);
    nc_network_list_add(list, b);
    keep(NC_SECRET_SERVER, "shared.example.org", NULL);
    keep(NC_SECRET_ACCOUNT, "shared.example.org", "alice");
    keep(NC_SECRET_ACCOUNT, "shared.example.org", "bob");

    /* a goes: its account's password with it, the shared server's stays. */
    nc_network_list_remove(list, nc_network_config_get_id(a));
    KeyringCall k = {0};
    nc_network_list_forget_secrets(list, a, NULL, on_forgotten, &k);
    CU_ASSERT_FATAL(fake_pump_until(call_done, &k, 10000));
    CU_ASSERT(k.ok);
    CU_ASSERT_FALSE(kept(NC_SECRET_ACCOUNT, "shared.example.org", "alice"));
    CU_ASSERT(kept(NC_SECRET_SERVER, "shared.example.org", NULL));
    CU_ASSERT(kept(NC_SECRET_ACCOUNT, "shared.example.org", "bob"));

    /* b, the last at that host, takes both of its own. */
    nc_network_list_remove(list, nc_network_config_get_id(b));
    KeyringCall last = {0};
    nc_network_list_forget_secrets(list, b, NULL, on_forgotten, &last);
    CU_ASSERT_FATAL(fake_pump_until(call_done, &last, 10000));
    CU_ASSERT(last.ok);
    CU_ASSERT_FALSE(kept(NC_SECRET_SERVER, "shared.example.org", NULL));
    CU_ASSERT_FALSE(kept(NC_SECRET_ACCOUNT, "shared.example.org", "bob"));
}

/* ---- against a server ----------------------------------------------- */

static gboolean expect(const char *prefix)
{
    g_autofree char *line = fake_expect(&fake, prefix, 3000);
    if (!line)
        fprintf(stderr, "did not get a line starting with \"%s\"\n", prefix);
    return line != NULL;
}

/* A client started for attempt, followed by list, against the fake server. */
static NcClient *attempt_client(NcNetworkList *list, NcNetworkConfig *attempt)
{
    const NcServerAddress *server = nc_network_config_get_server(attempt, 0);
    NcClient *c = nc_client_new(server->host, server->port, nc_network_config_get_nick(attempt),
                                "Test", NULL);
    nc_client_set_tls(c, FALSE);
    nc_client_set_timing(c, 5000, 15000, 50, 400, 2000);
    nc_network_list_follow(list, c, attempt);
    nc_client_connect(c);
    return c;
}

typedef struct {
    NcNetworkList *list;
    const char *id;
    const char *name;
} NameWait;

static gboolean has_name(gpointer data)
{
    NameWait *w = data;
    NcNetworkConfig *n = nc_network_list_find(w->list, w->id);
    return n && strcmp(nc_network_config_get_name(n), w->name) == 0;
}

static void register_as(const char *nick, const char *network_name)
{
    fake_send(&fake, ":srv 001 %s :Welcome", nick);
    fake_send(&fake, ":srv 005 %s PREFIX=(ov)@+ NETWORK=%s :are supported by this server", nick,
              network_name);
}

static void test_failed_attempt_saves_nothing(void)
{
    fake_start(&fake);
    g_autoptr(NcNetworkList) list = nc_network_list_new(NULL, NULL);
    g_autoptr(NcNetworkConfig) saved = example_network("127.0.0.1", fake.addr.port);
    nc_network_list_add(list, saved);
    g_autoptr(NcNetworkConfig) before =
        nc_network_config_copy(nc_network_list_find(list, nc_network_config_get_id(saved)));

    /* The user changes the nick and server and connects: the server
     * hangs up before registering. */
    g_autoptr(NcNetworkConfig) attempt = nc_network_config_copy(saved);
    nc_network_config_set_nick(attempt, "mallory");
    nc_network_config_set_name(attempt, "Typo", TRUE);
    NcClient *c = attempt_client(list, attempt);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("NICK mallory"));
    fake_send(&fake, "ERROR :Closing link (too many connections)");
    fake_close(&fake);
    CU_ASSERT(fake_wait_state(c, NC_STATE_WAITING, 3000));
    /* Its reconnect fails the same way. */
    CU_ASSERT(fake_accept(&fake, 3000));
    fake_close(&fake);
    fake_pump(100);
    CU_ASSERT_NOT_EQUAL(nc_client_get_state(c), NC_STATE_CONNECTED);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 1);
    CU_ASSERT(nc_network_config_equal(before,
                                      nc_network_list_find(list, nc_network_config_get_id(saved))));
    fake_client_finish(c);
    /* A new listener: the old client's last reconnect may wait in the backlog. */
    fake_stop(&fake);
    fake_start(&fake);

    /* A new network that never got through is not added either. */
    g_autoptr(NcNetworkConfig) fresh = example_network("127.0.0.1", fake.addr.port);
    c = attempt_client(list, fresh);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("NICK alice"));
    fake_send(&fake, ":srv 465 * :You are banned");
    fake_send(&fake, "ERROR :banned");
    fake_close(&fake);
    CU_ASSERT(fake_wait_state(c, NC_STATE_WAITING, 3000));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(list)), 1);
    CU_ASSERT_PTR_NULL(nc_network_list_find(list, nc_network_config_get_id(fresh)));
    fake_client_finish(c);
    fake_stop(&fake);
}

static void test_success_saves_and_names(void)
{
    fake_start(&fake);
    g_autofree char *dir = temp_dir();
    g_autoptr(GSettings) s = settings_in(dir);
    g_autoptr(NcNetworkList) list = nc_network_list_new(s, dir);

    /* A new network: saved once the server accepts it, then named by it. */
    g_autoptr(NcNetworkConfig) fresh = example_network("127.0.0.1", fake.addr.port);
    const char *id = nc_network_config_get_id(fresh);
    NcClient *c = attempt_client(list, fresh);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("NICK alice"));
    CU_ASSERT(expect("USER "));
    CU_ASSERT_PTR_NULL(nc_network_list_find(list, id)); /* not before it succeeds */
    register_as("alice", "Test\\x20Net");
    CU_ASSERT(fake_wait_state(c, NC_STATE_CONNECTED, 3000));
    NameWait w = {list, id, "Test Net"};
    CU_ASSERT(fake_pump_until(has_name, &w, 3000));
    NcNetworkConfig *stored = nc_network_list_find(list, id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stored);
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_display_name(stored), "Test Net");
    CU_ASSERT_FALSE(nc_network_config_get_name_by_user(stored));
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_nick(stored), "alice");
    fake_client_finish(c);

    /* An edited attempt that succeeds replaces the saved values; the
     * name the server gave stays until the server says another. */
    g_autoptr(NcNetworkConfig) edit = nc_network_config_copy(nc_network_list_find(list, id));
    nc_network_config_set_nick(edit, "alice2");
    c = attempt_client(list, edit);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("NICK alice2"));
    register_as("alice2", "Renamed");
    w.name = "Renamed";
    CU_ASSERT(fake_pump_until(has_name, &w, 3000));
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_nick(nc_network_list_find(list, id)), "alice2");
    fake_client_finish(c);

    /* A name the user chose is kept whatever the server says. */
    g_autoptr(NcNetworkConfig) named = nc_network_config_copy(nc_network_list_find(list, id));
    nc_network_config_set_name(named, "Mine", TRUE);
    CU_ASSERT(nc_network_list_update(list, named));
    g_autoptr(NcNetworkConfig) again = nc_network_config_copy(nc_network_list_find(list, id));
    c = attempt_client(list, again);
    CU_ASSERT_FATAL(fake_accept(&fake, 3000));
    CU_ASSERT(expect("NICK alice2"));
    register_as("alice2", "ServerSays");
    CU_ASSERT(fake_wait_state(c, NC_STATE_CONNECTED, 3000));
    /* The 005 is in the server tab once a PING sent after it is answered. */
    nc_client_send_raw(c, "PING after-isupport");
    CU_ASSERT(expect("PING after-isupport"));
    fake_pump(100);
    stored = nc_network_list_find(list, id);
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_display_name(stored), "Mine");
    CU_ASSERT(nc_network_config_get_name_by_user(stored));
    fake_client_finish(c);

    /* And all of it is in the settings the next start reads. */
    g_settings_sync();
    g_autoptr(GSettings) s2 = settings_in(dir);
    g_autoptr(NcNetworkList) reread = nc_network_list_new(s2, dir);
    CU_ASSERT_EQUAL_FATAL(g_list_model_get_n_items(G_LIST_MODEL(reread)), 1);
    CU_ASSERT(
        nc_network_config_equal(nc_network_list_find(reread, id), nc_network_list_find(list, id)));
    fake_stop(&fake);
    remove_tree(dir);
}

/* nc_server_list_parse() on text, expecting success. */
static GArray *parse_ok(const char *text, gboolean tls, const NcServerAddress *first)
{
    g_autoptr(GError) error = NULL;
    GArray *servers = NULL;
    gboolean ok = nc_server_list_parse(text, tls, first, &servers, &error);
    if (!ok)
        fprintf(stderr, "\n  \"%s\" refused: %s\n", text, error->message);
    CU_ASSERT_FATAL(ok);
    CU_ASSERT_PTR_NULL(error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(servers);
    return servers;
}

static const NcServerAddress *at(GArray *servers, guint i)
{
    return &g_array_index(servers, NcServerAddress, i);
}

static gboolean server_is(const NcServerAddress *s, const char *host, guint16 port, gboolean tls)
{
    return strcmp(s->host, host) == 0 && s->port == port && s->tls == tls;
}

/* The refusal's code, and its message naming the entry. */
static void parse_refused(const char *text, const NcServerAddress *first, int code,
                          const char *named)
{
    g_autoptr(GError) error = NULL;
    GArray *servers = (GArray *)&servers; /* must come back NULL */
    CU_ASSERT_FALSE(nc_server_list_parse(text, TRUE, first, &servers, &error));
    CU_ASSERT_PTR_NULL(servers);
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    if (!g_error_matches(error, NC_SERVER_LIST_ERROR, code))
        fprintf(stderr, "\n  \"%s\": code %d, not %d\n", text, error->code, code);
    CU_ASSERT(g_error_matches(error, NC_SERVER_LIST_ERROR, code));
    if (!strstr(error->message, named))
        fprintf(stderr, "\n  \"%s\": \"%s\" does not name \"%s\"\n", text, error->message, named);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, named));
}

static void test_server_list_parse(void)
{
    /* Order kept; commas, spaces or both; no port: the TLS choice, port 0. */
    g_autoptr(GArray) a =
        parse_ok(" b.example.org, c.example.org  a.example.org,,d.example.org\t", TRUE, NULL);
    CU_ASSERT_EQUAL_FATAL(a->len, 4);
    CU_ASSERT(server_is(at(a, 0), "b.example.org", 0, TRUE));
    CU_ASSERT(server_is(at(a, 1), "c.example.org", 0, TRUE));
    CU_ASSERT(server_is(at(a, 2), "a.example.org", 0, TRUE));
    CU_ASSERT(server_is(at(a, 3), "d.example.org", 0, TRUE));

    /* Ports: the usual ones say TLS or not, '+' says TLS, others follow
     * the switch (either way). */
    g_autoptr(GArray) p = parse_ok("a:6667 b:6697 c:7000 d:+7000 e:+6667", FALSE, NULL);
    CU_ASSERT_EQUAL_FATAL(p->len, 5);
    CU_ASSERT(server_is(at(p, 0), "a", 6667, FALSE));
    CU_ASSERT(server_is(at(p, 1), "b", 6697, TRUE));
    CU_ASSERT(server_is(at(p, 2), "c", 7000, FALSE));
    CU_ASSERT(server_is(at(p, 3), "d", 7000, TRUE));
    CU_ASSERT(server_is(at(p, 4), "e", 6667, TRUE));
    g_autoptr(GArray) p2 = parse_ok("c:7000,a:6667", TRUE, NULL);
    CU_ASSERT(server_is(at(p2, 0), "c", 7000, TRUE));
    CU_ASSERT(server_is(at(p2, 1), "a", 6667, FALSE));

    /* IPv6: in brackets with or without a port, bare without one. */
    g_autoptr(GArray) v6 =
        parse_ok("[2001:db8::1]:6697 [::1] fe80::1 [fe80::2%eth0]:7000", TRUE, NULL);
    CU_ASSERT_EQUAL_FATAL(v6->len, 4);
    CU_ASSERT(server_is(at(v6, 0), "2001:db8::1", 6697, TRUE));
    CU_ASSERT(server_is(at(v6, 1), "::1", 0, TRUE));
    CU_ASSERT(server_is(at(v6, 2), "fe80::1", 0, TRUE));
    CU_ASSERT(server_is(at(v6, 3), "fe80::2%eth0", 7000, TRUE));

    /* Nothing typed: no servers, not an error. */
    g_autoptr(GArray) none = parse_ok("  , ", TRUE, NULL);
    CU_ASSERT_EQUAL(none->len, 0);
    g_autoptr(GArray) null_text = parse_ok(NULL, TRUE, NULL);
    CU_ASSERT_EQUAL(null_text->len, 0);

    /* Duplicates: host without case, port as it would be dialled (no
     * port is the TLS choice's usual one); the main server counts too. */
    parse_refused("a.org B.org b.ORG", NULL, NC_SERVER_LIST_ERROR_DUPLICATE, "b.ORG");
    parse_refused("a.org a.org:6697", NULL, NC_SERVER_LIST_ERROR_DUPLICATE, "a.org:6697");
    parse_refused("[::1]:7000 ::1 [::1]:+7000", NULL, NC_SERVER_LIST_ERROR_DUPLICATE,
                  "[::1]:+7000");
    NcServerAddress first = {(char *)"irc.example.org", 6697, TRUE};
    parse_refused("b.org IRC.example.org", &first, NC_SERVER_LIST_ERROR_DUPLICATE,
                  "IRC.example.org");
    /* Same host, another port: another server. */
    g_autoptr(GArray) ports = parse_ok("irc.example.org:6667 irc.example.org:7000", TRUE, &first);
    CU_ASSERT_EQUAL(ports->len, 2);

    /* Errors name the entry; nothing is dropped. */
    parse_refused("a.org :6697", NULL, NC_SERVER_LIST_ERROR_EMPTY_HOST, ":6697");
    parse_refused("[]:6697", NULL, NC_SERVER_LIST_ERROR_EMPTY_HOST, "[]:6697");
    parse_refused("a.org:0", NULL, NC_SERVER_LIST_ERROR_BAD_PORT, "a.org:0");
    parse_refused("a.org:65536", NULL, NC_SERVER_LIST_ERROR_BAD_PORT, "a.org:65536");
    parse_refused("a.org:", NULL, NC_SERVER_LIST_ERROR_BAD_PORT, "a.org:");
    parse_refused("a.org:+", NULL, NC_SERVER_LIST_ERROR_BAD_PORT, "a.org:+");
    parse_refused("a.org:66x", NULL, NC_SERVER_LIST_ERROR_BAD_PORT, "a.org:66x");
    parse_refused("a.org:-1", NULL, NC_SERVER_LIST_ERROR_BAD_PORT, "a.org:-1");
    parse_refused("[::1", NULL, NC_SERVER_LIST_ERROR_BAD_HOST, "[::1");
    parse_refused("[::1]6697", NULL, NC_SERVER_LIST_ERROR_BAD_HOST, "[::1]6697");
    parse_refused("[irc.example.org]", NULL, NC_SERVER_LIST_ERROR_BAD_HOST, "[irc.example.org]");
    parse_refused("irc://irc.example.org", NULL, NC_SERVER_LIST_ERROR_BAD_HOST,
                  "irc://irc.example.org");
    parse_refused("alice@irc.example.org", NULL, NC_SERVER_LIST_ERROR_BAD_HOST, "alice@");

    /* At most NC_NETWORK_MAX_SERVERS, the main server included. */
    g_autoptr(GString) many = g_string_new(NULL);
    for (guint i = 1; i < NC_NETWORK_MAX_SERVERS; i++)
        g_string_append_printf(many, "s%u.example.org ", i);
    g_autoptr(GArray) fifteen = parse_ok(many->str, TRUE, &first);
    CU_ASSERT_EQUAL(fifteen->len, NC_NETWORK_MAX_SERVERS - 1);
    g_string_append(many, "s16.example.org");
    g_autoptr(GArray) sixteen = parse_ok(many->str, TRUE, NULL);
    CU_ASSERT_EQUAL(sixteen->len, NC_NETWORK_MAX_SERVERS);
    parse_refused(many->str, &first, NC_SERVER_LIST_ERROR_TOO_MANY, "17");

    /* A pasted list of thousands is refused at once, not compared
     * entry against entry (under a second even under valgrind). */
    g_autoptr(GString) huge = g_string_new(NULL);
    for (guint i = 0; i < 5000; i++)
        g_string_append_printf(huge, "h%u.example.org:%u, ", i, 1000 + i % 60000);
    gint64 start = g_get_monotonic_time();
    parse_refused(huge->str, &first, NC_SERVER_LIST_ERROR_TOO_MANY, "5001");
    gint64 took = g_get_monotonic_time() - start;
    CU_ASSERT(took < G_USEC_PER_SEC);
}

/* What the dialog shows reads back as the same servers. */
static void test_server_list_format(void)
{
    NcServerAddress list[] = {
        {(char *)"b.example.org", 0, TRUE},    {(char *)"c.example.org", 7000, TRUE},
        {(char *)"d.example.org", 0, FALSE},   {(char *)"2001:db8::1", 6697, TRUE},
        {(char *)"e.example.org", 6667, TRUE},
    };
    g_autofree char *text = nc_server_list_format(list, G_N_ELEMENTS(list), TRUE);
    CU_ASSERT_STRING_EQUAL(text, "b.example.org, c.example.org:7000, d.example.org:6667, "
                                 "[2001:db8::1]:6697, e.example.org:+6667");
    g_autoptr(GArray) back = parse_ok(text, TRUE, NULL);
    CU_ASSERT_EQUAL_FATAL(back->len, G_N_ELEMENTS(list));
    CU_ASSERT(server_is(at(back, 0), "b.example.org", 0, TRUE));
    CU_ASSERT(server_is(at(back, 1), "c.example.org", 7000, TRUE));
    /* Port 0 without TLS under a TLS switch: the usual port says it. */
    CU_ASSERT(server_is(at(back, 2), "d.example.org", 6667, FALSE));
    CU_ASSERT(server_is(at(back, 3), "2001:db8::1", 6697, TRUE));
    CU_ASSERT(server_is(at(back, 4), "e.example.org", 6667, TRUE));
    g_autofree char *empty = nc_server_list_format(NULL, 0, TRUE);
    CU_ASSERT_STRING_EQUAL(empty, "");
}

/* A network of three servers, the others set from typed text, survives a
 * restart in order; setting the others again replaces them. */
static void test_three_servers_round_trip(void)
{
    g_autofree char *dir = temp_dir();
    g_autoptr(NcNetworkConfig) n = example_network("irc.example.org", 6697);
    nc_network_config_set_first_server(n, "irc.example.org", 6697, TRUE);
    NcServerAddress first = *nc_network_config_get_server(n, 0);
    g_autoptr(GArray) old = parse_ok("old.example.org", TRUE, &first);
    nc_network_config_set_other_servers(n, (NcServerAddress *)(gpointer)old->data, old->len);
    g_autoptr(GArray) others = parse_ok("[2001:db8::7]:+7000, eu.example.org:6667", TRUE, &first);
    nc_network_config_set_other_servers(n, (NcServerAddress *)(gpointer)others->data, others->len);
    CU_ASSERT_EQUAL_FATAL(nc_network_config_get_n_servers(n), 3);
    {
        g_autoptr(GSettings) s = settings_in(dir);
        g_autoptr(NcNetworkList) list = nc_network_list_new(s, dir);
        CU_ASSERT(nc_network_list_add(list, n));
        g_settings_sync();
    }
    g_autoptr(GSettings) s = settings_in(dir);
    g_autoptr(NcNetworkList) list = nc_network_list_new(s, dir);
    NcNetworkConfig *back = nc_network_list_find(list, nc_network_config_get_id(n));
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT(nc_network_config_equal(n, back));
    CU_ASSERT_EQUAL_FATAL(nc_network_config_get_n_servers(back), 3);
    CU_ASSERT(server_is(nc_network_config_get_server(back, 0), "irc.example.org", 6697, TRUE));
    CU_ASSERT(server_is(nc_network_config_get_server(back, 1), "2001:db8::7", 7000, TRUE));
    CU_ASSERT(server_is(nc_network_config_get_server(back, 2), "eu.example.org", 6667, FALSE));
    /* Any of them finds the network. */
    CU_ASSERT_PTR_EQUAL(nc_network_list_find_server(list, "EU.example.org", 6667), back);
    CU_ASSERT_PTR_EQUAL(nc_network_list_find_server(list, "2001:db8::7", 7000), back);
    CU_ASSERT_PTR_NULL(nc_network_list_find_server(list, "old.example.org", 0));
    /* The dialog's text for the others. */
    g_autofree char *text = nc_server_list_format(nc_network_config_get_server(back, 1), 2, TRUE);
    CU_ASSERT_STRING_EQUAL(text, "[2001:db8::7]:7000, eu.example.org:6667");
    /* No others: the first alone stays. */
    g_autoptr(NcNetworkConfig) alone = nc_network_config_copy(back);
    nc_network_config_set_other_servers(alone, NULL, 0);
    CU_ASSERT_EQUAL(nc_network_config_get_n_servers(alone), 1);
    CU_ASSERT_STRING_EQUAL(nc_network_config_get_server(alone, 0)->host, "irc.example.org");
    remove_tree(dir);
}

static CU_TestInfo tests[] = {
    {"networks survive a restart, in order", test_round_trip},
    {"add, edit, remove, reorder, find", test_edit_remove_reorder},
    {"a typed list of servers: order, ports, IPv6, duplicates, errors", test_server_list_parse},
    {"a list of servers as shown reads back the same", test_server_list_format},
    {"a network of three servers survives a restart", test_three_servers_round_trip},
    {"the old single server migrates once, logs kept", test_migration},
    {"one log folder per network ID", test_log_folder_per_network},
    {"ISUPPORT values and the network name", test_isupport_values},
    {"ISUPPORT: bad UTF-8 made valid, keys capped", test_isupport_bad_values},
    {"a removal or edit made while connecting wins", test_edits_while_connecting_win},
    {"the server buffer is titled by the network's name", test_server_buffer_title},
    {"passwords no other network uses", test_unshared_secrets},
    {"removing a network forgets its passwords", test_remove_forgets_passwords},
    {"a failed attempt saves nothing", test_failed_attempt_saves_nothing},
    {"success saves; NETWORK= names it, not over the user", test_success_saves_and_names},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("gui-networks", tests);
}

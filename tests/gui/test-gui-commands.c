/* SPDX-License-Identifier: MIT */
/* The everyday commands: parsing each one and its bad uses, /help from the
 * command table, ignore masks (globs, rfc1459 case folding, kept in the
 * settings), and, against the scripted server on a real socket, what
 * each command sends, an ignored sender's PRIVMSG, NOTICE, ACTION, CTCP
 * and INVITE reaching no buffer, /msg opening a query, /clear and
 * /reconnect. */
#define G_SETTINGS_ENABLE_BACKEND
#include "checks.h"
#include "client.h"
#include "fake-server.h"
#include "fold.h"
#include "helpers.h"
#include "ignore.h"
#include "input.h"

#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <string.h>

static FakeServer fake;

/* ---- parsing ------------------------------------------------------------ */

#define check_cmd nc_test_check_cmd
#define check_usage nc_test_check_usage

static void test_parse(void)
{
    check_cmd("/help", NC_CMD_HELP, NULL, NULL);
    check_cmd("/away gone fishing", NC_CMD_AWAY, NULL, "gone fishing");
    check_cmd("/away", NC_CMD_AWAY, NULL, NULL);
    check_cmd("/back", NC_CMD_BACK, NULL, NULL);
    check_cmd("/list", NC_CMD_LIST, NULL, NULL);
    check_cmd("/list #natter*,#gtk", NC_CMD_LIST, NULL, "#natter*,#gtk");
    check_cmd("/HELP kick", NC_CMD_HELP, "kick", NULL);
    check_cmd("/help /ban", NC_CMD_HELP, "ban", NULL);
    check_cmd("/notice bob hi  there", NC_CMD_NOTICE, "bob", "hi  there");
    check_cmd("/notice #c hello", NC_CMD_NOTICE, "#c", "hello");
    check_cmd("/invite bob", NC_CMD_INVITE, "bob", NULL);
    check_cmd("/invite bob #x", NC_CMD_INVITE, "bob", "#x");
    check_cmd("/kick bob", NC_CMD_KICK, "bob", NULL);
    check_cmd("/kick bob go away", NC_CMD_KICK, "bob", "go away");
    check_cmd("/ban bob", NC_CMD_BAN, "bob", NULL);
    check_cmd("/ban *!*@evil.example", NC_CMD_BAN, "*!*@evil.example", NULL);
    check_cmd("/mode +i", NC_CMD_MODE, NULL, "+i");
    check_cmd("/mode -m", NC_CMD_MODE, NULL, "-m");
    check_cmd("/mode #c +o bob", NC_CMD_MODE, "#c", "+o bob");
    check_cmd("/mode #c", NC_CMD_MODE, "#c", NULL);
    check_cmd("/op a b", NC_CMD_OP, NULL, "a b");
    check_cmd("/deop a", NC_CMD_DEOP, NULL, "a");
    check_cmd("/voice a b c d", NC_CMD_VOICE, NULL, "a b c d");
    check_cmd("/devoice a", NC_CMD_DEVOICE, NULL, "a");
    check_cmd("/ignore", NC_CMD_IGNORE, NULL, NULL);
    check_cmd("/ignore troll", NC_CMD_IGNORE, "troll", NULL);
    check_cmd("/unignore troll!*@*", NC_CMD_UNIGNORE, "troll!*@*", NULL);
    check_cmd("/clear", NC_CMD_CLEAR, NULL, NULL);
    check_cmd("/reconnect", NC_CMD_RECONNECT, NULL, NULL);
    check_cmd("/msg #c hi", NC_CMD_MSG, "#c", "hi");
    /* Aliases come from the same table. */
    check_cmd("/j c", NC_CMD_JOIN, "#c", NULL);
    check_cmd("/leave", NC_CMD_PART, NULL, NULL);
    check_cmd("/raw PING x", NC_CMD_QUOTE, NULL, "PING x");
    check_cmd("/knock #c", NC_CMD_OTHER, NULL, "KNOCK #c");

    check_usage("/notice", "Usage: /notice nick|#channel message");
    check_usage("/notice bob", "Usage: /notice nick|#channel message");
    check_usage("/msg bob   ", "Usage: /msg nick|#channel message");
    check_usage("/invite", "Usage: /invite nick [#channel]");
    check_usage("/kick", "Usage: /kick nick [reason]");
    check_usage("/ban", "Usage: /ban nick|mask");
    check_usage("/mode", "Usage: /mode [target] modes [arguments]");
    check_usage("/op", "Usage: /op nick [nick...]");
    check_usage("/deop  ", "Usage: /deop nick [nick...]");
    check_usage("/voice", "Usage: /voice nick [nick...]");
    check_usage("/devoice", "Usage: /devoice nick [nick...]");
    check_usage("/unignore", "Usage: /unignore nick|nick!user@host");
    check_usage("/join", "Usage: /join #channel [key]");
    check_usage("/j", "Usage: /join #channel [key]");
}

static void test_help_text(void)
{
    g_auto(GStrv) all = nc_command_help(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(all);
    /* A heading, one line per command, and a word about the rest. */
    guint n = g_strv_length(all);
    CU_ASSERT_EQUAL(n, 29 + 2);
    const char *expected[] = {
        "/help [command] — ", "/kick nick [reason] — Remove someone", "/clear — Empty",
        "/reconnect — ",      "/ignore [nick|nick!user@host] — ",     "/quote RAW IRC LINE — "};
    for (gsize e = 0; e < G_N_ELEMENTS(expected); e++) {
        gboolean found = FALSE;
        for (guint i = 0; all[i]; i++)
            found = found || g_str_has_prefix(all[i], expected[e]);
        if (!found)
            fprintf(stderr, "no help line starts with \"%s\"\n", expected[e]);
        CU_ASSERT(found);
    }
    /* Every listed command is one the parser knows, with its usage. */
    for (guint i = 1; i + 1 < n; i++) {
        g_autofree char *name = g_strndup(all[i] + 1, strcspn(all[i] + 1, " "));
        g_autofree char *usage = nc_command_usage(name);
        CU_ASSERT_PTR_NOT_NULL(usage);
        g_auto(GStrv) one = nc_command_help(name);
        CU_ASSERT_PTR_NOT_NULL(one);
    }

    g_auto(GStrv) kick = nc_command_help("kick");
    CU_ASSERT_EQUAL_FATAL(g_strv_length(kick), 2);
    CU_ASSERT_STRING_EQUAL(kick[0], "Usage: /kick nick [reason]");
    CU_ASSERT_STRING_EQUAL(kick[1], "Remove someone from this channel");
    g_auto(GStrv) join = nc_command_help("/J");
    CU_ASSERT_EQUAL_FATAL(g_strv_length(join), 3);
    CU_ASSERT_STRING_EQUAL(join[0], "Usage: /join #channel [key]");
    CU_ASSERT_STRING_EQUAL(join[2], "Also: /j");
    g_auto(GStrv) clear = nc_command_help("clear");
    CU_ASSERT_STRING_EQUAL(clear[0], "Usage: /clear");
    CU_ASSERT_PTR_NULL(nc_command_help("frobnicate"));
    CU_ASSERT_PTR_NULL(nc_command_usage("frobnicate"));
}

/* ---- masks -------------------------------------------------------------- */

static void check_normal(const char *typed, const char *full)
{
    g_autofree char *got = nc_ignore_mask_normalize(typed);
    CU_ASSERT_STRING_EQUAL(got ? got : "(null)", full ? full : "(null)");
}

static void test_masks(void)
{
    check_normal("bob", "bob!*@*");
    check_normal("bob!~b", "bob!~b@*");
    check_normal("~b@host.example", "*!~b@host.example");
    check_normal("*!*@*.evil.example", "*!*@*.evil.example");
    check_normal("", NULL);
    check_normal("two words", NULL);
    check_normal("a!b!c", NULL);
    check_normal("a@b@c", NULL);
    check_normal("a@b!c", NULL);
    check_normal("!x@y", NULL);
    check_normal("x!@y", NULL);
    check_normal("x!y@", NULL);
    check_normal("x!", NULL);
    check_normal("a,b", NULL);

    CU_ASSERT(nc_ignore_mask_match("bob!*@*", "bob", "u", "h"));
    CU_ASSERT(nc_ignore_mask_match("bob!*@*", "BOB", "u", "h"));
    CU_ASSERT_FALSE(nc_ignore_mask_match("bob!*@*", "bobby", "u", "h"));
    CU_ASSERT(nc_ignore_mask_match("bob*!*@*", "bobby", "u", "h"));
    CU_ASSERT(nc_ignore_mask_match("b?b!*@*", "bab", "u", "h"));
    CU_ASSERT_FALSE(nc_ignore_mask_match("b?b!*@*", "bb", "u", "h"));
    CU_ASSERT(nc_ignore_mask_match("*!*@*.EVIL.example", "x", "y", "a.b.evil.EXAMPLE"));
    CU_ASSERT_FALSE(nc_ignore_mask_match("*!*@*.evil.example", "x", "y", "evil.example"));
    CU_ASSERT(nc_ignore_mask_match("*!~b@*", "anyone", "~b", "h"));
    CU_ASSERT_FALSE(nc_ignore_mask_match("*!~b@*", "anyone", "b", "h"));
    /* rfc1459: {}|^ are the lower case of []\~. */
    CU_ASSERT(nc_ignore_mask_match("[dan]!*@*", "{DAN}", "u", "h"));
    CU_ASSERT(nc_ignore_mask_match("a\\b^!*@*", "A|B~", "u", "h"));
    CU_ASSERT(nc_ignore_mask_match("*!*@*", "x", NULL, NULL));
    CU_ASSERT_FALSE(nc_ignore_mask_match("*!u@*", "x", NULL, NULL));
    CU_ASSERT_FALSE(nc_ignore_mask_match("bob!*@*", NULL, "u", "h"));
    /* Many stars do not make it slow or wrong. */
    CU_ASSERT_FALSE(
        nc_ignore_mask_match("*a*a*a*a*a*a*a*a*b!*@*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "u", "h"));

    g_autoptr(NcIgnoreList) list = nc_ignore_list_new(NULL, NULL);
    g_autofree char *added = NULL;
    CU_ASSERT(nc_ignore_list_add(list, "Troll", &added));
    CU_ASSERT_STRING_EQUAL(added, "Troll!*@*");
    g_autofree char *again = NULL;
    CU_ASSERT_FALSE(nc_ignore_list_add(list, "troll!*@*", &again));
    CU_ASSERT_STRING_EQUAL(again, "Troll!*@*");
    g_autofree char *bad = NULL;
    CU_ASSERT_FALSE(nc_ignore_list_add(list, "a b", &bad));
    CU_ASSERT_PTR_NULL(bad);
    CU_ASSERT(nc_ignore_list_add(list, "*!*@spam.example", NULL));
    CU_ASSERT_EQUAL(g_strv_length((char **)nc_ignore_list_get_masks(list)), 2);
    CU_ASSERT(nc_ignore_list_matches(list, "TROLL", "x", "y"));
    CU_ASSERT(nc_ignore_list_matches(list, "nice", "x", "spam.example"));
    CU_ASSERT_FALSE(nc_ignore_list_matches(list, "nice", "x", "y"));
    g_autofree char *removed = NULL;
    CU_ASSERT(nc_ignore_list_remove(list, "TROLL", &removed));
    CU_ASSERT_STRING_EQUAL(removed, "Troll!*@*");
    CU_ASSERT_FALSE(nc_ignore_list_remove(list, "troll", NULL));
    CU_ASSERT_FALSE(nc_ignore_list_matches(list, "troll", "x", "y"));
    CU_ASSERT_STRING_EQUAL(nc_ignore_list_get_masks(list)[0], "*!*@spam.example");
    CU_ASSERT_PTR_NULL(nc_ignore_list_get_masks(list)[1]);
}

/* natter's schema, compiled into the build folder, with settings in a
 * key file at path. */
static GSettings *settings_in(const char *path)
{
    g_autoptr(GSettingsBackend) backend = g_keyfile_settings_backend_new(path, "/", NULL);
    return nc_test_settings(NATTER_SCHEMA_BUILD_DIR, backend);
}

static void test_persistence(void)
{
    g_autofree char *dir = g_dir_make_tmp("natter-ignore-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "settings.ini", NULL);
    {
        g_autoptr(GSettings) s = settings_in(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        g_autoptr(NcIgnoreList) a = nc_ignore_list_new(s, "ignore-masks");
        g_autoptr(NcIgnoreList) b = nc_ignore_list_new(s, "ignore-masks");
        CU_ASSERT_PTR_NULL(nc_ignore_list_get_masks(a)[0]);
        CU_ASSERT(nc_ignore_list_add(a, "troll", NULL));
        CU_ASSERT(nc_ignore_list_add(a, "~spam@*", NULL));
        g_auto(GStrv) stored = g_settings_get_strv(s, "ignore-masks");
        CU_ASSERT_EQUAL_FATAL(g_strv_length(stored), 2);
        CU_ASSERT_STRING_EQUAL(stored[0], "troll!*@*");
        CU_ASSERT_STRING_EQUAL(stored[1], "*!~spam@*");
        /* Another list on the same settings follows. */
        CU_ASSERT(nc_ignore_list_matches(b, "Troll", "u", "h"));
        g_settings_sync();
    }
    /* A new start: the file brings the list back. */
    {
        g_autoptr(GSettings) s = settings_in(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        g_autoptr(NcIgnoreList) c = nc_ignore_list_new(s, "ignore-masks");
        const char *const *masks = nc_ignore_list_get_masks(c);
        CU_ASSERT_EQUAL_FATAL(g_strv_length((char **)masks), 2);
        CU_ASSERT_STRING_EQUAL(masks[0], "troll!*@*");
        CU_ASSERT_STRING_EQUAL(masks[1], "*!~spam@*");
        CU_ASSERT(nc_ignore_list_remove(c, "troll", NULL));
        g_settings_sync();
    }
    {
        g_autoptr(GSettings) s = settings_in(path);
        g_autoptr(NcIgnoreList) d = nc_ignore_list_new(s, "ignore-masks");
        CU_ASSERT_EQUAL(g_strv_length((char **)nc_ignore_list_get_masks(d)), 1);
        CU_ASSERT_FALSE(nc_ignore_list_matches(d, "troll", "u", "h"));
    }
    g_unlink(path);
    g_rmdir(dir);
}

/* ---- against the scripted server ---------------------------------------- */

static gboolean expect(const char *prefix)
{
    g_autofree char *line = fake_expect(&fake, prefix, 3000);
    if (!line)
        fprintf(stderr, "did not get a line starting with \"%s\"\n", prefix);
    return line != NULL;
}

/* The very next line the client sends is exactly want. */
static gboolean next_is(const char *want)
{
    g_autofree char *line = fake_expect(&fake, "", 3000);
    if (g_strcmp0(line, want) != 0)
        fprintf(stderr, "got \"%s\", wanted \"%s\"\n", line ? line : "(nothing)", want);
    return g_strcmp0(line, want) == 0;
}

static gboolean chan_ready(gpointer data)
{
    NcBuffer *b = nc_network_find_buffer(nc_client_get_network(data), "#chan");
    return b && nc_buffer_get_joined(b) && nc_buffer_find_member(b, "bad");
}

/* Nothing else went to the server: the next line out is a PING with
 * marker, sent now. */
static gboolean nothing_sent(NcClient *c, NcBuffer *b, const char *marker)
{
    g_autofree char *line = g_strdup_printf("/quote PING %s", marker);
    g_autofree char *want = g_strdup_printf("PING %s", marker);
    return nc_client_send_input(c, b, line, NULL) && next_is(want);
}

/* Accept, register as "me" (a server without CAP) and take the JOIN of
 * #chan, answered. */
static gboolean register_and_join(NcClient *c)
{
    if (!fake_accept(&fake, 3000) || !expect("NICK me") || !expect("USER "))
        return FALSE;
    fake_send(&fake, ":srv 001 me :Welcome");
    fake_send(&fake, ":srv 005 me PREFIX=(ov)@+ CHANTYPES=# :are supported");
    if (!fake_wait_state(c, NC_STATE_CONNECTED, 3000) || !expect("JOIN #chan"))
        return FALSE;
    fake_send(&fake, ":me!u@h JOIN #chan");
    fake_send(&fake, ":srv 353 me = #chan :me @op bad");
    fake_send(&fake, ":srv 366 me #chan :End of NAMES");
    return fake_pump_until(chan_ready, c, 3000);
}

/* A client registered and in #chan (*chan; *server: its server tab), or NULL. */
static NcClient *connected_client(NcBuffer **chan, NcBuffer **server)
{
    fake_start(&fake);
    NcClient *c = nc_client_new("127.0.0.1", fake.addr.port, "me", "Me", NULL);
    nc_client_set_tls(c, FALSE);
    nc_client_set_timing(c, 5000, 15000, 50, 400, 2000);
    const char *autojoin[] = {"#chan", NULL};
    nc_client_set_autojoin(c, autojoin);
    nc_client_connect(c);
    if (!register_and_join(c)) {
        fake_client_finish(c);
        fake_stop(&fake);
        return NULL;
    }
    *chan = nc_network_find_buffer(nc_client_get_network(c), "#chan");
    *server = nc_network_get_server_buffer(nc_client_get_network(c));
    return c;
}

static void finish(NcClient *c)
{
    fake_client_finish(c);
    fake_stop(&fake);
}

static guint n_messages(NcBuffer *b)
{
    return g_list_model_get_n_items(nc_buffer_get_messages(b));
}

static NcMessage *last_message(NcBuffer *b)
{
    guint n = n_messages(b);
    return n ? g_list_model_get_item(nc_buffer_get_messages(b), n - 1) : NULL;
}

/* How many messages in b contain text. */
static guint count_text(NcBuffer *b, const char *text)
{
    guint n = 0;
    for (guint i = 0; i < n_messages(b); i++) {
        g_autoptr(NcMessage) m = g_list_model_get_item(nc_buffer_get_messages(b), i);
        if (strstr(nc_message_get_text(m), text))
            n++;
    }
    return n;
}

/* Messages anywhere on the network containing text. */
static guint count_everywhere(NcClient *c, const char *text)
{
    GListModel *buffers = nc_network_get_buffers(nc_client_get_network(c));
    guint n = 0;
    for (guint i = 0; i < g_list_model_get_n_items(buffers); i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        n += count_text(b, text);
    }
    return n;
}

typedef struct {
    NcClient *client;
    const char *text;
} Seen;

static gboolean text_seen(gpointer data)
{
    Seen *s = data;
    return count_everywhere(s->client, s->text) > 0;
}

static gboolean wait_text(NcClient *c, const char *text)
{
    Seen s = {c, text};
    return fake_pump_until(text_seen, &s, 3000);
}

static void on_highlight(NcClient *c, NcBuffer *b, NcMessage *m, guint *count)
{
    (*count)++;
}

static void test_help_in_buffer(void)
{
    NcBuffer *chan = NULL, *server = NULL;
    NcClient *c = connected_client(&chan, &server);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    guint before = n_messages(chan);
    CU_ASSERT(nc_client_send_input(c, chan, "/help", NULL));
    CU_ASSERT_EQUAL(n_messages(chan), before + 31);
    CU_ASSERT_EQUAL(count_text(chan, "/kick nick [reason] — Remove someone from this channel"), 1);
    CU_ASSERT(nc_client_send_input(c, chan, "/help kick", NULL));
    {
        g_autoptr(NcMessage) m = last_message(chan);
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(m), "Remove someone from this channel");
        CU_ASSERT_EQUAL(nc_message_get_kind(m), NC_MSG_STATUS);
        CU_ASSERT_PTR_NULL(nc_message_get_sender(m));
    }
    CU_ASSERT(nc_client_send_input(c, chan, "/help frob", NULL));
    {
        g_autoptr(NcMessage) m = last_message(chan);
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(m),
                               "/frob is not a natter command: /help lists them");
        CU_ASSERT_EQUAL(nc_message_get_kind(m), NC_MSG_ERROR);
    }
    /* Nothing of it went to the server: the next line out is the marker. */
    CU_ASSERT(nothing_sent(c, chan, "after-help"));
    finish(c);
}

static void test_commands_to_lines(void)
{
    NcBuffer *chan = NULL, *server = NULL;
    NcClient *c = connected_client(&chan, &server);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);

    CU_ASSERT(nc_client_send_input(c, chan, "/notice bob psst", NULL));
    CU_ASSERT(next_is("NOTICE bob :psst"));
    CU_ASSERT(nc_client_send_input(c, chan, "/notice #chan all", NULL));
    CU_ASSERT(next_is("NOTICE #chan :all"));
    {
        g_autoptr(NcMessage) m = last_message(chan);
        CU_ASSERT_EQUAL(nc_message_get_kind(m), NC_MSG_NOTICE);
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(m), "all");
    }
    CU_ASSERT(nc_client_send_input(c, chan, "/invite bob", NULL));
    CU_ASSERT(next_is("INVITE bob #chan"));
    CU_ASSERT(nc_client_send_input(c, server, "/invite bob #other", NULL));
    CU_ASSERT(next_is("INVITE bob #other"));
    CU_ASSERT(nc_client_send_input(c, chan, "/kick bad", NULL));
    CU_ASSERT(next_is("KICK #chan bad"));
    CU_ASSERT(nc_client_send_input(c, chan, "/kick bad be nice", NULL));
    CU_ASSERT(next_is("KICK #chan bad :be nice"));
    CU_ASSERT(nc_client_send_input(c, chan, "/ban bad", NULL));
    CU_ASSERT(next_is("MODE #chan +b bad!*@*"));
    CU_ASSERT(nc_client_send_input(c, chan, "/ban *!*@evil.example", NULL));
    CU_ASSERT(next_is("MODE #chan +b *!*@evil.example"));
    CU_ASSERT(nc_client_send_input(c, chan, "/mode +m", NULL));
    CU_ASSERT(next_is("MODE #chan +m"));
    CU_ASSERT(nc_client_send_input(c, chan, "/mode #other +k key", NULL));
    CU_ASSERT(next_is("MODE #other +k key"));
    CU_ASSERT(nc_client_send_input(c, server, "/mode +i", NULL));
    CU_ASSERT(next_is("MODE me +i"));
    CU_ASSERT(nc_client_send_input(c, chan, "/op a", NULL));
    CU_ASSERT(next_is("MODE #chan +o a"));
    CU_ASSERT(nc_client_send_input(c, chan, "/deop a  b", NULL));
    CU_ASSERT(next_is("MODE #chan -oo a b"));
    CU_ASSERT(nc_client_send_input(c, chan, "/voice a b c d", NULL));
    CU_ASSERT(next_is("MODE #chan +vvv a b c"));
    CU_ASSERT(next_is("MODE #chan +v d"));
    CU_ASSERT(nc_client_send_input(c, chan, "/devoice a", NULL));
    CU_ASSERT(next_is("MODE #chan -v a"));

    /* Bad use: a clear error, nothing sent. */
    struct {
        NcBuffer *where;
        const char *line;
        const char *error;
    } bad[] = {
        {server, "/kick bad", "Usage: /kick nick [reason] (in a channel's tab)"},
        {server, "/ban bad", "Usage: /ban nick|mask (in a channel's tab)"},
        {chan, "/ban b@c@d", "Usage: /ban nick|mask (not a nick or nick!user@host mask)"},
        {server, "/op a", "Usage: /op nick [nick...] (in a channel's tab)"},
        {server, "/devoice a", "Usage: /devoice nick [nick...] (in a channel's tab)"},
        {server, "/invite bob",
         "Usage: /invite nick [#channel] (name the channel outside a channel's tab)"},
        {chan, "/invite bob other",
         "Usage: /invite nick [#channel] (the second word must be a channel)"},
        {chan, "/kick", "Usage: /kick nick [reason]"},
        {server, "/part", "Usage: /part [#channel] [reason]"},
        {server, "/topic", "Usage: /topic [#channel] [new topic]"},
        {chan, "/unignore nobody", "nobody is not being ignored (/ignore lists whom you ignore)"},
        {chan, "/ignore a@b@c",
         "Usage: /ignore [nick|nick!user@host] (not a nick or "
         "nick!user@host mask)"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        CU_ASSERT_FALSE(nc_client_send_input(c, bad[i].where, bad[i].line, &error));
        CU_ASSERT_PTR_NOT_NULL(error);
        if (error && strcmp(error->message, bad[i].error) != 0)
            fprintf(stderr, "%s: \"%s\"\n", bad[i].line, error->message);
        CU_ASSERT(error && strcmp(error->message, bad[i].error) == 0);
    }
    CU_ASSERT(nothing_sent(c, chan, "after-bad"));
    finish(c);
}

static void test_commands_need_connection(void)
{
    NcClient *c = nc_client_new("127.0.0.1", 1, "me", "Me", NULL);
    NcBuffer *server = nc_network_get_server_buffer(nc_client_get_network(c));
    const char *lines[] = {"/notice bob hi", "/invite bob #c", "/mode +i"};
    for (gsize i = 0; i < G_N_ELEMENTS(lines); i++) {
        g_autoptr(GError) error = NULL;
        CU_ASSERT_FALSE(nc_client_send_input(c, server, lines[i], &error));
        CU_ASSERT(error && strcmp(error->message, "Not connected to the server yet") == 0);
    }
    /* Local ones work without a server. */
    CU_ASSERT(nc_client_send_input(c, server, "/ignore troll", NULL));
    CU_ASSERT(nc_ignore_list_matches(nc_client_get_ignore_list(c), "troll", "u", "h"));
    CU_ASSERT(nc_client_send_input(c, server, "/help", NULL));
    CU_ASSERT(n_messages(server) > 0);
    CU_ASSERT(nc_client_send_input(c, server, "/clear", NULL));
    CU_ASSERT_EQUAL(n_messages(server), 0);
    g_object_unref(c);
}

static void test_ignore_applied(void)
{
    NcBuffer *chan = NULL, *server = NULL;
    NcClient *c = connected_client(&chan, &server);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    NcNetwork *net = nc_client_get_network(c);
    guint highlights = 0;
    g_signal_connect(c, "highlight", G_CALLBACK(on_highlight), &highlights);
    nc_buffer_set_active(chan, TRUE); /* the one shown: an INVITE is told there */

    CU_ASSERT(nc_client_send_input(c, chan, "/ignore BAD", NULL));
    {
        g_autoptr(NcMessage) m = last_message(chan);
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(m),
                               "Ignoring BAD!*@*: nothing they send you will be shown");
    }
    CU_ASSERT(nc_client_send_input(c, chan, "/ignore *!*@*.spam.example", NULL));
    CU_ASSERT(nc_client_send_input(c, chan, "/ignore", NULL));
    {
        g_autoptr(NcMessage) m = last_message(chan);
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(m), "*!*@*.spam.example");
    }
    guint chan_before = n_messages(chan), server_before = n_messages(server);
    guint buffers_before = g_list_model_get_n_items(nc_network_get_buffers(net));

    /* Every kind, from the nick (in another case) and from the host. */
    const char *from[] = {":bad!u@h", ":Bad!x@y", ":zed!z@a.spam.example"};
    for (gsize i = 0; i < G_N_ELEMENTS(from); i++) {
        fake_send(&fake, "%s PRIVMSG #chan :ignored-chan me", from[i]);
        fake_send(&fake, "%s PRIVMSG me :ignored-private", from[i]);
        fake_send(&fake, "%s NOTICE me :ignored-notice", from[i]);
        fake_send(&fake, "%s NOTICE #chan :ignored-chan-notice", from[i]);
        fake_send(&fake, "%s PRIVMSG #chan :\001ACTION ignored-action\001", from[i]);
        fake_send(&fake, "%s PRIVMSG me :\001ACTION ignored-private-action\001", from[i]);
        fake_send(&fake, "%s PRIVMSG me :\001VERSION\001", from[i]);
        fake_send(&fake, "%s INVITE me :#ignored-invite", from[i]);
    }
    /* Someone else's lines after them: once these are in, so would the others be. */
    fake_send(&fake, ":good!g@h INVITE me :#welcome");
    fake_send(&fake, ":good!g@h PRIVMSG #chan :heard");
    CU_ASSERT(wait_text(c, "heard"));
    CU_ASSERT_EQUAL(count_everywhere(c, "ignored"), 0);
    CU_ASSERT_EQUAL(count_text(chan, "good invites you to #welcome"), 1);
    CU_ASSERT_EQUAL(n_messages(chan), chan_before + 2);
    CU_ASSERT_EQUAL(n_messages(server), server_before);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_network_get_buffers(net)), buffers_before);
    CU_ASSERT_PTR_NULL(nc_network_find_buffer(net, "bad"));
    CU_ASSERT_PTR_NULL(nc_network_find_buffer(net, "zed"));
    CU_ASSERT_EQUAL(highlights, 0);
    /* No CTCP VERSION answer went out: the next line is ours. */
    CU_ASSERT(nothing_sent(c, chan, "after-ignore"));

    /* /unignore: heard again, and the server's own notices never were ignored. */
    CU_ASSERT(nc_client_send_input(c, chan, "/unignore bad", NULL));
    CU_ASSERT(nc_client_send_input(c, chan, "/ignore *", NULL));
    fake_send(&fake, ":srv.example NOTICE me :server-notice");
    CU_ASSERT(wait_text(c, "server-notice"));
    CU_ASSERT(nc_client_send_input(c, chan, "/unignore *", NULL));
    fake_send(&fake, ":bad!u@h PRIVMSG me :back again");
    CU_ASSERT(wait_text(c, "back again"));
    CU_ASSERT_PTR_NOT_NULL(nc_network_find_buffer(net, "bad"));
    finish(c);
}

/* A client with /ignore bad, registered with the server's history
 * (IRCv3 chathistory) and joined to #chan, whose first page it asks for. */
static NcClient *history_client(void)
{
    fake_start(&fake);
    NcClient *c = nc_client_new("127.0.0.1", fake.addr.port, "me", "Me", NULL);
    nc_client_set_tls(c, FALSE);
    nc_client_set_timing(c, 5000, 15000, 50, 400, 2000);
    const char *autojoin[] = {"#chan", NULL};
    nc_client_set_autojoin(c, autojoin);
    CU_ASSERT(nc_client_send_input(c, NULL, "/ignore bad", NULL));
    nc_client_connect(c);
    return c;
}

/* Register with the history capabilities and take the JOIN of #chan
 * (at 03:mm); the client's CHATHISTORY request must start with want. */
static gboolean register_with_history(NcClient *c, int mm, const char *want)
{
    if (!fake_accept(&fake, 3000) || !expect("CAP LS 302"))
        return FALSE;
    fake_send(&fake, ":srv CAP * LS :server-time message-tags batch draft/chathistory");
    g_autofree char *req = fake_expect(&fake, "CAP REQ", 3000);
    if (!req || !strstr(req, "draft/chathistory"))
        return FALSE;
    fake_send(&fake, ":srv CAP * ACK :%s", strstr(req, ":") + 1);
    if (!expect("CAP END"))
        return FALSE;
    fake_send(&fake, ":srv 001 me :Welcome");
    fake_send(&fake, ":srv 005 me CHATHISTORY=10 :are supported");
    if (!fake_wait_state(c, NC_STATE_CONNECTED, 3000) || !expect("JOIN #chan"))
        return FALSE;
    fake_send(&fake, "@time=2024-01-02T03:%02d:00.000Z :me!u@h JOIN #chan", mm);
    return expect(want);
}

static void send_history(const char *id, const char *const *lines)
{
    fake_send(&fake, ":srv BATCH +%s chathistory #chan", id);
    for (guint i = 0; lines[i]; i++)
        fake_send(&fake, "@batch=%s;%s", id, lines[i]);
    fake_send(&fake, ":srv BATCH -%s", id);
}

/* The server's history of an ignored sender is dropped too. */
static void test_ignore_history(void)
{
    NcClient *c = history_client();
    CU_ASSERT_FATAL(register_with_history(c, 5, "CHATHISTORY LATEST #chan * 10"));
    const char *page[] = {
        "time=2024-01-02T03:04:01.000Z :bad!u@h PRIVMSG #chan :from-bad",
        "time=2024-01-02T03:04:02.000Z :good!g@h PRIVMSG #chan :from-good",
        "time=2024-01-02T03:04:03.000Z :BAD!u@h NOTICE #chan :from-bad",
        NULL,
    };
    send_history("h1", page);
    NcBuffer *b = nc_network_find_buffer(nc_client_get_network(c), "#chan");
    CU_ASSERT_FATAL(b != NULL && fake_wait_history(c, b, 3000));
    CU_ASSERT_EQUAL(count_text(b, "from-good"), 1);
    CU_ASSERT_EQUAL(count_everywhere(c, "from-bad"), 0);
    finish(c);
}

/* What /clear emptied is not fetched again: not by scrolling up, not
 * after a reconnect (only what came after it). */
static void test_clear_history(void)
{
    NcClient *c = history_client();
    CU_ASSERT_FATAL(register_with_history(c, 5, "CHATHISTORY LATEST #chan * 10"));
    const char *page[] = {
        "time=2024-01-02T03:04:02.000Z :good!g@h PRIVMSG #chan :old-line",
        NULL,
    };
    send_history("h1", page);
    NcBuffer *b = nc_network_find_buffer(nc_client_get_network(c), "#chan");
    CU_ASSERT_FATAL(b != NULL && fake_wait_history(c, b, 3000));
    CU_ASSERT(nc_client_send_input(c, b, "/clear", NULL));
    CU_ASSERT_EQUAL(n_messages(b), 0);
    CU_ASSERT(nc_buffer_get_cleared_time(b) > 0);
    CU_ASSERT_FALSE(nc_client_fetch_older(c, b));
    CU_ASSERT(nothing_sent(c, b, "after-clear"));
    CU_ASSERT(nc_client_send_input(c, b, "/reconnect", NULL));
    CU_ASSERT_FATAL(
        register_with_history(c, 9, "CHATHISTORY AFTER #chan timestamp=2024-01-02T03:05:00"));
    finish(c);
}

static void test_msg_opens_query(void)
{
    NcBuffer *chan = NULL, *server = NULL;
    NcClient *c = connected_client(&chan, &server);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    NcNetwork *net = nc_client_get_network(c);
    CU_ASSERT_PTR_NULL(nc_network_find_buffer(net, "bob"));
    CU_ASSERT(nc_client_send_input(c, chan, "/msg bob hello bob", NULL));
    CU_ASSERT(next_is("PRIVMSG bob :hello bob"));
    NcBuffer *q = nc_network_find_buffer(net, "BOB");
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(nc_buffer_get_kind(q), NC_BUFFER_QUERY);
    {
        g_autoptr(NcMessage) m = last_message(q);
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(m), "hello bob");
        CU_ASSERT(nc_message_get_flags(m) & NC_MSG_FLAG_SELF);
    }
    /* Again: the same buffer is used. */
    guint buffers = g_list_model_get_n_items(nc_network_get_buffers(net));
    CU_ASSERT(nc_client_send_input(c, chan, "/msg Bob again", NULL));
    CU_ASSERT(next_is("PRIVMSG Bob :again"));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_network_get_buffers(net)), buffers);
    CU_ASSERT_EQUAL(n_messages(q), 2);
    /* A channel gets no query. */
    CU_ASSERT(nc_client_send_input(c, chan, "/msg #chan to all", NULL));
    CU_ASSERT(next_is("PRIVMSG #chan :to all"));
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_network_get_buffers(net)), buffers);
    finish(c);
}

static void test_clear(void)
{
    NcBuffer *chan = NULL, *server = NULL;
    NcClient *c = connected_client(&chan, &server);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    fake_send(&fake, ":op!o@h PRIVMSG #chan :one me");
    fake_send(&fake, ":op!o@h PRIVMSG #chan :two");
    CU_ASSERT(wait_text(c, "two"));
    CU_ASSERT(nc_buffer_get_unread(chan) >= 2);
    CU_ASSERT(nc_buffer_get_mentions(chan) >= 1);
    guint server_before = n_messages(server);
    CU_ASSERT(server_before > 0);
    /* The rows the view shows follow. */
    g_autoptr(NcFoldModel) rows = nc_fold_model_new(nc_buffer_get_messages(chan));
    CU_ASSERT(g_list_model_get_n_items(G_LIST_MODEL(rows)) > 0);
    CU_ASSERT(nc_client_send_input(c, chan, "/clear", NULL));
    CU_ASSERT_EQUAL(n_messages(chan), 0);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(rows)), 0);
    CU_ASSERT_EQUAL(nc_buffer_get_unread(chan), 0);
    CU_ASSERT_EQUAL(nc_buffer_get_mentions(chan), 0);
    CU_ASSERT_PTR_NULL(nc_buffer_get_marker(chan));
    /* Only that buffer, and the members stay. */
    CU_ASSERT_EQUAL(n_messages(server), server_before);
    CU_ASSERT_PTR_NOT_NULL(nc_buffer_find_member(chan, "op"));
    /* It goes on filling. */
    fake_send(&fake, ":op!o@h PRIVMSG #chan :three");
    CU_ASSERT(wait_text(c, "three"));
    CU_ASSERT_EQUAL(n_messages(chan), 1);
    CU_ASSERT_EQUAL(g_list_model_get_n_items(G_LIST_MODEL(rows)), 1);
    /* Nothing was sent. */
    CU_ASSERT(nothing_sent(c, chan, "after-clear"));
    finish(c);
}

static void test_reconnect(void)
{
    NcBuffer *chan = NULL, *server = NULL;
    NcClient *c = connected_client(&chan, &server);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT(nc_buffer_get_joined(chan));
    CU_ASSERT(nc_client_send_input(c, chan, "/reconnect", NULL));
    CU_ASSERT(expect("QUIT :Reconnecting"));
    CU_ASSERT(fake_wait_eof(&fake, 3000));
    /* A new connection at once (no backoff), registered and rejoined. */
    CU_ASSERT_FATAL(register_and_join(c));
    CU_ASSERT_EQUAL(nc_client_get_state(c), NC_STATE_CONNECTED);
    CU_ASSERT(nc_client_send_input(c, chan, "/quote PING after-reconnect", NULL));
    CU_ASSERT(expect("PING after-reconnect"));
    CU_ASSERT(count_everywhere(c, "Reconnecting to 127.0.0.1") == 1);

    /* From a stopped client too: it connects again. */
    nc_client_disconnect(c, NULL);
    CU_ASSERT(fake_wait_eof(&fake, 3000));
    CU_ASSERT(fake_wait_state(c, NC_STATE_DISCONNECTED, 3000));
    CU_ASSERT(nc_client_send_input(c, chan, "/reconnect", NULL));
    CU_ASSERT_FATAL(register_and_join(c));
    finish(c);
}

static CU_TestInfo tests[] = {
    {"every command parses, bad use says how", test_parse},
    {"/help lists the table, and explains one", test_help_text},
    {"masks: globs and rfc1459 case folding", test_masks},
    {"the ignore list survives a restart", test_persistence},
    {"/help is shown in the buffer, not sent", test_help_in_buffer},
    {"each command's IRC line, bad use refused", test_commands_to_lines},
    {"server commands need a connection", test_commands_need_connection},
    {"an ignored sender reaches no buffer", test_ignore_applied},
    {"an ignored sender's history is dropped", test_ignore_history},
    {"what /clear emptied stays cleared", test_clear_history},
    {"/msg opens or uses the query", test_msg_opens_query},
    {"/clear empties the view only", test_clear},
    {"/reconnect drops and connects again", test_reconnect},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("gui-commands", tests);
}

/* SPDX-License-Identifier: MIT */
/* The search bar and the Preferences window on a virtual display (run
 * under xvfb-run): the bar's counter, Enter and Shift+Enter, the "jump"
 * signal, the query cleared on close, "All Logs" listing logged lines and
 * jumping to a loaded one; every Preferences row bound to its setting
 * both ways, the colour scheme applied through AdwStyleManager, highlight
 * words and ignored masks added and removed, a bad mask refused.  With
 * NATTER_SCREENSHOT_DIR set, each state is also saved there as a PNG. */
#define G_SETTINGS_ENABLE_BACKEND /* g_memory_settings_backend_new() */
#include "checks.h"
#include "helpers.h"
#include "log.h"
#include "preferences.h"
#include "search-bar.h"

#include <adwaita.h>
#include <gio/gsettingsbackend.h>
#include <string.h>

static GSettings *settings;
static char *data_home;

/* ---- waiting and finding ---------------------------------------------- */

typedef gboolean (*Condition)(gpointer data);

static gboolean wake(gpointer unused)
{
    return G_SOURCE_CONTINUE;
}

/* Pump the main context until cond holds or timeout_ms pass. */
static gboolean wait_for(Condition cond, gpointer data, guint timeout_ms)
{
    guint waker = g_timeout_add(10, wake, NULL);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    gboolean ok;
    while (!(ok = cond(data)) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(waker);
    return ok;
}

static gboolean never(gpointer unused)
{
    return FALSE;
}

/* Let the display settle (layout, a frame drawn). */
static void settle(guint ms)
{
    wait_for(never, NULL, ms);
}

typedef gboolean (*WidgetTest)(GtkWidget *w, gconstpointer data);

static GtkWidget *find_widget(GtkWidget *root, GType type, WidgetTest test, gconstpointer data)
{
    if (G_TYPE_CHECK_INSTANCE_TYPE(root, type) && (!test || test(root, data)))
        return root;
    for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
        GtkWidget *found = find_widget(c, type, test, data);
        if (found)
            return found;
    }
    return NULL;
}

static gboolean label_is(GtkWidget *w, gconstpointer text)
{
    return g_strcmp0(gtk_label_get_text(GTK_LABEL(w)), text) == 0;
}

static gboolean has_class(GtkWidget *w, gconstpointer css_class)
{
    return gtk_widget_has_css_class(w, css_class);
}

static gboolean row_titled(GtkWidget *w, gconstpointer title)
{
    return g_strcmp0(adw_preferences_row_get_title(ADW_PREFERENCES_ROW(w)), title) == 0;
}

/* The switch or spin button at the end of the row titled title. */
static GtkWidget *row_control(GtkWidget *root, const char *title, GType type)
{
    GtkWidget *row = find_widget(root, ADW_TYPE_PREFERENCES_ROW, row_titled, title);
    return row ? find_widget(row, type, NULL, NULL) : NULL;
}

static void screenshot(GtkWidget *window, const char *name)
{
    const char *dir = g_getenv("NATTER_SCREENSHOT_DIR");
    if (!dir)
        return;
    settle(300);
    GdkPaintable *paintable = gtk_widget_paintable_new(window);
    int w = gtk_widget_get_width(window), h = gtk_widget_get_height(window);
    GtkSnapshot *snapshot = gtk_snapshot_new();
    gdk_paintable_snapshot(paintable, snapshot, w, h);
    GskRenderNode *node = gtk_snapshot_free_to_node(snapshot);
    if (node) {
        GskRenderer *renderer = gtk_native_get_renderer(GTK_NATIVE(window));
        GdkTexture *texture = gsk_renderer_render_texture(renderer, node, NULL);
        g_autofree char *file = g_strdup_printf("%s/%s.png", dir, name);
        gdk_texture_save_to_png(texture, file);
        g_object_unref(texture);
        gsk_render_node_unref(node);
    }
    g_object_unref(paintable);
}

/* ---- the search bar --------------------------------------------------- */

typedef struct {
    NaSearchBar *bar;
    GtkWidget *window;
    NcBuffer *buffer;
    GPtrArray *jumps; /* NcMessage, as "jump" named them */
    guint query_notes;
    const char *counter_wanted; /* what counter_is_wanted() waits for */
} BarTest;

static void on_jump(NaSearchBar *bar, NcMessage *message, BarTest *t)
{
    g_ptr_array_add(t->jumps, g_object_ref(message));
}

static void on_query(GObject *bar, GParamSpec *pspec, BarTest *t)
{
    t->query_notes++;
}

static gboolean query_is(gpointer data)
{
    BarTest *t = data;
    return g_strcmp0(na_search_bar_get_query(t->bar), "needle") == 0;
}

static const char *counter_text(BarTest *t)
{
    GtkWidget *label = find_widget(GTK_WIDGET(t->bar), GTK_TYPE_LABEL, has_class, "numeric");
    return label ? gtk_label_get_text(GTK_LABEL(label)) : "";
}

static gboolean has_log_rows(gpointer data)
{
    BarTest *t = data;
    GtkWidget *list = find_widget(GTK_WIDGET(t->bar), GTK_TYPE_LIST_BOX, NULL, NULL);
    return list && gtk_widget_get_first_child(list) != NULL;
}

static gboolean counter_is_wanted(gpointer data)
{
    BarTest *t = data;
    return g_strcmp0(counter_text(t), t->counter_wanted) == 0;
}

static const char *text_of(NcMessage *m)
{
    return nc_message_get_text(m);
}

/* Enter activates the entry; Shift+Enter goes to the key controllers
 * that see keys before the entry does (the bar's), as a key press would. */
static void press_enter(GtkWidget *entry, gboolean shift)
{
    if (!shift) {
        g_signal_emit_by_name(entry, "activate");
        return;
    }
    gboolean handled = FALSE;
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(entry);
    for (guint i = 0; i < g_list_model_get_n_items(controllers) && !handled; i++) {
        g_autoptr(GtkEventController) c = g_list_model_get_item(controllers, i);
        if (GTK_IS_EVENT_CONTROLLER_KEY(c) &&
            gtk_event_controller_get_propagation_phase(c) == GTK_PHASE_CAPTURE)
            g_signal_emit_by_name(c, "key-pressed", GDK_KEY_Return, 36, GDK_SHIFT_MASK, &handled);
    }
    CU_ASSERT_TRUE(handled);
}

static void test_search_bar(void)
{
    BarTest t = {0};
    t.jumps = g_ptr_array_new_with_free_func(g_object_unref);
    t.window = gtk_window_new();
    gtk_window_set_default_size(GTK_WINDOW(t.window), 760, 420);
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    t.bar = NA_SEARCH_BAR(na_search_bar_new());
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(t.bar));
    GtkWidget *filler = gtk_label_new("(the conversation)");
    gtk_widget_set_vexpand(filler, TRUE);
    gtk_box_append(GTK_BOX(box), filler);
    gtk_window_set_child(GTK_WINDOW(t.window), box);
    g_signal_connect(t.bar, "jump", G_CALLBACK(on_jump), &t);
    g_signal_connect(t.bar, "notify::query", G_CALLBACK(on_query), &t);

    t.buffer = nc_buffer_new(NC_BUFFER_CHANNEL, "#natter");
    gint64 now = g_get_real_time();
    const char *texts[] = {"first Needle", "nothing", "second needle", "\002NEEDLE\002 third",
                           "last line"};
    NcLogger *logger = nc_logger_new(NULL);
    for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_autoptr(NcMessage) m = nc_message_new(now - 60 * G_USEC_PER_SEC + (gint64)i * 1000000,
                                                NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "alice",
                                                texts[i]);
        nc_buffer_append(t.buffer, m);
        nc_logger_write(logger, "Libera", "#natter", m);
    }
    /* an older day in another conversation, only in the logs */
    g_autoptr(NcMessage) old = nc_message_new(now - (gint64)3 * 86400 * G_USEC_PER_SEC, NC_MSG_PRIVMSG,
                                              NC_MSG_FLAG_NONE, "bob", "a needle from before");
    nc_logger_write(logger, "Libera", "#other", old);
    g_autoptr(NcMessage) after = nc_message_new(now - (gint64)3 * 86400 * G_USEC_PER_SEC + 1000000,
                                                NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "carol",
                                                "and the line after it");
    nc_logger_write(logger, "Libera", "#other", after);
    na_search_bar_set_buffer(t.bar, t.buffer);
    na_search_bar_set_logs(t.bar, logger, "Libera");
    nc_logger_free(logger);

    gtk_window_present(GTK_WINDOW(t.window));
    CU_ASSERT_FALSE(gtk_widget_get_visible(GTK_WIDGET(t.bar)));
    CU_ASSERT_STRING_EQUAL(na_search_bar_get_query(t.bar), "");
    na_search_bar_open(t.bar);
    CU_ASSERT_TRUE(gtk_widget_get_visible(GTK_WIDGET(t.bar)));
    GtkWidget *entry = find_widget(GTK_WIDGET(t.bar), GTK_TYPE_SEARCH_ENTRY, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(entry);

    /* Typing: the query follows after the debounce, once. */
    gtk_editable_set_text(GTK_EDITABLE(entry), "needle");
    CU_ASSERT_STRING_EQUAL(na_search_bar_get_query(t.bar), ""); /* not yet: debounced */
    CU_ASSERT_TRUE_FATAL(wait_for(query_is, &t, 3000));
    CU_ASSERT_EQUAL(t.query_notes, 1);
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "1 of 3");
    /* It jumped to the newest match. */
    CU_ASSERT_EQUAL_FATAL(t.jumps->len, 1);
    CU_ASSERT_STRING_EQUAL(text_of(t.jumps->pdata[0]), "\002NEEDLE\002 third");
    screenshot(t.window, "search-bar");

    /* Enter: older; Shift+Enter: newer; both wrap. */
    press_enter(entry, FALSE);
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "2 of 3");
    CU_ASSERT_STRING_EQUAL(text_of(t.jumps->pdata[t.jumps->len - 1]), "second needle");
    press_enter(entry, FALSE);
    press_enter(entry, FALSE);
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "1 of 3");
    press_enter(entry, TRUE);
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "3 of 3");
    CU_ASSERT_STRING_EQUAL(text_of(t.jumps->pdata[t.jumps->len - 1]), "first Needle");

    /* A new message that matches is counted, the current one stays. */
    g_autoptr(NcMessage) newer =
        nc_message_new(now, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", "one more needle");
    nc_buffer_append(t.buffer, newer);
    /* at once: a line said is searched alone, without waiting */
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "4 of 4");
    press_enter(entry, TRUE);
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "3 of 4");
    CU_ASSERT_STRING_EQUAL(text_of(t.jumps->pdata[t.jumps->len - 1]), "second needle");

    /* The scrollback's limit trims the oldest line, a match: counted out
     * at once, and the current match stays where it is. */
    nc_buffer_set_scrollback(t.buffer, 10);
    for (guint i = 0; i < 5; i++) {
        g_autoptr(NcMessage) chatter =
            nc_message_new(now + i, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", "chatter");
        nc_buffer_append(t.buffer, chatter);
    }
    CU_ASSERT_EQUAL(g_list_model_get_n_items(nc_buffer_get_messages(t.buffer)), 10);
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "3 of 3");
    /* The current match trimmed away: the newest becomes current. */
    {
        g_autoptr(NcMessage) chatter =
            nc_message_new(now + 9, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", "chatter");
        nc_buffer_append(t.buffer, chatter); /* trims "nothing" */
        g_autoptr(NcMessage) more =
            nc_message_new(now + 10, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", "chatter");
        nc_buffer_append(t.buffer, more); /* trims "second needle", the current one */
    }
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "1 of 2");

    /* History inserted before the oldest line is searched again after a
     * pause; the current match stays. */
    nc_buffer_set_scrollback(t.buffer, 100);
    press_enter(entry, FALSE);
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "2 of 2");
    CU_ASSERT_STRING_EQUAL(text_of(t.jumps->pdata[t.jumps->len - 1]), "\002NEEDLE\002 third");
    g_autoptr(GPtrArray) history = g_ptr_array_new_with_free_func(g_object_unref);
    g_ptr_array_add(history, nc_message_new(now - (gint64)3600 * G_USEC_PER_SEC, NC_MSG_PRIVMSG,
                                            NC_MSG_FLAG_NONE, "dave", "an older needle"));
    nc_buffer_prepend_history(t.buffer, history);
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "2 of 2"); /* not yet */
    t.counter_wanted = "2 of 3";
    CU_ASSERT_TRUE(wait_for(counter_is_wanted, &t, 3000));
    CU_ASSERT_STRING_EQUAL(text_of(t.jumps->pdata[t.jumps->len - 1]), "\002NEEDLE\002 third");

    /* All Logs: every conversation of the network, newest first. */
    GtkWidget *logs = find_widget(GTK_WIDGET(t.bar), GTK_TYPE_TOGGLE_BUTTON, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(logs);
    CU_ASSERT_TRUE(gtk_widget_get_sensitive(logs));
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(logs), TRUE);
    CU_ASSERT_TRUE_FATAL(wait_for(has_log_rows, &t, 5000));
    settle(200);
    GtkWidget *list = find_widget(GTK_WIDGET(t.bar), GTK_TYPE_LIST_BOX, NULL, NULL);
    guint rows = 0;
    for (GtkWidget *r = gtk_widget_get_first_child(list); r; r = gtk_widget_get_next_sibling(r))
        rows++;
    CU_ASSERT_EQUAL(rows, 4); /* three from #natter, one from #other */
    CU_ASSERT_PTR_NOT_NULL(find_widget(list, GTK_TYPE_LABEL, label_is, "#other"));
    CU_ASSERT_PTR_NOT_NULL(
        find_widget(GTK_WIDGET(t.bar), GTK_TYPE_LABEL, label_is, "4 lines found in the logs."));
    screenshot(t.window, "search-bar-logs");

    /* The newest logged line is loaded: picking it jumps there. */
    guint jumps_before = t.jumps->len;
    GtkListBoxRow *first = gtk_list_box_get_row_at_index(GTK_LIST_BOX(list), 0);
    g_signal_emit_by_name(list, "row-activated", first);
    CU_ASSERT_EQUAL_FATAL(t.jumps->len, jumps_before + 1);
    CU_ASSERT_STRING_EQUAL(text_of(t.jumps->pdata[t.jumps->len - 1]), "\002NEEDLE\002 third");
    CU_ASSERT_STRING_EQUAL(counter_text(&t), "2 of 3");
    /* The one from another conversation shows with its context. */
    GtkListBoxRow *last = gtk_list_box_get_row_at_index(GTK_LIST_BOX(list), 3);
    g_signal_emit_by_name(list, "row-activated", last);
    CU_ASSERT_EQUAL(t.jumps->len, jumps_before + 1);
    CU_ASSERT_FALSE(gtk_widget_get_mapped(list));
    settle(300);
    screenshot(t.window, "search-bar-context");

    /* Closing empties the query. */
    na_search_bar_close(t.bar);
    CU_ASSERT_FALSE(gtk_widget_get_visible(GTK_WIDGET(t.bar)));
    CU_ASSERT_STRING_EQUAL(na_search_bar_get_query(t.bar), "");
    /* Opening again searches for the text still there. */
    na_search_bar_open(t.bar);
    CU_ASSERT_STRING_EQUAL(na_search_bar_get_query(t.bar), "needle");
    na_search_bar_close(t.bar);

    gtk_window_destroy(GTK_WINDOW(t.window));
    g_object_unref(t.buffer);
    g_ptr_array_unref(t.jumps);
}

/* ---- preferences ------------------------------------------------------ */

static GtkWidget *prefs_window(void)
{
    GListModel *tops = gtk_window_get_toplevels();
    for (guint i = 0; i < g_list_model_get_n_items(tops); i++) {
        g_autoptr(GtkWidget) w = g_list_model_get_item(tops, i);
        if (ADW_IS_PREFERENCES_WINDOW(w))
            return w;
    }
    return NULL;
}

static gboolean scheme_is_dark(gpointer unused)
{
    return adw_style_manager_get_color_scheme(adw_style_manager_get_default()) ==
           ADW_COLOR_SCHEME_FORCE_DARK;
}

static void check_switch(GtkWidget *prefs, const char *title, const char *key)
{
    GtkWidget *sw = row_control(prefs, title, GTK_TYPE_SWITCH);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    gboolean was = g_settings_get_boolean(settings, key);
    CU_ASSERT_EQUAL(gtk_switch_get_active(GTK_SWITCH(sw)), was);
    gtk_switch_set_active(GTK_SWITCH(sw), !was);
    CU_ASSERT_EQUAL(g_settings_get_boolean(settings, key), !was);
    g_settings_set_boolean(settings, key, was);
    CU_ASSERT_EQUAL(gtk_switch_get_active(GTK_SWITCH(sw)), was);
}

static void add_typed(GtkWidget *prefs, const char *entry_title, const char *text)
{
    GtkWidget *entry = find_widget(prefs, ADW_TYPE_ENTRY_ROW, row_titled, entry_title);
    CU_ASSERT_PTR_NOT_NULL_FATAL(entry);
    gtk_editable_set_text(GTK_EDITABLE(entry), text);
    g_signal_emit_by_name(entry, "apply");
}

static gboolean has_row(GtkWidget *prefs, const char *title)
{
    return find_widget(prefs, ADW_TYPE_ACTION_ROW, row_titled, title) != NULL;
}

static void click_remove(GtkWidget *prefs, const char *title)
{
    GtkWidget *row = find_widget(prefs, ADW_TYPE_ACTION_ROW, row_titled, title);
    CU_ASSERT_PTR_NOT_NULL_FATAL(row);
    GtkWidget *button = find_widget(row, GTK_TYPE_BUTTON, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(button);
    g_signal_emit_by_name(button, "clicked");
}

/* The setting key holds exactly want. */
static void check_list(const char *key, const char *const *want)
{
    g_auto(GStrv) got = g_settings_get_strv(settings, key);
    g_autofree char *got_text = g_strjoinv(" ", got);
    g_autofree char *want_text = g_strjoinv(" ", (char **)want);
    CU_ASSERT_STRING_EQUAL(got_text, want_text);
}

static void test_preferences(void)
{
    GtkWidget *parent = gtk_window_new();
    gtk_window_present(GTK_WINDOW(parent));
    na_preferences_present(GTK_WINDOW(parent), settings);
    GtkWidget *prefs = prefs_window();
    CU_ASSERT_PTR_NOT_NULL_FATAL(prefs);
    /* Asking again brings the same window forward. */
    na_preferences_present(GTK_WINDOW(parent), settings);
    guint count = 0;
    GListModel *tops = gtk_window_get_toplevels();
    for (guint i = 0; i < g_list_model_get_n_items(tops); i++) {
        g_autoptr(GtkWidget) w = g_list_model_get_item(tops, i);
        count += ADW_IS_PREFERENCES_WINDOW(w);
    }
    CU_ASSERT_EQUAL(count, 1);
    settle(300);
    screenshot(prefs, "preferences-appearance");

    /* Appearance: the row and the style manager follow the key. */
    GtkWidget *scheme = find_widget(prefs, ADW_TYPE_COMBO_ROW, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scheme);
    CU_ASSERT_EQUAL(adw_combo_row_get_selected(ADW_COMBO_ROW(scheme)), 0);
    adw_combo_row_set_selected(ADW_COMBO_ROW(scheme), 2);
    g_autofree char *dark = g_settings_get_string(settings, "color-scheme");
    CU_ASSERT_STRING_EQUAL(dark, "dark");
    CU_ASSERT_TRUE(wait_for(scheme_is_dark, NULL, 2000));
    g_settings_set_string(settings, "color-scheme", "light");
    CU_ASSERT_EQUAL(adw_combo_row_get_selected(ADW_COMBO_ROW(scheme)), 1);
    CU_ASSERT_EQUAL(adw_style_manager_get_color_scheme(adw_style_manager_get_default()),
                    ADW_COLOR_SCHEME_FORCE_LIGHT);
    g_settings_set_string(settings, "color-scheme", "dark");
    settle(200);

    /* Every switch, both ways. */
    check_switch(prefs, "Hide Joins and Parts", "collapse-events");
    check_switch(prefs, "Show Who Is Typing", "show-typing");
    check_switch(prefs, "Let Others See When You Type", "send-typing");
    check_switch(prefs, "Mentions", "notify-mentions");
    check_switch(prefs, "Private Messages", "notify-private");
    check_switch(prefs, "Keep Logs", "logging");

    /* Numbers. */
    GtkWidget *scrollback = row_control(prefs, "Messages Kept per Conversation",
                                        GTK_TYPE_SPIN_BUTTON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scrollback);
    CU_ASSERT_EQUAL((guint)gtk_spin_button_get_value(GTK_SPIN_BUTTON(scrollback)), 5000);
    gtk_spin_button_set_value(GTK_SPIN_BUTTON(scrollback), 20000);
    CU_ASSERT_EQUAL(g_settings_get_uint(settings, "scrollback"), 20000);
    g_settings_set_uint(settings, "reload-lines", 250);
    GtkWidget *reload = row_control(prefs, "Lines Shown Again on Opening", GTK_TYPE_SPIN_BUTTON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(reload);
    CU_ASSERT_EQUAL((guint)gtk_spin_button_get_value(GTK_SPIN_BUTTON(reload)), 250);

    /* Highlight words: added once whatever the case, removed. */
    add_typed(prefs, "Add a Word", "  release ");
    add_typed(prefs, "Add a Word", "RELEASE");
    add_typed(prefs, "Add a Word", "natter");
    check_list("highlight-words", (const char *[]){"release", "natter", NULL});
    CU_ASSERT_TRUE(has_row(prefs, "release"));
    adw_preferences_window_set_visible_page_name(ADW_PREFERENCES_WINDOW(prefs), "messages");
    screenshot(prefs, "preferences-messages");
    click_remove(prefs, "release");
    check_list("highlight-words", (const char *[]){"natter", NULL});
    CU_ASSERT_FALSE(has_row(prefs, "release"));

    /* Ignored: completed as /ignore does, a bad mask refused, and a mask
     * set elsewhere (/ignore) shows at once. */
    add_typed(prefs, "Add a Nick or Mask", "troll");
    check_list("ignore-masks", (const char *[]){"troll!*@*", NULL});
    CU_ASSERT_TRUE(has_row(prefs, "troll!*@*"));
    add_typed(prefs, "Add a Nick or Mask", "bad mask");
    check_list("ignore-masks", (const char *[]){"troll!*@*", NULL});
    GtkWidget *bad = find_widget(prefs, ADW_TYPE_ENTRY_ROW, row_titled, "Add a Nick or Mask");
    CU_ASSERT_TRUE(gtk_widget_has_css_class(bad, "error"));
    const char *elsewhere[] = {"troll!*@*", "*!*@spam.example", NULL};
    g_settings_set_strv(settings, "ignore-masks", elsewhere);
    CU_ASSERT_TRUE(has_row(prefs, "*!*@spam.example"));
    adw_preferences_window_set_visible_page_name(ADW_PREFERENCES_WINDOW(prefs), "ignored");
    screenshot(prefs, "preferences-ignored");
    click_remove(prefs, "troll!*@*");
    check_list("ignore-masks", (const char *[]){"*!*@spam.example", NULL});

    adw_preferences_window_set_visible_page_name(ADW_PREFERENCES_WINDOW(prefs), "history");
    screenshot(prefs, "preferences-history");
    adw_preferences_window_set_visible_page_name(ADW_PREFERENCES_WINDOW(prefs), "notifications");
    screenshot(prefs, "preferences-notifications");

    gtk_window_destroy(GTK_WINDOW(prefs));
    settle(100);
    CU_ASSERT_PTR_NULL(prefs_window());
    gtk_window_destroy(GTK_WINDOW(parent));
}

/* The temporary folder and everything in it. */
static void remove_tree(const char *path)
{
    const char *argv[] = {"rm", "-rf", "--", path, NULL};
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static CU_TestInfo tests[] = {
    {"the search bar: counter, keys, jumps, logs", test_search_bar},
    {"preferences: every row bound, lists edited", test_preferences},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    data_home = g_dir_make_tmp("natter-search-prefs-XXXXXX", NULL);
    if (!data_home)
        return 1;
    g_setenv("XDG_DATA_HOME", data_home, TRUE);
    g_unsetenv("NATTER_DARK");
    if (!gtk_init_check()) {
        g_printerr("no display: run under xvfb-run\n");
        return 77;
    }
    adw_init();
    g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new();
    settings = nc_test_settings(NATTER_SCHEMA_BUILD_DIR, backend);
    if (!settings) {
        g_printerr("natter's schema is not in %s\n", NATTER_SCHEMA_BUILD_DIR);
        return 1;
    }
    int rc = nt_test_main("gui-search-prefs", tests);
    g_object_unref(settings);
    remove_tree(data_home);
    g_free(data_home);
    return rc;
}

/* SPDX-License-Identifier: MIT */
/* natter: the Preferences window.  Every row is bound to its GSettings
 * key, so a change applies at once, persists, and shows here when made
 * elsewhere (/ignore in a conversation updates the Ignored page). */
#include "preferences.h"

#include "ignore.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#define NA_TYPE_PREFERENCES (na_preferences_get_type())
G_DECLARE_FINAL_TYPE(NaPreferences, na_preferences, NA, PREFERENCES, AdwPreferencesWindow)

/* A settings string array edited as rows with a remove button under an
 * entry row that adds to it: the highlight words and the ignored masks. */
typedef struct _StringListEditor StringListEditor;
struct _StringListEditor {
    NaPreferences *window;
    AdwPreferencesGroup *group;
    AdwEntryRow *entry;
    const char *key;
    GPtrArray *rows; /* the rows shown, one per item */
    gulong changed_id;
    /* Add what was typed; FALSE with a reason in *why (g_free) to refuse it. */
    gboolean (*add)(StringListEditor *editor, const char *typed, char **why);
    /* Remove an item as listed. */
    void (*remove)(StringListEditor *editor, const char *item);
};

struct _NaPreferences {
    AdwPreferencesWindow parent_instance;
    AdwComboRow *color_scheme_row;
    GtkSwitch *collapse_events_switch;
    GtkSwitch *show_typing_switch;
    GtkSwitch *send_typing_switch;
    GtkSwitch *notify_mentions_switch;
    GtkSwitch *notify_private_switch;
    GtkSpinButton *scrollback_spin;
    GtkSpinButton *reload_lines_spin;
    GtkSwitch *logging_switch;
    AdwActionRow *logs_folder_row;
    GtkButton *open_logs_button;
    AdwPreferencesGroup *highlight_group;
    AdwEntryRow *highlight_entry;
    AdwPreferencesGroup *ignore_group;
    AdwEntryRow *ignore_entry;
    GtkLabel *ignore_error_label;

    GSettings *settings;
    NcIgnoreList *ignores;
    StringListEditor highlights;
    StringListEditor masks;
};

G_DEFINE_TYPE(NaPreferences, na_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- appearance ----------------------------------------------------- */

static const char *const color_schemes[] = {"system", "light", "dark"};

static AdwColorScheme color_scheme_from_setting(const char *value)
{
    if (g_strcmp0(value, "light") == 0)
        return ADW_COLOR_SCHEME_FORCE_LIGHT;
    if (g_strcmp0(value, "dark") == 0)
        return ADW_COLOR_SCHEME_FORCE_DARK;
    /* NATTER_DARK=1/0 stands in for the desktop's choice (tests, and
     * desktops without the settings portal). */
    const char *forced = g_getenv("NATTER_DARK");
    if (forced)
        return g_strcmp0(forced, "1") == 0 ? ADW_COLOR_SCHEME_FORCE_DARK
                                           : ADW_COLOR_SCHEME_FORCE_LIGHT;
    return ADW_COLOR_SCHEME_DEFAULT;
}

static void on_color_scheme_changed(GSettings *settings, const char *key, gpointer unused)
{
    g_autofree char *value = g_settings_get_string(settings, "color-scheme");
    adw_style_manager_set_color_scheme(adw_style_manager_get_default(),
                                       color_scheme_from_setting(value));
}

void na_preferences_apply_appearance(GSettings *settings)
{
    g_return_if_fail(G_IS_SETTINGS(settings));
    /* Once per settings object: the handler keeps following the key. */
    if (!g_object_get_data(G_OBJECT(settings), "natter-appearance-applied")) {
        g_object_set_data(G_OBJECT(settings), "natter-appearance-applied", GINT_TO_POINTER(1));
        g_signal_connect(settings, "changed::color-scheme", G_CALLBACK(on_color_scheme_changed),
                         NULL);
    }
    on_color_scheme_changed(settings, "color-scheme", NULL);
}

static gboolean scheme_to_row(GValue *value, GVariant *variant, gpointer unused)
{
    const char *s = g_variant_get_string(variant, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(color_schemes); i++) {
        if (g_strcmp0(s, color_schemes[i]) == 0) {
            g_value_set_uint(value, i);
            return TRUE;
        }
    }
    g_value_set_uint(value, 0);
    return TRUE;
}

static GVariant *row_to_scheme(const GValue *value, const GVariantType *type, gpointer unused)
{
    guint i = g_value_get_uint(value);
    return g_variant_new_string(color_schemes[i < G_N_ELEMENTS(color_schemes) ? i : 0]);
}

/* ---- string lists --------------------------------------------------- */

static void editor_remove_clicked(GtkButton *button, StringListEditor *editor)
{
    const char *item = g_object_get_data(G_OBJECT(button), "natter-item");
    if (item)
        editor->remove(editor, item);
}

/* The rows again from the setting: added here, by /ignore, or elsewhere. */
static void editor_refresh(StringListEditor *editor)
{
    for (guint i = 0; i < editor->rows->len; i++)
        adw_preferences_group_remove(editor->group, editor->rows->pdata[i]);
    g_ptr_array_set_size(editor->rows, 0);
    g_auto(GStrv) items = g_settings_get_strv(editor->window->settings, editor->key);
    for (guint i = 0; items[i]; i++) {
        GtkWidget *row = adw_action_row_new();
        g_autofree char *title = g_markup_escape_text(items[i], -1);
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        GtkWidget *remove = gtk_button_new_from_icon_name("user-trash-symbolic");
        gtk_widget_set_valign(remove, GTK_ALIGN_CENTER);
        gtk_widget_add_css_class(remove, "flat");
        g_autofree char *tip = g_strdup_printf(_("Remove “%s”"), items[i]);
        gtk_widget_set_tooltip_text(remove, tip);
        g_object_set_data_full(G_OBJECT(remove), "natter-item", g_strdup(items[i]), g_free);
        g_signal_connect(remove, "clicked", G_CALLBACK(editor_remove_clicked), editor);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), remove);
        adw_preferences_group_add(editor->group, row);
        g_ptr_array_add(editor->rows, row);
    }
}

static void editor_apply(AdwEntryRow *entry, StringListEditor *editor)
{
    g_autofree char *typed = g_strstrip(g_strdup(gtk_editable_get_text(GTK_EDITABLE(entry))));
    g_autofree char *why = NULL;
    if (!*typed)
        return;
    if (!editor->add(editor, typed, &why)) {
        gtk_widget_add_css_class(GTK_WIDGET(entry), "error");
        gtk_widget_set_tooltip_text(GTK_WIDGET(entry), why);
        if (editor == &editor->window->masks) {
            gtk_label_set_text(editor->window->ignore_error_label, why);
            gtk_widget_set_visible(GTK_WIDGET(editor->window->ignore_error_label), TRUE);
        }
        return;
    }
    gtk_editable_set_text(GTK_EDITABLE(entry), "");
}

/* Typing again clears the complaint about what was typed before. */
static void editor_changed(AdwEntryRow *entry, StringListEditor *editor)
{
    gtk_widget_remove_css_class(GTK_WIDGET(entry), "error");
    gtk_widget_set_tooltip_text(GTK_WIDGET(entry), NULL);
    if (editor == &editor->window->masks)
        gtk_widget_set_visible(GTK_WIDGET(editor->window->ignore_error_label), FALSE);
}

static void on_list_key_changed(GSettings *settings, const char *key, StringListEditor *editor)
{
    editor_refresh(editor);
}

static void editor_init(StringListEditor *editor, NaPreferences *window,
                        AdwPreferencesGroup *group, AdwEntryRow *entry, const char *key)
{
    editor->window = window;
    editor->group = group;
    editor->entry = entry;
    editor->key = key;
    editor->rows = g_ptr_array_new();
    g_signal_connect(entry, "apply", G_CALLBACK(editor_apply), editor);
    g_signal_connect(entry, "entry-activated", G_CALLBACK(editor_apply), editor);
    g_signal_connect(entry, "changed", G_CALLBACK(editor_changed), editor);
    g_autofree char *signal = g_strconcat("changed::", key, NULL);
    editor->changed_id =
        g_signal_connect(window->settings, signal, G_CALLBACK(on_list_key_changed), editor);
    editor_refresh(editor);
}

/* Highlight words: any text without line breaks, listed once whatever
 * its case (matching ignores case). */
static gboolean highlight_add(StringListEditor *editor, const char *typed, char **why)
{
    GSettings *s = editor->window->settings;
    g_auto(GStrv) words = g_settings_get_strv(s, editor->key);
    g_autofree char *folded = g_utf8_casefold(typed, -1);
    for (guint i = 0; words[i]; i++) {
        g_autofree char *other = g_utf8_casefold(words[i], -1);
        if (g_strcmp0(folded, other) == 0) {
            *why = g_strdup_printf(_("“%s” is already a highlight word."), words[i]);
            return FALSE;
        }
    }
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_strv_builder_addv(b, (const char **)words);
    g_strv_builder_add(b, typed);
    g_auto(GStrv) updated = g_strv_builder_end(b);
    return g_settings_set_strv(s, editor->key, (const char *const *)updated);
}

static void highlight_remove(StringListEditor *editor, const char *item)
{
    GSettings *s = editor->window->settings;
    g_auto(GStrv) words = g_settings_get_strv(s, editor->key);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    for (guint i = 0; words[i]; i++)
        if (g_strcmp0(words[i], item) != 0)
            g_strv_builder_add(b, words[i]);
    g_auto(GStrv) updated = g_strv_builder_end(b);
    g_settings_set_strv(s, editor->key, (const char *const *)updated);
}

/* Ignored masks go through the same list /ignore uses, which checks and
 * completes them ("nick" is "nick!*@*"). */
static gboolean mask_add(StringListEditor *editor, const char *typed, char **why)
{
    NcIgnoreList *list = editor->window->ignores;
    g_autofree char *full = nc_ignore_mask_normalize(typed);
    if (!full) {
        *why = g_strdup_printf(_("“%s” is not a nick or mask: no spaces or commas, and at most "
                                 "one “!” and one “@”."),
                               typed);
        return FALSE;
    }
    if (!nc_ignore_list_add(list, typed, NULL)) {
        *why = g_strdup_printf(_("%s is already ignored."), full);
        return FALSE;
    }
    return TRUE;
}

static void mask_remove(StringListEditor *editor, const char *item)
{
    nc_ignore_list_remove(editor->window->ignores, item, NULL);
}

/* ---- logs ----------------------------------------------------------- */

static char *logs_folder(void)
{
    return g_build_filename(g_get_user_data_dir(), "natter", "logs", NULL);
}

static void on_open_logs(GtkButton *button, NaPreferences *self)
{
    g_autofree char *dir = logs_folder();
    /* An empty folder opens; a missing one would be an error. */
    g_mkdir_with_parents(dir, 0700);
    g_autoptr(GFile) file = g_file_new_for_path(dir);
    g_autofree char *uri = g_file_get_uri(file);
    gtk_show_uri(GTK_WINDOW(self), uri, GDK_CURRENT_TIME);
}

/* ---- the window ----------------------------------------------------- */

static void bind_switch(GSettings *settings, const char *key, GtkSwitch *sw)
{
    g_settings_bind(settings, key, sw, "active", G_SETTINGS_BIND_DEFAULT);
}

static void editor_clear(StringListEditor *editor)
{
    if (editor->changed_id)
        g_clear_signal_handler(&editor->changed_id, editor->window->settings);
    g_clear_pointer(&editor->rows, g_ptr_array_unref);
}

static void na_preferences_dispose(GObject *object)
{
    NaPreferences *self = NA_PREFERENCES(object);
    editor_clear(&self->highlights);
    editor_clear(&self->masks);
    g_clear_object(&self->ignores);
    g_clear_object(&self->settings);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_PREFERENCES);
    G_OBJECT_CLASS(na_preferences_parent_class)->dispose(object);
}

static void na_preferences_class_init(NaPreferencesClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = na_preferences_dispose;
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/preferences.ui");
    gtk_widget_class_bind_template_child(wc, NaPreferences, color_scheme_row);
    gtk_widget_class_bind_template_child(wc, NaPreferences, collapse_events_switch);
    gtk_widget_class_bind_template_child(wc, NaPreferences, show_typing_switch);
    gtk_widget_class_bind_template_child(wc, NaPreferences, send_typing_switch);
    gtk_widget_class_bind_template_child(wc, NaPreferences, notify_mentions_switch);
    gtk_widget_class_bind_template_child(wc, NaPreferences, notify_private_switch);
    gtk_widget_class_bind_template_child(wc, NaPreferences, scrollback_spin);
    gtk_widget_class_bind_template_child(wc, NaPreferences, reload_lines_spin);
    gtk_widget_class_bind_template_child(wc, NaPreferences, logging_switch);
    gtk_widget_class_bind_template_child(wc, NaPreferences, logs_folder_row);
    gtk_widget_class_bind_template_child(wc, NaPreferences, open_logs_button);
    gtk_widget_class_bind_template_child(wc, NaPreferences, highlight_group);
    gtk_widget_class_bind_template_child(wc, NaPreferences, highlight_entry);
    gtk_widget_class_bind_template_child(wc, NaPreferences, ignore_group);
    gtk_widget_class_bind_template_child(wc, NaPreferences, ignore_entry);
    gtk_widget_class_bind_template_child(wc, NaPreferences, ignore_error_label);
}

static void na_preferences_init(NaPreferences *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

static void na_preferences_set_settings(NaPreferences *self, GSettings *settings)
{
    self->settings = g_object_ref(settings);
    GSettings *s = settings;
    g_settings_bind_with_mapping(s, "color-scheme", self->color_scheme_row, "selected",
                                 G_SETTINGS_BIND_DEFAULT, scheme_to_row, row_to_scheme, NULL,
                                 NULL);
    na_preferences_apply_appearance(s);
    bind_switch(s, "collapse-events", self->collapse_events_switch);
    bind_switch(s, "show-typing", self->show_typing_switch);
    bind_switch(s, "send-typing", self->send_typing_switch);
    bind_switch(s, "notify-mentions", self->notify_mentions_switch);
    bind_switch(s, "notify-private", self->notify_private_switch);
    bind_switch(s, "logging", self->logging_switch);
    g_settings_bind(s, "scrollback", self->scrollback_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(s, "reload-lines", self->reload_lines_spin, "value", G_SETTINGS_BIND_DEFAULT);
    g_autofree char *dir = logs_folder();
    adw_action_row_set_subtitle(self->logs_folder_row, dir);
    g_signal_connect(self->open_logs_button, "clicked", G_CALLBACK(on_open_logs), self);

    self->highlights.add = highlight_add;
    self->highlights.remove = highlight_remove;
    editor_init(&self->highlights, self, self->highlight_group, self->highlight_entry,
                "highlight-words");
    self->ignores = nc_ignore_list_new(settings, "ignore-masks");
    self->masks.add = mask_add;
    self->masks.remove = mask_remove;
    editor_init(&self->masks, self, self->ignore_group, self->ignore_entry, "ignore-masks");
}

/* The one open Preferences window (a weak pointer). */
static NaPreferences *open_window;

void na_preferences_present(GtkWindow *parent, GSettings *settings)
{
    g_return_if_fail(G_IS_SETTINGS(settings));
    if (open_window) {
        gtk_window_present(GTK_WINDOW(open_window));
        return;
    }
    NaPreferences *self = g_object_new(NA_TYPE_PREFERENCES, NULL);
    na_preferences_set_settings(self, settings);
    if (parent) {
        gtk_window_set_transient_for(GTK_WINDOW(self), parent);
        GtkApplication *app = gtk_window_get_application(parent);
        if (app)
            gtk_window_set_application(GTK_WINDOW(self), app);
    }
    open_window = self;
    g_object_add_weak_pointer(G_OBJECT(self), (gpointer *)&open_window);
    gtk_window_present(GTK_WINDOW(self));
}

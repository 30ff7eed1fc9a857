/* SPDX-License-Identifier: MIT */
/* natter: the channel list window (/list). */
#include "channel-list-window.h"

#include "message-text.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#define NA_TYPE_CHANNEL_LIST_WINDOW (na_channel_list_window_get_type())
G_DECLARE_FINAL_TYPE(NaChannelListWindow, na_channel_list_window, NA, CHANNEL_LIST_WINDOW,
                     AdwWindow)

struct _NaChannelListWindow {
    AdwWindow parent_instance;
    AdwWindowTitle *title;
    GtkSpinner *spinner;
    GtkButton *join_button;
    GtkSearchEntry *search_entry;
    GtkColumnView *view;
    GtkLabel *count_label;

    NcClient *client; /* weak: the window goes with the client's window */
    NcChannelList *list;
    gulong complete_handler;
    GtkCustomFilter *filter;
    GtkFilterListModel *filtered;
    GtkSingleSelection *selection;
    char *filter_text;   /* what the search entry says, or NULL */
    char *filter_folded; /* the same folded once, for every row's match */
};

G_DEFINE_FINAL_TYPE(NaChannelListWindow, na_channel_list_window, ADW_TYPE_WINDOW)

/* The window open for a client, kept on the client. */
#define WINDOW_KEY "na-channel-list-window"

/* ---- the count and progress ----------------------------------------- */

static void update_state(NaChannelListWindow *self)
{
    guint total = self->list ? g_list_model_get_n_items(G_LIST_MODEL(self->list)) : 0;
    guint shown = g_list_model_get_n_items(G_LIST_MODEL(self->filtered));
    gboolean streaming = self->list && !nc_channel_list_get_complete(self->list);
    g_autofree char *count = NULL;
    if (self->filter_text && *self->filter_text)
        count = g_strdup_printf(ngettext("%u of %u channel", "%u of %u channels", total), shown,
                                total);
    else
        count = g_strdup_printf(ngettext("%u channel", "%u channels", total), total);
    if (self->list && nc_channel_list_get_truncated(self->list)) {
        /* The server listed more than a listing keeps. */
        g_autofree char *counted = g_steal_pointer(&count);
        count = g_strdup_printf(_("%s: the server listed more, the first %u are kept"), counted,
                                NC_CHANNEL_LIST_MAX_ENTRIES);
    }
    gtk_label_set_text(self->count_label, count);
    gtk_spinner_set_spinning(self->spinner, streaming);
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), streaming);
    g_autofree char *subtitle = streaming
                                    ? g_strdup_printf(_("Receiving the list… %s"), count)
                                    : g_strdup(self->client ? nc_client_get_host(self->client) : "");
    adw_window_title_set_subtitle(self->title, subtitle);
    gtk_widget_set_sensitive(GTK_WIDGET(self->join_button),
                             gtk_single_selection_get_selected_item(self->selection) != NULL);
}

static void on_items_changed(GListModel *model, guint position, guint removed, guint added,
                             gpointer data)
{
    update_state(data);
}

/* "complete" or "truncated" changed. */
static void on_list_state(GObject *list, GParamSpec *pspec, gpointer data)
{
    update_state(data);
}

static void on_selected(GObject *selection, GParamSpec *pspec, gpointer data)
{
    update_state(data);
}

/* ---- filtering ------------------------------------------------------ */

static gboolean filter_match(gpointer item, gpointer data)
{
    NaChannelListWindow *self = data;
    return nc_channel_entry_matches_folded(NC_CHANNEL_ENTRY(item), self->filter_folded);
}

static void on_search_changed(GtkSearchEntry *entry, gpointer data)
{
    NaChannelListWindow *self = data;
    const char *text = gtk_editable_get_text(GTK_EDITABLE(entry));
    /* Typing more only narrows: the filter need not look at what it hid. */
    GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;
    if (self->filter_text && *self->filter_text && g_str_has_prefix(text, self->filter_text))
        change = GTK_FILTER_CHANGE_MORE_STRICT;
    else if (self->filter_text && g_str_has_prefix(self->filter_text, text))
        change = GTK_FILTER_CHANGE_LESS_STRICT;
    g_free(self->filter_text);
    self->filter_text = g_strdup(text);
    g_free(self->filter_folded);
    self->filter_folded = nc_channel_filter_fold(text);
    gtk_filter_changed(GTK_FILTER(self->filter), change);
    update_state(self);
}

/* ---- joining -------------------------------------------------------- */

static void join_entry(NaChannelListWindow *self, NcChannelEntry *entry)
{
    if (!entry || !self->client)
        return;
    g_autofree char *line = g_strdup_printf("/join %s", nc_channel_entry_get_name(entry));
    g_autoptr(GError) error = NULL;
    if (!nc_client_send_input(self->client, NULL, line, &error)) {
        adw_window_title_set_subtitle(self->title, error->message);
        return;
    }
    gtk_window_close(GTK_WINDOW(self));
}

static void on_join_clicked(GtkButton *button, gpointer data)
{
    NaChannelListWindow *self = data;
    join_entry(self, gtk_single_selection_get_selected_item(self->selection));
}

/* A double-click or Enter on a row. */
static void on_activate(GtkColumnView *view, guint position, gpointer data)
{
    NaChannelListWindow *self = data;
    g_autoptr(NcChannelEntry) entry = g_list_model_get_item(G_LIST_MODEL(self->selection), position);
    join_entry(self, entry);
}

/* ---- columns -------------------------------------------------------- */

typedef enum { COLUMN_NAME, COLUMN_USERS, COLUMN_TOPIC } Column;

static void setup_cell(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
    Column column = GPOINTER_TO_INT(data);
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(label), column == COLUMN_USERS ? 1.0f : 0.0f);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
    gtk_label_set_single_line_mode(GTK_LABEL(label), TRUE);
    if (column == COLUMN_USERS)
        gtk_widget_add_css_class(label, "numeric");
    gtk_list_item_set_child(item, label);
}

static void bind_cell(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
    Column column = GPOINTER_TO_INT(data);
    GtkLabel *label = GTK_LABEL(gtk_list_item_get_child(item));
    NcChannelEntry *entry = gtk_list_item_get_item(item);
    switch (column) {
    case COLUMN_NAME:
        gtk_label_set_text(label, nc_channel_entry_get_name(entry));
        break;
    case COLUMN_USERS: {
        char users[16];
        g_snprintf(users, sizeof users, "%u", nc_channel_entry_get_users(entry));
        gtk_label_set_text(label, users);
        break;
    }
    case COLUMN_TOPIC: {
        /* The topic as its author styled it, from attributes, not markup. */
        g_autoptr(NcFormatted) f = nc_format_parse(nc_channel_entry_get_topic(entry));
        PangoAttrList *attrs = na_format_attrs(f, 0, na_prefers_dark());
        gtk_label_set_text(label, f->text);
        gtk_label_set_attributes(label, attrs);
        gtk_widget_set_tooltip_text(GTK_WIDGET(label), *f->text ? f->text : NULL);
        if (attrs)
            pango_attr_list_unref(attrs);
        break;
    }
    }
}

static GtkColumnViewColumn *add_column(NaChannelListWindow *self, const char *title,
                                       Column column, GCompareDataFunc compare)
{
    GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
    g_signal_connect(factory, "setup", G_CALLBACK(setup_cell), GINT_TO_POINTER(column));
    g_signal_connect(factory, "bind", G_CALLBACK(bind_cell), GINT_TO_POINTER(column));
    GtkColumnViewColumn *c = gtk_column_view_column_new(title, factory);
    if (compare)
        gtk_column_view_column_set_sorter(c, GTK_SORTER(gtk_custom_sorter_new(compare, NULL, NULL)));
    gtk_column_view_column_set_expand(c, column == COLUMN_TOPIC);
    gtk_column_view_column_set_resizable(c, column != COLUMN_TOPIC);
    if (column == COLUMN_NAME)
        gtk_column_view_column_set_fixed_width(c, 200);
    gtk_column_view_append_column(self->view, c);
    return c; /* the view holds it */
}

/* ---- the window ----------------------------------------------------- */

static void set_list(NaChannelListWindow *self, NcChannelList *list)
{
    if (self->list) {
        g_signal_handlers_disconnect_by_data(self->list, self);
        g_clear_object(&self->list);
    }
    self->list = list ? g_object_ref(list) : NULL;
    if (list) {
        g_signal_connect(list, "notify::complete", G_CALLBACK(on_list_state), self);
        g_signal_connect(list, "notify::truncated", G_CALLBACK(on_list_state), self);
    }
    gtk_filter_list_model_set_model(self->filtered, G_LIST_MODEL(list));
    update_state(self);
}

static void na_channel_list_window_dispose(GObject *object)
{
    NaChannelListWindow *self = NA_CHANNEL_LIST_WINDOW(object);
    if (self->list) {
        g_signal_handlers_disconnect_by_data(self->list, self);
        g_clear_object(&self->list);
    }
    if (self->client) {
        g_object_set_data(G_OBJECT(self->client), WINDOW_KEY, NULL);
        g_object_remove_weak_pointer(G_OBJECT(self->client), (gpointer *)&self->client);
        self->client = NULL;
    }
    gtk_widget_dispose_template(GTK_WIDGET(self), NA_TYPE_CHANNEL_LIST_WINDOW);
    G_OBJECT_CLASS(na_channel_list_window_parent_class)->dispose(object);
}

static void na_channel_list_window_finalize(GObject *object)
{
    g_free(NA_CHANNEL_LIST_WINDOW(object)->filter_text);
    g_free(NA_CHANNEL_LIST_WINDOW(object)->filter_folded);
    G_OBJECT_CLASS(na_channel_list_window_parent_class)->finalize(object);
}

static void na_channel_list_window_class_init(NaChannelListWindowClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = na_channel_list_window_dispose;
    oc->finalize = na_channel_list_window_finalize;
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc,
                                                "/org/natter/Natter/channel-list-window.ui");
    gtk_widget_class_bind_template_child(wc, NaChannelListWindow, title);
    gtk_widget_class_bind_template_child(wc, NaChannelListWindow, spinner);
    gtk_widget_class_bind_template_child(wc, NaChannelListWindow, join_button);
    gtk_widget_class_bind_template_child(wc, NaChannelListWindow, search_entry);
    gtk_widget_class_bind_template_child(wc, NaChannelListWindow, view);
    gtk_widget_class_bind_template_child(wc, NaChannelListWindow, count_label);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void na_channel_list_window_init(NaChannelListWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->filter = gtk_custom_filter_new(filter_match, self, NULL);
    /* Filtering 10,000 rows runs in slices, so a key press never stalls. */
    self->filtered = gtk_filter_list_model_new(NULL, GTK_FILTER(self->filter));
    gtk_filter_list_model_set_incremental(self->filtered, TRUE);
    add_column(self, _("Channel"), COLUMN_NAME, nc_channel_entry_compare_name);
    GtkColumnViewColumn *users =
        add_column(self, _("Users"), COLUMN_USERS, nc_channel_entry_compare_users);
    add_column(self, _("Topic"), COLUMN_TOPIC, NULL);
    /* Each model owns the one below it; the view owns the top. */
    GtkSortListModel *sorted =
        gtk_sort_list_model_new(G_LIST_MODEL(self->filtered),
                                g_object_ref(gtk_column_view_get_sorter(self->view)));
    gtk_sort_list_model_set_incremental(sorted, TRUE);
    self->selection = gtk_single_selection_new(G_LIST_MODEL(sorted));
    gtk_single_selection_set_autoselect(self->selection, FALSE);
    gtk_single_selection_set_can_unselect(self->selection, TRUE);
    gtk_column_view_set_model(self->view, GTK_SELECTION_MODEL(self->selection));
    g_object_unref(self->selection); /* the view holds it */
    /* The busiest channels first, as people look for them. */
    gtk_column_view_sort_by_column(self->view, users, GTK_SORT_DESCENDING);
    g_signal_connect(self->filtered, "items-changed", G_CALLBACK(on_items_changed), self);
    g_signal_connect(self->selection, "notify::selected-item", G_CALLBACK(on_selected), self);
    g_signal_connect(self->search_entry, "search-changed", G_CALLBACK(on_search_changed), self);
    g_signal_connect(self->join_button, "clicked", G_CALLBACK(on_join_clicked), self);
    g_signal_connect(self->view, "activate", G_CALLBACK(on_activate), self);
    gtk_search_entry_set_key_capture_widget(self->search_entry, GTK_WIDGET(self));
}

static void on_channel_list(NcClient *client, NcChannelList *list, gpointer data)
{
    GtkWindow *parent = data;
    NaChannelListWindow *self = g_object_get_data(G_OBJECT(client), WINDOW_KEY);
    if (!self) {
        self = g_object_new(NA_TYPE_CHANNEL_LIST_WINDOW, "transient-for", parent,
                            "destroy-with-parent", TRUE, NULL);
        self->client = client;
        g_object_add_weak_pointer(G_OBJECT(client), (gpointer *)&self->client);
        g_object_set_data(G_OBJECT(client), WINDOW_KEY, self);
    }
    set_list(self, list);
    gtk_window_present(GTK_WINDOW(self));
}

void na_channel_list_window_attach(GtkWindow *parent, NcClient *client)
{
    g_signal_connect_object(client, "channel-list", G_CALLBACK(on_channel_list), parent, 0);
}

/* SPDX-License-Identifier: MIT */
/* natter: the search bar (Ctrl+F).  Matches in the conversation shown
 * are numbered from the newest, as one reads a chat upwards: Enter goes
 * to the next older one, Shift+Enter back down.  "All Logs" searches
 * every conversation of the network on disk, newest first. */
#include "search-bar.h"

#include "format.h"
#include "irc-line.h"
#include "search.h"

#include <glib/gi18n.h>

struct _NaSearchBar {
    GtkWidget parent_instance;
    GtkSearchEntry *entry;
    GtkLabel *counter_label;
    GtkButton *next_button;
    GtkButton *previous_button;
    GtkToggleButton *logs_button;
    GtkButton *close_button;
    GtkRevealer *logs_revealer;
    GtkLabel *logs_status;
    GtkScrolledWindow *logs_scroller;
    GtkListBox *logs_list;
    GtkBox *context_box;
    GtkLabel *context_title;
    GtkLabel *context_label;
    GtkButton *context_back_button;

    NcBuffer *buffer; /* a reference */
    gulong items_changed_id;
    guint refresh_id;   /* the matches brought up to date after the buffer changed */
    char *query;        /* "" while closed */
    GPtrArray *matches; /* NcBufferMatch, oldest first */
    guint current;      /* index in matches, G_MAXUINT for none */
    char *log_dir;      /* the network's log folder, NULL when unknown */
    GCancellable *log_search;
    GPtrArray *log_hits; /* NcLogHit, one per row of logs_list */
};

G_DEFINE_TYPE(NaSearchBar, na_search_bar, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_QUERY, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_JUMP, N_SIGNALS };
static guint signals[N_SIGNALS];

/* How long the buffer must stay still before a change the matches cannot
 * follow line by line (history inserted, lines merged) has them searched
 * again: each such change restarts the wait, so a burst costs one search. */
#define REFRESH_DELAY_MS 300

static GPtrArray *new_matches(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)nc_buffer_match_free);
}

static NcBufferMatch *current_match(NaSearchBar *self)
{
    if (self->current >= self->matches->len)
        return NULL;
    return self->matches->pdata[self->current];
}

static void update_counter(NaSearchBar *self)
{
    g_autofree char *text = NULL;
    guint n = self->matches->len;
    if (!*self->query)
        text = g_strdup("");
    else if (n == 0)
        text = g_strdup(_("No matches"));
    else
        /* numbered from the newest: "1 of 17" is the one nearest the bottom */
        text = g_strdup_printf(_("%u of %u"), n - self->current, n);
    gtk_label_set_text(self->counter_label, text);
    gtk_widget_set_sensitive(GTK_WIDGET(self->next_button), n > 1);
    gtk_widget_set_sensitive(GTK_WIDGET(self->previous_button), n > 1);
    gboolean missing = *self->query && n == 0;
    if (missing)
        gtk_widget_add_css_class(GTK_WIDGET(self->entry), "error");
    else
        gtk_widget_remove_css_class(GTK_WIDGET(self->entry), "error");
}

static void jump_to_current(NaSearchBar *self)
{
    NcBufferMatch *m = current_match(self);
    if (m)
        g_signal_emit(self, signals[SIGNAL_JUMP], 0, m->message);
}

/* Search the buffer again.  The match shown stays current when it still
 * matches; otherwise the newest does. */
static void refresh_matches(NaSearchBar *self, gboolean jump)
{
    NcMessage *was = NULL;
    NcBufferMatch *old = current_match(self);
    if (old)
        was = g_object_ref(old->message);
    g_ptr_array_unref(self->matches);
    self->matches = self->buffer && *self->query ? nc_search_buffer(self->buffer, self->query)
                                                 : new_matches();
    self->current = self->matches->len ? self->matches->len - 1 : G_MAXUINT;
    for (guint i = 0; was && i < self->matches->len; i++)
        if (((NcBufferMatch *)self->matches->pdata[i])->message == was)
            self->current = i;
    g_clear_object(&was);
    update_counter(self);
    if (jump)
        jump_to_current(self);
}

static gboolean refresh_after_change(gpointer data)
{
    NaSearchBar *self = data;
    self->refresh_id = 0;
    refresh_matches(self, FALSE);
    return G_SOURCE_REMOVE;
}

static void on_messages_changed(GListModel *model, guint position, guint removed, guint added,
                                NaSearchBar *self)
{
    if (!*self->query)
        return;
    /* Lines said and lines trimmed, the usual traffic, update the matches
     * at once for the cost of the new lines alone; matches waiting for a
     * search again are stale and cannot be updated. */
    guint had = self->matches->len;
    if (!self->refresh_id && nc_search_buffer_update(self->matches, self->buffer, self->query,
                                                     position, removed, added)) {
        guint n = self->matches->len;
        guint dropped = had > n ? had - n : 0;
        /* The match shown stays current while it is there; otherwise the
         * newest is, as after a search. */
        if (self->current < had && self->current >= dropped)
            self->current -= dropped;
        else
            self->current = n ? n - 1 : G_MAXUINT;
        update_counter(self);
        return;
    }
    g_clear_handle_id(&self->refresh_id, g_source_remove);
    self->refresh_id = g_timeout_add(REFRESH_DELAY_MS, refresh_after_change, self);
}

static void step(NaSearchBar *self, gboolean older)
{
    guint n = self->matches->len;
    if (n == 0)
        return;
    if (older)
        self->current = self->current == 0 || self->current >= n ? n - 1 : self->current - 1;
    else
        self->current = self->current + 1 >= n ? 0 : self->current + 1;
    update_counter(self);
    jump_to_current(self);
}

/* ---- the logs ------------------------------------------------------- */

static void stop_log_search(NaSearchBar *self)
{
    if (self->log_search)
        g_cancellable_cancel(self->log_search);
    g_clear_object(&self->log_search);
}

static void clear_log_results(NaSearchBar *self)
{
    GtkWidget *row;
    while ((row = gtk_widget_get_first_child(GTK_WIDGET(self->logs_list))))
        gtk_list_box_remove(self->logs_list, row);
    g_ptr_array_set_size(self->log_hits, 0);
    gtk_widget_set_visible(GTK_WIDGET(self->context_box), FALSE);
    gtk_widget_set_visible(GTK_WIDGET(self->logs_scroller), TRUE);
}

static char *format_time(gint64 time_us, const char *format)
{
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(time_us / G_USEC_PER_SEC);
    return t ? g_date_time_format(t, format) : g_strdup("");
}

/* The spans as Pango attributes: the matched words stand out in the row. */
static PangoAttrList *highlight_attrs(GArray *spans)
{
    PangoAttrList *attrs = pango_attr_list_new();
    for (guint i = 0; i < spans->len; i++) {
        NcSearchSpan s = g_array_index(spans, NcSearchSpan, i);
        PangoAttribute *a[] = {
            pango_attr_weight_new(PANGO_WEIGHT_BOLD),
            pango_attr_background_new(0xffff, 0xd000, 0x3000),
            pango_attr_background_alpha_new(0x7000),
        };
        for (gsize k = 0; k < G_N_ELEMENTS(a); k++) {
            a[k]->start_index = (guint)s.start;
            a[k]->end_index = (guint)s.end;
            pango_attr_list_insert(attrs, a[k]);
        }
    }
    return attrs;
}

static GtkWidget *cell(const char *text, const char *css_class)
{
    GtkWidget *label = gtk_label_new(text);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    if (css_class)
        gtk_widget_add_css_class(label, css_class);
    return label;
}

static GtkWidget *log_hit_row(const NcLogHit *hit)
{
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 10);
    gtk_widget_set_margin_start(box, 8);
    gtk_widget_set_margin_end(box, 8);
    gtk_widget_set_margin_top(box, 4);
    gtk_widget_set_margin_bottom(box, 4);
    g_autofree char *when = format_time(nc_message_get_time(hit->message), "%Y-%m-%d %H:%M");
    gtk_box_append(GTK_BOX(box), cell(when, "dim-label"));
    GtkWidget *where = cell(hit->buffer, "heading");
    gtk_label_set_width_chars(GTK_LABEL(where), 10);
    gtk_label_set_max_width_chars(GTK_LABEL(where), 16);
    gtk_label_set_ellipsize(GTK_LABEL(where), PANGO_ELLIPSIZE_END);
    gtk_box_append(GTK_BOX(box), where);
    const char *sender = nc_message_get_sender(hit->message);
    GtkWidget *who = cell(sender ? sender : "", "dim-label");
    gtk_label_set_width_chars(GTK_LABEL(who), 8);
    gtk_label_set_max_width_chars(GTK_LABEL(who), 14);
    gtk_label_set_ellipsize(GTK_LABEL(who), PANGO_ELLIPSIZE_END);
    gtk_box_append(GTK_BOX(box), who);
    GtkWidget *text = cell(hit->text, NULL);
    gtk_widget_set_hexpand(text, TRUE);
    gtk_label_set_ellipsize(GTK_LABEL(text), PANGO_ELLIPSIZE_END);
    PangoAttrList *attrs = highlight_attrs(hit->spans);
    gtk_label_set_attributes(GTK_LABEL(text), attrs);
    pango_attr_list_unref(attrs);
    gtk_box_append(GTK_BOX(box), text);
    g_autofree char *tip = g_strdup_printf("%s, %s: %s", hit->buffer, when, hit->text);
    gtk_widget_set_tooltip_text(box, tip);
    return box;
}

static void on_log_hits(GPtrArray *hits, gpointer data)
{
    NaSearchBar *self = data;
    while (hits->len > 0) {
        NcLogHit *hit = g_ptr_array_steal_index(hits, 0);
        gtk_list_box_append(self->logs_list, log_hit_row(hit));
        g_ptr_array_add(self->log_hits, hit);
    }
}

static void on_log_search_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(NaSearchBar) self = data;
    guint total = 0;
    gboolean more = FALSE;
    g_autoptr(GError) error = NULL;
    if (!nc_search_logs_finish(result, &total, &more, &error))
        return; /* cancelled: a newer search (or none) owns the list */
    g_clear_object(&self->log_search);
    g_autofree char *status = NULL;
    if (total == 0)
        status = g_strdup(_("Nothing in the logs of this network."));
    else if (more)
        status = g_strdup_printf(_("The newest %u lines found in the logs; type more words to "
                                   "reach older ones."),
                                 total);
    else
        status = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u line found in the logs.",
                                             "%u lines found in the logs.", total),
                                 total);
    gtk_label_set_text(self->logs_status, status);
}

static void restart_log_search(NaSearchBar *self)
{
    stop_log_search(self);
    clear_log_results(self);
    gboolean wanted = gtk_toggle_button_get_active(self->logs_button);
    gtk_revealer_set_reveal_child(self->logs_revealer, wanted);
    if (!wanted)
        return;
    if (!self->log_dir) {
        gtk_label_set_text(self->logs_status, _("This conversation's network has no logs."));
        return;
    }
    if (!*self->query) {
        gtk_label_set_text(self->logs_status, _("Type what to look for in every conversation."));
        return;
    }
    gtk_label_set_text(self->logs_status, _("Searching the logs…"));
    self->log_search = g_cancellable_new();
    nc_search_logs_async(self->log_dir, self->query, 0, self->log_search, on_log_hits,
                         on_log_search_done, g_object_ref(self));
}

/* The loaded message a logged line was, in the conversation shown. */
static NcMessage *loaded_message(NaSearchBar *self, const NcLogHit *hit)
{
    if (!self->buffer)
        return NULL;
    g_autofree char *shown = nc_irc_casefold(nc_buffer_get_name(self->buffer));
    if (g_strcmp0(shown, hit->buffer) != 0)
        return NULL;
    GListModel *messages = nc_buffer_get_messages(self->buffer);
    for (guint i = g_list_model_get_n_items(messages); i > 0; i--) {
        g_autoptr(NcMessage) m = g_list_model_get_item(messages, i - 1);
        if (nc_message_same(m, hit->message))
            return g_steal_pointer(&m);
    }
    return NULL;
}

static void show_context(NaSearchBar *self, const NcLogHit *hit)
{
    guint index = 0;
    g_autoptr(GPtrArray) lines = nc_search_log_context(hit, 6, 6, &index);
    g_autoptr(GString) markup = g_string_new(NULL);
    for (guint i = 0; i < lines->len; i++) {
        NcMessage *m = lines->pdata[i];
        g_autofree char *when = format_time(nc_message_get_time(m), "%H:%M");
        g_autofree char *plain = nc_message_format_plain(m);
        g_autofree char *visible = nc_format_strip(plain);
        g_autofree char *escaped = g_markup_printf_escaped("%s  %s", when, visible);
        if (markup->len)
            g_string_append_c(markup, '\n');
        if (i == index)
            g_string_append_printf(markup, "<b>%s</b>", escaped);
        else
            g_string_append_printf(markup, "<span alpha=\"70%%\">%s</span>", escaped);
    }
    g_autofree char *day = format_time(nc_message_get_time(hit->message), "%A %-d %B %Y");
    g_autofree char *title = g_strdup_printf(_("%s, %s"), hit->buffer, day);
    gtk_label_set_text(self->context_title, title);
    gtk_label_set_markup(self->context_label, markup->str);
    gtk_widget_set_visible(GTK_WIDGET(self->logs_scroller), FALSE);
    gtk_widget_set_visible(GTK_WIDGET(self->context_box), TRUE);
}

static void on_log_row_activated(GtkListBox *list, GtkListBoxRow *row, NaSearchBar *self)
{
    int index = gtk_list_box_row_get_index(row);
    if (index < 0 || (guint)index >= self->log_hits->len)
        return;
    const NcLogHit *hit = self->log_hits->pdata[index];
    g_autoptr(NcMessage) loaded = loaded_message(self, hit);
    if (!loaded) {
        show_context(self, hit);
        return;
    }
    for (guint i = 0; i < self->matches->len; i++)
        if (((NcBufferMatch *)self->matches->pdata[i])->message == loaded)
            self->current = i;
    update_counter(self);
    g_signal_emit(self, signals[SIGNAL_JUMP], 0, loaded);
}

static void on_context_back(GtkButton *button, NaSearchBar *self)
{
    gtk_widget_set_visible(GTK_WIDGET(self->context_box), FALSE);
    gtk_widget_set_visible(GTK_WIDGET(self->logs_scroller), TRUE);
}

/* ---- the query ------------------------------------------------------ */

static void set_query(NaSearchBar *self, const char *query)
{
    if (g_strcmp0(self->query, query) == 0)
        return;
    g_free(self->query);
    self->query = g_strdup(query);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_QUERY]);
    refresh_matches(self, TRUE);
    restart_log_search(self);
}

static void on_search_changed(GtkSearchEntry *entry, NaSearchBar *self)
{
    if (gtk_widget_get_visible(GTK_WIDGET(self)))
        set_query(self, gtk_editable_get_text(GTK_EDITABLE(entry)));
}

static void on_activate(GtkSearchEntry *entry, NaSearchBar *self)
{
    step(self, TRUE);
}

static void on_next(NaSearchBar *self)
{
    step(self, TRUE);
}

static void on_previous(NaSearchBar *self)
{
    step(self, FALSE);
}

/* Shift+Enter would activate the entry like Enter: it goes the other way. */
static gboolean on_entry_key(GtkEventControllerKey *controller, guint keyval, guint keycode,
                             GdkModifierType state, NaSearchBar *self)
{
    gboolean enter = keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter ||
                     keyval == GDK_KEY_ISO_Enter;
    if (enter && (state & GDK_SHIFT_MASK)) {
        step(self, FALSE);
        return TRUE;
    }
    return FALSE;
}

static void on_logs_toggled(GtkToggleButton *button, NaSearchBar *self)
{
    restart_log_search(self);
}

/* ---- the widget ----------------------------------------------------- */

static void na_search_bar_get_property(GObject *object, guint id, GValue *value,
                                       GParamSpec *pspec)
{
    NaSearchBar *self = NA_SEARCH_BAR(object);
    switch (id) {
    case PROP_QUERY:
        g_value_set_string(value, self->query);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void disconnect_buffer(NaSearchBar *self)
{
    if (self->buffer && self->items_changed_id)
        g_signal_handler_disconnect(nc_buffer_get_messages(self->buffer), self->items_changed_id);
    self->items_changed_id = 0;
    g_clear_object(&self->buffer);
    g_clear_handle_id(&self->refresh_id, g_source_remove);
}

static void na_search_bar_dispose(GObject *object)
{
    NaSearchBar *self = NA_SEARCH_BAR(object);
    stop_log_search(self);
    disconnect_buffer(self);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_SEARCH_BAR);
    /* A plain GtkWidget parent does not drop its children itself. */
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(object))))
        gtk_widget_unparent(child);
    G_OBJECT_CLASS(na_search_bar_parent_class)->dispose(object);
}

static void na_search_bar_finalize(GObject *object)
{
    NaSearchBar *self = NA_SEARCH_BAR(object);
    g_free(self->query);
    g_ptr_array_unref(self->matches);
    g_ptr_array_unref(self->log_hits);
    g_free(self->log_dir);
    G_OBJECT_CLASS(na_search_bar_parent_class)->finalize(object);
}

static void na_search_bar_class_init(NaSearchBarClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->get_property = na_search_bar_get_property;
    oc->dispose = na_search_bar_dispose;
    oc->finalize = na_search_bar_finalize;
    props[PROP_QUERY] = g_param_spec_string("query", NULL, NULL, "",
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, N_PROPS, props);
    signals[SIGNAL_JUMP] = g_signal_new("jump", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, NC_TYPE_MESSAGE);

    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/search-bar.ui");
    gtk_widget_class_bind_template_child(wc, NaSearchBar, entry);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, counter_label);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, next_button);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, previous_button);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, logs_button);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, close_button);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, logs_revealer);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, logs_status);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, logs_scroller);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, logs_list);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, context_box);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, context_title);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, context_label);
    gtk_widget_class_bind_template_child(wc, NaSearchBar, context_back_button);
    gtk_widget_class_set_accessible_role(wc, GTK_ACCESSIBLE_ROLE_SEARCH);
}

static void na_search_bar_init(NaSearchBar *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->query = g_strdup("");
    self->matches = new_matches();
    self->current = G_MAXUINT;
    self->log_hits = g_ptr_array_new_with_free_func((GDestroyNotify)nc_log_hit_free);
    g_signal_connect(self->entry, "search-changed", G_CALLBACK(on_search_changed), self);
    g_signal_connect(self->entry, "activate", G_CALLBACK(on_activate), self);
    g_signal_connect_swapped(self->entry, "next-match", G_CALLBACK(on_next), self);
    g_signal_connect_swapped(self->entry, "previous-match", G_CALLBACK(on_previous), self);
    g_signal_connect_swapped(self->entry, "stop-search", G_CALLBACK(na_search_bar_close), self);
    GtkEventController *keys = gtk_event_controller_key_new();
    gtk_event_controller_set_propagation_phase(keys, GTK_PHASE_CAPTURE);
    g_signal_connect(keys, "key-pressed", G_CALLBACK(on_entry_key), self);
    gtk_widget_add_controller(GTK_WIDGET(self->entry), keys);
    g_signal_connect_swapped(self->next_button, "clicked", G_CALLBACK(on_next), self);
    g_signal_connect_swapped(self->previous_button, "clicked", G_CALLBACK(on_previous), self);
    g_signal_connect_swapped(self->close_button, "clicked", G_CALLBACK(na_search_bar_close), self);
    g_signal_connect(self->logs_button, "toggled", G_CALLBACK(on_logs_toggled), self);
    g_signal_connect(self->logs_list, "row-activated", G_CALLBACK(on_log_row_activated), self);
    g_signal_connect(self->context_back_button, "clicked", G_CALLBACK(on_context_back), self);
    gtk_widget_set_sensitive(GTK_WIDGET(self->logs_button), FALSE);
    update_counter(self);
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
}

GtkWidget *na_search_bar_new(void)
{
    return g_object_new(NA_TYPE_SEARCH_BAR, NULL);
}

void na_search_bar_set_buffer(NaSearchBar *self, NcBuffer *buffer)
{
    g_return_if_fail(NA_IS_SEARCH_BAR(self));
    if (buffer == self->buffer)
        return;
    disconnect_buffer(self);
    if (buffer) {
        self->buffer = g_object_ref(buffer);
        self->items_changed_id = g_signal_connect(nc_buffer_get_messages(buffer), "items-changed",
                                                  G_CALLBACK(on_messages_changed), self);
    }
    g_ptr_array_set_size(self->matches, 0);
    self->current = G_MAXUINT;
    if (*self->query)
        refresh_matches(self, TRUE);
    else
        update_counter(self);
}

void na_search_bar_set_logs(NaSearchBar *self, NcLogger *logger, const char *network)
{
    g_return_if_fail(NA_IS_SEARCH_BAR(self));
    g_autofree char *dir = logger && network ? nc_search_log_dir(logger, network) : NULL;
    if (g_strcmp0(dir, self->log_dir) == 0)
        return;
    g_free(self->log_dir);
    self->log_dir = g_steal_pointer(&dir);
    gtk_widget_set_sensitive(GTK_WIDGET(self->logs_button), self->log_dir != NULL);
    if (!self->log_dir)
        gtk_toggle_button_set_active(self->logs_button, FALSE);
    if (gtk_widget_get_visible(GTK_WIDGET(self)))
        restart_log_search(self);
}

void na_search_bar_open(NaSearchBar *self)
{
    g_return_if_fail(NA_IS_SEARCH_BAR(self));
    if (gtk_widget_get_visible(GTK_WIDGET(self))) {
        gtk_widget_grab_focus(GTK_WIDGET(self->entry));
        gtk_editable_select_region(GTK_EDITABLE(self->entry), 0, -1);
        return;
    }
    gtk_widget_set_visible(GTK_WIDGET(self), TRUE);
    gtk_widget_grab_focus(GTK_WIDGET(self->entry));
    /* Opening again searches for what the entry still holds. */
    gtk_editable_select_region(GTK_EDITABLE(self->entry), 0, -1);
    set_query(self, gtk_editable_get_text(GTK_EDITABLE(self->entry)));
    /* "All Logs" stays as the user left it. */
    if (gtk_toggle_button_get_active(self->logs_button) && !*self->query)
        restart_log_search(self);
}

void na_search_bar_close(NaSearchBar *self)
{
    g_return_if_fail(NA_IS_SEARCH_BAR(self));
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
    stop_log_search(self);
    clear_log_results(self);
    gtk_revealer_set_reveal_child(self->logs_revealer, FALSE);
    set_query(self, "");
}

const char *na_search_bar_get_query(NaSearchBar *self)
{
    g_return_val_if_fail(NA_IS_SEARCH_BAR(self), "");
    return self->query;
}

/* SPDX-License-Identifier: MIT */
#include "window.h"

#include "connect-dialog.h"
#include "fold.h"
#include "trust-bar.h"
#include "whois-card.h"
#include "input.h"
#include "irc-line.h"
#include "message-text.h"

#include <glib/gi18n.h>
#include <string.h>

struct _NaWindow {
    GtkApplicationWindow parent_instance;

    GtkRevealer *banner_revealer;
    GtkLabel *banner_label;
    GtkWidget *reconnect_button;
    GtkWidget *login_button;
    NaTrustBar *trust_bar;
    NaWhoisCard *whois_card;
    GtkSearchEntry *jump_entry;
    GtkListView *sidebar_view;
    GtkPaned *content_paned;
    GtkLabel *topic_label;
    GtkScrolledWindow *message_scroll;
    GtkListView *message_view;
    GtkLabel *nick_label;
    GtkEntry *input_entry;
    GtkRevealer *paste_revealer;
    GtkLabel *paste_label;
    GtkWidget *paste_send_button;
    GtkScrolledWindow *members_scroll;
    GtkListView *member_view;
    GtkLabel *status_label;

    GPtrArray *clients;   /* NcClient, in sidebar order */
    GListStore *networks; /* GListModel per client: its buffers */
    GtkFilterListModel *sidebar_filtered;
    GtkCustomFilter *jump_filter;
    GtkSingleSelection *sidebar_selection;
    GtkCustomFilter *event_filter;
    gboolean collapse_events;

    NcBuffer *current; /* weak: the network owns it */
    NcFoldModel *fold; /* the rows shown for current */
    NcClient *current_client;
    gulong topic_handler;

    GPtrArray *history; /* lines typed, oldest first */
    guint history_pos;  /* == history->len when not browsing */
    NcCompleter *completer;
    gboolean follow_bottom; /* keep the newest message in view */
    guint seen_items;       /* message count when the view last moved */
    gint64 read_checked_us; /* when the view last told the core what was read */

    char **paste_lines;     /* a long paste waiting for Send/Cancel */
    NcBuffer *paste_buffer; /* weak: where it goes */
};

G_DEFINE_TYPE(NaWindow, na_window, GTK_TYPE_APPLICATION_WINDOW)

static NcClient *client_for_buffer(NaWindow *self, NcBuffer *buffer)
{
    for (guint i = 0; i < self->clients->len; i++) {
        NcClient *c = self->clients->pdata[i];
        GListModel *bufs = nc_network_get_buffers(nc_client_get_network(c));
        guint n = g_list_model_get_n_items(bufs);
        for (guint j = 0; j < n; j++) {
            g_autoptr(NcBuffer) b = g_list_model_get_item(bufs, j);
            if (b == buffer)
                return c;
        }
    }
    return NULL;
}

/* ---- colours and message rows --------------------------------------- */

static void on_fold_clicked(GtkButton *button, NaWindow *self)
{
    GtkWidget *row = g_object_get_data(G_OBJECT(button), "row");
    NcRow *item = g_object_get_data(G_OBJECT(row), "item");
    if (self->fold && item)
        nc_fold_model_set_expanded(self->fold, item, !nc_row_get_expanded(item));
}

/* A line across the view with words in its middle, hidden at first. */
static GtkWidget *divider_new(const char *words, const char *css_class)
{
    GtkWidget *divider = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    gtk_widget_add_css_class(divider, css_class);
    GtkWidget *left = gtk_separator_new(GTK_ORIENTATION_HORIZONTAL);
    GtkWidget *right = gtk_separator_new(GTK_ORIENTATION_HORIZONTAL);
    gtk_widget_set_hexpand(left, TRUE);
    gtk_widget_set_hexpand(right, TRUE);
    gtk_widget_set_valign(left, GTK_ALIGN_CENTER);
    gtk_widget_set_valign(right, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(divider), left);
    gtk_box_append(GTK_BOX(divider), gtk_label_new(words));
    gtk_box_append(GTK_BOX(divider), right);
    gtk_widget_set_visible(divider, FALSE);
    return divider;
}

/* A message row: the "history" divider (above the first line filled in
 * from the server's history after a reconnect), the "New messages"
 * marker line (above the first unread message only) and the message's
 * label. */
static void message_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    GtkWidget *row = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    GtkWidget *history = divider_new(_("From the server’s history"), "natter-history-divider");
    GtkWidget *marker = divider_new(_("New messages"), "natter-marker");

    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_wrap_mode(GTK_LABEL(label), PANGO_WRAP_WORD_CHAR);
    gtk_label_set_selectable(GTK_LABEL(label), TRUE);
    gtk_label_set_use_markup(GTK_LABEL(label), TRUE);
    gtk_widget_set_focusable(label, FALSE);
    /* A folded run of joins/parts: a flat button that opens and closes it. */
    GtkWidget *fold = gtk_button_new();
    GtkWidget *fold_label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(fold_label), 0);
    gtk_label_set_use_markup(GTK_LABEL(fold_label), TRUE);
    gtk_button_set_child(GTK_BUTTON(fold), fold_label);
    gtk_widget_add_css_class(fold, "flat");
    gtk_widget_add_css_class(fold, "natter-fold");
    gtk_widget_set_halign(fold, GTK_ALIGN_START);
    gtk_widget_set_focus_on_click(fold, FALSE); /* typing stays in the input */
    gtk_widget_set_visible(fold, FALSE);
    g_signal_connect(fold, "clicked", G_CALLBACK(on_fold_clicked), data);
    gtk_box_append(GTK_BOX(row), history);
    gtk_box_append(GTK_BOX(row), marker);
    gtk_box_append(GTK_BOX(row), label);
    gtk_box_append(GTK_BOX(row), fold);
    g_object_set_data(G_OBJECT(row), "fold", fold);
    g_object_set_data(G_OBJECT(row), "fold-label", fold_label);
    g_object_set_data(G_OBJECT(fold), "row", row);
    g_object_set_data(G_OBJECT(row), "marker", marker);
    g_object_set_data(G_OBJECT(row), "history", history);
    g_object_set_data(G_OBJECT(row), "label", label);
    gtk_list_item_set_child(item, row);
    gtk_list_item_set_activatable(item, FALSE);
}

static void update_marker(NcBuffer *b, GParamSpec *pspec, GtkWidget *row)
{
    NcMessage *m = g_object_get_data(G_OBJECT(row), "message");
    gboolean here = m && m == nc_buffer_get_marker(b);
    gboolean history = m && m == nc_buffer_get_history_start(b);
    gtk_widget_set_visible(g_object_get_data(G_OBJECT(row), "marker"), here);
    gtk_widget_set_visible(g_object_get_data(G_OBJECT(row), "history"), history);
    if (here)
        gtk_accessible_update_property(GTK_ACCESSIBLE(row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("New messages start here"), -1);
    else if (history)
        gtk_accessible_update_property(GTK_ACCESSIBLE(row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("Messages from the server’s history start here"), -1);
    else
        gtk_accessible_reset_property(GTK_ACCESSIBLE(row), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void message_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    NaWindow *self = data;
    NcRow *r = gtk_list_item_get_item(item);
    NcMessage *m = nc_row_get_message(r);
    GtkWidget *row = gtk_list_item_get_child(item);
    GtkWidget *label = g_object_get_data(G_OBJECT(row), "label");
    GtkWidget *fold = g_object_get_data(G_OBJECT(row), "fold");
    g_object_set_data(G_OBJECT(row), "item", r);
    gboolean is_fold = nc_row_get_kind(r) == NC_ROW_FOLD;
    gtk_widget_set_visible(label, !is_fold);
    gtk_widget_set_visible(fold, is_fold);
    gtk_widget_set_margin_start(row, nc_row_get_in_fold(r) ? 18 : 0);
    if (is_fold) {
        gboolean open = nc_row_get_expanded(r);
        g_autofree char *esc = g_markup_escape_text(nc_row_get_summary(r), -1);
        g_autoptr(GDateTime) utc =
            g_date_time_new_from_unix_utc(nc_message_get_time(m) / G_USEC_PER_SEC);
        g_autoptr(GDateTime) local = g_date_time_to_local(utc);
        g_autofree char *stamp = g_date_time_format(local, "%H:%M");
        g_autofree char *markup =
            g_strdup_printf("<span alpha=\"60%%\" font_features=\"tnum\">%s</span>  <span "
                            "alpha=\"65%%\">%s %s</span>",
                            stamp, open ? "▾" : "▸", esc);
        gtk_label_set_markup(GTK_LABEL(g_object_get_data(G_OBJECT(row), "fold-label")), markup);
        g_autofree char *tip =
            g_strdup_printf(open ? _("%s (click to hide them)") : _("%s (click to show them)"),
                            nc_row_get_summary(r));
        gtk_widget_set_tooltip_text(fold, tip);
        gtk_accessible_update_property(GTK_ACCESSIBLE(fold), GTK_ACCESSIBLE_PROPERTY_LABEL, tip,
                                       -1);
        gtk_accessible_update_state(GTK_ACCESSIBLE(fold), GTK_ACCESSIBLE_STATE_EXPANDED, open, -1);
        g_object_set_data(G_OBJECT(row), "message", NULL);
        gtk_widget_set_visible(GTK_WIDGET(g_object_get_data(G_OBJECT(row), "marker")), FALSE);
        gtk_widget_set_visible(GTK_WIDGET(g_object_get_data(G_OBJECT(row), "history")), FALSE);
        return;
    }
    na_message_text_show(GTK_LABEL(label), m, na_prefers_dark());
    NcMessageKind kind = nc_message_get_kind(m);
    if (nc_message_kind_is_event(kind) || kind == NC_MSG_HISTORY)
        gtk_widget_add_css_class(label, "natter-event");
    else
        gtk_widget_remove_css_class(label, "natter-event");
    if (nc_message_get_flags(m) & NC_MSG_FLAG_HIGHLIGHT)
        gtk_widget_add_css_class(label, "natter-highlight");
    else
        gtk_widget_remove_css_class(label, "natter-highlight");
    g_object_set_data(G_OBJECT(row), "message", m);
    if (self->current) {
        update_marker(self->current, NULL, row);
        /* Held while bound: a closed buffer must outlive its rows' unbind. */
        g_object_set_data_full(G_OBJECT(row), "buffer", g_object_ref(self->current),
                               g_object_unref);
        g_signal_connect_object(self->current, "notify::marker", G_CALLBACK(update_marker), row, 0);
        g_signal_connect_object(self->current, "notify::history-start", G_CALLBACK(update_marker),
                                row, 0);
    }
}

static void message_unbind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    GtkWidget *row = gtk_list_item_get_child(item);
    NcBuffer *b = g_object_get_data(G_OBJECT(row), "buffer");
    /* By data, not by function: ISO C has no function-to-void* cast. */
    if (b)
        g_signal_handlers_disconnect_matched(b, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, row);
    g_object_set_data(G_OBJECT(row), "buffer", NULL);
    g_object_set_data(G_OBJECT(row), "message", NULL);
    g_object_set_data(G_OBJECT(row), "item", NULL);
}

/* ---- members -------------------------------------------------------- */

static void member_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
    gtk_widget_set_margin_start(label, 6);
    gtk_list_item_set_child(item, label);
}

/* The tooltip says who the member is logged in as (what account-notify,
 * extended-join, account-tag and WHOIS taught the core). */
static void member_update_account(NcMember *m, GParamSpec *pspec, GtkWidget *label)
{
    const char *account = nc_member_get_account(m);
    const char *nick = nc_member_get_nick(m);
    g_autofree char *tip =
        !account   ? g_strdup_printf(_("%s\nDouble-click to see who this is"), nick)
        : *account ? g_strdup_printf(_("%s\nLogged in as the account “%s”"), nick, account)
                   : g_strdup_printf(_("%s\nNot logged in to an account"), nick);
    gtk_widget_set_tooltip_text(label, tip);
    gtk_accessible_update_property(GTK_ACCESSIBLE(label), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip,
                                   -1);
}

static void member_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    NcMember *m = gtk_list_item_get_item(item);
    GtkWidget *label = gtk_list_item_get_child(item);
    const char *prefixes = nc_member_get_prefixes(m);
    char first[2] = {prefixes[0], '\0'};
    g_autofree char *text = g_strconcat(first, nc_member_get_nick(m), NULL);
    gtk_label_set_text(GTK_LABEL(label), text);
    member_update_account(m, NULL, label);
    g_signal_connect_object(m, "notify::account", G_CALLBACK(member_update_account), label, 0);
}

static void member_unbind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    NcMember *m = gtk_list_item_get_item(item);
    GtkWidget *label = gtk_list_item_get_child(item);
    /* By data, not by function: ISO C has no function-to-void* cast. */
    g_signal_handlers_disconnect_matched(m, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, label);
}

/* A double-click (or Return) on a member asks the server who it is; the
 * answer shows as the WHOIS card. */
static void on_member_activate(GtkListView *view, guint position, NaWindow *self)
{
    GListModel *m = G_LIST_MODEL(gtk_list_view_get_model(view));
    g_autoptr(NcMember) member = m ? g_list_model_get_item(m, position) : NULL;
    if (!member || !self->current_client)
        return;
    g_autofree char *line = g_strdup_printf("/whois %s", nc_member_get_nick(member));
    g_autoptr(GError) error = NULL;
    if (!nc_client_send_input(self->current_client, self->current, line, &error))
        na_window_show_error(self, error->message);
}

/* ---- sidebar -------------------------------------------------------- */

static void sidebar_update_row(NcBuffer *b, GParamSpec *pspec, GtkWidget *row)
{
    GtkWidget *name = g_object_get_data(G_OBJECT(row), "name");
    GtkWidget *unread = g_object_get_data(G_OBJECT(row), "unread");
    GtkWidget *mentions = g_object_get_data(G_OBJECT(row), "mentions");
    gboolean server = nc_buffer_get_kind(b) == NC_BUFFER_SERVER;
    gtk_label_set_text(GTK_LABEL(name), nc_buffer_get_name(b));
    gtk_widget_set_margin_start(name, server ? 0 : 12);
    if (server)
        gtk_widget_add_css_class(name, "heading");
    else
        gtk_widget_remove_css_class(name, "heading");
    if (!server && !nc_buffer_get_joined(b) && nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL)
        gtk_widget_add_css_class(name, "natter-parted");
    else
        gtk_widget_remove_css_class(name, "natter-parted");
    guint u = nc_buffer_get_unread(b), m = nc_buffer_get_mentions(b);
    g_autofree char *us = g_strdup_printf("%u", u);
    g_autofree char *ms = g_strdup_printf("%u", m);
    gtk_label_set_text(GTK_LABEL(unread), us);
    gtk_label_set_text(GTK_LABEL(mentions), ms);
    gtk_widget_set_visible(unread, u > 0 && m == 0);
    gtk_widget_set_visible(mentions, m > 0);
    /* Screen readers hear the counts with the name. */
    g_autofree char *desc =
        m   ? g_strdup_printf(_("%s, %u unread, %u mentions"), nc_buffer_get_name(b), u, m)
        : u ? g_strdup_printf(_("%s, %u unread"), nc_buffer_get_name(b), u)
            : g_strdup(nc_buffer_get_name(b));
    gtk_accessible_update_property(GTK_ACCESSIBLE(row), GTK_ACCESSIBLE_PROPERTY_LABEL, desc, -1);
}

static void sidebar_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *name = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(name), 0);
    gtk_label_set_ellipsize(GTK_LABEL(name), PANGO_ELLIPSIZE_END);
    gtk_widget_set_hexpand(name, TRUE);
    GtkWidget *unread = gtk_label_new(NULL);
    gtk_widget_add_css_class(unread, "natter-badge");
    GtkWidget *mentions = gtk_label_new(NULL);
    gtk_widget_add_css_class(mentions, "natter-badge");
    gtk_widget_add_css_class(mentions, "natter-mention");
    gtk_box_append(GTK_BOX(row), name);
    gtk_box_append(GTK_BOX(row), unread);
    gtk_box_append(GTK_BOX(row), mentions);
    g_object_set_data(G_OBJECT(row), "name", name);
    g_object_set_data(G_OBJECT(row), "unread", unread);
    g_object_set_data(G_OBJECT(row), "mentions", mentions);
    gtk_list_item_set_child(item, row);
}

static void sidebar_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    NcBuffer *b = gtk_list_item_get_item(item);
    GtkWidget *row = gtk_list_item_get_child(item);
    sidebar_update_row(b, NULL, row);
    g_signal_connect_object(b, "notify", G_CALLBACK(sidebar_update_row), row, 0);
}

static void sidebar_unbind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    NcBuffer *b = gtk_list_item_get_item(item);
    GtkWidget *row = gtk_list_item_get_child(item);
    /* By data, not by function: ISO C has no function-to-void* cast. */
    g_signal_handlers_disconnect_matched(b, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, row);
}

static gboolean jump_match(gpointer item, gpointer data)
{
    NaWindow *self = data;
    const char *q = gtk_editable_get_text(GTK_EDITABLE(self->jump_entry));
    if (!q || !*q)
        return TRUE;
    g_autofree char *fq = g_utf8_casefold(q, -1);
    g_autofree char *fn = g_utf8_casefold(nc_buffer_get_name(item), -1);
    return strstr(fn, fq) != NULL;
}

static gboolean event_visible(gpointer item, gpointer data)
{
    NaWindow *self = data;
    if (!self->collapse_events)
        return TRUE;
    NcRow *r = item;
    return nc_row_get_kind(r) == NC_ROW_MESSAGE &&
           !nc_message_kind_is_event(nc_message_get_kind(nc_row_get_message(r)));
}

/* ---- showing a buffer ----------------------------------------------- */

static void update_status(NaWindow *self)
{
    NcClient *c = self->current_client;
    gtk_label_set_text(self->status_label, c ? nc_client_get_status(c) : _("Not connected"));
    gtk_label_set_text(self->nick_label, c ? nc_client_get_nick(c) : "");
}

static void update_topic(NaWindow *self)
{
    NcBuffer *b = self->current;
    if (!b) {
        gtk_label_set_text(self->topic_label, "");
        return;
    }
    /* The topic and the title are plain text: formatting codes dropped. */
    g_autofree char *topic = nc_format_strip(nc_buffer_get_topic(b));
    g_autofree char *name = nc_format_strip(nc_buffer_get_name(b));
    g_autofree char *text = NULL;
    if (nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL)
        text = g_strdup_printf("%s — %s", name, *topic ? topic : _("no topic"));
    else if (nc_buffer_get_kind(b) == NC_BUFFER_QUERY)
        text = g_strdup_printf(_("Private conversation with %s"), name);
    else
        text = g_strdup(name);
    gtk_label_set_text(self->topic_label, text);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->topic_label), text);
    /* "Natter" stays in the title so window lists (and tests) find it. */
    g_autofree char *title = g_strdup_printf("%s — Natter", name);
    gtk_window_set_title(GTK_WINDOW(self), title);
}

static void on_topic_notify(NcBuffer *b, GParamSpec *pspec, NaWindow *self)
{
    update_topic(self);
}

static void paste_clear(NaWindow *self);
static void mark_read(NaWindow *self);

static void show_buffer(NaWindow *self, NcBuffer *b)
{
    if (self->current == b)
        return;
    if (self->paste_lines)
        paste_clear(self); /* the question was about the other buffer */
    if (self->current) {
        nc_buffer_set_active(self->current, FALSE);
        g_clear_signal_handler(&self->topic_handler, self->current);
        g_object_remove_weak_pointer(G_OBJECT(self->current), (gpointer *)&self->current);
    }
    self->current = b;
    self->current_client = b ? client_for_buffer(self, b) : NULL;
    nc_completer_reset(self->completer);
    if (!b) {
        gtk_list_view_set_model(self->message_view, NULL);
        g_clear_object(&self->fold);
        gtk_list_view_set_model(self->member_view, NULL);
        update_topic(self);
        update_status(self);
        return;
    }
    g_object_add_weak_pointer(G_OBJECT(b), (gpointer *)&self->current);
    /* Looked at only while the window has the focus too, so that what
     * arrives while the user is elsewhere counts as unread and marks. */
    nc_buffer_set_active(b, gtk_window_is_active(GTK_WINDOW(self)));
    self->topic_handler = g_signal_connect(b, "notify::topic", G_CALLBACK(on_topic_notify), self);

    /* Messages → rows (runs of joins/parts folded) → shown or hidden. */
    g_clear_object(&self->fold);
    self->fold = nc_fold_model_new(nc_buffer_get_messages(b));
    GtkFilterListModel *filtered = gtk_filter_list_model_new(
        g_object_ref(G_LIST_MODEL(self->fold)), GTK_FILTER(g_object_ref(self->event_filter)));
    GtkNoSelection *msel = gtk_no_selection_new(G_LIST_MODEL(filtered));
    gtk_list_view_set_model(self->message_view, GTK_SELECTION_MODEL(msel));
    g_object_unref(msel);
    GtkNoSelection *members = gtk_no_selection_new(g_object_ref(nc_buffer_get_members(b)));
    gtk_list_view_set_model(self->member_view, GTK_SELECTION_MODEL(members));
    g_object_unref(members);
    gtk_widget_set_visible(GTK_WIDGET(self->members_scroll),
                           nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL);
    self->follow_bottom = TRUE;
    update_topic(self);
    update_status(self);
    mark_read(self);
}

/* The user sees the newest line of the buffer shown: tell the server
 * (read markers), so the account's other devices clear it too. */
static void mark_read(NaWindow *self)
{
    if (self->current && self->current_client && self->follow_bottom &&
        gtk_window_is_active(GTK_WINDOW(self)))
        nc_client_mark_read(self->current_client, self->current);
}

static void on_window_active(NaWindow *self, GParamSpec *pspec, gpointer data)
{
    if (self->current)
        nc_buffer_set_active(self->current, gtk_window_is_active(GTK_WINDOW(self)));
    mark_read(self);
}

static void on_sidebar_selected(GtkSingleSelection *sel, GParamSpec *pspec, NaWindow *self)
{
    NcBuffer *b = gtk_single_selection_get_selected_item(sel);
    if (b)
        show_buffer(self, b);
}

static gboolean select_buffer(NaWindow *self, NcBuffer *buffer)
{
    GListModel *m = G_LIST_MODEL(self->sidebar_selection);
    guint n = g_list_model_get_n_items(m);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(m, i);
        if (b == buffer) {
            gtk_single_selection_set_selected(self->sidebar_selection, i);
            return TRUE;
        }
    }
    return FALSE;
}

/* Keep the newest message in view while the user is at the bottom; once
 * they scroll up to read, leave them there. */
static guint shown_items(NaWindow *self)
{
    GtkSelectionModel *m = gtk_list_view_get_model(self->message_view);
    return m ? g_list_model_get_n_items(G_LIST_MODEL(m)) : 0;
}

static void on_vadj_value(GtkAdjustment *adj, NaWindow *self)
{
    /* A move caused by messages arriving or scrollback trimming is not
     * the user scrolling away from the bottom. */
    guint n = shown_items(self);
    if (n != self->seen_items) {
        self->seen_items = n;
        return;
    }
    double bottom = gtk_adjustment_get_upper(adj) - gtk_adjustment_get_page_size(adj);
    self->follow_bottom = gtk_adjustment_get_value(adj) >= bottom - 4;
    /* Scrolled up to the oldest line: the page before it, from the
     * server's history (merged in front; the view keeps its place). */
    if (gtk_adjustment_get_value(adj) < gtk_adjustment_get_page_size(adj) / 4 && self->current &&
        self->current_client)
        nc_client_fetch_older(self->current_client, self->current);
    if (self->follow_bottom)
        mark_read(self);
}

/* Once per frame rather than on every change of height: in a flood the
 * height changes hundreds of times between frames, and re-anchoring the
 * list each time made the main loop late by tens of milliseconds. */
static gboolean follow_tick(GtkWidget *scroll, GdkFrameClock *clock, gpointer data)
{
    NaWindow *self = data;
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(self->message_scroll);
    double bottom = gtk_adjustment_get_upper(adj) - gtk_adjustment_get_page_size(adj);
    if (self->follow_bottom && gtk_adjustment_get_value(adj) < bottom) {
        self->seen_items = shown_items(self);
        gtk_adjustment_set_value(adj, bottom);
    }
    /* New lines seen at the bottom are read; at most once a second, so a
     * busy channel does not turn into a stream of MARKREADs. */
    gint64 now = g_get_monotonic_time();
    if (now - self->read_checked_us < G_USEC_PER_SEC)
        return G_SOURCE_CONTINUE;
    self->read_checked_us = now;
    if (self->follow_bottom)
        mark_read(self);
    /* Too few lines to scroll (so no scrolling up to ask for more): the
     * server's older history, a page at a time, until the view is full
     * or there is no more. */
    if (bottom <= 0 && self->current && self->current_client)
        nc_client_fetch_older(self->current_client, self->current);
    return G_SOURCE_CONTINUE;
}

/* ---- clients -------------------------------------------------------- */

static void on_client_status(NcClient *c, GParamSpec *pspec, NaWindow *self)
{
    if (c == self->current_client)
        update_status(self);
}

static void on_client_error(NcClient *c, GParamSpec *pspec, NaWindow *self)
{
    const char *error = nc_client_get_error(c);
    /* A refused certificate has the trust bar, which says more. */
    if (error && nc_client_get_tls_problem(c)) {
        gtk_revealer_set_reveal_child(self->banner_revealer, FALSE);
    } else if (error) {
        g_autofree char *text = g_strdup_printf("%s: %s", nc_client_get_host(c), error);
        na_window_show_error(self, text);
        /* A failed login is fixed in the connect dialog; reconnecting with
         * the same password would only fail again (and count against the
         * server's rate limit). */
        gboolean login = nc_client_get_login_problem(c) != NC_LOGIN_OK;
        gtk_widget_set_visible(self->reconnect_button, !login);
        gtk_widget_set_visible(self->login_button, login);
    } else {
        gtk_revealer_set_reveal_child(self->banner_revealer, FALSE);
    }
}

static void on_client_tls_problem(NcClient *c, GParamSpec *pspec, NaWindow *self)
{
    if (nc_client_get_tls_problem(c)) {
        gtk_revealer_set_reveal_child(self->banner_revealer, FALSE);
        na_trust_bar_show_client(self->trust_bar, c);
    } else {
        na_trust_bar_dismiss(self->trust_bar, c);
    }
}

static void on_focus_buffer(NcClient *c, NcBuffer *b, NaWindow *self)
{
    select_buffer(self, b);
}

static void on_whois(NcClient *c, NcWhois *whois, NaWindow *self)
{
    na_whois_card_show(self->whois_card, c, whois);
}

static void on_highlight(NcClient *c, NcBuffer *b, NcMessage *m, NaWindow *self)
{
    if (gtk_window_is_active(GTK_WINDOW(self)) && b == self->current)
        return;
    g_autofree char *name = nc_format_strip(nc_buffer_get_name(b));
    g_autoptr(GNotification) n = g_notification_new(name);
    g_autofree char *text = nc_format_strip(nc_message_get_text(m));
    g_autofree char *body =
        g_strdup_printf("<%s> %s", nc_message_get_sender(m) ? nc_message_get_sender(m) : "", text);
    g_notification_set_body(n, body);
    g_application_send_notification(g_application_get_default(), "natter-highlight", n);
}

void na_window_add_client(NaWindow *self, NcClient *client)
{
    g_ptr_array_add(self->clients, g_object_ref(client));
    g_signal_connect_object(client, "notify::status", G_CALLBACK(on_client_status), self, 0);
    g_signal_connect_object(client, "notify::nick", G_CALLBACK(on_client_status), self, 0);
    g_signal_connect_object(client, "notify::error", G_CALLBACK(on_client_error), self, 0);
    g_signal_connect_object(client, "notify::tls-problem", G_CALLBACK(on_client_tls_problem), self,
                            0);
    g_signal_connect_object(client, "focus-buffer", G_CALLBACK(on_focus_buffer), self, 0);
    g_signal_connect_object(client, "whois", G_CALLBACK(on_whois), self, 0);
    g_signal_connect_object(client, "highlight", G_CALLBACK(on_highlight), self, 0);
    g_list_store_append(self->networks, nc_network_get_buffers(nc_client_get_network(client)));
    select_buffer(self, nc_network_get_server_buffer(nc_client_get_network(client)));
}

void na_window_show_error(NaWindow *self, const char *text)
{
    gtk_label_set_text(self->banner_label, text);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->banner_label), text);
    gtk_widget_set_visible(self->reconnect_button, FALSE);
    gtk_widget_set_visible(self->login_button, FALSE);
    gtk_revealer_set_reveal_child(self->banner_revealer, TRUE);
    /* Screen readers announce the banner's text as it changes. */
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->banner_label),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

void na_window_show_connect_dialog(NaWindow *self)
{
    NaApp *app = NA_APP(gtk_window_get_application(GTK_WINDOW(self)));
    NaConnectDialog *d = na_connect_dialog_new(app, GTK_WINDOW(self));
    gtk_window_present(GTK_WINDOW(d));
}

/* ---- input ---------------------------------------------------------- */

static void send_line(NaWindow *self, const char *line)
{
    if (!self->current_client) {
        na_window_show_error(self, _("Not connected: use Connect or Host a Chat first"));
        return;
    }
    g_autoptr(GError) error = NULL;
    if (!nc_client_send_input(self->current_client, self->current, line, &error))
        na_window_show_error(self, error->message);
}

static void remember_input(NaWindow *self, const char *text)
{
    g_ptr_array_add(self->history, g_strdup(text));
    if (self->history->len > 200)
        g_ptr_array_remove_index(self->history, 0);
    self->history_pos = self->history->len;
    nc_completer_reset(self->completer);
}

/* Drop a pending paste (sent, cancelled, or no longer meant for here). */
static void paste_clear(NaWindow *self)
{
    g_clear_pointer(&self->paste_lines, g_strfreev);
    if (self->paste_buffer)
        g_object_remove_weak_pointer(G_OBJECT(self->paste_buffer), (gpointer *)&self->paste_buffer);
    self->paste_buffer = NULL;
    gtk_revealer_set_reveal_child(self->paste_revealer, FALSE);
}

static void on_input_activate(GtkEntry *entry, NaWindow *self)
{
    g_autofree char *text = g_strdup(gtk_editable_get_text(GTK_EDITABLE(entry)));
    guint n = 0;
    g_auto(GStrv) lines = nc_input_lines(text, &n);
    if (n == 0)
        return;
    if (nc_input_needs_confirm(n) && self->current) {
        /* A long paste: ask first, in a bar above the input (not a modal
         * dialog); the text stays in the entry until it is sent. */
        paste_clear(self);
        self->paste_lines = g_steal_pointer(&lines);
        self->paste_buffer = self->current;
        g_object_add_weak_pointer(G_OBJECT(self->paste_buffer), (gpointer *)&self->paste_buffer);
        g_autofree char *q = g_strdup_printf(
            ngettext("Send %u line to %s as %u message?", "Send %u lines to %s as %u messages?", n),
            n, nc_buffer_get_name(self->current), n);
        gtk_label_set_text(self->paste_label, q);
        gtk_revealer_set_reveal_child(self->paste_revealer, TRUE);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->paste_label),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, q, -1);
        /* Return sends, Escape cancels, Tab reaches Cancel. */
        gtk_widget_grab_focus(self->paste_send_button);
        return;
    }
    remember_input(self, text);
    gtk_editable_set_text(GTK_EDITABLE(entry), "");
    for (guint i = 0; lines[i]; i++)
        send_line(self, lines[i]);
}

static void act_paste_send(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    if (!self->paste_lines)
        return;
    g_auto(GStrv) lines = g_steal_pointer(&self->paste_lines);
    gboolean here = self->paste_buffer && self->paste_buffer == self->current;
    paste_clear(self);
    if (here) {
        remember_input(self, gtk_editable_get_text(GTK_EDITABLE(self->input_entry)));
        gtk_editable_set_text(GTK_EDITABLE(self->input_entry), "");
        for (guint i = 0; lines[i]; i++)
            send_line(self, lines[i]);
    }
    gtk_widget_grab_focus(GTK_WIDGET(self->input_entry));
}

static void act_paste_cancel(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    paste_clear(self);
    /* The text is still in the entry, to edit or delete. */
    gtk_widget_grab_focus(GTK_WIDGET(self->input_entry));
}

static void on_input_changed(GtkEditable *e, NaWindow *self)
{
    /* Editing the text takes back the question about it. */
    if (self->paste_lines)
        paste_clear(self);
}

static gboolean on_paste_key(GtkEventControllerKey *ctl, guint keyval, guint keycode,
                             GdkModifierType state, NaWindow *self)
{
    if (keyval == GDK_KEY_Escape && self->paste_lines) {
        act_paste_cancel(NULL, NULL, self);
        return TRUE;
    }
    return FALSE;
}

static char **completion_candidates(NaWindow *self)
{
    GPtrArray *out = g_ptr_array_new();
    if (self->current) {
        g_auto(GStrv) nicks = nc_buffer_dup_member_nicks(self->current);
        for (guint i = 0; nicks[i]; i++)
            g_ptr_array_add(out, g_strdup(nicks[i]));
        if (nc_buffer_get_kind(self->current) == NC_BUFFER_QUERY)
            g_ptr_array_add(out, g_strdup(nc_buffer_get_name(self->current)));
    }
    if (self->current_client) {
        GListModel *bufs = nc_network_get_buffers(nc_client_get_network(self->current_client));
        for (guint i = 1; i < g_list_model_get_n_items(bufs); i++) {
            g_autoptr(NcBuffer) b = g_list_model_get_item(bufs, i);
            if (nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL)
                g_ptr_array_add(out, g_strdup(nc_buffer_get_name(b)));
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* Formatting shortcuts in the input: the IRC code goes in at the cursor
 * (the entry shows it as a box; the message row shows its effect).
 * Ctrl+Shift+K, not Ctrl+K, inserts a colour: Ctrl+K is "jump to". */
static gboolean insert_format_code(GtkEditable *e, guint keyval, GdkModifierType state)
{
    GdkModifierType mods =
        state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK | GDK_ALT_MASK | GDK_SUPER_MASK | GDK_META_MASK);
    const char *code = NULL;
    if (mods == GDK_CONTROL_MASK) {
        switch (keyval) {
        case GDK_KEY_b:
            code = "\x02";
            break;
        case GDK_KEY_i:
            code = "\x1d";
            break;
        case GDK_KEY_u:
            code = "\x1f";
            break;
        case GDK_KEY_o:
            code = "\x0f";
            break;
        default:
            break;
        }
    } else if (mods == (GDK_CONTROL_MASK | GDK_SHIFT_MASK) &&
               (keyval == GDK_KEY_K || keyval == GDK_KEY_k)) {
        code = "\x03";
    }
    if (!code)
        return FALSE;
    gtk_editable_delete_selection(e);
    int pos = gtk_editable_get_position(e);
    gtk_editable_insert_text(e, code, 1, &pos);
    gtk_editable_set_position(e, pos);
    return TRUE;
}

static gboolean on_input_key(GtkEventControllerKey *ctl, guint keyval, guint keycode,
                             GdkModifierType state, NaWindow *self)
{
    GtkEditable *e = GTK_EDITABLE(self->input_entry);
    if (keyval == GDK_KEY_Tab || keyval == GDK_KEY_ISO_Left_Tab) {
        g_auto(GStrv) cands = completion_candidates(self);
        int cursor = 0;
        g_autofree char *done =
            nc_completer_next(self->completer, gtk_editable_get_text(e),
                              gtk_editable_get_position(e), (const char *const *)cands, &cursor);
        if (done) {
            gtk_editable_set_text(e, done);
            gtk_editable_set_position(e, cursor);
        }
        return TRUE; /* Tab completes here; it never moves the focus away */
    }
    if (insert_format_code(e, keyval, state))
        return TRUE;
    if (keyval == GDK_KEY_Up && self->history_pos > 0) {
        self->history_pos--;
        gtk_editable_set_text(e, self->history->pdata[self->history_pos]);
        gtk_editable_set_position(e, -1);
        return TRUE;
    }
    if (keyval == GDK_KEY_Down && self->history_pos < self->history->len) {
        self->history_pos++;
        gtk_editable_set_text(e, self->history_pos < self->history->len
                                     ? self->history->pdata[self->history_pos]
                                     : "");
        gtk_editable_set_position(e, -1);
        return TRUE;
    }
    return FALSE;
}

/* ---- actions -------------------------------------------------------- */

static void move_selection(NaWindow *self, int delta)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->sidebar_selection));
    if (n == 0)
        return;
    guint pos = gtk_single_selection_get_selected(self->sidebar_selection);
    if (pos == GTK_INVALID_LIST_POSITION)
        pos = 0;
    pos = (guint)(((int)pos + delta + (int)n) % (int)n);
    gtk_single_selection_set_selected(self->sidebar_selection, pos);
}

static void act_prev(GSimpleAction *a, GVariant *p, gpointer data)
{
    move_selection(data, -1);
}
static void act_next(GSimpleAction *a, GVariant *p, gpointer data)
{
    move_selection(data, 1);
}

static void act_goto(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    int i = g_variant_get_int32(p);
    if (i >= 1 && (guint)i <= g_list_model_get_n_items(G_LIST_MODEL(self->sidebar_selection)))
        gtk_single_selection_set_selected(self->sidebar_selection, (guint)(i - 1));
}

static void act_close(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    if (self->current && nc_buffer_get_kind(self->current) != NC_BUFFER_SERVER)
        send_line(self, "/close");
}

static void act_jump(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    gtk_widget_grab_focus(GTK_WIDGET(self->jump_entry));
}

static void act_connect(GSimpleAction *a, GVariant *p, gpointer data)
{
    na_window_show_connect_dialog(data);
}

static void act_reconnect(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    for (guint i = 0; i < self->clients->len; i++) {
        NcClient *c = self->clients->pdata[i];
        NcClientState s = nc_client_get_state(c);
        if (s == NC_STATE_WAITING || s == NC_STATE_DISCONNECTED) {
            nc_client_disconnect(c, NULL);
            nc_client_connect(c);
        }
    }
    gtk_revealer_set_reveal_child(self->banner_revealer, FALSE);
}

/* "Change Login…": the connect dialog for the server whose login failed,
 * with what was remembered for it. */
static void act_edit_login(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    NaApp *app = NA_APP(gtk_window_get_application(GTK_WINDOW(self)));
    NaConnectDialog *d = na_connect_dialog_new(app, GTK_WINDOW(self));
    for (guint i = 0; i < self->clients->len; i++) {
        NcClient *c = self->clients->pdata[i];
        if (nc_client_get_login_problem(c) != NC_LOGIN_OK) {
            na_connect_dialog_select_server(d, nc_client_get_host(c), nc_client_get_port(c),
                                            nc_client_get_tls(c));
            break;
        }
    }
    gtk_revealer_set_reveal_child(self->banner_revealer, FALSE);
    gtk_window_present(GTK_WINDOW(d));
}

static void act_dismiss(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    gtk_revealer_set_reveal_child(self->banner_revealer, FALSE);
}

static void act_collapse(GSimpleAction *a, GVariant *state, gpointer data)
{
    NaWindow *self = data;
    self->collapse_events = g_variant_get_boolean(state);
    g_simple_action_set_state(a, state);
    gtk_filter_changed(GTK_FILTER(self->event_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void act_members(GSimpleAction *a, GVariant *state, gpointer data)
{
    NaWindow *self = data;
    g_simple_action_set_state(a, state);
    gtk_widget_set_visible(GTK_WIDGET(self->members_scroll), g_variant_get_boolean(state));
}

static const GActionEntry win_actions[] = {
    {"prev-buffer", act_prev, NULL, NULL, NULL, {0}},
    {"next-buffer", act_next, NULL, NULL, NULL, {0}},
    {"goto-buffer", act_goto, "i", NULL, NULL, {0}},
    {"close-buffer", act_close, NULL, NULL, NULL, {0}},
    {"jump", act_jump, NULL, NULL, NULL, {0}},
    {"connect", act_connect, NULL, NULL, NULL, {0}},
    {"reconnect", act_reconnect, NULL, NULL, NULL, {0}},
    {"edit-login", act_edit_login, NULL, NULL, NULL, {0}},
    {"dismiss-banner", act_dismiss, NULL, NULL, NULL, {0}},
    {"paste-send", act_paste_send, NULL, NULL, NULL, {0}},
    {"paste-cancel", act_paste_cancel, NULL, NULL, NULL, {0}},
    {"collapse-events", NULL, NULL, "false", act_collapse, {0}},
    {"show-members", NULL, NULL, "true", act_members, {0}},
};

static void on_jump_changed(GtkSearchEntry *e, NaWindow *self)
{
    gtk_filter_changed(GTK_FILTER(self->jump_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void on_jump_activate(GtkSearchEntry *e, NaWindow *self)
{
    if (g_list_model_get_n_items(G_LIST_MODEL(self->sidebar_selection)) > 0)
        gtk_single_selection_set_selected(self->sidebar_selection, 0);
    NcBuffer *b = self->current;
    gtk_editable_set_text(GTK_EDITABLE(e), "");
    if (b)
        select_buffer(self, b);
    gtk_widget_grab_focus(GTK_WIDGET(self->input_entry));
}

static void on_jump_stop(GtkSearchEntry *e, NaWindow *self)
{
    gtk_editable_set_text(GTK_EDITABLE(e), "");
    gtk_widget_grab_focus(GTK_WIDGET(self->input_entry));
}

static void on_dark_changed(GtkSettings *s, GParamSpec *p, NaWindow *self)
{
    /* Nick colours depend on the background: redraw the rows. */
    if (self->current) {
        NcBuffer *b = self->current;
        self->current = NULL;
        g_object_remove_weak_pointer(G_OBJECT(b), (gpointer *)&self->current);
        g_clear_signal_handler(&self->topic_handler, b);
        show_buffer(self, b);
    }
}

/* ---- object --------------------------------------------------------- */

static void na_window_dispose(GObject *object)
{
    NaWindow *self = NA_WINDOW(object);
    if (self->current) {
        g_clear_signal_handler(&self->topic_handler, self->current);
        g_object_remove_weak_pointer(G_OBJECT(self->current), (gpointer *)&self->current);
        self->current = NULL;
    }
    g_clear_pointer(&self->paste_lines, g_strfreev);
    if (self->paste_buffer)
        g_object_remove_weak_pointer(G_OBJECT(self->paste_buffer), (gpointer *)&self->paste_buffer);
    self->paste_buffer = NULL;
    gtk_widget_dispose_template(GTK_WIDGET(self), NA_TYPE_WINDOW);
    g_clear_object(&self->fold);
    g_clear_pointer(&self->clients, g_ptr_array_unref);
    g_clear_object(&self->networks);
    g_clear_object(&self->sidebar_selection);
    g_clear_object(&self->event_filter);
    g_clear_pointer(&self->history, g_ptr_array_unref);
    g_clear_pointer(&self->completer, nc_completer_free);
    G_OBJECT_CLASS(na_window_parent_class)->dispose(object);
}

static void na_window_class_init(NaWindowClass *klass)
{
    g_type_ensure(NA_TYPE_TRUST_BAR); /* named in window.ui */
    g_type_ensure(NA_TYPE_WHOIS_CARD);
    G_OBJECT_CLASS(klass)->dispose = na_window_dispose;
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/window.ui");
    gtk_widget_class_bind_template_child(wc, NaWindow, banner_revealer);
    gtk_widget_class_bind_template_child(wc, NaWindow, banner_label);
    gtk_widget_class_bind_template_child(wc, NaWindow, reconnect_button);
    gtk_widget_class_bind_template_child(wc, NaWindow, login_button);
    gtk_widget_class_bind_template_child(wc, NaWindow, trust_bar);
    gtk_widget_class_bind_template_child(wc, NaWindow, whois_card);
    gtk_widget_class_bind_template_child(wc, NaWindow, jump_entry);
    gtk_widget_class_bind_template_child(wc, NaWindow, sidebar_view);
    gtk_widget_class_bind_template_child(wc, NaWindow, content_paned);
    gtk_widget_class_bind_template_child(wc, NaWindow, topic_label);
    gtk_widget_class_bind_template_child(wc, NaWindow, message_scroll);
    gtk_widget_class_bind_template_child(wc, NaWindow, message_view);
    gtk_widget_class_bind_template_child(wc, NaWindow, nick_label);
    gtk_widget_class_bind_template_child(wc, NaWindow, input_entry);
    gtk_widget_class_bind_template_child(wc, NaWindow, paste_revealer);
    gtk_widget_class_bind_template_child(wc, NaWindow, paste_label);
    gtk_widget_class_bind_template_child(wc, NaWindow, paste_send_button);
    gtk_widget_class_bind_template_child(wc, NaWindow, members_scroll);
    gtk_widget_class_bind_template_child(wc, NaWindow, member_view);
    gtk_widget_class_bind_template_child(wc, NaWindow, status_label);
}

static GtkListItemFactory *factory(GCallback setup, GCallback bind, GCallback unbind, gpointer data)
{
    GtkListItemFactory *f = gtk_signal_list_item_factory_new();
    g_signal_connect(f, "setup", setup, data);
    g_signal_connect(f, "bind", bind, data);
    if (unbind)
        g_signal_connect(f, "unbind", unbind, data);
    return f;
}

static void na_window_init(NaWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->clients = g_ptr_array_new_with_free_func(g_object_unref);
    self->history = g_ptr_array_new_with_free_func(g_free);
    self->completer = nc_completer_new();
    self->follow_bottom = TRUE;

    /* Sidebar: every network's buffers, one flat list, filtered by Ctrl+K. */
    self->networks = g_list_store_new(G_TYPE_LIST_MODEL);
    GtkFlattenListModel *flat =
        gtk_flatten_list_model_new(g_object_ref(G_LIST_MODEL(self->networks)));
    self->jump_filter = gtk_custom_filter_new(jump_match, self, NULL);
    self->sidebar_filtered =
        gtk_filter_list_model_new(G_LIST_MODEL(flat), GTK_FILTER(self->jump_filter));
    self->sidebar_selection = gtk_single_selection_new(G_LIST_MODEL(self->sidebar_filtered));
    gtk_single_selection_set_autoselect(self->sidebar_selection, TRUE);
    gtk_list_view_set_model(self->sidebar_view, GTK_SELECTION_MODEL(self->sidebar_selection));
    g_signal_connect(self->sidebar_selection, "notify::selected-item",
                     G_CALLBACK(on_sidebar_selected), self);
    gtk_list_view_set_factory(self->sidebar_view,
                              factory(G_CALLBACK(sidebar_setup), G_CALLBACK(sidebar_bind),
                                      G_CALLBACK(sidebar_unbind), NULL));
    g_object_unref(gtk_list_view_get_factory(self->sidebar_view));

    self->event_filter = gtk_custom_filter_new(event_visible, self, NULL);
    gtk_list_view_set_factory(self->message_view,
                              factory(G_CALLBACK(message_setup), G_CALLBACK(message_bind),
                                      G_CALLBACK(message_unbind), self));
    g_object_unref(gtk_list_view_get_factory(self->message_view));
    gtk_list_view_set_factory(self->member_view,
                              factory(G_CALLBACK(member_setup), G_CALLBACK(member_bind),
                                      G_CALLBACK(member_unbind), NULL));
    g_object_unref(gtk_list_view_get_factory(self->member_view));
    g_signal_connect(self->member_view, "activate", G_CALLBACK(on_member_activate), self);

    GtkAdjustment *vadj = gtk_scrolled_window_get_vadjustment(self->message_scroll);
    g_signal_connect(vadj, "value-changed", G_CALLBACK(on_vadj_value), self);
    gtk_widget_add_tick_callback(GTK_WIDGET(self->message_scroll), follow_tick, self, NULL);

    g_signal_connect(self->input_entry, "activate", G_CALLBACK(on_input_activate), self);
    GtkEventController *keys = gtk_event_controller_key_new();
    gtk_event_controller_set_propagation_phase(keys, GTK_PHASE_CAPTURE);
    g_signal_connect(keys, "key-pressed", G_CALLBACK(on_input_key), self);
    gtk_widget_add_controller(GTK_WIDGET(self->input_entry), keys);
    g_signal_connect(self->input_entry, "changed", G_CALLBACK(on_input_changed), self);
    GtkEventController *paste_keys = gtk_event_controller_key_new();
    g_signal_connect(paste_keys, "key-pressed", G_CALLBACK(on_paste_key), self);
    gtk_widget_add_controller(GTK_WIDGET(self->paste_revealer), paste_keys);

    g_signal_connect(self->jump_entry, "search-changed", G_CALLBACK(on_jump_changed), self);
    g_signal_connect(self->jump_entry, "activate", G_CALLBACK(on_jump_activate), self);
    g_signal_connect(self->jump_entry, "stop-search", G_CALLBACK(on_jump_stop), self);
    g_signal_connect_object(gtk_settings_get_default(), "notify::gtk-application-prefer-dark-theme",
                            G_CALLBACK(on_dark_changed), self, 0);

    g_signal_connect(self, "notify::is-active", G_CALLBACK(on_window_active), NULL);
    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions),
                                    self);
    gtk_paned_set_position(self->content_paned, 600);
    /* The input line has the focus from the start: typing just works. */
    gtk_window_set_focus(GTK_WINDOW(self), GTK_WIDGET(self->input_entry));
    update_status(self);
}

NaWindow *na_window_new(NaApp *app)
{
    return g_object_new(NA_TYPE_WINDOW, "application", app, NULL);
}

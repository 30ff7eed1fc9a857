/* SPDX-License-Identifier: MIT */
#include "window.h"

#include "channel-list-window.h"
#include "connect-dialog.h"
#include "fold.h"
#include "format.h"
#include "nt-config.h"
#include "preferences.h"
#include "search-bar.h"
#include "sidebar-row.h"
#include "trust-bar.h"
#include "whois-card.h"
#include "input.h"
#include "irc-line.h"
#include "input-area.h"
#include "member-list.h"
#include "message-row.h"

#include <glib/gi18n.h>
#include <string.h>

struct _NaWindow {
    AdwApplicationWindow parent_instance;

    AdwToastOverlay *toast_overlay;
    AdwLeaflet *leaflet;
    AdwWindowTitle *conversation_title;
    GtkWidget *conversation_pane;
    NaSearchBar *search_bar;
    NaInputArea *input_area;
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
    NaMemberList *member_list;
    GMenuModel *message_menu;
    GtkLabel *status_label;

    GPtrArray *clients;   /* NcClient, in sidebar order */
    GListStore *networks; /* GListModel per client: its buffers */
    GtkFilterListModel *sidebar_filtered;
    GtkCustomFilter *jump_filter;
    GtkSingleSelection *sidebar_selection;
    GtkCustomFilter *event_filter;
    gboolean collapse_events;
    gboolean collapse_followed; /* bound to the collapse-events setting */

    NcBuffer *current; /* weak: the network owns it */
    NcFoldModel *fold; /* the rows shown for current */
    NcClient *current_client;
    gulong topic_handler;
    gulong title_handler; /* the server buffer's title follows NETWORK= */

    gboolean follow_bottom; /* keep the newest message in view */
    guint seen_items;       /* message count when the view last moved */
    gint64 read_checked_us; /* when the view last told the core what was read */

    GHashTable *bound_rows;   /* message row widgets showing a message now */
    NcMessage *flash_message; /* weak: the search's last jump, flashed */
    guint flash_timeout;
};

G_DEFINE_TYPE(NaWindow, na_window, ADW_TYPE_APPLICATION_WINDOW)

static void show_banner(NaWindow *self, const char *text);

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

/* ---- message rows ---------------------------------------------------- */

static void on_toggle_fold(NaMessageRow *row, NaWindow *self)
{
    NcRow *item = na_message_row_get_row(row);
    if (self->fold && item)
        nc_fold_model_set_expanded(self->fold, item, !nc_row_get_expanded(item));
}

/* The day's title above a row whose message is on another day than the
 * row above it's (never above the first row: nothing to tell it from).
 * Rows before this one come and go (history loaded above, events
 * hidden): its place changes, and with it whether a day starts here. */
static void update_day(GtkListItem *item, GParamSpec *pspec, NaWindow *self)
{
    NaMessageRow *row = NA_MESSAGE_ROW(gtk_list_item_get_child(item));
    NcRow *r = gtk_list_item_get_item(item);
    if (!r)
        return;
    GListModel *shown = G_LIST_MODEL(gtk_list_view_get_model(self->message_view));
    guint pos = gtk_list_item_get_position(item);
    g_autoptr(NcRow) before = shown && pos != GTK_INVALID_LIST_POSITION && pos > 0
                                  ? g_list_model_get_item(shown, pos - 1)
                                  : NULL;
    gint64 t = nc_message_get_time(nc_row_get_message(r));
    if (before && !na_message_row_same_day(nc_message_get_time(nc_row_get_message(before)), t)) {
        g_autofree char *title = na_message_row_day_title(t, g_get_real_time());
        na_message_row_set_day(row, title);
    } else {
        na_message_row_set_day(row, NULL);
    }
}

static void message_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    NaWindow *self = data;
    GtkWidget *row = na_message_row_new();
    g_signal_connect(row, "toggle-fold", G_CALLBACK(on_toggle_fold), self);
    g_object_bind_property(self->search_bar, "query", row, "query", G_BINDING_SYNC_CREATE);
    g_signal_connect(item, "notify::position", G_CALLBACK(update_day), self);
    gtk_list_item_set_child(item, row);
    gtk_list_item_set_activatable(item, FALSE);
}

static void message_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    NaWindow *self = data;
    NaMessageRow *row = NA_MESSAGE_ROW(gtk_list_item_get_child(item));
    na_message_row_show(row, gtk_list_item_get_item(item), self->current);
    update_day(item, NULL, self);
    NcMessage *m = na_message_row_get_message(row);
    na_message_row_set_flash(row, m && m == self->flash_message);
    g_hash_table_add(self->bound_rows, row);
}

static void message_unbind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    NaWindow *self = data;
    NaMessageRow *row = NA_MESSAGE_ROW(gtk_list_item_get_child(item));
    if (self->bound_rows)
        g_hash_table_remove(self->bound_rows, row);
    na_message_row_show(row, NULL, NULL);
}

/* ---- search, and copying messages ------------------------------------ */

static void set_flash(NaWindow *self, NcMessage *m)
{
    if (self->flash_message)
        g_object_remove_weak_pointer(G_OBJECT(self->flash_message),
                                     (gpointer *)&self->flash_message);
    self->flash_message = m;
    if (m)
        g_object_add_weak_pointer(G_OBJECT(m), (gpointer *)&self->flash_message);
    GHashTableIter iter;
    gpointer row;
    g_hash_table_iter_init(&iter, self->bound_rows);
    while (g_hash_table_iter_next(&iter, &row, NULL))
        na_message_row_set_flash(row, m && na_message_row_get_message(row) == m);
}

static gboolean end_flash(gpointer data)
{
    NaWindow *self = data;
    self->flash_timeout = 0;
    set_flash(self, NULL);
    return G_SOURCE_REMOVE;
}

/* Where @m is among the rows shown, or GTK_INVALID_LIST_POSITION. */
static guint shown_position(NaWindow *self, NcMessage *m)
{
    GListModel *shown = G_LIST_MODEL(gtk_list_view_get_model(self->message_view));
    guint n = shown ? g_list_model_get_n_items(shown) : 0;
    for (guint i = n; i-- > 0;) {
        g_autoptr(NcRow) r = g_list_model_get_item(shown, i);
        if (nc_row_get_message(r) == m)
            return i;
    }
    return GTK_INVALID_LIST_POSITION;
}

/* The search bar's "jump": the message comes into view and flashes. */
static void on_search_jump(NaSearchBar *bar, NcMessage *m, NaWindow *self)
{
    guint pos = shown_position(self, m);
    if (pos == GTK_INVALID_LIST_POSITION)
        return;
    self->follow_bottom = FALSE; /* the user is reading up there now */
    gtk_widget_activate_action(GTK_WIDGET(self->message_view), "list.scroll-to-item", "u", pos);
    set_flash(self, m);
    if (self->flash_timeout)
        g_source_remove(self->flash_timeout);
    self->flash_timeout = g_timeout_add(1500, end_flash, self);
}

char *na_window_copy_text(GListModel *rows, GtkBitset *which)
{
    GString *out = g_string_new(NULL);
    GtkBitsetIter iter;
    guint i = 0;
    for (gboolean more = gtk_bitset_iter_init_first(&iter, which, &i); more;
         more = gtk_bitset_iter_next(&iter, &i)) {
        g_autoptr(NcRow) r = g_list_model_get_item(rows, i);
        if (!r || nc_row_get_kind(r) != NC_ROW_MESSAGE)
            continue;
        NcMessage *m = nc_row_get_message(r);
        g_autoptr(GDateTime) utc =
            g_date_time_new_from_unix_utc(nc_message_get_time(m) / G_USEC_PER_SEC);
        g_autoptr(GDateTime) local = g_date_time_to_local(utc);
        g_autofree char *stamp = g_date_time_format(local, "%H:%M");
        g_autofree char *text = nc_format_strip(nc_message_get_text(m));
        const char *sender = nc_message_get_sender(m);
        if (nc_message_get_kind(m) == NC_MSG_ACTION)
            g_string_append_printf(out, "[%s] * %s %s\n", stamp, sender ? sender : "", text);
        else if (sender && *sender && !nc_message_kind_is_event(nc_message_get_kind(m)))
            g_string_append_printf(out, "[%s] <%s> %s\n", stamp, sender, text);
        else
            g_string_append_printf(out, "[%s] %s\n", stamp, text);
    }
    return g_string_free(out, FALSE);
}

static void act_copy_messages(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    GtkSelectionModel *sel = gtk_list_view_get_model(self->message_view);
    if (!sel)
        return;
    g_autoptr(GtkBitset) which = gtk_selection_model_get_selection(sel);
    if (gtk_bitset_is_empty(which))
        return;
    g_autofree char *text = na_window_copy_text(G_LIST_MODEL(sel), which);
    gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(self)), text);
}

/* A right click on the messages: a menu to copy the rows selected (a
 * right click on a row outside the selection selects that row first). */
static void on_message_menu(GtkGestureClick *click, int n_press, double x, double y, NaWindow *self)
{
    GtkWidget *view = GTK_WIDGET(self->message_view);
    GtkSelectionModel *sel = gtk_list_view_get_model(self->message_view);
    GtkWidget *hit = gtk_widget_pick(view, x, y, GTK_PICK_DEFAULT);
    while (hit && !NA_IS_MESSAGE_ROW(hit))
        hit = gtk_widget_get_parent(hit);
    NcRow *row = hit ? na_message_row_get_row(NA_MESSAGE_ROW(hit)) : NULL;
    if (sel && row) {
        GListModel *rows = G_LIST_MODEL(sel);
        for (guint i = g_list_model_get_n_items(rows); i-- > 0;) {
            g_autoptr(NcRow) r = g_list_model_get_item(rows, i);
            if (r == row) {
                if (!gtk_selection_model_is_selected(sel, i))
                    gtk_selection_model_select_item(sel, i, TRUE);
                break;
            }
        }
    }
    GtkWidget *menu = gtk_popover_menu_new_from_model(self->message_menu);
    gtk_widget_set_parent(menu, view);
    gtk_popover_set_pointing_to(GTK_POPOVER(menu), &(GdkRectangle){(int)x, (int)y, 1, 1});
    gtk_popover_set_has_arrow(GTK_POPOVER(menu), FALSE);
    g_signal_connect(menu, "closed", G_CALLBACK(gtk_widget_unparent), NULL);
    gtk_popover_popup(GTK_POPOVER(menu));
    gtk_gesture_set_state(GTK_GESTURE(click), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* ---- members -------------------------------------------------------- */

/* A double-click (or Return) on a member asks the server who it is; the
 * answer shows as the WHOIS card. */
static void on_member_activated(NaMemberList *list, NcMember *member, NaWindow *self)
{
    if (!self->current_client)
        return;
    g_autofree char *line = g_strdup_printf("/whois %s", nc_member_get_nick(member));
    g_autoptr(GError) error = NULL;
    if (!nc_client_send_input(self->current_client, self->current, line, &error))
        na_window_show_error(self, error->message);
}

/* ---- sidebar -------------------------------------------------------- */

static void sidebar_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    gtk_list_item_set_child(item, na_sidebar_row_new());
}

static void sidebar_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    na_sidebar_row_set_buffer(NA_SIDEBAR_ROW(gtk_list_item_get_child(item)),
                              gtk_list_item_get_item(item));
}

static void sidebar_unbind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
    na_sidebar_row_set_buffer(NA_SIDEBAR_ROW(gtk_list_item_get_child(item)), NULL);
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

/* The status line.  Connected, it is made here from the client's nick as
 * it is now: the client's own status text keeps the nick it registered
 * with, and /nick changes it. */
static char *status_text(NcClient *c)
{
    if (!c)
        return g_strdup(_("Not connected"));
    if (nc_client_get_state(c) != NC_STATE_CONNECTED)
        return g_strdup(nc_client_get_status(c));
    const char *account = nc_client_get_account(c);
    g_autofree char *who =
        account && *account ? g_strdup_printf(_("%s (account %s)"), nc_client_get_nick(c), account)
                            : g_strdup(nc_client_get_nick(c));
    const char *tls = nc_client_get_tls_summary(c);
    g_autofree char *line =
        tls && *tls ? g_strdup_printf(_("Connected to %s as %s, encrypted (%s)"),
                                      nc_client_get_host(c), who, tls)
                    : g_strdup_printf(_("Connected to %s as %s"), nc_client_get_host(c), who);
    /* /away stays in view until /back, so the user knows why it is quiet. */
    return nc_client_get_away(c) ? g_strdup_printf(_("%s — away"), line) : g_steal_pointer(&line);
}

static void update_status(NaWindow *self)
{
    NcClient *c = self->current_client;
    /* Waiting to reconnect, the client's status counts down ("… in 5 s")
     * and is renewed every second: the line follows it. */
    g_autofree char *status = status_text(c);
    gtk_label_set_text(self->status_label, status);
}

static void update_topic(NaWindow *self)
{
    NcBuffer *b = self->current;
    if (!b) {
        gtk_label_set_text(self->topic_label, "");
        adw_window_title_set_title(self->conversation_title, "Natter");
        return;
    }
    /* The topic and the title are plain text: formatting codes dropped. */
    g_autofree char *topic = nc_format_strip(nc_buffer_get_topic(b));
    g_autofree char *name = nc_format_strip(nc_buffer_get_title(b));
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
    adw_window_title_set_title(self->conversation_title, name);
}

static void on_topic_notify(NcBuffer *b, GParamSpec *pspec, NaWindow *self)
{
    update_topic(self);
}

static void mark_read(NaWindow *self);

static void show_buffer(NaWindow *self, NcBuffer *b)
{
    if (self->current == b)
        return;
    if (self->current) {
        nc_buffer_set_active(self->current, FALSE);
        g_clear_signal_handler(&self->topic_handler, self->current);
        g_clear_signal_handler(&self->title_handler, self->current);
        g_object_remove_weak_pointer(G_OBJECT(self->current), (gpointer *)&self->current);
    }
    self->current = b;
    self->current_client = b ? client_for_buffer(self, b) : NULL;
    na_input_area_set_target(self->input_area, self->current_client, b);
    na_search_bar_set_buffer(self->search_bar, b);
    /* "All logs" searches the logs of this conversation's network. */
    na_search_bar_set_logs(self->search_bar,
                           self->current_client ? nc_client_get_logger(self->current_client) : NULL,
                           self->current_client
                               ? nc_network_get_name(nc_client_get_network(self->current_client))
                               : NULL);
    if (!b) {
        gtk_list_view_set_model(self->message_view, NULL);
        g_clear_object(&self->fold);
        na_member_list_set_buffer(self->member_list, NULL);
        update_topic(self);
        update_status(self);
        return;
    }
    g_object_add_weak_pointer(G_OBJECT(b), (gpointer *)&self->current);
    /* Looked at only while the window has the focus too, so that what
     * arrives while the user is elsewhere counts as unread and marks. */
    nc_buffer_set_active(b, gtk_window_is_active(GTK_WINDOW(self)));
    self->topic_handler = g_signal_connect(b, "notify::topic", G_CALLBACK(on_topic_notify), self);
    self->title_handler = g_signal_connect(b, "notify::title", G_CALLBACK(on_topic_notify), self);

    /* Messages → rows (runs of joins/parts folded) → shown or hidden. */
    g_clear_object(&self->fold);
    self->fold = nc_fold_model_new(nc_buffer_get_messages(b));
    GtkFilterListModel *filtered = gtk_filter_list_model_new(
        g_object_ref(G_LIST_MODEL(self->fold)), GTK_FILTER(g_object_ref(self->event_filter)));
    GtkMultiSelection *msel = gtk_multi_selection_new(G_LIST_MODEL(filtered));
    gtk_list_view_set_model(self->message_view, GTK_SELECTION_MODEL(msel));
    g_object_unref(msel);
    na_member_list_set_buffer(self->member_list, b);
    /* Members show in channels, unless the user hid them (menu). */
    g_autoptr(GVariant) members_shown =
        g_action_group_get_action_state(G_ACTION_GROUP(self), "show-members");
    gtk_widget_set_visible(GTK_WIDGET(self->member_list),
                           nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL &&
                               (!members_shown || g_variant_get_boolean(members_shown)));
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

/* The user chose the conversation selected (a click, Return or Ctrl+K):
 * it comes into view, even on a folded window, and typing goes to it. */
static void choose_selected(NaWindow *self)
{
    adw_leaflet_set_visible_child(self->leaflet, self->conversation_pane);
    na_input_area_grab_focus(self->input_area);
}

static void on_sidebar_activate(GtkListView *view, guint position, NaWindow *self)
{
    gtk_single_selection_set_selected(self->sidebar_selection, position);
    choose_selected(self);
}

/* A click on a row selects it (the list's own gesture) and leaves the
 * keyboard focus on the list; once that is done, the choice is made. */
static gboolean choose_after_click(gpointer data)
{
    NaWindow *self = data;
    choose_selected(self);
    g_object_unref(self);
    return G_SOURCE_REMOVE;
}

static void on_sidebar_click(GtkGestureClick *click, int n_press, double x, double y,
                             NaWindow *self)
{
    g_idle_add(choose_after_click, g_object_ref(self));
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
        show_banner(self, text);
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

/* natter's settings when the window belongs to the app (tests make
 * windows without one), else NULL. */
static GSettings *window_settings(NaWindow *self)
{
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));
    return app && NA_IS_APP(app) ? na_app_get_settings(NA_APP(app)) : NULL;
}

static void on_collapse_setting(GSettings *s, const char *key, NaWindow *self)
{
    self->collapse_events = g_settings_get_boolean(s, key);
    gtk_filter_changed(GTK_FILTER(self->event_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* In the app, the menu's "Hide Joins and Parts" and Preferences' switch are
 * one thing, the collapse-events setting, remembered across runs. */
static void on_application_set(NaWindow *self, GParamSpec *pspec, gpointer data)
{
    GSettings *s = window_settings(self);
    if (!s || self->collapse_followed)
        return;
    self->collapse_followed = TRUE;
    g_autoptr(GAction) action = g_settings_create_action(s, "collapse-events");
    g_action_map_remove_action(G_ACTION_MAP(self), "collapse-events");
    g_action_map_add_action(G_ACTION_MAP(self), action);
    g_signal_connect_object(s, "changed::collapse-events", G_CALLBACK(on_collapse_setting), self,
                            0);
    on_collapse_setting(s, "collapse-events", self);
}

static void on_highlight(NcClient *c, NcBuffer *b, NcMessage *m, NaWindow *self)
{
    if (gtk_window_is_active(GTK_WINDOW(self)) && b == self->current)
        return;
    /* Private messages and mentions each have their switch in Preferences. */
    GSettings *settings = window_settings(self);
    const char *key =
        nc_buffer_get_kind(b) == NC_BUFFER_QUERY ? "notify-private" : "notify-mentions";
    if (settings && !g_settings_get_boolean(settings, key))
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
    g_signal_connect_object(client, "notify::away", G_CALLBACK(on_client_status), self, 0);
    g_signal_connect_object(client, "notify::error", G_CALLBACK(on_client_error), self, 0);
    g_signal_connect_object(client, "notify::tls-problem", G_CALLBACK(on_client_tls_problem), self,
                            0);
    g_signal_connect_object(client, "focus-buffer", G_CALLBACK(on_focus_buffer), self, 0);
    g_signal_connect_object(client, "whois", G_CALLBACK(on_whois), self, 0);
    g_signal_connect_object(client, "highlight", G_CALLBACK(on_highlight), self, 0);
    na_channel_list_window_attach(GTK_WINDOW(self), client);
    g_list_store_append(self->networks, nc_network_get_buffers(nc_client_get_network(client)));
    select_buffer(self, nc_network_get_server_buffer(nc_client_get_network(client)));
}

void na_window_show_error(NaWindow *self, const char *text)
{
    AdwToast *toast = adw_toast_new(text);
    adw_toast_set_timeout(toast, 6);
    adw_toast_overlay_add_toast(self->toast_overlay, toast);
    /* Screen readers announce the toast's text as it appears. */
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->toast_overlay),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

/* A connection's problem stays in the banner, with what can be done
 * about it (reconnect, or fix the login), until dismissed or solved. */
static void show_banner(NaWindow *self, const char *text)
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

/* Why nothing can be sent now, in words short enough for a toast (the
 * text itself stays in the input), or NULL when it can. */
static char *why_not_connected(NaWindow *self)
{
    NcClient *c = self->current_client;
    if (!c)
        return g_strdup(_("Not sent: connect to a server first"));
    switch (nc_client_get_state(c)) {
    case NC_STATE_CONNECTED:
        return NULL;
    case NC_STATE_CONNECTING:
    case NC_STATE_REGISTERING:
        return g_strdup_printf(_("Not sent yet: still connecting to %s"), nc_client_get_host(c));
    case NC_STATE_WAITING:
        return g_strdup_printf(_("Not sent: reconnecting to %s"), nc_client_get_host(c));
    case NC_STATE_DISCONNECTED:
    default:
        return g_strdup_printf(_("Not sent: not connected to %s"), nc_client_get_host(c));
    }
}

/* Plain text or /me: said to the conversation, so only when connected. */
static gboolean is_chat_text(const char *line)
{
    NcCommand cmd;
    if (!nc_command_parse(line, &cmd, NULL))
        return FALSE;
    gboolean chat = cmd.kind == NC_CMD_SAY || cmd.kind == NC_CMD_ME;
    nc_command_clear(&cmd);
    return chat;
}

/* @return FALSE when the line could not go (said in a toast). */
static gboolean send_line(NaWindow *self, const char *line)
{
    if (!self->current_client) {
        na_window_show_error(self, _("Not connected: use Connect or Host a Chat first"));
        return FALSE;
    }
    g_autoptr(GError) error = NULL;
    if (!nc_client_send_input(self->current_client, self->current, line, &error)) {
        na_window_show_error(self, error->message);
        return FALSE;
    }
    return TRUE;
}

/* The input area's lines: chat text needs the connection; without it the
 * text stays in the input (typed text is never lost) and a toast says
 * why.  Commands go to the client, which knows which work offline. */
static gboolean on_input_send(NaInputArea *area, char **lines, NaWindow *self)
{
    g_autofree char *why = is_chat_text(lines[0]) ? why_not_connected(self) : NULL;
    if (why) {
        na_window_show_error(self, why);
        return FALSE;
    }
    for (guint i = 0; lines[i]; i++)
        send_line(self, lines[i]);
    return TRUE;
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
    gtk_widget_set_visible(GTK_WIDGET(self->member_list), g_variant_get_boolean(state));
}

static void act_about(GSimpleAction *a, GVariant *p, gpointer data)
{
    const char *developers[] = {_("Natter developers"), NULL};
    GtkWidget *about = g_object_new(
        ADW_TYPE_ABOUT_WINDOW, "transient-for", data, "modal", TRUE, "application-name", "Natter",
        "application-icon", "org.natter.Natter", "version", NT_VERSION, "developer-name",
        _("Natter developers"), "developers", developers, "license-type", GTK_LICENSE_MIT_X11,
        "comments", _("Chat on IRC, or host a chat on this computer"), NULL);
    gtk_window_present(GTK_WINDOW(about));
}

static void act_shortcuts(GSimpleAction *a, GVariant *p, gpointer data)
{
    g_autoptr(GtkBuilder) b = gtk_builder_new_from_resource("/org/natter/Natter/shortcuts.ui");
    GtkWindow *shortcuts = GTK_WINDOW(gtk_builder_get_object(b, "shortcuts"));
    gtk_window_set_transient_for(shortcuts, GTK_WINDOW(data));
    gtk_window_present(shortcuts);
}

static void act_preferences(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));
    GSettings *settings = NA_IS_APP(app) ? na_app_get_settings(NA_APP(app)) : NULL;
    if (!settings) {
        na_window_show_error(self, _("Preferences need natter’s settings schema, which is not "
                                     "installed"));
        return;
    }
    na_preferences_present(GTK_WINDOW(self), settings);
}

static void act_show_sidebar(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    adw_leaflet_navigate(self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
    gtk_widget_grab_focus(GTK_WIDGET(self->sidebar_view));
}

static void act_find(GSimpleAction *a, GVariant *p, gpointer data)
{
    NaWindow *self = data;
    adw_leaflet_set_visible_child(self->leaflet, self->conversation_pane);
    na_search_bar_open(self->search_bar);
}

static const GActionEntry win_actions[] = {
    {"about", act_about, NULL, NULL, NULL, {0}},
    {"shortcuts", act_shortcuts, NULL, NULL, NULL, {0}},
    {"preferences", act_preferences, NULL, NULL, NULL, {0}},
    {"show-sidebar", act_show_sidebar, NULL, NULL, NULL, {0}},
    {"find", act_find, NULL, NULL, NULL, {0}},
    {"copy-messages", act_copy_messages, NULL, NULL, NULL, {0}},
    {"prev-buffer", act_prev, NULL, NULL, NULL, {0}},
    {"next-buffer", act_next, NULL, NULL, NULL, {0}},
    {"goto-buffer", act_goto, "i", NULL, NULL, {0}},
    {"close-buffer", act_close, NULL, NULL, NULL, {0}},
    {"jump", act_jump, NULL, NULL, NULL, {0}},
    {"connect", act_connect, NULL, NULL, NULL, {0}},
    {"reconnect", act_reconnect, NULL, NULL, NULL, {0}},
    {"edit-login", act_edit_login, NULL, NULL, NULL, {0}},
    {"dismiss-banner", act_dismiss, NULL, NULL, NULL, {0}},
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
    choose_selected(self);
}

static void on_jump_stop(GtkSearchEntry *e, NaWindow *self)
{
    gtk_editable_set_text(GTK_EDITABLE(e), "");
    na_input_area_grab_focus(self->input_area);
}

static void on_dark_changed(AdwStyleManager *s, GParamSpec *p, NaWindow *self)
{
    /* Nick colours depend on the background: redraw the rows. */
    if (self->current) {
        NcBuffer *b = self->current;
        self->current = NULL;
        g_object_remove_weak_pointer(G_OBJECT(b), (gpointer *)&self->current);
        g_clear_signal_handler(&self->topic_handler, b);
        g_clear_signal_handler(&self->title_handler, b);
        show_buffer(self, b);
    }
}

/* ---- object --------------------------------------------------------- */

static void na_window_dispose(GObject *object)
{
    NaWindow *self = NA_WINDOW(object);
    if (self->current) {
        g_clear_signal_handler(&self->topic_handler, self->current);
        g_clear_signal_handler(&self->title_handler, self->current);
        g_object_remove_weak_pointer(G_OBJECT(self->current), (gpointer *)&self->current);
        self->current = NULL;
    }
    g_clear_handle_id(&self->flash_timeout, g_source_remove);
    if (self->flash_message)
        set_flash(self, NULL);
    gtk_widget_dispose_template(GTK_WIDGET(self), NA_TYPE_WINDOW);
    g_clear_object(&self->fold);
    g_clear_pointer(&self->bound_rows, g_hash_table_unref);
    g_clear_pointer(&self->clients, g_ptr_array_unref);
    g_clear_object(&self->networks);
    g_clear_object(&self->sidebar_selection);
    g_clear_object(&self->event_filter);
    G_OBJECT_CLASS(na_window_parent_class)->dispose(object);
}

static void na_window_class_init(NaWindowClass *klass)
{
    g_type_ensure(NA_TYPE_TRUST_BAR); /* named in window.ui */
    g_type_ensure(NA_TYPE_WHOIS_CARD);
    g_type_ensure(NA_TYPE_SEARCH_BAR);
    g_type_ensure(NA_TYPE_MEMBER_LIST);
    g_type_ensure(NA_TYPE_INPUT_AREA);
    /* The window's own shortcuts (the application sets the others). */
    gtk_widget_class_add_binding_action(GTK_WIDGET_CLASS(klass), GDK_KEY_question, GDK_CONTROL_MASK,
                                        "win.shortcuts", NULL);
    gtk_widget_class_add_binding_action(GTK_WIDGET_CLASS(klass), GDK_KEY_question,
                                        GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.shortcuts", NULL);
    gtk_widget_class_add_binding_action(GTK_WIDGET_CLASS(klass), GDK_KEY_comma, GDK_CONTROL_MASK,
                                        "win.preferences", NULL);
    gtk_widget_class_add_binding_action(GTK_WIDGET_CLASS(klass), GDK_KEY_f, GDK_CONTROL_MASK,
                                        "win.find", NULL);
    G_OBJECT_CLASS(klass)->dispose = na_window_dispose;
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/window.ui");
    /* Named for tests (gtk_widget_get_template_child()), not kept here. */
    gtk_widget_class_bind_template_child_full(wc, "sidebar_pane", FALSE, 0);
    gtk_widget_class_bind_template_child_full(wc, "back_button", FALSE, 0);
    gtk_widget_class_bind_template_callback(wc, on_message_menu);
    gtk_widget_class_bind_template_child(wc, NaWindow, toast_overlay);
    gtk_widget_class_bind_template_child(wc, NaWindow, leaflet);
    gtk_widget_class_bind_template_child(wc, NaWindow, conversation_title);
    gtk_widget_class_bind_template_child(wc, NaWindow, conversation_pane);
    gtk_widget_class_bind_template_child(wc, NaWindow, search_bar);
    gtk_widget_class_bind_template_child(wc, NaWindow, input_area);
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
    gtk_widget_class_bind_template_child(wc, NaWindow, member_list);
    gtk_widget_class_bind_template_child(wc, NaWindow, message_menu);
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
    g_signal_connect(self->sidebar_view, "activate", G_CALLBACK(on_sidebar_activate), self);
    GtkGesture *click = gtk_gesture_click_new();
    gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(click), GDK_BUTTON_PRIMARY);
    g_signal_connect(click, "released", G_CALLBACK(on_sidebar_click), self);
    gtk_widget_add_controller(GTK_WIDGET(self->sidebar_view), GTK_EVENT_CONTROLLER(click));
    gtk_list_view_set_factory(self->sidebar_view,
                              factory(G_CALLBACK(sidebar_setup), G_CALLBACK(sidebar_bind),
                                      G_CALLBACK(sidebar_unbind), NULL));
    g_object_unref(gtk_list_view_get_factory(self->sidebar_view));

    self->bound_rows = g_hash_table_new(NULL, NULL);
    g_signal_connect(self->search_bar, "jump", G_CALLBACK(on_search_jump), self);
    /* Ctrl+C in the messages copies the rows selected (the input's own
     * Ctrl+C copies its text). */
    GtkEventController *copy_keys = gtk_shortcut_controller_new();
    gtk_shortcut_controller_add_shortcut(
        GTK_SHORTCUT_CONTROLLER(copy_keys),
        gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_c, GDK_CONTROL_MASK),
                         gtk_named_action_new("win.copy-messages")));
    gtk_widget_add_controller(GTK_WIDGET(self->message_view), copy_keys);
    self->event_filter = gtk_custom_filter_new(event_visible, self, NULL);
    gtk_list_view_set_factory(self->message_view,
                              factory(G_CALLBACK(message_setup), G_CALLBACK(message_bind),
                                      G_CALLBACK(message_unbind), self));
    g_object_unref(gtk_list_view_get_factory(self->message_view));
    g_signal_connect(self->member_list, "member-activated", G_CALLBACK(on_member_activated), self);

    GtkAdjustment *vadj = gtk_scrolled_window_get_vadjustment(self->message_scroll);
    g_signal_connect(vadj, "value-changed", G_CALLBACK(on_vadj_value), self);
    gtk_widget_add_tick_callback(GTK_WIDGET(self->message_scroll), follow_tick, self, NULL);

    g_signal_connect(self->input_area, "send", G_CALLBACK(on_input_send), self);

    g_signal_connect(self->jump_entry, "search-changed", G_CALLBACK(on_jump_changed), self);
    g_signal_connect(self->jump_entry, "activate", G_CALLBACK(on_jump_activate), self);
    g_signal_connect(self->jump_entry, "stop-search", G_CALLBACK(on_jump_stop), self);
    g_signal_connect_object(adw_style_manager_get_default(), "notify::dark",
                            G_CALLBACK(on_dark_changed), self, 0);

    g_signal_connect(self, "notify::is-active", G_CALLBACK(on_window_active), NULL);
    g_signal_connect(self, "notify::application", G_CALLBACK(on_application_set), NULL);
    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions),
                                    self);
    gtk_paned_set_position(self->content_paned, 600);
    /* Folded, the conversation shows first: the back button leads to the
     * others. */
    adw_leaflet_set_visible_child(self->leaflet, self->conversation_pane);
    /* The input line has the focus from the start: typing just works. */
    gtk_window_set_focus(GTK_WINDOW(self), na_input_area_get_entry(self->input_area));
    update_status(self);
}

NaWindow *na_window_new(NaApp *app)
{
    return g_object_new(NA_TYPE_WINDOW, "application", app, NULL);
}

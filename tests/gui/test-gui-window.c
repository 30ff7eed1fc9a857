/* SPDX-License-Identifier: MIT */
/* natter's main window on a real display (Xvfb): a NaWindow with a client
 * on the scripted server (fake-server.c), or a client that never
 * connects, checked with deadlines: the leaflet folds on a narrow window
 * (and not on a wide one) so the conversation never lies under the
 * sidebar; choosing a conversation moves the focus to the input; Enter
 * while not connected keeps the text; the status line follows /nick; the
 * sidebar badge counts the unread and is coloured for mentions; the send
 * buttons have one clean accessible label; away members are dimmed and
 * who is typing shows above the input; a day divider stands between
 * messages of two days; the rows selected copy as text.
 * Run with GDK_SCALE=2 and the argument "scaled", only the fold check
 * runs, on a window as big as the (scaled) screen. */
#include "fake-server.h"
#include "fold.h"
#include "helpers.h"
#include "input-area.h"
#include "message-row.h"
#include "window.h"

#include <adwaita.h>
#include <string.h>

static FakeServer fake;

typedef struct {
    NaWindow *window;
    NcClient *client;
} Fixture;

static GtkWidget *child(Fixture *f, const char *name)
{
    GtkWidget *w =
        GTK_WIDGET(gtk_widget_get_template_child(GTK_WIDGET(f->window), NA_TYPE_WINDOW, name));
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    return w;
}

/* A part of the window's input area, by its name in input-area.ui. */
static GtkWidget *input_child(Fixture *f, const char *name)
{
    GtkWidget *w =
        GTK_WIDGET(gtk_widget_get_template_child(child(f, "input_area"), NA_TYPE_INPUT_AREA, name));
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    return w;
}

/* A window width x height showing a client of the scripted server (not
 * connected yet), once the window is on the screen. */
static Fixture open_window(int width, int height)
{
    Fixture f = {0};
    f.client = nc_client_new("127.0.0.1", fake.addr.port, "tester", "Test User", NULL);
    nc_client_set_timing(f.client, 30000, 60000, 50, 400, 2000);
    nc_client_set_reconnect(f.client, FALSE);
    f.window = g_object_new(NA_TYPE_WINDOW, "default-width", width, "default-height", height, NULL);
    na_window_add_client(f.window, f.client);
    gtk_window_present(GTK_WINDOW(f.window));
    CU_ASSERT(fake_pump_until((gboolean(*)(gpointer))gtk_widget_get_mapped, f.window, 5000));
    fake_pump(100);
    return f;
}

static void close_window(Fixture *f)
{
    gtk_window_destroy(GTK_WINDOW(f->window));
    fake_client_finish(f->client);
    fake_pump(50);
}

static gboolean expect(const char *prefix)
{
    g_autofree char *line = fake_expect(&fake, prefix, 3000);
    if (!line)
        fprintf(stderr, "did not get a line starting with \"%s\"\n", prefix);
    return line != NULL;
}

/* Connect f's client and take it through registration: as tester, or,
 * when tester is taken, as the nick the client tries instead. */
static gboolean register_client(Fixture *f, gboolean taken)
{
    nc_client_connect(f->client);
    if (!fake_accept(&fake, 3000) || !expect("CAP LS 302") || !expect("USER "))
        return FALSE;
    fake_send(&fake, ":srv CAP * LS :server-time");
    if (!expect("CAP REQ"))
        return FALSE;
    fake_send(&fake, ":srv CAP * ACK :server-time");
    if (!expect("CAP END"))
        return FALSE;
    const char *nick = "tester";
    if (taken) {
        fake_send(&fake, ":srv 433 * tester :Nickname is already in use");
        if (!expect("NICK tester_"))
            return FALSE;
        nick = "tester_";
    }
    fake_send(&fake, ":srv 001 %s :Welcome", nick);
    fake_send(&fake, ":srv 005 %s PREFIX=(ov)@+ CHANTYPES=# :are supported", nick);
    return fake_wait_state(f->client, NC_STATE_CONNECTED, 3000);
}

static gboolean connect_client(Fixture *f)
{
    return register_client(f, FALSE);
}

/* ---- the leaflet ----------------------------------------------------- */

typedef struct {
    GtkWidget *window, *sidebar, *conversation;
} Panes;

/* Laid out at the window's size: the conversation's width is at least its
 * request, and the window has been allocated as asked. */
static gboolean laid_out(gpointer data)
{
    Panes *p = data;
    return gtk_widget_get_width(p->window) > 0 && gtk_widget_get_mapped(p->conversation) &&
           gtk_widget_get_width(p->conversation) > 0;
}

/* Whether the conversation and the sidebar are both shown and overlap. */
static gboolean panes_overlap(Panes *p)
{
    if (!gtk_widget_get_mapped(p->sidebar) || !gtk_widget_get_mapped(p->conversation))
        return FALSE;
    graphene_rect_t a, b, both;
    CU_ASSERT_FATAL(gtk_widget_compute_bounds(p->sidebar, p->window, &a));
    CU_ASSERT_FATAL(gtk_widget_compute_bounds(p->conversation, p->window, &b));
    return graphene_rect_intersection(&a, &b, &both) && both.size.width > 0.5f;
}

/* The leaflet's slide between the panes is over, on one of them. */
static gboolean only_sidebar(gpointer data)
{
    Panes *p = data;
    return gtk_widget_get_mapped(p->sidebar) && !gtk_widget_get_mapped(p->conversation);
}

static gboolean only_conversation(gpointer data)
{
    Panes *p = data;
    return gtk_widget_get_mapped(p->conversation) && !gtk_widget_get_mapped(p->sidebar);
}

static void check_narrow(int width, int height)
{
    Fixture f = open_window(width, height);
    Panes p = {GTK_WIDGET(f.window), child(&f, "sidebar_pane"), child(&f, "conversation_pane")};
    CU_ASSERT(fake_pump_until(laid_out, &p, 5000));
    CU_ASSERT(adw_leaflet_get_folded(ADW_LEAFLET(child(&f, "leaflet"))));
    /* The conversation is shown (once the leaflet has settled), alone and
     * whole, within the window. */
    CU_ASSERT(fake_pump_until(only_conversation, &p, 3000));
    CU_ASSERT_FALSE(panes_overlap(&p));
    CU_ASSERT(gtk_widget_get_width(p.conversation) <= gtk_widget_get_width(p.window));
    /* Back shows the conversations, still without overlap; choosing one
     * shows it again. */
    gtk_widget_activate_action(GTK_WIDGET(f.window), "win.show-sidebar", NULL);
    CU_ASSERT(fake_pump_until(only_sidebar, &p, 3000));
    g_signal_emit_by_name(child(&f, "sidebar_view"), "activate", 0u);
    CU_ASSERT(fake_pump_until(only_conversation, &p, 3000));
    close_window(&f);
}

static void test_narrow_folds(void)
{
    check_narrow(640, 480);
}

static void test_wide_shows_both(void)
{
    Fixture f = open_window(1280, 800);
    Panes p = {GTK_WIDGET(f.window), child(&f, "sidebar_pane"), child(&f, "conversation_pane")};
    CU_ASSERT(fake_pump_until(laid_out, &p, 5000));
    CU_ASSERT_FALSE(adw_leaflet_get_folded(ADW_LEAFLET(child(&f, "leaflet"))));
    CU_ASSERT(gtk_widget_get_mapped(p.sidebar));
    CU_ASSERT(gtk_widget_get_mapped(p.conversation));
    CU_ASSERT_FALSE(panes_overlap(&p));
    CU_ASSERT_FALSE(gtk_widget_get_visible(child(&f, "back_button")));
    close_window(&f);
}

/* At GDK_SCALE=2, a window filling the 1280x800 screen is 640x400. */
static void test_scaled_screen_folds(void)
{
    GdkDisplay *display = gdk_display_get_default();
    GListModel *monitors = gdk_display_get_monitors(display);
    g_autoptr(GdkMonitor) monitor = g_list_model_get_item(monitors, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(monitor);
    GdkRectangle area;
    gdk_monitor_get_geometry(monitor, &area);
    printf("\nscreen: %dx%d at scale %d\n", area.width, area.height,
           gdk_monitor_get_scale_factor(monitor));
    check_narrow(area.width, area.height);
}

/* ---- focus, input, status -------------------------------------------- */

static gboolean input_has_focus(gpointer data)
{
    Fixture *f = data;
    GtkWidget *focus = gtk_root_get_focus(GTK_ROOT(f->window));
    GtkWidget *input = input_child(f, "input_entry");
    return focus && (focus == input || gtk_widget_is_ancestor(focus, input));
}

static void test_sidebar_choice_focuses_input(void)
{
    Fixture f = open_window(1280, 800);
    NcNetwork *net = nc_client_get_network(f.client);
    nc_network_ensure_buffer(net, NC_BUFFER_CHANNEL, "#natter");
    GtkWidget *sidebar = child(&f, "sidebar_view");
    gtk_widget_grab_focus(sidebar);
    CU_ASSERT_FALSE(input_has_focus(&f));
    g_signal_emit_by_name(sidebar, "activate", 1u);
    CU_ASSERT(fake_pump_until(input_has_focus, &f, 2000));
    /* The conversation chosen is the one shown. */
    CU_ASSERT_STRING_EQUAL(gtk_window_get_title(GTK_WINDOW(f.window)), "#natter — Natter");
    close_window(&f);
}

static void test_enter_offline_keeps_text(void)
{
    Fixture f = open_window(1280, 800);
    GtkWidget *input = input_child(&f, "input_entry");
    CU_ASSERT_EQUAL(nc_client_get_state(f.client), NC_STATE_DISCONNECTED);
    gtk_editable_set_text(GTK_EDITABLE(input), "hello there");
    g_signal_emit_by_name(input, "activate");
    fake_pump(50);
    CU_ASSERT_STRING_EQUAL(gtk_editable_get_text(GTK_EDITABLE(input)), "hello there");

    /* Connected, the same Enter sends it and empties the line. */
    CU_ASSERT_FATAL(connect_client(&f));
    NcNetwork *net = nc_client_get_network(f.client);
    fake_send(&fake, ":tester!u@h JOIN #natter");
    NcBuffer *chan = NULL;
    for (int i = 0; i < 100 && !(chan = nc_network_find_buffer(net, "#natter")); i++)
        fake_pump(20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(chan);
    g_signal_emit_by_name(child(&f, "sidebar_view"), "activate", 1u);
    fake_pump(50);
    g_signal_emit_by_name(input, "activate");
    CU_ASSERT(expect("PRIVMSG #natter :hello there"));
    CU_ASSERT_STRING_EQUAL(gtk_editable_get_text(GTK_EDITABLE(input)), "");
    close_window(&f);
}

typedef struct {
    GtkLabel *label;
    const char *want;
} LabelHas;

static gboolean label_has(gpointer data)
{
    LabelHas *l = data;
    return strstr(gtk_label_get_text(l->label), l->want) != NULL;
}

static void test_status_follows_nick(void)
{
    Fixture f = open_window(1280, 800);
    CU_ASSERT_FATAL(connect_client(&f));
    LabelHas status = {GTK_LABEL(child(&f, "status_label")), "as tester"};
    CU_ASSERT(fake_pump_until(label_has, &status, 2000));
    fake_send(&fake, ":tester!u@h NICK newnick");
    LabelHas renamed = {GTK_LABEL(child(&f, "status_label")), "as newnick"};
    CU_ASSERT(fake_pump_until(label_has, &renamed, 2000));
    CU_ASSERT_PTR_NULL(strstr(gtk_label_get_text(renamed.label), "tester"));
    LabelHas nick = {GTK_LABEL(input_child(&f, "nick_label")), "newnick"};
    CU_ASSERT(fake_pump_until(label_has, &nick, 2000));
    close_window(&f);
}

typedef struct {
    GtkLabel *label;
    char *first; /* the first countdown seen */
} Countdown;

static gboolean counting(gpointer data)
{
    Countdown *c = data;
    const char *now = gtk_label_get_text(c->label);
    if (!strstr(now, "reconnecting in"))
        return FALSE;
    if (!c->first)
        c->first = g_strdup(now);
    return strcmp(now, c->first) != 0;
}

/* A nick in use while registering: the input shows the one taken instead. */
static void test_nick_taken_instead(void)
{
    Fixture f = open_window(1280, 800);
    CU_ASSERT_FATAL(register_client(&f, TRUE));
    LabelHas nick = {GTK_LABEL(input_child(&f, "nick_label")), "tester_"};
    CU_ASSERT(fake_pump_until(label_has, &nick, 2000));
    LabelHas status = {GTK_LABEL(child(&f, "status_label")), "as tester_"};
    CU_ASSERT(fake_pump_until(label_has, &status, 2000));
    close_window(&f);
}

/* Waiting to reconnect, the status line counts the seconds down. */
static void test_reconnect_countdown(void)
{
    Fixture f = open_window(1280, 800);
    CU_ASSERT_FATAL(connect_client(&f));
    nc_client_set_timing(f.client, 30000, 60000, 3000, 3000, 2000);
    nc_client_set_reconnect(f.client, TRUE);
    fake_reset(&fake);
    CU_ASSERT(fake_wait_state(f.client, NC_STATE_WAITING, 3000));
    Countdown c = {GTK_LABEL(child(&f, "status_label")), NULL};
    CU_ASSERT(fake_pump_until(counting, &c, 3000));
    printf("\n  %s → %s\n", c.first ? c.first : "(none)", gtk_label_get_text(c.label));
    g_free(c.first);
    nc_client_set_reconnect(f.client, FALSE);
    close_window(&f);
}

/* ---- sidebar badge, accessible labels ---------------------------------- */

/* The first visible widget under root with css_class, depth first. */
static GtkWidget *find_shown(GtkWidget *root, const char *css_class)
{
    for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
        if (!gtk_widget_get_visible(c))
            continue;
        if (gtk_widget_has_css_class(c, css_class))
            return c;
        GtkWidget *found = find_shown(c, css_class);
        if (found)
            return found;
    }
    return NULL;
}

typedef struct {
    GtkWidget *root;
    const char *css_class;
    const char *text;
} ShownLabel;

static gboolean badge_says(gpointer data)
{
    ShownLabel *s = data;
    GtkWidget *w = find_shown(s->root, s->css_class);
    return w && GTK_IS_LABEL(w) && strcmp(gtk_label_get_text(GTK_LABEL(w)), s->text) == 0;
}

static void test_badge_counts_unread(void)
{
    Fixture f = open_window(1280, 800);
    NcBuffer *chan =
        nc_network_ensure_buffer(nc_client_get_network(f.client), NC_BUFFER_CHANNEL, "#natter");
    gint64 now = g_get_real_time();
    const char *texts[] = {"one", "two", "tester: three"};
    for (guint i = 0; i < 3; i++) {
        g_autoptr(NcMessage) m =
            nc_message_new(now, NC_MSG_PRIVMSG, i == 2 ? NC_MSG_FLAG_HIGHLIGHT : NC_MSG_FLAG_NONE,
                           "bob", texts[i]);
        nc_buffer_append(chan, m);
    }
    CU_ASSERT_EQUAL(nc_buffer_get_unread(chan), 3);
    CU_ASSERT_EQUAL(nc_buffer_get_mentions(chan), 1);
    ShownLabel badge = {child(&f, "sidebar_view"), "natter-badge", "3"};
    CU_ASSERT(fake_pump_until(badge_says, &badge, 2000));
    GtkWidget *w = find_shown(badge.root, "natter-badge");
    CU_ASSERT(w && gtk_widget_has_css_class(w, "natter-mention"));
    close_window(&f);
}

static void test_send_buttons_accessible_label(void)
{
    Fixture f = open_window(1280, 800);
    char *problem = gtk_test_accessible_check_property(
        GTK_ACCESSIBLE(input_child(&f, "send_button")), GTK_ACCESSIBLE_PROPERTY_LABEL, "Send");
    if (problem)
        fprintf(stderr, "send button: %s\n", problem);
    CU_ASSERT_PTR_NULL(problem);
    g_free(problem);
    problem =
        gtk_test_accessible_check_property(GTK_ACCESSIBLE(input_child(&f, "paste_send_button")),
                                           GTK_ACCESSIBLE_PROPERTY_LABEL, "Send the pasted lines");
    if (problem)
        fprintf(stderr, "paste's send button: %s\n", problem);
    CU_ASSERT_PTR_NULL(problem);
    g_free(problem);
    close_window(&f);
}

/* ---- members and typing -------------------------------------------------- */

static gboolean away_dimmed(gpointer data)
{
    GtkWidget *w = find_shown(data, "natter-away");
    return w && GTK_IS_LABEL(w) && strcmp(gtk_label_get_text(GTK_LABEL(w)), "dave") == 0;
}

static gboolean typing_shown(gpointer data)
{
    GtkWidget *label = data;
    return gtk_widget_get_visible(label) &&
           strcmp(gtk_label_get_text(GTK_LABEL(label)), "bob is typing…") == 0;
}

static void test_away_and_typing(void)
{
    Fixture f = open_window(1280, 800);
    NcBuffer *chan =
        nc_network_ensure_buffer(nc_client_get_network(f.client), NC_BUFFER_CHANNEL, "#natter");
    nc_buffer_add_member(chan, "bob", "", G_MAXINT);
    nc_buffer_add_member(chan, "dave", "", G_MAXINT);
    g_signal_emit_by_name(child(&f, "sidebar_view"), "activate", 1u);
    GtkWidget *members = child(&f, "member_list");
    CU_ASSERT(gtk_widget_get_visible(members));
    fake_pump(100);
    CU_ASSERT_PTR_NULL(find_shown(members, "natter-away"));
    nc_member_set_away(nc_buffer_find_member(chan, "dave"), TRUE);
    CU_ASSERT(fake_pump_until(away_dimmed, members, 2000));

    GtkWidget *typing = input_child(&f, "typing_label");
    CU_ASSERT_FALSE(gtk_widget_get_visible(typing));
    nc_buffer_set_typing(chan, "bob is typing…");
    CU_ASSERT(fake_pump_until(typing_shown, typing, 2000));
    nc_buffer_set_typing(chan, "");
    CU_ASSERT_FALSE(gtk_widget_get_visible(typing));
    close_window(&f);
}

/* ---- day dividers, copying ---------------------------------------------- */

static gint64 local_time(int days_ago, int hour, int minute)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autoptr(GDateTime) day = g_date_time_add_days(now, -days_ago);
    g_autoptr(GDateTime) at =
        g_date_time_new_local(g_date_time_get_year(day), g_date_time_get_month(day),
                              g_date_time_get_day_of_month(day), hour, minute, 0);
    return g_date_time_to_unix(at) * G_USEC_PER_SEC;
}

static void test_day_titles(void)
{
    gint64 now = local_time(0, 12, 0);
    g_autofree char *today = na_message_row_day_title(local_time(0, 0, 5), now);
    g_autofree char *yesterday = na_message_row_day_title(local_time(1, 23, 55), now);
    g_autofree char *older = na_message_row_day_title(local_time(3, 9, 0), now);
    CU_ASSERT_STRING_EQUAL(today, "Today");
    CU_ASSERT_STRING_EQUAL(yesterday, "Yesterday");
    g_autoptr(GDateTime) three =
        g_date_time_new_from_unix_local(local_time(3, 9, 0) / G_USEC_PER_SEC);
    g_autofree char *year = g_strdup_printf("%d", g_date_time_get_year(three));
    CU_ASSERT_PTR_NOT_NULL(strstr(older, year));
}

static void test_day_divider(void)
{
    Fixture f = open_window(1280, 800);
    NcBuffer *chan =
        nc_network_ensure_buffer(nc_client_get_network(f.client), NC_BUFFER_CHANNEL, "#natter");
    g_autoptr(NcMessage) old1 =
        nc_message_new(local_time(3, 10, 0), NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", "before");
    g_autoptr(NcMessage) old2 =
        nc_message_new(local_time(3, 10, 5), NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", "same day");
    g_autoptr(NcMessage) today =
        nc_message_new(local_time(0, 0, 1), NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", "after");
    nc_buffer_append(chan, old1);
    nc_buffer_append(chan, old2);
    nc_buffer_append(chan, today);
    g_signal_emit_by_name(child(&f, "sidebar_view"), "activate", 1u);
    /* Exactly one divider shows: "Today", between "same day" and "after". */
    GtkWidget *view = child(&f, "message_view");
    ShownLabel divider = {view, "natter-day", NULL};
    gboolean shown = FALSE;
    for (int i = 0; i < 200 && !shown; i++) {
        fake_pump(10);
        shown = find_shown(view, "natter-day") != NULL;
    }
    CU_ASSERT_FATAL(shown);
    GtkWidget *day = find_shown(divider.root, divider.css_class);
    guint shown_days = 0;
    GtkWidget *words = NULL;
    for (GtkWidget *row = gtk_widget_get_first_child(view); row;
         row = gtk_widget_get_next_sibling(row)) {
        GtkWidget *d = find_shown(row, "natter-day");
        if (d) {
            shown_days++;
            words = gtk_widget_get_next_sibling(gtk_widget_get_first_child(d));
        }
    }
    CU_ASSERT_EQUAL(shown_days, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(words);
    CU_ASSERT_STRING_EQUAL(gtk_label_get_text(GTK_LABEL(words)), "Today");
    /* It belongs to the row of "after": the last row's. */
    CU_ASSERT_PTR_NOT_NULL(day);
    close_window(&f);
}

static void test_copy_text(void)
{
    g_autoptr(NcBuffer) b = nc_buffer_new(NC_BUFFER_CHANNEL, "#natter");
    gint64 t = local_time(0, 9, 7);
    g_autoptr(NcMessage) said = nc_message_new(t, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob",
                                               "\x02"
                                               "bold\x02 and \x03"
                                               "04red");
    g_autoptr(NcMessage) action =
        nc_message_new(t, NC_MSG_ACTION, NC_MSG_FLAG_NONE, "bob", "waves");
    g_autoptr(NcMessage) skipped = nc_message_new(t, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "al", "no");
    nc_buffer_append(b, said);
    nc_buffer_append(b, skipped);
    nc_buffer_append(b, action);
    g_autoptr(NcFoldModel) rows = nc_fold_model_new(nc_buffer_get_messages(b));
    g_autoptr(GtkBitset) which = gtk_bitset_new_empty();
    gtk_bitset_add(which, 0);
    gtk_bitset_add(which, 2);
    g_autofree char *text = na_window_copy_text(G_LIST_MODEL(rows), which);
    CU_ASSERT_STRING_EQUAL(text, "[09:07] <bob> bold and red\n[09:07] * bob waves\n");
}

static gboolean flashed(gpointer data)
{
    return find_shown(data, "natter-flash") != NULL;
}

/* The search bar's "jump" scrolls the view to the message and flashes
 * its row; the search's text is highlighted in the rows. */
static void test_search_jump_and_highlight(void)
{
    Fixture f = open_window(1280, 800);
    NcBuffer *chan =
        nc_network_ensure_buffer(nc_client_get_network(f.client), NC_BUFFER_CHANNEL, "#natter");
    NcMessage *target = NULL;
    for (guint i = 0; i < 200; i++) {
        g_autofree char *text = g_strdup_printf("line %u%s", i, i == 3 ? " with a Needle" : "");
        g_autoptr(NcMessage) m =
            nc_message_new(local_time(0, 8, 0), NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", text);
        nc_buffer_append(chan, m);
        if (i == 3)
            target = m;
    }
    g_signal_emit_by_name(child(&f, "sidebar_view"), "activate", 1u);
    fake_pump(300);
    GtkWidget *view = child(&f, "message_view");
    CU_ASSERT_PTR_NULL(find_shown(view, "natter-flash"));
    g_signal_emit_by_name(child(&f, "search_bar"), "jump", target);
    CU_ASSERT(fake_pump_until(flashed, view, 2000));
    GtkWidget *row = find_shown(view, "natter-flash");
    CU_ASSERT_FATAL(row && NA_IS_MESSAGE_ROW(row));
    CU_ASSERT_PTR_EQUAL(na_message_row_get_message(NA_MESSAGE_ROW(row)), target);

    /* A query: a background over "Needle" in the row's text. */
    na_message_row_set_query(NA_MESSAGE_ROW(row), "needle");
    GtkLabel *label = NULL; /* the text: the row's one label shown */
    for (GtkWidget *c = gtk_widget_get_first_child(row); c; c = gtk_widget_get_next_sibling(c))
        if (GTK_IS_LABEL(c) && gtk_widget_get_visible(c))
            label = GTK_LABEL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(label);
    const char *shown = gtk_label_get_text(label);
    const char *needle = strstr(shown, "Needle");
    CU_ASSERT_PTR_NOT_NULL_FATAL(needle);
    guint start = (guint)(needle - shown);
    gboolean highlighted = FALSE;
    PangoAttrList *attrs = gtk_label_get_attributes(label);
    PangoAttrIterator *it = attrs ? pango_attr_list_get_iterator(attrs) : NULL;
    do {
        int s0 = 0, e0 = 0;
        if (!it)
            break;
        pango_attr_iterator_range(it, &s0, &e0);
        if ((guint)s0 <= start && (guint)e0 >= start + 6 &&
            pango_attr_iterator_get(it, PANGO_ATTR_BACKGROUND))
            highlighted = TRUE;
    } while (pango_attr_iterator_next(it));
    if (it)
        pango_attr_iterator_destroy(it);
    CU_ASSERT(highlighted);
    close_window(&f);
}

typedef struct {
    char *text;
    gboolean done;
} ClipboardRead;

static void on_clipboard_text(GObject *source, GAsyncResult *res, gpointer data)
{
    ClipboardRead *r = data;
    r->text = gdk_clipboard_read_text_finish(GDK_CLIPBOARD(source), res, NULL);
    r->done = TRUE;
}

static gboolean clipboard_read(gpointer data)
{
    return ((ClipboardRead *)data)->done;
}

/* Two rows selected in the view, win.copy-messages: the clipboard holds
 * them as text. */
static void test_copy_action(void)
{
    Fixture f = open_window(1280, 800);
    NcBuffer *chan =
        nc_network_ensure_buffer(nc_client_get_network(f.client), NC_BUFFER_CHANNEL, "#natter");
    const char *texts[] = {"first", "second", "third"};
    for (guint i = 0; i < 3; i++) {
        g_autoptr(NcMessage) m = nc_message_new(local_time(0, 8, (int)i), NC_MSG_PRIVMSG,
                                                NC_MSG_FLAG_NONE, "bob", texts[i]);
        nc_buffer_append(chan, m);
    }
    g_signal_emit_by_name(child(&f, "sidebar_view"), "activate", 1u);
    fake_pump(50);
    GtkSelectionModel *sel = gtk_list_view_get_model(GTK_LIST_VIEW(child(&f, "message_view")));
    CU_ASSERT_FATAL(GTK_IS_MULTI_SELECTION(sel));
    gtk_selection_model_select_item(sel, 0, TRUE);
    gtk_selection_model_select_item(sel, 2, FALSE);
    gtk_widget_activate_action(GTK_WIDGET(f.window), "win.copy-messages", NULL);
    ClipboardRead r = {0};
    gdk_clipboard_read_text_async(gtk_widget_get_clipboard(GTK_WIDGET(f.window)), NULL,
                                  on_clipboard_text, &r);
    CU_ASSERT(fake_pump_until(clipboard_read, &r, 2000));
    CU_ASSERT_STRING_EQUAL(r.text ? r.text : "", "[08:00] <bob> first\n[08:02] <bob> third\n");
    g_free(r.text);
    close_window(&f);
}

/* The members hidden from the menu stay hidden on another channel; the
 * header follows the server buffer's title (NETWORK=) while it is shown. */
static void test_members_hidden_and_title(void)
{
    Fixture f = open_window(1280, 800);
    NcNetwork *net = nc_client_get_network(f.client);
    nc_network_ensure_buffer(net, NC_BUFFER_CHANNEL, "#one");
    nc_network_ensure_buffer(net, NC_BUFFER_CHANNEL, "#two");
    GtkWidget *members = child(&f, "member_list");
    GtkWidget *sidebar = child(&f, "sidebar_view");
    g_signal_emit_by_name(sidebar, "activate", 1u);
    fake_pump(50);
    CU_ASSERT(gtk_widget_get_visible(members));
    g_action_group_change_action_state(G_ACTION_GROUP(f.window), "show-members",
                                       g_variant_new_boolean(FALSE));
    CU_ASSERT_FALSE(gtk_widget_get_visible(members));
    g_signal_emit_by_name(sidebar, "activate", 2u);
    fake_pump(50);
    CU_ASSERT_STRING_EQUAL(gtk_window_get_title(GTK_WINDOW(f.window)), "#two — Natter");
    CU_ASSERT_FALSE(gtk_widget_get_visible(members));

    g_signal_emit_by_name(sidebar, "activate", 0u);
    fake_pump(50);
    CU_ASSERT_STRING_EQUAL(gtk_window_get_title(GTK_WINDOW(f.window)), "127.0.0.1 — Natter");
    nc_client_handle_line(f.client, ":srv 005 tester NETWORK=Testnet :are supported");
    CU_ASSERT_STRING_EQUAL(gtk_window_get_title(GTK_WINDOW(f.window)), "Testnet — Natter");
    close_window(&f);
}

static CU_TestInfo tests[] = {
    {"hidden members stay hidden; the header follows the title", test_members_hidden_and_title},
    {"a narrow window folds the sidebar away", test_narrow_folds},
    {"a wide window shows both panes", test_wide_shows_both},
    {"choosing a conversation focuses the input", test_sidebar_choice_focuses_input},
    {"Enter while not connected keeps the text", test_enter_offline_keeps_text},
    {"the status line follows the nick", test_status_follows_nick},
    {"the nick taken instead of one in use", test_nick_taken_instead},
    {"the reconnect countdown counts", test_reconnect_countdown},
    {"the badge counts unread, coloured for mentions", test_badge_counts_unread},
    {"send buttons have one accessible label", test_send_buttons_accessible_label},
    {"away members dimmed, typing shown", test_away_and_typing},
    {"day titles", test_day_titles},
    {"a day divider between two days", test_day_divider},
    {"selected rows copy as text", test_copy_text},
    {"the copy action fills the clipboard", test_copy_action},
    {"the search's jump flashes the row; matches highlighted", test_search_jump_and_highlight},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo scaled_tests[] = {
    {"a scaled-up screen folds the sidebar away", test_scaled_screen_folds},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    adw_init();
    fake_start(&fake);
    gboolean scaled = argc > 1 && strcmp(argv[1], "scaled") == 0;
    int status = scaled ? nt_test_main("gui-window-scaled", scaled_tests)
                        : nt_test_main("gui-window", tests);
    fake_stop(&fake);
    return status;
}

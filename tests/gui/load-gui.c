/* SPDX-License-Identifier: MIT */
/* Load test (prints figures, asserts nothing about time): a channel
 * receives 2,000 messages/s for 10 s from a local fake server, through the
 * real worker thread, into a buffer shown in a GtkListView when a display
 * is there.  A GLib timeout probe every 10 ms measures how late the main
 * loop runs it; memory must stay bounded by the scrollback limit.
 *
 * usage: load-gui [SECONDS] [RATE] [SCROLLBACK] */
#include "client.h"
#include "fold.h"

#include <gtk/gtk.h>
#include <natter/error.h>
#include <natter/net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static guint seconds = 10, rate = 2000, scrollback = 5000;
static nt_addr server_addr;
static nt_socket *listener;
static volatile gint sent_total;
static volatile gint server_done;

static void server_thread_send(nt_socket *c, const char *line)
{
    nt_socket_sendall(c, line, strlen(line), NULL);
}

static gpointer server_thread(gpointer data)
{
    nt_socket *c = NULL;
    nt_socket_settimeout(listener, 10.0);
    if (nt_socket_accept(listener, &c, NULL) != NT_OK) {
        g_atomic_int_set(&server_done, 1);
        return NULL;
    }
    server_thread_send(c, ":srv 001 load :Welcome\r\n:load!u@h JOIN #load\r\n"
                          ":srv 353 load = #load :load @flood\r\n:srv 366 load #load :End\r\n");
    gint64 start = g_get_monotonic_time();
    guint per_tick = rate / 100; /* every 10 ms */
    guint n = 0;
    char line[256];
    for (guint tick = 0; tick < seconds * 100; tick++) {
        GString *batch = g_string_new(NULL);
        for (guint i = 0; i < per_tick; i++, n++) {
            g_snprintf(line, sizeof line,
                       ":flood!f@h PRIVMSG #load :message %u, with some text to look like chat\r\n",
                       n);
            g_string_append(batch, line);
        }
        nt_socket_sendall(c, batch->str, batch->len, NULL);
        g_string_free(batch, TRUE);
        g_atomic_int_set(&sent_total, (gint)n);
        gint64 due = start + (gint64)(tick + 1) * 10000;
        gint64 now = g_get_monotonic_time();
        if (due > now)
            g_usleep((gulong)(due - now));
    }
    g_atomic_int_set(&server_done, 1);
    g_usleep(3 * G_USEC_PER_SEC); /* let the client drain before closing */
    nt_socket_close(c);
    return NULL;
}

static GArray *lateness; /* gint64 microseconds */
static gint64 next_due;

static gboolean probe(gpointer data)
{
    gint64 now = g_get_monotonic_time();
    g_array_append_val(lateness, (gint64){MAX(0, now - next_due)});
    next_due = now + 10000;
    return G_SOURCE_CONTINUE;
}

static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * 4;
}

static int cmp_i64(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return x < y ? -1 : x > y;
}

static void row_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer d)
{
    GtkWidget *l = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(l), 0);
    gtk_label_set_wrap(GTK_LABEL(l), g_getenv("LOAD_WRAP") != NULL);
    gtk_list_item_set_child(item, l);
}

static void row_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer d)
{
    NcRow *r = gtk_list_item_get_item(item);
    NcMessage *m = nc_row_get_message(r);
    g_autofree char *t =
        g_strdup_printf("%s  %s", nc_message_get_sender(m), nc_message_get_text(m));
    gtk_label_set_text(GTK_LABEL(gtk_list_item_get_child(item)), t);
}

/* Once per frame, not once per message: a flood changes the height many
 * times between two frames. */
static gboolean follow_bottom(GtkWidget *scroll, GdkFrameClock *clock, gpointer d)
{
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(GTK_SCROLLED_WINDOW(scroll));
    gtk_adjustment_set_value(adj,
                             gtk_adjustment_get_upper(adj) - gtk_adjustment_get_page_size(adj));
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        seconds = (guint)atoi(argv[1]);
    if (argc > 2)
        rate = (guint)atoi(argv[2]);
    if (argc > 3)
        scrollback = (guint)atoi(argv[3]);
    gboolean gui = gtk_init_check();
    lateness = g_array_new(FALSE, FALSE, sizeof(gint64));

    nt_addr any;
    nt_addr_loopback(NT_AF_INET, 0, &any);
    if (nt_socket_create_server(&any, NT_BACKLOG_DEFAULT, &listener) != NT_OK)
        return 1;
    nt_socket_getsockname(listener, &server_addr);
    GThread *srv = g_thread_new("fake-server", server_thread, NULL);

    NcClient *client = nc_client_new("127.0.0.1", server_addr.port, "load", NULL, NULL);
    nc_network_set_scrollback(nc_client_get_network(client), scrollback);
    nc_client_set_reconnect(client, FALSE);
    nc_client_connect(client);

    /* Wait for #load, then show it (when there is a display). */
    NcBuffer *buffer = NULL;
    gint64 wait_end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!buffer && g_get_monotonic_time() < wait_end) {
        g_main_context_iteration(NULL, TRUE);
        buffer = nc_network_find_buffer(nc_client_get_network(client), "#load");
    }
    if (!buffer) {
        fprintf(stderr, "load: never joined #load\n");
        return 1;
    }
    GtkWidget *window = NULL;
    if (gui) {
        window = gtk_window_new();
        gtk_window_set_default_size(GTK_WINDOW(window), 800, 600);
        GtkListItemFactory *f = gtk_signal_list_item_factory_new();
        g_signal_connect(f, "setup", G_CALLBACK(row_setup), NULL);
        g_signal_connect(f, "bind", G_CALLBACK(row_bind), NULL);
        /* The window's path: messages → rows with runs of joins folded. */
        GtkNoSelection *sel =
            gtk_no_selection_new(G_LIST_MODEL(nc_fold_model_new(nc_buffer_get_messages(buffer))));
        GtkWidget *view = gtk_list_view_new(GTK_SELECTION_MODEL(sel), f);
        GtkWidget *scroll = gtk_scrolled_window_new();
        gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), view);
        gtk_widget_add_tick_callback(scroll, follow_bottom, NULL, NULL);
        gtk_window_set_child(GTK_WINDOW(window), scroll);
        gtk_window_present(GTK_WINDOW(window));
        nc_buffer_set_active(buffer, TRUE);
    }

    long rss_start = rss_kib();
    long rss_peak = rss_start;
    next_due = g_get_monotonic_time() + 10000;
    g_timeout_add(10, probe, NULL);
    gint64 t0 = g_get_monotonic_time();
    guint received = 0;
    guint max_items = 0;
    while (!g_atomic_int_get(&server_done) ||
           g_get_monotonic_time() - t0 < (gint64)(seconds + 1) * G_USEC_PER_SEC) {
        g_main_context_iteration(NULL, TRUE);
        guint items = g_list_model_get_n_items(nc_buffer_get_messages(buffer));
        max_items = MAX(max_items, items);
        rss_peak = MAX(rss_peak, rss_kib());
        if (g_get_monotonic_time() - t0 > (gint64)(seconds + 5) * G_USEC_PER_SEC)
            break;
    }
    double elapsed = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    GListModel *msgs = nc_buffer_get_messages(buffer);
    guint n_items = g_list_model_get_n_items(msgs);
    if (n_items) {
        g_autoptr(NcMessage) last = g_list_model_get_item(msgs, n_items - 1);
        received = (guint)atoi(nc_message_get_text(last) + strlen("message ")) + 1;
    }
    g_array_sort(lateness, cmp_i64);
    guint np = lateness->len;
    gint64 p50 = np ? g_array_index(lateness, gint64, np / 2) : 0;
    gint64 p99 = np ? g_array_index(lateness, gint64, (guint)(np * 0.99)) : 0;
    gint64 pmax = np ? g_array_index(lateness, gint64, np - 1) : 0;

    printf("natter load test (%s)\n", gui ? "GTK list view on a display" : "headless core");
    printf("  sent        %d messages in %u s (%u/s target)\n", g_atomic_int_get(&sent_total),
           seconds, rate);
    printf("  received    last message number %u (%.1f s of main loop)\n", received, elapsed);
    printf("  probe       %u samples every 10 ms: lateness p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
           np, p50 / 1000.0, p99 / 1000.0, pmax / 1000.0);
    printf("  scrollback  limit %u, most held %u, held at end %u\n", scrollback, max_items,
           n_items);
    printf("  memory      RSS %ld KiB at start of flood, peak %ld KiB (+%ld KiB)\n", rss_start,
           rss_peak, rss_peak - rss_start);
    printf("  verdict     p99 lateness %s 50 ms; messages held %s the scrollback limit\n",
           p99 < 50000 ? "under" : "OVER", max_items <= scrollback ? "within" : "OVER");

    g_thread_join(srv);
    nt_socket_close(listener);
    if (window)
        gtk_window_destroy(GTK_WINDOW(window));
    g_object_unref(client);
    g_array_unref(lateness);
    /* Figures only: the exit status says the run completed. */
    return received > 0 && max_items <= scrollback ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/* natter's window under a long history (prints figures, asserts nothing):
 *
 *   start    the window usable with CHANNELS channels whose logs are
 *            reloaded on join: from the program's start (GTK and
 *            libadwaita set up, logs read, the window drawn) to the frame
 *            after the last channel's lines are in;
 *   memory   RSS per 10,000 messages held in one conversation, with the
 *            window showing it (message objects, fold rows, list items);
 *   scroll   that conversation of MESSAGES messages scrolled: half a page
 *            per frame from the newest up, then jumps to random places,
 *            while a GLib timeout probe every 5 ms measures how late the
 *            main loop runs it (the lateness a user sees as stutter).
 *
 * It runs the real NaWindow against the tests' scripted IRC server on
 * loopback; logs go to a temporary folder.  Run it on a display (Xvfb:
 * bench/README.md).
 *
 * usage: natter-view [MESSAGES] [CHANNELS] [LOG-LINES-PER-CHANNEL] */
#include "client.h"
#include "fake-server.h"
#include "log.h"
#include "window.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FakeServer fake;
static GArray *lateness; /* gint64 µs */
static gint64 probe_due;
static gboolean probing;

enum { PROBE_MS = 5 };
/* A saved network's log folder, as the app gives a client (log.h). */
#define BENCH_NETWORK_ID "0123456789abcdef"


static gboolean probe(gpointer data)
{
    gint64 now = g_get_monotonic_time();
    if (probing)
        g_array_append_val(lateness, (gint64){MAX(0, now - probe_due)});
    probe_due = now + PROBE_MS * 1000;
    return G_SOURCE_CONTINUE;
}

static double rss_mib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static int cmp_i64(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return (x > y) - (x < y);
}

static void print_lateness(const char *what)
{
    g_array_sort(lateness, cmp_i64);
    guint n = lateness->len;
    if (!n) {
        printf("  %-28s no samples\n", what);
        return;
    }
    printf("  %-28s %u samples: lateness p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", what, n,
           (double)g_array_index(lateness, gint64, n / 2) / 1000.0,
           (double)g_array_index(lateness, gint64, (guint)((double)n * 0.99)) / 1000.0,
           (double)g_array_index(lateness, gint64, n - 1) / 1000.0);
    g_array_set_size(lateness, 0);
}

/* ---- frames ---------------------------------------------------------- */

static gboolean frame_seen;

static void on_after_paint(GdkFrameClock *clock, gpointer data)
{
    frame_seen = TRUE;
}

static gboolean seen(gpointer data)
{
    return frame_seen;
}

/* Wait for the next frame the window paints. */
static gboolean next_frame(GtkWidget *window)
{
    GdkFrameClock *clock = gtk_widget_get_frame_clock(window);
    if (!clock)
        return FALSE;
    frame_seen = FALSE;
    gulong id = g_signal_connect(clock, "after-paint", G_CALLBACK(on_after_paint), NULL);
    gtk_widget_queue_draw(window);
    gboolean ok = fake_pump_until(seen, NULL, 5000);
    g_signal_handler_disconnect(clock, id);
    return ok;
}

/* ---- the scripted server ------------------------------------------- */

typedef struct {
    NcNetwork *network;
    guint channels;
    guint lines;
} Filled;

static gboolean channels_filled(gpointer data)
{
    const Filled *f = data;
    for (guint i = 0; i < f->channels; i++) {
        g_autofree char *name = g_strdup_printf("#chan%u", i);
        NcBuffer *b = nc_network_find_buffer(f->network, name);
        if (!b || g_list_model_get_n_items(nc_buffer_get_messages(b)) < f->lines)
            return FALSE;
    }
    return TRUE;
}

/* Logs for channels #chan0.. of the bench's network, lines each, the newest
 * today, as natter writes them. */
static void write_logs(const char *dir, guint channels, guint lines)
{
    NcLogger *logger = nc_logger_new_for_network(dir, BENCH_NETWORK_ID);
    gint64 now = g_get_real_time();
    for (guint c = 0; c < channels; c++) {
        g_autofree char *name = g_strdup_printf("#chan%u", c);
        for (guint i = 0; i < lines; i++) {
            g_autofree char *text =
                g_strdup_printf("line %u of %s, with some words to look like a chat", i, name);
            g_autoptr(NcMessage) m =
                nc_message_new(now - (gint64)(lines - i) * 60 * G_USEC_PER_SEC, NC_MSG_PRIVMSG,
                               NC_MSG_FLAG_NONE, i % 2 ? "alice" : "bob", text);
            nc_logger_write(logger, "Bench", name, m);
        }
    }
    nc_logger_free(logger);
}

/* ---- scrolling ------------------------------------------------------ */

typedef struct {
    GtkAdjustment *adj;
    guint frames_left;
    gboolean jumps;
    GRand *rand;
} Scroll;

static gboolean scroll_tick(GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
    Scroll *s = data;
    double value = gtk_adjustment_get_value(s->adj);
    double page = gtk_adjustment_get_page_size(s->adj);
    double lower = gtk_adjustment_get_lower(s->adj);
    double upper = gtk_adjustment_get_upper(s->adj);
    if (s->jumps)
        value = g_rand_double_range(s->rand, lower, MAX(lower, upper - page));
    else
        value = MAX(lower, value - page / 2);
    gtk_adjustment_set_value(s->adj, value);
    if (s->frames_left)
        s->frames_left--;
    return s->frames_left ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean scroll_done(gpointer data)
{
    return ((Scroll *)data)->frames_left == 0;
}

static void run_scroll(GtkWidget *scroll, GtkAdjustment *adj, guint frames, gboolean jumps,
                       const char *what)
{
    Scroll s = {adj, frames, jumps, g_rand_new_with_seed(42)};
    gint64 start = g_get_monotonic_time();
    probing = TRUE;
    gtk_widget_add_tick_callback(scroll, scroll_tick, &s, NULL);
    gboolean done = fake_pump_until(scroll_done, &s, 120000);
    probing = FALSE;
    double secs = (double)(g_get_monotonic_time() - start) / 1e6;
    printf("  %-28s %u frames in %.1f s (%.0f frames/s)%s\n", what, frames - s.frames_left, secs,
           (double)(frames - s.frames_left) / secs, done ? "" : ", stopped at the deadline");
    print_lateness(what);
    g_rand_free(s.rand);
}

int main(int argc, char **argv)
{
    gint64 t0 = g_get_monotonic_time();
    guint messages = argc > 1 ? (guint)strtoul(argv[1], NULL, 10) : 100000;
    guint channels = argc > 2 ? (guint)strtoul(argv[2], NULL, 10) : 20;
    guint log_lines = argc > 3 ? (guint)strtoul(argv[3], NULL, 10) : 2000;
    const guint reload = 100; /* the "reload-lines" default */

    g_autofree char *tmp = g_dir_make_tmp("natter-view-XXXXXX", NULL);
    g_autofree char *logs = g_build_filename(tmp, "logs", NULL);
    write_logs(logs, channels, log_lines);
    gint64 logs_written = g_get_monotonic_time();

    adw_init();
    lateness = g_array_new(FALSE, FALSE, sizeof(gint64));
    fake_start(&fake);
    printf("natter-view: %u messages in one conversation; %u channels with %u logged lines each "
           "(%u reloaded on join)\n",
           messages, channels, log_lines, reload);

    /* start: the window, a client, the channels joined and their logs in */
    gint64 t1 = g_get_monotonic_time();
    NcLogger *logger = nc_logger_new_for_network(logs, BENCH_NETWORK_ID);
    NcClient *client = nc_client_new("127.0.0.1", fake.addr.port, "bench", "Bench", NULL);
    nc_client_set_reconnect(client, FALSE);
    nc_client_set_logger(client, logger, reload);
    NaWindow *window =
        g_object_new(NA_TYPE_WINDOW, "default-width", 1280, "default-height", 800, NULL);
    na_window_add_client(window, client);
    gtk_window_present(GTK_WINDOW(window));
    if (!fake_pump_until((gboolean(*)(gpointer))gtk_widget_get_mapped, window, 10000) ||
        !next_frame(GTK_WIDGET(window))) {
        fprintf(stderr, "natter-view: the window did not appear (no display?)\n");
        return 1;
    }
    gint64 t_mapped = g_get_monotonic_time();
    if (!fake_register(&fake, client, "bench", "PREFIX=(ov)@+ CHANTYPES=# NETWORK=Bench", 5000)) {
        fprintf(stderr, "natter-view: the client did not register\n");
        return 1;
    }
    GString *joins = g_string_new(NULL);
    for (guint i = 0; i < channels; i++)
        g_string_append_printf(joins, ":bench!u@h JOIN #chan%u\r\n", i);
    fake_send_bulk(&fake, joins, 5000);
    g_string_free(joins, TRUE);
    Filled filled = {nc_client_get_network(client), channels, MIN(reload, log_lines)};
    gboolean all_in = fake_pump_until(channels_filled, &filled, 30000);
    next_frame(GTK_WIDGET(window));
    gint64 t_usable = g_get_monotonic_time();
    printf("\nstart (program start = 0; writing the test logs, %.0f ms, left out)\n",
           (double)(logs_written - t0) / 1000.0);
    printf("  GTK and libadwaita set up   %.0f ms\n",
           (double)(t1 - t0 - (logs_written - t0)) / 1000.0);
    printf("  window drawn                %.0f ms\n",
           (double)(t_mapped - t0 - (logs_written - t0)) / 1000.0);
    printf("  %u channels joined, logs in, drawn  %.0f ms%s (the server's replies included)\n",
           channels, (double)(t_usable - t0 - (logs_written - t0)) / 1000.0,
           all_in ? "" : " -- NOT all filled by the deadline");

    /* memory: one conversation of `messages` messages, shown */
    NcNetwork *net = nc_client_get_network(client);
    nc_network_set_scrollback(net, messages + 1000);
    NcBuffer *big = nc_network_ensure_buffer(net, NC_BUFFER_CHANNEL, "#big");
    GListModel *buffers = nc_network_get_buffers(net);
    guint position = 0;
    for (guint i = 0; i < g_list_model_get_n_items(buffers); i++) {
        g_autoptr(NcBuffer) b = g_list_model_get_item(buffers, i);
        if (b == big)
            position = i;
    }
    double rss_before = rss_mib();
    gint64 now = g_get_real_time();
    gint64 fill_start = g_get_monotonic_time();
    for (guint i = 0; i < messages; i++) {
        g_autofree char *text = g_strdup_printf(
            "message %u: a line of ordinary length, as people write them in a channel", i);
        g_autoptr(NcMessage) m =
            nc_message_new(now - (gint64)(messages - i) * G_USEC_PER_SEC, NC_MSG_PRIVMSG,
                           NC_MSG_FLAG_NONE, i % 3 ? "alice" : "bob", text);
        nc_buffer_append(big, m);
    }
    gint64 fill_end = g_get_monotonic_time();
    /* Shown only now: the messages came in while another conversation was
     * on screen, as in a busy channel one comes back to.  (GTK 4.8's list
     * view keeps one tree node per message appended past the rows it
     * shows, and walks them all on every change and scroll: see
     * bench/README.md.) */
    gint64 show_start = g_get_monotonic_time();
    gtk_widget_activate_action(GTK_WIDGET(window), "win.goto-buffer", "i", (int)position + 1);
    next_frame(GTK_WIDGET(window));
    gint64 shown = g_get_monotonic_time();
    fake_pump(200);
    double rss_after = rss_mib();
    guint held = g_list_model_get_n_items(nc_buffer_get_messages(big));
    printf("\nmemory\n  %u messages appended in %.0f ms; %u held; the conversation shown in "
           "%.0f ms\n",
           messages, (double)(fill_end - fill_start) / 1000.0, held,
           (double)(shown - show_start) / 1000.0);
    printf("  RSS %.1f -> %.1f MiB: %.2f MiB per 10,000 messages\n", rss_before, rss_after,
           held ? (rss_after - rss_before) * 10000.0 / held : 0.0);

    /* scroll */
    GtkWidget *scroll = GTK_WIDGET(
        gtk_widget_get_template_child(GTK_WIDGET(window), NA_TYPE_WINDOW, "message_scroll"));
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(GTK_SCROLLED_WINDOW(scroll));
    printf("\nscroll (probe every %d ms)\n", PROBE_MS);
    g_timeout_add(PROBE_MS, probe, NULL);
    probe_due = g_get_monotonic_time() + PROBE_MS * 1000;
    probing = TRUE;
    fake_pump(1000);
    probing = FALSE;
    print_lateness("idle, 1 s");
    run_scroll(scroll, adj, 600, FALSE, "half a page per frame");
    run_scroll(scroll, adj, 300, TRUE, "a random place per frame");

    gtk_window_destroy(GTK_WINDOW(window));
    fake_client_finish(client);
    fake_pump(50);
    nc_logger_free(logger);
    fake_stop(&fake);
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", tmp);
    if (system(rm) != 0)
        fprintf(stderr, "natter-view: could not remove %s\n", tmp);
    g_array_unref(lateness);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* For the end-to-end test: own the display's clipboard with the given
 * text (escapes \n and \t are turned into line ends and tabs) so that
 * Ctrl+V pastes it into natter, as a user's paste from another program
 * would.  Prints "ready" once it owns the clipboard; serves it until
 * killed or for 60 s.  usage: set-clipboard TEXT */
#include <gtk/gtk.h>

static gboolean quit(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        g_printerr("usage: set-clipboard TEXT\n");
        return 2;
    }
    gtk_init();
    g_autofree char *text = g_strcompress(argv[1]);
    GdkClipboard *cb = gdk_display_get_clipboard(gdk_display_get_default());
    gdk_clipboard_set_text(cb, text);
    g_print("ready\n");
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    g_timeout_add_seconds(60, quit, loop);
    g_main_loop_run(loop);
    g_main_loop_unref(loop);
    return 0;
}

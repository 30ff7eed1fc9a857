/* SPDX-License-Identifier: MIT */
#include "app.h"

#include <adwaita.h>

#include <glib/gi18n.h>
#include <locale.h>

/* libadwaita's styles and widgets (natter's application is a plain
 * GtkApplication): once GTK is up, and only in a run that shows windows,
 * so that --version and --help need no display. */
static void on_startup(GApplication *app, gpointer data)
{
    adw_init();
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, NATTER_LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    g_set_application_name("Natter");
    g_autoptr(NaApp) app = na_app_new();
    g_signal_connect(app, "startup", G_CALLBACK(on_startup), NULL);
    return g_application_run(G_APPLICATION(app), argc, argv);
}

/* SPDX-License-Identifier: MIT */
#include "app.h"

#include <glib/gi18n.h>
#include <locale.h>

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, NATTER_LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    g_set_application_name("Natter");
    g_autoptr(NaApp) app = na_app_new();
    return g_application_run(G_APPLICATION(app), argc, argv);
}

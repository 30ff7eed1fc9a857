/* SPDX-License-Identifier: MIT */
#include "whois-card.h"

#include <glib/gi18n.h>

struct _NaWhoisCard {
    GtkBox parent_instance;
    GtkLabel *nick_label;
    GtkLabel *account_label;
    GtkLabel *details_label;
    GtkButton *message_button;
    GtkButton *close_button;
    NcClient *client; /* a reference while shown */
    char *nick;
};

G_DEFINE_TYPE(NaWhoisCard, na_whois_card, GTK_TYPE_BOX)

char *na_whois_card_account_text(NcWhois *whois)
{
    if (!nc_whois_get_found(whois))
        return g_strdup(_("Not on the server now"));
    const char *account = nc_whois_get_account(whois);
    return account ? g_strdup_printf(_("Logged in as the account “%s”"), account)
                   : g_strdup(_("Not logged in to an account"));
}

static void add_line(GString *s, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    g_autofree char *v = g_markup_escape_text(value, -1);
    if (s->len)
        g_string_append_c(s, '\n');
    g_string_append_printf(s, "<span alpha=\"70%%\">%s</span>  %s", label, v);
}

static char *idle_text(gint64 seconds)
{
    if (seconds < 0)
        return NULL;
    if (seconds < 60)
        return g_strdup_printf(ngettext("%u second", "%u seconds", (gulong)seconds),
                               (guint)seconds);
    if (seconds < 3600)
        return g_strdup_printf(ngettext("%u minute", "%u minutes", (gulong)(seconds / 60)),
                               (guint)(seconds / 60));
    return g_strdup_printf(ngettext("%u hour", "%u hours", (gulong)(seconds / 3600)),
                           (guint)(seconds / 3600));
}

void na_whois_card_show(NaWhoisCard *self, NcClient *client, NcWhois *whois)
{
    g_set_object(&self->client, client);
    g_free(self->nick);
    self->nick = g_strdup(nc_whois_get_nick(whois));
    gtk_label_set_text(self->nick_label, self->nick);
    g_autofree char *account = na_whois_card_account_text(whois);
    gtk_label_set_text(self->account_label, account);
    GString *d = g_string_new(NULL);
    g_autofree char *userhost =
        nc_whois_get_user(whois)
            ? g_strdup_printf("%s@%s", nc_whois_get_user(whois), nc_whois_get_host(whois))
            : NULL;
    g_autofree char *idle = idle_text(nc_whois_get_idle(whois));
    add_line(d, _("Real name"), nc_whois_get_realname(whois));
    add_line(d, _("Address"), userhost);
    add_line(d, _("Server"), nc_whois_get_server(whois));
    add_line(d, _("Channels"), nc_whois_get_channels(whois));
    add_line(d, _("Idle"), idle);
    add_line(d, _("Away"), nc_whois_get_away(whois));
    if (nc_whois_get_found(whois))
        add_line(d, _("Connection"),
                 nc_whois_get_secure(whois) ? _("encrypted (TLS)") : _("not encrypted"));
    if (nc_whois_get_operator(whois))
        add_line(d, _("Role"), _("server operator"));
    gtk_label_set_markup(self->details_label, d->str);
    gtk_widget_set_visible(GTK_WIDGET(self->details_label), d->len > 0);
    g_string_free(d, TRUE);
    gtk_widget_set_sensitive(GTK_WIDGET(self->message_button), nc_whois_get_found(whois));
    gtk_widget_set_visible(GTK_WIDGET(self), TRUE);
    g_autofree char *spoken = g_strdup_printf("%s: %s", self->nick, account);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   spoken, -1);
}

void na_whois_card_dismiss(NaWhoisCard *self)
{
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
    g_clear_object(&self->client);
}

static void on_message(GtkButton *b, NaWhoisCard *self)
{
    if (self->client && self->nick) {
        g_autofree char *line = g_strdup_printf("/query %s", self->nick);
        nc_client_send_input(self->client, NULL, line, NULL);
    }
    na_whois_card_dismiss(self);
}

static void on_close(GtkButton *b, NaWhoisCard *self)
{
    na_whois_card_dismiss(self);
}

static void na_whois_card_dispose(GObject *object)
{
    NaWhoisCard *self = NA_WHOIS_CARD(object);
    g_clear_object(&self->client);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_WHOIS_CARD);
    G_OBJECT_CLASS(na_whois_card_parent_class)->dispose(object);
}

static void na_whois_card_finalize(GObject *object)
{
    g_free(NA_WHOIS_CARD(object)->nick);
    G_OBJECT_CLASS(na_whois_card_parent_class)->finalize(object);
}

static void na_whois_card_class_init(NaWhoisCardClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = na_whois_card_dispose;
    G_OBJECT_CLASS(klass)->finalize = na_whois_card_finalize;
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/whois-card.ui");
    gtk_widget_class_bind_template_child(wc, NaWhoisCard, nick_label);
    gtk_widget_class_bind_template_child(wc, NaWhoisCard, account_label);
    gtk_widget_class_bind_template_child(wc, NaWhoisCard, details_label);
    gtk_widget_class_bind_template_child(wc, NaWhoisCard, message_button);
    gtk_widget_class_bind_template_child(wc, NaWhoisCard, close_button);
}

static void na_whois_card_init(NaWhoisCard *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect(self->message_button, "clicked", G_CALLBACK(on_message), self);
    g_signal_connect(self->close_button, "clicked", G_CALLBACK(on_close), self);
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
}

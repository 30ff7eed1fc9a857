/* SPDX-License-Identifier: MIT */
#include "trust-bar.h"

#include <glib/gi18n.h>

struct _NaTrustBar {
    GtkBox parent_instance;
    GtkLabel *headline_label;
    GtkLabel *server_label;
    GtkLabel *advice_label;
    GtkLabel *detail_label;
    GtkLabel *fingerprint_label;
    GtkLabel *error_label;
    GtkButton *trust_button;
    GtkButton *cancel_button;
    NcClient *client; /* a reference while shown */
};

G_DEFINE_TYPE(NaTrustBar, na_trust_bar, GTK_TYPE_BOX)

NcClient *na_trust_bar_get_client(NaTrustBar *self)
{
    return self->client;
}

void na_trust_bar_dismiss(NaTrustBar *self, NcClient *client)
{
    if (client && client != self->client)
        return;
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
    g_clear_object(&self->client);
}

void na_trust_bar_show_client(NaTrustBar *self, NcClient *client)
{
    const NcTlsProblem *p = nc_client_get_tls_problem(client);
    if (!p)
        return;
    g_set_object(&self->client, client);
    g_autofree char *headline = nc_tls_problem_headline(p);
    g_autofree char *advice = nc_tls_problem_advice(p);
    g_autofree char *server = g_strdup_printf(_("Server: %s, port %u"), p->host, (guint)p->port);
    g_autofree char *grouped = nc_fingerprint_format(p->fingerprint);
    g_autofree char *detail =
        *p->detail ? g_strdup_printf(_("The verifier said: %s"), p->detail) : g_strdup("");
    gtk_label_set_text(self->headline_label, headline);
    gtk_label_set_text(self->server_label, server);
    gtk_label_set_text(self->advice_label, advice);
    gtk_label_set_text(self->detail_label, detail);
    gtk_widget_set_visible(GTK_WIDGET(self->detail_label), *detail != '\0');
    gtk_label_set_text(self->fingerprint_label,
                       *grouped ? grouped : _("(the server sent no certificate)"));
    gtk_widget_set_visible(GTK_WIDGET(self->error_label), FALSE);
    /* A certificate without a fingerprint cannot be pinned. */
    gtk_widget_set_sensitive(GTK_WIDGET(self->trust_button), *p->fingerprint != '\0');
    gtk_widget_set_visible(GTK_WIDGET(self), TRUE);
    /* The safe choice has the focus: Return must never trust by accident. */
    gtk_widget_grab_focus(GTK_WIDGET(self->cancel_button));
    g_autofree char *spoken = g_strdup_printf("%s. %s", headline, server);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                   spoken, -1);
}

static void on_trust(GtkButton *b, NaTrustBar *self)
{
    if (!self->client)
        return;
    g_autoptr(NcClient) client = g_object_ref(self->client);
    g_autoptr(GError) error = NULL;
    if (!nc_client_trust_certificate(client, &error)) {
        gtk_label_set_text(self->error_label, error->message);
        gtk_widget_set_visible(GTK_WIDGET(self->error_label), TRUE);
        return;
    }
    na_trust_bar_dismiss(self, client);
}

static void on_cancel(GtkButton *b, NaTrustBar *self)
{
    na_trust_bar_dismiss(self, NULL);
}

static void na_trust_bar_dispose(GObject *object)
{
    NaTrustBar *self = NA_TRUST_BAR(object);
    g_clear_object(&self->client);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_TRUST_BAR);
    G_OBJECT_CLASS(na_trust_bar_parent_class)->dispose(object);
}

static void na_trust_bar_class_init(NaTrustBarClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = na_trust_bar_dispose;
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/trust-bar.ui");
    gtk_widget_class_bind_template_child(wc, NaTrustBar, headline_label);
    gtk_widget_class_bind_template_child(wc, NaTrustBar, server_label);
    gtk_widget_class_bind_template_child(wc, NaTrustBar, advice_label);
    gtk_widget_class_bind_template_child(wc, NaTrustBar, detail_label);
    gtk_widget_class_bind_template_child(wc, NaTrustBar, fingerprint_label);
    gtk_widget_class_bind_template_child(wc, NaTrustBar, error_label);
    gtk_widget_class_bind_template_child(wc, NaTrustBar, trust_button);
    gtk_widget_class_bind_template_child(wc, NaTrustBar, cancel_button);
    gtk_widget_class_set_accessible_role(wc, GTK_ACCESSIBLE_ROLE_ALERT);
}

static void na_trust_bar_init(NaTrustBar *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect(self->trust_button, "clicked", G_CALLBACK(on_trust), self);
    g_signal_connect(self->cancel_button, "clicked", G_CALLBACK(on_cancel), self);
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
}

/* SPDX-License-Identifier: MIT */
#include "connect-dialog.h"

#include <glib/gi18n.h>
#include <natter/addr.h>
#include <string.h>

struct _NaConnectDialog {
    GtkWindow parent_instance;
    NaApp *app;
    GtkButton *cancel_button;
    GtkButton *connect_button;
    GtkButton *host_button;
    GtkCheckButton *share_check;
    GtkLabel *lan_heading;
    GtkListBox *lan_list;
    GtkEntry *server_entry;
    GtkSpinButton *port_spin;
    GtkCheckButton *tls_check;
    GtkEntry *nick_entry;
    GtkEntry *realname_entry;
    GtkPasswordEntry *password_entry;
    GtkEntry *channels_entry;
};

G_DEFINE_TYPE(NaConnectDialog, na_connect_dialog, GTK_TYPE_WINDOW)

static const char *text_of(gpointer editable)
{
    return gtk_editable_get_text(GTK_EDITABLE(editable));
}

static char **channel_list(NaConnectDialog *self)
{
    g_auto(GStrv) parts = g_strsplit_set(text_of(self->channels_entry), " ,", -1);
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; parts[i]; i++)
        if (*parts[i])
            g_ptr_array_add(out, parts[i][0] == '#' || parts[i][0] == '&'
                                     ? g_strdup(parts[i])
                                     : g_strconcat("#", parts[i], NULL));
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

static void on_connect(GtkButton *b, NaConnectDialog *self)
{
    char host[256];
    guint16 port = (guint16)gtk_spin_button_get_value_as_int(self->port_spin);
    /* "host:port" in the server field wins over the port field. */
    if (nt_addr_split(text_of(self->server_entry), host, sizeof host, &port, port) != 0 || !*host) {
        gtk_widget_add_css_class(GTK_WIDGET(self->server_entry), "error");
        gtk_widget_grab_focus(GTK_WIDGET(self->server_entry));
        return;
    }
    g_auto(GStrv) channels = channel_list(self);
    gboolean tls = gtk_check_button_get_active(self->tls_check);
    na_app_remember(self->app, host, port, tls, text_of(self->nick_entry),
                    text_of(self->realname_entry), text_of(self->password_entry),
                    (const char *const *)channels, FALSE);
    na_app_connect(self->app, host, port, tls, text_of(self->nick_entry),
                   text_of(self->realname_entry), text_of(self->password_entry),
                   (const char *const *)channels);
    gtk_window_destroy(GTK_WINDOW(self));
}

/* The port follows the TLS switch while it is one of the two usual ones;
 * a port the user typed stays. */
static void on_tls_toggled(GtkCheckButton *check, NaConnectDialog *self)
{
    gboolean tls = gtk_check_button_get_active(check);
    int port = gtk_spin_button_get_value_as_int(self->port_spin);
    if (port == nc_default_port(!tls))
        gtk_spin_button_set_value(self->port_spin, nc_default_port(tls));
}

/* Each server brings back its own TLS choice (or the default for it). */
static void on_server_changed(GtkEditable *e, NaConnectDialog *self)
{
    char host[256];
    guint16 port = 0;
    gtk_widget_remove_css_class(GTK_WIDGET(self->server_entry), "error");
    if (nt_addr_split(text_of(self->server_entry), host, sizeof host, &port, 0) != 0 || !*host)
        return;
    gtk_check_button_set_active(self->tls_check, na_app_tls_for(self->app, host));
}

static void on_host(GtkButton *b, NaConnectDialog *self)
{
    g_auto(GStrv) channels = channel_list(self);
    na_app_remember(self->app, text_of(self->server_entry),
                    (guint16)gtk_spin_button_get_value_as_int(self->port_spin),
                    gtk_check_button_get_active(self->tls_check), text_of(self->nick_entry),
                    text_of(self->realname_entry), text_of(self->password_entry),
                    (const char *const *)channels, TRUE);
    GSettings *s = na_app_get_settings(self->app);
    if (s)
        g_settings_set_boolean(s, "share-on-lan", gtk_check_button_get_active(self->share_check));
    na_app_host_local(self->app, gtk_check_button_get_active(self->share_check));
    gtk_window_destroy(GTK_WINDOW(self));
}

static void on_cancel(GtkButton *b, NaConnectDialog *self)
{
    gtk_window_destroy(GTK_WINDOW(self));
}

static void on_lan_join(GtkButton *b, NaConnectDialog *self)
{
    NcHostedChat *chat = g_object_get_data(G_OBJECT(b), "chat");
    if (!*text_of(self->channels_entry))
        gtk_editable_set_text(GTK_EDITABLE(self->channels_entry), "#natter");
    g_auto(GStrv) channels = channel_list(self);
    /* The nick and channels are remembered; the LAN chat is not the
     * "last server" (it is gone when its host closes natter). */
    GSettings *s = na_app_get_settings(self->app);
    if (s) {
        g_settings_set_string(s, "nick", text_of(self->nick_entry));
        g_settings_set_strv(s, "channels", (const char *const *)channels);
    }
    na_app_join_hosted(self->app, chat, text_of(self->nick_entry), text_of(self->realname_entry),
                       (const char *const *)channels);
    gtk_window_destroy(GTK_WINDOW(self));
}

static GtkWidget *lan_row(gpointer item, gpointer data)
{
    NaConnectDialog *self = data;
    NcHostedChat *chat = item;
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    gtk_widget_set_margin_start(box, 12);
    gtk_widget_set_margin_end(box, 6);
    gtk_widget_set_margin_top(box, 6);
    gtk_widget_set_margin_bottom(box, 6);
    gboolean tls = nc_hosted_chat_get_fingerprint(chat) != NULL;
    g_autofree char *text = g_strdup_printf(
        "%s  (%s:%u%s)", nc_hosted_chat_get_name(chat), nc_hosted_chat_get_host(chat),
        (guint)nc_hosted_chat_get_port(chat), tls ? _(", encrypted") : _(", not encrypted"));
    GtkWidget *icon =
        gtk_image_new_from_icon_name(tls ? "channel-secure-symbolic" : "channel-insecure-symbolic");
    gtk_accessible_update_property(GTK_ACCESSIBLE(icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   tls ? _("Encrypted") : _("Not encrypted"), -1);
    gtk_box_append(GTK_BOX(box), icon);
    GtkWidget *label = gtk_label_new(text);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_widget_set_hexpand(label, TRUE);
    GtkWidget *join = gtk_button_new_with_mnemonic(_("_Join"));
    g_object_set_data_full(G_OBJECT(join), "chat", g_object_ref(chat), g_object_unref);
    g_signal_connect(join, "clicked", G_CALLBACK(on_lan_join), self);
    gtk_box_append(GTK_BOX(box), label);
    gtk_box_append(GTK_BOX(box), join);
    return box;
}

static void on_lan_changed(GListModel *m, guint pos, guint removed, guint added,
                           NaConnectDialog *self)
{
    gboolean any = g_list_model_get_n_items(m) > 0;
    gtk_widget_set_visible(GTK_WIDGET(self->lan_list), any);
    gtk_widget_set_visible(GTK_WIDGET(self->lan_heading), any);
}

static void na_connect_dialog_dispose(GObject *object)
{
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_CONNECT_DIALOG);
    G_OBJECT_CLASS(na_connect_dialog_parent_class)->dispose(object);
}

static void na_connect_dialog_class_init(NaConnectDialogClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = na_connect_dialog_dispose;
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/connect-dialog.ui");
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, cancel_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, connect_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, host_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, share_check);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, lan_heading);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, lan_list);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, server_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, port_spin);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, tls_check);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, nick_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, realname_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, password_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, channels_entry);
}

static void na_connect_dialog_init(NaConnectDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect(self->connect_button, "clicked", G_CALLBACK(on_connect), self);
    g_signal_connect(self->host_button, "clicked", G_CALLBACK(on_host), self);
    g_signal_connect(self->cancel_button, "clicked", G_CALLBACK(on_cancel), self);
    g_signal_connect_swapped(self->server_entry, "activate", G_CALLBACK(on_connect), self);
    g_signal_connect(self->tls_check, "toggled", G_CALLBACK(on_tls_toggled), self);
}

NaConnectDialog *na_connect_dialog_new(NaApp *app, GtkWindow *parent)
{
    NaConnectDialog *self =
        g_object_new(NA_TYPE_CONNECT_DIALOG, "transient-for", parent, "application", app, NULL);
    self->app = app;
    GSettings *s = na_app_get_settings(app);
    if (s) {
        g_autofree char *server = g_settings_get_string(s, "server");
        g_autofree char *nick = g_settings_get_string(s, "nick");
        g_autofree char *realname = g_settings_get_string(s, "realname");
        g_autofree char *password = g_settings_get_string(s, "password");
        g_auto(GStrv) channels = g_settings_get_strv(s, "channels");
        g_autofree char *chan_text = g_strjoinv(" ", channels);
        gtk_editable_set_text(GTK_EDITABLE(self->server_entry), server);
        gtk_check_button_set_active(self->tls_check, na_app_tls_for(app, server));
        /* Never connected: the usual port for the switch's position. */
        gtk_spin_button_set_value(self->port_spin,
                                  *server ? g_settings_get_int(s, "port")
                                          : nc_default_port(na_app_tls_for(app, server)));
        gtk_editable_set_text(GTK_EDITABLE(self->nick_entry), *nick ? nick : g_get_user_name());
        gtk_editable_set_text(GTK_EDITABLE(self->realname_entry),
                              *realname ? realname : g_get_real_name());
        gtk_editable_set_text(GTK_EDITABLE(self->password_entry), password);
        gtk_editable_set_text(GTK_EDITABLE(self->channels_entry), chan_text);
        gtk_check_button_set_active(self->share_check, g_settings_get_boolean(s, "share-on-lan"));
    } else {
        gtk_editable_set_text(GTK_EDITABLE(self->nick_entry), g_get_user_name());
        gtk_check_button_set_active(self->tls_check, TRUE);
        gtk_spin_button_set_value(self->port_spin, nc_default_port(TRUE));
    }
    /* Connected after the fields are filled: filling them is not a choice. */
    g_signal_connect(self->server_entry, "changed", G_CALLBACK(on_server_changed), self);
    NcDiscovery *d = na_app_get_discovery(app);
    if (d) {
        GListModel *chats = nc_discovery_get_chats(d);
        gtk_list_box_bind_model(self->lan_list, chats, lan_row, self, NULL);
        g_signal_connect_object(chats, "items-changed", G_CALLBACK(on_lan_changed), self, 0);
        on_lan_changed(chats, 0, 0, 0, self);
    } else {
        gtk_widget_set_visible(GTK_WIDGET(self->lan_list), FALSE);
        gtk_widget_set_visible(GTK_WIDGET(self->lan_heading), FALSE);
    }
    gtk_window_set_default_widget(GTK_WINDOW(self), GTK_WIDGET(self->connect_button));
    return self;
}

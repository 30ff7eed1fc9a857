/* SPDX-License-Identifier: MIT */
#include "connect-dialog.h"

#include "keyring.h"

#include <glib/gi18n.h>
#include <natter/addr.h>
#include <string.h>

/* The method drop-down's rows, in the .ui's order. */
static const NcSaslMechanism methods[] = {NC_SASL_AUTO, NC_SASL_PLAIN, NC_SASL_SCRAM_SHA_256,
                                          NC_SASL_EXTERNAL};

struct _NaConnectDialog {
    GtkWindow parent_instance;
    NaApp *app;
    GtkButton *cancel_button;
    GtkButton *connect_button;
    GtkButton *host_button;
    GtkCheckButton *share_check;
    GtkLabel *lan_heading;
    GtkListBox *lan_list;
    GtkWidget *networks_scroller;
    GtkListBox *networks_list;
    GtkButton *new_button;
    GtkButton *remove_button;
    GtkButton *up_button;
    GtkButton *down_button;
    GtkButton *save_button;
    GtkEntry *name_entry;
    GtkCheckButton *autoconnect_check;
    GtkEntry *server_entry;
    GtkSpinButton *port_spin;
    GtkCheckButton *tls_check;
    GtkEntry *other_servers_entry;
    GtkLabel *other_servers_error;
    GtkEntry *nick_entry;
    GtkEntry *realname_entry;
    GtkPasswordEntry *password_entry;
    GtkEntry *channels_entry;
    GtkCheckButton *login_check;
    GtkWidget *account_label;
    GtkEntry *account_entry;
    GtkWidget *account_password_label;
    GtkPasswordEntry *account_password_entry;
    GtkWidget *mechanism_label;
    GtkDropDown *mechanism_drop;
    GtkWidget *cert_label;
    GtkButton *cert_button;
    GtkWidget *key_label;
    GtkButton *key_button;
    GtkCheckButton *create_check;
    GtkLabel *login_hint;

    NcNetworkList *networks;
    char *network_id;   /* the saved network the form shows, or NULL for a new one */
    gboolean selecting; /* the list's selection changes because of us */
    char *cert_file;    /* chosen, or NULL */
    char *key_file;
    char *filled_host;     /* the server whose saved values are shown */
    guint fill_source;     /* typing a server name: fill once it pauses */
    GCancellable *lookups; /* keyring lookups for filled_host */
    gboolean filling;      /* the fields change because of us, not the user */
    gboolean password_typed;
    gboolean account_password_typed;
    gboolean password_pending; /* the server password's lookup has not answered */
};

G_DEFINE_TYPE(NaConnectDialog, na_connect_dialog, GTK_TYPE_WINDOW)

static const char *text_of(gpointer editable)
{
    return gtk_editable_get_text(GTK_EDITABLE(editable));
}

static void set_text(NaConnectDialog *self, gpointer editable, const char *text)
{
    self->filling = TRUE;
    gtk_editable_set_text(GTK_EDITABLE(editable), text ? text : "");
    self->filling = FALSE;
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

static NcSaslMechanism chosen_method(NaConnectDialog *self)
{
    guint i = gtk_drop_down_get_selected(self->mechanism_drop);
    return i < G_N_ELEMENTS(methods) ? methods[i] : NC_SASL_AUTO;
}

static void choose_method(NaConnectDialog *self, NcSaslMechanism m)
{
    for (guint i = 0; i < G_N_ELEMENTS(methods); i++)
        if (methods[i] == m)
            gtk_drop_down_set_selected(self->mechanism_drop, i);
}

/* ---- the account rows ----------------------------------------------- */

static void show_file(GtkButton *button, const char *path, const char *none)
{
    g_autofree char *base = path ? g_path_get_basename(path) : NULL;
    gtk_button_set_label(button, base ? base : none);
    gtk_widget_set_tooltip_text(GTK_WIDGET(button), path);
}

static void update_login_rows(NaConnectDialog *self)
{
    gboolean on = gtk_check_button_get_active(self->login_check);
    NcSaslMechanism m = chosen_method(self);
    gboolean cert = on && m == NC_SASL_EXTERNAL;
    gboolean password = on && m != NC_SASL_EXTERNAL;
    gboolean create = on && gtk_check_button_get_active(self->create_check);
    gtk_widget_set_visible(self->account_label, on);
    gtk_widget_set_visible(GTK_WIDGET(self->account_entry), on);
    gtk_widget_set_visible(self->account_password_label, password);
    gtk_widget_set_visible(GTK_WIDGET(self->account_password_entry), password);
    gtk_widget_set_visible(self->mechanism_label, on);
    gtk_widget_set_visible(GTK_WIDGET(self->mechanism_drop), on);
    gtk_widget_set_visible(self->cert_label, cert);
    gtk_widget_set_visible(GTK_WIDGET(self->cert_button), cert);
    gtk_widget_set_visible(self->key_label, cert);
    gtk_widget_set_visible(GTK_WIDGET(self->key_button), cert);
    gtk_widget_set_visible(GTK_WIDGET(self->create_check), password);
    gtk_widget_set_visible(GTK_WIDGET(self->login_hint), on);
    gtk_label_set_text(
        self->login_hint,
        create ? _("natter asks the server to create the account (no email involved) and logs in "
                   "to it; the password is kept in your keyring.")
        : cert ? _("The server must know the certificate's fingerprint for your account. It is "
                   "sent over TLS only.")
               : _("If the login fails, natter says why and does not connect without it. The "
                   "password is kept in your keyring."));
    show_file(self->cert_button, self->cert_file, _("Choose a PEM File…"));
    show_file(self->key_button, self->key_file, _("In the Certificate File"));
}

static void on_login_changed(GObject *o, GParamSpec *p, NaConnectDialog *self)
{
    update_login_rows(self);
}

static void on_file_chosen(GtkNativeDialog *chooser, int response, NaConnectDialog *self)
{
    gboolean is_key = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(chooser), "is-key"));
    if (response == GTK_RESPONSE_ACCEPT) {
        g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(chooser));
        char **slot = is_key ? &self->key_file : &self->cert_file;
        g_free(*slot);
        *slot = file ? g_file_get_path(file) : NULL;
        update_login_rows(self);
    }
    g_object_unref(chooser);
}

static void choose_file(NaConnectDialog *self, gboolean is_key)
{
    GtkFileChooserNative *chooser = gtk_file_chooser_native_new(
        is_key ? _("Private Key of the Certificate") : _("Client Certificate"), GTK_WINDOW(self),
        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(chooser), TRUE);
    g_object_set_data(G_OBJECT(chooser), "is-key", GINT_TO_POINTER(is_key));
    g_signal_connect(chooser, "response", G_CALLBACK(on_file_chosen), self);
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static void on_cert_clicked(GtkButton *b, NaConnectDialog *self)
{
    choose_file(self, FALSE);
}

static void on_key_clicked(GtkButton *b, NaConnectDialog *self)
{
    choose_file(self, TRUE);
}

/* ---- the values saved for a server ---------------------------------- */

/* The dialog may be gone when a lookup answers: its cancellable (given
 * to the lookup, cancelled in dispose) says so before self is touched. */
static void password_found(GAsyncResult *res, NaConnectDialog *self, gboolean account)
{
    g_autoptr(GError) error = NULL;
    char *password = nc_keyring_lookup_finish(res, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        nc_keyring_free(password);
        return;
    }
    if (error)
        g_warning("cannot read a password from the keyring: %s", error->message);
    if (!account)
        self->password_pending = FALSE;
    /* What the user typed meanwhile wins. */
    if (!(account ? self->account_password_typed : self->password_typed))
        set_text(self, account ? self->account_password_entry : self->password_entry, password);
    nc_keyring_free(password);
}

static void on_server_password(GObject *source, GAsyncResult *res, gpointer data)
{
    password_found(res, data, FALSE);
}

static void on_account_password(GObject *source, GAsyncResult *res, gpointer data)
{
    password_found(res, data, TRUE);
}

static void look_up_account_password(NaConnectDialog *self)
{
    const char *account = text_of(self->account_entry);
    if (!self->filled_host || !*account || self->account_password_typed)
        return;
    nc_keyring_lookup(NC_SECRET_ACCOUNT, self->filled_host, account, self->lookups,
                      on_account_password, self);
}

/* Show a saved TLS choice and login for host, and its passwords from the
 * keyring (which arrive a moment later). */
static void fill_saved(NaConnectDialog *self, const char *host, gboolean tls,
                       const NaSavedLogin *login, gboolean saved)
{
    g_autofree char *key = g_ascii_strdown(host, -1);
    g_cancellable_cancel(self->lookups);
    g_clear_object(&self->lookups);
    self->lookups = g_cancellable_new();
    g_free(self->filled_host);
    self->filled_host = g_steal_pointer(&key);
    self->password_typed = FALSE;
    self->account_password_typed = FALSE;

    gtk_check_button_set_active(self->tls_check, tls);
    self->filling = TRUE;
    gtk_check_button_set_active(self->login_check, saved);
    gtk_editable_set_text(GTK_EDITABLE(self->account_entry), login->account);
    choose_method(self, saved ? login->mechanism : NC_SASL_AUTO);
    g_free(self->cert_file);
    g_free(self->key_file);
    self->cert_file = *login->cert_file ? g_strdup(login->cert_file) : NULL;
    self->key_file = *login->key_file ? g_strdup(login->key_file) : NULL;
    gtk_check_button_set_active(self->create_check, FALSE);
    gtk_editable_set_text(GTK_EDITABLE(self->password_entry), "");
    gtk_editable_set_text(GTK_EDITABLE(self->account_password_entry), "");
    self->filling = FALSE;
    update_login_rows(self);
    self->password_pending = TRUE;
    nc_keyring_lookup(NC_SECRET_SERVER, self->filled_host, NULL, self->lookups, on_server_password,
                      self);
    look_up_account_password(self);
}

/* What was remembered for a host typed in (not a saved network's). */
static void fill_for_host(NaConnectDialog *self, const char *host)
{
    g_autofree char *key = g_ascii_strdown(host, -1);
    if (self->filled_host && strcmp(self->filled_host, key) == 0)
        return;
    NaSavedLogin login;
    gboolean saved = na_app_saved_login(self->app, host, &login);
    fill_saved(self, host, na_app_tls_for(self->app, host), &login, saved);
    na_saved_login_clear(&login);
}

static gboolean fill_due(gpointer data)
{
    NaConnectDialog *self = data;
    self->fill_source = 0;
    char host[256];
    guint16 port = 0;
    if (nt_addr_split(text_of(self->server_entry), host, sizeof host, &port, 0) == 0 && *host)
        fill_for_host(self, host);
    return G_SOURCE_REMOVE;
}

/* Each server brings back its own TLS choice, login and passwords, once
 * the typing pauses (not one keyring call per key press). */
static void on_server_changed(GtkEditable *e, NaConnectDialog *self)
{
    gtk_widget_remove_css_class(GTK_WIDGET(self->server_entry), "error");
    g_clear_handle_id(&self->fill_source, g_source_remove);
    self->fill_source = g_timeout_add(300, fill_due, self);
}

static void on_account_changed(GtkEditable *e, NaConnectDialog *self)
{
    gtk_widget_remove_css_class(GTK_WIDGET(self->account_entry), "error");
    if (!self->filling)
        look_up_account_password(self);
}

static void on_password_typed(GtkEditable *e, NaConnectDialog *self)
{
    if (self->filling)
        return;
    gtk_widget_remove_css_class(GTK_WIDGET(e), "error");
    if (GTK_PASSWORD_ENTRY(e) == self->account_password_entry) {
        self->account_password_typed = TRUE;
    } else {
        self->password_typed = TRUE;
        self->password_pending = FALSE;
    }
}

/* ---- buttons -------------------------------------------------------- */

static gboolean refuse(GtkWidget *w)
{
    gtk_widget_add_css_class(w, "error");
    gtk_widget_grab_focus(w);
    return FALSE;
}

/* The account fields, checked: FALSE (with the field marked) when the
 * login cannot work as filled in. */
static gboolean login_params(NaConnectDialog *self, NaConnectParams *p)
{
    if (!gtk_check_button_get_active(self->login_check))
        return TRUE;
    p->mechanism = chosen_method(self);
    p->account = text_of(self->account_entry);
    if (p->mechanism == NC_SASL_EXTERNAL) {
        if (!self->cert_file)
            return refuse(GTK_WIDGET(self->cert_button));
        p->cert_file = self->cert_file;
        p->key_file = self->key_file;
        return TRUE;
    }
    p->account_password = text_of(self->account_password_entry);
    p->create_account = gtk_check_button_get_active(self->create_check);
    if (!*p->account)
        return refuse(GTK_WIDGET(self->account_entry));
    if (!*p->account_password)
        return refuse(GTK_WIDGET(self->account_password_entry));
    return TRUE;
}

/* The saved network the form makes: the chosen one with the form's
 * values (same ID), or a new one. */
static NcNetworkConfig *form_network(NaConnectDialog *self, const NaConnectParams *p,
                                     GArray *others)
{
    NcNetworkConfig *stored =
        self->network_id ? nc_network_list_find(self->networks, self->network_id) : NULL;
    NcNetworkConfig *n = stored ? nc_network_config_copy(stored) : nc_network_config_new();
    nc_network_config_set_first_server(n, p->host, p->port, p->tls);
    nc_network_config_set_other_servers(n, (const NcServerAddress *)(gpointer)others->data,
                                        others->len);
    nc_network_config_set_nick(n, p->nick);
    nc_network_config_set_realname(n, p->realname);
    nc_network_config_set_channels(n, p->channels);
    nc_network_config_set_login(n, p->account, p->mechanism, p->cert_file, p->key_file);
    nc_network_config_set_connect_on_start(n, gtk_check_button_get_active(self->autoconnect_check));
    /* The name shown as it was stays the server's (which may rename it);
     * a name typed in is the user's. */
    const char *name = text_of(self->name_entry);
    if (!*name)
        nc_network_config_set_name(n, NULL, FALSE);
    else if (nc_network_config_get_name_by_user(n) ||
             strcmp(name, nc_network_config_get_name(n)) != 0)
        nc_network_config_set_name(n, name, TRUE);
    return n;
}

/* The backup servers field, checked against the main server: FALSE
 * (with why under the field) when it cannot be saved as typed, rather
 * than dropping what was meant. */
static gboolean read_other_servers(NaConnectDialog *self, const char *host, guint16 port,
                                   gboolean tls, GArray **servers)
{
    g_autoptr(GError) error = NULL;
    NcServerAddress first = {(char *)host, port, tls};
    if (nc_server_list_parse(text_of(self->other_servers_entry), tls, &first, servers, &error))
        return TRUE;
    gtk_label_set_text(self->other_servers_error, error->message);
    gtk_widget_set_visible(GTK_WIDGET(self->other_servers_error), TRUE);
    return refuse(GTK_WIDGET(self->other_servers_entry));
}

static void on_other_servers_changed(GtkEditable *e, NaConnectDialog *self)
{
    gtk_widget_remove_css_class(GTK_WIDGET(e), "error");
    gtk_widget_set_visible(GTK_WIDGET(self->other_servers_error), FALSE);
}

/* The form, checked, as a connection and the network it is for. */
typedef struct {
    char host[256];
    char **channels;
    GArray *other_servers; /* NcServerAddress, after the first */
    NaConnectParams params;
    NcNetworkConfig *network;
} Form;

static void form_clear(Form *f)
{
    g_strfreev(f->channels);
    g_clear_pointer(&f->other_servers, g_array_unref);
    g_clear_object(&f->network);
}

/* FALSE (with the field marked) when the form cannot be used as it is. */
static gboolean read_form(NaConnectDialog *self, Form *f)
{
    guint16 port = (guint16)gtk_spin_button_get_value_as_int(self->port_spin);
    /* "host:port" in the server field wins over the port field. */
    if (nt_addr_split(text_of(self->server_entry), f->host, sizeof f->host, &port, port) != 0 ||
        !*f->host)
        return refuse(GTK_WIDGET(self->server_entry));
    gboolean tls = gtk_check_button_get_active(self->tls_check);
    if (!read_other_servers(self, f->host, port, tls, &f->other_servers))
        return FALSE;
    f->channels = channel_list(self);
    f->params = (NaConnectParams){
        .host = f->host,
        .port = port,
        .tls = tls,
        .nick = text_of(self->nick_entry),
        .realname = text_of(self->realname_entry),
        /* Not answered yet (the keyring is slow, or asks to be unlocked):
         * an empty field must not erase the password kept there. */
        .password = self->password_pending ? NULL : text_of(self->password_entry),
        .channels = (const char *const *)f->channels,
        .mechanism = NC_SASL_NONE,
    };
    if (!login_params(self, &f->params))
        return FALSE;
    f->network = form_network(self, &f->params, f->other_servers);
    f->params.network = f->network;
    return TRUE;
}

static void on_connect(GtkButton *b, NaConnectDialog *self)
{
    Form f = {0};
    /* Saved (network, settings, keyring) only if the server accepts it. */
    if (read_form(self, &f)) {
        na_app_connect_remembering(self->app, &f.params);
        gtk_window_destroy(GTK_WINDOW(self));
    }
    form_clear(&f);
}

static void select_network(NaConnectDialog *self, const char *id);

/* An explicit edit: saved at once, without connecting. */
static void on_save(GtkButton *b, NaConnectDialog *self)
{
    Form f = {0};
    if (read_form(self, &f)) {
        if (!nc_network_list_update(self->networks, f.network))
            nc_network_list_add(self->networks, f.network);
        g_free(self->network_id);
        self->network_id = g_strdup(nc_network_config_get_id(f.network));
        na_app_remember(self->app, &f.params, FALSE);
        select_network(self, self->network_id);
    }
    form_clear(&f);
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

static void on_host(GtkButton *b, NaConnectDialog *self)
{
    g_auto(GStrv) channels = channel_list(self);
    NaConnectParams p = {
        .host = text_of(self->server_entry),
        .port = (guint16)gtk_spin_button_get_value_as_int(self->port_spin),
        .tls = gtk_check_button_get_active(self->tls_check),
        .nick = text_of(self->nick_entry),
        .realname = text_of(self->realname_entry),
        .channels = (const char *const *)channels,
    };
    na_app_remember(self->app, &p, TRUE);
    GSettings *s = na_app_get_settings(self->app);
    if (s)
        g_settings_set_boolean(s, "share-on-lan", gtk_check_button_get_active(self->share_check));
    na_app_host_local(self->app, gtk_check_button_get_active(self->share_check));
    gtk_window_destroy(GTK_WINDOW(self));
}

/* ---- saved networks ------------------------------------------------- */

static char *default_nick(NaConnectDialog *self)
{
    GSettings *s = na_app_get_settings(self->app);
    g_autofree char *nick = s ? g_settings_get_string(s, "nick") : NULL;
    return g_strdup(nick && *nick ? nick : g_get_user_name());
}

static GtkWidget *network_row(gpointer item, gpointer data)
{
    NcNetworkConfig *n = item;
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_widget_set_margin_start(box, 12);
    gtk_widget_set_margin_end(box, 12);
    gtk_widget_set_margin_top(box, 6);
    gtk_widget_set_margin_bottom(box, 6);
    GtkWidget *title = gtk_label_new(nc_network_config_get_display_name(n));
    gtk_label_set_xalign(GTK_LABEL(title), 0);
    gtk_label_set_ellipsize(GTK_LABEL(title), PANGO_ELLIPSIZE_END);
    const NcServerAddress *s = nc_network_config_get_server(n, 0);
    guint backups = s ? nc_network_config_get_n_servers(n) - 1 : 0;
    g_autofree char *more =
        backups ? g_strdup_printf(ngettext(", %u backup server", ", %u backup servers", backups),
                                  backups)
                : g_strdup("");
    g_autofree char *where =
        s ? g_strdup_printf(
                "%s:%u%s%s%s", s->host, (guint)(s->port ? s->port : nc_default_port(s->tls)),
                s->tls ? "" : _(", not encrypted"), more,
                nc_network_config_get_connect_on_start(n) ? _(", connects on start") : "")
          : g_strdup("");
    GtkWidget *subtitle = gtk_label_new(where);
    gtk_label_set_xalign(GTK_LABEL(subtitle), 0);
    gtk_label_set_ellipsize(GTK_LABEL(subtitle), PANGO_ELLIPSIZE_END);
    gtk_widget_add_css_class(subtitle, "dim-label");
    gtk_widget_add_css_class(subtitle, "caption");
    gtk_box_append(GTK_BOX(box), title);
    gtk_box_append(GTK_BOX(box), subtitle);
    return box;
}

static void update_network_buttons(NaConnectDialog *self)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->networks));
    guint i = nc_network_list_find_position(self->networks, self->network_id);
    gtk_widget_set_visible(self->networks_scroller, n > 0);
    gtk_widget_set_sensitive(GTK_WIDGET(self->remove_button), i != G_MAXUINT);
    gtk_widget_set_sensitive(GTK_WIDGET(self->up_button), i != G_MAXUINT && i > 0);
    gtk_widget_set_sensitive(GTK_WIDGET(self->down_button), i != G_MAXUINT && i + 1 < n);
}

/* The row of network id chosen in the list (none for NULL or a network
 * not saved), without filling the form again. */
static void select_network(NaConnectDialog *self, const char *id)
{
    guint i = nc_network_list_find_position(self->networks, id);
    GtkListBoxRow *row =
        i == G_MAXUINT ? NULL : gtk_list_box_get_row_at_index(self->networks_list, (int)i);
    self->selecting = TRUE;
    if (row)
        gtk_list_box_select_row(self->networks_list, row);
    else
        gtk_list_box_unselect_all(self->networks_list);
    self->selecting = FALSE;
    update_network_buttons(self);
}

/* Every server of n after the first, as the backup servers field reads
 * them under the first one's TLS choice (the switch shows it). */
static void show_other_servers(NaConnectDialog *self, NcNetworkConfig *n)
{
    guint count = nc_network_config_get_n_servers(n);
    const NcServerAddress *first = nc_network_config_get_server(n, 0);
    g_autofree char *text =
        count > 1 ? nc_server_list_format(nc_network_config_get_server(n, 1), count - 1, first->tls)
                  : g_strdup("");
    set_text(self, self->other_servers_entry, text);
    on_other_servers_changed(GTK_EDITABLE(self->other_servers_entry), self);
}

/* The form shows a saved network's values; its passwords come from the
 * keyring a moment later. */
static void show_network(NaConnectDialog *self, NcNetworkConfig *n)
{
    g_free(self->network_id);
    self->network_id = g_strdup(nc_network_config_get_id(n));
    const NcServerAddress *s = nc_network_config_get_server(n, 0);
    set_text(self, self->name_entry, nc_network_config_get_name(n));
    gtk_entry_set_placeholder_text(self->name_entry, s ? s->host : NULL);
    set_text(self, self->server_entry, s ? s->host : "");
    show_other_servers(self, n);
    g_autofree char *nick = default_nick(self);
    const char *saved_nick = nc_network_config_get_nick(n);
    set_text(self, self->nick_entry, *saved_nick ? saved_nick : nick);
    set_text(self, self->realname_entry, nc_network_config_get_realname(n));
    g_autofree char *channels = g_strjoinv(" ", (char **)nc_network_config_get_channels(n));
    set_text(self, self->channels_entry, channels);
    gtk_check_button_set_active(self->autoconnect_check, nc_network_config_get_connect_on_start(n));
    if (s) {
        NcSaslMechanism m = nc_network_config_get_mechanism(n);
        NaSavedLogin login = {
            .account = g_strdup(nc_network_config_get_account(n)),
            .mechanism = m,
            .cert_file = g_strdup(nc_network_config_get_cert_file(n)),
            .key_file = g_strdup(nc_network_config_get_key_file(n)),
        };
        fill_saved(self, s->host, s->tls, &login, m != NC_SASL_NONE);
        na_saved_login_clear(&login);
        gtk_spin_button_set_value(self->port_spin, s->port ? s->port : nc_default_port(s->tls));
    }
    select_network(self, self->network_id);
}

static void on_network_selected(GtkListBox *box, GtkListBoxRow *row, NaConnectDialog *self)
{
    if (self->selecting || !row)
        return;
    g_autoptr(NcNetworkConfig) n =
        g_list_model_get_item(G_LIST_MODEL(self->networks), (guint)gtk_list_box_row_get_index(row));
    if (n)
        show_network(self, n);
}

/* An empty form for a network not saved yet. */
static void on_new(GtkButton *b, NaConnectDialog *self)
{
    g_clear_pointer(&self->network_id, g_free);
    select_network(self, NULL);
    g_cancellable_cancel(self->lookups);
    g_clear_object(&self->lookups);
    self->lookups = g_cancellable_new();
    g_clear_pointer(&self->filled_host, g_free);
    g_clear_handle_id(&self->fill_source, g_source_remove);
    g_autofree char *nick = default_nick(self);
    set_text(self, self->name_entry, "");
    gtk_entry_set_placeholder_text(self->name_entry, NULL);
    set_text(self, self->server_entry, "");
    set_text(self, self->other_servers_entry, "");
    set_text(self, self->nick_entry, nick);
    set_text(self, self->channels_entry, "");
    set_text(self, self->password_entry, "");
    set_text(self, self->account_entry, "");
    set_text(self, self->account_password_entry, "");
    self->password_pending = FALSE;
    gtk_check_button_set_active(self->login_check, FALSE);
    gtk_check_button_set_active(self->autoconnect_check, TRUE);
    gtk_check_button_set_active(self->tls_check, TRUE);
    gtk_spin_button_set_value(self->port_spin, nc_default_port(TRUE));
    gtk_widget_grab_focus(GTK_WIDGET(self->server_entry));
}

static void on_secrets_forgotten(GObject *source, GAsyncResult *res, gpointer data)
{
    g_autoptr(GError) error = NULL;
    if (!nc_network_list_forget_secrets_finish(NC_NETWORK_LIST(source), res, &error))
        g_warning("cannot remove a removed network's passwords from the keyring: %s",
                  error->message);
}

static void on_remove(GtkButton *b, NaConnectDialog *self);

/* Alt+W lands in the list on the chosen network (the first when none is):
 * the keyboard reaches every saved network and Delete without the mouse. */
static gboolean on_list_mnemonic(GtkWidget *list, gboolean cycling, NaConnectDialog *self)
{
    GtkListBoxRow *row = gtk_list_box_get_selected_row(self->networks_list);
    if (!row)
        row = gtk_list_box_get_row_at_index(self->networks_list, 0);
    if (!row)
        return FALSE;
    gtk_list_box_select_row(self->networks_list, row);
    gtk_widget_grab_focus(GTK_WIDGET(row));
    return TRUE;
}

static gboolean on_delete_key(GtkWidget *list, GVariant *args, gpointer data)
{
    NaConnectDialog *self = data;
    if (gtk_widget_get_sensitive(GTK_WIDGET(self->remove_button)))
        on_remove(self->remove_button, self);
    return TRUE;
}

static void on_remove(GtkButton *b, NaConnectDialog *self)
{
    g_autofree char *id = g_steal_pointer(&self->network_id);
    NcNetworkConfig *found = id ? nc_network_list_find(self->networks, id) : NULL;
    g_autoptr(NcNetworkConfig) gone = found ? g_object_ref(found) : NULL;
    if (!gone || !nc_network_list_remove(self->networks, id))
        return;
    /* Its passwords go too, unless another saved network uses them. */
    nc_network_list_forget_secrets(self->networks, gone, NULL, on_secrets_forgotten, NULL);
    g_autoptr(NcNetworkConfig) first = g_list_model_get_item(G_LIST_MODEL(self->networks), 0);
    if (first)
        show_network(self, first);
    else
        on_new(NULL, self);
}

static void move_by(NaConnectDialog *self, int delta)
{
    guint i = nc_network_list_find_position(self->networks, self->network_id);
    if (i == G_MAXUINT || (delta < 0 && i == 0))
        return;
    nc_network_list_move(self->networks, self->network_id, delta < 0 ? i - 1 : i + 1);
}

static void on_up(GtkButton *b, NaConnectDialog *self)
{
    move_by(self, -1);
}

static void on_down(GtkButton *b, NaConnectDialog *self)
{
    move_by(self, 1);
}

/* The list box made its rows anew: the chosen network stays chosen. */
static void on_networks_changed(GListModel *m, guint pos, guint removed, guint added,
                                NaConnectDialog *self)
{
    select_network(self, self->network_id);
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
    NaConnectDialog *self = NA_CONNECT_DIALOG(object);
    g_clear_handle_id(&self->fill_source, g_source_remove);
    /* Lookups still out must not reach a dialog that is gone. */
    g_cancellable_cancel(self->lookups);
    g_clear_object(&self->lookups);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_CONNECT_DIALOG);
    G_OBJECT_CLASS(na_connect_dialog_parent_class)->dispose(object);
}

static void na_connect_dialog_finalize(GObject *object)
{
    NaConnectDialog *self = NA_CONNECT_DIALOG(object);
    g_free(self->cert_file);
    g_free(self->key_file);
    g_free(self->filled_host);
    g_free(self->network_id);
    G_OBJECT_CLASS(na_connect_dialog_parent_class)->finalize(object);
}

static void na_connect_dialog_class_init(NaConnectDialogClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = na_connect_dialog_dispose;
    G_OBJECT_CLASS(klass)->finalize = na_connect_dialog_finalize;
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/connect-dialog.ui");
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, cancel_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, connect_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, host_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, share_check);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, lan_heading);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, lan_list);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, networks_scroller);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, networks_list);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, new_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, remove_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, up_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, down_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, save_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, name_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, autoconnect_check);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, server_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, port_spin);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, tls_check);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, other_servers_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, other_servers_error);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, nick_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, realname_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, password_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, channels_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, login_check);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, account_label);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, account_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, account_password_label);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, account_password_entry);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, mechanism_label);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, mechanism_drop);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, cert_label);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, cert_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, key_label);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, key_button);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, create_check);
    gtk_widget_class_bind_template_child(wc, NaConnectDialog, login_hint);
}

static void na_connect_dialog_init(NaConnectDialog *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->lookups = g_cancellable_new();
    g_signal_connect(self->connect_button, "clicked", G_CALLBACK(on_connect), self);
    g_signal_connect(self->host_button, "clicked", G_CALLBACK(on_host), self);
    g_signal_connect(self->cancel_button, "clicked", G_CALLBACK(on_cancel), self);
    g_signal_connect(self->save_button, "clicked", G_CALLBACK(on_save), self);
    g_signal_connect(self->new_button, "clicked", G_CALLBACK(on_new), self);
    g_signal_connect(self->remove_button, "clicked", G_CALLBACK(on_remove), self);
    g_signal_connect(self->networks_list, "mnemonic-activate", G_CALLBACK(on_list_mnemonic), self);
    GtkEventController *keys = gtk_shortcut_controller_new();
    gtk_shortcut_controller_add_shortcut(
        GTK_SHORTCUT_CONTROLLER(keys),
        gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_Delete, 0),
                         gtk_callback_action_new(on_delete_key, self, NULL)));
    gtk_widget_add_controller(GTK_WIDGET(self->networks_list), keys);
    g_signal_connect(self->up_button, "clicked", G_CALLBACK(on_up), self);
    g_signal_connect(self->down_button, "clicked", G_CALLBACK(on_down), self);
    g_signal_connect(self->networks_list, "row-selected", G_CALLBACK(on_network_selected), self);
    g_signal_connect_swapped(self->server_entry, "activate", G_CALLBACK(on_connect), self);
    g_signal_connect(self->tls_check, "toggled", G_CALLBACK(on_tls_toggled), self);
    g_signal_connect(self->login_check, "notify::active", G_CALLBACK(on_login_changed), self);
    g_signal_connect(self->create_check, "notify::active", G_CALLBACK(on_login_changed), self);
    g_signal_connect(self->mechanism_drop, "notify::selected", G_CALLBACK(on_login_changed), self);
    g_signal_connect(self->cert_button, "clicked", G_CALLBACK(on_cert_clicked), self);
    g_signal_connect(self->key_button, "clicked", G_CALLBACK(on_key_clicked), self);
    g_signal_connect(self->account_entry, "changed", G_CALLBACK(on_account_changed), self);
    g_signal_connect(self->other_servers_entry, "changed", G_CALLBACK(on_other_servers_changed),
                     self);
    g_signal_connect(self->password_entry, "changed", G_CALLBACK(on_password_typed), self);
    g_signal_connect(self->account_password_entry, "changed", G_CALLBACK(on_password_typed), self);
    update_login_rows(self);
}

void na_connect_dialog_select_server(NaConnectDialog *self, const char *host, guint16 port,
                                     gboolean tls)
{
    NcNetworkConfig *saved = nc_network_list_find_server(self->networks, host, port);
    if (saved) {
        show_network(self, saved);
        gtk_check_button_set_active(self->tls_check, tls);
        gtk_spin_button_set_value(self->port_spin, port ? port : nc_default_port(tls));
        return;
    }
    /* Not a saved network: the form makes a new one of it. */
    g_clear_pointer(&self->network_id, g_free);
    select_network(self, NULL);
    set_text(self, self->server_entry, host);
    set_text(self, self->other_servers_entry, "");
    g_clear_pointer(&self->filled_host, g_free);
    fill_for_host(self, host);
    gtk_check_button_set_active(self->tls_check, tls);
    gtk_spin_button_set_value(self->port_spin, port ? port : nc_default_port(tls));
}

NaConnectDialog *na_connect_dialog_new(NaApp *app, GtkWindow *parent)
{
    NaConnectDialog *self =
        g_object_new(NA_TYPE_CONNECT_DIALOG, "transient-for", parent, "application", app, NULL);
    self->app = app;
    self->networks = na_app_get_networks(app);
    gtk_list_box_bind_model(self->networks_list, G_LIST_MODEL(self->networks), network_row, self,
                            NULL);
    g_signal_connect_object(self->networks, "items-changed", G_CALLBACK(on_networks_changed), self,
                            0);
    g_autoptr(NcNetworkConfig) first = g_list_model_get_item(G_LIST_MODEL(self->networks), 0);
    GSettings *s = na_app_get_settings(app);
    if (first) {
        /* The first saved network, ready to connect again or edit. */
        show_network(self, first);
        if (s)
            gtk_check_button_set_active(self->share_check,
                                        g_settings_get_boolean(s, "share-on-lan"));
    } else if (s) {
        g_autofree char *server = g_settings_get_string(s, "server");
        g_autofree char *nick = g_settings_get_string(s, "nick");
        g_autofree char *realname = g_settings_get_string(s, "realname");
        g_auto(GStrv) channels = g_settings_get_strv(s, "channels");
        g_autofree char *chan_text = g_strjoinv(" ", channels);
        set_text(self, self->server_entry, server);
        gtk_check_button_set_active(self->tls_check, na_app_tls_for(app, server));
        /* Never connected: the usual port for the switch's position. */
        gtk_spin_button_set_value(self->port_spin,
                                  *server ? g_settings_get_int(s, "port")
                                          : nc_default_port(na_app_tls_for(app, server)));
        gtk_editable_set_text(GTK_EDITABLE(self->nick_entry), *nick ? nick : g_get_user_name());
        gtk_editable_set_text(GTK_EDITABLE(self->realname_entry),
                              *realname ? realname : g_get_real_name());
        gtk_editable_set_text(GTK_EDITABLE(self->channels_entry), chan_text);
        gtk_check_button_set_active(self->share_check, g_settings_get_boolean(s, "share-on-lan"));
        /* The last server's login and passwords (from the keyring). */
        if (*server)
            fill_for_host(self, server);
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
    update_network_buttons(self);
    return self;
}

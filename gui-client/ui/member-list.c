/* SPDX-License-Identifier: MIT */
#include "member-list.h"

#include <glib/gi18n.h>

struct _NaMemberList {
    GtkBox parent_instance;
    GtkListView *member_view;
    NcBuffer *buffer;
};

enum { PROP_0, PROP_BUFFER, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { SIGNAL_MEMBER_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(NaMemberList, na_member_list, GTK_TYPE_BOX)

/* ---- rows: a label per member ------------------------------------------ */

static void on_setup(GtkSignalListItemFactory *f, GtkListItem *item, NaMemberList *self)
{
    GtkWidget *label = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
    gtk_widget_set_margin_start(label, 6);
    gtk_list_item_set_child(item, label);
}

/* The tooltip says who the member is logged in as (what account-notify,
 * extended-join, account-tag and WHOIS taught the core). */
static void update_account(NcMember *m, GParamSpec *pspec, GtkWidget *label)
{
    const char *account = nc_member_get_account(m);
    const char *nick = nc_member_get_nick(m);
    g_autofree char *tip =
        !account   ? g_strdup_printf(_("%s\nDouble-click to see who this is"), nick)
        : *account ? g_strdup_printf(_("%s\nLogged in as the account “%s”"), nick, account)
                   : g_strdup_printf(_("%s\nNot logged in to an account"), nick);
    gtk_widget_set_tooltip_text(label, tip);
    gtk_accessible_update_property(GTK_ACCESSIBLE(label), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip,
                                   -1);
}

/* Away members are dimmed. */
static void update_away(NcMember *m, GParamSpec *pspec, GtkWidget *label)
{
    if (nc_member_get_away(m))
        gtk_widget_add_css_class(label, "natter-away");
    else
        gtk_widget_remove_css_class(label, "natter-away");
}

static void on_bind(GtkSignalListItemFactory *f, GtkListItem *item, NaMemberList *self)
{
    NcMember *m = gtk_list_item_get_item(item);
    GtkWidget *label = gtk_list_item_get_child(item);
    const char *prefixes = nc_member_get_prefixes(m);
    char first[2] = {prefixes[0], '\0'};
    g_autofree char *text = g_strconcat(first, nc_member_get_nick(m), NULL);
    gtk_label_set_text(GTK_LABEL(label), text);
    update_account(m, NULL, label);
    update_away(m, NULL, label);
    g_signal_connect_object(m, "notify::account", G_CALLBACK(update_account), label, 0);
    g_signal_connect_object(m, "notify::away", G_CALLBACK(update_away), label, 0);
}

static void on_unbind(GtkSignalListItemFactory *f, GtkListItem *item, NaMemberList *self)
{
    NcMember *m = gtk_list_item_get_item(item);
    GtkWidget *label = gtk_list_item_get_child(item);
    /* By data, not by function: ISO C has no function-to-void* cast. */
    g_signal_handlers_disconnect_matched(m, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, label);
}

static void on_activate(GtkListView *view, guint position, NaMemberList *self)
{
    GListModel *m = G_LIST_MODEL(gtk_list_view_get_model(view));
    g_autoptr(NcMember) member = m ? g_list_model_get_item(m, position) : NULL;
    if (member)
        g_signal_emit(self, signals[SIGNAL_MEMBER_ACTIVATED], 0, member);
}

/* ---- the list ------------------------------------------------------------ */

void na_member_list_set_buffer(NaMemberList *self, NcBuffer *buffer)
{
    if (!g_set_object(&self->buffer, buffer))
        return;
    if (buffer) {
        GtkNoSelection *members = gtk_no_selection_new(g_object_ref(nc_buffer_get_members(buffer)));
        gtk_list_view_set_model(self->member_view, GTK_SELECTION_MODEL(members));
        g_object_unref(members);
    } else {
        gtk_list_view_set_model(self->member_view, NULL);
    }
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_BUFFER]);
}

NcBuffer *na_member_list_get_buffer(NaMemberList *self)
{
    return self->buffer;
}

GtkWidget *na_member_list_new(void)
{
    return g_object_new(NA_TYPE_MEMBER_LIST, NULL);
}

static void na_member_list_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    if (id == PROP_BUFFER)
        g_value_set_object(value, NA_MEMBER_LIST(object)->buffer);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void na_member_list_set_property(GObject *object, guint id, const GValue *value,
                                        GParamSpec *pspec)
{
    if (id == PROP_BUFFER)
        na_member_list_set_buffer(NA_MEMBER_LIST(object), g_value_get_object(value));
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void na_member_list_dispose(GObject *object)
{
    NaMemberList *self = NA_MEMBER_LIST(object);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_MEMBER_LIST);
    g_clear_object(&self->buffer);
    G_OBJECT_CLASS(na_member_list_parent_class)->dispose(object);
}

static void na_member_list_class_init(NaMemberListClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = na_member_list_dispose;
    oc->get_property = na_member_list_get_property;
    oc->set_property = na_member_list_set_property;
    props[PROP_BUFFER] =
        g_param_spec_object("buffer", NULL, NULL, NC_TYPE_BUFFER,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, N_PROPS, props);
    signals[SIGNAL_MEMBER_ACTIVATED] =
        g_signal_new("member-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, NC_TYPE_MEMBER);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/member-list.ui");
    gtk_widget_class_bind_template_child(wc, NaMemberList, member_view);
    gtk_widget_class_bind_template_callback(wc, on_setup);
    gtk_widget_class_bind_template_callback(wc, on_bind);
    gtk_widget_class_bind_template_callback(wc, on_unbind);
    gtk_widget_class_bind_template_callback(wc, on_activate);
}

static void na_member_list_init(NaMemberList *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

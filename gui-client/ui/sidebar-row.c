/* SPDX-License-Identifier: MIT */
#include "sidebar-row.h"

#include <glib/gi18n.h>

struct _NaSidebarRow {
    GtkBox parent_instance;
    GtkLabel *name_label;
    GtkLabel *badge_label;
    NcBuffer *buffer;
};

enum { PROP_0, PROP_BUFFER, N_PROPS };
static GParamSpec *props[N_PROPS];

G_DEFINE_TYPE(NaSidebarRow, na_sidebar_row, GTK_TYPE_BOX)

static void update(NcBuffer *b, GParamSpec *pspec, NaSidebarRow *self)
{
    GtkWidget *name = GTK_WIDGET(self->name_label);
    GtkWidget *badge = GTK_WIDGET(self->badge_label);
    gboolean server = nc_buffer_get_kind(b) == NC_BUFFER_SERVER;
    gtk_label_set_text(self->name_label, nc_buffer_get_title(b));
    gtk_widget_set_margin_start(name, server ? 0 : 12);
    if (server)
        gtk_widget_add_css_class(name, "heading");
    else
        gtk_widget_remove_css_class(name, "heading");
    if (!server && !nc_buffer_get_joined(b) && nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL)
        gtk_widget_add_css_class(name, "natter-parted");
    else
        gtk_widget_remove_css_class(name, "natter-parted");
    /* One badge: how many are unread, coloured when any of them mention
     * us (the mentions are among the unread, so the larger number). */
    guint u = nc_buffer_get_unread(b), m = nc_buffer_get_mentions(b);
    g_autofree char *count = g_strdup_printf("%u", MAX(u, m));
    gtk_label_set_text(self->badge_label, count);
    gtk_widget_set_visible(badge, u > 0 || m > 0);
    if (m > 0)
        gtk_widget_add_css_class(badge, "natter-mention");
    else
        gtk_widget_remove_css_class(badge, "natter-mention");
    /* Screen readers hear the counts with the name. */
    g_autofree char *desc =
        m   ? g_strdup_printf(_("%s, %u unread, %u mentions"), nc_buffer_get_title(b), u, m)
        : u ? g_strdup_printf(_("%s, %u unread"), nc_buffer_get_title(b), u)
            : g_strdup(nc_buffer_get_title(b));
    gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, desc, -1);
}

void na_sidebar_row_set_buffer(NaSidebarRow *self, NcBuffer *buffer)
{
    if (self->buffer == buffer)
        return;
    if (self->buffer) {
        /* By data, not by function: ISO C has no function-to-void* cast. */
        g_signal_handlers_disconnect_matched(self->buffer, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                             self);
        g_clear_object(&self->buffer);
    }
    if (buffer) {
        self->buffer = g_object_ref(buffer);
        update(buffer, NULL, self);
        g_signal_connect_object(buffer, "notify", G_CALLBACK(update), self, 0);
    }
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_BUFFER]);
}

NcBuffer *na_sidebar_row_get_buffer(NaSidebarRow *self)
{
    return self->buffer;
}

GtkWidget *na_sidebar_row_new(void)
{
    return g_object_new(NA_TYPE_SIDEBAR_ROW, NULL);
}

static void na_sidebar_row_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    if (id == PROP_BUFFER)
        g_value_set_object(value, NA_SIDEBAR_ROW(object)->buffer);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void na_sidebar_row_set_property(GObject *object, guint id, const GValue *value,
                                        GParamSpec *pspec)
{
    if (id == PROP_BUFFER)
        na_sidebar_row_set_buffer(NA_SIDEBAR_ROW(object), g_value_get_object(value));
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void na_sidebar_row_dispose(GObject *object)
{
    NaSidebarRow *self = NA_SIDEBAR_ROW(object);
    na_sidebar_row_set_buffer(self, NULL);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_SIDEBAR_ROW);
    G_OBJECT_CLASS(na_sidebar_row_parent_class)->dispose(object);
}

static void na_sidebar_row_class_init(NaSidebarRowClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = na_sidebar_row_dispose;
    oc->get_property = na_sidebar_row_get_property;
    oc->set_property = na_sidebar_row_set_property;
    props[PROP_BUFFER] =
        g_param_spec_object("buffer", NULL, NULL, NC_TYPE_BUFFER,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, N_PROPS, props);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/sidebar-row.ui");
    gtk_widget_class_bind_template_child(wc, NaSidebarRow, name_label);
    gtk_widget_class_bind_template_child(wc, NaSidebarRow, badge_label);
}

static void na_sidebar_row_init(NaSidebarRow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

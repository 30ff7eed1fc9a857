/* SPDX-License-Identifier: MIT */
/* natter: the search bar (Ctrl+F). */
#include "search-bar.h"

struct _NaSearchBar {
    GtkWidget parent_instance;
};

G_DEFINE_TYPE(NaSearchBar, na_search_bar, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_QUERY, N_PROPS };
static GParamSpec *props[N_PROPS];

static void na_search_bar_get_property(GObject *object, guint id, GValue *value,
                                       GParamSpec *pspec)
{
    switch (id) {
    case PROP_QUERY:
        g_value_set_string(value, "");
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void na_search_bar_class_init(NaSearchBarClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->get_property = na_search_bar_get_property;
    props[PROP_QUERY] = g_param_spec_string("query", NULL, NULL, "",
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, N_PROPS, props);
    g_signal_new("jump", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                 G_TYPE_NONE, 1, NC_TYPE_MESSAGE);
}

static void na_search_bar_init(NaSearchBar *self)
{
    gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
}

GtkWidget *na_search_bar_new(void)
{
    return g_object_new(NA_TYPE_SEARCH_BAR, NULL);
}

void na_search_bar_set_buffer(NaSearchBar *self, NcBuffer *buffer)
{
    (void)self;
    (void)buffer;
}

void na_search_bar_open(NaSearchBar *self)
{
    (void)self;
}

void na_search_bar_close(NaSearchBar *self)
{
    (void)self;
}

const char *na_search_bar_get_query(NaSearchBar *self)
{
    (void)self;
    return "";
}

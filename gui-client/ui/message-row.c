/* SPDX-License-Identifier: MIT */
#include "message-row.h"

#include "message-text.h"

#include <glib/gi18n.h>

struct _NaMessageRow {
    GtkBox parent_instance;
    GtkWidget *day_divider;
    GtkLabel *day_label;
    GtkWidget *history_divider;
    GtkWidget *marker_divider;
    GtkLabel *text_label;
    GtkWidget *fold_button;
    GtkLabel *fold_label;

    NcRow *row;
    NcBuffer *buffer; /* held while shown: a closed buffer outlives the unbind */
    char *query;
};

enum { PROP_0, PROP_ROW, PROP_QUERY, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { SIGNAL_TOGGLE_FOLD, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(NaMessageRow, na_message_row, GTK_TYPE_BOX)

/* ---- days ------------------------------------------------------------ */

/* A time as a local calendar day, comparable: 20261206. */
static int local_day(gint64 time_us)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);
    g_autoptr(GDateTime) local = g_date_time_to_local(utc);
    return g_date_time_get_year(local) * 10000 + g_date_time_get_month(local) * 100 +
           g_date_time_get_day_of_month(local);
}

gboolean na_message_row_same_day(gint64 a_us, gint64 b_us)
{
    return local_day(a_us) == local_day(b_us);
}

char *na_message_row_day_title(gint64 time_us, gint64 now_us)
{
    int day = local_day(time_us);
    if (day == local_day(now_us))
        return g_strdup(_("Today"));
    /* 23 hours back too: the day before a change to summer time is short. */
    if (day == local_day(now_us - G_TIME_SPAN_DAY) ||
        day == local_day(now_us - 23 * G_TIME_SPAN_HOUR))
        return g_strdup(_("Yesterday"));
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);
    g_autoptr(GDateTime) local = g_date_time_to_local(utc);
    return g_date_time_format(local, "%A %-d %B %Y");
}

void na_message_row_set_day(NaMessageRow *self, const char *title)
{
    gtk_widget_set_visible(self->day_divider, title != NULL);
    gtk_label_set_text(self->day_label, title ? title : "");
}

const char *na_message_row_get_day(NaMessageRow *self)
{
    return gtk_widget_get_visible(self->day_divider) ? gtk_label_get_text(self->day_label) : NULL;
}

/* ---- what the row shows ------------------------------------------------ */

static void update_markers(NcBuffer *b, GParamSpec *pspec, NaMessageRow *self)
{
    NcMessage *m = na_message_row_get_message(self);
    gboolean here = m && m == nc_buffer_get_marker(b);
    gboolean history = m && m == nc_buffer_get_history_start(b);
    gtk_widget_set_visible(self->marker_divider, here);
    gtk_widget_set_visible(self->history_divider, history);
    if (here)
        gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("New messages start here"), -1);
    else if (history)
        gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("Messages from the server’s history start here"), -1);
    else
        gtk_accessible_reset_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void show_fold(NaMessageRow *self, NcRow *r)
{
    gboolean open = nc_row_get_expanded(r);
    g_autofree char *esc = g_markup_escape_text(nc_row_get_summary(r), -1);
    g_autoptr(GDateTime) utc =
        g_date_time_new_from_unix_utc(nc_message_get_time(nc_row_get_message(r)) / G_USEC_PER_SEC);
    g_autoptr(GDateTime) local = g_date_time_to_local(utc);
    g_autofree char *stamp = g_date_time_format(local, "%H:%M");
    g_autofree char *markup =
        g_strdup_printf("<span alpha=\"60%%\" font_features=\"tnum\">%s</span>"
                        "  <span alpha=\"65%%\">%s %s</span>",
                        stamp, open ? "▾" : "▸", esc);
    gtk_label_set_markup(self->fold_label, markup);
    g_autofree char *tip = g_strdup_printf(
        open ? _("%s (click to hide them)") : _("%s (click to show them)"), nc_row_get_summary(r));
    gtk_widget_set_tooltip_text(self->fold_button, tip);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->fold_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   tip, -1);
    gtk_accessible_update_state(GTK_ACCESSIBLE(self->fold_button), GTK_ACCESSIBLE_STATE_EXPANDED,
                                open, -1);
}

static void show_message(NaMessageRow *self, NcMessage *m)
{
    GtkWidget *label = GTK_WIDGET(self->text_label);
    na_message_text_show(self->text_label, m, na_prefers_dark(), self->query);
    NcMessageKind kind = nc_message_get_kind(m);
    if (nc_message_kind_is_event(kind) || kind == NC_MSG_HISTORY)
        gtk_widget_add_css_class(label, "natter-event");
    else
        gtk_widget_remove_css_class(label, "natter-event");
    if (nc_message_get_flags(m) & NC_MSG_FLAG_HIGHLIGHT)
        gtk_widget_add_css_class(label, "natter-highlight");
    else
        gtk_widget_remove_css_class(label, "natter-highlight");
}

void na_message_row_show(NaMessageRow *self, NcRow *row, NcBuffer *buffer)
{
    if (self->buffer) {
        /* By data, not by function: ISO C has no function-to-void* cast. */
        g_signal_handlers_disconnect_matched(self->buffer, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                             self);
        g_clear_object(&self->buffer);
    }
    g_set_object(&self->row, row);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ROW]);
    na_message_row_set_flash(self, FALSE);
    if (!row)
        return;
    gboolean is_fold = nc_row_get_kind(row) == NC_ROW_FOLD;
    gtk_widget_set_visible(GTK_WIDGET(self->text_label), !is_fold);
    gtk_widget_set_visible(self->fold_button, is_fold);
    gtk_widget_set_margin_start(GTK_WIDGET(self), nc_row_get_in_fold(row) ? 18 : 0);
    if (is_fold) {
        show_fold(self, row);
        gtk_widget_set_visible(self->marker_divider, FALSE);
        gtk_widget_set_visible(self->history_divider, FALSE);
        return;
    }
    show_message(self, nc_row_get_message(row));
    if (buffer) {
        self->buffer = g_object_ref(buffer);
        update_markers(buffer, NULL, self);
        g_signal_connect_object(buffer, "notify::marker", G_CALLBACK(update_markers), self, 0);
        g_signal_connect_object(buffer, "notify::history-start", G_CALLBACK(update_markers), self,
                                0);
    }
}

NcRow *na_message_row_get_row(NaMessageRow *self)
{
    return self->row;
}

NcMessage *na_message_row_get_message(NaMessageRow *self)
{
    return self->row && nc_row_get_kind(self->row) == NC_ROW_MESSAGE ? nc_row_get_message(self->row)
                                                                     : NULL;
}

void na_message_row_set_query(NaMessageRow *self, const char *query)
{
    if (g_strcmp0(self->query, query) == 0)
        return;
    g_free(self->query);
    self->query = g_strdup(query);
    NcMessage *m = na_message_row_get_message(self);
    if (m)
        show_message(self, m);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_QUERY]);
}

void na_message_row_set_flash(NaMessageRow *self, gboolean flash)
{
    if (flash)
        gtk_widget_add_css_class(GTK_WIDGET(self), "natter-flash");
    else
        gtk_widget_remove_css_class(GTK_WIDGET(self), "natter-flash");
}

GtkWidget *na_message_row_new(void)
{
    return g_object_new(NA_TYPE_MESSAGE_ROW, NULL);
}

/* ---- object ------------------------------------------------------------ */

static void on_fold_clicked(GtkButton *button, NaMessageRow *self)
{
    if (self->row)
        g_signal_emit(self, signals[SIGNAL_TOGGLE_FOLD], 0);
}

static void na_message_row_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    NaMessageRow *self = NA_MESSAGE_ROW(object);
    switch (id) {
    case PROP_ROW:
        g_value_set_object(value, self->row);
        break;
    case PROP_QUERY:
        g_value_set_string(value, self->query);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
}

static void na_message_row_set_property(GObject *object, guint id, const GValue *value,
                                        GParamSpec *pspec)
{
    if (id == PROP_QUERY)
        na_message_row_set_query(NA_MESSAGE_ROW(object), g_value_get_string(value));
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void na_message_row_dispose(GObject *object)
{
    NaMessageRow *self = NA_MESSAGE_ROW(object);
    na_message_row_show(self, NULL, NULL);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_MESSAGE_ROW);
    G_OBJECT_CLASS(na_message_row_parent_class)->dispose(object);
}

static void na_message_row_finalize(GObject *object)
{
    g_free(NA_MESSAGE_ROW(object)->query);
    G_OBJECT_CLASS(na_message_row_parent_class)->finalize(object);
}

static void na_message_row_class_init(NaMessageRowClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = na_message_row_dispose;
    oc->finalize = na_message_row_finalize;
    oc->get_property = na_message_row_get_property;
    oc->set_property = na_message_row_set_property;
    props[PROP_ROW] = g_param_spec_object("row", NULL, NULL, NC_TYPE_ROW,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    props[PROP_QUERY] =
        g_param_spec_string("query", NULL, NULL, NULL,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, N_PROPS, props);
    signals[SIGNAL_TOGGLE_FOLD] =
        g_signal_new("toggle-fold", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 0);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/message-row.ui");
    gtk_widget_class_bind_template_child(wc, NaMessageRow, day_divider);
    gtk_widget_class_bind_template_child(wc, NaMessageRow, day_label);
    gtk_widget_class_bind_template_child(wc, NaMessageRow, history_divider);
    gtk_widget_class_bind_template_child(wc, NaMessageRow, marker_divider);
    gtk_widget_class_bind_template_child(wc, NaMessageRow, text_label);
    gtk_widget_class_bind_template_child(wc, NaMessageRow, fold_button);
    gtk_widget_class_bind_template_child(wc, NaMessageRow, fold_label);
    gtk_widget_class_bind_template_callback(wc, on_fold_clicked);
}

static void na_message_row_init(NaMessageRow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

/* SPDX-License-Identifier: MIT */
#include "input-area.h"

#include "input.h"

#include <glib/gi18n.h>

struct _NaInputArea {
    GtkBox parent_instance;
    GtkRevealer *paste_revealer;
    GtkLabel *paste_label;
    GtkWidget *paste_send_button;
    GtkLabel *typing_label;
    GtkLabel *nick_label;
    GtkEntry *input_entry;

    NcClient *client; /* held: where the text goes */
    NcBuffer *buffer;

    GPtrArray *history; /* lines typed, oldest first */
    guint history_pos;  /* == history->len when not browsing */
    NcCompleter *completer;
    char **paste_lines; /* a long paste waiting for Send/Cancel, for buffer */
};

enum { SIGNAL_SEND, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(NaInputArea, na_input_area, GTK_TYPE_BOX)

/* ---- the conversation ---------------------------------------------------- */

/* "alice is typing…" above the input, hidden when nobody is. */
static void update_typing(NcBuffer *b, GParamSpec *pspec, NaInputArea *self)
{
    const char *typing = self->buffer ? nc_buffer_get_typing(self->buffer) : "";
    gtk_label_set_text(self->typing_label, typing ? typing : "");
    gtk_widget_set_visible(GTK_WIDGET(self->typing_label), typing && *typing);
}

static void update_nick(NcClient *c, GParamSpec *pspec, NaInputArea *self)
{
    gtk_label_set_text(self->nick_label, self->client ? nc_client_get_nick(self->client) : "");
}

/* Drop a pending paste (sent, cancelled, or no longer meant for here). */
static void paste_clear(NaInputArea *self)
{
    g_clear_pointer(&self->paste_lines, g_strfreev);
    gtk_revealer_set_reveal_child(self->paste_revealer, FALSE);
}

void na_input_area_set_target(NaInputArea *self, NcClient *client, NcBuffer *buffer)
{
    if (self->buffer != buffer) {
        if (self->paste_lines)
            paste_clear(self); /* the question was about the other buffer */
        /* Typing there has stopped: the text left with us says "done". */
        if (self->client && self->buffer)
            nc_client_notify_typing(self->client, self->buffer, FALSE);
        if (self->buffer)
            /* By data, not by function: ISO C has no function-to-void* cast. */
            g_signal_handlers_disconnect_matched(self->buffer, G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                                 NULL, self);
        g_set_object(&self->buffer, buffer);
        if (buffer)
            g_signal_connect_object(buffer, "notify::typing", G_CALLBACK(update_typing), self, 0);
        update_typing(buffer, NULL, self);
        nc_completer_reset(self->completer);
    }
    if (self->client != client) {
        if (self->client)
            g_signal_handlers_disconnect_matched(self->client, G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                                 NULL, self);
        g_set_object(&self->client, client);
        /* Any change, not only "nick": the nick taken instead of one in
         * use while registering comes without a notification of its own. */
        if (client)
            g_signal_connect_object(client, "notify", G_CALLBACK(update_nick), self, 0);
        update_nick(client, NULL, self);
    }
}

void na_input_area_grab_focus(NaInputArea *self)
{
    gtk_widget_grab_focus(GTK_WIDGET(self->input_entry));
}

GtkWidget *na_input_area_get_entry(NaInputArea *self)
{
    return GTK_WIDGET(self->input_entry);
}

/* ---- sending --------------------------------------------------------------- */

/* Offer lines to whoever sends them; taken, the text is remembered and
 * the line empties. */
static void send_lines(NaInputArea *self, char **lines, const char *text)
{
    gboolean taken = FALSE;
    g_signal_emit(self, signals[SIGNAL_SEND], 0, lines, &taken);
    if (!taken)
        return;
    g_ptr_array_add(self->history, g_strdup(text));
    if (self->history->len > 200)
        g_ptr_array_remove_index(self->history, 0);
    self->history_pos = self->history->len;
    nc_completer_reset(self->completer);
    gtk_editable_set_text(GTK_EDITABLE(self->input_entry), "");
}

static void on_activate(GtkEntry *entry, NaInputArea *self)
{
    g_autofree char *text = g_strdup(gtk_editable_get_text(GTK_EDITABLE(entry)));
    guint n = 0;
    g_auto(GStrv) lines = nc_input_lines(text, &n);
    if (n == 0)
        return;
    if (nc_input_needs_confirm(n) && self->buffer) {
        /* A long paste: ask first, in a bar above the input (not a modal
         * dialog); the text stays in the entry until it is sent. */
        paste_clear(self);
        self->paste_lines = g_steal_pointer(&lines);
        g_autofree char *q = g_strdup_printf(
            ngettext("Send %u line to %s as %u message?", "Send %u lines to %s as %u messages?", n),
            n, nc_buffer_get_name(self->buffer), n);
        gtk_label_set_text(self->paste_label, q);
        gtk_revealer_set_reveal_child(self->paste_revealer, TRUE);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->paste_label),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, q, -1);
        /* Return sends, Escape cancels, Tab reaches Cancel. */
        gtk_widget_grab_focus(self->paste_send_button);
        return;
    }
    send_lines(self, lines, text);
}

static void on_send_clicked(GtkButton *button, NaInputArea *self)
{
    on_activate(self->input_entry, self);
}

static void act_paste_send(GtkWidget *widget, const char *action, GVariant *p)
{
    NaInputArea *self = NA_INPUT_AREA(widget);
    if (!self->paste_lines)
        return;
    g_auto(GStrv) lines = g_steal_pointer(&self->paste_lines);
    paste_clear(self);
    g_autofree char *text = g_strdup(gtk_editable_get_text(GTK_EDITABLE(self->input_entry)));
    send_lines(self, lines, text);
    na_input_area_grab_focus(self);
}

static void act_paste_cancel(GtkWidget *widget, const char *action, GVariant *p)
{
    NaInputArea *self = NA_INPUT_AREA(widget);
    paste_clear(self);
    /* The text is still in the entry, to edit or delete. */
    na_input_area_grab_focus(self);
}

static void on_changed(GtkEditable *e, NaInputArea *self)
{
    /* Editing the text takes back the question about it. */
    if (self->paste_lines)
        paste_clear(self);
    /* Others see that we type (a command is not typing to them). */
    const char *text = gtk_editable_get_text(e);
    if (self->client && self->buffer)
        nc_client_notify_typing(self->client, self->buffer, *text && *text != '/');
}

static gboolean on_paste_key(GtkEventControllerKey *ctl, guint keyval, guint keycode,
                             GdkModifierType state, NaInputArea *self)
{
    if (keyval == GDK_KEY_Escape && self->paste_lines) {
        act_paste_cancel(GTK_WIDGET(self), NULL, NULL);
        return TRUE;
    }
    return FALSE;
}

/* ---- keys: completion, history, formatting -------------------------------- */

static char **completion_candidates(NaInputArea *self)
{
    GPtrArray *out = g_ptr_array_new();
    if (self->buffer) {
        g_auto(GStrv) nicks = nc_buffer_dup_member_nicks(self->buffer);
        for (guint i = 0; nicks[i]; i++)
            g_ptr_array_add(out, g_strdup(nicks[i]));
        if (nc_buffer_get_kind(self->buffer) == NC_BUFFER_QUERY)
            g_ptr_array_add(out, g_strdup(nc_buffer_get_name(self->buffer)));
    }
    if (self->client) {
        GListModel *bufs = nc_network_get_buffers(nc_client_get_network(self->client));
        for (guint i = 1; i < g_list_model_get_n_items(bufs); i++) {
            g_autoptr(NcBuffer) b = g_list_model_get_item(bufs, i);
            if (nc_buffer_get_kind(b) == NC_BUFFER_CHANNEL)
                g_ptr_array_add(out, g_strdup(nc_buffer_get_name(b)));
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* Formatting shortcuts: the IRC code goes in at the cursor (the entry
 * shows it as a box; the message row shows its effect).  Ctrl+Shift+K,
 * not Ctrl+K, inserts a colour: Ctrl+K is "jump to". */
static gboolean insert_format_code(GtkEditable *e, guint keyval, GdkModifierType state)
{
    GdkModifierType mods =
        state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK | GDK_ALT_MASK | GDK_SUPER_MASK | GDK_META_MASK);
    const char *code = NULL;
    if (mods == GDK_CONTROL_MASK) {
        switch (keyval) {
        case GDK_KEY_b:
            code = "\x02";
            break;
        case GDK_KEY_i:
            code = "\x1d";
            break;
        case GDK_KEY_u:
            code = "\x1f";
            break;
        case GDK_KEY_o:
            code = "\x0f";
            break;
        default:
            break;
        }
    } else if (mods == (GDK_CONTROL_MASK | GDK_SHIFT_MASK) &&
               (keyval == GDK_KEY_K || keyval == GDK_KEY_k)) {
        code = "\x03";
    }
    if (!code)
        return FALSE;
    gtk_editable_delete_selection(e);
    int pos = gtk_editable_get_position(e);
    gtk_editable_insert_text(e, code, 1, &pos);
    gtk_editable_set_position(e, pos);
    return TRUE;
}

static gboolean on_key(GtkEventControllerKey *ctl, guint keyval, guint keycode,
                       GdkModifierType state, NaInputArea *self)
{
    GtkEditable *e = GTK_EDITABLE(self->input_entry);
    if (keyval == GDK_KEY_Tab || keyval == GDK_KEY_ISO_Left_Tab) {
        g_auto(GStrv) cands = completion_candidates(self);
        int cursor = 0;
        g_autofree char *done =
            nc_completer_next(self->completer, gtk_editable_get_text(e),
                              gtk_editable_get_position(e), (const char *const *)cands, &cursor);
        if (done) {
            gtk_editable_set_text(e, done);
            gtk_editable_set_position(e, cursor);
        }
        return TRUE; /* Tab completes here; it never moves the focus away */
    }
    if (insert_format_code(e, keyval, state))
        return TRUE;
    if (keyval == GDK_KEY_Up && self->history_pos > 0) {
        self->history_pos--;
        gtk_editable_set_text(e, self->history->pdata[self->history_pos]);
        gtk_editable_set_position(e, -1);
        return TRUE;
    }
    if (keyval == GDK_KEY_Down && self->history_pos < self->history->len) {
        self->history_pos++;
        gtk_editable_set_text(e, self->history_pos < self->history->len
                                     ? self->history->pdata[self->history_pos]
                                     : "");
        gtk_editable_set_position(e, -1);
        return TRUE;
    }
    return FALSE;
}

/* ---- object ------------------------------------------------------------------ */

GtkWidget *na_input_area_new(void)
{
    return g_object_new(NA_TYPE_INPUT_AREA, NULL);
}

static void na_input_area_dispose(GObject *object)
{
    NaInputArea *self = NA_INPUT_AREA(object);
    na_input_area_set_target(self, NULL, NULL);
    g_clear_pointer(&self->paste_lines, g_strfreev);
    gtk_widget_dispose_template(GTK_WIDGET(object), NA_TYPE_INPUT_AREA);
    G_OBJECT_CLASS(na_input_area_parent_class)->dispose(object);
}

static void na_input_area_finalize(GObject *object)
{
    NaInputArea *self = NA_INPUT_AREA(object);
    g_ptr_array_unref(self->history);
    nc_completer_free(self->completer);
    G_OBJECT_CLASS(na_input_area_parent_class)->finalize(object);
}

static void na_input_area_class_init(NaInputAreaClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    oc->dispose = na_input_area_dispose;
    oc->finalize = na_input_area_finalize;
    signals[SIGNAL_SEND] =
        g_signal_new("send", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                     g_signal_accumulator_first_wins, NULL, NULL, G_TYPE_BOOLEAN, 1, G_TYPE_STRV);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    gtk_widget_class_set_template_from_resource(wc, "/org/natter/Natter/input-area.ui");
    gtk_widget_class_bind_template_child(wc, NaInputArea, paste_revealer);
    gtk_widget_class_bind_template_child(wc, NaInputArea, paste_label);
    gtk_widget_class_bind_template_child(wc, NaInputArea, paste_send_button);
    gtk_widget_class_bind_template_child(wc, NaInputArea, typing_label);
    gtk_widget_class_bind_template_child(wc, NaInputArea, nick_label);
    gtk_widget_class_bind_template_child(wc, NaInputArea, input_entry);
    gtk_widget_class_bind_template_child_full(wc, "send_button", FALSE, 0); /* for tests */
    gtk_widget_class_bind_template_callback(wc, on_activate);
    gtk_widget_class_bind_template_callback(wc, on_changed);
    gtk_widget_class_bind_template_callback(wc, on_key);
    gtk_widget_class_bind_template_callback(wc, on_paste_key);
    gtk_widget_class_bind_template_callback(wc, on_send_clicked);
    gtk_widget_class_install_action(wc, "input.paste-send", NULL, act_paste_send);
    gtk_widget_class_install_action(wc, "input.paste-cancel", NULL, act_paste_cancel);
}

static void na_input_area_init(NaInputArea *self)
{
    self->history = g_ptr_array_new_with_free_func(g_free);
    self->completer = nc_completer_new();
    gtk_widget_init_template(GTK_WIDGET(self));
}

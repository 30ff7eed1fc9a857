/* SPDX-License-Identifier: MIT */
#include "message-text.h"

#include "search.h"

#include "irc-line.h"

#include <adwaita.h>

#include <string.h>

/* The theme's text and background colours that formatting is measured
 * against (Adwaita's view colours). */
#define LIGHT_BG 0xffffffu
#define LIGHT_FG 0x1e1e1eu
#define DARK_BG 0x242424u
#define DARK_FG 0xffffffu
/* WCAG AA for text: coloured text at least this far from the background. */
#define MIN_CONTRAST 4.5

gboolean na_prefers_dark(void)
{
    return adw_style_manager_get_dark(adw_style_manager_get_default());
}

/* A stable colour per nick, from a palette readable on the current
 * background (lighter shades on dark). */
static const char *nick_colour(const char *nick, gboolean dark)
{
    static const char *const light_nicks[] = {"#1c71d8", "#c01c28", "#26a269", "#a347ba",
                                              "#c64600", "#0f7b81", "#865e3c", "#b5006a",
                                              "#6e7a00", "#4a4fc4"};
    static const char *const dark_nicks[] = {"#99c1f1", "#f66151", "#8ff0a4", "#dc8add", "#ffbe6f",
                                             "#62a0ea", "#cdab8f", "#5ee0d8", "#f8e45c", "#c061cb"};
    g_autofree char *folded = nc_irc_casefold(nick ? nick : "");
    guint h = g_str_hash(folded) % G_N_ELEMENTS(light_nicks);
    return dark ? dark_nicks[h] : light_nicks[h];
}

/* Escape text for markup and turn URLs into links.  The label's text is
 * the same bytes as text (a link shows its address), which is what lets
 * the formatting's byte offsets apply to it. */
static void append_linkified(GString *out, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *a = strstr(p, "http://");
        const char *b = strstr(p, "https://");
        const char *url = a && (!b || a < b) ? a : b;
        if (!url) {
            g_autofree char *esc = g_markup_escape_text(p, -1);
            g_string_append(out, esc);
            return;
        }
        g_autofree char *before = g_markup_escape_text(p, (gssize)(url - p));
        g_string_append(out, before);
        const char *end = url;
        while (*end && *end != ' ' && *end != '<' && *end != '>' && *end != '"')
            end++;
        while (end > url && strchr(".,;:!?)'", end[-1]))
            end--;
        g_autofree char *u = g_markup_escape_text(url, (gssize)(end - url));
        g_string_append_printf(out, "<a href=\"%s\">%s</a>", u, u);
        p = end;
    }
}

/* The row's markup, ending with text (the message without its codes). */
static char *message_markup(NcMessage *m, const char *text, gboolean dark)
{
    GString *s = g_string_new(NULL);
    g_autoptr(GDateTime) utc =
        g_date_time_new_from_unix_utc(nc_message_get_time(m) / G_USEC_PER_SEC);
    g_autoptr(GDateTime) local = g_date_time_to_local(utc);
    g_autofree char *stamp = g_date_time_format(local, "%H:%M");
    g_string_append_printf(s, "<span alpha=\"60%%\" font_features=\"tnum\">%s</span>  ", stamp);
    const char *sender = nc_message_get_sender(m);
    g_autofree char *esc_sender = g_markup_escape_text(sender ? sender : "", -1);
    const char *colour = nick_colour(sender, dark);
    switch (nc_message_get_kind(m)) {
    case NC_MSG_PRIVMSG:
        g_string_append_printf(s, "<b><span foreground=\"%s\">%s</span></b>  ", colour, esc_sender);
        append_linkified(s, text);
        break;
    case NC_MSG_ACTION:
        g_string_append_printf(s, "<i>* <span foreground=\"%s\">%s</span> ", colour, esc_sender);
        append_linkified(s, text);
        g_string_append(s, "</i>");
        break;
    case NC_MSG_NOTICE:
        g_string_append_printf(s, "<b>-<span foreground=\"%s\">%s</span>-</b>  ", colour,
                               esc_sender);
        append_linkified(s, text);
        break;
    case NC_MSG_ERROR: {
        g_autofree char *t = g_markup_escape_text(text, -1);
        g_string_append_printf(s, "<span foreground=\"#e01b24\" weight=\"bold\">⚠ %s</span>", t);
        break;
    }
    default: {
        g_string_append(s, "<span alpha=\"65%\">");
        append_linkified(s, text);
        g_string_append(s, "</span>");
        break;
    }
    }
    return g_string_free(s, FALSE);
}

static void add_rgb(PangoAttrList *list, gboolean background, guint32 rgb, guint start, guint end)
{
    guint16 r = (guint16)((rgb >> 16 & 0xff) * 257), g = (guint16)((rgb >> 8 & 0xff) * 257),
            b = (guint16)((rgb & 0xff) * 257);
    PangoAttribute *a =
        background ? pango_attr_background_new(r, g, b) : pango_attr_foreground_new(r, g, b);
    a->start_index = start;
    a->end_index = end;
    pango_attr_list_insert(list, a);
}

static void add_attr(PangoAttrList *list, PangoAttribute *a, guint start, guint end)
{
    a->start_index = start;
    a->end_index = end;
    pango_attr_list_insert(list, a);
}

PangoAttrList *na_format_attrs(const NcFormatted *f, guint offset, gboolean dark)
{
    if (!f->spans->len)
        return NULL;
    guint32 theme_bg = dark ? DARK_BG : LIGHT_BG, theme_fg = dark ? DARK_FG : LIGHT_FG;
    PangoAttrList *list = pango_attr_list_new();
    for (guint i = 0; i < f->spans->len; i++) {
        const NcFormatSpan *s = &g_array_index(f->spans, NcFormatSpan, i);
        guint start = offset + (guint)s->start, end = offset + (guint)s->end;
        if (s->style & NC_STYLE_BOLD)
            add_attr(list, pango_attr_weight_new(PANGO_WEIGHT_BOLD), start, end);
        if (s->style & NC_STYLE_ITALIC)
            add_attr(list, pango_attr_style_new(PANGO_STYLE_ITALIC), start, end);
        if (s->style & NC_STYLE_UNDERLINE)
            add_attr(list, pango_attr_underline_new(PANGO_UNDERLINE_SINGLE), start, end);
        if (s->style & NC_STYLE_STRIKE)
            add_attr(list, pango_attr_strikethrough_new(TRUE), start, end);
        if (s->style & NC_STYLE_MONOSPACE)
            add_attr(list, pango_attr_family_new("monospace"), start, end);
        guint32 fg = 0, bg = 0;
        gboolean has_fg = nc_color_to_rgb(s->fg, &fg), has_bg = nc_color_to_rgb(s->bg, &bg);
        if (s->style & NC_STYLE_REVERSE) {
            /* The swapped colours are in place; a default side is the
             * theme's opposite one. */
            if (!has_fg)
                fg = theme_bg;
            if (!has_bg)
                bg = theme_fg;
            has_fg = has_bg = TRUE;
        } else if (has_fg && !has_bg) {
            fg = nc_format_readable(fg, theme_bg, MIN_CONTRAST);
        } else if (!has_fg && has_bg) {
            /* The theme's text on a chosen background: keep it legible. */
            fg = nc_format_readable(theme_fg, bg, MIN_CONTRAST);
            has_fg = TRUE;
        }
        if (has_fg)
            add_rgb(list, FALSE, fg, start, end);
        if (has_bg)
            add_rgb(list, TRUE, bg, start, end);
    }
    return list;
}

void na_message_text_show(GtkLabel *label, NcMessage *m, gboolean dark, const char *query)
{
    g_autoptr(NcFormatted) f = nc_format_parse(nc_message_get_text(m));
    g_autofree char *markup = message_markup(m, f->text, dark);
    /* GTK 4.8 keeps a label's old attributes when it is given the same
     * markup again (a search highlight would outlive its query): emptying
     * it first makes the markup and attributes below apply afresh. */
    gtk_label_set_attributes(label, NULL);
    gtk_label_set_text(label, "");
    gtk_label_set_markup(label, markup);
    /* The message's text ends the label's; the spans count from there. */
    const char *shown = gtk_label_get_text(label);
    size_t shown_len = strlen(shown), text_len = strlen(f->text);
    PangoAttrList *attrs = NULL;
    gboolean text_at_end =
        shown_len >= text_len && strcmp(shown + shown_len - text_len, f->text) == 0;
    if (text_at_end)
        attrs = na_format_attrs(f, (guint)(shown_len - text_len), dark);
    /* What the search bar looks for: a background on each match, over
     * the message's own colours. */
    if (text_at_end && query && *query) {
        g_autoptr(GArray) spans = nc_search_text(query, nc_message_get_text(m), NULL);
        guint offset = (guint)(shown_len - text_len);
        for (guint i = 0; i < spans->len; i++) {
            const NcSearchSpan *span = &g_array_index(spans, NcSearchSpan, i);
            if (!attrs)
                attrs = pango_attr_list_new();
            add_rgb(attrs, TRUE, dark ? 0x7a6400 : 0xfce94f, offset + (guint)span->start,
                    offset + (guint)span->end);
        }
    }
    /* Rows are reused: a row without formatting drops the last one's. */
    gtk_label_set_attributes(label, attrs);
    if (attrs)
        pango_attr_list_unref(attrs);
}

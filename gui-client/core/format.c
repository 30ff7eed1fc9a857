/* SPDX-License-Identifier: MIT */
/* IRC formatting codes into plain text and styled spans (see format.h). */
#include "format.h"

#include <math.h>
#include <string.h>

enum {
    CODE_BOLD = 0x02,
    CODE_COLOR = 0x03,
    CODE_HEX = 0x04,
    CODE_RESET = 0x0F,
    CODE_MONOSPACE = 0x11,
    CODE_REVERSE = 0x16,
    CODE_ITALIC = 0x1D,
    CODE_STRIKE = 0x1E,
    CODE_UNDERLINE = 0x1F,
};

/* The modern IRC palette: 0-15 the classic mIRC colours, 16-98 the
 * extended ones (12 hues in 6 shades, then 11 greys). */
static const guint32 palette[99] = {
    0xffffff,
    0x000000,
    0x00007f,
    0x009300,
    0xff0000,
    0x7f0000,
    0x9c009c,
    0xfc7f00,
    0xffff00,
    0x00fc00,
    0x009393,
    0x00ffff,
    0x0000fc,
    0xff00ff,
    0x7f7f7f,
    0xd2d2d2,
    /* 16-27 */
    0x470000,
    0x472100,
    0x474700,
    0x324700,
    0x004700,
    0x00472c,
    0x004747,
    0x002747,
    0x000047,
    0x2e0047,
    0x470047,
    0x47002a,
    /* 28-39 */
    0x740000,
    0x743a00,
    0x747400,
    0x517400,
    0x007400,
    0x007449,
    0x007474,
    0x004074,
    0x000074,
    0x4b0074,
    0x740074,
    0x740045,
    /* 40-51 */
    0xb50000,
    0xb56300,
    0xb5b500,
    0x7db500,
    0x00b500,
    0x00b571,
    0x00b5b5,
    0x0063b5,
    0x0000b5,
    0x7500b5,
    0xb500b5,
    0xb5006b,
    /* 52-63 */
    0xff0000,
    0xff8c00,
    0xffff00,
    0xb2ff00,
    0x00ff00,
    0x00ffa0,
    0x00ffff,
    0x008cff,
    0x0000ff,
    0xa500ff,
    0xff00ff,
    0xff0098,
    /* 64-75 */
    0xff5959,
    0xffb459,
    0xffff71,
    0xcfff60,
    0x6fff6f,
    0x65ffc9,
    0x6dffff,
    0x59b4ff,
    0x5959ff,
    0xc459ff,
    0xff66ff,
    0xff59bc,
    /* 76-87 */
    0xff9c9c,
    0xffd39c,
    0xffff9c,
    0xe2ff9c,
    0x9cff9c,
    0x9cffdb,
    0x9cffff,
    0x9cd3ff,
    0x9c9cff,
    0xdc9cff,
    0xff9cff,
    0xff94d3,
    /* 88-98 */
    0x000000,
    0x131313,
    0x282828,
    0x363636,
    0x4d4d4d,
    0x656565,
    0x818181,
    0x9f9f9f,
    0xbcbcbc,
    0xe2e2e2,
    0xffffff,
};

gboolean nc_format_palette_rgb(guint index, guint32 *rgb)
{
    if (index >= G_N_ELEMENTS(palette))
        return FALSE;
    *rgb = palette[index];
    return TRUE;
}

gboolean nc_color_to_rgb(NcColor color, guint32 *rgb)
{
    switch (color.kind) {
    case NC_COLOR_PALETTE:
        return nc_format_palette_rgb(color.value, rgb);
    case NC_COLOR_RGB:
        *rgb = color.value & 0xffffff;
        return TRUE;
    default:
        return FALSE;
    }
}

/* One or two decimal digits at p: the number, and how many were read. */
static guint read_number(const char *p, guint *value)
{
    if (!g_ascii_isdigit(p[0]))
        return 0;
    if (!g_ascii_isdigit(p[1])) {
        *value = (guint)(p[0] - '0');
        return 1;
    }
    *value = (guint)(p[0] - '0') * 10 + (guint)(p[1] - '0');
    return 2;
}

static NcColor palette_color(guint n)
{
    /* 99 is "the default colour" */
    NcColor c = {n >= G_N_ELEMENTS(palette) ? NC_COLOR_DEFAULT : NC_COLOR_PALETTE,
                 n >= G_N_ELEMENTS(palette) ? 0 : n};
    return c;
}

/* Six hex digits at p. */
static gboolean read_hex(const char *p, guint32 *value)
{
    guint32 v = 0;
    for (int i = 0; i < 6; i++) {
        int d = g_ascii_xdigit_value(p[i]);
        if (d < 0)
            return FALSE;
        v = v << 4 | (guint32)d;
    }
    *value = v;
    return TRUE;
}

/* The style a toggle code turns on or off (0 for other bytes). */
static guint toggle_style(unsigned char c)
{
    static const struct {
        unsigned char code;
        guint style;
    } toggles[] = {
        {CODE_BOLD, NC_STYLE_BOLD},           {CODE_ITALIC, NC_STYLE_ITALIC},
        {CODE_UNDERLINE, NC_STYLE_UNDERLINE}, {CODE_STRIKE, NC_STYLE_STRIKE},
        {CODE_MONOSPACE, NC_STYLE_MONOSPACE}, {CODE_REVERSE, NC_STYLE_REVERSE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(toggles); i++)
        if (toggles[i].code == c)
            return toggles[i].style;
    return 0;
}

typedef struct {
    guint style;
    NcColor fg, bg;
} State;

static gboolean is_code(unsigned char c)
{
    return c == CODE_COLOR || c == CODE_HEX || c == CODE_RESET || toggle_style(c) != 0;
}

gboolean nc_format_has_codes(const char *raw)
{
    for (const unsigned char *p = (const unsigned char *)(raw ? raw : ""); *p; p++)
        if (is_code(*p))
            return TRUE;
    return FALSE;
}

/* A colour code at p (just after \x03 or \x04): updates the state and
 * returns the bytes of arguments it used.  Without a valid first colour
 * the code resets both colours and uses nothing; a comma not followed by
 * a valid background is text. */
static gsize parse_color(const char *p, gboolean hex, State *st)
{
    const NcColor none = {NC_COLOR_DEFAULT, 0};
    gsize used = 0;
    if (hex) {
        guint32 v;
        if (!read_hex(p, &v)) {
            st->fg = st->bg = none;
            return 0;
        }
        st->fg = (NcColor){NC_COLOR_RGB, v};
        used = 6;
        if (p[used] == ',' && read_hex(p + used + 1, &v)) {
            st->bg = (NcColor){NC_COLOR_RGB, v};
            used += 7;
        }
        return used;
    }
    guint n;
    used = read_number(p, &n);
    if (!used) {
        st->fg = st->bg = none;
        return 0;
    }
    st->fg = palette_color(n);
    guint digits;
    if (p[used] == ',' && (digits = read_number(p + used + 1, &n))) {
        st->bg = palette_color(n);
        used += 1 + digits;
    }
    return used;
}

static gboolean color_equal(NcColor a, NcColor b)
{
    return a.kind == b.kind && (a.kind == NC_COLOR_DEFAULT || a.value == b.value);
}

/* Text [from, to) of out->text was written in state st. */
static void add_span(NcFormatted *out, gsize from, gsize to, const State *st)
{
    if (from == to)
        return;
    NcFormatSpan s = {from, to, st->style, st->fg, st->bg};
    if (st->style & NC_STYLE_REVERSE) {
        s.fg = st->bg;
        s.bg = st->fg;
    }
    if (!s.style && s.fg.kind == NC_COLOR_DEFAULT && s.bg.kind == NC_COLOR_DEFAULT)
        return;
    if (out->spans->len) {
        NcFormatSpan *last = &g_array_index(out->spans, NcFormatSpan, out->spans->len - 1);
        if (last->end == from && last->style == s.style && color_equal(last->fg, s.fg) &&
            color_equal(last->bg, s.bg)) {
            last->end = to;
            return;
        }
    }
    g_array_append_val(out->spans, s);
}

NcFormatted *nc_format_parse(const char *raw)
{
    NcFormatted *out = g_new0(NcFormatted, 1);
    out->spans = g_array_new(FALSE, FALSE, sizeof(NcFormatSpan));
    const char *p = raw ? raw : "";
    GString *text = g_string_sized_new(strlen(p));
    State st = {0, {NC_COLOR_DEFAULT, 0}, {NC_COLOR_DEFAULT, 0}};
    while (*p) {
        const char *run = p;
        while (*p && !is_code((unsigned char)*p))
            p++;
        if (p > run) {
            gsize from = text->len;
            g_string_append_len(text, run, p - run);
            add_span(out, from, text->len, &st);
        }
        if (!*p)
            break;
        unsigned char c = (unsigned char)*p++;
        if (c == CODE_COLOR || c == CODE_HEX)
            p += parse_color(p, c == CODE_HEX, &st);
        else if (c == CODE_RESET)
            st = (State){0, {NC_COLOR_DEFAULT, 0}, {NC_COLOR_DEFAULT, 0}};
        else
            st.style ^= toggle_style(c);
    }
    out->text = g_string_free(text, FALSE);
    return out;
}

void nc_formatted_free(NcFormatted *f)
{
    if (!f)
        return;
    g_free(f->text);
    g_array_unref(f->spans);
    g_free(f);
}

char *nc_format_strip(const char *raw)
{
    NcFormatted *f = nc_format_parse(raw);
    char *text = g_steal_pointer(&f->text);
    nc_formatted_free(f);
    return text;
}

static double channel_linear(guint32 v)
{
    double c = (double)(v & 0xff) / 255.0;
    return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(guint32 rgb)
{
    return 0.2126 * channel_linear(rgb >> 16) + 0.7152 * channel_linear(rgb >> 8) +
           0.0722 * channel_linear(rgb);
}

double nc_format_contrast(guint32 a, guint32 b)
{
    double la = luminance(a), lb = luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

static guint32 mix(guint32 a, guint32 b, double t)
{
    guint32 out = 0;
    for (int shift = 16; shift >= 0; shift -= 8) {
        double ca = (double)(a >> shift & 0xff), cb = (double)(b >> shift & 0xff);
        out |= (guint32)lround(ca + (cb - ca) * t) << shift;
    }
    return out;
}

guint32 nc_format_readable(guint32 fg, guint32 background, double min_ratio)
{
    fg &= 0xffffff;
    background &= 0xffffff;
    if (nc_format_contrast(fg, background) >= min_ratio)
        return fg;
    guint32 target =
        nc_format_contrast(0x000000, background) >= nc_format_contrast(0xffffff, background)
            ? 0x000000
            : 0xffffff;
    /* The least mix that reaches the ratio: contrast grows with t. */
    double lo = 0, hi = 1;
    for (int i = 0; i < 16; i++) {
        double t = (lo + hi) / 2;
        if (nc_format_contrast(mix(fg, target, t), background) >= min_ratio)
            hi = t;
        else
            lo = t;
    }
    return mix(fg, target, hi);
}

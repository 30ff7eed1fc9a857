/* SPDX-License-Identifier: MIT */
/* IRC formatting (format.c): every code, colours and their edge cases,
 * reverse, reset, UTF-8 between codes, stripping, the palette, readable
 * colours, and formatted lines through the log and back.  Codes followed
 * by text are written in octal ("\0034" is \x03 then "4"): C's \x escape
 * would take every hex digit after it. */
#include "format.h"
#include "log.h"
#include "helpers.h"

#include <glib/gstdio.h>
#include <string.h>

static const NcFormatSpan *span(const NcFormatted *f, guint i)
{
    return i < f->spans->len ? &g_array_index(f->spans, NcFormatSpan, i) : NULL;
}

/* Span i covers [start, end) with style and palette colours (-1: default,
 * 0x1000000 + rgb: a hex colour). */
static void check_span(const NcFormatted *f, guint i, gsize start, gsize end, guint style, int fg,
                       int bg)
{
    const NcFormatSpan *s = span(f, i);
    if (!s) {
        CU_FAIL("no such span");
        return;
    }
    CU_ASSERT_EQUAL(s->start, start);
    CU_ASSERT_EQUAL(s->end, end);
    CU_ASSERT_EQUAL(s->style, style);
    const NcColor *c[2] = {&s->fg, &s->bg};
    int want[2] = {fg, bg};
    for (int k = 0; k < 2; k++) {
        if (want[k] < 0) {
            CU_ASSERT_EQUAL(c[k]->kind, NC_COLOR_DEFAULT);
        } else if (want[k] >= 0x1000000) {
            CU_ASSERT_EQUAL(c[k]->kind, NC_COLOR_RGB);
            CU_ASSERT_EQUAL(c[k]->value, (guint32)(want[k] - 0x1000000));
        } else {
            CU_ASSERT_EQUAL(c[k]->kind, NC_COLOR_PALETTE);
            CU_ASSERT_EQUAL(c[k]->value, (guint32)want[k]);
        }
    }
}

/* raw parses to text with n spans (n < 0: not checked). */
static NcFormatted *parsed(const char *raw, const char *text, int n)
{
    NcFormatted *f = nc_format_parse(raw);
    CU_ASSERT_STRING_EQUAL(f->text, text);
    if (n >= 0)
        CU_ASSERT_EQUAL(f->spans->len, (guint)n);
    return f;
}

static void test_toggles(void)
{
    static const struct {
        const char *code;
        guint style;
    } toggles[] = {
        {"\x02", NC_STYLE_BOLD},   {"\x1d", NC_STYLE_ITALIC},    {"\x1f", NC_STYLE_UNDERLINE},
        {"\x1e", NC_STYLE_STRIKE}, {"\x11", NC_STYLE_MONOSPACE}, {"\x16", NC_STYLE_REVERSE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(toggles); i++) {
        g_autofree char *raw = g_strdup_printf("a%sbc%sd", toggles[i].code, toggles[i].code);
        g_autoptr(NcFormatted) f = nc_format_parse(raw);
        CU_ASSERT_STRING_EQUAL(f->text, "abcd");
        CU_ASSERT_EQUAL_FATAL(f->spans->len, 1);
        check_span(f, 0, 1, 3, toggles[i].style, -1, -1);
        CU_ASSERT_TRUE(nc_format_has_codes(raw));
    }
    /* Nested and overlapping toggles: bold, then italic inside it, bold
     * ends while italic goes on. */
    g_autoptr(NcFormatted) f = parsed("\002b\035bi\x02i\x1d.", "bbii.", 3);
    check_span(f, 0, 0, 1, NC_STYLE_BOLD, -1, -1);
    check_span(f, 1, 1, 3, NC_STYLE_BOLD | NC_STYLE_ITALIC, -1, -1);
    check_span(f, 2, 3, 4, NC_STYLE_ITALIC, -1, -1);
    /* A toggle twice in a row is nothing; runs of one style are merged. */
    g_autoptr(NcFormatted) g = parsed("\x02x\x02\x02y\x1d\x1dz", "xyz", 1);
    check_span(g, 0, 0, 3, NC_STYLE_BOLD, -1, -1);
    /* Still on at the end of the text: up to its end. */
    g_autoptr(NcFormatted) h = nc_format_parse("plain \037under");
    check_span(h, 0, 6, 11, NC_STYLE_UNDERLINE, -1, -1);
}

static void test_colors(void)
{
    g_autoptr(NcFormatted) a =
        parsed("\0034red\x03 plain \00304,12on blue", "red plain on blue", 2);
    check_span(a, 0, 0, 3, 0, 4, -1);
    check_span(a, 1, 10, 17, 0, 4, 12);
    /* One coloured run each: three digits (two are the colour, the third
     * is text), a background of three digits (the same), a comma not
     * followed by a digit (text). */
    static const struct {
        const char *raw, *text;
        gsize start, end;
        int fg, bg;
    } one[] = {
        {"\003123", "3", 0, 1, 12, -1},
        {"\0031,234", "4", 0, 1, 1, 23},
        {"\0035,hi", ",hi", 0, 3, 5, -1},
        {"\0035,", ",", 0, 1, 5, -1},
    };
    for (gsize k = 0; k < G_N_ELEMENTS(one); k++) {
        g_autoptr(NcFormatted) o = parsed(one[k].raw, one[k].text, 1);
        check_span(o, 0, one[k].start, one[k].end, 0, one[k].fg, one[k].bg);
    }
    /* \x03 then a comma: no colour, so a reset, and ",12" is text. */
    g_autoptr(NcFormatted) e = parsed("\0033g\x03,12x", "g,12x", 1);
    check_span(e, 0, 0, 1, 0, 3, -1);
    /* 99 is the default colour. */
    g_autoptr(NcFormatted) f = parsed("\00399,99x\00304,99y\00399,02z", "xyz", 2);
    check_span(f, 0, 1, 2, 0, 4, -1);
    check_span(f, 1, 2, 3, 0, -1, 2);
    /* A new foreground keeps the background; \x03 alone clears both. */
    g_autoptr(NcFormatted) g = parsed("\0032,3a\0035b\003c", "abc", 2);
    check_span(g, 0, 0, 1, 0, 2, 3);
    check_span(g, 1, 1, 2, 0, 5, 3);
    /* Extended colours, and a colour with a digit in the text after it. */
    g_autoptr(NcFormatted) h = parsed("\003981\003011", "11", 2);
    check_span(h, 0, 0, 1, 0, 98, -1);
    check_span(h, 1, 1, 2, 0, 1, -1);
    /* Codes at the very end. */
    g_autoptr(NcFormatted) i = parsed("end\x03", "end", 0);
}

static void test_hex_colors(void)
{
    g_autoptr(NcFormatted) a = parsed("\004FF8000orange\00400ff00,000080x\x04 y", "orangex y", 2);
    check_span(a, 0, 0, 6, 0, 0x1000000 + 0xff8000, -1);
    check_span(a, 1, 6, 7, 0, 0x1000000 + 0x00ff00, 0x1000000 + 0x000080);
    /* Truncated: not six hex digits is a reset, and the rest is text. */
    g_autoptr(NcFormatted) b = parsed("\0034r\004FF00x", "rFF00x", 1);
    check_span(b, 0, 0, 1, 0, 4, -1);
    g_autoptr(NcFormatted) c = parsed("\004ABCDE", "ABCDE", 0);
    /* A truncated background is text. */
    g_autoptr(NcFormatted) d = parsed("\004112233,4455", ",4455", -1);
    check_span(d, 0, 0, 5, 0, 0x1000000 + 0x112233, -1);
    g_autoptr(NcFormatted) e = parsed("\x04", "", -1);
}

static void test_reverse_and_reset(void)
{
    /* Reverse swaps the colours set. */
    g_autoptr(NcFormatted) a = parsed("\0033,13\x16Test!\x16 x", "Test! x", 2);
    check_span(a, 0, 0, 5, NC_STYLE_REVERSE, 13, 3);
    check_span(a, 1, 5, 7, 0, 3, 13);
    /* Reset ends everything, reverse and colours included. */
    g_autoptr(NcFormatted) b =
        parsed("\x02\x1d\x1f\x1e\x11\x16\0034,5all\x0fnone\002b", "allnoneb", 2);
    check_span(b, 0, 0, 3,
               NC_STYLE_BOLD | NC_STYLE_ITALIC | NC_STYLE_UNDERLINE | NC_STYLE_STRIKE |
                   NC_STYLE_MONOSPACE | NC_STYLE_REVERSE,
               5, 4);
    check_span(b, 1, 7, 8, NC_STYLE_BOLD, -1, -1);
}

static void test_utf8_and_empty(void)
{
    g_autoptr(NcFormatted) a =
        parsed("h\xc3\xa9\x02ll\xc3\xb6 \xe2\x9c\x93\x02\0034\xf0\x9f\x98\x80",
               "h\xc3\xa9ll\xc3\xb6 \xe2\x9c\x93\xf0\x9f\x98\x80", -1);
    CU_ASSERT_TRUE(g_utf8_validate(a->text, -1, NULL));
    CU_ASSERT_EQUAL_FATAL(a->spans->len, 2);
    check_span(a, 0, 3, 11, NC_STYLE_BOLD, -1, -1);
    check_span(a, 1, 11, 15, 0, 4, -1);
    for (guint i = 0; i < a->spans->len; i++) {
        CU_ASSERT_TRUE(g_utf8_validate(a->text + span(a, i)->start,
                                       (gssize)(span(a, i)->end - span(a, i)->start), NULL));
    }
    g_autoptr(NcFormatted) e = parsed("", "", 0);
    g_autoptr(NcFormatted) n = parsed(NULL, "", -1);
    g_autoptr(NcFormatted) only = parsed("\x02\0034,5\x1d\x0f", "", 0);
    /* Plain text is plain; other control characters (CTCP's \x01) stay. */
    g_autoptr(NcFormatted) p = parsed("just \x01text", "just \x01text", 0);
    CU_ASSERT_FALSE(nc_format_has_codes("just \x01text"));
    CU_ASSERT_FALSE(nc_format_has_codes(NULL));
}

static void test_strip(void)
{
    static const struct {
        const char *raw, *plain;
    } cases[] = {
        {"\002bold\x02 \x1ditalic\x1d \x1funder\x1f", "bold italic under"},
        {"\00304,02red on blue\x03 \003123", "red on blue 3"},
        {"\004FF0000,00FF00x\00412", "x12"},
        {"\003,5 \0035, \x0f\x16\x11\x1e", ",5 , "},
        {"caf\xc3\xa9 \x02\xe2\x98\x95", "caf\xc3\xa9 \xe2\x98\x95"},
        {"", ""},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = nc_format_strip(cases[i].raw);
        CU_ASSERT_STRING_EQUAL(s, cases[i].plain);
    }
    g_autofree char *n = nc_format_strip(NULL);
    CU_ASSERT_STRING_EQUAL(n, "");
}

static void test_palette_and_contrast(void)
{
    guint32 rgb = 0;
    static const guint32 want[][2] = {{0, 0xffffff},  {1, 0x000000},  {2, 0x00007f},
                                      {4, 0xff0000},  {15, 0xd2d2d2}, {16, 0x470000},
                                      {52, 0xff0000}, {88, 0x000000}, {98, 0xffffff}};
    for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
        CU_ASSERT_TRUE(nc_format_palette_rgb(want[i][0], &rgb));
        CU_ASSERT_EQUAL(rgb, want[i][1]);
    }
    CU_ASSERT_FALSE(nc_format_palette_rgb(99, &rgb));
    NcColor def = {NC_COLOR_DEFAULT, 0}, hex = {NC_COLOR_RGB, 0x123456},
            pal = {NC_COLOR_PALETTE, 3};
    CU_ASSERT_FALSE(nc_color_to_rgb(def, &rgb));
    CU_ASSERT_TRUE(nc_color_to_rgb(hex, &rgb));
    CU_ASSERT_EQUAL(rgb, 0x123456);
    CU_ASSERT_TRUE(nc_color_to_rgb(pal, &rgb));
    CU_ASSERT_EQUAL(rgb, 0x009300);

    CU_ASSERT_DOUBLE_EQUAL(nc_format_contrast(0x000000, 0xffffff), 21.0, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(nc_format_contrast(0x777777, 0x777777), 1.0, 0.001);
    /* Readable colours stay; white on white darkens, black on a dark
     * background lightens, just enough. */
    CU_ASSERT_EQUAL(nc_format_readable(0x00007f, 0xffffff, 4.5), 0x00007f);
    guint32 w = nc_format_readable(0xffffff, 0xfafafa, 4.5);
    CU_ASSERT_TRUE(nc_format_contrast(w, 0xfafafa) >= 4.5);
    CU_ASSERT_TRUE(nc_format_contrast(w, 0xfafafa) < 5.5);
    guint32 k = nc_format_readable(0x000000, 0x242424, 4.5);
    CU_ASSERT_TRUE(nc_format_contrast(k, 0x242424) >= 4.5);
    guint32 y = nc_format_readable(0xffff00, 0xffffff, 3.0);
    CU_ASSERT_TRUE(nc_format_contrast(y, 0xffffff) >= 3.0);
    CU_ASSERT_TRUE((y >> 16) > (y & 0xff)); /* still yellowish */
}

static void rm_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            rm_tree(child);
        }
        g_dir_close(d);
    }
    g_remove(path);
}

/* A formatted line written to the log reloads as the same text (codes
 * kept), so it renders as it did live. */
static void test_log_round_trip(void)
{
    g_autofree char *dir = g_dir_make_tmp("natter-format-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    NcLogger *lg = nc_logger_new(dir);
    const char *raw = "\002bold\x02 \00304,12red\x03 \x1ditalic\x1d caf\xc3\xa9";
    gint64 now = g_get_real_time();
    g_autoptr(NcMessage) a = nc_message_new(now, NC_MSG_PRIVMSG, NC_MSG_FLAG_NONE, "bob", raw);
    g_autoptr(NcMessage) b = nc_message_new(now, NC_MSG_ACTION, NC_MSG_FLAG_NONE, "bob", raw);
    CU_ASSERT_TRUE(nc_logger_write(lg, "net", "#chan", a));
    CU_ASSERT_TRUE(nc_logger_write(lg, "net", "#chan", b));
    GPtrArray *tail = nc_logger_tail(lg, "net", "#chan", 10);
    CU_ASSERT_EQUAL_FATAL(tail->len, 2);
    for (guint i = 0; i < 2; i++) {
        NcMessage *m = tail->pdata[i];
        CU_ASSERT_STRING_EQUAL(nc_message_get_sender(m), "bob");
        CU_ASSERT_STRING_EQUAL(nc_message_get_text(m), raw);
        g_autoptr(NcFormatted) live = nc_format_parse(raw);
        g_autoptr(NcFormatted) again = nc_format_parse(nc_message_get_text(m));
        CU_ASSERT_STRING_EQUAL(again->text, live->text);
        CU_ASSERT_EQUAL(again->spans->len, live->spans->len);
    }
    CU_ASSERT_EQUAL(nc_message_get_kind(tail->pdata[1]), NC_MSG_ACTION);
    g_ptr_array_unref(tail);
    nc_logger_free(lg);
    rm_tree(dir);
}

static CU_TestInfo tests[] = {
    {"toggles: bold, italic, underline, strike, monospace, reverse", test_toggles},
    {"colours: digits, commas, 99, resets", test_colors},
    {"hex colours, truncated", test_hex_colors},
    {"reverse and reset", test_reverse_and_reset},
    {"UTF-8 between codes, empty text", test_utf8_and_empty},
    {"strip to plain text", test_strip},
    {"palette and readable colours", test_palette_and_contrast},
    {"formatted lines through the log", test_log_round_trip},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("gui-format", tests);
}

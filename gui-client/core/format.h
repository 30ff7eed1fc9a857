/* SPDX-License-Identifier: MIT */
/* IRC text formatting (https://modern.ircdocs.horse/formatting.html):
 * bold \x02, colour \x03NN[,NN], hex colour \x04RRGGBB[,RRGGBB], italic
 * \x1D, underline \x1F, strikethrough \x1E, monospace \x11, reverse \x16
 * and reset \x0F.  A message's text parses into the plain text people
 * read and a list of styled spans (byte ranges of that text); the GTK
 * layer turns the spans into Pango attributes.  GLib only. */
#ifndef NC_FORMAT_H
#define NC_FORMAT_H

#include <glib.h>

G_BEGIN_DECLS

/** Style bits of a span. */
typedef enum {
    NC_STYLE_BOLD = 1 << 0,
    NC_STYLE_ITALIC = 1 << 1,
    NC_STYLE_UNDERLINE = 1 << 2,
    NC_STYLE_STRIKE = 1 << 3,
    NC_STYLE_MONOSPACE = 1 << 4,
    NC_STYLE_REVERSE = 1 << 5,
} NcStyle;

/** How a colour is given. */
typedef enum {
    NC_COLOR_DEFAULT, /* the theme's colour */
    NC_COLOR_PALETTE, /* value is an index 0-98 of the IRC palette */
    NC_COLOR_RGB,     /* value is 0xRRGGBB (from \x04) */
} NcColorKind;

/** A foreground or background colour. */
typedef struct {
    NcColorKind kind;
    guint32 value;
} NcColor;

/**
 * One styled run of the plain text: bytes [start, end).  With
 * NC_STYLE_REVERSE, fg and bg are already swapped (fg is what was set as
 * the background); a side left NC_COLOR_DEFAULT then means the theme's
 * opposite colour (the text in the background's colour, and so on).
 */
typedef struct {
    gsize start;
    gsize end;
    guint style; /* NcStyle bits */
    NcColor fg;
    NcColor bg;
} NcFormatSpan;

/** A parsed text: the plain text and its styled spans. */
typedef struct {
    char *text;    /* the text without formatting codes */
    GArray *spans; /* NcFormatSpan, in order, not overlapping, none empty */
} NcFormatted;

/**
 * Parse a message's text.  Unstyled text has no span; neighbouring runs
 * of one style are one span.  Any bytes are accepted (codes are ASCII, so
 * valid UTF-8 stays valid and spans end on character boundaries).
 * @param raw the text as received; NULL is taken as ""
 * @return a new NcFormatted (free with nc_formatted_free)
 */
NcFormatted *nc_format_parse(const char *raw);

/** Free a parsed text; NULL is accepted. */
void nc_formatted_free(NcFormatted *f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(NcFormatted, nc_formatted_free)

/**
 * The text without formatting codes (for notifications, window titles
 * and anything else that shows plain text).
 * @return a newly allocated string
 */
char *nc_format_strip(const char *raw);

/**
 * Does the text contain a formatting code?
 */
gboolean nc_format_has_codes(const char *raw);

/**
 * The RGB value (0xRRGGBB) of an IRC palette colour: 0-15 the classic
 * colours, 16-98 the extended ones.
 * @return the colour, or FALSE for an index out of range (99 is
 *         "default", not a colour)
 */
gboolean nc_format_palette_rgb(guint index, guint32 *rgb);

/**
 * The RGB value of a colour.
 * @return FALSE for NC_COLOR_DEFAULT (the theme decides)
 */
gboolean nc_color_to_rgb(NcColor color, guint32 *rgb);

/**
 * A text colour made readable on a background: the same colour when
 * their contrast ratio (WCAG) is at least min_ratio, otherwise mixed
 * toward black or white (whichever contrasts more with the background)
 * just far enough.  For coloured text on the theme's background, so
 * white text stays readable on a light theme and black on a dark one.
 */
guint32 nc_format_readable(guint32 fg, guint32 background, double min_ratio);

/**
 * The WCAG contrast ratio of two colours, 1 to 21.
 */
double nc_format_contrast(guint32 a, guint32 b);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* Fuzz natter's IRC formatting parser (format.c): any text parses; the
 * plain text is the input without codes, the spans are in order, inside
 * it and not empty, and stripping gives the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Up to a NUL, as the text of a message is. */
    char *raw = g_strndup((const char *)data, size);
    NcFormatted *f = nc_format_parse(raw);
    size_t len = strlen(f->text);
    if (len > strlen(raw))
        abort();
    /* Every byte of the plain text is from the input, in order. */
    const char *p = raw;
    for (size_t i = 0; i < len; i++) {
        p = strchr(p, f->text[i]);
        if (!p)
            abort();
        p++;
    }
    gsize last = 0;
    for (guint i = 0; i < f->spans->len; i++) {
        const NcFormatSpan *s = &g_array_index(f->spans, NcFormatSpan, i);
        if (s->start >= s->end || s->start < last || s->end > len)
            abort();
        guint32 rgb;
        if (s->fg.kind == NC_COLOR_PALETTE && !nc_color_to_rgb(s->fg, &rgb))
            abort();
        if (s->bg.kind == NC_COLOR_PALETTE && !nc_color_to_rgb(s->bg, &rgb))
            abort();
        last = s->end;
    }
    /* Valid UTF-8 stays valid, and so does every span of it. */
    if (g_utf8_validate(raw, -1, NULL)) {
        if (!g_utf8_validate(f->text, -1, NULL))
            abort();
        for (guint i = 0; i < f->spans->len; i++) {
            const NcFormatSpan *s = &g_array_index(f->spans, NcFormatSpan, i);
            if (!g_utf8_validate(f->text + s->start, (gssize)(s->end - s->start), NULL))
                abort();
        }
    }
    char *plain = nc_format_strip(raw);
    if (strcmp(plain, f->text) != 0 || nc_format_has_codes(plain))
        abort();
    /* Parsing plain text changes nothing. */
    NcFormatted *again = nc_format_parse(plain);
    if (strcmp(again->text, plain) != 0 || again->spans->len != 0)
        abort();
    nc_formatted_free(again);
    g_free(plain);
    nc_formatted_free(f);
    g_free(raw);
    return 0;
}

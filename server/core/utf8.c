/* SPDX-License-Identifier: MIT */
#include "utf8.h"

#include <string.h>

size_t srv_utf8_decode(const unsigned char *p, size_t avail, unsigned *cp)
{
    if (avail == 0)
        return 0;
    unsigned c = p[0];
    size_t need;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        need = 1;
        min = 0x80;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2;
        min = 0x800;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    if (avail - 1 < need)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[k] & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return need + 1;
}

int srv_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned cp;
        size_t n = srv_utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

size_t srv_utf8_cut(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t full = strlen(s);
    if (full <= len)
        return full;
    /* Back off over continuation bytes so the cut lands on a lead byte. */
    size_t cut = len;
    size_t backed = 0;
    while (cut > 0 && (p[cut] & 0xC0) == 0x80 && backed < 3) {
        cut--;
        backed++;
    }
    return cut;
}

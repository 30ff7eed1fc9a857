/* SPDX-License-Identifier: MIT */
#include "casemap.h"

#include <string.h>

char srv_casefold_char(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    switch (c) {
    case '[':
        return '{';
    case ']':
        return '}';
    case '\\':
        return '|';
    case '~':
        return '^';
    default:
        return c;
    }
}

size_t srv_casefold(char *dst, const char *src, size_t size)
{
    size_t i = 0;
    size_t n = strlen(src);
    if (size == 0)
        return n;
    for (; i < n && i + 1 < size; i++)
        dst[i] = srv_casefold_char(src[i]);
    dst[i] = '\0';
    return n;
}

int srv_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char ca = (unsigned char)srv_casefold_char(*a);
        unsigned char cb = (unsigned char)srv_casefold_char(*b);
        if (ca != cb || ca == '\0')
            return (int)ca - (int)cb;
    }
}

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_nick_special(char c)
{
    return c != '\0' && strchr("[]\\`_^{|}", c) != NULL;
}

int srv_nick_valid(const char *nick, size_t maxlen)
{
    size_t n = strlen(nick);
    if (n == 0 || n > maxlen)
        return 0;
    if (!is_letter(nick[0]) && !is_nick_special(nick[0]))
        return 0;
    for (size_t i = 1; i < n; i++) {
        char c = nick[i];
        if (!is_letter(c) && !is_digit(c) && !is_nick_special(c) && c != '-')
            return 0;
    }
    return 1;
}

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

int srv_channel_valid(const char *name, size_t maxlen)
{
    size_t n = strlen(name);
    if (n < 2 || n > maxlen || name[0] != '#')
        return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c == ',' || c == 0x7F)
            return 0;
    }
    return srv_utf8_valid(name, n);
}

int srv_mask_match(const char *mask, const char *str)
{
    const char *star = NULL;
    const char *resume = NULL;
    while (*str) {
        if (*mask == '*') {
            star = mask++;
            resume = str;
        } else if (*mask == '?' || (*mask && srv_casefold_char(*mask) == srv_casefold_char(*str))) {
            mask++;
            str++;
        } else if (star) {
            mask = star + 1;
            str = ++resume;
        } else {
            return 0;
        }
    }
    while (*mask == '*')
        mask++;
    return *mask == '\0';
}

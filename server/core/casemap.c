/* SPDX-License-Identifier: MIT */
#include "casemap.h"

#include "utf8.h"

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

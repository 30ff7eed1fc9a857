/* SPDX-License-Identifier: MIT */
#include "mask.h"

#include "casemap.h"

#include <stdio.h>
#include <string.h>

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

void srv_normalize_mask(const char *in, char *dst, size_t size)
{
    const char *bang = strchr(in, '!');
    const char *at = strchr(in, '@');
    if (bang && at)
        snprintf(dst, size, "%s", in);
    else if (bang)
        snprintf(dst, size, "%s@*", in);
    else if (at)
        snprintf(dst, size, "*!%s", in);
    else
        snprintf(dst, size, "%s!*@*", in);
}

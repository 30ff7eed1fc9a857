/* SPDX-License-Identifier: MIT */
#include "timefmt.h"

#include <stdio.h>

typedef struct civil {
    int64_t year;
    unsigned month, day, hour, minute, second, weekday;
} civil;

/* Howard Hinnant's days-to-civil algorithm (proleptic Gregorian). */
static civil to_civil(int64_t unix_s)
{
    civil c;
    int64_t days = unix_s / 86400;
    int64_t rem = unix_s % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    c.hour = (unsigned)(rem / 3600);
    c.minute = (unsigned)(rem / 60 % 60);
    c.second = (unsigned)(rem % 60);
    c.weekday = (unsigned)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    c.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    return c;
}

void srv_time_iso8601(int64_t wall_us, char *dst, size_t size)
{
    int64_t s = wall_us / 1000000;
    int64_t us = wall_us % 1000000;
    if (us < 0) {
        us += 1000000;
        s--;
    }
    civil c = to_civil(s);
    snprintf(dst, size, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)c.year, c.month, c.day,
             c.hour, c.minute, c.second, (unsigned)(us / 1000));
}

void srv_time_human(int64_t unix_s, char *dst, size_t size)
{
    static const char *const weekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    civil c = to_civil(unix_s);
    snprintf(dst, size, "%s %s %02u %lld -- %02u:%02u:%02u +00:00", weekdays[c.weekday % 7],
             months[(c.month - 1) % 12], c.day, (long long)c.year, c.hour, c.minute, c.second);
}

/* Hinnant's days-from-civil: the inverse of to_civil(). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n decimal digits at s.  @return the value, or -1 */
static long digits(const char *s, int n)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int srv_time_parse_iso8601(const char *text, int64_t *wall_us)
{
    /* YYYY-MM-DDThh:mm:ss[.fraction]Z */
    const char *t = text;
    long y = digits(t, 4), mo = digits(t + 5, 2), d = digits(t + 8, 2);
    if (y < 0 || t[4] != '-' || mo < 1 || mo > 12 || t[7] != '-' || d < 1 || d > 31 ||
        t[10] != 'T')
        return -1;
    long h = digits(t + 11, 2), mi = digits(t + 14, 2), s = digits(t + 17, 2);
    if (h < 0 || h > 23 || t[13] != ':' || mi < 0 || mi > 59 || t[16] != ':' || s < 0 || s > 60)
        return -1;
    t += 19;
    long us = 0;
    if (*t == '.') {
        int n = 0;
        for (t++; *t >= '0' && *t <= '9'; t++, n++) {
            if (n < 6)
                us = us * 10 + (*t - '0');
        }
        if (n == 0)
            return -1;
        for (; n < 6; n++)
            us *= 10;
    }
    if (t[0] != 'Z' || t[1] != '\0')
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *wall_us = ((days * 86400 + h * 3600 + mi * 60 + s) * 1000000) + us;
    return 0;
}

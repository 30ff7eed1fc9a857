/* SPDX-License-Identifier: MIT */
#include "log.h"

#include "natterd-core.h"
#include "timefmt.h"
#include "utf8.h"

#include <natter/clock.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int log_level = SRV_LOG_INFO;
static FILE *log_file;
static int log_journal;

static const char *const level_names[] = {"error", "warning", "info", "debug"};
/* syslog priorities: err, warning, info, debug */
static const int journal_priority[] = {3, 4, 6, 7};

int srv_log_open(int level, const char *path)
{
    log_level = level;
    /* systemd sets JOURNAL_STREAM when stderr is connected to the journal,
     * which timestamps lines itself. */
    log_journal = !path && getenv("JOURNAL_STREAM") != NULL;
    if (path) {
        log_file = fopen(path, "a");
        if (!log_file)
            return -1;
    }
    return 0;
}

void srv_log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

int srv_log_level_from_name(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

/* Length of the well-formed UTF-8 sequence at p that is not a C1
 * control (U+0080..U+009F, which terminals obey like ESC sequences), or
 * 0.  Invalid bytes are escaped too, so the log stays valid UTF-8 (the
 * journal keeps a message with invalid UTF-8 only as a binary blob). */
static size_t printable_utf8(const unsigned char *p)
{
    unsigned cp = 0;
    /* Never past the terminating NUL: a sequence is at most 4 bytes. */
    size_t n = srv_utf8_decode(p, strnlen((const char *)p, 4), &cp);
    return n == 0 || cp <= 0x9F ? 0 : n;
}

void srv_log_write(void *ctx, int level, const char *message)
{
    (void)ctx;
    if (level > log_level || level < 0)
        return;
    FILE *out = log_file ? log_file : stderr;
    char escaped[2048];
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)message; *p && o + 5 < sizeof escaped;) {
        size_t n = *p >= 0x80 ? printable_utf8(p) : (*p >= 0x20 && *p != 0x7f);
        if (n == 0) {
            o += (size_t)snprintf(escaped + o, sizeof escaped - o, "\\x%02x", *p);
            p++;
        } else if (o + n < sizeof escaped - 1) {
            memcpy(escaped + o, p, n);
            o += n;
            p += n;
        } else {
            break;
        }
    }
    escaped[o] = '\0';
    if (log_journal) {
        fprintf(out, "<%d>%s\n", journal_priority[level], escaped);
    } else {
        char stamp[40];
        srv_time_iso8601(nt_clock_wall_us(), stamp, sizeof stamp);
        fprintf(out, "%s %s: %s\n", stamp, level_names[level], escaped);
    }
    fflush(out);
}

void srv_logf(int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv_log_write(NULL, level, msg);
}

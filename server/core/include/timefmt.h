/* SPDX-License-Identifier: MIT */
/*
 * UTC time formatting without gmtime(): gmtime is not reentrant and its
 * reentrant forms differ between POSIX (gmtime_r) and Windows (gmtime_s),
 * while the civil-from-days arithmetic is the same everywhere.
 */
#ifndef NATTERD_TIMEFMT_H
#define NATTERD_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/** The IRCv3 server-time form "2024-05-01T12:00:00.123Z" of wall_us (>= 24 bytes of dst). */
void srv_time_iso8601(int64_t wall_us, char *dst, size_t size);

/**
 * Read the server-time form "2024-05-01T12:00:00.123Z" (any number of
 * fraction digits, or none; UTC only).
 * @return 0, or -1 when text is not one
 */
int srv_time_parse_iso8601(const char *text, int64_t *wall_us);

/** The TIME reply form "Wednesday May 01 2024 -- 12:00:00 +00:00". */
void srv_time_human(int64_t unix_s, char *dst, size_t size);

#endif

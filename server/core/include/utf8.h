/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 as natterd checks it: strictly well-formed sequences (no overlong
 * forms, surrogates or values past U+10FFFF).  Message text passes through
 * as sent; names must be valid, and whatever natterd truncates (topics,
 * reasons, MOTD lines) is cut on a character boundary.  The log uses the
 * decoder to escape what is not printable.
 */
#ifndef NATTERD_UTF8_H
#define NATTERD_UTF8_H

#include <stddef.h>

/** Is s valid UTF-8 of length len? */
int srv_utf8_valid(const char *s, size_t len);

/**
 * Decode one well-formed UTF-8 sequence (no overlong forms, surrogates or
 * values past U+10FFFF) from at most avail bytes at p.
 * @param cp receives the code point
 * @return the sequence's length, or 0 when it is not well-formed
 */
size_t srv_utf8_decode(const unsigned char *p, size_t avail, unsigned *cp);

/**
 * The largest length <= len at which s can be cut without splitting a
 * UTF-8 sequence, so truncated topics and reasons stay well-formed.
 */
size_t srv_utf8_cut(const char *s, size_t len);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * RFC 1459 casemapping (advertised as CASEMAPPING=rfc1459): A-Z fold to
 * a-z and []\~ fold to {}|^.  Every nick and channel comparison in natterd
 * goes through here, so "Nick[1]" and "nick{1}" are always one name.
 * Also what a valid nick and channel name are.
 */
#ifndef NATTERD_CASEMAP_H
#define NATTERD_CASEMAP_H

#include <stddef.h>

/** Fold one byte under rfc1459 casemapping. */
char srv_casefold_char(char c);

/**
 * Copy src folded into dst (at most size-1 bytes, always NUL-terminated
 * when size > 0).  @return the length of src (as strlen), like strlcpy, so
 * a caller can detect truncation.
 */
size_t srv_casefold(char *dst, const char *src, size_t size);

/** Compare two names under the casemapping; <0, 0 or >0 like strcmp. */
int srv_casecmp(const char *a, const char *b);

/** Is nick a valid nickname of at most maxlen bytes? */
int srv_nick_valid(const char *nick, size_t maxlen);

/**
 * Is name a valid channel name (starts with '#', at most maxlen bytes, no
 * space, comma, BEL, control characters, and valid UTF-8)?
 */
int srv_channel_valid(const char *name, size_t maxlen);

#endif

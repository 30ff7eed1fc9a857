/* SPDX-License-Identifier: MIT */
/*
 * Glob masks ("nick!user@host" patterns) for bans and WHO: matching under
 * the rfc1459 casemapping, and the normal form a ban is stored in.
 */
#ifndef NATTERD_MASK_H
#define NATTERD_MASK_H

#include <stddef.h>

/**
 * Match str against a glob mask ('*' any run, '?' one byte) under the
 * casemapping.  Iterative with bounded backtracking: linear in practice,
 * never recursive, so a hostile mask cannot blow the stack.
 */
int srv_mask_match(const char *mask, const char *str);

/**
 * Normalise a ban mask: "nick" -> "nick!*@*", "user@host" -> "*!user@host",
 * "n!u" -> "n!u@*"; truncated to SRV_MASK_MAX.
 */
void srv_normalize_mask(const char *in, char *dst, size_t size);

#endif

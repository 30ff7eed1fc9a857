/* SPDX-License-Identifier: MIT */
/*
 * Salted password hashes for PASS and OPER: PBKDF2-HMAC-SHA256 (nettle),
 * stored as "pbkdf2-sha256$<iterations>$<salt-hex>$<hash-hex>", compared
 * in constant time so a timing side channel does not leak how many bytes
 * of a guess were right.
 */
#ifndef NATTERD_PASSWORD_H
#define NATTERD_PASSWORD_H

#include <stddef.h>

/**
 * Does password match the stored hash string?
 * @return 1 on a match, 0 on a mismatch or a malformed stored hash
 */
int srv_password_verify(const char *stored, const char *password);

/**
 * Is stored a well-formed hash (prefix, iterations in range, hex salt, a
 * hex hash of at least 16 bytes)?  The configuration refuses any other
 * value, so a typo cannot silently lock everyone out.
 * @return 1 or 0
 */
int srv_password_hash_valid(const char *stored);

/**
 * Hash password with the given salt and iteration count into out, in the
 * stored form (for a "natterd --hash-password" helper; the caller supplies
 * random salt bytes).
 * @return 0, or -1 when out is too small or the arguments are out of range
 */
int srv_password_hash(const char *password, const unsigned char *salt, size_t saltlen,
                      unsigned iterations, char *out, size_t outsize);

#endif

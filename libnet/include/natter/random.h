/* SPDX-License-Identifier: MIT */
/**
 * @file natter/random.h
 * @brief Bytes from the operating system's cryptographic random source.
 */
#ifndef NATTER_RANDOM_H
#define NATTER_RANDOM_H

#include <natter/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Fill buf with len random bytes from the OS (getrandom / getentropy on
 * POSIX, BCryptGenRandom on Windows), suitable for salts and keys.
 * @return NT_OK, NT_EINVAL, or NT_EUNKNOWN when the OS source fails
 */
NT_API int nt_random_bytes(void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif

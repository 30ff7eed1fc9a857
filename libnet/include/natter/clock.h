/* SPDX-License-Identifier: MIT */
/**
 * @file natter/clock.h
 * @brief A monotonic clock and a sleep, the same on every platform.
 */
#ifndef NATTER_CLOCK_H
#define NATTER_CLOCK_H

#include <natter/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Milliseconds from an arbitrary fixed point; never goes backwards and is
 * not moved by changes to the wall clock.
 */
NT_API uint64_t nt_clock_ms(void);

/**
 * Microseconds on the same monotonic clock as nt_clock_ms().
 */
NT_API uint64_t nt_clock_us(void);

/**
 * Wall-clock time as microseconds since the UNIX epoch (UTC), for
 * timestamps shown to people; not for measuring intervals.
 */
NT_API int64_t nt_clock_wall_us(void);

/**
 * Sleep the calling thread for at least ms milliseconds.
 */
NT_API void nt_sleep_ms(unsigned ms);

#ifdef __cplusplus
}
#endif
#endif

/* SPDX-License-Identifier: MIT */
/* POSIX clocks: CLOCK_MONOTONIC for intervals, CLOCK_REALTIME for stamps. */
#include <errno.h>
#include <time.h>

#include <natter/clock.h>

uint64_t nt_clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t nt_clock_ms(void)
{
    return nt_clock_us() / 1000u;
}

int64_t nt_clock_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + (int64_t)ts.tv_nsec / 1000;
}

void nt_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* SPDX-License-Identifier: MIT */
/* Windows clocks: QueryPerformanceCounter for intervals, the system time
 * (100 ns since 1601) for stamps. */
#include <windows.h>

#include <natter/clock.h>

uint64_t nt_clock_us(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq); /* constant; a race is harmless */
    QueryPerformanceCounter(&now);
    return (uint64_t)(now.QuadPart / freq.QuadPart) * 1000000u +
           (uint64_t)(now.QuadPart % freq.QuadPart) * 1000000u / (uint64_t)freq.QuadPart;
}

uint64_t nt_clock_ms(void)
{
    return nt_clock_us() / 1000u;
}

int64_t nt_clock_wall_us(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (int64_t)(t / 10u) - INT64_C(11644473600000000);
}

void nt_sleep_ms(unsigned ms)
{
    Sleep(ms);
}

/* SPDX-License-Identifier: MIT */
/* Another process's CPU time and memory, from Linux's /proc. */
#ifndef LOADGEN_PROCSTAT_H
#define LOADGEN_PROCSTAT_H

#include <stdint.h>

typedef struct procstat {
    int ok;           /* the process existed and /proc was readable */
    double cpu_s;     /* user + system CPU seconds so far */
    uint64_t rss_kib; /* VmRSS */
    uint64_t hwm_kib; /* VmHWM: the largest RSS so far */
} procstat;

/* Read pid's figures (pid 0: this process). */
procstat procstat_read(int pid);

/* Read n processes' figures into each[0..n-1] and return their sum (CPU,
 * RSS and VmHWM added up); the sum is ok only when every one was read. */
procstat procstat_read_all(const int *pids, unsigned n, procstat *each);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * A log-linear histogram of non-negative integers (microseconds here):
 * values below 32 are exact, above that each power of two is split into 32
 * buckets, so a percentile is within about 3% of the true value.  Fixed
 * size, no allocation, O(1) to record.
 */
#ifndef LOADGEN_HIST_H
#define LOADGEN_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Values up to 2^47 (about 4.5 years in microseconds) keep their bucket;
 * larger ones land in the last. */
#define HIST_MAX_EXP 47
#define HIST_BUCKETS ((HIST_MAX_EXP - HIST_SUB_BITS + 2) * HIST_SUB)

typedef struct hist {
    uint64_t count;
    uint64_t sum;
    uint64_t min;
    uint64_t max;
    uint64_t bucket[HIST_BUCKETS];
} hist;

void hist_init(hist *h);
void hist_add(hist *h, uint64_t v);
/* Merge src into dst. */
void hist_merge(hist *dst, const hist *src);
/* The value at quantile q (0..1): the upper edge of the bucket holding it,
 * never above the largest value recorded; 0 when empty. */
uint64_t hist_quantile(const hist *h, double q);
double hist_mean(const hist *h);

#endif

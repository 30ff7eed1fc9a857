/* SPDX-License-Identifier: MIT */
#include "hist.h"

#include <string.h>

void hist_init(hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

static unsigned bucket_of(uint64_t v)
{
    if (v < HIST_SUB)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= HIST_SUB_BITS */
    if (e > HIST_MAX_EXP)
        return HIST_BUCKETS - 1;
    unsigned sub = (unsigned)(v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1);
    return (e - HIST_SUB_BITS + 1) * HIST_SUB + sub;
}

/* The largest value that falls in bucket i. */
static uint64_t bucket_top(unsigned i)
{
    if (i < HIST_SUB)
        return i;
    unsigned group = i / HIST_SUB; /* >= 1 */
    unsigned sub = i % HIST_SUB;
    unsigned shift = group - 1; /* e - HIST_SUB_BITS */
    uint64_t low = (uint64_t)(HIST_SUB + sub) << shift;
    return low + ((uint64_t)1 << shift) - 1;
}

void hist_add(hist *h, uint64_t v)
{
    h->bucket[bucket_of(v)]++;
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

void hist_merge(hist *dst, const hist *src)
{
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t hist_quantile(const hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0)
        return h->min;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.5);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            uint64_t top = bucket_top(i);
            return top < h->max ? top : h->max;
        }
    }
    return h->max;
}

double hist_mean(const hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

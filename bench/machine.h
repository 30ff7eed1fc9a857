/* SPDX-License-Identifier: MIT */
/* What the benchmarks print about the machine they ran on, so that figures
 * from different runs can be told apart. */
#ifndef NATTER_BENCH_MACHINE_H
#define NATTER_BENCH_MACHINE_H

#include <stddef.h>

/* The CPU count and model, from what each OS offers ("?" and "unknown"
 * when it offers nothing). */
void bench_machine(char *cpus, size_t ncpus, char *model, size_t nmodel);

#endif

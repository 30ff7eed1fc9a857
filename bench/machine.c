/* SPDX-License-Identifier: MIT */
/* The machine's figures for the benchmarks' headers (machine.h): what each
 * OS offers, read without conditionals. */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_machine(char *cpus, size_t ncpus, char *model, size_t nmodel)
{
    int count = 0;
    snprintf(cpus, ncpus, "?");
    snprintf(model, nmodel, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "processor", 9) == 0)
                count++;
            if (strncmp(line, "model name", 10) == 0 && strcmp(model, "unknown") == 0) {
                char *colon = strchr(line, ':');
                if (colon) {
                    colon++;
                    while (*colon == ' ' || *colon == '\t')
                        colon++;
                    colon[strcspn(colon, "\r\n")] = '\0';
                    snprintf(model, nmodel, "%s", colon);
                }
            }
        }
        fclose(f);
    }
    if (count > 0) {
        snprintf(cpus, ncpus, "%d", count);
    } else {
        const char *n = getenv("NUMBER_OF_PROCESSORS"); /* Windows */
        if (n && *n)
            snprintf(cpus, ncpus, "%s", n);
    }
    if (strcmp(model, "unknown") == 0) {
        const char *id = getenv("PROCESSOR_IDENTIFIER"); /* Windows */
        if (id && *id)
            snprintf(model, nmodel, "%s", id);
    }
}

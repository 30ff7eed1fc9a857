/* SPDX-License-Identifier: MIT */
#include "procstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (int)n;
}

static uint64_t status_kib(const char *status, const char *key)
{
    const char *p = strstr(status, key);
    if (!p)
        return 0;
    return strtoull(p + strlen(key), NULL, 10);
}

procstat procstat_read(int pid)
{
    procstat st;
    memset(&st, 0, sizeof st);
    char path[64], buf[4096];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
    else
        snprintf(path, sizeof path, "/proc/self/stat");
    if (read_file(path, buf, sizeof buf) <= 0)
        return st;
    /* The command name may hold spaces and parentheses: fields are counted
     * from the last ')'.  utime and stime are fields 14 and 15. */
    char *p = strrchr(buf, ')');
    if (!p)
        return st;
    p++;
    unsigned long long utime = 0, stime = 0;
    int field = 2;
    char *save = NULL;
    for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        field++;
        if (field == 14)
            utime = strtoull(tok, NULL, 10);
        else if (field == 15) {
            stime = strtoull(tok, NULL, 10);
            break;
        }
    }
    long hz = sysconf(_SC_CLK_TCK);
    st.cpu_s = (double)(utime + stime) / (double)(hz > 0 ? hz : 100);

    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/status", pid);
    else
        snprintf(path, sizeof path, "/proc/self/status");
    if (read_file(path, buf, sizeof buf) <= 0)
        return st;
    st.rss_kib = status_kib(buf, "VmRSS:");
    st.hwm_kib = status_kib(buf, "VmHWM:");
    st.ok = 1;
    return st;
}

procstat procstat_read_all(const int *pids, unsigned n, procstat *each)
{
    procstat sum;
    memset(&sum, 0, sizeof sum);
    sum.ok = n > 0;
    for (unsigned i = 0; i < n; i++) {
        each[i] = procstat_read(pids[i]);
        sum.ok = sum.ok && each[i].ok;
        sum.cpu_s += each[i].cpu_s;
        sum.rss_kib += each[i].rss_kib;
        sum.hwm_kib += each[i].hwm_kib;
    }
    return sum;
}

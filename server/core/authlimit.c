/* SPDX-License-Identifier: MIT */
#include "authlimit.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"

typedef struct entry {
    char host[SRV_HOST_MAX + 1];
    unsigned failures;
    uint64_t window_start;
} entry;

struct srv_authlimit {
    entry entries[SRV_AUTH_MAX_HOSTS];
};

srv_authlimit *srv_authlimit_new(void)
{
    return calloc(1, sizeof(srv_authlimit));
}

void srv_authlimit_free(srv_authlimit *a)
{
    free(a);
}

/* The table is small and only consulted around a password check (itself
 * tens of milliseconds), so a linear scan costs nothing that matters. */
static entry *find(srv_authlimit *a, const char *host, uint64_t now_ms)
{
    for (size_t i = 0; i < SRV_AUTH_MAX_HOSTS; i++) {
        entry *e = &a->entries[i];
        if (e->failures && strcmp(e->host, host) == 0) {
            if (now_ms - e->window_start >= SRV_AUTH_WINDOW_MS)
                e->failures = 0; /* window over: forgotten */
            return e->failures ? e : NULL;
        }
    }
    return NULL;
}

int srv_authlimit_allowed(srv_authlimit *a, const char *host, uint64_t now_ms, unsigned max)
{
    entry *e = find(a, host, now_ms);
    return max == 0 || !e || e->failures < max;
}

void srv_authlimit_forgive(srv_authlimit *a, const char *host, uint64_t now_ms)
{
    entry *e = find(a, host, now_ms);
    if (e && e->failures)
        e->failures--;
}

void srv_authlimit_failed(srv_authlimit *a, const char *host, uint64_t now_ms)
{
    entry *e = find(a, host, now_ms);
    if (!e) {
        /* A free slot, or else the oldest window. */
        e = &a->entries[0];
        for (size_t i = 0; i < SRV_AUTH_MAX_HOSTS; i++) {
            entry *c = &a->entries[i];
            if (!c->failures || now_ms - c->window_start >= SRV_AUTH_WINDOW_MS) {
                e = c;
                break;
            }
            if (c->window_start < e->window_start)
                e = c;
        }
        memset(e, 0, sizeof *e);
        strncpy(e->host, host, sizeof e->host - 1);
        e->window_start = now_ms;
    }
    e->failures++;
}

/* SPDX-License-Identifier: MIT */
/*
 * A hash table from names to pointers, keyed by the rfc1459-casefolded
 * name: the nick table and the channel table.  O(1) average lookup,
 * insert and delete; it grows by doubling so lookups never degrade into a
 * scan of every client.
 */
#ifndef NATTERD_STRMAP_H
#define NATTERD_STRMAP_H

#include <stddef.h>

typedef struct srv_strmap srv_strmap;

/** Iteration cursor; start with SRV_STRMAP_ITER_INIT. */
typedef struct srv_strmap_iter {
    size_t bucket;
    void *entry;
} srv_strmap_iter;

#define SRV_STRMAP_ITER_INIT \
    {                        \
        0, NULL              \
    }

/** A new empty map, or NULL when out of memory. */
srv_strmap *srv_strmap_new(void);

/** Free the map (not the values). NULL is accepted. */
void srv_strmap_free(srv_strmap *m);

/** The value stored under name (casefolded), or NULL. */
void *srv_strmap_get(const srv_strmap *m, const char *name);

/**
 * Store value under name, replacing any previous value.
 * @return 0, or -1 when out of memory (the map is unchanged)
 */
int srv_strmap_put(srv_strmap *m, const char *name, void *value);

/** Remove name; @return the value it had, or NULL. */
void *srv_strmap_remove(srv_strmap *m, const char *name);

/** How many names the map holds. */
size_t srv_strmap_count(const srv_strmap *m);

/**
 * Advance it and return the next value, or NULL at the end.  The map must
 * not be modified during an iteration.
 */
void *srv_strmap_next(const srv_strmap *m, srv_strmap_iter *it);

#endif

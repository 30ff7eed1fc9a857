/* SPDX-License-Identifier: MIT */
#include "strmap.h"

#include "casemap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *next;
    uint32_t hash;
    void *value;
    char key[]; /* casefolded */
} entry;

struct srv_strmap {
    entry **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
};

/* FNV-1a over the folded bytes, so equal names under rfc1459 hash alike. */
static uint32_t fold_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)srv_casefold_char(*s);
        h *= 16777619u;
    }
    return h;
}

srv_strmap *srv_strmap_new(void)
{
    srv_strmap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->nbuckets = 64;
    m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
    if (!m->buckets) {
        free(m);
        return NULL;
    }
    return m;
}

void srv_strmap_free(srv_strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        entry *e = m->buckets[i];
        while (e) {
            entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    free(m);
}

static entry **find_slot(const srv_strmap *m, const char *name, uint32_t h)
{
    entry **slot = &m->buckets[h & (m->nbuckets - 1)];
    for (; *slot; slot = &(*slot)->next) {
        if ((*slot)->hash == h && srv_casecmp((*slot)->key, name) == 0)
            return slot;
    }
    return slot;
}

void *srv_strmap_get(const srv_strmap *m, const char *name)
{
    entry **slot = find_slot(m, name, fold_hash(name));
    return *slot ? (*slot)->value : NULL;
}

static void grow(srv_strmap *m)
{
    size_t n = m->nbuckets * 2;
    entry **b = calloc(n, sizeof *b);
    if (!b)
        return; /* keep working with longer chains */
    for (size_t i = 0; i < m->nbuckets; i++) {
        entry *e = m->buckets[i];
        while (e) {
            entry *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

int srv_strmap_put(srv_strmap *m, const char *name, void *value)
{
    uint32_t h = fold_hash(name);
    entry **slot = find_slot(m, name, h);
    if (*slot) {
        (*slot)->value = value;
        return 0;
    }
    size_t len = strlen(name);
    entry *e = malloc(sizeof *e + len + 1);
    if (!e)
        return -1;
    srv_casefold(e->key, name, len + 1);
    e->hash = h;
    e->value = value;
    e->next = NULL;
    *slot = e;
    if (++m->count > m->nbuckets - m->nbuckets / 4)
        grow(m);
    return 0;
}

void *srv_strmap_remove(srv_strmap *m, const char *name)
{
    entry **slot = find_slot(m, name, fold_hash(name));
    entry *e = *slot;
    if (!e)
        return NULL;
    void *v = e->value;
    *slot = e->next;
    free(e);
    m->count--;
    return v;
}

size_t srv_strmap_count(const srv_strmap *m)
{
    return m->count;
}

void *srv_strmap_next(const srv_strmap *m, srv_strmap_iter *it)
{
    entry *e = it->entry;
    if (e && e->next) {
        it->entry = e->next;
        return e->next->value;
    }
    size_t b = e ? it->bucket + 1 : it->bucket;
    for (; b < m->nbuckets; b++) {
        if (m->buckets[b]) {
            it->bucket = b;
            it->entry = m->buckets[b];
            return m->buckets[b]->value;
        }
    }
    it->bucket = m->nbuckets;
    it->entry = NULL;
    return NULL;
}

/* SPDX-License-Identifier: MIT */
#include "whowas.h"

#include "casemap.h"

#include <stdlib.h>
#include <string.h>

struct srv_whowas {
    size_t capacity;
    size_t next; /* slot the next entry goes into */
    size_t count;
    srv_whowas_entry entries[];
};

srv_whowas *srv_whowas_new(size_t capacity)
{
    srv_whowas *w = calloc(1, sizeof *w + capacity * sizeof(srv_whowas_entry));
    if (w)
        w->capacity = capacity;
    return w;
}

void srv_whowas_free(srv_whowas *w)
{
    free(w);
}

static void copy_field(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void srv_whowas_add(srv_whowas *w, const srv_client *c, int64_t when_s)
{
    if (!w || w->capacity == 0 || !c->nick[0])
        return;
    srv_whowas_entry *e = &w->entries[w->next];
    copy_field(e->nick, sizeof e->nick, c->nick);
    copy_field(e->user, sizeof e->user, c->user);
    copy_field(e->host, sizeof e->host, c->host);
    copy_field(e->realname, sizeof e->realname, c->realname);
    e->when_s = when_s;
    w->next = (w->next + 1) % w->capacity;
    if (w->count < w->capacity)
        w->count++;
}

const srv_whowas_entry *srv_whowas_find(const srv_whowas *w, const char *nick, size_t index)
{
    if (!w)
        return NULL;
    for (size_t i = 0; i < w->count; i++) {
        size_t slot = (w->next + w->capacity - 1 - i) % w->capacity;
        const srv_whowas_entry *e = &w->entries[slot];
        if (srv_casecmp(e->nick, nick) == 0) {
            if (index == 0)
                return e;
            index--;
        }
    }
    return NULL;
}

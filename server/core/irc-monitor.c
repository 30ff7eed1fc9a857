/* SPDX-License-Identifier: MIT */
/* MONITOR: + - C L S, and the watcher index behind it (monitor.h). */
#include "monitor.h"

#include "casemap.h"
#include "client.h"
#include "commands.h"
#include "numerics.h"
#include "send.h"

#include <stdlib.h>
#include <string.h>

#define ITEM_MAX 256
/* Replies with several targets are packed under this many bytes. */
#define PACK_MAX 400

/* One watched nick: its spelling as first asked for and who watches it. */
struct srv_watch {
    char nick[SRV_NICKLEN_MAX + 1];
    srv_client **watchers;
    size_t nwatchers, cap;
};

static srv_watch *watch_get(srv_server *s, const char *nick)
{
    return srv_strmap_get(s->monitors, nick);
}

/* Grow an array of pointers to hold one more. */
static int grow(void ***items, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 4;
    void **p = realloc(*items, ncap * sizeof *p);
    if (!p)
        return -1;
    *items = p;
    *cap = ncap;
    return 0;
}

static int watching(const srv_client *c, const srv_watch *w)
{
    for (size_t i = 0; i < c->nwatching; i++) {
        if (c->watching[i] == w)
            return 1;
    }
    return 0;
}

/* Add nick to c's list: 1 added, 0 already there, -1 out of memory. */
static int watch_add(srv_client *c, const char *nick)
{
    srv_server *s = c->server;
    srv_watch *w = watch_get(s, nick);
    int created = 0;
    if (w && watching(c, w))
        return 0;
    if (!w) {
        if (!(w = calloc(1, sizeof *w)))
            return -1;
        memcpy(w->nick, nick, strlen(nick) + 1);
        if (srv_strmap_put(s->monitors, nick, w) < 0) {
            free(w);
            return -1;
        }
        created = 1;
    }
    if (grow((void ***)&w->watchers, w->nwatchers, &w->cap) < 0 ||
        grow((void ***)&c->watching, c->nwatching, &c->watching_cap) < 0) {
        if (created) {
            srv_strmap_remove(s->monitors, nick);
            free(w->watchers);
            free(w);
        }
        return -1;
    }
    w->watchers[w->nwatchers++] = c;
    c->watching[c->nwatching++] = w;
    return 1;
}

/* Take c off w's watchers; free w when nobody watches it any more. */
static void watch_drop(srv_server *s, srv_watch *w, srv_client *c)
{
    for (size_t i = 0; i < w->nwatchers; i++) {
        if (w->watchers[i] == c) {
            w->watchers[i] = w->watchers[--w->nwatchers];
            break;
        }
    }
    if (w->nwatchers == 0) {
        srv_strmap_remove(s->monitors, w->nick);
        free(w->watchers);
        free(w);
    }
}

static void watch_remove(srv_client *c, const char *nick)
{
    srv_watch *w = watch_get(c->server, nick);
    if (!w)
        return;
    for (size_t i = 0; i < c->nwatching; i++) {
        if (c->watching[i] == w) {
            c->watching[i] = c->watching[--c->nwatching];
            watch_drop(c->server, w, c);
            return;
        }
    }
}

void srv_monitor_forget(srv_client *c)
{
    while (c->nwatching)
        watch_drop(c->server, c->watching[--c->nwatching], c);
    free(c->watching);
    c->watching = NULL;
    c->watching_cap = 0;
}

void srv_monitor_free_all(srv_server *s)
{
    /* Every client forgot its list when it quit; this is only a guard. */
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_watch *w;
    while ((w = srv_strmap_next(s->monitors, &it))) {
        free(w->watchers);
        free(w);
    }
}

/* Comma-separated targets packed into as few numeric replies as fit. */
typedef struct pack {
    srv_client *client;
    int numeric;
    char line[PACK_MAX];
    size_t n;
} pack;

static void pack_flush(pack *p)
{
    if (p->n)
        srv_numeric(p->client, p->numeric, ":%s", p->line);
    p->n = 0;
    p->line[0] = '\0';
}

static void pack_add(pack *p, const char *word)
{
    size_t len = strlen(word);
    if (len >= sizeof p->line)
        return;
    if (p->n && p->n + 1 + len >= sizeof p->line)
        pack_flush(p);
    if (p->n)
        p->line[p->n++] = ',';
    memcpy(p->line + p->n, word, len + 1);
    p->n += len;
}

/* One target's status into the online (730) or offline (731) pack. */
static void status_one(srv_client *c, const char *nick, pack *on, pack *off)
{
    srv_client *who = srv_client_find(c->server, nick);
    if (who && who->registered) {
        char prefix[SRV_PREFIX_MAX + 1];
        srv_client_prefix(who, prefix, sizeof prefix);
        pack_add(on, prefix);
    } else {
        pack_add(off, nick);
    }
}

static void pack_init(pack *p, srv_client *c, int numeric)
{
    p->client = c;
    p->numeric = numeric;
    p->n = 0;
    p->line[0] = '\0';
}

static void monitor_add(srv_client *c, const char *targets)
{
    pack on, off;
    pack_init(&on, c, RPL_MONONLINE);
    pack_init(&off, c, RPL_MONOFFLINE);
    const char *cursor = targets;
    char nick[ITEM_MAX];
    for (;;) {
        const char *item = cursor;
        if (!srv_next_item(&cursor, nick, sizeof nick))
            break;
        if (!srv_nick_valid(nick, SRV_NICKLEN_MAX))
            continue;
        srv_watch *w = watch_get(c->server, nick);
        if (!(w && watching(c, w)) && c->nwatching >= SRV_MONITOR_LIMIT) {
            pack_flush(&on);
            pack_flush(&off);
            /* The targets not added: this one and the rest, as sent. */
            srv_numeric(c, ERR_MONLISTFULL, "%d %.300s :Monitor list is full.", SRV_MONITOR_LIMIT,
                        item);
            return;
        }
        if (watch_add(c, nick) < 0)
            break;
        status_one(c, nick, &on, &off);
    }
    pack_flush(&on);
    pack_flush(&off);
}

static void monitor_remove(srv_client *c, const char *targets)
{
    const char *cursor = targets;
    char nick[ITEM_MAX];
    while (srv_next_item(&cursor, nick, sizeof nick)) {
        if (nick[0])
            watch_remove(c, nick);
    }
}

void srv_cmd_monitor(srv_client *c, const srv_msg *msg)
{
    const char *sub = msg->params[0];
    const char *targets = msg->nparams > 1 ? msg->params[1] : "";
    if (strcmp(sub, "+") == 0 || strcmp(sub, "-") == 0) {
        if (!targets[0]) {
            srv_numeric(c, ERR_NEEDMOREPARAMS, "MONITOR :Not enough parameters");
            return;
        }
        if (sub[0] == '+')
            monitor_add(c, targets);
        else
            monitor_remove(c, targets);
    } else if (strcmp(sub, "C") == 0 || strcmp(sub, "c") == 0) {
        srv_monitor_forget(c);
    } else if (strcmp(sub, "L") == 0 || strcmp(sub, "l") == 0) {
        pack list;
        pack_init(&list, c, RPL_MONLIST);
        for (size_t i = 0; i < c->nwatching; i++)
            pack_add(&list, c->watching[i]->nick);
        pack_flush(&list);
        srv_numeric(c, RPL_ENDOFMONLIST, ":End of MONITOR list");
    } else if (strcmp(sub, "S") == 0 || strcmp(sub, "s") == 0) {
        pack on, off;
        pack_init(&on, c, RPL_MONONLINE);
        pack_init(&off, c, RPL_MONOFFLINE);
        for (size_t i = 0; i < c->nwatching; i++)
            status_one(c, c->watching[i]->nick, &on, &off);
        pack_flush(&on);
        pack_flush(&off);
    }
    /* Anything else is ignored, as other servers do. */
}

void srv_monitor_signed_on(srv_client *c)
{
    srv_watch *w = watch_get(c->server, c->nick);
    if (!w)
        return;
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    for (size_t i = 0; i < w->nwatchers; i++)
        srv_numeric(w->watchers[i], RPL_MONONLINE, ":%s", prefix);
}

void srv_monitor_signed_off(srv_server *s, const char *nick)
{
    srv_watch *w = watch_get(s, nick);
    if (!w)
        return;
    for (size_t i = 0; i < w->nwatchers; i++)
        srv_numeric(w->watchers[i], RPL_MONOFFLINE, ":%s", nick);
}

void srv_monitor_fanout(srv_fanout *f, srv_client *c, unsigned cap, uint64_t mark)
{
    if (!c->registered)
        return;
    srv_watch *w = watch_get(c->server, c->nick);
    if (!w)
        return;
    for (size_t i = 0; i < w->nwatchers; i++) {
        srv_client *peer = w->watchers[i];
        if (peer->mark == mark)
            continue;
        peer->mark = mark;
        if ((peer->caps & SRV_CAP_EXTENDED_MONITOR) && (peer->caps & cap))
            srv_fanout_send(f, peer);
    }
}

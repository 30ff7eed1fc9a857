/* SPDX-License-Identifier: MIT */
#include "history.h"

#include "account.h"
#include "casemap.h"
#include "cluster-core.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Retention deletes at most this many rows per tick, so a large purge
 * (a lowered max_days) is spread over many short steps: about 6 ms each
 * on a million-row table (bench/history --only purge), 5,000 rows a
 * second while behind. */
#define TRIM_BUDGET 250
#define TRIM_EVERY_MS 1000
#define TRIM_AGAIN_MS 50
/* Read markers one account may keep: MARKREAD on endless nicks must not
 * grow the server without bound. */
#define MARKERS_PER_ACCOUNT 2000

typedef struct marker {
    int64_t time_us;
    char key[]; /* "<account> <target>" */
} marker;

struct srv_history {
    int64_t last_msgid;
    uint64_t commit_due_ms; /* 0: nothing queued */
    uint64_t trim_due_ms;
    srv_strmap *markers;       /* "<account> <target>" -> marker */
    srv_strmap *marker_counts; /* account -> markers it has, as uintptr_t */
};

static const char base32[] = "0123456789abcdefghjkmnpqrstvwxyz";

int64_t srv_msgid_next(srv_server *s)
{
    struct srv_history *h = s->history;
    int64_t theirs;
    if (srv_cluster_take_msgid(s, &theirs)) {
        /* Another node's message keeps its ID; ours stay above it. */
        if (theirs > h->last_msgid)
            h->last_msgid = theirs;
        return theirs;
    }
    int64_t now = srv_server_wall_us(s);
    h->last_msgid = now > h->last_msgid ? now : h->last_msgid + 1;
    return h->last_msgid;
}

void srv_msgid_format(int64_t msgid, char *out)
{
    uint64_t v = (uint64_t)msgid;
    for (int i = SRV_MSGID_LEN - 1; i >= 0; i--) {
        out[i] = base32[v & 31];
        v >>= 5;
    }
    out[SRV_MSGID_LEN] = '\0';
}

int srv_msgid_parse(const char *text, int64_t *msgid)
{
    if (strlen(text) != SRV_MSGID_LEN || strchr("0123456789abcdef", text[0]) == NULL)
        return -1; /* the first digit holds the top 4 bits only */
    uint64_t v = 0;
    for (size_t i = 0; i < SRV_MSGID_LEN; i++) {
        const char *p = text[i] ? strchr(base32, text[i]) : NULL;
        if (!p)
            return -1;
        v = v << 5 | (uint64_t)(p - base32);
    }
    if (v == 0 || v > INT64_MAX)
        return -1;
    *msgid = (int64_t)v;
    return 0;
}

int srv_history_new(srv_server *s)
{
    struct srv_history *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->markers = srv_strmap_new();
    h->marker_counts = srv_strmap_new();
    if (!h->markers || !h->marker_counts) {
        srv_strmap_free(h->markers);
        srv_strmap_free(h->marker_counts);
        free(h);
        return -1;
    }
    s->history = h;
    return 0;
}

void srv_history_free(srv_server *s)
{
    struct srv_history *h = s->history;
    if (!h)
        return;
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    marker *m;
    while ((m = srv_strmap_next(h->markers, &it)) != NULL)
        free(m);
    srv_strmap_free(h->markers);
    srv_strmap_free(h->marker_counts);
    free(h);
    s->history = NULL;
}

int srv_history_enabled(const srv_server *s)
{
    return s->store && s->cfg.history_enabled;
}

static void append(srv_server *s, const char *target, const srv_fanout *f, srv_history_kind kind)
{
    /* In a cluster the nodes share one store: the node a change came
     * from has recorded it already. */
    if (srv_cluster_applying(s))
        return;
    /* The line as relayed: ":source COMMAND params", tags apart. */
    srv_store_event ev = {
        .target = target,
        .msgid = f->msgid,
        .kind = kind,
        .line = f->body,
        .account = f->account ? f->account : "",
        .tags = f->client_tags ? f->client_tags : "",
    };
    s->store->ops->append_event(s->store, &ev);
    if (!s->history->commit_due_ms) {
        s->history->commit_due_ms = srv_server_now_ms(s) + s->cfg.history_commit_ms;
        srv_server_wake_at(s, s->history->commit_due_ms);
    }
}

static void stamp(srv_server *s, srv_fanout *f)
{
    if (!f->msgid)
        srv_fanout_set_msgid(f, srv_msgid_next(s));
}

void srv_history_channel(srv_channel *ch, srv_fanout *f, srv_history_kind kind)
{
    srv_server *s = ch->server;
    stamp(s, f);
    if (!srv_history_enabled(s) || !f->body)
        return;
    char key[SRV_CHANNELLEN_MAX + 1];
    srv_casefold(key, ch->name, sizeof key);
    append(s, key, f, kind);
}

void srv_history_channel_ended(srv_channel *ch)
{
    srv_server *s = ch->server;
    if (!srv_history_enabled(s) || s->shutting_down)
        return;
    srv_fanout end = {.body = "", .msgid = srv_msgid_next(s)};
    char key[SRV_CHANNELLEN_MAX + 1];
    srv_casefold(key, ch->name, sizeof key);
    append(s, key, &end, SRV_HIST_END);
}

void srv_history_client_channels(srv_client *c, srv_fanout *f, srv_history_kind kind)
{
    stamp(c->server, f);
    for (size_t i = 0; i < c->nchannels; i++)
        srv_history_channel(c->channels[i]->channel, f, kind);
}

void srv_history_private_key(const char *account_key, const char *nick, char *out, size_t size)
{
    char folded[SRV_NICKLEN_MAX + 1];
    srv_casefold(folded, nick, sizeof folded);
    snprintf(out, size, "%s %s", account_key, folded);
}

void srv_history_private(srv_client *from, srv_client *to, srv_fanout *f, srv_history_kind kind)
{
    srv_server *s = from->server;
    stamp(s, f);
    if (!srv_history_enabled(s) || !s->cfg.history_private || !f->body)
        return;
    char key[SRV_HISTORY_TARGET_MAX + 1], other[SRV_HISTORY_TARGET_MAX + 1] = "";
    if (from->account) {
        srv_history_private_key(from->account->key, to->nick, key, sizeof key);
        append(s, key, f, kind);
        snprintf(other, sizeof other, "%s", key);
    }
    if (to->account) {
        srv_history_private_key(to->account->key, from->nick, key, sizeof key);
        if (strcmp(key, other) != 0) /* one account talking to itself: once */
            append(s, key, f, kind);
    }
}

void srv_history_flush(srv_server *s)
{
    if (!s->store || !s->history || !s->history->commit_due_ms)
        return;
    s->history->commit_due_ms = 0;
    if (s->store->ops->flush_events(s->store) != SRV_STORE_OK)
        s->history->commit_due_ms = srv_server_now_ms(s) + 1000; /* try again */
}

uint64_t srv_history_tick(srv_server *s, uint64_t now_ms)
{
    struct srv_history *h = s->history;
    uint64_t next = UINT64_MAX;
    if (!s->store || !h)
        return next;
    if (h->commit_due_ms && now_ms >= h->commit_due_ms)
        srv_history_flush(s);
    if (h->commit_due_ms)
        next = h->commit_due_ms;
    if (!srv_history_enabled(s))
        return next;
    if (now_ms >= h->trim_due_ms) {
        const srv_config *cfg = &s->cfg;
        srv_store_retention r = {
            .oldest = cfg->history_max_days
                          ? srv_server_wall_us(s) - (int64_t)cfg->history_max_days * 86400 * 1000000
                          : 0,
            .per_target = cfg->history_per_target,
            .max_bytes = (uint64_t)cfg->history_max_mb * 1024 * 1024,
            .budget = TRIM_BUDGET,
        };
        unsigned deleted = s->store->ops->trim_history(s->store, &r);
        h->trim_due_ms = now_ms + (deleted >= TRIM_BUDGET ? TRIM_AGAIN_MS : TRIM_EVERY_MS);
    }
    return h->trim_due_ms < next ? h->trim_due_ms : next;
}

static void marker_key(const char *account_key, const char *target, char *out, size_t size)
{
    snprintf(out, size, "%s %s", account_key, target);
}

static int marker_put(struct srv_history *h, const char *account_key, const char *target,
                      int64_t time_us)
{
    char key[2 * SRV_HISTORY_TARGET_MAX + 2];
    marker_key(account_key, target, key, sizeof key);
    marker *m = srv_strmap_get(h->markers, key);
    if (m) {
        if (time_us > m->time_us)
            m->time_us = time_us;
        return 0;
    }
    uintptr_t count = (uintptr_t)srv_strmap_get(h->marker_counts, account_key);
    if (count >= MARKERS_PER_ACCOUNT)
        return -1;
    m = malloc(sizeof *m + strlen(key) + 1);
    if (m)
        strcpy(m->key, key);
    if (!m || srv_strmap_put(h->markers, key, m) < 0) {
        free(m);
        return -1;
    }
    m->time_us = time_us;
    srv_strmap_put(h->marker_counts, account_key, (void *)(count + 1));
    return 0;
}

int srv_history_add_loaded_marker(srv_server *s, const char *account_key, const char *target,
                                  int64_t time_us)
{
    marker_put(s->history, account_key, target, time_us);
    return 0;
}

void srv_history_set_last_msgid(srv_server *s, int64_t msgid)
{
    if (msgid > s->history->last_msgid)
        s->history->last_msgid = msgid;
}

int64_t srv_history_marker(srv_server *s, const char *account_key, const char *target)
{
    char key[2 * SRV_HISTORY_TARGET_MAX + 2];
    marker_key(account_key, target, key, sizeof key);
    const marker *m = srv_strmap_get(s->history->markers, key);
    return m ? m->time_us : 0;
}

int64_t srv_history_set_marker(srv_server *s, const char *account_key, const char *target,
                               int64_t time_us)
{
    int64_t old = srv_history_marker(s, account_key, target);
    if (time_us <= old)
        return old;
    if (marker_put(s->history, account_key, target, time_us) < 0)
        return old;
    if (s->store && !srv_cluster_applying(s)) /* another node's: it wrote it */
        s->store->ops->put_marker(s->store, account_key, target, time_us, NULL, NULL);
    return time_us;
}

void srv_history_drop_account(srv_server *s, const char *account_key)
{
    struct srv_history *h = s->history;
    size_t len = strlen(account_key);
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    /* Collect first: removing while iterating would skip entries. */
    char (*doomed)[2 * SRV_HISTORY_TARGET_MAX + 2] = NULL;
    size_t n = 0, cap = 0;
    const marker *m;
    while ((m = srv_strmap_next(h->markers, &it)) != NULL) {
        const char *key = m->key;
        if (strncmp(key, account_key, len) != 0 || key[len] != ' ')
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            void *grown = realloc(doomed, ncap * sizeof *doomed);
            if (!grown)
                break;
            doomed = grown;
            cap = ncap;
        }
        snprintf(doomed[n++], sizeof doomed[0], "%s", key);
    }
    for (size_t i = 0; i < n; i++)
        free(srv_strmap_remove(h->markers, doomed[i]));
    free(doomed);
    srv_strmap_remove(h->marker_counts, account_key);
    if (s->store)
        s->store->ops->drop_account_history(s->store, account_key, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Fuzz cluster mode's core: whatever another node publishes (or a broken
 * or hostile Redis delivers) is applied or refused, and nothing crashes,
 * leaks or loops.  The input is lines: "> text" is a line from one of two
 * local clients (so events can race with local commands), "! n" answers
 * the oldest pending claim (n: 0 granted, 1 taken, 2 unavailable), "~ up"
 * / "~ down" flips the link, "+ ms" moves the clock (heartbeats, node
 * deadlines); any other line is an event from Redis, delivered as is.
 * A server in cluster mode with a store-less configuration; events this
 * node publishes are delivered back to it, as Redis pub/sub does.
 */
#include "cluster.h"
#include "config.h"
#include "natterd-core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t now_ms = 1000;
static int64_t wall_us = 1700000000000000;

static uint64_t mono(void *ctx)
{
    (void)ctx;
    return now_ms;
}

static int64_t wall(void *ctx)
{
    (void)ctx;
    return wall_us;
}

/* ---- two local connections that keep nothing ---- */

typedef struct conn {
    srv_client *client;
    int closed;
} conn;

static void conn_send(void *ctx, nt_buf *line)
{
    (void)ctx, (void)line;
}

static void conn_close(void *ctx, const char *reason)
{
    (void)reason;
    ((conn *)ctx)->closed = 1;
}

static void conn_pause(void *ctx, uint64_t until_ms)
{
    (void)ctx, (void)until_ms;
}

static const srv_transport transport = {conn_send, conn_close, conn_pause};

/* ---- the link: published events come back, claims wait for "!" ---- */

#define MAX_EVENTS 64
#define MAX_CLAIMS 32

typedef struct link_state {
    srv_server *server;
    char *events[MAX_EVENTS];
    size_t nevents;
    srv_cluster_claim_fn claim_fn[MAX_CLAIMS];
    void *claim_ctx[MAX_CLAIMS];
    size_t nclaims;
} link_state;

static void link_publish(void *ctx, const char *event, size_t len)
{
    link_state *l = ctx;
    if (l->nevents == MAX_EVENTS)
        return; /* Redis would buffer it; here it is dropped, like a lost event */
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, event, len);
    copy[len] = '\0';
    l->events[l->nevents++] = copy;
}

static void link_claim(void *ctx, const char *key, const char *owner, srv_cluster_claim_fn done,
                       void *done_ctx)
{
    link_state *l = ctx;
    (void)key, (void)owner;
    if (l->nclaims == MAX_CLAIMS) {
        done(done_ctx, SRV_CLUSTER_UNAVAILABLE);
        return;
    }
    l->claim_fn[l->nclaims] = done;
    l->claim_ctx[l->nclaims++] = done_ctx;
}

static void link_release(void *ctx, const char *key, const char *owner)
{
    (void)ctx, (void)key, (void)owner;
}

static const srv_cluster_link fuzz_link = {link_publish, link_claim, link_release};

static void answer_oldest(link_state *l, int status)
{
    if (!l->nclaims)
        return;
    srv_cluster_claim_fn fn = l->claim_fn[0];
    void *ctx = l->claim_ctx[0];
    l->nclaims--;
    memmove(l->claim_fn, l->claim_fn + 1, l->nclaims * sizeof l->claim_fn[0]);
    memmove(l->claim_ctx, l->claim_ctx + 1, l->nclaims * sizeof l->claim_ctx[0]);
    fn(ctx, status);
}

/* Our own events come back (X events run on their return). */
static void deliver_own(link_state *l)
{
    for (int round = 0; round < 4 && l->nevents; round++) {
        char *batch[MAX_EVENTS];
        size_t n = l->nevents;
        memcpy(batch, l->events, n * sizeof batch[0]);
        l->nevents = 0;
        for (size_t i = 0; i < n; i++) {
            srv_cluster_receive(l->server, batch[i], strlen(batch[i]));
            free(batch[i]);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    srv_config cfg;
    if (srv_config_defaults(&cfg) < 0)
        return 0;
    cfg.flood_penalty_percent = 0;
    cfg.cluster_node_timeout_ms = 5000;
    srv_server *s = srv_server_new(&cfg);
    srv_config_free(&cfg);
    if (!s)
        return 0;
    now_ms = 1000;
    srv_server_set_clock(s, mono, wall, NULL);
    link_state l = {.server = s};
    if (srv_cluster_start(s, "here", "1", &fuzz_link, &l) < 0) {
        srv_server_free(s);
        return 0;
    }
    srv_cluster_set_up(s, 1);
    conn conns[2] = {{0}};
    static const char *const registration[2][2] = {{"NICK alice", "USER a 0 * :A"},
                                                   {"NICK bob", "USER b 0 * :B"}};
    for (int i = 0; i < 2; i++) {
        conns[i].client = srv_client_new(s, &transport, &conns[i], "127.0.0.1");
        for (int k = 0; k < 2 && conns[i].client && !conns[i].closed; k++)
            srv_client_line(conns[i].client, registration[i][k], strlen(registration[i][k]));
    }
    answer_oldest(&l, SRV_CLUSTER_CLAIMED);
    answer_oldest(&l, SRV_CLUSTER_CLAIMED);
    deliver_own(&l);

    const char *p = (const char *)data, *end = p + size;
    int which = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char line[4096 + 1];
        if (len > 4096)
            len = 4096;
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl ? nl + 1 : end;
        if (len >= 2 && line[0] == '>' && line[1] == ' ') {
            conn *c = &conns[which];
            which ^= 1;
            if (c->client && !c->closed)
                srv_client_line(c->client, line + 2, len - 2);
        } else if (len >= 2 && line[0] == '!' && line[1] == ' ') {
            answer_oldest(&l, -(abs(atoi(line + 2)) % 3));
        } else if (len >= 2 && line[0] == '~' && line[1] == ' ') {
            srv_cluster_set_up(s, strcmp(line + 2, "up") == 0);
        } else if (len >= 2 && line[0] == '+' && line[1] == ' ') {
            now_ms += (uint64_t)(strtoul(line + 2, NULL, 10) % 60000);
            srv_server_tick(s, now_ms);
        } else {
            srv_cluster_receive(s, line, len);
        }
        deliver_own(&l);
    }
    while (l.nclaims)
        answer_oldest(&l, SRV_CLUSTER_UNAVAILABLE);
    srv_server_free(s);
    for (size_t i = 0; i < l.nevents; i++)
        free(l.events[i]);
    return 0;
}

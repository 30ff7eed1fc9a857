/* SPDX-License-Identifier: MIT */
/*
 * The cluster link over Redis (cluster-link.h).
 *
 * Keys, all under the prefix "natter:<network>:":
 *   events          the channel every node publishes its event lines on
 *   nicks           a hash: casefolded nick -> owner ("<node> <serial>")
 *   alive:<node>    set with a TTL of node_timeout, renewed every third
 *                   of it: while it exists the node's claims stand
 *
 * A nick is claimed by one Lua script, so two nodes racing for it are
 * ordered by Redis: the field is granted when it is absent, already the
 * owner's, or held by a node whose alive key has expired (a node that
 * died keeps no nick).  After Redis came back (possibly empty, when it
 * runs without persistence) the link claims every local nick again with
 * the same script before telling the core it is up.
 */
#include "cluster-link.h"

#include "cluster.h"
#include "log.h"
#include "redis.h"

#include <hiredis/hiredis.h>
#include <natter/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 512

/* KEYS[1] the nicks hash; ARGV: nick key, owner, the alive keys' prefix.
 * 1: granted, 0: a live node holds it. */
static const char claim_script[] =
    "local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if cur and cur ~= ARGV[2] then\n"
    "  local node = string.match(cur, '^(%S+)')\n"
    "  if node and redis.call('EXISTS', ARGV[3] .. node) == 1 then return 0 end\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "return 1\n";

/* KEYS[1] the nicks hash; ARGV: nick key, owner.  Only the owner's claim
 * goes: a nick that moved on to someone else stays theirs. */
static const char release_script[] = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then\n"
                                     "  return redis.call('HDEL', KEYS[1], ARGV[1])\n"
                                     "end\n"
                                     "return 0\n";

/* A claim the link answers itself (Redis could not even be asked), from
 * the loop rather than inside claim_nick(). */
typedef struct refused_claim {
    struct refused_claim *next;
    srv_cluster_claim_fn done;
    void *done_ctx;
} refused_claim;

typedef struct claim_req {
    srv_cluster_net *net;
    srv_cluster_claim_fn done;
    void *done_ctx;
    int renewal;     /* a claim renewed after Redis came back */
    char key[72];    /* a renewal that lost: whose it was */
    char owner[160];
} claim_req;

struct srv_cluster_net {
    nt_loop *loop;
    srv_server *server;
    char id[128]; /* "<node>~<incarnation>" */
    char address[KEY_MAX];
    char channel[KEY_MAX];      /* <prefix>events */
    char nicks_key[KEY_MAX];    /* <prefix>nicks */
    char alive_prefix[KEY_MAX]; /* <prefix>alive: */
    char alive_key[KEY_MAX];    /* <prefix>alive:<id> */
    char ttl_ms[24];
    unsigned node_timeout_ms;
    rds_client *cmd, *sub;
    int cmd_up, sub_up;
    int linked;          /* the core was told up */
    int ever_linked;     /* for "regained" rather than "linked" */
    unsigned renewals;   /* renewals started ... */
    unsigned renewed;    /* ... and answered (the last one counts) */
    int last_logged;     /* the last connection problem logged, 0 after a link */
    int publish_refused; /* a dropped event was logged this time down */
    nt_timer *alive_timer;
    nt_timer *refusal_timer;
    refused_claim *refused;
};

static const char *reason_text(int reason)
{
    return reason == NT_EACCES ? "Redis refused the password (AUTH)" : nt_strerror(reason);
}

/* ---- the alive key ---- */

static void alive_set(void *ctx, const rds_reply *reply)
{
    (void)ctx;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        srv_logf(SRV_LOG_WARNING, "cluster: Redis refused this node's alive key: %s", reply->str);
}

static int send_alive(srv_cluster_net *n, rds_reply_fn fn, void *ctx)
{
    return rds_command(n->cmd, fn, ctx, "SET", n->alive_key, "1", "PX", n->ttl_ms,
                       (const char *)NULL);
}

static void on_alive_timer(nt_timer *t, void *data)
{
    srv_cluster_net *n = data;
    (void)t;
    if (n->cmd_up)
        send_alive(n, alive_set, NULL);
}

/* ---- up and down ---- */

static void link_down(srv_cluster_net *n, int reason)
{
    if (n->linked) {
        n->linked = 0;
        srv_logf(SRV_LOG_WARNING, "cluster: lost Redis at %s (%s); node %s is unlinked", n->address,
                 reason_text(reason), n->id);
        srv_cluster_set_up(n->server, 0);
        n->last_logged = reason;
    } else if (reason != n->last_logged) {
        n->last_logged = reason;
        srv_logf(SRV_LOG_WARNING, "cluster: no link to Redis at %s: %s (retrying)", n->address,
                 reason_text(reason));
    }
}

/* The last reply of a renewal: the alive key is set and every claim
 * before it is answered (replies come in order). */
static void renewal_done(void *ctx, const rds_reply *reply)
{
    srv_cluster_net *n = ctx;
    unsigned mine = ++n->renewed;
    alive_set(NULL, reply);
    if (!reply || reply->type == REDIS_REPLY_ERROR || mine != n->renewals ||
        !(n->cmd_up && n->sub_up) || n->linked)
        return;
    n->linked = 1;
    n->last_logged = 0;
    n->publish_refused = 0;
    srv_logf(SRV_LOG_INFO,
             n->ever_linked ? "cluster: Redis at %s is back" : "cluster: connected to Redis at %s",
             n->address);
    n->ever_linked = 1;
    srv_cluster_set_up(n->server, 1);
}

static void claim_answer(void *ctx, const rds_reply *reply);

static void renew_claim(void *ctx, const char *key, const char *owner)
{
    srv_cluster_net *n = ctx;
    claim_req *r = calloc(1, sizeof *r);
    if (!r)
        return;
    r->net = n;
    r->renewal = 1;
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->owner, sizeof r->owner, "%s", owner);
    const char *argv[] = {"EVAL", claim_script, "1", n->nicks_key, key, owner, n->alive_prefix};
    if (rds_command_argv(n->cmd, claim_answer, r, 7, argv, NULL) < 0)
        free(r);
}

/* Both connections are up: renew everything this node holds, then link. */
static void start_renewal(srv_cluster_net *n)
{
    if (!n->cmd_up || !n->sub_up || n->linked)
        return;
    srv_cluster_each_claim(n->server, renew_claim, n);
    n->renewals++;
    if (send_alive(n, renewal_done, n) < 0)
        n->renewed++; /* never answered: the next up starts another */
}

static void cmd_up(void *data)
{
    srv_cluster_net *n = data;
    n->cmd_up = 1;
    start_renewal(n);
}

static void sub_up(void *data)
{
    srv_cluster_net *n = data;
    n->sub_up = 1;
    start_renewal(n);
}

static void cmd_down(void *data, int reason)
{
    srv_cluster_net *n = data;
    n->cmd_up = 0;
    link_down(n, reason);
}

static void sub_down(void *data, int reason)
{
    srv_cluster_net *n = data;
    n->sub_up = 0;
    link_down(n, reason);
}

static void sub_message(void *data, const char *channel, size_t channel_len, const char *msg,
                        size_t len)
{
    srv_cluster_net *n = data;
    if (channel_len == strlen(n->channel) && !memcmp(channel, n->channel, channel_len))
        srv_cluster_receive(n->server, msg, len);
}

static const rds_callbacks cmd_callbacks = {.on_up = cmd_up, .on_down = cmd_down};
static const rds_callbacks sub_callbacks = {
    .on_up = sub_up, .on_down = sub_down, .on_message = sub_message};

/* ---- srv_cluster_link ---- */

static void link_publish(void *ctx, const char *event, size_t len)
{
    srv_cluster_net *n = ctx;
    const char *argv[] = {"PUBLISH", n->channel, event};
    const size_t lens[] = {7, strlen(n->channel), len};
    if (rds_command_argv(n->cmd, NULL, NULL, 3, argv, lens) < 0 && !n->publish_refused) {
        n->publish_refused = 1;
        srv_logf(SRV_LOG_WARNING, "cluster: Redis is not keeping up; events are being dropped");
    }
}

static void claim_answer(void *ctx, const rds_reply *reply)
{
    claim_req *r = ctx;
    int status = SRV_CLUSTER_UNAVAILABLE;
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        status = reply->integer == 1 ? SRV_CLUSTER_CLAIMED : SRV_CLUSTER_TAKEN;
    else if (reply && reply->type == REDIS_REPLY_ERROR)
        srv_logf(SRV_LOG_WARNING, "cluster: Redis refused a nick claim: %s", reply->str);
    if (r->renewal) {
        if (status == SRV_CLUSTER_TAKEN)
            srv_cluster_claim_lost(r->net->server, r->key, r->owner);
    } else {
        r->done(r->done_ctx, status);
    }
    free(r);
}

static void on_refusal_timer(nt_timer *t, void *data)
{
    srv_cluster_net *n = data;
    (void)t;
    refused_claim *list = n->refused;
    n->refused = NULL;
    while (list) {
        refused_claim *next = list->next;
        list->done(list->done_ctx, SRV_CLUSTER_UNAVAILABLE);
        free(list);
        list = next;
    }
}

static void link_claim_nick(void *ctx, const char *key, const char *owner,
                            srv_cluster_claim_fn done, void *done_ctx)
{
    srv_cluster_net *n = ctx;
    claim_req *r = calloc(1, sizeof *r);
    if (r) {
        *r = (claim_req){.net = n, .done = done, .done_ctx = done_ctx};
        const char *argv[] = {"EVAL", claim_script, "1", n->nicks_key, key, owner, n->alive_prefix};
        if (rds_command_argv(n->cmd, claim_answer, r, 7, argv, NULL) == 0)
            return;
        free(r);
    }
    /* The core is told later, from the loop, as it would be by Redis. */
    refused_claim *f = calloc(1, sizeof *f);
    if (!f) {
        srv_logf(SRV_LOG_ERROR, "cluster: out of memory answering a nick claim");
        return;
    }
    *f = (refused_claim){.next = n->refused, .done = done, .done_ctx = done_ctx};
    n->refused = f;
    nt_timer_start(n->refusal_timer, 0, 0);
}

static void link_release_nick(void *ctx, const char *key, const char *owner)
{
    srv_cluster_net *n = ctx;
    const char *argv[] = {"EVAL", release_script, "1", n->nicks_key, key, owner};
    rds_command_argv(n->cmd, NULL, NULL, 6, argv, NULL);
}

static const srv_cluster_link link_vtable = {
    .publish = link_publish,
    .claim_nick = link_claim_nick,
    .release_nick = link_release_nick,
};

/* ---- life ---- */

static int fits(int written, size_t size)
{
    return written > 0 && (size_t)written < size;
}

/* The keys and the node id.  @return 0, or -1 when a name is too long */
static int name_things(srv_cluster_net *n, const srv_config *cfg, const char *incarnation)
{
    char prefix[KEY_MAX / 2];
    return fits(snprintf(prefix, sizeof prefix, "natter:%s:", cfg->network), sizeof prefix) &&
                   fits(snprintf(n->id, sizeof n->id, "%s~%s", cfg->cluster_node, incarnation),
                        sizeof n->id) &&
                   fits(snprintf(n->address, sizeof n->address, "%s", cfg->cluster_redis),
                        sizeof n->address) &&
                   fits(snprintf(n->channel, sizeof n->channel, "%sevents", prefix),
                        sizeof n->channel) &&
                   fits(snprintf(n->nicks_key, sizeof n->nicks_key, "%snicks", prefix),
                        sizeof n->nicks_key) &&
                   fits(snprintf(n->alive_prefix, sizeof n->alive_prefix, "%salive:", prefix),
                        sizeof n->alive_prefix) &&
                   fits(snprintf(n->alive_key, sizeof n->alive_key, "%s%s", n->alive_prefix, n->id),
                        sizeof n->alive_key)
               ? 0
               : -1;
}

static void fail(char *err, size_t errsize, const char *why)
{
    if (err && errsize)
        snprintf(err, errsize, "%s", why);
}

srv_cluster_net *srv_cluster_net_start(nt_loop *loop, srv_server *s, const srv_config *cfg,
                                       nt_tls_config *tls, char *err, size_t errsize)
{
    if (!cfg->cluster_redis || !cfg->cluster_node) {
        fail(err, errsize, "[cluster] needs both redis and node");
        return NULL;
    }
    unsigned char random[8];
    char incarnation[2 * sizeof random + 1];
    if (nt_random_bytes(random, sizeof random) != NT_OK) {
        fail(err, errsize, "no random bytes for the node's incarnation");
        return NULL;
    }
    for (size_t i = 0; i < sizeof random; i++)
        snprintf(incarnation + 2 * i, 3, "%02x", random[i]);
    srv_cluster_net *n = calloc(1, sizeof *n);
    if (!n) {
        fail(err, errsize, "out of memory");
        return NULL;
    }
    n->loop = loop;
    n->server = s;
    n->node_timeout_ms = cfg->cluster_node_timeout_ms ? cfg->cluster_node_timeout_ms : 5000;
    snprintf(n->ttl_ms, sizeof n->ttl_ms, "%u", n->node_timeout_ms);
    if (name_things(n, cfg, incarnation) < 0) {
        fail(err, errsize, "[cluster] names too long");
        free(n);
        return NULL;
    }
    char name[160];
    snprintf(name, sizeof name, "natterd-%s", cfg->cluster_node);
    rds_options o = {
        .address = cfg->cluster_redis, .password = cfg->cluster_password, .tls = tls, .name = name};
    const char *channels[] = {n->channel};
    fail(err, errsize, "out of memory"); /* unless the Redis client says better */
    if (nt_timer_new(loop, on_alive_timer, n, &n->alive_timer) != NT_OK ||
        nt_timer_new(loop, on_refusal_timer, n, &n->refusal_timer) != NT_OK ||
        !(n->cmd = rds_client_new(loop, &o, &cmd_callbacks, n, err, errsize)) ||
        !(n->sub = rds_client_new(loop, &o, &sub_callbacks, n, err, errsize)) ||
        rds_subscribe(n->sub, channels, 1) < 0 ||
        srv_cluster_start(s, cfg->cluster_node, incarnation, &link_vtable, n) < 0) {
        srv_cluster_net_free(n);
        return NULL;
    }
    unsigned every = n->node_timeout_ms / 3 ? n->node_timeout_ms / 3 : 1;
    nt_timer_start(n->alive_timer, every, every);
    return n;
}

const char *srv_cluster_net_id(const srv_cluster_net *n)
{
    return n ? n->id : "";
}

int srv_cluster_net_is_up(const srv_cluster_net *n)
{
    return n && n->linked;
}

void srv_cluster_net_free(srv_cluster_net *n)
{
    if (!n)
        return;
    /* Going away on purpose: the nicks of this node are free at once
     * instead of after node_timeout. */
    if (n->cmd_up)
        rds_command(n->cmd, NULL, NULL, "DEL", n->alive_key, (const char *)NULL);
    nt_timer_close(n->alive_timer, NULL);
    nt_timer_close(n->refusal_timer, NULL);
    n->alive_timer = n->refusal_timer = NULL;
    on_refusal_timer(NULL, n);
    /* Claims in flight are answered (unavailable) by the clients' end. */
    rds_client_free(n->sub);
    rds_client_free(n->cmd);
    free(n);
}

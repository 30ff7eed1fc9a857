/* SPDX-License-Identifier: MIT */
/* CHATHISTORY (draft/chathistory, draft/event-playback) and MARKREAD
 * (draft/read-marker).  The store answers queries through a callback that
 * may come after the command returned (a networked store), so a query's
 * context is on the server's pending list, and a client that leaves
 * first is unhooked from it (srv_history_forget_client()). */
#include "account.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "cluster-core.h"
#include "commands.h"
#include "history.h"
#include "send.h"
#include "server.h"
#include "timefmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reference is a position in a target's history: an ID, or a time.
 * Bounds are exclusive; a timestamp excludes its whole millisecond on the
 * lower side (AFTER 12:00:00.123 starts after .123999), as shown times
 * have millisecond precision. */
typedef struct reference {
    int64_t at;
    int is_time;
} reference;

typedef struct query_ctx {
    struct query_ctx *next;
    srv_client *client; /* NULL once it left */
    const char *sub;    /* the subcommand, for errors */
    char shown[SRV_CHANNELLEN_MAX + SRV_NICKLEN_MAX + 2]; /* the target as the client named it */
    srv_batch batch;
    /* AROUND: the second half, after the first arrives */
    int second_half;
    srv_store_history_query second;
    char key[SRV_HISTORY_TARGET_MAX + 1];
} query_ctx;

/* Queries in flight, across servers (tests run several): with the SQLite
 * store none outlives its command; a networked store's may. */
static query_ctx *pending;

static void fail(srv_client *c, const char *command, const char *code, const char *fmt, ...)
    SRV_PRINTF(4, 5);

static void fail(srv_client *c, const char *command, const char *code, const char *fmt, ...)
{
    char text[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    srv_sendf(c, ":%s FAIL %s %s %s", c->server->cfg.server_name, command, code, text);
}

static int parse_reference(const char *text, reference *r)
{
    if (strncmp(text, "msgid=", 6) == 0) {
        r->is_time = 0;
        return srv_msgid_parse(text + 6, &r->at);
    }
    if (strncmp(text, "timestamp=", 10) == 0) {
        r->is_time = 1;
        return srv_time_parse_iso8601(text + 10, &r->at) < 0 || r->at <= 0 ? -1 : 0;
    }
    return -1;
}

/* The exclusive lower bound a reference stands for. */
static int64_t lower(const reference *r)
{
    return r->is_time ? r->at + 999 : r->at;
}

static int parse_limit(const srv_client *c, const char *text, unsigned *limit)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || end == text || v < 1)
        return -1;
    unsigned max = c->server->cfg.history_query_limit;
    *limit = (unsigned long)v > max ? max : (unsigned)v;
    return 0;
}

/* Find what target names: a channel c is in, or (logged in) a nick.
 * Fills key and the oldest position c may read.  @return 0, or -1 after a FAIL */
static int resolve_target(srv_client *c, const char *sub, const char *target, char *key,
                          size_t size, int64_t *floor)
{
    srv_server *s = c->server;
    *floor = 0;
    if (target[0] == '#') {
        srv_channel *ch = srv_channel_find(s, target);
        srv_membership *m = ch ? srv_channel_member(ch, c) : NULL;
        if (!m) {
            /* Members only: nothing about a channel leaks to others,
             * not even whether it has history. */
            fail(c, "CHATHISTORY", "INVALID_TARGET", "%s %.64s :Messages could not be retrieved",
                 sub, target);
            return -1;
        }
        srv_casefold(key, ch->name, size);
        if (s->cfg.history_channel_access == SRV_HISTORY_SINCE_JOIN)
            *floor = m->joined_us;
        return 0;
    }
    if (!c->account || !s->cfg.history_private || !srv_nick_valid(target, SRV_NICKLEN_MAX)) {
        fail(c, "CHATHISTORY", "INVALID_TARGET", "%s %.64s :Messages could not be retrieved", sub,
             target);
        return -1;
    }
    srv_history_private_key(c->account->key, target, key, size);
    return 0;
}

/* One history event to c, inside its batch, tagged for c's capabilities. */
static void send_event(srv_client *c, const srv_batch *b, const srv_store_event *ev)
{
    if (ev->kind == SRV_HIST_TAGMSG && !(c->caps & SRV_CAP_MESSAGE_TAGS))
        return;
    srv_send_replayed(c, b->id, ev->msgid, ev->account, ev->tags, ev->line);
}

static query_ctx *query_new(srv_client *c, const char *shown)
{
    query_ctx *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->client = c;
    snprintf(q->shown, sizeof q->shown, "%s", shown);
    q->next = pending;
    pending = q;
    return q;
}

static void query_end(query_ctx *q)
{
    for (query_ctx **p = &pending; *p; p = &(*p)->next) {
        if (*p == q) {
            *p = q->next;
            break;
        }
    }
    free(q);
}

void srv_history_forget_client(srv_client *c)
{
    for (query_ctx *q = pending; q; q = q->next) {
        if (q->client == c)
            q->client = NULL;
    }
}

/* An answer arrived: the client it is for, inside the server (leave it
 * after), or NULL when the client left meanwhile (q is then ended). */
static srv_client *answer_begin(query_ctx *q)
{
    srv_client *c = q->client;
    if (!c) {
        query_end(q);
        return NULL;
    }
    srv_server_enter(c->server);
    return c;
}

static void on_events(void *ctx, int status, const srv_store_event *events, size_t n)
{
    query_ctx *q = ctx;
    srv_client *c = answer_begin(q);
    if (!c)
        return;
    /* The first answer (AROUND: of the first half) opens the batch or
     * fails; the second half only continues the batch. */
    int first = q->second_half != 2;
    if (status != SRV_STORE_OK && first) {
        fail(c, "CHATHISTORY", "MESSAGE_ERROR", "%s %s :Messages could not be retrieved", q->sub,
             q->shown);
        query_end(q);
        srv_server_leave(c->server);
        return;
    }
    if (first)
        srv_batch_begin(c, &q->batch, "chathistory %s", q->shown);
    for (size_t i = 0; i < n; i++)
        send_event(c, &q->batch, &events[i]);
    if (q->second_half == 1 && n < q->second.limit) {
        /* AROUND: the rest of the limit after the reference */
        q->second_half = 2;
        q->second.limit -= (unsigned)n;
        q->second.target = q->key;
        srv_store *st = c->server->store;
        srv_server_leave(c->server);
        st->ops->query_events(st, &q->second, on_events, q);
        return;
    }
    srv_batch_end(c, &q->batch);
    query_end(q);
    srv_server_leave(c->server);
}

static void targets_reply(void *ctx, int status, const srv_store_target *targets, size_t n)
{
    query_ctx *q = ctx;
    srv_client *c = answer_begin(q);
    if (!c)
        return;
    if (status != SRV_STORE_OK) {
        fail(c, "CHATHISTORY", "MESSAGE_ERROR", "TARGETS * :Targets could not be retrieved");
    } else {
        srv_batch b;
        srv_batch_begin(c, &b, "draft/chathistory-targets");
        for (size_t i = 0; i < n; i++) {
            const char *name = targets[i].target;
            const char *space = strchr(name, ' ');
            srv_channel *ch = name[0] == '#' ? srv_channel_find(c->server, name) : NULL;
            if (ch)
                name = ch->name;
            else if (space)
                name = space + 1; /* "<account> <nick>": the nick */
            char when[40];
            srv_time_iso8601(srv_msgid_time_us(targets[i].latest), when, sizeof when);
            if (b.id[0])
                srv_sendf(c, "@batch=%s :%s CHATHISTORY TARGETS %s %s", b.id,
                          c->server->cfg.server_name, name, when);
            else
                srv_sendf(c, ":%s CHATHISTORY TARGETS %s %s", c->server->cfg.server_name, name,
                          when);
        }
        srv_batch_end(c, &b);
    }
    query_end(q);
    srv_server_leave(c->server);
}

static void chathistory_targets(srv_client *c, const srv_msg *msg)
{
    reference a, b;
    unsigned limit;
    if (msg->nparams < 4) {
        fail(c, "CHATHISTORY", "NEED_MORE_PARAMS", "TARGETS :Missing parameters");
        return;
    }
    if (parse_reference(msg->params[1], &a) < 0 || !a.is_time ||
        parse_reference(msg->params[2], &b) < 0 || !b.is_time ||
        parse_limit(c, msg->params[3], &limit) < 0) {
        fail(c, "CHATHISTORY", "INVALID_PARAMS",
             "TARGETS :Expected two timestamp= references and a positive limit");
        return;
    }
    if (a.at > b.at) {
        reference t = a;
        a = b;
        b = t;
    }
    const char **channels = c->nchannels ? calloc(c->nchannels, sizeof *channels) : NULL;
    char(*keys)[SRV_CHANNELLEN_MAX + 1] = c->nchannels ? calloc(c->nchannels, sizeof *keys) : NULL;
    query_ctx *q = query_new(c, "*");
    if (q)
        q->sub = "TARGETS";
    if (!q || (c->nchannels && (!channels || !keys))) {
        free(channels);
        free(keys);
        if (q)
            query_end(q);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->nchannels; i++) {
        const srv_membership *m = c->channels[i];
        /* Only channels c is in: a secret channel never shows to others. */
        srv_casefold(keys[n], m->channel->name, sizeof keys[n]);
        channels[n] = keys[n];
        n++;
    }
    srv_store_targets_query tq = {
        .channels = channels,
        .nchannels = n,
        .account = c->account && c->server->cfg.history_private ? c->account->key : NULL,
        .after = lower(&a),
        .before = b.at,
        .limit = limit,
    };
    srv_store *st = c->server->store;
    st->ops->query_targets(st, &tq, targets_reply, q);
    free(channels);
    free(keys);
}

void srv_cmd_chathistory(srv_client *c, const srv_msg *msg)
{
    static const char *const subs[] = {"LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS"};
    if (msg->nparams < 1) {
        fail(c, "CHATHISTORY", "NEED_MORE_PARAMS", "* :Missing parameters");
        return;
    }
    const char *sub = NULL;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (srv_casecmp(msg->params[0], subs[i]) == 0)
            sub = subs[i];
    }
    if (!sub) {
        fail(c, "CHATHISTORY", "UNKNOWN_COMMAND", "%.32s :Unknown subcommand", msg->params[0]);
        return;
    }
    if (!srv_history_enabled(c->server)) {
        fail(c, "CHATHISTORY", "MESSAGE_ERROR", "%s * :History is not kept on this server", sub);
        return;
    }
    if (sub == subs[5]) {
        chathistory_targets(c, msg);
        return;
    }
    size_t need = sub == subs[4] ? 5 : 4;
    if (msg->nparams < need) {
        fail(c, "CHATHISTORY", "NEED_MORE_PARAMS", "%s :Missing parameters", sub);
        return;
    }
    const char *target = msg->params[1];
    reference ref = {0}, ref2 = {0};
    unsigned limit;
    int star = sub == subs[0] && strcmp(msg->params[2], "*") == 0;
    if ((!star && parse_reference(msg->params[2], &ref) < 0) ||
        (need == 5 && parse_reference(msg->params[3], &ref2) < 0) ||
        parse_limit(c, msg->params[need - 1], &limit) < 0) {
        fail(c, "CHATHISTORY", "INVALID_PARAMS",
             "%s :Expected msgid= or timestamp= references and a positive limit", sub);
        return;
    }
    char key[SRV_HISTORY_TARGET_MAX + 1];
    int64_t floor;
    if (resolve_target(c, sub, target, key, sizeof key, &floor) < 0)
        return;
    srv_store_history_query hq = {
        .target = key,
        .after = floor,
        .before = INT64_MAX,
        .limit = limit,
        .kinds = (c->caps & SRV_CAP_EVENT_PLAYBACK) ? SRV_HIST_ALL : SRV_HIST_MESSAGES,
    };
    /* A TAGMSG is not sent without message-tags (send_event()): not
     * asked for either, so that it does not count against the limit. */
    if (!(c->caps & SRV_CAP_MESSAGE_TAGS))
        hq.kinds &= ~(1u << SRV_HIST_TAGMSG);
    query_ctx *q = query_new(c, target);
    if (!q)
        return;
    q->sub = sub;
    snprintf(q->key, sizeof q->key, "%s", key);
    hq.target = q->key;
    if (sub == subs[0]) { /* LATEST: the newest, after the reference if any */
        hq.newest = 1;
        if (!star && lower(&ref) > hq.after)
            hq.after = lower(&ref);
    } else if (sub == subs[1]) { /* BEFORE */
        hq.newest = 1;
        hq.before = ref.at;
    } else if (sub == subs[2]) { /* AFTER */
        if (lower(&ref) > hq.after)
            hq.after = lower(&ref);
    } else if (sub == subs[3]) { /* AROUND: half before (with the reference), half after */
        hq.newest = 1;
        int64_t span = ref.is_time ? 1000 : 1; /* the reference's own millisecond, or itself */
        hq.before = ref.at > INT64_MAX - span ? INT64_MAX : ref.at + span;
        hq.limit = limit / 2 + 1;
        q->second_half = 1;
        q->second = hq;
        q->second.newest = 0;
        q->second.before = INT64_MAX;
        q->second.after = hq.before - 1 > floor ? hq.before - 1 : floor;
        q->second.limit = limit;
    } else { /* BETWEEN: from the first reference towards the second */
        reference lo = ref.at <= ref2.at ? ref : ref2, hi = ref.at <= ref2.at ? ref2 : ref;
        hq.newest = ref.at > ref2.at;
        if (lower(&lo) > hq.after)
            hq.after = lower(&lo);
        hq.before = hi.at;
    }
    if (hq.after >= hq.before)
        hq.limit = 0; /* an empty range: an empty batch (AROUND: its second half still runs) */
    srv_store *st = c->server->store;
    st->ops->query_events(st, &hq, on_events, q);
}

/* ---- read markers ---- */

static void send_marker(srv_client *c, const char *target, int64_t time_us)
{
    if (!time_us) {
        srv_sendf(c, ":%s MARKREAD %s *", c->server->cfg.server_name, target);
        return;
    }
    char when[40];
    srv_time_iso8601(time_us, when, sizeof when);
    srv_sendf(c, ":%s MARKREAD %s timestamp=%s", c->server->cfg.server_name, target, when);
}

/* The marker's key: a channel's folded name, or the folded nick (markers
 * are the account's own, so "<account> " is implied). */
static int marker_target(srv_client *c, const char *target, char *key, size_t size)
{
    if (target[0] == '#') {
        if (!srv_channel_valid(target, SRV_CHANNELLEN_MAX))
            return -1;
    } else if (!srv_nick_valid(target, SRV_NICKLEN_MAX)) {
        return -1;
    }
    (void)c;
    srv_casefold(key, target, size);
    return 0;
}

void srv_history_send_marker(srv_client *c, const char *target)
{
    if (!(c->caps & SRV_CAP_READ_MARKER) || !c->account)
        return;
    char key[SRV_HISTORY_TARGET_MAX + 1];
    if (marker_target(c, target, key, sizeof key) < 0)
        return;
    send_marker(c, target, srv_history_marker(c->server, c->account->key, key));
}

void srv_cmd_markread(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams < 1) {
        fail(c, "MARKREAD", "NEED_MORE_PARAMS", ":Missing parameters");
        return;
    }
    const char *target = msg->params[0];
    char key[SRV_HISTORY_TARGET_MAX + 1];
    if (marker_target(c, target, key, sizeof key) < 0) {
        fail(c, "MARKREAD", "INVALID_PARAMS", "%.64s :Invalid target", target);
        return;
    }
    if (!c->account) {
        fail(c, "MARKREAD", "ACCOUNT_REQUIRED", "%s :Log in to keep read markers", target);
        return;
    }
    srv_server *s = c->server;
    if (msg->nparams < 2) { /* a question: where is it? */
        send_marker(c, target, srv_history_marker(s, c->account->key, key));
        return;
    }
    int64_t when;
    if (strncmp(msg->params[1], "timestamp=", 10) != 0 ||
        srv_time_parse_iso8601(msg->params[1] + 10, &when) < 0 || when <= 0) {
        fail(c, "MARKREAD", "INVALID_PARAMS", "%s :Expected timestamp=YYYY-MM-DDThh:mm:ss.sssZ",
             target);
        return;
    }
    int64_t old = srv_history_marker(s, c->account->key, key);
    int64_t now = srv_history_set_marker(s, c->account->key, key, when);
    if (now == old) { /* not moved (older, or no room): tell the sender where it is */
        send_marker(c, target, now);
        return;
    }
    srv_cluster_note(c, 0, 0, "MARKREAD %s %s", target, msg->params[1]);
    /* Moved: every client of the account hears it, the sender included.
     * A walk over all clients, on a command that costs a flood penalty. */
    for (srv_client *peer = s->clients; peer; peer = peer->next) {
        if (peer->account == c->account && (peer->caps & SRV_CAP_READ_MARKER))
            send_marker(peer, target, now);
    }
}

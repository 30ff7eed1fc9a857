/* SPDX-License-Identifier: MIT */
/*
 * The Redis store (store-redis.h): the srv_store vtable over the
 * pipelined client of redis/redis.h, for several natterd nodes sharing
 * one network.  load() and the final flush of free(), which run on a
 * connection and loop of their own, are in store-redis-load.c; the
 * history queue is store-queue.c's.
 *
 * Layout, every key under the prefix P (e.g. "natter:NET:"):
 *
 *   P accounts            set of account keys
 *   P acct:<key>          hash: name, credential, registered, certfps
 *                         (the fingerprints joined by ','; they are hex)
 *   P channels            set of registered channel keys
 *   P chan:<key>          hash: name, founder, registered, topic,
 *                         topic_setter, topic_time, modes, chan_key,
 *                         limit, access, masks.  The two lists are text,
 *                         one entry per line, fields split by one space
 *                         and escaped (sb_esc(): '\\' "\\\\", ' ' "\\s",
 *                         LF "\\n", CR "\\r"):
 *                           access: "<level> <account_key>"
 *                           masks:  "<list> <when_s> <setter> <mask>"
 *   P hist:<target>       sorted set: score the msgid, member
 *                         "<msgid> <kind> <alen> <tlen> <account><tags><line>"
 *                         (lengths in bytes, so the line may hold anything)
 *   P targets             sorted set: target -> its latest msgid
 *   P resets              hash: target -> msgid of its latest END event;
 *                         queries answer nothing at or before it
 *   P private:<account>   set of the account's private targets
 *                         ("<account> <nick>"), for TARGETS and for
 *                         dropping an account's history
 *   P markers:<account>   hash: target -> read marker (microseconds)
 *   P markers             set of accounts that have markers
 *   P last_msgid          the highest msgid ever stored
 *
 * Why a sorted set per target, not a stream: stream IDs must grow, but
 * several nodes append to one channel's history, each committing its own
 * queue every commit_interval, so a node's events regularly arrive after
 * newer ones of another node; a stream would refuse them.  A sorted set
 * takes them in any order, ranges by msgid (ZRANGE BYSCORE) directly, and
 * adding an event twice (a flush re-sent after its reply was lost) is a
 * no-op, since the member is the same.  msgids are microseconds, exact as
 * scores (doubles) until 2^53, the year 2255.
 *
 * Writes that must be atomic (create only if absent, a record replaced
 * whole, a marker that only moves forward, a flush) are Lua scripts run
 * with EVAL: Redis runs each alone.  Scripts build history keys from the
 * prefix they are given, so the store wants one Redis (with replicas, or
 * Sentinel), not Redis Cluster, whose scripts must name every key.
 *
 * While the connection is down (between on_down and on_up) writes and
 * queries answer SRV_STORE_UNAVAILABLE at once rather than wait in the
 * client's queue for a Redis that may not come back; history events stay
 * queued here, bounded, and go with the next flush after it is back.
 */
#include "store-redis-internal.h"

#include "natterd-core.h"

#include <hiredis/hiredis.h>
#include <natter/clock.h>
#include <natter/error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Events queued while Redis is away are kept up to this many (as the
 * SQLite store does); past it the oldest are dropped and logged. */
#define QUEUED_MAX 65536
/* Events per flush script: bounds one script's run inside Redis. */
#define FLUSH_BATCH 256
/* Entries a query script looks at per call: a kinds filter that skips
 * many entries continues in another call instead of holding Redis. */
#define QUERY_SCAN 1000
/* Targets a retention step visits. */
#define TRIM_TARGETS 64

/* ---- scripts ---- */

/* Write a record whole: KEYS[1] the hash, KEYS[2] the index set;
 * ARGV[1] "1" to create only if absent, ARGV[2] the key, then fields and
 * values.  Returns 0 when create found the record there. */
static const char put_record_lua[] =
    "if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('HSET', KEYS[1], unpack(ARGV, 3))\n"
    "redis.call('SADD', KEYS[2], ARGV[2])\n"
    "return 1\n";

/* Drop a record: KEYS[1] the hash, KEYS[2] the index set, ARGV[1] the
 * key.  Returns 0 when there was none. */
static const char drop_record_lua[] = "redis.call('SREM', KEYS[2], ARGV[1])\n"
                                      "return redis.call('DEL', KEYS[1])\n";

/* Append events: KEYS[1] targets, KEYS[2] resets, KEYS[3] last_msgid;
 * ARGV[1] the prefix, then per event target, msgid, kind, member. */
static const char flush_lua[] =
    "local top = redis.call('GET', KEYS[3])\n"
    "for i = 2, #ARGV, 4 do\n"
    "  local target, id, kind = ARGV[i], ARGV[i + 1], ARGV[i + 2]\n"
    "  redis.call('ZADD', ARGV[1] .. 'hist:' .. target, id, ARGV[i + 3])\n"
    "  redis.call('ZADD', KEYS[1], 'GT', id, target)\n"
    "  if kind == '11' then\n"
    "    local r = redis.call('HGET', KEYS[2], target)\n"
    "    if not r or tonumber(r) < tonumber(id) then redis.call('HSET', KEYS[2], target, id) end\n"
    "  end\n"
    "  local account = string.match(target, '^([^ ]+) ')\n"
    "  if account then redis.call('SADD', ARGV[1] .. 'private:' .. account, target) end\n"
    "  if not top or tonumber(top) < tonumber(id) then top = id end\n"
    "end\n"
    "if top then redis.call('SET', KEYS[3], top) end\n"
    "return 1\n";

/* A range of one target: KEYS[1] its history, KEYS[2] resets; ARGV:
 * target, after, before (exclusive), limit, newest ("1"), kinds (a bit
 * per kind), scan budget, and where a previous call stopped (a score,
 * inclusive, and how many members of that score it saw; "" the first
 * time).  Returns {edge, skip, members...}: edge "" when the range is
 * exhausted or the limit reached, else where to go on. */
static const char query_lua[] =
    "local rev = ARGV[5] == '1'\n"
    "local after = ARGV[2]\n"
    "local reset = redis.call('HGET', KEYS[2], ARGV[1])\n"
    "if reset and tonumber(reset) > tonumber(after) then after = reset end\n"
    "local lo, hi = '(' .. after, '(' .. ARGV[3]\n"
    "local want, kinds, budget = tonumber(ARGV[4]), tonumber(ARGV[6]), tonumber(ARGV[7])\n"
    "local edge, skip = nil, tonumber(ARGV[9])\n"
    "if ARGV[8] ~= '' then edge = ARGV[8] end\n"
    "local out, got, seen = {'', 0}, 0, 0\n"
    "while got < want and seen < budget do\n"
    "  local n = math.min(budget - seen, math.max(want - got, 64))\n"
    "  local r\n"
    "  if rev then\n"
    "    r = redis.call('ZRANGE', KEYS[1], edge or hi, lo, 'BYSCORE', 'REV', 'LIMIT', skip, n,"
    " 'WITHSCORES')\n"
    "  else\n"
    "    r = redis.call('ZRANGE', KEYS[1], edge or lo, hi, 'BYSCORE', 'LIMIT', skip, n,"
    " 'WITHSCORES')\n"
    "  end\n"
    "  for i = 1, #r, 2 do\n"
    "    seen = seen + 1\n"
    "    if r[i + 1] == edge then skip = skip + 1 else edge = r[i + 1]; skip = 1 end\n"
    "    local kind = tonumber(string.match(r[i], '^%d+ (%d+) '))\n"
    "    if got < want and kind and bit.band(kinds, 2 ^ kind) ~= 0 then\n"
    "      out[#out + 1] = r[i]\n"
    "      got = got + 1\n"
    "    end\n"
    "  end\n"
    "  if #r < 2 * n or got >= want then\n"
    "    out[1], out[2] = '', 0\n"
    "    return out\n"
    "  end\n"
    "  out[1], out[2] = edge, skip\n"
    "end\n"
    "return out\n";

/* Which targets had events in a range: KEYS[1] targets, KEYS[2] resets,
 * KEYS[3] (optional) an account's private targets; ARGV[1] the prefix,
 * ARGV[2] after, ARGV[3] before, then channel keys.  Returns {target,
 * latest msgid, ...}. */
static const char targets_lua[] =
    "local out = {}\n"
    "local function consider(t)\n"
    "  local latest = redis.call('ZSCORE', KEYS[1], t)\n"
    "  if not latest or tonumber(latest) <= tonumber(ARGV[2]) then return end\n"
    "  local r = redis.call('ZRANGE', ARGV[1] .. 'hist:' .. t, '(' .. ARGV[3], '(' .. ARGV[2],"
    "    'BYSCORE', 'REV', 'LIMIT', 0, 1)\n"
    "  if #r == 0 then return end\n"
    "  local id = string.match(r[1], '^(%d+)')\n"
    "  local reset = redis.call('HGET', KEYS[2], t)\n"
    "  if not id or (reset and tonumber(reset) >= tonumber(id)) then return end\n"
    "  out[#out + 1] = t\n"
    "  out[#out + 1] = id\n"
    "end\n"
    "for i = 4, #ARGV do consider(ARGV[i]) end\n"
    "if KEYS[3] then\n"
    "  for _, t in ipairs(redis.call('SMEMBERS', KEYS[3])) do consider(t) end\n"
    "end\n"
    "return out\n";

/* One retention step: KEYS[1] targets, KEYS[2] resets; ARGV: the prefix,
 * oldest (0: none), per target (0: none), budget, the rank to start at,
 * how many targets to visit.  XTRIM's cousins for sorted sets: what is
 * below oldest, then the excess over per_target, oldest first, never
 * more than the budget in all.  Returns {deleted, next rank}. */
static const char trim_lua[] =
    "local oldest, per, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local rank, visit = tonumber(ARGV[5]), tonumber(ARGV[6])\n"
    "local names = redis.call('ZRANGE', KEYS[1], rank, rank + visit - 1)\n"
    "local deleted = 0\n"
    "for _, t in ipairs(names) do\n"
    "  local key = ARGV[1] .. 'hist:' .. t\n"
    "  if oldest > 0 and deleted < budget then\n"
    "    local c = math.min(redis.call('ZCOUNT', key, '-inf', '(' .. ARGV[2]), budget - deleted)\n"
    "    if c > 0 then deleted = deleted + redis.call('ZREMRANGEBYRANK', key, 0, c - 1) end\n"
    "  end\n"
    "  if per > 0 and deleted < budget then\n"
    "    local c = math.min(redis.call('ZCARD', key) - per, budget - deleted)\n"
    "    if c > 0 then deleted = deleted + redis.call('ZREMRANGEBYRANK', key, 0, c - 1) end\n"
    "  end\n"
    "  if redis.call('EXISTS', key) == 0 then\n"
    "    redis.call('ZREM', KEYS[1], t)\n"
    "    redis.call('HDEL', KEYS[2], t)\n"
    "    local account = string.match(t, '^([^ ]+) ')\n"
    "    if account then redis.call('SREM', ARGV[1] .. 'private:' .. account, t) end\n"
    "  elseif deleted >= budget then\n"
    "    return {deleted, rank}\n"
    "  else\n"
    "    rank = rank + 1\n"
    "  end\n"
    "end\n"
    "if #names < visit then rank = 0 end\n"
    "return {deleted, rank}\n";

/* A read marker that only moves forward: KEYS[1] markers:<account>,
 * KEYS[2] markers; ARGV account, target, time. */
static const char marker_lua[] = "local cur = redis.call('HGET', KEYS[1], ARGV[2])\n"
                                 "if not cur or tonumber(cur) < tonumber(ARGV[3]) then\n"
                                 "  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])\n"
                                 "end\n"
                                 "redis.call('SADD', KEYS[2], ARGV[1])\n"
                                 "return 1\n";

/* An account's private history and markers: KEYS[1] private:<account>,
 * KEYS[2] markers:<account>, KEYS[3] markers, KEYS[4] targets, KEYS[5]
 * resets; ARGV[1] the prefix, ARGV[2] the account. */
static const char drop_history_lua[] = "for _, t in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
                                       "  redis.call('DEL', ARGV[1] .. 'hist:' .. t)\n"
                                       "  redis.call('ZREM', KEYS[4], t)\n"
                                       "  redis.call('HDEL', KEYS[5], t)\n"
                                       "end\n"
                                       "redis.call('DEL', KEYS[1], KEYS[2])\n"
                                       "redis.call('SREM', KEYS[3], ARGV[2])\n"
                                       "return 1\n";

/* ---- the store ---- */

void redis_store_logf(const redis_store *st, int level, const char *fmt, ...)
{
    if (!st->log)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    st->log(st->log_ctx, level, msg);
}

/* ---- commands ---- */

static void redis_cmd_add(redis_cmd *c, const char *s, size_t len)
{
    if (c->failed)
        return;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 16;
        char **arg = realloc(c->arg, (size_t)cap * sizeof *arg);
        if (arg)
            c->arg = arg;
        size_t *lens = arg ? realloc(c->len, (size_t)cap * sizeof *lens) : NULL;
        if (!lens) {
            c->failed = 1;
            return;
        }
        c->len = lens;
        c->cap = cap;
    }
    char *copy = srv_store_copy_n(s, len);
    if (!copy) {
        c->failed = 1;
        return;
    }
    c->arg[c->n] = copy;
    c->len[c->n++] = len;
}

void redis_cmd_str(redis_cmd *c, const char *s)
{
    redis_cmd_add(c, s ? s : "", s ? strlen(s) : 0);
}

static void redis_cmd_i64(redis_cmd *c, int64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%lld", (long long)v);
    redis_cmd_add(c, text, (size_t)n);
}

/* The key "<prefix><kind><name>". */
void redis_cmd_key(redis_cmd *c, const redis_store *st, const char *kind, const char *name)
{
    size_t p = strlen(st->prefix), k = strlen(kind), n = name ? strlen(name) : 0;
    char *key = malloc(p + k + n + 1);
    if (!key) {
        c->failed = 1;
        return;
    }
    memcpy(key, st->prefix, p);
    memcpy(key + p, kind, k);
    if (n)
        memcpy(key + p + k, name, n);
    redis_cmd_add(c, key, p + k + n);
    free(key);
}

/* "EVAL script numkeys": the keys and arguments follow. */
static void redis_cmd_eval(redis_cmd *c, const char *script, int numkeys)
{
    redis_cmd_str(c, "EVAL");
    redis_cmd_str(c, script);
    redis_cmd_i64(c, numkeys);
}

static void redis_cmd_free(redis_cmd *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->arg[i]);
    free(c->arg);
    free(c->len);
    memset(c, 0, sizeof *c);
}

/* Send c on client (and free it).  @return 0, or -1 when it was not
 * sent (fn is then not called) */
int redis_cmd_send_on(rds_client *client, redis_cmd *c, rds_reply_fn fn, void *ctx)
{
    int rc = -1;
    if (!c->failed && c->n > 0)
        rc = rds_command_argv(client, fn, ctx, c->n, (const char *const *)c->arg, c->len);
    redis_cmd_free(c);
    return rc;
}

/* Send c on the store's connection unless it is known to be down. */
static int redis_cmd_send(redis_store *st, redis_cmd *c, rds_reply_fn fn, void *ctx)
{
    if (st->down || st->closing) {
        redis_cmd_free(c);
        return -1;
    }
    return redis_cmd_send_on(st->client, c, fn, ctx);
}

int redis_reply_ok(const rds_reply *r)
{
    return r && r->type != REDIS_REPLY_ERROR;
}

const char *redis_reply_error(const rds_reply *r)
{
    return !r                                       ? "the connection to Redis ended"
           : r->type == REDIS_REPLY_ERROR && r->str ? r->str
                                                    : "unexpected reply";
}

/* A number from an integer or a string reply; 0 otherwise. */
int64_t redis_reply_i64(const rds_reply *r)
{
    if (!r)
        return 0;
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if ((r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) && r->str)
        return strtoll(r->str, NULL, 10);
    return 0;
}

/* ---- writes with a completion ---- */

typedef struct write_op {
    redis_store *st;
    const char *what;
    int absent_status; /* what a script's 0 means */
    srv_store_done_fn done;
    void *ctx;
} write_op;

static void write_reply(void *arg, const rds_reply *r)
{
    write_op *op = arg;
    int status = SRV_STORE_OK;
    if (!redis_reply_ok(r)) {
        status = SRV_STORE_UNAVAILABLE;
        if (r)
            redis_store_logf(op->st, SRV_LOG_ERROR, "store: %s not written: %s", op->what,
                             redis_reply_error(r));
    } else if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) {
        status = op->absent_status;
    }
    if (op->done)
        op->done(op->ctx, status);
    free(op);
}

static void write_send(redis_store *st, redis_cmd *c, const char *what, int absent_status,
                       srv_store_done_fn done, void *ctx)
{
    write_op *op = malloc(sizeof *op);
    if (!op) {
        redis_cmd_free(c);
    } else {
        *op = (write_op){st, what, absent_status, done, ctx};
        if (redis_cmd_send(st, c, write_reply, op) == 0)
            return;
        free(op);
    }
    if (done)
        done(ctx, SRV_STORE_UNAVAILABLE);
}

/* ---- accounts and channels ---- */

/* A growing string; out of memory leaves failed set and the text cut. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_raw(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->s, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Append one field of a list entry, escaped (see the layout above). */
static void sb_esc(sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        const char *rep = *s == '\\'   ? "\\\\"
                          : *s == ' '  ? "\\s"
                          : *s == '\n' ? "\\n"
                          : *s == '\r' ? "\\r"
                                       : NULL;
        sb_raw(b, rep ? rep : s, rep ? 2 : 1);
    }
}

static void put_record(redis_store *st, const char *kind, const char *set, const char *key,
                       int create, redis_cmd *fields, const char *what, srv_store_done_fn done,
                       void *ctx)
{
    redis_cmd c = {0};
    redis_cmd_eval(&c, put_record_lua, 2);
    redis_cmd_key(&c, st, kind, key);
    redis_cmd_key(&c, st, set, "");
    redis_cmd_str(&c, create ? "1" : "0");
    redis_cmd_str(&c, key);
    for (int i = 0; i < fields->n; i++)
        redis_cmd_add(&c, fields->arg[i], fields->len[i]);
    c.failed |= fields->failed;
    redis_cmd_free(fields);
    write_send(st, &c, what, SRV_STORE_EXISTS, done, ctx);
}

/* A hash field and its value. */
static void cmd_field(redis_cmd *c, const char *field, const char *value)
{
    redis_cmd_str(c, field);
    redis_cmd_str(c, value);
}

static void cmd_field_i64(redis_cmd *c, const char *field, int64_t value)
{
    redis_cmd_str(c, field);
    redis_cmd_i64(c, value);
}

/* A field and its value, the value from a builder (freed). */
static void cmd_field_sb(redis_cmd *c, const char *field, sbuf *b)
{
    redis_cmd_str(c, field);
    redis_cmd_add(c, b->s ? b->s : "", b->len);
    c->failed |= b->failed;
    free(b->s);
    memset(b, 0, sizeof *b);
}

static void put_account(srv_store *base, const srv_store_account *a, int create,
                        srv_store_done_fn done, void *ctx)
{
    redis_store *st = (redis_store *)base;
    sbuf fps = {0};
    for (size_t i = 0; i < a->ncertfps; i++) {
        if (i)
            sb_raw(&fps, ",", 1);
        sb_esc(&fps, a->certfps[i]);
    }
    redis_cmd f = {0};
    cmd_field(&f, "name", a->name);
    cmd_field(&f, "credential", a->credential);
    cmd_field_i64(&f, "registered", a->registered_s);
    cmd_field_sb(&f, "certfps", &fps);
    put_record(st, "acct:", "accounts", a->key, create, &f, "account", done, ctx);
}

static void put_channel(srv_store *base, const srv_store_channel *ch, int create,
                        srv_store_done_fn done, void *ctx)
{
    redis_store *st = (redis_store *)base;
    sbuf access = {0}, masks = {0};
    for (size_t i = 0; i < ch->naccess; i++) {
        char head[4] = {ch->access[i].level, ' ', '\0', '\0'};
        if (i)
            sb_raw(&access, "\n", 1);
        sb_raw(&access, head, 2);
        sb_esc(&access, ch->access[i].account_key);
    }
    for (size_t i = 0; i < ch->nmasks; i++) {
        const srv_store_mask *m = &ch->masks[i];
        char head[40];
        int n = snprintf(head, sizeof head, "%s%c %lld ", i ? "\n" : "", m->list ? m->list : 'b',
                         (long long)m->when_s);
        sb_raw(&masks, head, (size_t)n);
        sb_esc(&masks, m->setter);
        sb_raw(&masks, " ", 1);
        sb_esc(&masks, m->mask);
    }
    redis_cmd f = {0};
    cmd_field(&f, "name", ch->name);
    cmd_field(&f, "founder", ch->founder_key);
    cmd_field_i64(&f, "registered", ch->registered_s);
    cmd_field(&f, "topic", ch->topic);
    cmd_field(&f, "topic_setter", ch->topic_setter);
    cmd_field_i64(&f, "topic_time", ch->topic_time_s);
    cmd_field(&f, "modes", ch->modes);
    cmd_field(&f, "chan_key", ch->chan_key);
    cmd_field_i64(&f, "limit", ch->limit);
    cmd_field_sb(&f, "access", &access);
    cmd_field_sb(&f, "masks", &masks);
    put_record(st, "chan:", "channels", ch->key, create, &f, "channel", done, ctx);
}

static void drop_record(redis_store *st, const char *kind, const char *set, const char *key,
                        const char *what, srv_store_done_fn done, void *ctx)
{
    redis_cmd c = {0};
    redis_cmd_eval(&c, drop_record_lua, 2);
    redis_cmd_key(&c, st, kind, key);
    redis_cmd_key(&c, st, set, "");
    redis_cmd_str(&c, key);
    write_send(st, &c, what, SRV_STORE_NOT_FOUND, done, ctx);
}

static void drop_account(srv_store *base, const char *key, srv_store_done_fn done, void *ctx)
{
    drop_record((redis_store *)base, "acct:", "accounts", key, "account drop", done, ctx);
}

static void drop_channel(srv_store *base, const char *key, srv_store_done_fn done, void *ctx)
{
    drop_record((redis_store *)base, "chan:", "channels", key, "channel drop", done, ctx);
}

/* ---- history: the queue and its flush ---- */

/* The queue dropped its oldest events: a lost batch's place moves with them. */
static void queue_dropped_front(redis_store *st, size_t dropped)
{
    st->requeue_at = st->requeue_at > dropped ? st->requeue_at - dropped : 0;
}

static void append_event(srv_store *base, const srv_store_event *ev)
{
    redis_store *st = (redis_store *)base;
    queue_dropped_front(st, srv_store_queue_append(&st->queue, ev));
}

/* The history member of e (see the layout). */
static void member_of(sbuf *b, const srv_store_event *e)
{
    char head[96];
    size_t alen = strlen(e->account), tlen = strlen(e->tags);
    int n =
        snprintf(head, sizeof head, "%lld %u %zu %zu ", (long long)e->msgid, e->kind, alen, tlen);
    sb_raw(b, head, (size_t)n);
    sb_raw(b, e->account, alen);
    sb_raw(b, e->tags, tlen);
    sb_raw(b, e->line, strlen(e->line));
}

/* Free the strings of an answer's event (from member_parse()). */
static void answer_clear(srv_store_event *e)
{
    free((char *)e->line);
    free((char *)e->account);
    free((char *)e->tags);
}

/* Read a member back into e (its strings allocated; target not set).
 * @return 0, or -1 when it is not one or out of memory */
static int member_parse(const char *m, size_t len, srv_store_event *e)
{
    const char *end = m + len, *p = m;
    long long v[4];
    for (int i = 0; i < 4; i++) {
        char *after;
        v[i] = strtoll(p, &after, 10);
        if (after == p || after >= end || *after != ' ' || v[i] < 0)
            return -1;
        p = after + 1;
    }
    size_t alen = (size_t)v[2], tlen = (size_t)v[3];
    if ((size_t)(end - p) < alen || (size_t)(end - p) - alen < tlen)
        return -1;
    e->msgid = v[0];
    e->kind = (unsigned)v[1];
    e->account = srv_store_copy_n(p, alen);
    e->tags = srv_store_copy_n(p + alen, tlen);
    e->line = srv_store_copy_n(p + alen + tlen, (size_t)(end - (p + alen + tlen)));
    if (!e->account || !e->tags || !e->line) {
        answer_clear(e);
        return -1;
    }
    return 0;
}

/* Events sent in one flush script, kept until Redis answered: a batch
 * whose connection ended goes back in the queue (adding it again is a
 * no-op for what did arrive). */
typedef struct flush_batch {
    redis_store *st;
    srv_store_event *events;
    size_t n;
} flush_batch;

static void batch_free(flush_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        srv_store_event_clear(&b->events[i]);
    free(b->events);
    free(b);
}

/* Put a batch lost in flight back in the queue: before what was queued
 * since, after the batches lost before it. */
static void requeue(redis_store *st, flush_batch *b)
{
    size_t at = st->requeue_at < st->queue.n ? st->requeue_at : st->queue.n, dropped;
    if (srv_store_queue_insert(&st->queue, at, b->events, b->n, &dropped) == 0) {
        st->requeue_at = at + b->n;
        queue_dropped_front(st, dropped);
    }
    free(b->events);
    free(b);
}

static void flush_reply(void *arg, const rds_reply *r)
{
    flush_batch *b = arg;
    b->st->batches_inflight--;
    if (!r) {
        requeue(b->st, b);
        return;
    }
    /* Refused (maxmemory reached, a read-only replica): dropped and
     * logged, or the queue would only fill up with what Redis refuses. */
    if (r->type == REDIS_REPLY_ERROR)
        redis_store_logf(b->st, SRV_LOG_ERROR, "store: %zu history events not written: %s", b->n,
                         redis_reply_error(r));
    batch_free(b);
}

/* Send events[0..n) as one script on client; the batch takes their strings.
 * @return 0, or -1 when not sent (the events stay the caller's) */
static int flush_send(redis_store *st, rds_client *client, const srv_store_event *events, size_t n)
{
    redis_cmd c = {0};
    redis_cmd_eval(&c, flush_lua, 3);
    redis_cmd_key(&c, st, "targets", "");
    redis_cmd_key(&c, st, "resets", "");
    redis_cmd_key(&c, st, "last_msgid", "");
    redis_cmd_str(&c, st->prefix);
    for (size_t i = 0; i < n; i++) {
        sbuf member = {0};
        member_of(&member, &events[i]);
        redis_cmd_str(&c, events[i].target);
        redis_cmd_i64(&c, events[i].msgid);
        redis_cmd_i64(&c, events[i].kind);
        redis_cmd_add(&c, member.s ? member.s : "", member.len);
        c.failed |= member.failed;
        free(member.s);
    }
    flush_batch *b = malloc(sizeof *b);
    srv_store_event *copy = b ? malloc(n * sizeof *copy) : NULL;
    if (!copy) {
        free(b);
        redis_cmd_free(&c);
        return -1;
    }
    memcpy(copy, events, n * sizeof *copy);
    *b = (flush_batch){st, copy, n};
    if (redis_cmd_send_on(client, &c, flush_reply, b) < 0) {
        free(copy);
        free(b);
        return -1;
    }
    st->batches_inflight++;
    return 0;
}

/* Send the queue on client, a batch at a time, as far as it takes them. */
void redis_store_flush_queue(redis_store *st, rds_client *client)
{
    size_t sent = 0;
    while (sent < st->queue.n) {
        size_t n = st->queue.n - sent < FLUSH_BATCH ? st->queue.n - sent : FLUSH_BATCH;
        if (flush_send(st, client, st->queue.events + sent, n) < 0)
            break;
        sent += n;
    }
    srv_store_queue_remove_front(&st->queue, sent);
    st->requeue_at = 0;
}

static void log_dropped(redis_store *st)
{
    uint64_t dropped = srv_store_queue_take_dropped(&st->queue);
    if (dropped)
        redis_store_logf(st, SRV_LOG_ERROR,
                         "store: %llu history events lost while Redis was unavailable",
                         (unsigned long long)dropped);
}

static int flush_events(srv_store *base)
{
    redis_store *st = (redis_store *)base;
    log_dropped(st);
    if (!st->queue.n)
        return SRV_STORE_OK;
    if (st->down || st->closing)
        return SRV_STORE_UNAVAILABLE; /* kept for the next flush */
    redis_store_flush_queue(st, st->client);
    return st->queue.n ? SRV_STORE_UNAVAILABLE : SRV_STORE_OK;
}

/* ---- history: queries ---- */

typedef struct query_op {
    redis_store *st;
    srv_store_events_fn done;
    void *ctx;
    char *target;
    int64_t after, before;
    unsigned limit, kinds;
    int newest;
    srv_store_event *evs;
    size_t n;
    char *edge; /* where the previous call stopped, or NULL */
    long long skip;
} query_op;

static void query_finish(query_op *op, int status)
{
    if (status != SRV_STORE_OK) {
        for (size_t i = 0; i < op->n; i++)
            answer_clear(&op->evs[i]);
        op->n = 0;
    }
    if (op->newest) { /* found newest first: answer in ascending order */
        for (size_t i = 0; i < op->n / 2; i++) {
            srv_store_event tmp = op->evs[i];
            op->evs[i] = op->evs[op->n - 1 - i];
            op->evs[op->n - 1 - i] = tmp;
        }
    }
    for (size_t i = 0; i < op->n; i++)
        op->evs[i].target = op->target;
    op->done(op->ctx, status, op->n ? op->evs : NULL, op->n);
    for (size_t i = 0; i < op->n; i++)
        answer_clear(&op->evs[i]);
    free(op->evs);
    free(op->edge);
    free(op->target);
    free(op);
}

static void query_reply(void *arg, const rds_reply *r);

static int query_send(query_op *op)
{
    redis_store *st = op->st;
    redis_cmd c = {0};
    redis_cmd_eval(&c, query_lua, 2);
    redis_cmd_key(&c, st, "hist:", op->target);
    redis_cmd_key(&c, st, "resets", "");
    redis_cmd_str(&c, op->target);
    redis_cmd_i64(&c, op->after);
    redis_cmd_i64(&c, op->before);
    redis_cmd_i64(&c, (int64_t)(op->limit - op->n));
    redis_cmd_str(&c, op->newest ? "1" : "0");
    redis_cmd_i64(&c, op->kinds);
    redis_cmd_i64(&c, QUERY_SCAN);
    redis_cmd_str(&c, op->edge ? op->edge : "");
    redis_cmd_i64(&c, op->skip);
    return redis_cmd_send(st, &c, query_reply, op);
}

static void query_reply(void *arg, const rds_reply *r)
{
    query_op *op = arg;
    if (!redis_reply_ok(r) || r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
        if (r)
            redis_store_logf(op->st, SRV_LOG_ERROR, "store: history query: %s",
                             redis_reply_error(r));
        query_finish(op, SRV_STORE_UNAVAILABLE);
        return;
    }
    for (size_t i = 2; i < r->elements && op->n < op->limit; i++) {
        const rds_reply *m = r->element[i];
        if (m->type == REDIS_REPLY_STRING && member_parse(m->str, m->len, &op->evs[op->n]) == 0)
            op->n++;
        else
            redis_store_logf(op->st, SRV_LOG_WARNING,
                             "store: an unreadable history entry of %s skipped", op->target);
    }
    const rds_reply *edge = r->element[0];
    if (edge->type == REDIS_REPLY_STRING && edge->len > 0 && op->n < op->limit) {
        free(op->edge);
        op->edge = srv_store_copy_n(edge->str, edge->len);
        op->skip = redis_reply_i64(r->element[1]);
        if (!op->edge || query_send(op) < 0)
            query_finish(op, SRV_STORE_UNAVAILABLE);
        return;
    }
    query_finish(op, SRV_STORE_OK);
}

static void query_events(srv_store *base, const srv_store_history_query *q,
                         srv_store_events_fn done, void *ctx)
{
    redis_store *st = (redis_store *)base;
    if (q->limit == 0 || q->after >= q->before || !q->kinds) {
        done(ctx, SRV_STORE_OK, NULL, 0);
        return;
    }
    flush_events(base); /* sent first, so the query sees them */
    query_op *op = calloc(1, sizeof *op);
    if (op) {
        op->evs = calloc(q->limit, sizeof *op->evs);
        op->target = srv_store_copy_or_empty(q->target);
    }
    if (!op || !op->evs || !op->target) {
        if (op) {
            free(op->evs);
            free(op->target);
            free(op);
        }
        done(ctx, SRV_STORE_UNAVAILABLE, NULL, 0);
        return;
    }
    op->st = st;
    op->done = done;
    op->ctx = ctx;
    op->after = q->after;
    op->before = q->before;
    op->limit = q->limit;
    op->kinds = q->kinds;
    op->newest = q->newest;
    if (query_send(op) < 0)
        query_finish(op, SRV_STORE_UNAVAILABLE);
}

typedef struct targets_op {
    redis_store *st;
    srv_store_targets_fn done;
    void *ctx;
    unsigned limit;
} targets_op;

static int by_latest(const void *a, const void *b)
{
    const srv_store_target *x = a, *y = b;
    return x->latest < y->latest ? -1 : x->latest > y->latest;
}

static void targets_reply(void *arg, const rds_reply *r)
{
    targets_op *op = arg;
    if (!redis_reply_ok(r) || r->type != REDIS_REPLY_ARRAY) {
        if (r)
            redis_store_logf(op->st, SRV_LOG_ERROR, "store: history targets: %s",
                             redis_reply_error(r));
        op->done(op->ctx, SRV_STORE_UNAVAILABLE, NULL, 0);
        free(op);
        return;
    }
    size_t n = r->elements / 2;
    srv_store_target *items = n ? calloc(n, sizeof *items) : NULL;
    if (n && !items) {
        op->done(op->ctx, SRV_STORE_UNAVAILABLE, NULL, 0);
        free(op);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const rds_reply *t = r->element[2 * i];
        if (t->type != REDIS_REPLY_STRING)
            continue;
        items[k].target = t->str;
        items[k++].latest = redis_reply_i64(r->element[2 * i + 1]);
    }
    if (k)
        qsort(items, k, sizeof *items, by_latest);
    op->done(op->ctx, SRV_STORE_OK, items, k < op->limit ? k : op->limit);
    free(items);
    free(op);
}

static void query_targets(srv_store *base, const srv_store_targets_query *q,
                          srv_store_targets_fn done, void *ctx)
{
    redis_store *st = (redis_store *)base;
    if (q->limit == 0 || q->after >= q->before) {
        done(ctx, SRV_STORE_OK, NULL, 0);
        return;
    }
    flush_events(base);
    targets_op *op = malloc(sizeof *op);
    if (!op) {
        done(ctx, SRV_STORE_UNAVAILABLE, NULL, 0);
        return;
    }
    *op = (targets_op){st, done, ctx, q->limit};
    redis_cmd c = {0};
    redis_cmd_eval(&c, targets_lua, q->account ? 3 : 2);
    redis_cmd_key(&c, st, "targets", "");
    redis_cmd_key(&c, st, "resets", "");
    if (q->account)
        redis_cmd_key(&c, st, "private:", q->account);
    redis_cmd_str(&c, st->prefix);
    redis_cmd_i64(&c, q->after);
    redis_cmd_i64(&c, q->before);
    for (size_t i = 0; i < q->nchannels; i++)
        redis_cmd_str(&c, q->channels[i]);
    if (redis_cmd_send(st, &c, targets_reply, op) < 0) {
        free(op);
        done(ctx, SRV_STORE_UNAVAILABLE, NULL, 0);
    }
}

/* ---- history: retention and markers ---- */

static void trim_reply(void *arg, const rds_reply *r)
{
    redis_store *st = arg;
    st->trim_inflight = 0;
    if (!redis_reply_ok(r) || r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
        if (r)
            redis_store_logf(st, SRV_LOG_ERROR, "store: history retention: %s",
                             redis_reply_error(r));
        return;
    }
    int64_t deleted = redis_reply_i64(r->element[0]);
    st->trim_deleted = deleted > 0 ? (unsigned)deleted : 0;
    st->trim_rank = redis_reply_i64(r->element[1]);
}

/*
 * One step of retention, TRIM_TARGETS targets at a time, round the
 * targets set.  Redis answers later, so what a step deleted is what the
 * next call returns (the core calls again soon after a full budget).
 * max_bytes is ignored: how much memory Redis may use is its maxmemory
 * setting's job, which the operator sets for the whole instance.
 */
static unsigned trim_history(srv_store *base, const srv_store_retention *r)
{
    redis_store *st = (redis_store *)base;
    if (st->trim_inflight || (!r->oldest && !r->per_target))
        return 0;
    flush_events(base);
    unsigned deleted = st->trim_deleted;
    st->trim_deleted = 0;
    redis_cmd c = {0};
    redis_cmd_eval(&c, trim_lua, 2);
    redis_cmd_key(&c, st, "targets", "");
    redis_cmd_key(&c, st, "resets", "");
    redis_cmd_str(&c, st->prefix);
    redis_cmd_i64(&c, r->oldest > 0 ? r->oldest : 0);
    redis_cmd_i64(&c, r->per_target);
    redis_cmd_i64(&c, r->budget ? r->budget : 1000);
    redis_cmd_i64(&c, st->trim_rank);
    redis_cmd_i64(&c, TRIM_TARGETS);
    if (redis_cmd_send(st, &c, trim_reply, st) == 0)
        st->trim_inflight = 1;
    return deleted;
}

static void put_marker(srv_store *base, const char *account_key, const char *target,
                       int64_t time_us, srv_store_done_fn done, void *ctx)
{
    redis_store *st = (redis_store *)base;
    redis_cmd c = {0};
    redis_cmd_eval(&c, marker_lua, 2);
    redis_cmd_key(&c, st, "markers:", account_key);
    redis_cmd_key(&c, st, "markers", "");
    redis_cmd_str(&c, account_key);
    redis_cmd_str(&c, target);
    redis_cmd_i64(&c, time_us);
    write_send(st, &c, "read marker", SRV_STORE_OK, done, ctx);
}

static void drop_account_history(srv_store *base, const char *account_key, srv_store_done_fn done,
                                 void *ctx)
{
    redis_store *st = (redis_store *)base;
    flush_events(base); /* its queued events go first, then all of it */
    redis_cmd c = {0};
    redis_cmd_eval(&c, drop_history_lua, 5);
    redis_cmd_key(&c, st, "private:", account_key);
    redis_cmd_key(&c, st, "markers:", account_key);
    redis_cmd_key(&c, st, "markers", "");
    redis_cmd_key(&c, st, "targets", "");
    redis_cmd_key(&c, st, "resets", "");
    redis_cmd_str(&c, st->prefix);
    redis_cmd_str(&c, account_key);
    write_send(st, &c, "account history drop", SRV_STORE_OK, done, ctx);
}

/* ---- open and free ---- */

static void on_up(void *data)
{
    redis_store *st = data;
    if (st->down)
        redis_store_logf(st, SRV_LOG_INFO, "store: Redis at %s is back", st->address);
    st->down = 0;
}

static void on_down(void *data, int reason)
{
    redis_store *st = data;
    /* NT_ECLOSED: this process closed the connection (its loop was
     * drained at exit), Redis was not lost. */
    if (!st->down && !st->closing && reason != NT_ECLOSED)
        redis_store_logf(st, SRV_LOG_ERROR, "store: lost Redis at %s: %s", st->address,
                         nt_strerror(reason));
    st->down = 1;
}

static void store_free(srv_store *base)
{
    redis_store *st = (redis_store *)base;
    st->closing = 1;
    /* Every pending callback is answered now (SRV_STORE_UNAVAILABLE),
     * and flushes in flight come back to the queue. */
    rds_client_free(st->client);
    st->client = NULL;
    /* Tried whatever state the connection was in: "down" may only mean
     * that it ended while Redis is up (the caller's loop was drained
     * first, or it was waiting to reconnect), and the final flush gives
     * up at once on a Redis that refuses it. */
    if (st->queue.n)
        redis_store_final_flush(st);
    log_dropped(st);
    if (st->queue.n)
        redis_store_logf(st, SRV_LOG_ERROR, "store: %zu history events not written at exit",
                         st->queue.n);
    srv_store_queue_free(&st->queue);
    if (st->tls)
        nt_tls_config_unref(st->tls);
    free(st->address);
    free(st->password);
    free(st->prefix);
    free(st);
}

static const srv_store_ops redis_ops = {
    .load = redis_store_load,
    .put_account = put_account,
    .drop_account = drop_account,
    .put_channel = put_channel,
    .drop_channel = drop_channel,
    .append_event = append_event,
    .flush_events = flush_events,
    .query_events = query_events,
    .query_targets = query_targets,
    .trim_history = trim_history,
    .put_marker = put_marker,
    .drop_account_history = drop_account_history,
    .free = store_free,
};

srv_store *srv_store_redis_open(nt_loop *loop, const srv_store_redis_options *opts, char *err,
                                size_t errsize)
{
    if (!loop || !opts || !opts->address || !opts->address[0]) {
        snprintf(err, errsize, "Redis store: no Redis address");
        return NULL;
    }
    redis_store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    st->base.ops = &redis_ops;
    srv_store_queue_init(&st->queue, QUEUED_MAX);
    st->log = opts->log;
    st->log_ctx = opts->log_ctx;
    st->address = srv_store_copy_or_empty(opts->address);
    st->password = opts->password ? srv_store_copy_or_empty(opts->password) : NULL;
    st->prefix = srv_store_copy_or_empty(opts->prefix);
    if (opts->tls)
        st->tls = nt_tls_config_ref(opts->tls);
    if (!st->address || !st->prefix || (opts->password && !st->password)) {
        snprintf(err, errsize, "out of memory");
        st->closing = 1;
        store_free(&st->base);
        return NULL;
    }
    rds_options o = {
        .address = st->address, .password = st->password, .tls = st->tls, .name = "natterd-store"};
    rds_callbacks cb = {.on_up = on_up, .on_down = on_down};
    st->client = rds_client_new(loop, &o, &cb, st, err, errsize);
    if (!st->client) {
        store_free(&st->base);
        return NULL;
    }
    return &st->base;
}

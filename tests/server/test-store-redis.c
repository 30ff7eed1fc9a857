/* SPDX-License-Identifier: MIT */
/*
 * The Redis store (server/store/store-redis.h) against a real
 * redis-server this suite starts on a Unix socket in a temporary folder:
 * every function of the store interface called directly (accounts and
 * channels written, refused, replaced, dropped and read back by load()
 * on a fresh store; history appended, flushed, queried by range, limit,
 * direction and kind, targets, retention by age and per target, read
 * markers, the last msgid), Redis killed (writes and queries answer
 * SRV_STORE_UNAVAILABLE, events stay queued) and started again, free()
 * writing every queued event while Redis is up (batches in flight, the
 * store's connection just ended) and giving up at once when it is gone,
 * and the protocol core running on it (REGISTER, then CHATHISTORY).
 * Each test uses a key prefix of its own.  Without /usr/bin/redis-server
 * the suite is skipped (77).
 */
#include "config.h"
#include "helpers.h"
#include "natterd-core.h"
#include "redis.h"
#include "store-redis.h"
#include "transport.h"

#include <hiredis/hiredis.h>
#include <natter/loop.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REDIS_BINARY "/usr/bin/redis-server"
#define DEADLINE_MS 10000u

extern char **environ;

/* Event kinds as history.h numbers them (stored values, never renumbered). */
enum { K_PRIVMSG = 1, K_NOTICE = 2, K_JOIN = 4, K_END = 11 };
#define ALL_KINDS 0x7feu
/* Events the store keeps queued while Redis is away. */
#define QUEUE_BOUND 65536

/* ---- the redis-server ---- */

static struct {
    char dir[64];
    char sock[96];
    char log[96];
    char address[112];
    pid_t pid;
} redis;

static int redis_answers(void *unused)
{
    (void)unused;
    nt_addr addr;
    nt_socket *s = NULL;
    if (nt_addr_unix(redis.sock, &addr) != NT_OK ||
        nt_socket_new(addr.family, NT_SOCK_STREAM, 0, &s) != NT_OK)
        return 0;
    nt_socket_settimeout(s, 0.5);
    int up = nt_socket_connect(s, &addr) == NT_OK;
    nt_socket_close(s);
    return up;
}

/* Start redis-server on the suite's socket and wait for it.  @return 1 when up */
static int redis_up(void)
{
    char *argv[] = {
        REDIS_BINARY,   "--port", "0",     "--unixsocket", redis.sock,  "--save",  "",
        "--appendonly", "no",     "--dir", redis.dir,      "--logfile", redis.log, NULL};
    unlink(redis.sock);
    if (posix_spawn(&redis.pid, REDIS_BINARY, NULL, NULL, argv, environ) != 0) {
        redis.pid = 0;
        return 0;
    }
    return nt_test_wait_until(redis_answers, NULL, DEADLINE_MS);
}

static void redis_down(void)
{
    if (redis.pid > 0) {
        kill(redis.pid, SIGKILL);
        waitpid(redis.pid, NULL, 0);
    }
    redis.pid = 0;
}

/* ---- a store on the suite's loop ---- */

static nt_loop *loop;
static unsigned prefix_serial;
static char prefix[64];
static int store_errors;
static char last_error[512];

static void store_log(void *ctx, int level, const char *message)
{
    (void)ctx;
    if (level == SRV_LOG_ERROR) {
        store_errors++;
        snprintf(last_error, sizeof last_error, "%s", message);
    }
    printf("\n    [store] %s\n", message);
}

/* A store with a prefix new to this run (next_prefix) or the last one. */
static srv_store *open_store(int next_prefix)
{
    if (next_prefix) { /* a new test */
        snprintf(prefix, sizeof prefix, "natter:test%u:", ++prefix_serial);
        store_errors = 0;
    }
    srv_store_redis_options o = {.address = redis.address, .prefix = prefix, .log = store_log};
    char err[256];
    srv_store *st = srv_store_redis_open(loop, &o, err, sizeof err);
    if (!st)
        printf("\n  %s\n", err);
    CU_ASSERT_FATAL(st != NULL);
    return st;
}

/* A write's completion. */
typedef struct done_rec {
    int calls, status;
} done_rec;

static void on_done(void *ctx, int status)
{
    done_rec *d = ctx;
    d->calls++;
    d->status = status;
}

static int done_called(void *ctx)
{
    return ((done_rec *)ctx)->calls > 0;
}

/* Wait for d's completion; its status, or 99 when none came. */
static int wait_done(done_rec *d)
{
    if (!nt_test_run_until(loop, done_called, d, DEADLINE_MS))
        return 99;
    CU_ASSERT_EQUAL(d->calls, 1);
    return d->status;
}

static int put_account(srv_store *st, const char *key, const char *credential,
                       const char *const *fps, size_t nfps, int create)
{
    srv_store_account a = {.key = key,
                           .name = key,
                           .credential = credential,
                           .registered_s = 1700000000,
                           .certfps = fps,
                           .ncertfps = nfps};
    done_rec d = {0};
    st->ops->put_account(st, &a, create, on_done, &d);
    return wait_done(&d);
}

static int drop_account(srv_store *st, const char *key)
{
    done_rec d = {0};
    st->ops->drop_account(st, key, on_done, &d);
    return wait_done(&d);
}

/* ---- what load() reports, as text ---- */

typedef struct loaded {
    char accounts[2048];
    char channels[4096];
    char markers[1024];
    int64_t last_msgid;
    int last_calls;
} loaded;

static void add_text(char *buf, size_t size, const char *fmt, ...) NT_PRINTF_LIKE(3, 4);

static void add_text(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

static int visit_account(void *ctx, const srv_store_account *a)
{
    loaded *l = ctx;
    add_text(l->accounts, sizeof l->accounts, "[%s %s %s %lld", a->key, a->name, a->credential,
             (long long)a->registered_s);
    for (size_t i = 0; i < a->ncertfps; i++)
        add_text(l->accounts, sizeof l->accounts, " %s", a->certfps[i]);
    add_text(l->accounts, sizeof l->accounts, "]");
    return 0;
}

static int visit_channel(void *ctx, const srv_store_channel *c)
{
    loaded *l = ctx;
    add_text(l->channels, sizeof l->channels, "[%s|%s|%s|%lld|%s|%s|%lld|%s|%s|%u|", c->key,
             c->name, c->founder_key, (long long)c->registered_s, c->topic, c->topic_setter,
             (long long)c->topic_time_s, c->modes, c->chan_key, c->limit);
    for (size_t i = 0; i < c->naccess; i++)
        add_text(l->channels, sizeof l->channels, "%c:%s,", c->access[i].level,
                 c->access[i].account_key);
    add_text(l->channels, sizeof l->channels, "|");
    for (size_t i = 0; i < c->nmasks; i++)
        add_text(l->channels, sizeof l->channels, "%c:%s:%s:%lld,", c->masks[i].list,
                 c->masks[i].mask, c->masks[i].setter, (long long)c->masks[i].when_s);
    add_text(l->channels, sizeof l->channels, "]");
    return 0;
}

static int visit_marker(void *ctx, const char *account, const char *target, int64_t time_us)
{
    loaded *l = ctx;
    add_text(l->markers, sizeof l->markers, "[%s %s %lld]", account, target, (long long)time_us);
    return 0;
}

static int visit_last(void *ctx, int64_t msgid)
{
    loaded *l = ctx;
    l->last_msgid = msgid;
    l->last_calls++;
    return 0;
}

/* load() on a fresh store with the current prefix.  @return its result */
static int load_fresh(loaded *l)
{
    memset(l, 0, sizeof *l);
    srv_store *st = open_store(0);
    srv_store_visitor v = {visit_account, visit_channel, visit_marker, visit_last};
    char err[256] = "";
    int rc = st->ops->load(st, &v, l, err, sizeof err);
    if (rc != 0)
        printf("\n  load: %s\n", err);
    srv_store_free(st);
    return rc;
}

/* ---- history answers ---- */

typedef struct answer {
    int calls, status;
    size_t n;
    int64_t msgid[64];
    unsigned kind[64];
    char text[4096]; /* "line|account|tags;" per event */
    srv_store_target targets[16];
    char target_names[16][64];
} answer;

static void on_events(void *ctx, int status, const srv_store_event *ev, size_t n)
{
    answer *a = ctx;
    a->calls++;
    a->status = status;
    a->n = n;
    a->text[0] = '\0';
    for (size_t i = 0; i < n && i < 64; i++) {
        a->msgid[i] = ev[i].msgid;
        a->kind[i] = ev[i].kind;
        add_text(a->text, sizeof a->text, "%s|%s|%s;", ev[i].line, ev[i].account, ev[i].tags);
    }
}

static void on_targets(void *ctx, int status, const srv_store_target *t, size_t n)
{
    answer *a = ctx;
    a->calls++;
    a->status = status;
    a->n = n;
    for (size_t i = 0; i < n && i < 16; i++) {
        snprintf(a->target_names[i], sizeof a->target_names[i], "%s", t[i].target);
        a->targets[i].target = a->target_names[i];
        a->targets[i].latest = t[i].latest;
    }
}

static int answered(void *ctx)
{
    return ((answer *)ctx)->calls > 0;
}

static void query(srv_store *st, answer *a, const char *target, int64_t after, int64_t before,
                  unsigned limit, int newest, unsigned kinds)
{
    memset(a, 0, sizeof *a);
    srv_store_history_query q = {target, after, before, limit, newest, kinds};
    st->ops->query_events(st, &q, on_events, a);
    CU_ASSERT(nt_test_run_until(loop, answered, a, DEADLINE_MS));
    CU_ASSERT_EQUAL(a->calls, 1);
}

static void append(srv_store *st, const char *target, int64_t msgid, unsigned kind,
                   const char *line)
{
    srv_store_event ev = {target, msgid, kind, line, "", ""};
    st->ops->append_event(st, &ev);
}

/* Are the answer's msgids exactly first, first + step, ... (count of them)? */
static int msgids_are(const answer *a, int64_t first, int64_t step, size_t count)
{
    if (a->status != SRV_STORE_OK || a->n != count)
        return 0;
    for (size_t i = 0; i < count; i++) {
        if (a->msgid[i] != first + (int64_t)i * step)
            return 0;
    }
    return 1;
}

#define EXPECT_MSGIDS(a, first, step, count)                                              \
    do {                                                                                  \
        int ok_ = msgids_are((a), (first), (step), (count));                              \
        CU_ASSERT(ok_);                                                                   \
        if (!ok_) {                                                                       \
            printf("\n  line %d: status %d, %zu events:", __LINE__, (a)->status, (a)->n); \
            for (size_t i_ = 0; i_ < (a)->n && i_ < 64; i_++)                             \
                printf(" %lld", (long long)(a)->msgid[i_]);                               \
            printf("\n");                                                                 \
        }                                                                                 \
    } while (0)

/* ---- accounts ---- */

static void test_accounts(void)
{
    srv_store *st = open_store(1);
    const char *fps[] = {"aa11", "bb22"};
    NT_TEST_RC(put_account(st, "alice", "scram-1", fps, 2, 1), SRV_STORE_OK);
    NT_TEST_RC(put_account(st, "alice", "scram-2", NULL, 0, 1), SRV_STORE_EXISTS);
    NT_TEST_RC(put_account(st, "bob", "scram-b", NULL, 0, 1), SRV_STORE_OK);
    loaded l;
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    CU_ASSERT(strstr(l.accounts, "[alice alice scram-1 1700000000 aa11 bb22]") != NULL);
    CU_ASSERT(strstr(l.accounts, "[bob bob scram-b 1700000000]") != NULL);
    CU_ASSERT_EQUAL(l.last_calls, 1);
    CU_ASSERT_EQUAL(l.last_msgid, 0);

    /* Replaced whole: the certificate list goes with the record. */
    const char *one[] = {"cc33"};
    NT_TEST_RC(put_account(st, "alice", "scram-3", one, 1, 0), SRV_STORE_OK);
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    CU_ASSERT(strstr(l.accounts, "[alice alice scram-3 1700000000 cc33]") != NULL);
    CU_ASSERT(strstr(l.accounts, "aa11") == NULL);

    NT_TEST_RC(drop_account(st, "alice"), SRV_STORE_OK);
    NT_TEST_RC(drop_account(st, "alice"), SRV_STORE_NOT_FOUND);
    NT_TEST_RC(drop_account(st, "nobody"), SRV_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    CU_ASSERT(strstr(l.accounts, "alice") == NULL);
    CU_ASSERT(strstr(l.accounts, "[bob ") != NULL);
    /* A dropped name can be created again. */
    NT_TEST_RC(put_account(st, "alice", "scram-4", NULL, 0, 1), SRV_STORE_OK);
    srv_store_free(st);
    CU_ASSERT_EQUAL(store_errors, 0);
}

/* ---- channels ---- */

static int put_channel(srv_store *st, const srv_store_channel *c, int create)
{
    done_rec d = {0};
    st->ops->put_channel(st, c, create, on_done, &d);
    return wait_done(&d);
}

static void test_channels(void)
{
    srv_store *st = open_store(1);
    srv_store_access access[] = {{"alice", 'o'}, {"bob", 'v'}};
    /* Masks with the separators of the stored text in them. */
    srv_store_mask masks[] = {
        {'b', "*!*@bad.example", "alice!a@host", 1700000100},
        {'e', "with space\\and\nnewline!*@*", "bob", 1700000200},
        {'I', "*!*@friends", "", 0},
    };
    srv_store_channel c = {
        .key = "#room",
        .name = "#Room",
        .founder_key = "alice",
        .registered_s = 1700000000,
        .topic = "a topic: with words",
        .topic_setter = "alice",
        .topic_time_s = 1700000050,
        .modes = "ntr",
        .chan_key = "sesame",
        .limit = 42,
        .access = access,
        .naccess = 2,
        .masks = masks,
        .nmasks = 3,
    };
    NT_TEST_RC(put_channel(st, &c, 1), SRV_STORE_OK);
    NT_TEST_RC(put_channel(st, &c, 1), SRV_STORE_EXISTS);
    loaded l;
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    const char *want = "[#room|#Room|alice|1700000000|a topic: with words|alice|1700000050|ntr|"
                       "sesame|42|o:alice,v:bob,|b:*!*@bad.example:alice!a@host:1700000100,"
                       "e:with space\\and\nnewline!*@*:bob:1700000200,I:*!*@friends::0,]";
    CU_ASSERT_STRING_EQUAL(l.channels, want);

    /* Replaced whole: empty lists, no topic. */
    srv_store_channel bare = {.key = "#room",
                              .name = "#room",
                              .founder_key = "bob",
                              .registered_s = 1,
                              .topic = "",
                              .topic_setter = "",
                              .modes = "",
                              .chan_key = ""};
    NT_TEST_RC(put_channel(st, &bare, 0), SRV_STORE_OK);
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    CU_ASSERT_STRING_EQUAL(l.channels, "[#room|#room|bob|1|||0|||0||]");

    done_rec d = {0};
    st->ops->drop_channel(st, "#room", on_done, &d);
    NT_TEST_RC(wait_done(&d), SRV_STORE_OK);
    memset(&d, 0, sizeof d);
    st->ops->drop_channel(st, "#room", on_done, &d);
    NT_TEST_RC(wait_done(&d), SRV_STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    CU_ASSERT_STRING_EQUAL(l.channels, "");
    srv_store_free(st);
    CU_ASSERT_EQUAL(store_errors, 0);
}

/* ---- history ---- */

static void test_history(void)
{
    srv_store *st = open_store(1);
    /* #h: 1000..1019, even msgids PRIVMSG, odd ones JOIN. */
    for (int64_t id = 1000; id < 1020; id++) {
        char line[64];
        snprintf(line, sizeof line, ":n!u@h PRIVMSG #h :message %lld", (long long)id);
        append(st, "#h", id, id % 2 ? K_JOIN : K_PRIVMSG, line);
    }
    srv_store_event tagged = {
        "#other", 1500, K_NOTICE, ":a!b@c NOTICE #other :x y  z", "acct", "+draft/react=1;+x=y"};
    st->ops->append_event(st, &tagged);
    NT_TEST_RC(st->ops->flush_events(st), SRV_STORE_OK);

    answer a;
    query(st, &a, "#h", 0, INT64_MAX, 3, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1000, 1, 3);
    query(st, &a, "#h", 0, INT64_MAX, 3, 1, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1017, 1, 3);
    query(st, &a, "#h", 1003, 1007, 50, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1004, 1, 3);
    query(st, &a, "#h", 1003, 1007, 50, 1, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1004, 1, 3);
    query(st, &a, "#h", 0, INT64_MAX, 4, 1, 1u << K_PRIVMSG);
    EXPECT_MSGIDS(&a, 1012, 2, 4);
    query(st, &a, "#h", 1000, INT64_MAX, 100, 0, 1u << K_JOIN);
    EXPECT_MSGIDS(&a, 1001, 2, 10);
    query(st, &a, "#h", 1010, 1010, 10, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 0, 1, 0);
    query(st, &a, "#nothing", 0, INT64_MAX, 10, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 0, 1, 0);
    query(st, &a, "#h", 1000, 1002, 10, 0, ALL_KINDS);
    CU_ASSERT_STRING_EQUAL(a.text, ":n!u@h PRIVMSG #h :message 1001||;");
    /* Every field as it was appended. */
    query(st, &a, "#other", 0, INT64_MAX, 10, 0, ALL_KINDS);
    CU_ASSERT_EQUAL(a.n, 1);
    CU_ASSERT_EQUAL(a.kind[0], K_NOTICE);
    CU_ASSERT_STRING_EQUAL(a.text, ":a!b@c NOTICE #other :x y  z|acct|+draft/react=1;+x=y;");

    /* Another node's events arrive late, older than what is stored. */
    append(st, "#h", 990, K_PRIVMSG, ":late!u@h PRIVMSG #h :late");
    append(st, "#h", 1020, K_PRIVMSG, ":n!u@h PRIVMSG #h :queued, not flushed");
    query(st, &a, "#h", 0, INT64_MAX, 2, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 990, 10, 2);
    query(st, &a, "#h", 0, INT64_MAX, 1, 1, ALL_KINDS); /* the query sends the queue first */
    EXPECT_MSGIDS(&a, 1020, 1, 1);

    /* A filter that skips more entries than one script looks at. */
    for (int64_t id = 2000; id < 3500; id++)
        append(st, "#h", id, K_JOIN, ":j!u@h JOIN #h");
    query(st, &a, "#h", 0, INT64_MAX, 3, 1, 1u << K_PRIVMSG);
    EXPECT_MSGIDS(&a, 1016, 2, 3);
    query(st, &a, "#h", 1019, INT64_MAX, 5, 0, 1u << K_PRIVMSG);
    EXPECT_MSGIDS(&a, 1020, 1, 1);

    /* A channel that ended: nothing at or before its END is answered. */
    append(st, "#h", 4000, K_END, "");
    append(st, "#h", 4001, K_JOIN, ":n!u@h JOIN #h");
    query(st, &a, "#h", 0, INT64_MAX, 50, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 4001, 1, 1);
    query(st, &a, "#h", 0, INT64_MAX, 50, 1, ALL_KINDS);
    EXPECT_MSGIDS(&a, 4001, 1, 1);

    loaded l;
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    CU_ASSERT_EQUAL(l.last_msgid, 4001);
    srv_store_free(st);
    CU_ASSERT_EQUAL(store_errors, 0);
}

static void targets(srv_store *st, answer *a, const char *const *channels, size_t n,
                    const char *account, int64_t after, int64_t before, unsigned limit)
{
    memset(a, 0, sizeof *a);
    srv_store_targets_query q = {channels, n, account, after, before, limit};
    st->ops->query_targets(st, &q, on_targets, a);
    CU_ASSERT(nt_test_run_until(loop, answered, a, DEADLINE_MS));
    CU_ASSERT_EQUAL(a->status, SRV_STORE_OK);
}

static void test_targets(void)
{
    srv_store *st = open_store(1);
    append(st, "#a", 100, K_PRIVMSG, "a1");
    append(st, "#a", 400, K_PRIVMSG, "a2");
    append(st, "#b", 200, K_PRIVMSG, "b1");
    append(st, "#c", 500, K_PRIVMSG, "c1");
    append(st, "acct nick1", 300, K_PRIVMSG, "p1");
    append(st, "acct nick2", 600, K_PRIVMSG, "p2");
    append(st, "acct2 nick1", 700, K_PRIVMSG, "other account");
    NT_TEST_RC(st->ops->flush_events(st), SRV_STORE_OK);
    const char *chans[] = {"#a", "#b", "#nothing"};
    answer a;
    targets(st, &a, chans, 3, "acct", 0, INT64_MAX, 10);
    CU_ASSERT_EQUAL(a.n, 4);
    if (a.n == 4) { /* oldest latest first */
        CU_ASSERT_STRING_EQUAL(a.target_names[0], "#b");
        CU_ASSERT_STRING_EQUAL(a.target_names[1], "acct nick1");
        CU_ASSERT_STRING_EQUAL(a.target_names[2], "#a");
        CU_ASSERT_EQUAL(a.targets[2].latest, 400);
        CU_ASSERT_STRING_EQUAL(a.target_names[3], "acct nick2");
    }
    /* The latest event inside the range counts. */
    targets(st, &a, chans, 3, NULL, 50, 350, 10);
    CU_ASSERT_EQUAL(a.n, 2);
    if (a.n == 2) {
        CU_ASSERT_STRING_EQUAL(a.target_names[0], "#a");
        CU_ASSERT_EQUAL(a.targets[0].latest, 100);
        CU_ASSERT_STRING_EQUAL(a.target_names[1], "#b");
    }
    targets(st, &a, chans, 3, "acct", 0, INT64_MAX, 2);
    CU_ASSERT_EQUAL(a.n, 2);
    targets(st, &a, chans, 3, "acct", 600, INT64_MAX, 10);
    CU_ASSERT_EQUAL(a.n, 0);
    srv_store_free(st);
    CU_ASSERT_EQUAL(store_errors, 0);
}

/* Run retention steps until one deletes nothing; each step's count is
 * known by the next call, so a query (answered after the step's reply,
 * on the same connection) separates them.  @return rows deleted */
static unsigned trim_all(srv_store *st, const srv_store_retention *r, unsigned *max_step)
{
    unsigned total = 0, quiet = 0;
    *max_step = 0;
    for (int i = 0; i < 200 && quiet < 3; i++) {
        unsigned n = st->ops->trim_history(st, r);
        total += n;
        if (n > *max_step)
            *max_step = n;
        quiet = n ? 0 : quiet + 1;
        answer a;
        query(st, &a, "#barrier", 0, INT64_MAX, 1, 0, ALL_KINDS);
    }
    return total;
}

static void test_retention(void)
{
    srv_store *st = open_store(1);
    for (int64_t id = 1000; id < 1020; id++) {
        append(st, "#r", id, K_PRIVMSG, "r");
        append(st, "acct nick", id, K_PRIVMSG, "p");
    }
    append(st, "#old", 500, K_PRIVMSG, "gone entirely");
    NT_TEST_RC(st->ops->flush_events(st), SRV_STORE_OK);

    /* By age, 3 rows per step at most. */
    srv_store_retention r = {.oldest = 1010, .budget = 3};
    unsigned max_step = 0;
    CU_ASSERT_EQUAL(trim_all(st, &r, &max_step), 21);
    CU_ASSERT(max_step <= 3);
    answer a;
    query(st, &a, "#r", 0, INT64_MAX, 50, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1010, 1, 10);
    query(st, &a, "acct nick", 0, INT64_MAX, 50, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1010, 1, 10);
    const char *chans[] = {"#old"};
    targets(st, &a, chans, 1, NULL, 0, INT64_MAX, 10);
    CU_ASSERT_EQUAL(a.n, 0);

    /* Per target: the newest 4 stay. */
    srv_store_retention per = {.per_target = 4, .budget = 250};
    CU_ASSERT_EQUAL(trim_all(st, &per, &max_step), 12);
    query(st, &a, "#r", 0, INT64_MAX, 50, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1016, 1, 4);
    query(st, &a, "acct nick", 0, INT64_MAX, 50, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1016, 1, 4);

    /* Nothing to keep: no step at all. */
    srv_store_retention none = {.budget = 250};
    CU_ASSERT_EQUAL(st->ops->trim_history(st, &none), 0);
    srv_store_free(st);
    CU_ASSERT_EQUAL(store_errors, 0);
}

static void test_markers(void)
{
    srv_store *st = open_store(1);
    done_rec d[4] = {{0}};
    st->ops->put_marker(st, "acct", "#a", 500, on_done, &d[0]);
    st->ops->put_marker(st, "acct", "#a", 400, on_done, &d[1]); /* never backwards */
    st->ops->put_marker(st, "acct", "nick", 700, on_done, &d[2]);
    st->ops->put_marker(st, "other", "#a", 100, on_done, &d[3]);
    for (int i = 0; i < 4; i++)
        NT_TEST_RC(wait_done(&d[i]), SRV_STORE_OK);
    append(st, "acct nick", 800, K_PRIVMSG, "private");
    append(st, "#a", 900, K_PRIVMSG, "public");
    NT_TEST_RC(st->ops->flush_events(st), SRV_STORE_OK);
    answer a;
    query(st, &a, "#a", 0, INT64_MAX, 10, 0, ALL_KINDS); /* the flush is through */
    EXPECT_MSGIDS(&a, 900, 1, 1);
    loaded l;
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    CU_ASSERT(strstr(l.markers, "[acct #a 500]") != NULL);
    CU_ASSERT(strstr(l.markers, "[acct nick 700]") != NULL);
    CU_ASSERT(strstr(l.markers, "[other #a 100]") != NULL);
    CU_ASSERT(strstr(l.markers, " 400]") == NULL);
    NT_TEST_RC(l.last_msgid, 900);

    /* An account's drop takes its private history and markers only. */
    done_rec dropped = {0};
    st->ops->drop_account_history(st, "acct", on_done, &dropped);
    NT_TEST_RC(wait_done(&dropped), SRV_STORE_OK);
    CU_ASSERT_EQUAL(load_fresh(&l), 0);
    CU_ASSERT_STRING_EQUAL(l.markers, "[other #a 100]");
    NT_TEST_RC(l.last_msgid, 900);
    query(st, &a, "acct nick", 0, INT64_MAX, 10, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 0, 1, 0);
    query(st, &a, "#a", 0, INT64_MAX, 10, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 900, 1, 1);
    srv_store_free(st);
    CU_ASSERT_EQUAL(store_errors, 0);
}

/* ---- Redis going away ---- */

static void test_redis_gone(void)
{
    srv_store *st = open_store(1);
    NT_TEST_RC(put_account(st, "before", "c", NULL, 0, 1), SRV_STORE_OK);
    append(st, "#g", 100, K_PRIVMSG, "before");
    NT_TEST_RC(st->ops->flush_events(st), SRV_STORE_OK);
    answer a;
    query(st, &a, "#g", 0, INT64_MAX, 10, 0, ALL_KINDS); /* the flush is through */
    EXPECT_MSGIDS(&a, 100, 1, 1);

    redis_down();
    int errors_before = store_errors;
    /* Whether the store has noticed yet or not, the answer is the same. */
    NT_TEST_RC(put_account(st, "during", "c", NULL, 0, 1), SRV_STORE_UNAVAILABLE);
    NT_TEST_RC(drop_account(st, "before"), SRV_STORE_UNAVAILABLE);
    done_rec d = {0};
    st->ops->put_marker(st, "acct", "#g", 1, on_done, &d);
    NT_TEST_RC(wait_done(&d), SRV_STORE_UNAVAILABLE);
    /* The queue keeps the newest 65,536 events: the oldest 3 go. */
    for (int64_t i = 0; i < QUEUE_BOUND + 2; i++)
        append(st, "#bound", 100000 + i, K_PRIVMSG, "b");
    append(st, "#g", 200, K_PRIVMSG, "during");
    NT_TEST_RC(st->ops->flush_events(st), SRV_STORE_UNAVAILABLE);
    CU_ASSERT(strstr(last_error, "3 history events lost") != NULL);
    query(st, &a, "#g", 0, INT64_MAX, 10, 0, ALL_KINDS);
    NT_TEST_RC(a.status, SRV_STORE_UNAVAILABLE);
    const char *chans[] = {"#g"};
    memset(&a, 0, sizeof a);
    srv_store_targets_query tq = {chans, 1, NULL, 0, INT64_MAX, 10};
    st->ops->query_targets(st, &tq, on_targets, &a);
    CU_ASSERT(nt_test_run_until(loop, answered, &a, DEADLINE_MS));
    NT_TEST_RC(a.status, SRV_STORE_UNAVAILABLE);
    srv_store_retention r = {.oldest = 1, .budget = 10};
    CU_ASSERT_EQUAL(st->ops->trim_history(st, &r), 0);
    CU_ASSERT(store_errors > errors_before); /* the loss was logged */
    char err[256];
    loaded l;
    srv_store *other = open_store(0);
    srv_store_visitor v = {visit_account, visit_channel, visit_marker, visit_last};
    uint64_t start = nt_clock_ms();
    CU_ASSERT_EQUAL(other->ops->load(other, &v, &l, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "did not answer") != NULL);
    CU_ASSERT(nt_clock_ms() - start < 15000);
    srv_store_free(other);
    /* free() with events queued tries Redis once, and gives up at once
     * on a connection refused rather than at its deadline. */
    other = open_store(0);
    append(other, "#g", 300, K_PRIVMSG, "at exit, Redis gone");
    append(other, "#g", 301, K_PRIVMSG, "at exit, Redis gone");
    start = nt_clock_ms();
    srv_store_free(other);
    CU_ASSERT(nt_clock_ms() - start < 2000);
    CU_ASSERT(strstr(last_error, "2 history events not written at exit") != NULL);

    /* Back (empty: it keeps nothing on disk): the store reconnects, and
     * the events queued meanwhile go with the next flush. */
    CU_ASSERT_FATAL(redis_up());
    int status = SRV_STORE_UNAVAILABLE;
    uint64_t deadline = nt_clock_ms() + DEADLINE_MS;
    while (status != SRV_STORE_OK && nt_clock_ms() < deadline) {
        status = put_account(st, "after", "c", NULL, 0, 1);
        if (status != SRV_STORE_OK)
            nt_test_run_a_little(loop);
    }
    NT_TEST_RC(status, SRV_STORE_OK);
    uint64_t flush_start = nt_clock_us();
    NT_TEST_RC(st->ops->flush_events(st), SRV_STORE_OK);
    query(st, &a, "#g", 0, INT64_MAX, 10, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 200, 1, 1);
    nt_test_note("%d queued events written in %.0f ms", QUEUE_BOUND,
                 nt_test_elapsed(flush_start) * 1000);
    query(st, &a, "#bound", 0, INT64_MAX, 2, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 100003, 1, 2);
    query(st, &a, "#bound", 0, INT64_MAX, 1, 1, ALL_KINDS);
    EXPECT_MSGIDS(&a, 100000 + QUEUE_BOUND + 1, 1, 1);
    srv_store_free(st);
}

/* free() answers what is pending and writes what is queued. */
static void test_free(void)
{
    srv_store *st = open_store(1);
    done_rec d = {0};
    srv_store_account acc = {.key = "k", .name = "k", .credential = "c"};
    st->ops->put_account(st, &acc, 1, on_done, &d);
    append(st, "#f", 10, K_PRIVMSG, "written at exit");
    srv_store_free(st);
    CU_ASSERT_EQUAL(d.calls, 1);
    st = open_store(0);
    answer a;
    query(st, &a, "#f", 0, INT64_MAX, 10, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 10, 1, 1);
    srv_store_free(st);
    CU_ASSERT_EQUAL(store_errors, 0);
}

/* A command's reply, kept as whether it came and was not an error. */
typedef struct reply_rec {
    int calls, ok;
} reply_rec;

static void on_reply(void *ctx, const rds_reply *r)
{
    reply_rec *rec = ctx;
    rec->calls++;
    rec->ok = r && r->type != REDIS_REPLY_ERROR;
}

static int replied(void *ctx)
{
    return ((reply_rec *)ctx)->calls > 0;
}

/* Redis ends every other client's connection (the store's), and stays up.
 * @return 1 when it said it did */
static int kill_other_connections(void)
{
    rds_options o = {.address = redis.address, .name = "test-store-redis"};
    char err[256];
    rds_client *c = rds_client_new(loop, &o, NULL, NULL, err, sizeof err);
    CU_ASSERT_FATAL(c != NULL);
    reply_rec rec = {0};
    CU_ASSERT_EQUAL(rds_command(c, on_reply, &rec, "CLIENT", "KILL", "TYPE", "normal", "SKIPME",
                                "yes", (const char *)NULL),
                    0);
    CU_ASSERT(nt_test_run_until(loop, replied, &rec, DEADLINE_MS));
    rds_client_free(c);
    return rec.ok;
}

static int lost_redis_logged(void *unused)
{
    (void)unused;
    return strstr(last_error, "lost Redis") != NULL;
}

/* free() with events queued and Redis up writes them all: batches in
 * flight included, and when the store's own connection has just ended
 * (as when the caller's loop was drained first, or between reconnects). */
static void test_free_writes_all(void)
{
    enum { MANY = 1000, LATE = 3, WHILE_DOWN = 5 };
    srv_store *st = open_store(1);
    NT_TEST_RC(put_account(st, "k", "c", NULL, 0, 1), SRV_STORE_OK); /* connected */
    for (int64_t i = 0; i < MANY; i++)
        append(st, "#many", 1000 + i, K_PRIVMSG, "in flight at free()");
    NT_TEST_RC(st->ops->flush_events(st), SRV_STORE_OK); /* sent, not answered yet */
    for (int64_t i = 0; i < LATE; i++)
        append(st, "#many", 1000 + MANY + i, K_PRIVMSG, "queued at free()");
    srv_store_free(st);
    st = open_store(0);
    answer a;
    query(st, &a, "#many", 0, INT64_MAX, 2 * MANY, 0, ALL_KINDS);
    NT_TEST_RC(a.status, SRV_STORE_OK);
    CU_ASSERT_EQUAL(a.n, MANY + LATE);
    query(st, &a, "#many", 0, INT64_MAX, 1, 1, ALL_KINDS);
    EXPECT_MSGIDS(&a, 1000 + MANY + LATE - 1, 1, 1);
    srv_store_free(st);
    CU_ASSERT_EQUAL(store_errors, 0);

    st = open_store(1);
    NT_TEST_RC(put_account(st, "k", "c", NULL, 0, 1), SRV_STORE_OK);
    for (int64_t i = 0; i < WHILE_DOWN; i++)
        append(st, "#down", 10 + i, K_PRIVMSG, "queued while the connection is down");
    last_error[0] = '\0';
    CU_ASSERT_FATAL(kill_other_connections());
    CU_ASSERT_FATAL(nt_test_run_until(loop, lost_redis_logged, NULL, DEADLINE_MS));
    int errors_before = store_errors;
    srv_store_free(st); /* at once: the store has not reconnected */
    CU_ASSERT_EQUAL(store_errors, errors_before);
    CU_ASSERT(strstr(last_error, "not written") == NULL);
    st = open_store(0);
    query(st, &a, "#down", 0, INT64_MAX, 10, 0, ALL_KINDS);
    EXPECT_MSGIDS(&a, 10, 1, WHILE_DOWN);
    srv_store_free(st);
}

/* ---- the protocol core on the Redis store ---- */

typedef struct conn {
    char lines[32768];
    int closed;
} conn;

static void conn_send(void *ctx, nt_buf *line)
{
    conn *c = ctx;
    size_t used = strlen(c->lines), n = nt_buf_len(line);
    if (used + n < sizeof c->lines) {
        memcpy(c->lines + used, nt_buf_data(line), n);
        c->lines[used + n] = '\0';
    }
}

static void conn_close(void *ctx, const char *reason)
{
    (void)reason;
    ((conn *)ctx)->closed = 1;
}

static void conn_pause(void *ctx, uint64_t until_ms)
{
    (void)ctx;
    (void)until_ms;
}

static const srv_transport transport = {conn_send, conn_close, conn_pause};

static void say(srv_client *c, const char *line)
{
    srv_client_line(c, line, strlen(line));
}

typedef struct expect {
    const conn *c;
    const char *text;
} expect;

static int has_text(void *ctx)
{
    const expect *e = ctx;
    return strstr(e->c->lines, e->text) != NULL;
}

static int wait_text(const conn *c, const char *text)
{
    expect e = {c, text};
    int ok = nt_test_run_until(loop, has_text, &e, DEADLINE_MS);
    if (!ok)
        printf("\n  no \"%s\" in:\n%s\n", text, c->lines);
    return ok;
}

static srv_server *core_on_redis(void)
{
    srv_config cfg;
    char err[256];
    CU_ASSERT_FATAL(srv_config_defaults(&cfg) == 0);
    CU_ASSERT_FATAL(srv_config_parse(&cfg, "[accounts]\npassword_iterations = 4096\n", "test", err,
                                     sizeof err) == 0);
    srv_server *s = srv_server_new(&cfg);
    srv_config_free(&cfg);
    CU_ASSERT_FATAL(s != NULL);
    int rc = srv_server_set_store(s, open_store(0), err, sizeof err);
    if (rc != 0)
        printf("\n  %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    return s;
}

static srv_client *join(srv_server *s, conn *c, const char *nick)
{
    srv_client *cl = srv_client_new(s, &transport, c, "127.0.0.1");
    CU_ASSERT_FATAL(cl != NULL);
    char line[128];
    say(cl, "CAP LS 302");
    say(cl, "CAP REQ :batch server-time message-tags draft/chathistory "
            "draft/account-registration");
    snprintf(line, sizeof line, "NICK %s", nick);
    say(cl, line);
    snprintf(line, sizeof line, "USER %s 0 * :%s", nick, nick);
    say(cl, line);
    say(cl, "CAP END");
    CU_ASSERT(wait_text(c, " 001 "));
    return cl;
}

static void test_core(void)
{
    srv_store_free(open_store(1)); /* a prefix of its own */
    srv_server *s = core_on_redis();
    static conn a;
    memset(&a, 0, sizeof a);
    srv_client *ca = join(s, &a, "alice");
    say(ca, "REGISTER * * correct-horse");
    CU_ASSERT(wait_text(&a, "REGISTER SUCCESS alice"));
    say(ca, "JOIN #room");
    say(ca, "PRIVMSG #room :hello from redis");
    say(ca, "CHATHISTORY LATEST #room * 10");
    CU_ASSERT(wait_text(&a, "BATCH -"));
    CU_ASSERT(strstr(a.lines, "PRIVMSG #room :hello from redis") != NULL);
    srv_server_free(s);

    /* A second server on the same keys: the account is known there. */
    s = core_on_redis();
    static conn b;
    memset(&b, 0, sizeof b);
    srv_client *cb = join(s, &b, "bob");
    say(cb, "REGISTER alice * another-password");
    CU_ASSERT(wait_text(&b, "FAIL REGISTER ACCOUNT_EXISTS alice"));
    say(cb, "JOIN #room");
    say(cb, "CHATHISTORY LATEST #room * 10");
    CU_ASSERT(wait_text(&b, "hello from redis"));
    srv_server_free(s);
}

/* Options that cannot work are refused with the reason. */
static void test_bad_options(void)
{
    char err[256] = "";
    srv_store_redis_options none = {.prefix = "p:"};
    CU_ASSERT(srv_store_redis_open(loop, &none, err, sizeof err) == NULL);
    CU_ASSERT(strstr(err, "address") != NULL);
    err[0] = '\0';
    srv_store_redis_options bad = {.address = "redis.example:notaport", .prefix = "p:"};
    CU_ASSERT(srv_store_redis_open(loop, &bad, err, sizeof err) == NULL);
    CU_ASSERT(err[0] != '\0');
    printf("\n    refused: %s\n", err);
}

static const CU_TestInfo tests[] = {
    {"options that cannot work", test_bad_options},
    {"accounts: create only if absent, replace, drop, load", test_accounts},
    {"channels: lists round-trip through load()", test_channels},
    {"history: ranges, limits, direction, kinds, late events, END", test_history},
    {"history: targets", test_targets},
    {"history: retention by age and per target, bounded steps", test_retention},
    {"read markers, last msgid, an account's history dropped", test_markers},
    {"Redis killed: unavailable; started again: written", test_redis_gone},
    {"free(): pending answered, queued events written", test_free},
    {"free() with Redis up writes every queued event, connection down or not",
     test_free_writes_all},
    {"the protocol core on the Redis store", test_core},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    if (access(REDIS_BINARY, X_OK) != 0) {
        printf("skipped: %s is not installed\n", REDIS_BINARY);
        return 77;
    }
    snprintf(redis.dir, sizeof redis.dir, "/tmp/natter-store-redis-XXXXXX");
    if (!mkdtemp(redis.dir)) {
        printf("skipped: no temporary folder\n");
        return 77;
    }
    snprintf(redis.sock, sizeof redis.sock, "%s/redis.sock", redis.dir);
    snprintf(redis.log, sizeof redis.log, "%s/redis.log", redis.dir);
    snprintf(redis.address, sizeof redis.address, "unix:%s", redis.sock);
    int rc = 1;
    if (!redis_up()) {
        printf("%s did not start\n", REDIS_BINARY);
    } else if (nt_loop_new(&loop) == NT_OK) {
        rc = nt_test_main("store-redis", tests);
        nt_test_loop_close(loop);
    }
    redis_down();
    unlink(redis.sock);
    unlink(redis.log);
    rmdir(redis.dir);
    return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The Redis client (server/redis/redis.h) against real redis-server
 * processes this suite starts itself, each in a temporary folder of its
 * own: on a Unix socket, with a password, on TCP; killed with SIGKILL
 * while requests are in flight and started again on the same socket.
 * Without /usr/bin/redis-server the suite is skipped (77).
 */
#include "helpers.h"
#include "redis.h"

#include <hiredis/hiredis.h>
#include <natter/conn.h>
#include <natter/tls.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REDIS_SERVER "/usr/bin/redis-server"
#define WAIT_MS 10000u

extern char **environ;

/* ---- redis-server processes ---- */

typedef struct redis_proc {
    char dir[96];
    char sock[128];
    char address[160]; /* what the client is given */
    unsigned tcp_port; /* 0: Unix socket only */
    int tls;           /* the TCP port speaks TLS (cert.pem, key.pem in dir) */
    const char *password;
    pid_t pid;
} redis_proc;

static int socket_accepts(void *ctx)
{
    const redis_proc *r = ctx;
    nt_addr addr;
    if (r->tcp_port)
        nt_addr_loopback(NT_AF_INET, (uint16_t)r->tcp_port, &addr);
    else if (nt_addr_unix(r->sock, &addr) != NT_OK)
        return 0;
    nt_socket *s = NULL;
    if (nt_socket_new(addr.family, NT_SOCK_STREAM, 0, &s) != NT_OK)
        return 0;
    nt_socket_settimeout(s, 0.5);
    int ok = nt_socket_connect(s, &addr) == NT_OK;
    nt_socket_close(s);
    return ok;
}

/* Start (or start again, same folder and socket) and wait until it
 * accepts connections.  @return 1 when it runs */
static int redis_run(redis_proc *r)
{
    char port[16], logfile[128], cert[128], key[128];
    snprintf(port, sizeof port, "%u", r->tcp_port);
    snprintf(logfile, sizeof logfile, "%s/redis.log", r->dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", r->dir);
    snprintf(key, sizeof key, "%s/key.pem", r->dir);
    const char *argv[40];
    int n = 0;
    argv[n++] = REDIS_SERVER;
    argv[n++] = "--port";
    argv[n++] = r->tls ? "0" : port;
    if (r->tls) {
        const char *tls_args[] = {"--tls-port",         port, "--tls-cert-file",    cert,
                                  "--tls-key-file",     key,  "--tls-ca-cert-file", cert,
                                  "--tls-auth-clients", "no"};
        for (size_t i = 0; i < sizeof tls_args / sizeof *tls_args; i++)
            argv[n++] = tls_args[i];
    }
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--unixsocket";
    argv[n++] = r->sock;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = "no";
    argv[n++] = "--dir";
    argv[n++] = r->dir;
    argv[n++] = "--logfile";
    argv[n++] = logfile;
    if (r->password) {
        argv[n++] = "--requirepass";
        argv[n++] = r->password;
    }
    argv[n] = NULL;
    if (posix_spawn(&r->pid, REDIS_SERVER, NULL, NULL, (char *const *)argv, environ) != 0) {
        r->pid = 0;
        return 0;
    }
    return nt_test_wait_until(socket_accepts, r, WAIT_MS);
}

/* tcp: 0 Unix socket only, 1 plain TCP too, 2 TLS on TCP (with a
 * self-signed certificate for 127.0.0.1 made here). */
static int redis_start(redis_proc *r, int tcp, const char *password)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/natter-redis-XXXXXX");
    if (!mkdtemp(r->dir))
        return 0;
    r->tls = tcp == 2;
    if (r->tls) {
        char cert[128], key[128];
        snprintf(cert, sizeof cert, "%s/cert.pem", r->dir);
        snprintf(key, sizeof key, "%s/key.pem", r->dir);
        if (nt_tls_make_self_signed("127.0.0.1", 1, cert, key) != NT_OK)
            return 0;
    }
    snprintf(r->sock, sizeof r->sock, "%s/redis.sock", r->dir);
    r->password = password;
    if (tcp) {
        nt_addr addr;
        nt_socket *l = nt_test_listener(NT_AF_INET, &addr);
        r->tcp_port = addr.port; /* free now; redis-server takes it at once */
        nt_socket_close(l);
        snprintf(r->address, sizeof r->address, "127.0.0.1:%u", r->tcp_port);
    } else {
        snprintf(r->address, sizeof r->address, "unix:%s", r->sock);
    }
    return redis_run(r);
}

static void redis_kill(redis_proc *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

static void redis_stop(redis_proc *r)
{
    static const char *const files[] = {"redis.log", "cert.pem", "key.pem"};
    char path[160];
    redis_kill(r);
    unlink(r->sock);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", r->dir, files[i]);
        unlink(path);
    }
    rmdir(r->dir);
}

/* The shared server of the tests that need nothing special. */
static redis_proc shared;

/* ---- a client and what it was told ---- */

typedef struct probe {
    nt_loop *loop;
    rds_client *c;
    int ups, downs, last_down;
    int messages;
    char channel[64];
    char message[256];
    size_t message_len;
    int free_on_up;
} probe;

static void probe_up(void *data)
{
    probe *p = data;
    p->ups++;
    if (p->free_on_up) {
        rds_client_free(p->c);
        p->c = NULL;
    }
}

static void probe_down(void *data, int reason)
{
    probe *p = data;
    p->downs++;
    p->last_down = reason;
}

static void probe_message(void *data, const char *channel, size_t channel_len, const char *msg,
                          size_t len)
{
    probe *p = data;
    p->messages++;
    snprintf(p->channel, sizeof p->channel, "%.*s", (int)channel_len, channel);
    p->message_len = len < sizeof p->message ? len : sizeof p->message;
    memcpy(p->message, msg, p->message_len);
}

static const rds_callbacks probe_callbacks = {probe_up, probe_down, probe_message};

static void probe_open_tls(probe *p, nt_loop *loop, const char *address, const char *password,
                           nt_tls_config *tls)
{
    memset(p, 0, sizeof *p);
    p->loop = loop;
    rds_options o = {.address = address, .password = password, .tls = tls, .name = "natter-test"};
    char err[256] = "";
    p->c = rds_client_new(loop, &o, &probe_callbacks, p, err, sizeof err);
    if (!p->c)
        printf("\n    rds_client_new: %s\n", err);
    CU_ASSERT_FATAL(p->c != NULL);
}

static void probe_open(probe *p, nt_loop *loop, const char *address, const char *password)
{
    probe_open_tls(p, loop, address, password, NULL);
}

static int probe_has_up(void *ctx)
{
    return ((probe *)ctx)->ups > 0;
}

static int probe_has_down(void *ctx)
{
    return ((probe *)ctx)->downs > 0;
}

/* ---- replies ---- */

typedef struct box {
    int called; /* times the callback ran */
    int null;   /* the reply was NULL */
    int type;
    long long integer;
    char *str;
    size_t len;
} box;

static void box_reply(void *ctx, const rds_reply *reply)
{
    box *b = ctx;
    b->called++;
    b->null = reply == NULL;
    if (!reply)
        return;
    b->type = reply->type;
    b->integer = reply->integer;
    free(b->str);
    b->str = NULL;
    b->len = 0;
    if (reply->str) {
        b->str = malloc(reply->len + 1);
        CU_ASSERT_FATAL(b->str != NULL);
        memcpy(b->str, reply->str, reply->len);
        b->str[reply->len] = '\0';
        b->len = reply->len;
    }
}

static void box_clear(box *b)
{
    free(b->str);
    memset(b, 0, sizeof *b);
}

static int box_called(void *ctx)
{
    return ((box *)ctx)->called > 0;
}

/* Run a command and wait for its reply (into b, cleared first). */
static void ask(probe *p, box *b, const char *a0, const char *a1, const char *a2)
{
    box_clear(b);
    NT_TEST_RC(rds_command(p->c, box_reply, b, a0, a1, a2, (const char *)NULL), 0);
    CU_ASSERT(nt_test_run_until(p->loop, box_called, b, WAIT_MS));
}

static void probe_close(probe *p)
{
    rds_client_free(p->c);
    p->c = NULL;
}

/* A loop and a client of the shared server, up. */
static nt_loop *open_up(probe *p)
{
    nt_loop *loop = nt_test_new_loop();
    probe_open(p, loop, shared.address, NULL);
    CU_ASSERT(nt_test_run_until(loop, probe_has_up, p, WAIT_MS));
    return loop;
}

static void close_all(probe *p, nt_loop *loop)
{
    probe_close(p);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

/* ---- the tests ---- */

static void test_set_get(void)
{
    probe p;
    nt_loop *loop = open_up(&p);
    CU_ASSERT(rds_client_is_up(p.c));
    box b = {0};
    ask(&p, &b, "SET", "test:set-get", "hello");
    CU_ASSERT(!b.null && b.type == REDIS_REPLY_STATUS && b.str && !strcmp(b.str, "OK"));
    ask(&p, &b, "GET", "test:set-get", NULL);
    CU_ASSERT(!b.null && b.type == REDIS_REPLY_STRING && b.str && !strcmp(b.str, "hello"));
    ask(&p, &b, "GET", "test:absent", NULL);
    CU_ASSERT(!b.null && b.type == REDIS_REPLY_NIL);
    ask(&p, &b, "CLIENT", "GETNAME", NULL);
    CU_ASSERT(b.str && !strcmp(b.str, "natter-test"));
    CU_ASSERT_EQUAL(rds_client_pending(p.c), 0);
    CU_ASSERT_EQUAL(p.downs, 0);
    box_clear(&b);
    close_all(&p, loop);
}

typedef struct pipeline {
    int next; /* the reply expected next */
    int in_order;
    int done;
} pipeline;

typedef struct pipeline_req {
    pipeline *pl;
    int index;
} pipeline_req;

static void pipeline_reply(void *ctx, const rds_reply *reply)
{
    pipeline_req *r = ctx;
    pipeline *pl = r->pl;
    if (!reply || r->index != pl->next || reply->type != REDIS_REPLY_INTEGER ||
        reply->integer != r->index + 1)
        pl->in_order = 0;
    pl->next++;
    pl->done++;
}

static int pipeline_done(void *ctx)
{
    return ((pipeline *)ctx)->done == 10000;
}

static void test_pipeline(void)
{
    probe p;
    nt_loop *loop = open_up(&p);
    box b = {0};
    ask(&p, &b, "DEL", "test:counter", NULL);
    enum { N = 10000 };
    pipeline pl = {.in_order = 1};
    pipeline_req *reqs = calloc(N, sizeof *reqs);
    CU_ASSERT_FATAL(reqs != NULL);
    for (int i = 0; i < N; i++) {
        reqs[i] = (pipeline_req){&pl, i};
        NT_TEST_RC(
            rds_command(p.c, pipeline_reply, &reqs[i], "INCR", "test:counter", (const char *)NULL),
            0);
    }
    CU_ASSERT_EQUAL(rds_client_pending(p.c), N);
    uint64_t start = nt_clock_us();
    CU_ASSERT(nt_test_run_until(loop, pipeline_done, &pl, WAIT_MS));
    nt_test_note("%d pipelined INCRs answered in %.3f s", N, nt_test_elapsed(start));
    CU_ASSERT(pl.in_order);
    CU_ASSERT_EQUAL(rds_client_pending(p.c), 0);
    ask(&p, &b, "GET", "test:counter", NULL);
    CU_ASSERT(b.str && !strcmp(b.str, "10000"));
    box_clear(&b);
    free(reqs);
    close_all(&p, loop);
}

static void test_binary(void)
{
    probe p;
    nt_loop *loop = open_up(&p);
    /* Every byte value, CR LF and NUL included, and more than one read's
     * worth so the reply arrives in pieces. */
    size_t len = 300000;
    char *value = malloc(len);
    CU_ASSERT_FATAL(value != NULL);
    for (size_t i = 0; i < len; i++)
        value[i] = (char)(i * 7 + i / 256);
    const char key[] = "test:bin\0ary\r\nkey";
    const char *argv[] = {"SET", key, value};
    const size_t lens[] = {3, sizeof key - 1, len};
    box b = {0};
    NT_TEST_RC(rds_command_argv(p.c, box_reply, &b, 3, argv, lens), 0);
    CU_ASSERT(nt_test_run_until(loop, box_called, &b, WAIT_MS));
    CU_ASSERT(b.type == REDIS_REPLY_STATUS);
    box_clear(&b);
    const char *get[] = {"GET", key};
    const size_t getlens[] = {3, sizeof key - 1};
    NT_TEST_RC(rds_command_argv(p.c, box_reply, &b, 2, get, getlens), 0);
    CU_ASSERT(nt_test_run_until(loop, box_called, &b, WAIT_MS));
    CU_ASSERT(b.type == REDIS_REPLY_STRING && b.len == len && !memcmp(b.str, value, len));
    box_clear(&b);
    free(value);
    close_all(&p, loop);
}

static void test_error_reply(void)
{
    probe p;
    nt_loop *loop = open_up(&p);
    box b = {0};
    ask(&p, &b, "NOSUCHCOMMAND", "x", NULL);
    CU_ASSERT(!b.null && b.type == REDIS_REPLY_ERROR && b.str && !strncmp(b.str, "ERR", 3));
    ask(&p, &b, "SET", "test:text", "abc");
    ask(&p, &b, "INCR", "test:text", NULL);
    CU_ASSERT(b.type == REDIS_REPLY_ERROR);
    /* An error answers one request only: the next is answered normally. */
    ask(&p, &b, "GET", "test:text", NULL);
    CU_ASSERT(b.type == REDIS_REPLY_STRING && b.str && !strcmp(b.str, "abc"));
    /* Bad calls are refused with -1 and no callback. */
    NT_TEST_RC(rds_command_argv(p.c, NULL, NULL, 0, NULL, NULL), -1);
    NT_TEST_RC(rds_command(p.c, NULL, NULL, (const char *)NULL), -1);
    NT_TEST_RC(rds_command(NULL, NULL, NULL, "PING", (const char *)NULL), -1);
    CU_ASSERT_EQUAL(p.downs, 0);
    box_clear(&b);
    close_all(&p, loop);
}

static void test_bad_address(void)
{
    nt_loop *loop = nt_test_new_loop();
    const char *bad[] = {"", "unix:", "localhost:0", "localhost:notaport", "[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rds_options o = {.address = bad[i]};
        char err[256] = "";
        rds_client *c = rds_client_new(loop, &o, NULL, NULL, err, sizeof err);
        CU_ASSERT(c == NULL);
        CU_ASSERT(err[0] != '\0');
        rds_client_free(c);
    }
    rds_client_free(NULL);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static int got_message(void *ctx)
{
    return ((probe *)ctx)->messages > 0;
}

static void test_pubsub(void)
{
    nt_loop *loop = nt_test_new_loop();
    probe sub, pub;
    probe_open(&sub, loop, shared.address, NULL);
    probe_open(&pub, loop, shared.address, NULL);
    const char *channels[] = {"test:news", "test:other"};
    NT_TEST_RC(rds_subscribe(sub.c, channels, 2), 0);
    CU_ASSERT(nt_test_run_until(loop, probe_has_up, &sub, WAIT_MS));
    CU_ASSERT(nt_test_run_until(loop, probe_has_up, &pub, WAIT_MS));
    /* Up means subscribed: a message published now arrives. */
    box b = {0};
    const char msg[] = "hello\0 world\r\n";
    const char *argv[] = {"PUBLISH", "test:news", msg};
    const size_t lens[] = {7, 9, sizeof msg - 1};
    NT_TEST_RC(rds_command_argv(pub.c, box_reply, &b, 3, argv, lens), 0);
    CU_ASSERT(nt_test_run_until(loop, box_called, &b, WAIT_MS));
    CU_ASSERT(b.type == REDIS_REPLY_INTEGER && b.integer == 1);
    CU_ASSERT(nt_test_run_until(loop, got_message, &sub, WAIT_MS));
    CU_ASSERT(!strcmp(sub.channel, "test:news"));
    CU_ASSERT(sub.message_len == sizeof msg - 1 && !memcmp(sub.message, msg, sub.message_len));
    /* A channel added while up is subscribed at once. */
    const char *more[] = {"test:late"};
    NT_TEST_RC(rds_subscribe(sub.c, more, 1), 0);
    sub.messages = 0;
    for (int tries = 0; tries < 50 && sub.messages == 0; tries++) {
        ask(&pub, &b, "PUBLISH", "test:late", "late");
        nt_test_run_a_little(loop);
    }
    CU_ASSERT(!strcmp(sub.channel, "test:late") && sub.message_len == 4);
    CU_ASSERT_EQUAL(sub.downs, 0);
    box_clear(&b);
    probe_close(&sub);
    probe_close(&pub);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

typedef struct boxes {
    box b[12];
    size_t n;
} boxes;

static int boxes_all_called(void *ctx)
{
    boxes *bs = ctx;
    for (size_t i = 0; i < bs->n; i++)
        if (!bs->b[i].called)
            return 0;
    return 1;
}

typedef struct two {
    probe *a, *b;
    int want;
} two;

static int both_down(void *ctx)
{
    two *t = ctx;
    return t->a->downs >= t->want && t->b->downs >= t->want;
}

static int both_up(void *ctx)
{
    two *t = ctx;
    return t->a->ups >= t->want && t->b->ups >= t->want;
}

static void test_restart(void)
{
    redis_proc r;
    CU_ASSERT_FATAL(redis_start(&r, 0, NULL));
    nt_loop *loop = nt_test_new_loop();
    probe cmd, sub;
    probe_open(&cmd, loop, r.address, NULL);
    probe_open(&sub, loop, r.address, NULL);
    const char *channels[] = {"test:events"};
    NT_TEST_RC(rds_subscribe(sub.c, channels, 1), 0);
    two t = {&cmd, &sub, 1};
    CU_ASSERT_FATAL(nt_test_run_until(loop, both_up, &t, WAIT_MS));

    /* A blocking pop keeps the pipeline behind it waiting in Redis. */
    boxes bs = {.n = 12};
    NT_TEST_RC(
        rds_command(cmd.c, box_reply, &bs.b[0], "BLPOP", "test:never", "0", (const char *)NULL), 0);
    for (size_t i = 1; i < bs.n; i++)
        NT_TEST_RC(rds_command(cmd.c, box_reply, &bs.b[i], "GET", "test:x", (const char *)NULL), 0);
    nt_test_run_a_little(loop);
    CU_ASSERT_EQUAL(rds_client_pending(cmd.c), bs.n);
    redis_kill(&r);
    CU_ASSERT(nt_test_run_until(loop, both_down, &t, WAIT_MS));
    CU_ASSERT(boxes_all_called(&bs));
    for (size_t i = 0; i < bs.n; i++) {
        CU_ASSERT_EQUAL(bs.b[i].called, 1);
        CU_ASSERT(bs.b[i].null);
    }
    CU_ASSERT(nt_err_is_disconnect(cmd.last_down));
    CU_ASSERT(!rds_client_is_up(cmd.c));
    CU_ASSERT_EQUAL(rds_client_pending(cmd.c), 0);

    /* Made while down: kept, and sent once Redis is back. */
    box later[3] = {{0}};
    for (int i = 0; i < 3; i++)
        NT_TEST_RC(
            rds_command(cmd.c, box_reply, &later[i], "INCR", "test:later", (const char *)NULL), 0);
    CU_ASSERT_EQUAL(rds_client_pending(cmd.c), 3);
    /* A few failed attempts (backoff) before it comes back. */
    for (int i = 0; i < 30; i++)
        nt_loop_run_once(loop, 10);
    CU_ASSERT_EQUAL(cmd.ups, 1);
    /* Told when it was lost, and again only when the reason changed (the
     * connection closed, then the socket refused): not once per retry. */
    int downs = cmd.downs;
    CU_ASSERT(downs >= 1 && downs <= 2);
    CU_ASSERT_FATAL(redis_run(&r));
    t.want = 2;
    CU_ASSERT(nt_test_run_until(loop, both_up, &t, WAIT_MS));
    CU_ASSERT(nt_test_run_until(loop, box_called, &later[2], WAIT_MS));
    for (int i = 0; i < 3; i++)
        CU_ASSERT(!later[i].null && later[i].integer == i + 1);
    /* The subscription came back with the connection. */
    box b = {0};
    ask(&cmd, &b, "PUBLISH", "test:events", "again");
    CU_ASSERT(b.type == REDIS_REPLY_INTEGER && b.integer == 1);
    CU_ASSERT(nt_test_run_until(loop, got_message, &sub, WAIT_MS));
    CU_ASSERT(sub.message_len == 5 && !memcmp(sub.message, "again", 5));
    CU_ASSERT_EQUAL(cmd.downs, downs);
    CU_ASSERT(sub.downs >= 1 && sub.downs <= 2);

    box_clear(&b);
    for (size_t i = 0; i < bs.n; i++)
        box_clear(&bs.b[i]);
    for (int i = 0; i < 3; i++)
        box_clear(&later[i]);
    probe_close(&cmd);
    probe_close(&sub);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    redis_stop(&r);
}

static void test_auth(void)
{
    redis_proc r;
    CU_ASSERT_FATAL(redis_start(&r, 0, "s3cret pass"));
    nt_loop *loop = nt_test_new_loop();
    probe good, wrong, none;
    probe_open(&good, loop, r.address, "s3cret pass");
    probe_open(&wrong, loop, r.address, "guess");
    probe_open(&none, loop, r.address, NULL);
    CU_ASSERT(nt_test_run_until(loop, probe_has_up, &good, WAIT_MS));
    box b = {0};
    ask(&good, &b, "SET", "test:auth", "yes");
    CU_ASSERT(b.type == REDIS_REPLY_STATUS);
    /* A wrong or missing password is a connection that never comes up,
     * told once (not once per retry), and retried meanwhile. */
    CU_ASSERT(nt_test_run_until(loop, probe_has_down, &wrong, WAIT_MS));
    CU_ASSERT(nt_test_run_until(loop, probe_has_down, &none, WAIT_MS));
    NT_TEST_RC(wrong.last_down, NT_EACCES);
    NT_TEST_RC(none.last_down, NT_EACCES);
    box w = {0};
    NT_TEST_RC(rds_command(wrong.c, box_reply, &w, "GET", "test:auth", (const char *)NULL), 0);
    for (int i = 0; i < 60; i++)
        nt_loop_run_once(loop, 10);
    CU_ASSERT_EQUAL(wrong.ups, 0);
    CU_ASSERT_EQUAL(wrong.downs, 1);
    CU_ASSERT_EQUAL(none.ups, 0);
    CU_ASSERT_EQUAL(w.called, 0);
    probe_close(&wrong);
    CU_ASSERT(w.called == 1 && w.null); /* freed: the waiting request fails */
    probe_close(&good);
    probe_close(&none);
    box_clear(&b);
    box_clear(&w);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    redis_stop(&r);
}

static void test_tcp(void)
{
    redis_proc r;
    CU_ASSERT_FATAL(redis_start(&r, 1, NULL));
    nt_loop *loop = nt_test_new_loop();
    probe p;
    probe_open(&p, loop, r.address, NULL);
    CU_ASSERT(nt_test_run_until(loop, probe_has_up, &p, WAIT_MS));
    box b = {0};
    ask(&p, &b, "SET", "test:tcp", "over tcp");
    ask(&p, &b, "GET", "test:tcp", NULL);
    CU_ASSERT(b.str && !strcmp(b.str, "over tcp"));
    box_clear(&b);
    probe_close(&p);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
    redis_stop(&r);
}

static void test_tls(void)
{
    redis_proc r;
    CU_ASSERT_FATAL(redis_start(&r, 2, NULL));
    nt_loop *loop = nt_test_new_loop();
    char cert[128], fingerprint[NT_TLS_FINGERPRINT_LEN];
    snprintf(cert, sizeof cert, "%s/cert.pem", r.dir);
    NT_TEST_RC(nt_tls_fingerprint_file(cert, fingerprint), NT_OK);
    /* Trusting the system's roots only: the self-signed certificate is
     * refused, said once, and the client keeps trying. */
    nt_tls_config *strict = NULL, *pinned = NULL;
    NT_TEST_RC(nt_tls_config_new(NT_TLS_CLIENT, &strict), NT_OK);
    NT_TEST_RC(nt_tls_config_new(NT_TLS_CLIENT, &pinned), NT_OK);
    NT_TEST_RC(nt_tls_config_pin(pinned, fingerprint), NT_OK);
    probe bad, good;
    probe_open_tls(&bad, loop, r.address, NULL, strict);
    probe_open_tls(&good, loop, r.address, NULL, pinned);
    nt_tls_config_unref(strict); /* the clients hold their own */
    nt_tls_config_unref(pinned);
    CU_ASSERT(nt_test_run_until(loop, probe_has_up, &good, WAIT_MS));
    box b = {0};
    ask(&good, &b, "SET", "test:tls", "private");
    ask(&good, &b, "GET", "test:tls", NULL);
    CU_ASSERT(b.str && !strcmp(b.str, "private"));
    CU_ASSERT(nt_test_run_until(loop, probe_has_down, &bad, WAIT_MS));
    CU_ASSERT(bad.last_down <= NT_ETLS_HANDSHAKE && bad.last_down >= NT_ETLS_CONFIG);
    CU_ASSERT_EQUAL(bad.ups, 0);
    box_clear(&b);
    probe_close(&bad);
    close_all(&good, loop);
    redis_stop(&r);
}

/* A callback that frees the client: the requests after it fail with NULL,
 * each once, and nothing touches the freed client. */
typedef struct freer {
    probe *p;
    box *b;
} freer;

static void free_in_reply(void *ctx, const rds_reply *reply)
{
    freer *f = ctx;
    box_reply(f->b, reply);
    rds_client_free(f->p->c);
    f->p->c = NULL;
}

static void test_free_in_callback(void)
{
    probe p;
    nt_loop *loop = open_up(&p);
    box first = {0}, rest[5] = {{0}};
    freer f = {&p, &first};
    NT_TEST_RC(rds_command(p.c, free_in_reply, &f, "PING", (const char *)NULL), 0);
    for (int i = 0; i < 5; i++)
        NT_TEST_RC(rds_command(p.c, box_reply, &rest[i], "PING", (const char *)NULL), 0);
    CU_ASSERT(nt_test_run_until(loop, box_called, &first, WAIT_MS));
    CU_ASSERT(p.c == NULL);
    CU_ASSERT(!first.null);
    for (int i = 0; i < 5; i++)
        CU_ASSERT(rest[i].called == 1 && rest[i].null);
    box_clear(&first);
    for (int i = 0; i < 5; i++)
        box_clear(&rest[i]);

    /* Freed in on_up. */
    probe q;
    probe_open(&q, loop, shared.address, NULL);
    q.free_on_up = 1;
    CU_ASSERT(nt_test_run_until(loop, probe_has_up, &q, WAIT_MS));
    CU_ASSERT(q.c == NULL);

    /* Freed while connecting, and freed before the loop ever ran. */
    probe s;
    probe_open(&s, loop, shared.address, NULL);
    nt_loop_run_once(loop, 0);
    probe_close(&s);
    probe_open(&s, loop, shared.address, NULL);
    probe_close(&s);
    nt_test_run_a_little(loop);
    CU_ASSERT_EQUAL(s.ups + s.downs, 0);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

typedef struct counter {
    int calls, nulls;
} counter;

static void count_reply(void *ctx, const rds_reply *reply)
{
    counter *n = ctx;
    n->calls++;
    n->nulls += reply == NULL;
}

static void test_queue_bound(void)
{
    nt_loop *loop = nt_test_new_loop();
    char address[160];
    snprintf(address, sizeof address, "unix:%s/absent.sock", shared.dir);
    probe p;
    probe_open(&p, loop, address, NULL);
    CU_ASSERT(nt_test_run_until(loop, probe_has_down, &p, WAIT_MS));
    NT_TEST_RC(p.last_down, NT_ENOENT);
    counter n = {0};
    size_t queued = 0;
    while (queued < 200000 &&
           rds_command(p.c, count_reply, &n, "SET", "test:k", "v", (const char *)NULL) == 0)
        queued++;
    nt_test_note("%zu requests queued while down before the bound", queued);
    CU_ASSERT_EQUAL(queued, 100000);
    CU_ASSERT_EQUAL(rds_client_pending(p.c), queued);
    CU_ASSERT_EQUAL(n.calls, 0); /* refused ones get no callback */
    probe_close(&p);
    CU_ASSERT_EQUAL(n.calls, 100000);
    CU_ASSERT_EQUAL(n.nulls, 100000);

    /* Big values meet the byte bound (64 MiB) first. */
    probe_open(&p, loop, address, NULL);
    size_t big = 1024 * 1024;
    char *value = malloc(big + 1);
    CU_ASSERT_FATAL(value != NULL);
    memset(value, 'v', big);
    value[big] = '\0';
    queued = 0;
    while (queued < 1000 &&
           rds_command(p.c, count_reply, &n, "SET", "test:k", value, (const char *)NULL) == 0)
        queued++;
    CU_ASSERT(queued >= 60 && queued < 64);
    free(value);
    close_all(&p, loop);
}

int main(void)
{
    if (access(REDIS_SERVER, X_OK) != 0) {
        printf("SKIP: %s is not installed (Debian: apt-get install redis-server)\n", REDIS_SERVER);
        return 77;
    }
    if (!redis_start(&shared, 0, NULL)) {
        printf("FAIL: %s did not start in %s\n", REDIS_SERVER, shared.dir);
        redis_stop(&shared);
        return 1;
    }
    static const CU_TestInfo tests[] = {
        {"SET and GET over a Unix socket", test_set_get},
        {"10,000 pipelined commands answered in order", test_pipeline},
        {"binary-safe keys and values", test_binary},
        {"error replies", test_error_reply},
        {"malformed addresses", test_bad_address},
        {"publish and subscribe", test_pubsub},
        {"redis-server killed and restarted", test_restart},
        {"AUTH: right, wrong and missing password", test_auth},
        {"TCP", test_tcp},
        {"TLS: a pinned certificate, and an untrusted one", test_tls},
        {"free inside callbacks", test_free_in_callback},
        {"the bound on requests queued while down", test_queue_bound},
        CU_TEST_INFO_NULL,
    };
    int rc = nt_test_main("redis", tests);
    redis_stop(&shared);
    return rc;
}

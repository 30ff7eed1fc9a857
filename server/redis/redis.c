/* SPDX-License-Identifier: MIT */
/*
 * The Redis client (redis.h).  One nt_conn at a time carries the
 * protocol; hiredis formats commands and parses replies, nothing more.
 *
 * A connection goes CONNECTING (TCP, then TLS) -> HANDSHAKE (AUTH,
 * CLIENT SETNAME, SUBSCRIBE sent pipelined, their replies awaited) -> UP.
 * Requests are kept on two FIFOs: `sent` (written to the connection,
 * matched to replies in order) and `waiting` (made before the connection
 * was up, sent after on_up).  When the connection ends every request on
 * `sent` fails with NULL; `waiting` survives to the next connection.
 *
 * A health timer pings a connection that has been quiet and drops one
 * whose oldest request has waited too long, so a Redis that vanished
 * without a reset (a cable, a frozen host) is noticed in seconds instead
 * of TCP's many minutes.
 *
 * Re-entrancy: every entry from the loop counts `depth`; rds_client_free()
 * called inside one of our callbacks tears the client down at once (the
 * pending callbacks fail, the connection and timers close) but leaves the
 * memory to the outermost entry to free when it unwinds.
 */
#include "redis.h"

#include <hiredis/hiredis.h>
#include <natter/addr.h>
#include <natter/conn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RDS_DEFAULT_PORT 6379
#define RDS_BACKOFF_MIN_MS 100u
#define RDS_BACKOFF_MAX_MS 2000u
/* Outstanding requests (sent and waiting together): past either bound a
 * new request is refused rather than letting a dead or slow Redis make
 * the process grow without end. */
#define RDS_MAX_PENDING 100000u
#define RDS_MAX_PENDING_BYTES ((size_t)64 * 1024 * 1024)
#define RDS_MAX_CHANNELS 1024u
#define RDS_MAX_ARGS 4096
/* A connection with nothing sent for this long gets a PING ... */
#define RDS_PING_IDLE_MS 5000u
/* ... and one whose oldest request is unanswered this long is dropped. */
#define RDS_REPLY_TIMEOUT_MS 20000u
#define RDS_HEALTH_TICK_MS 1000u
#define RDS_CONNECT_TIMEOUT_MS 5000u
/* rds_client_free() lets what is queued leave for at most this long. */
#define RDS_LINGER_MS 2000u

enum rds_state {
    RDS_DOWN,       /* no connection; the reconnect timer may be running */
    RDS_CONNECTING, /* nt_conn_connect() (and TLS) under way */
    RDS_HANDSHAKE,  /* connected; AUTH / SETNAME / SUBSCRIBE answers awaited */
    RDS_UP,         /* requests go straight to the connection */
    RDS_DROPPING,   /* we aborted the connection; on_closed will follow */
};

enum rds_kind {
    RDS_REQ_USER,      /* rds_command*(): the owner's callback */
    RDS_REQ_AUTH,      /* AUTH: an error means the password is wrong */
    RDS_REQ_SETNAME,   /* CLIENT SETNAME: best effort */
    RDS_REQ_PING,      /* handshake check or health probe */
    RDS_REQ_SUBSCRIBE, /* SUBSCRIBE: one confirmation per channel */
};

typedef struct rds_req {
    struct rds_req *next;
    rds_reply_fn fn;
    void *ctx;
    char *cmd;  /* the formatted command while waiting; NULL once sent */
    size_t len; /* its length (counted in pending_bytes for user requests) */
    enum rds_kind kind;
    int handshake;       /* part of the connection's handshake */
    size_t replies_left; /* SUBSCRIBE: confirmations still due */
    uint64_t sent_ms;    /* loop time it was written */
} rds_req;

typedef struct rds_fifo {
    rds_req *head, *tail;
} rds_fifo;

struct rds_client {
    nt_loop *loop;
    rds_callbacks cb;
    void *data;
    /* where to connect */
    char *host; /* NULL for a Unix socket */
    uint16_t port;
    nt_addr unix_addr;
    char *password;
    char *name;
    nt_tls_config *tls;
    /* the connection */
    enum rds_state state;
    nt_conn *conn;
    redisReader *reader;
    int fail_reason; /* why we dropped the connection (on_closed reports it) */
    int sub_mode;    /* SUBSCRIBE was sent on this connection */
    int was_up;      /* this connection reached RDS_UP */
    size_t handshake_left;
    uint64_t last_send_ms;
    /* reconnecting */
    nt_timer *reconnect;
    nt_timer *health;
    uint64_t backoff_ms;
    int last_down_reason; /* what on_down last said, 0 after an up */
    /* requests */
    rds_fifo sent, waiting;
    size_t npending;      /* user requests on both FIFOs */
    size_t pending_bytes; /* and their formatted size */
    /* subscriber mode */
    char **channels;
    size_t nchannels;
    /* lifetime */
    unsigned depth;
    int closing;
};

/* ---- small helpers ---- */

static void set_err(char *err, size_t errsize, const char *what, const char *address)
{
    if (err && errsize)
        snprintf(err, errsize, "%s%s%s", what, address ? address : "", address ? "'" : "");
}

static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

static void fifo_push(rds_fifo *f, rds_req *r)
{
    r->next = NULL;
    if (f->tail)
        f->tail->next = r;
    else
        f->head = r;
    f->tail = r;
}

static rds_req *fifo_pop(rds_fifo *f)
{
    rds_req *r = f->head;
    if (r) {
        f->head = r->next;
        if (!f->head)
            f->tail = NULL;
        r->next = NULL;
    }
    return r;
}

static rds_fifo fifo_take(rds_fifo *f)
{
    rds_fifo all = *f;
    f->head = f->tail = NULL;
    return all;
}

/* A request of argc arguments, formatted.  @return NULL when out of memory */
static rds_req *req_new(enum rds_kind kind, int argc, const char **argv, const size_t *argvlen)
{
    rds_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    int n = redisFormatCommandArgv(&r->cmd, argc, argv, argvlen);
    if (n < 0) {
        free(r);
        return NULL;
    }
    r->len = (size_t)n;
    r->kind = kind;
    return r;
}

static void req_free(rds_req *r)
{
    redisFreeCommand(r->cmd);
    free(r);
}

/* A request leaves the client: its bytes and count are released, and its
 * callback (a user request's) gets reply, NULL when it never came. */
static void req_finish(rds_client *c, rds_req *r, const rds_reply *reply)
{
    if (r->kind == RDS_REQ_USER) {
        c->npending--;
        c->pending_bytes -= r->len;
        if (r->fn)
            r->fn(r->ctx, reply);
    }
    req_free(r);
}

static void fail_all(rds_client *c, rds_fifo *f)
{
    rds_fifo all = fifo_take(f);
    rds_req *r;
    while ((r = fifo_pop(&all)))
        req_finish(c, r, NULL);
}

static void client_release(rds_client *c)
{
    for (size_t i = 0; i < c->nchannels; i++)
        free(c->channels[i]);
    free(c->channels);
    if (c->reader)
        redisReaderFree(c->reader);
    if (c->tls)
        nt_tls_config_unref(c->tls);
    free(c->host);
    free(c->password);
    free(c->name);
    free(c);
}

/* The end of every entry from the loop: free a client that was freed
 * inside it. */
static void leave(rds_client *c)
{
    if (--c->depth == 0 && c->closing)
        client_release(c);
}

/* Stop using the connection: its on_closed reports reason. */
static void drop_connection(rds_client *c, int reason)
{
    if (!c->conn || c->state == RDS_DROPPING)
        return;
    c->fail_reason = reason;
    c->state = RDS_DROPPING;
    nt_conn_abort(c->conn);
}

/* Write one formatted command and put it on the sent FIFO. */
static int send_req(rds_client *c, rds_req *r)
{
    int rc = nt_conn_send(c->conn, r->cmd, r->len);
    if (rc != NT_OK) {
        drop_connection(c, rc);
        return -1;
    }
    redisFreeCommand(r->cmd);
    r->cmd = NULL;
    r->sent_ms = nt_loop_now(c->loop);
    c->last_send_ms = r->sent_ms;
    fifo_push(&c->sent, r);
    return 0;
}

/* An internal request on the current connection (handshake or probe). */
static int send_internal(rds_client *c, enum rds_kind kind, int handshake, size_t replies, int argc,
                         const char **argv)
{
    rds_req *r = req_new(kind, argc, argv, NULL);
    if (!r)
        return -1;
    r->handshake = handshake;
    r->replies_left = replies;
    if (send_req(c, r) < 0) {
        req_free(r);
        return -1;
    }
    if (handshake)
        c->handshake_left++;
    return 0;
}

static int send_subscribe(rds_client *c, int handshake, char **channels, size_t n)
{
    const char **argv = malloc((n + 1) * sizeof *argv);
    if (!argv)
        return -1;
    argv[0] = "SUBSCRIBE";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = channels[i];
    c->sub_mode = 1;
    int rc = send_internal(c, RDS_REQ_SUBSCRIBE, handshake, n, (int)(n + 1), argv);
    free(argv);
    return rc;
}

/* ---- up and down ---- */

static void go_up(rds_client *c)
{
    c->state = RDS_UP;
    c->was_up = 1;
    c->backoff_ms = RDS_BACKOFF_MIN_MS;
    c->last_down_reason = 0;
    if (c->cb.on_up)
        c->cb.on_up(c->data);
    /* What the owner asked for while we were down follows what on_up
     * sent (its own renewals go first). */
    rds_req *r;
    while (!c->closing && c->state == RDS_UP && (r = fifo_pop(&c->waiting))) {
        if (send_req(c, r) < 0) {
            /* not sent: it waits for the next connection, in front */
            r->next = c->waiting.head;
            c->waiting.head = r;
            if (!c->waiting.tail)
                c->waiting.tail = r;
        }
    }
}

static void schedule_reconnect(rds_client *c)
{
    nt_timer_start(c->reconnect, c->backoff_ms, 0);
    c->backoff_ms = c->backoff_ms * 2 > RDS_BACKOFF_MAX_MS ? RDS_BACKOFF_MAX_MS : c->backoff_ms * 2;
}

static void on_conn_closed(nt_conn *conn, int reason, void *data)
{
    rds_client *c = data;
    (void)conn;
    if (!c)
        return; /* the client was freed first */
    c->depth++;
    int was_up = c->was_up;
    if (c->fail_reason)
        reason = c->fail_reason;
    c->fail_reason = 0;
    c->conn = NULL;
    c->state = RDS_DOWN;
    c->sub_mode = 0;
    c->was_up = 0;
    c->handshake_left = 0;
    if (c->reader) {
        redisReaderFree(c->reader);
        c->reader = NULL;
    }
    nt_timer_stop(c->health);
    fail_all(c, &c->sent);
    if (!c->closing && (was_up || reason != c->last_down_reason)) {
        c->last_down_reason = reason;
        if (c->cb.on_down)
            c->cb.on_down(c->data, reason);
    }
    if (!c->closing)
        schedule_reconnect(c);
    leave(c);
}

/* ---- the handshake ---- */

static int is_auth_error(const rds_reply *reply)
{
    static const char *const prefixes[] = {"NOAUTH", "WRONGPASS", "NOPERM"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (reply->len >= strlen(prefixes[i]) &&
            !strncmp(reply->str, prefixes[i], strlen(prefixes[i])))
            return 1;
    return 0;
}

/* An internal request's reply.  @return 0, or -1 when it ended the connection */
static int internal_reply(rds_client *c, rds_req *r, const rds_reply *reply)
{
    int error = reply->type == REDIS_REPLY_ERROR;
    if (error) {
        int auth = r->kind == RDS_REQ_AUTH || is_auth_error(reply);
        /* A refused name is no reason to stay away from Redis. */
        if (auth || r->kind != RDS_REQ_SETNAME) {
            drop_connection(c, auth ? NT_EACCES : NT_EPROTO);
            return -1;
        }
    }
    if (r->handshake && --c->handshake_left == 0 && c->state == RDS_HANDSHAKE)
        go_up(c);
    return 0;
}

static void on_conn_connect(nt_conn *conn, void *data)
{
    rds_client *c = data;
    (void)conn;
    if (!c)
        return;
    c->depth++;
    c->state = RDS_HANDSHAKE;
    c->handshake_left = 0;
    c->reader = redisReaderCreate();
    int rc = c->reader ? 0 : -1;
    if (rc == 0 && c->password) {
        const char *argv[] = {"AUTH", c->password};
        rc = send_internal(c, RDS_REQ_AUTH, 1, 1, 2, argv);
    }
    if (rc == 0 && c->name) {
        const char *argv[] = {"CLIENT", "SETNAME", c->name};
        rc = send_internal(c, RDS_REQ_SETNAME, 1, 1, 3, argv);
    }
    if (rc == 0 && c->nchannels)
        rc = send_subscribe(c, 1, c->channels, c->nchannels);
    /* Without any of those, a PING proves this is a Redis that serves us
     * (and not one that wants a password we do not have). */
    if (rc == 0 && c->handshake_left == 0) {
        const char *argv[] = {"PING"};
        rc = send_internal(c, RDS_REQ_PING, 1, 1, 1, argv);
    }
    if (rc != 0)
        drop_connection(c, NT_ENOMEM);
    else
        nt_timer_start(c->health, RDS_HEALTH_TICK_MS, RDS_HEALTH_TICK_MS);
    leave(c);
}

/* ---- replies ---- */

static int reply_is(const rds_reply *r, const char *word)
{
    size_t n = strlen(word);
    return (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) && r->len == n &&
           !memcmp(r->str, word, n);
}

/* One reply from the reader.  @return 0, or -1 when the connection ended */
static int dispatch(rds_client *c, const rds_reply *reply)
{
    if (c->sub_mode && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1) {
        const rds_reply *const *e = (const rds_reply *const *)reply->element;
        if (reply_is(e[0], "message") && reply->elements == 3) {
            if (c->cb.on_message && e[1]->type == REDIS_REPLY_STRING &&
                e[2]->type == REDIS_REPLY_STRING)
                c->cb.on_message(c->data, e[1]->str, e[1]->len, e[2]->str, e[2]->len);
            return 0;
        }
        if (reply_is(e[0], "subscribe") || reply_is(e[0], "unsubscribe")) {
            rds_req *head = c->sent.head;
            if (!head || head->kind != RDS_REQ_SUBSCRIBE)
                return 0; /* a confirmation nobody waits for */
            if (--head->replies_left > 0)
                return 0;
            fifo_pop(&c->sent);
            int rc = internal_reply(c, head, reply);
            req_finish(c, head, reply);
            return rc;
        }
    }
    rds_req *r = fifo_pop(&c->sent);
    if (!r) {
        drop_connection(c, NT_EPROTO); /* a reply to nothing we asked */
        return -1;
    }
    int rc = r->kind == RDS_REQ_USER ? 0 : internal_reply(c, r, reply);
    req_finish(c, r, reply);
    return rc;
}

static void on_conn_message(nt_conn *conn, const char *msg, size_t len, void *data)
{
    rds_client *c = data;
    (void)conn;
    if (!c || !c->reader || c->state == RDS_DROPPING)
        return;
    c->depth++;
    if (redisReaderFeed(c->reader, msg, len) != REDIS_OK)
        drop_connection(c, NT_EPROTO);
    while (!c->closing && c->state != RDS_DROPPING) {
        void *reply = NULL;
        if (redisReaderGetReply(c->reader, &reply) != REDIS_OK) {
            drop_connection(c, NT_EPROTO);
            break;
        }
        if (!reply)
            break;
        int rc = dispatch(c, reply);
        freeReplyObject(reply);
        if (rc < 0)
            break;
    }
    leave(c);
}

/* ---- timers ---- */

static void on_health_timer(nt_timer *t, void *data)
{
    rds_client *c = data;
    (void)t;
    if (c->state != RDS_UP && c->state != RDS_HANDSHAKE)
        return;
    c->depth++;
    uint64_t now = nt_loop_now(c->loop);
    if (c->sent.head && now - c->sent.head->sent_ms >= RDS_REPLY_TIMEOUT_MS) {
        drop_connection(c, NT_ETIMEDOUT);
    } else if (c->state == RDS_UP && !c->sent.head && now - c->last_send_ms >= RDS_PING_IDLE_MS) {
        const char *argv[] = {"PING"};
        if (send_internal(c, RDS_REQ_PING, 0, 1, 1, argv) < 0)
            drop_connection(c, NT_ENOMEM);
    }
    leave(c);
}

/* ---- connecting ---- */

static const nt_conn_callbacks conn_callbacks = {
    .on_connect = on_conn_connect,
    .on_message = on_conn_message,
    .on_closed = on_conn_closed,
};

/* @return NT_OK (the outcome comes to the callbacks), or why the attempt
 * could not even start */
static int start_connect(rds_client *c)
{
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.framing = NT_FRAME_NONE;
    o.max_message = 64 * 1024;
    /* Our own bound on pending requests holds the output in check; a
     * long pipeline must not be cut by the connection's. */
    o.sendq_limit = 0;
    o.connect_timeout_ms = RDS_CONNECT_TIMEOUT_MS;
    o.connect_total_ms = 2 * RDS_CONNECT_TIMEOUT_MS;
    o.linger_ms = RDS_LINGER_MS;
    nt_conn *conn = NULL;
    int rc = c->host
                 ? nt_conn_connect(c->loop, c->host, c->port, &o, &conn_callbacks, c, &conn)
                 : nt_conn_connect_addrs(c->loop, &c->unix_addr, 1, &o, &conn_callbacks, c, &conn);
    if (rc == NT_OK && c->tls) {
        rc = nt_conn_start_tls(conn, c->tls, c->host);
        if (rc != NT_OK) {
            nt_conn_set_data(conn, NULL);
            nt_conn_abort(conn);
        }
    }
    if (rc != NT_OK)
        return rc;
    c->conn = conn;
    c->state = RDS_CONNECTING;
    return NT_OK;
}

/* Every attempt starts here, the first included, so that the owner hears
 * from the client only from the loop, never inside rds_client_new(). */
static void on_reconnect_timer(nt_timer *t, void *data)
{
    rds_client *c = data;
    (void)t;
    if (c->state != RDS_DOWN)
        return;
    c->depth++;
    int rc = start_connect(c);
    if (rc != NT_OK) {
        if (rc != c->last_down_reason) {
            c->last_down_reason = rc;
            if (c->cb.on_down)
                c->cb.on_down(c->data, rc);
        }
        if (!c->closing)
            schedule_reconnect(c);
    }
    leave(c);
}

/* Split opts->address into a host and port or a Unix socket address. */
static int parse_address(rds_client *c, const char *address, char *err, size_t errsize)
{
    if (!address || !address[0]) {
        set_err(err, errsize, "no Redis address", NULL);
        return -1;
    }
    if (!strncmp(address, "unix:", 5)) {
        if (nt_addr_parse(address, &c->unix_addr) != NT_OK) {
            set_err(err, errsize, "bad Redis socket address '", address);
            return -1;
        }
        return 0;
    }
    char host[256];
    uint16_t port = 0;
    if (nt_addr_split(address, host, sizeof host, &port, RDS_DEFAULT_PORT) != NT_OK || !host[0] ||
        port == 0) {
        set_err(err, errsize, "bad Redis address (want HOST:PORT or unix:/path): '", address);
        return -1;
    }
    c->host = strdup(host);
    c->port = port;
    if (!c->host) {
        set_err(err, errsize, "out of memory", NULL);
        return -1;
    }
    return 0;
}

rds_client *rds_client_new(nt_loop *loop, const rds_options *opts, const rds_callbacks *cb,
                           void *data, char *err, size_t errsize)
{
    if (!loop || !opts) {
        set_err(err, errsize, "no loop or options", NULL);
        return NULL;
    }
    rds_client *c = calloc(1, sizeof *c);
    if (!c) {
        set_err(err, errsize, "out of memory", NULL);
        return NULL;
    }
    c->loop = loop;
    if (cb)
        c->cb = *cb;
    c->data = data;
    c->backoff_ms = RDS_BACKOFF_MIN_MS;
    if (parse_address(c, opts->address, err, errsize) < 0) {
        client_release(c);
        return NULL;
    }
    int oom = 0;
    c->password = dup_or_null(opts->password, &oom);
    c->name = dup_or_null(opts->name, &oom);
    if (!oom && nt_timer_new(loop, on_reconnect_timer, c, &c->reconnect) != NT_OK)
        oom = 1;
    if (!oom && nt_timer_new(loop, on_health_timer, c, &c->health) != NT_OK)
        oom = 1;
    if (oom) {
        set_err(err, errsize, "out of memory", NULL);
        nt_timer_close(c->reconnect, NULL);
        nt_timer_close(c->health, NULL);
        client_release(c);
        return NULL;
    }
    if (opts->tls)
        c->tls = nt_tls_config_ref(opts->tls);
    nt_timer_start(c->reconnect, 0, 0);
    return c;
}

void rds_client_free(rds_client *c)
{
    if (!c || c->closing)
        return;
    c->closing = 1;
    c->depth++; /* the callbacks below may call back in */
    if (c->conn) {
        /* What was sent last (a node's goodbye) still leaves, within the
         * linger time; replies are no longer read. */
        nt_conn_set_data(c->conn, NULL);
        if (c->state == RDS_UP)
            nt_conn_close(c->conn);
        else
            nt_conn_abort(c->conn);
        c->conn = NULL;
    }
    nt_timer_close(c->reconnect, NULL);
    nt_timer_close(c->health, NULL);
    c->reconnect = c->health = NULL;
    c->state = RDS_DOWN;
    fail_all(c, &c->sent);
    fail_all(c, &c->waiting);
    leave(c);
}

int rds_client_is_up(const rds_client *c)
{
    return c && !c->closing && c->state == RDS_UP;
}

size_t rds_client_pending(const rds_client *c)
{
    return c ? c->npending : 0;
}

int rds_command_argv(rds_client *c, rds_reply_fn fn, void *ctx, int argc, const char *const *argv,
                     const size_t *argvlen)
{
    if (!c || c->closing || argc < 1 || !argv || c->npending >= RDS_MAX_PENDING)
        return -1;
    /* hiredis takes char ** for historical reasons; it only reads them. */
    rds_req *r = req_new(RDS_REQ_USER, argc, (const char **)argv, argvlen);
    if (!r)
        return -1;
    if (c->pending_bytes + r->len > RDS_MAX_PENDING_BYTES) {
        req_free(r);
        return -1;
    }
    r->fn = fn;
    r->ctx = ctx;
    c->npending++;
    c->pending_bytes += r->len;
    if (c->state != RDS_UP) {
        fifo_push(&c->waiting, r);
        return 0;
    }
    if (send_req(c, r) < 0) {
        /* The connection is ending; the request waits for the next one. */
        fifo_push(&c->waiting, r);
    }
    return 0;
}

int rds_command(rds_client *c, rds_reply_fn fn, void *ctx, ...)
{
    va_list ap, count;
    va_start(ap, ctx);
    va_copy(count, ap);
    int argc = 0;
    while (va_arg(count, const char *) && argc <= RDS_MAX_ARGS)
        argc++;
    va_end(count);
    if (argc < 1 || argc > RDS_MAX_ARGS) {
        va_end(ap);
        return -1;
    }
    const char **argv = malloc((size_t)argc * sizeof *argv);
    if (!argv) {
        va_end(ap);
        return -1;
    }
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, const char *);
    va_end(ap);
    int rc = rds_command_argv(c, fn, ctx, argc, argv, NULL);
    free(argv);
    return rc;
}

int rds_subscribe(rds_client *c, const char *const *channels, size_t n)
{
    if (!c || c->closing || !channels || n == 0 || n > RDS_MAX_CHANNELS - c->nchannels)
        return -1;
    char **grown = realloc(c->channels, (c->nchannels + n) * sizeof *grown);
    if (!grown)
        return -1;
    c->channels = grown;
    size_t first = c->nchannels;
    for (size_t i = 0; i < n; i++) {
        grown[first + i] = channels[i] ? strdup(channels[i]) : NULL;
        if (!grown[first + i]) {
            while (i-- > 0)
                free(grown[first + i]);
            return -1;
        }
    }
    c->nchannels += n;
    /* Down or connecting: the handshake subscribes to every channel. */
    if (c->state == RDS_UP || c->state == RDS_HANDSHAKE) {
        if (send_subscribe(c, c->state == RDS_HANDSHAKE, c->channels + first, n) < 0)
            drop_connection(c, NT_ENOMEM); /* the next connection subscribes */
    }
    return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * One simulated IRC client: a non-blocking socket and a watcher on the
 * loop.  It registers, joins its channel, answers PING, and for every
 * PRIVMSG that carries a send time records the delivery latency.
 *
 * The generator reads sockets itself rather than through nt_conn: one
 * recv() per readiness event (level-triggered, so whatever is left is
 * reported again), no per-connection framer, and a slow reader can be
 * given a small receive buffer before it connects.  Every line of a read
 * shares one clock reading.
 *
 * With --tls the TCP connect is the same (its own socket and watcher, so
 * that the handshake's time is counted from the moment TCP is up); the
 * connected socket is then handed to an nt_conn (unframed: every read is
 * fed to the same line splitter) with nt_conn_start_tls(), and the client
 * registers once on_connect says the handshake is through.
 */
#include "loadgen.h"

#include <natter/clock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One recv() takes at most this much; a partial line is put in front. */
#define READ_CHUNK (64u * 1024u)

static char read_buf[LG_LINE_MAX + READ_CHUNK];

static void on_io(nt_watch *w, int events, void *data);

static void rewatch(lg_client *c)
{
    if (c->conn) {
        if (c->paused)
            nt_conn_pause_reading(c->conn);
        else
            nt_conn_resume_reading(c->conn);
        return;
    }
    if (!c->watch)
        return;
    int ev;
    if (c->state == LG_CONNECTING)
        ev = NT_EV_WRITE;
    else {
        ev = c->outlen ? NT_EV_WRITE : 0;
        if (!c->paused)
            ev |= NT_EV_READ;
    }
    if (nt_watch_set(c->watch, ev) != NT_OK)
        lg_client_close(c, NT_ENOMEM);
}

/* A connection that failed before joining, while the setup is still on:
 * try again later (real clients reconnect too), instead of failing. */
static int schedule_retry(lg_client *c, int reason)
{
    lg_run *run = c->run;
    if (!run->setup_open || c->attempts > run->opt.retries || reason == NT_EPROTO)
        return 0;
    unsigned backoff_ms = 100u << (c->attempts < 5 ? c->attempts : 5);
    c->retry_at_us = nt_clock_us() + (uint64_t)backoff_ms * 1000u;
    c->state = LG_IDLE;
    run->retry_ids[run->nretry++] = c->id;
    run->retries++;
    return 1;
}

void lg_client_close(lg_client *c, int reason)
{
    lg_run *run = c->run;
    if (c->state == LG_CLOSED || c->state == LG_IDLE)
        return;
    int was = c->state;
    c->state = LG_CLOSED;
    c->close_reason = reason;
    if (c->conn) {
        /* Its on_closed comes later, from the loop: by then the client
         * may be another connection (a retry), so it is told nothing. */
        nt_conn_set_data(c->conn, NULL);
        nt_conn_abort(c->conn);
        c->conn = NULL;
    }
    /* The watcher stops at once; its socket may close right after. */
    nt_watch_close(c->watch, NULL);
    c->watch = NULL;
    nt_socket_close(c->sock);
    c->sock = NULL;
    free(c->partial);
    c->partial = NULL;
    c->plen = 0;
    free(c->out);
    c->out = NULL;
    c->outlen = c->outcap = 0;
    if (c->counted) {
        run->receivers[c->chan]--;
        c->counted = 0;
    }
    if (was != LG_READY && schedule_retry(c, reason))
        return;
    run->closed++;
    if (was != LG_READY)
        run->failed++;
    else if (!c->slow)
        run->unexpected_closes++;
}

void lg_client_retry_due(lg_run *run, uint64_t now_us)
{
    for (unsigned i = 0; i < run->nretry;) {
        lg_client *c = &run->clients[run->retry_ids[i]];
        if (c->retry_at_us > now_us) {
            i++;
            continue;
        }
        run->retry_ids[i] = run->retry_ids[--run->nretry];
        c->retry_at_us = 0;
        lg_client_start(run, c);
    }
}

static int out_append(lg_client *c, const char *data, size_t len)
{
    if (c->outlen + len > c->outcap) {
        size_t cap = c->outcap ? c->outcap : 512;
        while (cap < c->outlen + len)
            cap *= 2;
        char *p = realloc(c->out, cap);
        if (!p)
            return -1;
        c->out = p;
        c->outcap = (uint32_t)cap;
    }
    memcpy(c->out + c->outlen, data, len);
    c->outlen += (uint32_t)len;
    return 0;
}

static void flush_out(lg_client *c)
{
    while (c->outlen > 0) {
        ptrdiff_t n = nt_socket_send(c->sock, c->out, c->outlen, 0);
        if (n == NT_EAGAIN)
            return;
        if (n < 0) {
            lg_client_close(c, (int)n);
            return;
        }
        c->run->bytes_out += (uint64_t)n;
        memmove(c->out, c->out + n, c->outlen - (size_t)n);
        c->outlen -= (uint32_t)n;
    }
    rewatch(c);
}

void lg_client_send(lg_client *c, const char *data, size_t len)
{
    if (c->state == LG_CLOSED || c->state == LG_IDLE || c->state == LG_CONNECTING)
        return;
    if (c->conn) {
        /* Queued, and written (encrypted) at the end of this iteration
         * together with whatever else this client sends in it. */
        int rc = nt_conn_send(c->conn, data, len);
        if (rc != NT_OK)
            lg_client_close(c, rc);
        else
            c->run->bytes_out += len;
        return;
    }
    if (c->outlen == 0) {
        ptrdiff_t n = nt_socket_send(c->sock, data, len, 0);
        if (n == (ptrdiff_t)len) {
            c->run->bytes_out += len;
            return;
        }
        if (n < 0 && n != NT_EAGAIN) {
            lg_client_close(c, (int)n);
            return;
        }
        if (n > 0) {
            c->run->bytes_out += (uint64_t)n;
            data += n;
            len -= (size_t)n;
        }
        if (out_append(c, data, len) != 0) {
            lg_client_close(c, NT_ENOMEM);
            return;
        }
        rewatch(c);
        return;
    }
    if (out_append(c, data, len) != 0)
        lg_client_close(c, NT_ENOMEM);
}

void lg_client_pause(lg_client *c)
{
    c->paused = 1;
    rewatch(c);
}

void lg_client_resume(lg_client *c)
{
    c->paused = 0;
    rewatch(c);
}

static void tcp_connected(lg_client *c)
{
    lg_run *run = c->run;
    if (!c->was_connected)
        run->connected++;
    c->was_connected = 1;
    c->t_tcp_us = nt_clock_us();
    if (run->connected == run->opt.clients)
        run->t_all_connected_us = c->t_tcp_us;
}

/* Send the registration: at once in plaintext, after the handshake with
 * TLS. */
static void connected(lg_client *c)
{
    lg_run *run = c->run;
    char line[256];
    int n = 0;
    c->state = LG_REGISTERING;
    if (run->opt.pass)
        n += snprintf(line + n, sizeof line - (size_t)n, "PASS %s\r\n", run->opt.pass);
    n += snprintf(line + n, sizeof line - (size_t)n,
                  "NICK u%05u\r\nUSER u%05u 0 * :natter loadgen\r\n", c->id, c->id);
    rewatch(c);
    lg_client_send(c, line, (size_t)n);
}

/* Ready: joined its channel (or, with --no-join, registered). */
static void joined(lg_client *c, uint64_t now)
{
    lg_run *run = c->run;
    c->state = LG_READY;
    c->t_joined_us = now;
    run->joined++;
    hist_add(&run->join_hist, now - run->t_setup_us);
    if (run->joined == run->opt.clients)
        run->t_all_joined_us = now;
    if (c->slow) {
        lg_client_pause(c);
    } else if (!run->opt.no_join) {
        run->receivers[c->chan]++;
        c->counted = 1;
    }
}

static void registered(lg_client *c)
{
    lg_run *run = c->run;
    char line[64];
    c->state = LG_JOINING;
    if (!c->was_registered)
        run->registered++;
    c->was_registered = 1;
    if (run->registered == run->opt.clients)
        run->t_all_registered_us = nt_clock_us();
    if (run->opt.no_join) {
        joined(c, nt_clock_us()); /* ready without a channel */
        return;
    }
    int n = snprintf(line, sizeof line, "JOIN #c%u\r\n", c->chan);
    lg_client_send(c, line, (size_t)n);
}

static int is_numeric(const char *p, const char *end, const char *code)
{
    return end - p >= 4 && p[0] == code[0] && p[1] == code[1] && p[2] == code[2] && p[3] == ' ';
}

/* Numerics that refuse a registration (nick, password, ban) or a JOIN. */
static int refusal(const char *p, const char *end, int state)
{
    static const char *const reg[] = {"431", "432", "433", "436", "437", "451",
                                      "461", "462", "464", "465", NULL};
    static const char *const join[] = {"403", "405", "461", "471", "473", "474",
                                       "475", "476", "477", "479", NULL};
    for (const char *const *code = state == LG_REGISTERING ? reg : join; *code; code++)
        if (is_numeric(p, end, *code))
            return 1;
    return 0;
}

/* The server a message's sender is on, from its id in the text ("T<send
 * time> <sender id> ..."): client i is on server i % N. */
static unsigned sender_server(const lg_run *run, const char *p, const char *end)
{
    uint64_t id = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++)
        id = id * 10 + (uint64_t)(*p - '0');
    return (unsigned)(id % run->opt.nservers);
}

/* One line, terminator removed; line[len] may be written. */
static void handle_line(lg_client *c, char *line, size_t len, uint64_t now)
{
    lg_run *run = c->run;
    char *p = line;
    char *end = line + len;
    run->lines_in++;
    if (p < end && *p == ':') {
        p = memchr(p, ' ', len);
        if (!p)
            return;
        p++;
    }
    /* The hot path: a channel message from the run. */
    if (end - p > 8 && memcmp(p, "PRIVMSG ", 8) == 0) {
        char *t = memchr(p + 8, ' ', (size_t)(end - p - 8));
        if (t && end - t > 3 && t[1] == ':' && t[2] == LG_MARK) {
            uint64_t sent = 0;
            const char *d = t + 3;
            for (; d < end && *d >= '0' && *d <= '9'; d++)
                sent = sent * 10 + (uint64_t)(*d - '0');
            if (!c->slow && c->state == LG_READY) {
                uint64_t latency = now > sent ? now - sent : 0;
                run->delivered++;
                hist_add(&run->latency, latency);
                if (run->opt.nservers > 1 && d < end && *d == ' ')
                    hist_add(sender_server(run, d + 1, end) == c->server ? &run->latency_same
                                                                         : &run->latency_cross,
                             latency);
            }
            return;
        }
        run->foreign_lines++;
        return;
    }
    if (end - p >= 4 && memcmp(p, "PING", 4) == 0 && (end - p == 4 || p[4] == ' ')) {
        char reply[LG_LINE_MAX + 8];
        size_t n = (size_t)(end - p - 4);
        memcpy(reply, "PONG", 4);
        memcpy(reply + 4, p + 4, n);
        memcpy(reply + 4 + n, "\r\n", 2);
        lg_client_send(c, reply, n + 6);
        return;
    }
    if (end - p >= 5 && memcmp(p, "ERROR", 5) == 0) {
        run->error_lines++;
        c->got_error = 1;
        size_t n = (size_t)(end - p);
        if (n >= sizeof c->error_text)
            n = sizeof c->error_text - 1;
        memcpy(c->error_text, p, n);
        c->error_text[n] = '\0';
        return;
    }
    if (c->state == LG_REGISTERING && is_numeric(p, end, "001")) {
        registered(c);
        return;
    }
    if (c->state == LG_JOINING && is_numeric(p, end, "366")) {
        joined(c, now);
        return;
    }
    /* A refusal while registering or joining ends the client: the run
     * would otherwise wait for it until the setup timeout. */
    if ((c->state == LG_REGISTERING || c->state == LG_JOINING) && refusal(p, end, c->state)) {
        size_t n = (size_t)(end - p);
        if (n >= sizeof c->error_text)
            n = sizeof c->error_text - 1;
        memcpy(c->error_text, p, n);
        c->error_text[n] = '\0';
        if (run->opt.verbose)
            fprintf(stderr, "loadgen: client %u refused: %s\n", c->id, c->error_text);
        lg_client_close(c, NT_EPROTO);
    }
}

/* Bytes just read are in read_buf after the c->plen bytes of an
 * unfinished line: split them into lines and handle each. */
static void consume(lg_client *c, size_t have, size_t n)
{
    lg_run *run = c->run;
    uint64_t now = nt_clock_us();
    if (run->measuring) {
        /* From the first read of an iteration to the end of its last one:
         * time a delivery can wait in this process before it is read. */
        nt_loop_stats st;
        nt_loop_get_stats(run->loop, &st);
        uint64_t wakeup = st.wakeups;
        if (wakeup != run->iter_wakeup) {
            if (run->iter_start_us)
                hist_add(&run->iter_busy, run->iter_last_us - run->iter_start_us);
            run->iter_wakeup = wakeup;
            run->iter_start_us = now;
        }
    }
    run->bytes_in += (uint64_t)n;
    run->last_rx_us = now;
    char *p = read_buf;
    char *end = read_buf + have + n;
    for (;;) {
        char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf)
            break;
        size_t len = (size_t)(lf - p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        handle_line(c, p, len, now);
        if (c->state == LG_CLOSED)
            return;
        p = lf + 1;
    }
    if (run->measuring)
        run->iter_last_us = nt_clock_us();
    size_t rest = (size_t)(end - p);
    if (rest > LG_LINE_MAX) {
        run->foreign_lines++; /* an absurd line: drop what we have */
        rest = 0;
    }
    if (rest && !c->partial) {
        c->partial = malloc(LG_LINE_MAX);
        if (!c->partial) {
            lg_client_close(c, NT_ENOMEM);
            return;
        }
    }
    if (rest)
        memmove(c->partial, p, rest);
    c->plen = (uint16_t)rest;
}

static void read_some(lg_client *c)
{
    size_t have = c->plen;
    if (have)
        memcpy(read_buf, c->partial, have);
    ptrdiff_t n = nt_socket_recv(c->sock, read_buf + have, READ_CHUNK, 0);
    if (n == NT_EAGAIN)
        return;
    if (n <= 0) {
        lg_client_close(c, n == 0 ? NT_EOF : (int)n);
        return;
    }
    consume(c, have, (size_t)n);
}

/* ---- TLS: the connection after TCP is up ---- */

static void tls_on_connect(nt_conn *conn, void *data)
{
    lg_client *c = data;
    if (!c || c->conn != conn)
        return;
    lg_run *run = c->run;
    uint64_t now = nt_clock_us();
    hist_add(&run->handshake_hist, now - c->t_tcp_us);
    if (!c->was_handshaken)
        run->handshaken++;
    c->was_handshaken = 1;
    if (run->handshaken == run->opt.clients && !run->t_all_handshaken_us)
        run->t_all_handshaken_us = now;
    nt_tls_info info;
    if (nt_conn_tls_info(conn, &info) == NT_OK) {
        if (info.resumed)
            run->tls_resumed++;
        if (!run->tls_protocol[0]) {
            snprintf(run->tls_protocol, sizeof run->tls_protocol, "%s", info.protocol);
            snprintf(run->tls_cipher, sizeof run->tls_cipher, "%s", info.cipher);
        }
    }
    connected(c);
}

static void tls_on_message(nt_conn *conn, const char *msg, size_t len, void *data)
{
    lg_client *c = data;
    if (!c || c->conn != conn || c->state == LG_CLOSED)
        return;
    /* nt_conn reads at most 16 KiB at a time, well within read_buf. */
    while (len > 0 && c->state != LG_CLOSED) {
        size_t have = c->plen;
        size_t n = len < READ_CHUNK ? len : READ_CHUNK;
        if (have)
            memcpy(read_buf, c->partial, have);
        memcpy(read_buf + have, msg, n);
        consume(c, have, n);
        msg += n;
        len -= n;
    }
}

static void tls_on_closed(nt_conn *conn, int reason, void *data)
{
    lg_client *c = data;
    if (!c || c->conn != conn)
        return;     /* closed by us (lg_client_close() let go of it) */
    c->conn = NULL; /* freed when this returns */
    if (c->run->opt.verbose && c->state == LG_HANDSHAKING)
        fprintf(stderr, "loadgen: client %u: TLS handshake failed: %s\n", c->id,
                nt_strerror(reason));
    lg_client_close(c, reason);
}

static const nt_conn_callbacks tls_callbacks = {
    .on_connect = tls_on_connect,
    .on_message = tls_on_message,
    .on_closed = tls_on_closed,
};

static void start_tls(lg_client *c)
{
    lg_run *run = c->run;
    nt_conn_options o;
    nt_conn_options_init(&o);
    o.framing = NT_FRAME_NONE;
    o.sendq_limit = 0; /* a client's own output is small; never cut it */
    /* The watcher goes (at once); the socket becomes the connection's. */
    nt_watch_close(c->watch, NULL);
    c->watch = NULL;
    nt_socket *sock = c->sock;
    c->sock = NULL;
    c->state = LG_HANDSHAKING;
    int rc = nt_conn_new(run->loop, sock, &o, &tls_callbacks, c, &c->conn);
    if (rc == NT_OK) {
        char name[96];
        if (run->opt.tls_resume)
            snprintf(name, sizeof name, "%s", run->opt.tls_name);
        else
            /* One name per client: libnatter's clients resume the newest
             * session per name, and a storm of new clients is one of full
             * handshakes (a server reached through one name would see the
             * later clients resume the first ones' sessions). */
            snprintf(name, sizeof name, "u%05u.%s", c->id, run->opt.tls_name);
        rc = nt_conn_start_tls(c->conn, run->tls, name);
    }
    if (rc != NT_OK) {
        if (run->opt.verbose)
            fprintf(stderr, "loadgen: client %u: TLS: %s\n", c->id, nt_strerror(rc));
        lg_client_close(c, rc);
    }
}

static void on_io(nt_watch *w, int events, void *data)
{
    lg_client *c = data;
    (void)w;
    if (c->state == LG_CONNECTING) {
        int err = NT_OK;
        int rc = nt_socket_get_option(c->sock, NT_OPT_ERROR, &err);
        if (rc != NT_OK)
            err = rc;
        if (err != NT_OK) {
            lg_client_close(c, err);
            return;
        }
        tcp_connected(c);
        if (c->run->tls)
            start_tls(c);
        else
            connected(c);
        return;
    }
    if ((events & NT_EV_WRITE) && c->outlen)
        flush_out(c);
    if ((events & NT_EV_READ) && c->state != LG_CLOSED)
        read_some(c);
}

int lg_client_start(lg_run *run, lg_client *c)
{
    c->run = run;
    c->attempts++;
    c->error_text[0] = '\0';
    int rc = nt_socket_new(run->addrs[c->server].family, NT_SOCK_STREAM, 0, &c->sock);
    if (rc == NT_OK)
        rc = nt_socket_settimeout(c->sock, 0);
    if (rc == NT_OK && c->slow && run->opt.slow_rcvbuf > 0)
        nt_socket_set_option(c->sock, NT_OPT_RCVBUF, run->opt.slow_rcvbuf);
    if (rc == NT_OK)
        nt_socket_set_option(c->sock, NT_OPT_NODELAY, 1);
    if (rc == NT_OK) {
        rc = nt_socket_connect(c->sock, &run->addrs[c->server]);
        if (rc == NT_EINPROGRESS)
            rc = NT_OK;
    }
    if (rc == NT_OK)
        rc = nt_watch_new(run->loop, nt_socket_fileno(c->sock), on_io, c, &c->watch);
    c->state = LG_CONNECTING;
    if (rc != NT_OK) {
        if (run->opt.verbose)
            fprintf(stderr, "loadgen: client %u: %s\n", c->id, nt_strerror(rc));
        lg_client_close(c, rc);
        return rc;
    }
    rewatch(c);
    return NT_OK;
}

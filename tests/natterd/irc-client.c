/* SPDX-License-Identifier: MIT */
#include "irc-client.h"

#include <natter/clock.h>
#include <natter/net.h>
#include <natter/tls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bigger than any line natterd sends (8191 bytes of tags + 512). */
#define READ_BUF 32768
#define HISTORY 24
#define HISTORY_WIDTH 200
/* How long one read may block while an idle callback is set. */
#define IDLE_SLICE_MS 5

struct irc_client {
    nt_socket *sock;    /* the TCP socket (owned by tls when there is one) */
    nt_tls_socket *tls; /* NULL: plaintext */
    char label[32];
    unsigned deadline_ms;
    int closed;       /* EOF or reset seen */
    int close_reason; /* NT_EOF, NT_ECONNRESET, ... */
    int failed;
    unsigned syncs;
    void (*idle)(void *data);
    void *idle_data;
    size_t len;
    char buf[READ_BUF];
    char line[READ_BUF + 1];
    char history[HISTORY][HISTORY_WIDTH];
    size_t history_next, history_count;
};

static unsigned default_deadline_ms = 5000;

unsigned irc_default_deadline(void)
{
    return default_deadline_ms;
}

void irc_set_default_deadline(unsigned ms)
{
    default_deadline_ms = ms;
}

/* The TCP connection; *rc_out says why not. */
static irc_client *tcp_connect(const nt_addr *addr, const char *label, int rcvbuf, int *rc_out)
{
    irc_client *c = calloc(1, sizeof *c);
    *rc_out = NT_ENOMEM;
    if (!c)
        return NULL;
    snprintf(c->label, sizeof c->label, "%s", label);
    c->deadline_ms = default_deadline_ms;
    int rc = nt_socket_new(addr->family, NT_SOCK_STREAM, 0, &c->sock);
    if (rc == NT_OK && rcvbuf > 0)
        rc = nt_socket_set_option(c->sock, NT_OPT_RCVBUF, rcvbuf);
    if (rc == NT_OK)
        rc = nt_socket_settimeout(c->sock, c->deadline_ms / 1000.0);
    if (rc == NT_OK)
        rc = nt_socket_connect(c->sock, addr);
    if (rc == NT_OK)
        rc = nt_socket_set_option(c->sock, NT_OPT_NODELAY, 1);
    *rc_out = rc;
    if (rc != NT_OK) {
        printf("\n    %s: connect: %s\n", c->label, nt_strerror(rc));
        nt_socket_close(c->sock);
        free(c);
        return NULL;
    }
    return c;
}

irc_client *irc_connect(const nt_addr *addr, const char *label, int rcvbuf)
{
    int rc;
    return tcp_connect(addr, label, rcvbuf, &rc);
}

/* A client configuration for one connection (nt_tls_wrap takes its own
 * reference).  @return NT_OK or why not (printed) */
static int tls_config(const irc_client *c, const irc_tls_options *o, nt_tls_config **out)
{
    nt_tls_config *cfg = NULL;
    const char *what = "nt_tls_config_new";
    int rc = nt_tls_config_new(NT_TLS_CLIENT, &cfg);
    if (rc == NT_OK && o->ca_file) {
        what = o->ca_file;
        rc = nt_tls_config_set_ca_file(cfg, o->ca_file);
    }
    if (rc == NT_OK && o->pin) {
        what = "the pin";
        rc = nt_tls_config_pin(cfg, o->pin);
    }
    if (rc == NT_OK && (o->cert_file || o->key_file)) {
        what = o->cert_file ? o->cert_file : "(no certificate)";
        rc = nt_tls_config_set_certificate(cfg, o->cert_file, o->key_file);
    }
    if (rc != NT_OK) {
        printf("\n    %s: TLS configuration (%s): %s %s\n", c->label, what, nt_err_name(rc),
               cfg ? nt_tls_config_error(cfg) : "");
        nt_tls_config_unref(cfg);
        return rc;
    }
    *out = cfg;
    return NT_OK;
}

irc_client *irc_connect_tls(const nt_addr *addr, const char *label, const irc_tls_options *tls,
                            int *rc_out)
{
    static const irc_tls_options none = {0};
    if (!tls)
        tls = &none;
    int rc;
    irc_client *c = tcp_connect(addr, label, 0, &rc);
    nt_tls_config *cfg = NULL;
    if (c)
        rc = tls_config(c, tls, &cfg);
    if (c && rc == NT_OK) {
        char host[NT_ADDRSTRLEN];
        const char *name = tls->server_name;
        if (!name) {
            if (nt_addr_format_host(addr, host, sizeof host) <= 0)
                snprintf(host, sizeof host, "localhost");
            name = host;
        }
        nt_socket *s = c->sock;
        c->sock = NULL; /* the TLS socket owns it from here, also on failure */
        rc = nt_tls_wrap(s, cfg, name, &c->tls);
        nt_tls_config_unref(cfg);
        if (rc == NT_OK)
            c->sock = nt_tls_socket_raw(c->tls);
        else
            printf("\n    %s: TLS handshake with %s: %s (%s)\n", c->label, name, nt_strerror(rc),
                   nt_err_name(rc));
    }
    if (rc_out)
        *rc_out = rc;
    if (rc != NT_OK && c) {
        nt_socket_close(c->sock);
        free(c);
        c = NULL;
    }
    fflush(stdout);
    return c;
}

int irc_is_tls(const irc_client *c)
{
    return c->tls != NULL;
}

int irc_tls_info(const irc_client *c, nt_tls_info *out)
{
    return c->tls ? nt_tls_socket_info(c->tls, out) : NT_EINVAL;
}

int irc_close_reason(const irc_client *c)
{
    return c->closed ? c->close_reason : NT_OK;
}

/* Close without a goodbye of any kind (linger as set). */
static void close_now(irc_client *c)
{
    if (c->tls)
        nt_tls_close(c->tls); /* closes c->sock too */
    else
        nt_socket_close(c->sock);
    free(c);
}

void irc_close(irc_client *c)
{
    if (!c)
        return;
    /* As a plaintext client's FIN: an orderly end of the TLS stream (a
     * stream cut without close_notify would read as a reset). */
    if (c->tls && !c->closed) {
        nt_socket_settimeout(c->sock, 1.0);
        nt_tls_shutdown(c->tls);
    }
    close_now(c);
}

void irc_reset(irc_client *c)
{
    if (!c)
        return;
    nt_socket_set_option(c->sock, NT_OPT_LINGER, 0);
    close_now(c);
}

const char *irc_label(const irc_client *c)
{
    return c->label;
}

void irc_set_deadline(irc_client *c, unsigned ms)
{
    c->deadline_ms = ms;
}

void irc_set_idle(irc_client *c, void (*idle)(void *data), void *data)
{
    c->idle = idle;
    c->idle_data = data;
}

int irc_failed(const irc_client *c)
{
    return c->failed;
}

int irc_is_closed(const irc_client *c)
{
    return c->closed;
}

static void remember(irc_client *c, const char *line)
{
    size_t n = strlen(line);
    if (n >= HISTORY_WIDTH)
        n = HISTORY_WIDTH - 1;
    memcpy(c->history[c->history_next], line, n);
    c->history[c->history_next][n] = '\0';
    c->history_next = (c->history_next + 1) % HISTORY;
    if (c->history_count < HISTORY)
        c->history_count++;
}

/* Say what went wrong and what came in before it, then refuse further
 * waits on this client. */
static void fail(irc_client *c, const char *fmt, ...)
{
    va_list ap;
    printf("\n    %s: ", c->label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n    %s: the last %zu lines received:\n", c->label, c->history_count);
    size_t first = (c->history_next + HISTORY - c->history_count) % HISTORY;
    for (size_t i = 0; i < c->history_count; i++)
        printf("      | %s\n", c->history[(first + i) % HISTORY]);
    if (c->closed)
        printf("    %s: connection closed (%s)\n", c->label, nt_err_name(c->close_reason));
    fflush(stdout);
    c->failed = 1;
}

/* 1: a line is in c->line; 0: the deadline passed; -1: the server closed. */
static int read_line(irc_client *c, uint64_t deadline)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl || c->len == sizeof c->buf) {
            size_t n = nl ? (size_t)(nl - c->buf) : c->len;
            size_t consumed = nl ? n + 1 : n;
            if (n && c->buf[n - 1] == '\r')
                n--;
            memcpy(c->line, c->buf, n);
            c->line[n] = '\0';
            memmove(c->buf, c->buf + consumed, c->len - consumed);
            c->len -= consumed;
            remember(c, c->line);
            return 1;
        }
        if (c->closed)
            return -1;
        uint64_t now = nt_clock_ms();
        if (now >= deadline)
            return 0;
        uint64_t wait = deadline - now;
        if (c->idle) {
            c->idle(c->idle_data);
            if (wait > IDLE_SLICE_MS)
                wait = IDLE_SLICE_MS;
        }
        nt_socket_settimeout(c->sock, (double)wait / 1000.0);
        ptrdiff_t got = c->tls
                            ? nt_tls_recv(c->tls, c->buf + c->len, sizeof c->buf - c->len)
                            : nt_socket_recv(c->sock, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (got > 0) {
            c->len += (size_t)got;
        } else if (got != NT_ETIMEDOUT && got != NT_EAGAIN) {
            c->closed = 1;
            c->close_reason = got == 0 ? NT_EOF : (int)got;
        }
    }
}

int irc_send_raw(irc_client *c, const void *data, size_t len)
{
    size_t sent = 0;
    nt_socket_settimeout(c->sock, c->deadline_ms / 1000.0);
    int rc = c->tls ? nt_tls_sendall(c->tls, data, len, &sent)
                    : nt_socket_sendall(c->sock, data, len, &sent);
    if (rc != NT_OK) {
        printf("\n    %s: send: %s after %zu of %zu bytes\n", c->label, nt_strerror(rc), sent, len);
        fflush(stdout);
        return -1;
    }
    return 0;
}

int irc_send(irc_client *c, const char *fmt, ...)
{
    char line[16384];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 2, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line - 2)
        return -1;
    memcpy(line + n, "\r\n", 2);
    return irc_send_raw(c, line, (size_t)n + 2);
}

void irc_line_command(const char *line, char *dst, size_t size)
{
    const char *p = line;
    for (int part = 0; part < 2; part++) {
        /* Skip "@tags " and then ":source ". */
        if (*p == (part == 0 ? '@' : ':')) {
            p = strchr(p, ' ');
            if (!p) {
                dst[0] = '\0';
                return;
            }
            while (*p == ' ')
                p++;
        }
    }
    size_t n = strcspn(p, " ");
    if (n >= size)
        n = size - 1;
    memcpy(dst, p, n);
    dst[n] = '\0';
}

const char *irc_line_trailing(const char *line)
{
    const char *p = line;
    if (*p == '@' && !(p = strchr(p, ' ')))
        return "";
    while (*p == ' ')
        p++;
    if (*p == ':' && !(p = strchr(p, ' ')))
        return "";
    const char *t = strstr(p, " :");
    return t ? t + 2 : "";
}

int irc_line_matches(const char *line, const char *command, const char *text)
{
    if (command) {
        char cmd[64];
        irc_line_command(line, cmd, sizeof cmd);
        size_t clen = strlen(cmd);
        int found = 0;
        for (const char *p = command; *p && !found;) {
            size_t n = strcspn(p, "|");
            found = n == clen && strncmp(p, cmd, n) == 0;
            p += n + (p[n] == '|');
        }
        if (!found)
            return 0;
    }
    return !text || strstr(line, text) != NULL;
}

const char *irc_expect_within(irc_client *c, unsigned ms, const char *command, const char *text)
{
    if (c->failed)
        return NULL;
    uint64_t start = nt_clock_ms();
    for (;;) {
        int r = read_line(c, start + ms);
        if (r == 1 && irc_line_matches(c->line, command, text))
            return c->line;
        if (r == 1)
            continue;
        fail(c, "%s after %llu ms waiting for %s '%s'", r == 0 ? "timed out" : "closed",
             (unsigned long long)(nt_clock_ms() - start), command ? command : "any line",
             text ? text : "");
        return NULL;
    }
}

const char *irc_expect(irc_client *c, const char *command, const char *text)
{
    return irc_expect_within(c, c->deadline_ms, command, text);
}

const char *irc_next(irc_client *c, unsigned ms)
{
    return read_line(c, nt_clock_ms() + ms) == 1 ? c->line : NULL;
}

int irc_sync(irc_client *c, irc_lines *seen)
{
    if (c->failed)
        return 0;
    char token[48];
    snprintf(token, sizeof token, "sync-%s-%u", c->label, ++c->syncs);
    if (irc_send(c, "PING :%s", token) < 0) {
        fail(c, "cannot send the PING of a barrier");
        return 0;
    }
    uint64_t start = nt_clock_ms();
    for (;;) {
        int r = read_line(c, start + c->deadline_ms);
        if (r == 1) {
            if (irc_line_matches(c->line, "PONG", NULL) &&
                strcmp(irc_line_trailing(c->line), token) == 0)
                return 1;
            if (seen)
                irc_lines_add(seen, c->line);
            continue;
        }
        fail(c, "%s waiting for PONG :%s", r == 0 ? "timed out" : "closed", token);
        return 0;
    }
}

int irc_expect_closed(irc_client *c, unsigned ms, irc_lines *seen)
{
    uint64_t start = nt_clock_ms();
    for (;;) {
        int r = read_line(c, start + ms);
        if (r == 1) {
            if (seen)
                irc_lines_add(seen, c->line);
            continue;
        }
        if (r < 0)
            return 1;
        fail(c, "still open after %u ms, expected the server to close it", ms);
        return 0;
    }
}

int irc_register_send(irc_client *c, const char *nick, const char *caps)
{
    int rc = 0;
    if (caps)
        rc |= irc_send(c, "CAP LS 302");
    rc |= irc_send(c, "NICK %s", nick);
    rc |= irc_send(c, "USER %s 0 * :Test client %s", nick, nick);
    if (caps)
        rc |= irc_send(c, "CAP REQ :%s", caps);
    return rc == 0;
}

int irc_register_wait(irc_client *c, const char *caps)
{
    if (caps) {
        if (!irc_expect(c, "CAP", " ACK :"))
            return 0;
        irc_send(c, "CAP END");
    }
    return irc_expect(c, "001", NULL) && irc_expect(c, "376|422", NULL);
}

int irc_register(irc_client *c, const char *nick, const char *caps)
{
    return irc_register_send(c, nick, caps) && irc_register_wait(c, caps);
}

void irc_lines_add(irc_lines *l, const char *line)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    size_t n = strlen(line) + 1;
    char *copy = malloc(n);
    if (!copy)
        return;
    memcpy(copy, line, n);
    l->v[l->n++] = copy;
}

size_t irc_lines_count(const irc_lines *l, const char *command, const char *text)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += irc_line_matches(l->v[i], command, text) != 0;
    return n;
}

const char *irc_lines_find(const irc_lines *l, const char *command, const char *text)
{
    for (size_t i = 0; i < l->n; i++) {
        if (irc_line_matches(l->v[i], command, text))
            return l->v[i];
    }
    return NULL;
}

void irc_lines_print(const irc_lines *l, const char *label)
{
    printf("\n    %s: %zu lines:\n", label, l->n);
    for (size_t i = 0; i < l->n; i++)
        printf("      | %.200s\n", l->v[i]);
    fflush(stdout);
}

void irc_lines_free(irc_lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

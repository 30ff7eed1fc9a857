/* SPDX-License-Identifier: MIT */
#include "fake-transport.h"

#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t fake_now_ms = 1000000;
int64_t fake_wall_us = INT64_C(1700000000) * 1000000;

static fake_conn *all_conns;

static uint64_t mono(void *ctx)
{
    (void)ctx;
    return fake_now_ms;
}

static int64_t wall(void *ctx)
{
    (void)ctx;
    return fake_wall_us;
}

static void fake_send_cb(void *ctx, nt_buf *line)
{
    fake_conn *fc = ctx;
    const char *d = nt_buf_data(line);
    size_t n = nt_buf_len(line);
    fc->last_buf = line;
    if (n < 2 || d[n - 2] != '\r' || d[n - 1] != '\n' || memchr(d, '\n', n - 1) ||
        memchr(d, '\r', n - 2)) {
        fc->bad_framing = 1;
        return;
    }
    if (fc->nlines == fc->cap) {
        fc->cap = fc->cap ? fc->cap * 2 : 32;
        fc->lines = realloc(fc->lines, fc->cap * sizeof *fc->lines);
    }
    char *copy = malloc(n - 1);
    memcpy(copy, d, n - 2);
    copy[n - 2] = '\0';
    fc->lines[fc->nlines++] = copy;
}

static void fake_close_cb(void *ctx, const char *reason)
{
    fake_conn *fc = ctx;
    fc->closed = 1;
    fc->client = NULL;
    snprintf(fc->close_reason, sizeof fc->close_reason, "%s", reason);
}

static void fake_pause_cb(void *ctx, uint64_t until_ms)
{
    fake_conn *fc = ctx;
    fc->paused_until = until_ms;
    fc->pause_calls++;
}

static const srv_transport fake_transport = {fake_send_cb, fake_close_cb, fake_pause_cb};

void fake_config(srv_config *cfg)
{
    CU_ASSERT_FATAL(srv_config_defaults(cfg) == 0);
    free(cfg->server_name);
    cfg->server_name = malloc(32);
    snprintf(cfg->server_name, 32, "irc.test");
    cfg->flood_penalty_percent = 0; /* most tests send freely */
}

srv_server *fake_server(const srv_config *cfg)
{
    srv_config defaults;
    if (!cfg) {
        fake_config(&defaults);
        cfg = &defaults;
    }
    srv_server *s = srv_server_new(cfg);
    CU_ASSERT_FATAL(s != NULL);
    srv_server_set_clock(s, mono, wall, NULL);
    if (cfg == &defaults)
        srv_config_free(&defaults);
    return s;
}

void fake_server_free(srv_server *s)
{
    srv_server_free(s);
    while (all_conns) {
        fake_conn *fc = all_conns;
        all_conns = fc->next_all;
        fake_clear(fc);
        free(fc->lines);
        free(fc);
    }
}

fake_conn *fake_connect(srv_server *s, const char *host)
{
    fake_conn *fc = calloc(1, sizeof *fc);
    CU_ASSERT_FATAL(fc != NULL);
    fc->server = s;
    fc->next_all = all_conns;
    all_conns = fc;
    fc->client = srv_client_new(s, &fake_transport, fc, host);
    return fc;
}

fake_conn *fake_register(srv_server *s, const char *nick)
{
    fake_conn *fc = fake_connect(s, "127.0.0.1");
    CU_ASSERT_FATAL(fc->client != NULL);
    snprintf(fc->name, sizeof fc->name, "%s", nick);
    fake_send(fc, "NICK %s", nick);
    fake_send(fc, "USER %s 0 * :Real %s", nick, nick);
    CU_ASSERT_FATAL(fake_has_numeric(fc, 1));
    fake_clear(fc);
    return fc;
}

void fake_send_raw(fake_conn *fc, const char *data, size_t len)
{
    if (fc->client)
        srv_client_line(fc->client, data, len);
}

void fake_send(fake_conn *fc, const char *fmt, ...)
{
    char line[16384];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    CU_ASSERT_FATAL(n >= 0 && (size_t)n < sizeof line);
    fake_send_raw(fc, line, (size_t)n);
}

void fake_clear(fake_conn *fc)
{
    for (size_t i = 0; i < fc->nlines; i++)
        free(fc->lines[i]);
    fc->nlines = 0;
}

const char *fake_find(const fake_conn *fc, const char *needle)
{
    for (size_t i = 0; i < fc->nlines; i++) {
        if (strstr(fc->lines[i], needle))
            return fc->lines[i];
    }
    return NULL;
}

long fake_index(const fake_conn *fc, const char *needle)
{
    for (size_t i = 0; i < fc->nlines; i++) {
        if (strstr(fc->lines[i], needle))
            return (long)i;
    }
    return -1;
}

size_t fake_count(const fake_conn *fc, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < fc->nlines; i++)
        n += strstr(fc->lines[i], needle) != NULL;
    return n;
}

int fake_has_numeric(const fake_conn *fc, int num)
{
    char needle[8];
    snprintf(needle, sizeof needle, " %03d ", num);
    for (size_t i = 0; i < fc->nlines; i++) {
        /* ":server NNN ..." : the numeric is the second word. */
        const char *sp = strchr(fc->lines[i], ' ');
        if (fc->lines[i][0] == '@' && sp)
            sp = strchr(sp + 1, ' ');
        if (sp && strncmp(sp, needle, 5) == 0)
            return 1;
    }
    return 0;
}

void fake_dump(const fake_conn *fc)
{
    printf("  --- %zu lines received by %s%s:\n", fc->nlines, fc->name[0] ? fc->name : "client",
           fc->closed ? " (closed)" : "");
    for (size_t i = 0; i < fc->nlines; i++)
        printf("  | %s\n", fc->lines[i]);
}

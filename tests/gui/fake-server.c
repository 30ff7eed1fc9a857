/* SPDX-License-Identifier: MIT */
#include "fake-server.h"

#include <natter/error.h>
#include <stdarg.h>
#include <string.h>

void fake_start(FakeServer *fake)
{
    memset(fake, 0, sizeof *fake);
    nt_addr any;
    nt_addr_loopback(NT_AF_INET, 0, &any);
    g_assert_cmpint(nt_socket_create_server(&any, NT_BACKLOG_DEFAULT, &fake->listener), ==, NT_OK);
    nt_socket_getsockname(fake->listener, &fake->addr);
    nt_socket_settimeout(fake->listener, 0.005);
    fake->in = g_string_new(NULL);
}

void fake_close(FakeServer *fake)
{
    if (fake->conn)
        nt_socket_close(fake->conn);
    fake->conn = NULL;
    g_string_truncate(fake->in, 0);
}

void fake_stop(FakeServer *fake)
{
    fake_close(fake);
    if (fake->listener)
        nt_socket_close(fake->listener);
    fake->listener = NULL;
    g_string_free(fake->in, TRUE);
    fake->in = NULL;
}

void fake_pump(guint ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
    while (g_get_monotonic_time() < end) {
        while (g_main_context_iteration(NULL, FALSE))
            ;
        g_usleep(1000);
    }
}

gboolean fake_pump_until(gboolean (*cond)(gpointer), gpointer data, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        while (g_main_context_iteration(NULL, FALSE))
            ;
        if (cond(data))
            return TRUE;
        if (g_get_monotonic_time() > end)
            return FALSE;
        g_usleep(1000);
    }
}

gboolean fake_accept(FakeServer *fake, guint timeout_ms)
{
    fake_close(fake);
    fake->eof = FALSE;
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (g_get_monotonic_time() < end) {
        while (g_main_context_iteration(NULL, FALSE))
            ;
        if (nt_socket_accept(fake->listener, &fake->conn, NULL) == NT_OK) {
            nt_socket_settimeout(fake->conn, 0.005);
            return TRUE;
        }
    }
    return FALSE;
}

/* Read what is there (waiting at most the socket's 5 ms timeout). */
static void fill(FakeServer *fake)
{
    if (!fake->conn || fake->eof)
        return;
    char buf[4096];
    ptrdiff_t n = nt_socket_recv(fake->conn, buf, sizeof buf, 0);
    if (n > 0)
        g_string_append_len(fake->in, buf, n);
    else if (n == NT_EOF || n == NT_ECONNRESET || n == 0)
        fake->eof = TRUE;
}

static char *take_line(FakeServer *fake)
{
    char *nl = memchr(fake->in->str, '\n', fake->in->len);
    if (!nl)
        return NULL;
    gsize len = (gsize)(nl - fake->in->str);
    char *line = g_strndup(fake->in->str, len > 0 && nl[-1] == '\r' ? len - 1 : len);
    g_string_erase(fake->in, 0, (gssize)len + 1);
    return line;
}

char *fake_expect(FakeServer *fake, const char *prefix, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        char *line;
        while ((line = take_line(fake))) {
            if (g_str_has_prefix(line, prefix))
                return line;
            g_free(line);
        }
        if (fake->eof || g_get_monotonic_time() > end)
            return NULL;
        while (g_main_context_iteration(NULL, FALSE))
            ;
        fill(fake);
    }
}

gboolean fake_wait_eof(FakeServer *fake, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (!fake->eof && g_get_monotonic_time() < end) {
        while (g_main_context_iteration(NULL, FALSE))
            ;
        fill(fake);
        g_string_truncate(fake->in, 0);
    }
    return fake->eof;
}

void fake_send(FakeServer *fake, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *body = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *line = g_strconcat(body, "\r\n", NULL);
    if (fake->conn)
        nt_socket_sendall(fake->conn, line, strlen(line), NULL);
}

gboolean fake_send_bulk(FakeServer *fake, const GString *lines, guint timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    gsize done = 0;
    while (fake->conn && done < lines->len) {
        size_t sent = 0;
        int rc = nt_socket_sendall(fake->conn, lines->str + done, lines->len - done, &sent);
        done += sent;
        if (rc != NT_OK && rc != NT_ETIMEDOUT && rc != NT_EAGAIN)
            return FALSE;
        if (g_get_monotonic_time() > end)
            return FALSE;
        while (g_main_context_iteration(NULL, FALSE))
            ;
    }
    return done == lines->len;
}

void fake_reset(FakeServer *fake)
{
    if (fake->conn)
        nt_socket_set_option(fake->conn, NT_OPT_LINGER, 0);
    fake_close(fake);
}

typedef struct {
    NcClient *client;
    NcClientState state;
} StateWait;

static gboolean state_is(gpointer data)
{
    StateWait *w = data;
    return nc_client_get_state(w->client) == w->state;
}

gboolean fake_wait_state(NcClient *client, NcClientState state, guint timeout_ms)
{
    StateWait w = {client, state};
    return fake_pump_until(state_is, &w, timeout_ms);
}

/* The next line starting with prefix arrived within timeout_ms. */
static gboolean got_line(FakeServer *fake, const char *prefix, guint timeout_ms)
{
    g_autofree char *line = fake_expect(fake, prefix, timeout_ms);
    return line != NULL;
}

gboolean fake_register(FakeServer *fake, NcClient *client, const char *nick, const char *isupport,
                       guint timeout_ms)
{
    nc_client_connect(client);
    if (!fake_accept(fake, timeout_ms) || !got_line(fake, "CAP LS 302", timeout_ms) ||
        !got_line(fake, "USER ", timeout_ms))
        return FALSE;
    fake_send(fake, ":srv CAP * LS :server-time");
    if (!got_line(fake, "CAP REQ", timeout_ms))
        return FALSE;
    fake_send(fake, ":srv CAP * ACK :server-time");
    if (!got_line(fake, "CAP END", timeout_ms))
        return FALSE;
    fake_send(fake, ":srv 001 %s :Welcome", nick);
    fake_send(fake, ":srv 005 %s %s :are supported", nick, isupport);
    return fake_wait_state(client, NC_STATE_CONNECTED, timeout_ms);
}

typedef struct {
    NcClient *client;
    NcBuffer *buffer;
} HistoryWait;

static gboolean history_answered(gpointer data)
{
    HistoryWait *w = data;
    return !nc_client_history_pending(w->client, w->buffer);
}

gboolean fake_wait_history(NcClient *client, NcBuffer *buffer, guint timeout_ms)
{
    HistoryWait w = {client, buffer};
    return fake_pump_until(history_answered, &w, timeout_ms);
}

void fake_client_finish(NcClient *client)
{
    nc_client_disconnect(client, NULL);
    fake_pump(50);
    g_object_unref(client);
}

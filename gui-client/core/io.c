/* SPDX-License-Identifier: MIT */
#include "io.h"

#include <natter/conn.h>
#include <natter/error.h>
#include <natter/loop.h>
#include <natter/thread.h>
#include <natter/tls.h>
#include <string.h>

/* How long a closed connection may take to write what it has queued.  A
 * QUIT is a few bytes: if the socket has not taken them by then the server
 * is not reading, and waiting longer would only hold up quitting (the
 * window waits for the worker in nc_io_free()). */
#define NC_IO_LINGER_MS 2000

typedef struct {
    NcIoEvent event;
    guint generation;
    char *line;
    int reason;
    NcIoTlsInfo *tls;
} Event;

struct _NcIo {
    /* Worker-thread side: touched only on the loop's thread. */
    nt_loop *loop;
    nt_thread *thread;
    nt_conn *conn;
    guint conn_generation;

    /* Shared: the queue of events for the main context. */
    GMutex lock;
    GQueue events;
    GSource *source; /* the dispatching source, ready when events wait */

    /* Main-context side. */
    NcIoCallback callback;
    gpointer user_data;
    guint next_generation;
};

typedef enum { CMD_CONNECT, CMD_SEND, CMD_CLOSE, CMD_STOP } CommandKind;

typedef struct {
    NcIo *io;
    CommandKind kind;
    guint generation;
    char *host;
    guint16 port;
    guint timeout_ms;
    gboolean tls;
    char *server_name;
    char **pins;
    char *cert_file;
    char *key_file;
    char *data;
    gsize len;
    gboolean flush;
} Command;

/* ---- worker thread -------------------------------------------------- */

static void event_free(Event *e)
{
    g_free(e->line);
    g_free(e->tls);
    g_free(e);
}

static void push_event_tls(NcIo *io, NcIoEvent event, guint generation, const char *line, gsize len,
                           int reason, NcIoTlsInfo *tls)
{
    Event *e = g_new0(Event, 1);
    e->event = event;
    e->generation = generation;
    e->line = line ? g_strndup(line, len) : NULL;
    e->reason = reason;
    e->tls = tls;
    g_mutex_lock(&io->lock);
    g_queue_push_tail(&io->events, e);
    /* A ready time of 0 makes the source dispatch on the next iteration
     * of the main context and wakes it (g_source_set_ready_time is
     * thread-safe). */
    if (io->source)
        g_source_set_ready_time(io->source, 0);
    g_mutex_unlock(&io->lock);
}

static void push_event(NcIo *io, NcIoEvent event, guint generation, const char *line, gsize len,
                       int reason)
{
    push_event_tls(io, event, generation, line, len, reason, NULL);
}

/* What the handshake found, or NULL for a plain connection.  Also right
 * after a failed handshake (in on_closed), which is when the fingerprint
 * matters most: the user may choose to trust it. */
static NcIoTlsInfo *tls_info(nt_conn *c)
{
    nt_tls_info info;
    if (nt_conn_tls_info(c, &info) != NT_OK)
        return NULL;
    NcIoTlsInfo *t = g_new0(NcIoTlsInfo, 1);
    t->handshake_done = info.handshake_done != 0;
    t->verify_result = info.verify_result;
    g_strlcpy(t->fingerprint, info.peer_fingerprint, sizeof t->fingerprint);
    g_strlcpy(t->detail, info.verify_detail, sizeof t->detail);
    g_strlcpy(t->protocol, info.protocol, sizeof t->protocol);
    g_strlcpy(t->cipher, info.cipher, sizeof t->cipher);
    return t;
}

static void on_connect(nt_conn *c, void *data)
{
    NcIo *io = data;
    if (c != io->conn)
        return;
    push_event_tls(io, NC_IO_CONNECTED, io->conn_generation, NULL, 0, 0, tls_info(c));
}

static void on_message(nt_conn *c, const char *msg, size_t len, void *data)
{
    NcIo *io = data;
    if (c != io->conn)
        return;
    push_event(io, NC_IO_LINE, io->conn_generation, msg, len, 0);
}

static void on_frame_error(nt_conn *c, size_t len, void *data)
{
    /* An over-long line is dropped; servers may send 8191-byte tag
     * sections, so the limit is generous and the connection lives on. */
}

static void on_closed(nt_conn *c, int reason, void *data)
{
    NcIo *io = data;
    if (c == io->conn) {
        push_event_tls(io, NC_IO_CLOSED, io->conn_generation, NULL, 0, reason, tls_info(c));
        io->conn = NULL;
    }
}

static const nt_conn_callbacks conn_callbacks = {
    .on_connect = on_connect,
    .on_message = on_message,
    .on_frame_error = on_frame_error,
    .on_closed = on_closed,
};

static void command_free(Command *cmd)
{
    g_free(cmd->host);
    g_free(cmd->server_name);
    g_strfreev(cmd->pins);
    g_free(cmd->cert_file);
    g_free(cmd->key_file);
    g_free(cmd->data);
    g_free(cmd);
}

static void drop_current(NcIo *io, gboolean flush)
{
    if (!io->conn)
        return;
    nt_conn *c = io->conn;
    /* Report the close now, under the old generation, and forget the
     * connection; its own on_closed will find it is no longer current. */
    push_event(io, NC_IO_CLOSED, io->conn_generation, NULL, 0, NT_ECLOSED);
    io->conn = NULL;
    if (flush)
        nt_conn_close(c);
    else
        nt_conn_abort(c);
}

/* A client configuration for one connection: the system's trusted
 * certificates and host name checking (libnatter's defaults), plus the
 * pins.  One per connect keeps a changed pin list from needing a reset;
 * connecting is rare enough that the cost does not matter. */
static int make_tls_config(const Command *cmd, nt_tls_config **out)
{
    nt_tls_config *cfg = NULL;
    int rc = nt_tls_config_new(NT_TLS_CLIENT, &cfg);
    for (guint i = 0; rc == NT_OK && cmd->pins && cmd->pins[i]; i++)
        rc = nt_tls_config_pin(cfg, cmd->pins[i]);
    if (rc == NT_OK && cmd->cert_file)
        rc = nt_tls_config_set_certificate(cfg, cmd->cert_file, cmd->key_file);
    if (rc != NT_OK) {
        nt_tls_config_unref(cfg);
        cfg = NULL;
    }
    *out = cfg;
    return rc;
}

static void run_command(void *data)
{
    Command *cmd = data;
    NcIo *io = cmd->io;
    switch (cmd->kind) {
    case CMD_CONNECT: {
        drop_current(io, FALSE);
        nt_conn_options opts;
        nt_conn_options_init(&opts);
        opts.framing = NT_FRAME_LINE;
        opts.max_message = 16384;
        opts.linger_ms = NC_IO_LINGER_MS;
        if (cmd->timeout_ms)
            opts.connect_timeout_ms = cmd->timeout_ms;
        io->conn_generation = cmd->generation;
        nt_tls_config *tls = NULL;
        int rc = cmd->tls ? make_tls_config(cmd, &tls) : NT_OK;
        nt_conn *c = NULL;
        if (rc == NT_OK)
            rc = nt_conn_connect(io->loop, cmd->host, cmd->port, &opts, &conn_callbacks, io, &c);
        /* Right after connect, as tls.h asks: the handshake starts once
         * the TCP connection is up, and on_connect waits for it. */
        if (rc == NT_OK && tls && (rc = nt_conn_start_tls(c, tls, cmd->server_name)) != NT_OK)
            nt_conn_abort(c);     /* its on_closed finds it is not current */
        nt_tls_config_unref(tls); /* the connection holds its own reference */
        if (rc != NT_OK)
            push_event(io, NC_IO_CLOSED, cmd->generation, NULL, 0, rc);
        else
            io->conn = c;
        break;
    }
    case CMD_SEND:
        if (io->conn)
            nt_conn_send(io->conn, cmd->data, cmd->len);
        break;
    case CMD_CLOSE:
        drop_current(io, cmd->flush);
        break;
    case CMD_STOP:
        /* What is still open is closed by worker_main's drain. */
        nt_loop_stop(io->loop);
        break;
    }
    command_free(cmd);
}

static void worker_main(void *arg)
{
    NcIo *io = arg;
    nt_loop_run(io->loop);
    /* Close whatever is left and wait until it is gone: the current
     * connection and any closed just before (a QUIT on its way) write what
     * they have queued, within their linger time; a connect still
     * resolving or racing is cancelled. */
    nt_loop_drain(io->loop);
}

static void post(NcIo *io, Command *cmd)
{
    cmd->io = io;
    if (nt_loop_post(io->loop, run_command, cmd) != NT_OK)
        command_free(cmd);
}

/* ---- main context --------------------------------------------------- */

static void name_open_handle(nt_handle *h, void *data)
{
    g_critical("natter network thread: a %s handle was still open at exit",
               nt_handle_type_name(nt_handle_get_type(h)));
}

/* A source with no fd and no prepare/check: only its ready time, which the
 * worker sets, makes it dispatch. */
static gboolean source_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
    return callback(data);
}

static GSourceFuncs event_source_funcs = {
    .dispatch = source_dispatch,
};

static gboolean dispatch_events(gpointer data)
{
    NcIo *io = data;
    for (int i = 0; i < NC_IO_BATCH; i++) {
        g_mutex_lock(&io->lock);
        Event *e = g_queue_pop_head(&io->events);
        if (!e) {
            g_source_set_ready_time(io->source, -1);
            g_mutex_unlock(&io->lock);
            return G_SOURCE_CONTINUE;
        }
        g_mutex_unlock(&io->lock);
        io->callback(e->event, e->generation, e->line, e->reason, e->tls, io->user_data);
        event_free(e);
    }
    return G_SOURCE_CONTINUE; /* more wait: stay ready, yield to others */
}

NcIo *nc_io_new(GMainContext *context, NcIoCallback callback, gpointer user_data)
{
    NcIo *io = g_new0(NcIo, 1);
    g_mutex_init(&io->lock);
    g_queue_init(&io->events);
    io->callback = callback;
    io->user_data = user_data;
    if (nt_loop_new(&io->loop) != NT_OK) {
        g_mutex_clear(&io->lock);
        g_free(io);
        return NULL;
    }
    io->source = g_source_new(&event_source_funcs, sizeof(GSource));
    g_source_set_callback(io->source, dispatch_events, io, NULL);
    g_source_set_name(io->source, "natter network events");
    g_source_attach(io->source, context ? context : g_main_context_get_thread_default());
    if (nt_thread_start(worker_main, io, &io->thread) != NT_OK) {
        g_source_destroy(io->source);
        g_source_unref(io->source);
        nt_loop_close(io->loop); /* no handle was opened: it cannot be busy */
        g_mutex_clear(&io->lock);
        g_free(io);
        return NULL;
    }
    return io;
}

void nc_io_free(NcIo *io)
{
    if (!io)
        return;
    Command *cmd = g_new0(Command, 1);
    cmd->kind = CMD_STOP;
    post(io, cmd);
    nt_thread_join(io->thread);
    /* The loop is freed here, not by the worker: until now this thread
     * could still post to it. */
    if (nt_loop_close(io->loop) != NT_OK)
        nt_loop_walk(io->loop, name_open_handle, NULL);
    g_mutex_lock(&io->lock);
    g_source_destroy(io->source);
    g_source_unref(io->source);
    io->source = NULL;
    Event *e;
    while ((e = g_queue_pop_head(&io->events)))
        event_free(e);
    g_mutex_unlock(&io->lock);
    g_mutex_clear(&io->lock);
    g_free(io);
}

guint nc_io_connect(NcIo *io, const char *host, guint16 port, guint connect_timeout_ms,
                    const NcIoTlsOptions *tls)
{
    Command *cmd = g_new0(Command, 1);
    cmd->kind = CMD_CONNECT;
    cmd->generation = ++io->next_generation;
    cmd->host = g_strdup(host);
    cmd->port = port;
    cmd->timeout_ms = connect_timeout_ms;
    if (tls) {
        cmd->tls = TRUE;
        cmd->server_name = g_strdup(tls->server_name ? tls->server_name : host);
        cmd->pins = g_strdupv((char **)tls->pins);
        cmd->cert_file = g_strdup(tls->cert_file);
        cmd->key_file = g_strdup(tls->key_file ? tls->key_file : tls->cert_file);
    }
    guint generation = cmd->generation; /* cmd belongs to the worker once posted */
    post(io, cmd);
    return generation;
}

void nc_io_send(NcIo *io, const char *line)
{
    Command *cmd = g_new0(Command, 1);
    cmd->kind = CMD_SEND;
    cmd->data = g_strconcat(line, "\r\n", NULL);
    cmd->len = strlen(cmd->data);
    post(io, cmd);
}

void nc_io_close(NcIo *io, gboolean flush)
{
    Command *cmd = g_new0(Command, 1);
    cmd->kind = CMD_CLOSE;
    cmd->flush = flush;
    post(io, cmd);
}

/* SPDX-License-Identifier: MIT */
/* Fuzz natterd's whole command dispatch with no sockets: the input is a
 * script of lines, each addressed to one of a few fake clients (the first
 * byte picks the client; some values connect, disconnect, or move the
 * clock).  Output is checked for framing: every send is whole CRLF lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <natter/buf.h>

#include "config.h"
#include "natterd-core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLIENTS 4

typedef struct fuzz_conn {
    srv_client *client;
    int open;
} fuzz_conn;

static uint64_t now_ms;

static uint64_t mono(void *ctx)
{
    (void)ctx;
    return now_ms;
}

static int64_t wall(void *ctx)
{
    (void)ctx;
    return (int64_t)now_ms * 1000 + 1700000000000000;
}

static void t_send(void *ctx, nt_buf *line)
{
    (void)ctx;
    size_t len = nt_buf_len(line);
    const char *d = nt_buf_data(line);
    if (len < 2 || d[len - 2] != '\r' || d[len - 1] != '\n')
        abort();
    for (size_t i = 0; i + 2 < len; i++)
        if (d[i] == '\r' || d[i] == '\n' || d[i] == '\0')
            abort(); /* a relayed CR/LF/NUL would forge lines for others */
}

static void t_close(void *ctx, const char *reason)
{
    fuzz_conn *c = ctx;
    (void)reason;
    c->client = NULL;
    c->open = 0;
}

static void t_pause(void *ctx, uint64_t until)
{
    (void)ctx;
    (void)until;
}

static const srv_transport transport = {t_send, t_close, t_pause};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    srv_config cfg;
    if (srv_config_defaults(&cfg) != 0)
        return 0;
    cfg.flood_penalty_percent = 0;
    now_ms = 1000;
    srv_server *s = srv_server_new(&cfg);
    srv_config_free(&cfg);
    if (!s)
        return 0;
    srv_server_set_clock(s, mono, wall, NULL);
    fuzz_conn conns[CLIENTS];
    memset(conns, 0, sizeof conns);

    size_t off = 0;
    while (off < size) {
        uint8_t op = data[off++];
        size_t end = off;
        while (end < size && data[end] != '\n')
            end++;
        fuzz_conn *c = &conns[op % CLIENTS];
        switch (op >> 6) {
        case 0:
        case 1: /* a line for client op % CLIENTS, connecting it first */
            if (!c->open) {
                c->open = 1;
                c->client = srv_client_new(s, &transport, c, "127.0.0.1");
                if (!c->client)
                    c->open = 0;
            }
            if (c->client)
                srv_client_line(c->client, (const char *)data + off, end - off);
            break;
        case 2: /* the connection drops */
            if (c->client)
                srv_client_gone(c->client, NT_ECONNRESET);
            c->client = NULL;
            c->open = 0;
            break;
        default: /* time passes */
            now_ms += (uint64_t)(op & 63) * 5000;
            srv_server_tick(s, now_ms);
            break;
        }
        off = end + 1;
    }
    srv_server_shutdown(s, "fuzz done");
    srv_server_free(s);
    return 0;
}

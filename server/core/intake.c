/* SPDX-License-Identifier: MIT */
#include "intake.h"

#include "client.h"
#include "cluster-core.h"
#include "commands.h"
#include "irc-parse.h"
#include "numerics.h"
#include "send.h"
#include "server.h"

#include <string.h>

/* Penalty for input the core refuses outright (NUL, too long). */
#define BAD_LINE_PENALTY_MS 2000

void srv_client_penalize(srv_client *c, unsigned ms)
{
    const srv_config *cfg = &c->server->cfg;
    if (c->dead || cfg->flood_penalty_percent == 0 || (c->oper && cfg->flood_exempt_opers))
        return;
    uint64_t now = c->server->now_ms;
    if (c->penalty_ms < now)
        c->penalty_ms = now;
    c->penalty_ms += (uint64_t)ms * cfg->flood_penalty_percent / 100;
    uint64_t ahead = c->penalty_ms - now;
    if (cfg->flood_disconnect_ms && ahead > cfg->flood_disconnect_ms) {
        srv_client_quit(c, "Excess Flood", "Excess Flood");
    } else if (ahead > cfg->flood_threshold_ms && !c->transport_gone) {
        c->transport->pause_reading(c->ctx, c->penalty_ms - cfg->flood_threshold_ms);
    }
}

void srv_client_line_too_long(srv_client *c)
{
    if (c->dead)
        return;
    srv_server_enter(c->server);
    srv_numeric(c, ERR_INPUTTOOLONG, ":Input line was too long");
    srv_client_penalize(c, BAD_LINE_PENALTY_MS);
    srv_server_leave(c->server);
}

/* The IRCv3 limits: a client's tag data (client-only tags or not,
 * without the '@' and the space) up to 4094 bytes, of the 8191 a tag
 * section may take; the rest up to line_length - 2 (the CRLF is not
 * here).  The spec wants 417 for too much tag data, not a silent cut. */
static int line_fits(const srv_server *s, const char *line, size_t len)
{
    size_t rest = len;
    if (len && line[0] == '@') {
        const char *sp = memchr(line, ' ', len);
        size_t tags = sp ? (size_t)(sp - line) + 1 : len;
        size_t data = sp ? tags - 2 : tags - 1;
        if (tags > SRV_TAG_SECTION_MAX || data > SRV_MSG_MAX_CLIENT_TAG_BYTES)
            return 0;
        rest = len - tags;
    }
    return rest <= s->cfg.line_length - 2;
}

void srv_client_line(srv_client *c, const char *line, size_t len)
{
    srv_server *s = c->server;
    if (c->dead)
        return;
    srv_server_enter(s);
    srv_client_heard(c);
    if (srv_cluster_hold_line(c, line, len)) {
        /* run when the network answered about its nick */
    } else if (len == 0) {
        /* RFC 1459: empty messages are silently ignored. */
    } else if (memchr(line, '\0', len) || memchr(line, '\r', len) || memchr(line, '\n', len)) {
        /* Rejected rather than cut: a cut line would be a different
         * command than the one sent, and a CR or LF relayed to others
         * would let this client forge lines in their streams. */
        srv_numeric(c, ERR_UNKNOWNERROR, "* :Line contains a NUL, CR or LF byte");
        srv_client_penalize(c, BAD_LINE_PENALTY_MS);
    } else if (len >= s->scratch_size || !line_fits(s, line, len)) {
        srv_numeric(c, ERR_INPUTTOOLONG, ":Input line was too long");
        srv_client_penalize(c, BAD_LINE_PENALTY_MS);
    } else {
        memcpy(s->scratch, line, len);
        s->scratch[len] = '\0';
        srv_msg msg;
        if (srv_msg_parse(s->scratch, &msg) == 0)
            srv_command_dispatch(c, &msg);
    }
    srv_server_leave(s);
}

size_t srv_server_max_line(const srv_server *s)
{
    return SRV_TAG_SECTION_MAX + s->cfg.line_length - 2;
}

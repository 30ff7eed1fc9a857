/* SPDX-License-Identifier: MIT */
#include "client.h"

#include "authlimit.h"

#include "casemap.h"
#include "channel.h"
#include "commands.h"
#include "irc-message.h"
#include "numerics.h"
#include "password.h"
#include "send.h"
#include "server.h"
#include "timefmt.h"
#include "whowas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Penalty for input the core refuses outright (NUL, too long). */
#define BAD_LINE_PENALTY_MS 2000

static void refuse(const srv_transport *t, void *ctx, const char *host, const char *why)
{
    nt_buf *b = nt_buf_printf("ERROR :Closing Link: %s (%s)\r\n", host, why);
    if (b)
        t->send(ctx, b);
    nt_buf_unref(b);
    t->close(ctx, why);
}

static void count_address(srv_server *s, const char *host, int delta)
{
    uintptr_t n = (uintptr_t)srv_strmap_get(s->addresses, host);
    n = delta > 0 ? n + 1 : (n ? n - 1 : 0);
    if (n == 0)
        srv_strmap_remove(s->addresses, host);
    else
        (void)srv_strmap_put(s->addresses, host, (void *)n);
}

srv_client *srv_client_new(srv_server *s, const srv_transport *transport, void *ctx,
                           const char *host)
{
    char safe_host[SRV_HOST_MAX + 1];
    /* The host appears in prefixes: keep it to printable non-space ASCII. */
    size_t n = 0;
    for (const char *p = host ? host : ""; *p && n < SRV_HOST_MAX; p++) {
        unsigned char ch = (unsigned char)*p;
        safe_host[n++] = (ch > 0x20 && ch < 0x7F && ch != '!' && ch != '@') ? (char)ch : '_';
    }
    safe_host[n] = '\0';
    if (n == 0)
        snprintf(safe_host, sizeof safe_host, "unknown");
    srv_server_enter(s);
    srv_client *c = NULL;
    uintptr_t from_here = (uintptr_t)srv_strmap_get(s->addresses, safe_host);
    if (s->nclients >= s->cfg.max_clients) {
        refuse(transport, ctx, safe_host, "Too many clients, try again later");
    } else if (from_here >= s->cfg.max_clients_per_address) {
        refuse(transport, ctx, safe_host, "Too many connections from your address");
    } else if (!(c = calloc(1, sizeof *c))) {
        transport->close(ctx, "out of memory");
    } else {
        c->server = s;
        c->transport = transport;
        c->ctx = ctx;
        snprintf(c->host, sizeof c->host, "%s", safe_host);
        c->connected_ms = c->last_activity_ms = c->last_message_ms = s->now_ms;
        c->signon_s = srv_server_wall_us(s) / 1000000;
        c->prev = s->clients_tail;
        if (s->clients_tail)
            s->clients_tail->next = c;
        else
            s->clients = c;
        s->clients_tail = c;
        s->nclients++;
        count_address(s, c->host, +1);
        srv_server_want_tick(s, s->now_ms + s->cfg.registration_timeout_ms);
    }
    srv_server_leave(s);
    return c;
}

void srv_client_prefix(const srv_client *c, char *dst, size_t size)
{
    snprintf(dst, size, "%s!%s@%s", srv_target_nick(c), c->user[0] ? c->user : "*", c->host);
}

srv_client *srv_client_find(srv_server *s, const char *nick)
{
    return srv_strmap_get(s->nicks, nick);
}

void srv_client_quit(srv_client *c, const char *quit_message, const char *error_text)
{
    if (c->dead)
        return;
    srv_server *s = c->server;
    srv_server_enter(s);
    if (!c->transport_gone)
        srv_sendf(c, "ERROR :Closing Link: %s (%s)", c->host, error_text);
    if (c->registered && c->nchannels) {
        char prefix[SRV_PREFIX_MAX + 1];
        srv_fanout f;
        srv_client_prefix(c, prefix, sizeof prefix);
        if (srv_fanout_init(&f, s, NULL, ":%s QUIT :%s", prefix, quit_message) == 0) {
            srv_fanout_to_peers(&f, c, 0);
            srv_fanout_done(&f);
        }
    }
    while (c->nchannels)
        srv_channel_remove(c->channels[c->nchannels - 1]);
    if (c->registered) {
        srv_whowas_add(s->whowas, c, srv_server_wall_us(s) / 1000000);
        s->nregistered--;
    }
    if (c->oper)
        s->nopers--;
    if (c->invisible)
        s->ninvisible--;
    if (c->nick[0] && srv_strmap_get(s->nicks, c->nick) == c)
        srv_strmap_remove(s->nicks, c->nick);
    count_address(s, c->host, -1);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        s->clients_tail = c->prev;
    s->nclients--;
    c->dead = 1;
    c->next_dead = s->dead;
    s->dead = c;
    if (!c->transport_gone) {
        c->transport_gone = 1;
        c->transport->close(c->ctx, error_text);
    }
    srv_server_leave(s);
}

void srv_client_error(srv_client *c, const char *reason)
{
    srv_server *s = c->server;
    srv_server_enter(s);
    srv_client_quit(c, reason, reason);
    srv_server_leave(s);
}

void srv_client_gone(srv_client *c, int nt_reason)
{
    srv_server *s = c->server;
    srv_server_enter(s);
    c->transport_gone = 1;
    char reason[96];
    snprintf(reason, sizeof reason, "%s",
             nt_reason == NT_EOF ? "Connection closed" : nt_strerror(nt_reason));
    /* Capitalised like the other quit reasons people see. */
    if (reason[0] >= 'a' && reason[0] <= 'z')
        reason[0] = (char)(reason[0] - 'a' + 'A');
    srv_client_quit(c, reason, reason);
    srv_server_leave(s);
}

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

/* The IRCv3 limits: tags section up to 8191 bytes including '@' and its
 * space; the rest up to line_length - 2 (the CRLF is not here). */
static int line_fits(const srv_server *s, const char *line, size_t len)
{
    size_t rest = len;
    if (len && line[0] == '@') {
        const char *sp = memchr(line, ' ', len);
        size_t tags = sp ? (size_t)(sp - line) + 1 : len;
        if (tags > 8191)
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
    c->last_activity_ms = s->now_ms;
    c->ping_sent_ms = 0;
    if (len == 0) {
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

void srv_client_set_nick(srv_client *c, const char *nick)
{
    srv_server *s = c->server;
    if (c->nick[0] && srv_casecmp(c->nick, nick) != 0) {
        if (srv_strmap_put(s->nicks, nick, c) < 0)
            return;
        srv_strmap_remove(s->nicks, c->nick);
    } else if (!c->nick[0]) {
        if (srv_strmap_put(s->nicks, nick, c) < 0)
            return;
    }
    if (c->registered) {
        char prefix[SRV_PREFIX_MAX + 1];
        srv_fanout f;
        srv_client_prefix(c, prefix, sizeof prefix);
        if (srv_fanout_init(&f, s, NULL, ":%s NICK :%s", prefix, nick) == 0) {
            srv_fanout_to_peers(&f, c, 0);
            srv_fanout_send(&f, c);
            srv_fanout_done(&f);
        }
        srv_whowas_add(s->whowas, c, srv_server_wall_us(s) / 1000000);
    }
    snprintf(c->nick, sizeof c->nick, "%s", nick);
}

int srv_client_invited(srv_client *c, const char *channel, int consume)
{
    for (size_t i = 0; i < c->ninvites; i++) {
        if (srv_casecmp(c->invites[i], channel) == 0) {
            if (consume) {
                memmove(c->invites[i], c->invites[i + 1],
                        (c->ninvites - i - 1) * sizeof c->invites[0]);
                c->ninvites--;
            }
            return 1;
        }
    }
    return 0;
}

void srv_client_add_invite(srv_client *c, const char *channel)
{
    if (srv_client_invited(c, channel, 0))
        return;
    if (c->ninvites == SRV_MAX_INVITES) {
        memmove(c->invites[0], c->invites[1], (SRV_MAX_INVITES - 1) * sizeof c->invites[0]);
        c->ninvites--;
    }
    srv_casefold(c->invites[c->ninvites++], channel, sizeof c->invites[0]);
}

void srv_client_send_lusers(srv_client *c)
{
    srv_server *s = c->server;
    size_t visible = s->nregistered - s->ninvisible;
    srv_numeric(c, RPL_LUSERCLIENT, ":There are %zu users and %zu invisible on 1 servers", visible,
                s->ninvisible);
    if (s->nopers)
        srv_numeric(c, RPL_LUSEROP, "%zu :operator(s) online", s->nopers);
    if (s->nclients > s->nregistered)
        srv_numeric(c, RPL_LUSERUNKNOWN, "%zu :unknown connection(s)",
                    s->nclients - s->nregistered);
    srv_numeric(c, RPL_LUSERCHANNELS, "%zu :channels formed", srv_strmap_count(s->channels));
    srv_numeric(c, RPL_LUSERME, ":I have %zu clients and 0 servers", s->nregistered);
    srv_numeric(c, RPL_LOCALUSERS, "%zu %zu :Current local users %zu, max %zu", s->nregistered,
                s->max_seen, s->nregistered, s->max_seen);
    srv_numeric(c, RPL_GLOBALUSERS, "%zu %zu :Current global users %zu, max %zu", s->nregistered,
                s->max_seen, s->nregistered, s->max_seen);
}

void srv_client_send_motd(srv_client *c)
{
    srv_server *s = c->server;
    if (s->nmotd == 0) {
        srv_numeric(c, ERR_NOMOTD, ":MOTD File is missing");
        return;
    }
    srv_numeric(c, RPL_MOTDSTART, ":- %s Message of the day - ", s->cfg.server_name);
    for (size_t i = 0; i < s->nmotd; i++)
        srv_numeric(c, RPL_MOTD, ":- %s", s->motd[i]);
    srv_numeric(c, RPL_ENDOFMOTD, ":End of /MOTD command.");
}

void srv_client_send_isupport(srv_client *c)
{
    const srv_config *cfg = &c->server->cfg;
    char tokens[24][128];
    size_t n = 0;
#define TOKEN(...) snprintf(tokens[n++], sizeof tokens[0], __VA_ARGS__)
    TOKEN("AWAYLEN=%u", cfg->away_length);
    TOKEN("CASEMAPPING=rfc1459");
    TOKEN("CHANLIMIT=#:%u", cfg->max_channels_per_client);
    TOKEN("CHANMODES=b,k,l,imnt");
    TOKEN("CHANNELLEN=%u", cfg->channel_length);
    TOKEN("CHANTYPES=#");
    TOKEN("KEYLEN=%d", SRV_KEYLEN);
    TOKEN("KICKLEN=%u", cfg->kick_length);
    TOKEN("MAXLIST=b:%u", cfg->max_bans_per_channel);
    TOKEN("MAXTARGETS=%u", cfg->max_targets);
    TOKEN("MODES=%d", SRV_MAX_MODE_PARAMS);
    TOKEN("NETWORK=%s", cfg->network);
    TOKEN("NICKLEN=%u", cfg->nick_length);
    TOKEN("PREFIX=(ov)@+");
    TOKEN("TARGMAX=JOIN:,KICK:%u,NAMES:,NOTICE:%u,PART:,PRIVMSG:%u,TAGMSG:%u,WHOIS:%u",
          cfg->max_targets, cfg->max_targets, cfg->max_targets, cfg->max_targets, cfg->max_targets);
    TOKEN("TOPICLEN=%u", cfg->topic_length);
    TOKEN("USERLEN=%d", SRV_USERLEN);
#undef TOKEN
    /* At most 13 tokens a line, as clients expect. */
    for (size_t i = 0; i < n; i += 13) {
        char line[13 * 128 + 1];
        size_t len = 0;
        for (size_t k = i; k < n && k < i + 13; k++) {
            int w = snprintf(line + len, sizeof line - len, "%s%s", len ? " " : "", tokens[k]);
            if (w > 0)
                len += (size_t)w;
        }
        srv_numeric(c, RPL_ISUPPORT, "%s :are supported by this server", line);
    }
}

void srv_client_try_register(srv_client *c)
{
    srv_server *s = c->server;
    const srv_config *cfg = &s->cfg;
    if (c->registered || c->dead || !c->nick[0] || !c->user[0] || c->cap_negotiating)
        return;
    if (cfg->password_hash) {
        if (!srv_authlimit_allowed(s->auth, c->host, s->now_ms)) {
            srv_client_quit(c, "Too many failed password attempts",
                            "Too many failed password attempts, try again later");
            return;
        }
        if (!srv_password_verify(cfg->password_hash, c->pass ? c->pass : "")) {
            srv_authlimit_failed(s->auth, c->host, s->now_ms);
            srv_numeric(c, ERR_PASSWDMISMATCH, ":Password incorrect");
            srv_client_quit(c, "Bad password", "Bad password");
            return;
        }
    }
    if (c->pass)
        memset(c->pass, 0, strlen(c->pass)); /* the plain text goes now */
    free(c->pass);
    c->pass = NULL;
    c->registered = 1;
    s->nregistered++;
    if (s->nregistered > s->max_seen)
        s->max_seen = s->nregistered;
    srv_server_want_tick(s, s->now_ms + cfg->ping_interval_ms);
    char created[80];
    srv_time_human(s->started_s, created, sizeof created);
    srv_numeric(c, RPL_WELCOME, ":Welcome to the %s IRC Network %s!%s@%s", cfg->network, c->nick,
                c->user, c->host);
    srv_numeric(c, RPL_YOURHOST, ":Your host is %s, running version %s", cfg->server_name,
                SRV_VERSION_STRING);
    srv_numeric(c, RPL_CREATED, ":This server was created %s", created);
    srv_numeric(c, RPL_MYINFO, "%s %s io biklmnotv bklov", cfg->server_name, SRV_VERSION_STRING);
    srv_client_send_isupport(c);
    srv_client_send_lusers(c);
    srv_client_send_motd(c);
    srv_server_log(s, SRV_LOG_INFO, "client %s!%s@%s registered", c->nick, c->user, c->host);
}

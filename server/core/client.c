/* SPDX-License-Identifier: MIT */
#include "client.h"
#include "cluster-core.h"
#include "history.h"

#include "account.h"
#include "casemap.h"
#include "channel.h"
#include "chanserv.h"
#include "monitor.h"
#include "numerics.h"
#include "send.h"
#include "server.h"
#include "utf8.h"
#include "sasl.h"
#include "whowas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A new client's fields and its place at the end of the server's list. */
static void link_client(srv_server *s, srv_client *c, const srv_transport *transport, void *ctx,
                        const char *host)
{
    c->server = s;
    c->transport = transport;
    c->ctx = ctx;
    snprintf(c->host, sizeof c->host, "%s", host);
    c->connected_ms = c->last_activity_ms = c->last_message_ms = s->now_ms;
    c->signon_s = srv_server_wall_us(s) / 1000000;
    c->prev = s->clients_tail;
    if (s->clients_tail)
        s->clients_tail->next = c;
    else
        s->clients = c;
    s->clients_tail = c;
    s->nclients++;
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
    if (s->nclients - s->nmirrors >= s->cfg.max_clients) {
        refuse(transport, ctx, safe_host, "Too many clients, try again later");
    } else if (from_here >= s->cfg.max_clients_per_address) {
        refuse(transport, ctx, safe_host, "Too many connections from your address");
    } else if (!(c = calloc(1, sizeof *c))) {
        transport->close(ctx, "out of memory");
    } else {
        link_client(s, c, transport, ctx, safe_host);
        count_address(s, srv_client_address(c), +1);
        srv_server_want_tick(s, s->now_ms + s->cfg.registration_timeout_ms);
    }
    srv_server_leave(s);
    return c;
}

/* A mirror's transport: nothing is ever sent to it here (its own node
 * delivers), and transport_gone keeps the core from calling even this. */
static void mirror_send(void *ctx, nt_buf *line)
{
    (void)ctx, (void)line;
}

static void mirror_close(void *ctx, const char *reason)
{
    (void)ctx, (void)reason;
}

static void mirror_pause(void *ctx, uint64_t until_ms)
{
    (void)ctx, (void)until_ms;
}

static const srv_transport mirror_transport = {mirror_send, mirror_close, mirror_pause};

srv_client *srv_client_new_mirror(srv_server *s, const char *host)
{
    srv_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    link_client(s, c, &mirror_transport, NULL, host);
    c->transport_gone = 1;
    s->nmirrors++;
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
    srv_cluster_quitting(c, quit_message);
    if (c->registered && c->nchannels) {
        char prefix[SRV_PREFIX_MAX + 1];
        srv_fanout f;
        srv_client_prefix(c, prefix, sizeof prefix);
        if (srv_fanout_init(&f, s, NULL, ":%s QUIT :%s", prefix, quit_message) == 0) {
            srv_history_client_channels(c, &f, SRV_HIST_QUIT);
            srv_fanout_to_peers(&f, c, 0);
            srv_fanout_done(&f);
        }
    }
    while (c->nchannels)
        srv_channel_remove(c->channels[c->nchannels - 1]);
    srv_monitor_forget(c);
    if (c->registered) {
        srv_whowas_add(s->whowas, c, srv_server_wall_us(s) / 1000000);
        s->nregistered--;
    }
    if (c->oper)
        s->nopers--;
    if (c->invisible)
        s->ninvisible--;
    if (c->nick[0] && srv_strmap_get(s->nicks, c->nick) == c) {
        srv_strmap_remove(s->nicks, c->nick);
        if (c->registered)
            srv_monitor_signed_off(s, c->nick);
    }
    if (c->home)
        s->nmirrors--;
    else
        count_address(s, srv_client_address(c), -1);
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

void srv_client_drop_transport(srv_client *c)
{
    c->transport_gone = 1;
}

void srv_client_free_dead(srv_server *s)
{
    while (s->dead) {
        srv_client *c = s->dead;
        s->dead = c->next_dead;
        free(c->channels);
        free(c->watching);
        free(c->away);
        free(c->pass);
        free(c->real_address);
        free(c->certfp);
        free(c->invites);
        srv_sasl_free(c);
        srv_account_client_freed(c);
        srv_chanserv_client_freed(c);
        srv_history_forget_client(c);
        srv_cluster_client_freed(c);
        free(c->label);
        nt_buf_unref(c->label_capture);
        free(c);
    }
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

void srv_client_set_nick(srv_client *c, const char *nick)
{
    srv_server *s = c->server;
    int renamed = c->registered && srv_casecmp(c->nick, nick) != 0;
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
            srv_history_client_channels(c, &f, SRV_HIST_NICK);
            srv_fanout_to_peers(&f, c, 0);
            srv_fanout_send(&f, c);
            srv_fanout_done(&f);
        }
        srv_whowas_add(s->whowas, c, srv_server_wall_us(s) / 1000000);
    }
    char old_nick[SRV_NICKLEN_MAX + 1];
    snprintf(old_nick, sizeof old_nick, "%s", c->nick);
    if (renamed)
        srv_monitor_signed_off(s, c->nick);
    snprintf(c->nick, sizeof c->nick, "%s", nick);
    if (renamed)
        srv_monitor_signed_on(c);
    if (c->registered && strcmp(old_nick, c->nick) != 0) /* a change of case too */
        srv_cluster_renamed(c, old_nick);
}

int srv_client_valid_host(const char *host)
{
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789.-:/";
    size_t n = strlen(host);
    /* A leading ':' would end the parameters of every line the host is
     * sent in; a leading '-' reads as an option to some clients. */
    return n > 0 && n <= SRV_HOST_MAX && host[0] != ':' && host[0] != '-' &&
           strspn(host, allowed) == n;
}

int srv_client_valid_user(const char *user)
{
    size_t n = strlen(user);
    if (n == 0 || n > SRV_USERLEN || user[0] == ':')
        return 0;
    for (const char *p = user; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch >= 0x7F || ch == '!' || ch == '@')
            return 0;
    }
    return 1;
}

/* Channel peers without chghost learn of a new user@host the only way
 * they can: c quits (once per peer) and rejoins each shared channel, its
 * status given back by the server. */
static void rejoin_for_peers_without_chghost(srv_client *c, const char *old_prefix)
{
    srv_server *s = c->server;
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_fanout quit;
    if (srv_fanout_init(&quit, s, NULL, ":%s QUIT :Changing host", old_prefix) < 0)
        return;
    uint64_t mark = srv_server_next_mark(s);
    c->mark = mark;
    for (size_t i = 0; i < c->nchannels; i++) {
        const srv_membership *m = c->channels[i];
        srv_channel *ch = m->channel;
        char modes[3] = "";
        char args[2 * (SRV_NICKLEN_MAX + 1) + 1] = "";
        if (m->modes & SRV_MEMBER_OP) {
            strcat(modes, "o");
            strcat(args, " ");
            strcat(args, c->nick);
        }
        if (m->modes & SRV_MEMBER_VOICE) {
            strcat(modes, "v");
            strcat(args, " ");
            strcat(args, c->nick);
        }
        srv_fanout join, mode;
        if (srv_fanout_init(&join, s, NULL, ":%s JOIN %s", prefix, ch->name) < 0)
            continue;
        int with_mode = modes[0] && srv_fanout_init(&mode, s, NULL, ":%s MODE %s +%s%s",
                                                    s->cfg.server_name, ch->name, modes, args) == 0;
        for (size_t j = 0; j < ch->nmembers; j++) {
            srv_client *peer = ch->members[j]->client;
            if (peer == c || (peer->caps & SRV_CAP_CHGHOST))
                continue;
            if (peer->mark != mark) {
                peer->mark = mark;
                srv_fanout_send(&quit, peer);
            }
            srv_fanout_send(&join, peer);
            if (with_mode)
                srv_fanout_send(&mode, peer);
        }
        srv_fanout_done(&join);
        if (with_mode)
            srv_fanout_done(&mode);
    }
    srv_fanout_done(&quit);
}

void srv_client_set_userhost(srv_client *c, const char *user, const char *host)
{
    char old[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, old, sizeof old);
    if (!c->real_address) {
        /* Kept apart only now: most clients never need the copy. */
        size_t n = strlen(c->host) + 1;
        c->real_address = malloc(n);
        if (!c->real_address)
            return; /* out of memory: the host stays as it was */
        memcpy(c->real_address, c->host, n);
    }
    snprintf(c->user, sizeof c->user, "%s", user);
    snprintf(c->host, sizeof c->host, "%s", host);
    if (!c->registered)
        return; /* nobody has seen the old prefix */
    srv_fanout f;
    if (srv_fanout_init(&f, c->server, NULL, ":%s CHGHOST %s %s", old, c->user, c->host) == 0) {
        srv_fanout_to_peers(&f, c, SRV_CAP_CHGHOST);
        if (c->caps & SRV_CAP_CHGHOST)
            srv_fanout_send(&f, c);
        srv_fanout_done(&f);
    }
    rejoin_for_peers_without_chghost(c, old);
    srv_numeric(c, RPL_VISIBLEHOST, "%s :is now your displayed host", c->host);
}

void srv_client_set_secure(srv_client *c, const char *certfp)
{
    c->secure = 1;
    free(c->certfp);
    c->certfp = NULL;
    if (certfp && certfp[0]) {
        size_t n = strlen(certfp) + 1;
        c->certfp = malloc(n);
        if (c->certfp)
            memcpy(c->certfp, certfp, n);
    }
}

void srv_client_set_realname(srv_client *c, const char *realname)
{
    size_t n = srv_utf8_cut(realname, SRV_REALNAME_MAX);
    memcpy(c->realname, realname, n);
    c->realname[n] = '\0';
}

int srv_client_invited(srv_client *c, const char *channel, int consume)
{
    for (size_t i = 0; i < c->ninvites; i++) {
        if (srv_casecmp(c->invites[i], channel) == 0) {
            if (consume) {
                memmove(c->invites[i], c->invites[i + 1],
                        (c->ninvites - i - 1) * sizeof c->invites[0]);
                if (--c->ninvites == 0) {
                    free(c->invites);
                    c->invites = NULL;
                }
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
    if (!c->invites && !(c->invites = calloc(SRV_MAX_INVITES, sizeof c->invites[0])))
        return; /* out of memory: the invitation is not remembered */
    if (c->ninvites == SRV_MAX_INVITES) {
        memmove(c->invites[0], c->invites[1], (SRV_MAX_INVITES - 1) * sizeof c->invites[0]);
        c->ninvites--;
    }
    srv_casefold(c->invites[c->ninvites++], channel, sizeof c->invites[0]);
}

/* A user mode flag and the server-wide count of clients that have it. */
static void set_counted_mode(int *flag, size_t *count, int on)
{
    on = on != 0;
    if (*flag == on)
        return;
    *flag = on;
    if (on)
        (*count)++;
    else
        (*count)--;
}

void srv_client_set_oper(srv_client *c, int on)
{
    int was = c->oper;
    set_counted_mode(&c->oper, &c->server->nopers, on);
    if (was != c->oper)
        srv_cluster_modes_changed(c);
}

void srv_client_set_invisible(srv_client *c, int on)
{
    int was = c->invisible;
    set_counted_mode(&c->invisible, &c->server->ninvisible, on);
    if (was != c->invisible)
        srv_cluster_modes_changed(c);
}

void srv_client_set_wallops(srv_client *c, int on)
{
    int was = c->wallops;
    c->wallops = on != 0;
    if (was != c->wallops)
        srv_cluster_modes_changed(c);
}

void srv_client_set_bot(srv_client *c, int on)
{
    int was = c->bot;
    c->bot = on != 0;
    if (was != c->bot)
        srv_cluster_modes_changed(c);
}

void srv_client_set_pass(srv_client *c, const char *pass)
{
    size_t n = strlen(pass);
    if (n > SRV_PASS_MAX)
        n = SRV_PASS_MAX;
    char *p = malloc(n + 1);
    if (!p)
        return;
    memcpy(p, pass, n);
    p[n] = '\0';
    free(c->pass);
    c->pass = p;
}

void srv_client_set_registered(srv_client *c)
{
    srv_server *s = c->server;
    if (c->pass)
        memset(c->pass, 0, strlen(c->pass)); /* the plain text goes now */
    free(c->pass);
    c->pass = NULL;
    c->registered = 1;
    s->nregistered++;
    if (s->nregistered > s->max_seen)
        s->max_seen = s->nregistered;
    srv_server_want_tick(s, s->now_ms + s->cfg.ping_interval_ms);
}

void srv_client_heard(srv_client *c)
{
    c->last_activity_ms = c->server->now_ms;
    c->ping_sent_ms = 0;
}

void srv_client_send_ping(srv_client *c)
{
    srv_sendf(c, "PING :%s", c->server->cfg.server_name);
    c->ping_sent_ms = c->server->now_ms;
}

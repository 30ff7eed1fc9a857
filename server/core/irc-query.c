/* SPDX-License-Identifier: MIT */
/* Questions about users and the server: WHO (with WHOX) WHOIS WHOWAS ISON USERHOST
 * VERSION TIME ADMIN INFO MOTD LUSERS. */
#include "account.h"
#include "channel.h"
#include "client.h"
#include "commands.h"
#include "mask.h"
#include "numerics.h"
#include "registration.h"
#include "send.h"
#include "server.h"
#include "timefmt.h"
#include "whowas.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_MAX 256
/* A mask WHO walks every client: cap what one query can produce. */
#define WHO_MAX_REPLIES 500

static int shares_channel(const srv_client *a, const srv_client *b)
{
    const srv_client *fewer = a->nchannels <= b->nchannels ? a : b;
    const srv_client *other = fewer == a ? b : a;
    for (size_t i = 0; i < fewer->nchannels; i++) {
        if (srv_channel_member(fewer->channels[i]->channel, other))
            return 1;
    }
    return 0;
}

static int visible_to(const srv_client *who, const srv_client *asker)
{
    return who == asker || !who->invisible || shares_channel(who, asker);
}

/* A WHOX request ("%fields[,token]"); fields NULL for a plain WHO. */
typedef struct whox {
    const char *fields;
    size_t nfields;
    char token[4];
} whox;

/* The second WHO parameter: flags (only 'o' means anything), then
 * optionally '%' and WHOX fields with a token of up to three digits. */
static void parse_who_options(const char *opt, int *opers_only, whox *wx)
{
    const char *pct = strchr(opt, '%');
    size_t flags = pct ? (size_t)(pct - opt) : strlen(opt);
    *opers_only = memchr(opt, 'o', flags) != NULL;
    wx->fields = NULL;
    wx->nfields = 0;
    snprintf(wx->token, sizeof wx->token, "0");
    if (!pct)
        return;
    wx->fields = pct + 1;
    wx->nfields = strcspn(wx->fields, ",");
    const char *tok = wx->fields[wx->nfields] == ',' ? wx->fields + wx->nfields + 1 : NULL;
    size_t tn = tok ? strlen(tok) : 0;
    if (tn >= 1 && tn <= 3 && strspn(tok, "0123456789") == tn)
        memcpy(wx->token, tok, tn + 1);
}

static int whox_has(const whox *wx, char field)
{
    return memchr(wx->fields, field, wx->nfields) != NULL;
}

/* natterd knows peers by address; anything else is not an IP to show. */
static const char *whox_ip(const srv_client *who)
{
    size_t n = strlen(who->host);
    return n && strspn(who->host, "0123456789abcdefABCDEF.:") == n ? who->host : "255.255.255.255";
}

/* Append one space-separated field to line (n bytes used, truncating). */
static void add_field(char *line, size_t size, size_t *n, const char *fmt, ...) SRV_PRINTF(4, 5);
static void add_field(char *line, size_t size, size_t *n, const char *fmt, ...)
{
    if (*n && *n + 1 < size) {
        line[(*n)++] = ' ';
        line[*n] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(line + *n, size - *n, fmt, ap);
    va_end(ap);
    if (w > 0)
        *n = *n + (size_t)w < size ? *n + (size_t)w : size - 1;
}

/* 354: the asked-for fields, always in the order t c u i h s n f d l a o r. */
static void whox_reply(srv_client *c, const whox *wx, const srv_client *who, const char *channel,
                       const char *flags)
{
    char line[400];
    size_t n = 0;
    line[0] = '\0';
    unsigned long long idle = (c->server->now_ms - who->last_message_ms) / 1000;
    if (whox_has(wx, 't'))
        add_field(line, sizeof line, &n, "%s", wx->token);
    if (whox_has(wx, 'c'))
        add_field(line, sizeof line, &n, "%s", channel);
    if (whox_has(wx, 'u'))
        add_field(line, sizeof line, &n, "%s", who->user);
    if (whox_has(wx, 'i'))
        add_field(line, sizeof line, &n, "%s", whox_ip(who));
    if (whox_has(wx, 'h'))
        add_field(line, sizeof line, &n, "%s", who->host);
    if (whox_has(wx, 's'))
        add_field(line, sizeof line, &n, "%s", c->server->cfg.server_name);
    if (whox_has(wx, 'n'))
        add_field(line, sizeof line, &n, "%s", who->nick);
    if (whox_has(wx, 'f'))
        add_field(line, sizeof line, &n, "%s", flags);
    if (whox_has(wx, 'd'))
        add_field(line, sizeof line, &n, "0");
    if (whox_has(wx, 'l'))
        add_field(line, sizeof line, &n, "%llu", idle);
    if (whox_has(wx, 'a'))
        add_field(line, sizeof line, &n, "%s", who->account ? who->account->name : "0");
    if (whox_has(wx, 'o'))
        add_field(line, sizeof line, &n, "n/a");
    if (whox_has(wx, 'r'))
        add_field(line, sizeof line, &n, ":%s", who->realname);
    srv_numeric(c, RPL_WHOSPCRPL, "%s", line);
}

static void who_reply(srv_client *c, const whox *wx, const srv_client *who, const char *channel,
                      const srv_membership *m)
{
    if (wx->fields) {
        char flags[12];
        snprintf(flags, sizeof flags, "%c%s%s%s", who->away ? 'G' : 'H', who->oper ? "*" : "",
                 m ? srv_member_prefix(m, (c->caps & SRV_CAP_MULTI_PREFIX) != 0) : "",
                 who->bot ? "B" : "");
        whox_reply(c, wx, who, channel, flags);
        return;
    }
    /* Flags: H or G, * for an operator, the member prefix, B for a bot. */
    srv_numeric(c, RPL_WHOREPLY, "%s %s %s %s %s %c%s%s%s :0 %s", channel, who->user, who->host,
                c->server->cfg.server_name, who->nick, who->away ? 'G' : 'H', who->oper ? "*" : "",
                m ? srv_member_prefix(m, (c->caps & SRV_CAP_MULTI_PREFIX) != 0) : "",
                who->bot ? "B" : "", who->realname);
}

void srv_cmd_who(srv_client *c, const srv_msg *msg)
{
    srv_server *s = c->server;
    const char *mask = msg->nparams > 0 && msg->params[0][0] ? msg->params[0] : "*";
    int opers_only;
    whox wx;
    parse_who_options(msg->nparams > 1 ? msg->params[1] : "", &opers_only, &wx);
    if (strcmp(mask, "0") == 0)
        mask = "*";
    if (mask[0] == '#') {
        srv_channel *ch = srv_channel_find(s, mask);
        if (ch && srv_channel_visible(ch, c)) {
            int member = srv_channel_member(ch, c) != NULL;
            for (size_t i = 0; i < ch->nmembers; i++) {
                const srv_membership *m = ch->members[i];
                if ((!member && m->client->invisible) || (opers_only && !m->client->oper))
                    continue;
                who_reply(c, &wx, m->client, ch->name, m);
            }
        }
    } else if (!strpbrk(mask, "*?")) {
        srv_client *who = srv_client_find(s, mask);
        if (who && who->registered && (!opers_only || who->oper))
            who_reply(c, &wx, who, "*", NULL);
    } else {
        size_t sent = 0;
        for (srv_client *who = s->clients; who && sent < WHO_MAX_REPLIES; who = who->next) {
            if (!who->registered || (opers_only && !who->oper) || !visible_to(who, c))
                continue;
            if (srv_mask_match(mask, who->nick) || srv_mask_match(mask, who->host) ||
                srv_mask_match(mask, who->realname)) {
                who_reply(c, &wx, who, "*", NULL);
                sent++;
            }
        }
    }
    srv_numeric(c, RPL_ENDOFWHO, "%.64s :End of /WHO list.", mask);
}

static void whois_one(srv_client *c, srv_client *who)
{
    srv_server *s = c->server;
    srv_numeric(c, RPL_WHOISUSER, "%s %s %s * :%s", who->nick, who->user, who->host, who->realname);
    /* Channels, split so each line stays well under 512 bytes. */
    int multi = (c->caps & SRV_CAP_MULTI_PREFIX) != 0;
    srv_words words;
    srv_words_init(&words, c, RPL_WHOISCHANNELS, who->nick);
    for (size_t i = 0; i < who->nchannels; i++) {
        const srv_membership *m = who->channels[i];
        if (who != c && !srv_channel_visible(m->channel, c))
            continue;
        char entry[SRV_CHANNELLEN_MAX + 4];
        int len =
            snprintf(entry, sizeof entry, "%s%s", srv_member_prefix(m, multi), m->channel->name);
        if (len > 0)
            srv_words_add(&words, entry, strlen(entry));
    }
    srv_words_flush(&words);
    srv_numeric(c, RPL_WHOISSERVER, "%s %s :%s", who->nick, s->cfg.server_name, s->cfg.description);
    if (who->away)
        srv_numeric(c, RPL_AWAY, "%s :%s", who->nick, who->away);
    if (who->oper)
        srv_numeric(c, RPL_WHOISOPERATOR, "%s :is an IRC operator", who->nick);
    if (who->bot)
        srv_numeric(c, RPL_WHOISBOT, "%s :is a bot on %s", who->nick, s->cfg.network);
    if (who->account)
        srv_numeric(c, RPL_WHOISACCOUNT, "%s %s :is logged in as", who->nick, who->account->name);
    if (who->secure)
        srv_numeric(c, RPL_WHOISSECURE, "%s :is using a secure connection", who->nick);
    /* A certificate fingerprint identifies a person across nicks: only
     * they and the operators see it. */
    if (who->certfp && (c == who || c->oper))
        srv_numeric(c, RPL_WHOISCERTFP, "%s :has client certificate fingerprint %s", who->nick,
                    who->certfp);
    srv_numeric(c, RPL_WHOISIDLE, "%s %llu %lld :seconds idle, signon time", who->nick,
                (unsigned long long)((s->now_ms - who->last_message_ms) / 1000),
                (long long)who->signon_s);
}

void srv_cmd_whois(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams < 1 || !msg->params[0][0]) {
        srv_numeric(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
        return;
    }
    /* "WHOIS server nick" and "WHOIS nick nick" (ask the nick's server)
     * both name the nick last; there is only one server. */
    const char *list = msg->params[msg->nparams - 1];
    if (msg->nparams > 1 && !srv_client_find(c->server, msg->params[0]) &&
        srv_check_server_param(c, msg->params[0]))
        return;
    const char *cursor = list;
    char nick[ITEM_MAX];
    unsigned count = 0;
    while (srv_next_item(&cursor, nick, sizeof nick) && count < c->server->cfg.max_targets) {
        if (!nick[0])
            continue;
        count++;
        srv_client *who = srv_client_find(c->server, nick);
        if (who && who->registered)
            whois_one(c, who);
        else
            srv_numeric(c, ERR_NOSUCHNICK, "%.64s :No such nick/channel", nick);
    }
    srv_numeric(c, RPL_ENDOFWHOIS, "%.64s :End of /WHOIS list.", list);
}

void srv_cmd_whowas(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams < 1 || !msg->params[0][0]) {
        srv_numeric(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
        return;
    }
    long count = msg->nparams > 1 ? strtol(msg->params[1], NULL, 10) : 0;
    if (count <= 0 || count > 20)
        count = 20;
    const char *cursor = msg->params[0];
    char nick[ITEM_MAX];
    unsigned targets = 0;
    while (srv_next_item(&cursor, nick, sizeof nick) && targets < c->server->cfg.max_targets) {
        if (!nick[0])
            continue;
        targets++;
        const srv_whowas_entry *e = NULL;
        long found = 0;
        for (; found < count && (e = srv_whowas_find(c->server->whowas, nick, (size_t)found));
             found++) {
            char when[80];
            srv_time_human(e->when_s, when, sizeof when);
            srv_numeric(c, RPL_WHOWASUSER, "%s %s %s * :%s", e->nick, e->user, e->host,
                        e->realname);
            srv_numeric(c, RPL_WHOISSERVER, "%s %s :%s", e->nick, c->server->cfg.server_name, when);
        }
        if (found == 0)
            srv_numeric(c, ERR_WASNOSUCHNICK, "%.64s :There was no such nickname", nick);
        srv_numeric(c, RPL_ENDOFWHOWAS, "%.64s :End of WHOWAS", nick);
    }
}

void srv_cmd_ison(srv_client *c, const srv_msg *msg)
{
    char line[400];
    size_t n = 0;
    line[0] = '\0';
    for (size_t i = 0; i < msg->nparams; i++) {
        const char *p = msg->params[i];
        while (*p) {
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, " ");
            if (len && len < ITEM_MAX) {
                char nick[ITEM_MAX];
                memcpy(nick, p, len);
                nick[len] = '\0';
                srv_client *who = srv_client_find(c->server, nick);
                if (who && who->registered && n + strlen(who->nick) + 2 < sizeof line)
                    n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", n ? " " : "",
                                          who->nick);
            }
            p += len;
        }
    }
    srv_numeric(c, RPL_ISON, ":%s", line);
}

void srv_cmd_userhost(srv_client *c, const srv_msg *msg)
{
    char line[400];
    size_t n = 0;
    line[0] = '\0';
    for (size_t i = 0; i < msg->nparams; i++) {
        srv_client *who = srv_client_find(c->server, msg->params[i]);
        if (!who || !who->registered)
            continue;
        int w = snprintf(line + n, sizeof line - n, "%s%s%s=%c%s@%s", n ? " " : "", who->nick,
                         who->oper ? "*" : "", who->away ? '-' : '+', who->user, who->host);
        if (w > 0 && (size_t)w < sizeof line - n)
            n += (size_t)w;
    }
    srv_numeric(c, RPL_USERHOST, ":%s", line);
}

void srv_cmd_version(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams > 0 && srv_check_server_param(c, msg->params[0]))
        return;
    srv_numeric(c, RPL_VERSION, "%s. %s :natterd, the Natter chat daemon", SRV_VERSION_STRING,
                c->server->cfg.server_name);
    srv_client_send_isupport(c);
}

void srv_cmd_time(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams > 0 && srv_check_server_param(c, msg->params[0]))
        return;
    char when[80];
    srv_time_human(srv_server_wall_us(c->server) / 1000000, when, sizeof when);
    srv_numeric(c, RPL_TIME, "%s :%s", c->server->cfg.server_name, when);
}

void srv_cmd_admin(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams > 0 && srv_check_server_param(c, msg->params[0]))
        return;
    const srv_config *cfg = &c->server->cfg;
    srv_numeric(c, RPL_ADMINME, "%s :Administrative info", cfg->server_name);
    srv_numeric(c, RPL_ADMINLOC1, ":%s", cfg->admin_location);
    srv_numeric(c, RPL_ADMINLOC2, ":%s", cfg->description);
    srv_numeric(c, RPL_ADMINEMAIL, ":%s", cfg->admin_email);
}

void srv_cmd_info(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams > 0 && srv_check_server_param(c, msg->params[0]))
        return;
    static const char *const lines[] = {
        SRV_VERSION_STRING,
        "natterd is the chat daemon of Natter, a portable networking package.",
        "It speaks the IRC client protocol (RFC 1459/2812) with IRCv3 capabilities,",
        "and runs on Linux and Windows from the same source, on libnatter.",
        "Released under the MIT license.",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        srv_numeric(c, RPL_INFO, ":%s", lines[i]);
    char started[80];
    srv_time_human(c->server->started_s, started, sizeof started);
    srv_numeric(c, RPL_INFO, ":Started %s", started);
    srv_numeric(c, RPL_ENDOFINFO, ":End of /INFO list.");
}

void srv_cmd_motd(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams > 0 && srv_check_server_param(c, msg->params[0]))
        return;
    srv_client_send_motd(c);
}

void srv_cmd_lusers(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams > 1 && srv_check_server_param(c, msg->params[1]))
        return;
    srv_client_send_lusers(c);
}

/* One server, no links: LINKS [[remote] mask] lists only this one. */
void srv_cmd_links(srv_client *c, const srv_msg *msg)
{
    const srv_config *cfg = &c->server->cfg;
    const char *mask = msg->nparams > 0 ? msg->params[msg->nparams - 1] : "*";
    if (msg->nparams > 1 && srv_check_server_param(c, msg->params[0]))
        return;
    if (srv_mask_match(mask, cfg->server_name))
        srv_numeric(c, RPL_LINKS, "%s %s :0 %s", cfg->server_name, cfg->server_name,
                    cfg->description);
    srv_numeric(c, RPL_ENDOFLINKS, "%s :End of /LINKS list", mask);
}

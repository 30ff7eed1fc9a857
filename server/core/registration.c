/* SPDX-License-Identifier: MIT */
#include "registration.h"

#include "sasl.h"

#include "authlimit.h"
#include "client.h"
#include "cluster-core.h"
#include "history.h"
#include "monitor.h"
#include "nickguard.h"
#include "numerics.h"
#include "password.h"
#include "send.h"
#include "server.h"
#include "timefmt.h"

#include <stdio.h>
#include <string.h>

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
    char tokens[32][128];
    size_t n = 0;
#define TOKEN(...) snprintf(tokens[n++], sizeof tokens[0], __VA_ARGS__)
    TOKEN("AWAYLEN=%u", cfg->away_length);
    TOKEN("BOT=B");
    TOKEN("CASEMAPPING=rfc1459");
    TOKEN("CHANLIMIT=#:%u", cfg->max_channels_per_client);
    TOKEN("CHANMODES=beI,k,l,CRTimnst");
    TOKEN("CHANNELLEN=%u", cfg->channel_length);
    TOKEN("CHANTYPES=#");
    if (srv_history_enabled(c->server))
        TOKEN("CHATHISTORY=%u", cfg->history_query_limit);
    TOKEN("ELIST=CMNTU");
    TOKEN("EXCEPTS=e");
    TOKEN("EXTBAN=,m");
    TOKEN("INVEX=I");
    TOKEN("KEYLEN=%d", SRV_KEYLEN);
    TOKEN("KICKLEN=%u", cfg->kick_length);
    /* Each list has its own limit. */
    TOKEN("MAXLIST=b:%u,e:%u,I:%u", cfg->max_bans_per_channel, cfg->max_bans_per_channel,
          cfg->max_bans_per_channel);
    TOKEN("MAXTARGETS=%u", cfg->max_targets);
    TOKEN("MODES=%d", SRV_MAX_MODE_PARAMS);
    TOKEN("MONITOR=%d", SRV_MONITOR_LIMIT);
    if (srv_history_enabled(c->server))
        TOKEN("MSGREFTYPES=timestamp,msgid");
    TOKEN("NAMELEN=%d", SRV_REALNAME_MAX);
    TOKEN("NETWORK=%s", cfg->network);
    TOKEN("NICKLEN=%u", cfg->nick_length);
    TOKEN("PREFIX=(ov)@+");
    TOKEN("STATUSMSG=@+");
    TOKEN("TARGMAX=JOIN:,KICK:%u,NAMES:%u,NOTICE:%u,PART:,PRIVMSG:%u,TAGMSG:%u,WHOIS:%u",
          cfg->max_targets, cfg->max_targets, cfg->max_targets, cfg->max_targets, cfg->max_targets,
          cfg->max_targets);
    TOKEN("TOPICLEN=%u", cfg->topic_length);
    TOKEN("USERLEN=%d", SRV_USERLEN);
    if (cfg->utf8_only)
        TOKEN("UTF8ONLY");
    TOKEN("WHOX");
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
    if (c->registered || c->dead || !c->nick[0] || !c->user[0] || c->cap_negotiating ||
        srv_sasl_busy(c))
        return;
    if (cfg->password_hash) {
        if (!srv_authlimit_allowed(s->auth, srv_client_address(c), s->now_ms,
                               s->cfg.login_failures_per_address)) {
            srv_client_quit(c, "Too many failed password attempts",
                            "Too many failed password attempts, try again later");
            return;
        }
        if (!srv_password_verify(cfg->password_hash, c->pass ? c->pass : "")) {
            srv_authlimit_failed(s->auth, srv_client_address(c), s->now_ms);
            srv_numeric(c, ERR_PASSWDMISMATCH, ":Password incorrect");
            srv_client_quit(c, "Bad password", "Bad password");
            return;
        }
    }
    /* In a cluster the whole network must agree on the nick first. */
    if (srv_cluster_claim(c, c->nick))
        return;
    if (srv_nickguard_at_registration(c))
        return;
    srv_client_set_registered(c);
    char created[80];
    srv_time_human(s->started_s, created, sizeof created);
    srv_numeric(c, RPL_WELCOME, ":Welcome to the %s IRC Network %s!%s@%s", cfg->network, c->nick,
                c->user, c->host);
    srv_numeric(c, RPL_YOURHOST, ":Your host is %s, running version %s", cfg->server_name,
                SRV_VERSION_STRING);
    srv_numeric(c, RPL_CREATED, ":This server was created %s", created);
    srv_numeric(c, RPL_MYINFO, "%s %s Biorw CRTIbeiklmnostv Ibeklov", cfg->server_name,
                SRV_VERSION_STRING);
    srv_client_send_isupport(c);
    srv_client_send_lusers(c);
    srv_client_send_motd(c);
    srv_monitor_signed_on(c);
    srv_cluster_registered(c);
    if (c->account)
        srv_sendf(c, ":%s MODE %s :+r", c->nick, c->nick);
    srv_nickguard_check(c);
    srv_server_log(s, SRV_LOG_INFO, "client %s!%s@%s registered", c->nick, c->user, c->host);
}

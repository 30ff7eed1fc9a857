/* SPDX-License-Identifier: MIT */
/* Talking: PRIVMSG NOTICE TAGMSG (to nicks, channels and, STATUSMSG,
 * "@#chan" / "+#chan") AWAY.  A channel message is formatted
 * once and the same buffer is queued on every member (send.h). */
#include "account.h"
#include "casemap.h"
#include "channel.h"
#include "chanserv.h"
#include "client.h"
#include "cluster-core.h"
#include "history.h"
#include "commands.h"
#include "nickserv.h"
#include "numerics.h"
#include "send.h"
#include "server.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_MAX 256

typedef enum { KIND_PRIVMSG, KIND_NOTICE, KIND_TAGMSG } message_kind;

static const char *kind_name(message_kind kind)
{
    return kind == KIND_PRIVMSG ? "PRIVMSG" : kind == KIND_NOTICE ? "NOTICE" : "TAGMSG";
}

static int init_line(srv_fanout *f, srv_client *c, const char *tags, message_kind kind,
                     const char *prefix, const char *target, const char *text)
{
    int rc;
    if (kind == KIND_TAGMSG)
        rc = srv_fanout_init(f, c->server, tags, ":%s TAGMSG %s", prefix, target);
    else
        rc = srv_fanout_init(f, c->server, tags, ":%s %s %s :%s", prefix, kind_name(kind), target,
                             text);
    if (rc == 0 && c->account)
        srv_fanout_set_account(f, c->account->name);
    return rc;
}

/* What history keeps of a message: everything but typing notifications,
 * which mean nothing a moment later. */
static srv_history_kind history_kind(message_kind kind, const char *tags)
{
    if (kind == KIND_TAGMSG) {
        if (tags && (strstr(tags, "+typing") || strstr(tags, "+draft/typing")))
            return 0;
        return SRV_HIST_TAGMSG;
    }
    return kind == KIND_PRIVMSG ? SRV_HIST_PRIVMSG : SRV_HIST_NOTICE;
}

/* RFC 2812 3.3.2: a NOTICE never triggers an automatic reply, errors
 * included, so two clients (or bots) can never answer each other in a loop. */
static int quiet(message_kind kind)
{
    return kind == KIND_NOTICE;
}

/* TAGMSG only reaches clients that understand tags. */
static int wants(const srv_client *peer, message_kind kind)
{
    return kind != KIND_TAGMSG || (peer->caps & SRV_CAP_MESSAGE_TAGS);
}

/* +C lets no CTCP through but ACTION (/me); +T no NOTICE at all. */
static int refused_by_mode(const srv_channel *ch, message_kind kind, const char *text)
{
    if (kind == KIND_NOTICE && (ch->modes & SRV_CHMODE_NONOTICE))
        return 1;
    if (kind != KIND_TAGMSG && (ch->modes & SRV_CHMODE_NOCTCP) && text[0] == '\x01')
        return strncmp(text + 1, "ACTION", 6) != 0 ||
               (text[7] != ' ' && text[7] != '\x01' && text[7] != '\0');
    return 0;
}

/* Does a member's status reach a STATUSMSG's ("@" ops, "+" voice or
 * higher; 0 everyone)? */
static int has_status(const srv_membership *m, char status)
{
    if (status == '@')
        return (m->modes & SRV_MEMBER_OP) != 0;
    if (status == '+')
        return (m->modes & (SRV_MEMBER_OP | SRV_MEMBER_VOICE)) != 0;
    return 1;
}

/* Other nodes deliver c's message to their clients (cluster mode). */
static void note_message(srv_client *c, const srv_fanout *f, message_kind kind, const char *target,
                         const char *text)
{
    const char *tags = f->client_tags && f->client_tags[0] ? f->client_tags : NULL;
    if (kind == KIND_TAGMSG)
        srv_cluster_note(c, f->msgid, 0, "%s%s%sTAGMSG %s", tags ? "@" : "", tags ? tags : "",
                         tags ? " " : "", target);
    else
        srv_cluster_note(c, f->msgid, 0, "%s%s%s%s %s :%s", tags ? "@" : "", tags ? tags : "",
                         tags ? " " : "", kind_name(kind), target, text);
}

static void to_channel(srv_client *c, const char *name, const char *tags, message_kind kind,
                       const char *prefix, const char *text)
{
    /* STATUSMSG=@+: "@#chan" reaches only ops, "+#chan" voice and ops. */
    char status = 0;
    if (name[0] == '@' || name[0] == '+')
        status = *name++;
    srv_channel *ch = srv_channel_find(c->server, name);
    if (!ch) {
        if (!quiet(kind))
            srv_numeric(c, ERR_NOSUCHCHANNEL, "%.64s :No such channel", name);
        return;
    }
    if (srv_cluster_trusted(c)) {
        /* Its node checked it may speak here. */
    } else if (srv_channel_can_send(ch, c) || (status && !srv_channel_member(ch, c))) {
        if (!quiet(kind))
            srv_numeric(c, ERR_CANNOTSENDTOCHAN, "%s :Cannot send to channel", ch->name);
        return;
    }
    if (refused_by_mode(ch, kind, text) && !srv_cluster_trusted(c)) {
        if (!quiet(kind))
            srv_numeric(c, ERR_CANNOTSENDTOCHAN, "%s :Cannot send CTCP to channel (+C)", ch->name);
        return;
    }
    char target[SRV_CHANNELLEN_MAX + 2];
    snprintf(target, sizeof target, "%s%s", status ? (status == '@' ? "@" : "+") : "", ch->name);
    srv_fanout f;
    if (init_line(&f, c, tags, kind, prefix, target, text) < 0)
        return;
    srv_history_kind hk = history_kind(kind, tags);
    if (hk && !status) /* a STATUSMSG is not the channel's to replay */
        srv_history_channel(ch, &f, hk);
    else
        srv_fanout_set_msgid(&f, srv_msgid_next(c->server));
    if (ch->nmirrors) /* no other node has a member: nothing crosses */
        note_message(c, &f, kind, target, text);
    for (size_t i = 0; i < ch->nmembers; i++) {
        srv_client *peer = ch->members[i]->client;
        if (peer != c && wants(peer, kind) && has_status(ch->members[i], status))
            srv_fanout_send(&f, peer);
    }
    if ((c->caps & SRV_CAP_ECHO_MESSAGE) && wants(c, kind))
        srv_fanout_send(&f, c);
    srv_fanout_done(&f);
}

static void to_nick(srv_client *c, const char *nick, const char *tags, message_kind kind,
                    const char *prefix, const char *text)
{
    /* The services answer PRIVMSG only: a NOTICE never gets a reply. */
    if (srv_casecmp(nick, "NickServ") == 0) {
        if (kind == KIND_PRIVMSG)
            srv_nickserv(c, text);
        return;
    }
    if (srv_casecmp(nick, "ChanServ") == 0) {
        if (kind == KIND_PRIVMSG)
            srv_chanserv(c, text);
        return;
    }
    srv_client *target = srv_client_find(c->server, nick);
    if (!target || !target->registered) {
        if (!quiet(kind))
            srv_numeric(c, ERR_NOSUCHNICK, "%.64s :No such nick/channel", nick);
        return;
    }
    srv_fanout f;
    if (init_line(&f, c, tags, kind, prefix, target->nick, text) < 0)
        return;
    srv_history_kind hk = history_kind(kind, tags);
    if (hk)
        srv_history_private(c, target, &f, hk);
    else
        srv_fanout_set_msgid(&f, srv_msgid_next(c->server));
    if (srv_client_is_mirror(target))
        note_message(c, &f, kind, target->nick, text);
    else if (wants(target, kind))
        srv_fanout_send(&f, target);
    if ((c->caps & SRV_CAP_ECHO_MESSAGE) && target != c && wants(c, kind))
        srv_fanout_send(&f, c);
    srv_fanout_done(&f);
    /* RFC 2812: no automatic reply to a NOTICE, so no 301 for one. */
    if (kind == KIND_PRIVMSG && target->away)
        srv_numeric(c, RPL_AWAY, "%s :%s", target->nick, target->away);
}

static void deliver(srv_client *c, const srv_msg *msg, message_kind kind)
{
    if (msg->nparams < 1 || !msg->params[0][0]) {
        if (!quiet(kind))
            srv_numeric(c, ERR_NORECIPIENT, ":No recipient given (%s)", kind_name(kind));
        return;
    }
    const char *text = NULL;
    if (kind != KIND_TAGMSG) {
        if (msg->nparams < 2 || !msg->params[1][0]) {
            if (!quiet(kind))
                srv_numeric(c, ERR_NOTEXTTOSEND, ":No text to send");
            return;
        }
        text = msg->params[1];
    }
    char tags[SRV_MSG_MAX_CLIENT_TAG_BYTES + 1];
    srv_msg_client_tags(msg, tags, sizeof tags);
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    const char *targets = msg->params[0];
    char target[ITEM_MAX];
    unsigned count = 0;
    while (srv_next_item(&targets, target, sizeof target)) {
        if (!target[0])
            continue;
        if (++count > c->server->cfg.max_targets) {
            if (!quiet(kind))
                srv_numeric(c, ERR_TOOMANYTARGETS, "%.64s :Too many recipients", target);
            break;
        }
        if (target[0] == '#' || ((target[0] == '@' || target[0] == '+') && target[1] == '#'))
            to_channel(c, target, tags, kind, prefix, text);
        else
            to_nick(c, target, tags, kind, prefix, text);
        if (c->dead)
            return;
    }
    if (kind == KIND_PRIVMSG)
        c->last_message_ms = srv_server_now_ms(c->server);
}

void srv_cmd_privmsg(srv_client *c, const srv_msg *msg)
{
    deliver(c, msg, KIND_PRIVMSG);
}

void srv_cmd_notice(srv_client *c, const srv_msg *msg)
{
    deliver(c, msg, KIND_NOTICE);
}

void srv_cmd_tagmsg(srv_client *c, const srv_msg *msg)
{
    deliver(c, msg, KIND_TAGMSG);
}

void srv_cmd_away(srv_client *c, const srv_msg *msg)
{
    const char *text = msg->nparams > 0 ? msg->params[0] : "";
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_fanout f;
    int ok;
    if (!text[0]) {
        free(c->away);
        c->away = NULL;
        srv_numeric(c, RPL_UNAWAY, ":You are no longer marked as being away");
        ok = srv_fanout_init(&f, c->server, NULL, ":%s AWAY", prefix);
    } else {
        size_t n = srv_utf8_cut(text, c->server->cfg.away_length);
        char *away = malloc(n + 1);
        if (!away)
            return;
        memcpy(away, text, n);
        away[n] = '\0';
        free(c->away);
        c->away = away;
        srv_numeric(c, RPL_NOWAWAY, ":You have been marked as being away");
        ok = srv_fanout_init(&f, c->server, NULL, ":%s AWAY :%s", prefix, away);
    }
    if (c->away)
        srv_cluster_note(c, 0, 0, "AWAY :%s", c->away);
    else
        srv_cluster_note(c, 0, 0, "AWAY");
    if (ok == 0) {
        srv_fanout_to_peers(&f, c, SRV_CAP_AWAY_NOTIFY);
        srv_fanout_done(&f);
    }
}

/* SPDX-License-Identifier: MIT */
/* Channel membership and state: JOIN PART TOPIC NAMES LIST KICK INVITE. */
#include "account.h"
#include "casemap.h"
#include "channel.h"
#include "chanserv.h"
#include "client.h"
#include "cluster-core.h"
#include "history.h"
#include "commands.h"
#include "mask.h"
#include "numerics.h"
#include "send.h"
#include "server.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Big enough that a truncated item is longer than any valid name, so
 * truncation can never turn an invalid name into a valid one. */
#define ITEM_MAX 256

/* Append src at dst[len], keeping the result NUL-terminated within size. */
static size_t append_str(char *dst, size_t len, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n > size - 1 - len)
        n = size - 1 - len;
    memcpy(dst + len, src, n);
    dst[len + n] = '\0';
    return len + n;
}

static void send_names(srv_client *c, srv_channel *ch)
{
    int multi = (c->caps & SRV_CAP_MULTI_PREFIX) != 0;
    int uhnames = (c->caps & SRV_CAP_USERHOST_IN_NAMES) != 0;
    int member = srv_channel_member(ch, c) != NULL;
    char head[SRV_CHANNELLEN_MAX + 3];
    snprintf(head, sizeof head, "%c %s", (ch->modes & SRV_CHMODE_SECRET) ? '@' : '=', ch->name);
    srv_words words;
    srv_words_init(&words, c, RPL_NAMREPLY, head);
    for (size_t i = 0; i < ch->nmembers; i++) {
        srv_membership *m = ch->members[i];
        /* RFC 2812: +i users are hidden from those outside the channel. */
        if (!member && m->client->invisible)
            continue;
        /* Built by hand: a join to a big channel formats one entry per
         * member, and snprintf() was most of a connection storm's time. */
        char entry[SRV_PREFIX_MAX + 4];
        size_t len = append_str(entry, 0, sizeof entry, srv_member_prefix(m, multi));
        len = append_str(entry, len, sizeof entry, m->client->nick);
        if (uhnames) {
            len = append_str(entry, len, sizeof entry, "!");
            len = append_str(entry, len, sizeof entry, m->client->user);
            len = append_str(entry, len, sizeof entry, "@");
            len = append_str(entry, len, sizeof entry, m->client->host);
        }
        srv_words_add(&words, entry, len);
    }
    srv_words_flush(&words);
    srv_numeric(c, RPL_ENDOFNAMES, "%s :End of /NAMES list.", ch->name);
}

static void send_topic(srv_client *c, srv_channel *ch)
{
    if (!ch->topic) {
        srv_numeric(c, RPL_NOTOPIC, "%s :No topic is set", ch->name);
        return;
    }
    srv_numeric(c, RPL_TOPIC, "%s :%s", ch->name, ch->topic);
    srv_numeric(c, RPL_TOPICWHOTIME, "%s %s %lld", ch->name, ch->topic_setter,
                (long long)ch->topic_time_s);
}

static void part_one(srv_client *c, srv_membership *m, const char *reason)
{
    char prefix[SRV_PREFIX_MAX + 1];
    srv_fanout f;
    srv_client_prefix(c, prefix, sizeof prefix);
    int ok = reason && reason[0]
                 ? srv_fanout_init(&f, c->server, NULL, ":%s PART %s :%s", prefix, m->channel->name,
                                   reason)
                 : srv_fanout_init(&f, c->server, NULL, ":%s PART %s", prefix, m->channel->name);
    if (ok == 0) {
        srv_history_channel(m->channel, &f, SRV_HIST_PART);
        if (reason && reason[0])
            srv_cluster_note(c, f.msgid, 0, "PART %s :%s", m->channel->name, reason);
        else
            srv_cluster_note(c, f.msgid, 0, "PART %s", m->channel->name);
        srv_fanout_to_channel(&f, m->channel, NULL);
        srv_fanout_done(&f);
    }
    srv_channel_remove(m);
}

static void join_one(srv_client *c, const char *name, const char *key)
{
    srv_server *s = c->server;
    if (name[0] != '#') {
        srv_numeric(c, ERR_NOSUCHCHANNEL, "%.64s :No such channel", name);
        return;
    }
    if (!srv_channel_valid(name, s->cfg.channel_length)) {
        srv_numeric(c, ERR_BADCHANMASK, "%.64s :Bad Channel Mask", name);
        return;
    }
    srv_channel *ch = srv_channel_find(s, name);
    if (ch && srv_channel_member(ch, c))
        return;
    if (c->nchannels >= s->cfg.max_channels_per_client && !srv_cluster_trusted(c)) {
        srv_numeric(c, ERR_TOOMANYCHANNELS, "%s :You have joined too many channels", name);
        return;
    }
    unsigned modes = 0;
    if (ch && srv_cluster_trusted(c)) {
        /* Another node let it in: its checks were made there. */
    } else if (ch) {
        int invited = srv_client_invited(c, ch->name, 0);
        if (srv_channel_banned(ch, c) && !invited) {
            srv_numeric(c, ERR_BANNEDFROMCHAN, "%s :Cannot join channel (+b)", ch->name);
            return;
        }
        if ((ch->modes & SRV_CHMODE_INVITEONLY) && !invited && !srv_channel_invex(ch, c)) {
            srv_numeric(c, ERR_INVITEONLYCHAN, "%s :Cannot join channel (+i)", ch->name);
            return;
        }
        if (ch->key[0] && (!key || strcmp(key, ch->key) != 0)) {
            srv_numeric(c, ERR_BADCHANNELKEY, "%s :Cannot join channel (+k)", ch->name);
            return;
        }
        if (ch->limit && ch->nmembers >= ch->limit && !invited) {
            srv_numeric(c, ERR_CHANNELISFULL, "%s :Cannot join channel (+l)", ch->name);
            return;
        }
        if ((ch->modes & SRV_CHMODE_REGONLY) && !c->account && !invited) {
            srv_numeric(c, ERR_NEEDREGGEDNICK,
                        "%s :Cannot join channel (+R) - you need to be logged in to an account",
                        ch->name);
            return;
        }
        srv_client_invited(c, ch->name, 1);
        /* A registered channel's ops are its access list, not whoever
         * comes first into it empty. */
        if (ch->reg)
            modes = srv_chanreg_join_modes(ch, c);
    } else {
        int creator = 1;
        if (srv_cluster_claim_channel(c, name, key, &creator))
            return; /* the network decides who creates it: back in srv_channel_join_decided() */
        ch = srv_channel_create(s, name);
        if (!ch)
            return;
        srv_cluster_channel_created(ch);
        modes = creator ? SRV_MEMBER_OP : 0; /* the creator gets @ */
    }
    srv_cluster_join_modes(s, &modes); /* a mirror's: as its node gave them */
    srv_membership *joined = srv_channel_add(ch, c, modes);
    if (!joined) {
        if (ch->nmembers == 0) {
            /* Out of memory on a fresh channel: take it back out. */
            srv_cluster_channel_gone(ch);
            srv_strmap_remove(s->channels, ch->name);
            free(ch->members);
            free(ch);
        }
        return;
    }
    char prefix[SRV_PREFIX_MAX + 1];
    srv_fanout f;
    srv_client_prefix(c, prefix, sizeof prefix);
    /* extended-join members see the account and real name as well. */
    srv_fanout ext;
    if (srv_fanout_init(&f, s, NULL, ":%s JOIN %s", prefix, ch->name) == 0) {
        if (srv_fanout_init(&ext, s, NULL, ":%s JOIN %s %s :%s", prefix, ch->name,
                            c->account ? c->account->name : "*", c->realname) == 0) {
            if (c->account) {
                srv_fanout_set_account(&f, c->account->name);
                srv_fanout_set_account(&ext, c->account->name);
            }
            srv_history_channel(ch, &f, SRV_HIST_JOIN);
            srv_cluster_note(c, f.msgid, modes, "JOIN %s", ch->name);
            srv_fanout_set_msgid(&ext, f.msgid);
            /* since-join reads from the JOIN's own ID: ordered with the
             * messages even when the wall clock stepped back. */
            joined->joined_us = f.msgid - 1;
            for (size_t i = 0; i < ch->nmembers; i++) {
                srv_client *peer = ch->members[i]->client;
                srv_fanout_send(peer->caps & SRV_CAP_EXTENDED_JOIN ? &ext : &f, peer);
            }
            srv_fanout_done(&ext);
        }
        srv_fanout_done(&f);
    }
    if (c->away && ch->nmembers > 1 &&
        srv_fanout_init(&f, s, NULL, ":%s AWAY :%s", prefix, c->away) == 0) {
        for (size_t i = 0; i < ch->nmembers; i++) {
            srv_client *peer = ch->members[i]->client;
            if (peer != c && (peer->caps & SRV_CAP_AWAY_NOTIFY))
                srv_fanout_send(&f, peer);
        }
        srv_fanout_done(&f);
    }
    if (ch->topic)
        send_topic(c, ch);
    /* draft/read-marker: after the JOIN, before the end of NAMES. */
    srv_history_send_marker(c, ch->name);
    send_names(c, ch);
}

void srv_channel_join_decided(srv_client *c, const char *name, const char *key)
{
    join_one(c, name, key);
}

void srv_cmd_join(srv_client *c, const srv_msg *msg)
{
    if (strcmp(msg->params[0], "0") == 0) {
        while (c->nchannels && !c->dead)
            part_one(c, c->channels[c->nchannels - 1], "Left all channels");
        return;
    }
    const char *names = msg->params[0];
    const char *keys = msg->nparams > 1 ? msg->params[1] : NULL;
    char name[ITEM_MAX], key[ITEM_MAX];
    while (srv_next_item(&names, name, sizeof name)) {
        int have_key = srv_next_item(&keys, key, sizeof key);
        if (!name[0])
            continue;
        join_one(c, name, have_key && key[0] ? key : NULL);
    }
}

void srv_cmd_part(srv_client *c, const srv_msg *msg)
{
    const char *names = msg->params[0];
    const char *reason = msg->nparams > 1 ? msg->params[1] : NULL;
    char cut[512] = "";
    if (reason) {
        size_t n = srv_utf8_cut(reason, c->server->cfg.kick_length);
        snprintf(cut, sizeof cut, "%.*s", (int)n, reason);
    }
    char name[ITEM_MAX];
    while (srv_next_item(&names, name, sizeof name)) {
        if (!name[0])
            continue;
        srv_channel *ch = srv_channel_find(c->server, name);
        if (!ch) {
            srv_numeric(c, ERR_NOSUCHCHANNEL, "%.64s :No such channel", name);
            continue;
        }
        srv_membership *m = srv_channel_member(ch, c);
        if (!m) {
            srv_numeric(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
            continue;
        }
        part_one(c, m, cut);
    }
}

void srv_cmd_topic(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams >= 2 && srv_cluster_defer(c, msg))
        return; /* run by every node in the network's order */
    srv_channel *ch = srv_channel_find(c->server, msg->params[0]);
    if (!ch) {
        srv_numeric(c, ERR_NOSUCHCHANNEL, "%.64s :No such channel", msg->params[0]);
        return;
    }
    srv_membership *m = srv_channel_member(ch, c);
    if (msg->nparams < 2) {
        /* Anyone may read a topic, except a secret channel's from outside:
         * that would tell the channel exists. */
        if (!srv_channel_visible(ch, c))
            srv_numeric(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
        else
            send_topic(c, ch);
        return;
    }
    if (!m) {
        srv_numeric(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
        return;
    }
    if ((ch->modes & SRV_CHMODE_TOPICLOCK) && !(m->modes & SRV_MEMBER_OP) &&
        !srv_cluster_trusted(c)) {
        srv_numeric(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
        return;
    }
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_channel_set_topic(ch, msg->params[1], prefix, srv_server_wall_us(c->server) / 1000000);
    srv_chanreg_changed(ch);
    srv_fanout f;
    if (srv_fanout_init(&f, c->server, NULL, ":%s TOPIC %s :%s", prefix, ch->name,
                        ch->topic ? ch->topic : "") == 0) {
        srv_history_channel(ch, &f, SRV_HIST_TOPIC);
        srv_fanout_to_channel(&f, ch, NULL);
        srv_fanout_done(&f);
    }
}

void srv_cmd_names(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams < 1 || !msg->params[0][0]) {
        /* Listing every channel is LIST's job; this stays O(1). */
        srv_numeric(c, RPL_ENDOFNAMES, "* :End of /NAMES list.");
        return;
    }
    if (msg->nparams > 1 && srv_check_server_param(c, msg->params[1]))
        return;
    const char *names = msg->params[0];
    char name[ITEM_MAX];
    unsigned count = 0;
    while (srv_next_item(&names, name, sizeof name)) {
        /* TARGMAX=NAMES:max_targets: the one past it gets 407 and ends it. */
        if (name[0] && ++count > c->server->cfg.max_targets) {
            srv_numeric(c, ERR_TOOMANYTARGETS, "%.64s :Too many targets", name);
            break;
        }
        srv_channel *ch = name[0] ? srv_channel_find(c->server, name) : NULL;
        /* RFC 2812 3.2.5: a secret channel answers outsiders like one that
         * does not exist (the name as they spelt it, no 353). */
        if (ch && srv_channel_visible(ch, c))
            send_names(c, ch);
        else if (name[0])
            srv_numeric(c, RPL_ENDOFNAMES, "%.64s :End of /NAMES list.", name);
    }
}

static void list_one(srv_client *c, srv_channel *ch)
{
    if (!srv_channel_visible(ch, c))
        return;
    char modes[64];
    srv_channel_modes(ch, 0, modes, sizeof modes);
    srv_numeric(c, RPL_LIST, "%s %zu :[%s] %s", ch->name, ch->nmembers, modes,
                ch->topic ? ch->topic : "");
}

/*
 * ELIST=CMNTU filters: ">n" / "<n" members; "C>n" / "C<n" created more /
 * less than n minutes ago; "T>n" / "T<n" topic set more / less than n
 * minutes ago; masks ("#a*", any one must match) and "!mask" (none may).
 */
#define ELIST_MASKS 8

typedef struct elist {
    size_t min_users, max_users;                                      /* members, inclusive */
    int64_t created_before, created_after, topic_before, topic_after; /* 0: none */
    const char *masks[ELIST_MASKS], *nots[ELIST_MASKS];
    size_t nmasks, nnots;
    char store[2 * ELIST_MASKS][ITEM_MAX];
    size_t nstore;
} elist;

static int is_filter(const char *item)
{
    if ((item[0] == 'C' || item[0] == 'T') && (item[1] == '<' || item[1] == '>'))
        return 1;
    return item[0] == '<' || item[0] == '>' || item[0] == '!' || strpbrk(item, "*?") != NULL;
}

static int any_filter(const char *names)
{
    char item[ITEM_MAX];
    while (srv_next_item(&names, item, sizeof item)) {
        if (is_filter(item))
            return 1;
    }
    return 0;
}

static int64_t minutes(const char *text)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    return (*end || end == text || v < 0 || v > 1000000000LL) ? -1 : (int64_t)v;
}

static void elist_parse(elist *f, const char *names, int64_t now_s)
{
    memset(f, 0, sizeof *f);
    f->max_users = SIZE_MAX;
    char item[ITEM_MAX];
    while (srv_next_item(&names, item, sizeof item)) {
        char kind = item[0] == 'C' || item[0] == 'T' ? item[0] : 0;
        const char *op = kind ? item + 1 : item;
        if (*op == '<' || *op == '>') {
            int64_t v = minutes(op + 1);
            if (v < 0)
                continue;
            if (!kind && *op == '>')
                f->min_users = (size_t)v + 1;
            else if (!kind && v == 0)
                f->min_users = SIZE_MAX; /* "<0": nothing */
            else if (!kind)
                f->max_users = (size_t)v - 1;
            else {
                int64_t *older = kind == 'C' ? &f->created_before : &f->topic_before;
                int64_t *newer = kind == 'C' ? &f->created_after : &f->topic_after;
                if (*op == '>')
                    *older = now_s - v * 60; /* more than v minutes ago */
                else
                    *newer = now_s - v * 60; /* less than v minutes ago */
            }
        } else if (item[0] && f->nstore < 2 * ELIST_MASKS) {
            int neg = item[0] == '!';
            if ((neg ? f->nnots : f->nmasks) >= ELIST_MASKS)
                continue;
            char *copy = f->store[f->nstore++];
            snprintf(copy, ITEM_MAX, "%s", item + neg);
            if (neg)
                f->nots[f->nnots++] = copy;
            else
                f->masks[f->nmasks++] = copy;
        }
    }
}

static int elist_match(const elist *f, const srv_channel *ch)
{
    if (ch->nmembers < f->min_users || ch->nmembers > f->max_users)
        return 0;
    if (f->created_before && ch->created_s > f->created_before)
        return 0;
    if (f->created_after && ch->created_s < f->created_after)
        return 0;
    if ((f->topic_before || f->topic_after) && !ch->topic)
        return 0;
    if (f->topic_before && ch->topic_time_s > f->topic_before)
        return 0;
    if (f->topic_after && ch->topic_time_s < f->topic_after)
        return 0;
    int any = f->nmasks == 0;
    for (size_t i = 0; i < f->nmasks && !any; i++)
        any = srv_mask_match(f->masks[i], ch->name);
    for (size_t i = 0; i < f->nnots && any; i++)
        any = !srv_mask_match(f->nots[i], ch->name);
    return any;
}

void srv_cmd_list(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams > 1 && srv_check_server_param(c, msg->params[1]))
        return;
    srv_numeric(c, RPL_LISTSTART, "Channel :Users  Name");
    if (msg->nparams > 0 && msg->params[0][0] && any_filter(msg->params[0])) {
        elist f;
        elist_parse(&f, msg->params[0], srv_server_wall_us(c->server) / 1000000);
        srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
        srv_channel *ch;
        while ((ch = srv_strmap_next(c->server->channels, &it))) {
            if (elist_match(&f, ch))
                list_one(c, ch);
        }
    } else if (msg->nparams > 0 && msg->params[0][0]) {
        const char *names = msg->params[0];
        char name[ITEM_MAX];
        while (srv_next_item(&names, name, sizeof name)) {
            srv_channel *ch = name[0] ? srv_channel_find(c->server, name) : NULL;
            if (ch)
                list_one(c, ch);
        }
    } else {
        srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
        srv_channel *ch;
        while ((ch = srv_strmap_next(c->server->channels, &it)))
            list_one(c, ch);
    }
    srv_numeric(c, RPL_LISTEND, ":End of /LIST");
}

/* The channel c may kick from, or NULL after telling c why not. */
static srv_channel *kick_channel(srv_client *c, const char *name)
{
    srv_channel *ch = srv_channel_find(c->server, name);
    if (!ch) {
        srv_numeric(c, ERR_NOSUCHCHANNEL, "%.64s :No such channel", name);
        return NULL;
    }
    srv_membership *me = srv_channel_member(ch, c);
    if (!me) {
        srv_numeric(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
        return NULL;
    }
    if (!(me->modes & SRV_MEMBER_OP) && !srv_cluster_trusted(c)) {
        srv_numeric(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
        return NULL;
    }
    return ch;
}

/* Kick nick from ch.  @return 0 when ch is gone (its last member left). */
static int kick_one(srv_client *c, srv_channel *ch, const char *nick, const char *reason, size_t rn)
{
    srv_server *s = c->server;
    srv_client *victim = srv_client_find(s, nick);
    if (!victim) {
        srv_numeric(c, ERR_NOSUCHNICK, "%.64s :No such nick/channel", nick);
        return 1;
    }
    srv_membership *vm = srv_channel_member(ch, victim);
    if (!vm) {
        srv_numeric(c, ERR_USERNOTINCHANNEL, "%s %s :They aren't on that channel", victim->nick,
                    ch->name);
        return 1;
    }
    char prefix[SRV_PREFIX_MAX + 1];
    srv_fanout f;
    srv_client_prefix(c, prefix, sizeof prefix);
    if (srv_fanout_init(&f, s, NULL, ":%s KICK %s %s :%.*s", prefix, ch->name, victim->nick,
                        (int)rn, reason) == 0) {
        srv_history_channel(ch, &f, SRV_HIST_KICK);
        srv_fanout_to_channel(&f, ch, NULL);
        srv_fanout_done(&f);
    }
    int last = ch->nmembers == 1;
    srv_channel_remove(vm);
    return !last; /* the kicker kicked themself out of an emptied channel */
}

static size_t count_items(const char *list)
{
    size_t n = 1;
    for (; *list; list++)
        n += *list == ',';
    return n;
}

/* RFC 2812 3.2.8: "KICK #a nick1,nick2" kicks several from one channel;
 * "KICK #a,#b nick1,nick2" kicks pairs, so the two lists must be as long. */
void srv_cmd_kick(srv_client *c, const srv_msg *msg)
{
    if (srv_cluster_defer(c, msg))
        return; /* run by every node in the network's order */
    srv_server *s = c->server;
    const char *channels = msg->params[0];
    const char *targets = msg->params[1];
    size_t nchannels = count_items(channels);
    if (nchannels > 1 && nchannels != count_items(targets)) {
        srv_numeric(c, ERR_NEEDMOREPARAMS, "KICK :Not enough parameters");
        return;
    }
    const char *reason = msg->nparams > 2 && msg->params[2][0] ? msg->params[2] : c->nick;
    size_t rn = srv_utf8_cut(reason, s->cfg.kick_length);
    srv_channel *ch = NULL;
    if (nchannels == 1 && !(ch = kick_channel(c, channels)))
        return;
    char name[ITEM_MAX], nick[ITEM_MAX];
    unsigned count = 0;
    while (srv_next_item(&targets, nick, sizeof nick)) {
        int have_name = nchannels > 1 && srv_next_item(&channels, name, sizeof name);
        if (!nick[0] || (nchannels > 1 && (!have_name || !name[0])))
            continue;
        /* TARGMAX=KICK:max_targets: the one past it gets 407 and ends it. */
        if (++count > s->cfg.max_targets) {
            srv_numeric(c, ERR_TOOMANYTARGETS, "%.64s :Too many targets", nick);
            break;
        }
        if (nchannels > 1) {
            srv_channel *pair = kick_channel(c, name);
            if (pair)
                kick_one(c, pair, nick, reason, rn);
        } else if (!kick_one(c, ch, nick, reason, rn)) {
            break;
        }
        if (c->dead)
            return;
    }
}

/* INVITE without parameters (modern IRC): the invitations c holds. */
static void list_invites(srv_client *c)
{
    for (size_t i = 0; i < c->ninvites; i++) {
        const srv_channel *ch = srv_channel_find(c->server, c->invites[i]);
        srv_numeric(c, RPL_INVITELIST, "%s", ch ? ch->name : c->invites[i]);
    }
    srv_numeric(c, RPL_ENDOFINVITELIST, ":End of /INVITE list");
}

/* IRCv3 invite-notify: members with the cap see the INVITE; in a +i
 * channel only its operators, who could have sent it themselves. */
static void notify_invite(srv_client *c, srv_channel *ch, srv_client *target, const char *prefix)
{
    srv_fanout f;
    int ops_only = (ch->modes & SRV_CHMODE_INVITEONLY) != 0;
    if (srv_fanout_init(&f, c->server, NULL, ":%s INVITE %s %s", prefix, target->nick, ch->name))
        return;
    for (size_t i = 0; i < ch->nmembers; i++) {
        const srv_membership *m = ch->members[i];
        if (m->client == c || !(m->client->caps & SRV_CAP_INVITE_NOTIFY) ||
            (ops_only && !(m->modes & SRV_MEMBER_OP)))
            continue;
        srv_fanout_send(&f, m->client);
    }
    srv_fanout_done(&f);
}

void srv_cmd_invite(srv_client *c, const srv_msg *msg)
{
    srv_server *s = c->server;
    if (msg->nparams == 0) {
        list_invites(c);
        return;
    }
    if (msg->nparams < 2) {
        srv_numeric(c, ERR_NEEDMOREPARAMS, "INVITE :Not enough parameters");
        return;
    }
    srv_client *target = srv_client_find(s, msg->params[0]);
    if (!target || !target->registered) {
        srv_numeric(c, ERR_NOSUCHNICK, "%.64s :No such nick/channel", msg->params[0]);
        return;
    }
    srv_channel *ch = srv_channel_find(s, msg->params[1]);
    if (!ch) {
        srv_numeric(c, ERR_NOSUCHCHANNEL, "%.64s :No such channel", msg->params[1]);
        return;
    }
    srv_membership *me = srv_channel_member(ch, c);
    if (!me) {
        srv_numeric(c, ERR_NOTONCHANNEL, "%s :You're not on that channel", ch->name);
        return;
    }
    if (srv_channel_member(ch, target)) {
        srv_numeric(c, ERR_USERONCHANNEL, "%s %s :is already on channel", target->nick, ch->name);
        return;
    }
    if ((ch->modes & SRV_CHMODE_INVITEONLY) && !(me->modes & SRV_MEMBER_OP) &&
        !srv_cluster_trusted(c)) {
        srv_numeric(c, ERR_CHANOPRIVSNEEDED, "%s :You're not channel operator", ch->name);
        return;
    }
    srv_client_add_invite(target, ch->name);
    if (srv_client_is_mirror(target)) /* its node must know it may come in */
        srv_cluster_note(c, 0, 0, "INVITE %s %s", target->nick, ch->name);
    srv_numeric(c, RPL_INVITING, "%s %s", target->nick, ch->name);
    if (target->away)
        srv_numeric(c, RPL_AWAY, "%s :%s", target->nick, target->away);
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_sendf(target, ":%s INVITE %s %s", prefix, target->nick, ch->name);
    notify_invite(c, ch, target, prefix);
}

/* SPDX-License-Identifier: MIT */
#include "channel.h"

#include "chanserv.h"
#include "cluster-core.h"

#include "casemap.h"
#include "client.h"
#include "history.h"
#include "mask.h"
#include "numerics.h"
#include "server.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

srv_channel *srv_channel_find(srv_server *s, const char *name)
{
    return srv_strmap_get(s->channels, name);
}

srv_channel *srv_channel_create(srv_server *s, const char *name)
{
    srv_channel *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    ch->server = s;
    snprintf(ch->name, sizeof ch->name, "%s", name);
    ch->modes = SRV_CHMODE_NOEXTERNAL | SRV_CHMODE_TOPICLOCK;
    ch->created_s = srv_server_wall_us(s) / 1000000;
    if (srv_strmap_put(s->channels, name, ch) < 0) {
        free(ch);
        return NULL;
    }
    return ch;
}

static const struct {
    char letter;
    unsigned bit;
} flag_modes[] = {
    {'i', SRV_CHMODE_INVITEONLY}, {'m', SRV_CHMODE_MODERATED}, {'n', SRV_CHMODE_NOEXTERNAL},
    {'s', SRV_CHMODE_SECRET},     {'t', SRV_CHMODE_TOPICLOCK}, {'C', SRV_CHMODE_NOCTCP},
    {'R', SRV_CHMODE_REGONLY},    {'T', SRV_CHMODE_NONOTICE},
};

unsigned srv_chmode_bit(char letter)
{
    for (size_t i = 0; i < sizeof flag_modes / sizeof flag_modes[0]; i++) {
        if (flag_modes[i].letter == letter)
            return flag_modes[i].bit;
    }
    return 0;
}

void srv_chmode_letters(unsigned modes, char *dst, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof flag_modes / sizeof flag_modes[0] && n + 1 < size; i++) {
        if (modes & flag_modes[i].bit)
            dst[n++] = flag_modes[i].letter;
    }
    if (size)
        dst[n] = '\0';
}

static void destroy(srv_channel *ch)
{
    srv_history_channel_ended(ch);
    srv_cluster_channel_gone(ch);
    srv_chanreg_free(ch->reg);
    srv_strmap_remove(ch->server->channels, ch->name);
    srv_ban *lists[] = {ch->bans, ch->excepts, ch->invexes};
    size_t counts[] = {ch->nbans, ch->nexcepts, ch->ninvexes};
    for (size_t l = 0; l < 3; l++) {
        for (size_t i = 0; i < counts[l]; i++)
            free(lists[l][i].mask);
        free(lists[l]);
    }
    free(ch->members);
    free(ch->topic);
    free(ch);
}

static int grow(void *arrayp, size_t *cap, size_t need)
{
    void ***array = arrayp;
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 4;
    void **a = realloc(*array, n * sizeof *a);
    if (!a)
        return -1;
    *array = a;
    *cap = n;
    return 0;
}

srv_membership *srv_channel_add(srv_channel *ch, srv_client *c, unsigned modes)
{
    if (grow(&ch->members, &ch->members_cap, ch->nmembers + 1) < 0 ||
        grow(&c->channels, &c->channels_cap, c->nchannels + 1) < 0)
        return NULL;
    srv_membership *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->joined_us = srv_server_wall_us(ch->server);
    m->client = c;
    m->channel = ch;
    m->modes = modes;
    m->channel_index = ch->nmembers;
    m->client_index = c->nchannels;
    ch->members[ch->nmembers++] = m;
    c->channels[c->nchannels++] = m;
    if (c->home)
        ch->nmirrors++;
    return m;
}

void srv_channel_remove(srv_membership *m)
{
    srv_channel *ch = m->channel;
    srv_client *c = m->client;
    /* Swap-remove on both sides, fixing the moved element's index. */
    srv_membership *last = ch->members[--ch->nmembers];
    ch->members[m->channel_index] = last;
    last->channel_index = m->channel_index;
    last = c->channels[--c->nchannels];
    c->channels[m->client_index] = last;
    last->client_index = m->client_index;
    if (c->home)
        ch->nmirrors--;
    free(m);
    if (ch->nmembers == 0 && !ch->reg)
        destroy(ch);
}

void srv_channel_release(srv_channel *ch)
{
    if (ch->nmembers == 0 && !ch->reg)
        destroy(ch);
}

srv_membership *srv_channel_member(const srv_channel *ch, const srv_client *c)
{
    for (size_t i = 0; i < c->nchannels; i++) {
        if (c->channels[i]->channel == ch)
            return c->channels[i];
    }
    return NULL;
}

/* The array and count of one of ch's mask lists. */
static srv_ban **list_of(srv_channel *ch, srv_list_kind kind, size_t **count)
{
    if (kind == SRV_LIST_EXCEPT) {
        *count = &ch->nexcepts;
        return &ch->excepts;
    }
    if (kind == SRV_LIST_INVEX) {
        *count = &ch->ninvexes;
        return &ch->invexes;
    }
    *count = &ch->nbans;
    return &ch->bans;
}

static int is_mute(const char *mask)
{
    return mask[0] == 'm' && mask[1] == ':';
}

/*
 * Does an entry of list match who?  mutes: 0 plain masks only, 1 "m:"
 * masks only, 2 both.
 */
static int list_match(const srv_ban *list, size_t n, const char *who, int mutes)
{
    for (size_t i = 0; i < n; i++) {
        int mute = is_mute(list[i].mask);
        if (mutes != 2 && mute != mutes)
            continue;
        if (srv_mask_match(mute ? list[i].mask + 2 : list[i].mask, who))
            return 1;
    }
    return 0;
}

int srv_channel_banned(const srv_channel *ch, const srv_client *c)
{
    if (ch->nbans == 0)
        return 0;
    char who[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, who, sizeof who);
    /* A plain +e exempts from plain bans; an "m:" one only from mutes. */
    return list_match(ch->bans, ch->nbans, who, 0) &&
           !list_match(ch->excepts, ch->nexcepts, who, 0);
}

int srv_channel_muted(const srv_channel *ch, const srv_client *c)
{
    if (ch->nbans == 0)
        return 0;
    char who[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, who, sizeof who);
    return list_match(ch->bans, ch->nbans, who, 1) &&
           !list_match(ch->excepts, ch->nexcepts, who, 2);
}

int srv_channel_invex(const srv_channel *ch, const srv_client *c)
{
    if (ch->ninvexes == 0)
        return 0;
    char who[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, who, sizeof who);
    return list_match(ch->invexes, ch->ninvexes, who, 0);
}

int srv_channel_can_send(const srv_channel *ch, const srv_client *c)
{
    srv_membership *m = srv_channel_member(ch, c);
    if (m && (m->modes & (SRV_MEMBER_OP | SRV_MEMBER_VOICE)))
        return 0;
    if (!m && (ch->modes & SRV_CHMODE_NOEXTERNAL))
        return ERR_CANNOTSENDTOCHAN;
    if (ch->modes & SRV_CHMODE_MODERATED)
        return ERR_CANNOTSENDTOCHAN;
    if (srv_channel_banned(ch, c) || srv_channel_muted(ch, c))
        return ERR_CANNOTSENDTOCHAN;
    return 0;
}

const srv_ban *srv_channel_list(const srv_channel *ch, srv_list_kind kind, size_t *count)
{
    size_t *n;
    srv_ban **list = list_of((srv_channel *)ch, kind, &n);
    *count = *n;
    return *list;
}

int srv_channel_list_add(srv_channel *ch, srv_list_kind kind, const char *mask, const char *setter,
                         int64_t when_s)
{
    size_t *n;
    srv_ban **list = list_of(ch, kind, &n);
    for (size_t i = 0; i < *n; i++) {
        if (srv_casecmp((*list)[i].mask, mask) == 0)
            return 0;
    }
    if (*n >= ch->server->cfg.max_bans_per_channel)
        return -1;
    srv_ban *b = realloc(*list, (*n + 1) * sizeof *b);
    if (!b)
        return -1;
    *list = b;
    size_t len = strlen(mask) + 1;
    char *copy = malloc(len);
    if (!copy)
        return -1;
    memcpy(copy, mask, len);
    srv_ban *nb = &b[(*n)++];
    nb->mask = copy;
    snprintf(nb->setter, sizeof nb->setter, "%s", setter);
    nb->when_s = when_s;
    return 1;
}

int srv_channel_list_del(srv_channel *ch, srv_list_kind kind, const char *mask)
{
    size_t *n;
    srv_ban **list = list_of(ch, kind, &n);
    srv_ban *b = *list;
    for (size_t i = 0; i < *n; i++) {
        if (srv_casecmp(b[i].mask, mask) == 0) {
            free(b[i].mask);
            memmove(&b[i], &b[i + 1], (*n - i - 1) * sizeof *b);
            (*n)--;
            return 1;
        }
    }
    return 0;
}

int srv_channel_add_ban(srv_channel *ch, const char *mask, const char *setter, int64_t when_s)
{
    return srv_channel_list_add(ch, SRV_LIST_BAN, mask, setter, when_s);
}

int srv_channel_del_ban(srv_channel *ch, const char *mask)
{
    return srv_channel_list_del(ch, SRV_LIST_BAN, mask);
}

void srv_channel_set_topic(srv_channel *ch, const char *topic, const char *setter, int64_t when_s)
{
    free(ch->topic);
    ch->topic = NULL;
    if (topic && topic[0]) {
        size_t n = srv_utf8_cut(topic, ch->server->cfg.topic_length);
        ch->topic = malloc(n + 1);
        if (ch->topic) {
            memcpy(ch->topic, topic, n);
            ch->topic[n] = '\0';
        }
    }
    snprintf(ch->topic_setter, sizeof ch->topic_setter, "%s", setter);
    ch->topic_time_s = when_s;
}

int srv_channel_visible(const srv_channel *ch, const srv_client *c)
{
    return !(ch->modes & SRV_CHMODE_SECRET) || srv_channel_member(ch, c) != NULL;
}

void srv_channel_modes(const srv_channel *ch, int show_key, char *dst, size_t size)
{
    /* Alphabetical with the upper-case ones last, k and l among them. */
    static const char order[] = "iklmnstCRT";
    char flags[sizeof order + 1];
    size_t n = 0;
    flags[n++] = '+';
    for (const char *p = order; *p; p++) {
        int on = *p == 'k'   ? ch->key[0] != '\0'
                 : *p == 'l' ? ch->limit != 0
                             : (ch->modes & srv_chmode_bit(*p)) != 0;
        if (on)
            flags[n++] = *p;
    }
    flags[n] = '\0';
    /* Parameters in the order of their letters: k then l. */
    char limit[16] = "";
    if (ch->limit)
        snprintf(limit, sizeof limit, " %u", ch->limit);
    snprintf(dst, size, "%s%s%s%s", flags, ch->key[0] ? " " : "",
             ch->key[0] ? (show_key ? ch->key : "*") : "", limit);
}

const char *srv_member_prefix(const srv_membership *m, int multi_prefix)
{
    int op = (m->modes & SRV_MEMBER_OP) != 0, voice = (m->modes & SRV_MEMBER_VOICE) != 0;
    if (op && voice)
        return multi_prefix ? "@+" : "@";
    return op ? "@" : voice ? "+" : "";
}

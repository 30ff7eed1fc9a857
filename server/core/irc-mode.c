/* SPDX-License-Identifier: MIT */
/* MODE for users (+i, -o, +w, +B) and channels (+o +v +n +t +m +i +s +C
 * +T +k +l, and the lists +b +e +I). */
#include "account.h"
#include "channel.h"
#include "cluster-core.h"
#include "chanserv.h"
#include "client.h"
#include "history.h"
#include "commands.h"
#include "mask.h"
#include "numerics.h"
#include "send.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void user_mode(srv_client *c, const srv_msg *msg)
{
    srv_client *target = srv_client_find(c->server, msg->params[0]);
    if (!target) {
        srv_numeric(c, ERR_NOSUCHNICK, "%.64s :No such nick/channel", msg->params[0]);
        return;
    }
    if (target != c) {
        srv_numeric(c, ERR_USERSDONTMATCH, ":Cant change mode for other users");
        return;
    }
    if (msg->nparams < 2) {
        srv_numeric(c, RPL_UMODEIS, "+%s%s%s%s%s", c->invisible ? "i" : "", c->oper ? "o" : "",
                    c->account ? "r" : "", c->wallops ? "w" : "", c->bot ? "B" : "");
        return;
    }
    char applied[16];
    size_t n = 0;
    char last_sign = 0;
    int adding = 1, unknown = 0;
    for (const char *p = msg->params[1]; *p && n + 3 < sizeof applied; p++) {
        if (*p == '+' || *p == '-') {
            adding = *p == '+';
            continue;
        }
        char sign = adding ? '+' : '-';
        int changed = 0;
        if (*p == 'i') {
            if (adding != c->invisible) {
                srv_client_set_invisible(c, adding);
                changed = 1;
            }
        } else if (*p == 'w' || *p == 'B') {
            const int *flag = *p == 'w' ? &c->wallops : &c->bot;
            if (adding != *flag) {
                if (*p == 'w')
                    srv_client_set_wallops(c, adding);
                else
                    srv_client_set_bot(c, adding);
                changed = 1;
            }
        } else if (*p == 'r') {
            /* +r follows logging in to an account; nobody sets it by hand. */
        } else if (*p == 'o') {
            /* +o only through OPER; dropping it is always allowed. */
            if (!adding && c->oper) {
                srv_client_set_oper(c, 0);
                changed = 1;
            }
        } else {
            unknown = 1;
        }
        if (changed) {
            if (sign != last_sign)
                applied[n++] = last_sign = sign;
            applied[n++] = *p;
        }
    }
    applied[n] = '\0';
    if (unknown)
        srv_numeric(c, ERR_UMODEUNKNOWNFLAG, ":Unknown MODE flag");
    if (n)
        srv_sendf(c, ":%s MODE %s :%s", c->nick, c->nick, applied);
}

static srv_list_kind list_kind(char letter)
{
    return letter == 'e' ? SRV_LIST_EXCEPT : letter == 'I' ? SRV_LIST_INVEX : SRV_LIST_BAN;
}

static void send_list(srv_client *c, srv_channel *ch, char letter)
{
    static const struct {
        int item, end;
        const char *text;
    } replies[] = {
        [SRV_LIST_BAN] = {RPL_BANLIST, RPL_ENDOFBANLIST, "End of channel ban list"},
        [SRV_LIST_EXCEPT] = {RPL_EXCEPTLIST, RPL_ENDOFEXCEPTLIST, "End of channel exception list"},
        [SRV_LIST_INVEX] = {RPL_INVEXLIST, RPL_ENDOFINVEXLIST, "End of channel invite list"},
    };
    srv_list_kind kind = list_kind(letter);
    size_t n;
    const srv_ban *list = srv_channel_list(ch, kind, &n);
    for (size_t i = 0; i < n; i++)
        srv_numeric(c, replies[kind].item, "%s %s %s %lld", ch->name, list[i].mask, list[i].setter,
                    (long long)list[i].when_s);
    srv_numeric(c, replies[kind].end, "%s :%s", ch->name, replies[kind].text);
}

/* A list mask normalised; "m:mask" (a mute, EXTBAN=,m) keeps its prefix
 * on +b and +e. */
static void list_mask(char letter, const char *arg, char *dst, size_t size)
{
    if (letter != 'I' && arg[0] == 'm' && arg[1] == ':' && arg[2]) {
        char rest[SRV_MASK_MAX + 1];
        srv_normalize_mask(arg + 2, rest, sizeof rest);
        snprintf(dst, size, "m:%.*s", SRV_MASK_MAX - 2, rest);
        return;
    }
    srv_normalize_mask(arg, dst, size);
}

/* The changes that took effect, for the one MODE line everyone sees. */
typedef struct mode_change {
    char modes[64];
    size_t nmodes;
    char last_sign;
    char args[SRV_MAX_MODE_PARAMS * (SRV_MASK_MAX + 1) + 1];
    size_t nargs;
} mode_change;

static void record(mode_change *mc, int adding, char letter, const char *arg)
{
    char sign = adding ? '+' : '-';
    if (mc->nmodes + 3 >= sizeof mc->modes)
        return;
    if (sign != mc->last_sign)
        mc->modes[mc->nmodes++] = mc->last_sign = sign;
    mc->modes[mc->nmodes++] = letter;
    mc->modes[mc->nmodes] = '\0';
    if (arg) {
        int w = snprintf(mc->args + mc->nargs, sizeof mc->args - mc->nargs, " %s", arg);
        if (w > 0 && (size_t)w < sizeof mc->args - mc->nargs)
            mc->nargs += (size_t)w;
    }
}

static int valid_key(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > SRV_KEYLEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)key[i];
        if (ch <= 0x20 || ch == ',' || ch == ':' || ch >= 0x7F)
            return 0;
    }
    return 1;
}

static void channel_mode(srv_client *c, const srv_msg *msg)
{
    srv_server *s = c->server;
    srv_channel *ch = srv_channel_find(s, msg->params[0]);
    if (!ch) {
        srv_numeric(c, ERR_NOSUCHCHANNEL, "%.64s :No such channel", msg->params[0]);
        return;
    }
    srv_membership *me = srv_channel_member(ch, c);
    if (msg->nparams < 2) {
        char modes[64];
        srv_channel_modes(ch, me != NULL, modes, sizeof modes);
        srv_numeric(c, RPL_CHANNELMODEIS, "%s %s", ch->name, modes);
        srv_numeric(c, RPL_CREATIONTIME, "%s %lld", ch->name, (long long)ch->created_s);
        return;
    }
    /* A mirror's change was allowed by its own node. */
    int is_op = (me && (me->modes & SRV_MEMBER_OP)) || srv_cluster_trusted(c);
    mode_change mc;
    memset(&mc, 0, sizeof mc);
    size_t next_arg = 2, used_params = 0;
    int adding = 1, denied = 0;
    char listed[4] = ""; /* the lists already sent in this MODE */
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    int64_t now_s = srv_server_wall_us(s) / 1000000;

    for (const char *p = msg->params[1]; *p; p++) {
        char letter = *p;
        if (letter == '+' || letter == '-') {
            adding = letter == '+';
            continue;
        }
        /* Which letters take a parameter: CHANMODES=beI,k,l,CRTimnst + PREFIX ov */
        int is_list = letter == 'b' || letter == 'e' || letter == 'I';
        int takes_arg =
            letter == 'o' || letter == 'v' || is_list || letter == 'k' || (letter == 'l' && adding);
        const char *arg = NULL;
        if (takes_arg) {
            if (next_arg < msg->nparams)
                arg = msg->params[next_arg++];
            if (arg && used_params >= SRV_MAX_MODE_PARAMS)
                break; /* MODES=6: the rest is ignored */
            if (arg)
                used_params++;
        }
        if (is_list && !arg) {
            if (!strchr(listed, letter)) {
                listed[strlen(listed)] = letter;
                send_list(c, ch, letter);
            }
            continue;
        }
        if (!strchr("ovbeIklimnstCRT", letter)) {
            srv_numeric(c, ERR_UNKNOWNMODE, "%c :is unknown mode char to me", letter);
            continue;
        }
        if (takes_arg && !arg) {
            srv_numeric(c, ERR_NEEDMOREPARAMS, "MODE :Not enough parameters");
            continue;
        }
        if (!is_op) {
            if (!denied++)
                srv_numeric(c, me ? ERR_CHANOPRIVSNEEDED : ERR_NOTONCHANNEL, "%s :%s", ch->name,
                            me ? "You're not channel operator" : "You're not on that channel");
            continue;
        }
        switch (letter) {
        case 'o':
        case 'v': {
            srv_client *who = srv_client_find(s, arg);
            if (!who) {
                srv_numeric(c, ERR_NOSUCHNICK, "%.64s :No such nick/channel", arg);
                break;
            }
            srv_membership *m = srv_channel_member(ch, who);
            if (!m) {
                srv_numeric(c, ERR_USERNOTINCHANNEL, "%s %s :They aren't on that channel",
                            who->nick, ch->name);
                break;
            }
            unsigned bit = letter == 'o' ? SRV_MEMBER_OP : SRV_MEMBER_VOICE;
            if (adding == !(m->modes & bit)) {
                m->modes ^= bit;
                record(&mc, adding, letter, who->nick);
            }
            break;
        }
        case 'b':
        case 'e':
        case 'I': {
            char mask[SRV_MASK_MAX + 1];
            list_mask(letter, arg, mask, sizeof mask);
            srv_list_kind kind = list_kind(letter);
            if (adding) {
                int rc = srv_channel_list_add(ch, kind, mask, prefix, now_s);
                if (rc < 0)
                    srv_numeric(c, ERR_BANLISTFULL, "%s %s :Channel %s list is full", ch->name,
                                mask,
                                kind == SRV_LIST_BAN      ? "ban"
                                : kind == SRV_LIST_EXCEPT ? "exception"
                                                          : "invite exception");
                else if (rc > 0)
                    record(&mc, 1, letter, mask);
            } else if (srv_channel_list_del(ch, kind, mask)) {
                record(&mc, 0, letter, mask);
            }
            break;
        }
        case 'k':
            if (adding) {
                if (!valid_key(arg)) {
                    srv_numeric(c, ERR_INVALIDKEY, "%s :Key is not well-formed", ch->name);
                    break;
                }
                snprintf(ch->key, sizeof ch->key, "%s", arg);
                record(&mc, 1, 'k', ch->key);
            } else if (ch->key[0]) {
                ch->key[0] = '\0';
                record(&mc, 0, 'k', "*");
            }
            break;
        case 'l':
            if (adding) {
                char *end;
                unsigned long lim = strtoul(arg, &end, 10);
                if (*end || lim == 0 || lim > 1000000)
                    break;
                if (ch->limit != lim) {
                    ch->limit = (unsigned)lim;
                    char text[16];
                    snprintf(text, sizeof text, "%lu", lim);
                    record(&mc, 1, 'l', text);
                }
            } else if (ch->limit) {
                ch->limit = 0;
                record(&mc, 0, 'l', NULL);
            }
            break;
        default: {
            unsigned bit = srv_chmode_bit(letter);
            if (adding == !(ch->modes & bit)) {
                ch->modes ^= bit;
                record(&mc, adding, letter, NULL);
            }
            break;
        }
        }
    }
    if (mc.nmodes == 0)
        return;
    srv_chanreg_changed(ch);
    srv_fanout f;
    if (srv_fanout_init(&f, s, NULL, ":%s MODE %s %s%s", prefix, ch->name, mc.modes, mc.args) ==
        0) {
        srv_history_channel(ch, &f, SRV_HIST_MODE);
        srv_fanout_to_channel(&f, ch, NULL);
        srv_fanout_done(&f);
    }
}

void srv_cmd_mode(srv_client *c, const srv_msg *msg)
{
    if (msg->params[0][0] == '#') {
        if (msg->nparams >= 2 && srv_cluster_defer(c, msg))
            return; /* run by every node in the network's order */
        channel_mode(c, msg);
    } else {
        user_mode(c, msg);
    }
}

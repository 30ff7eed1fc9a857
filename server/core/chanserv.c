/* SPDX-License-Identifier: MIT */
/*
 * ChanServ: REGISTER, DROP, INFO, ACCESS (LIST, ADD, DEL), TRANSFER, HELP,
 * in the shape Atheme and Anope made familiar.  Answers are NOTICEs from
 * ChanServ; what a client is told is done was stored first.
 */
#include "chanserv.h"

#include "account.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "cluster-core.h"
#include "commands.h"
#include "send.h"
#include "services.h"
#include "server.h"
#include "timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cs_op { CS_REGISTER, CS_DROP, CS_ACCESS, CS_TRANSFER };

/* A change waiting for the store; the client and the channel are looked
 * up again when it completes (either may be gone). */
struct srv_cs_pending {
    srv_server *server;
    srv_client *client; /* NULL once freed */
    struct srv_cs_pending *next;
    enum cs_op op;
    char channel[SRV_CHANNELLEN_MAX + 1];
    char text[160]; /* the reply on success */
    struct srv_chanreg *reg; /* CS_REGISTER: the registration to install */
};

static const srv_service chanserv;

#define reply(c, ...) srv_service_reply((c), &chanserv, __VA_ARGS__)

/* ---- the record ---- */

void srv_chanreg_free(struct srv_chanreg *reg)
{
    if (reg) {
        free(reg->access);
        free(reg);
    }
}

int srv_chanreg_apply(srv_server *s, const char *name, const char *founder, int64_t registered_s,
                      const char *access)
{
    if (!srv_channel_valid(name, SRV_CHANNELLEN_MAX))
        return 0;
    struct srv_chanreg *reg = calloc(1, sizeof *reg);
    if (!reg)
        return -1;
    snprintf(reg->founder, sizeof reg->founder, "%s", founder);
    reg->registered_s = registered_s;
    /* "o:account,v:account" */
    size_t entries = access[0] ? 1 : 0;
    for (const char *p = access; *p; p++)
        entries += *p == ',';
    if (entries && !(reg->access = calloc(entries, sizeof *reg->access))) {
        free(reg);
        return -1;
    }
    for (const char *p = access; *p && reg->naccess < SRV_CHANREG_MAX_ACCESS;) {
        size_t len = strcspn(p, ",");
        if (len > 2 && p[1] == ':' && (p[0] == 'o' || p[0] == 'v')) {
            srv_chanreg_access *e = &reg->access[reg->naccess++];
            e->level = p[0];
            snprintf(e->account, sizeof e->account, "%.*s", (int)(len - 2), p + 2);
        }
        p += len + (p[len] == ',');
    }
    srv_channel *ch = srv_channel_find(s, name);
    if (!ch && !(ch = srv_channel_create(s, name))) {
        srv_chanreg_free(reg);
        return -1;
    }
    srv_chanreg_free(ch->reg);
    ch->reg = reg;
    return 0;
}

void srv_chanreg_forget(srv_server *s, const char *name)
{
    srv_channel *ch = srv_channel_find(s, name);
    if (ch && ch->reg) {
        srv_chanreg_free(ch->reg);
        ch->reg = NULL;
        srv_channel_release(ch);
    }
}

size_t srv_chanreg_count(const srv_server *s)
{
    size_t n = 0;
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_channel *ch;
    while ((ch = srv_strmap_next(s->channels, &it)))
        n += ch->reg != NULL;
    return n;
}

static struct srv_chanreg *reg_copy(const struct srv_chanreg *r)
{
    struct srv_chanreg *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    *c = *r;
    c->access = NULL;
    if (r->naccess) {
        c->access = malloc(r->naccess * sizeof *c->access);
        if (!c->access) {
            free(c);
            return NULL;
        }
        memcpy(c->access, r->access, r->naccess * sizeof *c->access);
    }
    return c;
}

/* Build the store's view of ch (with reg as its registration) and hand it
 * to fn; the arrays live on this function's stack and heap for the call. */
static void write_channel(srv_channel *ch, const struct srv_chanreg *reg, int create,
                          srv_store_done_fn done, void *ctx)
{
    srv_server *s = ch->server;
    char key[SRV_CHANNELLEN_MAX + 1], modes[16];
    srv_casefold(key, ch->name, sizeof key);
    srv_chmode_letters(ch->modes, modes, sizeof modes);
    size_t nmasks = ch->nbans + ch->nexcepts + ch->ninvexes;
    srv_store_mask *masks = nmasks ? calloc(nmasks, sizeof *masks) : NULL;
    srv_store_access *access = reg->naccess ? calloc(reg->naccess, sizeof *access) : NULL;
    if ((nmasks && !masks) || (reg->naccess && !access)) {
        free(masks);
        free(access);
        if (done)
            done(ctx, SRV_STORE_UNAVAILABLE);
        return;
    }
    size_t n = 0;
    const struct {
        const srv_ban *list;
        size_t count;
        char letter;
    } lists[] = {{ch->bans, ch->nbans, 'b'}, {ch->excepts, ch->nexcepts, 'e'},
                 {ch->invexes, ch->ninvexes, 'I'}};
    for (size_t l = 0; l < 3; l++) {
        for (size_t i = 0; i < lists[l].count; i++)
            masks[n++] = (srv_store_mask){lists[l].letter, lists[l].list[i].mask,
                                          lists[l].list[i].setter, lists[l].list[i].when_s};
    }
    for (size_t i = 0; i < reg->naccess; i++)
        access[i] = (srv_store_access){reg->access[i].account, reg->access[i].level};
    srv_store_channel r = {
        .key = key,
        .name = ch->name,
        .founder_key = reg->founder,
        .registered_s = reg->registered_s,
        .topic = ch->topic ? ch->topic : "",
        .topic_setter = ch->topic_setter,
        .topic_time_s = ch->topic_time_s,
        .modes = modes,
        .chan_key = ch->key,
        .limit = ch->limit,
        .access = access,
        .naccess = reg->naccess,
        .masks = masks,
        .nmasks = nmasks,
    };
    s->store->ops->put_channel(s->store, &r, create, done, ctx);
    free(masks);
    free(access);
}

/* Which channel a write was for: looked up again when it completes. */
typedef struct change {
    srv_server *server;
    char channel[SRV_CHANNELLEN_MAX + 1];
} change;

#define RETRY_MS 5000

static void changed_done(void *ctx, int status)
{
    change *k = ctx;
    srv_server *s = k->server;
    srv_channel *ch = srv_channel_find(s, k->channel);
    if (status != SRV_STORE_OK && ch && ch->reg) {
        srv_server_log(s, SRV_LOG_ERROR, "store: %s's change was not saved; trying again",
                       ch->name);
        if (!ch->reg->dirty)
            s->chanreg_dirty++;
        ch->reg->dirty = 1;
        srv_server_want_tick(s, s->now_ms + RETRY_MS);
    }
    free(k);
}

void srv_chanreg_changed(srv_channel *ch)
{
    /* Another node's change is its to write: the nodes share the store. */
    if (!ch->reg || !ch->server->store || srv_cluster_applying(ch->server))
        return;
    change *k = malloc(sizeof *k);
    if (!k)
        return;
    k->server = ch->server;
    snprintf(k->channel, sizeof k->channel, "%s", ch->name);
    write_channel(ch, ch->reg, 0, changed_done, k);
}

void srv_chanreg_retry(srv_server *s)
{
    if (!s->chanreg_dirty)
        return;
    s->chanreg_dirty = 0;
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_channel *ch;
    while ((ch = srv_strmap_next(s->channels, &it))) {
        if (ch->reg && ch->reg->dirty) {
            ch->reg->dirty = 0;
            srv_chanreg_changed(ch); /* marks it again if it fails again */
        }
    }
}

int srv_chanreg_add_loaded(srv_server *s, const srv_store_channel *r)
{
    if (!srv_channel_valid(r->name, SRV_CHANNELLEN_MAX) || srv_channel_find(s, r->name))
        return 0;
    /* Accounts load first.  A founder that is gone (a crash between an
     * account's drop and its channels') leaves the channel unregistered:
     * whoever registers the name later must not inherit it. */
    if (!srv_account_find(s, r->founder_key)) {
        srv_server_log(s, SRV_LOG_WARNING, "store: %s's founder %s is gone: dropping it", r->name,
                       r->founder_key);
        return 1;
    }
    srv_channel *ch = srv_channel_create(s, r->name);
    struct srv_chanreg *reg = calloc(1, sizeof *reg);
    if (!ch || !reg) {
        free(reg);
        return -1;
    }
    ch->reg = reg;
    snprintf(reg->founder, sizeof reg->founder, "%s", r->founder_key);
    reg->registered_s = r->registered_s;
    ch->created_s = r->registered_s;
    if (r->naccess) {
        reg->access = calloc(r->naccess, sizeof *reg->access);
        if (!reg->access)
            return -1;
        for (size_t i = 0; i < r->naccess && i < SRV_CHANREG_MAX_ACCESS; i++) {
            if (!srv_account_find(s, r->access[i].account_key))
                continue; /* likewise */
            srv_chanreg_access *e = &reg->access[reg->naccess++];
            snprintf(e->account, sizeof e->account, "%s", r->access[i].account_key);
            e->level = r->access[i].level == 'o' ? 'o' : 'v';
        }
    }
    ch->modes = 0;
    for (const char *m = r->modes; *m; m++)
        ch->modes |= srv_chmode_bit(*m);
    snprintf(ch->key, sizeof ch->key, "%s", r->chan_key);
    ch->limit = r->limit;
    if (r->topic[0])
        srv_channel_set_topic(ch, r->topic, r->topic_setter, r->topic_time_s);
    for (size_t i = 0; i < r->nmasks; i++) {
        srv_list_kind kind = r->masks[i].list == 'e'   ? SRV_LIST_EXCEPT
                             : r->masks[i].list == 'I' ? SRV_LIST_INVEX
                                                       : SRV_LIST_BAN;
        srv_channel_list_add(ch, kind, r->masks[i].mask, r->masks[i].setter, r->masks[i].when_s);
    }
    return 0;
}

/* ---- access ---- */

static char level_of(const srv_channel *ch, const srv_account *acc)
{
    if (!ch->reg || !acc)
        return 0;
    if (strcmp(ch->reg->founder, acc->key) == 0)
        return 'o';
    for (size_t i = 0; i < ch->reg->naccess; i++) {
        if (strcmp(ch->reg->access[i].account, acc->key) == 0)
            return ch->reg->access[i].level;
    }
    return 0;
}

unsigned srv_chanreg_join_modes(const srv_channel *ch, const srv_client *c)
{
    char level = level_of(ch, c->account);
    return level == 'o' ? SRV_MEMBER_OP : level == 'v' ? SRV_MEMBER_VOICE : 0;
}

void srv_chanreg_logged_in(srv_client *c)
{
    /* A mirror's node gives it its status, and says so with a MODE. */
    if (!c->registered || c->home)
        return;
    for (size_t i = 0; i < c->nchannels; i++) {
        srv_membership *m = c->channels[i];
        char level = level_of(m->channel, c->account);
        unsigned bit = level == 'o' ? SRV_MEMBER_OP : level == 'v' ? SRV_MEMBER_VOICE : 0;
        if (!bit || (m->modes & bit))
            continue;
        m->modes |= bit;
        srv_fanout f;
        if (srv_fanout_init(&f, c->server, NULL, ":ChanServ!ChanServ@%s MODE %s +%c %s",
                            c->server->cfg.server_name, m->channel->name, level, c->nick) == 0) {
            srv_fanout_to_channel(&f, m->channel, NULL);
            srv_fanout_done(&f);
        }
    }
}

/* ---- changes waiting for the store ---- */

static struct srv_cs_pending *pending_new(srv_client *c, enum cs_op op, const char *channel)
{
    struct srv_cs_pending *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->server = c->server;
    p->client = c;
    p->op = op;
    snprintf(p->channel, sizeof p->channel, "%s", channel);
    p->next = c->server->cs_pending;
    c->server->cs_pending = p;
    return p;
}

static void pending_forget(struct srv_cs_pending *p)
{
    struct srv_cs_pending **pp = &p->server->cs_pending;
    while (*pp && *pp != p)
        pp = &(*pp)->next;
    if (*pp)
        *pp = p->next;
    srv_chanreg_free(p->reg);
    free(p);
}

void srv_chanserv_client_freed(srv_client *c)
{
    for (struct srv_cs_pending *p = c->server->cs_pending; p; p = p->next) {
        if (p->client == c)
            p->client = NULL;
    }
}

static void store_done(void *ctx, int status)
{
    struct srv_cs_pending *p = ctx;
    srv_server *s = p->server;
    srv_server_enter(s);
    srv_channel *ch = srv_channel_find(s, p->channel);
    srv_client *c = p->client && !p->client->dead ? p->client : NULL;
    if (status == SRV_STORE_OK || (p->op == CS_DROP && status == SRV_STORE_NOT_FOUND)) {
        switch (p->op) {
        case CS_REGISTER:
            if (!ch)
                ch = srv_channel_create(s, p->channel);
            if (ch) {
                srv_chanreg_free(ch->reg);
                ch->reg = p->reg;
                p->reg = NULL;
            }
            srv_server_log(s, SRV_LOG_INFO, "channel %s registered", p->channel);
            if (ch)
                srv_cluster_chanreg_changed(ch);
            break;
        case CS_DROP:
            if (ch) {
                srv_chanreg_free(ch->reg);
                ch->reg = NULL;
                srv_channel_release(ch);
            }
            srv_server_log(s, SRV_LOG_INFO, "channel %s dropped", p->channel);
            srv_cluster_chanreg_dropped(s, p->channel);
            break;
        case CS_ACCESS:
        case CS_TRANSFER:
            if (ch && ch->reg && p->reg) {
                srv_chanreg_free(ch->reg);
                ch->reg = p->reg;
                p->reg = NULL;
                srv_cluster_chanreg_changed(ch);
            }
            break;
        }
        if (c && p->text[0])
            reply(c, "%s", p->text);
    } else if (c) {
        reply(c, "%s was not changed: %s.", p->channel,
              status == SRV_STORE_EXISTS ? "it is already registered"
                                         : srv_account_error_text(SRV_ACC_UNAVAILABLE));
    }
    pending_forget(p);
    srv_server_leave(s);
}

/* ---- the commands ---- */

/* The registered channel named, with c allowed to manage it (founder, or
 * an operator); NULL after replying why not. */
static srv_channel *managed(srv_client *c, const char *name, int founder_only)
{
    srv_channel *ch = srv_channel_find(c->server, name);
    if (!ch || !ch->reg) {
        reply(c, "%s is not registered.", name);
        return NULL;
    }
    int founder = c->account && strcmp(ch->reg->founder, c->account->key) == 0;
    int access_op = level_of(ch, c->account) == 'o';
    if (!founder && !c->oper && (founder_only || !access_op)) {
        reply(c, "You are not %s of %s.", founder_only ? "the founder" : "an operator on the access list",
              ch->name);
        return NULL;
    }
    return ch;
}

static void cs_register(srv_client *c, char **w, size_t n)
{
    if (n < 2) {
        reply(c, "Syntax: REGISTER <#channel>");
        return;
    }
    if (!c->account) {
        reply(c, "Log in to an account first.");
        return;
    }
    srv_channel *ch = srv_channel_find(c->server, w[1]);
    srv_membership *m = ch ? srv_channel_member(ch, c) : NULL;
    if (!m || !(m->modes & SRV_MEMBER_OP)) {
        reply(c, "You must be a channel operator in %s to register it.", w[1]);
        return;
    }
    if (ch->reg) {
        reply(c, "%s is already registered.", ch->name);
        return;
    }
    struct srv_cs_pending *p = pending_new(c, CS_REGISTER, ch->name);
    struct srv_chanreg *reg = calloc(1, sizeof *reg);
    if (!p || !reg) {
        free(reg);
        if (p)
            pending_forget(p);
        reply(c, "Out of memory.");
        return;
    }
    snprintf(reg->founder, sizeof reg->founder, "%s", c->account->key);
    reg->registered_s = srv_server_wall_us(c->server) / 1000000;
    p->reg = reg;
    snprintf(p->text, sizeof p->text, "%s is now registered to %s.", ch->name, c->account->name);
    write_channel(ch, reg, 1, store_done, p);
}

static void cs_drop(srv_client *c, char **w, size_t n)
{
    if (n < 2) {
        reply(c, "Syntax: DROP <#channel>");
        return;
    }
    srv_channel *ch = managed(c, w[1], 1);
    if (!ch)
        return;
    struct srv_cs_pending *p = pending_new(c, CS_DROP, ch->name);
    if (!p)
        return;
    snprintf(p->text, sizeof p->text, "%s has been dropped.", ch->name);
    char key[SRV_CHANNELLEN_MAX + 1];
    srv_casefold(key, ch->name, sizeof key);
    c->server->store->ops->drop_channel(c->server->store, key, store_done, p);
}

static void cs_info(srv_client *c, char **w, size_t n)
{
    if (n < 2) {
        reply(c, "Syntax: INFO <#channel>");
        return;
    }
    srv_channel *ch = srv_channel_find(c->server, w[1]);
    if (!ch || !ch->reg) {
        reply(c, "%s is not registered.", w[1]);
        return;
    }
    char when[80];
    srv_time_human(ch->reg->registered_s, when, sizeof when);
    srv_account *founder = srv_account_find(c->server, ch->reg->founder);
    reply(c, "Information on %s:", ch->name);
    reply(c, "Founder    : %s", founder ? founder->name : ch->reg->founder);
    reply(c, "Registered : %s", when);
    reply(c, "Access list: %zu", ch->reg->naccess);
    reply(c, "*** End of Info ***");
}

/* Apply an access change to a copy, store it, install it when stored. */
static void cs_access(srv_client *c, char **w, size_t n)
{
    if (n < 3) {
        reply(c, "Syntax: ACCESS <#channel> LIST | ADD <account> op|voice | DEL <account>");
        return;
    }
    const char *sub = w[2];
    if (srv_casecmp(sub, "LIST") == 0) {
        srv_channel *ch = managed(c, w[1], 0);
        if (!ch)
            return;
        reply(c, "Access list of %s:", ch->name);
        for (size_t i = 0; i < ch->reg->naccess; i++) {
            srv_account *a = srv_account_find(c->server, ch->reg->access[i].account);
            reply(c, "%s %s", ch->reg->access[i].level == 'o' ? "op   " : "voice",
                  a ? a->name : ch->reg->access[i].account);
        }
        reply(c, "*** End of list ***");
        return;
    }
    int add = srv_casecmp(sub, "ADD") == 0;
    if ((!add && srv_casecmp(sub, "DEL") != 0) || n < (add ? 5u : 4u)) {
        reply(c, "Syntax: ACCESS <#channel> LIST | ADD <account> op|voice | DEL <account>");
        return;
    }
    srv_channel *ch = managed(c, w[1], 1);
    if (!ch)
        return;
    srv_account *acc = srv_account_find(c->server, w[3]);
    if (!acc) {
        reply(c, "%s is not a registered account.", w[3]);
        return;
    }
    char level = 0;
    if (add) {
        level = srv_casecmp(w[4], "op") == 0 ? 'o' : srv_casecmp(w[4], "voice") == 0 ? 'v' : 0;
        if (!level) {
            reply(c, "The level is op or voice.");
            return;
        }
    }
    struct srv_chanreg *copy = reg_copy(ch->reg);
    if (!copy)
        return;
    size_t index = copy->naccess;
    for (size_t i = 0; i < copy->naccess; i++) {
        if (strcmp(copy->access[i].account, acc->key) == 0)
            index = i;
    }
    if (add && index == copy->naccess) {
        srv_chanreg_access *grown = copy->naccess >= SRV_CHANREG_MAX_ACCESS
                                        ? NULL
                                        : realloc(copy->access, (copy->naccess + 1) * sizeof *grown);
        if (!grown) {
            srv_chanreg_free(copy);
            reply(c, "The access list of %s is full.", ch->name);
            return;
        }
        copy->access = grown;
        snprintf(copy->access[copy->naccess].account, sizeof copy->access[0].account, "%s",
                 acc->key);
        copy->naccess++;
    } else if (!add && index == copy->naccess) {
        srv_chanreg_free(copy);
        reply(c, "%s is not on the access list of %s.", acc->name, ch->name);
        return;
    }
    if (add)
        copy->access[index].level = level;
    else
        copy->access[index] = copy->access[--copy->naccess];
    struct srv_cs_pending *p = pending_new(c, CS_ACCESS, ch->name);
    if (!p) {
        srv_chanreg_free(copy);
        return;
    }
    p->reg = copy;
    if (add)
        snprintf(p->text, sizeof p->text, "%s is now on the access list of %s (%s).", acc->name,
                 ch->name, level == 'o' ? "op" : "voice");
    else
        snprintf(p->text, sizeof p->text, "%s is no longer on the access list of %s.", acc->name,
                 ch->name);
    write_channel(ch, copy, 0, store_done, p);
}

static void cs_transfer(srv_client *c, char **w, size_t n)
{
    if (n < 3) {
        reply(c, "Syntax: TRANSFER <#channel> <account>");
        return;
    }
    srv_channel *ch = managed(c, w[1], 1);
    if (!ch)
        return;
    srv_account *acc = srv_account_find(c->server, w[2]);
    if (!acc) {
        reply(c, "%s is not a registered account.", w[2]);
        return;
    }
    struct srv_chanreg *copy = reg_copy(ch->reg);
    struct srv_cs_pending *p = copy ? pending_new(c, CS_TRANSFER, ch->name) : NULL;
    if (!p) {
        srv_chanreg_free(copy);
        return;
    }
    snprintf(copy->founder, sizeof copy->founder, "%s", acc->key);
    p->reg = copy;
    snprintf(p->text, sizeof p->text, "%s now belongs to %s.", ch->name, acc->name);
    write_channel(ch, copy, 0, store_done, p);
}

static void cs_help(srv_client *c, char **w, size_t n)
{
    (void)w;
    (void)n;
    static const char *const lines[] = {
        "ChanServ keeps registered channels: their topic, modes, key and lists",
        "survive restarts, and their access list gets ops or voice on join.",
        "REGISTER <#channel>                      register it (you: logged in, +o)",
        "INFO <#channel>                          about a registration",
        "ACCESS <#channel> LIST                   the access list",
        "ACCESS <#channel> ADD <account> op|voice add or change an entry (founder)",
        "ACCESS <#channel> DEL <account>          remove an entry (founder)",
        "TRANSFER <#channel> <account>            give the channel away (founder)",
        "DROP <#channel>                          unregister it (founder)",
        "MODE <#channel> +R admits only users logged in to an account.",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        reply(c, "%s", lines[i]);
}

static const srv_service_command commands[] = {
    {"REGISTER", cs_register}, {"DROP", cs_drop},         {"INFO", cs_info},
    {"ACCESS", cs_access},     {"TRANSFER", cs_transfer}, {"HELP", cs_help},
};

static const srv_service chanserv = {"ChanServ", commands, sizeof commands / sizeof commands[0]};

void srv_chanserv(srv_client *c, const char *text)
{
    if (!srv_accounts_enabled(c->server)) {
        reply(c, "%s", c->server->store_broken
                           ? "The account store is unavailable right now; try again later."
                           : "Channel registration is not enabled on this server.");
        return;
    }
    srv_service_run(c, &chanserv, text);
}

void srv_cmd_chanserv(srv_client *c, const srv_msg *msg)
{
    char text[512];
    srv_service_params(msg, text, sizeof text);
    srv_chanserv(c, text);
}

void srv_chanserv_free_all(srv_server *s)
{
    if (s->channels) {
        srv_channel *ch;
        for (;;) {
            srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
            if (!(ch = srv_strmap_next(s->channels, &it)))
                break;
            srv_chanreg_free(ch->reg);
            ch->reg = NULL;
            srv_channel_release(ch);
        }
    }
    while (s->cs_pending)
        pending_forget(s->cs_pending);
}

/* ---- accounts going away ---- */

static void dropped_quietly(void *ctx, int status)
{
    (void)ctx;
    (void)status;
}

void srv_chanreg_account_dropped(srv_server *s, const char *account_key)
{
    srv_channel *ch, *founded[64];
    size_t nfounded;
again:
    nfounded = 0;
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    while ((ch = srv_strmap_next(s->channels, &it))) {
        if (!ch->reg)
            continue;
        if (strcmp(ch->reg->founder, account_key) == 0) {
            if (nfounded < sizeof founded / sizeof founded[0])
                founded[nfounded++] = ch;
            continue;
        }
        for (size_t i = 0; i < ch->reg->naccess; i++) {
            if (strcmp(ch->reg->access[i].account, account_key) == 0) {
                ch->reg->access[i] = ch->reg->access[--ch->reg->naccess];
                srv_chanreg_changed(ch);
                break;
            }
        }
    }
    /* Collected first: releasing a channel changes the table being walked. */
    for (size_t i = 0; i < nfounded; i++) {
        char key[SRV_CHANNELLEN_MAX + 1];
        srv_casefold(key, founded[i]->name, sizeof key);
        if (s->store && !srv_cluster_applying(s))
            s->store->ops->drop_channel(s->store, key, dropped_quietly, NULL);
        srv_server_log(s, SRV_LOG_INFO, "channel %s dropped with its founder's account",
                       founded[i]->name);
        srv_chanreg_free(founded[i]->reg);
        founded[i]->reg = NULL;
        srv_channel_release(founded[i]);
    }
    if (nfounded == sizeof founded / sizeof founded[0])
        goto again; /* more than one batch */
}

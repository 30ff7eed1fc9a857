/* SPDX-License-Identifier: MIT */
/*
 * Cluster mode's core (cluster.h, cluster-core.h): the other nodes'
 * clients as mirrors, the events that keep them in step, heartbeats and
 * node deadlines, and the network-wide nick claims.
 *
 * Events, after "<node> <seq> " (docs/cluster.md has the whole list):
 *   H                                   heartbeat
 *   HELLO                               a node (re)joined: everyone bursts
 *   SYNC node                           that node alone bursts (it was dropped
 *                                       here for silence and is heard again)
 *   U serial nick user host signon flags account :realname   a client registered
 *   N serial nick                       renamed
 *   Q serial :reason                    quit
 *   C serial msgid modes line           ran an IRC command (JOIN, PRIVMSG ...)
 *   X serial msgid line                 runs a channel change (MODE, TOPIC, KICK)
 *                                       everywhere, its own node included, in
 *                                       the order Redis delivers it
 *   S #chan created modes key limit topic_time setter :topic   channel state
 *   L #chan letter when setter mask     one +b/+e/+I entry
 *   ACCT serial account|*               logged in or out
 *   A name registered credential certfps|-   an account stored
 *   AD name                             an account dropped
 *   CR #chan founder registered access|-   a channel registration stored
 *   CRD #chan                           a channel registration dropped
 *   F serial flags                      user modes changed (o i w B)
 *   D node serial :reason               that node disconnects its client (KILL,
 *                                       NickServ GHOST from elsewhere)
 * A mirror's command is run through the same handler as a local one, so
 * local members get exactly what they would get from a local sender; the
 * handlers skip the permission checks for a C event (the origin made
 * them) and take the origin's message ID and member modes from here.
 *
 * Channel changes (X) are ordered by Redis instead: one pub/sub channel
 * reaches every subscriber in the order Redis took the PUBLISHes, so
 * every node, the origin included, runs them with their checks on the
 * same state in the same order, and two operators' changes at once end
 * the same way everywhere.
 */
#include "cluster-core.h"

#include "account.h"
#include "casemap.h"
#include "channel.h"
#include "chanserv.h"
#include "client.h"
#include "commands.h"
#include "history.h"
#include "irc-parse.h"
#include "label.h"
#include "monitor.h"
#include "numerics.h"
#include "registration.h"
#include "send.h"
#include "server.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODE_ID_MAX 80
/* An event: its header, a command's tags and a line. */
#define EVENT_MAX (SRV_MSG_MAX_CLIENT_TAG_BYTES + 2048)

typedef struct srv_cluster_node srv_cluster_node;

struct srv_cluster_node {
    char id[NODE_ID_MAX];   /* "name~incarnation" */
    char name[NODE_ID_MAX]; /* "name" */
    uint64_t last_seen_ms;
    uint64_t seq;        /* the last event seen from it */
    srv_strmap *clients; /* serial (decimal) -> mirror */
};

typedef struct pending_claim {
    struct pending_claim *next;
    srv_server *server;
    srv_client *client; /* NULL once the client is gone */
    char key[SRV_NICKLEN_MAX + 1];
    char nick[SRV_NICKLEN_MAX + 1];
    char owner[NODE_ID_MAX + 24];
} pending_claim;

/* A JOIN of a channel nobody has: waiting for the network to say who creates it. */
typedef struct pending_join {
    struct pending_join *next;
    srv_server *server;
    srv_client *client; /* NULL once the client is gone */
    char name[SRV_CHANNELLEN_MAX + 1];
    char key[SRV_KEYLEN + 1];
    int has_key;
    char claim[SRV_CHANNELLEN_MAX + 2]; /* the casefolded name, as claimed */
    char owner[NODE_ID_MAX + 24];
    char *label; /* the JOIN's label (labeled-response), answered when decided */
} pending_join;

/* A line a client sent while its nick was being claimed for registration. */
typedef struct held_line {
    struct held_line *next;
    srv_client *client;
    size_t len;
    char text[];
} held_line;

/* A labeled command of ours waiting for its X event to come back. */
typedef struct deferred_label {
    struct deferred_label *next;
    srv_client *client;
    int64_t msgid;
    char *label;
} deferred_label;

#define HELD_LINES_MAX 32 /* per client; past it lines run at once (and get 451) */

struct srv_cluster {
    char id[NODE_ID_MAX];
    char name[NODE_ID_MAX];
    const srv_cluster_link *link;
    void *ctx;
    int up;
    uint64_t seq;
    uint64_t next_serial;
    srv_strmap *nodes; /* id -> srv_cluster_node */
    uint64_t heartbeat_due_ms;
    uint64_t hello_sent_ms;
    pending_claim *claims;
    pending_join *joins;
    held_line *held, **held_tail;
    deferred_label *labels;
    /* set while a decided JOIN runs again */
    const char *decided_name;
    int decided_creator;
    const char *decided_owner; /* the claim granted, NULL: none */
    int decided_used;
    int applying; /* inside receive(), a node's drop: see srv_cluster_applying() */
    int trusted;  /* applying a C event: the handlers skip their checks */
    int running_change; /* running an X event: it is not deferred or noted again */
    srv_strmap *locals; /* serial (decimal) -> this node's client, for X events */
    /* set while a mirror's command is applied */
    int have_msgid;
    int64_t msgid;
    int have_modes;
    unsigned modes;
};

/* ---- publishing ---- */

static void publish(srv_server *s, const char *fmt, ...) SRV_PRINTF(2, 3);

static void publish(srv_server *s, const char *fmt, ...)
{
    struct srv_cluster *cl = s->cluster;
    if (!cl || !cl->up)
        return;
    char line[EVENT_MAX];
    int head = snprintf(line, sizeof line, "%s %" PRIu64 " ", cl->id, ++cl->seq);
    va_list ap;
    va_start(ap, fmt);
    int body = vsnprintf(line + head, sizeof line - (size_t)head, fmt, ap);
    va_end(ap);
    if (body < 0 || (size_t)(head + body) >= sizeof line) {
        srv_server_log(s, SRV_LOG_WARNING, "cluster: an event too long to publish was dropped");
        return;
    }
    cl->link->publish(cl->ctx, line, (size_t)(head + body));
}

static void owner_of(const srv_client *c, char *dst, size_t size)
{
    snprintf(dst, size, "%s %" PRIu64, c->server->cluster->id, c->cluster_serial);
}

static int is_local_member(const srv_client *c)
{
    return c->server->cluster && !srv_client_is_mirror(c) && c->registered && !c->dead;
}

void srv_cluster_note(srv_client *c, int64_t msgid, unsigned member_modes, const char *fmt, ...)
{
    if (!is_local_member(c) || !c->server->cluster->up || c->server->cluster->running_change)
        return;
    char line[EVENT_MAX - 256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    char modes[4] = "-";
    if (member_modes) {
        size_t k = 0;
        if (member_modes & SRV_MEMBER_OP)
            modes[k++] = 'o';
        if (member_modes & SRV_MEMBER_VOICE)
            modes[k++] = 'v';
        modes[k] = '\0';
    }
    publish(c->server, "C %" PRIu64 " %" PRId64 " %s %s", c->cluster_serial, msgid, modes, line);
}

/* c's user modes as an event shows them: "oiwBS", "-" for none. */
static void user_flags(const srv_client *c, char flags[8])
{
    size_t k = 0;
    if (c->oper)
        flags[k++] = 'o';
    if (c->invisible)
        flags[k++] = 'i';
    if (c->wallops)
        flags[k++] = 'w';
    if (c->bot)
        flags[k++] = 'B';
    if (c->secure)
        flags[k++] = 'S';
    if (!k)
        flags[k++] = '-';
    flags[k] = '\0';
}

static void apply_flags(srv_client *m, const char *flags)
{
    srv_client_set_oper(m, strchr(flags, 'o') != NULL);
    srv_client_set_invisible(m, strchr(flags, 'i') != NULL);
    srv_client_set_wallops(m, strchr(flags, 'w') != NULL);
    srv_client_set_bot(m, strchr(flags, 'B') != NULL);
    m->secure = strchr(flags, 'S') != NULL;
}

void srv_cluster_modes_changed(srv_client *c)
{
    if (!is_local_member(c))
        return;
    char flags[8];
    user_flags(c, flags);
    publish(c->server, "F %" PRIu64 " %s", c->cluster_serial, flags);
}

static void introduce(srv_client *c)
{
    char flags[8];
    user_flags(c, flags);
    publish(c->server, "U %" PRIu64 " %s %s %s %lld %s %s :%s", c->cluster_serial, c->nick,
            c->user, c->host, (long long)c->signon_s, flags, c->account ? c->account->name : "*",
            c->realname);
}

void srv_cluster_registered(srv_client *c)
{
    if (is_local_member(c))
        introduce(c);
}

void srv_cluster_renamed(srv_client *c, const char *old_nick)
{
    if (!is_local_member(c))
        return;
    struct srv_cluster *cl = c->server->cluster;
    publish(c->server, "N %" PRIu64 " %s", c->cluster_serial, c->nick);
    char old_key[SRV_NICKLEN_MAX + 1], owner[NODE_ID_MAX + 24];
    srv_casefold(old_key, old_nick, sizeof old_key);
    if (strcmp(old_key, c->claimed) != 0) {
        owner_of(c, owner, sizeof owner);
        cl->link->release_nick(cl->ctx, old_key, owner);
    }
}

void srv_cluster_quitting(srv_client *c, const char *reason)
{
    struct srv_cluster *cl = c->server->cluster;
    if (!cl)
        return;
    if (srv_client_is_mirror(c)) {
        char serial[24];
        snprintf(serial, sizeof serial, "%" PRIu64, c->cluster_serial);
        if (srv_strmap_get(c->home->clients, serial) == c)
            srv_strmap_remove(c->home->clients, serial);
        return;
    }
    if (c->cluster_serial) {
        char serial[24];
        snprintf(serial, sizeof serial, "%" PRIu64, c->cluster_serial);
        if (srv_strmap_get(cl->locals, serial) == c)
            srv_strmap_remove(cl->locals, serial);
    }
    if (c->registered)
        publish(c->server, "Q %" PRIu64 " :%s", c->cluster_serial, reason);
    if (c->claimed[0]) {
        char owner[NODE_ID_MAX + 24];
        owner_of(c, owner, sizeof owner);
        cl->link->release_nick(cl->ctx, c->claimed, owner);
        c->claimed[0] = '\0';
    }
}

void srv_cluster_note_account(srv_client *c)
{
    if (is_local_member(c))
        publish(c->server, "ACCT %" PRIu64 " %s", c->cluster_serial,
                c->account ? c->account->name : "*");
}

void srv_cluster_account_changed(srv_server *s, const srv_account *acc)
{
    char fps[SRV_ACCOUNT_MAX_CERTS * 65 + 2] = "";
    size_t n = 0;
    for (size_t i = 0; i < acc->ncertfps; i++) {
        int w = snprintf(fps + n, sizeof fps - n, "%s%s", i ? "," : "", acc->certfps[i]);
        if (w > 0 && (size_t)w < sizeof fps - n)
            n += (size_t)w;
    }
    publish(s, "A %s %lld %s %s", acc->name, (long long)acc->registered_s, acc->credential,
            n ? fps : "-");
}

void srv_cluster_account_dropped(srv_server *s, const char *key)
{
    publish(s, "AD %s", key);
}

void srv_cluster_chanreg_changed(srv_channel *ch)
{
    const struct srv_chanreg *reg = ch->reg;
    if (!reg || !ch->server->cluster)
        return;
    char access[SRV_CHANREG_MAX_ACCESS * (SRV_NICKLEN_MAX + 3) + 2] = "";
    size_t n = 0;
    for (size_t i = 0; i < reg->naccess; i++) {
        int w = snprintf(access + n, sizeof access - n, "%s%c:%s", i ? "," : "",
                         reg->access[i].level, reg->access[i].account);
        if (w > 0 && (size_t)w < sizeof access - n)
            n += (size_t)w;
    }
    publish(ch->server, "CR %s %s %lld %s", ch->name, reg->founder, (long long)reg->registered_s,
            n ? access : "-");
}

void srv_cluster_chanreg_dropped(srv_server *s, const char *name)
{
    publish(s, "CRD %s", name);
}

static void keep_label(struct srv_cluster *cl, srv_client *c, int64_t msgid);

/* A local client's number on this node, given once, and the way back
 * from it (X events name their client by it). */
static void give_serial(srv_client *c)
{
    struct srv_cluster *cl = c->server->cluster;
    if (c->cluster_serial)
        return;
    c->cluster_serial = ++cl->next_serial;
    char serial[24];
    snprintf(serial, sizeof serial, "%" PRIu64, c->cluster_serial);
    (void)srv_strmap_put(cl->locals, serial, c);
}

int srv_cluster_trusted(const srv_client *c)
{
    return srv_client_is_mirror(c) && c->server->cluster && c->server->cluster->trusted;
}

int srv_cluster_defer(srv_client *c, const srv_msg *msg)
{
    srv_server *s = c->server;
    struct srv_cluster *cl = s->cluster;
    if (!cl || !cl->up || cl->running_change || srv_client_is_mirror(c) || !c->registered)
        return 0;
    give_serial(c);
    char line[EVENT_MAX - 256];
    size_t n = (size_t)snprintf(line, sizeof line, "%s", msg->command);
    for (size_t i = 0; i < msg->nparams && n < sizeof line; i++) {
        int last = i + 1 == msg->nparams;
        n += (size_t)snprintf(line + n, sizeof line - n, " %s%s",
                              last && (!msg->params[i][0] || strchr(msg->params[i], ' ') ||
                                       msg->params[i][0] == ':')
                                  ? ":"
                                  : "",
                              msg->params[i]);
    }
    if (n >= sizeof line)
        return 0;
    /* One message ID for every node's copy of the change. */
    int64_t msgid = srv_msgid_next(s);
    publish(s, "X %" PRIu64 " %" PRId64 " %s", c->cluster_serial, msgid, line);
    keep_label(cl, c, msgid);
    return 1;
}

int srv_cluster_disconnect(srv_client *victim, const char *reason)
{
    if (!srv_client_is_mirror(victim))
        return 0;
    publish(victim->server, "D %s %" PRIu64 " :%s", victim->home->id, victim->cluster_serial,
            reason);
    return 1;
}

static int claim_pending(const srv_client *c)
{
    for (const pending_claim *p = c->server->cluster->claims; p; p = p->next) {
        if (p->client == c)
            return 1;
    }
    return 0;
}

int srv_cluster_hold_line(srv_client *c, const char *line, size_t len)
{
    struct srv_cluster *cl = c->server->cluster;
    if (!cl || c->registered || srv_client_is_mirror(c) || !claim_pending(c))
        return 0;
    size_t n = 0;
    for (const held_line *h = cl->held; h; h = h->next)
        n += h->client == c;
    if (n >= HELD_LINES_MAX)
        return 0;
    held_line *h = malloc(sizeof *h + len + 1);
    if (!h)
        return 0;
    h->next = NULL;
    h->client = c;
    h->len = len;
    memcpy(h->text, line, len);
    h->text[len] = '\0';
    *cl->held_tail = h;
    cl->held_tail = &h->next;
    return 1;
}

/* The claim c waited for is answered: run what it sent meanwhile, in
 * order, until a line starts another claim (the rest waits for that). */
static void release_held(srv_client *c)
{
    struct srv_cluster *cl = c->server->cluster;
    while (!c->dead && !claim_pending(c)) {
        held_line **pp = &cl->held;
        while (*pp && (*pp)->client != c)
            pp = &(*pp)->next;
        held_line *h = *pp;
        if (!h)
            return;
        *pp = h->next;
        if (cl->held_tail == &h->next)
            cl->held_tail = pp;
        srv_client_line(c, h->text, h->len);
        free(h);
    }
}

static void forget_held(struct srv_cluster *cl, const srv_client *c)
{
    for (held_line **pp = &cl->held; *pp;) {
        held_line *h = *pp;
        if (c && h->client != c) {
            pp = &h->next;
            continue;
        }
        *pp = h->next;
        free(h);
    }
    cl->held_tail = &cl->held;
    while (*cl->held_tail)
        cl->held_tail = &(*cl->held_tail)->next;
}

/* labeled-response for a deferred command: the label waits with it. */
static void keep_label(struct srv_cluster *cl, srv_client *c, int64_t msgid)
{
    if (!c->label)
        return;
    deferred_label *d = calloc(1, sizeof *d);
    if (!d)
        return;
    d->client = c;
    d->msgid = msgid;
    d->label = c->label;
    c->label = NULL; /* srv_label_end() after the dispatch sends nothing */
    d->next = cl->labels;
    cl->labels = d;
}

static void forget_labels(struct srv_cluster *cl, const srv_client *c)
{
    for (deferred_label **pp = &cl->labels; *pp;) {
        deferred_label *d = *pp;
        if (c && d->client != c) {
            pp = &d->next;
            continue;
        }
        *pp = d->next;
        free(d->label);
        free(d);
    }
}

/* ---- nick claims ---- */

/* An unregistered client whose nick the network refused: it has none. */
static void drop_unregistered_nick(srv_client *c)
{
    srv_server *s = c->server;
    if (c->nick[0] && srv_strmap_get(s->nicks, c->nick) == c)
        srv_strmap_remove(s->nicks, c->nick);
    c->nick[0] = '\0';
}

static void claim_done(void *ctx, int status)
{
    pending_claim *p = ctx;
    srv_server *s = p->server;
    struct srv_cluster *cl = s->cluster;
    for (pending_claim **pp = &cl->claims; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    srv_client *c = p->client;
    if (!c || c->dead) {
        /* Granted to a client that left meanwhile: nobody uses it. */
        if (status == SRV_CLUSTER_CLAIMED)
            cl->link->release_nick(cl->ctx, p->key, p->owner);
        free(p);
        return;
    }
    srv_server_enter(s);
    if (status == SRV_CLUSTER_CLAIMED) {
        if (!c->registered) {
            /* A nick claimed before this one (NICK twice before USER) goes back. */
            if (c->claimed[0] && strcmp(c->claimed, p->key) != 0)
                cl->link->release_nick(cl->ctx, c->claimed, p->owner);
            snprintf(c->claimed, sizeof c->claimed, "%s", p->key);
            srv_client_try_register(c);
        } else {
            srv_client *holder = srv_client_find(s, p->nick);
            if (holder && holder != c) {
                srv_numeric(c, ERR_NICKNAMEINUSE, "%s :Nickname is already in use", p->nick);
                cl->link->release_nick(cl->ctx, p->key, p->owner);
            } else {
                /* srv_cluster_renamed() gives the old claim back. */
                snprintf(c->claimed, sizeof c->claimed, "%s", p->key);
                srv_client_set_nick(c, p->nick);
            }
        }
    } else {
        /* A client still registering has no nick now: the reply says "*". */
        if (!c->registered)
            drop_unregistered_nick(c);
        if (status == SRV_CLUSTER_TAKEN)
            srv_numeric(c, ERR_NICKNAMEINUSE, "%s :Nickname is already in use", p->nick);
        else
            srv_numeric(c, ERR_UNAVAILRESOURCE,
                        "%s :Nick is temporarily unavailable (the network cannot confirm it now)",
                        p->nick);
    }
    free(p);
    release_held(c);
    srv_server_leave(s);
}

int srv_cluster_claim(srv_client *c, const char *nick)
{
    srv_server *s = c->server;
    struct srv_cluster *cl = s->cluster;
    if (!cl || srv_client_is_mirror(c))
        return 0;
    char key[SRV_NICKLEN_MAX + 1];
    srv_casefold(key, nick, sizeof key);
    if (strcmp(key, c->claimed) == 0)
        return 0;
    for (pending_claim *p = cl->claims; p; p = p->next) {
        if (p->client == c && strcmp(p->key, key) == 0)
            return 1; /* asked already: the answer goes on */
    }
    if (!cl->up) {
        char wanted[SRV_NICKLEN_MAX + 1];
        snprintf(wanted, sizeof wanted, "%s", nick); /* nick may be c->nick */
        if (!c->registered)
            drop_unregistered_nick(c);
        srv_numeric(c, ERR_UNAVAILRESOURCE,
                    "%s :Nick is temporarily unavailable (the network cannot confirm it now)",
                    wanted);
        return 1;
    }
    pending_claim *p = calloc(1, sizeof *p);
    if (!p)
        return 1;
    give_serial(c);
    p->server = s;
    p->client = c;
    snprintf(p->key, sizeof p->key, "%s", key);
    snprintf(p->nick, sizeof p->nick, "%s", nick);
    owner_of(c, p->owner, sizeof p->owner);
    p->next = cl->claims;
    cl->claims = p;
    cl->link->claim_nick(cl->ctx, key, p->owner, claim_done, p);
    return 1;
}

void srv_cluster_each_claim(srv_server *s, void (*fn)(void *ctx, const char *key,
                                                      const char *owner),
                            void *ctx)
{
    if (!s->cluster)
        return;
    char owner[NODE_ID_MAX + 24];
    /* fn may answer at once and end a client (srv_cluster_claim_lost()):
     * inside an entry point its memory stays until the walk is over. */
    srv_server_enter(s);
    for (srv_client *c = s->clients, *following; c; c = following) {
        following = c->next;
        if (!srv_client_is_mirror(c) && c->claimed[0] && !c->dead) {
            owner_of(c, owner, sizeof owner);
            fn(ctx, c->claimed, owner);
        }
    }
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_channel *ch;
    while ((ch = srv_strmap_next(s->channels, &it)) != NULL) {
        if (ch->claim_owner) {
            char claim[SRV_CHANNELLEN_MAX + 2];
            srv_casefold(claim, ch->name, sizeof claim);
            fn(ctx, claim, ch->claim_owner);
        }
    }
    srv_server_leave(s);
}

void srv_cluster_claim_lost(srv_server *s, const char *key, const char *owner)
{
    if (!s->cluster)
        return;
    srv_server_enter(s);
    if (key[0] == '#') {
        srv_channel *ch = srv_channel_find(s, key);
        if (ch && ch->claim_owner && strcmp(ch->claim_owner, owner) == 0) {
            free(ch->claim_owner);
            ch->claim_owner = NULL;
        }
    } else {
        srv_client *c = srv_client_find(s, key);
        char mine[NODE_ID_MAX + 24];
        if (c && !srv_client_is_mirror(c) && strcmp(c->claimed, key) == 0) {
            owner_of(c, mine, sizeof mine);
            if (strcmp(mine, owner) == 0) {
                c->claimed[0] = '\0'; /* not ours to give back */
                srv_server_log(s, SRV_LOG_WARNING,
                               "cluster: %s was taken on another node while this one was cut "
                               "off: disconnecting the client here",
                               c->nick);
                srv_client_quit(c, "Nick collision",
                                "Nick collision: the nick was taken elsewhere on the network");
            }
        }
    }
    srv_server_leave(s);
}

void srv_cluster_client_freed(srv_client *c)
{
    struct srv_cluster *cl = c->server->cluster;
    if (!cl)
        return;
    for (pending_claim *p = cl->claims; p; p = p->next) {
        if (p->client == c)
            p->client = NULL;
    }
    for (pending_join *j = cl->joins; j; j = j->next) {
        if (j->client == c) {
            j->client = NULL;
            free(j->label);
            j->label = NULL;
        }
    }
    forget_held(cl, c);
    forget_labels(cl, c);
}

/* ---- channel creation ---- */

static void join_decided(void *ctx, int status)
{
    pending_join *j = ctx;
    srv_server *s = j->server;
    struct srv_cluster *cl = s->cluster;
    for (pending_join **pp = &cl->joins; *pp; pp = &(*pp)->next) {
        if (*pp == j) {
            *pp = j->next;
            break;
        }
    }
    srv_client *c = j->client;
    if (c && !c->dead) {
        srv_server_enter(s);
        /* Granted: c creates it.  Unavailable: the node is cut off and
         * creates it alone, as a server in a netsplit does.  Taken: it
         * exists elsewhere and c joins it without @. */
        cl->decided_name = j->name;
        cl->decided_creator = status != SRV_CLUSTER_TAKEN;
        cl->decided_owner = status == SRV_CLUSTER_CLAIMED ? j->owner : NULL;
        cl->decided_used = 0;
        c->label = j->label;
        j->label = NULL;
        srv_channel_join_decided(c, j->name, j->has_key ? j->key : NULL);
        srv_label_end(c);
        int used = cl->decided_used;
        cl->decided_name = NULL;
        cl->decided_owner = NULL;
        if (status == SRV_CLUSTER_CLAIMED && !used)
            cl->link->release_nick(cl->ctx, j->claim, j->owner);
        srv_server_leave(s);
    } else if (status == SRV_CLUSTER_CLAIMED) {
        cl->link->release_nick(cl->ctx, j->claim, j->owner);
    }
    free(j->label);
    free(j);
}

int srv_cluster_claim_channel(srv_client *c, const char *name, const char *key, int *creator)
{
    srv_server *s = c->server;
    struct srv_cluster *cl = s->cluster;
    *creator = 1;
    if (!cl || srv_client_is_mirror(c))
        return 0;
    if (cl->decided_name && srv_casecmp(cl->decided_name, name) == 0) {
        *creator = cl->decided_creator;
        return 0;
    }
    if (!cl->up)
        return 0; /* cut off: created here alone (see join_decided) */
    pending_join *j = calloc(1, sizeof *j);
    if (!j)
        return 1;
    give_serial(c);
    j->server = s;
    j->client = c;
    snprintf(j->name, sizeof j->name, "%s", name);
    if (key) {
        snprintf(j->key, sizeof j->key, "%s", key);
        j->has_key = 1;
    }
    /* Channel names start with '#', nicks never do: one table holds both. */
    srv_casefold(j->claim, name, sizeof j->claim);
    owner_of(c, j->owner, sizeof j->owner);
    j->label = c->label; /* answered with the JOIN's replies once decided */
    c->label = NULL;
    j->next = cl->joins;
    cl->joins = j;
    cl->link->claim_nick(cl->ctx, j->claim, j->owner, join_decided, j);
    return 1;
}

void srv_cluster_channel_created(srv_channel *ch)
{
    struct srv_cluster *cl = ch->server->cluster;
    if (!cl || !cl->decided_owner || !cl->decided_name ||
        srv_casecmp(cl->decided_name, ch->name) != 0)
        return;
    ch->claim_owner = srv_config_strdup(cl->decided_owner);
    cl->decided_used = ch->claim_owner != NULL;
}

void srv_cluster_channel_gone(srv_channel *ch)
{
    struct srv_cluster *cl = ch->server->cluster;
    if (!ch->claim_owner)
        return;
    if (cl) {
        char claim[SRV_CHANNELLEN_MAX + 2];
        srv_casefold(claim, ch->name, sizeof claim);
        cl->link->release_nick(cl->ctx, claim, ch->claim_owner);
    }
    free(ch->claim_owner);
    ch->claim_owner = NULL;
}

/* ---- applying other nodes' events ---- */

int srv_cluster_take_msgid(srv_server *s, int64_t *msgid)
{
    struct srv_cluster *cl = s->cluster;
    if (!cl || !cl->have_msgid)
        return 0;
    cl->have_msgid = 0;
    *msgid = cl->msgid;
    return 1;
}

int srv_cluster_applying(const srv_server *s)
{
    return s->cluster && s->cluster->applying;
}

int srv_cluster_join_modes(srv_server *s, unsigned *modes)
{
    struct srv_cluster *cl = s->cluster;
    if (!cl || !cl->have_modes)
        return 0;
    *modes = cl->modes;
    return 1;
}

static void free_node(srv_cluster_node *n)
{
    srv_strmap_free(n->clients);
    free(n);
}

/* A node is gone (deadline, restart, or the link down): its clients quit
 * as in a netsplit, "<our server> <their node>". */
static void drop_node(srv_server *s, srv_cluster_node *n, const char *why)
{
    char reason[2 * NODE_ID_MAX + 8];
    snprintf(reason, sizeof reason, "%s %s", s->cfg.server_name, n->name);
    size_t count = srv_strmap_count(n->clients);
    srv_server_log(s, SRV_LOG_WARNING, "cluster: node %s is gone (%s): %zu clients quit", n->id,
                   why, count);
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_client *m;
    /* Quitting removes from the map: collect first. */
    srv_client **all = count ? calloc(count, sizeof *all) : NULL;
    size_t k = 0;
    while (all && (m = srv_strmap_next(n->clients, &it)) != NULL && k < count)
        all[k++] = m;
    s->cluster->applying++; /* every node sees this split: no one records it */
    for (size_t i = 0; i < k; i++)
        srv_client_quit(all[i], reason, reason);
    s->cluster->applying--;
    free(all);
    srv_strmap_remove(s->cluster->nodes, n->id);
    free_node(n);
}

static srv_cluster_node *node_for(srv_server *s, const char *id)
{
    struct srv_cluster *cl = s->cluster;
    srv_cluster_node *n = srv_strmap_get(cl->nodes, id);
    if (n)
        return n;
    const char *tilde = strchr(id, '~');
    size_t name_len = tilde ? (size_t)(tilde - id) : strlen(id);
    /* The same node started again: its earlier self is gone. */
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_cluster_node *other;
    while ((other = srv_strmap_next(cl->nodes, &it)) != NULL) {
        if (strlen(other->name) == name_len && strncmp(other->name, id, name_len) == 0) {
            drop_node(s, other, "restarted");
            it = (srv_strmap_iter)SRV_STRMAP_ITER_INIT;
        }
    }
    n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    snprintf(n->id, sizeof n->id, "%s", id);
    snprintf(n->name, sizeof n->name, "%.*s", (int)name_len, id);
    n->clients = srv_strmap_new();
    if (!n->clients || srv_strmap_put(cl->nodes, n->id, n) < 0) {
        srv_strmap_free(n->clients);
        free(n);
        return NULL;
    }
    srv_server_log(s, SRV_LOG_INFO, "cluster: node %s joined", n->id);
    return n;
}

static srv_client *mirror_of(srv_cluster_node *n, const char *serial)
{
    return srv_strmap_get(n->clients, serial);
}

/* The next space-separated word of *p (or the rest after ':'), NUL-terminated in place. */
static char *next_word(char **p)
{
    char *s = *p;
    if (!s || !*s)
        return NULL;
    if (*s == ':') {
        *p = NULL;
        return s + 1;
    }
    char *sp = strchr(s, ' ');
    if (sp) {
        *sp = '\0';
        *p = sp + 1;
    } else {
        *p = NULL;
    }
    return s;
}

/* A nick the network gave another node's client is held here by a local
 * client still registering (its own claim is on its way and will lose):
 * it gives the nick up now.  @return 1 when it did */
static int yield_nick(srv_client *holder)
{
    if (srv_client_is_mirror(holder) || holder->registered)
        return 0;
    char nick[SRV_NICKLEN_MAX + 1];
    snprintf(nick, sizeof nick, "%s", holder->nick);
    drop_unregistered_nick(holder);
    srv_numeric(holder, ERR_NICKNAMEINUSE, "%s :Nickname is already in use", nick);
    return 1;
}

static void apply_user(srv_server *s, srv_cluster_node *n, char *rest)
{
    char *serial = next_word(&rest), *nick = next_word(&rest), *user = next_word(&rest);
    char *host = next_word(&rest), *signon = next_word(&rest), *flags = next_word(&rest);
    char *account = next_word(&rest), *realname = next_word(&rest);
    if (!realname || !srv_nick_valid(nick, SRV_NICKLEN_MAX) || !srv_client_valid_host(host) ||
        !srv_client_valid_user(user))
        return;
    if (mirror_of(n, serial))
        return; /* a burst again: known */
    srv_client *holder = srv_client_find(s, nick);
    if (holder && yield_nick(holder))
        holder = NULL;
    if (holder) {
        srv_server_log(s, SRV_LOG_WARNING,
                       "cluster: %s from node %s collides with a client here; not shown", nick,
                       n->id);
        return;
    }
    srv_client *m = srv_client_new_mirror(s, host);
    if (!m)
        return;
    m->home = n;
    m->cluster_serial = strtoull(serial, NULL, 10);
    if (srv_strmap_put(n->clients, serial, m) < 0) {
        m->home = NULL;
        srv_client_quit(m, "out of memory", "out of memory");
        return;
    }
    srv_client_set_nick(m, nick);
    snprintf(m->user, sizeof m->user, "%s", user);
    srv_client_set_realname(m, realname);
    m->signon_s = strtoll(signon, NULL, 10);
    apply_flags(m, flags);
    srv_client_set_registered(m);
    srv_account *acc = strcmp(account, "*") ? srv_account_find(s, account) : NULL;
    if (acc)
        m->account = acc;
    srv_monitor_signed_on(m);
}

static void apply_account_state(srv_server *s, srv_cluster_node *n, char *rest)
{
    char *serial = next_word(&rest), *account = next_word(&rest);
    srv_client *m = account ? mirror_of(n, serial) : NULL;
    if (!m || m->dead)
        return;
    if (!strcmp(account, "*")) {
        srv_account_logout(m);
        return;
    }
    srv_account *acc = srv_account_find(s, account);
    if (acc && m->account != acc)
        srv_account_login(m, acc);
}

static void apply_account_record(srv_server *s, char *rest)
{
    char *name = next_word(&rest), *registered = next_word(&rest);
    char *credential = next_word(&rest), *fps = next_word(&rest);
    if (!fps || !s->accounts || !srv_nick_valid(name, SRV_NICKLEN_MAX))
        return;
    const char *list[SRV_ACCOUNT_MAX_CERTS];
    size_t nfps = 0;
    for (char *save = strcmp(fps, "-") ? fps : NULL, *fp; save && nfps < SRV_ACCOUNT_MAX_CERTS;) {
        fp = save;
        char *comma = strchr(save, ',');
        if (comma)
            *comma = '\0';
        save = comma ? comma + 1 : NULL;
        list[nfps++] = fp;
    }
    char key[SRV_NICKLEN_MAX + 1];
    srv_casefold(key, name, sizeof key);
    srv_store_account r = {
        .key = key,
        .name = name,
        .credential = credential,
        .registered_s = strtoll(registered, NULL, 10),
        .certfps = list,
        .ncertfps = nfps,
    };
    if (srv_accounts_replace(s, &r) < 0)
        srv_server_log(s, SRV_LOG_WARNING, "cluster: account %s from another node not taken (out of memory)", name);
}

/* Which commands a mirror may run here: what changes what others see. */
static int replicated(const char *command)
{
    static const char *const names[] = {"JOIN",   "PART",   "PRIVMSG", "NOTICE",   "TAGMSG",
                                        "AWAY",   "SETNAME", "INVITE", "MARKREAD", "WALLOPS"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(command, names[i]) == 0)
            return 1;
    }
    return 0;
}

static void apply_command(srv_server *s, srv_cluster_node *n, char *rest)
{
    struct srv_cluster *cl = s->cluster;
    char *serial = next_word(&rest), *msgid = next_word(&rest), *modes = next_word(&rest);
    if (!modes || !rest)
        return;
    srv_client *m = mirror_of(n, serial);
    if (!m || m->dead)
        return;
    srv_msg msg;
    if (srv_msg_parse(rest, &msg) < 0)
        return;
    const srv_command *cmd = srv_command_find(msg.command);
    if (!cmd || !replicated(cmd->name) || msg.nparams < cmd->min_params)
        return;
    if (msg.nparams > cmd->max_params)
        msg.nparams = cmd->max_params;
    cl->msgid = strtoll(msgid, NULL, 10);
    cl->have_msgid = cl->msgid > 0;
    cl->modes = (strchr(modes, 'o') ? SRV_MEMBER_OP : 0) | (strchr(modes, 'v') ? SRV_MEMBER_VOICE : 0);
    cl->have_modes = 1;
    cl->trusted = 1;
    cmd->handler(m, &msg);
    cl->trusted = 0;
    cl->have_msgid = 0;
    cl->have_modes = 0;
}

/* An X event: a channel change run here as on every node, with its
 * checks, by the client (a mirror, or one of ours) that asked for it. */
static void run_change(srv_server *s, srv_client *c, char *msgid, char *line)
{
    struct srv_cluster *cl = s->cluster;
    if (!c || c->dead || !line)
        return;
    srv_msg msg;
    if (srv_msg_parse(line, &msg) < 0)
        return;
    const srv_command *cmd = srv_command_find(msg.command);
    if (!cmd || msg.nparams < cmd->min_params ||
        (strcmp(cmd->name, "MODE") != 0 && strcmp(cmd->name, "TOPIC") != 0 &&
         strcmp(cmd->name, "KICK") != 0))
        return;
    if (msg.nparams > cmd->max_params)
        msg.nparams = cmd->max_params;
    cl->msgid = strtoll(msgid, NULL, 10);
    cl->have_msgid = cl->msgid > 0;
    cl->running_change = 1;
    cmd->handler(c, &msg);
    cl->running_change = 0;
    cl->have_msgid = 0;
}

static void apply_change(srv_server *s, srv_cluster_node *n, char *rest)
{
    char *serial = next_word(&rest), *msgid = next_word(&rest);
    if (msgid)
        run_change(s, mirror_of(n, serial), msgid, rest);
}

/* Our own X event, back from Redis in its place in the network's order:
 * with its label, when the command had one. */
static void apply_own_change(srv_server *s, char *rest)
{
    struct srv_cluster *cl = s->cluster;
    char *serial = next_word(&rest), *msgid = next_word(&rest);
    if (!msgid)
        return;
    srv_client *c = srv_strmap_get(cl->locals, serial);
    int64_t id = strtoll(msgid, NULL, 10);
    char *label = NULL;
    for (deferred_label **pp = &cl->labels; *pp; pp = &(*pp)->next) {
        if ((*pp)->client == c && (*pp)->msgid == id) {
            deferred_label *d = *pp;
            *pp = d->next;
            label = d->label;
            free(d);
            break;
        }
    }
    if (c && !c->dead && !c->label) {
        c->label = label;
        label = NULL;
    }
    run_change(s, c, msgid, rest);
    if (c && !c->dead)
        srv_label_end(c);
    free(label);
}

static void apply_channel_state(srv_server *s, char *rest)
{
    char *name = next_word(&rest), *created = next_word(&rest), *modes = next_word(&rest);
    char *key = next_word(&rest), *limit = next_word(&rest), *topic_time = next_word(&rest);
    char *setter = next_word(&rest), *topic = next_word(&rest);
    if (!topic)
        return;
    srv_channel *ch = srv_channel_find(s, name);
    if (!ch)
        return;
    int64_t their_created = strtoll(created, NULL, 10);
    int local_members = 0;
    for (size_t i = 0; i < ch->nmembers; i++)
        local_members |= !srv_client_is_mirror(ch->members[i]->client);
    /* The older channel's state wins, as IRC networks settle it. */
    if (local_members && their_created >= ch->created_s)
        return;
    ch->created_s = their_created;
    ch->modes = 0;
    for (const char *p = modes; *p && *p != '-'; p++)
        ch->modes |= srv_chmode_bit(*p);
    snprintf(ch->key, sizeof ch->key, "%s", strcmp(key, "-") ? key : "");
    ch->limit = (unsigned)strtoul(limit, NULL, 10);
    if (topic[0])
        srv_channel_set_topic(ch, topic, strcmp(setter, "-") ? setter : "*",
                              strtoll(topic_time, NULL, 10));
}

static void apply_list_entry(srv_server *s, char *rest)
{
    char *name = next_word(&rest), *letter = next_word(&rest), *when = next_word(&rest);
    char *setter = next_word(&rest), *mask = next_word(&rest);
    if (!mask || !letter[0])
        return;
    srv_channel *ch = srv_channel_find(s, name);
    if (!ch)
        return;
    srv_list_kind kind = letter[0] == 'e' ? SRV_LIST_EXCEPT : letter[0] == 'I' ? SRV_LIST_INVEX
                                                                               : SRV_LIST_BAN;
    (void)srv_channel_list_add(ch, kind, mask, setter, strtoll(when, NULL, 10));
}

/* ---- bursts ---- */

static void burst(srv_server *s)
{
    for (srv_client *c = s->clients; c; c = c->next) {
        if (srv_client_is_mirror(c) || !c->registered || c->dead)
            continue;
        introduce(c);
        for (size_t i = 0; i < c->nchannels; i++) {
            srv_cluster_note(c, 0, c->channels[i]->modes, "JOIN %s", c->channels[i]->channel->name);
            if (c->away)
                srv_cluster_note(c, 0, 0, "AWAY :%s", c->away);
        }
    }
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_channel *ch;
    while ((ch = srv_strmap_next(s->channels, &it)) != NULL) {
        int local = 0;
        for (size_t i = 0; i < ch->nmembers && !local; i++)
            local = !srv_client_is_mirror(ch->members[i]->client);
        if (!local)
            continue;
        char letters[32];
        srv_chmode_letters(ch->modes, letters, sizeof letters);
        publish(s, "S %s %lld %s %s %u %lld %s :%s", ch->name, (long long)ch->created_s,
                letters[0] ? letters : "-", ch->key[0] ? ch->key : "-", ch->limit,
                (long long)ch->topic_time_s, ch->topic ? ch->topic_setter : "-",
                ch->topic ? ch->topic : "");
        static const char list_letters[] = "beI";
        for (int kind = 0; kind < 3; kind++) {
            size_t count;
            const srv_ban *list = srv_channel_list(ch, (srv_list_kind)kind, &count);
            for (size_t i = 0; i < count; i++)
                publish(s, "L %s %c %lld %s %s", ch->name, list_letters[kind],
                        (long long)list[i].when_s, list[i].setter, list[i].mask);
        }
    }
}

static void say_hello(srv_server *s)
{
    s->cluster->hello_sent_ms = srv_server_now_ms(s);
    publish(s, "HELLO");
    burst(s);
}

void srv_cluster_receive(srv_server *s, const char *event, size_t len)
{
    struct srv_cluster *cl = s->cluster;
    if (!cl || !cl->up || len == 0 || len >= EVENT_MAX || memchr(event, '\0', len))
        return;
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, event, len);
    copy[len] = '\0';
    char *rest = copy;
    char *id = next_word(&rest), *seq_text = next_word(&rest), *kind = next_word(&rest);
    if (kind && strcmp(id, cl->id) == 0 && strcmp(kind, "X") == 0) {
        srv_server_enter(s);
        apply_own_change(s, rest); /* recorded in history: it happened here */
        free(copy);
        srv_server_leave(s);
        return;
    }
    if (!kind || strcmp(id, cl->id) == 0 || strlen(id) >= NODE_ID_MAX || !strchr(id, '~')) {
        free(copy);
        return;
    }
    srv_server_enter(s);
    cl->applying++;
    srv_cluster_node *n = node_for(s, id);
    if (n) {
        uint64_t seq = strtoull(seq_text, NULL, 10);
        /* A node we hear without having had its state (dropped here after
         * a silence longer than node_timeout, a Redis stall): ask for it. */
        if (!n->seq && strcmp(kind, "HELLO") != 0 && strcmp(kind, "U") != 0)
            publish(s, "SYNC %s", n->id);
        if (n->seq && seq != n->seq + 1 && strcmp(kind, "HELLO") != 0) {
            srv_server_log(s, SRV_LOG_WARNING,
                           "cluster: events %" PRIu64 "..%" PRIu64 " of node %s were lost; "
                           "asking every node for its state",
                           n->seq + 1, seq - 1, n->id);
            if (srv_server_now_ms(s) - cl->hello_sent_ms > 1000)
                say_hello(s);
        }
        n->seq = seq;
        n->last_seen_ms = srv_server_now_ms(s);
        if (!strcmp(kind, "U"))
            apply_user(s, n, rest);
        else if (!strcmp(kind, "C"))
            apply_command(s, n, rest);
        else if (!strcmp(kind, "X"))
            apply_change(s, n, rest);
        else if (!strcmp(kind, "N")) {
            char *serial = next_word(&rest), *nick = next_word(&rest);
            srv_client *m = serial ? mirror_of(n, serial) : NULL;
            srv_client *holder = nick ? srv_client_find(s, nick) : NULL;
            if (holder && yield_nick(holder))
                holder = NULL;
            if (m && nick && srv_nick_valid(nick, SRV_NICKLEN_MAX) && (!holder || holder == m))
                srv_client_set_nick(m, nick);
        } else if (!strcmp(kind, "Q")) {
            char *serial = next_word(&rest), *reason = next_word(&rest);
            srv_client *m = serial ? mirror_of(n, serial) : NULL;
            if (m)
                srv_client_quit(m, reason ? reason : "Quit", reason ? reason : "Quit");
        } else if (!strcmp(kind, "S"))
            apply_channel_state(s, rest);
        else if (!strcmp(kind, "L"))
            apply_list_entry(s, rest);
        else if (!strcmp(kind, "HELLO"))
            burst(s);
        else if (!strcmp(kind, "SYNC")) {
            char *who = next_word(&rest);
            if (who && strcmp(who, cl->id) == 0)
                burst(s);
        }
        else if (!strcmp(kind, "ACCT"))
            apply_account_state(s, n, rest);
        else if (!strcmp(kind, "A"))
            apply_account_record(s, rest);
        else if (!strcmp(kind, "AD")) {
            char *name = next_word(&rest);
            if (name && s->accounts) {
                srv_chanreg_account_dropped(s, name); /* as the node it was dropped on did */
                srv_accounts_forget(s, name);
            }
        } else if (!strcmp(kind, "CR")) {
            char *name = next_word(&rest), *founder = next_word(&rest);
            char *registered = next_word(&rest), *access = next_word(&rest);
            if (access && srv_chanreg_apply(s, name, founder, strtoll(registered, NULL, 10),
                                            strcmp(access, "-") ? access : "") < 0)
                srv_server_log(s, SRV_LOG_WARNING, "cluster: %s's registration not taken (out of memory)", name);
        } else if (!strcmp(kind, "F")) {
            char *serial = next_word(&rest), *flags = next_word(&rest);
            srv_client *m = flags ? mirror_of(n, serial) : NULL;
            if (m && !m->dead)
                apply_flags(m, flags);
        } else if (!strcmp(kind, "D")) {
            char *who = next_word(&rest), *serial = next_word(&rest), *reason = next_word(&rest);
            srv_client *c = reason && !strcmp(who, cl->id) ? srv_strmap_get(cl->locals, serial)
                                                           : NULL;
            if (c && !c->dead)
                srv_client_quit(c, reason, reason);
        } else if (!strcmp(kind, "CRD")) {
            char *name = next_word(&rest);
            if (name)
                srv_chanreg_forget(s, name);
        }
        /* H: the heartbeat only moved last_seen_ms */
    }
    free(copy);
    cl->applying--;
    srv_server_leave(s);
}

/* ---- life ---- */

int srv_cluster_start(srv_server *s, const char *name, const char *incarnation,
                      const srv_cluster_link *link, void *ctx)
{
    struct srv_cluster *cl = calloc(1, sizeof *cl);
    if (!cl || !(cl->nodes = srv_strmap_new()) || !(cl->locals = srv_strmap_new())) {
        if (cl)
            srv_strmap_free(cl->nodes);
        free(cl);
        return -1;
    }
    snprintf(cl->name, sizeof cl->name, "%s", name);
    snprintf(cl->id, sizeof cl->id, "%s~%s", name, incarnation);
    cl->held_tail = &cl->held;
    cl->link = link;
    cl->ctx = ctx;
    s->cluster = cl;
    return 0;
}

static void drop_all_nodes(srv_server *s, const char *why)
{
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_cluster_node *n;
    while ((n = srv_strmap_next(s->cluster->nodes, &it)) != NULL) {
        drop_node(s, n, why);
        it = (srv_strmap_iter)SRV_STRMAP_ITER_INIT;
    }
}

void srv_cluster_set_up(srv_server *s, int up)
{
    struct srv_cluster *cl = s->cluster;
    if (!cl || cl->up == !!up)
        return;
    srv_server_enter(s);
    cl->up = !!up;
    if (up) {
        srv_server_log(s, SRV_LOG_INFO, "cluster: node %s is linked", cl->id);
        say_hello(s);
        cl->heartbeat_due_ms = srv_server_now_ms(s);
        srv_server_wake_at(s, cl->heartbeat_due_ms);
    } else {
        srv_server_log(s, SRV_LOG_WARNING,
                       "cluster: link lost; the other nodes' clients are split off until it returns");
        drop_all_nodes(s, "link lost");
    }
    srv_server_leave(s);
}

uint64_t srv_cluster_tick(srv_server *s, uint64_t now_ms)
{
    struct srv_cluster *cl = s->cluster;
    if (!cl || !cl->up)
        return UINT64_MAX;
    uint64_t timeout = s->cfg.cluster_node_timeout_ms;
    if (now_ms >= cl->heartbeat_due_ms) {
        publish(s, "H");
        cl->heartbeat_due_ms = now_ms + timeout / 4;
    }
    uint64_t next = cl->heartbeat_due_ms;
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_cluster_node *n;
    while ((n = srv_strmap_next(cl->nodes, &it)) != NULL) {
        if (now_ms >= n->last_seen_ms + timeout) {
            drop_node(s, n, "no heartbeat");
            it = (srv_strmap_iter)SRV_STRMAP_ITER_INIT;
            continue;
        }
        if (n->last_seen_ms + timeout < next)
            next = n->last_seen_ms + timeout;
    }
    return next;
}

void srv_cluster_free(srv_server *s)
{
    struct srv_cluster *cl = s->cluster;
    if (!cl)
        return;
    srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
    srv_cluster_node *n;
    while ((n = srv_strmap_next(cl->nodes, &it)) != NULL)
        free_node(n);
    srv_strmap_free(cl->nodes);
    srv_strmap_free(cl->locals);
    /* The link was freed first and answered what it could; the rest
     * will never be answered. */
    while (cl->claims) {
        pending_claim *p = cl->claims;
        cl->claims = p->next;
        free(p);
    }
    while (cl->joins) {
        pending_join *j = cl->joins;
        cl->joins = j->next;
        free(j->label);
        free(j);
    }
    forget_held(cl, NULL);
    forget_labels(cl, NULL);
    free(cl);
    s->cluster = NULL;
}

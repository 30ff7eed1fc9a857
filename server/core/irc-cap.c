/* SPDX-License-Identifier: MIT */
/* IRCv3 capability negotiation (CAP LS/LIST/REQ/END).  A CAP LS or REQ
 * before registration holds it until CAP END, as the spec requires.
 * Lists longer than a line go out as CAP LS/LIST 302 continuation lines;
 * cap-notify clients hear CAP NEW and DEL when a REHASH changes what is
 * offered (srv_cap_config_changed()). */
#include "account.h"
#include "client.h"
#include "commands.h"
#include "history.h"
#include "irc-cap.h"
#include "numerics.h"
#include "registration.h"
#include "sasl.h"
#include "send.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} caps[] = {
    {"account-notify", SRV_CAP_ACCOUNT_NOTIFY},
    {"account-tag", SRV_CAP_ACCOUNT_TAG},
    {"away-notify", SRV_CAP_AWAY_NOTIFY},
    {"batch", SRV_CAP_BATCH},
    {"cap-notify", SRV_CAP_CAP_NOTIFY},
    {"chghost", SRV_CAP_CHGHOST},
    {"draft/account-registration", SRV_CAP_ACCOUNT_REGISTRATION},
    {"draft/chathistory", SRV_CAP_CHATHISTORY},
    {"draft/event-playback", SRV_CAP_EVENT_PLAYBACK},
    {"draft/read-marker", SRV_CAP_READ_MARKER},
    {"echo-message", SRV_CAP_ECHO_MESSAGE},
    {"extended-join", SRV_CAP_EXTENDED_JOIN},
    {"extended-monitor", SRV_CAP_EXTENDED_MONITOR},
    {"invite-notify", SRV_CAP_INVITE_NOTIFY},
    {"labeled-response", SRV_CAP_LABELED_RESPONSE},
    {"message-tags", SRV_CAP_MESSAGE_TAGS},
    {"multi-prefix", SRV_CAP_MULTI_PREFIX},
    {"sasl", SRV_CAP_SASL},
    {"server-time", SRV_CAP_SERVER_TIME},
    {"setname", SRV_CAP_SETNAME},
    {"standard-replies", SRV_CAP_STANDARD_REPLIES},
    {"userhost-in-names", SRV_CAP_USERHOST_IN_NAMES},
};
#define NCAPS (sizeof caps / sizeof caps[0])

/* The capabilities s offers under cfg (its own, or the one a REHASH is
 * about to apply): sasl and account registration only with a store,
 * registration only while it is open, history as srv_history_enabled()
 * says but for cfg. */
static unsigned offered_by(const srv_server *s, const srv_config *cfg)
{
    unsigned all = 0;
    for (size_t i = 0; i < NCAPS; i++)
        all |= caps[i].bit;
    if (!srv_accounts_enabled(s))
        all &= ~(SRV_CAP_SASL | SRV_CAP_ACCOUNT_REGISTRATION | SRV_CAP_READ_MARKER);
    if (cfg->account_registration != SRV_REGISTRATION_OPEN)
        all &= ~SRV_CAP_ACCOUNT_REGISTRATION;
    if (!s->store || !cfg->history_enabled)
        all &= ~(SRV_CAP_CHATHISTORY | SRV_CAP_EVENT_PLAYBACK);
    return all;
}

static unsigned offered(const srv_client *c)
{
    return offered_by(c->server, &c->server->cfg);
}

static unsigned cap_bit(const srv_client *c, const char *name, size_t len)
{
    for (size_t i = 0; i < NCAPS; i++) {
        if (strlen(caps[i].name) == len && memcmp(caps[i].name, name, len) == 0)
            return caps[i].bit & offered(c);
    }
    return 0;
}

/* A capability's CAP LS 302 value, or "". */
static const char *cap_value(unsigned bit)
{
    if (bit == SRV_CAP_SASL)
        return srv_sasl_mechanisms();
    if (bit == SRV_CAP_ACCOUNT_REGISTRATION)
        return "before-connect,custom-account-name";
    return "";
}

/* The sts policy as a CAP LS value ("port=6697", "duration=86400"):
 * plaintext clients learn where to upgrade, TLS clients how long to
 * insist on it (IRCv3 sts).  0: none. */
static size_t sts_value(const srv_client *c, char *dst, size_t size)
{
    const srv_config *cfg = &c->server->cfg;
    unsigned port = cfg->sts_port ? cfg->sts_port : c->server->tls_port;
    if (!cfg->sts_duration_s || !port)
        return 0; /* no policy, or nowhere to upgrade to */
    if (c->secure)
        return (size_t)snprintf(dst, size, "duration=%u", cfg->sts_duration_s);
    return (size_t)snprintf(dst, size, "port=%u", port);
}

/* One CAP reply spread over as many lines as it takes, each within 512
 * bytes: ":server CAP nick sub [*] :tokens".  With continuation (CAP LS
 * and LIST to 302 clients) every line but the last carries "*"; without
 * it (NEW, DEL) each line stands alone. */
typedef struct cap_lines {
    srv_client *c;
    const char *sub;
    int continuation;
    size_t room; /* for the tokens */
    size_t n;
    char line[512];
} cap_lines;

size_t srv_cap_line_max = 512;

static void cap_lines_init(cap_lines *l, srv_client *c, const char *sub, int continuation)
{
    l->c = c;
    l->sub = sub;
    l->continuation = continuation;
    l->n = 0;
    l->line[0] = '\0';
    size_t max = srv_cap_line_max <= sizeof l->line ? srv_cap_line_max : sizeof l->line;
    int head = snprintf(NULL, 0, ":%s CAP %s %s * :", c->server->cfg.server_name,
                        srv_target_nick(c), sub);
    /* At least a capability's worth, however long the server's name. */
    l->room = head > 0 && (size_t)head + 2 + 64 < max ? max - 2 - (size_t)head : 64;
}

static void cap_lines_send(cap_lines *l, int more)
{
    srv_sendf(l->c, ":%s CAP %s %s %s:%s", l->c->server->cfg.server_name, srv_target_nick(l->c),
              l->sub, more && l->continuation ? "* " : "", l->line);
    l->n = 0;
    l->line[0] = '\0';
}

static void cap_lines_add(cap_lines *l, const char *name, const char *value)
{
    size_t len = strlen(name) + (value[0] ? 1 + strlen(value) : 0);
    if (len > l->room)
        return; /* no capability is anywhere near this long */
    if (l->n && l->n + 1 + len > l->room)
        cap_lines_send(l, 1);
    l->n += (size_t)snprintf(l->line + l->n, sizeof l->line - l->n, "%s%s%s%s", l->n ? " " : "",
                             name, value[0] ? "=" : "", value);
}

/* The capabilities in which, with their values if values, and sts when
 * sts.  The last line is sent even when empty (an empty CAP LIST). */
static void send_caps(srv_client *c, const char *sub, unsigned which, int values, int sts)
{
    cap_lines l;
    cap_lines_init(&l, c, sub, c->cap_302);
    for (size_t i = 0; i < NCAPS; i++) {
        if (which & caps[i].bit)
            cap_lines_add(&l, caps[i].name, values ? cap_value(caps[i].bit) : "");
    }
    /* sts has a value, so only CAP LS 302 clients hear of it; nobody
     * requests it (a REQ for it is NAKed as unknown). */
    char policy[48];
    if (sts && sts_value(c, policy, sizeof policy))
        cap_lines_add(&l, "sts", policy);
    cap_lines_send(&l, 0);
}

/* CAP NEW or DEL, in as many standalone lines as it takes. */
static void notify(srv_client *c, const char *sub, unsigned which, int values)
{
    cap_lines l;
    cap_lines_init(&l, c, sub, 0);
    for (size_t i = 0; i < NCAPS; i++) {
        if (which & caps[i].bit)
            cap_lines_add(&l, caps[i].name, values ? cap_value(caps[i].bit) : "");
    }
    if (l.n)
        cap_lines_send(&l, 0);
}

void srv_cap_config_changed(srv_server *s, const srv_config *next)
{
    unsigned before = offered_by(s, &s->cfg), after = offered_by(s, next);
    unsigned gone = before & ~after, added = after & ~before;
    if (!gone && !added)
        return;
    srv_server_enter(s); /* a client a send ends stays linked until leave */
    for (srv_client *c = s->clients; c; c = c->next) {
        if (c->dead)
            continue;
        /* What is no longer offered is no longer enabled, told or not. */
        c->caps &= ~gone;
        if (!c->cap_302 && !(c->caps & SRV_CAP_CAP_NOTIFY))
            continue; /* CAP LS 302 implies cap-notify */
        if (gone)
            notify(c, "DEL", gone, 0);
        if (added)
            notify(c, "NEW", added, c->cap_302);
    }
    srv_server_leave(s);
}

/* All or nothing, as the spec says: one unknown capability NAKs the lot. */
static void request(srv_client *c, const char *req)
{
    unsigned add = 0, remove = 0;
    const char *p = req;
    int ok = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, " ");
        int minus = p[0] == '-';
        unsigned bit = cap_bit(c, p + minus, len - (size_t)minus);
        if (!bit)
            ok = 0;
        else if (minus)
            remove |= bit;
        else
            add |= bit;
        p += len;
    }
    if (ok) {
        c->caps = (c->caps | add) & ~remove;
        srv_sendf(c, ":%s CAP %s ACK :%.400s", c->server->cfg.server_name, srv_target_nick(c), req);
    } else {
        srv_sendf(c, ":%s CAP %s NAK :%.400s", c->server->cfg.server_name, srv_target_nick(c), req);
    }
}

void srv_cmd_cap(srv_client *c, const srv_msg *msg)
{
    const char *sub = msg->params[0];
    unsigned all = offered(c);
    if (strcmp(sub, "LS") == 0 || strcmp(sub, "ls") == 0) {
        if (!c->registered)
            c->cap_negotiating = 1;
        if (msg->nparams > 1 && strtol(msg->params[1], NULL, 10) >= 302)
            c->cap_302 = 1; /* implies cap-notify (not listed by CAP LIST) */
        send_caps(c, "LS", all, c->cap_302, c->cap_302);
    } else if (strcmp(sub, "LIST") == 0 || strcmp(sub, "list") == 0) {
        send_caps(c, "LIST", c->caps, 0, 0);
    } else if (strcmp(sub, "REQ") == 0 || strcmp(sub, "req") == 0) {
        if (!c->registered)
            c->cap_negotiating = 1;
        request(c, msg->nparams > 1 ? msg->params[1] : "");
    } else if (strcmp(sub, "END") == 0 || strcmp(sub, "end") == 0) {
        if (c->cap_negotiating) {
            c->cap_negotiating = 0;
            srv_client_try_register(c);
        }
    } else {
        srv_numeric(c, ERR_INVALIDCAPCMD, "%.32s :Invalid CAP command", sub);
    }
}

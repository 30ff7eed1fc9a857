/* SPDX-License-Identifier: MIT */
/* IRCv3 capability negotiation (CAP LS/LIST/REQ/END).  A CAP LS or REQ
 * before registration holds it until CAP END, as the spec requires. */
#include "account.h"
#include "client.h"
#include "commands.h"
#include "history.h"
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
    {"chghost", SRV_CAP_CHGHOST},
    {"draft/account-registration", SRV_CAP_ACCOUNT_REGISTRATION},
    {"draft/chathistory", SRV_CAP_CHATHISTORY},
    {"draft/event-playback", SRV_CAP_EVENT_PLAYBACK},
    {"draft/read-marker", SRV_CAP_READ_MARKER},
    {"echo-message", SRV_CAP_ECHO_MESSAGE},
    {"extended-join", SRV_CAP_EXTENDED_JOIN},
    {"extended-monitor", SRV_CAP_EXTENDED_MONITOR},
    {"invite-notify", SRV_CAP_INVITE_NOTIFY},
    {"message-tags", SRV_CAP_MESSAGE_TAGS},
    {"multi-prefix", SRV_CAP_MULTI_PREFIX},
    {"sasl", SRV_CAP_SASL},
    {"server-time", SRV_CAP_SERVER_TIME},
    {"setname", SRV_CAP_SETNAME},
    {"userhost-in-names", SRV_CAP_USERHOST_IN_NAMES},
};
#define NCAPS (sizeof caps / sizeof caps[0])

/* The capabilities this server offers now: sasl and account
 * registration only with a store, registration only while it is open. */
static unsigned offered(const srv_client *c)
{
    unsigned all = 0;
    for (size_t i = 0; i < NCAPS; i++)
        all |= caps[i].bit;
    if (!srv_accounts_enabled(c->server))
        all &= ~(SRV_CAP_SASL | SRV_CAP_ACCOUNT_REGISTRATION);
    if (c->server->cfg.account_registration != SRV_REGISTRATION_OPEN)
        all &= ~SRV_CAP_ACCOUNT_REGISTRATION;
    if (!srv_history_enabled(c->server))
        all &= ~(SRV_CAP_CHATHISTORY | SRV_CAP_EVENT_PLAYBACK);
    if (!srv_accounts_enabled(c->server))
        all &= ~SRV_CAP_READ_MARKER;
    return all;
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

/* The sts policy as a CAP LS value: plaintext clients learn where to
 * upgrade, TLS clients how long to insist on it (IRCv3 sts).  0: none. */
static size_t sts_value(const srv_client *c, char *dst, size_t size)
{
    const srv_config *cfg = &c->server->cfg;
    unsigned port = cfg->sts_port ? cfg->sts_port : c->server->tls_port;
    if (!cfg->sts_duration_s || !port)
        return 0; /* no policy, or nowhere to upgrade to */
    if (c->secure)
        return (size_t)snprintf(dst, size, " sts=duration=%u", cfg->sts_duration_s);
    return (size_t)snprintf(dst, size, " sts=port=%u", port);
}

static void list_caps(srv_client *c, const char *sub, unsigned which)
{
    char line[420];
    size_t n = 0;
    line[0] = '\0';
    int values = c->cap_302 && strcmp(sub, "LS") == 0;
    for (size_t i = 0; i < NCAPS; i++) {
        if (!(which & caps[i].bit))
            continue;
        const char *value = values ? cap_value(caps[i].bit) : "";
        int w = snprintf(line + n, sizeof line - n, "%s%s%s%s", n ? " " : "", caps[i].name,
                         value[0] ? "=" : "", value);
        if (w > 0)
            n += (size_t)w;
    }
    /* sts has a value, so only CAP LS 302 clients hear of it; nobody
     * requests it (a REQ for it is NAKed as unknown). */
    if (c->cap_302 && strcmp(sub, "LS") == 0) {
        size_t w = sts_value(c, line + n, sizeof line - n);
        if (n == 0 && w > 0)
            memmove(line, line + 1, w--); /* no leading space */
        n += w;
    }
    srv_sendf(c, ":%s CAP %s %s :%s", c->server->cfg.server_name, srv_target_nick(c), sub, line);
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
            c->cap_302 = 1;
        list_caps(c, "LS", all);
    } else if (strcmp(sub, "LIST") == 0 || strcmp(sub, "list") == 0) {
        list_caps(c, "LIST", c->caps);
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

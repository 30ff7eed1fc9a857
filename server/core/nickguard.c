/* SPDX-License-Identifier: MIT */
#include "nickguard.h"

#include "account.h"
#include "casemap.h"
#include "client.h"
#include "numerics.h"
#include "send.h"
#include "server.h"

#include <stdio.h>
#include <string.h>

int srv_nick_is_service(const char *nick)
{
    return srv_casecmp(nick, "NickServ") == 0 || srv_casecmp(nick, "ChanServ") == 0;
}

int srv_nick_owned_by(const srv_client *c, const char *nick)
{
    srv_account *acc = srv_account_find(c->server, nick);
    return !acc || c->account == acc;
}

static const char *login_hint(const srv_client *c)
{
    return c->registered ? "/msg NickServ IDENTIFY <password>" : "SASL";
}

int srv_nickguard_refuse(srv_client *c, const char *nick)
{
    if (c->server->cfg.nick_protection != SRV_NICKPROT_STRICT || srv_nick_owned_by(c, nick))
        return 0;
    srv_numeric(c, ERR_NICKNAMEINUSE,
                "%s :Nickname is registered to an account; log in to it to use it", nick);
    return 1;
}

int srv_nickguard_at_registration(srv_client *c)
{
    srv_server *s = c->server;
    if (s->cfg.nick_protection != SRV_NICKPROT_STRICT || srv_nick_owned_by(c, c->nick))
        return 0;
    char nick[SRV_NICKLEN_MAX + 1];
    snprintf(nick, sizeof nick, "%s", c->nick);
    if (srv_strmap_get(s->nicks, c->nick) == c)
        srv_strmap_remove(s->nicks, c->nick);
    c->nick[0] = '\0';
    srv_numeric(c, ERR_NICKNAMEINUSE,
                "%s :Nickname is registered to an account; log in with SASL or choose another",
                nick);
    return 1;
}

void srv_nickguard_check(srv_client *c)
{
    srv_server *s = c->server;
    /* A mirror's own node guards its nick (cluster.c). */
    if (!c->registered || c->home || s->cfg.nick_protection != SRV_NICKPROT_GRACE ||
        srv_nick_owned_by(c, c->nick)) {
        c->nick_deadline_ms = 0;
        return;
    }
    if (c->nick_deadline_ms)
        return; /* already counting down */
    c->nick_deadline_ms = s->now_ms + s->cfg.nick_grace_ms;
    srv_server_want_tick(s, c->nick_deadline_ms);
    srv_sendf(c,
              ":NickServ!NickServ@%s NOTICE %s :This nickname is registered. Log in to its "
              "account (%s) within %u seconds or you will be renamed.",
              s->cfg.server_name, c->nick, login_hint(c), s->cfg.nick_grace_ms / 1000);
}

uint64_t srv_nickguard_expire(srv_client *c, uint64_t now_ms)
{
    if (!c->nick_deadline_ms)
        return 0;
    if (now_ms < c->nick_deadline_ms)
        return c->nick_deadline_ms;
    c->nick_deadline_ms = 0;
    srv_server *s = c->server;
    if (srv_nick_owned_by(c, c->nick))
        return 0;
    /* A counter that only grows: a free name is always found (the
     * prefix is at most 16 bytes, so the number fits NICKLEN). */
    char guest[SRV_NICKLEN_MAX + 1];
    do {
        snprintf(guest, sizeof guest, "%s%u", s->cfg.guest_prefix, 10000 + s->guest_serial++);
    } while (srv_client_find(s, guest) || srv_account_find(s, guest));
    srv_sendf(c, ":NickServ!NickServ@%s NOTICE %s :You did not log in to this nickname's "
                 "account in time; you are now %s.",
              s->cfg.server_name, c->nick, guest);
    srv_client_set_nick(c, guest);
    return 0;
}

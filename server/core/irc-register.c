/* SPDX-License-Identifier: MIT */
/* Connection registration and keep-alive: PASS NICK USER PING PONG QUIT,
 * and SETNAME (IRCv3 setname). */
#include "casemap.h"
#include "client.h"
#include "cluster-core.h"
#include "commands.h"
#include "nickguard.h"
#include "numerics.h"
#include "registration.h"
#include "send.h"
#include "server.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

void srv_cmd_pass(srv_client *c, const srv_msg *msg)
{
    srv_client_set_pass(c, msg->params[0]);
}

void srv_cmd_nick(srv_client *c, const srv_msg *msg)
{
    srv_server *s = c->server;
    if (msg->nparams < 1 || !msg->params[0][0]) {
        srv_numeric(c, ERR_NONICKNAMEGIVEN, ":No nickname given");
        return;
    }
    const char *nick = msg->params[0];
    if (!srv_nick_valid(nick, s->cfg.nick_length)) {
        srv_numeric(c, ERR_ERRONEUSNICKNAME, "%.*s :Erroneous nickname", (int)strcspn(nick, " "),
                    nick);
        return;
    }
    if (srv_nick_is_service(nick)) {
        srv_numeric(c, ERR_ERRONEUSNICKNAME, "%s :Reserved for a service", nick);
        return;
    }
    if (c->registered && srv_nickguard_refuse(c, nick))
        return;
    srv_client *holder = srv_client_find(s, nick);
    if (holder && holder != c) {
        srv_numeric(c, ERR_NICKNAMEINUSE, "%s :Nickname is already in use", nick);
        return;
    }
    if (strcmp(c->nick, nick) == 0)
        return; /* no change at all */
    if (c->registered && srv_cluster_claim(c, nick))
        return; /* renamed when the network agrees */
    srv_client_set_nick(c, nick);
    if (c->registered)
        srv_nickguard_check(c);
    srv_client_try_register(c);
}

static int username_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

void srv_cmd_user(srv_client *c, const srv_msg *msg)
{
    if (c->user[0]) {
        srv_numeric(c, ERR_ALREADYREGISTERED, ":You may not reregister");
        return;
    }
    /* RFC 2812 3.1.3: a user name and a real name are required; an empty
     * one is a missing parameter, not something to make up. */
    if (!msg->params[0][0] || !msg->params[3][0]) {
        srv_numeric(c, ERR_NEEDMOREPARAMS, "USER :Not enough parameters");
        return;
    }
    /* No ident lookup, so the username is the client's claim: marked with
     * '~' as servers do, and kept to characters that are safe in masks. */
    size_t n = 0;
    c->user[n++] = '~';
    for (const char *p = msg->params[0]; *p && n < SRV_USERLEN; p++) {
        if (username_char(*p))
            c->user[n++] = *p;
    }
    if (n == 1)
        c->user[n++] = 'u';
    c->user[n] = '\0';
    srv_client_set_realname(c, msg->params[3]);
    srv_client_try_register(c);
}

void srv_cmd_ping(srv_client *c, const srv_msg *msg)
{
    if (msg->nparams < 1 || !msg->params[0][0]) {
        srv_numeric(c, ERR_NOORIGIN, ":No origin specified");
        return;
    }
    srv_sendf(c, ":%s PONG %s :%s", c->server->cfg.server_name, c->server->cfg.server_name,
              msg->params[0]);
}

void srv_cmd_pong(srv_client *c, const srv_msg *msg)
{
    /* Any line already reset the ping timer; only the form is checked. */
    if (msg->nparams < 1 || !msg->params[0][0])
        srv_numeric(c, ERR_NOORIGIN, ":No origin specified");
}

void srv_cmd_quit(srv_client *c, const srv_msg *msg)
{
    char reason[512];
    const char *text = msg->nparams > 0 ? msg->params[0] : "";
    size_t n = srv_utf8_cut(text, c->server->cfg.kick_length);
    if (n)
        snprintf(reason, sizeof reason, "Quit: %.*s", (int)n, text);
    else
        snprintf(reason, sizeof reason, "Client Quit");
    srv_client_quit(c, reason, reason);
}

/* IRCv3 setname: the new real name goes to channel peers with the cap (and
 * extended-monitor watchers with it), and back to c when c has it. */
void srv_cmd_setname(srv_client *c, const srv_msg *msg)
{
    const char *text = msg->params[0];
    if (!text[0] || strlen(text) > SRV_REALNAME_MAX) {
        srv_sendf(c, ":%s FAIL SETNAME INVALID_REALNAME :Realname is not valid",
                  c->server->cfg.server_name);
        return;
    }
    srv_client_set_realname(c, text);
    srv_cluster_note(c, 0, 0, "SETNAME :%s", c->realname);
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_fanout f;
    if (srv_fanout_init(&f, c->server, NULL, ":%s SETNAME :%s", prefix, c->realname) == 0) {
        srv_fanout_to_peers(&f, c, SRV_CAP_SETNAME);
        if (c->caps & SRV_CAP_SETNAME)
            srv_fanout_send(&f, c);
        srv_fanout_done(&f);
    }
}

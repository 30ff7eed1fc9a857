/* SPDX-License-Identifier: MIT */
/* Operators: OPER KILL CHGHOST REHASH. */
#include "account.h"
#include "authlimit.h"
#include "casemap.h"
#include "client.h"
#include "cluster-core.h"
#include "commands.h"
#include "config.h"
#include "numerics.h"
#include "password.h"
#include "send.h"
#include "server.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

static void become_oper(srv_client *c, const srv_oper_conf *op)
{
    srv_client_set_oper(c, 1);
    srv_numeric(c, RPL_YOUREOPER, ":You are now an IRC operator");
    srv_sendf(c, ":%s MODE %s :+o", c->nick, c->nick);
    srv_server_log(c->server, SRV_LOG_INFO, "%s!%s@%s is now an operator (%s%s%s)", c->nick,
                   c->user, c->host, op->name, c->account ? ", account " : "",
                   c->account ? c->account->name : "");
}

void srv_cmd_oper(srv_client *c, const srv_msg *msg)
{
    srv_server *s = c->server;
    /* Checked before the password, so a password never crosses an
     * unencrypted connection to be refused. */
    if (s->cfg.oper_requires_tls && !c->secure) {
        srv_numeric(c, ERR_NOOPERHOST, ":Operators must connect with TLS");
        return;
    }
    if (!srv_authlimit_allowed(s->auth, srv_client_address(c), s->now_ms,
                               s->cfg.login_failures_per_address)) {
        srv_numeric(c, ERR_PASSWDMISMATCH, ":Too many failed attempts, try again later");
        return;
    }
    const srv_oper_conf *op = srv_config_find_oper(&s->cfg, msg->params[0]);
    /* An oper block linked to an account admits whoever is logged in to
     * it, password or not: the account's login was the check. */
    if (op && op->account && c->account && srv_casecmp(op->account, c->account->name) == 0) {
        become_oper(c, op);
        return;
    }
    if (msg->nparams < 2) {
        srv_numeric(c, ERR_NEEDMOREPARAMS, "OPER :Not enough parameters");
        return;
    }
    /* An unknown name answers as a wrong password does, so operator names
     * cannot be found by guessing. */
    /* A decoy check for an unknown name takes as long as a real one, so
     * the reply's timing does not reveal names either. */
    static const char decoy[] = "pbkdf2-sha256$100000$00000000000000000000000000000000$"
                                "0000000000000000000000000000000000000000000000000000000000000000";
    int ok = srv_password_verify(op && op->password_hash ? op->password_hash : decoy,
                                 msg->params[1]) &&
             op && op->password_hash;
    if (!op || !ok) {
        srv_authlimit_failed(s->auth, srv_client_address(c), s->now_ms);
        srv_numeric(c, ERR_PASSWDMISMATCH, ":Password incorrect");
        /* The log (the admin's) may say which; the client is not told. */
        if (op)
            srv_server_log(s, SRV_LOG_WARNING, "failed OPER as %s from %s!%s@%s", op->name, c->nick,
                           c->user, c->host);
        else
            srv_server_log(s, SRV_LOG_WARNING, "failed OPER (no such oper) from %s!%s@%s", c->nick,
                           c->user, c->host);
        return;
    }
    become_oper(c, op);
}

void srv_cmd_kill(srv_client *c, const srv_msg *msg)
{
    srv_server *s = c->server;
    srv_client *victim = srv_client_find(s, msg->params[0]);
    if (!victim) {
        srv_numeric(c, ERR_NOSUCHNICK, "%.64s :No such nick/channel", msg->params[0]);
        return;
    }
    const char *comment = msg->params[1];
    size_t n = srv_utf8_cut(comment, s->cfg.kick_length);
    char reason[512];
    snprintf(reason, sizeof reason, "Killed (%s (%.*s))", c->nick, (int)n, comment);
    srv_server_log(s, SRV_LOG_INFO, "%s killed %s: %.*s", c->nick, victim->nick, (int)n, comment);
    /* A client of another node: its node ends it, and its QUIT comes back. */
    if (!srv_cluster_disconnect(victim, reason))
        srv_client_quit(victim, reason, reason);
}

/* CHGHOST nick [user@]host: what the network shows of a client (a cloak,
 * a vanity host).  Operators only; the change goes out at once. */
void srv_cmd_chghost(srv_client *c, const srv_msg *msg)
{
    srv_client *target = srv_client_find(c->server, msg->params[0]);
    if (!target || !target->registered) {
        srv_numeric(c, ERR_NOSUCHNICK, "%.64s :No such nick/channel", msg->params[0]);
        return;
    }
    char user[SRV_USERLEN + 1];
    const char *host = msg->params[1];
    const char *at = strchr(host, '@');
    snprintf(user, sizeof user, "%s", target->user);
    if (at) {
        size_t n = (size_t)(at - host);
        if (n == 0 || n > SRV_USERLEN) {
            srv_sendf(c, ":%s FAIL CHGHOST INVALID_USER :The user name must be 1-%d bytes",
                      c->server->cfg.server_name, SRV_USERLEN);
            return;
        }
        memcpy(user, host, n);
        user[n] = '\0';
        host = at + 1;
    }
    if (!srv_client_valid_user(user)) {
        srv_sendf(c, ":%s FAIL CHGHOST INVALID_USER :A user name has no spaces, '!', '@' or "
                     "control characters",
                  c->server->cfg.server_name);
        return;
    }
    if (!srv_client_valid_host(host)) {
        srv_sendf(c, ":%s FAIL CHGHOST INVALID_HOST :A host is 1-%d letters, digits, '.', '-', "
                     "':' or '/', not starting with ':' or '-'",
                  c->server->cfg.server_name, SRV_HOST_MAX);
        return;
    }
    srv_server_log(c->server, SRV_LOG_INFO, "%s changed the host of %s!%s@%s to %s@%s", c->nick,
                   target->nick, target->user, target->host, user, host);
    srv_client_set_userhost(target, user, host);
    if (target != c)
        srv_sendf(c, ":%s NOTICE %s :%s is now shown as %s@%s", c->server->cfg.server_name,
                  c->nick, target->nick, user, host);
}

void srv_cmd_rehash(srv_client *c, const srv_msg *msg)
{
    (void)msg;
    srv_server *s = c->server;
    const char *file = s->cfg.path ? s->cfg.path : "(built-in defaults)";
    char err[512];
    srv_numeric(c, RPL_REHASHING, "%s :Rehashing", file);
    if (srv_server_rehash(s, err, sizeof err) < 0) {
        srv_sendf(c, ":%s NOTICE %s :REHASH failed: %s", s->cfg.server_name, c->nick, err);
        srv_server_log(s, SRV_LOG_ERROR, "REHASH by %s failed: %s", c->nick, err);
    } else {
        srv_server_log(s, SRV_LOG_INFO, "REHASH by %s", c->nick);
    }
}

void srv_cmd_wallops(srv_client *c, const srv_msg *msg)
{
    srv_server *s = c->server;
    if (msg->nparams < 1 || !msg->params[0][0]) {
        srv_numeric(c, ERR_NEEDMOREPARAMS, "WALLOPS :Not enough parameters");
        return;
    }
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_fanout f;
    if (srv_fanout_init(&f, s, NULL, ":%s WALLOPS :%s", prefix, msg->params[0]) < 0)
        return;
    srv_cluster_note(c, 0, 0, "WALLOPS :%s", msg->params[0]);
    for (srv_client *peer = s->clients; peer; peer = peer->next) {
        if (peer->registered && !peer->dead && peer->wallops)
            srv_fanout_send(&f, peer);
    }
    srv_fanout_done(&f);
}

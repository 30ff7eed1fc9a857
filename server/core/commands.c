/* SPDX-License-Identifier: MIT */
#include "commands.h"

#include "client.h"
#include "intake.h"
#include "label.h"
#include "numerics.h"
#include "send.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#define U SRV_STATE_UNREGISTERED
#define R SRV_STATE_REGISTERED
#define O SRV_STATE_OPER
#define ANY (U | R | O)
#define REG (R | O)

/* Sorted by name for bsearch.  Penalties follow ngircd's idea: a second
 * for most commands, more for those that make the server do real work
 * (a JOIN fans out, a LIST or WHO walks tables), nothing for keep-alives. */
static const srv_command commands[] = {
    {"ADMIN", srv_cmd_admin, REG, 0, 1, 1000},
    {"AUTHENTICATE", srv_cmd_authenticate, ANY, 1, 1, 300},
    {"AWAY", srv_cmd_away, REG, 0, 1, 1000},
    {"CAP", srv_cmd_cap, ANY, 1, 3, 0},
    {"CHANSERV", srv_cmd_chanserv, REG, 0, 15, 1000},
    {"CHATHISTORY", srv_cmd_chathistory, REG, 0, 5, 500},
    {"CHGHOST", srv_cmd_chghost, O, 2, 2, 0},
    {"CS", srv_cmd_chanserv, REG, 0, 15, 1000},
    {"HELP", srv_cmd_help, REG, 0, 1, 1000},
    {"HELPOP", srv_cmd_help, REG, 0, 1, 1000},
    {"INFO", srv_cmd_info, REG, 0, 1, 2000},
    {"INVITE", srv_cmd_invite, REG, 0, 2, 1000},
    {"ISON", srv_cmd_ison, REG, 1, 15, 1000},
    {"JOIN", srv_cmd_join, REG, 1, 2, 1000},
    {"KICK", srv_cmd_kick, REG, 2, 3, 1000},
    {"KILL", srv_cmd_kill, O, 2, 2, 0},
    {"LINKS", srv_cmd_links, REG, 0, 2, 1000},
    {"LIST", srv_cmd_list, REG, 0, 2, 3000},
    {"LUSERS", srv_cmd_lusers, REG, 0, 2, 1000},
    {"MARKREAD", srv_cmd_markread, REG, 0, 2, 300},
    {"MODE", srv_cmd_mode, REG, 1, 15, 1000},
    {"MONITOR", srv_cmd_monitor, REG, 1, 2, 1000},
    {"MOTD", srv_cmd_motd, REG, 0, 1, 2000},
    {"NAMES", srv_cmd_names, REG, 0, 2, 1000},
    {"NICK", srv_cmd_nick, ANY, 0, 1, 2000},
    {"NICKSERV", srv_cmd_nickserv, REG, 0, 15, 1000},
    {"NOTICE", srv_cmd_notice, REG, 0, 2, 1000},
    {"NS", srv_cmd_nickserv, REG, 0, 15, 1000},
    {"OPER", srv_cmd_oper, REG, 1, 2, 3000},
    {"PART", srv_cmd_part, REG, 1, 2, 1000},
    {"PASS", srv_cmd_pass, U, 1, 1, 0},
    {"PING", srv_cmd_ping, ANY, 0, 2, 0},
    {"PONG", srv_cmd_pong, ANY, 0, 2, 0},
    {"PRIVMSG", srv_cmd_privmsg, REG, 0, 2, 1000},
    {"QUIT", srv_cmd_quit, ANY, 0, 1, 0},
    {"REGISTER", srv_cmd_register, ANY, 3, 3, 3000},
    {"REHASH", srv_cmd_rehash, O, 0, 0, 0},
    {"SETNAME", srv_cmd_setname, REG, 1, 1, 2000},
    {"TAGMSG", srv_cmd_tagmsg, REG, 1, 1, 1000},
    {"TIME", srv_cmd_time, REG, 0, 1, 1000},
    {"TOPIC", srv_cmd_topic, REG, 1, 2, 1000},
    {"USER", srv_cmd_user, U, 4, 4, 0},
    {"USERHOST", srv_cmd_userhost, REG, 1, 5, 1000},
    {"VERIFY", srv_cmd_verify, ANY, 2, 2, 1000},
    {"VERSION", srv_cmd_version, REG, 0, 1, 1000},
    {"WALLOPS", srv_cmd_wallops, O, 1, 1, 1000},
    {"WHO", srv_cmd_who, REG, 0, 2, 2000},
    {"WHOIS", srv_cmd_whois, REG, 0, 2, 1000},
    {"WHOWAS", srv_cmd_whowas, REG, 0, 3, 1000},
};

/* Unknown commands cost too, or probing with garbage would be free. */
#define UNKNOWN_PENALTY_MS 1000

static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'a' && ca <= 'z')
            ca -= 'a' - 'A';
        if (cb >= 'a' && cb <= 'z')
            cb -= 'a' - 'A';
        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

/* UTF8ONLY: is every parameter valid UTF-8? */
static int params_are_utf8(const srv_msg *msg)
{
    for (size_t i = 0; i < msg->nparams; i++) {
        if (!srv_utf8_valid(msg->params[i], strlen(msg->params[i])))
            return 0;
    }
    return 1;
}

static int compare_name(const void *key, const void *row)
{
    return ascii_casecmp(key, ((const srv_command *)row)->name);
}

const srv_command *srv_command_find(const char *name)
{
    return bsearch(name, commands, sizeof commands / sizeof commands[0], sizeof commands[0],
                   compare_name);
}

const srv_command *srv_command_table(size_t *count)
{
    *count = sizeof commands / sizeof commands[0];
    return commands;
}

static void dispatch(srv_client *c, const srv_msg *msg)
{
    const srv_command *cmd = srv_command_find(msg->command);
    if (!cmd) {
        /* The command name is client text: bound it in the reply. */
        srv_numeric(c, ERR_UNKNOWNCOMMAND, "%.32s :Unknown command", msg->command);
        srv_client_penalize(c, UNKNOWN_PENALTY_MS);
        return;
    }
    srv_client_penalize(c, cmd->penalty_ms);
    if (c->dead)
        return;
    if (!c->registered) {
        if (!(cmd->states & SRV_STATE_UNREGISTERED)) {
            srv_numeric(c, ERR_NOTREGISTERED, ":You have not registered");
            return;
        }
    } else if (!(cmd->states & (SRV_STATE_REGISTERED | SRV_STATE_OPER))) {
        srv_numeric(c, ERR_ALREADYREGISTERED, ":You may not reregister");
        return;
    } else if (!(cmd->states & SRV_STATE_REGISTERED) && !c->oper) {
        srv_numeric(c, ERR_NOPRIVILEGES, ":Permission Denied- You're not an IRC operator");
        return;
    }
    srv_msg trimmed = *msg;
    if (c->server->cfg.utf8_only && !params_are_utf8(msg)) {
        /* UTF8ONLY: text that is not UTF-8 is never relayed.  QUIT still
         * quits (without its message); a NOTICE is dropped unanswered
         * (RFC 2812 3.3.2); anything else is refused with a FAIL. */
        if (cmd->handler == srv_cmd_quit) {
            trimmed.nparams = 0;
        } else {
            if (cmd->handler != srv_cmd_notice)
                srv_sendf(c, ":%s FAIL %s INVALID_UTF8 :Message rejected, your IRC software must "
                             "use UTF-8 on this network",
                          c->server->cfg.server_name, cmd->name);
            return;
        }
    }
    if (trimmed.nparams < cmd->min_params) {
        srv_numeric(c, ERR_NEEDMOREPARAMS, "%s :Not enough parameters", cmd->name);
        return;
    }
    if (trimmed.nparams > cmd->max_params)
        trimmed.nparams = cmd->max_params;
    trimmed.command = cmd->name;
    cmd->handler(c, &trimmed);
}

void srv_command_dispatch(srv_client *c, const srv_msg *msg)
{
    /* labeled-response: what the command sends c while it runs carries
     * the label; what comes later (a worker's or the store's answer)
     * does not. */
    int labeled = srv_label_begin(c, msg);
    dispatch(c, msg);
    if (labeled)
        srv_label_end(c);
}

int srv_check_server_param(srv_client *c, const char *server)
{
    if (server && server[0] && ascii_casecmp(server, c->server->cfg.server_name) != 0) {
        srv_numeric(c, ERR_NOSUCHSERVER, "%.64s :No such server", server);
        return 1;
    }
    return 0;
}

int srv_next_item(const char **list, char *item, size_t size)
{
    const char *p = *list;
    if (!p || !*p)
        return 0;
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    size_t copy = n < size ? n : size - 1;
    memcpy(item, p, copy);
    item[copy] = '\0';
    *list = comma ? comma + 1 : p + n;
    return 1;
}

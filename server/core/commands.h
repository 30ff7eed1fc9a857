/* SPDX-License-Identifier: MIT */
/*
 * THE command table: every command natterd understands, with its handler,
 * the client states it is allowed in, its parameter counts and its flood
 * penalty.  The dispatcher enforces the table, so a handler can rely on
 * having at least min_params parameters and the right state.
 * Handlers live by family in irc-register.c, irc-cap.c, irc-channel.c,
 * irc-mode.c, irc-chat.c, irc-query.c, irc-monitor.c and irc-oper.c.
 */
#ifndef NATTERD_COMMANDS_H
#define NATTERD_COMMANDS_H

#include "core.h"
#include "irc-parse.h"

/** Client states a command is allowed in (a bit set). */
enum srv_command_state {
    SRV_STATE_UNREGISTERED = 1u << 0,
    SRV_STATE_REGISTERED = 1u << 1,
    SRV_STATE_OPER = 1u << 2, /* registered and an IRC operator */
};

/** A command handler; msg has at least the table's min_params. */
typedef void (*srv_handler)(srv_client *c, const srv_msg *msg);

/** One row of the table. */
typedef struct srv_command {
    const char *name;
    srv_handler handler;
    unsigned states;
    unsigned min_params;
    unsigned max_params; /* parameters past this are ignored */
    unsigned penalty_ms; /* flood penalty, before flood_penalty_percent */
} srv_command;

/** The row for name (ASCII case-insensitive), or NULL. */
const srv_command *srv_command_find(const char *name);

/** The whole table, sorted by name, and its length (for tests and docs). */
const srv_command *srv_command_table(size_t *count);

/**
 * Check msg against the table (421, 451, 462, 481, 461), charge the
 * penalty, and run the handler.
 */
void srv_command_dispatch(srv_client *c, const srv_msg *msg);

/* irc-register.c */
void srv_cmd_pass(srv_client *c, const srv_msg *msg);
void srv_cmd_nick(srv_client *c, const srv_msg *msg);
void srv_cmd_user(srv_client *c, const srv_msg *msg);
void srv_cmd_ping(srv_client *c, const srv_msg *msg);
void srv_cmd_pong(srv_client *c, const srv_msg *msg);
void srv_cmd_quit(srv_client *c, const srv_msg *msg);
void srv_cmd_setname(srv_client *c, const srv_msg *msg);
void srv_cmd_chghost(srv_client *c, const srv_msg *msg);
/* irc-cap.c */
void srv_cmd_cap(srv_client *c, const srv_msg *msg);
/* irc-channel.c */
void srv_cmd_join(srv_client *c, const srv_msg *msg);
void srv_cmd_part(srv_client *c, const srv_msg *msg);
void srv_cmd_topic(srv_client *c, const srv_msg *msg);
void srv_cmd_names(srv_client *c, const srv_msg *msg);
void srv_cmd_list(srv_client *c, const srv_msg *msg);
void srv_cmd_kick(srv_client *c, const srv_msg *msg);
void srv_cmd_invite(srv_client *c, const srv_msg *msg);
/* irc-mode.c */
void srv_cmd_mode(srv_client *c, const srv_msg *msg);
/* irc-chat.c */
void srv_cmd_privmsg(srv_client *c, const srv_msg *msg);
void srv_cmd_notice(srv_client *c, const srv_msg *msg);
void srv_cmd_tagmsg(srv_client *c, const srv_msg *msg);
void srv_cmd_away(srv_client *c, const srv_msg *msg);
/* irc-query.c */
void srv_cmd_who(srv_client *c, const srv_msg *msg);
void srv_cmd_whois(srv_client *c, const srv_msg *msg);
void srv_cmd_whowas(srv_client *c, const srv_msg *msg);
void srv_cmd_ison(srv_client *c, const srv_msg *msg);
void srv_cmd_userhost(srv_client *c, const srv_msg *msg);
void srv_cmd_version(srv_client *c, const srv_msg *msg);
void srv_cmd_time(srv_client *c, const srv_msg *msg);
void srv_cmd_admin(srv_client *c, const srv_msg *msg);
void srv_cmd_info(srv_client *c, const srv_msg *msg);
void srv_cmd_motd(srv_client *c, const srv_msg *msg);
void srv_cmd_lusers(srv_client *c, const srv_msg *msg);
void srv_cmd_help(srv_client *c, const srv_msg *msg);
void srv_cmd_links(srv_client *c, const srv_msg *msg);
/* irc-monitor.c */
void srv_cmd_monitor(srv_client *c, const srv_msg *msg);
/* irc-oper.c */
void srv_cmd_oper(srv_client *c, const srv_msg *msg);
/* irc-sasl.c, irc-account.c, nickserv.c */
void srv_cmd_authenticate(srv_client *c, const srv_msg *msg);
void srv_cmd_register(srv_client *c, const srv_msg *msg);
void srv_cmd_verify(srv_client *c, const srv_msg *msg);
void srv_cmd_nickserv(srv_client *c, const srv_msg *msg);
/* irc-history.c */
void srv_cmd_chathistory(srv_client *c, const srv_msg *msg);
void srv_cmd_markread(srv_client *c, const srv_msg *msg);
/* chanserv.c */
void srv_cmd_chanserv(srv_client *c, const srv_msg *msg);
void srv_cmd_kill(srv_client *c, const srv_msg *msg);
void srv_cmd_wallops(srv_client *c, const srv_msg *msg);
void srv_cmd_rehash(srv_client *c, const srv_msg *msg);

/* Shared by the handler families. */

/** A server parameter that is not us: 402 and return 1; else 0. */
int srv_check_server_param(srv_client *c, const char *server);

/**
 * Split a comma-separated list in place-free fashion: copies the next item
 * of *list into item (size bytes, truncated) and advances *list.
 * @return 0 when there are no more items
 */
int srv_next_item(const char **list, char *item, size_t size);

#endif

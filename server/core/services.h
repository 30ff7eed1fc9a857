/* SPDX-License-Identifier: MIT */
/*
 * What the built-in services (NickServ, ChanServ) share: a command table,
 * reading a message into words, and answering as the service.
 */
#ifndef NATTERD_SERVICES_H
#define NATTERD_SERVICES_H

#include "attributes.h"
#include "core.h"
#include "irc-parse.h"

#include <stddef.h>

/** The most words a service command is split into (the last takes the rest). */
#define SRV_SERVICE_MAX_WORDS 5

/** One service command: w[0] is its name, n the number of words. */
typedef struct srv_service_command {
    const char *name;
    void (*run)(srv_client *c, char **w, size_t n);
} srv_service_command;

/** A service: its nick and its commands (HELP among them). */
typedef struct srv_service {
    const char *nick;
    const srv_service_command *commands;
    size_t ncommands;
} srv_service;

/** Answer c as the service: a NOTICE from nick!nick@server. */
void srv_service_reply(srv_client *c, const srv_service *svc, const char *fmt, ...)
    SRV_PRINTF(3, 4);

/**
 * Run the service command in text for c (the text of a PRIVMSG to the
 * service, or srv_service_params()'s).  An empty text runs HELP; an
 * unknown command gets a reply naming HELP.
 */
void srv_service_run(srv_client *c, const srv_service *svc, const char *text);

/** The parameters of a NICKSERV/CHANSERV-style command joined by spaces into text. */
void srv_service_params(const srv_msg *msg, char *text, size_t size);

#endif

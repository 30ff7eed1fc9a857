/* SPDX-License-Identifier: MIT */
/*
 * NickServ, the account service for clients that do account work by
 * message (nickserv.c).
 */
#ifndef NATTERD_NICKSERV_H
#define NATTERD_NICKSERV_H

#include "core.h"

/** A PRIVMSG to NickServ from c: run the service command in text. */
void srv_nickserv(srv_client *c, const char *text);

#endif

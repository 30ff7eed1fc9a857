/* SPDX-License-Identifier: MIT */
/* Capability negotiation beyond the CAP command itself (irc-cap.c). */
#ifndef NATTERD_IRC_CAP_H
#define NATTERD_IRC_CAP_H

#include "core.h"

#include <stddef.h>

/**
 * A REHASH is about to replace s's settings with next: capabilities no
 * longer offered (draft/account-registration when [accounts]
 * registration closes, the history ones when [history] is turned off)
 * are disabled on every client, and cap-notify clients hear CAP DEL and
 * CAP NEW (with values for CAP LS 302 clients).  Call it before s->cfg
 * changes.
 */
/* The longest CAP LS/LIST/NEW/DEL line sent, CRLF included: 512, IRC's
 * limit.  Today's longest list (CAP LS 302 to a TLS client with the sts
 * policy, a 63-byte server name and a 30-byte nick) takes 499, so only a
 * test lowers this to see the continuation lines. */
extern size_t srv_cap_line_max;

void srv_cap_config_changed(srv_server *s, const srv_config *next);

#endif

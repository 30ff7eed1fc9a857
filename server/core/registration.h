/* SPDX-License-Identifier: MIT */
/*
 * Completing registration (the commands that lead to it are in
 * irc-register.c): the connection password, then the welcome burst
 * (001-004, 005 ISUPPORT, LUSERS, MOTD), whose parts the LUSERS, MOTD and
 * VERSION commands send again on request.
 */
#ifndef NATTERD_REGISTRATION_H
#define NATTERD_REGISTRATION_H

#include "core.h"

/**
 * Complete registration when NICK, USER (and CAP END) are all in: check
 * the connection password (closing c on a wrong one), then send the
 * welcome burst.
 */
void srv_client_try_register(srv_client *c);

/** Send the LUSERS numerics to c. */
void srv_client_send_lusers(srv_client *c);

/** Send the MOTD (375/372/376) or 422 to c. */
void srv_client_send_motd(srv_client *c);

/** Send the 005 ISUPPORT lines to c. */
void srv_client_send_isupport(srv_client *c);

#endif

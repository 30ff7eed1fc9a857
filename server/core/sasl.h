/* SPDX-License-Identifier: MIT */
/*
 * The SASL exchange's state as the rest of the core sees it (irc-sasl.c
 * holds the exchange itself and the AUTHENTICATE handler).
 */
#ifndef NATTERD_SASL_H
#define NATTERD_SASL_H

#include "core.h"

/** "PLAIN,SCRAM-SHA-256,EXTERNAL": the CAP LS value and 908's list. */
const char *srv_sasl_mechanisms(void);

/** Is a password check for c's login in flight?  Registration waits for it. */
int srv_sasl_busy(const srv_client *c);

/** Forget c's exchange (the client is freed, or it ended). */
void srv_sasl_free(srv_client *c);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Nick ownership: a nick that is an account's name belongs to whoever is
 * logged in to that account.  [accounts] nick_protection decides what
 * happens to anyone else using it: nothing (none), a rename to a guest
 * nick unless they log in within nick_grace (grace), or a refusal
 * (strict).  The service nicks (NickServ, ChanServ) are never anyone's.
 */
#ifndef NATTERD_NICKGUARD_H
#define NATTERD_NICKGUARD_H

#include "core.h"

/** Is nick a service's (NickServ, ChanServ)? */
int srv_nick_is_service(const char *nick);

/** Does c own nick (it is c's account's name), or is nick nobody's account? */
int srv_nick_owned_by(const srv_client *c, const char *nick);

/**
 * Before a registered client takes nick: under strict protection a nick
 * that belongs to someone else is refused with 433.
 * @return 1 when refused (the reply was sent), 0 when allowed
 */
int srv_nickguard_refuse(srv_client *c, const char *nick);

/**
 * At registration: under strict protection a nick that belongs to
 * someone else is refused with 433 and forgotten, so the client picks
 * another before it can register.
 * @return 1 when refused, 0 when registration may go on
 */
int srv_nickguard_at_registration(srv_client *c);

/**
 * After c registered, changed nick or logged in or out: under grace
 * protection start (or stop) the countdown to a guest nick, with a
 * notice saying so.
 */
void srv_nickguard_check(srv_client *c);

/**
 * The countdown ran out (srv_server_tick): rename c to a guest nick.
 * @return the next deadline to wake for, 0 when none
 */
uint64_t srv_nickguard_expire(srv_client *c, uint64_t now_ms);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Registered channels and ChanServ, the service that keeps them.
 *
 * A logged-in channel operator registers a channel (ChanServ REGISTER
 * #chan); from then on the channel outlives its members: it exists
 * (empty) across restarts with its topic, modes, key, limit and +b/+e/+I
 * lists, its founder's and access list's members get +o or +v when they
 * join or log in, and nobody else gets ops for creating it.  Every change
 * to what is kept is written through to the store.
 */
#ifndef NATTERD_CHANSERV_H
#define NATTERD_CHANSERV_H

#include "core.h"
#include "store.h"

/** A registered channel's access list holds at most this many accounts. */
#define SRV_CHANREG_MAX_ACCESS 100

/** One access list entry. */
typedef struct srv_chanreg_access {
    char account[SRV_NICKLEN_MAX + 1]; /* casefolded account name */
    char level;                        /* 'o' or 'v' */
} srv_chanreg_access;

/** What a registered channel keeps beyond the channel itself. */
struct srv_chanreg {
    char founder[SRV_NICKLEN_MAX + 1]; /* casefolded account name */
    int64_t registered_s;
    srv_chanreg_access *access;
    size_t naccess;
    int dirty; /* a change that the store did not take: written again from the tick */
};

/** Recreate a channel read from the store at start.
 *  @return 0; 1 when its founder's account is gone (drop it from the
 *  store once loading is over); -1 when out of memory */
int srv_chanreg_add_loaded(srv_server *s, const srv_store_channel *r);

/**
 * Another node registered name or changed its founder or access list
 * (cluster mode): the registration here becomes that one.  access is
 * "o:account,v:account" ("" for none).  @return 0 or -1
 */
int srv_chanreg_apply(srv_server *s, const char *name, const char *founder, int64_t registered_s,
                      const char *access);

/** Another node dropped name's registration. */
void srv_chanreg_forget(srv_server *s, const char *name);

/** Free a channel's registration (the channel is being destroyed). */
void srv_chanreg_free(struct srv_chanreg *reg);

/** How many channels are registered. */
size_t srv_chanreg_count(const srv_server *s);

/** ch's kept state changed (TOPIC, MODE): write it through (a write the
 *  store refuses is tried again from srv_chanreg_retry()). */
void srv_chanreg_changed(srv_channel *ch);

/** From the tick: write again the registered channels a write failed for. */
void srv_chanreg_retry(srv_server *s);

/** The member modes c gets on joining registered channel ch (SRV_MEMBER_*). */
unsigned srv_chanreg_join_modes(const srv_channel *ch, const srv_client *c);

/** c logged in: +o/+v in the registered channels it is in and has access to. */
void srv_chanreg_logged_in(srv_client *c);

/** The account (casefolded key) is gone: drop its channels, remove it from access lists. */
void srv_chanreg_account_dropped(srv_server *s, const char *account_key);

/** c is being freed: forget it in operations still in flight. */
void srv_chanserv_client_freed(srv_client *c);

/** The server is being freed: registered channels (the only ones left)
 *  and changes still waiting for the store go with it. */
void srv_chanserv_free_all(srv_server *s);

/** A PRIVMSG to ChanServ from c: run the service command in text. */
void srv_chanserv(srv_client *c, const char *text);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Accounts: the in-memory table (loaded from the store at start, written
 * through on every change), who is logged in to what, and the slow work
 * (password hashing) sent off the event loop.
 *
 * Every change follows one rule: the client hears "done" only from the
 * store's completion callback.  An account in the middle of a write is
 * "busy" and refuses a second change until the first completes, so whole
 * records written by two changes can never interleave in the store.
 */
#ifndef NATTERD_ACCOUNT_H
#define NATTERD_ACCOUNT_H

#include "core.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define SRV_ACCOUNT_MAX_CERTS 16
#define SRV_PASSWORD_MIN 8
#define SRV_PASSWORD_MAX 300
/** Failed logins an account takes within the window before it is refused. */
#define SRV_ACCOUNT_MAX_FAILURES 10
#define SRV_ACCOUNT_WINDOW_MS 60000u
/** Password hashes handed to the worker at once (server-wide); more wait
 *  in a queue of at most SRV_HASH_MAX_QUEUED (one per client at most),
 *  beyond which a login is refused as busy. */
#define SRV_HASH_MAX_INFLIGHT 32
#define SRV_HASH_MAX_QUEUED 4096

struct srv_account {
    char *key;  /* casefolded name */
    char *name; /* as registered */
    char *credential;
    int64_t registered_s;
    char *certfps[SRV_ACCOUNT_MAX_CERTS];
    size_t ncertfps;
    int pending; /* reserved by a REGISTER not yet stored */
    int busy;    /* a write is in flight */
    unsigned failures;
    uint64_t window_start_ms;
};

/** Why an account operation did not start (see srv_account_error_text). */
enum srv_account_error {
    SRV_ACC_OK = 0,
    SRV_ACC_DISABLED = -1,      /* no store, or registration closed to this client */
    SRV_ACC_EXISTS = -2,        /* the name is taken (or reserved) */
    SRV_ACC_BAD_NAME = -3,      /* not a valid nick */
    SRV_ACC_WEAK_PASSWORD = -4, /* too short or too long */
    SRV_ACC_RATE_LIMITED = -5,  /* this address or account tried too often */
    SRV_ACC_UNAVAILABLE = -6,   /* the store could not write / too busy */
    SRV_ACC_NO_SUCH = -7,       /* no such account */
    SRV_ACC_BAD_PASSWORD = -8,  /* wrong password */
    SRV_ACC_ALREADY = -9,       /* already logged in */
    SRV_ACC_BUSY = -10,         /* another change to this account, or another
                                   password check of this client, is in flight */
    SRV_ACC_NICK_IN_USE = -11,  /* the name is a nick someone else is using */
};

/** How an operation ended, for the caller's reply: name is the account's
 *  name (valid during the call, even when acc is NULL because it failed). */
typedef void (*srv_account_reply_fn)(srv_client *c, int result, srv_account *acc,
                                     const char *name, void *arg);

/** The accounts table (server lifetime); NULL when out of memory. */
struct srv_accounts *srv_accounts_new(void);

/** Free the table; clients must already be logged out or gone. */
void srv_accounts_free(struct srv_accounts *t);

/** Add an account read from the store at start.  @return 0, or -1 when out of memory */
int srv_accounts_add_loaded(srv_server *s, const srv_store_account *a);

/**
 * Another node stored this account (cluster mode): add it, or replace the
 * credential and certificates of the one here.  @return 0 or -1
 */
int srv_accounts_replace(srv_server *s, const srv_store_account *a);

/** Another node dropped this account: log its users out here and forget it. */
void srv_accounts_forget(srv_server *s, const char *name);

/** Are accounts available (a store is attached and loaded)? */
int srv_accounts_enabled(const srv_server *s);

/** How many accounts exist. */
size_t srv_accounts_count(const srv_server *s);

/** The account named name (any case), or NULL; reserved names count as absent. */
srv_account *srv_account_find(srv_server *s, const char *name);

/** The account that registered the certificate fingerprint fp, or NULL. */
srv_account *srv_account_by_certfp(srv_server *s, const char *fp);

/** May c's address or acc try a password now?  @return 1, or 0 when rate-limited */
int srv_account_may_try(srv_client *c, srv_account *acc);

/** Count a failed login by c against acc (may be NULL).  Logins count
 *  one when they start (so attempts in parallel cannot outrun the
 *  limits) and srv_account_forgive() takes it back when they succeed. */
void srv_account_failed(srv_client *c, srv_account *acc);

/** A login counted by srv_account_failed() succeeded: take it back. */
void srv_account_forgive(srv_client *c, srv_account *acc);

/**
 * Register name with password for c and, once stored, log c in to it.
 * reply(c, SRV_ACC_OK or an error, acc, arg) follows, possibly later (the
 * hash runs off the loop); c may have left by then (reply is not called).
 * @return SRV_ACC_OK when started, or an error (reply is not called)
 */
int srv_account_register(srv_client *c, const char *name, const char *password,
                         srv_account_reply_fn reply, void *arg);

/**
 * Check password for acc on behalf of c (PLAIN, IDENTIFY, DROP); reply
 * gets SRV_ACC_OK or SRV_ACC_BAD_PASSWORD.  The check counts against
 * the rate limits.  @return SRV_ACC_OK when started, or an error
 */
int srv_account_check_password(srv_client *c, srv_account *acc, const char *password,
                               srv_account_reply_fn reply, void *arg);

/** Replace acc's password (SET PASSWORD).  @return SRV_ACC_OK when started, or an error */
int srv_account_set_password(srv_client *c, srv_account *acc, const char *password,
                             srv_account_reply_fn reply, void *arg);

/** Add (add=1) or remove a certificate fingerprint.  @return SRV_ACC_OK when started */
int srv_account_set_cert(srv_client *c, srv_account *acc, const char *fp, int add,
                         srv_account_reply_fn reply, void *arg);

/** Delete acc: its users are logged out once it is stored.  @return SRV_ACC_OK when started */
int srv_account_drop(srv_client *c, srv_account *acc, srv_account_reply_fn reply, void *arg);

/**
 * Log c in to acc: 900, +r, account-notify to its peers (when
 * registered).  The caller has checked the credentials.
 */
void srv_account_login(srv_client *c, srv_account *acc);

/** Log c out (901, -r, account-notify).  Nothing when not logged in. */
void srv_account_logout(srv_client *c);

/** c is being freed: forget it in operations still in flight. */
void srv_account_client_freed(srv_client *c);

/** The per-server secret behind made-up SCRAM salts for unknown names. */
const unsigned char *srv_account_secret(srv_server *s);

/** Short English text for an srv_account_error. */
const char *srv_account_error_text(int error);

/** The standard-replies code (FAIL REGISTER <code>) for an srv_account_error. */
const char *srv_account_error_code(int error);

#endif

/* SPDX-License-Identifier: MIT */
#include "account.h"

#include "authlimit.h"
#include "casemap.h"
#include "chanserv.h"
#include "client.h"
#include "cluster-core.h"
#include "history.h"
#include "nickguard.h"
#include "numerics.h"
#include "scram.h"
#include "send.h"
#include "server.h"

#include <natter/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op { OP_REGISTER, OP_CHECK, OP_SET_PASSWORD, OP_CERT, OP_DROP };

/* One operation in flight: hashing off the loop and/or a store write. */
typedef struct pending {
    srv_server *server;
    srv_client *client; /* NULL once the client is freed */
    srv_account *acc;   /* NULL once the account is freed */
    struct pending *prev, *next;
    enum op op;
    srv_account_reply_fn reply;
    void *arg;
    int result;
    int hashing; /* handed to the worker (counted in hashing) */
    int queued;  /* waiting for a worker slot */
    struct pending *queue_next;
    char name[SRV_NICKLEN_MAX + 1];
    /* Worker input and output: nothing else is touched off the loop. */
    char password[SRV_PASSWORD_MAX + 1];
    unsigned char salt[16];
    unsigned iterations;
    char credential[SRV_CREDENTIAL_MAX];
    int matched;
    /* OP_CERT */
    char fp[72];
    int add;
} pending;

struct srv_accounts {
    srv_strmap *by_name;   /* casefolded name -> srv_account */
    srv_strmap *by_certfp; /* fingerprint -> srv_account */
    pending *inflight;
    unsigned hashing;
    pending *queue_head, *queue_tail; /* hashes waiting for a slot, oldest first */
    unsigned queued;
    unsigned char secret[32];
};

/* ---- the table ---- */

struct srv_accounts *srv_accounts_new(void)
{
    struct srv_accounts *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->by_name = srv_strmap_new();
    t->by_certfp = srv_strmap_new();
    if (!t->by_name || !t->by_certfp || nt_random_bytes(t->secret, sizeof t->secret) != 0) {
        srv_accounts_free(t);
        return NULL;
    }
    return t;
}

static void account_free(srv_account *a)
{
    if (!a)
        return;
    free(a->key);
    free(a->name);
    free(a->credential);
    for (size_t i = 0; i < a->ncertfps; i++)
        free(a->certfps[i]);
    free(a);
}

void srv_accounts_free(struct srv_accounts *t)
{
    if (!t)
        return;
    if (t->by_name) {
        srv_strmap_iter it = SRV_STRMAP_ITER_INIT;
        srv_account *a;
        while ((a = srv_strmap_next(t->by_name, &it)))
            account_free(a);
    }
    srv_strmap_free(t->by_name);
    srv_strmap_free(t->by_certfp);
    /* Operations still in flight belong to the offload: it calls their
     * done() later only if the server lives, which it does not; the
     * network layer drains the offload before freeing the server. */
    while (t->inflight) {
        pending *p = t->inflight;
        t->inflight = p->next;
        memset(p->password, 0, sizeof p->password);
        free(p);
    }
    free(t);
}

int srv_accounts_enabled(const srv_server *s)
{
    return s->store != NULL && s->accounts != NULL;
}

size_t srv_accounts_count(const srv_server *s)
{
    return s->accounts ? srv_strmap_count(s->accounts->by_name) : 0;
}

srv_account *srv_account_find(srv_server *s, const char *name)
{
    if (!s->accounts)
        return NULL;
    srv_account *a = srv_strmap_get(s->accounts->by_name, name);
    return a && !a->pending ? a : NULL;
}

srv_account *srv_account_by_certfp(srv_server *s, const char *fp)
{
    return s->accounts && fp ? srv_strmap_get(s->accounts->by_certfp, fp) : NULL;
}

const unsigned char *srv_account_secret(srv_server *s)
{
    return s->accounts->secret;
}


static srv_account *account_new(const char *name, const char *credential, int64_t registered_s)
{
    srv_account *a = calloc(1, sizeof *a);
    char key[SRV_NICKLEN_MAX + 1];
    srv_casefold(key, name, sizeof key);
    if (a) {
        a->key = srv_config_strdup(key);
        a->name = srv_config_strdup(name);
        a->credential = srv_config_strdup(credential);
        a->registered_s = registered_s;
    }
    if (!a || !a->key || !a->name || !a->credential) {
        account_free(a);
        return NULL;
    }
    return a;
}

/* Load one stored account (srv_server_set_store()). */
int srv_accounts_add_loaded(srv_server *s, const srv_store_account *r)
{
    struct srv_accounts *t = s->accounts;
    if (srv_strmap_get(t->by_name, r->name))
        return 0; /* two keys folding alike: keep the first */
    srv_account *a = account_new(r->name, r->credential, r->registered_s);
    if (!a || srv_strmap_put(t->by_name, a->name, a) < 0) {
        account_free(a);
        return -1;
    }
    for (size_t i = 0; i < r->ncertfps && a->ncertfps < SRV_ACCOUNT_MAX_CERTS; i++) {
        char *fp = srv_config_strdup(r->certfps[i]);
        if (!fp)
            return -1;
        a->certfps[a->ncertfps++] = fp;
        if (!srv_strmap_get(t->by_certfp, fp))
            srv_strmap_put(t->by_certfp, fp, a);
    }
    if (!a->credential[0] || !srv_credential_valid(a->credential))
        srv_server_log(s, SRV_LOG_WARNING, "store: account %s has no usable password", a->name);
    return 0;
}

/* Remove acc from the table and free it: log out its users first. */
static void account_remove(srv_server *s, srv_account *acc);

int srv_accounts_replace(srv_server *s, const srv_store_account *r)
{
    srv_account *acc = srv_account_find(s, r->name);
    if (!acc)
        return srv_accounts_add_loaded(s, r);
    if (acc->busy || acc->pending)
        return 0; /* our own change is in flight: the store orders the two */
    char *cred = srv_config_strdup(r->credential);
    if (!cred)
        return -1;
    free(acc->credential);
    acc->credential = cred;
    struct srv_accounts *t = s->accounts;
    for (size_t i = 0; i < acc->ncertfps; i++) {
        if (srv_strmap_get(t->by_certfp, acc->certfps[i]) == acc)
            srv_strmap_remove(t->by_certfp, acc->certfps[i]);
        free(acc->certfps[i]);
    }
    acc->ncertfps = 0;
    for (size_t i = 0; i < r->ncertfps && acc->ncertfps < SRV_ACCOUNT_MAX_CERTS; i++) {
        char *fp = srv_config_strdup(r->certfps[i]);
        if (!fp)
            return -1;
        acc->certfps[acc->ncertfps++] = fp;
        if (!srv_strmap_get(t->by_certfp, fp))
            srv_strmap_put(t->by_certfp, fp, acc);
    }
    return 0;
}

void srv_accounts_forget(srv_server *s, const char *name)
{
    srv_account *acc = srv_account_find(s, name);
    if (acc && !acc->busy && !acc->pending)
        account_remove(s, acc);
}

static void account_remove(srv_server *s, srv_account *acc)
{
    struct srv_accounts *t = s->accounts;
    /* Out of the tables first: the logouts below check nick ownership,
     * and a nick whose account is gone belongs to nobody. */
    for (size_t i = 0; i < acc->ncertfps; i++) {
        if (srv_strmap_get(t->by_certfp, acc->certfps[i]) == acc)
            srv_strmap_remove(t->by_certfp, acc->certfps[i]);
    }
    if (srv_strmap_get(t->by_name, acc->name) == acc)
        srv_strmap_remove(t->by_name, acc->name);
    for (srv_client *c = s->clients; c; c = c->next) {
        if (c->account == acc)
            srv_account_logout(c);
    }
    for (pending *p = t->inflight; p; p = p->next) {
        if (p->acc == acc)
            p->acc = NULL;
    }
    account_free(acc);
}

/* ---- rate limits ---- */

int srv_account_may_try(srv_client *c, srv_account *acc)
{
    srv_server *s = c->server;
    if (!srv_authlimit_allowed(s->auth, srv_client_address(c), s->now_ms,
                               s->cfg.login_failures_per_address))
        return 0;
    if (acc && acc->failures) {
        if (s->now_ms - acc->window_start_ms >= SRV_ACCOUNT_WINDOW_MS)
            acc->failures = 0;
        else if (acc->failures >= SRV_ACCOUNT_MAX_FAILURES)
            return 0;
    }
    return 1;
}

void srv_account_forgive(srv_client *c, srv_account *acc)
{
    srv_server *s = c->server;
    srv_authlimit_forgive(s->auth, srv_client_address(c), s->now_ms);
    if (acc)
        acc->failures = 0;
}

void srv_account_failed(srv_client *c, srv_account *acc)
{
    srv_server *s = c->server;
    srv_authlimit_failed(s->auth, srv_client_address(c), s->now_ms);
    if (acc) {
        if (!acc->failures || s->now_ms - acc->window_start_ms >= SRV_ACCOUNT_WINDOW_MS) {
            acc->failures = 0;
            acc->window_start_ms = s->now_ms;
        }
        acc->failures++;
    }
}

/* ---- operations in flight ---- */

static pending *pending_new(srv_client *c, srv_account *acc, enum op op,
                            srv_account_reply_fn reply, void *arg)
{
    pending *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    struct srv_accounts *t = c->server->accounts;
    p->server = c->server;
    p->client = c;
    p->acc = acc;
    p->op = op;
    p->reply = reply;
    p->arg = arg;
    snprintf(p->name, sizeof p->name, "%s", acc ? acc->name : "*");
    p->next = t->inflight;
    if (t->inflight)
        t->inflight->prev = p;
    t->inflight = p;
    return p;
}

/* Reply (when the client is still there) and forget p. */
static void pump_queue(srv_server *s);

static void pending_finish(pending *p, int result)
{
    srv_server *s = p->server;
    struct srv_accounts *t = s->accounts;
    int freed_slot = p->hashing;
    if (p->prev)
        p->prev->next = p->next;
    else
        t->inflight = p->next;
    if (p->next)
        p->next->prev = p->prev;
    if (p->hashing)
        t->hashing--;
    if (p->client && !p->client->dead && p->reply)
        p->reply(p->client, result, p->acc, p->name, p->arg);
    memset(p->password, 0, sizeof p->password);
    free(p);
    if (freed_slot)
        pump_queue(s);
}

void srv_account_client_freed(srv_client *c)
{
    if (!c->server->accounts)
        return;
    for (pending *p = c->server->accounts->inflight; p; p = p->next) {
        if (p->client == c)
            p->client = NULL;
    }
}

/* Off the loop: the slow part.  Touches only p's worker fields. */
static void hash_run(void *job)
{
    pending *p = job;
    if ((p->op == OP_CHECK || p->op == OP_DROP) && !p->credential[0]) {
        /* An unknown name: the same work as a real check, then no. */
        char scratch[SRV_CREDENTIAL_MAX];
        srv_credential_make(p->password, p->salt, p->iterations, scratch, sizeof scratch);
        p->matched = 0;
    } else if (p->op == OP_CHECK || p->op == OP_DROP)
        p->matched = srv_credential_check(p->credential, p->password);
    else
        p->matched = srv_credential_make(p->password, p->salt, p->iterations, p->credential,
                                         sizeof p->credential) == 0;
    memset(p->password, 0, sizeof p->password);
}

static void hashed(pending *p);

/* Back on the loop: an entry point of its own. */
static void hash_done(void *job)
{
    pending *p = job;
    srv_server *s = p->server;
    srv_server_enter(s);
    hashed(p);
    srv_server_leave(s);
}

static void submit(pending *p)
{
    srv_server *s = p->server;
    p->hashing = 1;
    s->accounts->hashing++;
    if (s->offload)
        s->offload(s->offload_ctx, hash_run, hash_done, p);
    else {
        hash_run(p);
        hash_done(p);
    }
}

/* Hand the worker what waits, oldest first, while there are free slots.
 * A queued login whose client left is still hashed: hashed() knows what
 * to undo (a reserved name, a busy account). */
static void pump_queue(srv_server *s)
{
    struct srv_accounts *t = s->accounts;
    while (t->queue_head && t->hashing < SRV_HASH_MAX_INFLIGHT) {
        pending *p = t->queue_head;
        t->queue_head = p->queue_next;
        if (!t->queue_head)
            t->queue_tail = NULL;
        t->queued--;
        p->queued = 0;
        submit(p);
    }
}

/* A storm of logins waits its turn rather than being refused: at most
 * SRV_HASH_MAX_INFLIGHT hashes on the worker, the rest queued. */
static int start_hash(pending *p, const char *password)
{
    struct srv_accounts *t = p->server->accounts;
    snprintf(p->password, sizeof p->password, "%s", password);
    if (t->hashing < SRV_HASH_MAX_INFLIGHT) {
        submit(p);
        return SRV_ACC_OK;
    }
    p->queued = 1;
    if (t->queue_tail)
        t->queue_tail->queue_next = p;
    else
        t->queue_head = p;
    t->queue_tail = p;
    t->queued++;
    return SRV_ACC_OK;
}

static int hashing_full(srv_server *s)
{
    return s->accounts->hashing >= SRV_HASH_MAX_INFLIGHT &&
           s->accounts->queued >= SRV_HASH_MAX_QUEUED;
}

/* One password hash per client at a time: a client cannot fill the
 * worker's queue (and starve everyone's logins) with checks in parallel. */
static int client_hashing(const srv_client *c)
{
    for (const pending *p = c->server->accounts->inflight; p; p = p->next) {
        if (p->client == c && (p->hashing || p->queued))
            return 1;
    }
    return 0;
}

/* Write acc as it would be with the pending change applied (view). */
static void store_done(void *ctx, int status);

static void write_account(pending *p, const srv_account *view, int create)
{
    srv_store_account r = {
        .key = view->key,
        .name = view->name,
        .credential = view->credential,
        .registered_s = view->registered_s,
        .certfps = (const char *const *)view->certfps,
        .ncertfps = view->ncertfps,
    };
    if (p->acc)
        p->acc->busy = 1;
    p->server->store->ops->put_account(p->server->store, &r, create, store_done, p);
}

/* ---- completions ---- */

static int result_of_store(int status)
{
    switch (status) {
    case SRV_STORE_OK:
        return SRV_ACC_OK;
    case SRV_STORE_EXISTS:
        return SRV_ACC_EXISTS;
    case SRV_STORE_NOT_FOUND:
        return SRV_ACC_NO_SUCH;
    default:
        return SRV_ACC_UNAVAILABLE;
    }
}

/* The change is stored (or not): apply it in memory and reply. */
static void store_done(void *ctx, int status)
{
    pending *p = ctx;
    srv_server *s = p->server;
    srv_server_enter(s);
    struct srv_accounts *t = s->accounts;
    srv_account *acc = p->acc;
    int result = result_of_store(status);
    if (acc)
        acc->busy = 0;
    switch (p->op) {
    case OP_REGISTER:
        if (!acc)
            break;
        if (result == SRV_ACC_OK) {
            /* The reply (REGISTER SUCCESS, then the login) is the caller's. */
            acc->pending = 0;
            srv_cluster_account_changed(s, acc);
            srv_server_log(s, SRV_LOG_INFO, "account %s registered", acc->name);
        } else {
            account_remove(s, acc);
            p->acc = NULL;
        }
        break;
    case OP_SET_PASSWORD:
        if (acc && result == SRV_ACC_OK) {
            char *cred = srv_config_strdup(p->credential);
            if (cred) {
                free(acc->credential);
                acc->credential = cred;
            }
            srv_cluster_account_changed(s, acc);
        }
        break;
    case OP_CERT:
        if (!acc || result != SRV_ACC_OK)
            break;
        if (p->add) {
            char *fp = srv_config_strdup(p->fp);
            if (fp && acc->ncertfps < SRV_ACCOUNT_MAX_CERTS) {
                acc->certfps[acc->ncertfps++] = fp;
                if (!srv_strmap_get(t->by_certfp, fp))
                    srv_strmap_put(t->by_certfp, fp, acc);
            } else {
                free(fp);
            }
        } else {
            for (size_t i = 0; i < acc->ncertfps; i++) {
                if (strcmp(acc->certfps[i], p->fp) != 0)
                    continue;
                if (srv_strmap_get(t->by_certfp, p->fp) == acc)
                    srv_strmap_remove(t->by_certfp, p->fp);
                free(acc->certfps[i]);
                acc->certfps[i] = acc->certfps[--acc->ncertfps];
                break;
            }
        }
        srv_cluster_account_changed(s, acc);
        break;
    case OP_DROP:
        if (acc && (result == SRV_ACC_OK || result == SRV_ACC_NO_SUCH)) {
            result = SRV_ACC_OK;
            srv_server_log(s, SRV_LOG_INFO, "account %s dropped", acc->name);
            /* Reply before the account goes, while its name is valid. */
            if (p->client && !p->client->dead && p->reply)
                p->reply(p->client, result, acc, p->name, p->arg);
            p->reply = NULL;
            srv_chanreg_account_dropped(s, acc->key);
            srv_history_drop_account(s, acc->key);
            srv_cluster_account_dropped(s, acc->key);
            account_remove(s, acc);
            p->acc = NULL;
        }
        break;
    case OP_CHECK:
        break;
    }
    pending_finish(p, result);
    srv_server_leave(s);
}

/* The hash is done: check results reply now, changes go to the store. */
static void hashed(pending *p)
{
    srv_server *s = p->server;
    srv_account *acc = p->acc;
    if (p->op == OP_CHECK || p->op == OP_DROP) {
        int ok = p->matched && acc;
        /* The failure was counted when the check started. */
        if (ok && p->client && !p->client->dead)
            srv_account_forgive(p->client, acc);
        if (!ok || p->op == OP_CHECK) {
            pending_finish(p, ok ? SRV_ACC_OK : (acc ? SRV_ACC_BAD_PASSWORD : SRV_ACC_NO_SUCH));
            return;
        }
        if (!p->client || p->client->dead) {
            pending_finish(p, SRV_ACC_OK); /* nobody asked any more: drop nothing */
            return;
        }
        acc->busy = 1;
        s->store->ops->drop_account(s->store, acc->key, store_done, p);
        return;
    }
    if (!p->matched || !acc) {
        if (acc && p->op == OP_SET_PASSWORD)
            acc->busy = 0;
        if (acc && p->op == OP_REGISTER) {
            account_remove(s, acc);
            p->acc = NULL;
        }
        pending_finish(p, SRV_ACC_UNAVAILABLE);
        return;
    }
    if (p->op == OP_REGISTER) {
        if (!p->client || p->client->dead) {
            /* Not stored, never acknowledged: release the name. */
            account_remove(s, acc);
            p->acc = NULL;
            pending_finish(p, SRV_ACC_UNAVAILABLE);
            return;
        }
        free(acc->credential);
        acc->credential = srv_config_strdup(p->credential);
        if (!acc->credential) {
            account_remove(s, acc);
            p->acc = NULL;
            pending_finish(p, SRV_ACC_UNAVAILABLE);
            return;
        }
        write_account(p, acc, 1);
        return;
    }
    /* OP_SET_PASSWORD: store the account with the new credential. */
    srv_account view = *acc;
    view.credential = p->credential;
    write_account(p, &view, 0);
}

/* ---- the operations ---- */

static int may_register(srv_client *c)
{
    const srv_config *cfg = &c->server->cfg;
    if (!srv_accounts_enabled(c->server))
        return c->server->store_broken ? SRV_ACC_UNAVAILABLE : SRV_ACC_DISABLED;
    if (cfg->account_registration == SRV_REGISTRATION_CLOSED ||
        (cfg->account_registration == SRV_REGISTRATION_OPERS && !c->oper))
        return SRV_ACC_DISABLED;
    return SRV_ACC_OK;
}

static int password_ok(const char *password)
{
    size_t n = strlen(password);
    return n >= SRV_PASSWORD_MIN && n <= SRV_PASSWORD_MAX;
}

int srv_account_register(srv_client *c, const char *name, const char *password,
                         srv_account_reply_fn reply, void *arg)
{
    srv_server *s = c->server;
    int rc = may_register(c);
    if (rc != SRV_ACC_OK)
        return rc;
    if (c->account)
        return SRV_ACC_ALREADY;
    /* Nicks, without '\\' (an account name goes into account= tags, where
     * it would read as an escape) and without the services' names. */
    if (!srv_nick_valid(name, s->cfg.nick_length) || strchr(name, '\\') ||
        srv_nick_is_service(name))
        return SRV_ACC_BAD_NAME;
    if (srv_strmap_get(s->accounts->by_name, name))
        return SRV_ACC_EXISTS;
    /* Another client's nick: registering it would let GHOST/REGAIN take it. */
    srv_client *holder = srv_client_find(s, name);
    if (holder && holder != c)
        return SRV_ACC_NICK_IN_USE;
    if (client_hashing(c))
        return SRV_ACC_BUSY;
    if (!password_ok(password))
        return SRV_ACC_WEAK_PASSWORD;
    /* Registrations count against the address like failed logins, so one
     * address cannot mint accounts in bulk. */
    if (!srv_authlimit_allowed(s->reglimit, srv_client_address(c), s->now_ms,
                               s->cfg.registrations_per_address))
        return SRV_ACC_RATE_LIMITED;
    if (hashing_full(s))
        return SRV_ACC_BUSY;
    unsigned char salt[16];
    if (nt_random_bytes(salt, sizeof salt) != 0)
        return SRV_ACC_UNAVAILABLE;
    srv_authlimit_failed(s->reglimit, srv_client_address(c), s->now_ms);
    srv_account *acc = account_new(name, "", srv_server_wall_us(s) / 1000000);
    if (!acc || srv_strmap_put(s->accounts->by_name, acc->name, acc) < 0) {
        account_free(acc);
        return SRV_ACC_UNAVAILABLE;
    }
    /* Reserved: a second REGISTER of the name now gets ACCOUNT_EXISTS. */
    acc->pending = 1;
    acc->busy = 1;
    pending *p = pending_new(c, acc, OP_REGISTER, reply, arg);
    if (!p) {
        account_remove(s, acc);
        return SRV_ACC_UNAVAILABLE;
    }
    memcpy(p->salt, salt, sizeof salt);
    p->iterations = s->cfg.password_iterations;
    return start_hash(p, password);
}

int srv_account_check_password(srv_client *c, srv_account *acc, const char *password,
                               srv_account_reply_fn reply, void *arg)
{
    srv_server *s = c->server;
    if (!srv_accounts_enabled(s))
        return SRV_ACC_DISABLED;
    if (!srv_account_may_try(c, acc))
        return SRV_ACC_RATE_LIMITED;
    if (client_hashing(c) || hashing_full(s))
        return SRV_ACC_BUSY;
    pending *p = pending_new(c, acc, OP_CHECK, reply, arg);
    if (!p)
        return SRV_ACC_UNAVAILABLE;
    srv_account_failed(c, acc); /* forgiven if it turns out right */
    /* An unknown name costs the same hash as a known one (on the worker,
     * with today's iteration count), so timing does not tell which names
     * exist. */
    if (acc)
        snprintf(p->credential, sizeof p->credential, "%s", acc->credential);
    p->iterations = s->cfg.password_iterations;
    return start_hash(p, password);
}

int srv_account_set_password(srv_client *c, srv_account *acc, const char *password,
                             srv_account_reply_fn reply, void *arg)
{
    srv_server *s = c->server;
    if (!srv_accounts_enabled(s))
        return SRV_ACC_DISABLED;
    if (!password_ok(password))
        return SRV_ACC_WEAK_PASSWORD;
    if (acc->busy || client_hashing(c) || hashing_full(s))
        return SRV_ACC_BUSY;
    pending *p = pending_new(c, acc, OP_SET_PASSWORD, reply, arg);
    if (!p)
        return SRV_ACC_UNAVAILABLE;
    if (nt_random_bytes(p->salt, sizeof p->salt) != 0) {
        pending_finish(p, SRV_ACC_UNAVAILABLE);
        return SRV_ACC_OK;
    }
    acc->busy = 1;
    p->iterations = s->cfg.password_iterations;
    return start_hash(p, password);
}

int srv_account_set_cert(srv_client *c, srv_account *acc, const char *fp, int add,
                         srv_account_reply_fn reply, void *arg)
{
    srv_server *s = c->server;
    if (!srv_accounts_enabled(s))
        return SRV_ACC_DISABLED;
    if (acc->busy)
        return SRV_ACC_BUSY;
    size_t index = acc->ncertfps;
    for (size_t i = 0; i < acc->ncertfps; i++) {
        if (strcmp(acc->certfps[i], fp) == 0)
            index = i;
    }
    if (add && index < acc->ncertfps)
        return SRV_ACC_EXISTS;
    if (add && (acc->ncertfps == SRV_ACCOUNT_MAX_CERTS || srv_account_by_certfp(s, fp)))
        return acc->ncertfps == SRV_ACCOUNT_MAX_CERTS ? SRV_ACC_RATE_LIMITED : SRV_ACC_EXISTS;
    if (!add && index == acc->ncertfps)
        return SRV_ACC_NO_SUCH;
    pending *p = pending_new(c, acc, OP_CERT, reply, arg);
    if (!p)
        return SRV_ACC_UNAVAILABLE;
    snprintf(p->fp, sizeof p->fp, "%s", fp);
    p->add = add;
    srv_account view = *acc;
    if (add) {
        view.certfps[view.ncertfps++] = p->fp;
    } else {
        view.certfps[index] = view.certfps[--view.ncertfps];
    }
    write_account(p, &view, 0);
    return SRV_ACC_OK;
}

int srv_account_drop(srv_client *c, srv_account *acc, srv_account_reply_fn reply, void *arg)
{
    srv_server *s = c->server;
    if (!srv_accounts_enabled(s))
        return SRV_ACC_DISABLED;
    if (acc->busy)
        return SRV_ACC_BUSY;
    pending *p = pending_new(c, acc, OP_DROP, reply, arg);
    if (!p)
        return SRV_ACC_UNAVAILABLE;
    acc->busy = 1;
    s->store->ops->drop_account(s->store, acc->key, store_done, p);
    return SRV_ACC_OK;
}

/* ---- logging in and out ---- */

static void announce_account(srv_client *c, const char *account)
{
    if (!c->registered)
        return;
    char prefix[SRV_PREFIX_MAX + 1];
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_fanout f;
    if (srv_fanout_init(&f, c->server, NULL, ":%s ACCOUNT %s", prefix, account) == 0) {
        srv_fanout_to_peers(&f, c, SRV_CAP_ACCOUNT_NOTIFY);
        /* account-notify: the client itself hears of its own changes too. */
        if (c->caps & SRV_CAP_ACCOUNT_NOTIFY)
            srv_fanout_send(&f, c);
        srv_fanout_done(&f);
    }
}

void srv_account_login(srv_client *c, srv_account *acc)
{
    char prefix[SRV_PREFIX_MAX + 1];
    c->account = acc;
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_numeric(c, RPL_LOGGEDIN, "%s %s :You are now logged in as %s",
                c->registered ? prefix : (c->nick[0] ? prefix : "*"), acc->name, acc->name);
    if (c->registered)
        srv_sendf(c, ":%s MODE %s :+r", c->nick, c->nick);
    announce_account(c, acc->name);
    srv_cluster_note_account(c);
    srv_nickguard_check(c);
    srv_chanreg_logged_in(c);
    srv_server_log(c->server, SRV_LOG_INFO, "%s logged in as %s", c->nick[0] ? c->nick : "*",
                   acc->name);
}

void srv_account_logout(srv_client *c)
{
    if (!c->account)
        return;
    char prefix[SRV_PREFIX_MAX + 1];
    c->account = NULL;
    srv_client_prefix(c, prefix, sizeof prefix);
    srv_numeric(c, RPL_LOGGEDOUT, "%s :You are now logged out", prefix);
    if (c->registered)
        srv_sendf(c, ":%s MODE %s :-r", c->nick, c->nick);
    announce_account(c, "*");
    srv_cluster_note_account(c);
    srv_nickguard_check(c);
}

/* ---- texts ---- */

const char *srv_account_error_text(int error)
{
    switch (error) {
    case SRV_ACC_OK:
        return "Done";
    case SRV_ACC_DISABLED:
        return "Account registration is not open to you on this server";
    case SRV_ACC_EXISTS:
        return "That name is already registered";
    case SRV_ACC_BAD_NAME:
        return "Account names follow the rules for nicknames (without \\) and are not a "
               "service's";
    case SRV_ACC_WEAK_PASSWORD:
        return "Passwords must be 8 to 300 bytes long";
    case SRV_ACC_RATE_LIMITED:
        return "Too many attempts from your address or for this account; try again in a minute";
    case SRV_ACC_UNAVAILABLE:
        return "The account store is unavailable right now; nothing was changed, try again later";
    case SRV_ACC_NO_SUCH:
        return "No such account";
    case SRV_ACC_BAD_PASSWORD:
        return "Invalid password";
    case SRV_ACC_ALREADY:
        return "You are already logged in";
    case SRV_ACC_BUSY:
        return "Another change to this account, or another password check of yours, is in "
               "progress; try again";
    case SRV_ACC_NICK_IN_USE:
        return "That name is a nick someone else is using";
    default:
        return "Failed";
    }
}

const char *srv_account_error_code(int error)
{
    switch (error) {
    case SRV_ACC_DISABLED:
        return "DISABLED";
    case SRV_ACC_EXISTS:
    case SRV_ACC_NICK_IN_USE:
        return "ACCOUNT_EXISTS";
    case SRV_ACC_BAD_NAME:
        return "BAD_ACCOUNT_NAME";
    case SRV_ACC_WEAK_PASSWORD:
        return "WEAK_PASSWORD";
    case SRV_ACC_RATE_LIMITED:
        return "RATE_LIMITED";
    case SRV_ACC_ALREADY:
        return "ALREADY_AUTHENTICATED";
    case SRV_ACC_BAD_PASSWORD:
        return "INVALID_PASSWORD";
    case SRV_ACC_NO_SUCH:
        return "ACCOUNT_NOT_FOUND";
    default:
        return "TEMPORARILY_UNAVAILABLE";
    }
}

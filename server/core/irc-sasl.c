/* SPDX-License-Identifier: MIT */
/*
 * SASL over IRC (IRCv3 sasl 3.1/3.2): AUTHENTICATE with PLAIN,
 * SCRAM-SHA-256 and EXTERNAL.  Payloads are base64 in pieces of at most
 * 400 bytes (a piece of exactly 400 says more follows; "+" is an empty
 * piece); "*" aborts.  Replies are the 900-908 numerics.
 *
 * While a PLAIN check runs off the loop, registration waits for it (CAP
 * END does not slip past a login in flight).
 */
#include "sasl.h"

#include "account.h"
#include "casemap.h"
#include "client.h"
#include "commands.h"
#include "numerics.h"
#include "registration.h"
#include "scram.h"
#include "send.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIECE 400
/* The longest payload natterd accepts, as base64: PLAIN with the longest
 * names and password, SCRAM's client-final, with room to spare. */
#define MAX_PAYLOAD 2048

enum mech { MECH_NONE, MECH_PLAIN, MECH_SCRAM, MECH_EXTERNAL };

struct srv_sasl {
    enum mech mech;
    int waiting;     /* a password check is in flight */
    int scram_final; /* server-final sent; the next "+" completes */
    /* The credential the SCRAM proof was checked against: the "+" logs in
     * only if the account still has it (not dropped and re-registered, not
     * given a new password meanwhile). */
    char proven[SRV_CREDENTIAL_MAX];
    char account[SRV_NICKLEN_MAX + 1];
    char payload[MAX_PAYLOAD + 1];
    size_t len;
    srv_scram scram;
};

static const char mechanisms[] = "PLAIN,SCRAM-SHA-256,EXTERNAL";

const char *srv_sasl_mechanisms(void)
{
    return mechanisms;
}

int srv_sasl_busy(const srv_client *c)
{
    return c->sasl && c->sasl->waiting;
}

void srv_sasl_free(srv_client *c)
{
    if (c->sasl) {
        memset(c->sasl, 0, sizeof *c->sasl);
        free(c->sasl);
        c->sasl = NULL;
    }
}

static void fail(srv_client *c, int numeric, const char *text)
{
    srv_numeric(c, numeric, ":%s", text);
    /* A check still in flight keeps its state: its reply finds it. */
    if (!srv_sasl_busy(c))
        srv_sasl_free(c);
}

static void rate_limited(srv_client *c)
{
    srv_sendf(c, ":%s FAIL AUTHENTICATE RATE_LIMITED :%s", c->server->cfg.server_name,
              srv_account_error_text(SRV_ACC_RATE_LIMITED));
    fail(c, ERR_SASLFAIL, "SASL authentication failed: too many attempts");
}

static void succeed(srv_client *c, srv_account *acc)
{
    srv_sasl_free(c);
    srv_account_login(c, acc);
    srv_numeric(c, RPL_SASLSUCCESS, ":SASL authentication successful");
    srv_client_try_register(c);
}

/* Send a challenge in 400-byte pieces ("+" after an exact multiple). */
static void challenge(srv_client *c, const char *data, size_t len)
{
    char b64[MAX_PAYLOAD];
    long n = srv_base64_encode((const unsigned char *)data, len, b64, sizeof b64);
    if (n <= 0) {
        srv_sendf(c, "AUTHENTICATE +");
        return;
    }
    for (long off = 0; off < n; off += PIECE) {
        long piece = n - off < PIECE ? n - off : PIECE;
        srv_sendf(c, "AUTHENTICATE %.*s", (int)piece, b64 + off);
    }
    if (n % PIECE == 0)
        srv_sendf(c, "AUTHENTICATE +");
}

/* ---- PLAIN ---- */

static void plain_checked(srv_client *c, int result, srv_account *acc, const char *name,
                          void *arg)
{
    (void)name;
    (void)arg;
    if (c->sasl)
        c->sasl->waiting = 0;
    if (!c->sasl || c->sasl->mech != MECH_PLAIN) {
        srv_sasl_free(c); /* aborted meanwhile: already told */
        srv_client_try_register(c);
        return;
    }
    if (result == SRV_ACC_OK && acc && !c->account) {
        succeed(c, acc);
        return;
    }
    fail(c, ERR_SASLFAIL, "SASL authentication failed: invalid account name or password");
    srv_client_try_register(c);
}

static void plain(srv_client *c, const char *data, size_t len)
{
    /* authzid NUL authcid NUL password */
    const char *nul1 = memchr(data, '\0', len);
    const char *nul2 = nul1 ? memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - data)) : NULL;
    if (!nul2 || nul1 - data > SRV_NICKLEN_MAX || nul2 - nul1 - 1 > SRV_NICKLEN_MAX ||
        len - (size_t)(nul2 + 1 - data) > SRV_PASSWORD_MAX) {
        fail(c, ERR_SASLFAIL, "SASL authentication failed: malformed PLAIN message");
        return;
    }
    char authz[SRV_NICKLEN_MAX + 1], authc[SRV_NICKLEN_MAX + 1], password[SRV_PASSWORD_MAX + 1];
    snprintf(authz, sizeof authz, "%.*s", (int)(nul1 - data), data);
    snprintf(authc, sizeof authc, "%.*s", (int)(nul2 - nul1 - 1), nul1 + 1);
    size_t plen = len - (size_t)(nul2 + 1 - data);
    memcpy(password, nul2 + 1, plen);
    password[plen] = '\0';
    if (authz[0] && srv_casecmp(authz, authc) != 0) {
        fail(c, ERR_SASLFAIL, "SASL authentication failed: logging in as another account is "
                              "not supported");
        return;
    }
    srv_account *acc = srv_account_find(c->server, authc);
    c->sasl->waiting = 1;
    int rc = srv_account_check_password(c, acc, password, plain_checked, NULL);
    memset(password, 0, sizeof password);
    if (rc == SRV_ACC_OK)
        return; /* plain_checked() follows, maybe already done */
    c->sasl->waiting = 0;
    if (rc == SRV_ACC_RATE_LIMITED)
        rate_limited(c);
    else
        fail(c, ERR_SASLFAIL, "SASL authentication failed: the server is busy, try again");
}

/* ---- SCRAM-SHA-256 ---- */

static void scram(srv_client *c, const char *data, size_t len)
{
    srv_sasl *sa = c->sasl;
    char out[512];
    if (sa->scram.step == 0) {
        if (srv_scram_client_first(&sa->scram, data, len) != SRV_SCRAM_CONTINUE) {
            fail(c, ERR_SASLFAIL, "SASL authentication failed: malformed SCRAM message");
            return;
        }
        /* Only names that can be accounts: a longer one would dodge the
         * account's own limit and then be cut to a real name. */
        if (!srv_nick_valid(sa->scram.user, SRV_NICKLEN_MAX)) {
            fail(c, ERR_SASLFAIL, "SASL authentication failed: invalid account name or password");
            return;
        }
        srv_account *acc = srv_account_find(c->server, sa->scram.user);
        if (!srv_account_may_try(c, acc)) {
            rate_limited(c);
            return;
        }
        /* Counted now and forgiven on success, so proofs sent in parallel
         * from many connections cannot outrun the limits. */
        srv_account_failed(c, acc);
        snprintf(sa->account, sizeof sa->account, "%.*s", (int)(sizeof sa->account - 1),
                 sa->scram.user); /* a valid nick: it fits */
        if (srv_scram_server_first(&sa->scram, acc ? acc->credential : NULL,
                                   srv_account_secret(c->server), c->server->cfg.password_iterations,
                                   out, sizeof out) != SRV_SCRAM_CONTINUE) {
            fail(c, ERR_SASLFAIL, "SASL authentication failed");
            return;
        }
        challenge(c, out, strlen(out));
        return;
    }
    /* Looked up again: the account may have gone meanwhile. */
    srv_account *acc = srv_account_find(c->server, sa->account);
    if (srv_scram_client_final(&sa->scram, acc ? acc->credential : NULL, data, len, out,
                               sizeof out) != SRV_SCRAM_SUCCESS) {
        fail(c, ERR_SASLFAIL, "SASL authentication failed: invalid account name or password");
        return;
    }
    srv_account_forgive(c, acc);
    snprintf(sa->proven, sizeof sa->proven, "%s", acc->credential);
    sa->scram_final = 1;
    challenge(c, out, strlen(out));
}

/* ---- EXTERNAL ---- */

static void external(srv_client *c, const char *data, size_t len)
{
    srv_account *acc = srv_account_by_certfp(c->server, c->certfp);
    if (!c->certfp) {
        fail(c, ERR_SASLFAIL, "SASL authentication failed: no TLS client certificate");
        return;
    }
    if (!acc) {
        fail(c, ERR_SASLFAIL, "SASL authentication failed: your certificate is not registered "
                              "to an account (NickServ CERT ADD)");
        return;
    }
    /* An authzid, if any, must name that account. */
    char authz[SRV_NICKLEN_MAX + 1];
    snprintf(authz, sizeof authz, "%.*s", (int)(len < sizeof authz ? len : sizeof authz - 1), data);
    if (len && (len >= sizeof authz || memchr(data, '\0', len) || srv_casecmp(authz, acc->name))) {
        fail(c, ERR_SASLFAIL, "SASL authentication failed: the certificate belongs to another "
                              "account");
        return;
    }
    succeed(c, acc);
}

/* ---- the command ---- */

static void payload_complete(srv_client *c)
{
    srv_sasl *sa = c->sasl;
    unsigned char data[MAX_PAYLOAD];
    long n = srv_base64_decode(sa->payload, sa->len, data, sizeof data);
    sa->len = 0;
    if (n < 0) {
        fail(c, ERR_SASLFAIL, "SASL authentication failed: the message is not valid base64");
        return;
    }
    if (sa->scram_final) {
        srv_account *acc = srv_account_find(c->server, sa->account);
        if (n != 0 || !acc || strcmp(acc->credential, sa->proven) != 0) {
            fail(c, ERR_SASLFAIL, "SASL authentication failed");
            return;
        }
        succeed(c, acc);
        return;
    }
    switch (sa->mech) {
    case MECH_PLAIN:
        plain(c, (const char *)data, (size_t)n);
        break;
    case MECH_SCRAM:
        scram(c, (const char *)data, (size_t)n);
        break;
    case MECH_EXTERNAL:
        external(c, (const char *)data, (size_t)n);
        break;
    default:
        fail(c, ERR_SASLFAIL, "SASL authentication failed");
        break;
    }
}

static void start(srv_client *c, const char *mechanism)
{
    enum mech m = MECH_NONE;
    if (srv_casecmp(mechanism, "PLAIN") == 0)
        m = MECH_PLAIN;
    else if (srv_casecmp(mechanism, "SCRAM-SHA-256") == 0)
        m = MECH_SCRAM;
    else if (srv_casecmp(mechanism, "EXTERNAL") == 0)
        m = MECH_EXTERNAL;
    if (m == MECH_NONE) {
        srv_numeric(c, RPL_SASLMECHS, "%s :are available SASL mechanisms", mechanisms);
        srv_numeric(c, ERR_SASLFAIL, ":SASL authentication failed: unknown mechanism");
        return;
    }
    if (m == MECH_EXTERNAL && !c->certfp) {
        srv_numeric(c, ERR_SASLFAIL, ":SASL authentication failed: no TLS client certificate");
        return;
    }
    c->sasl = calloc(1, sizeof *c->sasl);
    if (!c->sasl) {
        srv_numeric(c, ERR_SASLFAIL, ":SASL authentication failed: out of memory");
        return;
    }
    c->sasl->mech = m;
    srv_sendf(c, "AUTHENTICATE +");
}

void srv_cmd_authenticate(srv_client *c, const srv_msg *msg)
{
    const char *arg = msg->params[0];
    size_t len = strlen(arg);
    if (!srv_accounts_enabled(c->server)) {
        srv_numeric(c, ERR_SASLFAIL, ":SASL authentication failed: accounts are not enabled on "
                                     "this server");
        return;
    }
    if (!(c->caps & SRV_CAP_SASL)) {
        srv_numeric(c, ERR_SASLFAIL, ":SASL authentication failed: request the sasl capability "
                                     "first");
        return;
    }
    if (c->account) {
        srv_numeric(c, ERR_SASLALREADY, ":You have already authenticated using SASL");
        return;
    }
    if (strcmp(arg, "*") == 0) {
        if (!c->sasl) {
            srv_numeric(c, ERR_SASLABORTED, ":SASL authentication aborted");
            return;
        }
        c->sasl->mech = MECH_NONE; /* a check in flight finds it aborted */
        fail(c, ERR_SASLABORTED, "SASL authentication aborted");
        return;
    }
    if (!c->sasl) {
        start(c, arg);
        return;
    }
    if (c->sasl->waiting) {
        srv_numeric(c, ERR_SASLFAIL, ":SASL authentication failed: wait for the answer to the "
                                     "previous message");
        return;
    }
    if (len > PIECE) {
        fail(c, ERR_SASLTOOLONG, "SASL message too long");
        return;
    }
    if (strcmp(arg, "+") != 0) {
        if (c->sasl->len + len > MAX_PAYLOAD) {
            fail(c, ERR_SASLTOOLONG, "SASL message too long");
            return;
        }
        memcpy(c->sasl->payload + c->sasl->len, arg, len);
        c->sasl->len += len;
        if (len == PIECE)
            return; /* more follows */
    }
    payload_complete(c);
}

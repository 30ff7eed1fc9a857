/* SPDX-License-Identifier: MIT */
/*
 * IRCv3 draft/account-registration: REGISTER and VERIFY.  natterd never
 * sends email and needs no verification: an account exists once REGISTER
 * SUCCESS is sent (which is after the store confirmed it), and the email
 * parameter is accepted and ignored (never stored).
 */
#include "account.h"
#include "client.h"
#include "commands.h"
#include "numerics.h"
#include "send.h"
#include "server.h"

#include <stdio.h>
#include <string.h>

static void fail_register(srv_client *c, int error, const char *account)
{
    srv_sendf(c, ":%s FAIL REGISTER %s %s :%s", c->server->cfg.server_name,
              srv_account_error_code(error), account[0] ? account : "*",
              srv_account_error_text(error));
}

static void registered(srv_client *c, int result, srv_account *acc, const char *name,
                       void *arg)
{
    (void)arg;
    if (result != SRV_ACC_OK || !acc) {
        fail_register(c, result == SRV_ACC_OK ? SRV_ACC_UNAVAILABLE : result, name);
        return;
    }
    srv_sendf(c, ":%s REGISTER SUCCESS %s :Account created", c->server->cfg.server_name,
              acc->name);
    if (!c->account)
        srv_account_login(c, acc);
}

void srv_cmd_register(srv_client *c, const srv_msg *msg)
{
    const char *account = msg->params[0];
    const char *password = msg->params[2];
    /* "*": the nick in use (before registration, the one sent with NICK). */
    if (strcmp(account, "*") == 0)
        account = c->nick;
    char shown[SRV_NICKLEN_MAX + 1];
    snprintf(shown, sizeof shown, "%.*s", (int)strcspn(account, " "), account);
    if (!account[0]) {
        fail_register(c, SRV_ACC_BAD_NAME, "*");
        return;
    }
    int rc = srv_account_register(c, account, password, registered, NULL);
    if (rc != SRV_ACC_OK)
        fail_register(c, rc, shown);
}

void srv_cmd_verify(srv_client *c, const srv_msg *msg)
{
    srv_sendf(c, ":%s FAIL VERIFY INVALID_CODE %.64s :This server does not verify accounts; "
                 "there is no code to enter",
              c->server->cfg.server_name, msg->params[0]);
}

/* SPDX-License-Identifier: MIT */
/*
 * NickServ: the account commands for clients without IRCv3 account
 * registration or SASL, in the shape Atheme and Anope made familiar
 * (/msg NickServ REGISTER, IDENTIFY, GHOST, REGAIN, DROP, SET PASSWORD,
 * INFO, CERT ADD/DEL/LIST, LOGOUT, HELP).  It is not a client: PRIVMSG
 * to the nick NickServ (or the NICKSERV and NS commands) lands here, and
 * the answers are NOTICEs from NickServ.
 */
#include "nickserv.h"

#include "account.h"
#include "casemap.h"
#include "client.h"
#include "cluster-core.h"
#include "commands.h"
#include "nickguard.h"
#include "send.h"
#include "services.h"
#include "server.h"
#include "timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const srv_service nickserv;

#define reply(c, ...) srv_service_reply((c), &nickserv, __VA_ARGS__)

static void error_reply(srv_client *c, int error)
{
    reply(c, "%s.", srv_account_error_text(error));
}

/* A password is one word: a command with more words than it takes is
 * refused rather than cut, so nobody sets a password they did not mean. */
static int too_many_words(srv_client *c, size_t n, size_t max)
{
    if (n <= max)
        return 0;
    reply(c, "Too many words: NickServ passwords are one word (no spaces).");
    return 1;
}

/* ---- REGISTER, IDENTIFY, LOGOUT ---- */

static void registered(srv_client *c, int result, srv_account *acc, const char *name, void *arg)
{
    (void)arg;
    if (result != SRV_ACC_OK || !acc) {
        reply(c, "%s was not registered: %s.", name,
              srv_account_error_text(result == SRV_ACC_OK ? SRV_ACC_UNAVAILABLE : result));
        return;
    }
    reply(c, "%s is now registered to you. Log in with SASL or /msg NickServ IDENTIFY.",
          acc->name);
    if (!c->account)
        srv_account_login(c, acc);
}

static void ns_register(srv_client *c, char **w, size_t n)
{
    if (n < 2) {
        reply(c, "Syntax: REGISTER <password> [email]");
        return;
    }
    if (too_many_words(c, n, 3))
        return;
    int rc = srv_account_register(c, c->nick, w[1], registered, NULL);
    if (rc != SRV_ACC_OK)
        reply(c, "%s was not registered: %s.", c->nick, srv_account_error_text(rc));
}

static void identified(srv_client *c, int result, srv_account *acc, const char *name, void *arg)
{
    (void)arg;
    if (result != SRV_ACC_OK || !acc) {
        reply(c, "Invalid password for %s.", name);
        return;
    }
    if (c->account == acc) {
        reply(c, "You are already logged in as %s.", acc->name);
        return;
    }
    if (c->account)
        srv_account_logout(c);
    srv_account_login(c, acc);
    reply(c, "You are now logged in as %s.", acc->name);
}

static void ns_identify(srv_client *c, char **w, size_t n)
{
    if (n < 2) {
        reply(c, "Syntax: IDENTIFY [account] <password>");
        return;
    }
    if (too_many_words(c, n, 3))
        return;
    const char *name = n >= 3 ? w[1] : c->nick;
    const char *password = n >= 3 ? w[2] : w[1];
    srv_account *acc = srv_account_find(c->server, name);
    if (acc && c->account == acc) {
        reply(c, "You are already logged in as %s.", acc->name);
        return;
    }
    int rc = srv_account_check_password(c, acc, password, identified, NULL);
    if (rc != SRV_ACC_OK)
        error_reply(c, rc);
}

static void ns_logout(srv_client *c, char **w, size_t n)
{
    (void)w;
    (void)n;
    if (!c->account) {
        reply(c, "You are not logged in.");
        return;
    }
    srv_account_logout(c);
    reply(c, "You are now logged out.");
}

/* ---- GHOST, REGAIN ---- */

static const char regain_tag[] = "regain";

static void ghost_now(srv_client *c, const char *nick, int regain)
{
    srv_client *victim = srv_client_find(c->server, nick);
    if (victim && victim != c) {
        char reason[128];
        snprintf(reason, sizeof reason, "Killed (NickServ (GHOST command used by %s))", c->nick);
        if (srv_cluster_disconnect(victim, reason)) {
            /* On another node: it ends there, and the nick is free once
             * its QUIT is back. */
            reply(c, "%s has been disconnected.%s", nick,
                  regain ? " Take the nick with /NICK in a moment." : "");
            return;
        }
        srv_client_quit(victim, reason, reason);
        if (!regain)
            reply(c, "%s has been disconnected.", nick);
    } else if (!regain) {
        reply(c, "%s is not online.", nick);
        return;
    }
    if (regain && !c->dead && srv_casecmp(c->nick, nick) != 0) {
        srv_client_set_nick(c, nick);
        srv_nickguard_check(c);
        reply(c, "You have regained %s.", nick);
    } else if (regain && !c->dead) {
        reply(c, "You already have %s.", nick);
    }
}

static void ghost_checked(srv_client *c, int result, srv_account *acc, const char *name, void *arg)
{
    if (result != SRV_ACC_OK || !acc) {
        reply(c, "Invalid password for %s.", name);
        return;
    }
    ghost_now(c, acc->name, arg == regain_tag);
}

static void ghost_or_regain(srv_client *c, char **w, size_t n, int regain)
{
    if (n < 2) {
        reply(c, "Syntax: %s <nick> [password]", regain ? "REGAIN" : "GHOST");
        return;
    }
    const char *nick = w[1];
    srv_account *acc = srv_account_find(c->server, nick);
    if (!acc) {
        reply(c, "%s is not a registered nick.", nick);
        return;
    }
    if (srv_casecmp(nick, c->nick) == 0 && !regain) {
        reply(c, "You cannot ghost yourself.");
        return;
    }
    if (c->account == acc) {
        ghost_now(c, acc->name, regain);
        return;
    }
    if (n < 3) {
        reply(c, "You are not logged in as %s: add its password.", acc->name);
        return;
    }
    int rc = srv_account_check_password(c, acc, w[2], ghost_checked,
                                        regain ? (void *)regain_tag : NULL);
    if (rc != SRV_ACC_OK)
        error_reply(c, rc);
}

static void ns_ghost(srv_client *c, char **w, size_t n)
{
    ghost_or_regain(c, w, n, 0);
}

static void ns_regain(srv_client *c, char **w, size_t n)
{
    ghost_or_regain(c, w, n, 1);
}

/* ---- DROP, SET PASSWORD ---- */

static void dropped(srv_client *c, int result, srv_account *acc, const char *name, void *arg)
{
    (void)acc;
    (void)arg;
    if (result != SRV_ACC_OK)
        reply(c, "%s was not dropped: %s.", name, srv_account_error_text(result));
    else
        reply(c, "%s has been dropped: the account and its registrations are gone.", name);
}

static void drop_checked(srv_client *c, int result, srv_account *acc, const char *name, void *arg)
{
    (void)arg;
    if (result != SRV_ACC_OK || !acc) {
        reply(c, "Invalid password for %s.", name);
        return;
    }
    int rc = srv_account_drop(c, acc, dropped, NULL);
    if (rc != SRV_ACC_OK)
        error_reply(c, rc);
}

static void ns_drop(srv_client *c, char **w, size_t n)
{
    if (n < 3) {
        reply(c, "Syntax: DROP <account> <password>  (this cannot be undone)");
        return;
    }
    srv_account *acc = srv_account_find(c->server, w[1]);
    if (!acc || c->account != acc) {
        reply(c, "Log in to %s first.", w[1]);
        return;
    }
    int rc = srv_account_check_password(c, acc, w[2], drop_checked, NULL);
    if (rc != SRV_ACC_OK)
        error_reply(c, rc);
}

static void password_set(srv_client *c, int result, srv_account *acc, const char *name, void *arg)
{
    (void)acc;
    (void)arg;
    if (result != SRV_ACC_OK)
        reply(c, "The password of %s was not changed: %s.", name, srv_account_error_text(result));
    else
        reply(c, "The password of %s has been changed.", name);
}

static void ns_set(srv_client *c, char **w, size_t n)
{
    if (n < 3 || srv_casecmp(w[1], "PASSWORD") != 0) {
        reply(c, "Syntax: SET PASSWORD <new password>");
        return;
    }
    if (too_many_words(c, n, 3))
        return;
    if (!c->account) {
        reply(c, "You are not logged in.");
        return;
    }
    int rc = srv_account_set_password(c, c->account, w[2], password_set, NULL);
    if (rc != SRV_ACC_OK)
        error_reply(c, rc);
}

/* ---- INFO, CERT ---- */

static void ns_info(srv_client *c, char **w, size_t n)
{
    const char *name = n >= 2 ? w[1] : (c->account ? c->account->name : c->nick);
    srv_account *acc = srv_account_find(c->server, name);
    if (!acc) {
        reply(c, "%s is not registered.", name);
        return;
    }
    char when[80];
    srv_time_human(acc->registered_s, when, sizeof when);
    reply(c, "Information on %s:", acc->name);
    reply(c, "Registered : %s", when);
    size_t online = 0;
    for (srv_client *o = c->server->clients; o; o = o->next)
        online += o->account == acc && o->registered;
    reply(c, "Logged in  : %zu connection%s", online, online == 1 ? "" : "s");
    if (c->account == acc || c->oper)
        reply(c, "Certificates: %zu", acc->ncertfps);
    reply(c, "*** End of Info ***");
}

static void cert_done(srv_client *c, int result, srv_account *acc, const char *name, void *arg)
{
    (void)acc;
    if (result != SRV_ACC_OK)
        reply(c, "The certificate list of %s was not changed: %s.", name,
              srv_account_error_text(result));
    else
        reply(c, "%s the certificate list of %s.", arg ? "Added to" : "Removed from", name);
}

static int fingerprint_ok(char *fp)
{
    size_t n = strlen(fp);
    if (n != 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)fp[i]))
            return 0;
        fp[i] = (char)tolower((unsigned char)fp[i]);
    }
    return 1;
}

static void ns_cert(srv_client *c, char **w, size_t n)
{
    srv_account *acc = c->account;
    if (!acc) {
        reply(c, "You are not logged in.");
        return;
    }
    const char *sub = n >= 2 ? w[1] : "LIST";
    if (srv_casecmp(sub, "LIST") == 0) {
        reply(c, "Certificates of %s: %zu", acc->name, acc->ncertfps);
        for (size_t i = 0; i < acc->ncertfps; i++)
            reply(c, "- %s", acc->certfps[i]);
        return;
    }
    int add = srv_casecmp(sub, "ADD") == 0;
    if (!add && srv_casecmp(sub, "DEL") != 0) {
        reply(c, "Syntax: CERT ADD [fingerprint] | CERT DEL <fingerprint> | CERT LIST");
        return;
    }
    char fp[80];
    if (n >= 3)
        snprintf(fp, sizeof fp, "%s", w[2]);
    else if (add && c->certfp)
        snprintf(fp, sizeof fp, "%s", c->certfp);
    else {
        reply(c, add ? "You are not using a TLS client certificate: name a fingerprint."
                     : "Syntax: CERT DEL <fingerprint>");
        return;
    }
    if (!fingerprint_ok(fp)) {
        reply(c, "A fingerprint is the certificate's SHA-256 as 64 hex digits.");
        return;
    }
    /* Adding a certificate proves holding it: the one this connection
     * presented (operators may add any, for a user who asks them). */
    if (add && !c->oper && (!c->certfp || strcmp(fp, c->certfp) != 0)) {
        reply(c, "Connect with that certificate and use CERT ADD from there.");
        return;
    }
    int rc = srv_account_set_cert(c, acc, fp, add, cert_done, add ? (void *)"add" : NULL);
    if (rc == SRV_ACC_EXISTS)
        reply(c, "That certificate is already registered to an account.");
    else if (rc == SRV_ACC_NO_SUCH)
        reply(c, "That certificate is not on your list.");
    else if (rc != SRV_ACC_OK)
        error_reply(c, rc);
}

static void ns_help(srv_client *c, char **w, size_t n)
{
    (void)w;
    (void)n;
    static const char *const lines[] = {
        "NickServ keeps accounts: an account is a nick you own.",
        "REGISTER <password>              register your current nick",
        "IDENTIFY [account] <password>    log in (SASL does this for you)",
        "LOGOUT                           log out",
        "GHOST <nick> [password]          disconnect someone using your nick",
        "REGAIN <nick> [password]         take your nick back from someone",
        "SET PASSWORD <new password>      change your password",
        "CERT ADD [fp] | DEL <fp> | LIST  client certificates for SASL EXTERNAL",
        "INFO [account]                   about an account",
        "DROP <account> <password>        delete your account for good",
        "No email is ever asked for or sent.",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        reply(c, "%s", lines[i]);
}

static const srv_service_command commands[] = {
    {"REGISTER", ns_register}, {"IDENTIFY", ns_identify}, {"LOGIN", ns_identify},
    {"LOGOUT", ns_logout},     {"GHOST", ns_ghost},       {"REGAIN", ns_regain},
    {"RECOVER", ns_regain},    {"DROP", ns_drop},         {"SET", ns_set},
    {"INFO", ns_info},         {"CERT", ns_cert},         {"HELP", ns_help},
};

static const srv_service nickserv = {"NickServ", commands, sizeof commands / sizeof commands[0]};

void srv_nickserv(srv_client *c, const char *text)
{
    if (!srv_accounts_enabled(c->server)) {
        reply(c, "%s", c->server->store_broken
                           ? "The account store is unavailable right now; try again later."
                           : "Accounts are not enabled on this server.");
        return;
    }
    srv_service_run(c, &nickserv, text);
}

void srv_cmd_nickserv(srv_client *c, const srv_msg *msg)
{
    /* NICKSERV and NS: the rest of the line is the service command. */
    char text[512];
    srv_service_params(msg, text, sizeof text);
    srv_nickserv(c, text);
}

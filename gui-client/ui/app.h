/* SPDX-License-Identifier: MIT */
/* The application: command line, settings, the saved networks (each one
 * connected on start when marked so), the clients (one per server),
 * the local server when hosting, LAN discovery, the TLS trust store, the
 * passwords (in the desktop keyring, never in the settings) and app-wide
 * actions. */
#ifndef NA_APP_H
#define NA_APP_H

#include "client.h"
#include "discovery.h"
#include "log.h"
#include "networks.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define NA_TYPE_APP (na_app_get_type())
G_DECLARE_FINAL_TYPE(NaApp, na_app, NA, APP, GtkApplication)

/** The application object. */
NaApp *na_app_new(void);

/** The settings, or NULL when the schema is not installed anywhere. */
GSettings *na_app_get_settings(NaApp *self);

/** The conversation logger. */
NcLogger *na_app_get_logger(NaApp *self);

/** LAN discovery, or NULL when turned off or unavailable. */
NcDiscovery *na_app_get_discovery(NaApp *self);

/** The saved networks (settings "networks"), shared by the connect dialog and the clients. */
NcNetworkList *na_app_get_networks(NaApp *self);

/** Pins and STS policies ($XDG_DATA_HOME/natter/trust.ini), shared by the clients. */
NcTrustStore *na_app_get_trust_store(NaApp *self);

/**
 * Whether to use TLS for host when nobody says: what was chosen for it
 * last time (settings "server-tls"), else on unless host is local.
 */
gboolean na_app_tls_for(NaApp *self, const char *host);

/** What a connection is made with: the connect dialog's fields. */
typedef struct {
    const char *host;
    guint16 port; /* 0: 6697 with TLS, 6667 without */
    gboolean tls;
    const char *nick;
    const char *realname;
    const char *password; /* the server's (PASS); NULL: not known (the keyring is left as it is) */
    const char *const *channels;
    const char *account;          /* log in to this account; NULL or "": no login */
    const char *account_password; /* its password */
    NcSaslMechanism mechanism;    /* NC_SASL_AUTO, or one (NC_SASL_NONE: no login) */
    const char *cert_file;        /* client certificate for EXTERNAL, or NULL */
    const char *key_file;
    gboolean create_account; /* create the account on the server first (REGISTER) */
    /* The saved network this connection is for, with the values above in
     * it: its ID names the log folder, its other servers are tried in
     * turn when host fails, and it is saved (added or updated) when the
     * server accepts the registration.  NULL: a connection of
     * the moment (a LAN chat, the hosted one, --server for a server not
     * saved), logged under the host's name and saved nowhere. */
    NcNetworkConfig *network;
} NaConnectParams;

/** A server's remembered login (settings "server-accounts"); strings owned. */
typedef struct {
    char *account; /* "" when none */
    NcSaslMechanism mechanism;
    char *cert_file; /* "" when none */
    char *key_file;
} NaSavedLogin;

/** Connect to a server in a new client shown in the window. */
NcClient *na_app_connect(NaApp *self, const NaConnectParams *params);

/**
 * Connect as na_app_connect() does, and remember the fields
 * (na_app_remember(), passwords included) only once the server accepts
 * the registration: a failed attempt changes nothing that was saved.
 */
NcClient *na_app_connect_remembering(NaApp *self, const NaConnectParams *params);

/**
 * Connect to a saved network with what was saved for it: its first
 * server (then its others in turn, when one fails), nick, real name,
 * channels and login, the passwords from the keyring (without blocking;
 * the client appears once they are in).  A login whose password is not
 * in the keyring opens the connect dialog instead, to ask for it.
 */
void na_app_connect_network(NaApp *self, NcNetworkConfig *network);

/**
 * Connect to host with what was remembered for it: the saved network with
 * a server at host:port when there is one (its log folder and login),
 * else the login kept for host (settings "server-accounts"); passwords
 * are looked up in the keyring as with na_app_connect_network().  The
 * given nick, real name and channels are used, and nothing is saved
 * beyond the network's name from the server.
 */
void na_app_connect_saved(NaApp *self, const char *host, guint16 port, gboolean tls,
                          const char *nick, const char *realname, const char *const *channels);

/**
 * host's remembered login.
 * @param out filled (free with na_saved_login_clear()); an empty account
 *        when there is none
 * @return TRUE when one is remembered
 */
gboolean na_app_saved_login(NaApp *self, const char *host, NaSavedLogin *out);

/** Free the strings of a NaSavedLogin. */
void na_saved_login_clear(NaSavedLogin *login);

/**
 * Join a chat heard of on the LAN: over TLS with the beacon's certificate
 * fingerprint pinned for its host (no question asked), or in plain text
 * for an old beacon without one.
 */
NcClient *na_app_join_hosted(NaApp *self, NcHostedChat *chat, const char *nick,
                             const char *realname, const char *const *channels);

/** Start natterd here and connect to it ("Host a chat on this computer"). */
void na_app_host_local(NaApp *self, gboolean share_on_lan);

/**
 * Remember the connect dialog's fields for the next start: TLS and the
 * login per host in the settings, the server and account passwords in
 * the keyring (asynchronously; a keyring that fails is reported in the
 * window's banner).
 */
void na_app_remember(NaApp *self, const NaConnectParams *params, gboolean host_locally);

G_END_DECLS
#endif

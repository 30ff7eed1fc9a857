/* SPDX-License-Identifier: MIT */
/* The application: command line, settings, the clients (one per server),
 * the local server when hosting, LAN discovery, the TLS trust store, and
 * app-wide actions. */
#ifndef NA_APP_H
#define NA_APP_H

#include "client.h"
#include "discovery.h"
#include "log.h"

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

/** Pins and STS policies ($XDG_DATA_HOME/natter/trust.ini), shared by the clients. */
NcTrustStore *na_app_get_trust_store(NaApp *self);

/**
 * Whether to use TLS for host when nobody says: what was chosen for it
 * last time (settings "server-tls"), else on unless host is local.
 */
gboolean na_app_tls_for(NaApp *self, const char *host);

/**
 * Connect to a server in a new client shown in the window.
 * @param port the port, or 0: 6697 with TLS, 6667 without
 */
NcClient *na_app_connect(NaApp *self, const char *host, guint16 port, gboolean tls,
                         const char *nick, const char *realname, const char *password,
                         const char *const *channels);

/**
 * Join a chat heard of on the LAN: over TLS with the beacon's certificate
 * fingerprint pinned for its host (no question asked), or in plain text
 * for an old beacon without one.
 */
NcClient *na_app_join_hosted(NaApp *self, NcHostedChat *chat, const char *nick,
                             const char *realname, const char *const *channels);

/** Start natterd here and connect to it ("Host a chat on this computer"). */
void na_app_host_local(NaApp *self, gboolean share_on_lan);

/** Remember the connect dialog's fields for the next start (tls per host). */
void na_app_remember(NaApp *self, const char *host, guint16 port, gboolean tls, const char *nick,
                     const char *realname, const char *password, const char *const *channels,
                     gboolean host_locally);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* Saved networks: what natter remembers of each IRC network the user
 * connects to (a stable ID that names its log folder, a display name, its
 * servers, nick, real name, login and autojoin channels, and whether to
 * connect on start), as a GListModel kept in the "networks" setting.
 *
 * A connection attempt changes nothing here until it succeeds:
 * nc_network_list_follow() saves the network when the server accepts the
 * registration, and names it from the server's ISUPPORT NETWORK= (the
 * client's "network-name") unless the user named it.  The first load
 * after natter 1.x turns the old single saved server (settings server,
 * port, server-tls, nick, realname, channels, server-accounts) into one
 * network, once, and moves that server's log folder to the network's ID.
 * Removing a network leaves its passwords in the keyring until
 * nc_network_list_forget_secrets() removes those no other network uses. */
#ifndef NC_NETWORKS_H
#define NC_NETWORKS_H

#include "client.h"
#include "keyring.h"
#include "sasl.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define NC_TYPE_NETWORK_CONFIG (nc_network_config_get_type())
G_DECLARE_FINAL_TYPE(NcNetworkConfig, nc_network_config, NC, NETWORK_CONFIG, GObject)

/** A new network with a fresh random ID, no servers and nothing else set. */
NcNetworkConfig *nc_network_config_new(void);

/** A copy with the same ID (to edit, then give to nc_network_list_update()). */
NcNetworkConfig *nc_network_config_copy(NcNetworkConfig *self);

/** The stable ID: 16 lower-case hex digits, never changed; it names the log folder. */
const char *nc_network_config_get_id(NcNetworkConfig *self);

/** The name to show: the stored name, else the first server's host, else the ID. */
const char *nc_network_config_get_display_name(NcNetworkConfig *self);

/** The stored name, "" when there is none yet. */
const char *nc_network_config_get_name(NcNetworkConfig *self);

/** Whether the user chose the name (the server's NETWORK= then leaves it alone). */
gboolean nc_network_config_get_name_by_user(NcNetworkConfig *self);

/**
 * Set the name.
 * @param name the new name, or NULL/"" for none (the host is shown)
 * @param by_user TRUE when the user typed it, FALSE when the server said it
 */
void nc_network_config_set_name(NcNetworkConfig *self, const char *name, gboolean by_user);

/** How many servers the network has. */
guint nc_network_config_get_n_servers(NcNetworkConfig *self);

/** The i-th server (tried in order), or NULL past the end; owned by self. */
const NcServerAddress *nc_network_config_get_server(NcNetworkConfig *self, guint i);

/** Append a server. */
void nc_network_config_add_server(NcNetworkConfig *self, const char *host, guint16 port,
                                  gboolean tls);

/** Replace the first server (or add it when there is none); the others stay. */
void nc_network_config_set_first_server(NcNetworkConfig *self, const char *host, guint16 port,
                                        gboolean tls);

/**
 * Keep the first server and put servers after it, in their order, in
 * place of the others (with no first server, servers become the list).
 * @param servers copied; NULL with n 0 for none
 */
void nc_network_config_set_other_servers(NcNetworkConfig *self, const NcServerAddress *servers,
                                         guint n);

/** The most servers one network holds, its first one included. */
#define NC_NETWORK_MAX_SERVERS 16

/** nc_server_list_parse()'s error domain. */
#define NC_SERVER_LIST_ERROR (nc_server_list_error_quark())
/** The GQuark of NC_SERVER_LIST_ERROR. */
GQuark nc_server_list_error_quark(void);

/** Why a list of servers was refused. */
typedef enum {
    NC_SERVER_LIST_ERROR_EMPTY_HOST, /* ":6697", "[]" */
    NC_SERVER_LIST_ERROR_BAD_HOST,   /* a character no host name has, an unclosed '[' */
    NC_SERVER_LIST_ERROR_BAD_PORT,   /* not a number from 1 to 65535 */
    NC_SERVER_LIST_ERROR_DUPLICATE,  /* the same host and port twice */
    NC_SERVER_LIST_ERROR_TOO_MANY,   /* more than NC_NETWORK_MAX_SERVERS */
} NcServerListError;

/**
 * Read the servers a person lists, separated by commas or spaces, in
 * order: `host`, `host:port`, `host:+port`, `[v6]`, `[v6]:port` (an IPv6
 * address without a port may also stand bare).  Without a port a server
 * takes tls and port 0 (6697 with TLS, 6667 without, when connecting);
 * with one, the usual ports say which (6697 TLS, 6667 plain text), a
 * '+' before the port means TLS on it, and any other port takes tls.
 * Nothing is dropped: a bad entry, the same host (without case) and port
 * twice, or a repeat of first refuse the whole text with a message that
 * names the entry.
 * @param text what was typed (NULL or blank: no servers)
 * @param tls the TLS choice for servers whose port does not say
 * @param first a server listed ahead of text (the main server), counted
 *        and not to be repeated, or NULL
 * @param servers receives a new array of NcServerAddress whose hosts it
 *        owns (g_array_unref() frees them), possibly empty
 * @return TRUE, or FALSE with error set in NC_SERVER_LIST_ERROR and
 *         *servers left NULL
 */
gboolean nc_server_list_parse(const char *text, gboolean tls, const NcServerAddress *first,
                              GArray **servers, GError **error);

/**
 * The text nc_server_list_parse() reads back as servers under the same
 * tls, ", "-separated: a port only where one was stored or where the TLS
 * choice differs from tls.  (Plain text on a port other than 6667 while
 * tls is TRUE cannot be said, and reads back as TLS.)
 * @return a newly allocated string, "" for none
 */
char *nc_server_list_format(const NcServerAddress *servers, guint n, gboolean tls);

/** The nick, "" for the default. */
const char *nc_network_config_get_nick(NcNetworkConfig *self);
/** Set the nick (NULL: none). */
void nc_network_config_set_nick(NcNetworkConfig *self, const char *nick);
/** The real name, "" for the default. */
const char *nc_network_config_get_realname(NcNetworkConfig *self);
/** Set the real name (NULL: none). */
void nc_network_config_set_realname(NcNetworkConfig *self, const char *realname);

/**
 * The login: the account name ("" for none), the mechanism (NC_SASL_NONE:
 * no login) and the client certificate and key files for EXTERNAL (""
 * when none).  The passwords are in the keyring, never here.
 */
const char *nc_network_config_get_account(NcNetworkConfig *self);
/** The login's mechanism, NC_SASL_NONE when the network has no login. */
NcSaslMechanism nc_network_config_get_mechanism(NcNetworkConfig *self);
/** The client certificate file for EXTERNAL, "" when none. */
const char *nc_network_config_get_cert_file(NcNetworkConfig *self);
/** The certificate's key file, "" when none (or in the certificate file). */
const char *nc_network_config_get_key_file(NcNetworkConfig *self);
/** Set the login (NULL strings: none; NC_SASL_NONE: no login). */
void nc_network_config_set_login(NcNetworkConfig *self, const char *account,
                                 NcSaslMechanism mechanism, const char *cert_file,
                                 const char *key_file);

/** The channels joined after connecting (NULL-terminated; owned by self). */
const char *const *nc_network_config_get_channels(NcNetworkConfig *self);
/** Set the autojoin channels (NULL: none). */
void nc_network_config_set_channels(NcNetworkConfig *self, const char *const *channels);

/** Whether natter connects to the network when it starts. */
gboolean nc_network_config_get_connect_on_start(NcNetworkConfig *self);
/** Set whether natter connects to the network when it starts. */
void nc_network_config_set_connect_on_start(NcNetworkConfig *self, gboolean on);

/** Whether two configs hold the same values (ID included). */
gboolean nc_network_config_equal(NcNetworkConfig *a, NcNetworkConfig *b);

#define NC_TYPE_NETWORK_LIST (nc_network_list_get_type())
G_DECLARE_FINAL_TYPE(NcNetworkList, nc_network_list, NC, NETWORK_LIST, GObject)

/**
 * The saved networks (a GListModel of NcNetworkConfig, in the user's
 * order), loaded from settings; the old single server is migrated on the
 * first load (see the top of this file).  The items are not to be changed
 * in place: edit a copy and call nc_network_list_update().
 * @param settings org.natter.Natter, or NULL to keep the list in memory only
 * @param log_dir the logs' top folder (where a migrated server's folder
 *        is moved), or NULL for the default (nc_logger_new(NULL)'s)
 */
NcNetworkList *nc_network_list_new(GSettings *settings, const char *log_dir);

/** Append network (a copy is kept) and save. @return FALSE when its ID is already there */
gboolean nc_network_list_add(NcNetworkList *self, NcNetworkConfig *network);

/**
 * Replace the network with network's ID by a copy of network, and save.
 * @return FALSE when absent
 */
gboolean nc_network_list_update(NcNetworkList *self, NcNetworkConfig *network);

/** Remove the network with this ID and save. @return FALSE when absent */
gboolean nc_network_list_remove(NcNetworkList *self, const char *id);

/**
 * Move the network with this ID to position (clamped to the list), and save.
 * @return FALSE when absent
 */
gboolean nc_network_list_move(NcNetworkList *self, const char *id, guint position);

/** The network with this ID, or NULL (not a new reference). */
NcNetworkConfig *nc_network_list_find(NcNetworkList *self, const char *id);

/** The position of the network with this ID, or G_MAXUINT. */
guint nc_network_list_find_position(NcNetworkList *self, const char *id);

/**
 * The first network with a server at host (without case) and port (0
 * matches the default port of that server's TLS choice), or NULL (not a
 * new reference).
 */
NcNetworkConfig *nc_network_list_find_server(NcNetworkList *self, const char *host, guint16 port);

/**
 * Save attempt when client's connection succeeds: on its first
 * registration attempt is added (or, when its ID is saved already,
 * replaces that network); a failed attempt leaves the list as it was.
 * While the client lives, the server's ISUPPORT NETWORK= names the saved
 * network unless the user named it.  Nothing of the client is kept
 * beyond its life.
 * @param attempt the values the client was started with (a copy is kept)
 */
void nc_network_list_follow(NcNetworkList *self, NcClient *client, NcNetworkConfig *attempt);

/** A keyring entry: nc_keyring_store()'s kind, server and account. */
typedef struct {
    NcSecretKind kind;
    char *server;  /* lower case */
    char *account; /* NULL for NC_SECRET_SERVER */
} NcSecretKey;

/**
 * The keyring entries of network's passwords that no other network of
 * self uses, to remove with network: its server password and its
 * account's password, both kept under its first server's host, unless
 * another network has a server at that host (and, for the account's, the
 * same account name).  network itself may be in self or already gone.
 * @return an array of NcSecretKey (g_array_unref() frees them)
 */
GArray *nc_network_list_unshared_secrets(NcNetworkList *self, NcNetworkConfig *network);

/**
 * Remove from the keyring the passwords of network that no other network
 * of self uses (nc_network_list_unshared_secrets()); call it as network
 * is removed.  The answer comes to callback once every removal is done.
 */
void nc_network_list_forget_secrets(NcNetworkList *self, NcNetworkConfig *network,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);

/** @return TRUE when every entry is gone (or was not there), else FALSE with error set */
gboolean nc_network_list_forget_secrets_finish(NcNetworkList *self, GAsyncResult *result,
                                               GError **error);

G_END_DECLS
#endif

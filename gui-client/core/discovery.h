/* SPDX-License-Identifier: MIT */
/* LAN discovery of hosted chats: natter instances that host a chat
 * broadcast a small UDP beacon every few seconds on a fixed port, and
 * every natter with discovery on lists the beacons it hears.  The socket
 * runs on libnatter's UDP support in a worker thread, like NcIo.
 *
 * Beacons, one UDP datagram of UTF-8 text, fields separated by one space:
 *
 *   NATTER1 <id> <port> <name>           a plain-text chat (natter <= 1.1)
 *   NATTER2 <id> <port> <attrs> <name>   natter >= 1.2
 *
 * <attrs> is a comma-separated list of key=value without spaces, "-" when
 * empty; readers skip keys they do not know.  "tls=sha256:<64 hex>" says
 * the chat's server speaks only TLS, with a (self-signed) certificate of
 * that SHA-256 fingerprint: a joining natter pins it, so the chat is
 * encrypted and authenticated without asking.  A NATTER2 beacon is new
 * to older natters, which ignore it rather than dial a TLS port in plain
 * text; NATTER1 beacons are still read. */
#ifndef NC_DISCOVERY_H
#define NC_DISCOVERY_H

#include <gio/gio.h>

G_BEGIN_DECLS

/** The UDP port beacons go to. */
#define NC_DISCOVERY_PORT 45667

/** How long a chat stays listed after its last beacon. */
#define NC_DISCOVERY_EXPIRE_MS 10000

#define NC_TYPE_HOSTED_CHAT (nc_hosted_chat_get_type())
G_DECLARE_FINAL_TYPE(NcHostedChat, nc_hosted_chat, NC, HOSTED_CHAT, GObject)

/** The host (numeric address) the chat was announced from. */
const char *nc_hosted_chat_get_host(NcHostedChat *self);
/** The port its server listens on. */
guint16 nc_hosted_chat_get_port(NcHostedChat *self);
/** The name its host gave it. */
const char *nc_hosted_chat_get_name(NcHostedChat *self);
/** Its server certificate's SHA-256 fingerprint (TLS), or NULL: plain text. */
const char *nc_hosted_chat_get_fingerprint(NcHostedChat *self);

#define NC_TYPE_DISCOVERY (nc_discovery_get_type())
G_DECLARE_FINAL_TYPE(NcDiscovery, nc_discovery, NC, DISCOVERY, GObject)

/**
 * Listen for beacons on port (NC_DISCOVERY_PORT normally) and, once
 * nc_discovery_announce() is called, send ours to broadcast_addr.
 * @param broadcast_addr "255.255.255.255" normally; tests use 127.0.0.1
 * @return the discovery, or NULL when the UDP socket cannot be opened
 */
NcDiscovery *nc_discovery_new(guint16 port, const char *broadcast_addr);

/** The chats heard of (a GListModel of NcHostedChat), newest last. */
GListModel *nc_discovery_get_chats(NcDiscovery *self);

/**
 * Announce a hosted chat on server_port every 2 s (0 stops).
 * @param fingerprint the TLS server's SHA-256 certificate fingerprint
 *        (a NATTER2 beacon), or NULL for a plain-text server (NATTER1)
 */
void nc_discovery_announce(NcDiscovery *self, guint16 server_port, const char *name,
                           const char *fingerprint);

/**
 * The beacon text for a chat (see above); fingerprint NULL makes a NATTER1.
 * @return a newly allocated string
 */
char *nc_discovery_format_beacon(const char *id, guint16 port, const char *name,
                                 const char *fingerprint);

/**
 * Read a beacon (NATTER1 or NATTER2).
 * @param fingerprint receives the TLS fingerprint (lower-case hex) of a
 *        NATTER2 beacon that has one, else NULL; may be NULL
 * @return TRUE when text is one; *id, *name, *fingerprint are newly allocated
 */
gboolean nc_discovery_parse_beacon(const char *text, gsize len, char **id, guint16 *port,
                                   char **name, char **fingerprint);

G_END_DECLS
#endif

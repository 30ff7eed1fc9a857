/* SPDX-License-Identifier: MIT */
/* LAN discovery of hosted chats: natter instances that host a chat
 * broadcast a small UDP beacon every few seconds on a fixed port, and
 * every natter with discovery on lists the beacons it hears.  The socket
 * runs on libnatter's UDP support in a worker thread, like NcIo. */
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

/** Announce a hosted chat on server_port every 2 s (0 stops). */
void nc_discovery_announce(NcDiscovery *self, guint16 server_port, const char *name);

/**
 * Read a beacon ("NATTER1 <id> <port> <name>").
 * @return TRUE when text is one; *id, *name are newly allocated
 */
gboolean nc_discovery_parse_beacon(const char *text, gsize len, char **id, guint16 *port,
                                   char **name);

G_END_DECLS
#endif

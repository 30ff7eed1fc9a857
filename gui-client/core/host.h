/* SPDX-License-Identifier: MIT */
/* "Host a chat on this computer": find the natterd that came with natter,
 * start it on a free port and report the port once it listens. */
#ifndef NC_HOST_H
#define NC_HOST_H

#include <gio/gio.h>

G_BEGIN_DECLS

#define NC_TYPE_LOCAL_SERVER (nc_local_server_get_type())
G_DECLARE_FINAL_TYPE(NcLocalServer, nc_local_server, NC, LOCAL_SERVER, GObject)

/**
 * Where natterd is: $NATTER_NATTERD, then beside the running program (and
 * ../server/ of it: the build tree), the install's libexec and bin
 * folders, then $PATH.
 * @param extra_dirs more folders to look in first, or NULL
 * @return a newly allocated path, or NULL when there is none
 */
char *nc_find_natterd(const char *const *extra_dirs);

/**
 * A server not yet started.
 * @param natterd the program's path
 * @param address the address to listen on ("127.0.0.1" for this computer
 *                only, "0.0.0.0" to share on the LAN)
 * @param port the port (0: any free one)
 */
NcLocalServer *nc_local_server_new(const char *natterd, const char *address, guint16 port);

/**
 * Start natterd.  Its log goes on to our standard error; "ready" (guint
 * port) is emitted once it listens, "failed" (const char *message) when it
 * exits or cannot start.
 * @return FALSE with error set when the program could not be started
 */
gboolean nc_local_server_start(NcLocalServer *self, GError **error);

/** The port it listens on, 0 before "ready". */
guint16 nc_local_server_get_port(NcLocalServer *self);

/** Stop natterd (SIGTERM, as its own Ctrl-C) and wait briefly. */
void nc_local_server_stop(NcLocalServer *self);

/**
 * Find the port in a natterd log line "... listening on 127.0.0.1:6667".
 * @return the port, or 0 when the line is not that
 */
guint16 nc_parse_listening_line(const char *line);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* "Host a chat on this computer": find the natterd that came with natter,
 * start it on a free port and report the port once it listens.
 *
 * With TLS (nc_local_server_use_tls()) the chat is encrypted without any
 * setup: natter makes a self-signed certificate once and keeps it in the
 * user's data folder, natterd listens only for TLS with it, and the
 * certificate's fingerprint is what clients pin (the host's own natter,
 * and natters joining through a LAN beacon that carries it). */
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

/** The folder natter keeps its own files in: $XDG_DATA_HOME/natter. */
char *nc_user_data_dir(void);

/**
 * Make sure dir holds a certificate and key for hosting (host-cert.pem,
 * host-key.pem: made once with libnatter's nt_tls_make_self_signed for
 * this computer's name, valid ten years, the key readable by the owner
 * only), the folder of natterd's store (host-store/, 0700: the accounts
 * made in the hosted chat, with registration open) and a natterd
 * configuration naming them (host-natterd.conf).
 * Each call checks the files: a missing or unreadable pair is made anew.
 * @param dir the folder (created 0700), normally nc_user_data_dir()
 * @param cert_path, fingerprint receive the certificate's path and its
 *        SHA-256 fingerprint (lower-case hex), newly allocated; may be NULL
 * @return FALSE with error set when they cannot be made
 */
gboolean nc_host_certificate_ensure(const char *dir, char **cert_path, char **fingerprint,
                                    GError **error);

/**
 * Listen for TLS only, with the certificate kept in dir (made there if
 * need be, see nc_host_certificate_ensure()).  Call before start.
 * @return FALSE with error set when the certificate cannot be made
 */
gboolean nc_local_server_use_tls(NcLocalServer *self, const char *dir, GError **error);

/** The TLS certificate's SHA-256 fingerprint, or NULL for plain text. */
const char *nc_local_server_get_fingerprint(NcLocalServer *self);

/** Stop natterd (SIGTERM, as its own Ctrl-C) and wait briefly. */
void nc_local_server_stop(NcLocalServer *self);

/**
 * Find the port in a natterd log line "... listening on 127.0.0.1:6667".
 * @return the port, or 0 when the line is not that
 */
guint16 nc_parse_listening_line(const char *line);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* One TLS session over a non-blocking OS socket, shared by the loop's
 * connections (conn-tls.c) and the blocking TLS socket (tls-socket.c).
 * The session reads and writes the socket itself, through libnatter's
 * own nt__sys_recv/nt__sys_send (a BIO of ours), so every socket error is
 * already an NT_E* code the same on every platform; this file's callers
 * only learn NT_EAGAIN (with the readiness it waits for), a count, or
 * the error that ends the session. */
#ifndef NT_TLS_INTERNAL_H
#define NT_TLS_INTERNAL_H

#include <natter/tls.h>

#include <stddef.h>

#include "sys.h"

typedef struct nt__tls nt__tls;

/* A session for cfg (taking a reference), not yet on a socket.
 * server_name: the client's SNI and checked name, NULL for servers.
 * @return NT_OK, NT_EINVAL, NT_ENOMEM */
int nt__tls_new(nt_tls_config *cfg, const char *server_name, nt__tls **out);

/* The socket the session reads and writes (set once, when connected). */
void nt__tls_set_fd(nt__tls *t, nt_os_sock fd);

/* Free the session and drop its reference to the configuration. */
void nt__tls_free(nt__tls *t);

/* Is the handshake still to complete? */
int nt__tls_handshaking(const nt__tls *t);

/* The handshake deadline of the configuration, in ms (0: none). */
uint64_t nt__tls_handshake_timeout(const nt__tls *t);

/* Go on with the handshake.  When it completes the peer's certificate is
 * judged (pins, verification mode).
 * @return NT_OK (done), NT_EAGAIN (wait for nt__tls_wants()), or the
 *         error that ends it (NT_ETLS_*, NT_EOF, NT_ECONNRESET, ...) */
int nt__tls_handshake(nt__tls *t);

/* Plaintext in: up to len bytes.
 * @return bytes (> 0), 0 for the peer's close_notify, NT_EAGAIN, or an
 *         error (a stream cut without close_notify: NT_ECONNRESET) */
ptrdiff_t nt__tls_read(nt__tls *t, void *buf, size_t len);

/* Plaintext out: as much of the pieces as fits in records the socket
 * takes now.  After NT_EAGAIN the next call must start with the same
 * bytes (it may offer more): the output queue guarantees that.
 * @return bytes consumed (> 0), NT_EAGAIN, or an error */
ptrdiff_t nt__tls_writev(nt__tls *t, const nt__iov *iov, int count);

/* After NT_EAGAIN: NT_EV_READ or NT_EV_WRITE, what the session waits for. */
int nt__tls_wants(const nt__tls *t);

/* Decrypted bytes (or a whole record) already read from the socket and
 * not yet returned: the socket will not report them as readable. */
int nt__tls_pending(const nt__tls *t);

/* Send close_notify once, without waiting (a full socket drops it). */
void nt__tls_close_notify(nt__tls *t);

/* What the session is (protocol, cipher, peer, verification). */
void nt__tls_info(const nt__tls *t, nt_tls_info *out);

/* Before any other OpenSSL call (posix/tls-platform.c, win32/...):
 * whether OpenSSL may read its configuration file.  @return NT_OK or
 * NT_ETLS_CONFIG */
int nt__tls_platform_init(void);

/* The system's trusted certificates into the context's store
 * (posix/tls-roots.c, win32/tls-roots.c).  void *: an SSL_CTX.
 * @return NT_OK or NT_ETLS_CONFIG */
int nt__tls_load_system_roots(void *ssl_ctx);

/* Open path for writing, readable by its owner only where the platform
 * has such permissions (posix/sys.c, win32/sys.c).  @return a FILE * or NULL */
void *nt__sys_create_private_file(const char *path);

#endif

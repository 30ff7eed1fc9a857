/* SPDX-License-Identifier: MIT */
/**
 * @file natter/tls.h
 * @brief TLS for connections on the loop and for blocking sockets, the
 * same on POSIX and Windows.
 *
 * One nt_tls_config holds what both ends of many connections share: the
 * role (client or server), the certificate and key (PEM files, the same
 * on every platform), whom to trust and how strictly.  A client trusts
 * the operating system's certificates (Windows: the system "ROOT" store;
 * elsewhere the TLS library's default paths, /etc/ssl/certs on Debian)
 * and checks that the certificate names the host it asked for.  TLS 1.2
 * is the minimum and 1.3 is preferred; clients send SNI and resume
 * sessions with the servers they talked to before.
 *
 * A loop connection becomes a TLS one with nt_conn_start_tls(): its
 * callbacks, framing, backpressure, send queue limit and close rules
 * stay as they are, carrying plaintext; on_connect is called once the
 * handshake has completed (for accepted connections too).  A failed
 * handshake ends the connection through on_closed with a code that names
 * what failed (NT_ETLS_UNTRUSTED, NT_ETLS_HOSTNAME, NT_ETLS_EXPIRED,
 * NT_ETLS_SELFSIGNED, NT_ETLS_NOCERT, NT_ETLS_PLAINTEXT,
 * NT_ETLS_HANDSHAKE) and nt_conn_tls_info() still tells the peer's
 * certificate fingerprint there, so a program can offer to trust it.  A
 * handshake has a deadline (a timer, never a thread).  The peer's
 * close_notify reads as NT_EOF; a TLS stream cut without one is
 * NT_ECONNRESET, on every platform.
 *
 * The blocking socket mirrors Python's ssl module: nt_tls_wrap() is
 * SSLContext.wrap_socket(), with nt_tls_recv / nt_tls_send /
 * nt_tls_sendall and the socket's own timeout.
 */
#ifndef NATTER_TLS_H
#define NATTER_TLS_H

#include <natter/conn.h>
#include <natter/net.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Shared TLS settings (an SSL context); reference counted. */
typedef struct nt_tls_config nt_tls_config;

/** Which end of the connection a configuration is for. */
typedef enum nt_tls_role {
    NT_TLS_CLIENT = 0, /**< connects out; verifies the server */
    NT_TLS_SERVER = 1  /**< accepts; presents a certificate */
} nt_tls_role;

/** How the peer's certificate is checked. */
typedef enum nt_tls_verify {
    /** Client: the certificate must chain to a trusted root and name the
     *  host (the default).  Server: ask for no client certificate (the
     *  default). */
    NT_TLS_VERIFY_DEFAULT = 0,
    /** Client: encrypt but accept any certificate (insecure: for tests
     *  and for programs that check the fingerprint themselves).  Server:
     *  the same as the default. */
    NT_TLS_VERIFY_NONE = 1,
    /** Server: ask for a client certificate and accept any (self-signed
     *  included: IRC knows clients by their certificate's fingerprint);
     *  a client without one is let in too. */
    NT_TLS_VERIFY_OPTIONAL = 2,
    /** Server: as OPTIONAL, but a client without a certificate fails the
     *  handshake (NT_ETLS_NOCERT on both ends). */
    NT_TLS_VERIFY_REQUIRED = 3
} nt_tls_verify;

/** The length of a SHA-256 fingerprint as text: 64 hex digits and a NUL. */
#define NT_TLS_FINGERPRINT_LEN 65

/** What a TLS session turned out to be, from nt_conn_tls_info(). */
typedef struct nt_tls_info {
    int handshake_done;                           /**< 1 once it completed */
    char protocol[16];                            /**< "TLSv1.3", "TLSv1.2" */
    char cipher[64];                              /**< e.g. "TLS_AES_256_GCM_SHA384" */
    char peer_fingerprint[NT_TLS_FINGERPRINT_LEN]; /**< SHA-256 of the peer's
                                                       certificate (DER), lower-case
                                                       hex; "" when it sent none */
    char peer_subject[256];                       /**< its subject, one line */
    int resumed;                                  /**< 1 when the session was resumed */
    int verify_result;                            /**< NT_OK, or the NT_ETLS_* that
                                                       verification gave (also when a
                                                       pin or NT_TLS_VERIFY_NONE let the
                                                       connection go on) */
    char verify_detail[128];                      /**< the verifier's own words */
    uint64_t reserved[8];                         /**< zero; room for 1.x fields */
} nt_tls_info;

/**
 * A new configuration for role, TLS 1.2 or newer.  A client one trusts
 * the system's certificates and verifies fully; a server one needs
 * nt_tls_config_set_certificate() before use.
 * @return NT_OK, NT_ENOMEM, NT_ETLS_CONFIG (the TLS library failed)
 */
NT_API int nt_tls_config_new(nt_tls_role role, nt_tls_config **out);

/**
 * Load a certificate chain and its private key from PEM files: a
 * server's certificate, or a client's certificate to present.  On failure
 * the configuration keeps what it had (so a reload that fails leaves the
 * old certificate in use) and nt_tls_config_error() says why.
 * @return NT_OK, NT_ENOENT (a file is missing), NT_ETLS_CONFIG (not a
 *         certificate or key, or the key does not match the certificate)
 */
NT_API int nt_tls_config_set_certificate(nt_tls_config *cfg, const char *cert_pem_path,
                                         const char *key_pem_path);

/**
 * Trust the certificates of this PEM file (one or several CA
 * certificates) instead of the system's: a client verifies servers
 * against them; a server with client certificates on checks clients
 * against them, when set (otherwise any client certificate is taken).
 * @return NT_OK, NT_ENOENT, NT_ETLS_CONFIG
 */
NT_API int nt_tls_config_set_ca_file(nt_tls_config *cfg, const char *ca_pem_path);

/** Set how the peer is verified (nt_tls_verify). @return NT_OK, NT_EINVAL */
NT_API int nt_tls_config_set_verify(nt_tls_config *cfg, nt_tls_verify mode);

/**
 * Accept a peer whose certificate has this SHA-256 fingerprint (64 hex
 * digits; ':' separators and upper case are fine) whatever its issuer,
 * name or dates say: "trust this certificate for this network".  Up to
 * 16 pins.
 * @return NT_OK, NT_EINVAL (not a fingerprint), NT_ENOBUFS (too many)
 */
NT_API int nt_tls_config_pin(nt_tls_config *cfg, const char *sha256_hex);

/** The longest a handshake may take before the connection ends with
 *  NT_ETIMEDOUT (default 10 s; 0: no limit). @return NT_OK, NT_EINVAL */
NT_API int nt_tls_config_set_handshake_timeout(nt_tls_config *cfg, uint64_t ms);

/** The reason for the configuration's last failed call, "" if none. */
NT_API const char *nt_tls_config_error(const nt_tls_config *cfg);

/** Take a reference. @return cfg */
NT_API nt_tls_config *nt_tls_config_ref(nt_tls_config *cfg);

/** Drop a reference; the last one frees it (connections hold their own). */
NT_API void nt_tls_config_unref(nt_tls_config *cfg);

/**
 * The SHA-256 fingerprint of the first certificate in a PEM file, as
 * lower-case hex (what nt_tls_info.peer_fingerprint shows of it).
 * @param out NT_TLS_FINGERPRINT_LEN bytes
 * @return NT_OK, NT_ENOENT, NT_ETLS_CONFIG
 */
NT_API int nt_tls_fingerprint_file(const char *cert_pem_path, char *out);

/**
 * Make a self-signed certificate and key (ECDSA P-256, valid for `days`)
 * for host and write them as PEM files (the key readable by the owner
 * only, where the platform allows): for tests and for a server on a LAN,
 * whose clients pin its fingerprint.
 * @return NT_OK, NT_EINVAL, NT_EACCES, NT_ETLS_CONFIG
 */
NT_API int nt_tls_make_self_signed(const char *host, unsigned days, const char *cert_pem_path,
                                   const char *key_pem_path);

/**
 * Speak TLS on c: a connection from nt_conn_new(), nt_conn_connect() (call
 * it right after; the handshake starts once connected) or a listener's
 * accept callback.  Output sent before the handshake completes waits for
 * it; on_connect is called when it completes, always from the loop, never
 * from inside this call.  c takes a reference to cfg.
 * @param server_name client: the host name to send (SNI) and to check the
 *        certificate against (an IP address is checked as one); server:
 *        NULL
 * @return NT_OK, NT_EINVAL (wrong role, no server_name for a verifying
 *         client, already TLS, or closed), NT_ENOMEM, NT_ETLS_CONFIG (a
 *         client's system certificates, read with its first session,
 *         could not be loaded)
 */
NT_API int nt_conn_start_tls(nt_conn *c, nt_tls_config *cfg, const char *server_name);

/**
 * What c's TLS session is (protocol, cipher, the peer's fingerprint and
 * verification result).  Works in on_closed too, after a failed
 * handshake.
 * @return NT_OK, NT_EINVAL (not a TLS connection)
 */
NT_API int nt_conn_tls_info(const nt_conn *c, nt_tls_info *out);

/** A blocking (or timed) TLS socket over an nt_socket, as Python's SSLSocket. */
typedef struct nt_tls_socket nt_tls_socket;

/**
 * Wrap a connected stream socket and complete the handshake within the
 * socket's timeout (nt_socket_settimeout(); a non-blocking socket waits
 * as a blocking one would).  The TLS socket owns s from then on, also on
 * failure (s is closed).
 * @param server_hostname client: SNI and the name checked; server: NULL
 * @return NT_OK, or the handshake's error (NT_ETLS_*, NT_ETIMEDOUT, NT_EOF,
 *         NT_ECONNRESET, ...)
 */
NT_API int nt_tls_wrap(nt_socket *s, nt_tls_config *cfg, const char *server_hostname,
                       nt_tls_socket **out);

/**
 * Receive up to len bytes of plaintext.
 * @return bytes (> 0), NT_EOF (close_notify), NT_ECONNRESET (reset, or a
 *         stream cut without close_notify), NT_ETIMEDOUT, ...
 */
NT_API ptrdiff_t nt_tls_recv(nt_tls_socket *t, void *buf, size_t len);

/** Send some of buf. @return bytes sent (> 0), or an error */
NT_API ptrdiff_t nt_tls_send(nt_tls_socket *t, const void *buf, size_t len);

/**
 * Send all of buf within the socket's timeout.
 * @param sent receives how much went out, also on failure (may be NULL)
 * @return NT_OK or the error that stopped it
 */
NT_API int nt_tls_sendall(nt_tls_socket *t, const void *buf, size_t len, size_t *sent);

/** Send close_notify (Python's unwrap() without the plain socket). @return NT_OK or an error */
NT_API int nt_tls_shutdown(nt_tls_socket *t);

/** What the session is, as nt_conn_tls_info(). @return NT_OK, NT_EINVAL */
NT_API int nt_tls_socket_info(const nt_tls_socket *t, nt_tls_info *out);

/** The socket underneath (for its timeout, fileno, addresses). */
NT_API nt_socket *nt_tls_socket_raw(nt_tls_socket *t);

/** Close the socket (no close_notify: call nt_tls_shutdown() first for that) and free t. */
NT_API void nt_tls_close(nt_tls_socket *t);

#ifdef __cplusplus
}
#endif

#endif

/* SPDX-License-Identifier: MIT */
/* The network side of one IRC connection, on its own thread.
 *
 * libnatter's nt_loop and nt_conn run on a worker thread; the main
 * context only posts commands to it (nt_loop_post) and receives events
 * back in batches from a GSource attached to its GMainContext.  So the
 * window's thread never does network I/O, and a flood reaches it at most
 * NC_IO_BATCH lines per dispatch.  (Name lookups no longer need the
 * thread: nt_conn_connect resolves on libnatter's own resolver threads.
 * The loop is not embedded in the GMainContext because only the epoll
 * backend can be, not poll or WSAPoll.)  Each connect gets a generation
 * number, and events carry it, so a late event of an abandoned
 * connection is told apart.
 *
 * A connection may speak TLS (libnatter's nt_conn_start_tls): the worker
 * makes the client configuration (the system's trusted certificates, the
 * host name checked, the pins accepted besides) and reports what the
 * handshake found, so the client can judge the certificate and explain a
 * refusal. */
#ifndef NC_IO_H
#define NC_IO_H

#include <glib.h>

G_BEGIN_DECLS

/** What happened on the connection. */
typedef enum {
    NC_IO_CONNECTED, /* the TCP connection is up (with TLS: and the handshake done) */
    NC_IO_LINE,      /* a line arrived (without CR LF) */
    NC_IO_CLOSED,    /* the connection ended or never came up; see reason */
} NcIoEvent;

/** How to speak TLS on a connection (nc_io_connect()). */
typedef struct {
    const char *server_name; /* sent (SNI) and checked against the certificate */
    const char *const *pins; /* SHA-256 fingerprints accepted whatever the
                                certificate's issuer, name or dates, or NULL */
    const char *cert_file;   /* our own certificate to present (SASL EXTERNAL), or NULL */
    const char *key_file;    /* its private key (PEM) */
} NcIoTlsOptions;

/** What the TLS layer found, with NC_IO_CONNECTED and NC_IO_CLOSED. */
typedef struct {
    gboolean handshake_done;
    int verify_result;    /* NT_OK or the NT_ETLS_* verification gave (also
                             when a pin let the connection go on) */
    char fingerprint[65]; /* the peer certificate's SHA-256, lower-case hex, or "" */
    char detail[128];     /* the verifier's own words */
    char protocol[16];    /* "TLSv1.3" */
    char cipher[64];
} NcIoTlsInfo;

/**
 * Receives events on the main context given to nc_io_new().
 * @param generation the nc_io_connect() call this event belongs to
 * @param line the line for NC_IO_LINE, else NULL
 * @param reason an NT_E* code for NC_IO_CLOSED, else 0
 * @param tls for NC_IO_CONNECTED and NC_IO_CLOSED of a TLS connection:
 *        what the handshake found (also when it failed); else NULL
 */
typedef void (*NcIoCallback)(NcIoEvent event, guint generation, const char *line, int reason,
                             const NcIoTlsInfo *tls, gpointer user_data);

typedef struct _NcIo NcIo;

/**
 * Start the worker thread.
 * @param context where callbacks run (NULL: the thread-default context)
 * @return the I/O object, or NULL when the loop or thread could not start
 */
NcIo *nc_io_new(GMainContext *context, NcIoCallback callback, gpointer user_data);

/**
 * Stop the worker thread and free.  A connection still open, or closed
 * with flush just before, first writes what it has queued (for at most
 * a couple of seconds), so a QUIT sent just before leaves.  No callback
 * runs after this returns, even for events already queued.  NULL is
 * accepted.
 */
void nc_io_free(NcIo *io);

/**
 * Connect in the background, closing any current connection first.
 * Returns at once; the outcome arrives as NC_IO_CONNECTED or NC_IO_CLOSED
 * (a certificate that fails verification: NC_IO_CLOSED with an
 * NT_ETLS_* reason and the certificate's fingerprint).
 * @param connect_timeout_ms per address tried (0: libnatter's default)
 * @param tls TLS settings (copied), or NULL for plain TCP
 * @return the generation number of this connection
 */
guint nc_io_connect(NcIo *io, const char *host, guint16 port, guint connect_timeout_ms,
                    const NcIoTlsOptions *tls);

/** Queue one line (CR LF is added) on the current connection. */
void nc_io_send(NcIo *io, const char *line);

/**
 * Close the current connection: flush what is queued first when flush is
 * set (for QUIT), else drop it.  NC_IO_CLOSED follows.
 */
void nc_io_close(NcIo *io, gboolean flush);

/**
 * The most events handed to the main context per dispatch; the rest wait
 * for the next one so a flood cannot starve redraws and input.
 */
#define NC_IO_BATCH 64

G_END_DECLS
#endif

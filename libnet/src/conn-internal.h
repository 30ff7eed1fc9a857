/* SPDX-License-Identifier: MIT */
/* The connection's fields, shared by conn.c (I/O, output queue, closing)
 * and conn-connect.c (resolving and racing addresses). */
#ifndef NT_CONN_INTERNAL_H
#define NT_CONN_INTERNAL_H

#include <natter/conn.h>

#include "loop-internal.h"
#include "socket-internal.h"

enum nt__conn_state { NT__CONNECTING, NT__OPEN, NT__CLOSING, NT__CLOSED };

typedef struct nt__chunk {
    nt_buf *buf;
    size_t off; /* bytes of buf already written */
    int owned;  /* our private copy: small sends may be appended */
} nt__chunk;

/* Only while connecting (conn-connect.c). */
typedef struct nt__connect nt__connect;
/* A TLS session (tls-internal.h). */
typedef struct nt__tls nt__tls;

/* What of nt_conn_options an open connection needs (the connect timings
 * live in nt__connect): kept apart so an idle connection carries no
 * settings it will never read. */
typedef struct nt__conn_settings {
    nt_frame_mode framing;
    size_t max_message;
    size_t high_water;
    size_t low_water;
    size_t sendq_limit;
    size_t coalesce_bytes;
    uint64_t idle_timeout_ms;
    uint64_t linger_ms;
    uint64_t coalesce_ms;
} nt__conn_settings;

struct nt_conn {
    nt_handle base; /* base.data is the owner's pointer */
    nt_socket *sock;
    nt_watch *watch;
    nt_conn_callbacks cb;
    nt__conn_settings opt;
    nt_framer *framer; /* NULL for NT_FRAME_NONE */

    enum nt__conn_state state;
    int reason;
    int read_paused;
    int write_blocked;   /* waiting for NT_EV_WRITE */
    int flush_scheduled; /* a deferred flush is queued */
    int shut_pending;    /* shut down writing once drained */
    int shut_done;
    int above_high;
    int flush_held; /* the flush waits for flush_timer (coalescing) */

    nt__chunk *q;
    size_t qhead, qlen, qcap; /* chunks q[qhead .. qhead+qlen) */
    size_t queued;            /* bytes */
    uint64_t bytes_sent, bytes_received, bytes_unsent;
    uint64_t read_pauses;

    nt_timer *timer;        /* idle or linger deadline; made on first need */
    nt_timer *flush_timer;  /* end of a coalescing hold; made on first need */
    uint64_t last_write_ms; /* loop time of the last write */
    nt__connect *connect;   /* only while connecting */
    nt__tls *tls;           /* a TLS connection's session, else NULL */
    int tls_read_blocked;   /* a TLS read waits to write (a key update) */
};

/* Allocate a connection in state CONNECTING, with its framer; opts are
 * the caller's (already checked) or the defaults. */
int nt__conn_alloc(nt_loop *loop, const nt_conn_options *opts, const nt_conn_callbacks *cb,
                   void *data, nt_conn **out);
/* The winning socket of a connect: the connection is open. */
void nt__conn_opened(nt_conn *c, nt_socket *s);
/* The one way out: release everything now, tell the owner from the loop's
 * close phase. */
void nt__conn_finish(nt_conn *c, int reason);
/* Stop connecting (closing the attempts, cancelling the lookup). */
void nt__conn_connect_stop(nt_conn *c);
/* c->tls is set and c is open: start the handshake and its deadline. */
void nt__conn_tls_begin(nt_conn *c);

#endif

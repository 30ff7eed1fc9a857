/* SPDX-License-Identifier: MIT */
/**
 * @file natter/conn.h
 * @brief Buffered, framed, non-blocking stream connections on an nt_loop,
 * and listeners that accept them.
 *
 * An nt_conn reads into a framer (lines or length-prefixed frames, see
 * natter/frame.h) and hands whole messages to on_message.  Output is a
 * queue of shared buffers written with gather I/O: everything sent during
 * one loop iteration leaves in as few system calls as possible, and one
 * nt_buf queued on many connections is never copied.  A busy loop writes
 * bigger batches by itself (more events per iteration); only when it is
 * saturated may connections that allow it (coalesce_ms) hold output
 * briefly, and never while it keeps up.  When the queue passes
 * the high-water mark the owner is told to stop producing; below the
 * low-water mark, to go on.  The send queue limit (sendq_limit) is judged
 * after each write: a connection that still has more than that queued when
 * the socket takes no more is closed with NT_ESENDQ.
 *
 * Connections are loop handles (natter/loop.h): every way a connection
 * ends (orderly EOF, reset, timeout, framing error the owner chose to close
 * on, send queue limit, nt_conn_close(), nt_conn_abort()) ends in exactly
 * one on_closed(conn, reason) call, made from the loop after the callback
 * that caused it has returned; the connection's memory is gone when
 * on_closed returns.  Nothing queued is dropped silently: nt_conn_close()
 * writes the queue first and its reason says whether all of it left.
 */
#ifndef NATTER_CONN_H
#define NATTER_CONN_H

#include <natter/buf.h>
#include <natter/frame.h>
#include <natter/loop.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A buffered stream connection. */
typedef struct nt_conn nt_conn;
/** A listening socket that accepts on the loop. */
typedef struct nt_listener nt_listener;

/** What a connection tells its owner.  Any member may be NULL. */
typedef struct nt_conn_callbacks {
    /** An nt_conn_connect() connection is established. */
    void (*on_connect)(nt_conn *c, void *data);
    /** A whole message (a line without its terminator, a frame's payload,
     *  or with NT_FRAME_NONE whatever bytes arrived).  msg is valid only
     *  during the call. */
    void (*on_message)(nt_conn *c, const char *msg, size_t len, void *data);
    /** A message longer than max_message arrived and was dropped (len is
     *  its length).  The connection stays usable; call nt_conn_abort()
     *  here to end it instead. */
    void (*on_frame_error)(nt_conn *c, size_t len, void *data);
    /** Queued output passed the high-water mark: stop producing. */
    void (*on_high_water)(nt_conn *c, void *data);
    /** Queued output fell below the low-water mark: go on. */
    void (*on_low_water)(nt_conn *c, void *data);
    /** The connection has ended.  reason: NT_EOF or NT_ECONNRESET (the
     *  peer), NT_ETIMEDOUT (idle timeout), NT_ESENDQ (send queue limit),
     *  NT_ECLOSED (nt_conn_close() with everything written, or
     *  nt_conn_abort()), NT_EUNSENT (nt_conn_close() and the linger time
     *  ran out with output unsent), a connect error (the last attempt's),
     *  NT_ECANCELED (closed while connecting) ...  nt_conn_get_stats()
     *  still works here (unsent bytes included).  Called once; the
     *  connection is freed when it returns. */
    void (*on_closed)(nt_conn *c, int reason, void *data);
} nt_conn_callbacks;

/** Connection settings; start from nt_conn_options_init(). */
typedef struct nt_conn_options {
    nt_frame_mode framing;       /**< NT_FRAME_LINE (default), NT_FRAME_U32
                                      or NT_FRAME_NONE */
    size_t max_message;          /**< longest line/frame (default 8192) */
    size_t high_water;           /**< default 256 KiB */
    size_t low_water;            /**< default 64 KiB */
    size_t sendq_limit;          /**< close with NT_ESENDQ when more than this
                                      is still queued after a write that the
                                      socket cut short; default 4 MiB; 0:
                                      no limit */
    uint64_t connect_timeout_ms; /**< per address tried; default 10 s */
    uint64_t connect_total_ms;   /**< for the whole connect, resolution
                                      included; default 30 s; 0: none */
    uint64_t attempt_delay_ms;   /**< Happy Eyeballs: start the next address
                                      this long after the previous attempt
                                      if it has not finished; default 250 */
    uint64_t idle_timeout_ms;    /**< close with NT_ETIMEDOUT after this long
                                      without input; 0 (default) never */
    uint64_t linger_ms;          /**< nt_conn_close() waits at most this long
                                      for the queue to leave; default 5 s */
    uint64_t coalesce_ms;        /**< the longest the connection may hold
                                      output after a write while its loop is
                                      saturated (it hardly sleeps): the loop
                                      sets the hold from its load, 0 while it
                                      keeps up, so output then leaves at the
                                      end of the iteration that produced it;
                                      under load a busy connection gets fewer,
                                      larger writes.  Output after a quiet
                                      spell always leaves at once.  0
                                      (default): never hold */
    size_t coalesce_bytes;       /**< stop holding once this much is queued
                                      (and always below half the high-water
                                      mark); default 16 KiB */
    uint64_t reserved[8];        /**< zero; room for later 1.x settings */
} nt_conn_options;

/** Counters of a connection, from nt_conn_get_stats(). */
typedef struct nt_conn_stats {
    uint64_t bytes_queued;   /**< queued and not yet written */
    uint64_t bytes_sent;     /**< written to the socket */
    uint64_t bytes_received; /**< read from the socket */
    uint64_t bytes_unsent;   /**< dropped at the end (abort, reset, linger) */
    uint64_t read_pauses;    /**< times reading was paused by the owner */
    uint64_t reserved[7];    /**< zero; room for later 1.x counters */
} nt_conn_stats;

/** Fill o with the defaults documented in nt_conn_options. */
NT_API void nt_conn_options_init(nt_conn_options *o);

/**
 * Make a connection of a connected stream socket, which it takes over (and
 * closes when it ends).  Reading starts at once.
 * @param opts settings, or NULL for the defaults
 * @param out receives the connection
 * @return NT_OK, NT_EINVAL, NT_ENOMEM (the socket is closed on failure)
 */
NT_API int nt_conn_new(nt_loop *loop, nt_socket *s, const nt_conn_options *opts,
                       const nt_conn_callbacks *cb, void *data, nt_conn **out);

/**
 * Connect in the background, never blocking the loop: resolve host on the
 * resolver's threads (natter/resolve.h), then race the addresses as Happy
 * Eyeballs (RFC 8305) does: IPv6 and IPv4 interleaved, IPv6 first; a new
 * attempt every attempt_delay_ms while earlier ones are pending (at once
 * when one fails); the first to connect wins and the others are closed.
 * Each attempt lasts at most connect_timeout_ms, the whole at most
 * connect_total_ms.  Success calls on_connect; failure calls on_closed with
 * the last attempt's error (NT_ENONAME when the name does not resolve).
 * Sends made before on_connect are queued.
 * @param out receives the connection
 * @return NT_OK (the outcome comes later), NT_EINVAL, NT_ENOMEM
 */
NT_API int nt_conn_connect(nt_loop *loop, const char *host, uint16_t port,
                           const nt_conn_options *opts, const nt_conn_callbacks *cb, void *data,
                           nt_conn **out);

/**
 * nt_conn_connect() to addresses already known, raced in the order given
 * (no reordering: sort them yourself if you want RFC 8305's order).
 * @param addrs the addresses (copied), 1 to NT_RESOLVE_MAX of them
 * @return as nt_conn_connect()
 */
NT_API int nt_conn_connect_addrs(nt_loop *loop, const nt_addr *addrs, size_t count,
                                 const nt_conn_options *opts, const nt_conn_callbacks *cb,
                                 void *data, nt_conn **out);

/**
 * Queue a copy of bytes.  Small sends in one iteration are coalesced into
 * one buffer.
 * @return NT_OK, NT_EINVAL, NT_ENOMEM, NT_ECLOSED (closing or closed),
 *         NT_ESHUTDOWN, NT_ESENDQ (this send took the queue past
 *         sendq_limit while the socket was full: the connection has
 *         ended, and on_closed follows)
 */
NT_API int nt_conn_send(nt_conn *c, const void *data, size_t len);

/**
 * Queue a shared buffer without copying it; the connection takes its own
 * reference (the caller keeps and eventually drops its own).
 * @return as nt_conn_send()
 */
NT_API int nt_conn_send_buf(nt_conn *c, nt_buf *b);

/**
 * Queue one length-prefixed frame (4-byte big-endian length, then data).
 * @return as nt_conn_send(), or NT_EMSGSIZE
 */
NT_API int nt_conn_send_frame(nt_conn *c, const void *data, size_t len);

/**
 * The connection's counters (also inside on_closed).
 * @return NT_OK or NT_EINVAL
 */
NT_API int nt_conn_get_stats(const nt_conn *c, nt_conn_stats *out);

/**
 * Change the send queue limit of an open connection (a reloaded
 * configuration); judged from the next write on.  0: no limit.
 * @return NT_OK or NT_EINVAL
 */
NT_API int nt_conn_set_sendq_limit(nt_conn *c, size_t limit);

/** Stop reading (flood control, backpressure upstream). */
NT_API void nt_conn_pause_reading(nt_conn *c);

/** Read again after nt_conn_pause_reading(). */
NT_API void nt_conn_resume_reading(nt_conn *c);

/**
 * Half-close: once the queue has drained, shut down the sending side (the
 * peer reads EOF); reading goes on until the peer closes.
 * @return NT_OK, NT_EINVAL or NT_ECLOSED
 */
NT_API int nt_conn_shutdown(nt_conn *c);

/**
 * Close: stop reading, write what is queued (for at most linger_ms), then
 * end.  on_closed reports NT_ECLOSED when everything was written,
 * NT_EUNSENT when the linger time ran out first, or the write error.  A
 * connection still connecting ends at once with NT_ECANCELED.  Safe inside
 * any callback; repeated calls do nothing.  NULL is accepted.
 */
NT_API void nt_conn_close(nt_conn *c);

/**
 * End now, dropping queued output (counted in bytes_unsent);
 * on_closed(NT_ECLOSED) follows from the loop (NT_ECANCELED for a
 * connection still connecting).  Also cuts short an
 * nt_conn_close() that is lingering.  NULL is accepted.
 */
NT_API void nt_conn_abort(nt_conn *c);

/** The connection as a handle (nt_handle_close() is nt_conn_close()). */
NT_API nt_handle *nt_conn_handle(nt_conn *c);

/**
 * The peer's address.
 * @return NT_OK, NT_EINVAL, NT_ENOTCONN (still connecting, or ended)
 */
NT_API int nt_conn_peer(const nt_conn *c, nt_addr *out);

/** The socket (for options); owned by the connection.  NULL while
 *  connecting and once ended. */
NT_API nt_socket *nt_conn_socket(const nt_conn *c);

/** The loop the connection runs on. */
NT_API nt_loop *nt_conn_loop(const nt_conn *c);

/** The data pointer given at creation. */
NT_API void *nt_conn_data(const nt_conn *c);

/** Replace the data pointer passed to callbacks. */
NT_API void nt_conn_set_data(nt_conn *c, void *data);

/** Called for each accepted socket; the callee owns s. */
typedef void (*nt_accept_cb)(nt_listener *l, nt_socket *s, const nt_addr *peer, void *data);

/**
 * Listen on addr and accept on the loop, draining the backlog on each
 * wakeup.  When the process is out of descriptors accepting pauses briefly
 * (instead of spinning) and resumes by itself (counted in
 * nt_loop_stats.accept_pauses).
 * @param backlog NT_BACKLOG_DEFAULT for the system's maximum
 * @param out receives the listener
 * @return NT_OK, NT_EADDRINUSE, NT_EACCES, ...
 */
NT_API int nt_listener_new(nt_loop *loop, const nt_addr *addr, int backlog, nt_accept_cb cb,
                           void *data, nt_listener **out);

/** The address the listener is bound to (with the OS-chosen port). */
NT_API int nt_listener_addr(const nt_listener *l, nt_addr *out);

/**
 * Stop listening at once (the port is free when this returns) and close
 * the listener.  NULL is accepted.
 * @param cb close callback, or NULL
 */
NT_API void nt_listener_close(nt_listener *l, nt_close_cb cb);

/** The listener as a handle. */
NT_API nt_handle *nt_listener_handle(nt_listener *l);

#ifdef __cplusplus
}
#endif
#endif

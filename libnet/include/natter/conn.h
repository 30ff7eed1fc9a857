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
 * nt_buf queued on many connections is never copied.  With coalesce_ms a
 * busy connection's output waits up to that long after a write, so that it
 * leaves in fewer, larger writes.  When the queue passes the high-water
 * mark the owner is told to stop producing; below the low-water mark, to
 * go on; past the hard limit the connection is closed with NT_ESENDQ.
 *
 * Every way a connection ends (orderly EOF, reset, timeout, framing error
 * the owner chose to close on, output limit, local close) ends in exactly
 * one on_closed(conn, reason) call, made from the loop after the callback
 * that caused it has returned; the connection is freed after on_closed.
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
     *  or with NT_CONN_RAW whatever bytes arrived).  msg is valid only
     *  during the call. */
    void (*on_message)(nt_conn *c, const char *msg, size_t len, void *data);
    /** A message longer than max_message arrived and was dropped (len is
     *  its length).  The connection stays usable; call nt_conn_close()
     *  here to end it instead. */
    void (*on_frame_error)(nt_conn *c, size_t len, void *data);
    /** Queued output passed the high-water mark: stop producing. */
    void (*on_high_water)(nt_conn *c, void *data);
    /** Queued output fell below the low-water mark: go on. */
    void (*on_low_water)(nt_conn *c, void *data);
    /** The connection has ended (reason: NT_EOF, NT_ECONNRESET,
     *  NT_ETIMEDOUT, NT_ESENDQ, NT_ECLOSED, NT_EFRAME, a connect error,
     *  ...).  Called once; the connection is freed when it returns. */
    void (*on_closed)(nt_conn *c, int reason, void *data);
} nt_conn_callbacks;

/** Framing value for unframed byte streams. */
#define NT_CONN_RAW 0

/** Connection settings; start from nt_conn_options_init(). */
typedef struct nt_conn_options {
    int framing;                 /**< NT_FRAME_LINE, NT_FRAME_U32 or NT_CONN_RAW */
    size_t max_message;          /**< longest line/frame (default 8192) */
    size_t high_water;           /**< default 256 KiB */
    size_t low_water;            /**< default 64 KiB */
    size_t hard_limit;           /**< close with NT_ESENDQ above this; default 4 MiB */
    uint64_t connect_timeout_ms; /**< per address tried; default 10 s */
    uint64_t idle_timeout_ms;    /**< close with NT_ETIMEDOUT after this long
                                      without input; 0 (default) never */
    uint64_t linger_ms;          /**< nt_conn_close_after_flush() waits at most
                                      this long for the peer to read; default 5 s */
    uint64_t coalesce_ms;        /**< after a write, hold further output up to
                                      this long, so that a busy connection gets
                                      fewer, larger writes; output after a
                                      quiet spell still leaves at once.  0
                                      (default): write every loop iteration */
    size_t coalesce_bytes;       /**< stop holding once this much is queued
                                      (and always below half the high-water
                                      mark); default 16 KiB */
} nt_conn_options;

/** Fill o with the defaults documented in nt_conn_options. */
NT_API void nt_conn_options_init(nt_conn_options *o);

/**
 * Make a connection of a connected stream socket, which it takes over (and
 * closes when it ends).  Reading starts at once.
 * @param opts settings, or NULL for the defaults
 * @return NT_OK, NT_EINVAL, NT_ENOMEM (the socket is closed on failure)
 */
NT_API int nt_conn_new(nt_loop *loop, nt_conn **out, nt_socket *s, const nt_conn_options *opts,
                       const nt_conn_callbacks *cb, void *data);

/**
 * Connect in the background: resolve host (synchronously: use a numeric
 * address or a name the resolver answers at once where that matters), then
 * try each address in turn, each for at most connect_timeout_ms.  Success
 * calls on_connect; failure calls on_closed with the last error.
 * @return NT_OK (the outcome comes later), or NT_ENONAME, NT_EINVAL, ...
 */
NT_API int nt_conn_connect(nt_loop *loop, nt_conn **out, const char *host, uint16_t port,
                           const nt_conn_options *opts, const nt_conn_callbacks *cb, void *data);

/**
 * Queue a copy of bytes.  Small sends in one iteration are coalesced into
 * one buffer.
 * @return NT_OK, NT_ENOMEM, NT_ECLOSED (ending or ended), NT_ESHUTDOWN
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

/** Bytes queued and not yet written. */
NT_API size_t nt_conn_queued(const nt_conn *c);

/** Stop reading (flood control, backpressure upstream). */
NT_API void nt_conn_pause_reading(nt_conn *c);

/** Read again after nt_conn_pause_reading(). */
NT_API void nt_conn_resume_reading(nt_conn *c);

/**
 * Half-close: once the queue has drained, shut down the sending side (the
 * peer reads EOF); reading goes on until the peer closes.
 * @return NT_OK or NT_ECLOSED
 */
NT_API int nt_conn_shutdown(nt_conn *c);

/**
 * Stop reading, write what is queued (for at most linger_ms), then close
 * with reason NT_ECLOSED.  For "ERROR :bye" and the like.
 */
NT_API void nt_conn_close_after_flush(nt_conn *c);

/**
 * Close now, dropping queued output; on_closed(NT_ECLOSED) follows from
 * the loop.  Safe inside any callback; repeated calls do nothing.
 */
NT_API void nt_conn_close(nt_conn *c);

/** The peer's address (NT_ENOTCONN before an async connect completes). */
NT_API int nt_conn_peer(const nt_conn *c, nt_addr *out);

/** The socket (for options); owned by the connection. */
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
 * (instead of spinning) and resumes by itself.
 * @param backlog NT_BACKLOG_DEFAULT for the system's maximum
 * @return NT_OK, NT_EADDRINUSE, NT_EACCES, ...
 */
NT_API int nt_listener_new(nt_loop *loop, nt_listener **out, const nt_addr *addr, int backlog,
                           nt_accept_cb cb, void *data);

/** The address the listener is bound to (with the OS-chosen port). */
NT_API int nt_listener_addr(const nt_listener *l, nt_addr *out);

/** How many times accepting paused for lack of descriptors or memory. */
NT_API uint64_t nt_listener_pauses(const nt_listener *l);

/** Stop listening and free the listener; safe inside its accept callback.
 *  NULL is accepted. */
NT_API void nt_listener_free(nt_listener *l);

#ifdef __cplusplus
}
#endif
#endif

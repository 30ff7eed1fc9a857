/* SPDX-License-Identifier: MIT */
/**
 * @file natter/frame.h
 * @brief Cutting a byte stream into messages ("sticky packets" solved once).
 *
 * TCP delivers bytes, not messages: two sends may arrive as one read, one
 * send as several.  A framer takes the bytes in whatever pieces they come
 * and hands back whole messages: CRLF/LF-terminated lines, or frames with a
 * 4-byte big-endian length prefix.  Both have a maximum size, so a peer can
 * never make the buffer grow without bound.
 *
 * Use: write incoming bytes with nt_framer_feed() (or read straight into
 * nt_framer_space() and nt_framer_commit()), then call nt_framer_next()
 * until it returns 0.
 */
#ifndef NATTER_FRAME_H
#define NATTER_FRAME_H

#include <natter/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A stream framer. */
typedef struct nt_framer nt_framer;

/** How a framer cuts the stream. */
typedef enum nt_frame_mode {
    NT_FRAME_NONE = 0, /**< no framing: bytes as they arrive (nt_conn only) */
    NT_FRAME_LINE = 1, /**< lines ending in LF or CRLF; terminator removed */
    NT_FRAME_U32 = 2   /**< 4-byte big-endian length, then that many bytes */
} nt_frame_mode;

/** The largest frame or line a framer accepts. */
#define NT_FRAME_MAX_LIMIT (64u * 1024u * 1024u)

/**
 * Create a framer.
 * @param mode NT_FRAME_LINE or NT_FRAME_U32
 * @param max_len longest line (terminator excluded) or frame payload;
 *        1..NT_FRAME_MAX_LIMIT
 * @param out receives the framer
 * @return NT_OK, NT_EINVAL or NT_ENOMEM
 */
NT_API int nt_framer_new(nt_frame_mode mode, size_t max_len, nt_framer **out);

/** Free a framer.  NULL is accepted. */
NT_API void nt_framer_free(nt_framer *f);

/**
 * Copy incoming bytes into the framer.  Never fails for lack of room: bytes
 * of an overlong message are counted and dropped, not stored.
 * @return NT_OK, or NT_ENOMEM / NT_EINVAL (after NT_ENOMEM the framer is
 *         out of step with the stream: close the connection)
 */
NT_API int nt_framer_feed(nt_framer *f, const void *data, size_t len);

/**
 * Room to read into directly, avoiding a copy: *space receives a pointer to
 * at least one free byte (4096 or more when memory allows) and the return
 * value is how many are free.  After reading n bytes there, call
 * nt_framer_commit(f, n) once; any other call on the framer but
 * nt_framer_next() and nt_framer_pending() takes the space back.  A caller
 * that calls nt_framer_next() until it returns 0 after every commit keeps
 * the framer's memory within max_len plus a few KiB, and a framer that
 * holds no bytes when nt_framer_next() returns 0 gives its block back.
 * @return free bytes (> 0), or NT_ENOMEM / NT_EINVAL
 */
NT_API ptrdiff_t nt_framer_space(nt_framer *f, char **space);

/**
 * Account for n bytes written into the space from nt_framer_space().
 * @return NT_OK, NT_ENOMEM (the framer is then out of step), or NT_EINVAL
 *         when n exceeds the space given or no space is outstanding
 */
NT_API int nt_framer_commit(nt_framer *f, size_t n);

/**
 * Take the next whole message.
 *
 * A message longer than the maximum is not stored: its bytes are dropped as
 * they arrive and, once its end has been seen (the line's terminator, or
 * the frame's declared length), nt_framer_next() returns NT_EFRAME once,
 * with *len set to the message's full length (for a line, without its
 * terminator) and *data to NULL.  The stream stays in step, so the caller
 * may go on reading or close the connection.
 *
 * A line loses its LF and, when one comes right before it, one CR; a CR
 * anywhere else is part of the line.  Empty lines and zero-length frames
 * are messages of length 0.
 *
 * @param data receives a pointer to the message (valid until the next call
 *        on this framer); lines are NUL-terminated for convenience
 * @param len receives its length
 * @return 1 for a message, 0 when more bytes are needed, NT_EFRAME for an
 *         overlong message
 */
NT_API int nt_framer_next(nt_framer *f, const char **data, size_t *len);

/**
 * Bytes held that do not yet form a whole message (none while an overlong
 * message is being dropped).
 */
NT_API size_t nt_framer_pending(const nt_framer *f);

/**
 * Write a 4-byte big-endian length prefix for a payload of len bytes.
 * @param out receives the 4 bytes
 * @return NT_OK, or NT_EMSGSIZE when len does not fit in 32 bits
 */
NT_API int nt_frame_u32_header(size_t len, unsigned char out[4]);

#ifdef __cplusplus
}
#endif
#endif

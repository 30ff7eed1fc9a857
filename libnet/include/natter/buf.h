/* SPDX-License-Identifier: MIT */
/**
 * @file natter/buf.h
 * @brief Shared, reference-counted byte buffers.
 *
 * A message fanned out to many connections is formatted once into an nt_buf
 * and the same buffer is queued on every connection: each queue holds a
 * reference, nothing is copied.  A buffer is writable (append) only while
 * its creator holds the sole reference; once shared it is read-only.
 * Reference counting is atomic, so a buffer may be handed to another thread.
 */
#ifndef NATTER_BUF_H
#define NATTER_BUF_H

#include <natter/error.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Format checking for a function taking a printf format as parameter fmt
 * and its arguments from parameter args (0 for a va_list), in the C99
 * dialect libnatter's printf-like functions use on every platform; usable
 * on a program's own wrappers too.  GCC needs gnu_printf: plain printf
 * means msvcrt's older dialect when it targets Windows and would reject
 * %zu; clang knows only printf.
 */
#if defined(__clang__)
#define NT_PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#elif defined(__GNUC__)
#define NT_PRINTF_LIKE(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#else
#define NT_PRINTF_LIKE(fmt, args)
#endif

/** A reference-counted byte buffer. */
typedef struct nt_buf nt_buf;

/**
 * A new empty buffer with room for capacity bytes (it grows on append).
 * @return the buffer with one reference, or NULL when out of memory
 */
NT_API nt_buf *nt_buf_new(size_t capacity);

/**
 * A new buffer holding a copy of data (which may be NULL only when len is 0).
 * @return the buffer with one reference, or NULL when out of memory or
 *         data is NULL
 */
NT_API nt_buf *nt_buf_from(const void *data, size_t len);

/**
 * A new buffer holding printf-formatted text (no terminating NUL counted).
 * @return the buffer with one reference, or NULL (out of memory or a
 *         formatting error)
 */
NT_API nt_buf *nt_buf_printf(const char *fmt, ...) NT_PRINTF_LIKE(1, 2);

/**
 * Append bytes.  Only allowed while the caller holds the sole reference.
 * @return NT_OK, NT_ENOMEM, or NT_EINVAL when the buffer is shared (or b
 *         is NULL, or data is NULL with len > 0)
 */
NT_API int nt_buf_append(nt_buf *b, const void *data, size_t len);

/**
 * Append printf-formatted text.  Only while the caller holds the sole
 * reference.
 * @return NT_OK, NT_ENOMEM, or NT_EINVAL (shared buffer, format error)
 */
NT_API int nt_buf_appendf(nt_buf *b, const char *fmt, ...) NT_PRINTF_LIKE(2, 3);

/** nt_buf_appendf() with a va_list. */
NT_API int nt_buf_vappendf(nt_buf *b, const char *fmt, va_list ap) NT_PRINTF_LIKE(2, 0);

/** Take another reference; returns b.  NULL is accepted and returned. */
NT_API nt_buf *nt_buf_ref(nt_buf *b);

/** Drop a reference; the last one frees the buffer.  NULL is accepted. */
NT_API void nt_buf_unref(nt_buf *b);

/** The buffer's bytes (not NUL-terminated in general); NULL for NULL. */
NT_API const char *nt_buf_data(const nt_buf *b);

/** The number of bytes in the buffer; 0 for NULL. */
NT_API size_t nt_buf_len(const nt_buf *b);

#ifdef __cplusplus
}
#endif
#endif

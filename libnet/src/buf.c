/* SPDX-License-Identifier: MIT */
#include "buf-internal.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Smallest heap block once a buffer outgrows its inline storage, so that
 * appending a byte at a time does not reallocate on every call. */
#define BUF_MIN_GROWTH 64

/* Room nt_buf_printf() guesses beyond the format's own length before it
 * knows the result; a miss costs one more vsnprintf, not a copy. */
#define BUF_PRINTF_SLACK 64

struct nt_buf {
    atomic_size_t refs;
    size_t len;
    size_t cap;
    /* storage[] until the first growth, then a heap block: the header
     * cannot move, because every holder keeps a pointer to it. */
    char *data;
    char storage[];
};

static atomic_uint_least64_t buf_created;

/* A buffer with cap bytes of inline storage, not yet counted as created. */
static nt_buf *buf_alloc(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(nt_buf))
        return NULL;
    nt_buf *b = malloc(sizeof(nt_buf) + cap);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->len = 0;
    b->cap = cap;
    b->data = b->storage;
    return b;
}

static nt_buf *buf_count(nt_buf *b)
{
    atomic_fetch_add_explicit(&buf_created, 1, memory_order_relaxed);
    return b;
}

static void buf_free(nt_buf *b)
{
    if (b->data != b->storage)
        free(b->data);
    free(b);
}

/* Writable means nobody else can be reading: the caller's reference is
 * the only one.  Acquire pairs with the release in nt_buf_unref() so a
 * reader that just let go has finished with the bytes. */
static int buf_writable(const nt_buf *b)
{
    return atomic_load_explicit(&b->refs, memory_order_acquire) == 1;
}

/* Make room for at least extra more bytes, doubling so that a run of
 * appends costs amortised O(1) per byte. */
static int buf_reserve(nt_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return NT_OK;
    if (extra > SIZE_MAX - b->len)
        return NT_ENOMEM;
    size_t need = b->len + extra;
    size_t cap = b->cap < BUF_MIN_GROWTH ? BUF_MIN_GROWTH : b->cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *data;
    if (b->data == b->storage) {
        data = malloc(cap);
        if (!data)
            return NT_ENOMEM;
        if (b->len > 0)
            memcpy(data, b->data, b->len);
    } else {
        data = realloc(b->data, cap);
        if (!data)
            return NT_ENOMEM;
    }
    b->data = data;
    b->cap = cap;
    return NT_OK;
}

nt_buf *nt_buf_new(size_t capacity)
{
    nt_buf *b = buf_alloc(capacity);
    return b ? buf_count(b) : NULL;
}

nt_buf *nt_buf_from(const void *data, size_t len)
{
    if (!data && len > 0)
        return NULL;
    nt_buf *b = buf_alloc(len);
    if (!b)
        return NULL;
    if (len > 0)
        memcpy(b->data, data, len);
    b->len = len;
    return buf_count(b);
}

nt_buf *nt_buf_printf(const char *fmt, ...)
{
    if (!fmt)
        return NULL;
    size_t fmt_len = strlen(fmt);
    size_t guess = fmt_len > SIZE_MAX - BUF_PRINTF_SLACK ? fmt_len : fmt_len + BUF_PRINTF_SLACK;
    nt_buf *b = buf_alloc(guess);
    if (!b)
        return NULL;

    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data, b->cap, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf_free(b);
        return NULL;
    }
    if ((size_t)n >= b->cap) {
        /* A fresh, exactly sized block keeps the text inline rather than
         * leaving the first guess behind as dead header storage. */
        buf_free(b);
        b = buf_alloc((size_t)n + 1);
        if (!b)
            return NULL;
        va_start(ap, fmt);
        int again = vsnprintf(b->data, b->cap, fmt, ap);
        va_end(ap);
        if (again != n) {
            buf_free(b);
            return NULL;
        }
    }
    b->len = (size_t)n;
    return buf_count(b);
}

int nt_buf_append(nt_buf *b, const void *data, size_t len)
{
    if (!b || (!data && len > 0))
        return NT_EINVAL;
    if (!buf_writable(b))
        return NT_EINVAL;
    if (len == 0)
        return NT_OK;
    int rc = buf_reserve(b, len);
    if (rc != NT_OK)
        return rc;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return NT_OK;
}

int nt_buf_vappendf(nt_buf *b, const char *fmt, va_list ap)
{
    if (!b || !fmt)
        return NT_EINVAL;
    if (!buf_writable(b))
        return NT_EINVAL;

    /* First try into whatever room is left; only a miss formats again. */
    va_list first;
    va_copy(first, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, first);
    va_end(first);
    if (n < 0)
        return NT_EINVAL;
    if ((size_t)n < room) {
        b->len += (size_t)n;
        return NT_OK;
    }
    /* vsnprintf always writes a terminating NUL, so it needs one byte
     * beyond the text even though len will not count it. */
    if ((size_t)n == SIZE_MAX)
        return NT_ENOMEM;
    int rc = buf_reserve(b, (size_t)n + 1);
    if (rc != NT_OK)
        return rc;
    int again = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (again != n)
        return NT_EINVAL;
    b->len += (size_t)n;
    return NT_OK;
}

int nt_buf_appendf(nt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = nt_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

nt_buf *nt_buf_ref(nt_buf *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void nt_buf_unref(nt_buf *b)
{
    if (!b)
        return;
    /* Release publishes this holder's last reads; the acquire fence makes
     * the freeing thread see every other holder's. */
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_release) == 1) {
        atomic_thread_fence(memory_order_acquire);
        buf_free(b);
    }
}

const char *nt_buf_data(const nt_buf *b)
{
    return b ? b->data : NULL;
}

size_t nt_buf_len(const nt_buf *b)
{
    return b ? b->len : 0;
}

uint64_t nt__buf_created_total(void)
{
    return atomic_load_explicit(&buf_created, memory_order_relaxed);
}

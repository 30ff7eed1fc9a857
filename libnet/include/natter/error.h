/* SPDX-License-Identifier: MIT */
/**
 * @file natter/error.h
 * @brief libnatter's one error model.
 *
 * Every libnatter call that can fail returns a negative NT_E* code (or, for
 * calls that return a count, a negative count).  The codes come from one
 * table, so a code, its name and its text never drift apart.  The OS error
 * (errno or WSAGetLastError) is translated once, in the platform layer.
 *
 * The founding rule: a peer that goes away looks the same on every platform.
 * An orderly close is NT_EOF; an abortive one (RST, WSAECONNRESET,
 * WSAECONNABORTED, ECONNRESET, EPIPE on send) is NT_ECONNRESET; and
 * nt_err_is_disconnect() is true for both, so one branch handles both.
 */
#ifndef NATTER_ERROR_H
#define NATTER_ERROR_H

#include <natter/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, text).  Values are stable ABI: append, never renumber. */
#define NT_ERROR_TABLE(X)                                      \
    X(OK, 0, "success")                                        \
    X(EOF, -1, "connection closed by peer")                    \
    X(ECONNRESET, -2, "connection reset by peer")              \
    X(EAGAIN, -3, "operation would block")                     \
    X(ETIMEDOUT, -4, "operation timed out")                    \
    X(ECONNREFUSED, -5, "connection refused")                  \
    X(EINPROGRESS, -6, "operation in progress")                \
    X(EISCONN, -7, "socket is already connected")              \
    X(ENOTCONN, -8, "socket is not connected")                 \
    X(EADDRINUSE, -9, "address already in use")                \
    X(EADDRNOTAVAIL, -10, "address not available")             \
    X(EAFNOSUPPORT, -11, "address family not supported")       \
    X(ENETUNREACH, -12, "network unreachable")                 \
    X(EHOSTUNREACH, -13, "host unreachable")                   \
    X(EACCES, -14, "permission denied")                        \
    X(EINVAL, -15, "invalid argument")                         \
    X(ENOMEM, -16, "out of memory")                            \
    X(EBADF, -17, "bad or closed socket handle")               \
    X(EMFILE, -18, "too many open files")                      \
    X(ENOBUFS, -19, "no buffer space available")               \
    X(EMSGSIZE, -20, "message too long")                       \
    X(ENOTSUP, -21, "operation not supported")                 \
    X(ENOENT, -22, "no such file or directory")                \
    X(ENONAME, -23, "host or service not known")               \
    X(ENAMETEMP, -24, "temporary failure in name resolution")  \
    X(EFRAME, -25, "frame or line exceeds the maximum length") \
    X(ESENDQ, -26, "output queue limit exceeded")              \
    X(ECANCELED, -27, "operation canceled")                    \
    X(ESHUTDOWN, -28, "socket has been shut down")             \
    X(ECLOSED, -29, "connection closed locally")               \
    X(ENETDOWN, -30, "network is down")                        \
    X(EPROTO, -31, "protocol error")                           \
    X(EBUSY, -32, "handles or tasks are still open")           \
    X(EUNSENT, -33, "closed before all output was sent")       \
    X(ETLS_HANDSHAKE, -34, "TLS handshake failed")             \
    X(ETLS_UNTRUSTED, -35, "certificate issuer is not trusted") \
    X(ETLS_HOSTNAME, -36, "certificate is for another host name") \
    X(ETLS_EXPIRED, -37, "certificate expired or not yet valid") \
    X(ETLS_SELFSIGNED, -38, "certificate is self-signed and not trusted") \
    X(ETLS_PLAINTEXT, -39, "peer does not speak TLS (plain text)") \
    X(ETLS_NOCERT, -40, "a client certificate is required and none was given") \
    X(ETLS_CONFIG, -41, "TLS certificate, key or settings unusable") \
    X(EUNKNOWN, -99, "unknown system error")

/** The error codes; every failure is one of these (all negative but NT_OK). */
enum nt_error {
#define NT__ERROR_ENUM(name, value, text) NT_##name = (value),
    NT_ERROR_TABLE(NT__ERROR_ENUM)
#undef NT__ERROR_ENUM
};

/**
 * Human-readable text for an error code.
 * @param code an NT_E* code (or any int; unknown values give a generic text)
 * @return a static string, never NULL
 */
NT_API const char *nt_strerror(int code);

/**
 * The symbolic name of an error code, such as "NT_ECONNRESET".
 * @param code an NT_E* code
 * @return a static string, never NULL ("NT_E?" for values not in the table)
 */
NT_API const char *nt_err_name(int code);

/**
 * Is this the peer going away, orderly or not?
 * True for NT_EOF and NT_ECONNRESET: the one branch that handles a closed
 * peer on both Linux (empty read) and Windows (WSAECONNRESET).
 * @param code an NT_E* code
 * @return 1 when the peer is gone, 0 otherwise
 */
NT_API int nt_err_is_disconnect(int code);

/**
 * The OS error code behind the most recent failing libnatter call in this
 * thread (errno on POSIX, WSAGetLastError() on Windows), for diagnostics.
 * @return the raw OS code, or 0 when the last failure had none
 */
NT_API int nt_last_os_error(void);

#ifdef __cplusplus
}
#endif
#endif

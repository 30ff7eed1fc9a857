/* SPDX-License-Identifier: MIT */
/**
 * @file natter/addr.h
 * @brief Socket addresses as plain values, their text form, and resolution.
 *
 * An nt_addr is a value (copy it freely) that holds an IPv4, IPv6 or UNIX
 * address.  Its text form is `host:port`, `[v6addr]:port` or `unix:/path`,
 * the same in parsing and printing.
 */
#ifndef NATTER_ADDR_H
#define NATTER_ADDR_H

#include <natter/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Address families, platform-independent values. */
typedef enum nt_family {
    NT_AF_UNSPEC = 0, /**< any family (resolution) or an empty address */
    NT_AF_INET = 1,   /**< IPv4 */
    NT_AF_INET6 = 2,  /**< IPv6 */
    NT_AF_UNIX = 3    /**< local (UNIX domain) sockets */
} nt_family;

/** Socket types. */
typedef enum nt_socktype {
    NT_SOCK_STREAM = 1, /**< TCP or a UNIX stream */
    NT_SOCK_DGRAM = 2   /**< UDP or a UNIX datagram socket */
} nt_socktype;

/** Longest UNIX socket path, terminator included (the smallest OS limit). */
#define NT_UNIX_PATH_MAX 104

/** Enough room for any address's text form, terminator included. */
#define NT_ADDRSTRLEN (NT_UNIX_PATH_MAX + 8)

/** A socket address.  Zero-initialised, it is the empty address. */
typedef struct nt_addr {
    nt_family family;  /**< the family; NT_AF_UNSPEC: empty */
    uint16_t port;     /**< port in host byte order (IP families) */
    uint32_t scope_id; /**< IPv6 scope (interface index), else 0 */
    union {
        uint8_t v4[4];               /**< IPv4, network order */
        uint8_t v6[16];              /**< IPv6, network order */
        char path[NT_UNIX_PATH_MAX]; /**< UNIX path, NUL-terminated */
    } u;
} nt_addr;

/**
 * Parse a numeric address: `1.2.3.4:80`, `[::1]:80`, `[fe80::1%2]:80` or
 * `unix:/path`.  No name lookup happens (see nt_getaddrinfo()).
 * @param text the address text
 * @param out receives the address
 * @return NT_OK, or NT_EINVAL for text that is not an address
 */
NT_API int nt_addr_parse(const char *text, nt_addr *out);

/**
 * Build an IP address from a numeric host and a port.
 * @param ip "1.2.3.4" or "::1" (no brackets, optional %scope)
 * @param port port in host byte order
 * @param out receives the address
 * @return NT_OK or NT_EINVAL
 */
NT_API int nt_addr_from_ip(const char *ip, uint16_t port, nt_addr *out);

/**
 * Build a UNIX socket address.
 * @param path the socket's file path
 * @param out receives the address
 * @return NT_OK, or NT_EINVAL when path is empty or too long
 */
NT_API int nt_addr_unix(const char *path, nt_addr *out);

/**
 * The wildcard ("any") address of a family, as a server binds to.
 * @param family NT_AF_INET or NT_AF_INET6
 * @param port port in host byte order (0: the OS picks)
 * @param out receives the address
 * @return NT_OK or NT_EAFNOSUPPORT
 */
NT_API int nt_addr_any(nt_family family, uint16_t port, nt_addr *out);

/**
 * The loopback address of a family (127.0.0.1 or ::1).
 * @param family NT_AF_INET or NT_AF_INET6
 * @param port port in host byte order
 * @param out receives the address
 * @return NT_OK or NT_EAFNOSUPPORT
 */
NT_API int nt_addr_loopback(nt_family family, uint16_t port, nt_addr *out);

/**
 * Print an address in its text form (the form nt_addr_parse() reads).
 * @param addr the address
 * @param buf receives the NUL-terminated text
 * @param len size of buf (NT_ADDRSTRLEN is always enough)
 * @return the text length, NT_EINVAL for a bad address, NT_ENOBUFS if short
 */
NT_API int nt_addr_format(const nt_addr *addr, char *buf, size_t len);

/**
 * Print only the host part of an IP address, as a host name field or a log
 * wants it: `1.2.3.4`, `::1`, `fe80::1%2` (IPv6 without brackets, the scope
 * kept); a UNIX address gives its path.
 * @param addr the address
 * @param buf receives the NUL-terminated text
 * @param len size of buf (NT_ADDRSTRLEN is always enough)
 * @return the text length, NT_EINVAL for a bad address, NT_ENOBUFS if short
 */
NT_API int nt_addr_format_host(const nt_addr *addr, char *buf, size_t len);

/**
 * Compare two addresses (family, address, port, scope).
 * @return 1 when equal, 0 otherwise
 */
NT_API int nt_addr_equal(const nt_addr *a, const nt_addr *b);

/**
 * Split `host:port`, `[v6]:port`, `host` or `[v6]` into host and port, as
 * command lines take them.  No lookup happens.
 * @param text the text to split
 * @param host receives the host, without brackets
 * @param hostlen size of host
 * @param port receives the port, or default_port when the text has none
 * @param default_port the port to use when none is given
 * @return NT_OK or NT_EINVAL
 */
NT_API int nt_addr_split(const char *text, char *host, size_t hostlen, uint16_t *port,
                         uint16_t default_port);

/**
 * Resolve a host name (or numeric host) with getaddrinfo, blocking the
 * calling thread until the answer comes (Python's socket.getaddrinfo).  On
 * a loop use nt_resolve_start() (natter/resolve.h) instead.
 * @param host name or numeric address; NULL for the wildcard address
 * @param port port in host byte order
 * @param family NT_AF_UNSPEC, NT_AF_INET or NT_AF_INET6
 * @param type NT_SOCK_STREAM or NT_SOCK_DGRAM
 * @param out array receiving up to max addresses, in the resolver's order
 * @param max capacity of out
 * @return the number of addresses stored (>= 1), or NT_ENONAME,
 *         NT_ENAMETEMP, NT_EINVAL, NT_ENOMEM
 */
NT_API int nt_getaddrinfo(const char *host, uint16_t port, nt_family family, nt_socktype type,
                          nt_addr *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif

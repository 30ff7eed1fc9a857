/* SPDX-License-Identifier: MIT */
/*
 * The PROXY protocol (HAProxy's v1 text and v2 binary headers) that a load
 * balancer sends before a client's own bytes, so that natterd behind it
 * sees the client's address; and the list of sources trusted to send one.
 * Pure functions over bytes and addresses, no sockets: the network layer
 * (net.c) reads the connection and asks these.
 */
#ifndef NATTERD_PROXY_H
#define NATTERD_PROXY_H

#include <natter/addr.h>

#include <stddef.h>

/** The longest v1 header, "\r\n" included (the protocol's own limit). */
#define SRV_PROXY_V1_MAX 107

/** The longest v2 header accepted, its 16 fixed bytes, addresses and
 *  TLVs together.  The protocol allows 64 KiB; balancers send tens of
 *  bytes of TLVs, and a header is held in memory until it is complete. */
#define SRV_PROXY_MAX_HEADER 2048

/** What srv_proxy_parse() found. */
typedef enum srv_proxy_status {
    SRV_PROXY_INVALID = -1,  /**< not a valid header: close the connection */
    SRV_PROXY_NEED_MORE = 0, /**< a valid beginning: read more */
    SRV_PROXY_DONE = 1       /**< a whole header (srv_proxy_result.length) */
} srv_proxy_status;

/** A parsed header. */
typedef struct srv_proxy_result {
    size_t length;       /**< DONE: the header's bytes; what follows is the client's */
    int version;         /**< DONE: 1 or 2 */
    int has_source;      /**< DONE: 1 when source is the client's address; 0 for
                              v1 UNKNOWN, v2 LOCAL and v2 families without an IP
                              address (keep the connection's own) */
    nt_addr source;      /**< the client (has_source), port included */
    nt_addr destination; /**< the address the client connected to (has_source) */
    const char *error;   /**< INVALID: why, a static English phrase */
} srv_proxy_result;

/**
 * Parse the beginning of a connection's input as a PROXY header, v1
 * ("PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n") or v2 (signature,
 * version and command LOCAL or PROXY, family and transport, length,
 * addresses; AF_INET and AF_INET6 over STREAM; TLVs checked for their
 * framing and skipped).  Input that cannot become a header is refused as
 * soon as that shows (a wrong first byte, signature, version, command or
 * length; a byte no v1 line holds), without waiting for more.
 * @param buf the bytes received so far (any bytes after the header too)
 * @param len how many
 * @param out receives the header (DONE) or the reason (INVALID)
 * @return SRV_PROXY_DONE, SRV_PROXY_NEED_MORE or SRV_PROXY_INVALID
 */
srv_proxy_status srv_proxy_parse(const unsigned char *buf, size_t len, srv_proxy_result *out);

/** The sources trusted to send PROXY headers (proxy_trusted). */
typedef struct srv_proxy_trusted srv_proxy_trusted;

/**
 * Parse proxy_trusted: addresses or ADDRESS/BITS networks, IPv4 or IPv6,
 * separated by commas and/or spaces ("10.0.0.0/8, 192.168.1.5, fd00::/8").
 * Bits past the prefix are ignored (10.1.2.3/8 is 10.0.0.0/8).
 * @param text the setting; NULL for the default, 127.0.0.1 and ::1
 * @param out receives the list (free with srv_proxy_trusted_free())
 * @param err receives the reason when the text is refused (may be NULL)
 * @param errsize size of err
 * @return NT_OK, NT_EINVAL (a bad or missing entry: err names it), NT_ENOMEM
 */
int srv_proxy_trusted_parse(const char *text, srv_proxy_trusted **out, char *err,
                            size_t errsize);

/**
 * Is addr inside one of the list's networks?  An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1, a dual-stack listener's IPv4 peer) matches IPv4
 * entries as its IPv4 address.  Other families never match.
 * @return 1 when trusted, 0 otherwise (also for a NULL list or address)
 */
int srv_proxy_trusted_match(const srv_proxy_trusted *list, const nt_addr *addr);

/**
 * srv_proxy_trusted_match() for an address in text ("192.0.2.1", "::1",
 * no port).
 * @return 1 when trusted, 0 otherwise (also for text that is not an address)
 */
int srv_proxy_trusted_match_text(const srv_proxy_trusted *list, const char *host);

/** Free a list from srv_proxy_trusted_parse().  NULL is accepted. */
void srv_proxy_trusted_free(srv_proxy_trusted *list);

#endif

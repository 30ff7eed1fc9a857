/* SPDX-License-Identifier: MIT */
/* The PROXY protocol's headers and the sources trusted to send them
 * (proxy.h), as HAProxy's specification (proxy-protocol.txt) describes
 * them.  Strict where the specification is: one space between v1 fields,
 * dotted-quad IPv4 without leading zeros, ports 0..65535 in plain decimal,
 * version 2 only, the two known commands.  A header is all that may come
 * before the client's own bytes, so anything else is refused, and a
 * refusal comes at the first byte that shows the input cannot be a header
 * where possible, not when the deadline ends the wait. */
#include "proxy.h"

#include <natter/error.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char v1_prefix[] = "PROXY ";
#define V1_PREFIX_LEN (sizeof v1_prefix - 1)

static const unsigned char v2_signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                               0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
/* Signature, version and command, family and transport, body length. */
#define V2_FIXED_LEN 16

enum { V2_CMD_LOCAL = 0x0, V2_CMD_PROXY = 0x1 };
enum { V2_AF_UNSPEC = 0x0, V2_AF_INET = 0x1, V2_AF_INET6 = 0x2, V2_AF_UNIX = 0x3 };
enum { V2_TRANSPORT_STREAM = 0x1 };
/* The address block of each family: source, destination (and ports). */
enum { V2_INET_LEN = 12, V2_INET6_LEN = 36, V2_UNIX_LEN = 216 };
/* A TLV: type (1 byte), value length (2, big-endian), value. */
#define V2_TLV_HEAD 3

/* The longest IPv6 text (with an embedded IPv4), and its terminator. */
#define IPV6_TEXT_MAX 46

static srv_proxy_status refuse(srv_proxy_result *out, const char *why)
{
    out->error = why;
    return SRV_PROXY_INVALID;
}

/* Do the len bytes received so far begin like prefix (as far as they go)? */
static int begins_like(const unsigned char *buf, size_t len, const void *prefix, size_t plen)
{
    return memcmp(buf, prefix, len < plen ? len : plen) == 0;
}

static int text_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Decimal digits, at most max_digits of them, no leading zero (except
 * "0" itself), a value up to max. */
static int parse_decimal(const char *s, size_t n, size_t max_digits, unsigned long max,
                         unsigned long *out)
{
    if (n == 0 || n > max_digits || (n > 1 && s[0] == '0'))
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* Dotted-quad IPv4 only: the system parsers on some platforms also take
 * "10.1", octal or hexadecimal parts, which no header carries. */
static int parse_ipv4(const char *s, size_t n, uint8_t out[4])
{
    size_t parts = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        unsigned long v;
        if (parts == 4 || parse_decimal(s + start, i - start, 3, 255, &v) < 0)
            return -1;
        out[parts++] = (uint8_t)v;
        start = i + 1;
    }
    return parts == 4 ? 0 : -1;
}

/* IPv6 text without a scope ("%eth0" names an interface of the sender). */
static int parse_ipv6(const char *s, size_t n, uint8_t out[16])
{
    char text[IPV6_TEXT_MAX];
    if (n == 0 || n >= sizeof text)
        return -1;
    memcpy(text, s, n);
    text[n] = '\0';
    nt_addr a;
    if (strspn(text, "0123456789abcdefABCDEF:.") != n || !strchr(text, ':') ||
        nt_addr_from_ip(text, 0, &a) != NT_OK || a.family != NT_AF_INET6)
        return -1;
    memcpy(out, a.u.v6, 16);
    return 0;
}

static void set_ip(nt_addr *a, nt_family family, const uint8_t *bytes, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->family = family;
    a->port = port;
    memcpy(family == NT_AF_INET ? a->u.v4 : a->u.v6, bytes, family == NT_AF_INET ? 4 : 16);
}

/* ---- v1: "PROXY TCP4 192.0.2.1 198.51.100.1 56324 6667\r\n" ---- */

/* One v1 address of the header's family. */
static int v1_address(nt_family family, const char *s, size_t n, uint16_t port, nt_addr *out)
{
    uint8_t bytes[16];
    int rc = family == NT_AF_INET ? parse_ipv4(s, n, bytes) : parse_ipv6(s, n, bytes);
    if (rc == 0)
        set_ip(out, family, bytes, port);
    return rc;
}

/* The line between "PROXY " and "\r\n", complete. */
static srv_proxy_status v1_fields(const char *line, size_t n, srv_proxy_result *out)
{
    /* The protocol word, then exactly four fields after single spaces. */
    const char *field[5];
    size_t flen[5], count = 0;
    const char *start = line;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && line[i] != ' ')
            continue;
        if (count == 0 && text_is(start, (size_t)(line + i - start), "UNKNOWN")) {
            /* The sender could not tell the addresses: whatever follows
             * up to the end of the line is to be ignored. */
            out->has_source = 0;
            return SRV_PROXY_DONE;
        }
        if (line + i == start)
            return refuse(out, "v1 header with an empty field (two spaces in a row)");
        if (count == 5)
            return refuse(out, "v1 header with more than six fields");
        field[count] = start;
        flen[count++] = (size_t)(line + i - start);
        start = line + i + 1;
    }
    nt_family family;
    if (text_is(field[0], flen[0], "TCP4"))
        family = NT_AF_INET;
    else if (text_is(field[0], flen[0], "TCP6"))
        family = NT_AF_INET6;
    else
        return refuse(out, "v1 header with a protocol other than TCP4, TCP6 or UNKNOWN");
    if (count != 5)
        return refuse(out, "v1 header without source, destination and both ports");
    unsigned long sport, dport;
    if (parse_decimal(field[3], flen[3], 5, 65535, &sport) < 0 ||
        parse_decimal(field[4], flen[4], 5, 65535, &dport) < 0)
        return refuse(out, "v1 header with a port that is not a number from 0 to 65535");
    if (v1_address(family, field[1], flen[1], (uint16_t)sport, &out->source) < 0 ||
        v1_address(family, field[2], flen[2], (uint16_t)dport, &out->destination) < 0)
        return refuse(out, family == NT_AF_INET ? "v1 TCP4 header with an address that is not IPv4"
                                                : "v1 TCP6 header with an address that is not IPv6");
    out->has_source = 1;
    return SRV_PROXY_DONE;
}

static srv_proxy_status parse_v1(const unsigned char *buf, size_t len, srv_proxy_result *out)
{
    out->version = 1;
    size_t limit = len < SRV_PROXY_V1_MAX ? len : SRV_PROXY_V1_MAX;
    for (size_t i = V1_PREFIX_LEN; i < limit; i++) {
        if (buf[i] == '\r') {
            if (i + 1 >= SRV_PROXY_V1_MAX)
                return refuse(out, "v1 header longer than 107 bytes");
            if (i + 1 == len)
                return SRV_PROXY_NEED_MORE;
            if (buf[i + 1] != '\n')
                return refuse(out, "v1 header with a CR not followed by LF");
            out->length = i + 2;
            return v1_fields((const char *)buf + V1_PREFIX_LEN, i - V1_PREFIX_LEN, out);
        }
        /* A line of printable ASCII: a NUL, a bare LF, a control or a
         * UTF-8 byte is no header's. */
        if (buf[i] < 0x20 || buf[i] > 0x7e)
            return refuse(out, "v1 header with a control or non-ASCII byte");
    }
    if (len >= SRV_PROXY_V1_MAX)
        return refuse(out, "v1 header longer than 107 bytes");
    return SRV_PROXY_NEED_MORE;
}

/* ---- v2: the signature, then binary fields ---- */

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The TLVs fill the rest of the header exactly: each is skipped, but one
 * that runs past the end means the sender and we disagree on the bytes. */
static srv_proxy_status v2_tlvs(const unsigned char *buf, size_t off, size_t total,
                                srv_proxy_result *out)
{
    while (off < total) {
        if (total - off < V2_TLV_HEAD || be16(buf + off + 1) > total - off - V2_TLV_HEAD)
            return refuse(out, "v2 header with a TLV that runs past its end");
        off += V2_TLV_HEAD + be16(buf + off + 1);
    }
    return SRV_PROXY_DONE;
}

/* Family and transport of a PROXY command, checked before its body has
 * arrived.  *addr_len receives the size of its address block. */
static srv_proxy_status v2_check_family(unsigned family, unsigned transport, size_t body,
                                        size_t *addr_len, srv_proxy_result *out)
{
    static const size_t lengths[] = {0, V2_INET_LEN, V2_INET6_LEN, V2_UNIX_LEN};
    if (family > V2_AF_UNIX)
        return refuse(out, "v2 header with an unknown address family");
    /* An unspecified family carries no addresses, whatever its transport. */
    if (family != V2_AF_UNSPEC && transport != V2_TRANSPORT_STREAM)
        return refuse(out, "v2 header for a transport other than a stream (TCP)");
    if (body < lengths[family])
        return refuse(out, "v2 header too short for its addresses");
    *addr_len = lengths[family];
    return SRV_PROXY_NEED_MORE;
}

static srv_proxy_status parse_v2(const unsigned char *buf, size_t len, srv_proxy_result *out)
{
    out->version = 2;
    if (len <= sizeof v2_signature)
        return SRV_PROXY_NEED_MORE;
    unsigned version = buf[12] >> 4, command = buf[12] & 0xFu;
    if (version != 2)
        return refuse(out, "v2 signature with a version other than 2");
    if (command != V2_CMD_LOCAL && command != V2_CMD_PROXY)
        return refuse(out, "v2 header with a command other than LOCAL or PROXY");
    if (len < V2_FIXED_LEN)
        return SRV_PROXY_NEED_MORE;
    size_t body = be16(buf + 14);
    size_t total = V2_FIXED_LEN + body;
    if (total > SRV_PROXY_MAX_HEADER)
        return refuse(out, "v2 header longer than natterd accepts (2048 bytes)");
    unsigned family = buf[13] >> 4, transport = buf[13] & 0xFu;
    size_t addr_len = 0;
    if (command == V2_CMD_PROXY &&
        v2_check_family(family, transport, body, &addr_len, out) == SRV_PROXY_INVALID)
        return SRV_PROXY_INVALID;
    if (len < total)
        return SRV_PROXY_NEED_MORE;
    out->length = total;
    if (command == V2_CMD_LOCAL) {
        /* The balancer's own connection (a health check): the addresses
         * and TLVs, if any, are to be ignored. */
        out->has_source = 0;
        return SRV_PROXY_DONE;
    }
    const unsigned char *a = buf + V2_FIXED_LEN;
    if (family == V2_AF_INET) {
        set_ip(&out->source, NT_AF_INET, a, be16(a + 8));
        set_ip(&out->destination, NT_AF_INET, a + 4, be16(a + 10));
    } else if (family == V2_AF_INET6) {
        set_ip(&out->source, NT_AF_INET6, a, be16(a + 32));
        set_ip(&out->destination, NT_AF_INET6, a + 16, be16(a + 34));
    }
    /* UNSPEC and UNIX: no IP address to show; the connection's own stays. */
    out->has_source = family == V2_AF_INET || family == V2_AF_INET6;
    return v2_tlvs(buf, V2_FIXED_LEN + addr_len, total, out);
}

srv_proxy_status srv_proxy_parse(const unsigned char *buf, size_t len, srv_proxy_result *out)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return SRV_PROXY_NEED_MORE;
    if (!buf)
        return refuse(out, "no input");
    if (buf[0] == (unsigned char)v1_prefix[0]) {
        if (!begins_like(buf, len, v1_prefix, V1_PREFIX_LEN))
            return refuse(out, "not a PROXY header");
        return len < V1_PREFIX_LEN ? SRV_PROXY_NEED_MORE : parse_v1(buf, len, out);
    }
    if (buf[0] == v2_signature[0]) {
        if (!begins_like(buf, len, v2_signature, sizeof v2_signature))
            return refuse(out, "wrong v2 signature");
        return parse_v2(buf, len, out);
    }
    return refuse(out, "not a PROXY header");
}

/* ---- the trusted sources ---- */

typedef struct trusted_net {
    nt_family family;
    unsigned bits;
    uint8_t prefix[16]; /* the bits past `bits` are zero */
} trusted_net;

struct srv_proxy_trusted {
    size_t count;
    trusted_net nets[];
};

/* The default: the balancer runs on this machine. */
static const char default_trusted[] = "127.0.0.1, ::1";

static int is_separator(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

/* The next entry after *p: its start and length (0 at the end). */
static size_t next_entry(const char **p, const char **start)
{
    const char *s = *p;
    while (*s && is_separator(*s))
        s++;
    *start = s;
    while (*s && !is_separator(*s))
        s++;
    *p = s;
    return (size_t)(s - *start);
}

static int parse_network(const char *s, size_t n, trusted_net *out)
{
    const char *slash = memchr(s, '/', n);
    size_t addr_len = slash ? (size_t)(slash - s) : n;
    uint8_t bytes[16] = {0};
    unsigned max_bits;
    if (parse_ipv4(s, addr_len, bytes) == 0) {
        out->family = NT_AF_INET;
        max_bits = 32;
    } else if (parse_ipv6(s, addr_len, bytes) == 0) {
        out->family = NT_AF_INET6;
        max_bits = 128;
    } else {
        return -1;
    }
    unsigned long bits = max_bits;
    if (slash && parse_decimal(slash + 1, n - addr_len - 1, 3, max_bits, &bits) < 0)
        return -1;
    out->bits = (unsigned)bits;
    memset(out->prefix, 0, sizeof out->prefix);
    size_t whole = out->bits / 8;
    memcpy(out->prefix, bytes, whole);
    if (out->bits % 8)
        out->prefix[whole] = (uint8_t)(bytes[whole] & (0xFFu << (8 - out->bits % 8)));
    return 0;
}

int srv_proxy_trusted_parse(const char *text, srv_proxy_trusted **out, char *err,
                            size_t errsize)
{
    if (!out)
        return NT_EINVAL;
    *out = NULL;
    if (err && errsize)
        err[0] = '\0';
    if (!text)
        text = default_trusted;
    size_t count = 0;
    const char *p = text, *start;
    while (next_entry(&p, &start))
        count++;
    if (count == 0) {
        if (err)
            snprintf(err, errsize, "no address in the list");
        return NT_EINVAL;
    }
    srv_proxy_trusted *list = malloc(sizeof *list + count * sizeof list->nets[0]);
    if (!list)
        return NT_ENOMEM;
    list->count = count;
    p = text;
    for (size_t i = 0; i < count; i++) {
        size_t n = next_entry(&p, &start);
        if (parse_network(start, n, &list->nets[i]) < 0) {
            if (err)
                snprintf(err, errsize, "'%.*s' is not an IPv4 or IPv6 address or ADDRESS/BITS",
                         n > 64 ? 64 : (int)n, start);
            free(list);
            return NT_EINVAL;
        }
    }
    *out = list;
    return NT_OK;
}

static int in_network(const trusted_net *net, const uint8_t *bytes)
{
    size_t whole = net->bits / 8;
    if (memcmp(bytes, net->prefix, whole) != 0)
        return 0;
    if (net->bits % 8 == 0)
        return 1;
    unsigned mask = 0xFFu << (8 - net->bits % 8);
    return (bytes[whole] & mask) == net->prefix[whole];
}

int srv_proxy_trusted_match(const srv_proxy_trusted *list, const nt_addr *addr)
{
    static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (!list || !addr || (addr->family != NT_AF_INET && addr->family != NT_AF_INET6))
        return 0;
    int mapped = addr->family == NT_AF_INET6 && !memcmp(addr->u.v6, v4_mapped, sizeof v4_mapped);
    for (size_t i = 0; i < list->count; i++) {
        const trusted_net *net = &list->nets[i];
        if (net->family == addr->family &&
            in_network(net, addr->family == NT_AF_INET ? addr->u.v4 : addr->u.v6))
            return 1;
        if (mapped && net->family == NT_AF_INET && in_network(net, addr->u.v6 + 12))
            return 1;
    }
    return 0;
}

int srv_proxy_trusted_match_text(const srv_proxy_trusted *list, const char *host)
{
    nt_addr a;
    trusted_net one;
    if (!host || strchr(host, '/') || parse_network(host, strlen(host), &one) < 0)
        return 0;
    set_ip(&a, one.family, one.prefix, 0);
    return srv_proxy_trusted_match(list, &a);
}

void srv_proxy_trusted_free(srv_proxy_trusted *list)
{
    free(list);
}

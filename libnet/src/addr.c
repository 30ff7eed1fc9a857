/* SPDX-License-Identifier: MIT */
/* Address values: parsing, printing and name resolution. */
#include <natter/addr.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

static int parse_port(const char *text, uint16_t *port)
{
    char *end = NULL;
    /* Digits only: strtoul alone would take leading white space of any
     * kind, a sign, and wrap "-1" around to a huge value. */
    if (!text || *text < '0' || *text > '9')
        return NT_EINVAL;
    unsigned long v = strtoul(text, &end, 10);
    if (*end != '\0' || v > 65535)
        return NT_EINVAL;
    *port = (uint16_t)v;
    return NT_OK;
}

/* "fe80::1%3": the scope is an interface index, kept numeric so that
 * parsing never depends on the machine's interface names. */
static int parse_v6(const char *text, nt_addr *out)
{
    char host[64];
    const char *pct = strchr(text, '%');
    size_t hlen = pct ? (size_t)(pct - text) : strlen(text);
    if (hlen == 0 || hlen >= sizeof host)
        return NT_EINVAL;
    memcpy(host, text, hlen);
    host[hlen] = '\0';
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) != 1)
        return NT_EINVAL;
    uint32_t scope = 0;
    if (pct) {
        char *end = NULL;
        if (!pct[1] || pct[1] < '0' || pct[1] > '9')
            return NT_EINVAL;
        unsigned long v = strtoul(pct + 1, &end, 10);
        if (*end != '\0' || v > 0xFFFFFFFFul)
            return NT_EINVAL;
        scope = (uint32_t)v;
    }
    out->family = NT_AF_INET6;
    out->scope_id = scope;
    memcpy(out->u.v6, &a6, 16);
    return NT_OK;
}

int nt_addr_from_ip(const char *ip, uint16_t port, nt_addr *out)
{
    if (!ip || !out)
        return NT_EINVAL;
    nt_addr a;
    memset(&a, 0, sizeof a);
    struct in_addr a4;
    if (strchr(ip, ':')) {
        if (parse_v6(ip, &a) != NT_OK)
            return NT_EINVAL;
    } else if (inet_pton(AF_INET, ip, &a4) == 1) {
        a.family = NT_AF_INET;
        memcpy(a.u.v4, &a4, 4);
    } else {
        return NT_EINVAL;
    }
    a.port = port;
    *out = a;
    return NT_OK;
}

int nt_addr_unix(const char *path, nt_addr *out)
{
    if (!path || !out)
        return NT_EINVAL;
    size_t len = strlen(path);
    if (len == 0 || len >= NT_UNIX_PATH_MAX)
        return NT_EINVAL;
    memset(out, 0, sizeof *out);
    out->family = NT_AF_UNIX;
    memcpy(out->u.path, path, len + 1);
    return NT_OK;
}

int nt_addr_any(nt_family family, uint16_t port, nt_addr *out)
{
    if (!out)
        return NT_EINVAL;
    if (family != NT_AF_INET && family != NT_AF_INET6)
        return NT_EAFNOSUPPORT;
    memset(out, 0, sizeof *out);
    out->family = family;
    out->port = port;
    return NT_OK;
}

int nt_addr_loopback(nt_family family, uint16_t port, nt_addr *out)
{
    int rc = nt_addr_any(family, port, out);
    if (rc != NT_OK)
        return rc;
    if (family == NT_AF_INET) {
        out->u.v4[0] = 127;
        out->u.v4[3] = 1;
    } else {
        out->u.v6[15] = 1;
    }
    return NT_OK;
}

int nt_addr_split(const char *text, char *host, size_t hostlen, uint16_t *port,
                  uint16_t default_port)
{
    if (!text || !host || hostlen == 0 || !port)
        return NT_EINVAL;
    const char *h = text;
    size_t hl;
    const char *port_text = NULL;
    if (*text == '[') {
        const char *close = strchr(text, ']');
        if (!close)
            return NT_EINVAL;
        h = text + 1;
        hl = (size_t)(close - h);
        if (close[1] == ':')
            port_text = close + 2;
        else if (close[1] != '\0')
            return NT_EINVAL;
    } else {
        const char *colon = strchr(text, ':');
        if (colon && strchr(colon + 1, ':'))
            return NT_EINVAL; /* a bare IPv6 address needs brackets */
        hl = colon ? (size_t)(colon - text) : strlen(text);
        if (colon)
            port_text = colon + 1;
    }
    if (hl == 0 || hl >= hostlen)
        return NT_EINVAL;
    uint16_t p = default_port;
    if (port_text && parse_port(port_text, &p) != NT_OK)
        return NT_EINVAL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = p;
    return NT_OK;
}

int nt_addr_parse(const char *text, nt_addr *out)
{
    if (!text || !out)
        return NT_EINVAL;
    if (strncmp(text, "unix:", 5) == 0)
        return nt_addr_unix(text + 5, out);
    char host[64];
    uint16_t port = 0;
    /* A port is required: "1.2.3.4" alone is ambiguous for a server. */
    const char *last_colon = strrchr(text, ':');
    const char *close = strrchr(text, ']');
    if (!last_colon || (close && last_colon < close))
        return NT_EINVAL;
    if (nt_addr_split(text, host, sizeof host, &port, 0) != NT_OK)
        return NT_EINVAL;
    if (text[0] != '[' && strchr(host, ':'))
        return NT_EINVAL;
    if (text[0] == '[' && !strchr(host, ':'))
        return NT_EINVAL; /* brackets are for IPv6 only */
    return nt_addr_from_ip(host, port, out);
}

/* The host part of an IP address: "1.2.3.4", "::1", "fe80::1%2". */
static int format_ip_host(const nt_addr *addr, char *host, size_t len)
{
    char text[64];
    int n;
    if (addr->family == NT_AF_INET) {
        if (!inet_ntop(AF_INET, addr->u.v4, text, sizeof text))
            return NT_EINVAL;
        n = snprintf(host, len, "%s", text);
    } else {
        if (!inet_ntop(AF_INET6, addr->u.v6, text, sizeof text))
            return NT_EINVAL;
        if (addr->scope_id)
            n = snprintf(host, len, "%s%%%lu", text, (unsigned long)addr->scope_id);
        else
            n = snprintf(host, len, "%s", text);
    }
    if (n < 0)
        return NT_EINVAL;
    return (size_t)n >= len ? NT_ENOBUFS : n;
}

/* snprintf's result as this module returns lengths. */
static int checked_length(int n, size_t len)
{
    if (n < 0)
        return NT_EINVAL;
    return (size_t)n >= len ? NT_ENOBUFS : n;
}

int nt_addr_format(const nt_addr *addr, char *buf, size_t len)
{
    if (!addr || !buf || len == 0)
        return NT_EINVAL;
    char host[80];
    int rc;
    switch (addr->family) {
    case NT_AF_INET:
    case NT_AF_INET6:
        if ((rc = format_ip_host(addr, host, sizeof host)) < 0)
            return rc;
        return checked_length(snprintf(buf, len, addr->family == NT_AF_INET6 ? "[%s]:%u" : "%s:%u",
                                       host, (unsigned)addr->port),
                              len);
    case NT_AF_UNIX:
        return checked_length(
            snprintf(buf, len, "unix:%.*s", (int)sizeof addr->u.path, addr->u.path), len);
    default:
        return NT_EINVAL;
    }
}

int nt_addr_format_host(const nt_addr *addr, char *buf, size_t len)
{
    if (!addr || !buf || len == 0)
        return NT_EINVAL;
    switch (addr->family) {
    case NT_AF_INET:
    case NT_AF_INET6:
        return format_ip_host(addr, buf, len);
    case NT_AF_UNIX:
        return checked_length(snprintf(buf, len, "%.*s", (int)sizeof addr->u.path, addr->u.path),
                              len);
    default:
        return NT_EINVAL;
    }
}

int nt_addr_equal(const nt_addr *a, const nt_addr *b)
{
    if (!a || !b || a->family != b->family)
        return 0;
    switch (a->family) {
    case NT_AF_INET:
        return a->port == b->port && memcmp(a->u.v4, b->u.v4, 4) == 0;
    case NT_AF_INET6:
        return a->port == b->port && a->scope_id == b->scope_id &&
               memcmp(a->u.v6, b->u.v6, 16) == 0;
    case NT_AF_UNIX:
        return strncmp(a->u.path, b->u.path, sizeof a->u.path) == 0;
    default:
        return 1;
    }
}

int nt_getaddrinfo(const char *host, uint16_t port, nt_family family, nt_socktype type,
                   nt_addr *out, size_t max)
{
    if (!out || max == 0)
        return NT_EINVAL;
    int os_family = nt__family_to_os(family);
    if (os_family < 0 || family == NT_AF_UNIX)
        return NT_EAFNOSUPPORT;
    int rc = nt__sys_init();
    if (rc != NT_OK)
        return rc;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = os_family;
    hints.ai_socktype = type == NT_SOCK_DGRAM    ? SOCK_DGRAM
                        : type == NT_SOCK_STREAM ? SOCK_STREAM
                                                 : 0;
    hints.ai_flags = host ? AI_ADDRCONFIG : AI_PASSIVE;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0 && (hints.ai_flags & AI_ADDRCONFIG)) {
        /* With no non-loopback address configured, AI_ADDRCONFIG hides
         * even "localhost": ask again without it. */
        hints.ai_flags = 0;
        gai = getaddrinfo(host, service, &hints, &res);
    }
    if (gai != 0)
        return nt__sys_gai_error(gai);
    size_t n = 0;
    for (struct addrinfo *ai = res; ai && n < max; ai = ai->ai_next) {
        nt_addr a;
        if (nt__addr_from_sockaddr(ai->ai_addr, (nt__socklen)ai->ai_addrlen, &a) != NT_OK)
            continue;
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            dup |= nt_addr_equal(&out[i], &a);
        if (!dup)
            out[n++] = a;
    }
    freeaddrinfo(res);
    return n > 0 ? (int)n : NT_ENONAME;
}

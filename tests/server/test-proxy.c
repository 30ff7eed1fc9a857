/* SPDX-License-Identifier: MIT */
/* The PROXY protocol's parser and the trusted-source list (daemon/proxy.c):
 * v1 and v2 headers for IPv4 and IPv6, LOCAL and UNKNOWN, input that comes
 * a byte at a time, the client's bytes after a header, each way a header
 * can be wrong, and proxy_trusted's networks. */
#include "helpers.h"
#include "proxy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                            0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

static srv_proxy_status parse_text(const char *text, srv_proxy_result *r)
{
    return srv_proxy_parse((const unsigned char *)text, strlen(text), r);
}

static void check_host(const nt_addr *a, const char *want)
{
    char host[NT_ADDRSTRLEN];
    CU_ASSERT(nt_addr_format_host(a, host, sizeof host) > 0);
    CU_ASSERT_STRING_EQUAL(host, want);
}

/* A header that names the client: its version, addresses and ports. */
static void check_addresses(const srv_proxy_result *r, int version, nt_family family,
                            const char *source, uint16_t sport, const char *destination,
                            uint16_t dport)
{
    CU_ASSERT_EQUAL(r->version, version);
    CU_ASSERT(r->has_source);
    CU_ASSERT_PTR_NULL(r->error);
    CU_ASSERT_EQUAL(r->source.family, family);
    CU_ASSERT_EQUAL(r->destination.family, family);
    check_host(&r->source, source);
    CU_ASSERT_EQUAL(r->source.port, sport);
    check_host(&r->destination, destination);
    CU_ASSERT_EQUAL(r->destination.port, dport);
}

/* Every strict prefix of a whole header needs more; the whole is done. */
static void check_prefixes(const unsigned char *buf, size_t len)
{
    srv_proxy_result r;
    for (size_t n = 0; n < len; n++) {
        srv_proxy_status st = srv_proxy_parse(buf, n, &r);
        CU_ASSERT_EQUAL(st, SRV_PROXY_NEED_MORE);
        if (st != SRV_PROXY_NEED_MORE)
            printf("prefix of %zu bytes: %d (%s)\n", n, (int)st, r.error ? r.error : "");
    }
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, len, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, len);
}

static void refused(const char *text, const char *why_contains)
{
    srv_proxy_result r;
    srv_proxy_status st = parse_text(text, &r);
    CU_ASSERT_EQUAL(st, SRV_PROXY_INVALID);
    CU_ASSERT_PTR_NOT_NULL(r.error);
    if (st != SRV_PROXY_INVALID || !r.error || !strstr(r.error, why_contains)) {
        CU_FAIL("wrong verdict");
        printf("'%s': status %d, error '%s' (want '%s')\n", text, (int)st,
               r.error ? r.error : "(none)", why_contains);
    }
}

/* ---- v1 ---- */

static void test_v1_ipv4(void)
{
    const char *header = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 6667\r\n";
    char text[256];
    snprintf(text, sizeof text, "%sNICK alice\r\nUSER a 0 * :A\r\n", header);
    srv_proxy_result r;
    CU_ASSERT_EQUAL(parse_text(text, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, strlen(header));
    check_addresses(&r, 1, NT_AF_INET, "192.0.2.1", 56324, "198.51.100.7", 6667);
    /* The client's bytes start right after the header. */
    CU_ASSERT(!strncmp(text + r.length, "NICK alice\r\n", 12));
    check_prefixes((const unsigned char *)header, strlen(header));
    CU_ASSERT_EQUAL(parse_text("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", &r),
                    SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.source.port, 0);
    CU_ASSERT_EQUAL(r.destination.port, 65535);
}

static void test_v1_ipv6(void)
{
    const char *header = "PROXY TCP6 2001:db8::1 2001:db8::ff 40000 6697\r\n";
    srv_proxy_result r;
    CU_ASSERT_EQUAL(parse_text(header, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, strlen(header));
    check_addresses(&r, 1, NT_AF_INET6, "2001:db8::1", 40000, "2001:db8::ff", 6697);
    check_prefixes((const unsigned char *)header, strlen(header));
    /* An IPv4-mapped address is IPv6 text. */
    CU_ASSERT_EQUAL(parse_text("PROXY TCP6 ::ffff:192.0.2.9 ::1 1 2\r\n", &r), SRV_PROXY_DONE);
    check_host(&r.source, "::ffff:192.0.2.9");
}

static void test_v1_unknown(void)
{
    srv_proxy_result r;
    CU_ASSERT_EQUAL(parse_text("PROXY UNKNOWN\r\nPING x\r\n", &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, 15);
    CU_ASSERT_EQUAL(r.version, 1);
    CU_ASSERT(!r.has_source);
    /* Whatever follows UNKNOWN on its line is ignored. */
    const char *junk = "PROXY UNKNOWN ffff:f::1 whatever 1 2\r\n";
    CU_ASSERT_EQUAL(parse_text(junk, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, strlen(junk));
    CU_ASSERT(!r.has_source);
    check_prefixes((const unsigned char *)junk, strlen(junk));
}

static void test_v1_length_limit(void)
{
    /* The longest real header is well within the limit. */
    const char *longest = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    srv_proxy_result r;
    CU_ASSERT_EQUAL(parse_text(longest, &r), SRV_PROXY_DONE);
    CU_ASSERT(r.length <= SRV_PROXY_V1_MAX);
    /* 107 bytes with the CRLF: accepted; 108: refused. */
    char line[256];
    memset(line, 'x', sizeof line);
    memcpy(line, "PROXY UNKNOWN ", 14);
    memcpy(line + 105, "\r\n", 3);
    CU_ASSERT_EQUAL(parse_text(line, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, 107);
    memset(line, 'x', sizeof line);
    memcpy(line, "PROXY UNKNOWN ", 14);
    memcpy(line + 106, "\r\n", 3);
    refused(line, "longer than 107");
    /* Its CR as the 107th byte: the LF would be the 108th. */
    line[107] = '\0';
    refused(line, "longer than 107");
    /* 107 bytes and no end in sight: refused without waiting for more. */
    memset(line, 'x', sizeof line);
    memcpy(line, "PROXY UNKNOWN ", 14);
    line[SRV_PROXY_V1_MAX] = '\0';
    refused(line, "longer than 107");
    line[SRV_PROXY_V1_MAX - 1] = '\0';
    CU_ASSERT_EQUAL(parse_text(line, &r), SRV_PROXY_NEED_MORE);
}

static void test_v1_malformed(void)
{
    refused("NICK alice\r\n", "not a PROXY header");
    refused("N", "not a PROXY header");
    refused("GET / HTTP/1.1\r\n", "not a PROXY header");
    refused("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "not a PROXY header");
    refused("PROXYTCP4", "not a PROXY header");
    refused("PROX\r\n", "not a PROXY header");
    refused("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "protocol other than");
    refused("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", "protocol other than");
    refused("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "empty field");
    refused("PROXY UNKNOWNX\r\n", "protocol other than");
    refused("PROXY \r\n", "empty field");
    refused("PROXY TCP4\r\n", "without source");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "without source");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "more than six");
    refused("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "empty field");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "empty field");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8  2\r\n", "empty field");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n", "empty field");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", "port");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "port");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "port");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1x 2\r\n", "port");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n", "port");
    refused("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "not IPv4");
    refused("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", "not IPv4");
    refused("PROXY TCP4 256.2.3.4 5.6.7.8 1 2\r\n", "not IPv4");
    refused("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", "not IPv4");
    refused("PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n", "not IPv4");
    refused("PROXY TCP4 1.2.3.4 ::1 1 2\r\n", "not IPv4");
    refused("PROXY TCP4 ::1 1.2.3.4 1 2\r\n", "not IPv4");
    refused("PROXY TCP4 localhost 1.2.3.4 1 2\r\n", "not IPv4");
    refused("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "not IPv6");
    refused("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "not IPv6");
    refused("PROXY TCP6 2001:db8:::1 ::1 1 2\r\n", "not IPv6");
    refused("PROXY TCP6 [::1] ::1 1 2\r\n", "not IPv6");
    refused("PROXY TCP6 ::1 ::g 1 2\r\n", "not IPv6");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", "CR not followed by LF");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "control");
    refused("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", "control");
    refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 \xc3\xa9\r\n", "non-ASCII");
    /* A NUL inside the line (strlen would stop at it). */
    srv_proxy_result r;
    const unsigned char nul[] = "PROXY TCP4 1.2.3.4\0";
    CU_ASSERT_EQUAL(srv_proxy_parse(nul, sizeof nul - 1, &r), SRV_PROXY_INVALID);
    /* A bad byte is refused when it arrives, not at the end of the line. */
    CU_ASSERT_EQUAL(parse_text("PROXY TCP4 1.2", &r), SRV_PROXY_NEED_MORE);
    refused("PROXY TCP4 1.2\x01", "control");
    CU_ASSERT_EQUAL(parse_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r", &r), SRV_PROXY_NEED_MORE);
}

/* ---- v2 ---- */

/* A v2 header: signature, version 2 with command, family/transport, the
 * body's length and the body.  @return its length */
static size_t v2(unsigned char *out, unsigned command, unsigned family_transport,
                 const unsigned char *body, size_t body_len)
{
    memcpy(out, signature, 12);
    out[12] = (unsigned char)(0x20 | command);
    out[13] = (unsigned char)family_transport;
    out[14] = (unsigned char)(body_len >> 8);
    out[15] = (unsigned char)body_len;
    if (body_len)
        memcpy(out + 16, body, body_len);
    return 16 + body_len;
}

static const unsigned char inet_body[12] = {192, 0, 2, 1, 198, 51, 100, 7, 0xDC, 0x04, 0x1A, 0x0B};

static void test_v2_ipv4(void)
{
    unsigned char buf[256];
    size_t n = v2(buf, 0x1, 0x11, inet_body, sizeof inet_body);
    memcpy(buf + n, "NICK alice\r\n", 12);
    srv_proxy_result r;
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n + 12, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, 28);
    check_addresses(&r, 2, NT_AF_INET, "192.0.2.1", 56324, "198.51.100.7", 6667);
    check_prefixes(buf, n);
}

static void test_v2_ipv6(void)
{
    unsigned char body[36] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01, [16] = 0x20, [17] = 0x01,
                              [18] = 0x0d, [19] = 0xb8, [31] = 0xff, [32] = 0x9C, [33] = 0x40,
                              [34] = 0x1A, [35] = 0x2B};
    unsigned char buf[256];
    size_t n = v2(buf, 0x1, 0x21, body, sizeof body);
    srv_proxy_result r;
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, 52);
    check_addresses(&r, 2, NT_AF_INET6, "2001:db8::1", 40000, "2001:db8::ff", 6699);
    check_prefixes(buf, n);
}

static void test_v2_local_and_unspec(void)
{
    unsigned char buf[512];
    srv_proxy_result r;
    /* LOCAL: the balancer's own connection; any addresses are ignored. */
    size_t n = v2(buf, 0x0, 0x00, NULL, 0);
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, 16);
    CU_ASSERT(!r.has_source);
    n = v2(buf, 0x0, 0x11, inet_body, sizeof inet_body);
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, 28);
    CU_ASSERT(!r.has_source);
    /* ... even a family or a length PROXY would refuse. */
    n = v2(buf, 0x0, 0xF2, inet_body, 3);
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_DONE);
    CU_ASSERT(!r.has_source);
    check_prefixes(buf, n);
    /* PROXY for an unspecified family: no address to take. */
    n = v2(buf, 0x1, 0x00, NULL, 0);
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_DONE);
    CU_ASSERT(!r.has_source);
    /* PROXY for a UNIX socket: paths, not an address a client has. */
    unsigned char unix_body[216] = {'/', 't', 'm', 'p'};
    n = v2(buf, 0x1, 0x31, unix_body, sizeof unix_body);
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, 16 + 216);
    CU_ASSERT(!r.has_source);
}

static void test_v2_tlvs(void)
{
    /* Addresses, then an ALPN TLV, an authority TLV and a NOOP padding. */
    unsigned char body[64];
    memcpy(body, inet_body, 12);
    const unsigned char tlvs[] = {0x01, 0x00, 0x03, 'i', 'r', 'c',          /* ALPN */
                                  0x02, 0x00, 0x04, 'h', 'o', 's', 't',     /* authority */
                                  0x04, 0x00, 0x00,                         /* NOOP, empty */
                                  0xEA, 0x00, 0x02, 0x01, 'x'};             /* a vendor's */
    memcpy(body + 12, tlvs, sizeof tlvs);
    unsigned char buf[256];
    size_t n = v2(buf, 0x1, 0x11, body, 12 + sizeof tlvs);
    memcpy(buf + n, "PING :x\r\n", 9);
    srv_proxy_result r;
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n + 9, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, n);
    check_host(&r.source, "192.0.2.1");
    check_prefixes(buf, n);
    /* A TLV whose value runs past the header. */
    body[12 + 2] = 0x09;
    n = v2(buf, 0x1, 0x11, body, 12 + sizeof tlvs);
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_INVALID);
    CU_ASSERT(r.error && strstr(r.error, "TLV"));
    /* Two bytes left: not even a TLV's head. */
    n = v2(buf, 0x1, 0x11, body, 12 + 2);
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_INVALID);
    CU_ASSERT(r.error && strstr(r.error, "TLV"));
}

static void v2_refused(const unsigned char *buf, size_t n, const char *why_contains)
{
    srv_proxy_result r;
    srv_proxy_status st = srv_proxy_parse(buf, n, &r);
    CU_ASSERT_EQUAL(st, SRV_PROXY_INVALID);
    if (st != SRV_PROXY_INVALID || !r.error || !strstr(r.error, why_contains)) {
        CU_FAIL("wrong verdict");
        printf("v2 %zu bytes: status %d, error '%s' (want '%s')\n", n, (int)st,
               r.error ? r.error : "(none)", why_contains);
    }
}

static void test_v2_malformed(void)
{
    unsigned char buf[SRV_PROXY_MAX_HEADER + 64];
    size_t n;
    /* Each byte of the signature matters, and a wrong one is seen at once. */
    for (size_t i = 0; i < 12; i++) {
        n = v2(buf, 0x1, 0x11, inet_body, sizeof inet_body);
        buf[i] ^= 0x40;
        v2_refused(buf, n, i == 0 ? "not a PROXY header" : "signature");
        v2_refused(buf, i + 1, i == 0 ? "not a PROXY header" : "signature");
    }
    n = v2(buf, 0x1, 0x11, inet_body, sizeof inet_body);
    buf[12] = 0x11; /* version 1 in binary */
    v2_refused(buf, 13, "version");
    buf[12] = 0x31;
    v2_refused(buf, n, "version");
    buf[12] = 0x22; /* command 2 */
    v2_refused(buf, 13, "command");
    buf[12] = 0x2F;
    v2_refused(buf, n, "command");
    /* Families and transports. */
    n = v2(buf, 0x1, 0x41, inet_body, sizeof inet_body);
    v2_refused(buf, 16, "family");
    n = v2(buf, 0x1, 0x12, inet_body, sizeof inet_body); /* INET over DGRAM */
    v2_refused(buf, n, "transport");
    n = v2(buf, 0x1, 0x10, inet_body, sizeof inet_body); /* INET, transport unspecified */
    v2_refused(buf, n, "transport");
    n = v2(buf, 0x1, 0x22, inet_body, sizeof inet_body); /* INET6 over DGRAM */
    v2_refused(buf, n, "transport");
    /* Address blocks shorter than the family's, refused before the body. */
    n = v2(buf, 0x1, 0x11, inet_body, 11);
    v2_refused(buf, 16, "too short");
    n = v2(buf, 0x1, 0x21, inet_body, 12);
    v2_refused(buf, 16, "too short");
    unsigned char unix_body[215] = {0};
    n = v2(buf, 0x1, 0x31, unix_body, sizeof unix_body);
    v2_refused(buf, 16, "too short");
    /* Longer than natterd takes: refused on the length alone. */
    buf[14] = 0xFF;
    buf[15] = 0xFF;
    v2_refused(buf, 16, "longer");
    memset(buf + 16, 0, SRV_PROXY_MAX_HEADER);
    n = v2(buf, 0x1, 0x11, buf + 16, SRV_PROXY_MAX_HEADER - 16 + 1);
    v2_refused(buf, 16, "longer");
    /* Exactly the limit: fine (a NOOP TLV pads it). */
    unsigned char body[SRV_PROXY_MAX_HEADER];
    memset(body, 0, sizeof body);
    memcpy(body, inet_body, 12);
    size_t pad = SRV_PROXY_MAX_HEADER - 16 - 12 - 3;
    body[12] = 0x04;
    body[13] = (unsigned char)(pad >> 8);
    body[14] = (unsigned char)pad;
    n = v2(buf, 0x1, 0x11, body, SRV_PROXY_MAX_HEADER - 16);
    srv_proxy_result r;
    CU_ASSERT_EQUAL(srv_proxy_parse(buf, n, &r), SRV_PROXY_DONE);
    CU_ASSERT_EQUAL(r.length, SRV_PROXY_MAX_HEADER);
}

static void test_empty_input(void)
{
    srv_proxy_result r;
    CU_ASSERT_EQUAL(srv_proxy_parse(NULL, 0, &r), SRV_PROXY_NEED_MORE);
    CU_ASSERT_EQUAL(srv_proxy_parse((const unsigned char *)"", 0, &r), SRV_PROXY_NEED_MORE);
    CU_ASSERT_EQUAL(srv_proxy_parse(NULL, 5, &r), SRV_PROXY_INVALID);
    /* Any first byte other than 'P' or the v2 signature's is refused. */
    for (unsigned c = 0; c < 256; c++) {
        unsigned char b = (unsigned char)c;
        srv_proxy_status st = srv_proxy_parse(&b, 1, &r);
        CU_ASSERT_EQUAL(st, c == 'P' || c == 0x0D ? SRV_PROXY_NEED_MORE : SRV_PROXY_INVALID);
    }
}

/* ---- what the network layer relies on, over mangled headers ---- */

static uint32_t rng_state = 0x2545F491u;

static uint32_t rng(void)
{
    /* xorshift32: the same sequence on every run and platform */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Parse the first n bytes from a buffer of exactly n bytes, so that the
 * sanitizers see any read past the input. */
static srv_proxy_status parse_exact(const unsigned char *buf, size_t n, srv_proxy_result *r)
{
    unsigned char *copy = malloc(n ? n : 1);
    if (!copy)
        CU_FAIL_FATAL("out of memory");
    memcpy(copy, buf, n);
    srv_proxy_status st = srv_proxy_parse(copy, n, r);
    free(copy);
    return st;
}

/* Fed a byte at a time, as a socket may deliver it: once refused, always
 * refused; once done, done with the same header; "need more" only while
 * the header is longer than what was seen (net.c takes every byte seen
 * then out of the socket, so none of them may be the client's). */
static size_t outcomes[3]; /* by srv_proxy_status + 1 */

static void check_consistent(const unsigned char *buf, size_t len)
{
    srv_proxy_result whole;
    srv_proxy_status final = parse_exact(buf, len, &whole);
    outcomes[final + 1]++;
    int bad = 0;
    for (size_t n = 0; n <= len && !bad; n++) {
        srv_proxy_result r;
        srv_proxy_status st = parse_exact(buf, n, &r);
        if (st == SRV_PROXY_INVALID)
            bad = final != SRV_PROXY_INVALID || !r.error;
        else if (st == SRV_PROXY_DONE)
            bad = final != SRV_PROXY_DONE || r.length != whole.length || r.length > n ||
                  r.has_source != whole.has_source ||
                  (r.has_source && !nt_addr_equal(&r.source, &whole.source));
        else
            bad = final == SRV_PROXY_DONE && whole.length <= n;
        if (bad) {
            printf("%zu of %zu bytes: %d, whole: %d (length %zu)\n", n, len, (int)st, (int)final,
                   whole.length);
        }
    }
    CU_ASSERT(!bad);
    if (final == SRV_PROXY_DONE)
        CU_ASSERT(whole.length >= 15 && whole.length <= len && whole.length <= SRV_PROXY_MAX_HEADER);
}

static size_t sample_header(unsigned char *buf)
{
    static const unsigned char tlvs[] = {0x01, 0x00, 0x03, 'i', 'r', 'c', 0x04, 0x00, 0x00};
    unsigned char body[64];
    memcpy(body, inet_body, 12);
    memcpy(body + 12, tlvs, sizeof tlvs);
    static const char *const v1s[] = {
        "PROXY TCP4 192.0.2.1 198.51.100.7 56324 6667\r\n",
        "PROXY TCP6 2001:db8::1 ::ffff:192.0.2.1 1 65535\r\n",
        "PROXY UNKNOWN\r\n",
        "PROXY UNKNOWN 1 2 3 4\r\n",
    };
    size_t n;
    switch (rng() % 8) {
    case 0:
        n = v2(buf, 0x1, 0x11, body, 12 + sizeof tlvs);
        break;
    case 1:
        memset(body, 0x20, 36);
        n = v2(buf, 0x1, 0x21, body, 36);
        break;
    case 2:
        n = v2(buf, 0x0, 0x00, body, rng() % 20);
        break;
    case 3:
        n = v2(buf, 0x1, 0x00, NULL, 0);
        break;
    default: {
        const char *t = v1s[rng() % 4];
        n = strlen(t);
        memcpy(buf, t, n);
    }
    }
    return n;
}

static void test_mangled(void)
{
    unsigned char buf[512];
    for (int i = 0; i < 4000; i++) {
        size_t len = sample_header(buf);
        /* The client's first line after it, as a balancer's packet has. */
        memcpy(buf + len, "NICK x\r\n", 8);
        len += 8;
        switch (rng() % 4) {
        case 0: /* a few bytes changed */
            for (uint32_t k = 1 + rng() % 3; k; k--)
                buf[rng() % len] = (unsigned char)rng();
            break;
        case 1: /* a byte changed to a space, a digit, a colon, CR or LF */
            buf[rng() % len] = (unsigned char)" 0:\r\n9.Pf"[rng() % 10];
            break;
        case 2: /* a byte dropped */
            {
                size_t at = rng() % len;
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
            }
            break;
        default: /* random bytes after a real beginning */
            for (size_t k = rng() % len; k < len; k++)
                buf[k] = (unsigned char)rng();
        }
        check_consistent(buf, len);
    }
    /* Untouched headers, and pure noise. */
    for (int i = 0; i < 200; i++) {
        size_t len = sample_header(buf);
        check_consistent(buf, len);
        len = rng() % 200;
        for (size_t k = 0; k < len; k++)
            buf[k] = (unsigned char)rng();
        check_consistent(buf, len);
    }
    printf("(mangled: %zu whole headers, %zu refused, %zu incomplete) ",
           outcomes[SRV_PROXY_DONE + 1], outcomes[SRV_PROXY_INVALID + 1],
           outcomes[SRV_PROXY_NEED_MORE + 1]);
}

/* ---- proxy_trusted ---- */

static srv_proxy_trusted *trusted(const char *text)
{
    srv_proxy_trusted *list = NULL;
    char err[160];
    int rc = srv_proxy_trusted_parse(text, &list, err, sizeof err);
    CU_ASSERT_EQUAL(rc, NT_OK);
    if (rc != NT_OK)
        printf("'%s': %s\n", text ? text : "(default)", err);
    return list;
}

static int match(const srv_proxy_trusted *list, const char *host)
{
    return srv_proxy_trusted_match_text(list, host);
}

static void test_trusted_default(void)
{
    srv_proxy_trusted *list = trusted(NULL);
    CU_ASSERT(match(list, "127.0.0.1"));
    CU_ASSERT(match(list, "::1"));
    CU_ASSERT(match(list, "::ffff:127.0.0.1")); /* a dual-stack listener's IPv4 peer */
    CU_ASSERT(!match(list, "127.0.0.2"));
    CU_ASSERT(!match(list, "10.0.0.1"));
    CU_ASSERT(!match(list, "::2"));
    CU_ASSERT(!match(list, "::ffff:10.0.0.1"));
    nt_addr a;
    CU_ASSERT_EQUAL(nt_addr_from_ip("127.0.0.1", 6667, &a), NT_OK);
    CU_ASSERT(srv_proxy_trusted_match(list, &a)); /* the port does not matter */
    CU_ASSERT_EQUAL(nt_addr_unix("/tmp/natterd.sock", &a), NT_OK);
    CU_ASSERT(!srv_proxy_trusted_match(list, &a));
    CU_ASSERT(!srv_proxy_trusted_match(list, NULL));
    CU_ASSERT(!srv_proxy_trusted_match(NULL, &a));
    CU_ASSERT(!match(NULL, "127.0.0.1"));
    CU_ASSERT(!match(list, NULL));
    CU_ASSERT(!match(list, "localhost"));
    CU_ASSERT(!match(list, "127.0.0.1/32"));
    srv_proxy_trusted_free(list);
    srv_proxy_trusted_free(NULL);
}

static void test_trusted_networks(void)
{
    srv_proxy_trusted *list = trusted("10.0.0.0/8, 192.168.1.5 fd00::/8,,2001:db8:1::/48\t"
                                      "172.16.0.0/23");
    CU_ASSERT(match(list, "10.0.0.0"));
    CU_ASSERT(match(list, "10.255.1.2"));
    CU_ASSERT(!match(list, "11.0.0.1"));
    CU_ASSERT(!match(list, "9.255.255.255"));
    CU_ASSERT(match(list, "192.168.1.5"));
    CU_ASSERT(!match(list, "192.168.1.6"));
    CU_ASSERT(match(list, "fd12:3456::1"));
    CU_ASSERT(!match(list, "fe80::1"));
    CU_ASSERT(match(list, "2001:db8:1:ffff::9"));
    CU_ASSERT(!match(list, "2001:db8:2::9"));
    CU_ASSERT(match(list, "172.16.1.255")); /* a prefix that is not whole bytes */
    CU_ASSERT(!match(list, "172.16.2.0"));
    CU_ASSERT(match(list, "::ffff:10.1.2.3"));
    CU_ASSERT(!match(list, "127.0.0.1")); /* the default is replaced, not added to */
    srv_proxy_trusted_free(list);

    /* Host bits past the prefix are ignored; /0 is everything of a family. */
    list = trusted("10.1.2.3/8");
    CU_ASSERT(match(list, "10.9.9.9"));
    srv_proxy_trusted_free(list);
    list = trusted("0.0.0.0/0");
    CU_ASSERT(match(list, "203.0.113.77"));
    CU_ASSERT(!match(list, "2001:db8::1"));
    srv_proxy_trusted_free(list);
    list = trusted("::/0");
    CU_ASSERT(match(list, "2001:db8::1"));
    CU_ASSERT(!match(list, "203.0.113.77"));
    srv_proxy_trusted_free(list);
    list = trusted("2001:db8::7/128, 198.51.100.0/31");
    CU_ASSERT(match(list, "2001:db8::7"));
    CU_ASSERT(!match(list, "2001:db8::6"));
    CU_ASSERT(match(list, "198.51.100.1"));
    CU_ASSERT(!match(list, "198.51.100.2"));
    srv_proxy_trusted_free(list);
}

static void trusted_refused(const char *text, const char *err_contains)
{
    srv_proxy_trusted *list = (srv_proxy_trusted *)&list; /* must be reset */
    char err[160];
    CU_ASSERT_EQUAL(srv_proxy_trusted_parse(text, &list, err, sizeof err), NT_EINVAL);
    CU_ASSERT_PTR_NULL(list);
    if (!strstr(err, err_contains)) {
        CU_FAIL("wrong message");
        printf("'%s': '%s' (want '%s')\n", text, err, err_contains);
    }
}

static void test_trusted_malformed(void)
{
    trusted_refused("", "no address");
    trusted_refused(" , ,", "no address");
    trusted_refused("10.0.0.0/33", "'10.0.0.0/33'");
    trusted_refused("::/129", "'::/129'");
    trusted_refused("10.0.0.0/", "'10.0.0.0/'");
    trusted_refused("10.0.0.0/8/8", "'10.0.0.0/8/8'");
    trusted_refused("10.0.0.0/08", "'10.0.0.0/08'");
    trusted_refused("/8", "'/8'");
    trusted_refused("10.0.0", "'10.0.0'");
    trusted_refused("1.2.3.4.5", "'1.2.3.4.5'");
    trusted_refused("127.0.0.1, ab", "'ab'"); /* the bad one is named */
    trusted_refused("127.0.0.1 ::1 1:2:3:4:5:6:7:8:9", "'1:2:3:4:5:6:7:8:9'");
    trusted_refused("fe80::1%2", "'fe80::1%2'");
    trusted_refused("localhost", "'localhost'");
    /* No err buffer: still refused. */
    srv_proxy_trusted *list;
    CU_ASSERT_EQUAL(srv_proxy_trusted_parse("nope", &list, NULL, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(srv_proxy_trusted_parse("::1", NULL, NULL, 0), NT_EINVAL);
    /* A long entry is named shortened, within the buffer. */
    char longtext[300];
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    char err[100];
    CU_ASSERT_EQUAL(srv_proxy_trusted_parse(longtext, &list, err, sizeof err), NT_EINVAL);
    CU_ASSERT(strlen(err) < sizeof err);
}

static const CU_TestInfo tests[] = {
    {"v1 IPv4, the client's bytes after it", test_v1_ipv4},
    {"v1 IPv6", test_v1_ipv6},
    {"v1 UNKNOWN", test_v1_unknown},
    {"v1 length limit", test_v1_length_limit},
    {"v1 malformed", test_v1_malformed},
    {"v2 IPv4", test_v2_ipv4},
    {"v2 IPv6", test_v2_ipv6},
    {"v2 LOCAL, UNSPEC, UNIX", test_v2_local_and_unspec},
    {"v2 TLVs", test_v2_tlvs},
    {"v2 malformed", test_v2_malformed},
    {"empty input and first bytes", test_empty_input},
    {"mangled headers, a byte at a time", test_mangled},
    {"trusted: the default", test_trusted_default},
    {"trusted: networks", test_trusted_networks},
    {"trusted: malformed", test_trusted_malformed},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("proxy", tests);
}

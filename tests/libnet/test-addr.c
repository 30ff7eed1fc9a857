/* SPDX-License-Identifier: MIT */
/* Addresses as values: the text form parses and prints the same on every
 * platform, bad text is refused (never half-parsed), host:port splitting
 * for command lines, and blocking name resolution through the system resolver. */
#include "helpers.h"

#include <stdio.h>
#include <string.h>

static void check_round_trip(const char *text)
{
    nt_addr a, b;
    char buf[NT_ADDRSTRLEN];
    int rc = nt_addr_parse(text, &a);
    if (rc != NT_OK)
        printf("\n    parse \"%s\": %s\n", text, nt_err_name(rc));
    CU_ASSERT_EQUAL_FATAL(rc, NT_OK);
    int n = nt_addr_format(&a, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, (int)strlen(text));
    CU_ASSERT_STRING_EQUAL(buf, text);
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse(buf, &b), NT_OK);
    CU_ASSERT(nt_addr_equal(&a, &b));
}

static void test_parse_ipv4(void)
{
    nt_addr a;
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("1.2.3.4:80", &a), NT_OK);
    CU_ASSERT_EQUAL(a.family, NT_AF_INET);
    CU_ASSERT_EQUAL(a.port, 80);
    CU_ASSERT(a.u.v4[0] == 1 && a.u.v4[1] == 2 && a.u.v4[2] == 3 && a.u.v4[3] == 4);
    CU_ASSERT_EQUAL(a.scope_id, 0);
    check_round_trip("1.2.3.4:80");
    check_round_trip("0.0.0.0:0");
    check_round_trip("127.0.0.1:65535");
    check_round_trip("255.255.255.255:1");
}

static void test_parse_ipv6(void)
{
    nt_addr a;
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[::1]:6667", &a), NT_OK);
    CU_ASSERT_EQUAL(a.family, NT_AF_INET6);
    CU_ASSERT_EQUAL(a.port, 6667);
    CU_ASSERT_EQUAL(a.scope_id, 0);
    for (int i = 0; i < 15; i++)
        CU_ASSERT_EQUAL(a.u.v6[i], 0);
    CU_ASSERT_EQUAL(a.u.v6[15], 1);
    check_round_trip("[::1]:6667");
    check_round_trip("[::]:0");
    check_round_trip("[2001:db8::42]:443");

    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[fe80::1%2]:80", &a), NT_OK);
    CU_ASSERT_EQUAL(a.family, NT_AF_INET6);
    CU_ASSERT_EQUAL(a.scope_id, 2);
    CU_ASSERT_EQUAL(a.port, 80);
    CU_ASSERT(a.u.v6[0] == 0xfe && a.u.v6[1] == 0x80 && a.u.v6[15] == 1);
    check_round_trip("[fe80::1%2]:80");

    /* Printing is canonical (RFC 5952): parse a long form, print short. */
    char buf[NT_ADDRSTRLEN];
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[2001:DB8:0:0:0:0:0:42]:443", &a), NT_OK);
    CU_ASSERT(nt_addr_format(&a, buf, sizeof buf) > 0);
    CU_ASSERT_STRING_EQUAL(buf, "[2001:db8::42]:443");
}

static void test_parse_unix(void)
{
    nt_addr a;
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("unix:/tmp/x", &a), NT_OK);
    CU_ASSERT_EQUAL(a.family, NT_AF_UNIX);
    CU_ASSERT_STRING_EQUAL(a.u.path, "/tmp/x");
    check_round_trip("unix:/tmp/x");
    check_round_trip("unix:relative/sock");

    /* The longest path that fits, and one byte more. */
    char path[NT_UNIX_PATH_MAX + 1], text[NT_UNIX_PATH_MAX + 8];
    memset(path, 'p', sizeof path);
    path[0] = '/';
    path[NT_UNIX_PATH_MAX - 1] = '\0';
    snprintf(text, sizeof text, "unix:%s", path);
    check_round_trip(text);
    CU_ASSERT_EQUAL(nt_addr_unix(path, &a), NT_OK);
    path[NT_UNIX_PATH_MAX - 1] = 'p';
    path[NT_UNIX_PATH_MAX] = '\0';
    snprintf(text, sizeof text, "unix:%s", path);
    CU_ASSERT_EQUAL(nt_addr_parse(text, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_unix(path, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_unix("", &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_unix(NULL, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_unix("/tmp/x", NULL), NT_EINVAL);
}

static void test_parse_rejects(void)
{
    static const char *const bad[] = {
        "",                             /* empty */
        "1.2.3.4",                      /* no port */
        "1.2.3.4:",                     /* empty port */
        "1.2.3.4:65536",                /* port out of range */
        "1.2.3.4:99999999999999999999", /* port overflows strtoul */
        "1.2.3.4:-1",
        "1.2.3.4:+80",
        "1.2.3.4: 80",
        "1.2.3.4:\t80", /* strtoul would skip the tab */
        "1.2.3.4:80 ",
        "1.2.3.4:8o",
        "1.2.3.4:0x50",
        " 1.2.3.4:80",
        "1.2.3:80",
        "1.2.3.4.5:80",
        "256.1.1.1:80",
        "::1:80", /* bare IPv6 needs brackets */
        "::1",
        "fe80::1%2:80",
        "[::1]", /* no port */
        "[::1]:",
        "[::1]:65536",
        "[::1]80",
        "[::1:80",
        "::1]:80",
        "[]:80",
        "[1.2.3.4]:80",      /* brackets are for IPv6 */
        "[fe80::1%]:80",     /* empty scope */
        "[fe80::1%eth0]:80", /* scopes are numeric: no interface lookup */
        "[fe80::1%2x]:80",
        "[::g]:80",
        "localhost:80", /* names need nt_getaddrinfo() */
        "garbage",
        ":80",
        ":",
        "unix:",
        "tcp://1.2.3.4:80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nt_addr a;
        memset(&a, 0x5a, sizeof a);
        int rc = nt_addr_parse(bad[i], &a);
        if (rc != NT_EINVAL)
            printf("\n    \"%s\" parsed: %s\n", bad[i], nt_err_name(rc));
        CU_ASSERT_EQUAL(rc, NT_EINVAL);
    }
    nt_addr a;
    CU_ASSERT_EQUAL(nt_addr_parse(NULL, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_parse("1.2.3.4:80", NULL), NT_EINVAL);
}

static void test_format(void)
{
    nt_addr a;
    char buf[NT_ADDRSTRLEN];
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("10.0.0.1:8080", &a), NT_OK);
    /* Exactly enough room, then one byte short. */
    CU_ASSERT_EQUAL(nt_addr_format(&a, buf, 14), 13);
    CU_ASSERT_STRING_EQUAL(buf, "10.0.0.1:8080");
    CU_ASSERT_EQUAL(nt_addr_format(&a, buf, 13), NT_ENOBUFS);
    CU_ASSERT_EQUAL(nt_addr_format(&a, buf, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_format(&a, NULL, sizeof buf), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_format(NULL, buf, sizeof buf), NT_EINVAL);

    nt_addr empty;
    memset(&empty, 0, sizeof empty);
    CU_ASSERT_EQUAL(nt_addr_format(&empty, buf, sizeof buf), NT_EINVAL);
    empty.family = 77;
    CU_ASSERT_EQUAL(nt_addr_format(&empty, buf, sizeof buf), NT_EINVAL);

    /* NT_ADDRSTRLEN holds the longest IPv6 form with a scope. */
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe%4294967295]"
                                        ":65535",
                                        &a),
                          NT_OK);
    int n = nt_addr_format(&a, buf, sizeof buf);
    CU_ASSERT(n > 0 && n < NT_ADDRSTRLEN);
    CU_ASSERT_STRING_EQUAL(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe%4294967295]:65535");
}

static void check_format_host(const char *text, const char *want_host)
{
    nt_addr a;
    char buf[NT_ADDRSTRLEN];
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse(text, &a), NT_OK);
    CU_ASSERT_EQUAL(nt_addr_format_host(&a, buf, sizeof buf), (int)strlen(want_host));
    CU_ASSERT_STRING_EQUAL(buf, want_host);
}

/* The host alone, as a host name field or a log line wants it: no port,
 * no brackets, the IPv6 scope kept. */
static void test_format_host(void)
{
    check_format_host("10.0.0.1:8080", "10.0.0.1");
    check_format_host("[::1]:6667", "::1");
    check_format_host("[2001:DB8:0:0:0:0:0:42]:443", "2001:db8::42");
    check_format_host("[fe80::1%2]:80", "fe80::1%2");
    check_format_host("unix:/tmp/x", "/tmp/x");

    nt_addr a;
    char buf[NT_ADDRSTRLEN];
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("10.0.0.1:8080", &a), NT_OK);
    /* Exactly enough room, then one byte short. */
    CU_ASSERT_EQUAL(nt_addr_format_host(&a, buf, 9), 8);
    CU_ASSERT_STRING_EQUAL(buf, "10.0.0.1");
    CU_ASSERT_EQUAL(nt_addr_format_host(&a, buf, 8), NT_ENOBUFS);
    CU_ASSERT_EQUAL(nt_addr_format_host(&a, buf, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_format_host(&a, NULL, sizeof buf), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_format_host(NULL, buf, sizeof buf), NT_EINVAL);
    nt_addr empty;
    memset(&empty, 0, sizeof empty);
    CU_ASSERT_EQUAL(nt_addr_format_host(&empty, buf, sizeof buf), NT_EINVAL);
}

static void test_from_ip_any_loopback(void)
{
    nt_addr a, b;
    char buf[NT_ADDRSTRLEN];
    CU_ASSERT_EQUAL(nt_addr_from_ip("1.2.3.4", 80, &a), NT_OK);
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("1.2.3.4:80", &b), NT_OK);
    CU_ASSERT(nt_addr_equal(&a, &b));
    CU_ASSERT_EQUAL(nt_addr_from_ip("fe80::1%7", 9, &a), NT_OK);
    CU_ASSERT_EQUAL(a.family, NT_AF_INET6);
    CU_ASSERT_EQUAL(a.scope_id, 7);
    CU_ASSERT_EQUAL(a.port, 9);
    CU_ASSERT_EQUAL(nt_addr_from_ip("[::1]", 1, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_from_ip("1.2.3.4:80", 1, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_from_ip("localhost", 1, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_from_ip("", 1, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_from_ip(NULL, 1, &a), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_from_ip("1.2.3.4", 1, NULL), NT_EINVAL);

    CU_ASSERT_EQUAL(nt_addr_loopback(NT_AF_INET, 6667, &a), NT_OK);
    CU_ASSERT(nt_addr_format(&a, buf, sizeof buf) > 0);
    CU_ASSERT_STRING_EQUAL(buf, "127.0.0.1:6667");
    CU_ASSERT_EQUAL(nt_addr_loopback(NT_AF_INET6, 6667, &a), NT_OK);
    CU_ASSERT(nt_addr_format(&a, buf, sizeof buf) > 0);
    CU_ASSERT_STRING_EQUAL(buf, "[::1]:6667");
    CU_ASSERT_EQUAL(nt_addr_any(NT_AF_INET, 5, &a), NT_OK);
    CU_ASSERT(nt_addr_format(&a, buf, sizeof buf) > 0);
    CU_ASSERT_STRING_EQUAL(buf, "0.0.0.0:5");
    CU_ASSERT_EQUAL(nt_addr_any(NT_AF_INET6, 5, &a), NT_OK);
    CU_ASSERT(nt_addr_format(&a, buf, sizeof buf) > 0);
    CU_ASSERT_STRING_EQUAL(buf, "[::]:5");

    CU_ASSERT_EQUAL(nt_addr_any(NT_AF_UNIX, 0, &a), NT_EAFNOSUPPORT);
    CU_ASSERT_EQUAL(nt_addr_any(NT_AF_UNSPEC, 0, &a), NT_EAFNOSUPPORT);
    CU_ASSERT_EQUAL(nt_addr_loopback(NT_AF_UNIX, 0, &a), NT_EAFNOSUPPORT);
    CU_ASSERT_EQUAL(nt_addr_loopback(99, 0, &a), NT_EAFNOSUPPORT);
    CU_ASSERT_EQUAL(nt_addr_any(NT_AF_INET, 0, NULL), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_loopback(NT_AF_INET, 0, NULL), NT_EINVAL);
}

static void check_split(const char *text, const char *want_host, unsigned want_port)
{
    char host[64];
    uint16_t port = 1;
    int rc = nt_addr_split(text, host, sizeof host, &port, 6667);
    if (rc != NT_OK)
        printf("\n    split \"%s\": %s\n", text, nt_err_name(rc));
    CU_ASSERT_EQUAL_FATAL(rc, NT_OK);
    CU_ASSERT_STRING_EQUAL(host, want_host);
    CU_ASSERT_EQUAL(port, want_port);
}

static void test_split(void)
{
    check_split("irc.example.org:6697", "irc.example.org", 6697);
    check_split("irc.example.org", "irc.example.org", 6667);
    check_split("localhost:0", "localhost", 0);
    check_split("1.2.3.4:80", "1.2.3.4", 80);
    check_split("1.2.3.4", "1.2.3.4", 6667);
    check_split("[::1]:80", "::1", 80);
    check_split("[::1]", "::1", 6667);
    check_split("[fe80::1%eth0]:80", "fe80::1%eth0", 80);
    check_split("h:65535", "h", 65535);

    static const char *const bad[] = {
        "",       "::1",  "::1:80", "host:",  ":80", ":",     "host:65536", "host:-1",
        "host:x", "[::1", "[::1]x", "[::1]:", "[]",  "[]:80", "a:b:c",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char host[64];
        uint16_t port = 1;
        int rc = nt_addr_split(bad[i], host, sizeof host, &port, 6667);
        if (rc != NT_EINVAL)
            printf("\n    split \"%s\": %s\n", bad[i], nt_err_name(rc));
        CU_ASSERT_EQUAL(rc, NT_EINVAL);
        CU_ASSERT_EQUAL(port, 1); /* untouched on failure */
    }

    char host[8];
    uint16_t port;
    /* Host exactly filling the buffer, then one byte too long. */
    CU_ASSERT_EQUAL(nt_addr_split("1234567:1", host, sizeof host, &port, 0), NT_OK);
    CU_ASSERT_STRING_EQUAL(host, "1234567");
    CU_ASSERT_EQUAL(nt_addr_split("12345678:1", host, sizeof host, &port, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_split(NULL, host, sizeof host, &port, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_split("h:1", NULL, sizeof host, &port, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_split("h:1", host, 0, &port, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_addr_split("h:1", host, sizeof host, NULL, 0), NT_EINVAL);
}

static int is_loopback(const nt_addr *a)
{
    static const uint8_t v6_loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (a->family == NT_AF_INET)
        return a->u.v4[0] == 127;
    if (a->family == NT_AF_INET6)
        return memcmp(a->u.v6, v6_loop, 16) == 0;
    return 0;
}

static void test_getaddrinfo_localhost(void)
{
    nt_addr out[8];
    char buf[NT_ADDRSTRLEN];
    int n = nt_getaddrinfo("localhost", 6667, NT_AF_UNSPEC, NT_SOCK_STREAM, out, 8);
    if (n < 0)
        printf("\n    getaddrinfo localhost: %s\n", nt_err_name(n));
    CU_ASSERT_FATAL(n >= 1);
    for (int i = 0; i < n; i++) {
        CU_ASSERT(nt_addr_format(&out[i], buf, sizeof buf) > 0);
        if (!is_loopback(&out[i]))
            printf("\n    localhost gave %s\n", buf);
        CU_ASSERT(is_loopback(&out[i]));
        CU_ASSERT_EQUAL(out[i].port, 6667);
        for (int j = 0; j < i; j++) /* no duplicates */
            CU_ASSERT(!nt_addr_equal(&out[i], &out[j]));
    }

    n = nt_getaddrinfo("localhost", 1, NT_AF_INET, 0, out, 8);
    CU_ASSERT_FATAL(n >= 1);
    for (int i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(out[i].family, NT_AF_INET);
        CU_ASSERT(is_loopback(&out[i]));
    }
    /* A capacity of one stores one. */
    CU_ASSERT_EQUAL(nt_getaddrinfo("localhost", 1, NT_AF_UNSPEC, 0, out, 1), 1);
}

static void test_getaddrinfo_numeric_and_wildcard(void)
{
    nt_addr out[4], want;
    CU_ASSERT_EQUAL(nt_getaddrinfo("127.0.0.1", 80, NT_AF_UNSPEC, NT_SOCK_STREAM, out, 4), 1);
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("127.0.0.1:80", &want), NT_OK);
    CU_ASSERT(nt_addr_equal(&out[0], &want));

    CU_ASSERT_EQUAL(nt_getaddrinfo("::1", 80, NT_AF_INET6, NT_SOCK_DGRAM, out, 4), 1);
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[::1]:80", &want), NT_OK);
    CU_ASSERT(nt_addr_equal(&out[0], &want));

    /* NULL host: the wildcard address, as a server binds to. */
    CU_ASSERT_EQUAL(nt_getaddrinfo(NULL, 7, NT_AF_INET, NT_SOCK_STREAM, out, 4), 1);
    CU_ASSERT_EQUAL_FATAL(nt_addr_any(NT_AF_INET, 7, &want), NT_OK);
    CU_ASSERT(nt_addr_equal(&out[0], &want));

    /* An IPv4 literal asked for as IPv6 does not resolve. */
    int rc = nt_getaddrinfo("127.0.0.1", 80, NT_AF_INET6, 0, out, 4);
    CU_ASSERT(rc < 0);
}

static void test_getaddrinfo_errors(void)
{
    nt_addr out[4];
    /* .invalid is reserved (RFC 6761): it never resolves anywhere. */
    int rc =
        nt_getaddrinfo("no-such-host.natter.invalid", 80, NT_AF_UNSPEC, NT_SOCK_STREAM, out, 4);
    if (rc == NT_ENAMETEMP) {
        nt_test_skip("the resolver here cannot reach a DNS server "
                     "(NT_ENAMETEMP): NT_ENONAME not checked");
    } else {
        CU_ASSERT_EQUAL(rc, NT_ENONAME);
    }
    CU_ASSERT_EQUAL(nt_getaddrinfo("localhost", 80, NT_AF_UNSPEC, 0, NULL, 4), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_getaddrinfo("localhost", 80, NT_AF_UNSPEC, 0, out, 0), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_getaddrinfo("localhost", 80, NT_AF_UNIX, 0, out, 4), NT_EAFNOSUPPORT);
    CU_ASSERT_EQUAL(nt_getaddrinfo("localhost", 80, 99, 0, out, 4), NT_EAFNOSUPPORT);
}

static void test_equal(void)
{
    nt_addr a, b;
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("1.2.3.4:80", &a), NT_OK);
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("1.2.3.4:80", &b), NT_OK);
    CU_ASSERT(nt_addr_equal(&a, &b));
    CU_ASSERT(nt_addr_equal(&a, &a));
    b.port = 81;
    CU_ASSERT(!nt_addr_equal(&a, &b));
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("1.2.3.5:80", &b), NT_OK);
    CU_ASSERT(!nt_addr_equal(&a, &b));
    /* The same IPv4 address mapped into IPv6 is another address. */
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[::ffff:1.2.3.4]:80", &b), NT_OK);
    CU_ASSERT(!nt_addr_equal(&a, &b));

    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[fe80::1%2]:80", &a), NT_OK);
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[fe80::1%3]:80", &b), NT_OK);
    CU_ASSERT(!nt_addr_equal(&a, &b)); /* scope matters */
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("[fe80::1%2]:80", &b), NT_OK);
    CU_ASSERT(nt_addr_equal(&a, &b));

    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("unix:/tmp/a", &a), NT_OK);
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("unix:/tmp/a", &b), NT_OK);
    CU_ASSERT(nt_addr_equal(&a, &b));
    CU_ASSERT_EQUAL_FATAL(nt_addr_parse("unix:/tmp/b", &b), NT_OK);
    CU_ASSERT(!nt_addr_equal(&a, &b));

    CU_ASSERT(!nt_addr_equal(&a, NULL));
    CU_ASSERT(!nt_addr_equal(NULL, &a));
    CU_ASSERT(!nt_addr_equal(NULL, NULL));
}

static const CU_TestInfo tests[] = {
    {"parse and print IPv4", test_parse_ipv4},
    {"parse and print IPv6 with scope", test_parse_ipv6},
    {"parse and print unix:", test_parse_unix},
    {"parse rejects bad text", test_parse_rejects},
    {"format: buffer sizes and bad addresses", test_format},
    {"format_host: host only, no brackets, scope kept", test_format_host},
    {"from_ip, any, loopback", test_from_ip_any_loopback},
    {"split host and port", test_split},
    {"getaddrinfo: localhost gives loopback", test_getaddrinfo_localhost},
    {"getaddrinfo: numeric hosts and the wildcard", test_getaddrinfo_numeric_and_wildcard},
    {"getaddrinfo errors", test_getaddrinfo_errors},
    {"equal", test_equal},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("addr", tests);
}

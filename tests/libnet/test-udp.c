/* SPDX-License-Identifier: MIT */
/* UDP at the socket level: datagrams keep their boundaries and report
 * their sender; a client whose server is not there times out instead of
 * hanging or failing with a reset (Windows' SIO_UDP_CONNRESET is off);
 * long datagrams are truncated the same everywhere; broadcast and
 * multicast options.  The same file runs natively and under wine. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nt_socket *udp_socket(nt_family family)
{
    nt_socket *s = NULL;
    NT_TEST_RC(nt_socket_new(family, NT_SOCK_DGRAM, 0, &s), NT_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s;
}

/* A UDP socket bound to an OS-chosen loopback port; *addr gets its
 * address. */
static nt_socket *udp_bound(nt_family family, nt_addr *addr)
{
    nt_socket *s = udp_socket(family);
    nt_addr lo;
    CU_ASSERT_FATAL(nt_addr_loopback(family, 0, &lo) == NT_OK);
    NT_TEST_RC(nt_socket_bind(s, &lo), NT_OK);
    NT_TEST_RC(nt_socket_getsockname(s, addr), NT_OK);
    CU_ASSERT_FATAL(addr->port != 0);
    return s;
}

/* A loopback UDP port with nobody on it. */
static void closed_udp_port(nt_family family, nt_addr *out)
{
    nt_socket *s = udp_bound(family, out);
    nt_socket_close(s);
}

/* recvfrom that waits at most `seconds`, whatever the socket's timeout. */
static ptrdiff_t recvfrom_within(nt_socket *s, void *buf, size_t len, nt_addr *from, double seconds)
{
    double saved = nt_socket_gettimeout(s);
    nt_socket_settimeout(s, seconds);
    ptrdiff_t n = nt_socket_recvfrom(s, buf, len, 0, from);
    nt_socket_settimeout(s, saved);
    return n;
}

static int family_ok(nt_family family)
{
    if (family == NT_AF_INET6 && !nt_test_have_ipv6()) {
        nt_test_skip("no IPv6 loopback (::1) on this machine");
        return 0;
    }
    return 1;
}

#define BOTH_FAMILIES(fn)           \
    static void fn##_v4(void)       \
    {                               \
        fn(NT_AF_INET);             \
    }                               \
    static void fn##_v6(void)       \
    {                               \
        if (family_ok(NT_AF_INET6)) \
            fn(NT_AF_INET6);        \
    }

/* ------------------------------------------------------------------ */

static void round_trip(nt_family family)
{
    nt_addr saddr, caddr, from;
    nt_socket *server = udp_bound(family, &saddr);
    nt_socket *client = udp_bound(family, &caddr);
    char buf[64];

    NT_TEST_RC(nt_socket_sendto(client, "question", 8, 0, &saddr), 8);
    memset(&from, 0, sizeof from);
    NT_TEST_RC(recvfrom_within(server, buf, sizeof buf, &from, 5.0), 8);
    CU_ASSERT(memcmp(buf, "question", 8) == 0);
    /* The sender is reported as it is bound. */
    CU_ASSERT(nt_addr_equal(&from, &caddr));

    NT_TEST_RC(nt_socket_sendto(server, "answer", 6, 0, &from), 6);
    NT_TEST_RC(recvfrom_within(client, buf, sizeof buf, &from, 5.0), 6);
    CU_ASSERT(memcmp(buf, "answer", 6) == 0);
    CU_ASSERT(nt_addr_equal(&from, &saddr));

    /* Boundaries are kept: three datagrams, three reads. */
    NT_TEST_RC(nt_socket_sendto(client, "a", 1, 0, &saddr), 1);
    NT_TEST_RC(nt_socket_sendto(client, "bb", 2, 0, &saddr), 2);
    NT_TEST_RC(nt_socket_sendto(client, "ccc", 3, 0, &saddr), 3);
    NT_TEST_RC(recvfrom_within(server, buf, sizeof buf, NULL, 5.0), 1);
    CU_ASSERT_EQUAL(buf[0], 'a');
    NT_TEST_RC(nt_socket_settimeout(server, 5.0), NT_OK);
    NT_TEST_RC(nt_socket_recv(server, buf, sizeof buf, 0), 2);
    CU_ASSERT(memcmp(buf, "bb", 2) == 0);
    /* PEEK leaves the datagram for the next read. */
    NT_TEST_RC(nt_socket_recvfrom(server, buf, sizeof buf, NT_MSG_PEEK, &from), 3);
    CU_ASSERT(nt_addr_equal(&from, &caddr));
    NT_TEST_RC(nt_socket_recvfrom(server, buf, sizeof buf, 0, NULL), 3);
    CU_ASSERT(memcmp(buf, "ccc", 3) == 0);

    /* An empty datagram is a datagram: 0 bytes, not an EOF. */
    NT_TEST_RC(nt_socket_sendto(client, "", 0, 0, &saddr), 0);
    memset(&from, 0, sizeof from);
    NT_TEST_RC(recvfrom_within(server, buf, sizeof buf, &from, 5.0), 0);
    CU_ASSERT(nt_addr_equal(&from, &caddr));

    /* A large datagram (near the 64 KiB limit) in one piece. */
    const size_t big = 60000;
    char *data = malloc(big), *rbuf = malloc(big + 100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rbuf);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)(i % 251u);
    NT_TEST_RC(nt_socket_set_option(server, NT_OPT_RCVBUF, 256 * 1024), NT_OK);
    NT_TEST_RC(nt_socket_set_option(client, NT_OPT_SNDBUF, 256 * 1024), NT_OK);
    NT_TEST_RC(nt_socket_sendto(client, data, big, 0, &saddr), (ptrdiff_t)big);
    NT_TEST_RC(recvfrom_within(server, rbuf, big + 100, NULL, 5.0), (ptrdiff_t)big);
    CU_ASSERT(memcmp(rbuf, data, big) == 0);
    /* Too long for any UDP datagram. */
    char *huge = calloc(1, 70000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
    NT_TEST_RC(nt_socket_sendto(client, huge, 70000, 0, &saddr), NT_EMSGSIZE);
    free(huge);
    free(rbuf);
    free(data);

    nt_socket_close(client);
    nt_socket_close(server);
}
BOTH_FAMILIES(round_trip)

/* The tutorials' UDP client whose server is not running: it must not
 * hang (a timeout fires on time), and on Windows the ICMP port
 * unreachable must not surface as a reset (SIO_UDP_CONNRESET off). */
static void server_not_there(nt_family family)
{
    nt_addr closed, caddr;
    closed_udp_port(family, &closed);
    nt_socket *client = udp_bound(family, &caddr);
    char buf[32];

    NT_TEST_RC(nt_socket_settimeout(client, 0.2), NT_OK);
    for (int i = 0; i < 3; i++) {
        NT_TEST_RC(nt_socket_sendto(client, "anyone?", 7, 0, &closed), 7);
        uint64_t start = nt_clock_us();
        ptrdiff_t rc = nt_socket_recvfrom(client, buf, sizeof buf, 0, NULL);
        double took = nt_test_elapsed(start);
        NT_TEST_RC(rc, NT_ETIMEDOUT);
        if (took < 0.19 || took >= 2.0)
            printf("\n    recvfrom timeout 0.2 s fired after %.3f s\n", took);
        CU_ASSERT(took >= 0.19);
        CU_ASSERT(took < 2.0);
    }
    /* The socket still works when a server does answer. */
    nt_addr saddr;
    nt_socket *server = udp_bound(family, &saddr);
    NT_TEST_RC(nt_socket_sendto(server, "here", 4, 0, &caddr), 4);
    NT_TEST_RC(recvfrom_within(client, buf, sizeof buf, NULL, 5.0), 4);
    nt_socket_close(server);

    /* recv and non-blocking mode: NT_EAGAIN at once. */
    NT_TEST_RC(nt_socket_setblocking(client, 0), NT_OK);
    NT_TEST_RC(nt_socket_recvfrom(client, buf, sizeof buf, 0, NULL), NT_EAGAIN);
    NT_TEST_RC(nt_socket_recv(client, buf, sizeof buf, 0), NT_EAGAIN);
    NT_TEST_RC(nt_socket_settimeout(client, 0.2), NT_OK);
    uint64_t start = nt_clock_us();
    NT_TEST_RC(nt_socket_recv(client, buf, sizeof buf, 0), NT_ETIMEDOUT);
    CU_ASSERT(nt_test_elapsed(start) >= 0.19);
    nt_socket_close(client);
}
BOTH_FAMILIES(server_not_there)

/* A datagram longer than the buffer is cut to the buffer, the rest is
 * dropped (POSIX does so silently; Winsock says WSAEMSGSIZE, which the
 * library turns into the same truncated read). */
static void truncation(nt_family family)
{
    nt_addr saddr;
    nt_socket *server = udp_bound(family, &saddr);
    nt_socket *client = udp_socket(family);
    char msg[100], buf[100];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('a' + i % 26);

    NT_TEST_RC(nt_socket_sendto(client, msg, 100, 0, &saddr), 100);
    NT_TEST_RC(nt_socket_sendto(client, "next", 4, 0, &saddr), 4);
    memset(buf, 0, sizeof buf);
    NT_TEST_RC(recvfrom_within(server, buf, 10, NULL, 5.0), 10);
    CU_ASSERT(memcmp(buf, msg, 10) == 0);
    CU_ASSERT_EQUAL(buf[10], 0); /* nothing written past the length */
    /* The next read is the next datagram, not the rest of the first. */
    NT_TEST_RC(recvfrom_within(server, buf, sizeof buf, NULL, 5.0), 4);
    CU_ASSERT(memcmp(buf, "next", 4) == 0);

    /* The same through recv. */
    NT_TEST_RC(nt_socket_sendto(client, msg, 100, 0, &saddr), 100);
    NT_TEST_RC(nt_socket_settimeout(server, 5.0), NT_OK);
    memset(buf, 0, sizeof buf);
    NT_TEST_RC(nt_socket_recv(server, buf, 7, 0), 7);
    CU_ASSERT(memcmp(buf, msg, 7) == 0);
    NT_TEST_RC(nt_socket_setblocking(server, 0), NT_OK);
    NT_TEST_RC(nt_socket_recv(server, buf, sizeof buf, 0), NT_EAGAIN);

    nt_socket_close(client);
    nt_socket_close(server);
}
BOTH_FAMILIES(truncation)

/* connect() on UDP: a default destination for send, and only that peer's
 * datagrams; getpeername answers. */
static void connected_udp(nt_family family)
{
    nt_addr saddr, caddr, peer;
    nt_socket *server = udp_bound(family, &saddr);
    nt_socket *client = udp_socket(family);
    char buf[16];
    NT_TEST_RC(nt_socket_getpeername(client, &peer), NT_ENOTCONN);
    NT_TEST_RC(nt_socket_connect(client, &saddr), NT_OK);
    NT_TEST_RC(nt_socket_getpeername(client, &peer), NT_OK);
    CU_ASSERT(nt_addr_equal(&peer, &saddr));
    NT_TEST_RC(nt_socket_getsockname(client, &caddr), NT_OK);
    CU_ASSERT(caddr.port != 0);
    NT_TEST_RC(nt_socket_send(client, "hi", 2, 0), 2);
    nt_addr from;
    NT_TEST_RC(recvfrom_within(server, buf, sizeof buf, &from, 5.0), 2);
    CU_ASSERT_EQUAL(from.port, caddr.port);
    NT_TEST_RC(nt_socket_sendto(server, "yo", 2, 0, &from), 2);
    NT_TEST_RC(nt_socket_settimeout(client, 5.0), NT_OK);
    NT_TEST_RC(nt_socket_recv(client, buf, sizeof buf, 0), 2);
    CU_ASSERT(memcmp(buf, "yo", 2) == 0);
    nt_socket_close(client);
    nt_socket_close(server);
}
BOTH_FAMILIES(connected_udp)

static void test_bad_input(void)
{
    nt_addr saddr, v6;
    nt_socket *s = udp_bound(NT_AF_INET, &saddr);
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET6, 9, &v6) == NT_OK);
    char buf[8];
    NT_TEST_RC(nt_socket_sendto(s, "x", 1, 0, NULL), NT_EINVAL);
    NT_TEST_RC(nt_socket_sendto(s, NULL, 1, 0, &saddr), NT_EINVAL);
    NT_TEST_RC(nt_socket_sendto(s, "x", 1, NT_MSG_PEEK, &saddr), NT_EINVAL);
    NT_TEST_RC(nt_socket_sendto(s, "x", 1, 0, &v6), NT_EAFNOSUPPORT);
    NT_TEST_RC(nt_socket_recvfrom(s, NULL, 4, 0, NULL), NT_EINVAL);
    NT_TEST_RC(nt_socket_listen(s, 1), NT_ENOTSUP);
    nt_socket *a = NULL;
    NT_TEST_RC(nt_socket_settimeout(s, 0.05), NT_OK);
    NT_TEST_RC(nt_socket_accept(s, &a, NULL), NT_ENOTSUP);
    CU_ASSERT_PTR_NULL(a);
    (void)buf;
    nt_socket_close(s);
}

/* Two programs sharing a discovery port: both set the reuse option. */
static void test_shared_port(void)
{
    nt_socket *a = udp_socket(NT_AF_INET), *b = udp_socket(NT_AF_INET);
    nt_addr lo, aaddr;
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 0, &lo) == NT_OK);
    NT_TEST_RC(nt_socket_set_option(a, NT_OPT_REUSEADDR, 1), NT_OK);
    NT_TEST_RC(nt_socket_bind(a, &lo), NT_OK);
    NT_TEST_RC(nt_socket_getsockname(a, &aaddr), NT_OK);
    NT_TEST_RC(nt_socket_set_option(b, NT_OPT_REUSEADDR, 1), NT_OK);
    NT_TEST_RC(nt_socket_bind(b, &aaddr), NT_OK);
    nt_socket_close(a);
    nt_socket_close(b);

    /* Without it, the second bind is refused. */
    a = udp_bound(NT_AF_INET, &aaddr);
    b = udp_socket(NT_AF_INET);
    int rc = nt_socket_bind(b, &aaddr);
    CU_ASSERT(rc == NT_EADDRINUSE || rc == NT_EACCES);
    nt_socket_close(a);
    nt_socket_close(b);
}

static void test_broadcast(void)
{
    nt_socket *s = udp_socket(NT_AF_INET);
    int v = -1;
    NT_TEST_RC(nt_socket_get_option(s, NT_OPT_BROADCAST, &v), NT_OK);
    NT_TEST_RC(v, 0);
    nt_addr bcast;
    CU_ASSERT_FATAL(nt_addr_parse("255.255.255.255:9", &bcast) == NT_OK);
    /* Without SO_BROADCAST the OS refuses a broadcast destination. */
    NT_TEST_RC(nt_socket_sendto(s, "x", 1, 0, &bcast), NT_EACCES);
    NT_TEST_RC(nt_socket_set_option(s, NT_OPT_BROADCAST, 1), NT_OK);
    NT_TEST_RC(nt_socket_get_option(s, NT_OPT_BROADCAST, &v), NT_OK);
    NT_TEST_RC(v, 1);
    ptrdiff_t rc = nt_socket_sendto(s, "x", 1, 0, &bcast);
    if (rc == NT_ENETUNREACH || rc == NT_EHOSTUNREACH || rc == NT_EADDRNOTAVAIL ||
        rc == NT_ENETDOWN) {
        char note[160];
        snprintf(note, sizeof note,
                 "no broadcast-capable interface here (%s): sending a "
                 "broadcast not checked",
                 nt_err_name((int)rc));
        nt_test_skip(note);
    } else {
        NT_TEST_RC(rc, 1);
    }
    NT_TEST_RC(nt_socket_set_option(s, NT_OPT_BROADCAST, 0), NT_OK);
    NT_TEST_RC(nt_socket_get_option(s, NT_OPT_BROADCAST, &v), NT_OK);
    NT_TEST_RC(v, 0);
    nt_socket_close(s);
}

static void multicast_options(nt_family family)
{
    nt_socket *s = udp_socket(family);
    int v = -1;
    NT_TEST_RC(nt_socket_set_option(s, NT_OPT_MULTICAST_TTL, 5), NT_OK);
    NT_TEST_RC(nt_socket_get_option(s, NT_OPT_MULTICAST_TTL, &v), NT_OK);
    NT_TEST_RC(v, 5);
    NT_TEST_RC(nt_socket_set_option(s, NT_OPT_MULTICAST_TTL, -1), NT_EINVAL);
    NT_TEST_RC(nt_socket_set_option(s, NT_OPT_MULTICAST_LOOP, 0), NT_OK);
    NT_TEST_RC(nt_socket_get_option(s, NT_OPT_MULTICAST_LOOP, &v), NT_OK);
    NT_TEST_RC(v, 0);
    NT_TEST_RC(nt_socket_set_option(s, NT_OPT_MULTICAST_LOOP, 1), NT_OK);
    NT_TEST_RC(nt_socket_get_option(s, NT_OPT_MULTICAST_LOOP, &v), NT_OK);
    NT_TEST_RC(v, 1);
    nt_socket_close(s);
}
BOTH_FAMILIES(multicast_options)

static void test_multicast_bad_input(void)
{
    nt_addr group, v6group;
    CU_ASSERT_FATAL(nt_addr_parse("239.255.77.77:0", &group) == NT_OK);
    CU_ASSERT_FATAL(nt_addr_parse("[ff15::77]:0", &v6group) == NT_OK);
    nt_socket *u = udp_socket(NT_AF_INET);
    NT_TEST_RC(nt_socket_join_group(u, NULL, 0), NT_EINVAL);
    NT_TEST_RC(nt_socket_join_group(u, &v6group, 0), NT_EINVAL);
    nt_socket_close(u);
    nt_socket *t = NULL;
    NT_TEST_RC(nt_socket_new(NT_AF_INET, NT_SOCK_STREAM, 0, &t), NT_OK);
    NT_TEST_RC(nt_socket_join_group(t, &group, 0), NT_EINVAL);
    NT_TEST_RC(nt_socket_leave_group(t, &group, 0), NT_EINVAL);
    nt_socket_close(t);
}

/* Join a group, send to it with loopback on, receive our own datagram,
 * leave.  Containers often have no multicast route: then the join or the
 * send fails and the test says so instead of failing. */
static void test_multicast_round_trip(void)
{
    nt_addr group, any, raddr;
    /* 239.255/16: organisation-local scope, never routed off-site. */
    CU_ASSERT_FATAL(nt_addr_parse("239.255.77.77:0", &group) == NT_OK);
    nt_socket *r = udp_socket(NT_AF_INET);
    CU_ASSERT_FATAL(nt_addr_any(NT_AF_INET, 0, &any) == NT_OK);
    NT_TEST_RC(nt_socket_set_option(r, NT_OPT_REUSEADDR, 1), NT_OK);
    NT_TEST_RC(nt_socket_bind(r, &any), NT_OK);
    NT_TEST_RC(nt_socket_getsockname(r, &raddr), NT_OK);
    int rc = nt_socket_join_group(r, &group, 0);
    if (rc != NT_OK) {
        char note[160];
        snprintf(note, sizeof note,
                 "joining 239.255.77.77 failed with %s: no multicast-capable "
                 "interface or route here",
                 nt_err_name(rc));
        nt_test_skip(note);
        nt_socket_close(r);
        return;
    }
    nt_socket *s = udp_socket(NT_AF_INET);
    NT_TEST_RC(nt_socket_set_option(s, NT_OPT_MULTICAST_LOOP, 1), NT_OK);
    NT_TEST_RC(nt_socket_set_option(s, NT_OPT_MULTICAST_TTL, 1), NT_OK);
    group.port = raddr.port;
    ptrdiff_t n = nt_socket_sendto(s, "multi", 5, 0, &group);
    if (n < 0) {
        char note[160];
        snprintf(note, sizeof note,
                 "sending to 239.255.77.77 failed with %s: no multicast "
                 "route here",
                 nt_err_name((int)n));
        nt_test_skip(note);
    } else {
        NT_TEST_RC(n, 5);
        char buf[16];
        n = recvfrom_within(r, buf, sizeof buf, NULL, 2.0);
        if (n == NT_ETIMEDOUT) {
            nt_test_skip("joined 239.255.77.77 and sent with loopback on, "
                         "but the network stack here did not loop the "
                         "datagram back");
        } else {
            NT_TEST_RC(n, 5);
            CU_ASSERT(memcmp(buf, "multi", 5) == 0);
        }
    }
    NT_TEST_RC(nt_socket_leave_group(r, &group, 0), NT_OK);
    /* Leaving a group not joined is an error, whatever its name. */
    CU_ASSERT(nt_socket_leave_group(r, &group, 0) < 0);
    nt_socket_close(s);
    nt_socket_close(r);
}

static const CU_TestInfo tests[] = {
    {"round trip IPv4", round_trip_v4},
    {"round trip IPv6", round_trip_v6},
    {"server not there: timeout, no reset IPv4", server_not_there_v4},
    {"server not there: timeout, no reset IPv6", server_not_there_v6},
    {"truncation IPv4", truncation_v4},
    {"truncation IPv6", truncation_v6},
    {"connected UDP IPv4", connected_udp_v4},
    {"connected UDP IPv6", connected_udp_v6},
    {"bad input", test_bad_input},
    {"shared port with REUSEADDR", test_shared_port},
    {"broadcast option", test_broadcast},
    {"multicast options IPv4", multicast_options_v4},
    {"multicast options IPv6", multicast_options_v6},
    {"multicast bad input", test_multicast_bad_input},
    {"multicast join, loop back, leave", test_multicast_round_trip},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return nt_test_main("udp", tests);
}

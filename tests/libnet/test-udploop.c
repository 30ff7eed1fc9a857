/* SPDX-License-Identifier: MIT */
/* UDP endpoints on the loop: datagrams both ways on IPv4 and IPv6, closing
 * an endpoint inside its own callback, broadcast, and multicast with
 * loopback (what a LAN discovery beacon needs), the last two through the
 * options of the endpoint's socket.  Runs once per backend. */
#include "helpers.h"

#include <natter/udp.h>

#include <stdio.h>
#include <string.h>

#define NDGRAMS 20

struct ep {
    nt_udp *u;
    int count;
    char last[64];
    size_t last_len;
    nt_addr from;
    int in_order;    /* datagram i carried the text "dg <i>" */
    int echo;        /* send each datagram back to its sender */
    int close_in_cb; /* close the endpoint at the first datagram */
    int closed;      /* close callbacks run */
};

static void ep_closed(void *data)
{
    ((struct ep *)data)->closed++;
}

static void ep_cb(nt_udp *u, const char *msg, size_t len, const nt_addr *from, void *data)
{
    struct ep *e = data;
    CU_ASSERT_PTR_EQUAL(u, e->u);
    char want[32];
    snprintf(want, sizeof want, "dg %d", e->count);
    if (len != strlen(want) || memcmp(msg, want, len) != 0)
        e->in_order = 0;
    e->count++;
    e->last_len = len < sizeof e->last ? len : sizeof e->last - 1;
    memcpy(e->last, msg, e->last_len);
    e->last[e->last_len] = '\0';
    e->from = *from;
    if (e->echo)
        CU_ASSERT(nt_udp_send(u, msg, len, from) == (ptrdiff_t)len);
    if (e->close_in_cb) {
        nt_udp_close(u, ep_closed);
        e->u = NULL;
        e->close_in_cb = 0;
    }
}

struct want_n {
    struct ep *e;
    int n;
};

static int have_n(void *ctx)
{
    struct want_n *w = ctx;
    return w->e->count >= w->n;
}

static nt_loop *new_loop(void)
{
    nt_loop *loop = NULL;
    CU_ASSERT_FATAL(nt_loop_new(&loop) == NT_OK);
    return loop;
}

static void open_ep(nt_loop *loop, struct ep *e, nt_family family)
{
    nt_addr a;
    memset(e, 0, sizeof *e);
    e->in_order = 1;
    CU_ASSERT_FATAL(nt_addr_loopback(family, 0, &a) == NT_OK);
    int rc = nt_udp_new(loop, &a, 0, ep_cb, e, &e->u);
    if (rc != NT_OK)
        fprintf(stderr, "nt_udp_new: %s\n", nt_strerror(rc));
    CU_ASSERT_FATAL(rc == NT_OK);
}

static void exchange(nt_family family)
{
    nt_loop *loop = new_loop();
    struct ep a, b;
    open_ep(loop, &a, family);
    open_ep(loop, &b, family);
    b.echo = 1;
    nt_addr aa, ba;
    CU_ASSERT_FATAL(nt_udp_addr(a.u, &aa) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_addr(b.u, &ba) == NT_OK);
    CU_ASSERT(aa.port != 0 && ba.port != 0 && aa.port != ba.port);
    CU_ASSERT_EQUAL(aa.family, family);
    for (int i = 0; i < NDGRAMS; i++) {
        char msg[32];
        int n = snprintf(msg, sizeof msg, "dg %d", i);
        CU_ASSERT(nt_udp_send(a.u, msg, (size_t)n, &ba) == n);
    }
    struct want_n w = {&a, NDGRAMS};
    CU_ASSERT(nt_test_run_until(loop, have_n, &w, 5000));
    CU_ASSERT_EQUAL(b.count, NDGRAMS);
    CU_ASSERT_EQUAL(a.count, NDGRAMS);
    CU_ASSERT(b.in_order);
    CU_ASSERT(a.in_order);
    CU_ASSERT(nt_addr_equal(&b.from, &aa));
    CU_ASSERT(nt_addr_equal(&a.from, &ba));
    CU_ASSERT_PTR_NOT_NULL(nt_udp_socket(a.u));
    nt_udp_close(a.u, NULL);
    nt_udp_close(b.u, NULL);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_v4(void)
{
    exchange(NT_AF_INET);
}

static void test_v6(void)
{
    if (!nt_test_have_ipv6()) {
        nt_test_skip("no IPv6 loopback (::1) here");
        return;
    }
    exchange(NT_AF_INET6);
}

static void test_close_in_callback(void)
{
    nt_loop *loop = new_loop();
    struct ep rx, tx;
    open_ep(loop, &rx, NT_AF_INET);
    open_ep(loop, &tx, NT_AF_INET);
    rx.close_in_cb = 1;
    nt_addr ra;
    CU_ASSERT_FATAL(nt_udp_addr(rx.u, &ra) == NT_OK);
    /* Several datagrams queued: the endpoint's read batch must stop at
     * the close, and no callback but the close callback follows. */
    for (int i = 0; i < 5; i++) {
        char msg[32];
        int n = snprintf(msg, sizeof msg, "dg %d", i);
        CU_ASSERT(nt_udp_send(tx.u, msg, (size_t)n, &ra) == n);
    }
    nt_sleep_ms(20); /* let them all land; the count below is exact anyway */
    struct want_n w = {&rx, 1};
    CU_ASSERT(nt_test_run_until(loop, have_n, &w, 5000));
    for (int i = 0; i < 3; i++)
        nt_loop_run_once(loop, 10);
    CU_ASSERT_EQUAL(rx.count, 1);
    CU_ASSERT_PTR_NULL(rx.u);
    CU_ASSERT_EQUAL(rx.closed, 1);
    nt_udp_close(tx.u, NULL);
    nt_udp_close(NULL, NULL);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_broadcast(void)
{
    nt_loop *loop = new_loop();
    struct ep rx, tx;
    nt_addr any, bc;
    memset(&rx, 0, sizeof rx);
    rx.in_order = 1;
    CU_ASSERT_FATAL(nt_addr_any(NT_AF_INET, 0, &any) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_new(loop, &any, 1, ep_cb, &rx, &rx.u) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_addr(rx.u, &any) == NT_OK);
    open_ep(loop, &tx, NT_AF_INET);
    int on = -1;
    CU_ASSERT_EQUAL(nt_socket_get_option(nt_udp_socket(tx.u), NT_OPT_BROADCAST, &on), NT_OK);
    CU_ASSERT_EQUAL(on, 0);
    CU_ASSERT_EQUAL(nt_socket_set_option(nt_udp_socket(tx.u), NT_OPT_BROADCAST, 1), NT_OK);
    CU_ASSERT_EQUAL(nt_socket_get_option(nt_udp_socket(tx.u), NT_OPT_BROADCAST, &on), NT_OK);
    CU_ASSERT_EQUAL(on, 1);
    CU_ASSERT_PTR_NULL(nt_udp_socket(NULL));
    CU_ASSERT_EQUAL(nt_socket_set_option(nt_udp_socket(NULL), NT_OPT_BROADCAST, 1), NT_EINVAL);

    /* Delivery needs a broadcast-capable interface with a route, and
     * loopback-bound senders cannot reach 255.255.255.255: send from an
     * unbound (any) socket. */
    struct ep tx2;
    memset(&tx2, 0, sizeof tx2);
    nt_addr any0;
    CU_ASSERT_FATAL(nt_addr_any(NT_AF_INET, 0, &any0) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_new(loop, &any0, 0, ep_cb, &tx2, &tx2.u) == NT_OK);
    CU_ASSERT_EQUAL(nt_socket_set_option(nt_udp_socket(tx2.u), NT_OPT_BROADCAST, 1), NT_OK);
    CU_ASSERT_FATAL(nt_addr_from_ip("255.255.255.255", any.port, &bc) == NT_OK);
    ptrdiff_t n = nt_udp_send(tx2.u, "dg 0", 4, &bc);
    if (n != 4) {
        char why[160];
        snprintf(why, sizeof why, "broadcast delivery: sending to 255.255.255.255 failed here (%s)",
                 nt_err_name((int)n));
        nt_test_skip(why);
    } else {
        struct want_n w = {&rx, 1};
        if (nt_test_run_until(loop, have_n, &w, 2000)) {
            CU_ASSERT_STRING_EQUAL(rx.last, "dg 0");
        } else {
            nt_test_skip("broadcast delivery: sent, but this host does not "
                         "loop limited broadcasts back to local listeners");
        }
    }
    nt_udp_close(tx2.u, NULL);
    nt_udp_close(tx.u, NULL);
    nt_udp_close(rx.u, NULL);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_multicast(void)
{
    nt_loop *loop = new_loop();
    struct ep rx, tx;
    nt_addr any, group, txa;
    memset(&rx, 0, sizeof rx);
    memset(&tx, 0, sizeof tx);
    rx.in_order = 1;
    CU_ASSERT_FATAL(nt_addr_any(NT_AF_INET, 0, &any) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_new(loop, &any, 1, ep_cb, &rx, &rx.u) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_addr(rx.u, &any) == NT_OK);
    /* A group from the low-order bits of the clock, so parallel runs do
     * not hear each other (their ports differ as well). */
    char text[48];
    uint64_t r = nt_clock_us();
    snprintf(text, sizeof text, "239.255.%u.%u", (unsigned)(r >> 8) % 250 + 1,
             (unsigned)r % 250 + 1);
    CU_ASSERT_FATAL(nt_addr_from_ip(text, any.port, &group) == NT_OK);
    int rc = nt_socket_join_group(nt_udp_socket(rx.u), &group, 0);
    if (rc != NT_OK) {
        char why[160];
        snprintf(why, sizeof why,
                 "multicast: joining %s failed (%s): no "
                 "multicast-capable interface or route here",
                 text, nt_err_name(rc));
        nt_test_skip(why);
        goto out;
    }
    CU_ASSERT_FATAL(nt_addr_any(NT_AF_INET, 0, &txa) == NT_OK);
    CU_ASSERT_FATAL(nt_udp_new(loop, &txa, 0, ep_cb, &tx, &tx.u) == NT_OK);
    CU_ASSERT_EQUAL(nt_socket_set_option(nt_udp_socket(tx.u), NT_OPT_MULTICAST_LOOP, 1), NT_OK);
    CU_ASSERT_EQUAL(nt_socket_set_option(nt_udp_socket(tx.u), NT_OPT_MULTICAST_TTL, 1), NT_OK);
    ptrdiff_t n = nt_udp_send(tx.u, "dg 0", 4, &group);
    if (n != 4) {
        char why[160];
        snprintf(why, sizeof why,
                 "multicast: sending to %s failed (%s): no "
                 "multicast route here",
                 text, nt_err_name((int)n));
        nt_test_skip(why);
        goto out;
    }
    struct want_n w = {&rx, 1};
    CU_ASSERT(nt_test_run_until(loop, have_n, &w, 3000));
    CU_ASSERT_STRING_EQUAL(rx.last, "dg 0");
    printf("\n    group %s received via loopback ", text);
    /* After leaving, the group's datagrams no longer arrive. */
    CU_ASSERT_EQUAL(nt_socket_leave_group(nt_udp_socket(rx.u), &group, 0), NT_OK);
    CU_ASSERT(nt_udp_send(tx.u, "dg 1", 4, &group) == 4);
    for (int i = 0; i < 10; i++)
        nt_loop_run_once(loop, 10);
    CU_ASSERT_EQUAL(rx.count, 1);
out:
    nt_udp_close(tx.u, NULL);
    nt_udp_close(rx.u, NULL);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

static void test_invalid_args(void)
{
    nt_loop *loop = new_loop();
    nt_udp *u = NULL;
    nt_addr a;
    CU_ASSERT_FATAL(nt_addr_loopback(NT_AF_INET, 0, &a) == NT_OK);
    CU_ASSERT_EQUAL(nt_udp_new(NULL, &a, 0, ep_cb, NULL, &u), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_udp_new(loop, &a, 0, NULL, NULL, &u), NT_EINVAL);
    CU_ASSERT_EQUAL(nt_udp_new(loop, &a, 0, ep_cb, NULL, NULL), NT_EINVAL);
    CU_ASSERT(nt_udp_send(NULL, "x", 1, &a) == NT_EINVAL);
    NT_TEST_RC(nt_test_loop_close(loop), NT_OK);
}

int main(void)
{
    static const CU_TestInfo tests[] = {
        {"IPv4 datagrams both ways", test_v4},
        {"IPv6 datagrams both ways", test_v6},
        {"nt_udp_close inside its callback", test_close_in_callback},
        {"broadcast option and delivery", test_broadcast},
        {"multicast join, loopback, leave", test_multicast},
        {"invalid arguments", test_invalid_args},
        CU_TEST_INFO_NULL,
    };
    return nt_test_main("udploop", tests);
}

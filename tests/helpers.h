/* SPDX-License-Identifier: MIT */
/* Shared helpers for the CUnit suites: one suite per process, deadline
 * waits instead of sleeps, and a way to say a check is skipped and why. */
#ifndef NT_TEST_HELPERS_H
#define NT_TEST_HELPERS_H

#include <CUnit/CUnit.h>
#include <natter/clock.h>
#include <natter/net.h>

/* Register the NULL-terminated tests as one suite named name and run it in
 * CUnit's basic mode; the return value is the process exit status (0 only
 * when every assertion passed and at least one test ran). */
int nt_test_main(const char *name, const CU_TestInfo *tests);

/* Record that the current test checks nothing here, and why (printed). */
void nt_test_skip(const char *why);

/* True when running under wine (the Windows build on this machine). */
int nt_test_under_wine(void);

/* Poll cond(ctx) every few milliseconds until it is true or timeout_ms
 * passes; returns 1 when it became true. */
int nt_test_wait_until(int (*cond)(void *ctx), void *ctx, unsigned timeout_ms);

/* A loopback TCP listener on an OS-chosen port (family NT_AF_INET or
 * NT_AF_INET6); *addr receives its address.  Asserts on failure. */
nt_socket *nt_test_listener(int family, nt_addr *addr);

/* A connected pair of loopback TCP stream sockets (both blocking). */
void nt_test_tcp_pair(int family, nt_socket **client, nt_socket **server);

#endif

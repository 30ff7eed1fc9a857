/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nt_test_main(const char *name, const CU_TestInfo *tests)
{
    CU_SuiteInfo suites[] = {
        {(char *)name, NULL, NULL, NULL, NULL, (CU_TestInfo *)tests},
        CU_SUITE_INFO_NULL,
    };
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    if (CU_register_suites(suites) != CUE_SUCCESS) {
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return (failed == 0 && ran > 0) ? 0 : 1;
}

void nt_test_skip(const char *why)
{
    printf("\n    SKIP: %s\n", why);
    fflush(stdout);
}

int nt_test_under_wine(void)
{
    /* wine sets WINELOADERNOEXEC / WINEPREFIX in the environment it
     * passes on; the exe_wrapper sets WINEPREFIX. */
    return getenv("WINEPREFIX") != NULL || getenv("WINELOADERNOEXEC") != NULL;
}

int nt_test_wait_until(int (*cond)(void *ctx), void *ctx, unsigned timeout_ms)
{
    uint64_t deadline = nt_clock_ms() + timeout_ms;
    for (;;) {
        if (cond(ctx))
            return 1;
        if (nt_clock_ms() >= deadline)
            return 0;
        nt_sleep_ms(2);
    }
}

nt_socket *nt_test_listener(int family, nt_addr *addr)
{
    nt_socket *s = NULL;
    nt_addr any;
    CU_ASSERT_FATAL(nt_addr_loopback(family, 0, &any) == NT_OK);
    int rc = nt_socket_create_server(&s, &any, NT_BACKLOG_DEFAULT);
    if (rc != NT_OK)
        fprintf(stderr, "listener: %s\n", nt_strerror(rc));
    CU_ASSERT_FATAL(rc == NT_OK);
    CU_ASSERT_FATAL(nt_socket_getsockname(s, addr) == NT_OK);
    return s;
}

void nt_test_tcp_pair(int family, nt_socket **client, nt_socket **server)
{
    nt_addr addr;
    nt_socket *l = nt_test_listener(family, &addr);
    CU_ASSERT_FATAL(nt_socket_new(client, family, NT_SOCK_STREAM, 0) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_connect(*client, &addr) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_settimeout(l, 5.0) == NT_OK);
    CU_ASSERT_FATAL(nt_socket_accept(l, server, NULL) == NT_OK);
    nt_socket_close(l);
}

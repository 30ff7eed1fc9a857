/* SPDX-License-Identifier: MIT */
/* The WSAPoll backend for Windows.  The descriptor set is shared with the
 * poll backend; WSAPoll's own quirks are absorbed there (POLLHUP without
 * POLLIN on a peer's shutdown is treated as readable).  WSAPoll before
 * Windows 10 2004 does not report a failed connect, so connections keep
 * their own connect timeout. */
#include "loop-internal.h"
#include "sys.h"

static int wsapoll_call(void *fds, size_t n, int timeout_ms)
{
    int rc = WSAPoll(fds, (ULONG)n, timeout_ms);
    if (rc == SOCKET_ERROR)
        return nt__sys_last_error();
    return rc;
}

static int wsapoll_wait(nt_loop *loop, int timeout_ms)
{
    return nt__pollset_wait(loop, timeout_ms, wsapoll_call);
}

const nt__backend_ops nt__backend_wsapoll = {
    "wsapoll",
    nt__pollset_init,
    nt__pollset_destroy,
    nt__pollset_set,
    nt__pollset_remove,
    wsapoll_wait,
    NULL, /* no single descriptor to embed */
};

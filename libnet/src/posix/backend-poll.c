/* SPDX-License-Identifier: MIT */
/* The poll(2) backend: portable to every POSIX system; on Linux it is
 * chosen with NATTER_LOOP_BACKEND=poll so both POSIX backends are tested. */
#include <errno.h>

#include "loop-internal.h"
#include "sys.h"

static int poll_call(void *fds, size_t n, int timeout_ms)
{
    int rc = poll(fds, (nfds_t)n, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : nt__sys_last_error();
    return rc;
}

static int poll_wait(nt_loop *loop, int timeout_ms)
{
    return nt__pollset_wait(loop, timeout_ms, poll_call);
}

const nt__backend_ops nt__backend_poll = {
    "poll", nt__pollset_init, nt__pollset_destroy, nt__pollset_set, nt__pollset_remove, poll_wait,
    NULL, /* no single descriptor to embed */
};

/* SPDX-License-Identifier: MIT */
/* The socket handle's fields, shared by the modules that need them. */
#ifndef NT_SOCKET_INTERNAL_H
#define NT_SOCKET_INTERNAL_H

#include <natter/net.h>

#include "sys.h"

struct nt_socket {
    nt_os_sock fd;
    nt_family family;
    nt_socktype type;
    int proto;
    double timeout; /* < 0: forever; 0: non-blocking; > 0: seconds per call */
    int write_shut; /* shutdown(WR) was called: sends fail with ESHUTDOWN */
};

/* "No deadline" for nt__wait_deadline(). */
#define NT__FOREVER UINT64_MAX

/* The deadline (nt_clock_ms) for one call under the socket's timeout. */
uint64_t nt__deadline(const nt_socket *s);

/* The one wait-with-deadline helper: waits until fd is ready for events or
 * the deadline passes (NT_ETIMEDOUT).  Interrupted waits resume with the
 * time that is left, never restart the full timeout. */
int nt__wait_deadline(nt_os_sock fd, int events, uint64_t deadline_ms);

#endif

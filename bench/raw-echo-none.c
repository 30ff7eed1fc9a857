/* SPDX-License-Identifier: MIT */
/* Where there is no epoll, the raw echo benchmark has no plain reference
 * loop (raw-echo.h): loop-bench prints nt_loop's figure alone. */
#include "raw-echo.h"

#include <stdio.h>

const char *raw_echo_plain_name(void)
{
    return NULL;
}

int raw_echo_plain(const struct raw_echo_params *p, struct raw_echo_result *out, char *err,
                   size_t errlen)
{
    (void)p;
    (void)out;
    snprintf(err, errlen, "no plain reference loop on this platform (it is Linux epoll)");
    return -1;
}

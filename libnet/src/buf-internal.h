/* SPDX-License-Identifier: MIT */
/* A counter for white-box tests and benchmarks, not part of the API. */
#ifndef NT_BUF_INTERNAL_H
#define NT_BUF_INTERNAL_H

#include <natter/buf.h>

/* How many buffers this process has created so far: proves a message was
 * formatted once, not once per recipient. */
uint64_t nt__buf_created_total(void);

#endif

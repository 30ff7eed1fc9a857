/* SPDX-License-Identifier: MIT */
/* The resolver's private calls: for nt_conn_connect(), and a hook for the
 * tests and benchmarks of slow name servers. */
#ifndef NT_RESOLVE_INTERNAL_H
#define NT_RESOLVE_INTERNAL_H

#include <natter/resolve.h>

/* Cancel a lookup without its callback (its owner is going away).  NULL
 * is accepted. */
void nt__resolve_cancel_silently(nt_resolve *r);

/* Make every lookup on the worker threads take at least ms milliseconds
 * (0: off): what a slow name server looks like, for tests and benchmarks. */
void nt__resolve_set_delay_ms(unsigned ms);

#endif

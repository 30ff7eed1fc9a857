/* SPDX-License-Identifier: MIT */
/*
 * The raw echo benchmark's reference: the same echo written as a plain
 * event loop on the OS's own calls, without libnatter or any other
 * library, so that loop-bench can print how close nt_loop + nt_conn come
 * to it in the same run.  Linux has it (raw-echo-epoll.c); elsewhere
 * raw-echo-none.c says it is missing.  meson picks the file.
 *
 * The workload, the same on both sides: `conns` client connections and
 * their server ends, all in one thread on one loop, over loopback TCP with
 * TCP_NODELAY.  Each client keeps `window` messages of `msg_size` bytes in
 * flight; the server writes back whatever it reads; a client counts a
 * message each time another msg_size bytes have come back, and sends a new
 * one for it.  Counting runs for `seconds` after every client is
 * connected.
 */
#ifndef NATTER_BENCH_RAW_ECHO_H
#define NATTER_BENCH_RAW_ECHO_H

#include <stddef.h>

struct raw_echo_params {
    int conns;
    int window;
    size_t msg_size;
    double seconds;
};

struct raw_echo_result {
    long long messages; /* echoed messages counted by the clients */
    double secs;        /* how long the counting ran */
};

/* The name of the reference loop ("plain epoll"), or NULL where there is
 * none. */
const char *raw_echo_plain_name(void);

/*
 * Run the workload on the plain loop.
 * @return 0, or -1 after writing what went wrong (or that this platform
 *         has no reference) to err
 */
int raw_echo_plain(const struct raw_echo_params *p, struct raw_echo_result *out, char *err,
                   size_t errlen);

#endif

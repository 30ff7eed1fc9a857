/* SPDX-License-Identifier: MIT */
/* The phase driver's state (loadgen.c), read by the report (report.c). */
#ifndef LOADGEN_DRIVER_H
#define LOADGEN_DRIVER_H

#include "loadgen.h"

enum phase { PH_SETUP, PH_SETTLE, PH_SEND, PH_DRAIN, PH_HOLD, PH_SLOWCHECK, PH_DONE };

typedef struct driver {
    lg_run run;
    nt_timer *tick;
    enum phase phase;
    uint64_t phase_start_us;
    uint64_t last_tick_us;
    uint64_t last_rss_us;
    uint64_t last_progress_us;
    uint64_t rss_max_kib; /* of the sum */
    uint64_t rss_max_each_kib[LG_MAX_PIDS];
    /* send phase */
    uint32_t *senders;
    unsigned nsenders;
    uint64_t next_msg, total_msgs;
    double interval_us;
    uint64_t send_start_us, send_end_us;
    char *msg_buf;
    /* measurements */
    procstat srv_start, srv_before, srv_after; /* summed over --server-pid */
    procstat srv_each_start[LG_MAX_PIDS], srv_each_before[LG_MAX_PIDS], srv_each_after[LG_MAX_PIDS];
    procstat self_start, self_before, self_after; /* self_start: setup begins */
    uint64_t before_us, after_us;
    uint64_t delivered_at_phase_end;
    unsigned slow_closed, slow_with_error;
    char slow_reason[96];
} driver;

/* Print the results (and write the JSON file when asked).
 * @return the exit status: 0, or 1 when no client joined or the JSON
 *         could not be written */
int driver_report(driver *d);

#endif

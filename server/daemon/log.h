/* SPDX-License-Identifier: MIT */
/*
 * natterd's log: lines to stderr (or a file) with a timestamp and level,
 * or, under systemd's journal, with the journal's <N> priority prefix and
 * no timestamp of our own.  Control characters from clients (C0, DEL and
 * C1) and bytes that are not valid UTF-8 are written as \xNN, so nobody
 * can forge log lines or drive a terminal through the log.
 */
#ifndef NATTERD_LOG_H
#define NATTERD_LOG_H

#include "attributes.h"

/**
 * Set up logging.  level is the most verbose level written (an
 * srv_log_level).  path NULL writes to stderr.
 * @return 0, or -1 when the file cannot be opened
 */
int srv_log_open(int level, const char *path);

/** Close a log file opened by srv_log_open(). */
void srv_log_close(void);

/** Parse "error", "warning", "info" or "debug"; -1 for anything else. */
int srv_log_level_from_name(const char *name);

/** Write one message (an srv_log_fn, ctx unused). */
void srv_log_write(void *ctx, int level, const char *message);

/** printf-style srv_log_write(). */
void srv_logf(int level, const char *fmt, ...) SRV_PRINTF(2, 3);

#endif

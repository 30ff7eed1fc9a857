/* SPDX-License-Identifier: MIT */
/*
 * Failed password checks remembered per address.  A PBKDF2 check costs tens
 * of milliseconds of the event loop's time, so an address that keeps
 * guessing (PASS or OPER) is refused without hashing until its window has
 * passed.  The table is fixed-size: the oldest entry makes room.
 */
#ifndef NATTERD_AUTHLIMIT_H
#define NATTERD_AUTHLIMIT_H

#include <stddef.h>
#include <stdint.h>

/** The default of [limits] login_failures_per_address: failures an address
 *  may have within the window before it is refused. */
#define SRV_AUTH_MAX_FAILURES 5
/** How long failures are remembered. */
#define SRV_AUTH_WINDOW_MS 60000u
/** Addresses remembered at once. */
#define SRV_AUTH_MAX_HOSTS 256

typedef struct srv_authlimit srv_authlimit;

/** A new, empty table; NULL when out of memory. */
srv_authlimit *srv_authlimit_new(void);

/** Free the table.  NULL is accepted. */
void srv_authlimit_free(srv_authlimit *a);

/**
 * May host try a password now (fewer than max counted within the window)?
 * max 0 means no limit.
 * @return 1 when allowed, 0 when it failed too often within the window
 */
int srv_authlimit_allowed(srv_authlimit *a, const char *host, uint64_t now_ms, unsigned max);

/** Count a failed password check from host. */
void srv_authlimit_failed(srv_authlimit *a, const char *host, uint64_t now_ms);

/** Take back one failure of host (an attempt counted when it started
 *  turned out right). */
void srv_authlimit_forgive(srv_authlimit *a, const char *host, uint64_t now_ms);

#endif

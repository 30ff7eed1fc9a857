/* SPDX-License-Identifier: MIT */
/*
 * An in-memory transport for driving natterd's protocol core with no
 * sockets: each fake connection records every line the core sends it,
 * whether and why it was closed, and any pause_reading() request.  The
 * clocks are fake too, so timeouts and flood penalties are tested by
 * moving time, not by sleeping.
 */
#ifndef NATTERD_TEST_FAKE_TRANSPORT_H
#define NATTERD_TEST_FAKE_TRANSPORT_H

#include "attributes.h"
#include "config.h"
#include "natterd-core.h"

#include <stddef.h>
#include <stdint.h>

typedef struct fake_conn {
    srv_server *server;
    srv_client *client; /* NULL once the core closed it */
    char name[32];
    char **lines; /* received, without CRLF */
    size_t nlines, cap;
    int closed;
    char close_reason[128];
    int bad_framing; /* a send() that was not exactly one CRLF line */
    uint64_t paused_until;
    int pause_calls;
    const void *last_buf; /* identity of the last buffer, for fan-out checks */
    struct fake_conn *next_all;
} fake_conn;

/** The fake monotonic clock (ms) and wall clock (us); tests move them. */
extern uint64_t fake_now_ms;
extern int64_t fake_wall_us;

/** Defaults suited to tests (flood control off unless enabled). */
void fake_config(srv_config *cfg);

/** A server on the fake clocks built from cfg (NULL: fake_config()). */
srv_server *fake_server(const srv_config *cfg);

/** Free the server and every fake connection made for it. */
void fake_server_free(srv_server *s);

/** A new connection from host; conn->client is NULL when it was refused. */
fake_conn *fake_connect(srv_server *s, const char *host);

/** Connect and register as nick (asserting the welcome), lines cleared. */
fake_conn *fake_register(srv_server *s, const char *nick);

/** Feed one formatted line (no CRLF) to the core. */
void fake_send(fake_conn *fc, const char *fmt, ...) SRV_PRINTF(2, 3);

/** Feed raw bytes as one line. */
void fake_send_raw(fake_conn *fc, const char *data, size_t len);

/** Forget the lines received so far. */
void fake_clear(fake_conn *fc);

/** The first received line containing needle, or NULL. */
const char *fake_find(const fake_conn *fc, const char *needle);

/** How many received lines contain needle. */
size_t fake_count(const fake_conn *fc, const char *needle);

/** Is there a numeric reply num (" NNN ") among the received lines? */
int fake_has_numeric(const fake_conn *fc, int num);

/** Index of the first line containing needle, or -1. */
long fake_index(const fake_conn *fc, const char *needle);

/** Print the received lines (on a failed check). */
void fake_dump(const fake_conn *fc);

/* Assertions that print what was received when they fail. */
#define EXPECT_LINE(fc, needle)                                                    \
    do {                                                                           \
        int found_ = fake_find((fc), (needle)) != NULL;                            \
        CU_ASSERT(found_);                                                         \
        if (!found_) {                                                             \
            printf("\n  missing \"%s\" at %s:%d\n", (needle), __FILE__, __LINE__); \
            fake_dump(fc);                                                         \
        }                                                                          \
    } while (0)

#define EXPECT_NO_LINE(fc, needle)                                                    \
    do {                                                                              \
        int found_ = fake_find((fc), (needle)) != NULL;                               \
        CU_ASSERT(!found_);                                                           \
        if (found_) {                                                                 \
            printf("\n  unexpected \"%s\" at %s:%d\n", (needle), __FILE__, __LINE__); \
            fake_dump(fc);                                                            \
        }                                                                             \
    } while (0)

#define EXPECT_NUMERIC(fc, num)                                                       \
    do {                                                                              \
        int found_ = fake_has_numeric((fc), (num));                                   \
        CU_ASSERT(found_);                                                            \
        if (!found_) {                                                                \
            printf("\n  missing numeric %03d at %s:%d\n", (num), __FILE__, __LINE__); \
            fake_dump(fc);                                                            \
        }                                                                             \
    } while (0)

#endif

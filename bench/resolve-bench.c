/* SPDX-License-Identifier: MIT */
/* Does the loop keep time while names resolve slowly?  Starts 100 lookups
 * of distinct names with nt_resolve_start(), each made to take at least
 * DELAY ms by the resolver's private hook (a slow name server), and all
 * the while runs a 1 ms repeating timer on the same loop.  Prints how late
 * the timer was (p99 and max), beside the same timer on the idle loop just
 * before for as long (what the machine's own noise looks like), how long
 * the lookups took, and how long the loop itself spent starting them (one
 * burst of nt_resolve_start() calls in one callback, kept out of the
 * timer's figures).  The target, that the timer is
 * never more than 2 ms late, is printed, not judged: this is a benchmark,
 * not a test.
 *
 *   resolve-bench [-n LOOKUPS] [-d DELAY_MS] [-B BACKEND]
 *
 * The names are spellings of "localhost" in upper and lower case: each is
 * a different name to the resolver, all of them answer from the hosts
 * file on every system, and none is numeric (a numeric host is answered
 * without the worker threads, which would measure nothing).
 */
#include <natter/clock.h>
#include <natter/resolve.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/hist.h"
#include "machine.h"
#include "resolve-internal.h"

#define BASE_NAME "localhost"
#define MAX_LOOKUPS (1u << (sizeof BASE_NAME - 1)) /* one per upper/lower pattern */
#define TICK_MS 1
#define MIN_IDLE_MS 1000
#define TARGET_LATE_US 2000

struct config {
    unsigned lookups;
    unsigned delay_ms;
    const char *backend;
};

enum phase { IDLE, RESOLVING, DONE };

struct bench {
    const struct config *cfg;
    nt_loop *loop;
    enum phase phase;
    uint64_t phase_start_us, last_tick_us;
    hist late[2]; /* the timer's lateness in microseconds, IDLE and RESOLVING */
    uint64_t phase_us[2];
    unsigned answered, ok, failed;
    int first_error;
    uint64_t first_answer_us, last_answer_us;
    uint64_t most_in_flight;         /* nt_loop_stats.resolving, sampled each tick */
    uint64_t start_us, start_max_us; /* time the loop spent in nt_resolve_start() */
    uint64_t idle_us;                /* as long as the lookups should take: as many samples */
    uint64_t give_up_us;             /* the lookups are hopelessly late */
};

static int fail(const char *what, int rc)
{
    fprintf(stderr, "resolve-bench: %s: %s\n", what, nt_strerror(rc));
    return 1;
}

/* The i-th spelling: bit k of i upper-cases letter k. */
static void spelling(unsigned i, char *name)
{
    for (unsigned k = 0; k < sizeof BASE_NAME - 1; k++) {
        unsigned char c = (unsigned char)BASE_NAME[k];
        name[k] = (char)((i >> k) & 1u ? toupper(c) : c);
    }
    name[sizeof BASE_NAME - 1] = '\0';
}

static void on_answer(nt_resolve *r, int status, const nt_addr *addrs, size_t count, void *data)
{
    struct bench *b = data;
    uint64_t at = nt_clock_us() - b->phase_start_us;
    (void)r;
    (void)addrs;
    (void)count;
    if (b->answered++ == 0)
        b->first_answer_us = at;
    b->last_answer_us = at;
    if (status == NT_OK) {
        b->ok++;
    } else if (b->failed++ == 0) {
        b->first_error = status;
    }
}

static int start_lookups(struct bench *b)
{
    char name[sizeof BASE_NAME];
    nt__resolve_set_delay_ms(b->cfg->delay_ms);
    for (unsigned i = 0; i < b->cfg->lookups; i++) {
        spelling(i, name);
        /* The loop's own share of a lookup; the rest is on the workers. */
        uint64_t t0 = nt_clock_us();
        int rc =
            nt_resolve_start(b->loop, name, 80, NT_AF_UNSPEC, NT_SOCK_STREAM, on_answer, b, NULL);
        uint64_t spent = nt_clock_us() - t0;
        b->start_us += spent;
        if (spent > b->start_max_us)
            b->start_max_us = spent;
        if (rc != NT_OK)
            return fail("nt_resolve_start", rc);
    }
    return 0;
}

static void next_phase(struct bench *b, uint64_t now)
{
    b->phase_us[b->phase] = now - b->phase_start_us;
    b->phase++;
    b->phase_start_us = now;
    if (b->phase == RESOLVING) {
        if (start_lookups(b) != 0)
            b->phase = DONE;
        /* Starting them is the loop's own work, reported on its own
         * (start_us); the timer's figures are about the wait. */
        b->last_tick_us = nt_clock_us();
    }
    if (b->phase == DONE)
        nt_loop_stop(b->loop);
}

static void on_tick(nt_timer *t, void *data)
{
    struct bench *b = data;
    uint64_t now = nt_clock_us();
    uint64_t interval = now - b->last_tick_us;
    (void)t;
    if (b->phase == DONE)
        return; /* the loop stops after this iteration */
    b->last_tick_us = now;
    hist_add(&b->late[b->phase], interval > TICK_MS * 1000u ? interval - TICK_MS * 1000u : 0);
    nt_loop_stats st;
    if (nt_loop_get_stats(b->loop, &st) == NT_OK && st.resolving > b->most_in_flight)
        b->most_in_flight = st.resolving;
    uint64_t in_phase = now - b->phase_start_us;
    if (b->phase == IDLE && in_phase >= b->idle_us)
        next_phase(b, now);
    else if (b->phase == RESOLVING && (b->answered == b->cfg->lookups || in_phase >= b->give_up_us))
        next_phase(b, now);
}

/* ---- report ---- */

static void row(const char *what, const hist *h, uint64_t us)
{
    printf("  %-34s %6.1f s %8llu %9.3f ms %9.3f ms\n", what, (double)us / 1e6,
           (unsigned long long)h->count, (double)hist_quantile(h, 0.99) / 1e3,
           (double)h->max / 1e3);
}

static void report(const struct bench *b)
{
    const struct config *cfg = b->cfg;
    char what[64];
    printf("  %-34s %8s %8s %12s %12s\n", "1 ms repeating timer", "time", "ticks", "late p99",
           "late max");
    row("idle loop", &b->late[IDLE], b->phase_us[IDLE]);
    snprintf(what, sizeof what, "%u slow lookups in flight", cfg->lookups);
    row(what, &b->late[RESOLVING], b->phase_us[RESOLVING]);

    unsigned rounds = (cfg->lookups + NT_RESOLVE_THREADS - 1) / NT_RESOLVE_THREADS;
    printf("\n  lookups : %u of %u answered (%u ok, %u failed%s%s), most in flight at once %llu\n",
           b->answered, cfg->lookups, b->ok, b->failed, b->failed ? ": " : "",
           b->failed ? nt_err_name(b->first_error) : "", (unsigned long long)b->most_in_flight);
    printf("            first answer after %.0f ms, last after %.0f ms (at least %u x %u ms "
           "with %d threads)\n",
           (double)b->first_answer_us / 1e3, (double)b->last_answer_us / 1e3, rounds, cfg->delay_ms,
           NT_RESOLVE_THREADS);
    printf("            the loop spent %.3f ms in all %u nt_resolve_start() calls (the longest "
           "%.3f ms)\n",
           (double)b->start_us / 1e3, cfg->lookups, (double)b->start_max_us / 1e3);
    uint64_t worst = b->late[RESOLVING].max;
    printf("  target  : timer never more than %d ms late while names resolve: %s "
           "(max %.3f ms)\n",
           TARGET_LATE_US / 1000, worst <= TARGET_LATE_US ? "met" : "MISSED", (double)worst / 1e3);
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: resolve-bench [-n LOOKUPS] [-d DELAY_MS] [-B BACKEND]\n"
            "  -n  lookups of distinct names (default 100, at most %u)\n"
            "  -d  the least time each lookup takes, in ms (default 200)\n"
            "  -B  loop backend (epoll, poll, wsapoll; default: the build's,\n"
            "      or NATTER_LOOP_BACKEND)\n",
            MAX_LOOKUPS);
}

static int parse(int argc, char **argv, struct config *cfg)
{
    for (int i = 1; i < argc; i += 2) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (arg[0] != '-' || !arg[1] || arg[2] || !val)
            return -1;
        if (arg[1] == 'n')
            cfg->lookups = (unsigned)atoi(val);
        else if (arg[1] == 'd')
            cfg->delay_ms = (unsigned)atoi(val);
        else if (arg[1] == 'B')
            cfg->backend = val;
        else
            return -1;
    }
    return cfg->lookups >= 1 && cfg->lookups <= MAX_LOOKUPS ? 0 : -1;
}

static int run(struct bench *b)
{
    nt_timer *tick;
    int rc = nt_timer_new(b->loop, on_tick, b, &tick);
    if (rc == NT_OK)
        rc = nt_timer_start(tick, TICK_MS, TICK_MS);
    if (rc != NT_OK)
        return fail("timer", rc);
    b->phase_start_us = b->last_tick_us = nt_clock_us();
    rc = nt_loop_run(b->loop);
    nt__resolve_set_delay_ms(0);
    nt_timer_close(tick, NULL);
    /* Lookups still in flight when the run gave up end with NT_ECANCELED. */
    nt_loop_drain(b->loop);
    return rc == NT_OK ? 0 : fail("loop", rc);
}

int main(int argc, char **argv)
{
    struct config cfg = {100, 200, NULL};
    if (parse(argc, argv, &cfg) != 0) {
        usage();
        return 2;
    }
    static struct bench b;
    b.cfg = &cfg;
    hist_init(&b.late[IDLE]);
    hist_init(&b.late[RESOLVING]);
    unsigned rounds = (cfg.lookups + NT_RESOLVE_THREADS - 1) / NT_RESOLVE_THREADS;
    uint64_t expected_ms = (uint64_t)rounds * cfg.delay_ms;
    b.idle_us = (expected_ms > MIN_IDLE_MS ? expected_ms : MIN_IDLE_MS) * 1000u;
    b.give_up_us = (expected_ms + 30000u) * 1000u;
    int rc = nt_loop_new_backend(cfg.backend, &b.loop);
    if (rc != NT_OK)
        return fail("loop", rc);

    char cpus[32], model[256];
    bench_machine(cpus, sizeof cpus, model, sizeof model);
    printf("natter resolver benchmark (libnatter %s)\n", NT_VERSION_STRING);
    printf("  machine : %s CPU(s), %s\n", cpus, model);
    printf("  backend : %s; resolver: %d worker threads, each lookup made to take >= %u ms\n\n",
           nt_loop_backend(b.loop), NT_RESOLVE_THREADS, cfg.delay_ms);

    int bad = run(&b);
    report(&b);
    if ((rc = nt_loop_close(b.loop)) != NT_OK)
        bad |= fail("closing the loop", rc);
    return bad;
}

/* SPDX-License-Identifier: MIT */
/*
 * natter-loadgen: drive an IRC server with N clients and measure it.
 *
 * Phases, all on one libnatter loop driven by a 1 ms control timer:
 *   setup   connect (paced or all at once), register, join: the
 *           "connection storm" figure is the time until all have joined;
 *   settle  wait until the join traffic has quietened;
 *   send    each client sends PRIVMSG to its channel at R/s for T s, the
 *           send time in the text; receivers record the latency;
 *   drain   wait for late deliveries;
 *   (idle)  instead of send/drain: hold and report server RSS per client;
 *   (slow)  finally let the slow readers read, to see how they ended.
 * With --tls every client connects over TLS (nt_conn_start_tls(), a client
 * configuration that checks nothing, or pins --tls-pin); the handshake's
 * time per client and until all are through are reported beside the rest.
 * The server's CPU time and RSS are read from /proc before and after the
 * measured phase.  The generator watches its own lateness and says so
 * when it, not the server, is the bottleneck.
 */
#include "driver.h"

#include <errno.h>
#include <getopt.h>
#include <natter/clock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define TICK_MS 1
#define RSS_SAMPLE_US 250000u
#define SETTLE_QUIET_US 300000u
#define SETTLE_MAX_US 15000000u
#define DRAIN_QUIET_US 2000000u
#define SLOW_CHECK_MAX_US 10000000u

/* ---- options ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: loadgen [options]\n"
               "  --scenario NAME     preset: fanout, channels, storm, idle5k, idle15k, slow\n"
               "                      (later options override it)\n"
               "  --host HOST         server address (default 127.0.0.1)\n"
               "  --port PORT         server port (default 6667)\n"
               "  --ports P1,P2,...   several servers on HOST: client i connects to the\n"
               "                      (i %% N)th; latency is also reported for deliveries\n"
               "                      within one server and across servers\n"
               "  --servers H:P,...   the same with a host each ([v6]:port for IPv6)\n"
               "  --pass PASSWORD     send PASS first\n"
               "  -n N                clients (default 100)\n"
               "  -c C                channels; client i joins #c(i %% C) (default 1)\n"
               "  -r R                messages per second per client (default 1)\n"
               "  -t T                seconds of sending (default 10; 0: setup only)\n"
               "  -s BYTES            message text size (default 64)\n"
               "  --connect-rate R    connections started per second (0: all at once)\n"
               "  --server-pid PID,.. read the server's CPU and RSS from /proc; with several\n"
               "                      (nodes, their Redis) CPU is summed, RSS shown each\n"
               "  --phase-marks       print 'loadgen: measure begin' and '... end' on stderr\n"
               "                      as the measured phase starts and ends, and wait each\n"
               "                      time for a line on stdin (a caller reading other\n"
               "                      figures over the same window, e.g. Redis's counters)\n"
               "  --idle              register and join, hold, report RSS per client\n"
               "  --hold S            seconds to hold in --idle (default 5)\n"
               "  --no-join           ready once registered (001): no JOIN, no traffic\n"
               "  --slow-reader K     K clients stop reading once joined\n"
               "  --slow-rcvbuf BYTES SO_RCVBUF of a slow reader (default 4096)\n"
               "  --setup-timeout S   give up on registration after S s (default 120)\n"
               "  --retry N           reconnect a client that failed before joining, up to\n"
               "                      N times (backoff from 0.1 s; default 3)\n"
               "  --drain-timeout S   wait at most S s for late deliveries (default 15)\n"
               "  --json FILE         also write the results as JSON\n"
               "  --label TEXT        a name for the run, copied into the JSON\n"
               "  --tls               connect over TLS (the certificate is not checked)\n"
               "  --tls-pin SHA256    with --tls: accept only this certificate fingerprint\n"
               "  --tls-ca FILE       with --tls: trust this PEM file instead of the system's\n"
               "                      CA bundle (which libnatter otherwise reads with the\n"
               "                      first session, 50-90 ms inside the setup)\n"
               "  --tls-name NAME     with --tls: the server name (SNI) sent (default\n"
               "                      localhost; each client sends uNNNNN.NAME unless\n"
               "                      --tls-resume, so that none resumes another's session)\n"
               "  --tls-resume        with --tls: all send NAME, and resume sessions where\n"
               "                      the server offers it (a reconnecting crowd)\n"
               "  -v                  progress once a second on stderr\n");
}

static void set_defaults(lg_options *o)
{
    memset(o, 0, sizeof *o);
    o->scenario = "custom";
    o->host = "127.0.0.1";
    o->port = 6667;
    o->clients = 100;
    o->channels = 1;
    o->rate = 1;
    o->seconds = 10;
    o->payload = 64;
    o->hold = 5;
    o->slow_rcvbuf = 4096;
    o->setup_timeout = 120;
    o->retries = 3;
    o->drain_timeout = 15;
    o->tls_name = "localhost";
}

/* The scenarios of bench/compare at full size.  Connections are paced
 * (250/s) except in the storm: ngircd's listening backlog is 10, and
 * connections that arrive faster than it accepts them wait for SYN
 * retransmissions. */
static const struct preset {
    const char *name;
    unsigned clients, channels;
    double rate, seconds;
    unsigned payload;
    double connect_rate;
    int idle;
    unsigned slow;
    double setup_timeout;
} presets[] = {
    {"fanout", 1000, 1, 1, 20, 64, 250, 0, 0, 60},
    {"channels", 5000, 500, 1, 15, 64, 250, 0, 0, 60},
    {"storm", 1000, 1, 0, 0, 64, 0, 0, 0, 45},
    {"idle5k", 5000, 500, 0, 0, 64, 250, 1, 0, 35},
    {"idle15k", 15000, 1500, 0, 0, 64, 250, 1, 0, 75},
    /* About 1 MB/s to every member, so that the slow reader's kernel
     * buffers (several MiB on loopback) fill within seconds and the
     * server's own output limit is what ends it. */
    {"slow", 100, 1, 20, 12, 400, 250, 0, 1, 60},
};

static int apply_scenario(lg_options *o, const char *name)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        const struct preset *p = &presets[i];
        if (strcmp(name, p->name) != 0)
            continue;
        o->scenario = p->name;
        o->clients = p->clients;
        o->channels = p->channels;
        o->rate = p->rate;
        o->seconds = p->seconds;
        o->payload = p->payload;
        o->connect_rate = p->connect_rate;
        o->idle = p->idle;
        o->slow = p->slow;
        o->setup_timeout = p->setup_timeout;
        if (p->idle)
            o->hold = 2;
        return 0;
    }
    return -1;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int parse_uint(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > 1000000000ul)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* "P1,P2,..." (ports) or "HOST:PORT,..." (hosts too): fills o->servers. */
static int parse_servers(lg_options *o, const char *list, int with_host)
{
    o->nservers = 0;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[160];
        if (len == 0 || len >= sizeof item || o->nservers == LG_MAX_SERVERS)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        lg_server *srv = &o->servers[o->nservers];
        const char *port = item;
        const char *host;
        if (with_host) {
            char *colon = strrchr(item, ':');
            if (!colon || colon == item)
                return -1;
            *colon = '\0';
            size_t hlen = (size_t)(colon - item);
            host = item;
            if (item[0] == '[' && hlen > 2 && item[hlen - 1] == ']') {
                item[hlen - 1] = '\0'; /* [::1]:6667 */
                host = item + 1;
            }
            port = colon + 1;
        } else {
            host = o->host;
        }
        if (strlen(host) >= sizeof srv->host)
            return -1;
        memcpy(srv->host, host, strlen(host) + 1);
        unsigned u;
        if (parse_uint(port, &u) || u == 0 || u > 65535)
            return -1;
        srv->port = (uint16_t)u;
        o->nservers++;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

/* "PID" or "PID,PID,...": fills o->server_pids. */
static int parse_pids(lg_options *o, const char *list)
{
    o->npids = 0;
    const char *p = list;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v <= 0 || v > 0x7fffffffL || o->npids == LG_MAX_PIDS ||
            (*end && *end != ','))
            return -1;
        o->server_pids[o->npids++] = (int)v;
        if (!*end)
            return 0;
        p = end + 1;
    }
}

enum {
    OPT_SCENARIO = 256,
    OPT_HOST,
    OPT_PORT,
    OPT_PORTS,
    OPT_SERVERS,
    OPT_PHASE_MARKS,
    OPT_PASS,
    OPT_CONNECT_RATE,
    OPT_PID,
    OPT_IDLE,
    OPT_HOLD,
    OPT_SLOW,
    OPT_SLOW_RCVBUF,
    OPT_SETUP_TIMEOUT,
    OPT_RETRY,
    OPT_DRAIN_TIMEOUT,
    OPT_JSON,
    OPT_LABEL,
    OPT_NO_JOIN,
    OPT_TLS,
    OPT_TLS_PIN,
    OPT_TLS_CA,
    OPT_TLS_NAME,
    OPT_TLS_RESUME,
    OPT_HELP
};

static const struct option long_opts[] = {
    {"scenario", required_argument, NULL, OPT_SCENARIO},
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"ports", required_argument, NULL, OPT_PORTS},
    {"servers", required_argument, NULL, OPT_SERVERS},
    {"phase-marks", no_argument, NULL, OPT_PHASE_MARKS},
    {"pass", required_argument, NULL, OPT_PASS},
    {"connect-rate", required_argument, NULL, OPT_CONNECT_RATE},
    {"server-pid", required_argument, NULL, OPT_PID},
    {"idle", no_argument, NULL, OPT_IDLE},
    {"hold", required_argument, NULL, OPT_HOLD},
    {"slow-reader", required_argument, NULL, OPT_SLOW},
    {"slow-rcvbuf", required_argument, NULL, OPT_SLOW_RCVBUF},
    {"setup-timeout", required_argument, NULL, OPT_SETUP_TIMEOUT},
    {"retry", required_argument, NULL, OPT_RETRY},
    {"drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT},
    {"json", required_argument, NULL, OPT_JSON},
    {"label", required_argument, NULL, OPT_LABEL},
    {"no-join", no_argument, NULL, OPT_NO_JOIN},
    {"tls", no_argument, NULL, OPT_TLS},
    {"tls-pin", required_argument, NULL, OPT_TLS_PIN},
    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
    {"tls-name", required_argument, NULL, OPT_TLS_NAME},
    {"tls-resume", no_argument, NULL, OPT_TLS_RESUME},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int parse_options(lg_options *o, int argc, char **argv)
{
    set_defaults(o);
    /* A scenario first, wherever it is, so that other options override it. */
    for (int i = 1; i < argc; i++) {
        const char *name = NULL;
        if (!strcmp(argv[i], "--scenario") && i + 1 < argc)
            name = argv[i + 1];
        else if (!strncmp(argv[i], "--scenario=", 11))
            name = argv[i] + 11;
        if (name && apply_scenario(o, name) != 0) {
            fprintf(stderr, "loadgen: unknown scenario '%s'\n", name);
            return -1;
        }
    }
    int ch;
    unsigned u;
    const char *ports = NULL, *servers = NULL;
    int port_given = 0;
    while ((ch = getopt_long(argc, argv, "n:c:r:t:s:vh", long_opts, NULL)) != -1) {
        int bad = 0;
        switch (ch) {
        case 'n':
            bad = parse_uint(optarg, &o->clients) || o->clients == 0;
            break;
        case 'c':
            bad = parse_uint(optarg, &o->channels) || o->channels == 0;
            break;
        case 'r':
            bad = parse_double(optarg, &o->rate);
            break;
        case 't':
            bad = parse_double(optarg, &o->seconds);
            break;
        case 's':
            bad = parse_uint(optarg, &o->payload);
            break;
        case 'v':
            o->verbose = 1;
            break;
        case OPT_SCENARIO:
            break; /* applied above */
        case OPT_HOST:
            o->host = optarg;
            break;
        case OPT_PORT:
            bad = parse_uint(optarg, &u) || u == 0 || u > 65535;
            o->port = (uint16_t)u;
            port_given = 1;
            break;
        case OPT_PORTS:
            ports = optarg;
            break;
        case OPT_SERVERS:
            servers = optarg;
            break;
        case OPT_PHASE_MARKS:
            o->phase_marks = 1;
            break;
        case OPT_PASS:
            o->pass = optarg;
            break;
        case OPT_CONNECT_RATE:
            bad = parse_double(optarg, &o->connect_rate);
            break;
        case OPT_PID:
            bad = parse_pids(o, optarg);
            break;
        case OPT_IDLE:
            o->idle = 1;
            break;
        case OPT_HOLD:
            bad = parse_double(optarg, &o->hold);
            break;
        case OPT_SLOW:
            bad = parse_uint(optarg, &o->slow);
            break;
        case OPT_SLOW_RCVBUF:
            bad = parse_uint(optarg, &u);
            o->slow_rcvbuf = (int)u;
            break;
        case OPT_SETUP_TIMEOUT:
            bad = parse_double(optarg, &o->setup_timeout);
            break;
        case OPT_RETRY:
            bad = parse_uint(optarg, &o->retries) || o->retries > 200;
            break;
        case OPT_DRAIN_TIMEOUT:
            bad = parse_double(optarg, &o->drain_timeout);
            break;
        case OPT_JSON:
            o->json = optarg;
            break;
        case OPT_LABEL:
            o->label = optarg;
            break;
        case OPT_NO_JOIN:
            o->no_join = 1;
            break;
        case OPT_TLS:
            o->tls = 1;
            break;
        case OPT_TLS_PIN:
            o->tls_pin = optarg;
            break;
        case OPT_TLS_CA:
            o->tls_ca = optarg;
            break;
        case OPT_TLS_NAME:
            bad = !optarg[0] || strlen(optarg) > 80;
            o->tls_name = optarg;
            break;
        case OPT_TLS_RESUME:
            o->tls_resume = 1;
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "loadgen: bad value for option: %s\n", optarg ? optarg : "");
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "loadgen: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    /* After the loop: --ports takes --host wherever it was given. */
    if ((ports != NULL) + (servers != NULL) + port_given > 1) {
        fprintf(stderr, "loadgen: give one of --port, --ports and --servers\n");
        return -1;
    }
    if (ports || servers) {
        if (parse_servers(o, servers ? servers : ports, servers != NULL) != 0) {
            fprintf(stderr, "loadgen: bad server list '%s' (at most %d, %s)\n",
                    servers ? servers : ports, LG_MAX_SERVERS,
                    servers ? "HOST:PORT,HOST:PORT,..." : "PORT,PORT,...");
            return -1;
        }
    } else {
        if (strlen(o->host) >= sizeof o->servers[0].host) {
            fprintf(stderr, "loadgen: host name too long: %s\n", o->host);
            return -1;
        }
        memcpy(o->servers[0].host, o->host, strlen(o->host) + 1);
        o->servers[0].port = o->port;
        o->nservers = 1;
    }
    if (o->slow >= o->clients) {
        fprintf(stderr, "loadgen: --slow-reader must be below -n\n");
        return -1;
    }
    if (o->no_join && !o->idle)
        o->seconds = 0; /* nobody to send to */
    if ((o->tls_pin || o->tls_ca || o->tls_resume) && !o->tls) {
        fprintf(stderr, "loadgen: --tls-pin, --tls-ca and --tls-resume need --tls\n");
        return -1;
    }
    if (o->payload < 24)
        o->payload = 24; /* room for the marker and the send time */
    if (o->payload > 400)
        o->payload = 400;
    return 0;
}

/* ---- helpers ---- */

static double cpu_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void raise_fd_limit(unsigned need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)need + 32)
        fprintf(stderr, "loadgen: warning: %u clients but only %llu files allowed\n", need,
                (unsigned long long)rl.rlim_cur);
}

/* The server processes' figures, each into each[], summed in the result
 * (not ok without --server-pid). */
static procstat server_stat(driver *d, procstat *each)
{
    const lg_options *o = &d->run.opt;
    procstat st = procstat_read_all(o->server_pids, o->npids, each);
    for (unsigned i = 0; i < o->npids; i++)
        if (each[i].ok && each[i].rss_kib > d->rss_max_each_kib[i])
            d->rss_max_each_kib[i] = each[i].rss_kib;
    if (st.ok && st.rss_kib > d->rss_max_kib)
        d->rss_max_kib = st.rss_kib;
    return st;
}

static void sample_rss(driver *d, uint64_t now)
{
    if (d->run.opt.npids == 0 || now - d->last_rss_us < RSS_SAMPLE_US)
        return;
    d->last_rss_us = now;
    procstat each[LG_MAX_PIDS];
    server_stat(d, each);
}

static void set_phase(driver *d, enum phase ph, uint64_t now)
{
    d->phase = ph;
    d->phase_start_us = now;
}

/* --phase-marks: say that the measured phase begins or ends, and wait for
 * the caller's line on standard input (it reads its own figures, say
 * Redis's counters, meanwhile; end of input: go on).  The clients stay
 * connected and idle while it does.  Returns the time after the wait. */
static uint64_t phase_mark(driver *d, const char *what, uint64_t now)
{
    if (!d->run.opt.phase_marks)
        return now;
    fprintf(stderr, "loadgen: measure %s\n", what);
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        d->run.opt.phase_marks = 0; /* nobody answers: stop asking */
    d->last_tick_us = nt_clock_us(); /* the wait is not the timer's lateness */
    return d->last_tick_us;
}

static void measure_before(driver *d, uint64_t now)
{
    d->srv_before = server_stat(d, d->srv_each_before);
    d->self_before.cpu_s = cpu_self();
    d->before_us = now;
}

static void measure_after(driver *d, uint64_t now)
{
    d->srv_after = server_stat(d, d->srv_each_after);
    d->self_after.cpu_s = cpu_self();
    d->after_us = now;
    phase_mark(d, "end", now);
}

/* ---- phases ---- */

static void start_send(driver *d, uint64_t now)
{
    lg_run *run = &d->run;
    d->senders = malloc(sizeof *d->senders * run->opt.clients);
    d->nsenders = 0;
    for (unsigned i = 0; d->senders && i < run->opt.clients; i++) {
        const lg_client *c = &run->clients[i];
        if (c->state == LG_READY && !c->slow)
            d->senders[d->nsenders++] = i;
    }
    double total_rate = (double)d->nsenders * run->opt.rate;
    d->total_msgs = (uint64_t)(total_rate * run->opt.seconds + 0.5);
    d->interval_us = total_rate > 0 ? 1e6 / total_rate : 0;
    d->next_msg = 0;
    d->send_start_us = now;
    d->msg_buf = malloc(run->opt.payload + 64);
    run->measuring = 1;
    set_phase(d, d->total_msgs ? PH_SEND : PH_DRAIN, now);
}

static void send_due(driver *d, uint64_t now)
{
    lg_run *run = &d->run;
    while (d->next_msg < d->total_msgs) {
        uint64_t due = d->send_start_us + (uint64_t)((double)d->next_msg * d->interval_us);
        if (due > now)
            break;
        hist_add(&run->slip, now - due);
        lg_client *c = &run->clients[d->senders[d->next_msg % d->nsenders]];
        d->next_msg++;
        if (c->state != LG_READY) {
            run->send_failures++;
            continue;
        }
        /* "PRIVMSG #cN :T<send time> <sender> <padding>\r\n": the text is
         * exactly payload bytes. */
        char *b = d->msg_buf;
        int head = sprintf(b, "PRIVMSG #c%u :", c->chan);
        int text = sprintf(b + head, "%c%llu %u ", LG_MARK, (unsigned long long)now, c->id);
        size_t len = (size_t)head + (size_t)text;
        size_t want = (size_t)head + run->opt.payload;
        if (len < want) {
            memset(b + len, 'x', want - len);
            len = want;
        }
        b[len++] = '\r';
        b[len++] = '\n';
        /* Everyone in the channel who reads, except the sender. */
        uint32_t rcv = run->receivers[c->chan];
        run->expected += rcv > 0 ? rcv - (c->counted ? 1u : 0u) : 0;
        run->sent++;
        lg_client_send(c, b, len);
    }
    if (d->next_msg >= d->total_msgs) {
        d->send_end_us = now;
        set_phase(d, PH_DRAIN, now);
    }
}

static void finish_setup(driver *d, uint64_t now)
{
    lg_run *run = &d->run;
    /* Those not joined by now are counted as failed. */
    run->setup_open = 0;
    run->nretry = 0;
    for (unsigned i = 0; i < run->opt.clients; i++) {
        lg_client *c = &run->clients[i];
        if (c->state != LG_READY && c->state != LG_CLOSED) {
            if (c->state == LG_IDLE)
                c->state = LG_CONNECTING; /* never started: a failure too */
            lg_client_close(c, NT_ETIMEDOUT);
        }
    }
    set_phase(d, PH_SETTLE, now);
}

static void on_tick(nt_timer *t, void *data)
{
    driver *d = data;
    lg_run *run = &d->run;
    (void)t;
    uint64_t now = nt_clock_us();
    if (d->phase == PH_SEND && d->last_tick_us)
        hist_add(&run->tick_late, now - d->last_tick_us > TICK_MS * 1000u
                                      ? now - d->last_tick_us - TICK_MS * 1000u
                                      : 0);
    d->last_tick_us = now;
    sample_rss(d, now);

    switch (d->phase) {
    case PH_SETUP: {
        unsigned target = run->opt.clients;
        if (run->opt.connect_rate > 0) {
            double due = (double)(now - run->t_setup_us) / 1e6 * run->opt.connect_rate + 1;
            if (due < target)
                target = (unsigned)due;
        }
        while (run->started < target)
            lg_client_start(run, &run->clients[run->started++]);
        lg_client_retry_due(run, now);
        if (run->started == run->opt.clients && run->joined + run->failed >= run->opt.clients) {
            run->setup_open = 0;
            set_phase(d, PH_SETTLE, now);
        } else if ((double)(now - run->t_setup_us) > run->opt.setup_timeout * 1e6)
            finish_setup(d, now);
        break;
    }
    case PH_SETTLE:
        if (now - run->last_rx_us >= SETTLE_QUIET_US || now - d->phase_start_us >= SETTLE_MAX_US) {
            now = phase_mark(d, "begin", now);
            measure_before(d, now);
            if (run->opt.idle)
                set_phase(d, PH_HOLD, now);
            else if (run->opt.seconds > 0 && run->opt.rate > 0)
                start_send(d, now);
            else {
                measure_after(d, now);
                set_phase(d, PH_DONE, now);
            }
        }
        break;
    case PH_SEND:
        send_due(d, now);
        break;
    case PH_DRAIN:
        if (run->delivered >= run->expected || now - run->last_rx_us >= DRAIN_QUIET_US ||
            (double)(now - d->phase_start_us) >= run->opt.drain_timeout * 1e6) {
            measure_after(d, now);
            run->measuring = 0;
            d->delivered_at_phase_end = run->delivered;
            if (run->opt.slow) {
                for (unsigned i = 0; i < run->opt.clients; i++)
                    if (run->clients[i].slow)
                        lg_client_resume(&run->clients[i]);
                set_phase(d, PH_SLOWCHECK, now);
            } else {
                set_phase(d, PH_DONE, now);
            }
        }
        break;
    case PH_HOLD:
        if ((double)(now - d->phase_start_us) >= run->opt.hold * 1e6) {
            measure_after(d, now);
            set_phase(d, PH_DONE, now);
        }
        break;
    case PH_SLOWCHECK: {
        unsigned open = 0;
        for (unsigned i = 0; i < run->opt.clients; i++)
            if (run->clients[i].slow && run->clients[i].state != LG_CLOSED)
                open++;
        if (open == 0 || now - run->last_rx_us >= 1000000u ||
            now - d->phase_start_us >= SLOW_CHECK_MAX_US)
            set_phase(d, PH_DONE, now);
        break;
    }
    case PH_DONE:
        break;
    }
    if (run->opt.verbose && now - d->last_progress_us >= 1000000u) {
        d->last_progress_us = now;
        fprintf(stderr,
                "loadgen: %.1fs phase %d started %u joined %u failed %u sent %llu "
                "delivered %llu/%llu\n",
                (double)(now - run->t_setup_us) / 1e6, (int)d->phase, run->started, run->joined,
                run->failed, (unsigned long long)run->sent, (unsigned long long)run->delivered,
                (unsigned long long)run->expected);
    }
    if (d->phase == PH_DONE)
        nt_loop_stop(run->loop);
}

/* The client configuration all connections share: no certificate check
 * (the run's server has a self-signed one), or a pin; a handshake may take
 * as long as the setup.  --tls-ca spares the first session the reading of
 * the system's CA bundle, which nothing here needs. */
static int setup_tls(lg_run *run)
{
    const lg_options *o = &run->opt;
    int rc = nt_tls_config_new(NT_TLS_CLIENT, &run->tls);
    if (rc == NT_OK && o->tls_ca)
        rc = nt_tls_config_set_ca_file(run->tls, o->tls_ca);
    if (rc == NT_OK)
        rc = o->tls_pin ? nt_tls_config_pin(run->tls, o->tls_pin)
                        : nt_tls_config_set_verify(run->tls, NT_TLS_VERIFY_NONE);
    if (rc == NT_OK)
        rc = nt_tls_config_set_handshake_timeout(run->tls, (uint64_t)(o->setup_timeout * 1000) + 1);
    if (rc != NT_OK) {
        fprintf(stderr, "loadgen: TLS configuration: %s%s%s\n", nt_strerror(rc),
                run->tls ? ": " : "", run->tls ? nt_tls_config_error(run->tls) : "");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static driver d;
    lg_run *run = &d.run;
    if (parse_options(&run->opt, argc, argv) != 0)
        return 2;
    const lg_options *o = &run->opt;
    raise_fd_limit(o->clients);
    for (unsigned i = 0; i < o->nservers; i++) {
        const lg_server *srv = &o->servers[i];
        if (nt_addr_from_ip(srv->host, srv->port, &run->addrs[i]) == NT_OK)
            continue;
        nt_addr addrs[1];
        if (nt_getaddrinfo(srv->host, srv->port, NT_AF_UNSPEC, NT_SOCK_STREAM, addrs, 1) < 1) {
            fprintf(stderr, "loadgen: cannot resolve %s\n", srv->host);
            return 2;
        }
        run->addrs[i] = addrs[0];
    }
    int rc = nt_loop_new(&run->loop);
    if (rc != NT_OK) {
        fprintf(stderr, "loadgen: loop: %s\n", nt_strerror(rc));
        return 1;
    }
    run->clients = calloc(o->clients, sizeof *run->clients);
    run->receivers = calloc(o->channels, sizeof *run->receivers);
    run->retry_ids = calloc(o->clients, sizeof *run->retry_ids);
    if (!run->clients || !run->receivers || !run->retry_ids) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 1;
    }
    /* Slow readers are spread over the channels: the first K channels'
     * first member each (with one channel: clients 0..K-1). */
    for (unsigned i = 0; i < o->clients; i++) {
        lg_client *c = &run->clients[i];
        c->run = run;
        c->id = i;
        c->chan = i % o->channels;
        c->server = (uint16_t)(i % o->nservers);
        c->slow = i < o->slow;
    }
    hist_init(&run->latency);
    hist_init(&run->latency_same);
    hist_init(&run->latency_cross);
    hist_init(&run->slip);
    hist_init(&run->tick_late);
    hist_init(&run->iter_busy);
    hist_init(&run->join_hist);
    hist_init(&run->handshake_hist);
    if (o->tls && setup_tls(run) != 0)
        return 2;

    d.srv_start = server_stat(&d, d.srv_each_start);
    for (unsigned i = 0; i < o->npids; i++)
        if (!d.srv_each_start[i].ok) {
            fprintf(stderr, "loadgen: cannot read /proc/%d\n", o->server_pids[i]);
            return 2;
        }
    if ((rc = nt_timer_new(run->loop, on_tick, &d, &d.tick)) != NT_OK ||
        (rc = nt_timer_start(d.tick, 0, TICK_MS)) != NT_OK) {
        fprintf(stderr, "loadgen: timer: %s\n", nt_strerror(rc));
        return 1;
    }
    d.self_start.cpu_s = cpu_self();
    run->t_setup_us = nt_clock_us();
    run->last_rx_us = run->t_setup_us;
    run->setup_open = 1;
    d.phase = PH_SETUP;
    rc = nt_loop_run(run->loop);
    if (rc != NT_OK) {
        fprintf(stderr, "loadgen: loop: %s\n", nt_strerror(rc));
        return 1;
    }
    int status = driver_report(&d);
    /* Leave the sockets and the loop to the exit (no nt_loop_close()):
     * closing 15,000 connections one by one only measures the server's
     * disconnect path. */
    return status;
}

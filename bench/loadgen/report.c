/* SPDX-License-Identifier: MIT */
/* The load generator's report: text for people, JSON for bench/compare. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

static double secs_since(uint64_t t, uint64_t start)
{
    return t ? (double)(t - start) / 1e6 : -1.0;
}

typedef struct results {
    double t_connected, t_handshaken, t_registered, t_joined;
    double setup_srv_cpu_s, setup_gen_cpu_s;
    double send_s, phase_s;
    uint64_t loss;
    double loss_pct, deliveries_per_s;
    double srv_cpu_s, srv_cores, srv_cpu_per_mdel;
    double gen_cpu_s, gen_cores;
    double rss_per_client_kib;
    int gen_behind;
    unsigned slow_closed, slow_errors;
} results;

static void compute(driver *d, results *r)
{
    lg_run *run = &d->run;
    memset(r, 0, sizeof *r);
    r->t_connected = secs_since(run->t_all_connected_us, run->t_setup_us);
    r->t_handshaken = secs_since(run->t_all_handshaken_us, run->t_setup_us);
    r->t_registered = secs_since(run->t_all_registered_us, run->t_setup_us);
    r->t_joined = secs_since(run->t_all_joined_us, run->t_setup_us);
    r->send_s =
        d->send_end_us > d->send_start_us ? (double)(d->send_end_us - d->send_start_us) / 1e6 : 0;
    r->phase_s = d->after_us > d->before_us ? (double)(d->after_us - d->before_us) / 1e6 : 0;
    uint64_t delivered = d->delivered_at_phase_end ? d->delivered_at_phase_end : run->delivered;
    r->loss = run->expected > delivered ? run->expected - delivered : 0;
    r->loss_pct = run->expected ? 100.0 * (double)r->loss / (double)run->expected : 0;
    r->deliveries_per_s = r->send_s > 0 ? (double)delivered / r->send_s : 0;
    if (d->srv_before.ok && d->srv_after.ok) {
        r->srv_cpu_s = d->srv_after.cpu_s - d->srv_before.cpu_s;
        r->srv_cores = r->phase_s > 0 ? r->srv_cpu_s / r->phase_s : 0;
        r->srv_cpu_per_mdel = delivered ? r->srv_cpu_s / ((double)delivered / 1e6) : 0;
        if (run->joined)
            r->rss_per_client_kib =
                ((double)d->srv_after.rss_kib - (double)d->srv_start.rss_kib) / (double)run->joined;
    }
    /* The setup (connections, handshakes, registration, joins, and the
     * settling pause after them). */
    if (d->srv_start.ok && d->srv_before.ok)
        r->setup_srv_cpu_s = d->srv_before.cpu_s - d->srv_start.cpu_s;
    r->setup_gen_cpu_s = d->self_before.cpu_s - d->self_start.cpu_s;
    r->gen_cpu_s = d->self_after.cpu_s - d->self_before.cpu_s;
    r->gen_cores = r->phase_s > 0 ? r->gen_cpu_s / r->phase_s : 0;
    /* Behind: its own core busy (2: the bottleneck), or its sends and timer
     * late while it was not busy (1: the machine is). */
    if (run->sent && (r->gen_cores > 0.85 || hist_quantile(&run->slip, 0.99) > 5000 ||
                      hist_quantile(&run->tick_late, 0.99) > 5000))
        r->gen_behind = r->gen_cores > 0.85 ? 2 : 1;
    for (unsigned i = 0; i < run->opt.clients; i++) {
        const lg_client *c = &run->clients[i];
        if (!c->slow)
            continue;
        if (c->state == LG_CLOSED)
            r->slow_closed++;
        if (c->got_error) {
            r->slow_errors++;
            snprintf(d->slow_reason, sizeof d->slow_reason, "%s", c->error_text);
        }
    }
}

static void print_hist_ms(FILE *f, const char *name, const hist *h)
{
    fprintf(f, "%-18s p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms (n=%llu)\n", name,
            ms(hist_quantile(h, 0.50)), ms(hist_quantile(h, 0.90)), ms(hist_quantile(h, 0.99)),
            ms(hist_quantile(h, 0.999)), ms(h->count ? h->max : 0), (unsigned long long)h->count);
}

/* Why clients failed: the commonest reasons, with the server's words. */
static void print_failures(FILE *f, const lg_run *run)
{
    struct {
        int reason;
        unsigned n;
        const char *text;
    } seen[8];
    size_t nseen = 0;
    for (unsigned i = 0; i < run->opt.clients; i++) {
        const lg_client *c = &run->clients[i];
        if (c->state != LG_CLOSED || c->t_joined_us)
            continue;
        size_t k = 0;
        while (k < nseen && seen[k].reason != c->close_reason)
            k++;
        if (k == nseen) {
            if (nseen == sizeof seen / sizeof seen[0])
                continue;
            seen[nseen].reason = c->close_reason;
            seen[nseen].n = 0;
            seen[nseen].text = NULL;
            nseen++;
        }
        seen[k].n++;
        if (c->error_text[0])
            seen[k].text = c->error_text;
    }
    for (size_t k = 0; k < nseen; k++)
        fprintf(f, " %u %s%s%s%s", seen[k].n, nt_err_name(seen[k].reason), seen[k].text ? " (" : "",
                seen[k].text ? seen[k].text : "", seen[k].text ? ")" : "");
    fprintf(f, "\n");
}

/* "host:port" of each server, comma-separated (IPv6 in brackets). */
static void format_servers(const lg_options *o, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < o->nservers && n < size; i++) {
        const char *host = o->servers[i].host;
        int v6 = strchr(host, ':') != NULL; /* [::1]:6667 */
        int w = snprintf(buf + n, size - n, "%s%s%s%s:%u", i ? "," : "", v6 ? "[" : "", host,
                         v6 ? "]" : "", o->servers[i].port);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

/* The server processes: "pid 42" or "pids 42,43,44 (summed)". */
static void print_pids(FILE *f, const lg_options *o)
{
    fprintf(f, "pid%s ", o->npids > 1 ? "s" : "");
    for (unsigned i = 0; i < o->npids; i++)
        fprintf(f, "%s%d", i ? "," : "", o->server_pids[i]);
    if (o->npids > 1)
        fprintf(f, " (summed)");
}

static void print_text(driver *d, const results *r)
{
    lg_run *run = &d->run;
    const lg_options *o = &run->opt;
    FILE *f = stdout;
    char servers[LG_MAX_SERVERS * 40];
    format_servers(o, servers, sizeof servers);
    fprintf(f, "scenario           %s%s%s against %s\n", o->scenario, o->label ? " / " : "",
            o->label ? o->label : "", servers);
    if (o->nservers > 1)
        fprintf(f, "servers            %u: client i on server i %% %u\n", o->nservers, o->nservers);
    fprintf(f, "clients            %u in %u channel(s), %u slow reader(s)\n", o->clients,
            o->channels, o->slow);
    fprintf(f,
            "setup              connect rate %s; all connected %.3f s, registered %.3f s, "
            "joined %.3f s\n",
            o->connect_rate > 0 ? "paced" : "all at once", r->t_connected, r->t_registered,
            r->t_joined);
    if (o->connect_rate > 0)
        fprintf(f, "                   (paced at %.0f connections/s)\n", o->connect_rate);
    print_hist_ms(f, "join time", &run->join_hist);
    if (o->tls) {
        fprintf(f, "tls                %s %s; %u handshaken (%u resumed), all handshaken %.3f s\n",
                run->tls_protocol[0] ? run->tls_protocol : "-",
                run->tls_cipher[0] ? run->tls_cipher : "-", run->handshaken, run->tls_resumed,
                r->t_handshaken);
        print_hist_ms(f, "handshake time", &run->handshake_hist);
    }
    fprintf(f, "setup cpu          server %.2f s, generator %.2f s\n", r->setup_srv_cpu_s,
            r->setup_gen_cpu_s);
    fprintf(f, "joined/failed      %u / %u (%u reconnection(s))\n", run->joined, run->failed,
            run->retries);
    if (run->sent || (!o->idle && o->seconds > 0)) {
        fprintf(f, "send phase         %.2f s at %g msg/s per client, %u-byte text\n", r->send_s,
                o->rate, o->payload);
        fprintf(f, "sent               %llu (%llu not sent: sender gone)\n",
                (unsigned long long)run->sent, (unsigned long long)run->send_failures);
        fprintf(f, "expected           %llu\n", (unsigned long long)run->expected);
        fprintf(f, "delivered          %llu\n",
                (unsigned long long)(d->delivered_at_phase_end ? d->delivered_at_phase_end
                                                               : run->delivered));
        fprintf(f, "loss               %llu (%.4f%%)\n", (unsigned long long)r->loss, r->loss_pct);
        fprintf(f, "deliveries/s       %.0f\n", r->deliveries_per_s);
        print_hist_ms(f, "latency", &run->latency);
        if (o->nservers > 1) {
            print_hist_ms(f, " same server", &run->latency_same);
            print_hist_ms(f, " across servers", &run->latency_cross);
        }
        fprintf(f, "closed by server   %u (not slow readers)\n", run->unexpected_closes);
    }
    if (d->srv_before.ok && d->srv_after.ok) {
        fprintf(f, "server             ");
        print_pids(f, o);
        fprintf(f, ": cpu %.2f s over %.2f s (%.2f cores)", r->srv_cpu_s, r->phase_s, r->srv_cores);
        if (run->sent)
            fprintf(f, ", %.3f cpu-s per million deliveries", r->srv_cpu_per_mdel);
        fprintf(f, "\n");
        fprintf(f,
                "server rss         start %.1f MiB, before %.1f MiB, after %.1f MiB, max %.1f MiB"
                " (VmHWM %.1f MiB)\n",
                (double)d->srv_start.rss_kib / 1024, (double)d->srv_before.rss_kib / 1024,
                (double)d->srv_after.rss_kib / 1024, (double)d->rss_max_kib / 1024,
                (double)d->srv_after.hwm_kib / 1024);
        for (unsigned i = 0; o->npids > 1 && i < o->npids; i++)
            fprintf(f,
                    " pid %-15d cpu %.2f s; rss start %.1f MiB, before %.1f MiB, after %.1f MiB, "
                    "max %.1f MiB\n",
                    o->server_pids[i], d->srv_each_after[i].cpu_s - d->srv_each_before[i].cpu_s,
                    (double)d->srv_each_start[i].rss_kib / 1024,
                    (double)d->srv_each_before[i].rss_kib / 1024,
                    (double)d->srv_each_after[i].rss_kib / 1024,
                    (double)d->rss_max_each_kib[i] / 1024);
        if (o->idle)
            fprintf(f, "rss per client     %.2f KiB (after - start, over %u joined clients)\n",
                    r->rss_per_client_kib, run->joined);
    }
    if (o->slow)
        fprintf(f, "slow readers       %u of %u disconnected by the server%s%s\n", r->slow_closed,
                o->slow, r->slow_errors ? "; last ERROR: " : "",
                r->slow_errors ? d->slow_reason : "");
    fprintf(f,
            "generator          cpu %.2f s (%.2f cores); lines in %llu, bytes in %llu, out %llu\n",
            r->gen_cpu_s, r->gen_cores, (unsigned long long)run->lines_in,
            (unsigned long long)run->bytes_in, (unsigned long long)run->bytes_out);
    if (run->sent) {
        print_hist_ms(f, "send slip", &run->slip);
        print_hist_ms(f, "tick lateness", &run->tick_late);
        print_hist_ms(f, "read iteration", &run->iter_busy);
    }
    if (r->gen_behind == 2)
        fprintf(f,
                "WARNING: the generator is the bottleneck: it used %.2f cores (send slip p99 "
                "%.1f ms); the server may be faster than these figures say\n",
                r->gen_cores, ms(hist_quantile(&run->slip, 0.99)));
    else if (r->gen_behind)
        fprintf(f,
                "WARNING: the generator ran late (send slip p99 %.1f ms, timer p99 %.1f ms) "
                "though it used only %.2f cores: the machine is busy; latencies include up to "
                "that much of its own delay\n",
                ms(hist_quantile(&run->slip, 0.99)), ms(hist_quantile(&run->tick_late, 0.99)),
                r->gen_cores);
    if (o->tls && r->t_joined > 0 && r->setup_gen_cpu_s > 0.8 * r->t_joined)
        fprintf(
            f,
            "WARNING: the generator was busy for %.0f%% of the setup (%.2f ms of its CPU per "
            "client, TLS handshakes mostly): the handshake and setup times are partly its own\n",
            100.0 * r->setup_gen_cpu_s / r->t_joined,
            run->joined ? 1000.0 * r->setup_gen_cpu_s / run->joined : 0.0);
    if (run->failed) {
        fprintf(f, "WARNING: %u client(s) failed to connect, register or join:", run->failed);
        print_failures(f, run);
    }
}

static void json_str(FILE *f, const char *key, const char *v)
{
    fprintf(f, "  \"%s\": \"", key);
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        if ((unsigned char)*p >= 0x20)
            fputc(*p, f);
    }
    fprintf(f, "\",\n");
}

static void json_num(FILE *f, const char *key, double v)
{
    fprintf(f, "  \"%s\": %.6g,\n", key, v);
}

static void json_hist(FILE *f, const char *prefix, const hist *h)
{
    char key[64];
    static const struct {
        const char *name;
        double q;
    } qs[] = {
        {"p50", 0.5},
        {"p90", 0.9},
        {"p99", 0.99},
        {"p999", 0.999},
    };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        snprintf(key, sizeof key, "%s_%s_ms", prefix, qs[i].name);
        json_num(f, key, ms(hist_quantile(h, qs[i].q)));
    }
    snprintf(key, sizeof key, "%s_max_ms", prefix);
    json_num(f, key, ms(h->count ? h->max : 0));
}

/* One figure per server process: its RSS, or its CPU less minus[i]'s. */
static void json_each(FILE *f, const char *key, const driver *d, const procstat *each,
                      const procstat *minus, int rss)
{
    fprintf(f, "  \"%s\": [", key);
    for (unsigned i = 0; i < d->run.opt.npids; i++) {
        double v = rss ? (double)each[i].rss_kib : each[i].cpu_s - (minus ? minus[i].cpu_s : 0);
        fprintf(f, "%s%.6g", i ? ", " : "", v);
    }
    fprintf(f, "],\n");
}

static int write_json(driver *d, const results *r, const char *path)
{
    lg_run *run = &d->run;
    const lg_options *o = &run->opt;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "{\n");
    json_str(f, "scenario", o->scenario);
    json_str(f, "label", o->label);
    char servers[LG_MAX_SERVERS * 40];
    format_servers(o, servers, sizeof servers);
    json_str(f, "servers", servers);
    json_num(f, "nservers", o->nservers);
    json_num(f, "clients", o->clients);
    json_num(f, "channels", o->channels);
    json_num(f, "rate", o->rate);
    json_num(f, "seconds", o->seconds);
    json_num(f, "payload", o->payload);
    json_num(f, "connect_rate", o->connect_rate);
    json_num(f, "slow_readers", o->slow);
    json_num(f, "setup_timeout_s", o->setup_timeout);
    json_num(f, "joined", run->joined);
    json_num(f, "failed", run->failed);
    json_num(f, "reconnections", run->retries);
    json_num(f, "t_connected_s", r->t_connected);
    json_num(f, "tls", o->tls);
    json_str(f, "tls_protocol", run->tls_protocol);
    json_str(f, "tls_cipher", run->tls_cipher);
    json_num(f, "registered", run->registered);
    json_num(f, "handshaken", run->handshaken);
    json_num(f, "tls_resumed", run->tls_resumed);
    json_num(f, "t_handshaken_s", o->tls ? r->t_handshaken : -1);
    json_hist(f, "handshake", &run->handshake_hist);
    json_num(f, "setup_server_cpu_s", r->setup_srv_cpu_s);
    json_num(f, "setup_generator_cpu_s", r->setup_gen_cpu_s);
    json_num(f, "t_registered_s", r->t_registered);
    json_num(f, "t_joined_s", r->t_joined);
    json_hist(f, "join", &run->join_hist);
    json_num(f, "send_s", r->send_s);
    json_num(f, "phase_s", r->phase_s);
    json_num(f, "sent", (double)run->sent);
    json_num(f, "expected", (double)run->expected);
    json_num(f, "delivered",
             (double)(d->delivered_at_phase_end ? d->delivered_at_phase_end : run->delivered));
    json_num(f, "loss", (double)r->loss);
    json_num(f, "loss_pct", r->loss_pct);
    json_num(f, "deliveries_per_s", r->deliveries_per_s);
    json_hist(f, "latency", &run->latency);
    json_num(f, "latency_same_n", (double)run->latency_same.count);
    json_hist(f, "latency_same", &run->latency_same);
    json_num(f, "latency_cross_n", (double)run->latency_cross.count);
    json_hist(f, "latency_cross", &run->latency_cross);
    json_num(f, "closed_by_server", run->unexpected_closes);
    json_num(f, "server_ok", d->srv_before.ok && d->srv_after.ok);
    json_num(f, "server_cpu_s", r->srv_cpu_s);
    json_num(f, "server_cores", r->srv_cores);
    json_num(f, "server_cpu_s_per_mdeliveries", r->srv_cpu_per_mdel);
    json_num(f, "server_rss_start_kib", (double)d->srv_start.rss_kib);
    json_num(f, "server_rss_before_kib", (double)d->srv_before.rss_kib);
    json_num(f, "server_rss_after_kib", (double)d->srv_after.rss_kib);
    json_num(f, "server_rss_max_kib", (double)d->rss_max_kib);
    json_num(f, "server_hwm_kib", (double)d->srv_after.hwm_kib);
    json_num(f, "rss_per_client_kib", r->rss_per_client_kib);
    /* Per server process, in --server-pid's order (the figures above are
     * their sums). */
    fprintf(f, "  \"server_pids\": [");
    for (unsigned i = 0; i < o->npids; i++)
        fprintf(f, "%s%d", i ? ", " : "", o->server_pids[i]);
    fprintf(f, "],\n");
    json_each(f, "server_cpu_s_each", d, d->srv_each_after, d->srv_each_before, 0);
    json_each(f, "server_rss_start_kib_each", d, d->srv_each_start, NULL, 1);
    json_each(f, "server_rss_after_kib_each", d, d->srv_each_after, NULL, 1);
    fprintf(f, "  \"server_rss_max_kib_each\": [");
    for (unsigned i = 0; i < o->npids; i++)
        fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)d->rss_max_each_kib[i]);
    fprintf(f, "],\n");
    json_num(f, "slow_disconnected", r->slow_closed);
    json_str(f, "slow_error", r->slow_errors ? d->slow_reason : "");
    json_num(f, "generator_cpu_s", r->gen_cpu_s);
    json_num(f, "generator_cores", r->gen_cores);
    json_hist(f, "slip", &run->slip);
    json_hist(f, "tick_late", &run->tick_late);
    json_hist(f, "read_iteration", &run->iter_busy);
    fprintf(f, "  \"generator_behind\": %s,\n", r->gen_behind ? "true" : "false");
    fprintf(f, "  \"generator_saturated\": %s\n}\n", r->gen_behind == 2 ? "true" : "false");
    return fclose(f) == 0 ? 0 : -1;
}

int driver_report(driver *d)
{
    results r;
    compute(d, &r);
    print_text(d, &r);
    if (d->run.opt.json && write_json(d, &r, d->run.opt.json) != 0)
        return 1;
    return d->run.joined ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
#include "server.h"

#include "account.h"
#include "authlimit.h"
#include "chanserv.h"
#include "client.h"
#include "cluster-core.h"
#include "history.h"
#include "intake.h"
#include "irc-cap.h"
#include "monitor.h"
#include "nickguard.h"
#include "utf8.h"
#include "whowas.h"

#include <natter/clock.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t default_mono(void *ctx)
{
    (void)ctx;
    return nt_clock_ms();
}

static int64_t default_wall(void *ctx)
{
    (void)ctx;
    return nt_clock_wall_us();
}

static void free_motd(srv_server *s)
{
    for (size_t i = 0; i < s->nmotd; i++)
        free(s->motd[i]);
    free(s->motd);
    s->motd = NULL;
    s->nmotd = 0;
}

/* Read the MOTD once per (re)configuration, not per request: bounded in
 * lines and line length, tolerant of CRLF files. */
static void load_motd(srv_server *s)
{
    enum { MAX_LINES = 500, MAX_LINE = 400 };
    free_motd(s);
    if (!s->cfg.motd_file)
        return;
    FILE *f = fopen(s->cfg.motd_file, "rb");
    if (!f) {
        srv_server_log(s, SRV_LOG_WARNING, "cannot open MOTD file %s", s->cfg.motd_file);
        return;
    }
    s->motd = calloc(MAX_LINES, sizeof *s->motd);
    char line[1024];
    while (s->motd && s->nmotd < MAX_LINES && fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        int partial = line[n] == '\0' && n == sizeof line - 1;
        line[n] = '\0';
        n = srv_utf8_cut(line, MAX_LINE);
        line[n] = '\0';
        char *copy = malloc(n + 1);
        if (!copy)
            break;
        memcpy(copy, line, n + 1);
        s->motd[s->nmotd++] = copy;
        /* Skip the rest of an over-long line. */
        while (partial && fgets(line, sizeof line, f)) {
            if (strchr(line, '\n'))
                break;
        }
    }
    fclose(f);
}

srv_server *srv_server_new(const srv_config *cfg)
{
    srv_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->mono_clock = default_mono;
    s->wall_clock = default_wall;
    if (srv_config_copy(&s->cfg, cfg) < 0) {
        free(s);
        return NULL;
    }
    s->nicks = srv_strmap_new();
    s->channels = srv_strmap_new();
    s->addresses = srv_strmap_new();
    s->monitors = srv_strmap_new();
    s->whowas = srv_whowas_new(s->cfg.whowas_size);
    s->scratch_size = srv_server_max_line(s) + 1;
    s->scratch = malloc(s->scratch_size);
    s->auth = srv_authlimit_new();
    s->reglimit = srv_authlimit_new();
    s->accounts = srv_accounts_new();
    if (!s->nicks || !s->channels || !s->addresses || !s->monitors || !s->whowas || !s->scratch ||
        !s->auth || !s->reglimit || !s->accounts || srv_history_new(s) < 0) {
        srv_server_free(s);
        return NULL;
    }
    s->now_ms = s->mono_clock(NULL);
    s->started_s = s->wall_clock(NULL) / 1000000;
    s->next_tick_ms = s->now_ms + 1000;
    load_motd(s);
    return s;
}

void srv_server_free(srv_server *s)
{
    if (!s)
        return;
    /* Quietly: the transports may already be gone at exit. */
    for (srv_client *c = s->clients; c; c = c->next)
        srv_client_drop_transport(c);
    s->depth++;
    s->shutting_down = 1;
    while (s->clients)
        srv_client_quit(s->clients, "Server shutting down", "Server shutting down");
    s->depth--;
    srv_server_enter(s);
    srv_server_leave(s);
    srv_strmap_free(s->nicks);
    srv_chanserv_free_all(s);
    srv_strmap_free(s->channels);
    srv_strmap_free(s->addresses);
    if (s->monitors)
        srv_monitor_free_all(s);
    srv_strmap_free(s->monitors);
    srv_whowas_free(s->whowas);
    free_motd(s);
    free(s->scratch);
    srv_authlimit_free(s->auth);
    srv_authlimit_free(s->reglimit);
    srv_accounts_free(s->accounts);
    srv_store_free(s->store); /* commits the history events still queued */
    srv_history_free(s);
    srv_cluster_free(s);
    srv_config_free(&s->cfg);
    free(s);
}

typedef struct loading {
    srv_server *s;
    char orphans[16][SRV_CHANNELLEN_MAX + 1]; /* channels to drop after the load */
    size_t norphans;
} loading;

static int load_account(void *ctx, const srv_store_account *a)
{
    return srv_accounts_add_loaded(((loading *)ctx)->s, a);
}

static int load_marker(void *ctx, const char *account_key, const char *target, int64_t time_us)
{
    return srv_history_add_loaded_marker(((loading *)ctx)->s, account_key, target, time_us);
}

static int load_last_msgid(void *ctx, int64_t msgid)
{
    srv_history_set_last_msgid(((loading *)ctx)->s, msgid);
    return 0;
}

static int load_channel(void *ctx, const srv_store_channel *ch)
{
    loading *l = ctx;
    int rc = srv_chanreg_add_loaded(l->s, ch);
    if (rc == 1 && l->norphans < sizeof l->orphans / sizeof l->orphans[0])
        snprintf(l->orphans[l->norphans++], sizeof l->orphans[0], "%s", ch->key);
    return rc < 0 ? -1 : 0;
}

/* An operator block tied to an account that does not exist yet admits
 * whoever registers that name first: say so. */
static void warn_unclaimed_opers(srv_server *s)
{
    for (size_t i = 0; i < s->cfg.nopers; i++) {
        const char *acc = s->cfg.opers[i].account;
        if (acc && !srv_account_find(s, acc))
            srv_server_log(s, SRV_LOG_WARNING,
                           "[oper %s] names account %s, which is not registered: whoever "
                           "registers it can OPER; register it now or set registration = opers",
                           s->cfg.opers[i].name, acc);
    }
}

int srv_server_set_store(srv_server *s, srv_store *st, char *err, size_t errsize)
{
    srv_store_free(s->store);
    s->store = NULL;
    if (!st)
        return 0;
    srv_store_visitor v = {.account = load_account,
                           .channel = load_channel,
                           .marker = load_marker,
                           .last_msgid = load_last_msgid};
    loading l = {.s = s};
    if (st->ops->load(st, &v, &l, err, errsize) < 0) {
        srv_store_free(st);
        return -1;
    }
    s->store = st;
    for (size_t i = 0; i < l.norphans; i++)
        st->ops->drop_channel(st, l.orphans[i], NULL, NULL);
    warn_unclaimed_opers(s);
    srv_server_log(s, SRV_LOG_INFO, "store: %zu accounts, %zu registered channels",
                   srv_accounts_count(s), srv_chanreg_count(s));
    return 0;
}

srv_store *srv_server_store(const srv_server *s)
{
    return s->store;
}

void srv_server_store_unavailable(srv_server *s)
{
    s->store_broken = 1;
}

void srv_server_set_offload(srv_server *s, srv_offload_fn fn, void *ctx)
{
    s->offload = fn;
    s->offload_ctx = ctx;
}

void srv_server_set_clock(srv_server *s, srv_mono_clock_fn mono, srv_wall_clock_fn wall, void *ctx)
{
    s->mono_clock = mono ? mono : default_mono;
    s->wall_clock = wall ? wall : default_wall;
    s->clock_ctx = ctx;
    s->now_ms = s->mono_clock(ctx);
    s->started_s = s->wall_clock(ctx) / 1000000;
    s->next_tick_ms = s->now_ms + 1000;
}

void srv_server_set_log(srv_server *s, srv_log_fn fn, void *ctx)
{
    s->log = fn;
    s->log_ctx = ctx;
}

void srv_server_log(srv_server *s, int level, const char *fmt, ...)
{
    if (!s->log)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    s->log(s->log_ctx, level, text);
}

uint64_t srv_server_now_ms(const srv_server *s)
{
    return s->now_ms;
}

int64_t srv_server_wall_us(const srv_server *s)
{
    return s->wall_clock(s->clock_ctx);
}

uint64_t srv_server_next_mark(srv_server *s)
{
    return ++s->mark;
}

void srv_server_enter(srv_server *s)
{
    if (s->depth++ == 0)
        s->now_ms = s->mono_clock(s->clock_ctx);
}

void srv_server_leave(srv_server *s)
{
    if (--s->depth > 0)
        return;
    srv_client_free_dead(s);
}

void srv_server_wake_at(srv_server *s, uint64_t when_ms)
{
    if (when_ms >= s->next_tick_ms)
        return;
    s->next_tick_ms = when_ms;
    if (s->on_wake && !s->in_tick)
        s->on_wake(s->on_wake_ctx, when_ms);
}

void srv_server_want_tick(srv_server *s, uint64_t when_ms)
{
    if (when_ms < s->clients_due_ms)
        s->clients_due_ms = when_ms;
    srv_server_wake_at(s, when_ms);
}

void srv_server_on_wake(srv_server *s, srv_wake_fn fn, void *ctx)
{
    s->on_wake = fn;
    s->on_wake_ctx = ctx;
}

void srv_server_tick(srv_server *s, uint64_t now_ms)
{
    srv_server_enter(s);
    s->in_tick = 1; /* the caller reschedules from next_tick_ms afterwards */
    s->now_ms = now_ms;
    const srv_config *cfg = &s->cfg;
    /* The walk over every client runs when one of its deadlines is due
     * (at most a second late for any, never idle for long), not on the
     * history's more frequent commits. */
    int walk = now_ms >= s->clients_due_ms;
    uint64_t next = walk ? now_ms + 60 * 1000 : s->clients_due_ms;
    srv_client *c = walk ? s->clients : NULL;
    while (c) {
        srv_client *following = c->next; /* c may be closed below */
        uint64_t deadline;
        if (c->home) { /* a mirror: its own node keeps it alive */
            c = following;
            continue;
        }
        if (!c->registered) {
            deadline = c->connected_ms + cfg->registration_timeout_ms;
            if (now_ms >= deadline) {
                srv_client_quit(c, "Registration timeout", "Registration timeout");
                c = following;
                continue;
            }
        } else if (c->ping_sent_ms) {
            deadline = c->ping_sent_ms + cfg->ping_timeout_ms;
            if (now_ms >= deadline) {
                char ping_reason[64];
                snprintf(ping_reason, sizeof ping_reason, "Ping timeout: %u seconds",
                         (unsigned)((now_ms - c->last_activity_ms) / 1000));
                srv_client_quit(c, ping_reason, ping_reason);
                c = following;
                continue;
            }
        } else {
            deadline = c->last_activity_ms + cfg->ping_interval_ms;
            if (now_ms >= deadline) {
                srv_client_send_ping(c);
                deadline = now_ms + cfg->ping_timeout_ms;
            }
        }
        if (c->nick_deadline_ms) {
            uint64_t rename_at = srv_nickguard_expire(c, now_ms);
            if (rename_at && rename_at < deadline)
                deadline = rename_at;
        }
        if (deadline < next)
            next = deadline;
        c = following;
    }
    if (walk)
        s->clients_due_ms = next;
    srv_chanreg_retry(s);
    if (s->chanreg_dirty && now_ms + 5000 < next)
        next = now_ms + 5000;
    uint64_t history_due = srv_history_tick(s, now_ms);
    if (history_due < next)
        next = history_due;
    uint64_t cluster_due = srv_cluster_tick(s, now_ms);
    if (cluster_due < next)
        next = cluster_due;
    s->next_tick_ms = next;
    s->in_tick = 0;
    srv_server_leave(s);
}

uint64_t srv_server_next_tick(const srv_server *s)
{
    return s->next_tick_ms;
}

void srv_server_shutdown(srv_server *s, const char *reason)
{
    srv_server_enter(s);
    s->shutting_down = 1;
    while (s->clients)
        srv_client_quit(s->clients, reason, reason);
    srv_server_leave(s);
}

int srv_server_apply_config(srv_server *s, const srv_config *cfg)
{
    srv_config copy;
    if (srv_config_copy(&copy, cfg) < 0)
        return -1;
    srv_whowas *w = s->whowas;
    if (copy.whowas_size != s->cfg.whowas_size) {
        /* A resized history starts afresh: simpler than re-threading. */
        w = srv_whowas_new(copy.whowas_size);
        if (!w) {
            srv_config_free(&copy);
            return -1;
        }
    }
    /* line_length can change under REHASH; keep the larger parse buffer. */
    size_t need = SRV_TAG_SECTION_MAX + copy.line_length + 1;
    if (need > s->scratch_size) {
        char *bigger = realloc(s->scratch, need);
        if (!bigger) {
            if (w != s->whowas)
                srv_whowas_free(w);
            srv_config_free(&copy);
            return -1;
        }
        s->scratch = bigger;
        s->scratch_size = need;
    }
    if (w != s->whowas) {
        srv_whowas_free(s->whowas);
        s->whowas = w;
    }
    srv_cap_config_changed(s, &copy); /* CAP NEW/DEL while s->cfg is the old one */
    /* The server name stays: clients already know us by it. */
    free(copy.server_name);
    copy.server_name = s->cfg.server_name;
    s->cfg.server_name = NULL;
    srv_config_free(&s->cfg);
    s->cfg = copy;
    load_motd(s);
    if (s->on_config)
        s->on_config(s->on_config_ctx, s);
    return 0;
}

void srv_server_on_config(srv_server *s, srv_config_fn fn, void *ctx)
{
    s->on_config = fn;
    s->on_config_ctx = ctx;
}

int srv_server_rehash(srv_server *s, char *err, size_t errsize)
{
    if (!s->cfg.path) {
        /* Built from defaults and the command line: nothing to reload,
         * but re-read the MOTD, which is what people usually edit. */
        load_motd(s);
        return 0;
    }
    srv_config cfg;
    char *path = s->cfg.path;
    if (srv_config_load(&cfg, path, err, errsize) < 0)
        return -1;
    int rc = srv_server_apply_config(s, &cfg);
    if (rc < 0)
        snprintf(err, errsize, "out of memory");
    srv_config_free(&cfg);
    return rc;
}

const srv_config *srv_server_config(const srv_server *s)
{
    return &s->cfg;
}

void srv_server_set_tls_port(srv_server *s, unsigned port)
{
    s->tls_port = port;
}

size_t srv_server_client_count(const srv_server *s)
{
    return s->nclients;
}

/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "password.h"

#include "attributes.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *srv_config_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

#define dup_str srv_config_strdup

int srv_config_defaults(srv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->server_name = dup_str("natterd.localhost");
    cfg->network = dup_str("Natter");
    cfg->description = dup_str("natterd chat server");
    cfg->admin_location = dup_str("Natter chat server");
    cfg->admin_email = dup_str("root@localhost");
    cfg->utf8_only = 1;
    cfg->max_clients = 1000;
    cfg->max_clients_per_address = 50;
    cfg->max_channels_per_client = 30;
    cfg->max_bans_per_channel = 50;
    cfg->max_targets = 4;
    cfg->line_length = 512;
    cfg->sendq = 256 * 1024;
    cfg->registration_timeout_ms = 60 * 1000;
    cfg->ping_interval_ms = 120 * 1000;
    cfg->ping_timeout_ms = 60 * 1000;
    cfg->nick_length = 30;
    cfg->channel_length = 50;
    cfg->topic_length = 390;
    cfg->away_length = 200;
    cfg->kick_length = 255;
    cfg->whowas_size = 100;
    cfg->flood_penalty_percent = 100;
    cfg->flood_threshold_ms = 10 * 1000;
    cfg->flood_disconnect_ms = 60 * 1000;
    cfg->flood_exempt_opers = 1;
    cfg->tls_client_certificates = 1;
    cfg->tls_handshake_timeout_ms = 10 * 1000;
    cfg->account_registration = SRV_REGISTRATION_OPEN;
    cfg->password_iterations = 100000;
    cfg->registrations_per_address = 5;
    cfg->history_enabled = 1;
    cfg->history_private = 1;
    cfg->history_commit_ms = 100;
    cfg->history_max_days = 90;
    cfg->history_per_target = 100000;
    cfg->history_max_mb = 2048;
    cfg->history_query_limit = 100;
    cfg->cluster_node_timeout_ms = 5000;
    cfg->login_failures_per_address = 5;
    cfg->nick_protection = SRV_NICKPROT_GRACE;
    cfg->nick_grace_ms = 60 * 1000;
    cfg->guest_prefix = dup_str("Guest");
    if (!cfg->guest_prefix || !cfg->server_name || !cfg->network || !cfg->description || !cfg->admin_location ||
        !cfg->admin_email) {
        srv_config_free(cfg);
        return -1;
    }
    return 0;
}

void srv_config_free(srv_config *cfg)
{
    free(cfg->server_name);
    free(cfg->network);
    free(cfg->description);
    free(cfg->motd_file);
    free(cfg->password_hash);
    free(cfg->admin_location);
    free(cfg->admin_email);
    for (size_t i = 0; i < cfg->nlisten; i++)
        free(cfg->listen[i]);
    for (size_t i = 0; i < cfg->nlisten_tls; i++)
        free(cfg->listen_tls[i]);
    for (size_t i = 0; i < cfg->nlisten_proxy; i++)
        free(cfg->listen_proxy[i]);
    free(cfg->proxy_trusted);
    free(cfg->cluster_redis);
    free(cfg->cluster_password);
    free(cfg->cluster_node);
    free(cfg->tls_certificate);
    free(cfg->tls_key);
    free(cfg->store_directory);
    free(cfg->guest_prefix);
    for (size_t i = 0; i < cfg->nopers; i++) {
        free(cfg->opers[i].name);
        free(cfg->opers[i].password_hash);
        free(cfg->opers[i].account);
    }
    free(cfg->path);
    memset(cfg, 0, sizeof *cfg);
}

int srv_config_copy(srv_config *dst, const srv_config *src)
{
    *dst = *src;
    dst->server_name = dup_str(src->server_name);
    dst->network = dup_str(src->network);
    dst->description = dup_str(src->description);
    dst->motd_file = dup_str(src->motd_file);
    dst->password_hash = dup_str(src->password_hash);
    dst->admin_location = dup_str(src->admin_location);
    dst->admin_email = dup_str(src->admin_email);
    dst->path = dup_str(src->path);
    dst->tls_certificate = dup_str(src->tls_certificate);
    dst->tls_key = dup_str(src->tls_key);
    dst->store_directory = dup_str(src->store_directory);
    dst->guest_prefix = dup_str(src->guest_prefix);
    dst->proxy_trusted = dup_str(src->proxy_trusted);
    dst->cluster_redis = dup_str(src->cluster_redis);
    dst->cluster_password = dup_str(src->cluster_password);
    dst->cluster_node = dup_str(src->cluster_node);
    int bad = (src->store_directory && !dst->store_directory) ||
              (src->proxy_trusted && !dst->proxy_trusted) ||
              (src->cluster_redis && !dst->cluster_redis) ||
              (src->cluster_password && !dst->cluster_password) ||
              (src->cluster_node && !dst->cluster_node) ||
              (src->guest_prefix && !dst->guest_prefix) || !dst->server_name || !dst->network || !dst->description ||
              (src->motd_file && !dst->motd_file) || (src->password_hash && !dst->password_hash) ||
              !dst->admin_location || !dst->admin_email || (src->path && !dst->path) ||
              (src->tls_certificate && !dst->tls_certificate) || (src->tls_key && !dst->tls_key);
    for (size_t i = 0; i < src->nlisten_tls; i++) {
        dst->listen_tls[i] = dup_str(src->listen_tls[i]);
        bad |= !dst->listen_tls[i];
    }
    for (size_t i = 0; i < src->nlisten; i++) {
        dst->listen[i] = dup_str(src->listen[i]);
        bad |= !dst->listen[i];
    }
    for (size_t i = 0; i < src->nlisten_proxy; i++) {
        dst->listen_proxy[i] = dup_str(src->listen_proxy[i]);
        bad |= !dst->listen_proxy[i];
    }
    for (size_t i = 0; i < src->nopers; i++) {
        dst->opers[i].name = dup_str(src->opers[i].name);
        dst->opers[i].password_hash = dup_str(src->opers[i].password_hash);
        dst->opers[i].account = dup_str(src->opers[i].account);
        bad |= !dst->opers[i].name || (src->opers[i].password_hash && !dst->opers[i].password_hash) ||
               (src->opers[i].account && !dst->opers[i].account);
    }
    if (bad) {
        srv_config_free(dst);
        return -1;
    }
    return 0;
}

const srv_oper_conf *srv_config_find_oper(const srv_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nopers; i++) {
        if (strcmp(cfg->opers[i].name, name) == 0)
            return &cfg->opers[i];
    }
    return NULL;
}

/* ---- the parser ---- */

typedef enum {
    SEC_NONE,
    SEC_SERVER,
    SEC_LIMITS,
    SEC_LISTEN,
    SEC_TLS,
    SEC_STORE,
    SEC_ACCOUNTS,
    SEC_HISTORY,
    SEC_CLUSTER,
    SEC_OPER
} section_kind;

typedef struct parser {
    srv_config *cfg;
    const char *name;
    unsigned line;
    char *err;
    size_t errsize;
    section_kind section;
    srv_oper_conf *oper;
} parser;

SRV_PRINTF(2, 3)
static int fail(parser *p, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errsize, "%s:%u: ", p->name, p->line);
    if (n >= 0 && (size_t)n < p->errsize) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errsize - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int set_string(parser *p, char **slot, const char *value)
{
    char *d = dup_str(value);
    if (!d)
        return fail(p, "out of memory");
    free(*slot);
    *slot = d;
    return 0;
}

static int parse_uint(parser *p, const char *key, const char *value, unsigned long min,
                      unsigned long max, unsigned long *out)
{
    char *end;
    if (!isdigit((unsigned char)value[0]))
        return fail(p, "'%s' wants a number, not '%s'", key, value);
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno || *end != '\0')
        return fail(p, "'%s' wants a number, not '%s'", key, value);
    if (v < min || v > max)
        return fail(p, "'%s' must be between %lu and %lu (got %lu)", key, min, max, v);
    *out = v;
    return 0;
}

static int parse_bool(parser *p, const char *key, const char *value, int *out)
{
    if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1") ||
        !strcmp(value, "on"))
        *out = 1;
    else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0") ||
             !strcmp(value, "off"))
        *out = 0;
    else
        return fail(p, "'%s' wants yes or no, not '%s'", key, value);
    return 0;
}

static int server_key(parser *p, const char *key, const char *value)
{
    srv_config *c = p->cfg;
    if (!strcmp(key, "name")) {
        if (!value[0] || strlen(value) > SRV_NAME_MAX || strchr(value, ' ') || !strchr(value, '.'))
            return fail(p, "server name '%s' must contain a dot, no spaces, at most %d bytes",
                        value, SRV_NAME_MAX);
        return set_string(p, &c->server_name, value);
    }
    if (!strcmp(key, "network")) {
        if (!value[0] || strlen(value) > 32 || strpbrk(value, " ,;="))
            return fail(p, "network name '%s' must be 1-32 bytes without spaces", value);
        return set_string(p, &c->network, value);
    }
    if (!strcmp(key, "description"))
        return set_string(p, &c->description, value);
    if (!strcmp(key, "motd_file"))
        return set_string(p, &c->motd_file, value);
    if (!strcmp(key, "admin_location"))
        return set_string(p, &c->admin_location, value);
    if (!strcmp(key, "admin_email"))
        return set_string(p, &c->admin_email, value);
    if (!strcmp(key, "utf8_only"))
        return parse_bool(p, key, value, &c->utf8_only);
    if (!strcmp(key, "password")) {
        if (!srv_password_hash_valid(value))
            return fail(
                p, "password must be a hash 'pbkdf2-sha256$<iterations>$<salt-hex>$<hash-hex>' "
                   "(natterd --hash-password makes one), never plain text");
        return set_string(p, &c->password_hash, value);
    }
    return fail(p, "unknown key '%s' in [server]", key);
}

static int limits_key(parser *p, const char *key, const char *value)
{
    static const struct {
        const char *key;
        size_t offset;
        unsigned long min, max, scale; /* scale 1000: seconds in file, ms in struct */
    } table[] = {
        {"max_clients", offsetof(srv_config, max_clients), 1, 1000000, 1},
        {"max_clients_per_address", offsetof(srv_config, max_clients_per_address), 1, 1000000, 1},
        {"max_channels_per_client", offsetof(srv_config, max_channels_per_client), 1, 1000, 1},
        {"max_bans_per_channel", offsetof(srv_config, max_bans_per_channel), 1, 1000, 1},
        {"max_targets", offsetof(srv_config, max_targets), 1, 100, 1},
        {"line_length", offsetof(srv_config, line_length), 512, 8192, 1},
        {"registration_timeout", offsetof(srv_config, registration_timeout_ms), 1, 3600, 1000},
        {"ping_interval", offsetof(srv_config, ping_interval_ms), 5, 86400, 1000},
        {"ping_timeout", offsetof(srv_config, ping_timeout_ms), 5, 86400, 1000},
        {"nick_length", offsetof(srv_config, nick_length), 9, SRV_NICKLEN_MAX, 1},
        {"channel_length", offsetof(srv_config, channel_length), 2, SRV_CHANNELLEN_MAX, 1},
        {"topic_length", offsetof(srv_config, topic_length), 1, 400, 1},
        {"away_length", offsetof(srv_config, away_length), 1, 400, 1},
        {"kick_length", offsetof(srv_config, kick_length), 1, 400, 1},
        {"whowas_size", offsetof(srv_config, whowas_size), 0, 100000, 1},
        {"flood_penalty_percent", offsetof(srv_config, flood_penalty_percent), 0, 10000, 1},
        {"flood_threshold", offsetof(srv_config, flood_threshold_ms), 1, 3600, 1000},
        {"flood_disconnect", offsetof(srv_config, flood_disconnect_ms), 0, 3600, 1000},
        {"login_failures_per_address", offsetof(srv_config, login_failures_per_address), 0,
         100000, 1},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(key, table[i].key) != 0)
            continue;
        unsigned long v;
        if (parse_uint(p, key, value, table[i].min, table[i].max, &v) < 0)
            return -1;
        unsigned u = (unsigned)(v * table[i].scale);
        memcpy((char *)p->cfg + table[i].offset, &u, sizeof u);
        return 0;
    }
    if (!strcmp(key, "sendq")) {
        unsigned long v;
        if (parse_uint(p, key, value, 4096, 64ul * 1024 * 1024, &v) < 0)
            return -1;
        p->cfg->sendq = v;
        return 0;
    }
    if (!strcmp(key, "flood_exempt_opers"))
        return parse_bool(p, key, value, &p->cfg->flood_exempt_opers);
    return fail(p, "unknown key '%s' in [limits]", key);
}

static int listen_key(parser *p, const char *key, const char *value)
{
    if (!strcmp(key, "proxy_trusted")) {
        /* "addr[/bits], ...": checked for its characters here; the network
         * layer parses it (and refuses to start on a bad entry). */
        if (!value[0] || strspn(value, "0123456789abcdefABCDEF.:/, ") != strlen(value))
            return fail(p, "proxy_trusted '%s' is not a list of addresses or ADDRESS/BITS", value);
        return set_string(p, &p->cfg->proxy_trusted, value);
    }
    int tls = !strcmp(key, "tls_address");
    int proxy = !strcmp(key, "proxy_address");
    if (strcmp(key, "address") != 0 && !tls && !proxy)
        return fail(p, "unknown key '%s' in [listen] (use address = HOST:PORT, "
                       "tls_address = HOST:PORT or proxy_address = HOST:PORT)",
                    key);
    const char *colon = strrchr(value, ':');
    char *end;
    unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
    if (!colon || colon == value || !colon[1] || *end != '\0' || port > 65535)
        return fail(p, "listen address '%s' is not HOST:PORT (IPv6 as [::1]:6667)", value);
    size_t *n = tls ? &p->cfg->nlisten_tls : proxy ? &p->cfg->nlisten_proxy : &p->cfg->nlisten;
    if (*n == SRV_CONFIG_MAX_LISTEN)
        return fail(p, "more than %d %s addresses", SRV_CONFIG_MAX_LISTEN, key);
    char *d = dup_str(value);
    if (!d)
        return fail(p, "out of memory");
    (tls ? p->cfg->listen_tls : proxy ? p->cfg->listen_proxy : p->cfg->listen)[(*n)++] = d;
    return 0;
}

static int tls_key(parser *p, const char *key, const char *value)
{
    srv_config *c = p->cfg;
    if (!strcmp(key, "certificate"))
        return set_string(p, &c->tls_certificate, value);
    if (!strcmp(key, "key"))
        return set_string(p, &c->tls_key, value);
    if (!strcmp(key, "client_certificates"))
        return parse_bool(p, key, value, &c->tls_client_certificates);
    if (!strcmp(key, "oper_requires_tls"))
        return parse_bool(p, key, value, &c->oper_requires_tls);
    unsigned long v;
    if (!strcmp(key, "handshake_timeout")) {
        if (parse_uint(p, key, value, 1, 300, &v) < 0)
            return -1;
        c->tls_handshake_timeout_ms = (unsigned)v * 1000;
        return 0;
    }
    if (!strcmp(key, "sts_port")) {
        if (parse_uint(p, key, value, 1, 65535, &v) < 0)
            return -1;
        c->sts_port = (unsigned)v;
        return 0;
    }
    if (!strcmp(key, "sts_duration")) {
        if (parse_uint(p, key, value, 0, 400ul * 86400, &v) < 0)
            return -1;
        c->sts_duration_s = (unsigned)v;
        return 0;
    }
    return fail(p, "unknown key '%s' in [tls]", key);
}

/* One word out of a fixed list: @return its index, or -1 after fail(). */
static int parse_choice(parser *p, const char *key, const char *value,
                        const char *const *choices, size_t n, int *out)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(value, choices[i])) {
            *out = (int)i;
            return 0;
        }
    }
    char list[128] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 choices[i]);
    return fail(p, "'%s' wants one of %s, not '%s'", key, list, value);
}

static int store_key(parser *p, const char *key, const char *value)
{
    srv_config *c = p->cfg;
    if (!strcmp(key, "directory")) {
        if (!value[0])
            return fail(p, "[store] directory is empty");
        return set_string(p, &c->store_directory, value);
    }
    if (!strcmp(key, "synchronous")) {
        static const char *const modes[] = {"normal", "full"};
        return parse_choice(p, key, value, modes, 2, &c->store_full_sync);
    }
    return fail(p, "unknown key '%s' in [store]", key);
}

static int accounts_key(parser *p, const char *key, const char *value)
{
    srv_config *c = p->cfg;
    unsigned long v;
    if (!strcmp(key, "registration")) {
        static const char *const policies[] = {"open", "opers", "closed"};
        return parse_choice(p, key, value, policies, 3, &c->account_registration);
    }
    if (!strcmp(key, "nick_protection")) {
        static const char *const modes[] = {"none", "grace", "strict"};
        return parse_choice(p, key, value, modes, 3, &c->nick_protection);
    }
    if (!strcmp(key, "nick_grace")) {
        if (parse_uint(p, key, value, 5, 3600, &v) < 0)
            return -1;
        c->nick_grace_ms = (unsigned)v * 1000;
        return 0;
    }
    if (!strcmp(key, "password_iterations")) {
        /* RFC 7677's floor; the ceiling keeps one login under a second. */
        if (parse_uint(p, key, value, 4096, 2000000, &v) < 0)
            return -1;
        c->password_iterations = (unsigned)v;
        return 0;
    }
    if (!strcmp(key, "registrations_per_address")) {
        if (parse_uint(p, key, value, 0, 100000, &v) < 0)
            return -1;
        c->registrations_per_address = (unsigned)v;
        return 0;
    }
    if (!strcmp(key, "guest_prefix")) {
        if (!value[0] || strlen(value) > 16 || !isalpha((unsigned char)value[0]) ||
            strpbrk(value, " ,*?!@:#"))
            return fail(p, "guest_prefix '%s' must be 1-16 nick characters starting with a letter",
                        value);
        return set_string(p, &c->guest_prefix, value);
    }
    return fail(p, "unknown key '%s' in [accounts]", key);
}

static int history_key(parser *p, const char *key, const char *value)
{
    srv_config *c = p->cfg;
    unsigned long v;
    if (!strcmp(key, "enabled"))
        return parse_bool(p, key, value, &c->history_enabled);
    if (!strcmp(key, "private_messages"))
        return parse_bool(p, key, value, &c->history_private);
    if (!strcmp(key, "channel_access")) {
        static const char *const modes[] = {"members", "since-join"};
        return parse_choice(p, key, value, modes, 2, &c->history_channel_access);
    }
    static const struct {
        const char *key;
        unsigned long min, max;
        size_t offset;
    } numbers[] = {
        {"commit_interval", 10, 10000, offsetof(srv_config, history_commit_ms)},
        {"max_days", 0, 36500, offsetof(srv_config, history_max_days)},
        {"max_messages", 0, 100000000, offsetof(srv_config, history_per_target)},
        {"max_size_mb", 0, 1048576, offsetof(srv_config, history_max_mb)},
        {"query_limit", 10, 1000, offsetof(srv_config, history_query_limit)},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        if (strcmp(key, numbers[i].key) != 0)
            continue;
        if (parse_uint(p, key, value, numbers[i].min, numbers[i].max, &v) < 0)
            return -1;
        /* memcpy: a char pointer cast back to unsigned * trips -Wcast-align */
        unsigned u = (unsigned)v;
        memcpy((char *)c + numbers[i].offset, &u, sizeof u);
        return 0;
    }
    return fail(p, "unknown key '%s' in [history]", key);
}

static int cluster_key(parser *p, const char *key, const char *value)
{
    srv_config *c = p->cfg;
    if (!strcmp(key, "redis")) {
        int unix_path = !strncmp(value, "unix:", 5) && value[5] == '/';
        const char *colon = strrchr(value, ':');
        char *end;
        unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
        if (!unix_path && (!colon || colon == value || !colon[1] || *end != '\0' || port == 0 ||
                           port > 65535))
            return fail(p, "redis '%s' is neither HOST:PORT nor unix:/PATH", value);
        return set_string(p, &c->cluster_redis, value);
    }
    if (!strcmp(key, "password"))
        return set_string(p, &c->cluster_password, value);
    if (!strcmp(key, "tls"))
        return parse_bool(p, key, value, &c->cluster_tls);
    if (!strcmp(key, "node")) {
        if (!value[0] || strlen(value) > 32 || strspn(value, "abcdefghijklmnopqrstuvwxyz"
                                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789-.") != strlen(value))
            return fail(p, "node '%s' must be 1-32 letters, digits, '-' or '.'", value);
        return set_string(p, &c->cluster_node, value);
    }
    if (!strcmp(key, "node_timeout")) {
        unsigned long v;
        /* seconds, as the other durations in the file */
        if (parse_uint(p, key, value, 1, 600, &v) < 0)
            return -1;
        c->cluster_node_timeout_ms = (unsigned)v * 1000;
        return 0;
    }
    return fail(p, "unknown key '%s' in [cluster]", key);
}

static int oper_key(parser *p, const char *key, const char *value)
{
    if (!strcmp(key, "account")) {
        if (!value[0] || strlen(value) > SRV_NICKLEN_MAX || strpbrk(value, " ,*?!@"))
            return fail(p, "[oper %s] account '%s' is not an account name", p->oper->name, value);
        return set_string(p, &p->oper->account, value);
    }
    if (strcmp(key, "password") != 0)
        return fail(p, "unknown key '%s' in [oper %s]", key, p->oper->name);
    if (!srv_password_hash_valid(value))
        return fail(
            p, "oper password must be a hash 'pbkdf2-sha256$<iterations>$<salt-hex>$<hash-hex>'");
    return set_string(p, &p->oper->password_hash, value);
}

static int section_line(parser *p, char *s)
{
    char *close = strchr(s, ']');
    if (!close || trim(close + 1)[0] != '\0')
        return fail(p, "section header without a closing ']'");
    *close = '\0';
    char *name = trim(s + 1);
    if (!strcmp(name, "server")) {
        p->section = SEC_SERVER;
    } else if (!strcmp(name, "limits")) {
        p->section = SEC_LIMITS;
    } else if (!strcmp(name, "listen")) {
        p->section = SEC_LISTEN;
    } else if (!strcmp(name, "tls")) {
        p->section = SEC_TLS;
    } else if (!strcmp(name, "store")) {
        p->section = SEC_STORE;
    } else if (!strcmp(name, "accounts")) {
        p->section = SEC_ACCOUNTS;
    } else if (!strcmp(name, "history")) {
        p->section = SEC_HISTORY;
    } else if (!strcmp(name, "cluster")) {
        p->section = SEC_CLUSTER;
    } else if (!strncmp(name, "oper", 4) && (name[4] == ' ' || name[4] == '\t')) {
        char *oname = trim(name + 4);
        if (!oname[0] || strlen(oname) > 64 || strpbrk(oname, " \t"))
            return fail(p, "[oper NAME] needs a name without spaces");
        if (srv_config_find_oper(p->cfg, oname))
            return fail(p, "[oper %s] appears twice", oname);
        if (p->cfg->nopers == SRV_CONFIG_MAX_OPERS)
            return fail(p, "more than %d oper blocks", SRV_CONFIG_MAX_OPERS);
        p->oper = &p->cfg->opers[p->cfg->nopers];
        p->oper->name = dup_str(oname);
        p->oper->password_hash = NULL;
        p->oper->account = NULL;
        if (!p->oper->name)
            return fail(p, "out of memory");
        p->cfg->nopers++;
        p->section = SEC_OPER;
    } else {
        return fail(p, "unknown section [%s]", name);
    }
    return 0;
}

static int check_complete(parser *p)
{
    srv_config *c = p->cfg;
    for (size_t i = 0; i < c->nopers; i++) {
        if (!c->opers[i].password_hash && !c->opers[i].account)
            return fail(p, "[oper %s] has neither a password nor an account", c->opers[i].name);
    }
    if (c->ping_timeout_ms > c->ping_interval_ms * 10)
        return fail(p, "ping_timeout should not exceed ten ping intervals");
    if (!c->tls_certificate != !c->tls_key)
        return fail(p, "[tls] needs both certificate and key");
    if (c->nlisten_tls > 0 && !c->tls_certificate)
        return fail(p, "tls_address needs [tls] certificate and key (natterd "
                       "--generate-certificate makes a self-signed pair)");
    if (!c->cluster_redis != !c->cluster_node)
        return fail(p, "[cluster] needs both redis and node");

    return 0;
}

int srv_config_parse(srv_config *cfg, const char *text, const char *name, char *err, size_t errsize)
{
    parser p = {cfg, name, 0, err, errsize, SEC_NONE, NULL};
    const char *cur = text;
    char buf[1024];
    while (*cur) {
        const char *nl = strchr(cur, '\n');
        size_t len = nl ? (size_t)(nl - cur) : strlen(cur);
        p.line++;
        if (len >= sizeof buf)
            return fail(&p, "line longer than %zu bytes", sizeof buf - 1);
        memcpy(buf, cur, len);
        buf[len] = '\0';
        cur += len + (nl ? 1 : 0);
        if (memchr(buf, '\0', len))
            return fail(&p, "NUL byte in the file");
        char *s = trim(buf);
        if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
            continue;
        if (s[0] == '[') {
            if (section_line(&p, s) < 0)
                return -1;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            return fail(&p, "expected 'key = value' or '[section]'");
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        if (!key[0])
            return fail(&p, "missing key before '='");
        int rc;
        switch (p.section) {
        case SEC_SERVER:
            rc = server_key(&p, key, value);
            break;
        case SEC_LIMITS:
            rc = limits_key(&p, key, value);
            break;
        case SEC_LISTEN:
            rc = listen_key(&p, key, value);
            break;
        case SEC_TLS:
            rc = tls_key(&p, key, value);
            break;
        case SEC_STORE:
            rc = store_key(&p, key, value);
            break;
        case SEC_ACCOUNTS:
            rc = accounts_key(&p, key, value);
            break;
        case SEC_HISTORY:
            rc = history_key(&p, key, value);
            break;
        case SEC_CLUSTER:
            rc = cluster_key(&p, key, value);
            break;
        case SEC_OPER:
            rc = oper_key(&p, key, value);
            break;
        default:
            rc = fail(&p, "'%s' outside any [section]", key);
            break;
        }
        if (rc < 0)
            return -1;
    }
    return check_complete(&p);
}

int srv_config_load(srv_config *cfg, const char *path, char *err, size_t errsize)
{
    if (srv_config_defaults(cfg) < 0) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsize, "%s: cannot open: %s", path, strerror(errno));
        srv_config_free(cfg);
        return -1;
    }
    /* Config files are small; a bound keeps a wrong path (a disk image?)
     * from being read into memory whole. */
    enum { MAX_CONFIG = 1024 * 1024 };
    char *text = malloc(MAX_CONFIG + 1);
    size_t n = text ? fread(text, 1, MAX_CONFIG + 1, f) : 0;
    int read_error = ferror(f);
    fclose(f);
    if (!text || read_error || n > MAX_CONFIG) {
        snprintf(err, errsize, "%s: %s", path,
                 !text        ? "out of memory"
                 : read_error ? "read error"
                              : "larger than 1 MiB");
        free(text);
        srv_config_free(cfg);
        return -1;
    }
    text[n] = '\0';
    if (strlen(text) != n) {
        snprintf(err, errsize, "%s: contains a NUL byte", path);
        free(text);
        srv_config_free(cfg);
        return -1;
    }
    int rc = srv_config_parse(cfg, text, path, err, errsize);
    free(text);
    if (rc == 0) {
        cfg->path = dup_str(path);
        if (!cfg->path) {
            snprintf(err, errsize, "out of memory");
            rc = -1;
        }
    }
    if (rc < 0)
        srv_config_free(cfg);
    return rc;
}

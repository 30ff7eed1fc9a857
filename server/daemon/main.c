/* SPDX-License-Identifier: MIT */
/* natterd: the command line, configuration, signals and the loop. */
#include "config.h"
#if NATTERD_HAVE_CLUSTER
#include "cluster-link.h"
#include "store-redis.h"
#endif
#include "log.h"
#include "natterd-core.h"
#include "net.h"
#include "offload.h"
#include "password.h"
#include "service.h"
#include "store-sqlite.h"

#include <natter/random.h>
#include <natter/signal.h>
#include <natter/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if NATTERD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define PBKDF2_ITERATIONS 100000u

static const char usage[] =
    "Usage: natterd [OPTION]...\n"
    "An IRC-compatible chat server.\n"
    "\n"
    "  -l, --listen ADDR:PORT  listen on this address (repeatable; IPv6 as\n"
    "                          [::1]:6667); replaces the config's [listen]\n"
    "      --listen-tls ADDR:PORT  listen for TLS clients (repeatable; needs\n"
    "                          [tls] certificate and key); replaces the\n"
    "                          config's tls_address lines\n"
    "  -c, --config FILE       read the configuration (INI) from FILE\n"
    "  -d, --data-dir DIR      keep accounts and registered channels in\n"
    "                          DIR/natterd.db (replaces [store] directory)\n"
    "      --backup FILE       copy the database, consistently, to FILE (while\n"
    "                          natterd runs or not) and exit\n"
    "      --check-config      check the configuration, print it, and exit\n"
    "      --log-level LEVEL   error, warning, info (default) or debug\n"
    "      --log-file FILE     append the log to FILE instead of stderr\n"
    "      --hash-password     read a password on standard input and print\n"
    "                          the hash to put in the configuration\n"
    "      --generate-certificate CERT KEY [HOST]\n"
    "                          write a self-signed TLS certificate for HOST\n"
    "                          (default localhost) and its key as PEM files,\n"
    "                          print its SHA-256 fingerprint, and exit\n"
    "  -V, --version           print the version and exit\n"
    "  -h, --help              print this help and exit\n"
    "\n"
    "Without a configuration natterd listens on 127.0.0.1:6667 and\n"
    "[::1]:6667.  SIGINT/SIGTERM (Ctrl-C on Windows) stop it cleanly;\n"
    "SIGHUP reloads the configuration, as the REHASH command does.\n";

typedef struct options {
    const char *config;
    const char *listen[SRV_CONFIG_MAX_LISTEN];
    size_t nlisten;
    const char *listen_tls[SRV_CONFIG_MAX_LISTEN];
    size_t nlisten_tls;
    int check_only;
    int log_level;
    const char *log_file;
    const char *data_dir;
    const char *backup;
} options;

typedef struct daemon_state {
    nt_loop *loop;
    srv_server *server;
    srv_net *net;
    srv_offload *offload;
    int store_is_sqlite; /* the SQLite store's extras (offload, statistics) apply */
#if NATTERD_HAVE_CLUSTER
    srv_cluster_net *cluster;
#endif
} daemon_state;

static int hash_password(void)
{
    char line[512];
    if (!fgets(line, sizeof line, stdin)) {
        fprintf(stderr, "natterd: no password on standard input\n");
        return 1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0]) {
        fprintf(stderr, "natterd: empty password\n");
        return 1;
    }
    unsigned char salt[16];
    char out[256];
    if (nt_random_bytes(salt, sizeof salt) != NT_OK ||
        srv_password_hash(line, salt, sizeof salt, PBKDF2_ITERATIONS, out, sizeof out) != 0) {
        fprintf(stderr, "natterd: cannot hash the password\n");
        return 1;
    }
    memset(line, 0, sizeof line);
    printf("%s\n", out);
    return 0;
}

/* A self-signed certificate valid for ten years: for a LAN server whose
 * clients pin its fingerprint, and for trying TLS out. */
static int generate_certificate(const char *cert, const char *key, const char *host)
{
    int rc = nt_tls_make_self_signed(host, 3650, cert, key);
    char fp[NT_TLS_FINGERPRINT_LEN];
    if (rc == NT_OK)
        rc = nt_tls_fingerprint_file(cert, fp);
    if (rc != NT_OK) {
        fprintf(stderr, "natterd: cannot write the certificate %s and key %s: %s\n", cert, key,
                nt_strerror(rc));
        return 1;
    }
    printf("certificate: %s\nkey: %s\nhost: %s\nSHA-256 fingerprint: %s\n", cert, key, host, fp);
    return 0;
}

/* 0: run; 1: exit 0 (help, version, done); -1: exit 2 (usage error). */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->log_level = SRV_LOG_INFO;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            fputs(srv_service_usage(), stdout);
            return 1;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("%s\n", SRV_VERSION_STRING);
            return 1;
        } else if (!strcmp(a, "--hash-password")) {
            return hash_password() == 0 ? 1 : -1;
        } else if (!strcmp(a, "--generate-certificate")) {
            if (i + 2 >= argc) {
                fprintf(stderr, "natterd: --generate-certificate needs CERT and KEY\n");
                return -1;
            }
            const char *host = i + 3 < argc && argv[i + 3][0] != '-' ? argv[i + 3] : "localhost";
            return generate_certificate(argv[i + 1], argv[i + 2], host) == 0 ? 1 : -1;
        } else if (!strcmp(a, "--check-config")) {
            o->check_only = 1;
        } else if (!strcmp(a, "--listen-tls")) {
            if (!value) {
                fprintf(stderr, "natterd: %s needs a value\n", a);
                return -1;
            }
            i++;
            if (o->nlisten_tls == SRV_CONFIG_MAX_LISTEN) {
                fprintf(stderr, "natterd: at most %d --listen-tls\n", SRV_CONFIG_MAX_LISTEN);
                return -1;
            }
            o->listen_tls[o->nlisten_tls++] = value;
        } else if (!strcmp(a, "-d") || !strcmp(a, "--data-dir") || !strcmp(a, "--backup")) {
            if (!value || !value[0]) {
                fprintf(stderr, "natterd: %s needs a value\n", a);
                return -1;
            }
            i++;
            if (!strcmp(a, "--backup"))
                o->backup = value;
            else
                o->data_dir = value;
        } else if (!strcmp(a, "-l") || !strcmp(a, "--listen") || !strcmp(a, "-c") ||
                   !strcmp(a, "--config") || !strcmp(a, "--log-level") ||
                   !strcmp(a, "--log-file")) {
            if (!value) {
                fprintf(stderr, "natterd: %s needs a value\n", a);
                return -1;
            }
            i++;
            if (a[1] == 'l' || !strcmp(a, "--listen")) {
                if (o->nlisten == SRV_CONFIG_MAX_LISTEN) {
                    fprintf(stderr, "natterd: at most %d --listen\n", SRV_CONFIG_MAX_LISTEN);
                    return -1;
                }
                o->listen[o->nlisten++] = value;
            } else if (a[1] == 'c' || !strcmp(a, "--config")) {
                o->config = value;
            } else if (!strcmp(a, "--log-level")) {
                o->log_level = srv_log_level_from_name(value);
                if (o->log_level < 0) {
                    fprintf(stderr, "natterd: unknown log level '%s'\n", value);
                    return -1;
                }
            } else {
                o->log_file = value;
            }
        } else {
            fprintf(stderr, "natterd: unknown option '%s' (try --help)\n", a);
            return -1;
        }
    }
    return 0;
}

static void on_terminate(void *data)
{
    daemon_state *d = data;
    if (!d->net)
        return; /* a stop request that came in during stop_daemon() */
    srv_logf(SRV_LOG_INFO, "shutting down");
    srv_net_shutdown(d->net, "Server shutting down");
}

static void on_reload(void *data)
{
    daemon_state *d = data;
    char err[512];
    if (srv_server_rehash(d->server, err, sizeof err) != 0)
        srv_logf(SRV_LOG_ERROR, "reload failed, keeping the old configuration: %s", err);
    else
        srv_logf(SRV_LOG_INFO, "configuration reloaded");
}

static void log_open_handle(nt_handle *h, void *data)
{
    (void)data;
    srv_logf(SRV_LOG_ERROR, "  still open: %s%s", nt_handle_type_name(nt_handle_get_type(h)),
             nt_handle_is_closing(h) ? " (closing)" : "");
}

/* How long the store's writes held the loop (bench/ reads this line). */
static void log_store_stats(const daemon_state *d)
{
    srv_server *s = d->server;
    uint64_t writes, max_us, total_us;
    if (!s || !srv_server_store(s) || !d->store_is_sqlite)
        return;
    srv_store_sqlite_stats(srv_server_store(s), &writes, &max_us, &total_us);
    srv_logf(SRV_LOG_INFO, "store: %llu writes, longest %llu us, mean %llu us",
             (unsigned long long)writes, (unsigned long long)max_us,
             (unsigned long long)(writes ? total_us / writes : 0));
    uint64_t checkpoints, checkpoint_max_us;
    srv_store_sqlite_checkpoint_stats(srv_server_store(s), &checkpoints, &checkpoint_max_us);
    srv_logf(SRV_LOG_INFO, "store: %llu checkpoints on the worker, longest %llu us",
             (unsigned long long)checkpoints, (unsigned long long)checkpoint_max_us);
}

/* The end of the process: the network layer closes its handles, the
 * drain runs their last callbacks (and a late stop request), and then the
 * loop must close.  A loop that refuses (NT_EBUSY) still has a handle that
 * natterd forgot: that is a bug, so it is reported, never ignored.
 * @return NT_OK, or why the loop could not be closed */
static int stop_daemon(daemon_state *d)
{
    srv_service_stopping();
    nt_signal_unwatch_all();
    srv_net_free(d->net);
    d->net = NULL;
#if NATTERD_HAVE_CLUSTER
    /* After the clients' goodbyes were published, before the drain that
     * writes them out. */
    srv_cluster_net_free(d->cluster);
    d->cluster = NULL;
#endif
    /* Hashes in flight finish; their replies go nowhere (the clients
     * are gone) but their memory comes back in the drain. */
    if (d->server) {
        srv_server_set_offload(d->server, NULL, NULL);
        if (d->store_is_sqlite)
            srv_store_sqlite_set_offload(srv_server_store(d->server), NULL, NULL);
    }
    srv_offload_free(d->offload);
    d->offload = NULL;
    /* The Redis store's connection and timers are handles of this loop:
     * it lets them go (after writing what it still holds) before the
     * drain closes them, not after. */
    if (d->server && srv_server_store(d->server) && !d->store_is_sqlite)
        srv_server_set_store(d->server, NULL, NULL, 0);
    int rc = nt_loop_drain(d->loop);
    log_store_stats(d);
    srv_server_free(d->server);
    d->server = NULL;
    if (rc == NT_OK)
        rc = nt_loop_close(d->loop);
    if (rc != NT_OK) {
        srv_logf(SRV_LOG_ERROR, "cannot close the event loop: %s", nt_strerror(rc));
        nt_loop_walk(d->loop, log_open_handle, NULL);
        return rc;
    }
    d->loop = NULL;
    return NT_OK;
}

static void print_config(const srv_config *cfg)
{
    printf("server name: %s\nnetwork: %s\nmax clients: %u\nsendq: %zu\n", cfg->server_name,
           cfg->network, cfg->max_clients, cfg->sendq);
    for (size_t i = 0; i < cfg->nlisten; i++)
        printf("listen: %s\n", cfg->listen[i]);
    for (size_t i = 0; i < cfg->nlisten_tls; i++)
        printf("listen (TLS): %s\n", cfg->listen_tls[i]);
    for (size_t i = 0; i < cfg->nlisten_proxy; i++)
        printf("listen (PROXY): %s\n", cfg->listen_proxy[i]);
    if (cfg->nlisten_proxy)
        printf("PROXY headers trusted from: %s\n",
               cfg->proxy_trusted ? cfg->proxy_trusted : "127.0.0.1, ::1");
    if (cfg->tls_certificate)
        printf("TLS certificate: %s\nTLS key: %s\n", cfg->tls_certificate, cfg->tls_key);
    printf("operators: %zu\n", cfg->nopers);
    printf("store: %s\n", cfg->cluster_redis      ? "Redis (cluster mode)"
                          : cfg->store_directory ? cfg->store_directory
                                                 : "none (accounts off)");
    if (cfg->cluster_redis)
        printf("cluster: node %s, Redis at %s%s, node timeout %u ms\n", cfg->cluster_node,
               cfg->cluster_redis, cfg->cluster_tls ? " (TLS)" : "", cfg->cluster_node_timeout_ms);
}

static void store_log(void *ctx, int level, const char *message)
{
    (void)ctx;
    srv_logf(level, "%s", message);
}

/* The database file in the store directory.  @return 0, or -1 when there is none */
static int database_path(const srv_config *cfg, char *path, size_t size)
{
    if (!cfg->store_directory)
        return -1;
    int n = snprintf(path, size, "%s/natterd.db", cfg->store_directory);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Open the store and give it to the server.  A store that cannot be
 * opened is logged and natterd serves chat without accounts: a damaged
 * disk should not take the whole network down. */
#if NATTERD_HAVE_CLUSTER
/* The TLS client configuration for Redis ([cluster] tls), or NULL for
 * plain connections.  @return 0, or -1 (logged) */
static int cluster_tls(const srv_config *cfg, nt_tls_config **out)
{
    *out = NULL;
    if (!cfg->cluster_tls)
        return 0;
    int rc = nt_tls_config_new(NT_TLS_CLIENT, out);
    if (rc != NT_OK) {
        srv_logf(SRV_LOG_ERROR, "cluster: no TLS for Redis: %s", nt_strerror(rc));
        return -1;
    }
    return 0;
}

/* In cluster mode the nodes share one store on Redis (docs/cluster.md).
 * @return 0, or -1 when it cannot be used (logged) */
static int open_redis_store(daemon_state *d, const srv_config *cfg)
{
    nt_tls_config *tls;
    if (cluster_tls(cfg, &tls) < 0)
        return -1;
    char prefix[SRV_NAME_MAX + 16], err[512];
    snprintf(prefix, sizeof prefix, "natter:%s:", cfg->network);
    srv_store_redis_options opts = {
        .address = cfg->cluster_redis,
        .password = cfg->cluster_password,
        .tls = tls,
        .prefix = prefix,
        .log = store_log,
    };
    srv_store *st = srv_store_redis_open(d->loop, &opts, err, sizeof err);
    nt_tls_config_unref(tls);
    if (!st || srv_server_set_store(d->server, st, err, sizeof err) < 0) {
        /* Every node must answer from the same data: a node that cannot
         * read it does not start (the others go on serving). */
        srv_logf(SRV_LOG_ERROR, "store: Redis at %s cannot be used: %s", cfg->cluster_redis, err);
        return -1;
    }
    srv_logf(SRV_LOG_INFO, "store: Redis at %s (keys under %s)", cfg->cluster_redis, prefix);
    return 0;
}
#endif

/* Open the store and give it to the server.  A store that cannot be
 * opened is logged and natterd serves chat without accounts: a damaged
 * disk should not take the whole network down.  A cluster node's store is
 * Redis.  @return 0, or -1 when natterd must not start */
static int open_store(daemon_state *d, const srv_config *cfg)
{
#if NATTERD_HAVE_CLUSTER
    if (cfg->cluster_redis)
        return open_redis_store(d, cfg);
#endif
    char path[4096], err[512];
    if (database_path(cfg, path, sizeof path) < 0) {
        srv_logf(SRV_LOG_INFO, "no [store] directory: accounts, SASL and channel registration "
                               "are off");
        return 0;
    }
    srv_store_sqlite_options opts = {.full_sync = cfg->store_full_sync, .log = store_log};
    srv_store *st = srv_store_sqlite_open(path, &opts, err, sizeof err);
    if (!st || srv_server_set_store(d->server, st, err, sizeof err) < 0) {
        srv_logf(SRV_LOG_ERROR,
                 "store unavailable, accounts are off until it is repaired "
                 "(restore a backup) and natterd restarted: %s",
                 err);
        srv_server_store_unavailable(d->server);
        return 0;
    }
    d->store_is_sqlite = 1;
    if (d->offload)
        srv_store_sqlite_set_offload(st, srv_offload_submit, d->offload);
    srv_logf(SRV_LOG_INFO, "store: %s (schema %u)", path, SRV_STORE_SQLITE_SCHEMA);
    return 0;
}

/* Cluster mode (docs/cluster.md): the link to the other nodes through
 * Redis.  @return 0, or -1 when it cannot even start */
static int start_cluster(daemon_state *d, const srv_config *cfg)
{
#if NATTERD_HAVE_CLUSTER
    if (!cfg->cluster_redis)
        return 0;
    nt_tls_config *tls;
    if (cluster_tls(cfg, &tls) < 0)
        return -1;
    char err[512];
    d->cluster = srv_cluster_net_start(d->loop, d->server, cfg, tls, err, sizeof err);
    nt_tls_config_unref(tls); /* the link holds its own */
    if (!d->cluster) {
        srv_logf(SRV_LOG_ERROR, "cluster: cannot start: %s", err);
        return -1;
    }
    srv_logf(SRV_LOG_INFO, "cluster: node %s of network %s, Redis at %s%s",
             srv_cluster_net_id(d->cluster), cfg->network, cfg->cluster_redis,
             cfg->cluster_tls ? " (TLS)" : "");
#else
    (void)d;
    (void)cfg;
#endif
    return 0;
}

/* The node's name for the ready line: "" when not a cluster node. */
static const char *cluster_node_id(const daemon_state *d)
{
#if NATTERD_HAVE_CLUSTER
    if (d->cluster)
        return srv_cluster_net_id(d->cluster);
#else
    (void)d;
#endif
    return "";
}

static int backup(const srv_config *cfg, const char *dest)
{
    char path[4096], err[512];
    if (database_path(cfg, path, sizeof path) < 0) {
        fprintf(stderr, "natterd: --backup needs [store] directory or --data-dir\n");
        return 1;
    }
    if (srv_store_sqlite_backup(path, dest, err, sizeof err) < 0) {
        fprintf(stderr, "natterd: backup failed: %s\n", err);
        return 1;
    }
    printf("backed up %s to %s\n", path, dest);
    return 0;
}

static int natterd_main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;

    srv_config cfg;
    char err[512];
    if (o.config) {
        if (srv_config_load(&cfg, o.config, err, sizeof err) != 0) {
            fprintf(stderr, "natterd: %s\n", err);
            return 1;
        }
    } else if (srv_config_defaults(&cfg) != 0) {
        fprintf(stderr, "natterd: out of memory\n");
        return 1;
    }
    if (o.data_dir) {
        free(cfg.store_directory);
        cfg.store_directory = srv_config_strdup(o.data_dir);
        if (!cfg.store_directory) {
            fprintf(stderr, "natterd: out of memory\n");
            srv_config_free(&cfg);
            return 1;
        }
    }
    if (!cfg.store_directory && srv_service_state_dir()) {
        cfg.store_directory = srv_config_strdup(srv_service_state_dir());
        if (!cfg.store_directory) {
            fprintf(stderr, "natterd: out of memory\n");
            srv_config_free(&cfg);
            return 1;
        }
    }
#if !NATTERD_HAVE_CLUSTER
    if (cfg.cluster_redis) {
        fprintf(stderr, "natterd: this natterd was built without cluster support (remove [cluster] "
                        "from the configuration, or build natterd with hiredis)\n");
        srv_config_free(&cfg);
        return 1;
    }
#endif
    if (o.backup) {
        rc = backup(&cfg, o.backup);
        srv_config_free(&cfg);
        return rc;
    }
    if (o.check_only) {
        print_config(&cfg);
        printf("configuration OK\n");
        srv_config_free(&cfg);
        return 0;
    }
    if (!o.log_file)
        o.log_file = srv_service_log_path(); /* a service has no console */
    if (srv_log_open(o.log_level, o.log_file) != 0) {
        fprintf(stderr, "natterd: cannot open log file %s\n", o.log_file);
        srv_config_free(&cfg);
        return 1;
    }

    daemon_state d = {0};
    rc = nt_loop_new(&d.loop);
    if (rc != NT_OK) {
        srv_logf(SRV_LOG_ERROR, "cannot create the event loop: %s", nt_strerror(rc));
        srv_config_free(&cfg);
        srv_log_close();
        return 1;
    }
    d.server = srv_server_new(&cfg);
    d.net = d.server ? srv_net_new(d.loop, d.server) : NULL;
    if (!d.net) {
        /* The network layer logged why when it could say (a proxy setting). */
        srv_logf(SRV_LOG_ERROR, "cannot start the network layer");
        srv_config_free(&cfg);
        stop_daemon(&d);
        srv_log_close();
        return 1;
    }
    srv_server_set_log(d.server, srv_log_write, NULL);
    d.offload = srv_offload_new(d.loop);
    if (d.offload)
        srv_offload_attach(d.offload, d.server);
    else
        srv_logf(SRV_LOG_WARNING, "no worker thread: password checks run on the event loop");
    if (open_store(&d, &cfg) < 0 || srv_net_tls_load(d.net) != NT_OK ||
        start_cluster(&d, &cfg) < 0) {
        srv_config_free(&cfg);
        stop_daemon(&d);
        srv_log_close();
        return 1;
    }

    /* Command-line addresses replace the config's; with neither, loopback
     * on both families (IPv6 may be absent: that alone is not fatal). */
    size_t opened = 0, wanted = 0;
    if (o.nlisten) {
        for (size_t i = 0; i < o.nlisten; i++, wanted++)
            opened += srv_net_listen(d.net, o.listen[i]) == NT_OK;
    } else if (cfg.nlisten) {
        for (size_t i = 0; i < cfg.nlisten; i++, wanted++)
            opened += srv_net_listen(d.net, cfg.listen[i]) == NT_OK;
    } else if (!o.nlisten_tls && !cfg.nlisten_proxy) {
        opened += srv_net_listen(d.net, "127.0.0.1:6667") == NT_OK;
        opened += srv_net_listen(d.net, "[::1]:6667") == NT_OK;
    }
    const char *const *tls_addrs =
        o.nlisten_tls ? o.listen_tls : (const char *const *)cfg.listen_tls;
    size_t ntls = o.nlisten_tls ? o.nlisten_tls : cfg.nlisten_tls;
    for (size_t i = 0; i < ntls; i++, wanted++)
        opened += srv_net_listen_tls(d.net, tls_addrs[i]) == NT_OK;
    srv_config_free(&cfg);
    if (srv_server_config(d.server)->sts_duration_s && !ntls &&
        !srv_server_config(d.server)->sts_port)
        srv_logf(SRV_LOG_WARNING, "sts_duration is set but natterd has no TLS listener: no sts "
                                  "policy is offered");
    /* srv_net_new() opened the proxy listeners already. */
    if ((opened == 0 && !srv_server_config(d.server)->nlisten_proxy) ||
        (wanted && opened < wanted)) {
        srv_logf(SRV_LOG_ERROR, "not all listening addresses could be opened");
        stop_daemon(&d);
        srv_log_close();
        return 1;
    }

    nt_signal_watch(d.loop, NT_SIGNAL_TERMINATE, on_terminate, &d);
    nt_signal_watch(d.loop, NT_SIGNAL_RELOAD, on_reload, &d); /* none on Windows */
    srv_service_running(d.loop, on_terminate, on_reload, &d);
    const char *node = cluster_node_id(&d);
    srv_logf(SRV_LOG_INFO, "%s ready%s%s", SRV_VERSION_STRING, node[0] ? ", cluster node " : "",
             node);
#if NATTERD_HAVE_SYSTEMD
    sd_notify(0, "READY=1");
#endif
    rc = nt_loop_run(d.loop);
    if (rc != NT_OK)
        srv_logf(SRV_LOG_ERROR, "event loop failed: %s", nt_strerror(rc));

    int closed = stop_daemon(&d);
    srv_logf(SRV_LOG_INFO, "stopped");
    srv_log_close();
    return rc == NT_OK && closed == NT_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    return srv_service_main(argc, argv, natterd_main);
}

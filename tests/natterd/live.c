/* SPDX-License-Identifier: MIT */
#include "live.h"

#include "config.h"
#include "log.h"
#include "natterd-core.h"
#include "net.h"
#include "offload.h"
#include "store-sqlite.h"

#include <natter/loop.h>
#include <natter/thread.h>
#include <natter/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hashes of LIVE_OPER_PASSWORD and LIVE_SERVER_PASSWORD with 1000
 * PBKDF2 iterations (cheap to check; natterd --hash-password uses more). */
#define OPER_HASH                          \
    "pbkdf2-sha256$1000$6f7065722d73616c$" \
    "84388b7e146cd881ffe04f5800aecace82cf81e283258af8cef6180886340efd"
#define PASS_HASH                          \
    "pbkdf2-sha256$1000$6e61747465722d70$" \
    "2f41a0cac6b7b44ed8e7ec1ff425b27b64105831c913994c8d438715bda85219"

#define SERVER_SECTION "[server]\nname = " LIVE_SERVER_NAME "\nnetwork = " LIVE_NETWORK "\n"
#define OPER_SECTION "[oper " LIVE_OPER_NAME "]\npassword = " OPER_HASH "\n"

static const struct {
    const char *name;
    const char *config;
    size_t sendq;
} profiles[LIVE_NPROFILES] = {
    [LIVE_MAIN] = {"main", SERVER_SECTION "[limits]\nflood_penalty_percent = 0\n" OPER_SECTION,
                   256 * 1024},
    [LIVE_PASS] = {"pass",
                   SERVER_SECTION "password = " PASS_HASH "\n"
                                  "[limits]\nflood_penalty_percent = 0\n" OPER_SECTION,
                   256 * 1024},
    [LIVE_LIMITS] = {"limits",
                     SERVER_SECTION "[limits]\nflood_penalty_percent = 0\n"
                                    "registration_timeout = 1\nping_interval = 5\n"
                                    "ping_timeout = 5\nmax_clients_per_address = 4\n",
                     256 * 1024},
    [LIVE_FLOOD] = {"flood",
                    SERVER_SECTION "[limits]\nflood_penalty_percent = 20\n"
                                   "flood_threshold = 1\nflood_disconnect = 0\n",
                    256 * 1024},
    [LIVE_EXCESS] = {"excess",
                     SERVER_SECTION "[limits]\nflood_penalty_percent = 100\n"
                                    "flood_threshold = 1\nflood_disconnect = 2\n",
                     256 * 1024},
    [LIVE_SENDQ] = {"sendq", SERVER_SECTION "[limits]\nflood_penalty_percent = 0\nsendq = 4096\n",
                    4096},
    /* TLS_SECTION (below) is added with the port and the files. */
    [LIVE_TLS] = {"tls", SERVER_SECTION "[limits]\nflood_penalty_percent = 0\n" OPER_SECTION,
                  256 * 1024},
    [LIVE_ACCOUNTS] = {"accounts",
                       SERVER_SECTION "[limits]\nflood_penalty_percent = 0\n"
                                      "login_failures_per_address = 0\n"
                                      "[accounts]\npassword_iterations = 4096\n"
                                      "registrations_per_address = 0\n" OPER_SECTION,
                       256 * 1024},
};

/* The tls profile's TLS port and certificate files: the certificate's
 * folder (with its separator) as the server opens it, and the port. */
#define TLS_SECTION                                               \
    "[listen]\ntls_address = 127.0.0.1:%u\n"                      \
    "[tls]\ncertificate = %sserver.pem\nkey = %sserver-key.pem\n" \
    "handshake_timeout = %d\nsts_duration = %d\noper_requires_tls = yes\n"

/* Which profiles keep accounts (a store). */
static int has_store(live_profile profile)
{
    return profile == LIVE_ACCOUNTS || profile == LIVE_TLS;
}

/* Valgrind runs its guest with its preload libraries in LD_PRELOAD. */
static int under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload") != NULL;
}

int live_tls_handshake_timeout(void)
{
    return under_valgrind() ? 10 : 2;
}

/* A profile's configuration text (malloc'd): the table's, and for the tls
 * profile its TLS section. */
static char *profile_text(live_profile profile, unsigned tls_port, const char *cert_dir)
{
    const char *base = profiles[profile].config;
    size_t size = strlen(base) + 1;
    if (profile == LIVE_TLS)
        size += sizeof TLS_SECTION + 2 * strlen(cert_dir) + 32;
    char *text = malloc(size);
    if (!text)
        return NULL;
    int n = snprintf(text, size, "%s", base);
    if (profile == LIVE_TLS && n > 0)
        n = snprintf(text + n, size - (size_t)n, TLS_SECTION, tls_port, cert_dir, cert_dir,
                     live_tls_handshake_timeout(), LIVE_TLS_STS_DURATION);
    if (n < 0) {
        free(text);
        return NULL;
    }
    return text;
}

#define MAX_CLIENTS 64
/* The most nodes one external address variable may list (a cluster). */
#define MAX_NODES 8

struct live_server {
    live_profile profile;
    nt_addr addr[MAX_NODES]; /* [0]: live_addr(); the others: a cluster's nodes */
    size_t naddr;
    size_t next_node; /* live_client()'s round-robin over addr */
    /* A cluster's barrier clients, one per node (settle()), and their nicks. */
    irc_client *observer[MAX_NODES];
    char observer_nick[MAX_NODES][16];
    unsigned marks;
    int settle_failed;
    uint64_t observers_read_ms; /* when keep_observers() last read them */
    int has_tls;
    nt_addr tls_addr[MAX_NODES]; /* the nodes that listen for TLS */
    size_t ntls;
    int external;
    int stopped; /* live_shutdown() done */
    irc_client *clients[MAX_CLIENTS];
    /* in-process */
    nt_loop *loop;
    srv_server *server;
    srv_net *net;
    srv_offload *offload;
    char db_path[600]; /* the in-process store's file, "" when none */
    int keep_db;       /* live_restart(): the store's file outlives the server */
    nt_thread *thread;
    nt_mutex *mutex; /* guards the fields below, shared with the loop thread */
    int loop_exited;
    int loop_rc;  /* nt_loop_run()'s */
    int close_rc; /* the end's: nt_loop_drain() then nt_loop_close() */
    const char *reason;
    nt_timer *sampler;
    size_t peak_largest, peak_total;
};

static unsigned health_counter;

int live_slow(void)
{
    return nt_test_wine_quirks();
}

size_t live_profile_sendq(live_profile profile)
{
    return profiles[profile].sendq;
}

/* ---- the tls profile's certificates ---- */

static const struct {
    const char *name; /* the files are <prefix><name>.pem and <prefix><name>-key.pem */
    const char *host; /* the name it is made for */
} certs[LIVE_NCERTS] = {
    [LIVE_CERT_SERVER] = {"server", "127.0.0.1"},
    [LIVE_CERT_CLIENT] = {"client", "live-client.natter.test"},
    [LIVE_CERT_CLIENT2] = {"client2", "live-client2.natter.test"},
};

static char cert_prefix[400]; /* "" until made or found */
static int certs_made_here;   /* in-process: removed at the end */
static char cert_paths[LIVE_NCERTS][2][480];

static void set_cert_prefix(const char *prefix)
{
    snprintf(cert_prefix, sizeof cert_prefix, "%s", prefix);
    for (size_t i = 1; i < LIVE_NCERTS; i++) {
        snprintf(cert_paths[i][0], sizeof cert_paths[i][0], "%s%s.pem", prefix, certs[i].name);
        snprintf(cert_paths[i][1], sizeof cert_paths[i][1], "%s%s-key.pem", prefix, certs[i].name);
    }
}

/* Make every certificate under prefix.  @return NT_OK or the first error */
static int make_certs(const char *prefix)
{
    set_cert_prefix(prefix);
    for (size_t i = 1; i < LIVE_NCERTS; i++) {
        int rc = nt_tls_make_self_signed(certs[i].host, 2, cert_paths[i][0], cert_paths[i][1]);
        if (rc != NT_OK) {
            printf("\n    cannot make %s: %s\n", cert_paths[i][0], nt_strerror(rc));
            return rc;
        }
    }
    return NT_OK;
}

static void remove_certs(void)
{
    if (!certs_made_here)
        return;
    for (size_t i = 1; i < LIVE_NCERTS; i++) {
        remove(cert_paths[i][0]);
        remove(cert_paths[i][1]);
    }
    certs_made_here = 0;
}

/* The certificates, made once per process in the temporary folder (or
 * those of the external server's folder). */
static int have_certs(void)
{
    if (cert_prefix[0])
        return 1;
    const char *dir = getenv("NATTERD_TEST_TLS_DIR");
    char prefix[sizeof cert_prefix];
    if (dir && dir[0]) {
        snprintf(prefix, sizeof prefix, "%s/", dir);
        set_cert_prefix(prefix);
        return 1;
    }
    dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = getenv("TEMP");
    if (!dir || !*dir)
        dir = getenv("TMP");
    if (!dir || !*dir)
        dir = nt_test_windows_build() ? "." : "/tmp";
    snprintf(prefix, sizeof prefix, "%s/natterd-live-%llx-", dir,
             (unsigned long long)nt_clock_wall_us());
    certs_made_here = 1;
    if (make_certs(prefix) != NT_OK) {
        remove_certs();
        cert_prefix[0] = '\0';
        return 0;
    }
    return 1;
}

const char *live_cert_file(live_cert which)
{
    CU_ASSERT_FATAL(which > LIVE_CERT_NONE && which < LIVE_NCERTS && have_certs());
    return cert_paths[which][0];
}

const char *live_key_file(live_cert which)
{
    CU_ASSERT_FATAL(which > LIVE_CERT_NONE && which < LIVE_NCERTS && have_certs());
    return cert_paths[which][1];
}

void live_cert_fingerprint(live_cert which, char *out)
{
    int rc = nt_tls_fingerprint_file(live_cert_file(which), out);
    if (rc != NT_OK)
        printf("\n    fingerprint of %s: %s\n", live_cert_file(which), nt_strerror(rc));
    CU_ASSERT_FATAL(rc == NT_OK);
}

void live_tls_options(irc_tls_options *o, live_cert cert)
{
    memset(o, 0, sizeof *o);
    o->ca_file = live_cert_file(LIVE_CERT_SERVER);
    o->server_name = "127.0.0.1";
    if (cert != LIVE_CERT_NONE) {
        o->cert_file = live_cert_file(cert);
        o->key_file = live_key_file(cert);
    }
}

/* A port on 127.0.0.1 that the OS just gave and took back: for the
 * configuration's tls_address, which names the port sts=port= tells. */
static unsigned free_port(void)
{
    nt_socket *sock = NULL;
    nt_addr a, bound;
    unsigned port = 0;
    if (nt_addr_loopback(NT_AF_INET, 0, &a) == NT_OK &&
        nt_socket_new(NT_AF_INET, NT_SOCK_STREAM, 0, &sock) == NT_OK &&
        nt_socket_bind(sock, &a) == NT_OK && nt_socket_getsockname(sock, &bound) == NT_OK)
        port = bound.port;
    nt_socket_close(sock);
    return port;
}

/* ---- assertions ---- */

/* The test's server when it is a cluster (settle()), else NULL. */
static live_server *cluster_server;

static void settle(void);

const char *live_expect(irc_client *c, const char *command, const char *text, const char *file,
                        int line)
{
    const char *got = irc_expect(c, command, text);
    if (got)
        settle(); /* c's line came: every node has what caused it */
    char what[300];
    snprintf(what, sizeof what, "%s receives %s '%s'", irc_label(c), command ? command : "a line",
             text ? text : "");
    CU_assertImplementation(got != NULL, (unsigned)line, what, file, "", CU_FALSE);
    return got ? got : "";
}

int live_sync(irc_client *c, irc_lines *seen, const char *file, int line)
{
    /* In a cluster: what other nodes caused reaches c before the barrier,
     * and what c caused reaches every node before the test goes on. */
    settle();
    int ok = irc_sync(c, seen);
    if (ok)
        settle();
    char what[100];
    snprintf(what, sizeof what, "%s answers a PING barrier", irc_label(c));
    CU_assertImplementation(ok, (unsigned)line, what, file, "", CU_FALSE);
    return ok;
}

void live_expect_count(irc_client *c, const char *command, const char *text, size_t want,
                       const char *file, int line)
{
    irc_lines seen = {0};
    int ok = live_sync(c, &seen, file, line);
    size_t n = irc_lines_count(&seen, command, text);
    char what[300];
    snprintf(what, sizeof what, "%s received %zu x %s '%s' (want %zu)", irc_label(c), n,
             command ? command : "any", text ? text : "", want);
    if (ok && n != want) {
        printf("\n    %s:%d: %s", file, line, what);
        irc_lines_print(&seen, irc_label(c));
    }
    CU_assertImplementation(!ok || n == want, (unsigned)line, what, file, "", CU_FALSE);
    irc_lines_free(&seen);
}

int live_expect_closed(irc_client *c, irc_lines *seen, const char *file, int line)
{
    int ok = irc_expect_closed(c, irc_default_deadline(), seen);
    char what[100];
    snprintf(what, sizeof what, "the server closes %s", irc_label(c));
    CU_assertImplementation(ok, (unsigned)line, what, file, "", CU_FALSE);
    return ok;
}

int live_collect(irc_client *c, const char *command, const char *text, irc_lines *out,
                 const char *file, int line)
{
    uint64_t deadline = nt_clock_ms() + irc_default_deadline();
    int ok = 0;
    for (;;) {
        uint64_t now = nt_clock_ms();
        const char *got = now < deadline ? irc_next(c, (unsigned)(deadline - now)) : NULL;
        if (!got)
            break;
        irc_lines_add(out, got);
        if (irc_line_matches(got, command, text)) {
            ok = 1;
            break;
        }
    }
    char what[300];
    snprintf(what, sizeof what, "%s receives lines up to %s '%s'", irc_label(c),
             command ? command : "any", text ? text : "");
    if (!ok)
        irc_lines_print(out, irc_label(c));
    else
        settle();
    CU_assertImplementation(ok, (unsigned)line, what, file, "", CU_FALSE);
    return ok;
}

void live_quit(live_server *s, irc_client *c)
{
    irc_send(c, "QUIT :bye");
    CU_ASSERT(irc_expect_closed(c, irc_default_deadline(), NULL));
    live_drop(s, c);
    settle();
}

/* ---- the in-process server ---- */

static void lock_set(live_server *s, int *field, int value)
{
    nt_mutex_lock(s->mutex);
    *field = value;
    nt_mutex_unlock(s->mutex);
}

static int exited(void *ctx)
{
    live_server *s = ctx;
    nt_mutex_lock(s->mutex);
    int done = s->loop_exited;
    nt_mutex_unlock(s->mutex);
    return done;
}

/* The in-process server ends as natterd's main() does, on the loop's own
 * thread: the network layer closes its handles, the drain runs their last
 * callbacks (and closes what a test left open, such as a sampler), and the
 * loop must then close: NT_EBUSY would be a handle natterd forgot. */
static int end_in_process(live_server *s)
{
    srv_net_free(s->net);
    s->net = NULL;
    if (s->server)
        srv_server_set_offload(s->server, NULL, NULL);
    srv_offload_free(s->offload);
    s->offload = NULL;
    int rc = nt_loop_drain(s->loop);
    srv_server_free(s->server);
    s->server = NULL;
    if (s->db_path[0] && !s->keep_db) {
        char extra[sizeof s->db_path + 8];
        remove(s->db_path);
        snprintf(extra, sizeof extra, "%s-wal", s->db_path);
        remove(extra);
        snprintf(extra, sizeof extra, "%s-shm", s->db_path);
        remove(extra);
        s->db_path[0] = '\0';
    }
    if (rc == NT_OK)
        rc = nt_loop_close(s->loop);
    if (rc == NT_OK)
        s->loop = NULL;
    return rc;
}

static void run_loop(void *arg)
{
    live_server *s = arg;
    int rc = nt_loop_run(s->loop);
    int closed = end_in_process(s);
    nt_mutex_lock(s->mutex);
    s->loop_rc = rc;
    s->close_rc = closed;
    s->loop_exited = 1;
    nt_mutex_unlock(s->mutex);
}

/* Run fn on the server's loop thread and wait for it. */
typedef struct loop_call {
    live_server *s;
    void (*fn)(live_server *s);
    int done;
} loop_call;

static void loop_call_task(void *data)
{
    loop_call *k = data;
    k->fn(k->s);
    lock_set(k->s, &k->done, 1);
}

static int loop_call_done(void *ctx)
{
    loop_call *k = ctx;
    nt_mutex_lock(k->s->mutex);
    int done = k->done;
    nt_mutex_unlock(k->s->mutex);
    return done;
}

static void on_loop(live_server *s, void (*fn)(live_server *s))
{
    loop_call k = {s, fn, 0};
    CU_ASSERT_FATAL(nt_loop_post(s->loop, loop_call_task, &k) == NT_OK);
    if (!nt_test_wait_until(loop_call_done, &k, 4 * irc_default_deadline())) {
        /* k is on this stack and the loop may still run it: the server
         * is stuck, and there is no safe way on. */
        printf("\n    the server's loop did not run a posted task: it is stuck\n");
        fflush(stdout);
        abort();
    }
}

/* The in-process store: a fresh SQLite file in the temporary folder (the
 * same one again after live_restart()), and the daemon's worker thread for
 * password hashing, as natterd runs them. */
static int open_store(live_server *s)
{
    static unsigned counter;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = getenv("TEMP");
    if (!dir || !*dir)
        dir = nt_test_windows_build() ? "." : "/tmp";
    if (!s->keep_db)
        snprintf(s->db_path, sizeof s->db_path, "%s/natterd-live-%llx-%u.db", dir,
                 (unsigned long long)nt_clock_wall_us(), ++counter);
    s->keep_db = 0;
    char err[256];
    srv_store *st = srv_store_sqlite_open(s->db_path, NULL, err, sizeof err);
    if (!st || srv_server_set_store(s->server, st, err, sizeof err) != 0) {
        printf("\n    store %s: %s\n", s->db_path, err);
        return 0;
    }
    s->offload = srv_offload_new(s->loop);
    if (!s->offload)
        return 0;
    srv_offload_attach(s->offload, s->server);
    return 1;
}

/* One try at the in-process server; 0 when it did not start (its parts
 * are freed; *port_taken when only the TLS port was taken meanwhile). */
static int try_start(live_server *s, int *port_taken)
{
    srv_config cfg;
    char err[256];
    unsigned tls_port = 0;
    if (s->profile == LIVE_TLS) {
        if (!have_certs() || !(tls_port = free_port()))
            return 0;
    }
    char *text = profile_text(s->profile, tls_port, cert_prefix);
    if (!text || srv_config_defaults(&cfg) != 0 ||
        srv_config_parse(&cfg, text, profiles[s->profile].name, err, sizeof err) != 0) {
        printf("\n    profile %s: %s\n", profiles[s->profile].name, text ? err : "out of memory");
        free(text);
        srv_config_free(&cfg);
        return 0;
    }
    free(text);
    int ok = nt_loop_new(&s->loop) == NT_OK;
    s->server = ok ? srv_server_new(&cfg) : NULL;
    srv_config_free(&cfg);
    s->net = s->server ? srv_net_new(s->loop, s->server) : NULL;
    if (s->net && has_store(s->profile) && !open_store(s))
        ok = 0;
    if (s->net && ok) {
        srv_server_set_log(s->server, srv_log_write, NULL);
        ok = srv_net_listen(s->net, "127.0.0.1:0") == NT_OK &&
             srv_net_listener_addr(s->net, 0, &s->addr[0]) == NT_OK;
    }
    if (s->net && ok && s->profile == LIVE_TLS) {
        /* As natterd's main(): the certificate, then the config's tls_address. */
        char address[32];
        snprintf(address, sizeof address, "127.0.0.1:%u", tls_port);
        int rc = srv_net_tls_load(s->net);
        if (rc == NT_OK)
            rc = srv_net_listen_tls(s->net, address);
        if (rc == NT_OK)
            rc = srv_net_listener_addr(s->net, 1, &s->tls_addr[0]);
        *port_taken = rc == NT_EADDRINUSE;
        s->has_tls = ok = rc == NT_OK;
    }
    if (s->net && ok)
        return 1;
    if (s->loop && end_in_process(s) != NT_OK)
        printf("\n    the loop of a server that did not start would not close\n");
    s->loop = NULL;
    s->has_tls = 0;
    return 0;
}

static int start_in_process(live_server *s)
{
    if (nt_mutex_new(&s->mutex) != NT_OK)
        return 0;
    /* Another program may take the free port before the server binds it. */
    int taken = 1;
    for (int attempt = 0; attempt < 5 && taken; attempt++) {
        taken = 0;
        if (try_start(s, &taken))
            return nt_thread_start(run_loop, s, &s->thread) == NT_OK;
    }
    return 0;
}

/* After the loop thread ended it (run_loop()); a loop that would not close
 * is left alone (live_shutdown() reported it). */
static void free_in_process(live_server *s)
{
    nt_mutex_free(s->mutex);
}

/* An external address variable's value into addr[MAX_NODES] and *n: one
 * HOST:PORT, or a cluster's nodes as a comma-separated list of them
 * (printed when wrong). */
static int parse_addr_list(const char *var, const char *list, nt_addr *addr, size_t *n)
{
    *n = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        char one[128];
        if (*n == MAX_NODES || len == 0 || len >= sizeof one) {
            printf("\n    %s=%s: want 1 to %d comma-separated HOST:PORT\n", var, list, MAX_NODES);
            return 0;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        int rc = nt_addr_parse(one, &addr[*n]);
        if (rc != NT_OK) {
            printf("\n    %s=%s: '%s': %s\n", var, list, one, nt_strerror(rc));
            return 0;
        }
        (*n)++;
        if (p[len] == '\0')
            return 1;
        p += len + 1;
    }
}

live_server *live_start(live_profile profile)
{
    live_server *s = calloc(1, sizeof *s);
    CU_ASSERT_FATAL(s != NULL);
    s->profile = profile;
    s->naddr = s->ntls = 1;
    const char *any = getenv("NATTERD_TEST_ADDR");
    if (any && any[0]) {
        char var[64];
        snprintf(var, sizeof var, "NATTERD_TEST_ADDR_%s", profiles[profile].name);
        for (char *p = var; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        const char *addr = getenv(var);
        if (profile == LIVE_MAIN && (!addr || !addr[0]))
            addr = any;
        if (!addr || !addr[0]) {
            char why[160];
            snprintf(why, sizeof why, "external server mode and %s is not set (profile %s)", var,
                     profiles[profile].name);
            nt_test_skip(why);
            free(s);
            return NULL;
        }
        s->external = 1;
        CU_ASSERT_FATAL(parse_addr_list(var, addr, s->addr, &s->naddr));
        if (s->naddr > 1)
            cluster_server = s;
        if (profile == LIVE_TLS) {
            /* Its TLS port and the certificates it was given. */
            const char *tls = getenv("NATTERD_TEST_TLS_ADDR");
            const char *dir = getenv("NATTERD_TEST_TLS_DIR");
            if (!tls || !tls[0] || !dir || !dir[0]) {
                nt_test_skip("external server mode and NATTERD_TEST_TLS_ADDR or "
                             "NATTERD_TEST_TLS_DIR is not set (profile tls)");
                free(s);
                return NULL;
            }
            CU_ASSERT_FATAL(parse_addr_list("NATTERD_TEST_TLS_ADDR", tls, s->tls_addr, &s->ntls) &&
                            have_certs());
            s->has_tls = 1;
        }
        return s;
    }
    int ok = start_in_process(s);
    CU_ASSERT_FATAL(ok);
    return s;
}

const nt_addr *live_addr(const live_server *s)
{
    return &s->addr[0];
}

int live_cluster(const live_server *s)
{
    return s->naddr > 1;
}

int live_in_process(const live_server *s)
{
    return !s->external;
}

const nt_addr *live_tls_addr(const live_server *s)
{
    return s->has_tls ? &s->tls_addr[0] : NULL;
}

static void keep(live_server *s, irc_client *c);

/* The next node of addr[n] for a new client: one count for plaintext and
 * TLS clients, so that consecutive clients land on different nodes of a
 * cluster (where only some listen for TLS, a TLS client still takes its
 * turn). */
static const nt_addr *next_node(live_server *s, const nt_addr *addr, size_t n)
{
    return &addr[s->next_node++ % n];
}

irc_client *live_client(live_server *s, const char *label, int rcvbuf)
{
    const nt_addr *addr = next_node(s, s->addr, s->naddr);
    irc_client *c = irc_connect(addr, label, rcvbuf);
    CU_ASSERT_FATAL(c != NULL);
    keep(s, c);
    return c;
}

static void keep(live_server *s, irc_client *c)
{
    size_t slot = 0;
    while (slot < MAX_CLIENTS && s->clients[slot])
        slot++;
    CU_ASSERT_FATAL(slot < MAX_CLIENTS);
    s->clients[slot] = c;
}

irc_client *live_client_tls(live_server *s, const char *label, const irc_tls_options *o)
{
    CU_ASSERT_FATAL(s->has_tls);
    irc_tls_options dflt;
    if (!o) {
        live_tls_options(&dflt, LIVE_CERT_NONE);
        o = &dflt;
    }
    irc_client *c = irc_connect_tls(next_node(s, s->tls_addr, s->ntls), label, o, NULL);
    CU_ASSERT_FATAL(c != NULL);
    keep(s, c);
    return c;
}

irc_client *live_user_tls(live_server *s, const char *nick, const char *caps, live_cert cert)
{
    irc_tls_options o;
    live_tls_options(&o, cert);
    irc_client *c = live_client_tls(s, nick, &o);
    int ok = irc_register(c, nick, caps);
    CU_ASSERT(ok);
    settle(); /* known on every node */
    return c;
}

irc_client *live_user(live_server *s, const char *nick, const char *caps)
{
    irc_client *c = live_client(s, nick, 0);
    int ok = irc_register(c, nick, caps);
    CU_ASSERT(ok);
    settle(); /* known on every node */
    return c;
}

static void forget(live_server *s, irc_client *c)
{
    for (size_t i = 0; i < MAX_CLIENTS; i++) {
        if (s->clients[i] == c)
            s->clients[i] = NULL;
    }
}

void live_drop(live_server *s, irc_client *c)
{
    forget(s, c);
    irc_close(c);
}

void live_reset(live_server *s, irc_client *c)
{
    forget(s, c);
    irc_reset(c);
}

/* LUSERS until the server counts only the health clients (one per node:
 * every node of a cluster counts the whole network), no unknown
 * connections, no operators, no channels (a closed client it had not
 * noticed yet, or another node's quit still on its way, is given the
 * deadline to go). */
static void check_forgotten(irc_client *hc, size_t users)
{
    char want_users[64], want_clients[48];
    snprintf(want_users, sizeof want_users, ":There are %zu users and 0 invisible", users);
    snprintf(want_clients, sizeof want_clients, ":I have %zu clients", users);
    uint64_t deadline = nt_clock_ms() + irc_default_deadline();
    irc_lines seen = {0};
    int clean = 0;
    while (!clean && !irc_failed(hc)) {
        irc_lines_free(&seen);
        irc_send(hc, "LUSERS");
        const char *line;
        while ((line = irc_next(hc, irc_default_deadline())) != NULL) {
            irc_lines_add(&seen, line);
            if (irc_line_matches(line, "266", NULL))
                break;
        }
        clean = irc_lines_count(&seen, "251", want_users) == 1 &&
                irc_lines_count(&seen, "255", want_clients) == 1 &&
                irc_lines_count(&seen, "254", " 0 :channels formed") == 1 &&
                irc_lines_count(&seen, "252|253", NULL) == 0;
        if (!clean && (!line || nt_clock_ms() >= deadline))
            break;
        if (!clean)
            nt_sleep_ms(20);
    }
    if (!clean)
        irc_lines_print(&seen, "LUSERS after the test's clients closed");
    CU_ASSERT(clean);
    irc_lines_free(&seen);
}

/* A new client registered at addr, asserted (NULL when it could not). */
static irc_client *health_client(const live_server *s, const nt_addr *addr)
{
    char nick[16];
    snprintf(nick, sizeof nick, "health%u", ++health_counter);
    irc_client *hc = NULL;
    uint64_t deadline = nt_clock_ms() + irc_default_deadline();
    for (;;) {
        /* A connection limit may still count clients the server has
         * not yet seen close: then it refuses, and we try again. */
        hc = irc_connect(addr, nick, 0);
        if (!hc)
            break;
        if (s->profile == LIVE_PASS)
            irc_send(hc, "PASS %s", LIVE_SERVER_PASSWORD);
        irc_register_send(hc, nick, NULL);
        const char *first = irc_next(hc, irc_default_deadline());
        if (first && irc_line_matches(first, "ERROR", "Too many") && nt_clock_ms() < deadline) {
            irc_close(hc);
            nt_sleep_ms(20);
            continue;
        }
        CU_ASSERT(first && irc_line_matches(first, "001", NULL));
        CU_ASSERT(irc_expect(hc, "376|422", NULL) != NULL);
        break;
    }
    CU_ASSERT(hc != NULL);
    return hc;
}

/* Is nick a word of the space-separated list? */
static int has_word(const char *list, const char *nick)
{
    size_t len = strlen(nick);
    for (const char *p = list; (p = strstr(p, nick)) != NULL; p += len) {
        if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return 1;
    }
    return 0;
}

/* Do the observers all see one another (ISON on each node)? */
static int observers_linked(live_server *s)
{
    char all[MAX_NODES * 17] = "";
    size_t n = 0;
    for (size_t i = 0; i < s->naddr; i++)
        n += (size_t)snprintf(all + n, sizeof all - n, "%s ", s->observer_nick[i]);
    uint64_t deadline = nt_clock_ms() + irc_default_deadline();
    for (size_t i = 0; i < s->naddr; i++) {
        for (;;) {
            irc_send(s->observer[i], "ISON %s", all);
            const char *on = irc_expect(s->observer[i], "303", NULL);
            int seen = on != NULL;
            for (size_t j = 0; seen && j < s->naddr; j++)
                seen = has_word(irc_line_trailing(on), s->observer_nick[j]);
            if (seen)
                break;
            if (!on || nt_clock_ms() >= deadline)
                return 0;
            nt_sleep_ms(5);
        }
    }
    return 1;
}

/* Read observer j's lines until it has want marks of this round
 * (answering the server's PINGs meanwhile). */
static int marks_arrived(irc_client *o, unsigned round, size_t want, uint64_t deadline)
{
    char mark[32];
    snprintf(mark, sizeof mark, "mark %u", round);
    size_t got = 0;
    while (got < want) {
        uint64_t now = nt_clock_ms();
        const char *line = now < deadline ? irc_next(o, (unsigned)(deadline - now)) : NULL;
        if (!line)
            return 0;
        if (irc_line_matches(line, "PING", NULL))
            irc_send(o, "PONG :%s", irc_line_trailing(line));
        else if (irc_line_matches(line, "PRIVMSG", NULL) &&
                 strcmp(irc_line_trailing(line), mark) == 0)
            got++;
    }
    return 1;
}

/* Answer the PINGs the observers got while idle (read once a second at
 * most: reading costs a millisecond each); an observer a node closed
 * meanwhile (a test idle past the ping timeout) has all of them made
 * anew. */
static void keep_observers(live_server *s)
{
    uint64_t now = nt_clock_ms();
    if (!s->observer[0] || now - s->observers_read_ms < 1000)
        return;
    s->observers_read_ms = now;
    int lost = 0;
    for (size_t i = 0; i < s->naddr && s->observer[i]; i++) {
        const char *line;
        while ((line = irc_next(s->observer[i], 1)) != NULL) {
            if (irc_line_matches(line, "PING", NULL))
                irc_send(s->observer[i], "PONG :%s", irc_line_trailing(line));
        }
        lost |= irc_is_closed(s->observer[i]) || irc_failed(s->observer[i]);
    }
    if (!lost)
        return;
    for (size_t i = 0; i < s->naddr; i++) {
        irc_close(s->observer[i]);
        s->observer[i] = NULL;
    }
}

/*
 * A barrier for a whole cluster.  A node applies the events of another in
 * the order that node published them, so when a message an observer sent
 * through node X reaches an observer on node Y, Y has applied everything
 * X published before it: with one observer (a client live.c keeps) on
 * each node sending a mark to every other, every node has everything any
 * node did before the barrier (a registration, a mode, a quit ...).  Only
 * once a test has clients on two nodes; a no-op off a cluster.
 */
static void settle(void)
{
    live_server *s = cluster_server;
    if (!s || s->next_node < 2 || s->settle_failed)
        return;
    keep_observers(s);
    if (!s->observer[0]) {
        for (size_t i = 0; i < s->naddr; i++) {
            s->observer[i] = health_client(s, &s->addr[i]);
            if (!s->observer[i]) {
                s->settle_failed = 1;
                return;
            }
            snprintf(s->observer_nick[i], sizeof s->observer_nick[i], "%s",
                     irc_label(s->observer[i]));
        }
        if (!observers_linked(s)) {
            printf("\n    the cluster's nodes did not all see the barrier clients\n");
            s->settle_failed = 1;
            CU_FAIL("the cluster barrier's clients are known on every node");
            return;
        }
    }
    unsigned round = ++s->marks;
    for (size_t i = 0; i < s->naddr; i++) {
        for (size_t j = 0; j < s->naddr; j++) {
            if (j != i)
                irc_send(s->observer[i], "PRIVMSG %s :mark %u", s->observer_nick[j], round);
        }
    }
    uint64_t deadline = nt_clock_ms() + irc_default_deadline();
    for (size_t j = 0; j < s->naddr; j++) {
        if (!marks_arrived(s->observer[j], round, s->naddr - 1, deadline)) {
            printf("\n    cluster barrier %u: %s's marks did not all arrive\n", round,
                   s->observer_nick[j]);
            s->settle_failed = 1;
            CU_FAIL("a cluster barrier's marks reach every node");
            return;
        }
    }
}

void live_stop(live_server *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < MAX_CLIENTS; i++) {
        irc_close(s->clients[i]);
        s->clients[i] = NULL;
    }
    for (size_t i = 0; i < MAX_NODES; i++) {
        irc_close(s->observer[i]);
        s->observer[i] = NULL;
    }
    if (cluster_server == s)
        cluster_server = NULL;
    if (!s->stopped) {
        /* The server never crashes: after whatever the test did, a new
         * client registers, and nothing of the old ones is left.  In a
         * cluster, on every node: each must have forgotten them too. */
        irc_client *hc[MAX_NODES] = {0};
        for (size_t i = 0; i < s->naddr; i++)
            hc[i] = health_client(s, &s->addr[i]);
        for (size_t i = 0; i < s->naddr; i++) {
            if (hc[i])
                check_forgotten(hc[i], s->naddr);
        }
        for (size_t i = 0; i < s->naddr; i++) {
            if (!hc[i])
                continue;
            irc_send(hc[i], "QUIT :done");
            CU_ASSERT(irc_expect_closed(hc[i], irc_default_deadline(), NULL));
            irc_close(hc[i]);
        }
        if (!s->external)
            CU_ASSERT(live_shutdown(s, "Server shutting down"));
    }
    if (!s->external && s->stopped)
        free_in_process(s);
    free(s);
}

static void shutdown_task(live_server *s)
{
    srv_net_shutdown(s->net, s->reason);
}

int live_shutdown(live_server *s, const char *reason)
{
    if (s->external || s->stopped)
        return 0;
    s->reason = reason;
    on_loop(s, shutdown_task);
    if (!nt_test_wait_until(exited, s, 2 * irc_default_deadline())) {
        printf("\n    the server's loop did not stop after srv_net_shutdown()\n");
        return 0;
    }
    nt_thread_join(s->thread);
    s->thread = NULL;
    s->stopped = 1;
    if (s->loop_rc != NT_OK)
        printf("\n    nt_loop_run() failed: %s\n", nt_err_name(s->loop_rc));
    if (s->close_rc != NT_OK)
        printf("\n    the loop did not close after the shutdown: %s\n", nt_err_name(s->close_rc));
    return s->loop_rc == NT_OK && s->close_rc == NT_OK;
}

int live_restart(live_server *s)
{
    if (s->external || s->stopped || !has_store(s->profile))
        return 0;
    for (size_t i = 0; i < MAX_CLIENTS; i++) {
        irc_close(s->clients[i]);
        s->clients[i] = NULL;
    }
    s->keep_db = 1;
    if (!live_shutdown(s, "Server restarting")) {
        s->keep_db = 0;
        return 0;
    }
    free_in_process(s);
    s->stopped = 0;
    s->loop_exited = 0;
    s->has_tls = 0;
    int ok = start_in_process(s); /* open_store() takes the kept file */
    if (!ok)
        s->stopped = 1; /* nothing runs: live_stop() only frees */
    return ok;
}

/* ---- output queue sampling (in-process) ---- */

static void sample(nt_timer *t, void *data)
{
    live_server *s = data;
    (void)t;
    size_t largest = 0;
    size_t total = srv_net_queued_bytes(s->net, &largest);
    nt_mutex_lock(s->mutex);
    if (largest > s->peak_largest)
        s->peak_largest = largest;
    if (total > s->peak_total)
        s->peak_total = total;
    nt_mutex_unlock(s->mutex);
}

static void sampler_start(live_server *s)
{
    if (nt_timer_new(s->loop, sample, s, &s->sampler) == NT_OK)
        nt_timer_start(s->sampler, 1, 1);
}

static void sampler_stop(live_server *s)
{
    nt_timer_close(s->sampler, NULL);
    s->sampler = NULL;
}

void live_queue_watch(live_server *s)
{
    if (s->external || s->stopped)
        return;
    s->peak_largest = s->peak_total = 0;
    on_loop(s, sampler_start);
}

void live_queue_peak(live_server *s, size_t *largest, size_t *total)
{
    if (!s->external && !s->stopped)
        on_loop(s, sampler_stop);
    *largest = s->peak_largest;
    *total = s->peak_total;
}

/* ---- main ---- */

/* --print-config PROFILE */
static int print_config(const char *name)
{
    for (size_t i = 0; i < LIVE_NPROFILES; i++) {
        if (strcmp(name, profiles[i].name) != 0)
            continue;
        unsigned port = 0;
        char dir[sizeof cert_prefix - 1] = "";
        if (i == LIVE_TLS) {
            const char *p = getenv("NATTERD_TEST_TLS_PORT");
            const char *d = getenv("NATTERD_TEST_TLS_SERVER_DIR");
            if (!d || !d[0])
                d = getenv("NATTERD_TEST_TLS_DIR");
            port = p ? (unsigned)strtoul(p, NULL, 10) : 0;
            if (!port || port > 65535 || !d || !d[0]) {
                fprintf(stderr, "profile tls: set NATTERD_TEST_TLS_PORT and "
                                "NATTERD_TEST_TLS_DIR (the certificates' folder, from "
                                "--make-certs)\n");
                return 2;
            }
            snprintf(dir, sizeof dir, "%s/", d);
        }
        char *text = profile_text((live_profile)i, port, dir);
        if (!text)
            return 1;
        printf("# SPDX-License-Identifier: MIT\n# natterd live-test profile '%s'\n%s",
               profiles[i].name, text);
        /* External servers keep accounts in the folder external.sh made. */
        const char *data = getenv("NATTERD_TEST_DATA_DIR");
        if (has_store((live_profile)i)) {
            if (!data || !data[0]) {
                fprintf(stderr, "profile %s: set NATTERD_TEST_DATA_DIR (its store's folder)\n",
                        profiles[i].name);
                free(text);
                return 2;
            }
            printf("[store]\ndirectory = %s\n", data);
        }
        free(text);
        return 0;
    }
    fprintf(stderr, "unknown profile '%s'\n", name);
    return 2;
}

int live_main(int argc, char **argv, const char *suite, const CU_TestInfo *tests)
{
    if (argc == 3 && strcmp(argv[1], "--print-config") == 0)
        return print_config(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--make-certs") == 0) {
        char prefix[sizeof cert_prefix];
        snprintf(prefix, sizeof prefix, "%s/", argv[2]);
        return make_certs(prefix) == NT_OK ? 0 : 1;
    }
    if (argc == 2 && strcmp(argv[1], "--free-port") == 0) {
        unsigned port = free_port();
        if (!port)
            return 1;
        printf("%u\n", port);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--profiles") == 0) {
        for (size_t i = 0; i < LIVE_NPROFILES; i++)
            printf("%s\n", profiles[i].name);
        return 0;
    }
    if (argc != 1) {
        fprintf(
            stderr,
            "usage: %s [--print-config PROFILE | --profiles | --make-certs DIR | --free-port]\n",
            argv[0]);
        return 2;
    }
    const char *level = getenv("NATTERD_TEST_LOG");
    int lv = level ? srv_log_level_from_name(level) : SRV_LOG_ERROR;
    srv_log_open(lv < 0 ? SRV_LOG_ERROR : lv, NULL);
    if (live_slow())
        irc_set_default_deadline(15000);
    int rc = nt_test_main(suite, tests);
    remove_certs();
    return rc;
}

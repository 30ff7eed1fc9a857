/* SPDX-License-Identifier: MIT */
/*
 * The load generator's shared state: options, the run's counters, and the
 * simulated IRC clients (client.c), driven by the phases in loadgen.c.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include "hist.h"
#include "procstat.h"

#include <natter/addr.h>
#include <natter/conn.h>
#include <natter/loop.h>
#include <natter/net.h>
#include <natter/tls.h>
#include <stddef.h>
#include <stdint.h>

/* The longest line kept; longer ones (none in this protocol subset) are
 * counted and skipped. */
#define LG_LINE_MAX 1024

/* At most this many servers (--ports, --servers) and server processes
 * (--server-pid) in one run. */
#define LG_MAX_SERVERS 64
#define LG_MAX_PIDS 16

/* One server the clients connect to: client i goes to server i % N. */
typedef struct lg_server {
    char host[128];
    uint16_t port;
} lg_server;

typedef struct lg_options {
    const char *scenario;
    const char *host;
    uint16_t port;
    lg_server servers[LG_MAX_SERVERS]; /* --ports/--servers, else host:port */
    unsigned nservers;
    const char *pass;
    unsigned clients;             /* -n */
    unsigned channels;            /* -c */
    double rate;                  /* -r: messages per second per client */
    double seconds;               /* -t: length of the send phase */
    unsigned payload;             /* -s: bytes of message text */
    double connect_rate;          /* connections started per second; 0: all at once */
    int server_pids[LG_MAX_PIDS]; /* --server-pid: CPU summed, RSS each */
    unsigned npids;
    int idle;             /* register, join, hold, report RSS per client */
    double hold;          /* seconds to hold in --idle */
    unsigned slow;        /* clients that stop reading once joined */
    int slow_rcvbuf;      /* SO_RCVBUF of a slow reader (bytes) */
    double setup_timeout; /* give up waiting for registration after this */
    unsigned retries;     /* reconnect a client that failed before joining */
    double drain_timeout; /* wait at most this long for late deliveries */
    const char *json;     /* write the results here as JSON */
    const char *label;    /* copied into the JSON (e.g. the server's name) */
    int verbose;
    int no_join;          /* --no-join: a client is ready once registered */
    int tls;              /* --tls: every connection speaks TLS */
    const char *tls_pin;  /* --tls-pin: verify by this SHA-256 (else no check) */
    const char *tls_ca;   /* --tls-ca: trust this PEM instead of the system's */
    const char *tls_name; /* --tls-name: SNI (default localhost) */
    int tls_resume;       /* --tls-resume: one name for all, sessions resumed */
    int phase_marks;      /* --phase-marks: say when measuring starts/ends, wait */
} lg_options;

/* LG_HANDSHAKING: TCP connected, TLS handshake under way (--tls only). */
enum lg_state {
    LG_IDLE,
    LG_CONNECTING,
    LG_HANDSHAKING,
    LG_REGISTERING,
    LG_JOINING,
    LG_READY,
    LG_CLOSED
};

typedef struct lg_run lg_run;

typedef struct lg_client {
    lg_run *run;
    nt_socket *sock; /* the socket and its watcher (with --tls until TCP */
    nt_watch *watch; /* is up: then the socket is the connection's) */
    nt_conn *conn;   /* --tls: the connection, from TCP up to the end */
    uint32_t id;
    uint32_t chan;
    uint16_t server; /* index in opt.servers: id % nservers */
    uint8_t state;
    uint8_t slow;      /* stops reading once joined */
    uint8_t counted;   /* counted in its channel's receivers */
    uint8_t got_error; /* the server sent ERROR */
    uint8_t paused;    /* not reading (a slow reader) */
    uint8_t attempts;  /* connections made, for --retry */
    uint8_t was_connected, was_handshaken, was_registered;
    uint16_t plen; /* bytes of an unfinished line in partial */
    char *partial; /* LG_LINE_MAX bytes, allocated on first need */
    char *out;     /* output the socket would not take yet */
    uint32_t outlen, outcap;
    int close_reason; /* NT_EOF, NT_ECONNRESET, ... */
    uint64_t t_joined_us;
    uint64_t t_tcp_us;    /* TCP connected (TLS: the handshake starts) */
    uint64_t retry_at_us; /* when to reconnect (--retry) */
    char error_text[80];
} lg_client;

typedef struct lg_run {
    lg_options opt;
    nt_loop *loop;
    nt_addr addrs[LG_MAX_SERVERS]; /* opt.servers, resolved */
    lg_client *clients;
    uint32_t *receivers; /* per channel: joined clients that read */

    /* setup */
    uint64_t t_setup_us; /* first connection started */
    unsigned started, connected, registered, joined, closed, failed;
    uint64_t t_all_connected_us, t_all_registered_us, t_all_joined_us;
    hist join_hist; /* per client: setup start -> joined */

    /* TLS (--tls) */
    nt_tls_config *tls;
    unsigned handshaken, tls_resumed;
    uint64_t t_all_handshaken_us;
    hist handshake_hist; /* per client: TCP connected -> handshake done */
    char tls_protocol[16], tls_cipher[64];

    int setup_open;      /* failures before joining may be retried */
    uint32_t *retry_ids; /* clients waiting to reconnect */
    unsigned nretry;
    unsigned retries; /* reconnections made */

    /* traffic */
    uint64_t sent, expected, delivered, foreign_lines, error_lines;
    uint64_t lines_in, bytes_in, bytes_out;
    uint64_t last_rx_us; /* when bytes last arrived */
    uint64_t send_failures;
    unsigned unexpected_closes; /* clients that are not slow readers */
    hist latency;
    /* With several servers: deliveries whose sender is on the receiver's
     * server, and those that crossed from another server. */
    hist latency_same, latency_cross;
    hist slip;      /* how late each send was against its schedule */
    hist tick_late; /* the control timer's lateness */
    hist iter_busy; /* how long one loop iteration spent reading */
    int measuring;  /* in the send phase */
    uint64_t iter_wakeup, iter_start_us, iter_last_us;
} lg_run;

/* client.c */
int lg_client_start(lg_run *run, lg_client *c);
/* Start again those whose retry time has come. */
void lg_client_retry_due(lg_run *run, uint64_t now_us);
void lg_client_send(lg_client *c, const char *data, size_t len);
/* Slow readers: stop reading, or read again (to see how they ended). */
void lg_client_pause(lg_client *c);
void lg_client_resume(lg_client *c);
void lg_client_close(lg_client *c, int reason);
/* Messages counted as delivered carry this marker right after ':'. */
#define LG_MARK 'T'

#endif

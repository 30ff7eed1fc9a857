/* SPDX-License-Identifier: MIT */
/*
 * natterd's protocol core as the network layer sees it: one opaque
 * server object, opaque clients, and the calls that feed them.  This is
 * the daemon's whole view of the core (with config.h for the settings and
 * transport.h for the vtable it implements); the core's structs and its
 * modules' headers are private to server/core/.
 *
 * The network layer creates one srv_server, feeds it connections and
 * lines, calls srv_server_tick() when srv_server_next_tick() says so, and
 * nothing here touches a socket or reads the clock behind the caller's
 * back: time comes from the clock functions given (nt_clock_ms /
 * nt_clock_wall_us unless a test injects its own).
 */
#ifndef NATTERD_CORE_PUBLIC_H
#define NATTERD_CORE_PUBLIC_H

#include "attributes.h"
#include "config.h"
#include "store.h"
#include "transport.h"

#include <stddef.h>
#include <stdint.h>

typedef struct srv_server srv_server;
typedef struct srv_client srv_client;

/** Called after a new configuration is installed (srv_server_on_config()). */
typedef void (*srv_config_fn)(void *ctx, srv_server *s);
/** Monotonic milliseconds. */
typedef uint64_t (*srv_mono_clock_fn)(void *ctx);
/** Wall-clock microseconds since the epoch. */
typedef int64_t (*srv_wall_clock_fn)(void *ctx);
/** Where the core's log lines go (level: an srv_log_level). */
typedef void (*srv_log_fn)(void *ctx, int level, const char *message);

/**
 * Slow work the core wants done off the event loop (a password hash):
 * call run(job) on any thread, then done(job) on the loop's thread,
 * exactly once each and in that order.  done() is an entry point of its
 * own (it may send and close clients).
 */
typedef void (*srv_offload_fn)(void *ctx, void (*run)(void *job), void (*done)(void *job),
                               void *job);
/** Log levels for srv_log_fn. */
enum srv_log_level { SRV_LOG_ERROR, SRV_LOG_WARNING, SRV_LOG_INFO, SRV_LOG_DEBUG };

#define SRV_VERSION_STRING "natterd-" NT_VERSION_STRING

/* ---- the server ---- */

/**
 * A server with a copy of cfg (which the caller keeps).  Loads the MOTD
 * file if one is configured (a missing file just means 422).
 * @return the server, or NULL when out of memory
 */
srv_server *srv_server_new(const srv_config *cfg);

/** Free the server and every remaining client without sending anything. */
void srv_server_free(srv_server *s);

/**
 * Replace the clocks: mono returns monotonic milliseconds, wall returns
 * microseconds since the epoch.  Either may be NULL for the default.
 */
void srv_server_set_clock(srv_server *s, srv_mono_clock_fn mono, srv_wall_clock_fn wall, void *ctx);

/** Where the core's log lines go (default: nowhere). */
void srv_server_set_log(srv_server *s, srv_log_fn fn, void *ctx);

/**
 * Timeouts: registration timeout, PING after ping_interval of silence,
 * disconnect after ping_timeout without an answer.  now_ms is on the
 * monotonic clock.  May close clients (transport close()).
 */
void srv_server_tick(srv_server *s, uint64_t now_ms);

/** The monotonic time by which srv_server_tick() should be called next. */
uint64_t srv_server_next_tick(const srv_server *s);

/** Told when srv_server_next_tick() moved earlier (the network layer restarts its timer). */
typedef void (*srv_wake_fn)(void *ctx, uint64_t when_ms);

/** Set who is told when the next tick moves earlier (NULL: nobody; tests call tick themselves). */
void srv_server_on_wake(srv_server *s, srv_wake_fn fn, void *ctx);

/**
 * Send every client "ERROR :reason" and close it: for SIGTERM, Ctrl-C and
 * service stop.  The server stays usable (and empty) until freed.
 */
void srv_server_shutdown(srv_server *s, const char *reason);

/**
 * Be told when a new configuration is installed (REHASH, SIGHUP), so that
 * the network layer can apply what lives in the connections (the SendQ).
 * One listener; NULL removes it.
 */
void srv_server_on_config(srv_server *s, srv_config_fn fn, void *ctx);

/**
 * Install a new configuration (REHASH, SIGHUP): names, limits, opers, the
 * MOTD.  Clients and channels stay; new limits apply to what happens next.
 * @return 0, or -1 when out of memory (the old configuration stays)
 */
int srv_server_apply_config(srv_server *s, const srv_config *cfg);

/**
 * Reload the configuration file the current one came from and apply it.
 * @return 0, or -1 with the reason in err (the old configuration stays)
 */
int srv_server_rehash(srv_server *s, char *err, size_t errsize);

/** The configuration in force (for the network layer: listen, sendq). */
const srv_config *srv_server_config(const srv_server *s);

/**
 * The port the first TLS listener is bound to (what the sts capability
 * sends plaintext clients to, unless the configuration names sts_port).
 * Without one no sts policy is offered.
 */
void srv_server_set_tls_port(srv_server *s, unsigned port);

/**
 * Give the server its store (it takes ownership) and read every account
 * and registered channel from it.  Without a store, accounts, SASL and
 * channel registration are off (REGISTER says so, CAP LS omits sasl).
 * @return 0, or -1 with the reason in err (the store is then freed and
 *         the server runs without one)
 */
int srv_server_set_store(srv_server *s, srv_store *st, char *err, size_t errsize);

/** The server's store, or NULL. */
srv_store *srv_server_store(const srv_server *s);

/**
 * The store could not be opened (damaged, unreadable): natterd serves chat
 * without accounts, and REGISTER, NickServ and ChanServ say the store is
 * unavailable rather than that accounts are off.
 */
void srv_server_store_unavailable(srv_server *s);

/**
 * Where slow work goes (see srv_offload_fn); NULL runs it inline, which
 * is what tests and fuzzing want.  Work already handed to an offload
 * must be finished (its done() called) before srv_server_free().
 */
void srv_server_set_offload(srv_server *s, srv_offload_fn fn, void *ctx);

/**
 * The longest line the network layer should frame, excluding CRLF: the
 * IRCv3 tag allowance (8191 bytes with its '@' and space) plus
 * line_length - 2.  Longer input goes to srv_client_line_too_long().
 */
size_t srv_server_max_line(const srv_server *s);

/** How many clients are connected (registered or not). */
size_t srv_server_client_count(const srv_server *s);

/* ---- its clients (see transport.h for the rules) ---- */

/**
 * A new connection from host (a numeric address as text; truncated to 63
 * bytes).  transport and ctx are used for everything sent to it; transport
 * must outlive the client.  When the connection is refused (max_clients,
 * max_clients_per_address) the core sends an ERROR line, calls
 * transport->close() and returns NULL; out of memory also closes and
 * returns NULL.  So NULL always means "already closed, forget it".
 */
srv_client *srv_client_new(srv_server *s, const srv_transport *transport, void *ctx,
                           const char *host);

/**
 * c's connection is TLS and its handshake is through (call before its
 * first line).  certfp: the SHA-256 fingerprint of the certificate the
 * client presented, as hex, or NULL when it sent none.  WHOIS then shows
 * 671 (to everyone) and 276 (the fingerprint, to c and operators); the
 * sts capability tells it the policy rather than the port to upgrade to.
 */
void srv_client_set_secure(srv_client *c, const char *certfp);

/**
 * One received line of len bytes, without its CRLF.  Any bytes may
 * arrive: empty lines are ignored, a line holding a NUL byte is refused
 * with 400 (ERR_UNKNOWNERROR), a line over srv_server_max_line() gets 417;
 * invalid UTF-8 is refused (FAIL ... INVALID_UTF8, see utf8_only) or,
 * with utf8_only off, passed through in message text and refused in
 * channel names (476).  The client may be closed before this
 * returns (QUIT, flood): see transport.h.
 */
void srv_client_line(srv_client *c, const char *line, size_t len);

/**
 * The network layer dropped an input line longer than its frame limit:
 * answer 417 (ERR_INPUTTOOLONG) and count a flood penalty.
 */
void srv_client_line_too_long(srv_client *c);

/**
 * Close c with "ERROR :Closing Link: host (reason)", e.g. reason
 * "SendQ exceeded" when its output queue overflowed.  The quit message
 * peers see is reason too.
 */
void srv_client_error(srv_client *c, const char *reason);

/**
 * The connection ended under the core (nt_reason: NT_EOF, NT_ECONNRESET,
 * ...): peers see a QUIT, and the transport is not called again.
 */
void srv_client_gone(srv_client *c, int nt_reason);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * A small scripted IRC client for natterd's live suites, on libnatter's
 * blocking sockets: send a line; wait, with a deadline, for a line of a
 * given command that contains some text; collect lines until a PING/PONG
 * barrier; wait for the server to close.  Nothing here asserts: the calls
 * return NULL / 0 on failure and print what they were waiting for and the
 * last lines seen, and the suites assert on the results.
 *
 * Once a wait has failed, the client is marked failed and every later wait
 * fails at once, so one broken expectation costs one deadline, not one per
 * remaining step.
 *
 * This is the C suites' one IRC test client: natterd's live suites and
 * the GUI core's suite against ngircd use it (tests/lib/ircclient.py is
 * the Python tests' counterpart).  It needs only libnatter, so it builds
 * for Windows too.
 *
 * A client may speak TLS (irc_connect_tls(): natter/tls.h's blocking
 * socket over the same nt_socket); every call below then works the same,
 * on the plaintext inside.
 */
#ifndef NATTERD_TEST_IRC_CLIENT_H
#define NATTERD_TEST_IRC_CLIENT_H

#include <natter/addr.h>
#include <natter/tls.h>
#include <stddef.h>
#include <stdint.h>

typedef struct irc_client irc_client;

/** A growable list of received lines (without CRLF). */
typedef struct irc_lines {
    char **v;
    size_t n, cap;
} irc_lines;

/**
 * Connect to addr.  label names the client in diagnostics.  rcvbuf > 0
 * sets SO_RCVBUF before connecting (a client that will not read).
 * @return the client, or NULL (printed) when the connection failed
 */
irc_client *irc_connect(const nt_addr *addr, const char *label, int rcvbuf);

/** How a TLS client trusts the server, and what it shows of itself. */
typedef struct irc_tls_options {
    /** Trust the certificates of this PEM file (a CA, or the server's own
     *  self-signed certificate) instead of the system's; NULL: the system's. */
    const char *ca_file;
    /** Accept a server with this SHA-256 fingerprint whatever its issuer
     *  (nt_tls_config_pin); NULL: none. */
    const char *pin;
    /** A client certificate and its key (PEM) to present; NULL: none. */
    const char *cert_file;
    const char *key_file;
    /** The name sent (SNI) and checked; NULL: the address's host
     *  ("127.0.0.1", checked as an IP address). */
    const char *server_name;
} irc_tls_options;

/**
 * Connect to addr and complete a TLS handshake (nt_tls_wrap) within the
 * client's deadline.
 * @param rc receives NT_OK or why it failed (may be NULL)
 * @return the client, or NULL (printed) when the connection or the
 *         handshake failed
 */
irc_client *irc_connect_tls(const nt_addr *addr, const char *label, const irc_tls_options *tls,
                            int *rc);

/** Is c a TLS client? */
int irc_is_tls(const irc_client *c);

/** A TLS client's session (the server's fingerprint, protocol...).
 *  @return NT_OK, or NT_EINVAL for a plaintext client */
int irc_tls_info(const irc_client *c, nt_tls_info *out);

/** How the connection was seen to end (NT_EOF, NT_ECONNRESET, ...), or
 *  NT_OK while it has not. */
int irc_close_reason(const irc_client *c);

/** Close the socket (no QUIT) and free the client.  NULL is accepted.  A
 *  TLS client sends close_notify first. */
void irc_close(irc_client *c);

/** Close with a TCP reset (SO_LINGER 0) and free the client. */
void irc_reset(irc_client *c);

/** The label given at connect time. */
const char *irc_label(const irc_client *c);

/** This client's deadline for waits, in milliseconds. */
void irc_set_deadline(irc_client *c, unsigned ms);

/**
 * While c waits for the server, call idle(data) every few milliseconds:
 * for a test whose code under test runs on a main loop in the same
 * thread (the GUI core on GLib's main context), which must keep turning
 * while the test waits.  NULL turns it off.
 */
void irc_set_idle(irc_client *c, void (*idle)(void *data), void *data);

/** The deadline new clients start with (5000 ms unless changed). */
unsigned irc_default_deadline(void);

/** Change the deadline new clients start with (slower machines, wine). */
void irc_set_default_deadline(unsigned ms);

/** Send one line; CRLF is appended.  @return 0, or -1 (printed) */
int irc_send(irc_client *c, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Send bytes exactly as given (bad input, several lines at once). */
int irc_send_raw(irc_client *c, const void *data, size_t len);

/**
 * Does line have this command (a word such as "PRIVMSG" or a numeric such
 * as "433"; several may be given as "376|422"; NULL matches any) and
 * contain text (NULL matches any)?
 */
int irc_line_matches(const char *line, const char *command, const char *text);

/** Copy line's command word into dst (tags and source skipped). */
void irc_line_command(const char *line, char *dst, size_t size);

/** The trailing parameter of line (after " :"), or "" when it has none. */
const char *irc_line_trailing(const char *line);

/**
 * Read lines until one matches (see irc_line_matches), skipping others,
 * for at most the client's deadline.
 * @return the line (valid until the next call on c), or NULL
 */
const char *irc_expect(irc_client *c, const char *command, const char *text);

/** irc_expect() with its own deadline in milliseconds. */
const char *irc_expect_within(irc_client *c, unsigned ms, const char *command, const char *text);

/**
 * The next line, waiting at most ms.  Unlike the expect calls a timeout
 * here is not a failure (it does not mark the client failed).
 * @return the line (valid until the next call on c), or NULL
 */
const char *irc_next(irc_client *c, unsigned ms);

/**
 * A barrier: send "PING :token", read until its PONG, and append every
 * line before it to seen (may be NULL).  Everything the server queued for
 * this client before it read the PING has then arrived.
 * @return 1, or 0 (printed) when the PONG did not come
 */
int irc_sync(irc_client *c, irc_lines *seen);

/**
 * Read until the server closes the connection (EOF or reset), at most ms,
 * appending lines to seen (may be NULL).
 * @return 1 when it closed, else 0 (printed)
 */
int irc_expect_closed(irc_client *c, unsigned ms, irc_lines *seen);

/** Has the connection been seen to close? */
int irc_is_closed(const irc_client *c);

/** Has an expectation on c failed? */
int irc_failed(const irc_client *c);

/**
 * Register: NICK, USER, then wait for 001 and the end of the burst (376
 * or 422).  With caps (e.g. "server-time echo-message") CAP LS 302 and
 * CAP REQ come first and CAP END after the ACK.
 * @return 1, or 0 (printed)
 */
int irc_register(irc_client *c, const char *nick, const char *caps);

/** The first half of irc_register(): only send (to register many at once). */
int irc_register_send(irc_client *c, const char *nick, const char *caps);

/** The second half: wait for the ACK (with caps), 001 and end of burst. */
int irc_register_wait(irc_client *c, const char *caps);

/** Append a copy of line. */
void irc_lines_add(irc_lines *l, const char *line);

/** How many lines match (see irc_line_matches). */
size_t irc_lines_count(const irc_lines *l, const char *command, const char *text);

/** The first matching line, or NULL. */
const char *irc_lines_find(const irc_lines *l, const char *command, const char *text);

/** Print the lines (for a failing assertion's context). */
void irc_lines_print(const irc_lines *l, const char *label);

/** Free the lines and empty the list. */
void irc_lines_free(irc_lines *l);

#endif

/* SPDX-License-Identifier: MIT */
/* One IRC connection's state machine on the main context: registration
 * with CAP negotiation (server-time, multi-prefix), nick-in-use fallback,
 * PING/PONG, dead-link detection, reconnect with exponential backoff and
 * jitter, rejoining channels; and what the server's lines mean to the
 * conversation model.  The network itself runs on an NcIo worker.
 *
 * TLS: on by default unless the server is this computer; a certificate
 * that fails verification, or differs from the one pinned, stops the
 * client (no retries) with an NcTlsProblem for the window to explain,
 * until nc_client_trust_certificate().  An IRCv3 sts=port= offer on a
 * plain connection moves it to TLS at once; an sts=duration= over TLS is
 * remembered in the trust store, so later connects start with TLS.
 *
 * Accounts: with a login set, the client asks for the sasl capability
 * and logs in before registering (SCRAM-SHA-256 when offered, else
 * PLAIN; EXTERNAL with a client certificate), or creates the account
 * first with IRCv3 draft/account-registration.  A login that fails
 * (wrong password, a mechanism the server lacks, an account locked by
 * rate limiting, a server without SASL) never turns into a guest
 * session: the client leaves, says why, and does not reconnect on its
 * own.  Other users' accounts are tracked on the channel members
 * (account-notify, extended-join, account-tag) and WHOIS replies are
 * gathered into an NcWhois.
 *
 * Panels: a /list streams into an NcChannelList handed out with the
 * "channel-list" signal (the lines never reach the server tab).  Away:
 * ours is the "away" property (305/306), others' is NcMember's "away"
 * (away-notify, WHO replies, 301); a 301 answering a message is shown
 * once per away message.  Typing (IRCv3 +typing, with message-tags):
 * the input reports its changes with nc_client_notify_typing(); others'
 * typing is each buffer's "typing" words.  Connection lines: when a
 * registered connection drops, every joined channel and every query
 * gets one "Disconnected: <reason>" line, and "Reconnected" once it is
 * back (rejoined, for a channel).
 *
 * Properties (all notify):
 *  - "state" (int, NcClientState), "status" (string), "error" (string),
 *    "nick" (string), "tls-problem" (pointer), "account" (string),
 *    "login-problem" (int, NcLoginProblem): read-only;
 *  - "away" (boolean, read-only): the server says we are away;
 *  - "reconnect-time" (int64, read-only): the monotonic time
 *    (g_get_monotonic_time()) of the next connection attempt while
 *    NC_STATE_WAITING, 0 otherwise.  While waiting, "status" itself
 *    counts down ("… — reconnecting in 5 s") and is renewed every second,
 *    so a label bound to it stays true; a window drawing its own
 *    countdown reads this instead;
 *  - "send-typing" (boolean, default TRUE): tell others when we type
 *    (bind it to the send-typing setting);
 *  - "show-typing" (boolean, default TRUE): fill buffers' "typing"
 *    words (bind it to the show-typing setting; FALSE empties them);
 *  - "network-name" (string, read-only): the server's ISUPPORT
 *    NETWORK= (nc_client_get_isupport()), NULL before it is said.
 *
 * Servers: a client may be given several servers of one network
 * (nc_client_set_servers()).  When an attempt fails (refused,
 * unreachable, timed out, a TLS failure other than a certificate to
 * judge) or a registered connection drops, the next attempt goes to the
 * next server, round robin, after the usual backoff; the status and a
 * line in the server tab name the server being tried.
 *
 * Signals: "highlight" (NcBuffer *, NcMessage *), "focus-buffer"
 * (NcBuffer *), "registered", "account-created" (const char *), "whois"
 * (NcWhois *), "channel-list" (NcChannelList *: a listing has started;
 * it fills as the server sends it, "complete" at its end). */
#ifndef NC_CLIENT_H
#define NC_CLIENT_H

#include "channel-list.h"
#include "ignore.h"
#include "log.h"
#include "model.h"
#include "sasl.h"
#include "tls-policy.h"
#include "trust.h"
#include "whois.h"

G_BEGIN_DECLS

/** One server of a network: where to connect. */
typedef struct {
    char *host;
    guint16 port; /* 0: 6697 with TLS, 6667 without */
    gboolean tls;
} NcServerAddress;

/** Where the connection is. */
typedef enum {
    NC_STATE_DISCONNECTED, /* not connected and not trying to */
    NC_STATE_CONNECTING,   /* TCP connect under way */
    NC_STATE_REGISTERING,  /* connected, NICK/USER/CAP sent, no 001 yet */
    NC_STATE_CONNECTED,    /* registered: ready to chat */
    NC_STATE_WAITING,      /* lost the connection; reconnecting after a delay */
} NcClientState;

/** Why logging in (or creating the account) failed; see nc_client_get_error() for the words. */
typedef enum {
    NC_LOGIN_OK,                 /* no problem, or no login asked for */
    NC_LOGIN_NO_SASL,            /* the server has no SASL: it cannot log anyone in */
    NC_LOGIN_MECHANISM,          /* the chosen mechanism is not one the server offers */
    NC_LOGIN_REJECTED,           /* wrong account name or password (904) */
    NC_LOGIN_RATE_LIMITED,       /* too many attempts: the account is locked for a while */
    NC_LOGIN_SERVER_UNPROVEN,    /* SCRAM: the server could not prove it knows the account */
    NC_LOGIN_CERTIFICATE,        /* the client certificate cannot be used */
    NC_LOGIN_CREATE_FAILED,      /* creating the account was refused (FAIL REGISTER) */
    NC_LOGIN_CREATE_UNSUPPORTED, /* the server cannot create accounts */
    NC_LOGIN_FAILED,             /* any other SASL failure (905, 906, 902) */
} NcLoginProblem;

#define NC_TYPE_CLIENT (nc_client_get_type())
G_DECLARE_FINAL_TYPE(NcClient, nc_client, NC, CLIENT, GObject)

/**
 * A client for one server, not yet connecting.  Its network (and so its
 * log folder) is named after host.  Timers and events run on the
 * thread-default main context at the time of the call.  TLS starts on
 * unless host is local (nc_tls_default_for()).
 * @param port the port, or 0 for the default of TLS or not (6697, 6667),
 *        decided when connecting
 * @param password the server password, or NULL
 */
NcClient *nc_client_new(const char *host, guint16 port, const char *nick, const char *realname,
                        const char *password);

/** The conversation model of this connection. */
NcNetwork *nc_client_get_network(NcClient *self);

/** The host of the server being tried or used (see nc_client_set_servers()). */
const char *nc_client_get_host(NcClient *self);

/** That server's port as given (0: the default for TLS or not). */
guint16 nc_client_get_port(NcClient *self);

/**
 * The servers to try, in turn (copied; n must be at least 1): each
 * failed attempt or dropped connection moves to the next, round robin.
 * Each server's TLS choice replaces nc_client_set_tls()'s when it is
 * tried.  While disconnected or waiting, the first server is the next
 * tried; while connected, the current connection stays, and the one
 * after it in the list (the first, when it is not in the list) comes
 * next.  nc_client_new()'s host alone is the list until this is called.
 */
void nc_client_set_servers(NcClient *self, const NcServerAddress *servers, guint n);

/** How many servers the client tries in turn (at least 1). */
guint nc_client_get_n_servers(NcClient *self);

/** The position in nc_client_set_servers()'s list of the server being tried or used. */
guint nc_client_get_server_index(NcClient *self);

/** The most ISUPPORT keys one connection keeps: later new keys are ignored. */
#define NC_ISUPPORT_MAX_KEYS 256u

/**
 * The value of an ISUPPORT (005) key of the current connection, its
 * \xHH escapes decoded and made valid UTF-8 (a byte that is not becomes
 * U+FFFD): "" for a key given without a value, NULL when the server has
 * not said it (or took it back with -KEY, or said it after
 * NC_ISUPPORT_MAX_KEYS others).  Forgotten when a new connection starts.
 */
const char *nc_client_get_isupport(NcClient *self, const char *key);

/** Use TLS or not (the next connect; an STS policy still wins over "not"). */
void nc_client_set_tls(NcClient *self, gboolean tls);

/** Whether TLS was asked for (nc_client_set_tls() or the default). */
gboolean nc_client_get_tls(NcClient *self);

/**
 * Where pins and STS policies are looked up and kept (a reference is
 * taken), or NULL: none are kept (the default), STS upgrades still happen.
 */
void nc_client_set_trust_store(NcClient *self, NcTrustStore *store);

/**
 * Accept the certificate with this SHA-256 fingerprint for this server
 * from now on (it is also turned to TLS).
 * @param remember also pin it in the trust store for the host (else only
 *        this client trusts it: a hosted chat's own server)
 * @return FALSE with error set when fp is not a fingerprint or the store
 *         cannot be written
 */
gboolean nc_client_pin_certificate(NcClient *self, const char *fp, gboolean remember,
                                   GError **error);

/**
 * Why the last connection's certificate was refused, or NULL.  Set when
 * the client stops for it ("notify::tls-problem"), cleared on the next
 * connect.
 */
const NcTlsProblem *nc_client_get_tls_problem(NcClient *self);

/**
 * "Trust this certificate for this network": pin the refused
 * certificate's fingerprint for the host (replacing the old pin when it
 * changed) and connect again.
 * @return FALSE with error set when there is no problem or the pin cannot
 *         be stored
 */
gboolean nc_client_trust_certificate(NcClient *self, GError **error);

/** Is the current connection TLS (also while registering)? */
gboolean nc_client_is_secure(NcClient *self);

/** The port of the current (or last) attempt: the given one, the default, or STS's. */
guint16 nc_client_get_connected_port(NcClient *self);

/** "TLSv1.3" on a TLS connection, else NULL. */
const char *nc_client_get_tls_summary(NcClient *self);

/**
 * Log in to an account on every connect (SASL), or not.
 * @param account the account name, or NULL/"" for no login (EXTERNAL may
 *        go without one: the certificate names the account)
 * @param password the account's password (unused by EXTERNAL)
 * @param mechanism NC_SASL_AUTO (SCRAM-SHA-256 when offered, else PLAIN;
 *        EXTERNAL when a certificate is set), or one of them only
 */
void nc_client_set_login(NcClient *self, const char *account, const char *password,
                         NcSaslMechanism mechanism);

/** The account name set with nc_client_set_login(), or NULL. */
const char *nc_client_get_login_account(NcClient *self);

/**
 * Present this certificate (PEM files) on TLS connects, for SASL
 * EXTERNAL; NULL cert_file for none.  Both files are checked before each
 * connect: one that cannot be loaded stops the client with
 * NC_LOGIN_CERTIFICATE.
 */
void nc_client_set_client_certificate(NcClient *self, const char *cert_file, const char *key_file);

/**
 * On the next connect, create the login's account (IRCv3
 * draft/account-registration: REGISTER with no email) instead of
 * logging in.  Once the server says it is made, the client is logged in
 * to it, emits "account-created" and logs in with SASL from then on.
 */
void nc_client_set_create_account(NcClient *self, gboolean create);

/** Will the next connect create the account? */
gboolean nc_client_get_create_account(NcClient *self);

/** The account we are logged in to (the server's 900), or NULL. */
const char *nc_client_get_account(NcClient *self);

/** Why the last login or account creation failed (NC_LOGIN_OK: it did not). */
NcLoginProblem nc_client_get_login_problem(NcClient *self);

/** Channels to join once registered (in addition to those joined later). */
void nc_client_set_autojoin(NcClient *self, const char *const *channels);

/**
 * Tune the timers (tests make them short).  0 keeps a value.
 * @param ping_interval_ms silence after which we PING the server (default 60 s)
 * @param ping_timeout_ms silence after which the link is dead (default 150 s)
 * @param backoff_base_ms first reconnect delay (default 1 s)
 * @param backoff_max_ms longest reconnect delay (default 60 s)
 * @param connect_timeout_ms per address (default 15 s)
 */
void nc_client_set_timing(NcClient *self, guint ping_interval_ms, guint ping_timeout_ms,
                          guint backoff_base_ms, guint backoff_max_ms, guint connect_timeout_ms);

/** Turn automatic reconnection on or off (default on). */
void nc_client_set_reconnect(NcClient *self, gboolean reconnect);

/** Log messages with logger (borrowed: it must outlive the client), or NULL. */
void nc_client_set_logger(NcClient *self, NcLogger *logger, guint reload_lines);

/**
 * The name the user gave this network (a saved network's), shown as the
 * server buffer's title ahead of the server's NETWORK=; NULL or "" for
 * none (then NETWORK=, else the host).
 */
void nc_client_set_display_name(NcClient *self, const char *name);

/** The logger given to nc_client_set_logger(), or NULL (borrowed). */
NcLogger *nc_client_get_logger(NcClient *self);

/** Words besides our nick that make a message a highlight. */
void nc_client_set_highlight_words(NcClient *self, const char *const *words);

/**
 * Drop PRIVMSG, NOTICE (CTCP ACTION included) and INVITE lines from
 * senders matching list (/ignore) before they reach any buffer; /ignore
 * and /unignore change it.  A reference is taken.  By default each
 * client has its own list in memory only; give clients one list bound to
 * the settings (nc_ignore_list_new()) to keep it.
 */
void nc_client_set_ignore_list(NcClient *self, NcIgnoreList *list);

/** The ignore list in use (borrowed). */
NcIgnoreList *nc_client_get_ignore_list(NcClient *self);

/** Start connecting (again, when disconnected). */
void nc_client_connect(NcClient *self);

/**
 * Leave the server: QUIT with message (or a default) when connected, stop
 * reconnecting, and end up NC_STATE_DISCONNECTED.
 */
void nc_client_disconnect(NcClient *self, const char *message);

/** The connection state. */
NcClientState nc_client_get_state(NcClient *self);

/** A short human-readable account of the state ("Connected to ..."). */
const char *nc_client_get_status(NcClient *self);

/** The last connection error (refused, reset, nick in use...), or NULL. */
const char *nc_client_get_error(NcClient *self);

/** Our current nick (the one the server accepted, once registered). */
const char *nc_client_get_nick(NcClient *self);

/** Connection attempts since the last successful registration. */
guint nc_client_get_attempts(NcClient *self);

/** Is the capability enabled on the current connection ("server-time")? */
gboolean nc_client_has_cap(NcClient *self, const char *cap);

/** Are we marked away by the server (305/306; /away message, /back)? */
gboolean nc_client_get_away(NcClient *self);

/**
 * The monotonic time (g_get_monotonic_time()) of the next connection
 * attempt while NC_STATE_WAITING, else 0 (property "reconnect-time").
 */
gint64 nc_client_get_reconnect_time(NcClient *self);

/**
 * The last channel listing (/list) of this client, or NULL; borrowed.
 * While it is under way the client holds it.  Once complete
 * (nc_channel_list_get_complete()) the client lets go: it is returned
 * while someone else (the "channel-list" handler that shows it) keeps a
 * reference, and NULL from when the last one is dropped, as before any
 * listing.  A client being disposed completes a listing under way.
 */
NcChannelList *nc_client_get_channel_list(NcClient *self);

/** Tell others when we type (property "send-typing", default TRUE). */
void nc_client_set_send_typing(NcClient *self, gboolean send);

/** Fill buffers' "typing" words (property "show-typing", default TRUE). */
void nc_client_set_show_typing(NcClient *self, gboolean show);

/**
 * The input of buffer changed (call it on every change, and after a
 * line is sent and the input emptied; call it with has_text FALSE for
 * the buffer the input leaves while holding text).  Sends TAGMSG with
 * +typing=active at most every 3 s while the text changes, =paused 5 s
 * after the last change, =done when the text is emptied (but not after
 * a message was said there: see nc_client_typing_sent()); nothing when
 * "send-typing" is off, the server lacks message-tags, we are not
 * registered, or buffer is the server tab.
 * @param has_text whether the input holds text now
 */
void nc_client_notify_typing(NcClient *self, NcBuffer *buffer, gboolean has_text);

/**
 * A message was said in buffer: our typing there ends without a
 * +typing=done line (a message implies it), so the input emptied after
 * sending costs no line against the server's flood limits.
 * nc_client_send_input() calls it for text and /me it says; call it for
 * a message sent another way.
 */
void nc_client_typing_sent(NcClient *self, NcBuffer *buffer);

/**
 * Act on a line the user typed in buffer: a slash command or text to say.
 * Long text is split on word boundaries to fit the protocol's limit.
 * @return FALSE with error set when the line cannot be sent (not connected,
 *         not in a channel, bad usage)
 */
gboolean nc_client_send_input(NcClient *self, NcBuffer *buffer, const char *line, GError **error);

/**
 * Fetch a page of older messages for buffer from the server's history
 * (IRCv3 CHATHISTORY BEFORE the oldest line held), merged in front when
 * it comes.  The view calls this when scrolled to the top.
 * @return FALSE when there is nothing to do: no history on this server,
 *         a request already under way, nothing older left, or the
 *         buffer was emptied with /clear (nc_buffer_get_cleared_time())
 */
gboolean nc_client_fetch_older(NcClient *self, NcBuffer *buffer);

/** Is a history request for buffer under way (missed lines or an older page)? */
gboolean nc_client_history_pending(NcClient *self, NcBuffer *buffer);

/**
 * The user has read buffer to its end (it is shown, focused, scrolled to
 * the bottom): its read time becomes the newest line's (the "New
 * messages" line after a reconnect is drawn from it), and the server is
 * told (IRCv3 draft/read-marker MARKREAD), so other devices of the
 * account clear it too.  Nothing happens while what was missed is still
 * being fetched, or when the marker is already there; nothing is sent
 * once the server refused a MARKREAD on this connection (FAIL MARKREAD:
 * natterd keeps markers for accounts only).
 * @return TRUE when a MARKREAD went out
 */
gboolean nc_client_mark_read(NcClient *self, NcBuffer *buffer);

/** Send a raw protocol line (no CR LF) when connected. */
void nc_client_send_raw(NcClient *self, const char *line);

/** Feed a server line as if received (tests and replays). */
void nc_client_handle_line(NcClient *self, const char *raw);

/**
 * The reconnect delay after attempt failures: base * 2^attempt capped at
 * max, then scaled by a jitter factor in [0.5, 1.0) from random01 in
 * [0, 1), so clients dropped together do not return together.
 */
guint nc_backoff_delay(guint attempt, guint base_ms, guint max_ms, double random01);

/** A short name for a state, for logs and tests. */
const char *nc_client_state_name(NcClientState state);

/**
 * Does text mention nick or one of words as a whole word (without case)?
 */
gboolean nc_text_mentions(const char *text, const char *nick, const char *const *words);

G_END_DECLS
#endif

/* SPDX-License-Identifier: MIT */
/* NcClient's insides, shared by client.c (connection, timers, input) and
 * client-irc.c (what server lines do to the model).  Not installed. */
#ifndef NC_CLIENT_PRIVATE_H
#define NC_CLIENT_PRIVATE_H

#include "batch.h"
#include "channel-list.h"
#include "client.h"
#include "ignore.h"
#include "input.h"
#include "io.h"
#include "irc-line.h"
#include "scram.h"
#include "tls-policy.h"
#include "typing.h"
#include "whois.h"

struct _NcClient {
    GObject parent_instance;
    GMainContext *context;
    NcIo *io;
    NcNetwork *network;
    NcLogger *logger;
    guint reload_lines;

    char *host; /* the server being tried or used: servers[server_index]'s */
    char *display_name; /* the saved network's name, shown for the server buffer */
    guint16 port;
    GArray *servers; /* NcServerAddress, tried in turn; never empty */
    guint server_index;
    GHashTable *isupport; /* this connection's ISUPPORT: key -> decoded value */
    char *wanted_nick;
    char *nick;
    char *realname;
    char *password;
    char **highlight_words;
    GPtrArray *channels;       /* channels to be in (autojoin + joined), as typed */
    GHashTable *focus_on_join; /* folded channel names the user asked for */

    NcClientState state;
    char *status;
    char *error;
    char *close_reason; /* set when we close on purpose (ping timeout) */
    gboolean reconnect;
    guint generation;
    guint attempts;

    /* CAP negotiation */
    GString *cap_ls;
    GHashTable *caps; /* enabled capabilities */
    gboolean cap_pending;
    char *chantypes;
    char *chanmodes;        /* ISUPPORT CHANMODES (A,B,C,D) */
    gboolean whox;          /* ISUPPORT WHOX: accounts of those already in a channel */
    GHashTable *whox_asked; /* folded channels whose WHOX answer is due */

    /* liveness */
    gint64 last_rx_us;
    gboolean ping_sent;
    guint ping_interval_ms;
    guint ping_timeout_ms;
    guint backoff_base_ms;
    guint backoff_max_ms;
    guint connect_timeout_ms;
    GSource *ping_source;
    GSource *reconnect_source;

    /* TLS (client-tls.c) */
    NcTrustStore *trust;       /* pins and STS policies, or NULL: none kept */
    gboolean tls_wanted;       /* the user's choice (default: not local) */
    gboolean tls;              /* the current attempt speaks TLS */
    guint16 connect_port;      /* the current attempt's port (STS may move it) */
    guint16 sts_upgrade_port;  /* a plain connection's sts=port= said so, this session */
    gboolean sts_policy;       /* the current attempt follows an STS policy */
    GPtrArray *session_pins;   /* trusted for this client only, never stored */
    char **attempt_pins;       /* the pins the current attempt accepts */
    NcTlsProblem *tls_problem; /* why the last attempt's certificate was refused */
    char *tls_summary;         /* "TLSv1.3" on a TLS connection, else NULL */

    /* Accounts (client-sasl.c): what the user set */
    char *login_account; /* or NULL: no login */
    char *login_password;
    NcSaslMechanism login_mechanism; /* NC_SASL_NONE: no login */
    char *cert_file;                 /* client certificate (PEM) for TLS, or NULL */
    char *key_file;
    gboolean create_account; /* REGISTER instead of logging in, next connect */
    /* ...and where this connection is */
    char *account; /* logged in to (900), or NULL */
    NcLoginProblem login_problem;
    char *sasl_offered;             /* mechanisms the server listed, NULL: not said */
    gboolean sasl_cap;              /* CAP LS offered sasl */
    char *register_offered;         /* draft/account-registration's value, NULL: absent */
    gboolean account_begun;         /* the login/REGISTER step of this connection started */
    NcSaslMechanism sasl_mechanism; /* the exchange under way, NC_SASL_NONE: none */
    GHashTable *sasl_tried;         /* mechanisms tried on this connection */
    int sasl_step;
    GString *sasl_input; /* a challenge arriving in 400-byte pieces */
    NcScram *scram;
    guint sasl_serial;       /* a PBKDF2 result for an older exchange is dropped */
    gboolean scram_verified; /* the server proved itself (v=) */
    gboolean sasl_aborted;   /* we sent AUTHENTICATE * */
    char *fail_code;         /* FAIL AUTHENTICATE <code> just before 904 */
    char *fail_text;
    gboolean register_after_welcome; /* the server wants REGISTER after 001 */
    gboolean logged_in_now;          /* 903 or REGISTER SUCCESS on this connection */

    /* WHOIS replies being gathered: folded nick -> NcWhois (client-irc.c) */
    GHashTable *whois;
    /* Others' accounts as last heard: folded nick -> account, "" for
     * logged out (client-irc.c), for members listed later by NAMES */
    GHashTable *accounts;

    /* The server's history and read markers (client-history.c) */
    NcBatches *batches;            /* open IRCv3 batches */
    GHashTable *fetches;           /* folded target -> its CHATHISTORY request in flight */
    GHashTable *history_exhausted; /* folded targets with nothing older to fetch */
    guint history_limit;           /* ISUPPORT CHATHISTORY (0: none said) */
    gboolean history_msgid_refs;   /* MSGREFTYPES allows msgid= */
    gboolean markread_refused;     /* FAIL MARKREAD: not sent again on this connection */
    gint64 targets_since;          /* CHATHISTORY TARGETS asked from this time (0: not asked) */
    guint label_serial;

    /* Whom not to hear (client-commands.c) */
    NcIgnoreList *ignore;

    /* The last channel listing (client-irc.c): our reference while it is under way; once
     * complete, a weak pointer, NULL when nobody else holds it any more
     * (a big listing is not kept for the client's whole life) */
    NcChannelList *listing;
    gboolean listing_held;

    /* Away: ours (305/306), and the 301 last shown per folded nick, so a
     * conversation with someone away says it once, not on every line */
    gboolean away;
    GHashTable *away_shown;
    /* Who is away in a channel just joined is asked with WHO once its
     * NAMES shows it is small (client-irc.c): folded channels joined and
     * waiting for their 366, and every WHO not yet ended by its 315: folded
     * mask -> GString of who asked, in the order sent ('o' ours, read
     * quietly; 'u' the user's, shown), as the server answers in order */
    GHashTable *away_names_due;
    GHashTable *who_pending;

    /* Typing notifications: per buffer state hangs on the buffer
     * (nc__client_typing_of()); one timer pauses ours and expires theirs */
    gboolean send_typing;
    gboolean show_typing;
    GSource *typing_source;

    /* Waiting to reconnect: when (monotonic µs, 0 when not waiting), and
     * the timer that counts the status down each second */
    gint64 reconnect_time_us;
    GSource *countdown_source;
};

/* client.c */
void nc__client_set_state(NcClient *self, NcClientState state, const char *status);
void nc__client_set_error(NcClient *self, const char *error);
void nc__client_send(NcClient *self, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void nc__client_add(NcClient *self, NcBuffer *buffer, NcMessage *msg);
void nc__client_info(NcClient *self, NcBuffer *buffer, NcMessageKind kind, const char *text);
NcBuffer *nc__client_buffer(NcClient *self, NcBufferKind kind, const char *name);
NcBuffer *nc__client_current_buffer(NcClient *self);
void nc__client_registered(NcClient *self, const char *nick);
void nc__client_forget_channel(NcClient *self, const char *channel);
void nc__client_want_channel(NcClient *self, const char *channel);
/* FALSE with error set unless registered. */
gboolean nc__client_need_connection(NcClient *self, GError **error);
/* target, else buffer's name when it is a channel, else NULL. */
const char *nc__client_channel_or_current(NcBuffer *buffer, const char *target);

/* client-commands.c: the everyday commands and /ignore */
/* Run cmd (help, notice, invite, kick, ban, mode, op/deop/voice/devoice,
 * ignore/unignore, clear, reconnect) typed in buffer (NULL: the server
 * buffer): FALSE with error set for bad use. */
gboolean nc__client_command(NcClient *self, NcBuffer *buffer, const NcCommand *cmd, GError **error);
/* Is l a PRIVMSG, NOTICE (CTCP included), INVITE or TAGMSG (typing)
 * from an ignored sender, to be dropped before it reaches any buffer? */
gboolean nc__client_ignored(NcClient *self, const NcIrcLine *l);
void nc__client_h_invite(NcClient *self, const NcIrcLine *l);

/* client-irc.c */
void nc__client_dispatch(NcClient *self, const NcIrcLine *line);
/* The connection went: an unfinished /list is over. */
void nc__client_listing_end(NcClient *self);
/* The client goes: a listing under way ends (complete, so a view stops
 * waiting) and is no longer watched. */
void nc__client_listing_release(NcClient *self);

/* client.c: typing notifications */
/* Someone's +typing (or a message, NC_TYPING_DONE) in buffer b. */
void nc__client_typing_heard(NcClient *self, NcBuffer *b, const char *nick, NcTypingState state);
/* nick changed to new_nick, or left (new_nick NULL): everywhere. */
void nc__client_typing_renamed(NcClient *self, const char *nick, const char *new_nick);
/* b is live again after a drop: "Reconnected", once (client.c). */
void nc__client_back_in(NcClient *self, NcBuffer *b);
/* Set our away state (305/306); notifies "away". */
void nc__client_set_away(NcClient *self, gboolean away);

/* client-tls.c */
void nc__client_tls_init(NcClient *self);
void nc__client_tls_finalize(NcClient *self);
/* Decide TLS and port for the next attempt; fills opts (valid until the
 * next call) and returns it, or NULL for plain text. */
const NcIoTlsOptions *nc__client_tls_prepare(NcClient *self, NcIoTlsOptions *opts);
/* NC_IO_CONNECTED: FALSE when the certificate is refused (the connection
 * is being closed and the problem reported). */
gboolean nc__client_tls_connected(NcClient *self, const NcIoTlsInfo *tls);
/* NC_IO_CLOSED: TRUE when a TLS reason was handled (no reconnect). */
gboolean nc__client_tls_closed(NcClient *self, int reason, const NcIoTlsInfo *tls);
/* The complete CAP LS list: TRUE when an STS upgrade is starting. */
gboolean nc__client_sts_seen(NcClient *self, const char *cap_list);
/* Restart connecting now (client.c), for the STS upgrade. */
void nc__client_restart(NcClient *self);
/* Stop for good (no reconnect): error as the state's status and error,
 * detail (or error, when NULL) in the server tab (client.c). */
void nc__client_stop(NcClient *self, const char *error, const char *detail);

/* client-sasl.c: logging in and creating accounts */
void nc__client_account_init(NcClient *self);
void nc__client_account_finalize(NcClient *self);
/* Before an attempt (TLS decided): FALSE when it cannot start (a client
 * certificate that does not load, EXTERNAL without TLS); the client has
 * stopped and said why. */
gboolean nc__client_account_check(NcClient *self, gboolean tls);
/* A new connection is up: forget the last one's exchange. */
void nc__client_account_connected(NcClient *self);
/* The complete CAP LS list: adds "sasl" to req when logging in; FALSE
 * when the login cannot happen here (the client stopped and said why). */
gboolean nc__client_account_caps(NcClient *self, const char *cap_list, GString *req);
/* CAP negotiated: start logging in or REGISTER; TRUE while CAP END must
 * wait for it (client-sasl.c sends it through nc__client_cap_end()). */
gboolean nc__client_account_begin(NcClient *self);
/* 001 arrived: FALSE when the client stopped (a login was wanted and did
 * not happen: no CAP at all); sends a REGISTER that had to wait for it. */
gboolean nc__client_account_welcome(NcClient *self);
void nc__client_h_authenticate(NcClient *self, const NcIrcLine *l);
void nc__client_h_sasl_numeric(NcClient *self, const NcIrcLine *l);
void nc__client_h_register(NcClient *self, const NcIrcLine *l);
void nc__client_h_fail(NcClient *self, const NcIrcLine *l);

/* client-history.c: the server's history and read markers */
void nc__client_history_init(NcClient *self);
void nc__client_history_finalize(NcClient *self);
/* A new connection: forget the last one's batches and requests. */
void nc__client_history_connected(NcClient *self);
/* The user sent line to the server as it is (/quote or a command natter
 * does not know): a WHO among them is remembered, so that its answer is
 * shown even while one of ours for the same mask is read quietly. */
void nc__client_user_line_sent(NcClient *self, const char *line);
/* One ISUPPORT token (CHATHISTORY=, MSGREFTYPES=). */
void nc__client_history_isupport(NcClient *self, const char *token);
/* A BATCH line, a line inside a chathistory batch, or the ACK/FAIL that
 * ends a request: TRUE when taken (not to be dispatched). */
gboolean nc__client_history_line(NcClient *self, const NcIrcLine *l);
/* The CHATHISTORY reference to the newest line b holds ("msgid=..." or
 * "timestamp=..."), or NULL when it holds none (g_free). */
char *nc__client_history_anchor(NcClient *self, NcBuffer *b);
/* We joined b: fetch what was missed after anchor (NULL: the latest). */
void nc__client_history_joined(NcClient *self, NcBuffer *b, const char *anchor);
/* End of the registration burst (376/422): fetch what private
 * conversations missed (accounts only). */
void nc__client_history_burst_end(NcClient *self, const NcIrcLine *l);
void nc__client_h_markread(NcClient *self, const NcIrcLine *l);

/* client-irc.c */
/* End CAP negotiation, once. */
void nc__client_cap_end(NcClient *self);

/* Signal ids (client.c). */
enum {
    NC_SIGNAL_HIGHLIGHT,
    NC_SIGNAL_FOCUS_BUFFER,
    NC_SIGNAL_REGISTERED,
    NC_SIGNAL_ACCOUNT_CREATED,
    NC_SIGNAL_WHOIS,
    NC_SIGNAL_CHANNEL_LIST,
    NC_N_SIGNALS
};
extern guint nc__client_signals[NC_N_SIGNALS];

/* Property notification from client-tls.c and client-sasl.c (client.c
 * owns the specs). */
void nc__client_notify_tls_problem(NcClient *self);
void nc__client_notify_account(NcClient *self);
void nc__client_notify_login_problem(NcClient *self);
void nc__client_notify_network_name(NcClient *self);
/* Our nick is now @nick (NULL: unchanged); notifies "nick" when it changed. */
void nc__client_set_nick(NcClient *self, const char *nick);

#endif

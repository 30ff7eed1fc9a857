/* SPDX-License-Identifier: MIT */
/*
 * The shared state of natterd's protocol core: the server, its clients,
 * channels and memberships.  Private to server/core/: the network layer
 * sees only the opaque handles and functions of natterd-core.h, and
 * fields written from more than one place go through one function in the
 * file that owns them (client.c for a client's modes and the counters
 * LUSERS reports).
 *
 * Ownership: the server owns every client and channel.  A membership links
 * one client and one channel and sits in both their arrays, each side
 * remembering its index there, so joining and parting are O(1).
 */
#ifndef NATTERD_CORE_H
#define NATTERD_CORE_H

#include "config.h"
#include "natterd-core.h"
#include "store.h"
#include "strmap.h"
#include "transport.h"

#include <stddef.h>
#include <stdint.h>

#define SRV_HOST_MAX 63
#define SRV_USERLEN 10
#define SRV_REALNAME_MAX 100
#define SRV_KEYLEN 23
#define SRV_PASS_MAX 128
#define SRV_MAX_INVITES 16
#define SRV_MAX_MODE_PARAMS 6
#define SRV_MASK_MAX 128
/* nick!user@host */
#define SRV_PREFIX_MAX (SRV_NICKLEN_MAX + 1 + SRV_USERLEN + 1 + SRV_HOST_MAX)

typedef struct srv_channel srv_channel;
typedef struct srv_membership srv_membership;
typedef struct srv_whowas srv_whowas;
typedef struct srv_watch srv_watch;
typedef struct srv_account srv_account;
typedef struct srv_sasl srv_sasl;

/** IRCv3 capabilities a client can enable. */
enum srv_cap {
    SRV_CAP_MULTI_PREFIX = 1u << 0,
    SRV_CAP_SERVER_TIME = 1u << 1,
    SRV_CAP_MESSAGE_TAGS = 1u << 2,
    SRV_CAP_ECHO_MESSAGE = 1u << 3,
    SRV_CAP_AWAY_NOTIFY = 1u << 4,
    SRV_CAP_USERHOST_IN_NAMES = 1u << 5,
    SRV_CAP_EXTENDED_MONITOR = 1u << 6,
    SRV_CAP_SETNAME = 1u << 7,
    SRV_CAP_INVITE_NOTIFY = 1u << 8,
    SRV_CAP_CHGHOST = 1u << 9,
    SRV_CAP_SASL = 1u << 10,
    SRV_CAP_ACCOUNT_NOTIFY = 1u << 11,
    SRV_CAP_ACCOUNT_TAG = 1u << 12,
    SRV_CAP_EXTENDED_JOIN = 1u << 13,
    SRV_CAP_ACCOUNT_REGISTRATION = 1u << 14,
    SRV_CAP_BATCH = 1u << 15,
    SRV_CAP_LABELED_RESPONSE = 1u << 16,
    SRV_CAP_CAP_NOTIFY = 1u << 17,
    SRV_CAP_STANDARD_REPLIES = 1u << 18,
    SRV_CAP_CHATHISTORY = 1u << 19,    /* draft/chathistory */
    SRV_CAP_EVENT_PLAYBACK = 1u << 20, /* draft/event-playback */
    SRV_CAP_READ_MARKER = 1u << 21,    /* draft/read-marker */
};

/** A member's status in a channel. */
enum srv_member_mode {
    SRV_MEMBER_OP = 1u << 0,
    SRV_MEMBER_VOICE = 1u << 1,
};

/** Channel flag modes. */
enum srv_channel_mode {
    SRV_CHMODE_NOEXTERNAL = 1u << 0, /* n */
    SRV_CHMODE_TOPICLOCK = 1u << 1,  /* t */
    SRV_CHMODE_MODERATED = 1u << 2,  /* m */
    SRV_CHMODE_INVITEONLY = 1u << 3, /* i */
    SRV_CHMODE_SECRET = 1u << 4,     /* s: hidden from non-members */
    SRV_CHMODE_NOCTCP = 1u << 5,     /* C: no CTCP but ACTION */
    SRV_CHMODE_NONOTICE = 1u << 6,   /* T: no NOTICE */
    SRV_CHMODE_REGONLY = 1u << 7,    /* R: only users logged in to an account join */
};

struct srv_membership {
    srv_client *client;
    srv_channel *channel;
    unsigned modes; /* srv_member_mode */
    int64_t joined_us; /* [history] channel_access = since-join reads after this msgid */
    size_t channel_index;
    size_t client_index;
};

struct srv_client {
    srv_server *server;
    const srv_transport *transport;
    void *ctx;
    srv_client *prev, *next; /* all live clients */
    srv_client *next_dead;   /* closed, freed when the entry point returns */

    char host[SRV_HOST_MAX + 1]; /* shown in the prefix; CHGHOST changes it */
    char *real_address; /* NULL, or where it connected from once CHGHOST changed
                           host (srv_client_address()); limits count that */
    char nick[SRV_NICKLEN_MAX + 1]; /* "" until NICK */
    char user[SRV_USERLEN + 1];     /* "" until USER */
    char realname[SRV_REALNAME_MAX + 1];
    char *pass; /* from PASS, checked at registration */
    char *away; /* NULL when present */

    unsigned caps;       /* srv_cap */
    int cap_negotiating; /* CAP LS/REQ before registration holds it */
    int registered;
    int oper;
    int invisible;
    int wallops; /* +w: receives WALLOPS */
    int bot;     /* +B: marked as a bot */
    int secure;  /* over TLS */
    int cap_302; /* CAP LS 302: capability values are understood */
    char *certfp; /* the TLS client certificate's SHA-256 (hex), NULL if none */
    int dead;
    int transport_gone; /* the net layer said it ended: never call it again */

    uint64_t connected_ms;
    uint64_t last_activity_ms;
    uint64_t ping_sent_ms;    /* 0: no PING outstanding */
    uint64_t penalty_ms;      /* flood control: when the penalty drains */
    uint64_t last_message_ms; /* WHOIS idle */
    int64_t signon_s;

    srv_membership **channels;
    size_t nchannels, channels_cap;

    /* Pending invitations (folded names), allocated with the first: most
     * clients never have one, and 16 inline names were two thirds of an
     * idle client's memory. */
    char (*invites)[SRV_CHANNELLEN_MAX + 1];
    size_t ninvites;

    srv_watch **watching; /* MONITOR list, owned by irc-monitor.c */
    size_t nwatching, watching_cap;

    srv_account *account; /* logged in to, or NULL (account.c) */
    srv_sasl *sasl;       /* an AUTHENTICATE exchange in progress (irc-sasl.c) */
    uint64_t nick_deadline_ms; /* nick protection: renamed at this time unless
                                  logged in; 0 when not pending (nickguard.c) */

    uint64_t mark; /* fan-out de-duplication, see srv_server_next_mark() */

    /* Cluster mode (cluster.c): a mirror's node (NULL for a client
     * connected here) and the client's number on its node. */
    struct srv_cluster_node *home;
    uint64_t cluster_serial;
    char claimed[SRV_NICKLEN_MAX + 1]; /* the folded nick the network granted a local client */

    /* labeled-response (commands.c): the label of the command being run
     * and the replies it produced so far; NULL when not capturing. */
    char *label;
    nt_buf *label_capture;
};

/** The channel's mask lists: +b, +e, +I. */
typedef enum srv_list_kind { SRV_LIST_BAN, SRV_LIST_EXCEPT, SRV_LIST_INVEX } srv_list_kind;

typedef struct srv_ban {
    char *mask;
    char setter[SRV_PREFIX_MAX + 1];
    int64_t when_s;
} srv_ban;

struct srv_channel {
    srv_server *server;
    char name[SRV_CHANNELLEN_MAX + 1];
    srv_membership **members;
    size_t nmembers, members_cap;
    char *topic; /* NULL: none */
    char topic_setter[SRV_PREFIX_MAX + 1];
    int64_t topic_time_s;
    int64_t created_s;
    unsigned modes;           /* srv_channel_mode */
    char key[SRV_KEYLEN + 1]; /* "" when no +k */
    unsigned limit;           /* 0 when no +l */
    srv_ban *bans;            /* +b, including m: mutes */
    size_t nbans;
    srv_ban *excepts; /* +e */
    size_t nexcepts;
    srv_ban *invexes; /* +I */
    size_t ninvexes;
    struct srv_chanreg *reg; /* registered (chanserv.c): lives on when empty */
    char *claim_owner; /* cluster: this node claimed the name for its creator (cluster.c) */
    size_t nmirrors;   /* members that are other nodes' clients */
};

struct srv_server {
    srv_config cfg;
    unsigned tls_port; /* the first TLS listener's port, as bound; 0: none */
    srv_strmap *nicks;
    srv_strmap *channels;
    srv_strmap *addresses; /* host -> number of clients, as uintptr_t */
    srv_strmap *monitors;  /* nick -> srv_watch, owned by irc-monitor.c */
    srv_client *clients, *clients_tail;
    size_t nclients, nregistered, nopers, ninvisible, max_seen;
    srv_client *dead;
    int depth; /* entry-point nesting: reap dead clients at depth 0 */

    srv_mono_clock_fn mono_clock;
    srv_wall_clock_fn wall_clock;
    void *clock_ctx;
    srv_log_fn log;
    void *log_ctx;
    srv_config_fn on_config; /* the network layer's, after a new config */
    void *on_config_ctx;
    srv_wake_fn on_wake; /* the network layer's, when the next tick moves earlier */
    void *on_wake_ctx;
    int in_tick;

    uint64_t now_ms;
    uint64_t next_tick_ms;
    uint64_t mark;
    int64_t started_s;

    char **motd;
    size_t nmotd;
    srv_whowas *whowas;

    char *scratch; /* one mutable copy of the line being parsed */
    size_t scratch_size;

    struct srv_authlimit *auth;     /* failed password checks per address */
    struct srv_authlimit *reglimit; /* account registrations per address */

    srv_store *store;              /* NULL: no accounts */
    int store_broken;              /* configured but could not be opened */
    struct srv_accounts *accounts; /* account.c */
    srv_offload_fn offload;        /* NULL: slow work runs inline */
    void *offload_ctx;
    unsigned guest_serial; /* nick protection's guest nicks */
    struct srv_history *history;       /* history.c: message IDs, read markers */
    int shutting_down;                 /* clients quit because the server stops */
    uint64_t clients_due_ms;           /* the tick's next walk over the clients */
    struct srv_cs_pending *cs_pending; /* ChanServ changes waiting for the store */
    unsigned chanreg_dirty;            /* registered channels to write again */
    struct srv_cluster *cluster;       /* cluster.c; NULL: a single node */
    size_t nmirrors;                   /* clients of other nodes, in nclients */
};

#endif

/* SPDX-License-Identifier: MIT */
/*
 * natterd's configuration: the defaults, and an INI parser that fills them
 * in.  Sections: [server], [limits], [listen], [tls], [store], [accounts], [history],
 * [oper NAME].  Every error
 * names the file and line ("natterd.conf:12: unknown key 'foo'"), and a
 * file with any error is refused as a whole, so REHASH never applies half
 * a configuration.
 */
#ifndef NATTERD_CONFIG_H
#define NATTERD_CONFIG_H

#include <stddef.h>

#define SRV_CONFIG_MAX_LISTEN 16
#define SRV_CONFIG_MAX_OPERS 32
#define SRV_NAME_MAX 63       /* server name */
#define SRV_NICKLEN_MAX 30    /* hard cap on nick_length */
#define SRV_CHANNELLEN_MAX 64 /* hard cap on channel_length */

/** One [oper NAME] block. */
typedef struct srv_oper_conf {
    char *name;
    char *password_hash; /**< "pbkdf2-sha256$iter$salt-hex$hash-hex", or NULL */
    char *account;       /**< OPER NAME succeeds for a client logged in to it, or NULL */
} srv_oper_conf;

/** [accounts] registration: who may register an account. */
enum srv_registration_policy {
    SRV_REGISTRATION_OPEN,
    SRV_REGISTRATION_OPERS,
    SRV_REGISTRATION_CLOSED,
};

/** [history] channel_access: what channel history a member may read. */
typedef enum srv_history_access {
    SRV_HISTORY_MEMBERS,    /**< every retained event, to any current member */
    SRV_HISTORY_SINCE_JOIN, /**< only what was said since the member joined */
} srv_history_access;

/** [accounts] nick_protection: what happens to a registered nick used by someone else. */
enum srv_nick_protection {
    SRV_NICKPROT_NONE,   /**< nothing */
    SRV_NICKPROT_GRACE,  /**< renamed to a guest nick unless they log in within nick_grace */
    SRV_NICKPROT_STRICT, /**< refused (433) unless logged in to the account */
};

/** Everything the core and the network layer read from the config. */
typedef struct srv_config {
    /* [server] */
    char *server_name;
    char *network;
    char *description;
    char *motd_file;     /**< NULL: no MOTD (422) */
    char *password_hash; /**< connection password (PASS), NULL: none */
    char *admin_location;
    char *admin_email;
    int utf8_only; /**< UTF8ONLY: refuse text that is not UTF-8 (default yes) */
    /* [limits]: sizes in bytes, durations in milliseconds */
    unsigned max_clients;
    unsigned max_clients_per_address;
    unsigned max_channels_per_client;
    unsigned max_bans_per_channel;
    unsigned max_targets;
    unsigned line_length; /**< without tags, including CRLF (512) */
    size_t sendq;
    unsigned registration_timeout_ms;
    unsigned ping_interval_ms;
    unsigned ping_timeout_ms;
    unsigned nick_length;
    unsigned channel_length;
    unsigned topic_length;
    unsigned away_length;
    unsigned kick_length;
    unsigned whowas_size;
    unsigned flood_penalty_percent; /**< scales the table; 0 turns flood control off */
    unsigned flood_threshold_ms;    /**< penalty ahead of now before reading pauses */
    unsigned flood_disconnect_ms;   /**< penalty ahead of now that disconnects; 0: never */
    int flood_exempt_opers;
    unsigned login_failures_per_address; /**< wrong passwords a minute before refusal; 0: no limit */
    /* [listen] */
    char *listen[SRV_CONFIG_MAX_LISTEN];
    size_t nlisten;
    char *listen_tls[SRV_CONFIG_MAX_LISTEN]; /**< tls_address: TLS listeners */
    size_t nlisten_tls;
    char *listen_proxy[SRV_CONFIG_MAX_LISTEN]; /**< proxy_address: plain listeners whose
                                                    connections start with a PROXY header */
    size_t nlisten_proxy;
    char *proxy_trusted; /**< proxy_trusted: who may send a PROXY header ("addr[/bits], ...");
                              NULL: 127.0.0.1 and ::1 only */
    /* [tls] */
    char *tls_certificate;          /**< PEM certificate chain, NULL: none */
    char *tls_key;                  /**< PEM private key */
    int tls_client_certificates;    /**< ask clients for one (fingerprints; default yes) */
    unsigned tls_handshake_timeout_ms;
    unsigned sts_port;              /**< 0: the first TLS listener's port */
    unsigned sts_duration_s;        /**< 0 (default): no sts policy */
    int oper_requires_tls;          /**< OPER only over TLS (default no) */
    /* [store] */
    char *store_directory; /**< holds natterd.db; NULL: no store (accounts off) */
    int store_full_sync;   /**< synchronous = full: fsync every commit */
    /* [accounts] */
    int account_registration;     /**< srv_registration_policy (default open) */
    unsigned password_iterations; /**< PBKDF2 rounds for new passwords */
    unsigned registrations_per_address; /**< accounts an address may register a minute; 0: no limit */
    int nick_protection;          /**< srv_nick_protection (default grace) */
    unsigned nick_grace_ms;
    char *guest_prefix; /**< renamed nicks: <prefix><number> */
    /* [history] (needs a store) */
    int history_enabled;            /**< record and serve history (default yes) */
    int history_channel_access;     /**< srv_history_access (default members) */
    int history_private;            /**< keep logged-in accounts' private messages (default yes) */
    unsigned history_commit_ms;     /**< queued events are committed this often (default 100) */
    unsigned history_max_days;      /**< older events are purged; 0: no age limit */
    unsigned history_per_target;    /**< events kept per channel or conversation; 0: no limit */
    unsigned history_max_mb;        /**< the database's used size cap; 0: none */
    unsigned history_query_limit;   /**< CHATHISTORY's largest limit (ISUPPORT CHATHISTORY) */
    /* [cluster] (docs/cluster.md): several nodes serving one network through Redis */
    char *cluster_redis;    /**< "HOST:PORT" or "unix:/path"; NULL: no cluster (one node) */
    char *cluster_password; /**< Redis AUTH password, NULL: none */
    int cluster_tls;        /**< connect to Redis over TLS (default no) */
    char *cluster_node;     /**< this node's name (letters, digits, '-', '.'; unique in the network) */
    unsigned cluster_node_timeout_ms; /**< node_timeout (seconds in the file): a node silent
                                           this long is gone (default 5 s) */
    /* [oper NAME] */
    srv_oper_conf opers[SRV_CONFIG_MAX_OPERS];
    size_t nopers;
    /* where it came from, for REHASH; NULL when built from defaults */
    char *path;
} srv_config;

/** Fill cfg with the documented defaults (allocates; free with srv_config_free). @return 0 or -1
 * (out of memory) */
int srv_config_defaults(srv_config *cfg);

/** Release everything cfg owns and zero it. */
void srv_config_free(srv_config *cfg);

/**
 * Parse INI text over the defaults already in cfg.  name labels errors.
 * On failure cfg is left in an unspecified but freeable state.
 * @return 0, or -1 with a "name:line: message" in err
 */
int srv_config_parse(srv_config *cfg, const char *text, const char *name, char *err,
                     size_t errsize);

/**
 * Defaults, then the file at path (which is remembered for REHASH).
 * @return 0, or -1 with the reason in err (cfg is then freed)
 */
int srv_config_load(srv_config *cfg, const char *path, char *err, size_t errsize);

/** Deep-copy src into dst. @return 0 or -1 (out of memory) */
int srv_config_copy(srv_config *dst, const srv_config *src);

/** A malloc'd copy of s (NULL for NULL or when out of memory): the one
 *  string copy the core and the daemon share (strdup is not C11). */
char *srv_config_strdup(const char *s);

/** Look up an oper block by name (case-sensitive), or NULL. */
const srv_oper_conf *srv_config_find_oper(const srv_config *cfg, const char *name);

#endif

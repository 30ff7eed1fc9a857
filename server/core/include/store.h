/* SPDX-License-Identifier: MIT */
/*
 * Where natterd keeps what must outlive it: accounts (with their
 * credentials and client-certificate fingerprints), registered
 * channels (founder, access list, topic, modes, key, limit and mask
 * lists), the conversation history and the accounts' read markers.
 *
 * One small interface, with no database types in it, so that the SQLite
 * store (server/store/store-sqlite.c) and a networked one (several natterd
 * nodes sharing one store) are two implementations of the same vtable.
 * Hence its shape:
 *
 *  - The core keeps the whole working set in memory (it is small: a
 *    hundred thousand accounts are a few megabytes) and reads the store
 *    once, at start (load()).  Logins and nick checks never wait for it.
 *  - Every change is written through with a completion callback.  The
 *    core tells a client "done" only from that callback, so what a client
 *    was told is stored.  done() may run before the call returns (a local
 *    store) or later, from the event loop (a remote one): the core handles
 *    both, and never assumes the call is local.
 *  - Records are whole: put_account() replaces the account with its
 *    certificate list, put_channel() the channel with its lists.  create
 *    asks for an atomic "only if absent" (SRV_STORE_EXISTS otherwise), so
 *    two nodes registering one name cannot both succeed.
 *
 *  - History is different: it is not loaded.  Events are appended
 *    without a completion (append_event() only queues them; the store
 *    commits what is queued when flush_events() is called, and before
 *    any query), and read back by range queries whose answers may come
 *    later.  Retention is the store's, a bounded step at a time
 *    (trim_history()), so a large purge never holds the loop.
 *
 * Names are keyed by the core's casefolded form (key); name keeps the
 * case the user chose.  Strings in records are borrowed for the call.
 */
#ifndef NATTERD_STORE_H
#define NATTERD_STORE_H

#include <stddef.h>
#include <stdint.h>

/** Results passed to srv_store_done_fn (0 or one of the negatives). */
enum srv_store_status {
    SRV_STORE_OK = 0,
    SRV_STORE_EXISTS = -1,      /**< create, but the key is taken */
    SRV_STORE_NOT_FOUND = -2,   /**< drop of a key that is not there */
    SRV_STORE_UNAVAILABLE = -3, /**< not written: disk full, read-only, corrupt, gone */
};

/** One account. */
typedef struct srv_store_account {
    const char *key;        /**< casefolded name */
    const char *name;       /**< as registered */
    const char *credential; /**< "scram-sha-256$<iter>$<salt>$<stored-key>$<server-key>" (base64) */
    int64_t registered_s;   /**< wall clock, seconds */
    const char *const *certfps; /**< SHA-256 fingerprints, lower-case hex */
    size_t ncertfps;
} srv_store_account;

/** One entry of a registered channel's access list. */
typedef struct srv_store_access {
    const char *account_key; /**< casefolded account name */
    char level;              /**< 'o' (op on join) or 'v' (voice on join) */
} srv_store_access;

/** One entry of a registered channel's +b, +e or +I list. */
typedef struct srv_store_mask {
    char list; /**< 'b', 'e' or 'I' */
    const char *mask;
    const char *setter;
    int64_t when_s;
} srv_store_mask;

/** One registered channel. */
typedef struct srv_store_channel {
    const char *key;         /**< casefolded name */
    const char *name;        /**< as registered */
    const char *founder_key; /**< casefolded account name */
    int64_t registered_s;
    const char *topic; /**< "" when none */
    const char *topic_setter;
    int64_t topic_time_s;
    const char *modes; /**< flag mode letters, e.g. "ntr" */
    const char *chan_key; /**< +k, "" when none */
    unsigned limit;       /**< +l, 0 when none */
    const srv_store_access *access;
    size_t naccess;
    const srv_store_mask *masks;
    size_t nmasks;
} srv_store_channel;

/** One event of a conversation's history. */
typedef struct srv_store_event {
    /** "#channel" casefolded; for private messages "<account> <nick>",
     *  both casefolded: one account's conversation with one nick. */
    const char *target;
    int64_t msgid;       /**< time-ordered, microseconds of wall clock (history.h) */
    unsigned kind;       /**< srv_history_kind (history.h) */
    const char *line;    /**< ":source COMMAND params" as relayed, without tags */
    const char *account; /**< the sender's account, "" when none */
    const char *tags;    /**< client-only tags, "" when none */
} srv_store_event;

/** A range of one target's history: msgid in (after, before). */
typedef struct srv_store_history_query {
    const char *target;
    int64_t after;  /**< exclusive; 0: from the start */
    int64_t before; /**< exclusive; INT64_MAX: to the end */
    unsigned limit;
    int newest;     /**< the limit newest of the range (else the oldest) */
    unsigned kinds; /**< a bit (1u << kind) per kind wanted */
} srv_store_history_query;

/** A query's answer: events in ascending msgid order (borrowed for the call). */
typedef void (*srv_store_events_fn)(void *ctx, int status, const srv_store_event *events,
                                    size_t n);

/** Which targets had history in a time range (CHATHISTORY TARGETS). */
typedef struct srv_store_targets_query {
    const char *const *channels; /**< casefolded channel keys to consider */
    size_t nchannels;
    const char *account; /**< also this account's private conversations; NULL: none */
    int64_t after, before; /**< exclusive msgid bounds */
    unsigned limit;
} srv_store_targets_query;

/** One target with the msgid of its latest event in the range. */
typedef struct srv_store_target {
    const char *target;
    int64_t latest;
} srv_store_target;

/** A targets query's answer, oldest latest event first. */
typedef void (*srv_store_targets_fn)(void *ctx, int status, const srv_store_target *targets,
                                     size_t n);

/** How much history to keep; 0 in a field: no limit of that kind. */
typedef struct srv_store_retention {
    int64_t oldest;          /**< drop events with a msgid below this */
    unsigned per_target;     /**< keep at most this many events per target */
    uint64_t max_bytes;      /**< keep the database's used pages under this */
    unsigned budget;         /**< rows to delete at most in one call */
} srv_store_retention;

/** Completion of a write: status is an srv_store_status. */
typedef void (*srv_store_done_fn)(void *ctx, int status);

/** What load() reports, record by record; a non-zero return stops it. */
typedef struct srv_store_visitor {
    int (*account)(void *ctx, const srv_store_account *account);
    int (*channel)(void *ctx, const srv_store_channel *channel);
    /** An account's read marker on a target (time in microseconds). */
    int (*marker)(void *ctx, const char *account_key, const char *target, int64_t time_us);
    /** The highest msgid stored, so new IDs stay above it after a restart. */
    int (*last_msgid)(void *ctx, int64_t msgid);
} srv_store_visitor;

typedef struct srv_store srv_store;

/** An implementation's functions. */
typedef struct srv_store_ops {
    /** Report every account, then every channel (at start).
     *  @return 0, or -1 with the reason in err */
    int (*load)(srv_store *st, const srv_store_visitor *v, void *ctx, char *err, size_t errsize);
    /** Write an account whole (create: only if its key is absent). */
    void (*put_account)(srv_store *st, const srv_store_account *a, int create,
                        srv_store_done_fn done, void *ctx);
    /** Remove an account by key (and nothing else: the core drops its channels). */
    void (*drop_account)(srv_store *st, const char *key, srv_store_done_fn done, void *ctx);
    /** Write a channel whole (create: only if its key is absent). */
    void (*put_channel)(srv_store *st, const srv_store_channel *ch, int create,
                        srv_store_done_fn done, void *ctx);
    /** Remove a channel registration by key. */
    void (*drop_channel)(srv_store *st, const char *key, srv_store_done_fn done, void *ctx);
    /** Queue one history event (committed by the next flush_events()). */
    void (*append_event)(srv_store *st, const srv_store_event *ev);
    /** Commit the queued events.  @return 0, or an srv_store_status */
    int (*flush_events)(srv_store *st);
    /** Read a range of one target's history (queued events included). */
    void (*query_events)(srv_store *st, const srv_store_history_query *q,
                         srv_store_events_fn done, void *ctx);
    /** Which targets had events in a range. */
    void (*query_targets)(srv_store *st, const srv_store_targets_query *q,
                          srv_store_targets_fn done, void *ctx);
    /** Delete at most r->budget rows that retention no longer keeps.
     *  @return how many were deleted (budget: call again soon) */
    unsigned (*trim_history)(srv_store *st, const srv_store_retention *r);
    /** Set an account's read marker on a target (time in microseconds). */
    void (*put_marker)(srv_store *st, const char *account_key, const char *target,
                       int64_t time_us, srv_store_done_fn done, void *ctx);
    /** Remove an account's private history and read markers. */
    void (*drop_account_history)(srv_store *st, const char *account_key,
                                 srv_store_done_fn done, void *ctx);
    /** Close and free. */
    void (*free)(srv_store *st);
} srv_store_ops;

/** The base every implementation's struct starts with. */
struct srv_store {
    const srv_store_ops *ops;
};

/** Free st (NULL is accepted). */
static inline void srv_store_free(srv_store *st)
{
    if (st)
        st->ops->free(st);
}

#endif

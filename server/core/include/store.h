/* SPDX-License-Identifier: MIT */
/*
 * Where natterd keeps what must outlive it: accounts (with their
 * credentials and client-certificate fingerprints) and registered
 * channels (founder, access list, topic, modes, key, limit and mask
 * lists).
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

/** Completion of a write: status is an srv_store_status. */
typedef void (*srv_store_done_fn)(void *ctx, int status);

/** What load() reports, record by record; a non-zero return stops it. */
typedef struct srv_store_visitor {
    int (*account)(void *ctx, const srv_store_account *account);
    int (*channel)(void *ctx, const srv_store_channel *channel);
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
